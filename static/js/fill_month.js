// Monthly fill-in page: autosave each project card as the reporter types, and keep a copy of
// every input in this browser so that nothing typed is lost when the login session expires.
(function () {
  "use strict";
  var form = document.getElementById("month-form");
  if (!form) return;
  var storageKey = form.dataset.storageKey;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function cardOf(element) { return element.closest(".report-card"); }

  function fieldsOf(card) {
    return card.querySelectorAll("input[name], select[name], textarea[name]");
  }

  function loadBackup() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; }
  }

  function saveBackup(card) {
    var backup = loadBackup();
    var values = {};
    fieldsOf(card).forEach(function (f) { values[f.name] = f.value; });
    backup[card.id] = { values: values, at: Date.now() };
    try { localStorage.setItem(storageKey, JSON.stringify(backup)); } catch (e) { /* storage full: autosave still runs */ }
  }

  function dropBackup(card) {
    var backup = loadBackup();
    delete backup[card.id];
    localStorage.setItem(storageKey, JSON.stringify(backup));
  }

  // Restore input that never reached the server (e.g. the session had expired).
  var backup = loadBackup();
  var restored = false;
  Object.keys(backup).forEach(function (cardId) {
    var card = document.getElementById(cardId);
    if (!card) return;
    fieldsOf(card).forEach(function (f) {
      var value = backup[cardId].values[f.name];
      if (value !== undefined && value !== f.value && !f.disabled) { f.value = value; restored = true; }
    });
  });
  if (restored) document.getElementById("restore-note").hidden = false;

  var timers = {};
  function autosave(card) {
    var status = card.querySelector(".autosave-status");
    if (!status) return;
    var body = new FormData();
    fieldsOf(card).forEach(function (f) { body.append(f.name, f.value); });
    status.textContent = "…";
    fetch(card.dataset.autosaveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.redirected || response.url.indexOf("/login/") !== -1) {
        document.getElementById("session-note").hidden = false;
        status.textContent = "";
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html === null) return;
      status.innerHTML = html;
      if (status.querySelector("[data-saved]")) dropBackup(card);
    }).catch(function () {
      status.textContent = "⚠";
    });
  }

  form.addEventListener("input", function (event) {
    var card = cardOf(event.target);
    if (!card) return;
    saveBackup(card);
    clearTimeout(timers[card.id]);
    timers[card.id] = setTimeout(function () { autosave(card); }, 1500);
  });
  form.addEventListener("change", function (event) {
    var card = cardOf(event.target);
    if (!card) return;
    saveBackup(card);
    clearTimeout(timers[card.id]);
    timers[card.id] = setTimeout(function () { autosave(card); }, 300);
  });
  form.addEventListener("submit", function () {
    // The server keeps what it receives as drafts even when it finds errors.
    document.querySelectorAll(".report-card").forEach(function (card) { saveBackup(card); });
    setTimeout(function () { localStorage.removeItem(storageKey); }, 0);
  });
})();
