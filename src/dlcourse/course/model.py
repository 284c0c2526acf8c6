"""The course as typed data: what ``course.toml`` holds, validated with pydantic.

Every table forbids unknown keys (a typo is an error, not a silently ignored setting). The root
object, :class:`Course`, also knows the folder it was loaded from, so parts can find the notes,
the home page and the build output relative to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator

from dlcourse.course.cluster_settings import ClusterSettings
from dlcourse.course.emails import checked_email
from dlcourse.course.errors import ConfigValueError
from dlcourse.course.grading_settings import (
    ForumFormula,
    HomeworkGrading,
    LetterGrade,
    Rounding,
    WriteUpFormula,
    check_letters,
    default_letters,
)
from dlcourse.course.notes_settings import NotesSettings, Strict
from dlcourse.course.paths import check_relative_path, written_output_conflict
from dlcourse.course.site_settings import SiteSettings

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


#: The years a course date may fall in. Python's dates end on 9999-12-31, so a due date a week
#: after a meeting late in 9999, or a time moved to UTC, would overflow; no course leaves them.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
#: The longest term, in days (a year-long course, with room to spare): the calendar expands the
#: weekly pattern week by week, and term_end = 9999-12-31 once took 40 s before overflowing.
MAX_TERM_DAYS = 400


def _check_year(value: dt.date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ConfigValueError(
            f"{value.isoformat()} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}",
            "check the year (YYYY-MM-DD)",
        )


def _course_date(value: dt.date) -> dt.date:
    _check_year(value)
    return value


def _course_datetime(value: dt.datetime) -> dt.datetime:
    _check_year(value.date())
    return value


#: A date or date-time of the course: a TOML date in the years the course model accepts.
CourseDate = Annotated[dt.date, AfterValidator(_course_date)]
CourseDateTime = Annotated[dt.datetime, AfterValidator(_course_datetime)]
#: An e-mail address, checked as pydantic's ``EmailStr`` checks it (see dlcourse.course.emails:
#: ``EmailStr`` imports email-validator whenever the model is built, ≈ 40 ms at every command).
EmailAddress = Annotated[str, AfterValidator(checked_email)]


# Legacy tz-database names of a fixed UTC offset: 'EST' is -05:00 all year, so a spring course
# would meet an hour off after the March clock change.
_FIXED_OFFSET_ZONES = frozenset({"EST", "MST", "HST"})


class Identity(Strict):
    code: str
    title: str
    short_title: str | None = None
    term: str
    institution: str | None = None
    description: str
    prerequisites: list[str] = Field(default_factory=list)
    home_page: str | None = Field(None, description="Markdown file of the home page, relative.")

    @field_validator("home_page")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        return None if value is None else check_relative_path(value)

    @property
    def short_name(self) -> str:
        """What tabs, headers and file titles show: ``short_title``, else the title itself (so a
        course whose title is edited never shows a stale short form)."""
        return self.short_title or self.title


class Link(Strict):
    id: str
    label: str
    url: str
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("https://", "http://", "mailto:")):
            raise ConfigValueError(
                "a link is an absolute URL starting with https://, http:// or mailto:",
                "write the full address, e.g. 'https://example.edu/course'",
            )
        return value


class Person(Strict):
    name: str
    role: Literal["instructor", "ta", "grader", "guest"]
    email: EmailAddress | None = None
    url: str | None = None


class MeetingPattern(Strict):
    """A weekly class meeting: the same weekday (and time, once known) every teaching week."""

    id: str
    kind: Literal["lecture", "lab"]
    title: str
    weekday: Weekday
    start: dt.time | None = None
    end: dt.time | None = None
    lecturer: str | None = None
    video_continues: str | None = Field(
        None, description="Id of the meeting whose recording this one continues (same video)."
    )

    @model_validator(mode="after")
    def _times(self) -> MeetingPattern:
        if (self.start is None) != (self.end is None):
            raise ConfigValueError(
                "give both start and end, or neither (an all-day meeting)",
                "add the missing one, e.g. start = 16:55:00 and end = 17:45:00",
                "end" if self.end is None else "start",
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ConfigValueError(
                f"end {self.end} is not after start {self.start}",
                "times are 24-hour wall-clock times in the course time zone (17:45:00, not 5:45)",
                "start",
            )
        return self

    @property
    def minutes(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        today = dt.date(2000, 1, 1)
        delta = dt.datetime.combine(today, self.end) - dt.datetime.combine(today, self.start)
        return int(delta.total_seconds() // 60)


class DayOff(Strict):
    date: CourseDate
    until: CourseDate | None = Field(None, description="Last day of a multi-day break (inclusive).")
    reason: str

    @model_validator(mode="after")
    def _order(self) -> DayOff:
        if self.until is not None and self.until < self.date:
            raise ConfigValueError(
                f"until {self.until} is before date {self.date}",
                "until is the last day of the break (inclusive); it comes on or after date",
                "until",
            )
        return self

    def covers(self, day: dt.date) -> bool:
        return self.date <= day <= (self.until or self.date)


class Schedule(Strict):
    timezone: str
    term_start: CourseDate
    term_end: CourseDate
    office_hours: str | None = None
    meetings: list[MeetingPattern]
    days_off: list[DayOff] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigValueError(
                f"unknown time zone {value!r}",
                "use an IANA name such as 'America/New_York' or 'Europe/Paris' "
                "(the names of the tz database; 'Continent/City', with underscores)",
            ) from error
        if value in _FIXED_OFFSET_ZONES:
            raise ConfigValueError(
                f"{value!r} is a fixed offset without daylight-saving time",
                "use the zone of the city the class meets in, e.g. 'America/New_York' for "
                "EST/EDT: meetings after the clock change would otherwise be an hour off",
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Schedule:
        if self.term_end < self.term_start:
            raise ConfigValueError(
                f"term_end {self.term_end} is before term_start {self.term_start}",
                "check the year and month of both dates (YYYY-MM-DD)",
                "term_end",
            )
        days = (self.term_end - self.term_start).days + 1
        if days > MAX_TERM_DAYS:
            raise ConfigValueError(
                f"the term lasts {days:,} days ({self.term_start} to {self.term_end}), "
                f"longer than {MAX_TERM_DAYS}",
                "check the year of term_end; a course longer than that is two course folders, "
                "one per term",
                "term_end",
            )
        ids = [meeting.id for meeting in self.meetings]
        if len(set(ids)) != len(ids):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            raise ConfigValueError(
                f"meeting ids must be unique; repeated: {', '.join(repeated)}",
                "give each [[schedule.meetings]] entry its own id",
                "meetings",
            )
        for meeting in self.meetings:
            if meeting.video_continues is not None and meeting.video_continues not in ids:
                raise ConfigValueError(
                    f"meeting {meeting.id!r} continues unknown meeting {meeting.video_continues!r}",
                    f"use one of the meeting ids: {', '.join(ids)}",
                    "meetings",
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def meeting(self, meeting_id: str) -> MeetingPattern:
        for meeting in self.meetings:
            if meeting.id == meeting_id:
                return meeting
        raise KeyError(meeting_id)


class Week(Strict):
    number: int = Field(ge=1)
    topics: list[str] = Field(default_factory=list)
    lecturers: dict[str, str] = Field(
        default_factory=dict,
        description="Meeting id → lecturer, where not the meeting's usual one.",
    )
    videos: dict[str, str] = Field(default_factory=dict, description="Meeting id → YouTube id.")
    skip: list[str] = Field(default_factory=list, description="Meeting ids not held this week.")

    @field_validator("videos")
    @classmethod
    def _video_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for meeting_id, video in value.items():
            if len(video) != 11 or not all(c.isalnum() or c in "-_" for c in video):
                raise ConfigValueError(
                    f"video id {video!r} for {meeting_id!r} is not an 11-character YouTube id",
                    "copy the part after 'watch?v=' of the video's address, e.g. '0bMe_vCZo30'",
                )
        return value


class ScribePolicy(Strict):
    # upper bounds keep a typo (70 for 7, an extra zero) a located error instead of a date
    # overflow or an assignment over millions of empty places
    writers_per_group: int = Field(3, ge=1, le=50)
    editors_per_group: int = Field(1, ge=0, le=50)
    groups_per_lecture: int = Field(2, ge=1, le=24, description="One group per hour of lecture.")
    groups_per_lab: int = Field(1, ge=1, le=24)
    minutes_per_hour: int = Field(
        50, ge=1, le=600, description="Minutes of class in one scribed hour."
    )
    minutes_per_writer: int = Field(15, ge=1, le=600)
    words_per_subsection: int = Field(300, ge=1, le=100_000)
    words_per_summary: int = Field(50, ge=1, le=100_000)
    due_after_days: int = Field(7, ge=0, le=366)
    due_time: dt.time = Field(dt.time(23, 59), description="Local time of day a write-up is due.")
    suggested_submission: str | None = None

    @property
    def group_size(self) -> int:
        return self.writers_per_group + self.editors_per_group


class Homework(Strict):
    id: str
    title: str
    release: CourseDateTime
    due: CourseDateTime
    due_is_approximate: bool = False
    description: str | None = None
    points: float = Field(100, gt=0, description="Points the assignment is graded out of.")

    @model_validator(mode="after")
    def _order(self) -> Homework:
        if self.due <= self.release:
            raise ConfigValueError(
                f"due {self.due} is not after release {self.release}",
                "check the dates: due comes after release (YYYY-MM-DDTHH:MM:SS)",
                "due",
            )
        return self


class HomeworkPolicy(Strict):
    late_submissions: Literal["none", "allowed"] = "none"
    cadence: str | None = None
    special_circumstances: str | None = None


class Midterm(Strict):
    title: str = "Mid-term knowledge test"
    date: CourseDate | Literal["to be determined"] = "to be determined"


class Project(Strict):
    group_min: int = Field(ge=1)
    group_max: int = Field(ge=1)
    video_max_minutes: float = Field(gt=0)
    slides_max: int = Field(ge=1)
    article: str
    article_pages_recommended: int = Field(8, ge=1, description="ICLR: 8 pages of main text.")
    article_pages_max: int = Field(10, ge=1, description="ICLR's strict limit (main text).")

    @model_validator(mode="after")
    def _group(self) -> Project:
        if self.article_pages_max < self.article_pages_recommended:
            raise ConfigValueError(
                f"article_pages_max {self.article_pages_max} is below "
                f"article_pages_recommended {self.article_pages_recommended}",
                "the strict limit is at least the recommended length",
                "article_pages_max",
            )
        if self.group_max < self.group_min:
            raise ConfigValueError(
                f"group_max {self.group_max} is below group_min {self.group_min}",
                "swap the two values or raise group_max",
                "group_min",
            )
        return self


ComponentSource = Literal["homework", "scores", "scribe-status", "forum"]
_DEFAULT_SOURCE: dict[str, ComponentSource] = {
    "core": "scores",
    "adjustment": "scribe-status",
    "bonus": "forum",
}


class GradeComponent(Strict):
    """One line of a grading track. ``core`` weights add up to the base grade (100 without
    adjustments); an ``adjustment`` moves it up or down by at most its weight (the ±10% write-up);
    a ``bonus`` only adds (the 5% forum answers).

    ``source`` says where the gradebook takes the component from: ``homework`` — the
    ``[[homework]]`` assignments (aggregated by ``[grading.homework]``); ``scores`` — one
    assessment with the component's id, out of ``max_points``, imported from a scores CSV and due
    at ``due`` (default: the end of the term); ``scribe-status`` — the write-up formula;
    ``forum`` — the forum formula. Default: ``scores`` for core, ``scribe-status`` for an
    adjustment, ``forum`` for a bonus."""

    id: str
    label: str
    weight: float = Field(gt=0, le=100)
    kind: Literal["core", "adjustment", "bonus"] = "core"
    source: ComponentSource | None = None
    max_points: float = Field(100, gt=0, description="Points a 'scores' component is out of.")
    due: dt.datetime | None = Field(
        None, description="When a 'scores' component is due (missing counts as 0 after it)."
    )

    @model_validator(mode="after")
    def _source_fits_kind(self) -> GradeComponent:
        allowed = {
            "homework": ("core",),
            "scores": ("core",),
            "scribe-status": ("adjustment",),
            "forum": ("bonus",),
        }[self.origin]
        if self.kind not in allowed:
            raise ConfigValueError(
                f"component {self.id!r}: source {self.origin!r} feeds a {allowed[0]} component, "
                f"not a {self.kind} one",
                f'set kind = "{allowed[0]}", or pick the source that fits a {self.kind} component',
                "source",
            )
        return self

    @property
    def origin(self) -> ComponentSource:
        """The source, given or by default for the kind."""
        return self.source or _DEFAULT_SOURCE[self.kind]


class GradingTrack(Strict):
    id: str
    name: str
    aliases: list[str] = Field(
        default_factory=list, description="Other names for the track, e.g. 'phd' for doctoral."
    )
    requires_approval: bool = False
    components: list[GradeComponent]

    @model_validator(mode="after")
    def _weights(self) -> GradingTrack:
        ids = [component.id for component in self.components]
        if len(set(ids)) != len(ids):
            raise ConfigValueError(
                f"component ids repeat in track {self.id!r}: {ids}",
                "give each component of a track its own id",
                "components",
            )
        total = self.core_weight + self.adjustment_weight
        if abs(total - 100) > 1e-9:
            weights = " + ".join(
                f"{c.id} {c.weight:g}" for c in self.components if c.kind != "bonus"
            )
            raise ConfigValueError(
                f"track {self.id!r}: core and adjustment weights add up to {total:g}, not 100 "
                f"({weights}; bonus components come on top)",
                f"change the weights by {100 - total:+g} in all, or mark an extra component "
                'kind = "bonus"',
                "components",
            )
        return self

    @property
    def core_weight(self) -> float:
        return sum(c.weight for c in self.components if c.kind == "core")

    @property
    def adjustment_weight(self) -> float:
        return sum(c.weight for c in self.components if c.kind == "adjustment")

    @property
    def bonus_weight(self) -> float:
        return sum(c.weight for c in self.components if c.kind == "bonus")

    def component(self, component_id: str) -> GradeComponent:
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)


class GradingPolicy(Strict):
    default_track: str
    tracks: list[GradingTrack] = Field(min_length=1)
    letters: list[LetterGrade] = Field(default_factory=default_letters)
    rounding: Rounding = Field(default_factory=Rounding)
    homework: HomeworkGrading = Field(default_factory=HomeworkGrading)
    write_up: WriteUpFormula = Field(default_factory=WriteUpFormula)
    forum: ForumFormula = Field(default_factory=ForumFormula)

    @field_validator("letters")
    @classmethod
    def _letters(cls, value: list[LetterGrade]) -> list[LetterGrade]:
        return check_letters(value)

    @model_validator(mode="after")
    def _default_exists(self) -> GradingPolicy:
        ids = [track.id for track in self.tracks]
        if len(set(ids)) != len(ids):
            raise ConfigValueError(
                f"track ids must be unique: {ids}",
                "give each [[grading.tracks]] entry its own id",
                "tracks",
            )
        names = [name.lower() for track in self.tracks for name in (track.id, *track.aliases)]
        if len(set(names)) != len(names):
            repeated = sorted({name for name in names if names.count(name) > 1})
            raise ConfigValueError(
                f"track ids and aliases must be unique (ignoring case): {', '.join(repeated)}",
                "give each alias to one track only",
                "tracks",
            )
        seen: dict[str, GradeComponent] = {}
        for track in self.tracks:
            for component in track.components:
                first = seen.setdefault(component.id, component)
                same = (first.origin, first.max_points, first.due) == (
                    component.origin,
                    component.max_points,
                    component.due,
                )
                if not same:
                    raise ConfigValueError(
                        f"component {component.id!r} differs between tracks in source, "
                        "max_points or due",
                        "a component shared by tracks is one assessment: give it the same "
                        "source, max_points and due in each (weights and labels may differ)",
                        "tracks",
                    )
                formula = {"scribe-status": self.write_up, "forum": self.forum}.get(
                    component.origin
                )
                if formula is not None and formula.component != component.id:
                    table = "write_up" if component.origin == "scribe-status" else "forum"
                    raise ConfigValueError(
                        f"track {track.id!r}: component {component.id!r} takes its points from "
                        f"[grading.{table}], whose component is {formula.component!r}",
                        f'set component = "{component.id}" in [grading.{table}], or rename '
                        "the component",
                        "tracks",
                    )
        if self.default_track not in ids:
            raise ConfigValueError(
                f"default_track {self.default_track!r} is not one of {ids}",
                f"use one of the [[grading.tracks]] ids: {', '.join(ids)}",
                "default_track",
            )
        return self

    def track(self, track_id: str | None = None) -> GradingTrack:
        wanted = track_id or self.default_track
        for track in self.tracks:
            if track.id == wanted:
                return track
        raise KeyError(wanted)

    def find_track(self, name: str) -> GradingTrack | None:
        """The track whose id or alias is ``name`` (ignoring case), or None."""
        wanted = name.strip().lower()
        for track in self.tracks:
            if wanted in (track.id.lower(), *(alias.lower() for alias in track.aliases)):
                return track
        return None


class Course(Strict):
    """A whole course: the root of course.toml."""

    schema_version: int = Field(1, alias="schema", ge=1, le=1)
    course: Identity
    links: list[Link] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    schedule: Schedule
    weeks: list[Week] = Field(default_factory=list)
    scribe: ScribePolicy = Field(default_factory=ScribePolicy)
    homework: list[Homework] = Field(default_factory=list)
    homework_policy: HomeworkPolicy = Field(default_factory=HomeworkPolicy)
    midterm: Midterm | None = None
    project: Project | None = None
    grading: GradingPolicy
    notes: NotesSettings = Field(default_factory=NotesSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    _root: Path | None = PrivateAttr(default=None)
    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _output_apart(self) -> Course:
        problem = written_output_conflict(self.site.output_dir, self.notes.docs_dir)
        if problem is not None:
            raise ConfigValueError(
                f"output_dir = {self.site.output_dir!r} {problem}: a build replaces its "
                "output folder as a whole, deleting what was there",
                'pick a folder of its own for the site, e.g. output_dir = "_site"',
                "site.output_dir",
            )
        return self

    @model_validator(mode="after")
    def _grading_fits_course(self) -> Course:
        uses_homework = [
            (track.id, component.id)
            for track in self.grading.tracks
            for component in track.components
            if component.origin == "homework"
        ]
        if uses_homework and not self.homework:
            track_id, component_id = uses_homework[0]
            raise ConfigValueError(
                f"track {track_id!r}: component {component_id!r} takes the [[homework]] "
                "assignments, but the course lists none",
                'add the [[homework]] entries, or give the component source = "scores"',
                "grading",
            )
        policy = self.grading.homework
        if (
            uses_homework
            and policy.aggregate == "drop-lowest"
            and policy.drop >= len(self.homework)
        ):
            raise ConfigValueError(
                f"[grading.homework] drops {policy.drop} of {len(self.homework)} homework",
                "drop fewer than the course has, so at least one counts",
                "grading",
            )
        return self

    # -- where things are -------------------------------------------------------------------
    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("this Course was not loaded from a folder")
        return self._root

    @property
    def config_path(self) -> Path:
        return self.root / "course.toml"

    @property
    def docs_dir(self) -> Path:
        return self.root / self.notes.docs_dir

    @property
    def home_page_path(self) -> Path | None:
        return self.root / self.course.home_page if self.course.home_page else None

    # -- lookups ---------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return self.schedule.tz

    def people_with_role(self, role: str) -> list[Person]:
        return [person for person in self.people if person.role == role]

    def week(self, number: int) -> Week | None:
        return next((week for week in self.weeks if week.number == number), None)

    def link(self, link_id: str) -> Link | None:
        return next((link for link in self.links if link.id == link_id), None)

    def locate(self, *keys: str | int) -> int | None:
        """Line in course.toml where the value at ``keys`` is written (None when unknown)."""
        from dlcourse.course.locate import locate_key

        return locate_key(self._source, keys)
