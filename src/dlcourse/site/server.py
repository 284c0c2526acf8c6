"""``dlcourse serve``: build, serve the output on localhost, rebuild on change, reload the page.

Live reload is a tiny script polling ``/__build_id`` (no websocket dependency); a rebuild that
changed the site bumps the id (a save that changes no page does not), and a page that saw
another id reloads. A broken edit (a ``course.toml`` that does not load, a failing build) is
reported and the previous site stays served. The site is served under its ``[site] base_url``,
as it will be published. Only localhost is served by default.

The server is threaded (a thread per connection, a listen backlog for hundreds of clients at
once); a new tree is swapped in with one atomic exchange
(:func:`dlcourse.util.files.exchange_paths`), so a page that exists before and after a rebuild
is never missing. Requests the site cannot
answer get a status, never a traceback: a NUL or an over-long path is a 400, a folder without
``index.html`` a 404 (no listings), a client that hangs up is forgotten. Nothing here prints:
what happens is handed to ``report`` as a :data:`ServeEvent`, and ``dlcourse.cli`` prints it.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from dlcourse.course import Course, CourseError, load_course
from dlcourse.site.app import options_for
from dlcourse.site.builder import BuildError, BuildReport, Progress, build_site

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
MAX_PATH = 2048  # characters of a request path: longer is a 400 (no page has such a name)


class ServeError(RuntimeError):
    """The site cannot be served (e.g. the port is taken)."""


@dataclass(frozen=True)
class Serving:
    site_dir: Path
    url: str


@dataclass(frozen=True)
class Built:
    report: BuildReport


@dataclass(frozen=True)
class BuildFailed:
    error: BuildError
    serving_previous: bool  # False for the first build: then nothing is served


@dataclass(frozen=True)
class CourseFailed:
    """``course.toml`` no longer loads (or names an output folder a build must not replace)."""

    error: CourseError
    serving_previous: bool


@dataclass(frozen=True)
class RequestFailed:
    """A request failed unexpectedly (the client got a 500 or a closed connection)."""

    client: str
    error: str


ServeEvent = Serving | Built | BuildFailed | CourseFailed | RequestFailed
Report = Callable[[ServeEvent], None]


class LiveState:
    """What the live-reload endpoint reports: the number of rebuilds served so far."""

    def __init__(self) -> None:
        self.build_id = 0


class _Handler(http.server.SimpleHTTPRequestHandler):
    timeout = 30  # seconds a connection may stay silent before its thread is freed

    def __init__(self, *args: Any, state: LiveState, base: str, **kwargs: Any) -> None:
        self.state = state
        self.base = base
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if not self._refused() and not self._special():
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._refused() and not self._special(head=True):
            super().do_HEAD()

    def _refused(self) -> bool:
        """A path no file can have: a NUL (``/%00``) or one over :data:`MAX_PATH`."""
        path = unquote(urlsplit(self.path).path)
        if "\x00" in path or len(path) > MAX_PATH:
            self.send_error(400, "bad path")
            return True
        return False

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

    def send_head(self) -> Any:
        try:
            return super().send_head()
        except (OSError, ValueError):  # a name the file system refuses (too long, …)
            self.send_error(404)
            return None

    def list_directory(self, path: str | Any) -> None:
        """No listings: a folder without ``index.html`` is not a page."""
        self.send_error(404)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            try:
                data = page.read_bytes()
            except OSError:  # swapped away this very moment: the plain answer
                data = b""
            if data:
                self._send(data, "text/html; charset=utf-8", status=404)
                return
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


class SiteServer(http.server.ThreadingHTTPServer):
    """A thread per connection; errors become events, never tracebacks on the console."""

    daemon_threads = True
    request_queue_size = 1024  # the default backlog (5) drops clients that connect together

    def __init__(self, address: tuple[str, int], handler: Any, live: LiveState, report: Report):
        self.live = live
        self.report = report
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client hung up or went silent: nothing to answer
        self.report(RequestFailed(str(client_address[0]), repr(error)))


def _ignore(_event: ServeEvent) -> None:
    pass


def make_server(
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    base: str = "/",
    state: LiveState | None = None,
    report: Report = _ignore,
) -> SiteServer:
    """A threaded server of ``site_dir`` under ``base``; port 0 picks a free port
    (``server.server_address[1]``). ``server.live`` is its :class:`LiveState`."""
    live = state or LiveState()
    handler = functools.partial(_Handler, directory=str(site_dir), state=live, base=base)
    return SiteServer((host, port), handler, live, report)


def serve_course(
    course: Course,
    out: Path | None,
    host: str,
    port: int,
    search: bool,
    *,
    report: Report = _ignore,
    progress: Progress | None = None,
    stop_event: threading.Event | None = None,
    on_ready: Callable[[SiteServer], None] | None = None,
) -> bool:
    """Build, serve and rebuild on change until Ctrl-C (or ``stop_event`` is set). Returns False
    when the first build fails (nothing is served); raises :class:`ServeError` when the address
    cannot be bound, :class:`CourseError` when the output folder must not be replaced.
    ``on_ready(server)`` is called once the site is served."""
    builder = _Builder(out, search, progress)
    site_dir = builder.options(course).out_dir
    base = course.site.base_path
    try:  # bind first: a taken port fails at once, before a build
        server = make_server(site_dir, host, port, base=base, report=report)
    except OSError as error:
        raise ServeError(f"cannot serve on {host}:{port}: {error.strerror or error}") from error
    try:
        try:
            report(Built(builder.build(course)))
        except BuildError as error:
            report(BuildFailed(error, serving_previous=False))
            return False
        thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
        thread.start()
        try:
            report(Serving(site_dir, f"http://{host}:{server.server_address[1]}{base}"))
            if on_ready is not None:
                on_ready(server)
            _watch(course, site_dir, builder, report, server.live, stop_event)
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        server.server_close()
    return True


@dataclass
class _Builder:
    out: Path | None
    search: bool
    progress: Progress | None

    def options(self, course: Course, background_search: bool = False):  # -> BuildOptions
        return options_for(
            course,
            self.out,
            search=self.search and course.site.search,
            live_reload=True,
            background_search=background_search,
            progress=self.progress,
        )

    def build(self, course: Course, background_search: bool = False) -> BuildReport:
        return build_site(course, self.options(course, background_search))


def _watch(
    course: Course,
    site_dir: Path,
    builder: _Builder,
    report: Report,
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
        before = _identity(site_dir)
        try:
            built = builder.build(load_course(root), background_search=True)
        except CourseError as error:
            report(CourseFailed(error, serving_previous=True))
            continue
        except BuildError as error:
            report(BuildFailed(error, serving_previous=True))
            continue
        report(Built(built))
        if built.pages_rendered or _identity(site_dir) != before:
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
