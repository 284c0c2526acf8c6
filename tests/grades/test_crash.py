"""Crash safety and concurrent writers, with real processes: a SIGKILL in the middle of a
5,000-row import leaves the database exactly as before it; two graders importing at once on
PostgreSQL lose nothing (the later one waits for the first)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from dlcourse.course import Course
from dlcourse.grades.imports import import_file
from dlcourse.grades.store import Gradebook, open_gradebook

STUDENTS = 5000

# The child imports a file and, once all its rows (scores and their audit rows) are written but
# before its commit, says how many score rows its transaction holds and waits: the test then
# kills it (or lets it go) at a known point. The pause is at the commit of the first write
# transaction, not at a statement, because the rows go in by executemany on SQLite and by COPY on
# PostgreSQL, which SQLAlchemy's statement events do not see.
CHILD = """
import pathlib, sys, time
from sqlalchemy import event
from dlcourse.course import load_course
from dlcourse.grades.imports import import_file
from dlcourse.grades.store import open_gradebook

course_dir, url, path, marker, hold, actor = sys.argv[1:7]
book = open_gradebook(load_course(course_dir), url, actor=actor)

@event.listens_for(book.engine, "commit")
def pause(connection):
    if connection.get_execution_options().get("dlcourse_write"):
        rows = connection.exec_driver_sql("SELECT count(*) FROM scores").scalar()
        pathlib.Path(marker + ".tmp").write_text(str(rows))
        pathlib.Path(marker + ".tmp").rename(marker)  # whole, never half-written
        while pathlib.Path(hold).exists():
            time.sleep(0.02)

pathlib.Path(marker + ".started").write_text("")
report = import_file(book, "scores", pathlib.Path(path))
print(f"added {report.added} changed {report.changed}")
"""


def _files(folder: Path) -> tuple[Path, Path]:
    roster = folder / "roster.csv"
    roster.write_text(
        "netid,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(STUDENTS)),
        encoding="utf-8",
    )
    scores = folder / "scores.csv"
    scores.write_text(
        "netid,midterm,project\n"
        + "".join(f"s{i:05d},{i % 101},{(i * 7) % 101}\n" for i in range(STUDENTS)),
        encoding="utf-8",
    )
    return roster, scores


def _state(book: Gradebook) -> tuple:
    with book.engine.connect() as connection:
        return tuple(
            tuple(map(tuple, connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))))
            for table in ("people", "scores", "audit_log")
        )


def _start(course_dir: Path, url: str, path: Path, folder: Path, name: str, actor: str):
    marker, hold = folder / f"{name}.written", folder / f"{name}.hold"
    hold.write_text("")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(course_dir),
            url,
            str(path),
            str(marker),
            str(hold),
            actor,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return child, marker, hold


def _wait_for(path: Path, child: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if child.poll() is not None:
            pytest.fail(f"child ended early: {child.communicate()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.mark.slow
def test_sigkill_in_the_middle_of_an_import_leaves_the_state_before_it(
    course: Course, course_dir: Path, db_url: str, tmp_path: Path
) -> None:
    roster, scores = _files(tmp_path)
    with open_gradebook(course, db_url, actor="setup", create=True) as book:
        import_file(book, "roster", roster)
        book.set_score("s00007", "midterm", 99, "earlier")  # the import would change this one
        before = _state(book)
        child, marker, _ = _start(course_dir, db_url, scores, tmp_path, "a", "grader1")
        _wait_for(marker, child)
        assert marker.read_text() == str(2 * STUDENTS)  # all written, none committed yet
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
        assert _state(book) == before
        report = import_file(book, "scores", scores)  # nothing left locked; the import redone
        assert report.added == 2 * STUDENTS - 1 and report.changed == 1


@pytest.mark.slow
def test_two_graders_importing_at_once_on_postgresql_lose_nothing(
    course: Course, course_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    roster, _ = _files(tmp_path)
    half = STUDENTS // 2
    first, second = tmp_path / "midterm.csv", tmp_path / "project.csv"
    first.write_text("netid,midterm\n" + "".join(f"s{i:05d},50\n" for i in range(half + 1)))
    second.write_text(
        "netid,midterm,project\n" + "".join(f"s{i:05d},60,70\n" for i in range(half, STUDENTS))
    )
    with open_gradebook(course, pg_url, actor="setup", create=True) as book:
        import_file(book, "roster", roster)
        a, a_written, a_hold = _start(course_dir, pg_url, first, tmp_path, "a", "grader1")
        _wait_for(a_written, a)  # A holds the writers' lock, its rows written, not committed
        b, b_written, b_hold = _start(course_dir, pg_url, second, tmp_path, "b", "grader2")
        b_hold.unlink()
        _wait_for(Path(f"{b_written}.started"), b)
        time.sleep(2)
        assert b.poll() is None and not b_written.exists()  # B waits for A's lock
        a_hold.unlink()
        out_a, err_a = a.communicate(timeout=120)
        out_b, err_b = b.communicate(timeout=120)
        assert a.returncode == 0 and b.returncode == 0, err_a + err_b
        assert out_a.strip() == f"added {half + 1} changed 0"
        assert out_b.strip() == f"added {2 * (STUDENTS - half) - 1} changed 1"
        facts = {f.netid: f.scores for f in book.facts()}
        assert all(facts[f"s{i:05d}"]["midterm"].points == 50 for i in range(half))
        assert all(facts[f"s{i:05d}"]["midterm"].points == 60 for i in range(half, STUDENTS))
        assert all(facts[f"s{i:05d}"]["project"].points == 70 for i in range(half, STUDENTS))
        overlap = [(r.action, r.actor) for r in book.audit_log(f"s{half:05d}")]
        assert set(overlap[:2]) == {("insert", "grader2"), ("update", "grader2")}
        assert overlap[2] == ("insert", "grader1")  # A's score, kept in the audit log
