"""Invented sign-up sheets: for the example course, the tests and the benchmark.

Names are drawn from short lists of common given and family names; NetIDs are initials and a
number (``ab1234``). Nothing here is a real student.
"""

from __future__ import annotations

import io
import random

from dlcourse.course.calendar import CourseCalendar
from dlcourse.util.csv_files import csv_writer

GIVEN = [
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Eli",
    "Farah",
    "Gia",
    "Hugo",
    "Ines",
    "Jun",
    "Kai",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wei",
    "Xena",
    "Yusuf",
    "Zoe",
    "Amir",
    "Bea",
    "Carlos",
    "Dev",
    "Emma",
    "Femi",
    "Grace",
    "Hana",
    "Ivan",
    "Jade",
    "Kenji",
    "Lucia",
    "Malik",
    "Nora",
]
FAMILY = [
    "Adams",
    "Bose",
    "Costa",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Huang",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Mehta",
    "Nakamura",
    "Okafor",
    "Park",
    "Quiroga",
    "Rossi",
    "Singh",
    "Tanaka",
    "Ueda",
    "Varga",
    "Wang",
    "Xu",
    "Yilmaz",
    "Zhou",
    "Abe",
    "Brown",
    "Cruz",
    "Dubois",
]


def generate_signups_csv(
    count: int,
    calendar: CourseCalendar,
    seed: int = 0,
    preference_rate: float = 0.8,
    role_rate: float = 0.5,
    partner_rate: float = 0.1,
) -> str:
    """A sign-up CSV of ``count`` invented students with random preferences."""
    rng = random.Random(seed)
    weeks = calendar.week_numbers()
    slots = [meeting.slot for meeting in calendar.meetings]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["Name", "Email", "Track", "Weeks", "Meetings", "Role", "With"])
    names: list[str] = []
    used: set[str] = set()
    for index in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        name = f"{given} {family}"
        if name in used:
            name = f"{given} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {family}"
        if name in used:
            name = f"{name} {index}"
        used.add(name)
        netid = f"{given[0].lower()}{family[0].lower()}{1000 + index}"
        week_pref = meeting_pref = role = partner = ""
        if rng.random() < preference_rate:
            if rng.random() < 0.5:
                first = rng.choice(weeks)
                last = min(first + 2, max(weeks))
                span = range(first, last + 1)
                ranged = rng.random() < 0.5 and all(w in weeks for w in span)
                week_pref = f"{first}-{last}" if ranged and last > first else str(first)
            else:
                meeting_pref = ", ".join(rng.sample(slots, k=rng.randint(1, 3)))
        if rng.random() < role_rate:
            role = rng.choice(("writer", "writer", "editor"))
        if names and rng.random() < partner_rate:
            partner = rng.choice(names[-10:])
        track = "doctoral" if rng.random() < 0.05 else ""
        writer.writerow([name, f"{netid}@nyu.edu", track, week_pref, meeting_pref, role, partner])
        names.append(name)
    return buffer.getvalue()
