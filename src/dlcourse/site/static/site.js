// Progressive extras only: reading the site (maths included) needs no script.
(function () {
  "use strict";
  // "Play here": embed the section's video on request (nothing loads from YouTube before a click).
  document.querySelectorAll("button.video-embed").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var heading = button.closest("h1,h2,h3,h4,h5,h6");
      var frame = document.createElement("iframe");
      frame.className = "video-frame";
      frame.allow = "encrypted-media; picture-in-picture";
      frame.allowFullscreen = true;
      frame.src = "https://www.youtube-nocookie.com/embed/" +
        encodeURIComponent(button.dataset.video) + "?start=" +
        encodeURIComponent(button.dataset.start) + "&autoplay=1";
      heading.insertAdjacentElement("afterend", frame);
      button.remove();
    });
  });
  // Dark mode toggle: light or dark, remembered across pages (theme.js applies it in <head>);
  // until it is used the colours follow the system's setting.
  var toggle = document.querySelector("button.theme-toggle");
  if (toggle) {
    var root = document.documentElement;
    var systemDark = window.matchMedia("(prefers-color-scheme: dark)");
    var isDark = function () {
      return root.dataset.theme ? root.dataset.theme === "dark" : systemDark.matches;
    };
    var show = function () { toggle.setAttribute("aria-pressed", String(isDark())); };
    toggle.hidden = false;
    show();
    systemDark.addEventListener("change", show);
    toggle.addEventListener("click", function () {
      root.dataset.theme = isDark() ? "light" : "dark";
      try { window.localStorage.setItem("dlcourse-theme", root.dataset.theme); } catch (e) { /* storage off */ }
      show();
    });
  }
  // Search page: Pagefind UI over this language's index, merged with every other language's.
  var box = document.getElementById("search");
  if (box && window.PagefindUI) {
    // Every language's index lives in the one bundle. Pagefind skips (with a console warning)
    // a merged index whose path starts the primary's, so the others name the same folder by
    // its absolute URL.
    var bundleUrl = new URL(box.dataset.bundle, window.location.href).href;
    var merge = (box.dataset.languages || "").split(",").filter(Boolean).map(function (code) {
      return { bundlePath: bundleUrl, language: code };
    });
    new window.PagefindUI({
      element: "#search", bundlePath: box.dataset.bundle, showImages: false,
      mergeIndex: merge, translations: { placeholder: box.dataset.placeholder }
    });
    // Pagefind's input has only a title; a screen reader needs a label (axe: label-title-only)
    var input = box.querySelector("input");
    if (input) input.setAttribute("aria-label", box.dataset.placeholder);
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      setTimeout(function () {
        var input = box.querySelector("input");
        if (input) { input.value = query; input.dispatchEvent(new Event("input")); }
      }, 0);
    }
  }
})();
