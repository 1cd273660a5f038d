/* Starts Det Fælles Designsystem's components (menus, accordions, …). A file of its own rather
   than an inline script: the Content-Security-Policy allows no inline script. */
DKFDS.init();

/* === Forms (issue 15, item 4) ====================================================================
   1. The page lands on the form's error summary (templates/forms/error_summary.html).
   2. A part of a form that applies to one choice of a radio carries data-app-show-if="name=value"
      and is hidden while another choice is made (without JavaScript everything shows and the
      labels say when a field is required; the server validates per choice).
   3. Searchable pickers (templates/forms/picker.html): a search field over a scoped JSON endpoint
      replaces a long <select>, which stays the answer the form sends.
   ================================================================================================ */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector(".app-error-summary");
    if (!summary) {
      return;
    }
    if (!summary.hasAttribute("tabindex")) {
      summary.setAttribute("tabindex", "-1");
    }
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }

  function applyShowIf() {
    var blocks = document.querySelectorAll("[data-app-show-if]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var condition = block.getAttribute("data-app-show-if");
      var at = condition.indexOf("=");
      var name = condition.slice(0, at);
      var value = condition.slice(at + 1);
      var scope = block.closest("form") || document;
      var checked = scope.querySelector('input[type="radio"][name="' + CSS.escape(name) + '"]:checked');
      block.hidden = checked !== null && checked.value !== value;
    }
  }

  function initPicker(picker) {
    var select = document.getElementById(picker.getAttribute("data-app-picker-select"));
    var box = picker.querySelector(".app-picker-search");
    if (!select || !box) {
      return;
    }
    var input = box.querySelector("input[type=search]");
    var status = box.querySelector(".app-picker-status");
    var results = box.querySelector(".app-picker-results");
    var chosen = box.querySelector("[data-app-picker-chosen]");
    var url = picker.getAttribute("data-app-picker-url");
    var timer = null;
    var asked = 0;

    box.hidden = false;
    select.hidden = true;
    var label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    if (label) {
      label.setAttribute("for", input.id);
    }
    // The error summary's link to the field leads to the search field now.
    var links = document.querySelectorAll('a[href="#' + CSS.escape(select.id) + '"]');
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute("href", "#" + input.id);
    }
    if (select.getAttribute("aria-invalid") === "true") {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", (select.getAttribute("aria-describedby") || "") + " " + status.id);
    }

    function choose(id, text) {
      var option = select.querySelector('option[value="' + CSS.escape(String(id)) + '"]');
      if (!option) {
        option = new Option(text, id);
        select.add(option);
      }
      select.value = String(id);
      chosen.textContent = text;
      results.textContent = "";
      status.textContent = status.getAttribute("data-app-picker-chosen-message");
      input.value = "";
      input.focus();
    }

    function show(items) {
      results.textContent = "";
      for (var i = 0; i < items.length; i++) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-tertiary app-picker-result";
        button.textContent = items[i].label;
        button.addEventListener("click", choose.bind(null, items[i].id, items[i].label));
        item.appendChild(button);
        results.appendChild(item);
      }
      status.textContent = status.getAttribute(items.length ? "data-app-picker-found" : "data-app-picker-none");
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2) {
        results.textContent = "";
        status.textContent = status.getAttribute("data-app-picker-start");
        return;
      }
      var ticket = ++asked;
      var address = url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
      fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket === asked) {
            show(data.results || []);
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { // Enter searches instead of sending the form.
        event.preventDefault();
        window.clearTimeout(timer);
        search();
      }
    });
  }

  function init() {
    applyShowIf();
    document.addEventListener("change", function (event) {
      if (event.target && event.target.type === "radio") {
        applyShowIf();
      }
    });
    var pickers = document.querySelectorAll("[data-app-picker-url]");
    for (var i = 0; i < pickers.length; i++) {
      initPicker(pickers[i]);
    }
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
/* === End of forms (issue 15, item 4) ============================================================ */
