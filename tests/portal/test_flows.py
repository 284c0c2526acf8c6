"""The portal's pages through a test client, on SQLite and on the real PostgreSQL: handing in,
receipts, the deadline, feedback by visibility, scores entered by staff, extensions, exports,
track approvals, invitations and the sign-in rate limit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest

from dlcourse.grades.imports import import_file
from dlcourse.homework.sandbox import sandbox_problem
from dlcourse.portal.accounts import Accounts
from tests.portal.conftest import (
    ANSWER,
    CHEAP_HASHER,
    HW1_DUE,
    PASSWORD,
    WRONG,
    PortalSetup,
    csrf_of,
    login,
)

SECOND = dt.timedelta(seconds=1)


def hand_in(client, content: str | bytes, filename: str = "answer.py", assignment: str = "hw1"):
    token = csrf_of(client, f"/assignments/{assignment}")
    body = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/assignments/{assignment}/submit",
        data={"csrf_token": token},
        files={"file": (filename, body, "text/x-python")},
    )


def post_form(client, page: str, action: str, **fields: str):
    return client.post(action, data={"csrf_token": csrf_of(client, page), **fields})


@pytest.mark.slow
def test_hand_in_receipt_history_and_the_deadline(portal: PortalSetup) -> None:
    student = portal.signed_in("ab1001")
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    first = hand_in(student, WRONG)
    assert first.status_code == 303
    receipt = student.get(first.headers["location"])
    assert "Accepted" in receipt.text
    assert hashlib.sha256(WRONG.encode()).hexdigest() in receipt.text
    assert "Mon 17 Feb 2020, 22:59:00 EST" in receipt.text  # the portal's clock, course zone
    assert "2020-02-18T03:59:00Z" in receipt.text
    download = student.get(first.headers["location"] + "/file")
    assert download.content == WRONG.encode()
    assert download.headers["content-disposition"].startswith('attachment; filename="answer.py"')
    assert download.headers["content-type"] == "application/octet-stream"

    portal.clock.now = HW1_DUE  # the due instant itself is still on time
    assert "Accepted" in student.get(hand_in(student, ANSWER).headers["location"]).text
    page = student.get("/assignments/hw1").text
    assert page.count("<td>accepted") == 2 and "(counts)" in page

    portal.clock.now = HW1_DUE + SECOND
    late = student.get(hand_in(student, ANSWER + "# late\n").headers["location"])
    assert "Refused" in late.text and "late submissions are not accepted" in late.text
    assert "Mon 17 Feb 2020, 23:59:01 EST" in late.text  # the refusal says when it came
    page = student.get("/assignments/hw1").text
    assert "Late submissions are not accepted" in page and 'id="upload"' not in page
    history = portal.book.submissions("hw1", student="ab1001")
    assert [s.status for s in history] == ["accepted", "accepted", "refused"]  # logged
    assert portal.book.latest_submission("hw1", student="ab1001").sha256 == (
        hashlib.sha256(ANSWER.encode()).hexdigest()
    )


@pytest.mark.slow
def test_an_extension_moves_the_deadline_for_that_student_only(portal: PortalSetup) -> None:
    ta = portal.signed_in("ta01")
    page = "/staff/students/ab1002"
    granted = post_form(
        ta, page, page + "/extension", assessment="hw1", due="2020-02-19T23:59:00", reason="flu"
    )
    assert granted.status_code == 303
    assert "Extension on hw1 granted until Wed 19 Feb 2020, 23:59:00 EST" in ta.get(page).text
    portal.clock.now = HW1_DUE + dt.timedelta(hours=1)
    lucky, other = portal.signed_in("ab1002"), portal.signed_in("ab1001")
    assert "Accepted" in lucky.get(hand_in(lucky, ANSWER).headers["location"]).text
    assert "your extension" in lucky.get("/assignments/hw1").text
    assert "Refused" in other.get(hand_in(other, ANSWER).headers["location"]).text
    audit = portal.book.audit_log("ab1002")
    assert any(a.table == "extensions" and a.actor == "ta01" and "flu" in a.reason for a in audit)


def test_files_the_assignment_does_not_take_store_nothing(
    sqlite_portal: PortalSetup, course_dir
) -> None:
    portal = sqlite_portal
    student = portal.signed_in("ab1001")
    store = portal.app.state.portal.store.root
    cases = [
        ("notes.txt", ANSWER.encode(), "is not a file of hw1: hand in answer.py"),
        ("answer.py", b"x = 1\n" * 1000, "over the 4 KB limit"),
        ("answer.py", b"\xff\xfe\x00binary", "is not UTF-8 text"),
    ]
    for filename, content, message in cases:
        refused = hand_in(student, content, filename)
        assert refused.status_code == 400 and message in refused.text, filename
    assert portal.book.submissions("hw1") == []
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))


@pytest.fixture
def graded(portal: PortalSetup):
    """ab1001 hands in a right answer, ab1002 a wrong one; the grading worker grades both."""
    problem = sandbox_problem()
    if problem:
        pytest.skip(problem)
    from dlcourse.portal.grading_worker import GradingWorker

    portal.clock.now = HW1_DUE - dt.timedelta(hours=2)
    for netid, content in (("ab1001", ANSWER), ("ab1002", WRONG)):
        assert hand_in(portal.signed_in(netid), content).status_code == 303
    grader = portal.signed_in("gr01")
    queued = post_form(
        grader, "/staff/assignments/hw1", "/staff/assignments/hw1/grade", student="*"
    )
    assert queued.status_code == 303
    assert "2 submissions queued for grading" in grader.get("/staff/assignments/hw1").text
    worker = GradingWorker(portal.app.state.portal)
    assert worker.run_one() and worker.run_one() and not worker.run_one()
    return portal


@pytest.mark.slow
def test_feedback_follows_the_visibility_rules(graded: PortalSetup) -> None:
    portal = graded
    student = portal.signed_in("ab1002")
    before = student.get("/assignments/hw1").text
    assert "test_small_numbers" in before  # public: visible at once
    assert "test_negative_numbers" not in before and "test_large_numbers" not in before
    assert "2 more tests will be shown" in before
    portal.clock.now = HW1_DUE + SECOND  # after the due date: the hidden test shows
    after = student.get("/assignments/hw1").text
    assert "test_negative_numbers" in after and "test_large_numbers" not in after
    ta = portal.signed_in("ta01")
    published = post_form(ta, "/staff/assignments/hw1", "/staff/assignments/hw1/publish")
    assert published.status_code == 303
    everything = student.get("/assignments/hw1").text
    assert "test_large_numbers" in everything and "more test" not in everything
    scores = {s.assessment: s for s in portal.book.scores("ab1001")}
    assert scores["hw1"].points == pytest.approx(100) and scores["hw1"].source == "autograder"
    grader = portal.signed_in("gr01").get("/staff/assignments/hw1").text
    assert "100 / 100 [OK]" in grader


@pytest.mark.slow
def test_a_ta_score_and_comment_reach_the_student_with_an_audit_trail(
    portal: PortalSetup,
) -> None:
    student = portal.signed_in("ab1001")
    total = re.compile(r'id="total">([\d.]+) / 100')
    portal.clock.now = dt.datetime(2020, 5, 20, tzinfo=dt.UTC)
    before = float(total.search(student.get("/me").text).group(1))
    ta = portal.signed_in("ta01")
    page = "/staff/students/ab1001"
    saved = post_form(
        ta,
        page,
        page + "/score",
        assessment="midterm",
        points="90",
        comment="Well argued.",
        reason="midterm marked",
    )
    assert saved.status_code == 303 and "midterm: 90 points saved" in ta.get(page).text
    after = float(total.search(student.get("/me").text).group(1))
    assert after > before
    grades = student.get("/grades").text
    assert "90 / 100" in grades
    audit = portal.book.audit_log("ab1001", limit=5)
    assert audit[0].actor == "ta01" and audit[0].reason == "midterm marked"
    assert "midterm marked" in ta.get(page).text  # the trail on the student's staff page
    bad = post_form(ta, page, page + "/score", assessment="midterm", points="900", reason="x")
    assert bad.status_code == 400 and "outside 0…100" in bad.text
    no_reason = post_form(ta, page, page + "/score", assessment="midterm", points="5", reason="")
    assert no_reason.status_code == 400
    assert portal.book.scores("ab1001")[0].points == 90  # neither changed anything


def test_what_if_recomputes_without_saving(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    student = portal.signed_in("ab1001")
    page = student.get("/grades", params={"whatif-midterm": "80", "whatif-project": "100"})
    assert page.status_code == 200 and 'id="scenario"' in page.text
    current, scenario = (
        re.search(rf'<table class="grade" id="{table}">.*?</table>', page.text, re.S).group(0)
        for table in ("current", "scenario")
    )
    # the course's policy applied to the scores tried: midterm 80% of 30, project 100% of 30
    assert re.search(
        r"<td>Mid-term[^<]*</td><td>30</td><td>[^<]*</td>\s*<td>80.0 %</td>"
        r"<td>24.00</td>",
        scenario,
    ), scenario
    assert re.search(
        r"<td>Group project[^<]*</td><td>30</td><td>[^<]*</td>\s*<td>100.0 %"
        r"</td><td>30.00</td>",
        scenario,
    ), scenario
    assert "24.00" not in current and "30.00" not in current  # the real grade is unchanged
    assert portal.book.scores("ab1001") == []
    bad = student.get("/grades", params={"whatif-midterm": "eighty"})
    assert "is not a number" in bad.text and 'id="scenario"' not in bad.text


def test_the_dashboard_shows_own_scribe_duty_and_project_group(
    sqlite_portal: PortalSetup, tmp_path
) -> None:
    portal = sqlite_portal
    course = portal.course
    status = {
        "schema": "dlcourse.scribe-status/1",
        "course": course.course.code,
        "policy": course.grading.write_up.model_dump(),
        "slots": [{"slot": "03-1", "due": "2020-02-10T23:59:00-05:00", "errors": 2}],
        "students": [
            {
                "student_id": "ab1001",
                "netid": "ab1001",
                "email": "ab1001@example.edu",
                "duties": [{"slot": "03-1", "role": "writer", "state": "needs-fixes"}],
            }
        ],
    }
    path = tmp_path / "scribe-status.json"
    path.write_text(json.dumps(status), encoding="utf-8")
    assert import_file(portal.book, "scribe-status", path).added == 1
    portal.book.add_person("ab1003", "Student ab1003")  # enrolled, in no group

    mine = portal.signed_in("ab1001").get("/me").text
    duties = re.search(r'<table id="duties">.*?</table>', mine, re.S).group(0)
    assert re.search(
        r"<td>03-1</td><td>writer</td><td>Mon 10 Feb 2020, 23:59[^<]*</td>"
        r"<td>needs-fixes</td><td>2</td>",
        duties,
    ), duties
    group = "team-1: Student ab1001 (ab1001), Student ab1002 (ab1002)"
    assert f'<p id="group">{group}</p>' in mine
    partner = portal.signed_in("ab1002").get("/me").text
    assert "No scribe duty assigned to you yet" in partner and "03-1" not in partner
    assert f'<p id="group">{group}</p>' in partner
    link = Accounts(portal.book, hasher=CHEAP_HASHER).invite(
        "ab1003", "https://testserver", "prof", portal.clock()
    )
    token = link.url.rsplit("/", 1)[1]
    Accounts(portal.book, hasher=CHEAP_HASHER).accept_invitation(token, PASSWORD, portal.clock())
    loner = portal.signed_in("ab1003").get("/me").text
    assert "You are not in a project group yet" in loner and "team-1" not in loner


def test_exports_are_downloads_for_tas_only(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    ta = portal.signed_in("ta01")
    canvas = ta.get("/staff/exports/canvas")
    assert canvas.status_code == 200
    assert canvas.headers["content-disposition"].startswith("attachment;")
    assert canvas.text.splitlines()[0].startswith("Student,ID,SIS User ID,SIS Login ID,Section")
    assert "ab1001" in canvas.text and "ab1002" in canvas.text
    bright = ta.get("/staff/exports/brightspace")
    assert "End-of-Line Indicator" in bright.text.splitlines()[0]
    assert ta.get("/staff/exports/passwords").status_code == 404
    assert portal.signed_in("gr01").get("/staff/exports/canvas").status_code == 403


def test_track_approval_by_an_instructor(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    with portal.book.transaction("asks for the doctoral track", actor="ab1002") as session:
        from sqlalchemy import update

        from dlcourse.grades.models import Person

        session.execute(update(Person).where(Person.netid == "ab1002").values(track="doctoral"))
    prof = portal.signed_in("prof")
    page = prof.get("/staff/tracks").text
    assert "ab1002" in page
    approved = post_form(
        prof,
        "/staff/tracks",
        "/staff/tracks/approve",
        netid="ab1002",
        track="doctoral",
        reason="research plan accepted",
    )
    assert approved.status_code == 303
    assert portal.book.find_person("ab1002").track_approved_by == "prof"
    after = prof.get("/staff/tracks").text
    assert "ab1002: track doctoral approved" in after and "No request is waiting" in after
    assert portal.signed_in("ta01").get("/staff/tracks").status_code == 403


@pytest.mark.slow
def test_invitation_link_sets_a_real_argon2id_password_once(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    book = portal.book
    book.add_person("cd2001", "New Student", email="cd2001@example.edu")
    ta = portal.signed_in("ta01")
    invited = post_form(ta, "/staff/roster", "/staff/roster/invite", netid="cd2001")
    assert invited.status_code == 303
    link = re.search(r"https://testserver(/invite/[\w-]+)", ta.get("/staff/roster").text)
    assert link, "the invitation link is shown to the TA once"
    newcomer = portal.client()
    assert "cd2001" in newcomer.get(link.group(1)).text
    token = csrf_of(newcomer, link.group(1))
    short = newcomer.post(link.group(1), data={"csrf_token": token, "password": "x", "again": "x"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    done = newcomer.post(
        link.group(1),
        data={"csrf_token": token, "password": "a long passphrase", "again": "a long passphrase"},
    )
    assert done.status_code == 303 and newcomer.get("/me").status_code == 200
    from sqlalchemy import select

    from dlcourse.grades.models import Person, PortalAccount

    with book.engine.connect() as connection:
        stored = connection.execute(
            select(PortalAccount.password_hash).join(Person).where(Person.netid == "cd2001")
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "a long passphrase" not in stored
    assert portal.client().get(link.group(1)).status_code == 404  # used up
    assert portal.signed_in("gr01").post("/staff/roster/invite").status_code == 403


def test_sign_in_is_rate_limited_per_account(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    client = portal.client()
    for _ in range(5):
        token = csrf_of(client, "/login")
        wrong = client.post(
            "/login", data={"csrf_token": token, "netid": "ab1001", "password": "guess guess"}
        )
        assert wrong.status_code == 400 and "do not match" in wrong.text
    token = csrf_of(client, "/login")
    right = client.post(
        "/login", data={"csrf_token": token, "netid": "ab1001", "password": PASSWORD}
    )
    assert right.status_code == 429 and "Too many failed sign-ins" in right.text
    login(portal.client(), "ab1002")  # another account is not locked out by it
    portal.clock.now += dt.timedelta(minutes=16)
    login(portal.client(), "ab1001")  # the window moved on


@pytest.mark.slow  # a portal of its own (0.6 s)
def test_sign_in_is_rate_limited_per_address(course, sqlite_url: str) -> None:
    """Failures for different accounts from one address add up (here to 3, not 30), so
    guessing one password across many NetIDs is throttled too."""
    from tests.portal.conftest import make_setup

    portal = make_setup(course, sqlite_url, login_failures_per_address=3)
    try:
        for netid in ("ab1001", "ab1002", "nobody"):
            client = portal.client()
            token = csrf_of(client, "/login")
            wrong = client.post(
                "/login", data={"csrf_token": token, "netid": netid, "password": "guess guess"}
            )
            assert wrong.status_code == 400
        client = portal.client()
        token = csrf_of(client, "/login")
        right = client.post(
            "/login", data={"csrf_token": token, "netid": "gr01", "password": PASSWORD}
        )
        assert right.status_code == 429 and "from this address" in right.text
        portal.clock.now += dt.timedelta(minutes=16)
        login(portal.client(), "gr01")  # the window moved on
    finally:
        portal.app.state.portal.close()


def test_a_grading_request_that_cannot_run_is_recorded_as_failed(
    sqlite_portal: PortalSetup, monkeypatch
) -> None:
    from sqlalchemy import select, update

    from dlcourse.grades.models import GradingRequest
    from dlcourse.portal import grading_worker

    portal = sqlite_portal
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    assert hand_in(portal.signed_in("ab1001"), ANSWER).status_code == 303
    grader = portal.signed_in("gr01")
    post_form(grader, "/staff/assignments/hw1", "/staff/assignments/hw1/grade", student="ab1001")
    again = post_form(
        grader, "/staff/assignments/hw1", "/staff/assignments/hw1/grade", student="ab1001"
    )
    assert again.status_code == 303
    assert "0 submissions queued" in grader.get("/staff/assignments/hw1").text  # not twice
    table = GradingRequest.__table__
    engine = portal.book.engine
    with engine.begin() as connection:  # as if a portal died while grading it
        connection.execute(update(table).values(state="running"))
    worker = grading_worker.GradingWorker(portal.app.state.portal)
    monkeypatch.setattr(grading_worker, "sandbox_problem", lambda: "bwrap is not installed")
    worker._stop.set()  # start() re-queues what was running; the thread ends at once
    worker.start()
    worker.stop()
    assert worker.run_one() and not worker.run_one()
    with engine.connect() as connection:
        state, message = connection.execute(select(table.c.state, table.c.message)).one()
    assert state == "failed" and "cannot grade untrusted code here: bwrap" in message
    row = grader.get("/staff/assignments/hw1").text
    assert "failed" in row and portal.book.grading(1) is None
