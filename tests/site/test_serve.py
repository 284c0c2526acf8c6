"""``dlcourse serve`` end to end, in-process on a free loopback port: an edit is rebuilt and
served, the live-reload endpoint tells a connected page, the search index catches up in the
background, and a broken ``course.toml`` keeps the previous site served."""

from __future__ import annotations

import functools
import gzip
import http.client
import io
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.cli.site_output import print_serve_event
from dlcourse.course import load_course
from dlcourse.site import search
from dlcourse.site.server import ServeError, _relevant, make_server, serve_course

NOTE = Path("docs/en/week01/01-2.md")
PAGE = "/en/week01/01-2/"
OLD = "Pooling then summarises neighbouring positions."
NEW_WORD = "quonkfluxation"  # a word no page of the example has
WAIT = 20.0


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        # generous: on a loaded 2-core CI machine a rebuild beside Chromium once kept an answer
        # past 5 s; this test is about what is served, not how fast
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def wait_for(condition: Callable[[], object], what: str, poke: Callable[[], None] | None = None):
    """Poll ``condition`` (≤ WAIT s). ``poke`` re-applies the edit now and then: the watcher
    starts just after the server answers, so an edit made at once could precede it."""
    deadline = time.monotonic() + WAIT
    last_poke = time.monotonic()
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if poke is not None and time.monotonic() - last_poke > 1.5:
            poke()
            last_poke = time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"timed out after {WAIT} s waiting for {what}")


def page_with(url: str, word: str) -> str | None:
    page = fetch(url + PAGE)[1]
    return page if word in page else None


def new_id(url: str, seen: str) -> str | None:
    build_id = fetch(url + "/__build_id")[1]
    return build_id if build_id != seen else None


