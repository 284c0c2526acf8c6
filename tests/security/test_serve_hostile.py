"""``dlcourse serve`` against hostile or careless clients: ``/%00`` was a traceback and a dropped
connection, a folder without ``index.html`` a directory listing, and under 200 concurrent clients
while notes were edited 5 pages answered 404 during tree swaps, 163 requests timed out and 34
``BrokenPipe`` tracebacks reached the console. Now: a status for every request, no listing,
a stable tree across swaps, and nothing on the console."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.site.server import (
    Built,
    RequestFailed,
    ServeEvent,
    SiteServer,
    make_server,
    serve_course,
)

BIG = 4 * 1024 * 1024  # a page large enough that a client hanging up interrupts its sending


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def small_site(tmp_path: Path) -> Iterator[tuple[int, list[ServeEvent]]]:
    """A hand-made site (no build needed) served on a free port; the events it reports."""
    site = tmp_path / "_site"
    (site / "images").mkdir(parents=True)
    (site / "images" / "a.png").write_bytes(b"png")
    (site / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (site / "404.html").write_text("<p>our 404</p>", encoding="utf-8")
    (site / "big.html").write_bytes(b"x" * BIG)
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    events: list[ServeEvent] = []
    server = make_server(site, "127.0.0.1", 0, report=events.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], events
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.slow
def test_hostile_paths_get_a_status_never_a_traceback(
    small_site: tuple[int, list[ServeEvent]], capfd: pytest.CaptureFixture[str]
) -> None:
    port, events = small_site
    assert get(port, "/%00")[0] == 400
    assert get(port, "/images/%00.png")[0] == 400
    assert get(port, "/" + "a" * 5000)[0] == 400
    assert get(port, "/" + "a" * 300 + ".html")[0] == 404  # a name too long for the disk
    status, body = get(port, "/images/")  # a folder without index.html: no listing
    assert status == 404 and b"a.png" not in body and b"our 404" in body
    for escape in ("/../secret.txt", "/%2e%2e/secret.txt", "/images/..%2f..%2fsecret.txt"):
        status, body = get(port, escape)
        assert status == 404 and b"SECRET" not in body, escape
    assert get(port, "/")[0] == 200  # and the server still answers
    assert not [e for e in events if isinstance(e, RequestFailed)]
    assert capfd.readouterr().err == ""


@pytest.mark.slow
def test_clients_that_hang_up_are_forgotten_quietly(
    small_site: tuple[int, list[ServeEvent]], capfd: pytest.CaptureFixture[str]
) -> None:
    port, events = small_site
    for _ in range(20):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(b"GET /big.html HTTP/1.1\r\nHost: x\r\n\r\n")
        client.recv(1024)  # the answer has started
        # close with a reset (linger 0): the server's next write fails at once
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    half = socket.create_connection(("127.0.0.1", port), timeout=5)
    half.sendall(b"GET /index.ht")  # a request never finished, then gone
    half.close()
    assert get(port, "/big.html")[1] == b"x" * BIG  # still serving whole pages
    assert not [e for e in events if isinstance(e, RequestFailed)]
    assert capfd.readouterr().err == ""


@pytest.mark.slow
def test_200_clients_during_rebuilds_always_get_the_pages_that_exist(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "course"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    events: list[ServeEvent] = []
    ready: list[SiteServer] = []
    stop = threading.Event()
    serving = threading.Thread(
        target=serve_course,
        args=(load_course(root), None, "127.0.0.1", 0, False),
        kwargs={"report": events.append, "stop_event": stop, "on_ready": ready.append},
        daemon=True,
    )
    serving.start()
    deadline = time.monotonic() + 60
    while not ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready, events
    port = ready[0].server_address[1]
    pages = ["/", "/schedule/", "/en/", "/en/week01/01-1/", "/en/week01/01-2/", "/zh/"]
    assert all(get(port, page)[0] == 200 for page in pages)

    answers: Counter[str] = Counter()
    lock = threading.Lock()
    done = threading.Event()

    def client(number: int) -> None:
        while not done.is_set():
            page = pages[number % len(pages)]
            try:
                status = str(get(port, page, timeout=30)[0])
            except OSError as error:  # a timeout or a refused connection
                status = type(error).__name__
            with lock:
                answers[f"{status} {page}" if status != "200" else "200"] += 1

    clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(200)]
    for thread in clients:
        thread.start()
    # a note added then removed: each build writes a new tree and swaps it in
    extra = root / "docs" / "en" / "week01" / "01-9.md"
    try:
        for round_ in range(4):
            builds = sum(isinstance(e, Built) for e in events)
            tree = (root / "_site").stat().st_ino
            if round_ % 2 == 0:
                extra.write_text("---\ntitle: Extra\n---\n\nSome text.\n", encoding="utf-8")
            else:
                extra.unlink()
            deadline = time.monotonic() + 90
            while sum(isinstance(e, Built) for e in events) == builds:
                assert time.monotonic() < deadline, events
                time.sleep(0.05)
            assert (root / "_site").stat().st_ino != tree  # a new tree was swapped in
    finally:
        done.set()
        for thread in clients:
            thread.join(timeout=60)
        stop.set()
        serving.join(timeout=30)
    assert answers["200"] > 400
    assert set(answers) == {"200"}, answers  # no 404 during a swap, no timeout
    assert not [e for e in events if isinstance(e, RequestFailed)]
    assert capfd.readouterr().err == ""
