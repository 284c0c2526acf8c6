"""Scribe due dates as iCalendar files: one per student, or one for the whole class.

Each duty is an event at its due time (zero length, with a reminder a day before), written with
the course's time-zone definition so calendar apps show it at 23:59 local time on either side of a
daylight-saving change. UIDs are stable, so re-importing an updated file updates the events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable

from icalendar import Alarm, Calendar, Event

from dlcourse.scribe.roster import Duty, Roster
from dlcourse.scribe.roster_files import format_due
from dlcourse.util.files import safe_file_name

PRODID = "-//dlcourse//scribe duties//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(duty: Duty, uid: str, summary: str, description: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", duty.due)
    event.add("dtend", duty.due)
    event.add("description", description)
    if duty.video_url:
        event.add("url", duty.video_url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(days=-1))
    event.add_component(alarm)
    return event


def _describe(duty: Duty) -> str:
    s = duty.scribe_slot
    lines = [f"{duty.role.capitalize()} for {s.label}, held {s.meeting.date:%a %d %b %Y}."]
    if duty.time_slice is not None:
        lines.append(f"Your slice of the video: {duty.time_slice}.")
    lines.append(f"Due {format_due(duty.due)}.")
    return "\n".join(lines)


def student_calendar(roster: Roster, student_id: str, stamp: dt.datetime) -> Calendar:
    student = roster.students()[student_id]
    calendar = _calendar(f"Scribe duties: {student.name}")
    for duty in roster.duties_of(student_id):
        uid = f"scribe-{duty.slot.replace('/', '-')}-{duty.role}-{student_id}@dlcourse"
        summary = f"Scribe notes due ({duty.role}): {duty.scribe_slot.label}"
        calendar.add_component(_event(duty, uid, summary, _describe(duty), stamp))
    _add_zones(calendar)
    return calendar


def class_calendar(roster: Roster, stamp: dt.datetime) -> Calendar:
    """One event per staffed slot, listing its group."""
    calendar = _calendar("Scribe duties")
    seen: set[str] = set()
    for duty in roster.duties():
        if duty.slot in seen:
            continue
        seen.add(duty.slot)
        group = roster.placements_in(duty.slot)
        names = "; ".join(f"{p.student.name} ({p.role})" for p in group)
        uid = f"scribe-{duty.slot.replace('/', '-')}@dlcourse"
        summary = f"Scribe notes due: {duty.scribe_slot.label}"
        text = f"Group: {names}.\nDue {format_due(duty.due)}."
        calendar.add_component(_event(duty, uid, summary, text, stamp))
    _add_zones(calendar)
    return calendar


def calendar_file_names(student_ids: Iterable[str]) -> dict[str, str]:
    """The ``.ics`` file name of each student: a slug of the id (``ab1234@nyu.edu`` →
    ``ab1234_at_nyu.edu.ics``) that stays one plain name in the output folder whatever the id
    holds (``/abs/path/x@y.com``, ``../../x@y.com``). Ids whose slugs coincide each get a short
    hash of the id, so one student's calendar never overwrites another's."""
    ids = sorted(set(student_ids))
    slugs = {student_id: safe_file_name(student_id.replace("@", "_at_")) for student_id in ids}
    shared = Counter(slugs.values())
    names = {}
    for student_id, slug in slugs.items():
        if shared[slug] > 1:
            slug += "-" + hashlib.blake2b(student_id.encode(), digest_size=4).hexdigest()
        names[student_id] = slug + ".ics"
    return names


def _add_zones(calendar: Calendar) -> None:
    # icalendar ≥ 6 writes VTIMEZONE components for the zones the events use
    adder = getattr(calendar, "add_missing_timezones", None)
    if adder is not None:
        adder()
