// Live countdowns to deadlines: every <time class="countdown" datetime="…Z" data-now="…Z">.
// The page gives the server's time when it was made, so a wrong clock on the student's
// computer does not move the deadline; the server decides anyway when the file arrives.
"use strict";
(function () {
  const clocks = Array.from(document.querySelectorAll("time.countdown"));
  if (!clocks.length) return;
  const loaded = Date.now();
  function left(ms) {
    if (ms <= 0) return "deadline passed";
    const s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60), sec = s % 60;
    const parts = [];
    if (d) parts.push(d + " d");
    if (d || h) parts.push(h + " h");
    parts.push(m + " min", sec + " s");
    return parts.join(" ") + " left";
  }
  function tick() {
    for (const clock of clocks) {
      const due = Date.parse(clock.getAttribute("datetime"));
      const serverNow = Date.parse(clock.dataset.now) + (Date.now() - loaded);
      const ms = due - serverNow;
      clock.textContent = left(ms);
      clock.classList.toggle("urgent", ms > 0 && ms < 3600 * 1000);
    }
  }
  tick();
  setInterval(tick, 1000);
})();
