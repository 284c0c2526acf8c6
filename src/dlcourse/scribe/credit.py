"""Write-up credit under the course's write-up formula, ``[grading.write_up]``
(``docs/scribe.md`` § Credit).

The write-up is a grade *adjustment* of ±``weight`` points (10 in the spring 2020 course: "±10%
lecture write-up, so do your work"). Each duty earns a *fraction* in [-1, 1] from its state; a
student's fraction is the mean over their duties; points = fraction × the weight of the
policy's component in the student's grading track.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from dlcourse.course.grading_settings import WriteUpFormula

DutyState = Literal[
    "complete", "needs-fixes", "unattributed", "late", "too-late", "missing", "undated", "pending"
]


# The thresholds are the course's write-up formula ([grading.write_up] in course.toml): the
# gradebook maps a duty's state with the same numbers, so the two never disagree.
CreditPolicy = WriteUpFormula

#: What each state means, for the legend under ``dlcourse scribe status`` and the docs.
STATE_MEANINGS: dict[str, str] = {
    "complete": "on time, no checker errors, every member in the note's authors",
    "needs-fixes": "on time, with checker errors (credit less per error)",
    "unattributed": "on time, but the student is not in the note's authors",
    "late": "submitted after the due time, within the late limit",
    "too-late": "submitted after the late limit: counts as missing",
    "missing": "no note by the due time",
    "undated": "the note is there but its submission time is unknown (not committed to git): "
    "pass --submissions or --submitted-at",
    "pending": "not due yet",
    "empty": "nobody is assigned to the slot",
}


def duty_credit(
    policy: CreditPolicy,
    due: dt.datetime,
    submitted_at: dt.datetime | None,
    errors: int,
    attributed: bool,
    as_of: dt.datetime,
    present: bool | None = None,
) -> tuple[DutyState, float, bool]:
    """(state, fraction, final) of one duty. ``final`` is False until the due time has passed
    and while a present note's submission time is unknown. ``present`` defaults to whether a
    submission time is known."""
    final = as_of > due
    present = submitted_at is not None if present is None else present
    if submitted_at is None:
        if present:
            return "undated", 0.0, False
        return ("missing", policy.missing, True) if final else ("pending", 0.0, False)
    if submitted_at > due:
        days = (submitted_at - due).total_seconds() / 86400
        if policy.late_limit_days is not None and days > policy.late_limit_days:
            return "too-late", policy.missing, True
        return "late", policy.late, True
    if not attributed:
        return "unattributed", policy.unattributed, final
    if errors > 0:
        return "needs-fixes", policy.needs_fixes(errors), final
    return "complete", policy.on_time, final
