// The organization switcher's filter box (templates/includes/_switcher.html, shown past ten organizations):
// typing hides the organizations whose name, and whose account's name, do not hold what was typed, and the
// heading of an account none of whose organizations is left. Without JavaScript the box is hidden and the
// whole list stays. Loaded as a file: the Content-Security-Policy forbids inline code.
"use strict";

(function () {
  function folded(text) {
    return (text || "").trim().toLocaleLowerCase();
  }

  function applyFilter(menu, typed) {
    var wanted = folded(typed);
    var shown = 0;
    menu.querySelectorAll("[data-switcher-group]").forEach(function (group) {
      var heading = group.querySelector(".switcher-group-name");
      var accountMatches = wanted !== "" && folded(heading && heading.textContent).indexOf(wanted) !== -1;
      var left = 0;
      group.querySelectorAll("[data-switcher-entry]").forEach(function (entry) {
        var name = entry.querySelector(".switcher-name");
        var matches = wanted === "" || accountMatches || folded(name && name.textContent).indexOf(wanted) !== -1;
        entry.hidden = !matches;
        if (matches) left += 1;
      });
      group.hidden = left === 0;
      shown += left;
    });
    var none = menu.querySelector("[data-switcher-none]");
    if (none) none.hidden = shown !== 0;
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.closest || !input.closest("[data-switcher-filter]")) return;
    var menu = input.closest(".switcher-menu");
    if (menu) applyFilter(menu, input.value);
  });

  // Opening the menu puts the cursor in the filter box, so that typing filters at once.
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.switcher") || !details.open) return;
      var input = details.querySelector("[data-switcher-filter] input");
      if (input) input.focus();
    },
    true
  );
})();
