/* Starts the DSFR (React mode does not start by itself): it then follows the elements Dash adds and removes. */
window.dsfr.start();
