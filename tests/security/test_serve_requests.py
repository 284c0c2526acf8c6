"""``dlcourse serve`` facing hostile or careless clients: a path no file can have is a 400, a
folder is never listed, clients that hang up leave no traceback, and a page that exists before
and after a rebuild is never a 404 while the new site is swapped in under many clients.

One real server for the module (the CLI in a fresh process, from inside a course folder, under
CPU and memory limits); each test talks HTTP to it. The fixes are the site builder's; these
tests attack them from outside.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError

import pytest

from tests.security.budget import DLCOURSE
from tests.security.conftest import Sandbox, make_sandbox

PAGE = "/en/week01/01-1/"  # a page of the example, before and after every rebuild
NOTE = "docs/en/week01/01-1.md"


@dataclass
class Server:
    sandbox: Sandbox
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as answer:
                return answer.status, answer.read()
        except HTTPError as error:
            return error.code, error.read()

    def raw(self, request: bytes, timeout: float = 30) -> bytes:
        """Send ``request`` as it is (urllib would quote it) and return the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as client:
            client.sendall(request)
            chunks = []
            while chunk := client.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def build_id(self) -> int:
        return int(self.get("/__build_id?t=0")[1])

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _limits() -> None:  # in the server's process, before it starts
    resource.setrlimit(resource.RLIMIT_CPU, (240, 241))
    resource.setrlimit(resource.RLIMIT_AS, (2048 * 1024 * 1024,) * 2)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, course_template: Path) -> Iterator[Server]:
    sandbox = make_sandbox(tmp_path_factory.mktemp("serve"), course_template)
    log = sandbox.root / "serve.log"
    port = _free_port()
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [*DLCOURSE, "serve", "--no-search", "--port", str(port)],
            cwd=sandbox.course,
            env={**os.environ, **sandbox.env(), "COLUMNS": "200", "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=_limits,
            start_new_session=True,
        )
    running = Server(sandbox, process, port, log)
    try:
        deadline = time.monotonic() + 120
        while True:  # the first build, then the site is served
            assert process.poll() is None, f"serve ended early:\n{running.output()}"
            assert time.monotonic() < deadline, f"serve never answered:\n{running.output()}"
            with contextlib.suppress(OSError):
                if running.get(PAGE, timeout=5)[0] == 200:
                    break
            time.sleep(0.1)
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in running.output(), running.output()


def test_a_path_no_file_can_have_is_a_400_and_the_server_lives_on(server: Server) -> None:
    for path in (b"/%00", b"/a%00b/index.html", b"/" + b"x" * 5000):
        answer = server.raw(b"GET " + path + b" HTTP/1.0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert server.get(PAGE)[0] == 200
    assert "Traceback" not in server.output() and "embedded null" not in server.output()


def test_a_folder_without_an_index_is_never_listed(server: Server) -> None:
    site = server.sandbox.course / "_site"
    folders = [p for p in site.rglob("*") if p.is_dir() and not (p / "index.html").exists()]
    assert folders, "the example's site has folders without index.html (static/, …)"
    for folder in folders[:5]:
        status, body = server.get("/" + folder.relative_to(site).as_posix() + "/")
        assert status == 404, folder
        assert b"Directory listing" not in body


def test_clients_that_hang_up_leave_no_traceback(server: Server) -> None:
    for _ in range(20):  # a request cut off half-way, then one not waiting for its answer
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(b"GET " + PAGE.encode() + b" HTTP/1.1\r\nHost: x")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.sendall(b"GET /static/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
    assert server.get(PAGE)[0] == 200
    output = server.output()
    assert "Traceback" not in output and "BrokenPipe" not in output, output


def test_pages_stay_served_to_200_clients_while_an_edit_is_rebuilt(server: Server) -> None:
    before = server.build_id()
    note = server.sandbox.course / NOTE
    swapped = threading.Event()

    def client() -> list[int]:
        seen: list[int] = []
        while not swapped.is_set() or len(seen) < 2:  # until after the swap, at least twice
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            try:
                connection.request("GET", PAGE)
                response = connection.getresponse()
                response.read()
                seen.append(response.status)
            finally:
                connection.close()
            swapped.wait(0.2)  # 200 clients, about 1,000 requests a second in all
        return seen

    with ThreadPoolExecutor(max_workers=200) as pool:
        clients = [pool.submit(client) for _ in range(200)]
        note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
        deadline = time.monotonic() + 120
        while server.build_id() == before:
            if time.monotonic() > deadline:
                swapped.set()
                pytest.fail(f"no rebuild within 120 s:\n{server.output()}")
            time.sleep(0.05)
        swapped.set()
        statuses = [status for done in clients for status in done.result()]
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert "One more line." in server.get(PAGE)[1].decode()
