"""Imports on SQLite and PostgreSQL: all or nothing with row numbers, idempotent, audited; the
same files give the same grades on both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.course import Course
from dlcourse.grades import GradebookError, grade_all
from dlcourse.grades.imports import import_file
from dlcourse.grades.store import Gradebook, open_gradebook

AFTER_TERM = dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
ROSTER = """NetID,Name,Email,Section,Track
ab1001,Student One,ab1001@example.edu,001,
ab1002,Student Two,ab1002@example.edu,002,PhD
ab1003,Student Three,ab1003@example.edu,001,
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(course: Course, db_url: str, tmp_path: Path) -> Gradebook:
    gradebook = open_gradebook(course, db_url, actor="grader7", create=True)
    import_file(gradebook, "roster", write(tmp_path, "roster.csv", ROSTER))
    yield gradebook
    gradebook.close()


def snapshot(book: Gradebook) -> tuple:
    from sqlalchemy import text

    with book.engine.connect() as connection:
        return tuple(
            tuple(map(tuple, connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))))
            for table in ("people", "scores", "scribe_duties", "forum_activity", "audit_log")
        )


@pytest.mark.slow
def test_roster_adds_updates_and_marks_dropped_students(book: Gradebook, tmp_path: Path) -> None:
    people = {p.netid: p for p in book.people("student")}
    assert people["ab1002"].track == "doctoral" and people["ab1002"].track_approved_by is None
    again = import_file(book, "roster", tmp_path / "roster.csv")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    changed = ROSTER.replace(
        "Student Three,ab1003@example.edu,001", "Student Three,ab1003@example.edu,002"
    )
    changed = "\n".join(line for line in changed.splitlines() if not line.startswith("ab1001"))
    report = import_file(book, "roster", write(tmp_path, "roster2.csv", changed))
    assert (report.added, report.changed, report.unchanged) == (
        0,
        2,
        1,
    )  # ab1003 moved, ab1001 dropped
    assert [p.netid for p in book.people("student")] == ["ab1002", "ab1003"]
    assert not book.find_person("ab1001").enrolled
    assert book.audit_log("ab1001")[0].reason.startswith("import roster roster2.csv")


def test_a_file_with_bad_rows_changes_nothing_and_names_every_row(
    book: Gradebook, tmp_path: Path
) -> None:
    before = snapshot(book)
    scores = write(
        tmp_path,
        "midterm.csv",
        "netid,midterm,project\nab1001,70,80\nab1002,seventy,80\nzz9999,50,50\nab1003,101,\n",
    )
    with pytest.raises(GradebookError) as caught:
        import_file(book, "scores", scores)
    issues = caught.value.issues
    assert any("midterm.csv:3: midterm 'seventy' is not a number" in i for i in issues)
    assert any("midterm.csv:4: zz9999 is not a student" in i for i in issues)
    assert any("midterm.csv:5: midterm 101 is outside 0…100" in i for i in issues)
    assert snapshot(book) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("netid,quiz\nab1001,3\n", "column 'quiz' is not an assessment"),
        ("netid,write-up\nab1001,3\n", "write-up takes its points from scribe-status"),
        ("name,midterm\nx,3\n", "no NetID column"),
        ("", "empty file"),
        ("netid,midterm\nab1001,70\nAB1001,71\n", r"already has a row \(2\)"),
    ],
)
@pytest.mark.slow
def test_malformed_score_files_are_refused(
    book: Gradebook, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(GradebookError, match=message):
        import_file(book, "scores", write(tmp_path, "s.csv", text))


def test_scores_import_is_idempotent_and_audits_each_change(
    book: Gradebook, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "midterm.csv", "netid,midterm\nab1001,70\nab1002@example.edu,65.5\nab1003,\n"
    )
    before = dt.datetime.now(dt.UTC)
    first = import_file(book, "scores", path)
    assert (first.added, first.changed) == (2, 0)
    # the bulk path (COPY, executemany) stores the same instant the audit row names, in UTC
    (score,) = book.scores("ab1001")
    (inserted,) = [row for row in book.audit_log("ab1001") if row.table == "scores"]
    assert (
        score.recorded_at
        == inserted.at
        == dt.datetime.fromisoformat(json.loads(inserted.new_value)["recorded_at"])
    )
    assert before <= score.recorded_at <= dt.datetime.now(dt.UTC)
    assert (score.points, score.source) == (70, "midterm.csv:2") and inserted.action == "insert"
    audit_rows = len(book.audit_log())
    second = import_file(book, "scores", path)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 2)
    assert len(book.audit_log()) == audit_rows  # a re-import writes nothing at all
    regrade = import_file(book, "scores", write(tmp_path, "m2.csv", "netid,midterm\nab1001,72\n"))
    assert regrade.changed == 1
    change = book.audit_log("ab1001")[0]
    assert change.action == "update" and change.actor == "grader7"
    assert (json.loads(change.old_value)["points"], json.loads(change.new_value)["points"]) == (
        70,
        72,
    )
    assert book.facts(["ab1002"])[0].scores["midterm"].points == 65.5  # untouched by m2.csv


