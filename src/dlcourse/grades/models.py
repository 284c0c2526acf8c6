"""The gradebook's tables as typed SQLAlchemy 2 classes.

Times are stored as UTC without a zone (both SQLite and PostgreSQL then hold the same value) and
come back timezone-aware in UTC. Points are double precision on both, so a grade computed from
either database is the same number. Students and staff are one table, ``people``, with a role:
the portal takes roles from here. Every change to these tables leaves a row in ``audit_log`` in
the same transaction (:mod:`dlcourse.grades.audit`); that table only ever grows (triggers refuse
UPDATE and DELETE on it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("student", "grader", "ta", "instructor")
STAFF_ROLES = ROLES[1:]
SUBMISSION_STATUSES = ("accepted", "refused")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime in, the same instant in UTC out; stored naive in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} given to the gradebook: pass an aware one")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utc_now() -> dt.datetime:
    """The gradebook's clock: the receiving side's time in UTC, never a time a client sends."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, float: Double}


class Person(Base):
    """A student or a member of staff, known by NetID (what logs and audit rows name)."""

    __tablename__ = "people"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="ck_people_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    netid: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="student")
    section: Mapped[str | None] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(
        String(64),
        doc="The grading track asked for (a track needing approval counts once approved).",
    )
    track_approved_by: Mapped[str | None] = mapped_column(String(64))
    track_approved_at: Mapped[dt.datetime | None]
    enrolled: Mapped[bool] = mapped_column(
        default=True, doc="False once the registrar's roster no longer lists the student."
    )

    scores: Mapped[list[Score]] = relationship(back_populates="person")


