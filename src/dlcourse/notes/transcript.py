"""Video transcripts beside the notes: YouTube SubViewer (``.sbv``), SubRip (``.srt``), WebVTT.

``lectureNN.sbv`` is the transcript of week NN's lecture video (parts 1 and 2 share it),
``practicumNN.sbv`` the practicum's; a week with two practicum videos has ``practicumNNA.sbv``
and ``practicumNNB.sbv``. A transcript gives the video's length (its last cue's end)
and the text the time-stamp proposer aligns subsections with.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course import Course
from dlcourse.course.layout import parse_note_file_name

SUFFIXES = (".sbv", ".srt", ".vtt")
_TIME = r"(\d+):(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_SHORT_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_SBV_LINE = re.compile(rf"^\s*{_TIME}\s*,\s*{_TIME}\s*$")
_ARROW_LINE = re.compile(rf"^\s*{_SHORT_TIME}\s*-->\s*{_SHORT_TIME}")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    line: int


@dataclass(frozen=True)
class Transcript:
    path: Path
    cues: tuple[Cue, ...]

    @property
    def duration(self) -> float:
        return max((cue.end for cue in self.cues), default=0.0)


def _seconds(h: str | None, m: str, s: str, frac: str | None) -> float:
    value = int(h or 0) * 3600 + int(m) * 60 + int(s)
    return value + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


def parse_transcript_text(text: str, path: Path = Path("transcript.sbv")) -> Transcript:
    """Cues from SubViewer, SubRip or WebVTT text (the format is recognised per line)."""
    cues: list[Cue] = []
    start = end = None
    start_line = 0
    buffer: list[str] = []

    def flush() -> None:
        if start is not None and end is not None:
            cues.append(Cue(start, end, " ".join(buffer).strip(), start_line))

    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        sbv = _SBV_LINE.match(line)
        arrow = None if sbv else _ARROW_LINE.match(line)
        if sbv or arrow:
            flush()
            groups = (sbv or arrow).groups()  # type: ignore[union-attr]
            start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
            start_line = number
            buffer = []
        elif start is not None and line.strip() and not line.strip().isdigit():
            buffer.append(re.sub(r"<[^>]+>", "", line.strip()))
    flush()
    return Transcript(path, tuple(cues))


def load_transcript(path: Path) -> Transcript | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return parse_transcript_text(text, path)


def transcript_duration(path: Path) -> float | None:
    """The video length a transcript gives (its last cue's end), reading from the end only."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 4096))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        match = _SBV_LINE.match(line) or _ARROW_LINE.match(line)
        if match:
            groups = match.groups()
            return _seconds(*groups[4:])
    transcript = load_transcript(path)
    return transcript.duration if transcript and transcript.cues else None


_TRANSCRIPT_NAME = re.compile(r"^(lecture|practicum)(\d{2})([A-Z]?)\.(sbv|srt|vtt)$")


def transcripts_in(folder: Path, week: int) -> dict[tuple[str, str], Path]:
    """The week's transcripts in a folder: ``(kind, letter) → path`` (letter '' when the file
    has none; .sbv before .srt before .vtt)."""
    try:
        names = sorted(
            os.listdir(folder),
            key=lambda n: (SUFFIXES.index(Path(n).suffix) if Path(n).suffix in SUFFIXES else 9, n),
        )
    except OSError:
        return {}
    found: dict[tuple[str, str], Path] = {}
    for name in names:
        match = _TRANSCRIPT_NAME.match(name)
        if match and int(match.group(2)) == week:
            found.setdefault((match.group(1), match.group(3)), folder / name)
    return found


def _video_rank(course: Course | None, week: int, part: int | None, kind: str) -> int | None:
    """Which of the week's videos of this kind the part's meeting is on (0 for the first),
    from the course calendar: parts that continue another's video share its rank."""
    if course is None or part is None:
        return None
    from dlcourse.notes.meetings import week_meetings

    wanted = "lab" if kind == "practicum" else "lecture"
    meetings = [m for m in week_meetings(course, week) if m.kind == wanted]
    ranks: dict[str, int] = {}
    videos = 0
    for meeting in meetings:
        continued = meeting.pattern.video_continues
        if continued is not None and continued in ranks:
            ranks[meeting.pattern.id] = ranks[continued]
        else:
            ranks[meeting.pattern.id] = videos
            videos += 1
        if meeting.part == part:
            return ranks[meeting.pattern.id]
    return None


def transcript_for(
    note_path: Path,
    week: int | None,
    kind: str,
    part: int | None = None,
    course: Course | None = None,
) -> Path | None:
    """The transcript of a note's video, beside the note, found by the meeting: the lecture
    parts that share a video share ``lectureNN.*``, the practicum has ``practicumNN.*``; a week
    with several videos of one kind letters them in meeting order (``practicum15A.sbv``,
    ``practicum15B.sbv``). The calendar says which video a part is on; for a week it does not
    know, the week's notes are matched in order to the lettered transcripts when they are as
    many (week 15's two practicum parts)."""
    if week is None or kind not in ("lecture", "practicum"):
        return None
    found = transcripts_in(note_path.parent, week)
    if not found:
        return None
    if (kind, "") in found:
        return found[(kind, "")]
    rank = _video_rank(course, week, part, kind)
    if rank is None and part is not None:
        rank, kind = _rank_by_layout(note_path.parent, week, part, kind, found)
    if rank is None:
        return None
    return found.get((kind, chr(ord("A") + rank)))


def _rank_by_layout(
    folder: Path, week: int, part: int, kind: str, found: dict[tuple[str, str], Path]
) -> tuple[int | None, str]:
    """The part's place among the week's notes, when one kind's lettered transcripts are as
    many as the notes (``(rank, kind of those transcripts)``)."""
    try:
        parts = sorted(
            name[1]
            for name in map(parse_note_file_name, os.listdir(folder))
            if name and name[0] == week and name[1] is not None
        )
    except OSError:
        return None, kind
    for candidate in (kind, *({"lecture", "practicum"} - {kind})):
        letters = sorted(letter for k, letter in found if k == candidate and letter)
        if letters and len(letters) == len(parts) and part in parts:
            return parts.index(part), candidate
    return None, kind
