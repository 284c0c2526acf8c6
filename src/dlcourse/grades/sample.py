"""A realistic synthetic gradebook for a course: students with made-up NetIDs and no real
names, scores for every assessment, scribe duties in every state, forum activity, project
groups, a track awaiting approval and an extension — so ``dlcourse grades show`` has every
component to show. The files are written where a course's real exports would be, then imported
by the same importers a TA uses.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

from dlcourse.course.calendar import build_calendar
from dlcourse.grades.imports import ImportReport, import_file
from dlcourse.grades.store import Gradebook
from dlcourse.util.csv_files import csv_writer
from dlcourse.util.files import atomic_write_text

DUTY_STATES = (
    ("complete", 0.70),
    ("needs-fixes", 0.10),
    ("unattributed", 0.06),
    ("late", 0.08),
    ("missing", 0.06),
)


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue()


def _clip(value: float, high: float) -> float:
    return round(min(high, max(0.0, value)), 1)


def write_sample_files(
    book: Gradebook, folder: Path, students: int = 40, seed: int = 2020
) -> dict[str, Path]:
    """Write roster, staff, scores, scribe status and Piazza files for ``students`` synthetic
    students into ``folder``; returns kind → file."""
    course = book.course
    rules = book.rules
    rng = random.Random(seed)
    netids = [f"zz{1000 + i}" for i in range(students)]
    doctoral = course.grading.find_track("doctoral")
    tracks = {netid: "" for netid in netids}
    if doctoral is not None and students >= 4:
        tracks[netids[1]] = tracks[netids[2]] = doctoral.id
    roster = [["NetID", "Name", "Email", "Section", "Track"]]
    for index, netid in enumerate(netids, start=1):
        roster.append(
            [
                netid,
                f"Sample Student {index:03d}",
                f"{netid}@example.edu",
                f"00{1 + index % 2}",
                tracks[netid],
            ]
        )
    staff = [["netid", "name", "email", "role"]]
    for index, person in enumerate(course.people):
        if person.role in ("instructor", "ta", "grader"):
            staff.append([f"staff{index:02d}", person.name, person.email or "", person.role])
    scored = [a for a in rules.assessments if a.source in ("homework", "scores")]
    scores = [["netid", *[a.id for a in scored]]]
    teams = [netids[i : i + 3] for i in range(0, len(netids), 3)]
    if len(teams) > 1 and len(teams[-1]) == 1:
        teams[-2].append(teams.pop()[0])
    team_of = {netid: i for i, team in enumerate(teams) for netid in team}
    team_score = [rng.gauss(85, 7) for _ in teams]
    ability = {netid: rng.gauss(0, 8) for netid in netids}
    for netid in netids:
        row: list[object] = [netid]
        for assessment in scored:
            if assessment.source == "homework" and rng.random() < 0.05:
                row.append("")  # not handed in: 0 once past its deadline
            elif assessment.id == "project":
                row.append(
                    _clip(
                        team_score[team_of[netid]] * assessment.max_points / 100,
                        assessment.max_points,
                    )
                )
            elif assessment.id == "research" and tracks[netid] == "":
                row.append("")
            else:
                mean = {"homework": 84}.get(assessment.source, 76)
                value = (mean + ability[netid] + rng.gauss(0, 6)) * assessment.max_points / 100
                row.append(_clip(value, assessment.max_points))
        scores.append(row)
    calendar = build_calendar(course)
    meetings = calendar.meetings
    slots, duties = [], {}
    for index, netid in enumerate(netids):
        meeting = meetings[index % len(meetings)]
        state = rng.choices([s for s, _ in DUTY_STATES], [w for _, w in DUTY_STATES])[0]
        errors = rng.randint(1, 4) if state == "needs-fixes" else 0
        slot = f"{meeting.slot}/{index}"
        slots.append({"slot": slot, "due": meeting.scribe_due.isoformat(), "errors": errors})
        duties[netid] = [
            {"slot": slot, "role": "editor" if index % 4 == 0 else "writer", "state": state}
        ]
    status = {
        "schema": "dlcourse.scribe-status/1",
        "course": course.course.code,
        "term": course.course.term,
        "as_of": dt.datetime.combine(
            course.schedule.term_end, dt.time(23, 59), course.tz
        ).isoformat(),
        "policy": course.grading.write_up.model_dump(),
        "slots": slots,
        "students": [
            {
                "student_id": netid,
                "netid": netid,
                "email": f"{netid}@example.edu",
                "duties": duties[netid],
            }
            for netid in netids
        ],
    }
    piazza = [["name", "email", "days online", "questions", "notes", "answers", "endorsed answers"]]
    for index, netid in enumerate(netids, start=1):
        answers = max(0, int(rng.expovariate(1 / 6)) - 2)
        piazza.append(
            [
                f"Sample Student {index:03d}",
                f"{netid}@example.edu",
                rng.randint(5, 90),
                rng.randint(0, 12),
                rng.randint(0, 2),
                answers,
                rng.randint(0, answers),
            ]
        )
    piazza.append(
        ["Course Staff", "staff@example.edu", 100, 0, 30, 200, 0]
    )  # skipped: not a student
    files = {
        "roster": (folder / "roster.csv", _csv(roster)),
        "staff": (folder / "staff.csv", _csv(staff)),
        "scores": (folder / "scores.csv", _csv(scores)),
        "scribe-status": (folder / "scribe-status.json", json.dumps(status, indent=2) + "\n"),
        "piazza": (folder / "piazza-class-statistics.csv", _csv(piazza)),
    }
    for path, text in files.values():
        atomic_write_text(path, text)
    book_teams = {f"team-{i + 1:02d}": team for i, team in enumerate(teams)}
    (folder / "groups.json").write_text(json.dumps(book_teams, indent=2) + "\n", encoding="utf-8")
    return {kind: path for kind, (path, _) in files.items()}


def fill_sample(
    book: Gradebook, folder: Path, students: int = 40, seed: int = 2020
) -> list[ImportReport]:
    """Write the sample files and import them; add groups, one approval and one extension."""
    files = write_sample_files(book, folder, students, seed)
    reports = [import_file(book, kind, path) for kind, path in files.items()]
    project = book.course.project
    teams = json.loads((folder / "groups.json").read_text(encoding="utf-8"))
    for name, members in teams.items():
        if project is None or project.group_min <= len(members) <= project.group_max:
            book.set_group(name, members, reason="sample project groups")
    doctoral = [
        p
        for p in book.people("student")
        if p.track and p.track != book.course.grading.default_track
    ]
    if doctoral:
        book.approve_track(
            doctoral[0].netid, doctoral[0].track, reason="sample: approved by the instructor"
        )
    homework = [a for a in book.rules.assessments if a.source == "homework"]
    if len(homework) > 1 and students > 3:
        later = homework[1].due + dt.timedelta(days=3)
        book.grant_extension(f"zz{1003}", homework[1].id, later, "sample: documented illness")
    return reports
