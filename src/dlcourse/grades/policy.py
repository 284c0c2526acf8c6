"""The course's grading policy applied to one student's facts: pure functions over plain data.

Every number comes from the course model (``[grading]`` of course.toml): weights per track, how
homework is aggregated, the write-up and forum formulas, rounding and letter cut-offs. Nothing
here reads a database or a clock; the gradebook hands in the facts and the instant to judge at.

The rules, in order:

- A student is graded on the track they asked for once it is approved (or needs no approval),
  otherwise on the default track.
- An assessment's percent is points / max × 100. Work not handed in counts as 0 only after its
  deadline (the student's extension, if granted, else the due date); before it, it is pending.
- The homework component is the mean of the counted homework percents, or that mean after
  dropping each student's lowest ``drop`` (at least one always counts).
- The core total renormalises over the core components counted so far: with the midterm
  pending, a student at 90 % on everything else stands at 90 % of the core weight. Once nothing
  is pending it is simply Σ weight × percent / 100.
- The write-up adjustment is the mean duty fraction (from its state, ``[grading.write_up]``) ×
  the component weight, so it stays within ±weight; duties not yet due do not count.
- The forum bonus is the formula's points, capped at the component weight.
- total = core + adjustment + bonus; rounded by ``[grading.rounding]``; the letter is the first
  cut-off the rounded total reaches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Literal

from dlcourse.course import Course
from dlcourse.course.assessments import Assessment, course_assessments
from dlcourse.course.grading_settings import Rounding
from dlcourse.course.model import GradeComponent, GradingPolicy, GradingTrack

ItemStatus = Literal["graded", "missing", "pending", "dropped"]
ComponentStatus = Literal["graded", "partial", "pending", "not applicable", "what-if"]
_ROUNDING = {
    "half-up": ROUND_HALF_UP,
    "half-even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_CEILING,
}


# -- facts in ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreFact:
    points: float
    max_points: float
    source: str = ""
    grader: str = ""

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.max_points


@dataclass(frozen=True)
class DutyFact:
    """One scribe duty as ``scribe status`` reported it."""

    slot: str
    role: str
    state: str
    errors: int = 0


@dataclass(frozen=True)
class ForumFact:
    platform: str
    posts: int = 0
    answers: int = 0
    endorsed_answers: int = 0
    days_online: int = 0


@dataclass(frozen=True)
class StudentFacts:
    """Everything the policy needs about one student."""

    netid: str
    name: str = ""
    track: str | None = None
    track_approved: bool = False
    scores: Mapping[str, ScoreFact] = field(default_factory=dict)
    extensions: Mapping[str, dt.datetime] = field(default_factory=dict)
    duties: tuple[DutyFact, ...] = ()
    forum: ForumFact | None = None


@dataclass(frozen=True)
class GradingRules:
    """The policy and the assessments, as plain data taken once from the course."""

    policy: GradingPolicy
    assessments: tuple[Assessment, ...]

    @classmethod
    def from_course(cls, course: Course) -> GradingRules:
        return cls(course.grading, tuple(course_assessments(course)))

    def assessment(self, assessment_id: str) -> Assessment | None:
        return next((a for a in self.assessments if a.id == assessment_id), None)

    def items_of(self, component: GradeComponent) -> list[Assessment]:
        return list(self._items_by_component.get(component.id, ()))

    @cached_property  # a recompute asks once per student and component: 3,000 scans saved
    def _items_by_component(self) -> dict[str, tuple[Assessment, ...]]:
        grouped: dict[str, list[Assessment]] = {}
        for assessment in self.assessments:
            grouped.setdefault(assessment.component, []).append(assessment)
        return {component: tuple(items) for component, items in grouped.items()}


# -- results out ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemResult:
    assessment: str
    title: str
    status: ItemStatus
    percent: float | None
    points: float | None
    max_points: float
    deadline: dt.datetime
    source: str = ""


@dataclass(frozen=True)
class ComponentResult:
    id: str
    label: str
    kind: str
    source: str
    weight: float
    status: ComponentStatus
    percent: float | None = None
    points: float = 0.0
    items: tuple[ItemResult, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class GradeResult:
    netid: str
    name: str
    track: str
    track_note: str
    components: tuple[ComponentResult, ...]
    core: float
    adjustment: float
    bonus: float
    total: float
    rounded: float
    letter: str
    final: bool
    pending_weight: float

    def component(self, component_id: str) -> ComponentResult:
        return next(c for c in self.components if c.id == component_id)


# -- the policy ------------------------------------------------------------------------------
def effective_track(policy: GradingPolicy, facts: StudentFacts) -> tuple[GradingTrack, str]:
    """The track a student is graded on, and a note when it is not the one they asked for."""
    default = policy.track()
    if not facts.track:
        return default, ""
    asked = policy.find_track(facts.track)
    if asked is None:
        return default, f"track {facts.track!r} is not in course.toml; graded on {default.id}"
    if asked.requires_approval and not facts.track_approved:
        return default, f"{asked.id} awaits approval; graded on {default.id} until then"
    return asked, ""


def assessment_items(
    rules: GradingRules, items: Iterable[Assessment], facts: StudentFacts, as_of: dt.datetime
) -> list[ItemResult]:
    results = []
    for assessment in items:
        deadline = facts.extensions.get(assessment.id, assessment.due)
        score = facts.scores.get(assessment.id)
        if score is not None:
            results.append(
                ItemResult(
                    assessment.id,
                    assessment.title,
                    "graded",
                    score.percent,
                    score.points,
                    score.max_points,
                    deadline,
                    score.source,
                )
            )
        elif as_of > deadline:
            results.append(
                ItemResult(
                    assessment.id,
                    assessment.title,
                    "missing",
                    0.0,
                    0.0,
                    assessment.max_points,
                    deadline,
                    "not handed in by the deadline",
                )
            )
        else:
            results.append(
                ItemResult(
                    assessment.id,
                    assessment.title,
                    "pending",
                    None,
                    None,
                    assessment.max_points,
                    deadline,
                )
            )
    return results


def _aggregate(
    policy: GradingPolicy, component: GradeComponent, items: list[ItemResult]
) -> tuple[float | None, list[ItemResult]]:
    counted = [item for item in items if item.percent is not None]
    if not counted:
        return None, items
    if component.origin == "homework" and policy.homework.aggregate == "drop-lowest":
        drop = min(policy.homework.drop, len(counted) - 1)
        # lowest first; ties broken by the order of the assessments, so the result is stable
        order = sorted(range(len(counted)), key=lambda i: (counted[i].percent, i))
        dropped = {counted[i].assessment for i in order[:drop]}
        items = [replace(i, status="dropped") if i.assessment in dropped else i for i in items]
        counted = [item for item in counted if item.assessment not in dropped]
    return sum(item.percent or 0.0 for item in counted) / len(counted), items


def duty_fraction(policy: GradingPolicy, duty: DutyFact) -> float | None:
    """A duty's fraction of the write-up weight; None while it cannot be judged yet (``pending``:
    not due; ``undated``: the note is there but its submission time is unknown)."""
    formula = policy.write_up
    return {
        "complete": formula.on_time,
        "needs-fixes": formula.needs_fixes(duty.errors),
        "unattributed": formula.unattributed,
        "late": formula.late,
        "too-late": formula.missing,  # later than late_limit_days counts as missing
        "missing": formula.missing,
    }.get(duty.state)


def write_up_adjustment(
    policy: GradingPolicy, component: GradeComponent, duties: Iterable[DutyFact]
) -> ComponentResult:
    fractions = [f for f in (duty_fraction(policy, d) for d in duties) if f is not None]
    base = ComponentResult(
        component.id, component.label, component.kind, component.origin, component.weight, "pending"
    )
    if not fractions:
        note = "no scribe duty due yet" if duties else "no scribe duty (or no status imported)"
        return replace(base, status="not applicable" if not duties else "pending", note=note)
    fraction = max(-1.0, min(1.0, sum(fractions) / len(fractions)))
    return replace(
        base,
        status="graded",
        percent=100.0 * fraction,
        points=fraction * component.weight,
        note=f"{len(fractions)} duties due, mean fraction {fraction:+.2f}",
    )


def forum_points(policy: GradingPolicy, forum: ForumFact) -> float:
    """The formula's points before the cap."""
    formula = policy.forum
    return (
        formula.per_answer * forum.answers
        + formula.per_endorsed_answer * forum.endorsed_answers
        + formula.per_post * forum.posts
        + formula.per_day_online * forum.days_online
    )


