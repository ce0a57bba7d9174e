/* Functions named in dash-ag-grid props (dash-ag-grid parses those strings and calls these functions: no eval,
   so the CSP keeps script-src 'self'), and the console's clientside callbacks (ClientsideFunction: no inline
   script either). Static code only: no data here. Several pages may add to these namespaces. */
(function () {
  "use strict";
  var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  var SELECTION_COLUMN = "ag-Grid-SelectionColumn";

  /* Responsables console (dashboard/pages/responsables): Enter on a focused row opens the account, exactly as a
     click does. Only the opaque row id goes to the server, through the grid's own `cellClicked` prop; the server
     re-checks it against the principal's scope like any click. */
  dagfuncs.respOpenOnEnter = function (params, setGridProps) {
    var ev = params && params.event;
    if (!ev || ev.key !== "Enter" || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) {
      return;
    }
    var node = params.node;
    var col = params.column && params.column.getColId ? params.column.getColId() : null;
    if (!node || node.id === undefined || node.id === null || col === SELECTION_COLUMN) {
      return;
    }
    ev.preventDefault();
    setGridProps({
      cellClicked: {value: params.value === undefined ? null : params.value, colId: col,
                    rowIndex: params.rowIndex, rowId: node.id, timestamp: Date.now()}
    });
  };

  /* Responsables console, column « Établissement » (shown to a remit of several establishments): the name on the
     first line (« … » when too long; the tooltip has it whole) and the UAI on the second, as text, so that a
     keyboard or screen-reader user gets both, not only a mouse user through the tooltip. */
  var comps = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
  comps.RespEtab = function (props) {
    var d = props && props.data;
    if (!d) {
      return null;
    }
    var h = window.React.createElement;
    return h("span", {className: "resp-etab"},
             h("span", {className: "resp-etab__nom"}, d.etablissement || ""),
             h("span", {className: "resp-etab__uai"}, d.uai || ""));
  };

  /* Journal (dashboard/pages/journal.py), column « Entrée »: the sentence in its own element, which
     assets/journal.css cuts after the lines its fixed-height row holds (« … »), while the cell keeps it centred. */
  comps.JournalText = function (props) {
    var v = props && props.value;
    return window.React.createElement("span", {className: "journal-text"}, v === undefined || v === null ? "" : v);
  };

  var cs = (window.dash_clientside = window.dash_clientside || {});
  cs.responsables = cs.responsables || {};
  /* When an account opens (or the panel closes), move the focus to the panel's heading, so that keyboard and
     screen-reader users land on what just appeared. */
  cs.responsables.focusDetail = function (rid) {
    window.requestAnimationFrame(function () {
      var h = document.getElementById("resp-detail-title");
      if (h) {
        h.focus();
      }
    });
    return window.dash_clientside.no_update;
  };

  /* Confirmation dialog of an action that changes a guardian's access (dashboard/pages/responsables/confirm.py).
     A token from the server opens the native modal <dialog> (showModal: the focus moves into it, the page behind
     is inert, Escape closes it); « Annuler », « Fermer » or the end of the action (token back to null) close it.
     The focus goes to « Annuler » (the harmless choice), and back to the button that opened the dialog. */
  var opener = null;
  cs.responsables.confirmDialog = function (data) {
    var dlg = document.getElementById("resp-confirm");
    var ctx = window.dash_clientside.callback_context;
    var trig = ctx && ctx.triggered && ctx.triggered.length ? ctx.triggered[0].prop_id : "";
    var wantOpen = trig.indexOf("resp-confirm-token.") === 0 && !!(data && data.token);
    if (!dlg || typeof dlg.showModal !== "function") {
      return window.dash_clientside.no_update;
    }
    if (!dlg.dataset.wired) {
      dlg.dataset.wired = "1";
      // Tab and Shift+Tab cycle inside the dialog (a native modal would let the focus go to the browser's bar).
      dlg.addEventListener("keydown", function (ev) {
        if (ev.key !== "Tab") {
          return;
        }
        var items = Array.prototype.filter.call(
          dlg.querySelectorAll("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])"),
          function (el) { return !el.disabled && el.offsetParent !== null; });
        if (!items.length) {
          return;
        }
        var first = items[0], last = items[items.length - 1];
        if (ev.shiftKey && document.activeElement === first) {
          ev.preventDefault();
          last.focus();
        } else if (!ev.shiftKey && document.activeElement === last) {
          ev.preventDefault();
          first.focus();
        }
      });
      dlg.addEventListener("close", function () {
        dlg.classList.remove("fr-modal--opened");
        if (opener && document.body.contains(opener)) {
          opener.focus();
        }
        opener = null;
      });
    }
    if (wantOpen) {
      dlg.classList.add("fr-modal--opened");  // first: showModal() moves the focus into a visible dialog
      if (!dlg.open) {
        opener = document.activeElement;
        dlg.showModal();
      }
      var cancel = document.getElementById("resp-confirm-cancel");
      if (cancel) {
        cancel.focus();
      }
      return "open";
    }
    if (dlg.open) {
      dlg.close();
    }
    return "closed";
  };
})();
