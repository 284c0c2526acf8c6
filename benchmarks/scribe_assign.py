"""Benchmark: assign 1,000 students to the scribe slots of a 15-week term (goal: < 2 s).

Run: ``python benchmarks/scribe_assign.py`` (prints seconds per configuration; exits 1 if over).
Two configurations: the default (one extra writer per slot, the rest on the reserve list) and
one where every student is placed (up to 25 extra writers per slot: a 1,000 × 1,000+ problem).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from dlcourse.course import load_course
from dlcourse.course.calendar import build_calendar
from dlcourse.notes.roster import AssignOptions, assign, parse_signups, scribe_slots
from dlcourse.notes.roster.sample import generate_signups_csv

GOAL_SECONDS = 2.0


def fifteen_week_course():
    course = load_course()
    schedule = course.schedule.model_copy(update={"term_end": dt.date(2020, 5, 12)})
    longer = course.model_copy(update={"schedule": schedule})
    longer._root, longer._source = course._root, course._source
    return longer


def main() -> int:
    course = fifteen_week_course()
    calendar = build_calendar(course)
    slots = scribe_slots(calendar)
    weeks = len(calendar.week_numbers())
    text = generate_signups_csv(1000, calendar, seed=1)
    started = time.perf_counter()
    sheet = parse_signups(text, course, calendar)
    parse_seconds = time.perf_counter() - started
    print(
        f"{weeks} weeks, {len(slots)} slots, {len(sheet.signups)} students; "
        f"sheet parsed in {parse_seconds:.3f} s"
    )
    worst = 0.0
    for label, options in (
        ("default (extra writer + reserve)", AssignOptions(seed=1)),
        ("everyone placed (≤25 extra writers)", AssignOptions(seed=1, max_extra_writers=25)),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            result = assign(slots, sheet, course.scribe, options)
            times.append(time.perf_counter() - started)
        best = min(times)
        worst = max(worst, statistics.median(times))
        report = result.report
        print(
            f"{label}: median {statistics.median(times):.3f} s, best {best:.3f} s; "
            f"placed {report.placed}, reserve {report.reserve}, preferred week {report.week}"
        )
    print(f"goal < {GOAL_SECONDS} s: {'met' if worst < GOAL_SECONDS else 'MISSED'}")
    return 0 if worst < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
