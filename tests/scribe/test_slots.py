from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dlcourse.scribe import writer_slices


def test_term_has_one_slot_per_meeting_hour(slots, calendar):
    assert len(slots) == 40 == len(calendar.meetings)
    assert all(slot.minutes == 50 for slot in slots)
    assert {slot.key for slot in slots} >= {"01-1", "01-2", "01-3", "04-1"}


def test_part_b_continues_the_video_of_part_a(slots):
    by_key = {slot.key: slot for slot in slots}
    assert by_key["01-1"].video_offset == 0
    assert by_key["01-2"].video_offset == 50  # same video as part A: starts at minute 50
    assert by_key["01-3"].video_offset == 0  # the practicum has its own video
    first = by_key["01-2"].slices(3)[0]
    assert (first.start, first.video_start) == (0, 50)


def test_all_day_lab_uses_minutes_per_hour(slots):
    lab = next(slot for slot in slots if slot.key == "01-3")
    assert lab.meeting.all_day and lab.minutes == 50
    assert [(s.start, s.end) for s in lab.slices(3)] == [(0, 17), (17, 33), (33, 50)]


@given(minutes=st.integers(1, 240), writers=st.integers(1, 12), offset=st.integers(0, 200))
def test_slices_are_contiguous_and_cover_the_hour(minutes, writers, offset):
    pieces = writer_slices(minutes, writers, offset)
    assert len(pieces) == writers
    assert pieces[0].start == 0 and pieces[-1].end == minutes
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start
    assert all(p.video_start == p.start + offset for p in pieces)
    lengths = [p.end - p.start for p in pieces]
    assert max(lengths) - min(lengths) <= 1
