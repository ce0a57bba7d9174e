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

  var RETRY_MS = 2000;
  var MAX_ASKS = 4;

  function body(s) {
    return s.querySelector(".stats-section__body");
  }

  function send(s, n) {
    // A new value each time (1, 2, …): the section's callback runs for any truthy one, and a repeated ask is a
    // change Dash does not drop.
    window.dash_clientside.set_props(s.getAttribute("data-stats-lazy"), { data: n });
    var token = s.getAttribute("data-stats-render");
    setTimeout(function () {
      // Asked, but nothing came (an ask can be lost while Dash is still wiring the new page): ask again.
      var b = body(s);
      if (document.contains(s) && s.getAttribute("data-stats-render") === token && b && !b.childElementCount
          && !s.querySelector("[data-dash-is-loading]") && n < MAX_ASKS) {
        send(s, n + 1);
      }
    }, RETRY_MS * n);
  }

  function ask(s) {
    var cs = window.dash_clientside;
    if (!pending(s) || !cs || !cs.set_props) {
      return;
    }
    s.setAttribute("data-stats-asked", s.getAttribute("data-stats-render"));
    send(s, 1);
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