def test_dry_run_reports_and_writes_nothing(book: Gradebook, tmp_path: Path) -> None:
    before = snapshot(book)
    report = import_file(
        book, "scores", write(tmp_path, "m.csv", "netid,midterm\nab1001,70\n"), dry_run=True
    )
    assert report.added == 1 and snapshot(book) == before


def _status(course: Course, duties: dict[str, list[tuple[str, str, int]]]) -> str:
    slots = {slot: errors for items in duties.values() for slot, _, errors in items}
    return json.dumps(
        {
            "schema": "dlcourse.scribe-status/1",
            "course": course.course.code,
            "policy": course.grading.write_up.model_dump(),
            "slots": [
                {"slot": s, "due": "2020-02-03T23:59:00-05:00", "errors": e}
                for s, e in slots.items()
            ],
            "students": [
                {
                    "student_id": netid,
                    "netid": None,
                    "email": netid,
                    "duties": [{"slot": s, "role": "writer", "state": st} for s, st, _ in items],
                }
                for netid, items in duties.items()
            ],
        }
    )


def test_scribe_status_feeds_the_write_up_adjustment(
    book: Gradebook, course: Course, tmp_path: Path
) -> None:
    status = write(
        tmp_path,
        "status.json",
        _status(
            course,
            {
                "ab1001@example.edu": [("01-1", "complete", 0), ("03-1", "needs-fixes", 2)],
                "ab1003@example.edu": [("02-1", "missing", 0)],
            },
        ),
    )
    report = import_file(book, "scribe-status", status)
    assert report.added == 3
    results = {r.netid: r for r in grade_all(book.rules, book.facts(), AFTER_TERM)}
    assert results["ab1001"].adjustment == pytest.approx(10 * (1.0 + 0.8) / 2)
    assert results["ab1003"].adjustment == -10
    assert results["ab1002"].component("write-up").status == "not applicable"
    assert import_file(book, "scribe-status", status).audit_rows == 0
    fixed = write(
        tmp_path,
        "status2.json",
        _status(
            course,
            {
                "ab1001@example.edu": [("01-1", "complete", 0), ("03-1", "complete", 0)],
            },
        ),
    )
    assert import_file(book, "scribe-status", fixed).changed == 1


def test_scribe_status_of_another_course_or_schema_is_refused(
    book: Gradebook, tmp_path: Path
) -> None:
    with pytest.raises(GradebookError, match="not a scribe status file"):
        import_file(book, "scribe-status", write(tmp_path, "x.json", '{"schema": "other/1"}'))
    with pytest.raises(GradebookError, match="status is for course 'CS 101'"):
        import_file(
            book,
            "scribe-status",
            write(
                tmp_path,
                "y.json",
                json.dumps(
                    {"schema": "dlcourse.scribe-status/1", "course": "CS 101", "students": []}
                ),
            ),
        )
    with pytest.raises(GradebookError, match="not JSON"):
        import_file(book, "scribe-status", write(tmp_path, "z.json", "{"))


