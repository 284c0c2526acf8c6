"""Benchmark: assign 1,000 students to the scribe slots of a 15-week term (goal: < 2 s).

Run: ``python benchmarks/scribe_assign.py`` (prints seconds per configuration; exits 1 if over).
Two configurations: the default (one extra writer per slot, the rest on the reserve list) and
one where every student is placed (up to 25 extra writers per slot: a 1,000 × 1,000+ problem).

Baseline, in the same run: *first come, first served* — what a shared sign-up sheet does. In
sign-up order each student takes the first free seat of a slot they asked for, else the first
free seat left. It is timed and scored on the same seats (regular seats plus one extra writer
per slot), so the ratios say what the solver costs and what it buys.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from dlcourse.course import load_course
from dlcourse.course.calendar import build_calendar
from dlcourse.scribe import AssignOptions, assign, parse_signups, scribe_slots
from dlcourse.scribe.assign import preference_cost, signup_order
from dlcourse.scribe.sample import generate_signups_csv

GOAL_SECONDS = 2.0


def fifteen_week_course():
    course = load_course()
    schedule = course.schedule.model_copy(update={"term_end": dt.date(2020, 5, 12)})
    longer = course.model_copy(update={"schedule": schedule})
    longer._root, longer._source = course._root, course._source
    return longer


def first_come_first_served(slots, sheet, seats_per_slot: int) -> tuple[int, int, int]:
    """The sign-up-sheet baseline: (placed, asked, honoured) over the given seats."""
    free = {slot.key: seats_per_slot for slot in slots}
    placed = asked = honoured = 0
    for signup in signup_order(sheet.signups):
        wanted = [s for s in slots if free[s.key] and preference_cost(signup, s) == 0]
        choice = wanted[0] if wanted else next((s for s in slots if free[s.key]), None)
        if choice is None:
            continue  # the class is full: this student waits
        free[choice.key] -= 1
        placed += 1
        if signup.has_time_preference:
            asked += 1
            honoured += bool(wanted)
    return placed, asked, honoured


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
    seats_per_slot = course.scribe.group_size + 1  # the default: one extra writer per slot
    times = []
    for _ in range(3):
        started = time.perf_counter()
        placed, asked, honoured = first_come_first_served(slots, sheet, seats_per_slot)
        times.append(time.perf_counter() - started)
    baseline_seconds = statistics.median(times)
    baseline_share = honoured / asked if asked else 0.0
    print(
        f"baseline, first come first served: median {baseline_seconds:.3f} s; placed {placed}, "
        f"preferred week {honoured}/{asked} ({100 * baseline_share:.0f}%)"
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
        share = report.week.share or 0.0
        same_seats = options.max_extra_writers == seats_per_slot - course.scribe.group_size
        versus = f" ({share / baseline_share:.2f}× the baseline's share)" if same_seats else ""
        print(
            f"{label}: median {statistics.median(times):.3f} s, best {best:.3f} s "
            f"({statistics.median(times) / baseline_seconds:.0f}× the baseline's time); "
            f"placed {report.placed}, reserve {report.reserve}, preferred week {report.week}"
            f"{versus}"
        )
    print(f"goal < {GOAL_SECONDS} s: {'met' if worst < GOAL_SECONDS else 'MISSED'}")
    return 0 if worst < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
