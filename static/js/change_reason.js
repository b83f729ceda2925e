// A key figure's change reason: shown (and asked for) only once the figure differs from the saved one.
// The server requires it either way; this only keeps the form short when nothing key changes.
(function () {
  document.querySelectorAll("[data-reason-for]").forEach(function (reason) {
    var figure = document.querySelector("[name=" + reason.dataset.reasonFor + "]");
    var row = reason.closest("p") || reason.parentNode;
    if (!figure || reason.dataset.saved === undefined) return;
    var saved = parseFloat(reason.dataset.saved);
    function update() {
      var changed = parseFloat(String(figure.value).replace(/,/g, "")) !== saved;
      var shown = changed || reason.value.trim() !== "" || row.querySelector(".errorlist");
      row.hidden = !shown;
      reason.required = changed;
    }
    figure.addEventListener("input", update);
    update();
  });
})();
