"""The audit trail: every insert, update and delete of a gradebook row writes one ``audit_log``
row in the same transaction — who, when, which table and row, the old and the new value, why.

Two paths lead here and write the same rows: changes made through the ORM are caught in
``before_flush`` (so a caller cannot forget), and bulk imports, which write with Core statements
for speed, build their audit rows with :func:`audit_row` and insert them beside their changes.
A session that changes anything must carry an actor and a reason (``session.info``); one without
them is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from dlcourse.grades.db import insert_rows
from dlcourse.grades.models import (
    Assessment,
    AuditEntry,
    Base,
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


class AuditError(RuntimeError):
    """A change was about to be written without an actor or a reason."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    return value


def _digested(obj: Base) -> tuple[str, ...]:
    """Columns whose value the audit row holds as a SHA-256 (a results.json is kilobytes; its
    digest still tells versions apart)."""
    return getattr(type(obj), "__audit_digest__", ())


def _value(obj: Base, key: str, value: Any) -> Any:
    if key in _digested(obj) and isinstance(value, str):
        return "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return _plain(value)


def row_values(obj: Base) -> dict[str, Any]:
    """The object's column values as JSON-able data (times in ISO 8601, UTC)."""
    mapper = inspect(obj).mapper
    return {
        column.key: _value(obj, column.key, getattr(obj, column.key))
        for column in mapper.column_attrs
    }


def _old_values(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    old = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.deleted:
            old[attr.key] = _value(obj, attr.key, history.deleted[0])
        else:
            old[attr.key] = _value(obj, attr.key, getattr(obj, attr.key))
    return old


# One encoder for every audit row: json.dumps with options builds a new encoder per call, which
# is a third of an import's audit cost at 20,000 rows. The output is json.dumps's, byte for byte.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def dumps(values: Mapping[str, Any] | None) -> str | None:
    return None if values is None else _ENCODER.encode(values)


def audit_row(
    *,
    actor: str,
    reason: str,
    action: str,
    table: str,
    key: str,
    student: str | None,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One ``audit_log`` row as a dict, for a Core ``insert``."""
    return {
        "at": at or utc_now(),
        "actor": actor,
        "action": action,
        "table_name": table,
        "row_key": key,
        "student": student,
        "old_value": dumps(old),
        "new_value": dumps(new),
        "reason": reason,
    }


def _netid(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    with session.no_autoflush:
        person = session.get(Person, person_id)
    return None if person is None else person.netid


def _group_name(session: Session, group_id: int | None) -> str:
    with session.no_autoflush:
        group = session.get(ProjectGroup, group_id) if group_id is not None else None
    return "?" if group is None else group.name


def describe(session: Session, obj: Base) -> tuple[str, str | None]:
    """(readable row key, student NetID or None) of a gradebook row."""
    if isinstance(obj, Person):
        return obj.netid, obj.netid if obj.role == "student" else None
    if isinstance(obj, Assessment):
        return obj.id, None
    if isinstance(obj, Score | Extension):
        netid = _netid(session, obj.person_id)
        return f"{obj.assessment_id}/{netid}", netid
    if isinstance(obj, ScribeDuty):
        netid = _netid(session, obj.person_id)
        return f"{obj.slot}/{netid}", netid
    if isinstance(obj, ForumActivity):
        netid = _netid(session, obj.person_id)
        return f"{netid}", netid
    if isinstance(obj, ProjectGroup):
        return obj.name, None
    if isinstance(obj, GroupMember):
        netid = _netid(session, obj.person_id)
        return f"{_group_name(session, obj.group_id)}/{netid}", netid
    if isinstance(obj, Submission):
        netid = _netid(session, obj.person_id)
        owner = netid if netid else f"group {_group_name(session, obj.group_id)}"
        return f"{obj.assessment_id}/{owner}/{obj.sha256[:12]}", netid
    if isinstance(obj, GradingResult):
        with session.no_autoflush:
            submission = session.get(Submission, obj.submission_id)
        if submission is None:
            return f"submission {obj.submission_id}", None
        key, netid = describe(session, submission)
        return f"{key}/graded", netid
    if isinstance(obj, FeedbackRelease):
        return obj.assessment_id, None
    raise TypeError(f"no audit description for {type(obj).__name__}")


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    changes: list[tuple[str, Base]] = [
        *(("insert", obj) for obj in session.new),
        *(("update", obj) for obj in session.dirty if session.is_modified(obj)),
        *(("delete", obj) for obj in session.deleted),
    ]
    changes = [(action, obj) for action, obj in changes if not isinstance(obj, AuditEntry)]
    if not changes:
        return
    actor, reason = session.info.get("actor"), session.info.get("reason")
    if not actor or not reason:
        raise AuditError(
            "a gradebook change needs an actor and a reason (use Gradebook.transaction)"
        )
    if any(isinstance(obj, AuditEntry) for obj in session.dirty | session.deleted):
        raise AuditError("the audit log is append-only")
    # Rows inserted in this flush get their ids only when it runs: flush those first so the
    # audit rows can name them (a Person's or a group's id is what other rows point at).
    at = utc_now()
    pending: list[AuditEntry] = []
    for action, obj in changes:
        if action == "insert" and inspect(obj).mapper.primary_key[0].key == "id":
            continue  # described after the flush, in _after_flush
        key, student = describe(session, obj)
        old = None if action == "insert" else _old_values(obj)
        new = None if action == "delete" else row_values(obj)
        pending.append(
            AuditEntry(
                **audit_row(
                    actor=actor,
                    reason=reason,
                    action=action,
                    table=obj.__tablename__,
                    key=key,
                    student=student,
                    old=old,
                    new=new,
                    at=at,
                )
            )
        )
    session.add_all(pending)
    session.info.setdefault("_audit_new", []).extend(
        obj
        for action, obj in changes
        if action == "insert" and inspect(obj).mapper.primary_key[0].key == "id"
    )


def _after_flush(session: Session, flush_context: Any) -> None:
    inserted = session.info.pop("_audit_new", [])
    if not inserted:
        return
    actor, reason = session.info["actor"], session.info["reason"]
    at = utc_now()
    rows = []
    for obj in inserted:
        key, student = describe(session, obj)
        rows.append(
            audit_row(
                actor=actor,
                reason=reason,
                action="insert",
                table=obj.__tablename__,
                key=key,
                student=student,
                old=None,
                new=row_values(obj),
                at=at,
            )
        )
    # after_flush may not add objects to the session; a Core insert on its connection is the
    # documented way, and it runs inside the same transaction
    insert_rows(session.connection(), AuditEntry.__table__, rows)


def install(session_class: type[Session]) -> None:
    """Audit every flush of sessions of ``session_class``."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
