"""The course's assessments: what a student is graded on, as the gradebook stores it.

One per ``[[homework]]`` assignment (for a component whose source is ``homework``), one per
``scores`` component (the midterm, the project, the research), and one each for the write-up and
the forum (their points come from formulas, not from score imports). A component shared by
several tracks is one assessment. Due instants are timezone-aware in the course zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dlcourse.course.model import ComponentSource, Course


@dataclass(frozen=True)
class Assessment:
    id: str
    component: str
    title: str
    source: ComponentSource
    max_points: float
    due: dt.datetime
    position: int


def end_of_term(course: Course) -> dt.datetime:
    """The last second of the term's last day, in the course zone: when work without a due date
    of its own is due."""
    return dt.datetime.combine(course.schedule.term_end, dt.time(23, 59, 59), tzinfo=course.tz)


def _local(course: Course, moment: dt.datetime) -> dt.datetime:
    # course.toml datetimes without an offset are wall-clock times in the course zone
    return moment.replace(tzinfo=course.tz) if moment.tzinfo is None else moment


def course_assessments(course: Course) -> list[Assessment]:
    """Every assessment of every track, in the order the tracks list their components."""
    found: dict[str, Assessment] = {}
    for track in course.grading.tracks:
        for component in track.components:
            if component.origin == "homework":
                for homework in course.homework:
                    found.setdefault(
                        homework.id,
                        Assessment(
                            id=homework.id,
                            component=component.id,
                            title=homework.title,
                            source="homework",
                            max_points=homework.points,
                            due=_local(course, homework.due),
                            position=len(found),
                        ),
                    )
                continue
            if component.id in found:
                continue
            if component.origin == "scores":
                max_points = component.max_points
                due = _local(course, component.due) if component.due else end_of_term(course)
            else:  # write-up and forum: graded out of their weight, settled at the term's end
                max_points = component.weight
                due = end_of_term(course)
            found[component.id] = Assessment(
                id=component.id,
                component=component.id,
                title=component.label,
                source=component.origin,
                max_points=max_points,
                due=due,
                position=len(found),
            )
    return list(found.values())
