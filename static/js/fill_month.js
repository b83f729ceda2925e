// Monthly fill-in page: the unit's projects as rows; a row's card is loaded with htmx and saved on its
// own as the reporter types. A copy of every card's input is kept in this browser so that nothing typed
// is lost when the login session expires, when a value is refused, or when another page saved the card.
//
// Each card carries the report's version it was loaded at ({prefix}-version). The server refuses
// a save from an older version (409, with the saved values); the card then shows both and the
// reporter chooses. The browser copy remembers the version it was typed over: a copy made over
// another version never replaces the card's values by itself — both are shown and the reporter chooses.
(function () {
  "use strict";
  var root = document.getElementById("fill-month");
  if (!root) return;
  var storageKey = root.dataset.storageKey;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;

  function cardOf(element) { return element.closest ? element.closest(".report-card") : null; }
  function versionInput(card) { return card.querySelector("input[name='" + card.dataset.prefix + "-version']"); }
  function version(card) { return versionInput(card).value; }
  // A card's own inputs are named "{prefix}-…"; the photo form inside it is not part of the card's save.
  function isCardField(card, f) {
    return f.name && f.name.indexOf(card.dataset.prefix + "-") === 0 && f !== versionInput(card);
  }
  function fieldsOf(card) {
    return Array.prototype.filter.call(
      card.querySelectorAll("input[name], select[name], textarea[name]"),
      function (f) { return isCardField(card, f); }
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
  function labelOf(f) {
    var label = f.closest("label");
    return label ? label.firstChild.textContent.trim() : f.name;
  }
  function shown(f, value) {
    if (!value) return "—";
    if (f.tagName === "SELECT") {
      var option = Array.prototype.find.call(f.options, function (o) { return o.value === value; });
      return option ? option.textContent : value;
    }
    return value;
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
  function forgetBackup(card) {
    var backup = loadBackup();
    delete backup[card.id];
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

  function button(text, className, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = className; b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // The copy was typed over another version than the card now shows: the server's content may be newer.
  // Show both, field by field, and let the reporter choose; nothing is replaced by itself.
  function offerBackup(card, copy) {
    var box = card.querySelector(".card-backup");
    var when = new Date(copy.at).toLocaleString("zh-CN");
    box.innerHTML = "";
    var note = document.createElement("p");
    note.className = "bad";
    note.textContent = "此浏览器保留了" + when + "在此卡片输入但未保存的内容，而服务器上的内容此后已更新。请核对后选择：";
    var table = document.createElement("table");
    table.className = "data backup-values";
    table.innerHTML = "<thead><tr><th></th><th>服务器上的内容</th><th>此浏览器保留的内容</th></tr></thead>";
    var body = document.createElement("tbody");
    fieldsOf(card).forEach(function (f) {
      var value = copy.values[f.name];
      if (value === undefined || value === f.value) return;
      var row = document.createElement("tr");
      [labelOf(f), shown(f, f.value), shown(f, value)].forEach(function (text, i) {
        var cell = document.createElement(i ? "td" : "th");
        cell.textContent = text;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    var restore = button("使用此浏览器保留的内容", "btn", function () {
      setValues(card, copy.values);
      box.hidden = true;
      saveBackup(card);
      autosave(card);
    });
    restore.dataset.backupUse = "1";
    var discard = button("保留服务器上的内容", "btn secondary", function () {
      forgetBackup(card);
      box.hidden = true;
    });
    discard.dataset.backupDiscard = "1";
    box.appendChild(note); box.appendChild(table);
    var actions = document.createElement("p");
    actions.appendChild(restore); actions.appendChild(document.createTextNode(" ")); actions.appendChild(discard);
    box.appendChild(actions);
    box.hidden = false;
  }

  // A card just shown: restore input that never reached the server (e.g. the session had expired, or the
  // value was refused), or offer it next to newer server content.
  function initCard(card) {
    if (card.dataset.ready) return;
    card.dataset.ready = "1";
    if (card.dataset.conflict) { saveBackup(card); return; }  // the card shows typed and saved values already
    var backup = loadBackup();
    var copy = backup[card.id];
    if (!copy || !copy.values) return;
    if (!differsFromPage(card, copy.values)) { forgetBackup(card); return; }
    if (String(copy.version) === version(card)) {
      setValues(card, copy.values);
      var box = card.querySelector(".card-backup");
      box.innerHTML = "";
      var note = document.createElement("p");
      note.className = "bad restore-note";
      note.textContent = "已恢复此浏览器保留的未保存内容，请核对后保存。";
      box.appendChild(note);
      box.hidden = false;
      var pageNote = document.getElementById("restore-note");
      if (pageNote) pageNote.hidden = false;
    } else {
      offerBackup(card, copy);
    }
  }
  function initCards(scope) {
    if (scope.matches && scope.matches(".report-card")) initCard(scope);
    Array.prototype.forEach.call(scope.querySelectorAll(".report-card"), initCard);
  }

  function showConflict(card, html) {
    card.dataset.conflict = "1";
    card.querySelector(".card-conflict").innerHTML = html;
  }
  function clearConflict(card) {
    delete card.dataset.conflict;
    card.querySelector(".card-conflict").innerHTML = "";
  }

  // Errors at their fields: the typed text stays in the input (and in the browser copy).
  function showFieldErrors(card, errors) {
    Array.prototype.forEach.call(card.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Object.keys(errors || {}).forEach(function (name) {
      if (!name) return;
      var field = card.querySelector("[name='" + name + "']");
      if (!field) return;
      var list = document.createElement("ul");
      list.className = "errorlist field-error";
      list.setAttribute("role", "alert");
      errors[name].forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      field.insertAdjacentElement("afterend", list);
      field.setAttribute("aria-invalid", "true");
    });
    fieldsOf(card).forEach(function (f) { if (!(errors || {})[f.name]) f.removeAttribute("aria-invalid"); });
  }
  // The figures next to the card and in its row are always the saved ones.
  function showSavedFigures(card, status) {
    var figures = status.querySelector("template[data-figures]");
    var old = card.querySelector("[data-saved-figures]");
    if (figures && old) old.replaceWith(figures.content.cloneNode(true));
    var row = status.querySelector("template[data-row]");
    var rowBox = card.closest(".fill-row");
    var target = rowBox ? rowBox.querySelector(".row-figures") : null;
    if (row && target) { target.innerHTML = ""; target.appendChild(row.content.cloneNode(true)); }
    var photos = status.querySelector("template[data-photos]");
    var oldPhotos = card.querySelector(".card-photos");
    if (photos && oldPhotos) {
      oldPhotos.replaceWith(photos.content.cloneNode(true));
      if (window.htmx) window.htmx.process(card.querySelector(".card-photos"));
    }
    Array.prototype.forEach.call(status.querySelectorAll("template"), function (t) { t.remove(); });
  }

  root.addEventListener("click", function (event) {
    var card = cardOf(event.target);
    if (!card) return;
    if (event.target.matches("[data-card-save]")) {
      clearTimeout(timers[card.id]);
      delete timers[card.id];
      saveBackup(card);
      autosave(card);
      return;
    }
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
      forgetBackup(card);
      card.querySelector(".autosave-status").textContent = "";
    }
  });

  var timers = {};
  var inFlight = [];
  function autosave(card) {
    var status = card.querySelector(".autosave-status");
    if (!status) return Promise.resolve();
    if (card.dataset.conflict) return Promise.resolve();  // waits for the reporter's choice
    var body = new FormData();
    var sent = valuesOf(card);
    body.append(versionInput(card).name, version(card));
    Object.keys(sent).forEach(function (name) { body.append(name, sent[name]); });
    status.textContent = "…";
    var request = fetch(card.dataset.autosaveUrl, {
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
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
      showSavedFigures(card, status);
      var saved = status.querySelector("[data-saved]");
      var refused = status.querySelector("[data-errors]");
      showFieldErrors(card, refused ? JSON.parse(refused.dataset.errors) : {});
      if (saved) {
        versionInput(card).value = saved.dataset.version;
        dropBackup(card, sent);
        var restoredNote = card.querySelector(".card-backup .restore-note");
        if (restoredNote) card.querySelector(".card-backup").hidden = true;
      }
    }).catch(function () {
      status.textContent = "⚠";
    });
    inFlight.push(request);
    request.then(function () { inFlight.splice(inFlight.indexOf(request), 1); });
    return request;
  }

  // Save every card with input waiting for its timer: before another request leaves the page
  // (a photo upload, the submit confirmation) and when the page is left.
  function flush() {
    Object.keys(timers).forEach(function (id) {
      clearTimeout(timers[id]);
      delete timers[id];
      var card = document.getElementById(id);
      if (card) autosave(card);
    });
    return Promise.all(inFlight.slice());
  }

  function schedule(event, delay) {
    var card = cardOf(event.target);
    if (!card || !isCardField(card, event.target)) return;
    saveBackup(card);
    clearTimeout(timers[card.id]);
    timers[card.id] = setTimeout(function () { delete timers[card.id]; autosave(card); }, delay);
  }
  root.addEventListener("input", function (event) { schedule(event, 1500); });
  root.addEventListener("change", function (event) { schedule(event, 300); });
  window.addEventListener("pagehide", flush);

  var submitAll = document.getElementById("submit-all");
  if (submitAll) {
    submitAll.addEventListener("click", function (event) {
      event.preventDefault();
      flush().then(function () { window.location.href = submitAll.href; });
    });
  }

  // A row's button opens its card once; clicking it again folds the card away or shows it again.
  document.body.addEventListener("htmx:confirm", function (event) {
    var opener = event.target;
    if (!opener.classList || !opener.classList.contains("open-card")) return;
    var slot = opener.closest(".fill-row").querySelector(".card-slot");
    if (slot.querySelector(".report-card")) {
      event.preventDefault();
      slot.hidden = !slot.hidden;
    }
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target.classList || !event.target.classList.contains("open-card")) flush();
  });
  document.body.addEventListener("htmx:afterSwap", function (event) { initCards(event.detail.target); });
  initCards(root);

  // Links to a report's card (#report-<pk>, e.g. from the report's page) open it when it is on this page.
  // htmx (deferred) sets up its links when the document is ready: the card is opened after that.
  var wanted = /^#report-(\d+)$/.exec(window.location.hash);
  var row = wanted && root.querySelector(".fill-row[data-report='" + wanted[1] + "']");
  if (row) {
    document.addEventListener("DOMContentLoaded", function () {
      setTimeout(function () {
        row.scrollIntoView();
        row.querySelector(".open-card").click();
      }, 0);
    });
  }
})();
