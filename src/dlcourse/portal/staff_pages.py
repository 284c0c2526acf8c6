"""What course staff see and do: submissions per assignment with their status, (re-)grading,
scores and comments entered by hand with the audit trail, extensions, track approvals, the LMS
exports as downloads, the roster and invitations.

Graders see submissions, grade and enter scores; TAs also grant extensions, publish feedback,
export and invite; instructors also approve tracks. Every change goes through the gradebook's
API as the signed-in person, so the audit log names them and the reason they gave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dlcourse.grades import GradebookError, GradingInfo, PersonInfo, SubmissionInfo, grade_all
from dlcourse.grades.exports import EXPORTERS
from dlcourse.grades.models import GradingRequest
from dlcourse.grades.policy import grade_student
from dlcourse.homework.assignment import Assignment
from dlcourse.portal.access import RouteTable, Viewer, form, viewer_of
from dlcourse.portal.accounts import AccountError
from dlcourse.portal.student_pages import attachment

routes = RouteTable()
_REQUESTS = GradingRequest.__table__


def _assignment_or_404(portal: Any, assignment_id: str) -> Assignment:
    assignment = portal.assignments.get(assignment_id)
    if assignment is None:
        raise HTTPException(404)
    return assignment


def _student_or_404(portal: Any, netid: str) -> PersonInfo:
    person = portal.book.find_person(netid)
    if person is None or person.role != "student" or person.netid != netid:
        raise HTTPException(404)
    return person


def _back(path: str) -> Response:
    # post, redirect, get: reloading the page shows it again without repeating the action (the
    # note of what was done travels in the session, see _flash)
    return RedirectResponse(path, status_code=303)


def _flash(request: Request, text: str) -> None:
    from dlcourse.portal.sessions import session_state

    session_state(request.scope).data.setdefault("flash", []).append(text[:2000])


def _take_flash(request: Request) -> list[str]:
    from dlcourse.portal.sessions import session_state

    return session_state(request.scope).data.pop("flash", [])


@routes.page("/staff", access="grader")
async def staff_home(request: Request) -> Response:
    portal = request.app.state.portal

    def build() -> dict[str, Any]:
        rows = []
        for assignment in portal.assignments.values():
            latest = portal_latest(portal, assignment.id)
            graded = sum(1 for s in latest.values() if portal.book.grading(s.id) is not None)
            rows.append((assignment, len(latest), graded))
        return {"rows": rows, "students": len(portal.book.people("student"))}

    context = await run_in_threadpool(build)
    return portal.render(request, "staff/home.html", flash=_take_flash(request), **context)


def portal_latest(portal: Any, assignment_id: str) -> dict[str, SubmissionInfo]:
    latest: dict[str, SubmissionInfo] = {}
    for submission in portal.book.submissions(assignment_id):
        if submission.accepted and submission.netid is not None:
            latest[submission.netid] = submission
    return latest


@dataclass(frozen=True)
class SubmissionRow:
    person: PersonInfo
    latest: SubmissionInfo | None
    accepted: int
    refused: int
    deadline: dt.datetime
    grading: GradingInfo | None
    request_state: str | None


def _assignment_view(portal: Any, assignment: Assignment) -> dict[str, Any]:
    book = portal.book
    history = book.submissions(assignment.id)
    extensions = {e.netid: e.due for e in book.extensions(assessment_id=assignment.id)}
    with book.engine.connect() as connection:
        pending = {
            row.submission_id: row.state
            for row in connection.execute(
                select(_REQUESTS.c.submission_id, _REQUESTS.c.state).where(
                    _REQUESTS.c.state.in_(("queued", "running", "failed"))
                )
            )
        }
    rows = []
    for person in book.people("student"):
        mine = [s for s in history if s.netid == person.netid]
        accepted = [s for s in mine if s.accepted]
        latest = accepted[-1] if accepted else None
        rows.append(
            SubmissionRow(
                person,
                latest,
                len(accepted),
                len(mine) - len(accepted),
                extensions.get(person.netid, assignment.due),
                book.grading(latest.id) if latest else None,
                pending.get(latest.id) if latest else None,
            )
        )
    return {
        "assignment": assignment,
        "rows": rows,
        "published": book.feedback_published(assignment.id),
    }


@routes.page("/staff/assignments/{assignment_id}", access="grader")
async def assignment_view(request: Request) -> Response:
    portal = request.app.state.portal
    assignment = _assignment_or_404(portal, request.path_params["assignment_id"])
    context = await run_in_threadpool(_assignment_view, portal, assignment)
    return portal.render(request, "staff/assignment.html", flash=_take_flash(request), **context)


def queue_grading(portal: Any, viewer: Viewer, submissions: list[SubmissionInfo]) -> int:
    """Ask the grading worker to (re-)grade these submissions; how many were queued (one
    already waiting is not queued twice)."""
    now = portal.now()
    with portal.book.engine.execution_options(dlcourse_write=True).begin() as connection:
        waiting = set(
            connection.execute(
                select(_REQUESTS.c.submission_id).where(
                    _REQUESTS.c.state.in_(("queued", "running"))
                )
            ).scalars()
        )
        fresh = [s for s in submissions if s.id not in waiting]
        if fresh:
            connection.execute(
                insert(_REQUESTS),
                [
                    {
                        "submission_id": s.id,
                        "requested_by": viewer.netid,
                        "requested_at": now,
                        "state": "queued",
                    }
                    for s in fresh
                ],
            )
    return len(fresh)


@routes.page("/staff/assignments/{assignment_id}/grade", access="grader", methods=("POST",))
async def regrade(request: Request) -> Response:
    """Grade one student's counting submission again, or everyone's (``student=*``)."""
    portal = request.app.state.portal
    viewer = viewer_of(request)
    assignment = _assignment_or_404(portal, request.path_params["assignment_id"])
    student = str((await form(request)).get("student", ""))

    def queue() -> int:
        latest = portal_latest(portal, assignment.id)
        if student == "*":
            chosen = list(latest.values())
        else:
            _student_or_404(portal, student)
            if student not in latest:
                raise HTTPException(
                    400, f"{student} has no accepted submission of {assignment.id}."
                )
            chosen = [latest[student]]
        return queue_grading(portal, viewer, chosen)

    count = await run_in_threadpool(queue)
    _flash(request, f"{count} submission{'s' if count != 1 else ''} queued for grading.")
    return _back(f"/staff/assignments/{assignment.id}")


@routes.page("/staff/assignments/{assignment_id}/publish", access="ta", methods=("POST",))
async def publish(request: Request) -> Response:
    portal = request.app.state.portal
    viewer = viewer_of(request)
    assignment = _assignment_or_404(portal, request.path_params["assignment_id"])
    await run_in_threadpool(portal.gradebook_for(viewer).publish_feedback, assignment.id)
    _flash(
        request,
        f"Feedback of {assignment.id} published: tests shown after publication are now visible.",
    )
    return _back(f"/staff/assignments/{assignment.id}")


def _student_view(portal: Any, person: PersonInfo) -> dict[str, Any]:
    book = portal.book
    now = portal.now()
    facts = book.facts([person.netid])
    submissions = []
    for assessment in book.assessment_ids():
        submissions += book.submissions(assessment, student=person.netid)
    scored = [a for a in book.rules.assessments if a.source in ("homework", "scores")]
    return {
        "person": person,
        "result": grade_student(book.rules, facts[0], now) if facts else None,
        "scores": book.scores(person.netid),
        "scored": scored,
        "extensions": book.extensions(student=person.netid),
        "submissions": sorted(submissions, key=lambda s: s.received_at, reverse=True),
        "group": book.group_of(person.netid),
        "duties": book.scribe_duties(person.netid),
        "audit": book.audit_log(person.netid, limit=100),
        "has_account": portal.accounts.has_account(person.netid),
    }


@routes.page("/staff/students/{netid}", access="grader")
async def student_view(request: Request) -> Response:
    portal = request.app.state.portal

    def build() -> dict[str, Any]:
        return _student_view(portal, _student_or_404(portal, request.path_params["netid"]))

    context = await run_in_threadpool(build)
    return portal.render(request, "staff/student.html", flash=_take_flash(request), **context)


def _reason(data: Any) -> str:
    reason = str(data.get("reason", "")).strip()[:500]
    if not reason:
        raise HTTPException(400, "Give a reason: it goes into the audit log with the change.")
    return reason


@routes.page("/staff/students/{netid}/score", access="grader", methods=("POST",))
async def enter_score(request: Request) -> Response:
    """A score entered by hand, with a comment the student sees and a reason the audit keeps."""
    portal = request.app.state.portal
    viewer = viewer_of(request)
    data = await form(request)
    reason = _reason(data)
    assessment = str(data.get("assessment", ""))
    comment = str(data.get("comment", "")).strip()[:5000] or None
    try:
        points = float(str(data.get("points", "")))
    except ValueError as error:
        raise HTTPException(400, "Points: write a number, e.g. 42.5.") from error

    def save() -> bool:
        person = _student_or_404(portal, request.path_params["netid"])
        return portal.gradebook_for(viewer).set_score(
            person.netid,
            assessment,
            points,
            source=f"portal ({viewer.netid})",
            comment=comment,
            reason=reason,
        )

    try:
        changed = await run_in_threadpool(save)
    except GradebookError as error:
        raise HTTPException(400, "; ".join(error.issues)) from error
    _flash(request, f"{assessment}: {points:g} points saved." if changed else "Nothing changed.")
    return _back(f"/staff/students/{request.path_params['netid']}")


@routes.page("/staff/students/{netid}/extension", access="ta", methods=("POST",))
async def grant_extension(request: Request) -> Response:
    portal = request.app.state.portal
    viewer = viewer_of(request)
    data = await form(request)
    reason = _reason(data)
    assessment = str(data.get("assessment", ""))
    try:
        due = dt.datetime.fromisoformat(str(data.get("due", "")))
    except ValueError as error:
        raise HTTPException(400, "New deadline: pick a date and time.") from error
    if due.tzinfo is not None:
        raise HTTPException(400, "New deadline: give the wall-clock time in the course's zone.")

    due = due.replace(tzinfo=portal.course.tz)

    def save() -> None:
        person = _student_or_404(portal, request.path_params["netid"])
        portal.gradebook_for(viewer).grant_extension(person.netid, assessment, due, reason)

    try:
        await run_in_threadpool(save)
    except GradebookError as error:
        raise HTTPException(400, "; ".join(error.issues)) from error
    _flash(
        request,
        f"Extension on {assessment} granted until {portal.local_time(due)}.",
    )
    return _back(f"/staff/students/{request.path_params['netid']}")


@routes.page("/staff/roster", access="grader")
async def roster(request: Request) -> Response:
    portal = request.app.state.portal

    def build() -> dict[str, Any]:
        people = portal.book.people()
        return {
            "students": [p for p in people if p.role == "student"],
            "staff": [p for p in people if p.role != "student"],
            "accounts": {p.netid for p in people if portal.accounts.has_account(p.netid)},
        }

    context = await run_in_threadpool(build)
    return portal.render(request, "staff/roster.html", flash=_take_flash(request), **context)


@routes.page("/staff/roster/invite", access="ta", methods=("POST",))
async def invite(request: Request) -> Response:
    """An invitation link for a person in the gradebook: e-mailed when SMTP is configured, else
    shown once here for the TA to pass on."""
    portal = request.app.state.portal
    viewer = viewer_of(request)
    who = str((await form(request)).get("netid", ""))[:254]
    person = await run_in_threadpool(portal.book.find_person, who)
    if person is not None and person.role == "instructor" and not viewer.at_least("instructor"):
        raise HTTPException(403, "Only an instructor invites an instructor.")
    try:
        invitation = await run_in_threadpool(
            portal.accounts.invite,
            who,
            portal.config.public_url,
            viewer.netid,
            portal.now(),
            portal.config.invitation_days,
        )
    except AccountError as error:
        raise HTTPException(400, str(error)) from error
    if portal.config.smtp is not None:
        from dlcourse.portal.mail import MailError, send_invitation

        try:
            await run_in_threadpool(send_invitation, portal.config.smtp, invitation, portal.title)
        except MailError as error:
            raise HTTPException(400, str(error)) from error
        _flash(request, f"Invitation sent to {invitation.netid} ({invitation.email}).")
    else:
        _flash(
            request,
            f"Invitation for {invitation.netid} (pass it on; it works once): {invitation.url}",
        )
    return _back("/staff/roster")


@routes.page("/staff/tracks", access="instructor")
async def tracks(request: Request) -> Response:
    portal = request.app.state.portal

    def build() -> dict[str, Any]:
        waiting = []
        for person in portal.book.people("student"):
            track = portal.course.grading.find_track(person.track) if person.track else None
            if track is not None and track.requires_approval and person.track_approved_by is None:
                waiting.append((person, track))
        return {"waiting": waiting}

    context = await run_in_threadpool(build)
    return portal.render(request, "staff/tracks.html", flash=_take_flash(request), **context)


@routes.page("/staff/tracks/approve", access="instructor", methods=("POST",))
async def approve_track(request: Request) -> Response:
    portal = request.app.state.portal
    viewer = viewer_of(request)
    data = await form(request)
    netid, track = str(data.get("netid", "")), str(data.get("track", ""))

    def save() -> None:
        person = _student_or_404(portal, netid)
        portal.gradebook_for(viewer).approve_track(person.netid, track, reason=_reason(data))

    try:
        await run_in_threadpool(save)
    except GradebookError as error:
        raise HTTPException(400, "; ".join(error.issues)) from error
    _flash(request, f"{netid}: track {track} approved.")
    return _back("/staff/tracks")


@routes.page("/staff/exports/{kind}", access="ta")
async def export(request: Request) -> Response:
    """Canvas, Brightspace or the full CSV, computed now, as a download."""
    portal = request.app.state.portal
    kind = request.path_params["kind"]
    if kind not in EXPORTERS:
        raise HTTPException(404)

    def build() -> str:
        book = portal.book
        results = grade_all(book.rules, book.facts(), portal.now())
        people = {p.netid: p for p in book.people("student")}
        return EXPORTERS[kind](book.rules, results, people)

    text = await run_in_threadpool(build)
    stamp = portal.now().astimezone(portal.course.tz).strftime("%Y%m%d-%H%M")
    return attachment(text.encode("utf-8"), f"{portal.course.course.code}-{kind}-{stamp}.csv")
