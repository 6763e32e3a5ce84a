// A <select data-year-switch="/base/"> in a form goes to /base/<year>/ when the form is
// submitted (its "Show" button), not on every change: a keyboard moves through the years
// with the arrow keys without leaving the page (WCAG 3.2.2, docs/accessibility.md). A script
// file, not an inline handler: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.querySelectorAll("select[data-year-switch]").forEach(function (select) {
    select.form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.location.href = select.getAttribute("data-year-switch") + select.value + "/";
    });
  });
})();
