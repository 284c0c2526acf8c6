"""The group project's deliverables, checked like notes: findings with stable rule IDs.

A deliverables folder holds one folder per group with a video (``.mp4``, ``.webm``, ``.mov``,
``.mkv``), ``slides.pdf`` and ``article.pdf``. Limits come from ``course.toml``'s ``[project]``:
video length (``video_max_minutes``; duration read by ffprobe), slide count (``slides_max``;
pages counted with pypdf) and the article's main text (``article_pages_max``, strict;
``article_pages_recommended`` gives a warning). The main text ends where the references begin:
the first page with a line reading "References" (or "Bibliography"), counted as main text
when that heading is not the page's first line.

Whether everything was in by the deadline is decided from the LMS's own record of when each
file arrived (its export's times, ``group,file,submitted_at``), never from the files themselves:
a file's modification time is whatever the download or the group's machine made it. The
deadline is the gradebook's: the grading component ``project``'s ``due``, else the term's end.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from dlcourse.course.assessments import course_assessments, end_of_term
from dlcourse.course.model import Course, Project
from dlcourse.homework.csv_input import csv_rows

VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv")
_REFERENCES = re.compile(r"^\s*(references|bibliography)\s*$", re.IGNORECASE)

RULES = {
    "PRJ001": ("video-missing", "error", "no video file (.mp4, .webm, .mov, .mkv)"),
    "PRJ002": ("video-too-long", "error", "the video is longer than the limit"),
    "PRJ003": ("slides-missing", "error", "no slides.pdf"),
    "PRJ004": ("too-many-slides", "error", "more slides than the limit"),
    "PRJ005": ("article-missing", "error", "no article.pdf"),
    "PRJ006": ("article-too-long", "error", "main text longer than the strict page limit"),
    "PRJ007": ("article-long", "warning", "main text longer than the recommended length"),
    "PRJ008": ("unreadable-file", "error", "a deliverable cannot be read"),
    "PRJ009": ("not-in-by-deadline", "error", "a deliverable arrived after the deadline"),
}
PROJECT_COMPONENT = "project"  # the grading component whose due date is the deadline


@dataclass(frozen=True)
class Finding:
    rule: str
    alias: str
    severity: Literal["error", "warning"]
    group: str
    file: str
    message: str
    hint: str

    def text(self) -> str:
        return (
            f"{self.file}: {self.severity} {self.rule} ({self.alias}) {self.message} — {self.hint}"
        )


def _finding(rule: str, group: str, file: Path | str, message: str, hint: str) -> Finding:
    alias, severity, _ = RULES[rule]
    return Finding(rule, alias, severity, group, str(file), message, hint)  # type: ignore[arg-type]


class ToolMissing(RuntimeError):
    """ffprobe or pypdf is not installed; the message says how to get it."""


def video_seconds(path: Path) -> float:
    """Duration of a video by ffprobe (Debian's ffmpeg). Raises ValueError when unreadable."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise ToolMissing("ffprobe is not installed (Debian: apt-get install ffmpeg)")
    completed = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    try:
        return float(json.loads(completed.stdout)["format"]["duration"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(completed.stderr.strip() or "no duration") from error


def _measure_pdf(path: Path, measure: Callable[[Any], int]) -> int:
    """``measure`` of the PDF's pages. Raises ValueError when the file cannot be read as one."""
    try:
        from pypdf import PdfReader
    except ImportError as error:
        raise ToolMissing("pypdf is not installed: pip install -e '.[homework]'") from error
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its warnings on a damaged file would print past the CLI
    try:
        return measure(PdfReader(path).pages)
    except Exception as error:  # a malformed PDF makes pypdf raise many kinds (PdfReadError,
        # KeyError, ValueError, RecursionError…): each one is an unreadable deliverable
        raise ValueError(f"{type(error).__name__}: {error}") from None
    finally:
        logger.setLevel(level)


def pdf_pages(path: Path) -> int:
    return _measure_pdf(path, len)


def _main_text(pages: Any) -> int:
    for index, page in enumerate(pages):
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        for position, line in enumerate(lines):
            if _REFERENCES.match(line):
                return index + (1 if position > 0 else 0)
    return len(pages)


def main_text_pages(path: Path) -> int:
    """Pages before the references (the page where they start counts if text precedes them)."""
    return _measure_pdf(path, _main_text)


class ArrivalsError(ValueError):
    """The LMS's timestamps CSV cannot be used; the message names every bad row."""


@dataclass(frozen=True)
class Arrivals:
    """When each group's files arrived, by the LMS's record, and the deadline they must meet."""

    deadline: dt.datetime  # aware
    times: dict[tuple[str, str], dt.datetime]  # (group, file name) → arrival, aware
    source: Path
    zone: dt.tzinfo  # the course's, for messages


def project_deadline(course: Course) -> dt.datetime:
    """When the project is due: the grading component ``project``'s ``due`` (the gradebook's
    deadline for it), else the last second of the term."""
    for assessment in course_assessments(course):
        if assessment.id == PROJECT_COMPONENT:
            return assessment.due
    return end_of_term(course)


def read_arrivals(root: Path, timestamps: Path, course: Course) -> Arrivals:
    """The LMS export's times (``group,file,submitted_at``; ISO 8601, wall-clock in the course
    zone when it has no offset; ``file`` a name in the group's folder under ``root``). Every
    bad row is reported with its number; any bad row means none is used."""
    try:
        rows = csv_rows(timestamps, {"group", "file", "submitted_at"})
    except ValueError as error:
        raise ArrivalsError(str(error)) from error
    times: dict[tuple[str, str], dt.datetime] = {}
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for number, row in rows:
        where = f"{timestamps}: row {number}"
        group, name = row["group"], row["file"]
        try:
            moment = dt.datetime.fromisoformat(row["submitted_at"])
        except ValueError:
            problems.append(f"{where}: cannot read time {row['submitted_at']!r} (ISO 8601)")
            continue
        path = root / group / name
        if (
            not group
            or Path(name).name != name
            or not path.is_file()
            or not path.resolve().is_relative_to(root.resolve())
        ):
            problems.append(f"{where}: no file {name!r} in the folder of group {group!r}")
            continue
        if (group, name) in seen:
            problems.append(f"{where}: {group}/{name} is already listed in row {seen[group, name]}")
            continue
        seen[group, name] = number
        times[group, name] = moment if moment.tzinfo else moment.replace(tzinfo=course.tz)
    if problems:
        raise ArrivalsError("\n".join(problems))
    return Arrivals(project_deadline(course), times, timestamps, course.tz)


def _arrival_findings(group: str, files: list[Path], arrivals: Arrivals) -> list[Finding]:
    zone = arrivals.zone
    deadline = f"{arrivals.deadline.astimezone(zone):%a %d %b %Y %H:%M:%S %Z}"
    findings = []
    for path in files:
        arrived = arrivals.times.get((group, path.name))
        if arrived is None:
            findings.append(
                _finding(
                    "PRJ009",
                    group,
                    path,
                    f"{arrivals.source.name} has no arrival time for it: it cannot be shown to "
                    f"have been in by the deadline {deadline}",
                    "add its row from the LMS's export (group,file,submitted_at)",
                )
            )
        elif arrived > arrivals.deadline:
            findings.append(
                _finding(
                    "PRJ009",
                    group,
                    path,
                    f"arrived {arrived.astimezone(zone):%a %d %b %Y %H:%M:%S %Z}, after the "
                    f"deadline {deadline}",
                    "late work is not accepted: only what arrived by the deadline can be graded",
                )
            )
    return findings


def check_group(folder: Path, project: Project, arrivals: Arrivals | None = None) -> list[Finding]:
    group = folder.name
    findings: list[Finding] = []
    videos = sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    limit = project.video_max_minutes * 60
    if not videos:
        findings.append(
            _finding("PRJ001", group, folder, "no video", f"add a video of at most {limit:g} s")
        )
    for video in videos:
        try:
            seconds = video_seconds(video)
        except ValueError as error:
            findings.append(
                _finding("PRJ008", group, video, f"unreadable video: {error}", "re-export it")
            )
            continue
        if seconds > limit + 0.5:  # container rounding: half a second of slack
            findings.append(
                _finding(
                    "PRJ002",
                    group,
                    video,
                    f"video is {seconds:.1f} s long, over the {limit:g} s limit",
                    f"cut {seconds - limit:.0f} s",
                )
            )
    slides = folder / "slides.pdf"
    if not slides.is_file():
        findings.append(_finding("PRJ003", group, slides, "no slides.pdf", "add the slides as PDF"))
    else:
        try:
            count = pdf_pages(slides)
            if count > project.slides_max:
                findings.append(
                    _finding(
                        "PRJ004",
                        group,
                        slides,
                        f"{count} slides, over the limit of {project.slides_max}",
                        f"remove {count - project.slides_max}",
                    )
                )
        except ValueError as error:
            findings.append(
                _finding("PRJ008", group, slides, f"unreadable PDF: {error}", "re-export it")
            )
    article = folder / "article.pdf"
    if not article.is_file():
        findings.append(
            _finding("PRJ005", group, article, "no article.pdf", f"add the {project.article}")
        )
    else:
        try:
            pages = main_text_pages(article)
        except ValueError as error:
            findings.append(
                _finding("PRJ008", group, article, f"unreadable PDF: {error}", "re-export it")
            )
        else:
            if pages > project.article_pages_max:
                findings.append(
                    _finding(
                        "PRJ006",
                        group,
                        article,
                        f"main text is {pages} pages, over the strict {project.article_pages_max}",
                        "shorten it; references and appendix do not count",
                    )
                )
            elif pages > project.article_pages_recommended:
                findings.append(
                    _finding(
                        "PRJ007",
                        group,
                        article,
                        f"main text is {pages} pages; {project.article_pages_recommended} "
                        "are recommended",
                        "fine if the extra pages are worth it",
                    )
                )
    if arrivals is not None:
        present = [path for path in (*videos, slides, article) if path.is_file()]
        findings.extend(_arrival_findings(group, present, arrivals))
    return findings


def check_deliverables(
    root: Path, project: Project, arrivals: Arrivals | None = None
) -> list[Finding]:
    """Findings for every group folder under ``root``, in folder order; with ``arrivals``,
    every deliverable present must have arrived by the deadline."""
    findings: list[Finding] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        findings.extend(check_group(folder, project, arrivals))
    return findings


def findings_json(findings: list[Finding], arrivals: Arrivals | None = None) -> str:
    return json.dumps(
        {
            "version": "dlcourse.project-check/1",
            "deadline": arrivals.deadline.isoformat() if arrivals else None,
            "arrivals_checked": arrivals is not None,
            "findings": [asdict(f) for f in findings],
        },
        indent=1,
    )
