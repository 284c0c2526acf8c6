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

from pydantic import BaseModel, ConfigDict, Field

DutyState = Literal["complete", "needs-fixes", "unattributed", "late", "missing", "pending"]


class CreditPolicy(BaseModel):
    """Thresholds of the write-up credit; fractions of the component's weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    component: str = Field("write-up", description="Grade component id in course.toml.")
    on_time: float = Field(1.0, ge=-1, le=1, description="On time, clean and attributed.")
    late: float = Field(-0.5, ge=-1, le=1, description="Submitted after the due time.")
    missing: float = Field(-1.0, ge=-1, le=1, description="Not submitted.")
    unattributed: float = Field(0.0, ge=-1, le=1, description="On time, name not in authors.")
    per_error: float = Field(0.1, ge=0, description="Taken off per checker error (on time).")
    max_error_penalty: float = Field(0.5, ge=0, description="Most taken off for errors.")
    late_limit_days: float | None = Field(
        14, ge=0, description="Later than this many days counts as missing (None: never)."
    )


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
        penalty = min(errors * policy.per_error, policy.max_error_penalty)
        return "needs-fixes", round(policy.on_time - penalty, 6), final
    return "complete", policy.on_time, final
