"""The gradebook's Python API: what the CLI, the homework part and the portal call.

Open one with :func:`open_gradebook`; every change goes through :meth:`Gradebook.transaction`,
which names who makes it and why, takes the writers' lock (SQLite ``BEGIN IMMEDIATE``, a
PostgreSQL advisory lock: a second writer waits) and writes the audit rows in the same
transaction. Reads return frozen dataclasses, never live ORM objects, so callers cannot change a
row behind the audit log's back.
"""

from __future__ import annotations

import copy
import datetime as dt
import getpass
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dlcourse.course import Course
from dlcourse.course.assessments import Assessment as CourseAssessment
from dlcourse.course.assessments import course_assessments
from dlcourse.grades import audit
from dlcourse.grades.db import (
    GradebookError,
    connection_errors,
    database_url,
    make_engine,
    migrate,
    prepare_sqlite_file,
    redact,
    sqlite_path,
    take_write_lock,
)
from dlcourse.grades.models import (
    ROLES,
    Assessment,
    AuditEntry,
    Extension,
    FeedbackRelease,
    ForumActivity,
    GradingResult,
    GroupMember,
    Person,
    ProjectGroup,
    Score,
    ScribeDuty,
    Submission,
    utc_now,
)
from dlcourse.grades.policy import (
    DutyFact,
    ForumFact,
    GradingRules,
    ScoreFact,
    StudentFacts,
)

ACTOR_ENV = "DLCOURSE_USER"


MAX_NETID_LENGTH = 64


def netid_problem(netid: str) -> str | None:
    """Why ``netid`` cannot be a NetID (None: it can). A NetID names each student's folder of
    submissions and results (``graded/hw1/NETID/``), so it is one plain name: a roster row
    ``../../x`` or ``/abs`` would have steered grading's writes out of its folder."""
    if not netid or any(c.isspace() for c in netid):
        return "is empty or has spaces"
    if len(netid) > MAX_NETID_LENGTH:
        return f"is longer than {MAX_NETID_LENGTH} characters"
    if netid.startswith(".") or any(c in netid for c in "/\\") or not netid.isprintable():
        return "is not a plain name (no '/', '\\', control characters or leading '.')"
    return None


class GradebookSession(Session):
    """A session whose every flush is audited (:mod:`dlcourse.grades.audit`)."""


audit.install(GradebookSession)


def current_actor() -> str:
    """Who is acting: ``$DLCOURSE_USER`` (the portal sets the signed-in NetID), else the login."""
    return os.environ.get(ACTOR_ENV) or getpass.getuser()


# -- plain data returned to callers -----------------------------------------------------------
@dataclass(frozen=True)
class PersonInfo:
    netid: str
    name: str
    email: str | None
    role: str
    section: str | None
    track: str | None
    track_approved_by: str | None
    enrolled: bool


@dataclass(frozen=True)
class SubmissionInfo:
    id: int
    assessment: str
    netid: str | None
    group: str | None
    received_at: dt.datetime
    deadline: dt.datetime
    sha256: str
    store_key: str
    size_bytes: int
    filename: str
    status: str
    reason: str | None
    submitted_by: str

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(frozen=True)
class ExtensionInfo:
    netid: str
    assessment: str
    due: dt.datetime
    reason: str
    granted_by: str
    granted_at: dt.datetime


@dataclass(frozen=True)
class AuditInfo:
    at: dt.datetime
    actor: str
    action: str
    table: str
    key: str
    student: str | None
    old_value: str | None
    new_value: str | None
    reason: str


@dataclass(frozen=True)
class ScoreInfo:
    assessment: str
    points: float
    max_points: float
    grader: str
    source: str
    recorded_at: dt.datetime
    comment: str | None


@dataclass(frozen=True)
class DutyInfo:
    """One scribe duty as ``scribe status`` last reported it."""

    slot: str
    role: str
    state: str
    errors: int
    due: dt.datetime


@dataclass(frozen=True)
class GradingInfo:
    """The autograder's result kept for a submission (``results`` is Gradescope's JSON)."""

    submission_id: int
    score: float
    max_score: float
    status: str
    results: dict
    tests_digest: str
    graded_at: dt.datetime


