"""Gradebook speed: 1,000 students × 20 assessments — import, full recompute, Canvas export —
on SQLite and (when a URL is given or a local PostgreSQL can be started) PostgreSQL.

Goals (issue #13): a full recompute of every student's grade < 0.5 s; importing 20,000 scores
< 2 s. The baseline in the same run is the same work done the plain way: one ORM object per
score through the audited session (what a straightforward implementation would do), and a
recompute that queries each student's scores one at a time.

    python benchmarks/grades.py [--students 1000] [--assessments 20] [--repeat 3]
                                [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pwd
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from dlcourse.course import load_course
from dlcourse.grades import grade_all, open_gradebook
from dlcourse.grades.exports import canvas_csv
from dlcourse.grades.imports import import_file
from dlcourse.grades.models import Person, Score
from dlcourse.grades.policy import ScoreFact, StudentFacts
from dlcourse.grades.store import Gradebook

EXAMPLE_TOML = Path(__file__).resolve().parents[1] / "examples" / "dlsp20" / "course.toml"


def make_course(folder: Path, assessments: int) -> Path:
    """The example course with enough homework for ``assessments`` scored assessments
    (homework + midterm + project + research)."""
    homework = max(1, assessments - 3)
    source = EXAMPLE_TOML.read_text(encoding="utf-8")
    start = source.index("[[homework]]")
    end = source.index("[homework_policy]")
    blocks = []
    for k in range(homework):
        release = dt.datetime(2020, 1, 27, 17) + dt.timedelta(days=5 * k)
        blocks.append(
            f'[[homework]]\nid = "hw{k + 1}"\ntitle = "Homework {k + 1}"\n'
            f"release = {release:%Y-%m-%dT%H:%M:%S}\n"
            f"due = {release + dt.timedelta(days=4):%Y-%m-%dT%H:%M:%S}\n\n"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(source[:start] + "".join(blocks) + source[end:])
    (folder / "home.md").write_text("# Benchmark course\n")
    return folder


def write_files(folder: Path, students: int, ids: list[str], seed: int = 0) -> tuple[Path, Path]:
    rng = random.Random(seed)
    roster = folder / "roster.csv"
    roster.write_text(
        "netid,name,email\n"
        + "".join(f"b{i:05d},Student {i},b{i:05d}@example.edu\n" for i in range(students))
    )
    scores = folder / "scores.csv"
    lines = ["netid," + ",".join(ids)]
    for i in range(students):
        lines.append(f"b{i:05d}," + ",".join(f"{rng.uniform(40, 100):.1f}" for _ in ids))
    scores.write_text("\n".join(lines) + "\n")
    return roster, scores


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def timed_cpu(work: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a loaded machine the wall time grows with
    the load while the CPU time mostly does not (PostgreSQL's own work is in its server)."""
    started, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - started, time.process_time() - cpu


def orm_import(book: Gradebook, scores: Path) -> None:
    """Baseline: one audited ORM object per score, as a plain implementation would write."""
    import csv

    with book.transaction("baseline import") as session:
        people = {netid: pid for netid, pid in session.execute(select(Person.netid, Person.id))}
        rows = list(csv.DictReader(scores.open()))
        for row in rows:
            person_id = people[row["netid"]]
            for assessment_id, cell in row.items():
                if assessment_id == "netid":
                    continue
                session.add(
                    Score(
                        person_id=person_id,
                        assessment_id=assessment_id,
                        points=float(cell),
                        max_points=100.0,
                        grader=book.actor,
                        source="baseline",
                        recorded_at=dt.datetime.now(dt.UTC),
                    )
                )


def per_student_recompute(book: Gradebook, as_of: dt.datetime) -> None:
    """Baseline: the scores of each student fetched with a query of their own."""
    people = book.people("student")
    with book.reading() as session:
        for person in people:
            rows = session.execute(
                select(Score.assessment_id, Score.points, Score.max_points)
                .join(Person, Person.id == Score.person_id)
                .where(Person.netid == person.netid)
            )
            facts = StudentFacts(
                netid=person.netid, scores={a: ScoreFact(p, m) for a, p, m in rows}
            )
            grade_all(book.rules, [facts], as_of)


@contextmanager
def local_postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL cluster on a Unix socket (as the tests make), or None."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not bins:
        yield None
        return
    bindir = bins[-1].parent
    base = Path(tempfile.mkdtemp(prefix="dlcourse-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    run = {"check": True, "capture_output": True, "cwd": base}
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "dlcourse",
                "--auth=trust",
                "--no-sync",
            ],
            **run,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                f"-k {base} -c listen_addresses=",
                "-l",
                str(base / "log"),
                "-w",
                "start",
            ],
            **run,
        )
        import psycopg

        with psycopg.connect(
            dbname="postgres", user="dlcourse", host=str(base), autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE bench")
        yield f"postgresql+psycopg://dlcourse@/bench?host={base}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            cwd=base,
        )
        shutil.rmtree(base, ignore_errors=True)


def bench(label: str, url: str, course_dir: Path, students: int, repeat: int) -> None:
    course = load_course(course_dir)
    with open_gradebook(course, url, actor="bench", create=True) as book:
        ids = [a.id for a in book.rules.assessments if a.source in ("homework", "scores")]
        roster, scores = write_files(course_dir, students, ids)
        import_file(book, "roster", roster)
        count = students * len(ids)
        load = os.getloadavg()[0]
        imported, imported_cpu = timed_cpu(lambda: import_file(book, "scores", scores))
        as_of = dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
        recompute_runs = [
            timed_cpu(lambda: grade_all(book.rules, book.facts(), as_of)) for _ in range(repeat)
        ]
        recompute = [wall for wall, _ in recompute_runs]
        results = grade_all(book.rules, book.facts(), as_of)
        people = {p.netid: p for p in book.people("student")}
        export = [timed(lambda: canvas_csv(book.rules, results, people)) for _ in range(repeat)]
        baseline_recompute = timed(lambda: per_student_recompute(book, as_of))
        with book.transaction("reset for the baseline") as session:
            session.execute(Score.__table__.delete())
        baseline_import = timed(lambda: orm_import(book, scores))
    print(
        f"{label}: {students} students × {len(ids)} assessments = {count} scores "
        f"(load average {load:.1f} when the import began)"
    )
    print("| step | ours (s) | baseline (s) | ratio | goal | ours, CPU of this process (s) |")
    print("|---|---|---|---|---|---|")
    print(
        f"| import {count} scores | {imported:.3f} | {baseline_import:.3f} | "
        f"{baseline_import / imported:.1f}x | < 2 s | {imported_cpu:.3f} |"
    )
    best, best_cpu = min(recompute_runs)
    print(
        f"| full recompute (best of {repeat}) | {best:.3f} | {baseline_recompute:.3f} | "
        f"{baseline_recompute / best:.1f}x | < 0.5 s | {best_cpu:.3f} |"
    )
    print(f"| full recompute (median) | {statistics.median(recompute):.3f} | | | | |")
    print(f"| Canvas export (best of {repeat}) | {min(export):.3f} | | | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--assessments", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL URL of an empty database")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        course_dir = make_course(base / "course", args.assessments)
        bench("sqlite", f"sqlite:///{base / 'g.sqlite3'}", course_dir, args.students, args.repeat)
        if args.no_postgres:
            return
        if args.postgres:
            bench("postgresql", args.postgres, course_dir, args.students, args.repeat)
            return
        with local_postgres() as url:
            if url is None:
                print("postgresql: not installed; skipped")
            else:
                bench("postgresql", url, course_dir, args.students, args.repeat)


if __name__ == "__main__":
    main()
