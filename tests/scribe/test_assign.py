from __future__ import annotations

from collections import Counter

import pytest

from dlcourse.scribe import (
    AssignOptions,
    assign,
    explain,
    parse_signups,
    roster_csv,
)
from dlcourse.scribe.roster import parse_roster
from dlcourse.scribe.slots import slot_priority


def per_slot(roster):
    return {slot.key: roster.counts(slot.key) for slot in roster.slots}


def test_240_students_fill_every_slot_and_nobody_twice(course, slots, make_sheet):
    sheet = make_sheet(240, seed=11)
    result = assign(slots, sheet, course.scribe, AssignOptions(seed=5))
    counts = per_slot(result.roster)
    assert all(writers >= 3 and editors == 1 for writers, editors in counts.values())
    assert all(writers <= 3 + 1 for writers, _ in counts.values())  # one extra writer at most
    duties = Counter(p.student.id for p in result.roster.placements)
    assert max(duties.values()) == 1
    report = result.report
    assert report.size == "too-large"
    assert report.placed == 200 and report.reserve == 40 and report.extra_writers == 40
    placed = set(duties) | {s.id for s in result.roster.reserve}
    assert placed == {s.id for s in sheet.signups}  # every student: a duty or the reserve list
    assert report.week.share is not None and report.week.share > 0.85
    assert report.parties.asked and report.parties.share == 1.0


def test_assignment_is_deterministic_for_a_sheet_and_seed(course, slots, make_sheet):
    sheet = make_sheet(240, seed=11)
    first = roster_csv(assign(slots, sheet, course.scribe, AssignOptions(seed=5)).roster)
    again = roster_csv(assign(slots, sheet, course.scribe, AssignOptions(seed=5)).roster)
    other = roster_csv(assign(slots, sheet, course.scribe, AssignOptions(seed=6)).roster)
    assert first == again
    assert first != other


def test_exact_fit_is_exactly_three_plus_one(course, slots, make_sheet):
    result = assign(slots, make_sheet(160, seed=3), course.scribe)
    assert set(per_slot(result.roster).values()) == {(3, 1)}
    assert result.report.size == "fits" and result.report.reserve == 0


def test_reserve_list_holds_the_latest_signups(course, slots, make_sheet):
    sheet = make_sheet(400, seed=4)
    result = assign(slots, sheet, course.scribe, AssignOptions(overflow="reserve"))
    assert set(per_slot(result.roster).values()) == {(3, 1)}
    assert [s.id for s in result.roster.reserve] == [s.id for s in sheet.signups[160:]]
    assert "reserve list" in result.report.notes[0]
    lines = explain(result, result.roster.reserve[0].id)
    assert any("reserve list, position 1 of 240" in line for line in lines)


def test_more_extra_writers_place_a_large_class(course, slots, make_sheet):
    result = assign(slots, make_sheet(240), course.scribe, AssignOptions(max_extra_writers=2))
    assert result.report.reserve == 0
    assert set(per_slot(result.roster).values()) == {(5, 1)}
    duty = result.roster.duties()[1]
    assert duty.role == "writer" and (duty.time_slice.start, duty.time_slice.end) == (0, 10)


def test_30_students_staff_whole_groups_in_priority_order(course, slots, make_sheet):
    result = assign(slots, make_sheet(30, seed=8), course.scribe)
    report = result.report
    assert report.size == "too-small"
    counts = per_slot(result.roster)
    staffed = [key for key, (w, e) in counts.items() if w + e]
    assert all(counts[key][0] >= 3 and counts[key][1] == 1 for key in staffed)
    assert len(staffed) == 7 and report.extra_writers == 2  # 7 groups of 4 + 2 extra writers
    ranked = [slot.key for slot in sorted(slots, key=slot_priority)]
    assert sorted(staffed, key=ranked.index) == ranked[:7]
    assert report.empty_slots == ranked[7:]
    assert len({p.student.id for p in result.roster.placements}) == 30


def test_second_duty_staffs_more_slots(course, slots, make_sheet):
    result = assign(slots, make_sheet(30, seed=8), course.scribe, AssignOptions(max_duties=2))
    duties = Counter(p.student.id for p in result.roster.placements)
    assert set(duties.values()) == {2}
    assert result.report.second_duties == 30
    for student in duties:  # never twice in one slot
        mine = [p.slot for p in result.roster.placements if p.student.id == student]
        assert len(set(mine)) == len(mine)
    staffed = [k for k, (w, e) in per_slot(result.roster).items() if w + e]
    assert len(staffed) == 15


def test_preferences_and_roles_are_honoured(course, calendar, slots):
    body = "".join(
        f"S{i},s{i}@nyu.edu,,,{'05-1' if i < 4 else ''},{'editor' if i == 0 else ''},\n"
        for i in range(160)
    )
    sheet = parse_signups("Name,Email,Track,Weeks,Meetings,Role,With\n" + body, course, calendar)
    result = assign(slots, sheet, course.scribe)
    group = result.roster.placements_in("05-1")
    assert {p.student.name for p in group} == {"S0", "S1", "S2", "S3"}
    assert next(p for p in group if p.role == "editor").student.name == "S0"


def test_friends_are_kept_together(course, calendar, slots):
    body = (
        "Ana,a@nyu.edu,,2,,,Bo; Cy\nBo,b@nyu.edu,,9,,,\nCy,c@nyu.edu,,,,,\nDee,d@nyu.edu,,,,,Eve\n"
        "Eve,e@nyu.edu,,,,,\n"
    )
    sheet = parse_signups("Name,Email,Track,Weeks,Meetings,Role,With\n" + body, course, calendar)
    result = assign(slots, sheet, course.scribe, AssignOptions(max_extra_writers=1))
    where = {p.student.name: p.slot for p in result.roster.placements}
    assert where["Ana"] == where["Bo"] == where["Cy"]
    assert where["Dee"] == where["Eve"]
    assert result.report.parties.honoured == 2


@pytest.mark.slow
def test_locking_keeps_placements_and_places_late_signups(course, calendar, slots, make_sheet):
    early = make_sheet(150, seed=9)
    first = assign(slots, early, course.scribe, AssignOptions(seed=1))
    locked = parse_roster(roster_csv(first.roster), slots)
    late = make_sheet(170, seed=9)  # the same 150 rows, then 20 more
    assert [s.id for s in late.signups[:150]] == [s.id for s in early.signups]
    second = assign(slots, late, course.scribe, AssignOptions(seed=99), locked)
    before = {(p.student.id, p.slot, p.role) for p in first.roster.placements}
    after = {(p.student.id, p.slot, p.role) for p in second.roster.placements}
    assert before <= after
    assert second.report.locked == 150 and second.report.placed == 170
    assert set(per_slot(second.roster).values()) <= {(3, 1), (4, 1)}
    new = {s.id for s in late.signups[150:]}
    assert "placed by an earlier run" not in " ".join(explain(second, sorted(new)[0]))
    assert "locked" in " ".join(explain(second, early.signups[0].id))


def test_explain_names_the_wishes_and_the_result(course, slots, make_sheet):
    sheet = make_sheet(160, seed=2)
    result = assign(slots, sheet, course.scribe)
    lines = explain(result, sheet.signups[0].name)
    assert lines[0].startswith(sheet.signups[0].name) and lines[1].startswith("assigned")
    (line,) = explain(result, "nobody@example.org")
    assert line.startswith("no student named/with id 'nobody@example.org' in the sheet or")
    (line,) = explain(result, sheet.signups[0].name[:-1])  # a typo: the student is suggested
    assert f"close matches: {sheet.signups[0].name} ({sheet.signups[0].id})" in line
