"""The grading rules of ``[grading]`` beyond the tracks: letter cut-offs, rounding, how homework
is aggregated, and the two formulas that turn outside data into grade points — the write-up
adjustment from ``dlcourse scribe status`` and the forum bonus from a Piazza or Ed Discussion
export. The gradebook (``dlcourse.grades``) applies them; none of their numbers live there.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator, model_validator

from dlcourse.course.errors import ConfigValueError
from dlcourse.course.notes_settings import Strict


class LetterGrade(Strict):
    """A letter and the lowest (rounded) total that earns it."""

    letter: str = Field(min_length=1, max_length=4)
    min: float = Field(ge=0, le=200)


# A common US scale (A ≥ 93 … D ≥ 65, F below). The 2020 course page publishes no cut-offs, so
# a course states its own in [[grading.letters]]; this is only the default when it does not.
DEFAULT_LETTERS: tuple[tuple[str, float], ...] = (
    ("A", 93),
    ("A-", 90),
    ("B+", 87),
    ("B", 83),
    ("B-", 80),
    ("C+", 77),
    ("C", 73),
    ("C-", 70),
    ("D+", 67),
    ("D", 65),
    ("F", 0),
)


def default_letters() -> list[LetterGrade]:
    return [LetterGrade(letter=letter, min=minimum) for letter, minimum in DEFAULT_LETTERS]


def check_letters(letters: list[LetterGrade]) -> list[LetterGrade]:
    """Cut-offs from highest to lowest, each letter once, the lowest at 0 (it takes every total
    below the next one, negative totals included: the write-up can lower a grade below zero)."""
    if not letters:
        raise ConfigValueError("give at least one letter", 'e.g. { letter = "F", min = 0 }')
    names = [grade.letter for grade in letters]
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise ConfigValueError(
            f"letters repeat: {', '.join(repeated)}", "give each letter one cut-off"
        )
    minimums = [grade.min for grade in letters]
    for higher, lower in pairwise(letters):
        if lower.min >= higher.min:
            raise ConfigValueError(
                f"cut-offs must fall from the first letter to the last: {higher.letter} "
                f"{higher.min:g} is followed by {lower.letter} {lower.min:g}",
                "list the letters from the best (highest min) to the worst",
            )
    if minimums[-1] != 0:
        raise ConfigValueError(
            f"the last letter ({letters[-1].letter}) has min {minimums[-1]:g}, not 0",
            "the lowest letter takes every total below the next cut-off: give it min = 0",
        )
    return letters


class Rounding(Strict):
    """How the total is rounded before its letter is looked up (the letter follows the rounded
    total: 92.5 rounds to 93 and earns an A with ``decimals = 0, mode = "half-up"``)."""

    decimals: int = Field(0, ge=0, le=4)
    mode: Literal["half-up", "half-even", "down", "up"] = Field(
        "half-up",
        description="half-up: 92.5 → 93; half-even: 92.5 → 92; down: truncate; up: ceiling.",
    )


class HomeworkGrading(Strict):
    """The homework component from its assignments: their mean, or the mean after dropping each
    student's lowest ``drop`` scores (counted homework only; at least one always counts)."""

    aggregate: Literal["mean", "drop-lowest"] = "mean"
    drop: int = Field(1, ge=1, description="How many lowest scores drop-lowest drops.")


class WriteUpFormula(Strict):
    """The write-up adjustment from ``dlcourse scribe status`` (``dlcourse.scribe-status/1``).

    Each duty earns a fraction in −1…+1 from its state; the student's fraction is the mean over
    their duties that are due (a duty not yet due counts for nothing yet); the adjustment is
    that fraction × the weight of the ``component`` in the student's track — so with weight 10 it
    never leaves −10…+10. ``scribe status`` uses the same numbers for its own report.
    """

    component: str = Field("write-up", description="Grade component id the adjustment feeds.")
    on_time: float = Field(1.0, ge=-1, le=1, description="On time, clean and attributed.")
    late: float = Field(-0.5, ge=-1, le=1, description="Submitted after the due time.")
    missing: float = Field(-1.0, ge=-1, le=1, description="Not submitted.")
    unattributed: float = Field(0.0, ge=-1, le=1, description="On time, name not in authors.")
    per_error: float = Field(0.1, ge=0, le=2, description="Taken off per checker error (on time).")
    max_error_penalty: float = Field(0.5, ge=0, le=2, description="Most taken off for errors.")
    late_limit_days: float | None = Field(
        14, ge=0, description="Later than this many days counts as missing (None: never)."
    )

    def needs_fixes(self, errors: int) -> float:
        """Fraction of an on-time, attributed duty with ``errors`` checker errors (≥ −1)."""
        penalty = min(max(errors, 0) * self.per_error, self.max_error_penalty)
        return max(-1.0, round(self.on_time - penalty, 6))


class ForumFormula(Strict):
    """The forum bonus from a participation export (Piazza class statistics or Ed Discussion
    analytics): points per counted activity, the sum capped at the ``component``'s weight."""

    component: str = Field("forum", description="Grade component id the bonus feeds.")
    per_answer: float = Field(0.25, ge=0, description="Bonus points per answer to a question.")
    per_endorsed_answer: float = Field(
        0.5, ge=0, description="Extra points per answer an instructor endorsed (or accepted)."
    )
    per_post: float = Field(0.0, ge=0, description="Points per question, note or follow-up.")
    per_day_online: float = Field(0.0, ge=0, description="Points per day online (active).")

    @model_validator(mode="after")
    def _something_counts(self) -> ForumFormula:
        if not any((self.per_answer, self.per_endorsed_answer, self.per_post, self.per_day_online)):
            raise ConfigValueError(
                "every per_* rate is 0: the forum bonus could never be earned",
                "give per_answer (or another rate) a positive value, or drop the forum component",
            )
        return self

    @field_validator("component")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ConfigValueError("component is empty", "name the forum component, e.g. 'forum'")
        return value