def forum_bonus(
    policy: GradingPolicy, component: GradeComponent, forum: ForumFact | None
) -> ComponentResult:
    base = ComponentResult(
        component.id, component.label, component.kind, component.origin, component.weight, "graded"
    )
    if forum is None:
        return replace(base, status="not applicable", note="no forum activity imported")
    raw = forum_points(policy, forum)
    points = min(component.weight, max(0.0, raw))
    note = (
        f"{forum.platform}: {forum.answers} answers ({forum.endorsed_answers} endorsed), "
        f"{forum.posts} posts, {forum.days_online} days online"
        + (f"; {raw:g} points capped at {component.weight:g}" if raw > component.weight else "")
    )
    return replace(base, percent=100.0 * points / component.weight, points=points, note=note)


def round_total(total: float, rounding: Rounding) -> float:
    """The total rounded as the course says, computed in decimal (92.5 is exactly 92.5)."""
    quantum = Decimal(1).scaleb(-rounding.decimals)
    return float(Decimal(repr(total)).quantize(quantum, rounding=_ROUNDING[rounding.mode]))


def letter_for(policy: GradingPolicy, rounded: float) -> str:
    for grade in policy.letters:
        if rounded >= grade.min:
            return grade.letter
    return policy.letters[-1].letter  # a negative total: the lowest letter