def _person_info(person: Person) -> PersonInfo:
    return PersonInfo(
        person.netid,
        person.name,
        person.email,
        person.role,
        person.section,
        person.track,
        person.track_approved_by,
        person.enrolled,
    )


# -- the gradebook --------------------------------------------------------------------------
class Gradebook:
    """One course's gradebook on one database."""

    def __init__(self, course: Course, engine: Engine, url: str, actor: str | None = None):
        self.course = course
        self.engine = engine
        self.url = url
        self.actor = actor or current_actor()
        self.rules = GradingRules.from_course(course)
        self._reader = sessionmaker(engine, class_=GradebookSession, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(dlcourse_write=True),
            class_=GradebookSession,
            expire_on_commit=False,
        )

    def acting_as(self, actor: str) -> Gradebook:
        """The same gradebook (engine, rules) whose changes are audited as ``actor`` — the
        portal's signed-in person."""
        other = copy.copy(self)
        other.actor = actor
        return other

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Session]:
        with connection_errors(self.url), self._reader() as session, session.begin():
            yield session

    @contextmanager
    def transaction(self, reason: str, actor: str | None = None) -> Iterator[Session]:
        """A write transaction: all of it or none of it, audited as ``actor`` for ``reason``."""
        if not reason.strip():
            raise GradebookError("a gradebook change needs a reason")
        with connection_errors(self.url), self._writer() as session:
            session.info.update(actor=actor or self.actor, reason=reason)
            with session.begin():
                take_write_lock(session.connection())
                yield session

    # -- assessments ---------------------------------------------------------------------
    def sync_assessments(self) -> int:
        """Make the assessments table match course.toml (new ones added, changed ones updated,
        each change audited); returns how many rows changed. Assessments that left course.toml
        are kept while scores point at them."""
        wanted = {a.id: a for a in course_assessments(self.course)}
        with self.reading() as session:
            have = {a.id: a for a in session.scalars(select(Assessment))}
            if all(a.id in have and _same_assessment(have[a.id], a) for a in wanted.values()):
                return 0
        changed = 0
        with self.transaction("assessments from course.toml") as session:
            have = {a.id: a for a in session.scalars(select(Assessment))}
            for item in wanted.values():
                row = have.get(item.id)
                if row is None:
                    row = Assessment(id=item.id)
                    session.add(row)
                elif _same_assessment(row, item):
                    continue
                row.component, row.title, row.source = item.component, item.title, item.source
                row.max_points, row.due, row.position = item.max_points, item.due, item.position
                changed += 1
        return changed

    def assessment_ids(self) -> list[str]:
        with self.reading() as session:
            return list(session.scalars(select(Assessment.id).order_by(Assessment.position)))

    # -- people --------------------------------------------------------------------------
    def people(self, role: str | None = None, enrolled_only: bool = True) -> list[PersonInfo]:
        query = select(Person).order_by(Person.netid)
        if role is not None:
            query = query.where(Person.role == role)
        if enrolled_only:
            query = query.where(Person.enrolled.is_(True))
        with self.reading() as session:
            return [_person_info(p) for p in session.scalars(query)]

    def find_person(self, text: str) -> PersonInfo | None:
        """A person by NetID or e-mail (ignoring case)."""
        with self.reading() as session:
            person = _find(session, text)
            return None if person is None else _person_info(person)

    def role_of(self, netid: str) -> str | None:
        """The role the portal grants: student, grader, ta or instructor (None: unknown)."""
        person = self.find_person(netid)
        return None if person is None or not person.enrolled else person.role

    def add_person(
        self,
        netid: str,
        name: str,
        role: str = "student",
        email: str | None = None,
        section: str | None = None,
        reason: str = "added by hand",
    ) -> PersonInfo:
        if role not in ROLES:
            raise GradebookError(f"role {role!r}: use one of {', '.join(ROLES)}")
        problem = netid_problem(netid.lower())
        if problem:
            raise GradebookError(f"NetID {netid!r} {problem}")
        with self.transaction(reason) as session:
            if _find(session, netid) is not None:
                raise GradebookError(f"{netid} is already in the gradebook")
            person = Person(netid=netid.lower(), name=name, role=role, email=email, section=section)
            session.add(person)
            session.flush()
            return _person_info(person)

    def approve_track(self, student: str, track_name: str, reason: str = "") -> PersonInfo:
        """Record that ``student`` is graded on ``track_name`` (id or alias), approved by the
        actor."""
        track = self.course.grading.find_track(track_name)
        if track is None:
            known = ", ".join(
                f"{t.id}" + (f" ({', '.join(t.aliases)})" if t.aliases else "")
                for t in self.course.grading.tracks
            )
            raise GradebookError(f"no track {track_name!r} in course.toml; tracks: {known}")
        with self.transaction(reason or f"track {track.id} approved") as session:
            person = _student(session, student)
            person.track = track.id
            person.track_approved_by = self.actor if track.requires_approval else None
            person.track_approved_at = utc_now() if track.requires_approval else None
            return _person_info(person)

    # -- scores --------------------------------------------------------------------------
    def set_score(
        self,
        student: str,
        assessment_id: str,
        points: float,
        source: str,
        comment: str | None = None,
        reason: str = "",
    ) -> bool:
        """Enter or change one score (the autograder, a TA in the portal); False: unchanged."""
        with self.transaction(reason or f"score {assessment_id} from {source}") as session:
            person = _student(session, student)
            assessment = _assessment(session, assessment_id, scored=True)
            if not 0 <= points <= assessment.max_points:
                raise GradebookError(
                    f"{assessment_id}: {points:g} points is outside 0…{assessment.max_points:g}"
                )
            return _put_score(session, person, assessment, points, source, comment, self.actor)

    def scores(self, student: str) -> list[ScoreInfo]:
        """A student's scores with who entered them, when, from where and their comments."""
        with self.reading() as session:
            person = _student(session, student)
            rows = session.scalars(
                select(Score)
                .join(Assessment, Assessment.id == Score.assessment_id)
                .where(Score.person_id == person.id)
                .order_by(Assessment.position)
            )
            return [
                ScoreInfo(
                    row.assessment_id,
                    row.points,
                    row.max_points,
                    row.grader,
                    row.source,
                    row.recorded_at,
                    row.comment,
                )
                for row in rows
            ]

    # -- extensions ----------------------------------------------------------------------
    def grant_extension(
        self, student: str, assessment_id: str, due: dt.datetime, reason: str
    ) -> ExtensionInfo:
        if due.tzinfo is None:
            due = due.replace(tzinfo=self.course.tz)  # wall-clock time in the course zone
        if not reason.strip():
            raise GradebookError("an extension needs a reason (it goes into the audit log)")
        with self.transaction(f"extension: {reason}") as session:
            person = _student(session, student)
            assessment = _assessment(session, assessment_id)
            if due <= assessment.due:
                raise GradebookError(
                    f"{assessment_id} is due {assessment.due.astimezone(self.course.tz)}; "
                    "an extension gives a later deadline"
                )
            row = session.scalars(
                select(Extension).where(
                    Extension.person_id == person.id, Extension.assessment_id == assessment_id
                )
            ).one_or_none()
            if row is None:
                row = Extension(person_id=person.id, assessment_id=assessment_id)
                session.add(row)
            row.due, row.reason, row.granted_by, row.granted_at = due, reason, self.actor, utc_now()
            return ExtensionInfo(person.netid, assessment_id, due, reason, self.actor, utc_now())

    def extensions(
        self, student: str | None = None, assessment_id: str | None = None
    ) -> list[ExtensionInfo]:
        """Extensions granted, of everyone or of one student, on every or one assessment."""
        with self.reading() as session:
            query = select(Extension, Person.netid).join(Person, Person.id == Extension.person_id)
            if student is not None:
                query = query.where(Extension.person_id == _student(session, student).id)
            if assessment_id is not None:
                query = query.where(Extension.assessment_id == assessment_id)
            return [
                ExtensionInfo(
                    netid, row.assessment_id, row.due, row.reason, row.granted_by, row.granted_at
                )
                for row, netid in session.execute(
                    query.order_by(Extension.assessment_id, Person.netid)
                )
            ]

    def deadline(self, student: str, assessment_id: str) -> dt.datetime:
        """When ``student``'s work on ``assessment_id`` is due: their extension, else the due
        date (UTC)."""
        with self.reading() as session:
            person = _student(session, student)
            return _deadline(session, person.id, _assessment(session, assessment_id))

    # -- project groups ------------------------------------------------------------------
    def set_group(self, name: str, members: Sequence[str], reason: str = "") -> list[str]:
        """Create or re-staff the project group ``name`` with exactly ``members`` (NetIDs or
        e-mails); sizes from ``[project]``. Returns the members' NetIDs."""
        project = self.course.project
        if project is not None and not project.group_min <= len(members) <= project.group_max:
            raise GradebookError(
                f"group {name!r} has {len(members)} members; course.toml allows "
                f"{project.group_min}–{project.group_max}"
            )
        with self.transaction(reason or f"project group {name}") as session:
            people = [_student(session, member) for member in members]
            group = session.scalars(
                select(ProjectGroup).where(ProjectGroup.name == name)
            ).one_or_none()
            if group is None:
                group = ProjectGroup(name=name)
                session.add(group)
                session.flush()
            current = {m.person_id: m for m in group.members}
            for person in people:
                if person.id in current:
                    continue
                elsewhere = session.scalars(
                    select(GroupMember).where(GroupMember.person_id == person.id)
                ).one_or_none()
                if elsewhere is not None:
                    raise GradebookError(
                        f"{person.netid} is already in group {elsewhere.group.name!r}"
                    )
                session.add(GroupMember(group_id=group.id, person_id=person.id))
            wanted = {p.id for p in people}
            for person_id, member in current.items():
                if person_id not in wanted:
                    session.delete(member)
            return [p.netid for p in people]

    def groups(self) -> dict[str, list[str]]:
        with self.reading() as session:
            found: dict[str, list[str]] = defaultdict(list)
            rows = session.execute(
                select(ProjectGroup.name, Person.netid)
                .join(GroupMember, GroupMember.group_id == ProjectGroup.id)
                .join(Person, Person.id == GroupMember.person_id)
                .order_by(ProjectGroup.name, Person.netid)
            )
            for name, netid in rows:
                found[name].append(netid)
            return dict(found)

    def group_of(self, student: str) -> str | None:
        with self.reading() as session:
            person = _student(session, student)
            member = session.scalars(
                select(GroupMember).where(GroupMember.person_id == person.id)
            ).one_or_none()
            return None if member is None else member.group.name

    # -- submissions ---------------------------------------------------------------------
    def record_submission(
        self,
        assessment_id: str,
        *,
        sha256: str,
        store_key: str,
        size_bytes: int,
        filename: str,
        student: str | None = None,
        group: str | None = None,
        received_at: dt.datetime | None = None,
    ) -> SubmissionInfo:
        """Log a submission and decide it against the deadline. ``received_at`` is the receiving
        side's clock (default: now, UTC) — never a time the student's machine supplies; an LMS
        export's own timestamps may be passed by a TA's batch import. After the deadline (the
        student's extension, or for a group the earliest of its members' deadlines) the
        submission is kept with status ``refused`` and its reason; the caller shows the reason.
        """
        if (student is None) == (group is None):
            raise GradebookError("a submission belongs to a student or to a group (one of them)")
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise GradebookError("sha256: give the 64 lower-case hex digits of the content")
        received = received_at or utc_now()
        if received.tzinfo is None:
            raise GradebookError("received_at must carry its time zone (UTC)")
        with self.transaction(f"submission of {assessment_id}") as session:
            assessment = _assessment(session, assessment_id)
            person = _student(session, student) if student is not None else None
            group_row = None
            if group is not None:
                group_row = session.scalars(
                    select(ProjectGroup).where(ProjectGroup.name == group)
                ).one_or_none()
                if group_row is None:
                    raise GradebookError(f"no project group {group!r}")
                members = [m.person_id for m in group_row.members]
                deadline = min(
                    (_deadline(session, m, assessment) for m in members), default=assessment.due
                )
            else:
                assert person is not None
                deadline = _deadline(session, person.id, assessment)
            on_time = received <= deadline
            reason = (
                None
                if on_time
                else f"received {_moment(received, self.course)}, after the deadline "
                f"{_moment(deadline, self.course)}: late submissions are not accepted"
            )
            row = Submission(
                assessment_id=assessment.id,
                person_id=None if person is None else person.id,
                group_id=None if group_row is None else group_row.id,
                received_at=received,
                sha256=sha256,
                store_key=store_key,
                size_bytes=size_bytes,
                filename=filename,
                status="accepted" if on_time else "refused",
                reason=reason,
                submitted_by=self.actor,
            )
            session.add(row)
            session.flush()
            return _submission_info(row, person, group_row, deadline)

    def submissions(
        self, assessment_id: str, student: str | None = None, group: str | None = None
    ) -> list[SubmissionInfo]:
        """The history of submissions (oldest first), of everyone or of one owner."""
        with self.reading() as session:
            assessment = _assessment(session, assessment_id)
            query = select(Submission).where(Submission.assessment_id == assessment_id)
            if student is not None:
                query = query.where(Submission.person_id == _student(session, student).id)
            if group is not None:
                query = query.join(ProjectGroup, ProjectGroup.id == Submission.group_id).where(
                    ProjectGroup.name == group
                )
            result = []
            for row in session.scalars(query.order_by(Submission.received_at, Submission.id)):
                person = session.get(Person, row.person_id) if row.person_id else None
                group_row = session.get(ProjectGroup, row.group_id) if row.group_id else None
                deadline = _deadline(session, person.id, assessment) if person else assessment.due
                result.append(_submission_info(row, person, group_row, deadline))
            return result

    def latest_submission(
        self, assessment_id: str, student: str | None = None, group: str | None = None
    ) -> SubmissionInfo | None:
        """The submission that counts: the last accepted one."""
        accepted = [
            s for s in self.submissions(assessment_id, student, group) if s.status == "accepted"
        ]
        return accepted[-1] if accepted else None

    def submission(self, submission_id: int) -> SubmissionInfo | None:
        """One submission by id (None: no such id). Callers check who may see it."""
        with self.reading() as session:
            row = session.get(Submission, submission_id)
            if row is None:
                return None
            person = session.get(Person, row.person_id) if row.person_id else None
            group_row = session.get(ProjectGroup, row.group_id) if row.group_id else None
            assessment = _assessment(session, row.assessment_id)
            deadline = _deadline(session, person.id, assessment) if person else assessment.due
            return _submission_info(row, person, group_row, deadline)

    # -- the autograder's results and published feedback --------------------------------
    def record_grading(
        self, submission_id: int, results: dict, tests_digest: str, reason: str = ""
    ) -> GradingInfo:
        """Keep the autograder's ``results`` (Gradescope's JSON, with the run's meta record in
        ``extra_data``) for a submission, replacing an earlier grading of it. When that
        submission is the one that counts (its owner's last accepted one) the score goes into
        the gradebook too, in the same transaction; a run the sandbox itself failed (``XX``)
        records no score."""
        status = results.get("extra_data", {}).get("meta", {}).get("status", "OK")
        score = float(results.get("score", 0.0))
        max_score = float(sum(test.get("max_score", 0.0) for test in results.get("tests", [])))
        with self.transaction(reason or "autograder result") as session:
            row = session.get(Submission, submission_id)
            if row is None:
                raise GradebookError(f"no submission {submission_id}")
            graded = session.scalars(
                select(GradingResult).where(GradingResult.submission_id == submission_id)
            ).one_or_none()
            if graded is None:
                graded = GradingResult(submission_id=submission_id)
                session.add(graded)
            graded.score, graded.max_score, graded.status = score, max_score, status
            graded.results = json.dumps(results, sort_keys=True)
            graded.tests_digest, graded.graded_at = tests_digest, utc_now()
            if status != "XX" and row.status == "accepted":
                assessment = _assessment(session, row.assessment_id)
                owners = (
                    [row.person_id]
                    if row.person_id is not None
                    else [m.person_id for m in session.get(ProjectGroup, row.group_id).members]
                )
                if _counts(session, row) and assessment.source in ("homework", "scores"):
                    points = min(max(round(score, 4), 0.0), assessment.max_points)
                    for person_id in owners:
                        _put_score(
                            session,
                            session.get(Person, person_id),
                            assessment,
                            points,
                            "autograder",
                            f"run {status}, submission {submission_id}",
                            self.actor,
                        )
            session.flush()
            return _grading_info(graded)

    def grading(self, submission_id: int) -> GradingInfo | None:
        with self.reading() as session:
            row = session.scalars(
                select(GradingResult).where(GradingResult.submission_id == submission_id)
            ).one_or_none()
            return None if row is None else _grading_info(row)

    def publish_feedback(self, assessment_id: str, reason: str = "") -> bool:
        """Show ``after_published`` tests of ``assessment_id`` from now on; False: already."""
        with self.transaction(reason or f"feedback of {assessment_id} published") as session:
            _assessment(session, assessment_id)
            if session.get(FeedbackRelease, assessment_id) is not None:
                return False
            session.add(
                FeedbackRelease(
                    assessment_id=assessment_id, published_by=self.actor, published_at=utc_now()
                )
            )
            return True

    def feedback_published(self, assessment_id: str) -> bool:
        with self.reading() as session:
            return session.get(FeedbackRelease, assessment_id) is not None

    # -- scribe duties -------------------------------------------------------------------
    def scribe_duties(self, student: str) -> list[DutyInfo]:
        """The student's scribe duties (slot order) as the last scribe-status import said."""
        with self.reading() as session:
            person = _student(session, student)
            return [
                DutyInfo(row.slot, row.role, row.state, row.errors, row.due)
                for row in session.scalars(
                    select(ScribeDuty)
                    .where(ScribeDuty.person_id == person.id)
                    .order_by(ScribeDuty.due, ScribeDuty.slot)
                )
            ]

    # -- reading for the policy ----------------------------------------------------------
    def facts(self, students: Iterable[str] | None = None) -> list[StudentFacts]:
        """What the policy needs about every enrolled student (or the ones named)."""
        with self.reading() as session:
            query = select(Person).where(Person.role == "student", Person.enrolled.is_(True))
            if students is not None:
                wanted = [s.lower() for s in students]
                query = query.where(Person.netid.in_(wanted) | Person.email.in_(wanted))
            people = list(session.scalars(query.order_by(Person.netid)))
            ids = {p.id for p in people}
            scores: dict[int, dict[str, ScoreFact]] = defaultdict(dict)
            for person_id, assessment_id, points, max_points, source, grader in session.execute(
                select(
                    Score.person_id,
                    Score.assessment_id,
                    Score.points,
                    Score.max_points,
                    Score.source,
                    Score.grader,
                )
            ):
                if person_id in ids:
                    scores[person_id][assessment_id] = ScoreFact(points, max_points, source, grader)
            extensions: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
            for row in session.scalars(select(Extension)):
                extensions[row.person_id][row.assessment_id] = row.due
            duties: dict[int, list[DutyFact]] = defaultdict(list)
            for row in session.scalars(select(ScribeDuty).order_by(ScribeDuty.slot)):
                duties[row.person_id].append(DutyFact(row.slot, row.role, row.state, row.errors))
            forum = {
                row.person_id: ForumFact(
                    row.platform, row.posts, row.answers, row.endorsed_answers, row.days_online
                )
                for row in session.scalars(select(ForumActivity))
            }
            return [
                StudentFacts(
                    netid=p.netid,
                    name=p.name,
                    track=p.track,
                    track_approved=p.track_approved_by is not None,
                    scores=scores.get(p.id, {}),
                    extensions=extensions.get(p.id, {}),
                    duties=tuple(duties.get(p.id, ())),
                    forum=forum.get(p.id),
                )
                for p in people
            ]

    # -- the audit log -------------------------------------------------------------------
    def audit_log(self, student: str | None = None, limit: int | None = None) -> list[AuditInfo]:
        """Newest first; only the rows about ``student`` when given."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if student is not None:
            person = self.find_person(student)
            netid = person.netid if person else student.lower()
            query = query.where(AuditEntry.student == netid)
        if limit is not None:
            query = query.limit(limit)
        with self.reading() as session:
            return [
                AuditInfo(
                    e.at,
                    e.actor,
                    e.action,
                    e.table_name,
                    e.row_key,
                    e.student,
                    e.old_value,
                    e.new_value,
                    e.reason,
                )
                for e in session.scalars(query)
            ]


# -- helpers --------------------------------------------------------------------------------
def _same_assessment(row: Assessment, item: CourseAssessment) -> bool:
    fields = ("component", "title", "source", "max_points", "due", "position")
    return all(getattr(row, name) == getattr(item, name) for name in fields)


def _find(session: Session, text: str) -> Person | None:
    wanted = text.strip().lower()
    return session.scalars(
        select(Person).where((Person.netid == wanted) | (Person.email == wanted))
    ).first()


def _student(session: Session, text: str) -> Person:
    person = _find(session, text)
    if person is None:
        raise GradebookError(
            f"no student {text!r} in the gradebook; import the roster first "
            "(dlcourse grades import roster FILE)"
        )
    if person.role != "student":
        raise GradebookError(f"{person.netid} is {person.role}, not a student")
    return person


def _assessment(session: Session, assessment_id: str, scored: bool = False) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        known = ", ".join(session.scalars(select(Assessment.id).order_by(Assessment.position)))
        raise GradebookError(f"no assessment {assessment_id!r}; assessments: {known}")
    if scored and row.source not in ("homework", "scores"):
        raise GradebookError(
            f"{assessment_id} takes its points from {row.source} (its formula), not from scores"
        )
    return row


def _put_score(
    session: Session,
    person: Person,
    assessment: Assessment,
    points: float,
    source: str,
    comment: str | None,
    grader: str,
) -> bool:
    """Insert or change one score row (audited by the session); False: unchanged."""
    row = session.scalars(
        select(Score).where(Score.person_id == person.id, Score.assessment_id == assessment.id)
    ).one_or_none()
    if row is not None and row.points == points and row.comment == comment:
        return False
    if row is None:
        row = Score(person_id=person.id, assessment_id=assessment.id)
        session.add(row)
    row.points, row.max_points, row.comment = points, assessment.max_points, comment
    row.grader, row.source, row.recorded_at = grader, source, utc_now()
    return True


def _counts(session: Session, row: Submission) -> bool:
    """Whether ``row`` is the submission that counts: its owner's last accepted one."""
    owner = (
        Submission.person_id == row.person_id
        if row.person_id is not None
        else Submission.group_id == row.group_id
    )
    last = session.scalars(
        select(Submission.id)
        .where(Submission.assessment_id == row.assessment_id, owner)
        .where(Submission.status == "accepted")
        .order_by(Submission.received_at.desc(), Submission.id.desc())
        .limit(1)
    ).first()
    return last == row.id


