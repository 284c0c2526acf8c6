"""Write-up credit under the course policy, as data (``docs/scribe.md`` § Credit).

The write-up is a grade *adjustment* of ±``weight`` points (10 in the spring 2020 course: "±10%
lecture write-up, so do your work"). Each duty earns a *fraction* in [-1, 1] from its state; a
student's fraction is the mean over their duties; points = fraction × the weight of the
``write-up`` component of the student's grading track.

========================  =====================================================================
state                     when
========================  =====================================================================
``complete``              submitted on time, no checker errors, the student is in ``authors``
``needs-fixes``           on time and attributed, with checker errors: ``on_time`` minus
                          ``per_error`` per error, at most ``max_error_penalty`` off
``unattributed``          on time, but the student's name is not in the note's ``authors``
``late``                  submitted after the due time (up to ``late_limit_days`` late)
``missing``               not submitted by the due time (or later than ``late_limit_days``)
``pending``               not submitted yet, not due yet (fraction 0, not final)
========================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from dlcourse.course.grading_settings import WriteUpFormula

DutyState = Literal["complete", "needs-fixes", "unattributed", "late", "missing", "pending"]


# The thresholds are the course's write-up formula ([grading.write_up] in course.toml): the
# gradebook maps a duty's state with the same numbers, so the two never disagree.
CreditPolicy = WriteUpFormula


def duty_credit(
    policy: CreditPolicy,
    due: dt.datetime,
    submitted_at: dt.datetime | None,
    errors: int,
    attributed: bool,
    as_of: dt.datetime,
) -> tuple[DutyState, float, bool]:
    """(state, fraction, final) of one duty. ``final`` is False until the due time has passed."""
    final = as_of > due
    if submitted_at is None:
        return ("missing", policy.missing, True) if final else ("pending", 0.0, False)
    if submitted_at > due:
        days = (submitted_at - due).total_seconds() / 86400
        if policy.late_limit_days is not None and days > policy.late_limit_days:
            return "missing", policy.missing, True
        return "late", policy.late, True
    if not attributed:
        return "unattributed", policy.unattributed, final
    if errors > 0:
        return "needs-fixes", policy.needs_fixes(errors), final
    return "complete", policy.on_time, final
