"""``dlcourse serve``: build, serve the output on localhost, rebuild on change, reload the page.

Live reload is a tiny script polling ``/__build_id`` (no websocket dependency); a rebuild that
changed the site bumps the id (a save that changes no page does not), and a page that saw
another id reloads. A broken edit (a ``course.toml`` that does not load, a failing build) is
printed and the previous site stays served. The site is served under its ``[site] base_url``,
as it will be published. Only localhost is served by default."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape

from dlcourse.course import Course, CourseError, load_course
from dlcourse.site.app import options_for, run_build

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


class ServeError(RuntimeError):
    """The site cannot be served (e.g. the port is taken)."""


class LiveState:
    """What the live-reload endpoint reports: the number of rebuilds served so far."""

    def __init__(self) -> None:
        self.build_id = 0


_State = LiveState()  # the state of servers made without one of their own


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, state: LiveState, base: str, **kwargs: Any) -> None:
        self.state = state
        self.base = base
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self._special():
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._special(head=True):
            return
        super().do_HEAD()

    def _special(self, head: bool = False) -> bool:
        path = urlsplit(self.path).path
        if path in ("/__build_id", f"{self.base}__build_id"):
            self._send(str(self.state.build_id).encode(), "text/plain", head=head)
        elif path in ("/__livereload.js", f"{self.base}__livereload.js"):
            self._send(LIVE_RELOAD_JS, "text/javascript", head=head)
        elif self.base != "/" and path in ("/", self.base.rstrip("/")):
            self.send_response(302)  # the site lives under its base URL, as when published
            self.send_header("Location", self.base)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif not path.startswith(self.base):
            self.send_error(404)  # only the base URL is the site
        else:
            return False
        return True

    def translate_path(self, path: str) -> str:
        if self.base != "/":
            path = "/" + urlsplit(path).path[len(self.base) :]
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.exists():
            self._send(page.read_bytes(), "text/html; charset=utf-8", status=404)
        else:
            super().send_error(code, message, explain)

    def _send(self, data: bytes, kind: str, status: int = 200, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    base: str = "/",
    state: LiveState | None = None,
) -> http.server.ThreadingHTTPServer:
    """A threaded server of ``site_dir`` under ``base``; port 0 picks a free port
    (``server.server_address[1]``). ``server.live`` is its :class:`LiveState`."""
    live = state or _State
    handler = functools.partial(_Handler, directory=str(site_dir), state=live, base=base)
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.live = live  # type: ignore[attr-defined]
    return server


def serve_course(
    course: Course,
    out: Path | None,
    host: str,
    port: int,
    search: bool,
    *,
    console: Console | None = None,
    stop_event: threading.Event | None = None,
    on_ready: Callable[[http.server.ThreadingHTTPServer], None] | None = None,
) -> bool:
    """Build, serve and rebuild on change until Ctrl-C (or ``stop_event`` is set). Returns False
    when the first build fails (nothing is served); raises :class:`ServeError` when the address
    cannot be bound. ``on_ready(server)`` is called once the site is served."""
    console = console or Console(stderr=True)
    site_dir = options_for(course, out).out_dir
    base = course.site.base_url
    try:  # bind first: a taken port fails at once, before a build
        server = make_server(site_dir, host, port, base=base, state=LiveState())
    except OSError as error:
        raise ServeError(f"cannot serve on {host}:{port}: {error.strerror or error}") from error
    try:
        report = run_build(course, out=out, search=search, console=console, live_reload=True)
        if report is None:
            return False
        thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
        thread.start()
        try:
            bound = server.server_address[1]
            console.print(
                f"serving {escape(str(site_dir))} at http://{host}:{bound}{base} (Ctrl-C stops)"
            )
            if on_ready is not None:
                on_ready(server)
            _watch(course, site_dir, search, console, server.live, stop_event)  # type: ignore[attr-defined]
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        server.server_close()
    return True


def _watch(
    course: Course,
    site_dir: Path,
    search: bool,
    console: Console,
    live: LiveState,
    stop_event: threading.Event | None,
) -> None:
    from watchfiles import watch

    root = Path(course.root).resolve()
    for _changes in watch(
        root,
        watch_filter=lambda _change, path: _relevant(path, root, site_dir),
        stop_event=stop_event,
        raise_interrupt=False,
    ):
        try:
            course = load_course(root)
        except CourseError as error:
            console.print(f"[red]error[/red] {escape(str(error))}")
            console.print("still serving the previous site: fix it and save again")
            continue
        # the server keeps serving the folder by name; the swap replaces it underneath
        before = _identity(site_dir)
        report = run_build(
            course,
            out=site_dir,
            search=search,
            console=console,
            live_reload=True,
            background_search=True,
        )
        if report is None:
            console.print("still serving the previous site: fix it and save again")
        elif report.pages_rendered or _identity(site_dir) != before:
            live.build_id += 1  # pages rewritten, or a new tree swapped in (e.g. an image)


def _identity(site_dir: Path) -> int | None:
    """The output folder's inode: a build that writes a new tree swaps a new folder in."""
    try:
        return site_dir.stat().st_ino
    except OSError:
        return None


def _relevant(path: str, root: Path, site_dir: Path) -> bool:
    """A change worth a rebuild: not the output, not a hidden file or folder (the cache, an
    editor's swap file, git) below the course folder, not a backup~."""
    target = Path(path)
    if target == site_dir or site_dir in target.parents or path.endswith("~"):
        return False
    try:
        parts = target.relative_to(root).parts
    except ValueError:
        parts = target.parts
    return not any(part.startswith(".") for part in parts)
