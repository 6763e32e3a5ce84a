// A <select data-year-switch="/base/"> goes to /base/<year>/ when a year is picked (a
// script file, not an inline handler: the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  document.querySelectorAll("select[data-year-switch]").forEach(function (select) {
    select.addEventListener("change", function () {
      window.location.href = select.getAttribute("data-year-switch") + select.value + "/";
    });
  });
})();
