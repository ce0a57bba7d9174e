/*
 * RGAA (axe-core, tests/test_accessibility_browser.py): Dash 4's own markup repaired after each render, since
 * its components take no ARIA props for these parts. Loaded as an asset file (the CSP allows no inline script).
 *
 * - Dropdown (rule aria-hidden-focus): the Tab stop is a hidden `<input aria-hidden="true" tabindex="0">` that
 *   forwards focus to the real button (tabindex -1). The button itself becomes the Tab stop; the hidden input
 *   leaves the tab order. The button opens on ArrowDown/Enter as before.
 * - RadioItems and Checklist (rules aria-input-field-name, nested-interactive): a role="listbox" of labels with
 *   role="option", each wrapping a native radio or checkbox. The native inputs already say it all: the list
 *   becomes a plain radiogroup/group, the labels lose role="option" and aria-selected.
 * - DatePickerSingle (rule aria-allowed-attr): aria-expanded/aria-haspopup sit on a plain <div>. They move to
 *   the text input, as a combobox (the ARIA date-picker pattern); data-expanded keeps Dash's caret rotation.
 */
(function () {
  "use strict";

  function set(el, name, value) {
    if (value === null) {
      if (el.hasAttribute(name)) {
        el.removeAttribute(name);
      }
    } else if (el.getAttribute(name) !== value) {
      el.setAttribute(name, value);
    }
  }

  function patch() {
    document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (hidden) {
      var button = hidden.nextElementSibling;
      if (button && button.classList.contains("dash-dropdown")) {
        set(hidden, "tabindex", "-1");
        set(button, "tabindex", button.disabled ? "-1" : "0");
      }
    });
    document.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      set(list, "role", list.classList.contains("dash-radioitems") ? "radiogroup" : "group");
    });
    document.querySelectorAll(".dash-options-list-option[role=option], .dash-options-list-option[aria-selected]")
      .forEach(function (opt) {
        set(opt, "role", null);
        set(opt, "aria-selected", null);
      });
    document.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]").forEach(function (wrap) {
      var expanded = wrap.getAttribute("aria-expanded");
      var input = wrap.querySelector("input.dash-datepicker-input");
      set(wrap, "data-expanded", expanded);
      set(wrap, "aria-expanded", null);
      set(wrap, "aria-haspopup", null);
      if (input) {
        set(input, "role", "combobox");
        set(input, "aria-haspopup", "dialog");
        set(input, "aria-expanded", expanded);
      }
    });
  }

  new MutationObserver(patch).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["tabindex", "role", "aria-selected", "aria-expanded"],
  });
})();
