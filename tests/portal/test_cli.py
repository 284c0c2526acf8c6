"""``dlcourse portal`` as a user types it, from inside a course folder made by ``dlcourse init``
(no ``--course``): invitations printed or e-mailed through a real SMTP server, configuration
mistakes refused with one line and exit 2, and the server itself started, answering, and
refusing a port that is taken."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course.layout import COURSE_ENV
from tests.portal.live import free_port

runner = CliRunner()
ROSTER = "netid,name,email,section\nab1234,Ada Byron,ab1234@example.edu,001\ncd5678,Cy D,,001\n"


def run(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def in_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A course made by ``dlcourse init``, its gradebook with a roster; the current folder."""
    for name in list(os.environ):
        if name.startswith(("DLCOURSE_OIDC", "DLCOURSE_SMTP", "DLCOURSE_PORTAL", "DLCOURSE_DB")):
            monkeypatch.delenv(name)
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    run("init", "mycourse")
    monkeypatch.chdir(tmp_path / "mycourse")
    run("grades", "init")
    Path("roster.csv").write_text(ROSTER, encoding="utf-8")
    run("grades", "import", "roster", "roster.csv")
    return tmp_path / "mycourse"


def test_invitations_are_printed_one_per_person(in_course: Path) -> None:
    out = run("portal", "invite", "ab1234", "--url", "https://portal.example.edu")
    assert re.fullmatch(r"ab1234: https://portal\.example\.edu/invite/[\w-]{43}\n", out)
    everyone = run("portal", "invite", "--all-students")
    assert [line.split(":")[0] for line in everyone.splitlines()] == ["ab1234", "cd5678"]
    assert "http://127.0.0.1:8001/invite/" in everyone
    err = run("portal", "invite", "zz0000", code=2)
    assert "'zz0000' is not in the gradebook" in err
    assert "name the people to invite" in run("portal", "invite", code=2)


def test_invitations_by_smtp_when_configured(in_course: Path) -> None:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received = []

    class Keep(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = aiosmtpd.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            "DLCOURSE_SMTP_HOST": "127.0.0.1",
            "DLCOURSE_SMTP_PORT": str(port),
            "DLCOURSE_SMTP_STARTTLS": "false",
            "DLCOURSE_SMTP_FROM": "staff@example.edu",
        }
        out = run("portal", "invite", "ab1234", env=env)
        assert out == "ab1234: sent to ab1234@example.edu\n"
        err = run("portal", "invite", "cd5678", env=env, code=2)
        assert "cd5678 has no e-mail address" in err
        down = {**env, "DLCOURSE_SMTP_PORT": str(free_port())}
        assert "could not send to ab1234" in run("portal", "invite", "ab1234", env=down, code=2)
    finally:
        controller.stop()
    assert len(received) == 1
    body = received[0].content.decode()
    assert received[0].rcpt_tos == ["ab1234@example.edu"]
    assert re.search(r"http://127\.0\.0\.1:8001/invite/[\w-]{43}", body)


def test_configuration_mistakes_are_one_line_and_exit_2(in_course: Path) -> None:
    half = {"DLCOURSE_OIDC_ISSUER": "https://sso.example.edu"}
    err = run("portal", env=half, code=2)
    assert "$DLCOURSE_OIDC_CLIENT_ID" in err and "$DLCOURSE_OIDC_CLIENT_SECRET" in err
    plain = {
        **half,
        "DLCOURSE_OIDC_ISSUER": "http://sso.example.edu",
        "DLCOURSE_OIDC_CLIENT_ID": "x",
        "DLCOURSE_OIDC_CLIENT_SECRET": "y",
    }
    assert "an issuer is an https:// address" in run("portal", env=plain, code=2)
    assert "write a port number" in run(
        "portal",
        "invite",
        "ab1234",
        env={"DLCOURSE_SMTP_HOST": "h", "DLCOURSE_SMTP_PORT": "x"},
        code=2,
    )


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _sigint_as_in_a_shell() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_the_server_starts_answers_and_stops(in_course: Path) -> None:
    pytest.importorskip("uvicorn")
    port = free_port()
    dlcourse = Path(sys.executable).with_name("dlcourse")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLCOURSE_")}
    server = subprocess.Popen(
        [str(dlcourse), "portal", "--port", str(port)],
        cwd=in_course,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # as a shell starts it: SIGINT at its default (a test run started as a background job of a
        # script ignores SIGINT, children inherit that, and uvicorn's re-raised Ctrl-C is then lost)
        preexec_fn=_sigint_as_in_a_shell,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, text = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the portal did not answer"
                time.sleep(0.3)
        assert (status, text) == (200, "ok")
        status, page = _get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and "Sign in" in page
        # a second portal on the same port (in this process: a second start costs seconds)
        taken = run("portal", "--port", str(port), code=2)
        assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in taken
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    # Ctrl-C: a clean shutdown (the grading worker stopped, the gradebook closed), then the
    # conventional exit status of a program ended by SIGINT
    assert server.returncode == 130 and "Application shutdown complete" in output, output
    assert "portal of" in output and f"on http://127.0.0.1:{port}" in output
    with socket.socket() as probe:  # nobody listens there any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
