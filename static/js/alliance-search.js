// The assistant's registration (templates/accounts/register_assistant.html): a search box
// above the alliance list filters it as one types (each option's text holds the alliance's
// code, name, institution and PI), says how many match in a live region, and chooses the
// alliance when only one is left. Without JavaScript the page's search form narrows the
// list on the server instead (and hides here); either way the form posts the alliance's id.
// A script file, not an inline handler: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var select = document.querySelector("select[data-alliance-search]");
  var words = document.getElementById("alliance-search-text");
  if (!select || !words) {
    return;
  }
  var options = Array.prototype.slice.call(select.options);
  var blank = options.filter(function (option) {
    return option.value === "";
  })[0];
  var alliances = options.filter(function (option) {
    return option.value !== "";
  });

  var box = document.createElement("div");
  box.className = "field alliance-search";
  var label = document.createElement("label");
  label.htmlFor = "alliance-filter";
  label.textContent = words.getAttribute("data-label");
  var input = document.createElement("input");
  input.type = "search";
  input.id = "alliance-filter";
  input.autocomplete = "off";
  input.setAttribute("aria-controls", select.id);
  var status = document.createElement("p");
  status.id = "alliance-filter-status";
  status.className = "muted";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.appendChild(label);
  box.appendChild(input);
  box.appendChild(status);
  var field = select.closest(".field") || select;
  field.parentNode.insertBefore(box, field);

  var fallback = document.querySelector("form[data-alliance-search-fallback]");
  if (fallback) {
    var query = fallback.querySelector("input[name=q]");
    input.value = query ? query.value : "";
    fallback.hidden = true;
    fallback.style.display = "none"; // form.search is a flex box: [hidden] alone would not hide it
  }

  var pending;
  function announce(matches) {
    var text = "";
    if (input.value.trim()) {
      if (matches.length === 0) {
        text = words.getAttribute("data-none");
      } else if (matches.length === 1) {
        text = words.getAttribute("data-one").replace("{name}", matches[0].text);
      } else {
        text = words.getAttribute("data-many").replace("{n}", String(matches.length));
      }
    }
    // Said once the typing pauses, not at every letter.
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      status.textContent = text;
    }, 300);
  }

  function filter() {
    var needle = input.value.trim().toLowerCase();
    var chosen = select.value;
    var matches = alliances.filter(function (option) {
      return !needle || option.text.toLowerCase().indexOf(needle) !== -1;
    });
    while (select.options.length) {
      select.remove(0);
    }
    if (blank) {
      select.add(blank);
    }
    matches.forEach(function (option) {
      select.add(option);
    });
    if (matches.length === 1) {
      select.value = matches[0].value;
    } else if (
      matches.some(function (option) {
        return option.value === chosen;
      })
    ) {
      select.value = chosen;
    } else {
      select.value = "";
    }
    announce(matches);
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    // Enter here would send the registration: it only ends the search.
    if (event.key === "Enter") {
      event.preventDefault();
      select.focus();
    }
  });
  if (input.value.trim()) {
    filter();
  }
})();
