"""Propose subsection start times by aligning a note's text with the lecture transcript.

The note's subsections (and those of the other parts on the same video: lecture parts 1 and 2
share one) are aligned with the whole transcript at once, in order — a hidden semi-Markov
segmentation, see :mod:`dlcourse.notes.alignment`. Each proposal carries a calibrated
confidence: how often a proposal whose start the transcript pins down as firmly turned out to be
within a minute of the writers' stamp (counted conservatively on the 2020 sample).
Where the course calendar says a part has only its share of a shared video and the other
parts' notes are missing, that share bounds the search.

A translation whose English source has time stamps takes the source's stamps instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course import Course
from dlcourse.notes.alignment import AlignSettings, Placement, evidence, place
from dlcourse.notes.document import Heading, NoteDocument, parse_note
from dlcourse.notes.transcript import Cue, load_transcript, transcript_for
from dlcourse.util.files import atomic_write_text

_TOKEN = re.compile(r"[a-z][a-z0-9']+|\d+")
_STOP = frozenset(
    """the and for that this with are was were you your have has had but not all can will what
    when which who how then than them they their there these those from into onto out our
    its it's just like very also about would could should some more most such only other any
    each one two over here okay yeah so now well let's we'll we're i'm don't gonna going get
    got thing things way really kind sort because just right see say said know want make
    does did doing done being been there's that's what's it's lot use used using""".split()  # noqa: SIM905
)
SLACK_SECONDS = 600
CUE_SECONDS = 8.0  # longer cues are cut into pieces of about this length (YouTube's are ~4 s)


class ProposalError(ValueError):
    """No proposal possible (no transcript, no headings)."""


@dataclass(frozen=True)
class Proposal:
    line: int
    title: str
    seconds: int
    confidence: float
    current: int | None  # the start the heading already carries


@dataclass(frozen=True)
class ProposalResult:
    doc: NoteDocument
    video_id: str | None
    proposals: list[Proposal]
    source: str  # 'transcript' or the English note it was copied from


def tokens(text: str) -> list[str]:
    out = []
    for word in _TOKEN.findall(text.lower()):
        if len(word) <= 2 or word in _STOP:
            continue
        if word.endswith("s") and len(word) > 4 and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def target_headings(doc: NoteDocument) -> list[Heading]:
    """The headings that open writers' subsections: the stamped ones, or else the note's
    top-level headings."""
    stamped = [h for h in doc.headings if h.stamp is not None]
    if stamped:
        return stamped
    return [section.heading for section in doc.sections]


def _segment_texts(doc: NoteDocument, headings: list[Heading]) -> tuple[list[str], list[int]]:
    """Each subsection's text (its title twice, then its body) and its length in words."""
    texts, words = [], []
    for position, heading in enumerate(headings):
        end = headings[position + 1].line - 1 if position + 1 < len(headings) else len(doc.lines)
        body = "\n".join(doc.lines[heading.line : end])
        texts.append(f"{heading.title} {heading.title} {body}")
        words.append(max(30, len(body.split())))
    return texts, words


def split_long_cues(cues: list[Cue], max_seconds: float = CUE_SECONDS) -> list[Cue]:
    """Cues longer than ``max_seconds`` cut into pieces of about that length, at word
    boundaries, each piece's start interpolated by its character offset in the cue's text
    (speech runs at a roughly even rate inside a cue). A subsection can then start inside a
    long cue instead of at its beginning."""
    out: list[Cue] = []
    for cue in cues:
        duration = cue.end - cue.start
        text = cue.text
        if duration <= max_seconds or len(text) < 2:
            out.append(cue)
            continue
        pieces = max(2, math.ceil(duration / max_seconds))
        per_piece = len(text) / pieces
        offset = 0
        while offset < len(text):
            cut = min(len(text), int(offset + per_piece))
            space = text.find(" ", cut)
            end = len(text) if space < 0 or len(text) - space < per_piece / 3 else space
            start_time = cue.start + duration * offset / len(text)
            end_time = cue.start + duration * end / len(text)
            piece = text[offset:end].strip()
            if piece:
                out.append(Cue(start_time, end_time, piece, cue.line))
            offset = end + 1
    return out


