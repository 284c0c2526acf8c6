// Loaded in <head>, before the page is drawn, so a theme chosen with the toggle never flashes
// the system's one first. A file, not an inline script: pages work under a strict CSP.
(function () {
  "use strict";
  var chosen = null;
  try { chosen = window.localStorage.getItem("dlcourse-theme"); } catch (e) { /* storage off */ }
  if (chosen === "dark" || chosen === "light") document.documentElement.dataset.theme = chosen;
})();
