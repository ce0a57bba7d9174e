/* The DSFR header's « Menu » button (below 992 px): opens and closes the navigation modal (#shell-menu) the way
   the DSFR script does (class fr-modal--opened, aria-expanded / data-fr-opened on the button, Escape closes,
   focus moves into the menu and back). A small own script rather than the DSFR's: the latter, started on the
   nodes Dash renders, threw at start-up (« Cannot read properties of undefined (reading 'ascend') »). Event
   delegation on the document: Dash may re-render the header's nodes. Served from assets/ (CSP: no inline). */
(function () {
  "use strict";
  var MENU = "shell-menu";

  function menu() { return document.getElementById(MENU); }
  function opener() { return document.querySelector('.fr-header__navbar [aria-controls="' + MENU + '"]'); }

  function setOpen(open, restoreFocus) {
    var m = menu();
    var b = opener();
    if (!m) return;
    m.classList.toggle("fr-modal--opened", open);
    if (open) {
      m.setAttribute("role", "dialog");
      m.setAttribute("aria-modal", "true");
    } else {
      m.removeAttribute("role");
      m.removeAttribute("aria-modal");
    }
    if (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
      b.setAttribute("data-fr-opened", open ? "true" : "false");
    }
    document.documentElement.classList.toggle("shell-menu-open", open);
    if (open) {
      var close = m.querySelector(".fr-btn--close");
      if (close) close.focus();
    } else if (restoreFocus && b) {
      b.focus();
    }
  }

  document.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target.closest("button, a") : null;
    if (!t) return;
    var m = menu();
    if (t.getAttribute("aria-controls") === MENU) {
      e.preventDefault();
      setOpen(!(m && m.classList.contains("fr-modal--opened")) && !t.classList.contains("fr-btn--close"), true);
    } else if (m && m.contains(t) && m.classList.contains("fr-modal--opened")) {
      setOpen(false, false); // a link of the menu was followed: the page changes under a closed menu
    }
  });
  document.addEventListener("keydown", function (e) {
    var m = menu();
    if (e.key === "Escape" && m && m.classList.contains("fr-modal--opened")) setOpen(false, true);
  });
  window.addEventListener("resize", function () {
    if (window.matchMedia("(min-width: 62em)").matches) setOpen(false, false);
  });
})();
