/* DSFR 1.15.3 scripts (core, modal, navigation, header; npm @gouvfr/dsfr, dist/*.nomodule.min.js), loaded by Dash in
   file-name order. React mode: the DSFR never rewrites the DOM that Dash renders (e.g. it would copy the header's
   tools into the menu); it is started by 5-start.js once its components are registered. */
window.dsfr = { mode: "react", production: true };
