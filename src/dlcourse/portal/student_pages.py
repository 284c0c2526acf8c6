"""What a student sees: their assignments with deadlines and a countdown, the upload and its
receipt, feedback once graded (by the tests' visibility), their grade with a what-if, their
scribe duties and their project group.

A student never names a person in a URL: pages show the signed-in student's own data. The only
ids a URL carries are submission ids, and each is checked against its owner (the student, or a
member of the owning group) before anything about it is shown — another id is "not found", so
ids of other people's work cannot even be told to exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dlcourse.grades import GradingInfo, SubmissionInfo
from dlcourse.grades.policy import WhatIfError, grade_student, what_if
from dlcourse.homework.assignment import Assignment
from dlcourse.homework.results import visible_tests
from dlcourse.homework.submissions import SubmissionError, submit
from dlcourse.portal.access import RouteTable, Viewer, form, viewer_of

routes = RouteTable()


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    deadline: dt.datetime
    extended: bool
    open: bool
    latest: SubmissionInfo | None
    score: float | None


def _assignment_or_404(portal: Any, assignment_id: str, now: dt.datetime) -> Assignment:
    assignment = portal.assignments.get(assignment_id)
    if assignment is None or assignment.release > now:
        raise HTTPException(404)
    return assignment


def owns(portal: Any, viewer: Viewer, submission: SubmissionInfo) -> bool:
    """Whether ``viewer`` may see ``submission``: theirs, their group's, or they are staff."""
    if viewer.is_staff:
        return True
    if submission.netid is not None:
        return submission.netid == viewer.netid
    return submission.group is not None and portal.book.group_of(viewer.netid) == submission.group


def submission_or_404(portal: Any, viewer: Viewer, submission_id: str) -> SubmissionInfo:
    if not submission_id.isdigit() or len(submission_id) > 18:
        raise HTTPException(404)
    submission = portal.book.submission(int(submission_id))
    if submission is None or not owns(portal, viewer, submission):
        raise HTTPException(404)
    return submission


def _assignment_rows(portal: Any, viewer: Viewer, now: dt.datetime) -> list[AssignmentRow]:
    book = portal.book
    scores = {s.assessment: s.points for s in book.scores(viewer.netid)}
    rows = []
    for assignment in portal.assignments.values():
        if assignment.release > now:
            continue  # not released yet: not shown
        deadline = book.deadline(viewer.netid, assignment.id)
        rows.append(
            AssignmentRow(
                assignment,
                deadline,
                deadline != assignment.due,
                now <= deadline,
                book.latest_submission(assignment.id, student=viewer.netid),
                scores.get(assignment.id),
            )
        )
    return sorted(rows, key=lambda row: row.deadline)


def _dashboard(portal: Any, viewer: Viewer) -> dict[str, Any]:
    book = portal.book
    now = portal.now()
    facts = book.facts([viewer.netid])
    result = grade_student(book.rules, facts[0], now) if facts else None
    group = book.group_of(viewer.netid)
    members = book.groups().get(group, []) if group else []
    names = {p.netid: p.name for p in book.people("student")} if members else {}
    return {
        "rows": _assignment_rows(portal, viewer, now),
        "result": result,
        "duties": book.scribe_duties(viewer.netid),
        "group": group,
        "members": [(m, names.get(m, m)) for m in members],
    }


@routes.page("/me", access="student")
async def dashboard(request: Request) -> Response:
    portal = request.app.state.portal
    context = await run_in_threadpool(_dashboard, portal, viewer_of(request))
    return portal.render(request, "student/home.html", **context)


def _feedback(
    portal: Any, assignment: Assignment, deadline: dt.datetime, grading: GradingInfo | None
) -> dict[str, Any] | None:
    if grading is None:
        return None
    now = portal.now()
    published = portal.book.feedback_published(assignment.id)
    # after_due_date counts from the later of the class's due date and this student's own
    shown = visible_tests(grading.results, now, max(assignment.due, deadline), published)
    total = len(grading.results.get("tests", []))
    return {
        "grading": grading,
        "tests": shown,
        "hidden": total - len(shown),
        "output": grading.results.get("output", ""),
    }


def _assignment_page(portal: Any, viewer: Viewer, assignment: Assignment) -> dict[str, Any]:
    book = portal.book
    deadline = book.deadline(viewer.netid, assignment.id)
    history = list(reversed(book.submissions(assignment.id, student=viewer.netid)))
    latest = next((s for s in history if s.accepted), None)
    grading = book.grading(latest.id) if latest else None
    comment = next((s for s in book.scores(viewer.netid) if s.assessment == assignment.id), None)
    return {
        "assignment": assignment,
        "deadline": deadline,
        "extended": deadline != assignment.due,
        "open": portal.now() <= deadline,
        "history": history,
        "latest": latest,
        "feedback": _feedback(portal, assignment, deadline, grading),
        "score": comment,
        "accept": ",".join(sorted({_suffix(name) for name in assignment.config.submit})),
    }


