// Follows background work (an export, a registry import) without reloading the page (a reload would send a screen
// reader back to the top): every two seconds it fetches the page again and, if the status
// region changed, swaps it in; it stops once the region says the work is over. Without
// JavaScript the page refreshes itself instead (<noscript> in the template).
(function () {
  "use strict";
  var region = document.querySelector("[data-follow]") || document.getElementById("export-status");
  if (!region || region.getAttribute("data-working") !== "true") {
    return;
  }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser()
          .parseFromString(html, "text/html")
          .getElementById(region.id);
        if (!fresh) {
          return;
        }
        if (fresh.innerHTML !== region.innerHTML) {
          region.innerHTML = fresh.innerHTML;
        }
        region.setAttribute("data-working", fresh.getAttribute("data-working"));
        if (fresh.getAttribute("data-working") === "true") {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 2000);
})();
