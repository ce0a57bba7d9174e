/*
 * RGAA: Dash 4's dropdown names its trigger by its current value only
 * (aria-labelledby="<id>-value-count <id>-value"), so a screen reader announces « 6EME A » instead of
 * « Classe, 6EME A ». Put the field's own <label for="<id>"> first in that list, and again whenever React
 * re-renders the trigger. Loaded as an asset file (the CSP allows no inline script).
 */
(function () {
  "use strict";

  function patch() {
    document.querySelectorAll(".dash-dropdown[aria-labelledby]").forEach(function (el) {
      var refs = el.getAttribute("aria-labelledby").split(" ");
      var id = refs[refs.length - 1].replace(/-value$/, "");
      var label = id && document.querySelector('label[for="' + CSS.escape(id) + '"]');
      if (!label) {
        return;
      }
      if (!label.id) {
        label.id = id + "-label";
      }
      if (refs[0] !== label.id) {
        el.setAttribute("aria-labelledby", [label.id].concat(refs).join(" "));
      }
    });
  }

  new MutationObserver(patch).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-labelledby"],
  });
})();