def _suffix(name: str) -> str:
    return name[name.rfind(".") :] if "." in name else name


@routes.page("/assignments/{assignment_id}", access="student")
async def assignment_page(request: Request) -> Response:
    portal = request.app.state.portal
    assignment = _assignment_or_404(portal, request.path_params["assignment_id"], portal.now())
    context = await run_in_threadpool(_assignment_page, portal, viewer_of(request), assignment)
    return portal.render(request, "student/assignment.html", error=None, **context)


@routes.page("/assignments/{assignment_id}/submit", access="student", methods=("POST",))
async def upload(request: Request) -> Response:
    """Take one file in. The receipt time is the portal's clock when the request is handled,
    never anything the browser sends."""
    portal = request.app.state.portal
    viewer = viewer_of(request)
    received = portal.now()
    assignment = _assignment_or_404(portal, request.path_params["assignment_id"], received)
    data = await form(request)
    upload = data.get("file")
    error = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = "Choose the file to hand in first."
    else:
        # one byte past the limit is enough to say it is too large
        content = await upload.read(assignment.limits.upload_kb * 1024 + 1)
        try:
            info = await run_in_threadpool(
                submit,
                portal.gradebook_for(viewer),
                portal.store,
                assignment,
                content,
                upload.filename,
                viewer.netid,
                received,
            )
        except SubmissionError as refusal:
            error = str(refusal)
        else:
            return RedirectResponse(f"/submissions/{info.id}", status_code=303)
    context = await run_in_threadpool(_assignment_page, portal, viewer, assignment)
    return portal.render(request, "student/assignment.html", status=400, error=error, **context)


def _receipt(portal: Any, viewer: Viewer, submission_id: str) -> dict[str, Any]:
    submission = submission_or_404(portal, viewer, submission_id)
    assignment = portal.assignments.get(submission.assessment)
    grading = portal.book.grading(submission.id)
    feedback = None
    if assignment is not None and grading is not None:
        feedback = _feedback(portal, assignment, submission.deadline, grading)
    return {
        "submission": submission,
        "assignment": assignment,
        "feedback": feedback,
    }


@routes.page("/submissions/{submission_id}", access="signed-in")
async def receipt(request: Request) -> Response:
    portal = request.app.state.portal
    context = await run_in_threadpool(
        _receipt, portal, viewer_of(request), request.path_params["submission_id"]
    )
    return portal.render(request, "receipt.html", **context)


def attachment(content: bytes, filename: str) -> Response:
    """A download that the browser saves and never renders, named as uploaded (RFC 6266/5987:
    an ASCII fallback and the UTF-8 name, both quoted)."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    disposition = (
        f'attachment; filename="{fallback or "download"}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    return Response(
        content,
        media_type="application/octet-stream",
        headers={"content-disposition": disposition},
    )


@routes.page("/submissions/{submission_id}/file", access="signed-in")
async def download(request: Request) -> Response:
    portal = request.app.state.portal
    viewer = viewer_of(request)

    def read() -> tuple[bytes, str]:
        submission = submission_or_404(portal, viewer, request.path_params["submission_id"])
        return portal.store.get(submission.store_key), submission.filename

    content, filename = await run_in_threadpool(read)
    return attachment(content, filename)


def _grades(portal: Any, viewer: Viewer, wanted: dict[str, str]) -> dict[str, Any]:
    book = portal.book
    now = portal.now()
    facts = book.facts([viewer.netid])
    if not facts:
        raise HTTPException(404, "You have no grade record in this course.")
    result = grade_student(book.rules, facts[0], now)
    changes: dict[str, float] = {}
    problems = []
    for key, text in wanted.items():
        if not text.strip():
            continue
        try:
            changes[key] = float(text)
        except ValueError:
            problems.append(f"{key}: {text!r} is not a number")
    scenario = None
    if changes and not problems:
        try:
            scenario = what_if(book.rules, facts[0], changes, now)
        except WhatIfError as error:
            problems.append(str(error))
    editable = [a for a in book.rules.assessments if a.source in ("homework", "scores")]
    return {
        "result": result,
        "scenario": scenario,
        "problems": problems,
        "editable": [a for a in editable if any(c.id == a.component for c in result.components)],
        "wanted": wanted,
    }


@routes.page("/grades", access="student")
async def grades(request: Request) -> Response:
    portal = request.app.state.portal
    wanted = {
        key.removeprefix("whatif-"): value[:32]
        for key, value in request.query_params.items()
        if key.startswith("whatif-")
    }
    context = await run_in_threadpool(_grades, portal, viewer_of(request), wanted)
    return portal.render(request, "student/grades.html", **context)
