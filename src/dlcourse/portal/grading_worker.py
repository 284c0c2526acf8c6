"""The portal's grading worker: a thread that takes (re-)grade requests from the
``grading_requests`` table, oldest first, and grades each in the bubblewrap sandbox
(:mod:`dlcourse.homework`), keeping the result with the submission and the score in the
gradebook, audited as the person who asked.

The queue lives in the database, so a request survives a restart (one left ``running`` by a
process that died is queued again at start) and a second portal process never takes the same
request (the claim is one conditional UPDATE). Housekeeping rides along: expired sessions and
old failed sign-ins are deleted every few minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from sqlalchemy import select, update

from dlcourse.grades import GradebookError
from dlcourse.grades.models import GradingRequest
from dlcourse.homework.grading import grade_files
from dlcourse.homework.sandbox import sandbox_problem
from dlcourse.homework.submissions import student_files

log = logging.getLogger("dlcourse.portal.grading")
_TABLE = GradingRequest.__table__
HOUSEKEEPING_SECONDS = 300


class GradingWorker:
    def __init__(self, portal: Any, poll_seconds: float = 1.0):
        self.portal = portal
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dlcourse-grading", daemon=True)
        self._writer = portal.book.engine.execution_options(dlcourse_write=True)

    def start(self) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                update(_TABLE).where(_TABLE.c.state == "running").values(state="queued")
            )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        last_housekeeping = 0.0
        while not self._stop.is_set():
            try:
                if not self.run_one():
                    self._stop.wait(self.poll_seconds)
                now = self.portal.now()
                if now.timestamp() - last_housekeeping > HOUSEKEEPING_SECONDS:
                    self.portal.sessions.purge(now)
                    self.portal.accounts.purge_attempts(now - dt.timedelta(days=1))
                    last_housekeeping = now.timestamp()
            except Exception:  # the worker must outlive one bad request or a database hiccup
                log.exception("grading worker")
                self._stop.wait(self.poll_seconds)

    def claim(self) -> tuple[int, int, str] | None:
        """Take the oldest queued request: (request id, submission id, who asked)."""
        with self._writer.begin() as connection:
            row = connection.execute(
                select(_TABLE.c.id, _TABLE.c.submission_id, _TABLE.c.requested_by)
                .where(_TABLE.c.state == "queued")
                .order_by(_TABLE.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            taken = connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id == row.id, _TABLE.c.state == "queued")
                .values(state="running", started_at=self.portal.now())
            ).rowcount
            return (row.id, row.submission_id, row.requested_by) if taken else None

    def run_one(self) -> bool:
        """Grade one queued request; False when there was none."""
        claimed = self.claim()
        if claimed is None:
            return False
        request_id, submission_id, requested_by = claimed
        try:
            message = self.grade(submission_id, requested_by)
            state = "done"
        except (GradebookError, OSError, ValueError) as error:
            message, state = f"{type(error).__name__}: {error}", "failed"
        except Exception as error:  # whatever went wrong is this request's: recorded, not lost
            log.exception("grading request %s", request_id)
            message, state = f"{type(error).__name__}: {error}", "failed"
        with self._writer.begin() as connection:
            connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id == request_id)
                .values(state=state, finished_at=self.portal.now(), message=message[:4000])
            )
        return True

    def grade(self, submission_id: int, requested_by: str) -> str:
        portal = self.portal
        submission = portal.book.submission(submission_id)
        if submission is None or submission.netid is None:
            raise ValueError(f"submission {submission_id} has no student to grade")
        assignment = portal.assignments.get(submission.assessment)
        if assignment is None:
            raise ValueError(f"{submission.assessment} has no assignment folder to grade with")
        problem = sandbox_problem()
        if problem:
            raise ValueError(f"cannot grade untrusted code here: {problem}")
        files = student_files(portal.book, portal.store, assignment, submission.netid, submission)
        results = grade_files(assignment, files)
        info = portal.book.acting_as(requested_by).record_grading(
            submission_id,
            results,
            assignment.tests_digest(),
            reason=f"grading asked for in the portal by {requested_by}",
        )
        return f"{info.score:g} / {info.max_score:g} [{info.status}]"
