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
  // Search page: Pagefind UI over this language's index, merged with every other language's.
  var box = document.getElementById("search");
  if (box && window.PagefindUI) {
    var merge = (box.dataset.languages || "").split(",").filter(Boolean).map(function (code) {
      return { bundlePath: box.dataset.bundle, language: code };
    });
    new window.PagefindUI({
      element: "#search", bundlePath: box.dataset.bundle, showImages: false,
      mergeIndex: merge, translations: { placeholder: box.dataset.placeholder }
    });
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      setTimeout(function () {
        var input = box.querySelector("input");
        if (input) { input.value = query; input.dispatchEvent(new Event("input")); }
      }, 0);
    }
  }
})();
