"""Propose subsection start times by aligning a note's text with the lecture transcript.

Every transcript cue is labelled with the subsection it talks about, in order: a monotonic
segmentation found by dynamic programming that maximises the TF-IDF similarity between each cue
(smoothed over its neighbours) and its subsection's text. Cues before the first subsection and
after the last one take a "not this note" label worth a constant threshold, so intro chatter and
the other part of a shared lecture video are left out. A subsection starts at its first cue.
The part's share of the video (from the course calendar) bounds the search.

A translation whose English source has time stamps takes the source's stamps instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlcourse.notes.document import Heading, NoteDocument, parse_note
from dlcourse.notes.transcript import Cue, Transcript, load_transcript, transcript_for
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
TAU_QUANTILE = 0.6  # threshold of the "not this note" label: a quantile of all similarities
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


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vector = {w: (1 + math.log(c)) * idf.get(w, 0.0) for w, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {w: v / norm for w, v in vector.items()}


def target_headings(doc: NoteDocument) -> list[Heading]:
    """The headings that open writers' subsections: the stamped ones, or else the note's
    top-level headings."""
    stamped = [h for h in doc.headings if h.stamp is not None]
    if stamped:
        return stamped
    return [section.heading for section in doc.sections]


def _segment_texts(doc: NoteDocument, headings: list[Heading]) -> list[str]:
    texts = []
    for position, heading in enumerate(headings):
        end = headings[position + 1].line - 1 if position + 1 < len(headings) else len(doc.lines)
        body = "\n".join(doc.lines[heading.line - 1 : end])
        texts.append(heading.title + " " + heading.title + " " + body)
    return texts


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


def align(
    texts: list[str],
    transcript: Transcript,
    window: tuple[float, float] | None = None,
    smooth: int = 5,
) -> list[tuple[int, float]]:
    """(start seconds, confidence) for each text, in order, from the transcript's cues."""
    cues = split_long_cues(list(transcript.cues))
    cues = [c for c in cues if window is None or window[0] <= c.start <= window[1]]
    if not cues or not texts:
        raise ProposalError("the transcript has no cues in this part's share of the video")
    cue_tokens = [Counter(tokens(c.text)) for c in cues]
    text_tokens = [Counter(tokens(t)) for t in texts]
    documents = cue_tokens + text_tokens
    df: Counter = Counter()
    for counts in documents:
        df.update(counts.keys())
    n = len(documents)
    idf = {w: math.log((n + 1) / (d + 0.5)) for w, d in df.items()}
    sub_vectors = [_vector(c, idf) for c in text_tokens]
    raw = []
    for counts in cue_tokens:
        vector = _vector(counts, idf)
        raw.append([sum(v * sub.get(w, 0.0) for w, v in vector.items()) for sub in sub_vectors])
    m, k = len(cues), len(texts)
    sim = []
    for j in range(m):
        lo, hi = max(0, j - smooth), min(m, j + smooth + 1)
        sim.append([sum(raw[x][i] for x in range(lo, hi)) / (hi - lo) for i in range(k)])
    flat = sorted(value for row in sim for value in row)
    tau = flat[int(len(flat) * TAU_QUANTILE)] if flat else 0.0
    # states: 0 = before, 1..k = subsection, k+1 = after
    states = k + 2
    neg = -1e18
    score = [neg] * states
    score[0] = tau
    score[1] = sim[0][0]
    back: list[list[int]] = []
    for j in range(1, m):
        new = [neg] * states
        choice = [0] * states
        for s in range(states):
            gain = tau if s in (0, k + 1) else sim[j][s - 1]
            stay, move = score[s], score[s - 1] if s > 0 else neg
            if stay >= move:
                new[s], choice[s] = stay + gain, s
            else:
                new[s], choice[s] = move + gain, s - 1
        back.append(choice)
        score = new
    end_state = k + 1 if score[k + 1] >= score[k] else k
    labels = [0] * m
    state = end_state
    for j in range(m - 1, -1, -1):
        labels[j] = state
        if j > 0:
            state = back[j - 1][state]
    results = []
    previous_start = -1
    for i in range(1, k + 1):
        members = [j for j in range(m) if labels[j] == i]
        if members:
            first = members[0]
            head = members[: max(3, len(members) // 5)]
            strength = sum(sim[j][i - 1] for j in head) / len(head)
            confidence = max(0.0, min(1.0, (strength - tau) / (abs(tau) + 1e-9) / 4))
            start = int(cues[first].start)
        else:  # squeezed out: place it right after the previous one, with no confidence
            start, confidence = previous_start + 1, 0.0
        start = max(start, previous_start + 1)
        results.append((start, confidence))
        previous_start = start
    return results


def part_window(course: Any, doc: NoteDocument, duration: float) -> tuple[float, float] | None:
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


def _from_source(doc: NoteDocument, course: Any) -> ProposalResult | None:
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


def _video_siblings(doc: NoteDocument, course: Any) -> list[NoteDocument]:
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


def propose_for_note(
    path: Path, course: Any = None, transcript_path: Path | None = None
) -> ProposalResult:
    doc = parse_note(path, course=course)
    copied = _from_source(doc, course) if transcript_path is None else None
    if copied is not None:
        return copied
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
    mine = 0
    for sibling in _video_siblings(doc, course):
        sibling_headings = target_headings(sibling)
        if sibling is doc or sibling.part == doc.part:
            mine = len(texts)
            sibling_headings = headings
            sibling = doc
        texts.extend(_segment_texts(sibling, sibling_headings))
    window = None if len(texts) > len(headings) else part_window(course, doc, transcript.duration)
    starts = align(texts, transcript, window)[mine : mine + len(headings)]
    proposals = [
        Proposal(h.line, h.title, seconds, confidence, h.stamp.seconds if h.stamp else None)
        for h, (seconds, confidence) in zip(headings, starts, strict=True)
    ]
    video = None
    if course is not None and doc.week and doc.part:
        from dlcourse.notes.meetings import meeting_for

        meeting = meeting_for(course, doc.week, doc.part)
        video = getattr(meeting, "video_id", None)
    return ProposalResult(doc, video, proposals, "transcript")


def write_proposals(path: Path, result: ProposalResult) -> int:
    """Rewrite each proposed heading as ``## [Title](https://www.youtube.com/watch?v=ID&t=Ns)``."""
    if not result.video_id:
        raise ProposalError("the course gives no video id for this part")
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