def part_window(
    course: Course | None, doc: NoteDocument, duration: float
) -> tuple[float, float] | None:
    """The part's share of its video: parts that share a video split it by their minutes."""
    if course is None or doc.week is None or doc.part is None:
        return None
    from dlcourse.notes.meetings import week_meetings

    meetings = week_meetings(course, doc.week)
    me = next((m for m in meetings if m.part == doc.part), None)
    if me is None or not me.video_id:
        return None
    shared = [m for m in meetings if m.video_id == me.video_id]
    if len(shared) < 2 or any(m.pattern.minutes is None for m in shared):
        return None
    offset = 0.0
    for meeting in shared:
        length = meeting.pattern.minutes * 60
        if meeting.part == doc.part:
            last = meeting is shared[-1]
            end = duration if last else offset + length + SLACK_SECONDS
            return max(0.0, offset - SLACK_SECONDS), end
        offset += length
    return None


def _from_source(doc: NoteDocument, course: Course | None) -> ProposalResult | None:
    if course is None or doc.language in (None, course.notes.source_language) or not doc.rel_path:
        return None
    source_path = (
        Path(doc.docs_dir or course.docs_dir)
        / course.notes.source_language
        / Path(doc.rel_path).relative_to(doc.language)
    )
    if not source_path.is_file():
        return None
    source = parse_note(source_path, docs_dir=doc.docs_dir, course=course)
    stamps = [s for s in source.subsections if s.start is not None]
    headings = target_headings(doc)
    if not stamps or len(stamps) != len(headings):
        return None
    proposals = [
        Proposal(h.line, h.title, s.start or 0, 1.0, h.stamp.seconds if h.stamp else None)
        for h, s in zip(headings, stamps, strict=True)
    ]
    return ProposalResult(doc, stamps[0].video_id, proposals, source.rel_path or str(source_path))


def _video_siblings(doc: NoteDocument, course: Course | None) -> list[NoteDocument]:
    """The notes of the same language and week whose part shares this note's video, in order
    (just ``[doc]`` when there are none or the course does not say)."""
    if course is None or doc.week is None or doc.part is None or doc.path is None:
        return [doc]
    from dlcourse.notes.meetings import week_meetings

    meetings = week_meetings(course, doc.week)
    me = next((m for m in meetings if m.part == doc.part), None)
    if me is None or not me.video_id:
        return [doc]
    siblings = []
    for meeting in meetings:
        if meeting.video_id != me.video_id:
            continue
        if meeting.part == doc.part:
            siblings.append(doc)
            continue
        path = doc.path.parent / f"{doc.week:02d}-{meeting.part}.md"
        if path.is_file():
            siblings.append(parse_note(path, docs_dir=doc.docs_dir, course=course))
    return siblings or [doc]


@dataclass(frozen=True)
class AlignmentTask:
    """A note's subsections and the texts aligned with its transcript alongside them."""

    doc: NoteDocument
    headings: list[Heading]
    texts: list[str]  # the texts of every part on the video, in order
    words: list[int]
    mine: int  # index of the note's first subsection in ``texts``
    cues: list[Cue]
    opens_video: bool


