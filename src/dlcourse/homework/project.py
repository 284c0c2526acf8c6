"""The group project's deliverables, checked like notes: findings with stable rule IDs.

A deliverables folder holds one folder per group with a video (``.mp4``, ``.webm``, ``.mov``,
``.mkv``), ``slides.pdf`` and ``article.pdf``. Limits come from ``course.toml``'s ``[project]``:
video length (``video_max_minutes``; duration read by ffprobe), slide count (``slides_max``;
pages counted with pypdf) and the article's main text (``article_pages_max``, strict;
``article_pages_recommended`` gives a warning). The main text ends where the references begin:
the first page with a line reading "References" (or "Bibliography"), counted as main text
when that heading is not the page's first line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from dlcourse.course.model import Project

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
}


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


def _reader(path: Path):
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:
        raise ToolMissing("pypdf is not installed: pip install -e '.[homework]'") from error
    try:
        return PdfReader(path)
    except (PdfReadError, OSError, ValueError) as error:
        raise ValueError(str(error)) from error


def pdf_pages(path: Path) -> int:
    return len(_reader(path).pages)


def main_text_pages(path: Path) -> int:
    """Pages before the references (the page where they start counts if text precedes them)."""
    pages = _reader(path).pages
    for index, page in enumerate(pages):
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        for position, line in enumerate(lines):
            if _REFERENCES.match(line):
                return index + (1 if position > 0 else 0)
    return len(pages)


def check_group(folder: Path, project: Project) -> list[Finding]:
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
    return findings


def check_deliverables(root: Path, project: Project) -> list[Finding]:
    """Findings for every group folder under ``root``, in folder order."""
    findings: list[Finding] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        findings.extend(check_group(folder, project))
    return findings


def findings_json(findings: list[Finding]) -> str:
    return json.dumps(
        {"version": "dlcourse.project-check/1", "findings": [asdict(f) for f in findings]},
        indent=1,
    )
