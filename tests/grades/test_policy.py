"""The grading policy as pure functions: examples from the course page, and properties that must
hold for any scores (hypothesis): weights add up (a track whose weights miss 100 is refused; full
marks make exactly 100), monotone in every score, the bonus never passes its cap, the adjustment
never leaves ±weight."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse.course import Course, load_course
from dlcourse.course.errors import CourseError
from dlcourse.course.loader import parse_course
from dlcourse.grades.policy import (
    DutyFact,
    ForumFact,
    GradingRules,
    ScoreFact,
    StudentFacts,
    WhatIfError,
    grade_student,
    round_total,
    what_if,
)

EXAMPLE = load_course(None)
RULES = GradingRules.from_course(EXAMPLE)
AFTER_TERM = dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
MID_TERM = dt.datetime(2020, 3, 10, tzinfo=dt.UTC)  # hw1, hw2 due; hw3, midterm, project not
SCORED = [a.id for a in RULES.assessments if a.source in ("homework", "scores")]


def facts(**scores: float) -> StudentFacts:
    return StudentFacts(netid="ab1001", scores={k: ScoreFact(v, 100.0) for k, v in scores.items()})


def test_the_course_page_policy_30_30_30_pm10_plus5() -> None:
    student = StudentFacts(
        netid="ab1001",
        scores={
            k: ScoreFact(v, 100.0)
            for k, v in dict(hw1=90, hw2=80, hw3=70, midterm=60, project=100).items()
        },
        duties=(DutyFact("01-1", "writer", "late"),),
        forum=ForumFact("piazza", answers=40, endorsed_answers=10),
    )
    result = grade_student(RULES, student, AFTER_TERM)
    assert result.track == "undergraduate-masters"
    assert result.component("homework").points == pytest.approx(24.0)  # 30 × 80 %
    assert result.core == pytest.approx(24 + 18 + 30)
    assert result.adjustment == pytest.approx(-5.0)  # a late write-up: −0.5 × 10
    assert result.bonus == 5.0  # 40 × 0.25 + 10 × 0.5 = 15 → capped at 5
    assert result.total == pytest.approx(72.0) and result.letter == "C-" and result.final


def test_missing_work_is_zero_only_after_its_deadline_and_the_extension() -> None:
    student = facts(hw1=90)
    early = grade_student(RULES, student, MID_TERM)
    homework = early.component("homework")
    assert [i.status for i in homework.items] == ["graded", "missing", "pending"]
    assert homework.percent == pytest.approx(45.0) and homework.status == "partial"
    assert not early.final and early.pending_weight > 0
    extended = StudentFacts(
        netid="x",
        scores=student.scores,
        extensions={"hw2": dt.datetime(2020, 3, 20, tzinfo=dt.UTC)},
    )
    assert grade_student(RULES, extended, MID_TERM).component("homework").percent == 90.0
    # pending core components do not count: the standing renormalises over what is due
    assert early.core == pytest.approx(45.0 / 100 * 90)


def test_drop_lowest_drops_each_students_lowest_counted_homework(tmp_path) -> None:
    source = EXAMPLE.config_path.read_text().replace(
        'aggregate = "mean"    # or "drop-lowest" with drop = 1',
        'aggregate = "drop-lowest"\ndrop = 1',
    )
    rules = GradingRules.from_course(parse_course(source))
    result = grade_student(rules, facts(hw1=50, hw2=90, hw3=70), AFTER_TERM)
    homework = result.component("homework")
    assert homework.percent == 80.0
    assert [i.status for i in homework.items] == ["dropped", "graded", "graded"]
    only_one = grade_student(rules, facts(hw1=40), MID_TERM).component("homework")
    assert only_one.percent == 40.0  # hw2 missing (0) is dropped, hw1 counts


def test_drop_lowest_must_leave_one_homework() -> None:
    source = EXAMPLE.config_path.read_text().replace(
        'aggregate = "mean"    # or "drop-lowest" with drop = 1',
        'aggregate = "drop-lowest"\ndrop = 3',
    )
    with pytest.raises(CourseError, match="drops 3 of 3 homework"):
        parse_course(source)


def test_doctoral_track_counts_once_approved() -> None:
    asked = StudentFacts(
        netid="x",
        track="phd",
        scores={"research": ScoreFact(80, 100), "midterm": ScoreFact(60, 100)},
    )
    waiting = grade_student(RULES, asked, AFTER_TERM)
    assert waiting.track == "undergraduate-masters" and "awaits approval" in waiting.track_note
    approved = grade_student(
        RULES, StudentFacts(**{**asked.__dict__, "track_approved": True}), AFTER_TERM
    )
    assert approved.track == "doctoral" and approved.core == pytest.approx(48 + 18)


@pytest.mark.parametrize(
    ("total", "mode", "decimals", "expected"),
    [
        (92.5, "half-up", 0, 93),
        (92.5, "half-even", 0, 92),
        (92.49999999, "half-up", 0, 92),
        (89.99, "down", 0, 89),
        (89.01, "up", 0, 90),
        (86.675, "half-up", 2, 86.68),  # decimal, not binary: 86.675 stays 86.675
    ],
)
def test_rounding_modes(total: float, mode: str, decimals: int, expected: float) -> None:
    from dlcourse.course.grading_settings import Rounding

    assert round_total(total, Rounding(decimals=decimals, mode=mode)) == expected


def test_letters_follow_the_rounded_total() -> None:
    # 92.5 rounds to 93: an A, though the unrounded total is below the cut-off
    student = facts(hw1=92.5, hw2=92.5, hw3=92.5, midterm=92.5, project=92.5)
    result = grade_student(RULES, student, AFTER_TERM)
    assert result.total == pytest.approx(83.25)  # 90 % of 92.5; no write-up duty, no forum
    assert result.letter == "B" and result.rounded == 83


def test_letter_cut_offs_are_validated() -> None:
    text = EXAMPLE.config_path.read_text()
    bad = text.replace('letter = "F"\nmin = 0', 'letter = "F"\nmin = 10')
    with pytest.raises(CourseError, match="has min 10, not 0"):
        parse_course(bad)
    unordered = text.replace('letter = "A-"\nmin = 90', 'letter = "A-"\nmin = 95')
    with pytest.raises(CourseError, match="must fall"):
        parse_course(unordered)


def test_formula_components_must_match_the_tracks() -> None:
    text = EXAMPLE.config_path.read_text().replace(
        'component = "forum"\nper_answer', 'component = "piazza"\nper_answer'
    )
    with pytest.raises(CourseError, match=r"\[grading.forum\], whose component is 'piazza'"):
        parse_course(text)


def test_what_if_sets_percent_or_points_and_checks_ranges() -> None:
    base = facts(hw1=80, hw2=80, hw3=80, midterm=50, project=80)
    now = grade_student(RULES, base, AFTER_TERM)
    better = what_if(RULES, base, {"midterm": 80}, AFTER_TERM)
    assert better.total == pytest.approx(now.total + 9.0)
    assert what_if(RULES, base, {"write-up": -10}, AFTER_TERM).adjustment == -10
    assert what_if(RULES, base, {"homework": 100}, AFTER_TERM).component("homework").points == 30
    for change, message in (
        ({"midterm": 120}, "from 0 to 100"),
        ({"forum": 6}, "from 0 to 5"),
        ({"research": 90}, "not part of the undergraduate-masters track"),
        ({"quiz": 1}, "no such assessment"),
    ):
        with pytest.raises(WhatIfError, match=message):
            what_if(RULES, base, change, AFTER_TERM)


# -- properties ----------------------------------------------------------------------------
percent = st.floats(min_value=0, max_value=100, allow_nan=False)
states = st.sampled_from(["complete", "needs-fixes", "unattributed", "late", "missing", "pending"])
duties = st.lists(
    st.builds(
        DutyFact,
        slot=st.text(min_size=1, max_size=5),
        role=st.just("writer"),
        state=states,
        errors=st.integers(0, 50),
    ),
    max_size=6,
)
forums = st.none() | st.builds(
    ForumFact,
    platform=st.just("piazza"),
    posts=st.integers(0, 10_000),
    answers=st.integers(0, 10_000),
    endorsed_answers=st.integers(0, 10_000),
    days_online=st.integers(0, 365),
)
score_maps = st.dictionaries(st.sampled_from(SCORED), percent)
moments = st.sampled_from([MID_TERM, AFTER_TERM, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)])
tracks = st.sampled_from([None, "doctoral"])


def _facts(scores, duty_list=(), forum=None, track=None) -> StudentFacts:
    return StudentFacts(
        netid="p",
        track=track,
        track_approved=True,
        scores={k: ScoreFact(v, 100.0) for k, v in scores.items()},
        duties=tuple(duty_list),
        forum=forum,
    )


def test_core_and_adjustment_weights_add_up_to_100_in_every_track() -> None:
    for course in (EXAMPLE,):
        for track in course.grading.tracks:
            assert track.core_weight + track.adjustment_weight == 100
            assert all(c.weight > 0 for c in track.components)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 45), st.integers(1, 45), st.integers(1, 45), st.integers(1, 30), st.booleans()
)
@pytest.mark.slow
def test_weights_that_miss_100_are_refused_and_full_marks_make_exactly_100(
    homework: int, midterm: int, project: int, other: int, balanced: bool
) -> None:
    write_up = 100 - homework - midterm - project if balanced else other
    if write_up <= 0:
        write_up = other
    weights = {"homework": homework, "midterm": midterm, "project": project, "write-up": write_up}
    text = EXAMPLE.config_path.read_text()
    for component, weight in weights.items():  # the first track's line of each: undergraduate
        text, found = re.subn(
            rf'(\{{ id = "{component}", [^}}]*weight = )\d+', rf"\g<1>{weight}", text, count=1
        )
        assert found == 1, component
    if sum(weights.values()) != 100:
        with pytest.raises(CourseError, match=f"add up to {sum(weights.values())}, not 100"):
            parse_course(text)
        return
    course = parse_course(text)
    rules = GradingRules.from_course(course)
    full = StudentFacts(
        netid="ab1001",
        scores={a: ScoreFact(100.0, 100.0) for a in SCORED if a != "research"},
        duties=(DutyFact("1", "writer", "complete"),),
    )
    result = grade_student(rules, full, AFTER_TERM)
    assert {c.id: c.weight for c in result.components if c.kind != "bonus"} == weights
    assert result.total == pytest.approx(100.0) and result.bonus == 0


@settings(max_examples=150, deadline=None)
@given(score_maps, duties, forums, moments, tracks, st.sampled_from(SCORED), percent)
@pytest.mark.slow
def test_the_grade_is_monotone_in_every_score(
    scores, duty_list, forum, moment, track, key, extra
) -> None:
    low = dict(scores)
    low.setdefault(key, 0.0)
    high = dict(low)
    high[key] = min(100.0, low[key] + extra)
    before = grade_student(RULES, _facts(low, duty_list, forum, track), moment)
    after = grade_student(RULES, _facts(high, duty_list, forum, track), moment)
    assert after.total >= before.total - 1e-9
    assert after.rounded >= before.rounded
    letters = [g.letter for g in EXAMPLE.grading.letters]
    assert letters.index(after.letter) <= letters.index(before.letter)


@settings(max_examples=150, deadline=None)
@given(score_maps, duties, forums, moments, tracks)
@pytest.mark.slow
def test_bonus_and_adjustment_stay_within_their_weights(
    scores, duty_list, forum, moment, track
) -> None:
    result = grade_student(RULES, _facts(scores, duty_list, forum, track), moment)
    for component in result.components:
        if component.kind == "bonus":
            assert 0 <= component.points <= component.weight
        if component.kind == "adjustment":
            assert -component.weight <= component.points <= component.weight
    assert -10 <= result.adjustment <= 10 and 0 <= result.bonus <= 5
    assert -10 <= result.total <= 105 + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(SCORED), percent, min_size=len(SCORED), max_size=len(SCORED))
)
def test_with_everything_graded_the_core_is_the_weighted_sum(scores) -> None:
    result = grade_student(RULES, _facts(scores), AFTER_TERM)
    homework = sum(scores[h.id] for h in EXAMPLE.homework) / len(EXAMPLE.homework)
    expected = 0.3 * homework + 0.3 * scores["midterm"] + 0.3 * scores["project"]
    assert result.core == pytest.approx(expected) and result.final


def test_course_fixture_is_the_example(course: Course) -> None:
    assert GradingRules.from_course(course).assessments == RULES.assessments