def _grading_info(row: GradingResult) -> GradingInfo:
    return GradingInfo(
        row.submission_id,
        row.score,
        row.max_score,
        row.status,
        json.loads(row.results),
        row.tests_digest,
        row.graded_at,
    )


def _deadline(session: Session, person_id: int, assessment: Assessment) -> dt.datetime:
    extension = session.scalars(
        select(Extension.due).where(
            Extension.person_id == person_id, Extension.assessment_id == assessment.id
        )
    ).one_or_none()
    return extension or assessment.due


def _moment(moment: dt.datetime, course: Course) -> str:
    return moment.astimezone(course.tz).strftime("%a %d %b %Y %H:%M:%S %Z")


def _submission_info(
    row: Submission,
    person: Person | None,
    group: ProjectGroup | None,
    deadline: dt.datetime,
) -> SubmissionInfo:
    return SubmissionInfo(
        row.id,
        row.assessment_id,
        None if person is None else person.netid,
        None if group is None else group.name,
        row.received_at,
        deadline,
        row.sha256,
        row.store_key,
        row.size_bytes,
        row.filename,
        row.status,
        row.reason,
        row.submitted_by,
    )


def open_gradebook(
    course: Course,
    url: str | None = None,
    actor: str | None = None,
    create: bool = False,
) -> Gradebook:
    """Open the course's gradebook, migrated to the current schema and with its assessments
    synced from course.toml. A SQLite file that does not exist is made only with ``create``."""
    url = database_url(course, url)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not create:
            raise GradebookError(f"no gradebook at {path}; create it with 'dlcourse grades init'")
        prepare_sqlite_file(path)
    engine = make_engine(url)
    try:
        with connection_errors(url):
            migrate(engine)
        gradebook = Gradebook(course, engine, url, actor)
        try:
            gradebook.sync_assessments()
        except IntegrityError as error:
            raise GradebookError(
                f"{redact(url)}: course.toml's assessments do not fit this gradebook ({error.orig})"
            ) from error
    except BaseException:
        engine.dispose()
        raise
    return gradebook