def alignment_task(
    path: Path, course: Course | None = None, transcript_path: Path | None = None
) -> AlignmentTask:
    """What aligning the note at ``path`` with its transcript takes (raises ProposalError)."""
    doc = parse_note(path, course=course)
    if transcript_path is None:
        transcript_path = transcript_for(path, doc.week, doc.kind, doc.part, course)
        if transcript_path is None and course is not None and doc.language and doc.rel_path:
            english = (
                Path(doc.docs_dir or course.docs_dir)
                / course.notes.source_language
                / Path(doc.rel_path).relative_to(doc.language)
            )
            transcript_path = transcript_for(english, doc.week, doc.kind, doc.part, course)
    if transcript_path is None:
        raise ProposalError(
            f"no transcript beside {path} (lectureNN.sbv, practicumNN.sbv, practicumNNA.sbv …)"
        )
    transcript = load_transcript(transcript_path)
    if transcript is None or not transcript.cues:
        raise ProposalError(f"cannot read a transcript from {transcript_path}")
    headings = target_headings(doc)
    if not headings:
        raise ProposalError(f"{path} has no headings to time-stamp")
    # align every part that shares the video at once, so that neighbouring parts' text
    # claims its own share of the transcript
    texts: list[str] = []
    words: list[int] = []
    mine = 0
    for sibling in _video_siblings(doc, course):
        sibling_headings = target_headings(sibling)
        if sibling is doc or sibling.part == doc.part:
            mine = len(texts)
            sibling_headings = headings
            sibling = doc
        sibling_texts, sibling_words = _segment_texts(sibling, sibling_headings)
        texts.extend(sibling_texts)
        words.extend(sibling_words)
    cues = split_long_cues(list(transcript.cues))
    window = None if len(texts) > len(headings) else part_window(course, doc, transcript.duration)
    if window is not None:
        cues = [cue for cue in cues if window[0] <= cue.start <= window[1]]
    if not cues:
        raise ProposalError("the transcript has no cues in this part's share of the video")
    opens_video = window is None or window[0] <= 0
    return AlignmentTask(doc, headings, texts, words, mine, cues, opens_video)


def proposals_of(task: AlignmentTask, placements: list[Placement]) -> list[Proposal]:
    """The note's own proposals among the placements of every text of its video."""
    mine = placements[task.mine : task.mine + len(task.headings)]
    return [
        Proposal(
            h.line,
            h.title,
            int(place.seconds),
            round(place.confidence, 3),
            h.stamp.seconds if h.stamp else None,
        )
        for h, place in zip(task.headings, mine, strict=True)
    ]


def propose_for_note(
    path: Path,
    course: Course | None = None,
    transcript_path: Path | None = None,
    settings: AlignSettings | None = None,
) -> ProposalResult:
    """A start time for each subsection of the note at ``path``: copied from its English
    source when that is stamped (a translation), else aligned with the transcript."""
    if transcript_path is None:
        copied = _from_source(parse_note(path, course=course), course)
        if copied is not None:
            return copied
    task = alignment_task(path, course, transcript_path)
    found = evidence(task.texts, task.cues, tokens, settings)
    proposals = proposals_of(task, place(found, task.words, settings, opens_video=task.opens_video))
    doc = task.doc
    video = None
    if course is not None and doc.week and doc.part:
        from dlcourse.notes.meetings import meeting_for

        meeting = meeting_for(course, doc.week, doc.part)
        video = getattr(meeting, "video_id", None)
    if not video:  # the course names none yet: the video the headings already link to
        stamps = (h.stamp for h in task.headings if h.stamp is not None)
        video = next((stamp.video_id for stamp in stamps if stamp.video_id), None)
    return ProposalResult(doc, video, proposals, "transcript")


def write_proposals(path: Path, result: ProposalResult) -> int:
    """Rewrite each proposed heading as ``## [Title](https://www.youtube.com/watch?v=ID&t=Ns)``."""
    if not result.video_id:
        raise ProposalError(
            "no video id for this part: neither course.toml ([[weeks]] videos) nor a heading "
            "of the note links the video; add the week's video ids to course.toml"
        )
    text = path.read_text(encoding="utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    changed = 0
    for item in result.proposals:
        raw = lines[item.line - 1]
        marks = re.match(r"^(\s*#{1,6})\s+", raw)
        if not marks:
            continue
        url = f"https://www.youtube.com/watch?v={result.video_id}&t={item.seconds}s"
        title = item.title.replace("[", "\\[").replace("]", "\\]")
        new = f"{marks.group(1)} [{title}]({url})"
        if new != raw:
            lines[item.line - 1] = new
            changed += 1
    atomic_write_text(path, newline.join(lines) + newline)
    return changed