class Assessment(Base):
    """Something graded: a homework, the midterm, the project, the research, the write-up, the
    forum. Synced from the course model each time the gradebook opens."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    component: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(32))
    max_points: Mapped[float]
    due: Mapped[dt.datetime]
    position: Mapped[int] = mapped_column(Integer, default=0)


class Score(Base):
    """A student's points on an assessment: the current value; its history is the audit log."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("person_id", "assessment_id", name="uq_scores_person_assessment"),
        CheckConstraint("points >= 0 AND points <= max_points", name="ck_scores_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    points: Mapped[float]
    max_points: Mapped[float]
    grader: Mapped[str] = mapped_column(String(64), doc="NetID or login of who entered it.")
    source: Mapped[str] = mapped_column(String(300), doc="File and row, autograder, portal…")
    recorded_at: Mapped[dt.datetime]
    comment: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(back_populates="scores")


class ScribeDuty(Base):
    """One scribe duty of a student as ``dlcourse scribe status`` reported it: the facts the
    write-up formula turns into the adjustment."""

    __tablename__ = "scribe_duties"
    __table_args__ = (UniqueConstraint("person_id", "slot", name="uq_scribe_duties_person_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    slot: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    errors: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[dt.datetime]


class ForumActivity(Base):
    """A student's forum participation from the latest Piazza or Ed Discussion export."""

    __tablename__ = "forum_activity"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    posts: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    endorsed_answers: Mapped[int] = mapped_column(Integer, default=0)
    days_online: Mapped[int] = mapped_column(Integer, default=0)


class ProjectGroup(Base):
    """A project team (2–3 students in the spring 2020 course; sizes from ``[project]``)."""

    __tablename__ = "project_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    members: Mapped[list[GroupMember]] = relationship(back_populates="group")


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("project_groups.id", ondelete="RESTRICT"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True, unique=True
    )

    group: Mapped[ProjectGroup] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class Submission(Base):
    """A piece of work handed in: by a student or a group, timed by the receiving side in UTC,
    identified by the SHA-256 of its content and the key of the file in the file store. Every
    submission is kept (refused ones too, with their reason); the last accepted one counts."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(
            "(person_id IS NULL) <> (group_id IS NULL)", name="ck_submissions_one_owner"
        ),
        CheckConstraint(f"status IN {SUBMISSION_STATUSES!r}", name="ck_submissions_status"),
        CheckConstraint("length(sha256) = 64", name="ck_submissions_sha256"),
        Index("ix_submissions_owner", "assessment_id", "person_id", "group_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_groups.id", ondelete="RESTRICT")
    )
    received_at: Mapped[dt.datetime]
    sha256: Mapped[str] = mapped_column(String(64))
    store_key: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(300), doc="As uploaded; shown, never a path.")
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(64))


class Extension(Base):
    """A later deadline for one student on one assessment."""

    __tablename__ = "extensions"
    __table_args__ = (
        UniqueConstraint("person_id", "assessment_id", name="uq_extensions_person_assessment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="RESTRICT"))
    due: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Who changed what, when, from which value to which, and why. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_student", "student"),
        Index("ix_audit_log_table_key", "table_name", "row_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(200))
    student: Mapped[str | None] = mapped_column(String(64), doc="NetID the change is about.")
    old_value: Mapped[str | None] = mapped_column(Text, doc="JSON of the row before.")
    new_value: Mapped[str | None] = mapped_column(Text, doc="JSON of the row after.")
    reason: Mapped[str] = mapped_column(Text)


GRADING_STATUSES = ("OK", "RE", "SG", "TO", "XX")


class GradingResult(Base):
    """The autograder's result for one submission: Gradescope's ``results.json`` as JSON text,
    kept so the portal can show feedback by the visibility rules. A re-grade replaces it; the
    audit log keeps each version's score and a digest of its JSON (``__audit_digest__``)."""

    __tablename__ = "grading_results"
    __audit_digest__ = ("results",)
    __table_args__ = (
        CheckConstraint(f"status IN {GRADING_STATUSES!r}", name="ck_grading_results_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="RESTRICT"), unique=True
    )
    score: Mapped[float]
    max_score: Mapped[float]
    status: Mapped[str] = mapped_column(String(8), doc="The run's meta status (OK, RE, SG, TO).")
    results: Mapped[str] = mapped_column(Text, doc="results.json as written by the grader.")
    tests_digest: Mapped[str] = mapped_column(String(64))
    graded_at: Mapped[dt.datetime]


class FeedbackRelease(Base):
    """An assessment whose feedback staff published: tests of visibility ``after_published``
    are shown to students from then on."""

    __tablename__ = "feedback_releases"

    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), primary_key=True
    )
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime]


# -- the portal's sign-in and work queue -------------------------------------------------------
# Written with Core statements by dlcourse.portal, never through an audited ORM session: they are
# how people sign in, not grades. Creating an account or an invitation writes its own audit row.


class PortalAccount(Base):
    """A local sign-in (small courses, development): an Argon2 hash, never the password."""

    __tablename__ = "portal_accounts"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(300))
    password_set_at: Mapped[dt.datetime]


class PortalInvitation(Base):
    """A one-time link to set a local password. Only the SHA-256 of its token is stored."""

    __tablename__ = "portal_invitations"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class PortalSession(Base):
    """A browser's session, kept on the server; the cookie holds a random id whose SHA-256 is
    the key here, so a copy of this table signs nobody in."""

    __tablename__ = "portal_sessions"
    __table_args__ = (Index("ix_portal_sessions_expires", "expires_at"),)

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime]
    seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class LoginAttempt(Base):
    """A failed sign-in, by account and by client address: what the rate limit counts."""

    __tablename__ = "portal_login_attempts"
    __table_args__ = (Index("ix_portal_login_attempts_subject", "subject", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), doc="'account:NETID' or 'address:IP'.")
    at: Mapped[dt.datetime]


GRADING_REQUEST_STATES = ("queued", "running", "done", "failed")


class GradingRequest(Base):
    """A (re-)grade asked for in the portal, run by its grading worker."""

    __tablename__ = "grading_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {GRADING_REQUEST_STATES!r}", name="ck_grading_requests_state"),
        Index("ix_grading_requests_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="RESTRICT"))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), default="queued")
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
