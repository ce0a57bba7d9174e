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
})();
