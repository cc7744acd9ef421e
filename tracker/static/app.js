// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Buttons that ask for confirmation: <button data-confirm="...">
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
  });
  // Auto-submit selects in filter forms: <select data-autosubmit>
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[data-autosubmit]") && ev.target.form) { ev.target.form.submit(); }
  });
})();
