// The year plan form: the sum of the twelve monthly amounts against the annual target, as one types.
// The message for a difference comes from the note's data-differs attribute (translated in the template).
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form) {
    return;
  }
  var note = document.getElementById("month-sum-note");
  function update() {
    var cents = 0;
    form.querySelectorAll("input.month").forEach(function (input) {
      cents += Math.round((parseFloat(input.value) || 0) * 100);
    });
    var target = Math.round((parseFloat(form.querySelector("[name=annual_target]").value) || 0) * 100);
    document.getElementById("month-sum").textContent = (cents / 100).toFixed(2);
    note.textContent = cents === target ? "✓" : note.dataset.differs + " " + ((target - cents) / 100).toFixed(2);
    note.className = cents === target ? "ok" : "bad";
  }
  form.addEventListener("input", update);
  update();
})();
