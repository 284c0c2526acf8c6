"""``dlcourse serve``: build, serve the output on localhost, rebuild on change, reload the page.

Live reload is a tiny script polling ``/__build_id`` (no websocket dependency); a rebuild bumps
the id. Only localhost is served by default.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from rich.console import Console

from dlcourse.course import Course, CourseError, load_course
from dlcourse.site.app import run_build

LIVE_RELOAD_JS = b"""(function () {
  var seen = null;
  function poll() {
    fetch("/__build_id", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (id) { if (seen !== null && id !== seen) location.reload(); seen = id; })
      .catch(function () {}).finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
"""


class _State:
    build_id = 0


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/__build_id":
            self._send(str(_State.build_id).encode(), "text/plain")
        elif self.path == "/__livereload.js":
            self._send(LIVE_RELOAD_JS, "text/javascript")
        else:
            super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.exists():
            self._send(page.read_bytes(), "text/html; charset=utf-8", status=404)
        else:
            super().send_error(code, message, explain)

    def _send(self, data: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(
    site_dir: Path, host: str = "127.0.0.1", port: int = 8000
) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(site_dir))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_course(course: Course, out: Path | None, host: str, port: int, search: bool) -> None:
    from watchfiles import watch

    console = Console(stderr=True)
    report = run_build(course, out=out, search=search, console=console, live_reload=True)
    if report is None:
        return
    site_dir = report.out_dir
    server = make_server(site_dir, host, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    console.print(f"serving {site_dir} at http://{host}:{port}/ (Ctrl-C stops)")
    root = course.root
    try:
        for _changes in watch(root, watch_filter=lambda _c, path: _relevant(path, site_dir)):
            try:
                course = load_course(root)
            except CourseError as error:
                console.print(f"[red]{error}[/red]")
                continue
            # the server keeps serving the folder by name; the swap replaces it underneath
            if (
                run_build(
                    course,
                    out=site_dir,
                    search=search,
                    console=console,
                    live_reload=True,
                    background_search=True,
                )
                is not None
            ):
                _State.build_id += 1
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def _relevant(path: str, site_dir: Path) -> bool:
    return not (path.startswith(str(site_dir)) or "/." in path or path.endswith("~"))
