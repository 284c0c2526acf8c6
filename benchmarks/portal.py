"""The portal at a deadline: N students hand in during the last minutes before it, on
PostgreSQL (a throw-away cluster, as the gradebook benchmark makes) or SQLite.

    python benchmarks/portal.py [--students 300] [--window 120] [--late 15]
                                [--postgres URL | --sqlite]

The portal runs as its own process (``dlcourse portal``, uvicorn), with the real clock. Every
student signs in first, to a portal whose deadline is a day away; that portal stops, and the
course's homework is then made due ``window`` seconds after a restarted portal will be up
(sessions live in the gradebook, so everyone stays signed in; the portal reads its deadlines
when it starts, and how long a start takes is measured on the first). Each student then opens
the assignment page and uploads once at a random moment within the window (a distinct file
each), and ``late`` of them upload again one to three seconds after the deadline. Then the
gradebook is read back and checked: no accepted upload lost, none recorded twice, every
accepted receipt at or before the deadline, every late one refused.

Printed: upload latency (median, p95, p99, max) against the baseline in the same run — a
request that only asks the database if it is there (``/healthz``), sent at the same moments
by the same clients — and the load average. Goal: p95 upload latency < 300 ms.

Accounts are made with Argon2id at its cheapest so that setting up hundreds of students takes
seconds; signing in is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grades import local_postgres  # the gradebook benchmark's throw-away cluster

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_TOML = REPO / "examples" / "dlsp20" / "course.toml"
PASSWORD = "benchmark password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_course(folder: Path, due: dt.datetime) -> None:
    """The example's course.toml with hw1 released yesterday and due at ``due``, and an
    assignment folder taking ``answer.py``."""
    zone_due = due.astimezone(dt.UTC)
    text = EXAMPLE_TOML.read_text(encoding="utf-8")
    release = (zone_due - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = text.replace("release = 2020-02-03T17:00:00", f"release = {release}", 1)
    text = text.replace(
        "due = 2020-02-17T23:59:00", f"due = {zone_due.strftime('%Y-%m-%dT%H:%M:%SZ')}", 1
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(text, encoding="utf-8")
    (folder / "home.md").write_text("# Benchmark course\n", encoding="utf-8")
    assignment = folder / "homework" / "hw1"
    (assignment / "solution").mkdir(parents=True, exist_ok=True)
    (assignment / "tests" / "public").mkdir(parents=True, exist_ok=True)
    (assignment / "assignment.toml").write_text(
        'title = "Deadline load"\nsubmit = ["answer.py"]\n', encoding="utf-8"
    )
    (assignment / "solution" / "answer.py").write_text(
        "# BEGIN SOLUTION\nANSWER = 42\n# END SOLUTION\n", encoding="utf-8"
    )
    (assignment / "tests" / "public" / "test_answer.py").write_text(
        "from answer import ANSWER\n\n\ndef test_answer():\n    assert ANSWER == 42\n",
        encoding="utf-8",
    )


def fill(course_dir: Path, url: str, students: int) -> list[str]:
    from argon2 import PasswordHasher

    from dlcourse.course import load_course
    from dlcourse.grades import open_gradebook
    from dlcourse.portal.accounts import Accounts

    course = load_course(course_dir)
    netids = [f"ld{n:04d}" for n in range(students)]
    now = dt.datetime.now(dt.UTC)
    with open_gradebook(course, url, actor="bench", create=True) as book:
        accounts = Accounts(book, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        for netid in netids:
            book.add_person(netid, f"Load Student {netid}", email=f"{netid}@example.edu")
            link = accounts.invite(netid, "http://bench", "bench", now)
            accounts.accept_invitation(link.url.rsplit("/", 1)[1], PASSWORD, now)
    return netids


def start_portal(course_dir: Path, url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLCOURSE_")}
    env["DLCOURSE_DB"] = url
    dlcourse = Path(sys.executable).with_name("dlcourse")
    process = subprocess.Popen(
        [str(dlcourse), "portal", "--course", str(course_dir), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process


async def wait_until_up(client, base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except Exception:  # not listening yet
            if process.poll() is not None:
                raise SystemExit("the portal exited: " + (process.stderr.read() or "")) from None
        if time.monotonic() > deadline:
            raise SystemExit("the portal did not start within 120 s")
        await asyncio.sleep(0.25)


class Student:
    """One student's browser. The session cookie is Secure; browsers send it to 127.0.0.1 over
    plain HTTP, HTTP clients do not, so this one carries it by hand."""

    def __init__(self, httpx2, base: str, netid: str):
        self.netid = netid
        self.client = httpx2.AsyncClient(
            base_url=base,
            timeout=60,
            follow_redirects=False,
            event_hooks={"request": [self._send_cookie], "response": [self._keep_cookie]},
        )
        self.cookie = ""
        self.accepted: list[tuple[str, str]] = []  # (receipt path, sha256)
        self.refused: list[str] = []
        self.problems: list[str] = []

    async def _send_cookie(self, request) -> None:
        if self.cookie:
            request.headers["cookie"] = self.cookie

    async def _keep_cookie(self, response) -> None:
        for header in response.headers.get_list("set-cookie"):
            if header.startswith("__Host-dlcourse="):
                self.cookie = header.split(";", 1)[0]

    async def sign_in(self) -> None:
        page = await self.client.get("/login")
        token = TOKEN.search(page.text).group(1)
        response = await self.client.post(
            "/login", data={"csrf_token": token, "netid": self.netid, "password": PASSWORD}
        )
        if response.status_code != 303:
            raise SystemExit(f"{self.netid} could not sign in: {response.status_code}")

    async def hand_in(self, label: str, upload_times: list[float], base_times: list[float]):
        page = await self.client.get("/assignments/hw1")
        token = TOKEN.search(page.text)
        if token is None:  # the page shows no form after the deadline; the token is the session's
            token = TOKEN.search((await self.client.get("/me")).text)
        content = f"ANSWER = 42  # {self.netid} {label} {random.random()}\n".encode()
        digest = hashlib.sha256(content).hexdigest()
        started = time.perf_counter()
        response = await self.client.post(
            "/assignments/hw1/submit",
            data={"csrf_token": token.group(1)},
            files={"file": ("answer.py", content, "text/x-python")},
        )
        upload_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await self.client.get("/healthz")
        base_times.append(time.perf_counter() - started)
        if response.status_code != 303:
            self.problems.append(f"{label}: HTTP {response.status_code}")
            return
        receipt = await self.client.get(response.headers["location"])
        if "Accepted" in receipt.text:
            self.accepted.append((response.headers["location"], digest))
        elif "late submissions are not accepted" in receipt.text:
            self.refused.append(digest)
        else:
            self.problems.append(f"{label}: receipt says neither accepted nor refused")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def sign_in_everyone(base: str, netids: list[str]) -> list[Student]:
    import httpx2

    students = [Student(httpx2, base, netid) for netid in netids]
    gate = asyncio.Semaphore(16)

    async def sign_in(student: Student) -> None:
        async with gate:
            await student.sign_in()

    await asyncio.gather(*(sign_in(s) for s in students))
    return students


async def hand_in_everyone(
    students: list[Student], window: float, late: int, due: dt.datetime
) -> tuple[list[float], list[float], int]:
    upload_times: list[float] = []
    base_times: list[float] = []
    seconds_left = (due - dt.datetime.now(dt.UTC)).total_seconds()
    await asyncio.sleep(max(0.0, seconds_left - window))  # the window opens
    # everyone hands in within the window before the deadline (a second of margin so the
    # on-time uploads are on time by the portal's clock too); some again just after it
    rng = random.Random(20200217)
    on_time = [rng.uniform(0, max(0.0, window - 1.0)) for _ in students]
    late_ones = rng.sample(students, min(late, len(students)))
    late_at = [window + rng.uniform(1.0, 3.0) for _ in late_ones]

    async def at(offset: float, student: Student, label: str) -> None:
        await asyncio.sleep(offset)
        await student.hand_in(label, upload_times, base_times)

    await asyncio.gather(
        *(at(o, s, "on time") for o, s in zip(on_time, students, strict=True)),
        *(at(o, s, "late") for o, s in zip(late_at, late_ones, strict=True)),
    )
    return upload_times, base_times, len(late_ones)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


async def load(
    course_dir: Path, url: str, netids: list[str], window: float, late: int
) -> tuple[list[Student], list[float], list[float], int, dt.datetime]:
    """Sign everyone in, restart the portal with the deadline ``window`` seconds after it is
    up, and hand in around that deadline."""
    import httpx2

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    process = start_portal(course_dir, url, port)
    try:
        async with httpx2.AsyncClient(timeout=10) as probe:
            await wait_until_up(probe, base, process)
        start_seconds = time.monotonic() - started
        students = await sign_in_everyone(base, netids)
    finally:
        stop(process)
    try:
        # the first start's time and half again, plus a second; a slower start is tried
        # again with twice the allowance
        allowance = 1.5 * start_seconds + 1
        for _ in range(4):
            due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=allowance + window)).replace(
                microsecond=0
            )
            make_course(course_dir, due)
            process = start_portal(course_dir, url, port)
            async with httpx2.AsyncClient(timeout=10) as probe:
                await wait_until_up(probe, base, process)
            if (due - dt.datetime.now(dt.UTC)).total_seconds() >= window:
                break
            stop(process)
            allowance *= 2
        else:
            raise SystemExit("the portal never started in time for the window; is it overloaded?")
        try:
            uploads, baseline, late_count = await hand_in_everyone(students, window, late, due)
        finally:
            stop(process)
    finally:
        for student in students:
            await student.client.aclose()
    return students, uploads, baseline, late_count, due


def verify(course_dir: Path, url: str, students, due: dt.datetime, late: int) -> list[str]:
    from dlcourse.course import load_course
    from dlcourse.grades import open_gradebook

    problems = [p for s in students for p in s.problems]
    with open_gradebook(load_course(course_dir), url, actor="bench") as book:
        rows = book.submissions("hw1")
    accepted_rows = [r for r in rows if r.status == "accepted"]
    refused_rows = [r for r in rows if r.status == "refused"]
    receipts = {(s.netid, digest) for s in students for _, digest in s.accepted}
    recorded = {(r.netid, r.sha256) for r in accepted_rows}
    lost = receipts - recorded
    duplicated = len(accepted_rows) - len(recorded)
    unreceipted = recorded - receipts
    early_late = [r for r in accepted_rows if r.received_at > due]
    wrong_refusals = [r for r in refused_rows if r.received_at <= due]
    refused_answers = sum(len(s.refused) for s in students)
    print(f"uploads answered: {len(receipts)} accepted, {refused_answers} refused")
    print(
        f"gradebook: {len(accepted_rows)} accepted, {len(refused_rows)} refused; "
        f"lost {len(lost)}, duplicated {duplicated}, recorded without a receipt "
        f"{len(unreceipted)}, accepted after the deadline {len(early_late)}, refused before "
        f"it {len(wrong_refusals)}"
    )
    if lost or duplicated or unreceipted or early_late or wrong_refusals:
        problems.append("the gradebook disagrees with the receipts")
    if len(receipts) != len(students):
        problems.append(f"{len(students) - len(receipts)} on-time uploads were not accepted")
    if refused_answers != late or len(refused_rows) != late:
        problems.append(f"{late} late uploads, {refused_answers} refusals answered")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--window", type=float, default=120.0, help="seconds before the deadline")
    parser.add_argument("--late", type=int, default=15, help="uploads 1-3 s after the deadline")
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dlcourse-bench-portal-"))
    try:
        if args.sqlite:
            run(args, work, f"sqlite:///{work / 'gradebook.sqlite3'}", "sqlite")
        elif args.postgres:
            run(args, work, args.postgres, "postgresql")
        else:
            with local_postgres() as url:
                if url is None:
                    raise SystemExit("PostgreSQL is not installed; pass --sqlite or --postgres")
                run(args, work, url, "postgresql")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, url: str, label: str) -> None:
    course_dir = work / "course"
    make_course(course_dir, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    netids = fill(course_dir, url, args.students)
    students, uploads, baseline, late, due = asyncio.run(
        load(course_dir, url, netids, args.window, args.late)
    )
    load_average = os.getloadavg()
    print(f"portal on {label}: {len(netids)} students, deadline {due:%H:%M:%S} UTC")
    problems = verify(course_dir, url, students, due, late)
    print(f"{'requests':<34}{'n':>6}{'median':>10}{'p95':>10}{'p99':>10}{'max':>10}")
    for name, values in (("upload (POST, multipart)", uploads), ("baseline: /healthz", baseline)):
        print(
            f"{name:<34}{len(values):>6}"
            + "".join(
                f"{1000 * v:>8.1f}ms"
                for v in (
                    statistics.median(values),
                    percentile(values, 0.95),
                    percentile(values, 0.99),
                    max(values),
                )
            )
        )
    ratio = percentile(uploads, 0.95) / max(percentile(baseline, 0.95), 1e-9)
    print(f"p95 upload / p95 baseline: {ratio:.1f}x; goal p95 upload < 300 ms")
    print("load average (1, 5, 15 min): " + " ".join(f"{value:.1f}" for value in load_average))
    if problems:
        for problem in problems:
            print(f"PROBLEM: {problem}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