def test_piazza_and_ed_exports_become_the_forum_bonus(book: Gradebook, tmp_path: Path) -> None:
    piazza = write(
        tmp_path,
        "piazza.csv",
        (
            "name,email,days online,views,contributions,questions,notes,answers,endorsed answers\n"
            "Student One,ab1001@example.edu,40,300,12,3,1,8,2\n"
            "Professor,prof@example.edu,90,900,100,0,20,80,0\n"
        ),
    )
    report = import_file(book, "piazza", piazza)
    assert report.added == 1 and report.skipped == ["row 3: not in the roster"]
    bonus = {r.netid: r.bonus for r in grade_all(book.rules, book.facts(), AFTER_TERM)}
    assert bonus["ab1001"] == pytest.approx(8 * 0.25 + 2 * 0.5)
    ed = write(
        tmp_path,
        "ed.csv",
        (
            "Name,Email,Role,Views,Days Active,Questions,Posts,Comments,Answers,Accepted Answers\n"
            "Student Three,ab1003@example.edu,student,10,5,1,2,3,40,10\n"
            "A TA,ta@example.edu,tutor,10,5,1,2,3,400,10\n"
        ),
    )
    report = import_file(book, "ed", ed)
    assert report.skipped == ["row 3: role tutor"]
    bonus = {r.netid: r.bonus for r in grade_all(book.rules, book.facts(), AFTER_TERM)}
    assert bonus["ab1003"] == 5.0  # 40 × 0.25 + 10 × 0.5 = 15, capped at the weight
    with pytest.raises(GradebookError, match=r"ed.csv:2: answers 'many' is not a number"):
        import_file(
            book, "ed", write(tmp_path, "ed.csv", "email,answers\nab1001@example.edu,many\n")
        )


@pytest.mark.slow
def test_staff_roles_come_from_the_staff_file(book: Gradebook, tmp_path: Path) -> None:
    import_file(
        book,
        "staff",
        write(tmp_path, "staff.csv", "netid,name,email,role\nta1,A TA,ta1@x.edu,ta\n"),
    )
    assert book.role_of("ta1") == "ta"
    with pytest.raises(GradebookError, match="role 'boss'"):
        import_file(
            book, "staff", write(tmp_path, "s2.csv", "netid,name,email,role\nx1,X,x@x.edu,boss\n")
        )
    with pytest.raises(GradebookError, match="ab1001 is a student"):
        import_file(
            book, "staff", write(tmp_path, "s3.csv", "netid,name,email,role\nab1001,X,,ta\n")
        )


def test_non_utf8_files_are_named(book: Gradebook, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("netid,midterm\nab1001,7\u00e9\n".encode("latin-1"))
    with pytest.raises(GradebookError, match="not UTF-8"):
        import_file(book, "scores", path)


# -- SQLite and PostgreSQL agree --------------------------------------------------------------
score_rows = st.lists(
    st.tuples(
        st.sampled_from(["ab1001", "ab1002", "ab1003"]),
        st.sampled_from(["hw1", "hw2", "hw3", "midterm", "project", "research"]),
        st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda v: round(v, 3)),
    ),
    max_size=18,
    unique_by=lambda row: row[:2],
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=score_rows, approve=st.booleans())
@pytest.mark.slow
def test_identical_results_on_sqlite_and_postgresql(
    course: Course, postgres_server, tmp_path_factory, rows, approve
) -> None:
    import uuid

    folder = tmp_path_factory.mktemp("same")
    name = f"h_{uuid.uuid4().hex[:10]}"
    postgres_server.admin(f"CREATE DATABASE {name}")
    urls = [f"sqlite:///{folder / 'g.sqlite3'}", postgres_server.url(name)]
    lines = ["netid,hw1,hw2,hw3,midterm,project,research"]
    for netid in ("ab1001", "ab1002", "ab1003"):
        cells = {a: str(v) for n, a, v in rows if n == netid}
        columns = lines[0].split(",")[1:]
        lines.append(",".join([netid, *(cells.get(a, "") for a in columns)]))
    scores = write(folder, "scores.csv", "\n".join(lines) + "\n")
    roster = write(folder, "roster.csv", ROSTER)
    results = []
    try:
        for url in urls:
            with open_gradebook(course, url, actor="t", create=True) as book:
                import_file(book, "roster", roster)
                import_file(book, "scores", scores)
                if approve:
                    book.approve_track("ab1002", "doctoral")
                results.append(
                    grade_all(book.rules, book.facts(), dt.datetime(2020, 3, 10, tzinfo=dt.UTC))
                )
    finally:
        postgres_server.admin(f"DROP DATABASE {name} WITH (FORCE)")
    assert results[0] == results[1]