def _core_component(
    rules: GradingRules,
    component: GradeComponent,
    facts: StudentFacts,
    as_of: dt.datetime,
) -> ComponentResult:
    items = assessment_items(rules, rules.items_of(component), facts, as_of)
    percent, items = _aggregate(rules.policy, component, items)
    pending = sum(1 for item in items if item.status == "pending")
    if percent is None:
        status: ComponentStatus = "pending"
    else:
        status = "partial" if pending else "graded"
    return ComponentResult(
        component.id,
        component.label,
        component.kind,
        component.origin,
        component.weight,
        status,
        percent,
        0.0 if percent is None else component.weight * percent / 100.0,
        tuple(items),
    )


def _overridden(component: GradeComponent, value: float) -> ComponentResult:
    if component.kind == "core":
        percent, points = value, component.weight * value / 100.0
    else:
        percent, points = 100.0 * value / component.weight, value
    return ComponentResult(
        component.id,
        component.label,
        component.kind,
        component.origin,
        component.weight,
        "what-if",
        percent,
        points,
        note="what-if value",
    )


def grade_student(
    rules: GradingRules,
    facts: StudentFacts,
    as_of: dt.datetime,
    overrides: Mapping[str, float] | None = None,
) -> GradeResult:
    """One student's grade as of ``as_of``. ``overrides`` (what-if) maps a component id to its
    percent (core) or its points (adjustment, bonus)."""
    overrides = overrides or {}
    policy = rules.policy
    track, note = effective_track(policy, facts)
    results: list[ComponentResult] = []
    for component in track.components:
        if component.id in overrides:
            results.append(_overridden(component, overrides[component.id]))
        elif component.kind == "core":
            results.append(_core_component(rules, component, facts, as_of))
        elif component.origin == "scribe-status":
            results.append(write_up_adjustment(policy, component, facts.duties))
        else:
            results.append(forum_bonus(policy, component, facts.forum))
    core = [r for r in results if r.kind == "core"]
    counted_weight = sum(r.weight for r in core if r.percent is not None)
    earned = sum(r.points for r in core)
    core_points = earned / counted_weight * track.core_weight if counted_weight else 0.0
    adjustment = sum(r.points for r in results if r.kind == "adjustment")
    bonus = sum(r.points for r in results if r.kind == "bonus")
    total = core_points + adjustment + bonus
    rounded = round_total(total, policy.rounding)
    pending_weight = sum(r.weight * (1.0 if r.percent is None else _pending_share(r)) for r in core)
    return GradeResult(
        netid=facts.netid,
        name=facts.name,
        track=track.id,
        track_note=note,
        components=tuple(results),
        core=core_points,
        adjustment=adjustment,
        bonus=bonus,
        total=total,
        rounded=rounded,
        letter=letter_for(policy, rounded),
        final=pending_weight == 0 and not any(r.status == "pending" for r in results),
        pending_weight=pending_weight,
    )


def _pending_share(result: ComponentResult) -> float:
    if not result.items:
        return 0.0
    return sum(1 for i in result.items if i.status == "pending") / len(result.items)


def grade_all(
    rules: GradingRules, students: Iterable[StudentFacts], as_of: dt.datetime
) -> list[GradeResult]:
    return [grade_student(rules, facts, as_of) for facts in students]


# -- what-if -------------------------------------------------------------------------------
class WhatIfError(ValueError):
    """A --set that names nothing in the track or gives a value out of range."""


def what_if(
    rules: GradingRules,
    facts: StudentFacts,
    changes: Mapping[str, float],
    as_of: dt.datetime,
) -> GradeResult:
    """The grade with some values changed: an assessment id sets that assessment's percent; a
    component id sets a core component's percent, or an adjustment's or a bonus's points."""
    track, _ = effective_track(rules.policy, facts)
    scores = dict(facts.scores)
    overrides: dict[str, float] = {}
    for key, value in changes.items():
        assessment = rules.assessment(key)
        component = next((c for c in track.components if c.id == key), None)
        if assessment is not None and assessment.source in ("homework", "scores"):
            if not any(c.id == assessment.component for c in track.components):
                raise WhatIfError(f"{key}: not part of the {track.id} track")
            _check_range(key, value, 0, 100, "percent")
            scores[key] = ScoreFact(
                value * assessment.max_points / 100.0, assessment.max_points, "what-if"
            )
        elif component is not None:
            low, high, unit = {
                "core": (0.0, 100.0, "percent"),
                "adjustment": (-component.weight, component.weight, "points"),
                "bonus": (0.0, component.weight, "points"),
            }[component.kind]
            _check_range(key, value, low, high, unit)
            overrides[key] = value
        else:
            known = sorted(
                {c.id for c in track.components}
                | {a.id for c in track.components for a in rules.items_of(c)}
            )
            raise WhatIfError(f"{key}: no such assessment or component; known: {', '.join(known)}")
    return grade_student(rules, replace(facts, scores=scores), as_of, overrides)


def _check_range(key: str, value: float, low: float, high: float, unit: str) -> None:
    if not low <= value <= high:
        raise WhatIfError(f"{key}={value:g}: give {unit} from {low:g} to {high:g}")
