"""The gradebook store on SQLite and PostgreSQL: schema from the migrations, audit trail,
append-only log, submissions against deadlines, extensions, groups, roles."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dlcourse.course import Course
from dlcourse.grades.audit import AuditError
from dlcourse.grades.db import GradebookError, head_revision, make_engine
from dlcourse.grades.models import Base, Person
from dlcourse.grades.store import Gradebook, open_gradebook

SHA = "0123456789abcdef" * 4


@pytest.fixture
def book(course: Course, db_url: str) -> Gradebook:
    gradebook = open_gradebook(course, db_url, actor="ta01", create=True)
    gradebook.add_person("ab1001", "Student One", email="ab1001@example.edu")
    gradebook.add_person("ab1002", "Student Two", email="ab1002@example.edu")
    gradebook.add_person("ab1003", "Student Three")
    gradebook.add_person("prof1", "Professor", role="instructor")
    yield gradebook
    gradebook.close()


def test_the_migrations_build_exactly_the_models(course: Course, db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    open_gradebook(course, db_url, create=True).close()
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == head_revision()
        differences = [
            d for d in compare_metadata(context, Base.metadata) if "UTCDateTime" not in repr(d)
        ]
    engine.dispose()
    assert differences == []


def test_a_gradebook_of_the_first_schema_is_upgraded_with_its_data_and_can_go_back(
    course: Course, db_url: str
) -> None:
    """A term whose gradebook was made before the portal's tables (revision 0001): opening it
    adds them and keeps every row; downgrading to 0001 (a rollback) drops only them."""
    from alembic import command
    from sqlalchemy import inspect

    from dlcourse.grades.db import (
        _alembic_config,
        current_revision,
        prepare_sqlite_file,
        sqlite_path,
    )

    portal_tables = {
        "grading_results",
        "feedback_releases",
        "portal_accounts",
        "portal_invitations",
        "portal_sessions",
        "portal_login_attempts",
        "grading_requests",
    }
    path = sqlite_path(db_url)
    if path is not None:
        prepare_sqlite_file(path)
    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    old = Gradebook(course, engine, db_url, actor="ta01")
    old.sync_assessments()
    old.add_person("ab1001", "Student One")
    old.record_submission(
        "hw1", sha256=SHA, store_key="k1", size_bytes=10, filename="a.py", student="ab1001"
    )
    assert portal_tables.isdisjoint(inspect(engine).get_table_names())
    engine.dispose()

    book = open_gradebook(course, db_url)
    with book.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    assert portal_tables <= set(inspect(book.engine).get_table_names())
    assert [p.netid for p in book.people()] == ["ab1001"]
    [submission] = book.submissions("hw1")
    assert submission.sha256 == SHA and book.grading(submission.id) is None
    book.close()

    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")
    tables = set(inspect(engine).get_table_names())
    assert portal_tables.isdisjoint(tables) and {"people", "submissions"} <= tables
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM submissions")).scalar() == 1
    engine.dispose()


def test_sqlite_file_is_private_ignored_by_git_with_wal_and_foreign_keys(
    course: Course, tmp_path: Path
) -> None:
    path = tmp_path / "grades" / "gradebook.sqlite3"
    book = open_gradebook(course, f"sqlite:///{path}", create=True)
    book.add_person("ab1001", "Student One")  # a write makes the WAL file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    assert (path.parent / ".gitignore").read_text().splitlines()[-1] == "*"
    with book.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    book.close()


def test_opening_without_create_names_the_missing_file_and_makes_nothing(
    course: Course, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere" / "gradebook.sqlite3"
    with pytest.raises(GradebookError, match="dlcourse grades init"):
        open_gradebook(course, f"sqlite:///{path}")
    assert not path.parent.exists()


def test_an_unreachable_postgresql_is_a_message_without_the_password(course: Course) -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://who:secret@/nodb?host=/nonexistent-socket-dir"
    with pytest.raises(GradebookError) as caught:
        open_gradebook(course, url)
    assert "secret" not in str(caught.value) and "cannot use the gradebook" in str(caught.value)


def test_every_change_leaves_an_audit_row_with_old_and_new(book: Gradebook) -> None:
    assert book.set_score("ab1001", "midterm", 70, "midterm.csv:2")
    assert not book.set_score("ab1001", "midterm", 70, "midterm.csv:2")  # same value: no-op
    assert book.set_score("ab1001", "midterm", 75, "regrade", reason="regrade request")
    rows = book.audit_log("ab1001")
    assert [(r.action, r.table, r.key) for r in rows[:2]] == [
        ("update", "scores", "midterm/ab1001"),
        ("insert", "scores", "midterm/ab1001"),
    ]
    update = rows[0]
    assert json.loads(update.old_value)["points"] == 70
    assert json.loads(update.new_value)["points"] == 75
    assert update.actor == "ta01" and update.reason == "regrade request"
    assert all(r.student == "ab1001" for r in rows)


def test_the_audit_log_refuses_update_and_delete_in_the_database(book: Gradebook) -> None:
    book.set_score("ab1002", "midterm", 50, "test")
    before = len(book.audit_log())
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), book.engine.begin() as connection:
            connection.execute(text(statement))
    assert len(book.audit_log()) == before
    assert {r.actor for r in book.audit_log()} == {"ta01"}


def test_a_change_without_actor_or_reason_is_refused(book: Gradebook) -> None:
    from dlcourse.grades.store import GradebookSession

    with pytest.raises(AuditError), GradebookSession(book.engine) as session, session.begin():
        person = session.query(Person).filter_by(netid="ab1003").one()
        person.name = "Someone Else"
    assert book.find_person("ab1003").name == "Student Three"


def test_scores_outside_the_assessment_or_on_formula_components_are_refused(
    book: Gradebook,
) -> None:
    with pytest.raises(GradebookError, match="outside 0…100"):
        book.set_score("ab1001", "midterm", 101, "test")
    with pytest.raises(GradebookError, match="from scribe-status"):
        book.set_score("ab1001", "write-up", 5, "test")
    with pytest.raises(GradebookError, match="no assessment 'hw9'"):
        book.set_score("ab1001", "hw9", 5, "test")
    with pytest.raises(GradebookError, match="prof1 is instructor"):
        book.set_score("prof1", "midterm", 5, "test")


def test_submissions_are_decided_by_the_receiving_clock_and_the_extension(
    book: Gradebook, course: Course
) -> None:
    due = course.homework[0].due.replace(tzinfo=course.tz)  # 2020-02-17 23:59 New York
    second = dt.timedelta(seconds=1)
    on_time = book.record_submission(
        "hw1",
        sha256=SHA,
        store_key="k1",
        size_bytes=10,
        filename="a.py",
        student="ab1001",
        received_at=due - second,
    )
    late = book.record_submission(
        "hw1",
        sha256=SHA,
        store_key="k2",
        size_bytes=10,
        filename="a.py",
        student="ab1001",
        received_at=due + second,
    )
    assert on_time.accepted and not late.accepted
    assert "after the deadline Mon 17 Feb 2020 23:59:00 EST" in late.reason
    book.grant_extension("ab1001", "hw1", dt.datetime(2020, 2, 20, 12, 0), "illness")
    extended = book.record_submission(
        "hw1",
        sha256=SHA,
        store_key="k3",
        size_bytes=12,
        filename="b.py",
        student="ab1001",
        received_at=due + dt.timedelta(days=2),
    )
    assert extended.accepted
    history = book.submissions("hw1", student="ab1001")
    assert [s.store_key for s in history] == ["k1", "k2", "k3"]
    assert book.latest_submission("hw1", student="ab1001").store_key == "k3"
    assert book.latest_submission("hw1", student="ab1002") is None
    assert book.deadline("ab1002", "hw1") == due
    with pytest.raises(GradebookError, match="later deadline"):
        book.grant_extension("ab1002", "hw1", due - dt.timedelta(hours=1), "typo")


def test_group_submissions_use_the_earliest_member_deadline(
    book: Gradebook, course: Course
) -> None:
    book.set_group("team-a", ["ab1001", "ab1002"])
    due = book.deadline("ab1001", "project")
    book.grant_extension("ab1001", "project", due + dt.timedelta(days=3), "conference")
    late = book.record_submission(
        "project",
        sha256=SHA,
        store_key="p1",
        size_bytes=1,
        filename="v.mp4",
        group="team-a",
        received_at=due + dt.timedelta(days=1),
    )
    assert not late.accepted and late.group == "team-a"
    assert book.submissions("project", group="team-a")[0].store_key == "p1"


def test_groups_keep_sizes_and_one_group_per_student(book: Gradebook) -> None:
    with pytest.raises(GradebookError, match="allows 2–3"):
        book.set_group("solo", ["ab1001"])
    book.set_group("team-a", ["ab1001", "ab1002"])
    with pytest.raises(GradebookError, match="already in group 'team-a'"):
        book.set_group("team-b", ["ab1001", "ab1003"])
    book.set_group("team-a", ["ab1001", "ab1003"])
    assert book.groups() == {"team-a": ["ab1001", "ab1003"]}
    assert book.group_of("ab1003") == "team-a"
    removed = [r for r in book.audit_log("ab1002") if r.table == "group_members"]
    assert [r.action for r in removed] == ["delete", "insert"]


def test_track_approval_by_alias_and_roles_for_the_portal(book: Gradebook) -> None:
    person = book.approve_track("ab1003", "PhD")
    assert person.track == "doctoral" and person.track_approved_by == "ta01"
    assert book.role_of("prof1") == "instructor" and book.role_of("AB1003") == "student"
    assert book.role_of("unknown") is None
    with pytest.raises(GradebookError, match="tracks: undergraduate-masters, doctoral \\(phd\\)"):
        book.approve_track("ab1003", "postdoc")


def test_reopening_keeps_everything_and_migrates_nothing(course: Course, db_url: str) -> None:
    first = open_gradebook(course, db_url, create=True)
    first.add_person("ab1001", "Student One")
    first.close()
    again = open_gradebook(course, db_url)
    assert [p.netid for p in again.people()] == ["ab1001"]
    assessments = [r for r in again.audit_log() if r.table == "assessments"]
    assert len(assessments) == len(again.assessment_ids())  # synced once, not on every open
    again.close()


def test_a_later_due_date_in_course_toml_is_synced_with_an_audit_row(
    course_dir: Path, db_url: str
) -> None:
    from dlcourse.course import load_course

    open_gradebook(load_course(course_dir), db_url, create=True).close()
    toml = course_dir / "course.toml"
    toml.write_text(
        toml.read_text().replace("due = 2020-02-17T23:59:00", "due = 2020-02-19T23:59:00")
    )
    book = open_gradebook(load_course(course_dir), db_url)
    change = book.audit_log()[0]
    assert (change.action, change.key, change.reason) == (
        "update",
        "hw1",
        "assessments from course.toml",
    )
    assert json.loads(change.new_value)["due"].startswith("2020-02-20T04:59")
    book.close()


def test_sqlite_urls_are_files(course: Course) -> None:
    with pytest.raises(GradebookError, match="needs a file"):
        open_gradebook(course, "sqlite://", create=True)
    with pytest.raises(GradebookError, match="SQLite or PostgreSQL"):
        open_gradebook(course, "mysql://x@y/z", create=True)
