// Monthly fill-in page: autosave each project card as the reporter types, and keep a copy of
// every input in this browser so that nothing typed is lost when the login session expires or
// when another page saved the same card meanwhile.
//
// Each card carries the report's version it was loaded at ({prefix}-version). The server refuses
// a save from an older version (409, with the saved values); the card then shows both and the
// reporter chooses. The browser copy remembers the version it was typed over: a copy made over
// another version never replaces the page's values by itself — both are shown and the reporter chooses.
(function () {
  "use strict";
  var form = document.getElementById("month-form");
  if (!form) return;
  var storageKey = form.dataset.storageKey;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function cardOf(element) { return element.closest(".report-card"); }
  function versionInput(card) { return card.querySelector("input[name='" + card.dataset.prefix + "-version']"); }
  function version(card) { return versionInput(card).value; }

  function fieldsOf(card) {
    return Array.prototype.filter.call(
      card.querySelectorAll("input[name], select[name], textarea[name]"),
      function (f) { return f !== versionInput(card); }
    );
  }
  function valuesOf(card) {
    var values = {};
    fieldsOf(card).forEach(function (f) { values[f.name] = f.value; });
    return values;
  }
  function sameValues(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function differsFromPage(card, values) {
    return fieldsOf(card).some(function (f) { return values[f.name] !== undefined && values[f.name] !== f.value; });
  }
  function setValues(card, values) {
    fieldsOf(card).forEach(function (f) { if (values[f.name] !== undefined && !f.disabled) f.value = values[f.name]; });
  }

  function loadBackup() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; }
  }
  function storeBackup(backup) {
    try { localStorage.setItem(storageKey, JSON.stringify(backup)); } catch (e) { /* storage full: autosave still runs */ }
  }
  function saveBackup(card) {
    var backup = loadBackup();
    backup[card.id] = { values: valuesOf(card), version: version(card), at: Date.now() };
    storeBackup(backup);
  }
  // Drop the copy only when it holds what was just saved: another tab may have typed over it since.
  function dropBackup(card, saved) {
    var backup = loadBackup();
    if (backup[card.id] && sameValues(backup[card.id].values, saved)) {
      delete backup[card.id];
      storeBackup(backup);
    }
  }

  function offerBackup(card, copy) {
    var box = card.querySelector(".card-backup");
    var when = new Date(copy.at).toLocaleString("zh-CN");
    box.innerHTML = "";
    var note = document.createElement("p");
    note.className = "bad";
    note.textContent = "此浏览器保留了" + when + "在此卡片输入但未保存的内容，而服务器上的内容此后已更新。请核对后选择：";
    var list = document.createElement("ul");
    fieldsOf(card).forEach(function (f) {
      var value = copy.values[f.name];
      if (value === undefined || value === f.value || !value) return;
      var item = document.createElement("li");
      var label = f.closest("label");
      item.textContent = (label ? label.firstChild.textContent.trim() : f.name) + "：" + value;
      list.appendChild(item);
    });
    var restore = document.createElement("button");
    restore.type = "button"; restore.className = "btn"; restore.textContent = "恢复此浏览器保留的内容";
    restore.addEventListener("click", function () {
      setValues(card, copy.values);
      box.hidden = true;
      saveBackup(card);
      autosave(card);
    });
    var discard = document.createElement("button");
    discard.type = "button"; discard.className = "btn secondary"; discard.textContent = "保留服务器上的内容";
    discard.addEventListener("click", function () {
      var backup = loadBackup();
      delete backup[card.id];
      storeBackup(backup);
      box.hidden = true;
    });
    box.appendChild(note); box.appendChild(list); box.appendChild(restore); box.appendChild(discard);
    box.hidden = false;
  }

  // Restore input that never reached the server (e.g. the session had expired).
  var backup = loadBackup();
  var restored = false;
  Object.keys(backup).forEach(function (cardId) {
    var card = document.getElementById(cardId);
    var copy = backup[cardId];
    if (!card || !copy || !copy.values) return;
    if (card.dataset.conflict) return;  // the page shows the typed values and the saved ones already
    if (!differsFromPage(card, copy.values)) { delete backup[cardId]; return; }
    if (String(copy.version) === version(card)) {
      setValues(card, copy.values);
      restored = true;
    } else {
      offerBackup(card, copy);
    }
  });
  storeBackup(backup);
  if (restored) document.getElementById("restore-note").hidden = false;
  document.querySelectorAll(".report-card[data-conflict]").forEach(function (card) { saveBackup(card); });

  function showConflict(card, html) {
    card.dataset.conflict = "1";
    card.querySelector(".card-conflict").innerHTML = html;
  }
  function clearConflict(card) {
    delete card.dataset.conflict;
    card.querySelector(".card-conflict").innerHTML = "";
  }

  form.addEventListener("click", function (event) {
    var card = cardOf(event.target);
    if (!card) return;
    var box = card.querySelector(".conflict");
    if (!box) return;
    if (event.target.matches("[data-conflict-keep]")) {
      // The reporter chose their input: save it over the version they have now seen.
      versionInput(card).value = box.dataset.conflictVersion;
      clearConflict(card);
      autosave(card);
    } else if (event.target.matches("[data-conflict-use-saved]")) {
      setValues(card, JSON.parse(box.dataset.savedValues));
      versionInput(card).value = box.dataset.conflictVersion;
      clearConflict(card);
      var copy = loadBackup();
      delete copy[card.id];
      storeBackup(copy);
      card.querySelector(".autosave-status").textContent = "";
    }
  });

  var timers = {};
  function autosave(card) {
    var status = card.querySelector(".autosave-status");
    if (!status) return;
    if (card.dataset.conflict) return;  // waits for the reporter's choice
    var body = new FormData();
    var sent = valuesOf(card);
    body.append(versionInput(card).name, version(card));
    Object.keys(sent).forEach(function (name) { body.append(name, sent[name]); });
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
      return response.text().then(function (html) { return { status: response.status, html: html }; });
    }).then(function (answer) {
      if (answer === null) return;
      if (answer.status === 409) {
        saveBackup(card);
        showConflict(card, answer.html);
        status.textContent = "";
        return;
      }
      status.innerHTML = answer.html;
      var saved = status.querySelector("[data-saved]");
      if (saved) {
        versionInput(card).value = saved.dataset.version;
        dropBackup(card, sent);
      }
    }).catch(function () {
      status.textContent = "⚠";
    });
  }

  function schedule(event, delay) {
    var card = cardOf(event.target);
    if (!card || event.target === versionInput(card)) return;
    saveBackup(card);
    clearTimeout(timers[card.id]);
    timers[card.id] = setTimeout(function () { autosave(card); }, delay);
  }
  form.addEventListener("input", function (event) { schedule(event, 1500); });
  form.addEventListener("change", function (event) { schedule(event, 300); });
  form.addEventListener("submit", function () {
    // The server keeps what it receives as drafts even when it finds errors; the copies stay until
    // the next page shows the same values (then they are dropped above).
    document.querySelectorAll(".report-card").forEach(function (card) { saveBackup(card); });
  });
})();
