/*
 * « Statistiques »: the sections below the synthesis are rendered when they come into view (or take the focus,
 * or the page is printed), not all at once: each one's dcc.Store is set to 1 through dash_clientside.set_props,
 * which fires that section's callback (dashboard/pages/statistiques/callbacks.py, LAZY).
 * A section carries data-stats-lazy (its store's id) and data-stats-render (a token per page built): React may
 * reuse the element for the next view, so "already asked" is remembered per token, not per element.
 * Also: the controls apply on change, which rebuilds the page; the keyboard focus goes back to the control used.
 * Loaded as an asset file (the CSP allows no inline script).
 */
(function () {
  "use strict";

  var observed = new WeakMap(); // section -> token it is observed for

  function pending(s) {
    return s.getAttribute("data-stats-render") !== s.getAttribute("data-stats-asked");
  }

  function ask(s) {
    var cs = window.dash_clientside;
    if (!pending(s) || !cs || !cs.set_props) {
      return;
    }
    s.setAttribute("data-stats-asked", s.getAttribute("data-stats-render"));
    cs.set_props(s.getAttribute("data-stats-lazy"), { data: 1 });
  }

  var io = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) {
          io.unobserve(e.target);
          observed.delete(e.target);
          ask(e.target);
        }
      });
    }, { rootMargin: "0px 0px 150px 0px" })
    : null;

  var lastControl = null; // {id, value, at}: the control the user changed

  function restoreFocus() {
    if (!lastControl || Date.now() - lastControl.at > 8000) {
      return;
    }
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) {
      return;
    }
    var host = document.getElementById(lastControl.id);
    if (!host) {
      return;
    }
    var el = null;
    if (lastControl.value !== null) {
      el = host.querySelector('input[value="' + CSS.escape(lastControl.value) + '"]');
    }
    el = el || (host.matches("input, button, [tabindex]") ? host : host.querySelector("input, button, [tabindex]"));
    if (el) {
      el.focus();
      lastControl = null;
    }
  }

  function scan() {
    document.querySelectorAll("[data-stats-lazy]").forEach(function (s) {
      var token = s.getAttribute("data-stats-render");
      if (!pending(s) || observed.get(s) === token) {
        return;
      }
      observed.set(s, token);
      if (io) {
        io.unobserve(s); // observe again: the callback reports the current intersection first
        io.observe(s);
      } else {
        ask(s);
      }
    });
    restoreFocus();
  }

  new MutationObserver(scan).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-stats-render"],
  });

  document.addEventListener("focusin", function (e) {
    var s = e.target.closest && e.target.closest("[data-stats-lazy]");
    if (s) {
      ask(s);
    }
  });

  function remember(e) {
    var t = e.target;
    var host = t.closest && t.closest(".stats-controls [id]");
    if (host) {
      lastControl = { id: host.id, value: t.tagName === "INPUT" ? t.value : null, at: Date.now() };
    }
  }
  document.addEventListener("change", remember, true);
  document.addEventListener("click", remember, true);
  document.addEventListener("keydown", remember, true);

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("[data-stats-lazy]").forEach(ask);
  });
})();
