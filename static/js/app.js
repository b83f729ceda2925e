// Behaviour every page may use, in place of inline handlers (the Content-Security-Policy allows no
// inline script): <button data-print> prints the page; <select data-autosubmit> submits its form on
// change; <input type="checkbox" data-check-all="NAME"> checks or unchecks every checkbox named NAME.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
    if (target.matches("input[data-check-all]")) {
      document.querySelectorAll('input[name="' + target.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });
})();