def fragments_text(site: Path) -> str:
    """The text of every page in the Pagefind index (gzip'd 'pagefind_dcd' + JSON)."""
    texts = []
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        try:
            texts.append(gzip.decompress(fragment.read_bytes()).decode("utf-8", "replace"))
        except (OSError, EOFError):
            continue  # being written right now
    return "\n".join(texts)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, io.StringIO]]:
    """A fresh copy of the example course (``dlcourse init``), under a hidden folder (a course
    in ``~/.something/`` must rebuild too), served on a free port until the test ends."""
    root = tmp_path / ".hidden" / "course"
    result = CliRunner().invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    log = io.StringIO()
    console = Console(file=log, width=200, color_system=None)
    stop = threading.Event()
    ready: list = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            serve_course(
                load_course(root),
                out=None,
                host="127.0.0.1",
                port=0,
                search=True,
                report=functools.partial(print_serve_event, console, None),
                stop_event=stop,
                on_ready=ready.append,
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            failure.append(error)

    thread = threading.Thread(target=run, name="test-serve", daemon=True)
    thread.start()
    try:
        wait_for(lambda: ready or failure, "the server to start")
        assert not failure, failure
        host, port = ready[0].server_address[:2]
        assert host == "127.0.0.1"
        yield root, f"http://127.0.0.1:{port}", log
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive(), "serve did not stop"
    assert not failure, failure


@pytest.mark.slow
def test_edit_is_rebuilt_served_reloaded_and_indexed(served) -> None:
    root, url, log = served
    assert "serving " in log.getvalue() and url + "/" in log.getvalue()  # the real port
    status, page, _ = fetch(url + PAGE)
    assert status == 200 and OLD in page and NEW_WORD not in page
    assert "__livereload.js" in page  # the page polls for rebuilds
    status, script, _ = fetch(url + "/__livereload.js")
    assert status == 200 and "/__build_id" in script and "location.reload" in script
    status, seen, headers = fetch(url + "/__build_id")  # what a connected page remembers
    assert status == 200 and headers["Cache-Control"] == "no-store"
    if search.available():
        assert NEW_WORD not in fragments_text(root / "_site")

    note = root / NOTE
    edited = note.read_text(encoding="utf-8").replace(OLD, f"Pooling then {NEW_WORD} them.")
    assert edited != note.read_text(encoding="utf-8")

    def edit() -> None:
        note.write_text(edited, encoding="utf-8")

    edit()
    page = wait_for(lambda: page_with(url, NEW_WORD), "the edit to be served", poke=edit)
    assert OLD not in page
    # the live-reload endpoint changes, so a page that saw the old id reloads
    now = wait_for(lambda: new_id(url, seen), "a new build id")
    assert int(now) > int(seen)
    assert "error" not in log.getvalue().lower()

    if search.available():  # the index catches up in a background thread
        wait_for(lambda: NEW_WORD in fragments_text(root / "_site"), "the search index")

    # an unchanged save is not a rebuild: the page is not reloaded for nothing
    edit()
    time.sleep(1.0)
    assert fetch(url + "/__build_id")[1] == now


@pytest.mark.slow
def test_broken_course_toml_keeps_the_previous_site_and_says_why(served) -> None:
    root, url, log = served
    _, before, _ = fetch(url + PAGE)
    _, seen, _ = fetch(url + "/__build_id")
    toml = root / "course.toml"
    good = toml.read_text(encoding="utf-8")
    broken = good.replace('weekday = "tuesday"', 'weekday = "tue"', 1)
    assert broken != good

    def break_it() -> None:
        toml.write_text(broken, encoding="utf-8")

    break_it()
    wait_for(lambda: "weekday" in log.getvalue(), "the error to be reported", poke=break_it)
    output = log.getvalue()
    assert "error" in output and "course.toml:" in output
    assert "still serving the previous site" in output
    status, page, _ = fetch(url + PAGE)
    assert status == 200 and page == before
    assert fetch(url + "/__build_id")[1] == seen  # no reload into a broken site

    # an edit of a note while course.toml is broken is not half-applied
    note = root / NOTE
    note.write_text(note.read_text(encoding="utf-8").replace(OLD, NEW_WORD), encoding="utf-8")
    time.sleep(1.0)
    assert NEW_WORD not in fetch(url + PAGE)[1]

    # fixing course.toml rebuilds with everything saved meanwhile
    def fix() -> None:
        toml.write_text(good, encoding="utf-8")

    fix()
    wait_for(lambda: NEW_WORD in fetch(url + PAGE)[1], "the fixed site", poke=fix)
    wait_for(lambda: new_id(url, seen), "a new build id")  # bumped once the build returns


@pytest.mark.slow
def test_site_is_served_under_its_base_url(example_site: Path) -> None:
    server = make_server(example_site, "127.0.0.1", 0, base="/dlsp20/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        url = f"http://127.0.0.1:{port}"
        status, page, _ = fetch(url + "/dlsp20/en/week01/01-1/")
        assert status == 200 and "<html" in page
        assert fetch(url + "/en/week01/01-1/")[0] == 404  # not outside the base
        assert fetch(url + "/dlsp20/__build_id?t=1")[0] == 200
        assert fetch(url + "/__build_id")[0] == 200  # what the reload script asks
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 302 and response.getheader("Location") == "/dlsp20/"
        connection.close()
        # a sub-folder without its slash is redirected inside the base
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/dlsp20/en/week01/01-1")
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == "/dlsp20/en/week01/01-1/"
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=WAIT)


def test_watch_filter_ignores_output_cache_and_hidden_files_only(tmp_path: Path) -> None:
    root = tmp_path / ".config" / "course"  # a hidden folder above the course is fine
    site = root / "_site"
    assert _relevant(str(root / "docs/en/week01/01-1.md"), root, site)
    assert _relevant(str(root / "course.toml"), root, site)
    assert _relevant(str(root / "_site2" / "x.md"), root, site)
    assert not _relevant(str(site / "index.html"), root, site)
    assert not _relevant(str(site), root, site)
    assert not _relevant(str(root / ".dlcourse-cache" / "bodies.journal"), root, site)
    assert not _relevant(str(root / "._site.building-12" / "index.html"), root, site)
    assert not _relevant(str(root / "docs/en/week01/.01-1.md.swp"), root, site)
    assert not _relevant(str(root / "docs/en/week01/01-1.md~"), root, site)


def test_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    holder = make_server(tmp_path, "127.0.0.1", 0)
    try:
        port = holder.server_address[1]
        with pytest.raises(ServeError, match=f"cannot serve on 127.0.0.1:{port}"):
            serve_course(load_course(None), tmp_path / "out", "127.0.0.1", port, search=False)
        assert not (tmp_path / "out").exists()  # failed before building
        result = CliRunner().invoke(
            app, ["serve", "--port", str(port), "--out", str(tmp_path / "out"), "--no-search"]
        )
        assert result.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in result.output
    finally:
        holder.server_close()
