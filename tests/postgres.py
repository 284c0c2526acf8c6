"""A real PostgreSQL for the tests that need one: a throw-away cluster for the session (Debian's
``initdb``/``pg_ctl``, under the temporary folder, listening on a Unix socket only) and a fresh
database per test. ``initdb`` refuses to run as root, so as root the cluster belongs to the
``postgres`` user (or ``nobody``) through ``runuser``. Where PostgreSQL is not installed, its
tests skip with the reason. The gradebook's and the portal's tests share the one cluster.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bindir() -> Path | None:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _cluster_user() -> str | None:
    """The unprivileged owner of the cluster when running as root; None: run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("running as root with neither a 'postgres' nor a 'nobody' user for initdb")


# Stops the cluster and removes its folder once the test process is gone, however it went
# (a killed or interrupted pytest never reaches the fixture's own teardown).
_WATCHDOG = """
import json, os, select, shutil, subprocess, sys
owner, stop, base = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
try:
    select.select([os.pidfd_open(owner)], [], [])
except ProcessLookupError:
    pass
subprocess.run(stop, capture_output=True, timeout=60)
shutil.rmtree(base, ignore_errors=True)
"""


def _watch_over(stop: list[str], base: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), json.dumps(stop), str(base)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives a Ctrl-C sent to pytest's process group
    )


class PostgresServer:
    def __init__(self, base: Path, user: str | None):
        self.base = base
        self.user = user
        self.socket_dir = base

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://dlcourse@/{database}?host={self.socket_dir}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            dbname="postgres", user="dlcourse", host=str(self.socket_dir), autocommit=True
        ) as connection:
            connection.execute(sql)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (scripts/test installs Debian's postgresql)")
    pytest.importorskip("psycopg")
    user = _cluster_user()
    base = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    prefix: list[str] = []
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    data = base / "data"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=base, timeout=120)

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "dlcourse",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        # Unix socket only (no TCP port to collide with); fsync off: a test cluster, and the
        # crash tests kill clients, not the server
        options = f"-k {base} -c listen_addresses= -c fsync=off -c max_connections=60"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        output = (error.stdout or b"").decode() + (error.stderr or b"").decode()
        pytest.fail(f"could not start PostgreSQL: {output}")
    stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    watchdog = _watch_over(stop, base)
    try:
        yield PostgresServer(base, user)
    finally:
        watchdog.kill()
        watchdog.wait()
        subprocess.run(stop, capture_output=True, cwd=base, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's cluster."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f"CREATE DATABASE {name}")
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'grades' / 'gradebook.sqlite3'}"
    return request.getfixturevalue("pg_url")
