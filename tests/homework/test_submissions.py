"""Submissions against the real gradebook: receipts, refusals, extensions, DST, LMS batches."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

pytest.importorskip("sqlalchemy", reason="the gradebook needs the grades extra")

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.course.scaffold import init_course
from dlcourse.grades import open_gradebook
from dlcourse.homework.assignment import load_assignment
from dlcourse.homework.submissions import (
    ContentStore,
    SubmissionError,
    collect,
    latest_files,
    read_lms_export,
    submit,
)

SECOND = dt.timedelta(seconds=1)
GOOD = b"def f():\n    return 1\n"


def _new_term(root):
    """A course made by init, its gradebook with two students, the content store the CLI uses."""
    course = load_course(init_course(root / "course"))
    url = f"sqlite:///{root / 'gradebook.sqlite'}"
    gradebook = open_gradebook(course, url, actor="ta", create=True)
    for netid in ("ab123", "cd456"):
        gradebook.add_person(netid, f"Student {netid}")
    store = ContentStore.for_course(course)  # where the CLI looks too
    return course, gradebook, store, load_assignment(course, "hw1"), url


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    term = _new_term(tmp_path_factory.mktemp("subs"))
    yield term
    term[1].close()


def test_on_time_late_and_history(setup):
    _course, gradebook, store, assignment, _ = setup
    due = assignment.due.astimezone(dt.UTC)
    first = submit(gradebook, store, assignment, GOOD, "mlp.py", "ab123", now=due - 60 * SECOND)
    second = submit(gradebook, store, assignment, GOOD + b"#2\n", "mlp.py", "ab123", now=due)
    late = submit(gradebook, store, assignment, GOOD + b"#3\n", "mlp.py", "ab123", now=due + SECOND)
    assert (first.status, second.status, late.status) == ("accepted", "accepted", "refused")
    assert "late submissions are not accepted" in late.reason
    history = gradebook.submissions("hw1", student="ab123")
    assert [s.status for s in history][-3:] == ["accepted", "accepted", "refused"]  # logged
    assert gradebook.latest_submission("hw1", student="ab123").sha256 == second.sha256
    assert store.get(second.store_key) == GOOD + b"#2\n"
    assert oct(os.stat(store.root / second.store_key).st_mode & 0o777) == "0o600"


def test_files_that_cannot_be_taken_change_nothing(setup):
    _course, gradebook, store, assignment, _ = setup
    before = len(gradebook.submissions("hw1"))
    for content, name, student in [
        (GOOD, "solution.py", "ab123"),
        (GOOD, "../mlp.py", "ab123"),
        (b"x" * (assignment.limits.upload_kb * 1024 + 1), "mlp.py", "ab123"),
        (GOOD, "mlp.py", "nobody99"),
    ]:
        with pytest.raises(SubmissionError):
            submit(gradebook, store, assignment, content, name, student)
    assert len(gradebook.submissions("hw1")) == before


_students = itertools.count()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.sampled_from(
        [
            dt.date(2020, 3, 7),
            dt.date(2020, 3, 8),
            dt.date(2020, 3, 9),
            dt.date(2020, 10, 31),
            dt.date(2020, 11, 1),
            dt.date(2020, 11, 2),
        ]
    ),
    clock=st.times(),
    fold=st.integers(0, 1),
)
@pytest.mark.slow
def test_deadline_instant_across_daylight_saving_changes(setup, day, clock, fold):
    """An extension to any wall-clock time around the 2020 DST changes (non-existent and
    repeated hours included): 1 s before it accepted, at it accepted, 1 s after refused."""
    course, gradebook, store, assignment, _ = setup
    student = f"dst{next(_students)}"
    gradebook.add_person(student, "DST student")
    wall = dt.datetime.combine(day, clock.replace(microsecond=0), tzinfo=course.tz).replace(
        fold=fold
    )
    gradebook.grant_extension(student, "hw1", wall, reason="property test")
    instant = wall.astimezone(dt.UTC)
    assert gradebook.deadline(student, "hw1") == instant
    outcomes = [
        submit(gradebook, store, assignment, GOOD, "mlp.py", student, now=instant + offset).status
        for offset in (-SECOND, dt.timedelta(0), SECOND)
    ]
    assert outcomes == ["accepted", "accepted", "refused"]


def test_the_students_file_cannot_move_the_receipt(setup, tmp_path):
    course, gradebook, _store, _assignment, url = setup
    file = tmp_path / "mlp.py"
    file.write_bytes(b"# submitted_at = 2020-01-01T00:00:00\n" + GOOD)
    os.utime(file, (0, 0))  # a modification time in 1970 changes nothing either
    result = CliRunner().invoke(
        app,
        [
            "hw",
            "submit",
            "hw1",
            str(file),
            "--student",
            "cd456",
            "--course",
            str(course.root),
            "--db",
            url,
        ],
    )
    assert result.exit_code == 1  # today is long after the 2020 due date
    assert "refused: mlp.py from cd456 received" in result.output
    assert "late submissions are not accepted" in result.output
    latest = gradebook.submissions("hw1", student="cd456")[-1]
    assert latest.received_at > dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_lms_batch_uses_the_lms_times_and_is_all_or_nothing(setup, tmp_path):
    course, gradebook, store, assignment, _ = setup
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mlp.py").write_bytes(GOOD)
    csv = tmp_path / "times.csv"
    csv.write_text(
        "student,file,submitted_at\n"
        "cd456,a/mlp.py,2020-02-17T23:58:59\n"
        "cd456,a/missing.py,2020-02-17T23:59:30\n"
        "cd456,a/mlp.py,yesterday\n"
    )
    with pytest.raises(SubmissionError) as caught:
        read_lms_export(assignment, tmp_path, csv, course.tz)
    assert "row 3" in str(caught.value) and "row 4" in str(caught.value)
    csv.write_text('student,file,submitted_at\ncd456,"a/mlp.py,2020-02-17T23:58:59\nx,y,z\n')
    with pytest.raises(SubmissionError, match=r"row 2: .*quote"):
        read_lms_export(assignment, tmp_path, csv, course.tz)
    csv.write_text(
        "student,file,submitted_at\n"
        "cd456,a/mlp.py,2020-02-17T23:58:59\n"
        "cd456,a/mlp.py,2020-02-18T00:00:01-05:00\n"
    )
    rows = read_lms_export(assignment, tmp_path, csv, course.tz)
    recorded = collect(gradebook, store, assignment, rows)
    assert [r.status for r in recorded] == ["accepted", "refused"]
    folders = latest_files(gradebook, store, assignment, tmp_path / "inbox")
    assert (folders["cd456"] / "mlp.py").read_bytes() == GOOD
    assert "ab123" in folders


def test_collect_as_typed_reads_the_lms_times_beside_the_files(setup, tmp_path, monkeypatch):
    """'dlcourse hw collect hw1 FOLDER' from inside the course: the LMS's times come from
    FOLDER/timestamps.csv unless --timestamps names another file."""
    course, gradebook, _store, _assignment, url = setup
    monkeypatch.chdir(course.root)
    download = tmp_path / "lms"
    (download / "ab123").mkdir(parents=True)
    (download / "ab123" / "mlp.py").write_bytes(GOOD)
    args = ["hw", "collect", "hw1", str(download), "--db", url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "timestamps.csv: no such file" in result.output
    before = len(gradebook.submissions("hw1", student="ab123"))
    (download / "timestamps.csv").write_text(
        "student,file,submitted_at\nab123,ab123/mlp.py,2020-02-17T23:59:01\n"
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "refused: mlp.py from ab123 received Mon 17 Feb 2020 23:59:01 EST" in result.output
    assert len(gradebook.submissions("hw1", student="ab123")) == before + 1


@pytest.mark.slow
def test_grading_from_the_gradebook_records_the_scores(tmp_path, sandbox_ready, monkeypatch):
    pytest.importorskip("torch")
    # a term of its own: the module's term holds the DST test's many students, each of whom
    # `hw grade` would grade in a sandbox
    course, gradebook, store, assignment, url = _new_term(tmp_path / "term")
    gradebook.add_person("ef789", "Student ef789")
    solution = (assignment.solution_dir / "mlp.py").read_bytes()
    due = assignment.due.astimezone(dt.UTC)
    submit(gradebook, store, assignment, solution, "mlp.py", "ef789", now=due - SECOND)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["hw", "grade", "hw1", "--course", str(course.root), "--db", url, "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "ef789: 100 / 100 [OK]" in result.output and "scores changed" in result.output
    gradebook.close()
    reopened = open_gradebook(course, url)
    facts = {f.netid: f for f in reopened.facts(["ef789"])}
    reopened.close()
    assert facts["ef789"].scores["hw1"].points == 100
