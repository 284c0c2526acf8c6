"""Video transcripts beside the notes: YouTube SubViewer (``.sbv``), SubRip (``.srt``), WebVTT.

``lectureNN.sbv`` is the transcript of week NN's lecture video (parts 1 and 2 share it),
``practicumNN.sbv`` the practicum's. A transcript gives the video's length (its last cue's end)
and the text the time-stamp proposer aligns subsections with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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


def transcript_for(note_path: Path, week: int | None, kind: str) -> Path | None:
    """The transcript file beside a note: ``lectureNN.*`` or ``practicumNN.*``."""
    if week is None or kind not in ("lecture", "practicum"):
        return None
    stem = f"{kind}{week:02d}"
    for suffix in SUFFIXES:
        candidate = note_path.parent / (stem + suffix)
        if candidate.is_file():
            return candidate
    return None
