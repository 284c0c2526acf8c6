"""Portal fixtures: a course folder of our own with a small assignment that grades in a second
(no torch), a gradebook on SQLite or on the session's real PostgreSQL with two students, a
grader, a TA and an instructor who all have local accounts, a clock the test moves, and
clients signed in as each of them.

The course is the example's ``course.toml`` (hw1 due Mon 17 Feb 2020, 23:59 New York time);
the portal's clock is set in February 2020 so the deadlines are real deadlines.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the portal needs the portal extra")
pytest.importorskip("sqlalchemy", reason="the portal needs the grades extra")

from argon2 import PasswordHasher
from starlette.testclient import TestClient

from dlcourse.course import Course, load_course
from dlcourse.grades import Gradebook, open_gradebook
from dlcourse.portal import PortalConfig, create_app
from dlcourse.portal.accounts import Accounts

EXAMPLE_TOML = Path(__file__).resolve().parents[2] / "examples" / "dlsp20" / "course.toml"
PASSWORD = "correct horse battery"
# Argon2id at its cheapest, for the fixtures' accounts; the portal's own hashes are checked to
# use the real parameters (test_flows)
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
STUDENTS = ("ab1001", "ab1002")
STAFF = {"gr01": "grader", "ta01": "ta", "prof": "instructor"}
HW1_DUE = dt.datetime(2020, 2, 18, 4, 59, tzinfo=dt.UTC)  # 23:59 EST on 17 Feb 2020

ANSWER = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"


def write_assignment(course_root: Path) -> None:
    """``homework/hw1``: hand in ``answer.py``; a public test, a hidden one shown after the due
    date and one shown after the staff publish results."""
    folder = course_root / "homework" / "hw1"
    for sub in ("solution", "tests/public", "tests/hidden"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "assignment.toml").write_text(
        textwrap.dedent(
            """\
            title = "Adding numbers"
            submit = ["answer.py"]
            public_visibility = "visible"
            hidden_visibility = "after_due_date"

            [limits]
            cpu_seconds = 10
            test_wall_seconds = 20
            wall_seconds = 60
            memory_mb = 1024
            upload_kb = 4
            """
        ),
        encoding="utf-8",
    )
    (folder / "solution" / "answer.py").write_text(
        "def add(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION\n",
        encoding="utf-8",
    )
    (folder / "tests" / "public" / "test_public.py").write_text(
        "from autograde import weight\nfrom answer import add\n\n\n"
        "@weight(1)\ndef test_small_numbers():\n    assert add(2, 3) == 5\n",
        encoding="utf-8",
    )
    (folder / "tests" / "hidden" / "test_hidden.py").write_text(
        "from autograde import visibility, weight\nfrom answer import add\n\n\n"
        "@weight(1)\ndef test_negative_numbers():\n    assert add(-1, 1) == 0\n\n\n"
        "@weight(2)\n@visibility('after_published')\ndef test_large_numbers():\n"
        "    assert add(10**12, 1) == 10**12 + 1\n",
        encoding="utf-8",
    )


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    shutil.copy(EXAMPLE_TOML, folder / "course.toml")
    (folder / "home.md").write_text("# A course\n", encoding="utf-8")
    write_assignment(folder)
    return folder


@pytest.fixture
def course(course_dir: Path) -> Course:
    return load_course(course_dir)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'grades' / 'gradebook.sqlite3'}"


@dataclass
class Clock:
    """The portal's clock, moved by the test."""

    now: dt.datetime = HW1_DUE - dt.timedelta(days=2)

    def __call__(self) -> dt.datetime:
        return self.now


def fill_gradebook(
    course: Course, url: str, clock: Clock, names: dict[str, str] | None = None
) -> None:
    """Two students in one project group, the staff, and a local account for everyone."""
    names = names or {}
    with open_gradebook(course, url, actor="prof", create=True) as book:
        for netid in STUDENTS:
            book.add_person(
                netid, names.get(netid, f"Student {netid}"), email=f"{netid}@example.edu"
            )
        for netid, role in STAFF.items():
            book.add_person(netid, names.get(netid, f"Staff {netid}"), role=role)
        book.set_group("team-1", list(STUDENTS))
        accounts = Accounts(book, hasher=CHEAP_HASHER)
        for netid in (*STUDENTS, *STAFF):
            link = accounts.invite(netid, "https://testserver", "prof", clock())
            accounts.accept_invitation(link.url.rsplit("/", 1)[1], PASSWORD, clock())


@dataclass
class PortalSetup:
    course: Course
    url: str
    clock: Clock
    app: object
    clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def book(self) -> Gradebook:
        return self.app.state.portal.book

    def client(self, raise_server_exceptions: bool = True) -> TestClient:
        client = TestClient(
            self.app,
            base_url="https://testserver",
            follow_redirects=False,
            raise_server_exceptions=raise_server_exceptions,
        )
        self.clients[str(id(client))] = client
        return client

    def signed_in(self, netid: str) -> TestClient:
        client = self.client()
        login(client, netid)
        return client


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    found = CSRF.search(page.text)
    assert found, f"no form token on {path}"
    return found.group(1)


def login(client: TestClient, netid: str, password: str = PASSWORD) -> object:
    token = csrf_of(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "netid": netid, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text[:500]
    return response


def make_setup(course: Course, url: str, **config: object) -> PortalSetup:
    clock = Clock()
    fill_gradebook(course, url, clock)
    app = create_app(
        PortalConfig(
            course=course,
            db_url=url,
            public_url="https://testserver",
            clock=clock,
            grading_worker=False,
            # the tests move the clock by days and months; sessions outlive that unless a test
            # checks their expiry
            **{"session_hours": 24 * 400.0, **config},
        )
    )
    return PortalSetup(course, url, clock, app)


def _running(course: Course, url: str) -> Iterator[PortalSetup]:
    setup = make_setup(course, url)
    yield setup
    for client in setup.clients.values():
        client.close()
    setup.app.state.portal.close()


@pytest.fixture
def portal(course: Course, db_url: str) -> Iterator[PortalSetup]:
    """The portal on SQLite and on PostgreSQL."""
    yield from _running(course, db_url)


@pytest.fixture
def sqlite_portal(course: Course, sqlite_url: str) -> Iterator[PortalSetup]:
    yield from _running(course, sqlite_url)
