"""``dlcourse import jekyll DOCS_DIR``: a ``course.toml`` for a Jekyll-era course repository.

Reads ``_config.yml`` (site title, base URL, per-language titles and the hand-kept contents),
the ``\\gdef`` macros of ``_layouts/*.html`` and the notes' front matter (dates, lecturers, video
ids), and writes a ``course.toml`` in DOCS_DIR that validates with the course model. Notes are
never touched: the site reads them the way Jekyll + kramdown did (``{{site.baseurl}}``, ``\\_``
inside ``$…$``, raw HTML blocks). Everything the repository cannot tell (course code, time zone,
grading) is guessed and reported, for the user to edit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.course.layout import (
    LANGUAGE_FOLDER,
    first_video_id,
    front_matter_of,
    is_week_folder,
    note_path,
    read_course_text,
    split_front_matter,
    walk_folder,
)
from dlcourse.course.model import EARLIEST_YEAR, LATEST_YEAR, MAX_TERM_DAYS
from dlcourse.site.i18n import KNOWN_LANGUAGES
from dlcourse.site.mathml import read_group
from dlcourse.util.files import atomic_write_text

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):\s*(.*?)\s*(?:#.*)?$")
_NESTED_TITLE = re.compile(r"^\s+title:\s*(.*?)\s*$")
_PATH = re.compile(r"^\s*-\s*path:\s*(\S+)\s*$")
_GDEF = re.compile(r"\\[gx]?def\s*\\([A-Za-z]+)\s*((?:#\d\s*)*)\{")


class ImportError_(Exception):
    """The folder cannot be imported (no _config.yml, course.toml already there, …)."""


@dataclass
class JekyllConfig:
    title: str = ""
    baseurl: str = ""
    default_lang: str = "en"
    titles: dict[str, str] = field(default_factory=dict)  # language → site title
    contents: dict[str, list[str]] = field(default_factory=dict)  # language → paths in order


@dataclass
class ImportResult:
    path: Path
    text: str
    guesses: list[str]


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def read_config(path: Path) -> JekyllConfig:
    """The parts of a Jekyll ``_config.yml`` an import needs (no YAML library required)."""
    config = JekyllConfig()
    section: str | None = None
    for line in read_course_text(path).text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = _TOP_KEY.match(line)
        if top:
            key, value = top.group(1), _scalar(top.group(2))
            section = key
            if key == "title":
                config.title = value
            elif key == "baseurl":
                config.baseurl = value
            elif key == "default_lang":
                config.default_lang = value
            continue
        title = _NESTED_TITLE.match(line)
        if title and section and LANGUAGE_FOLDER.match(section):
            config.titles[section] = _scalar(title.group(1))
            continue
        found = _PATH.match(line)
        if found:
            entry = _scalar(found.group(1))
            language = entry.split("/", 1)[0]
            config.contents.setdefault(language, []).append(entry)
    if config.title:
        config.titles.setdefault(config.default_lang, config.title)
    return config


def layout_macros(docs_dir: Path) -> dict[str, str]:
    """``\\gdef`` definitions in ``_layouts/*.html`` (``\\gdef \\sam #1 {…}`` spacing allowed)."""
    macros: dict[str, str] = {}
    for layout in sorted((docs_dir / "_layouts").glob("*.html")):
        text = read_course_text(layout).text
        for match in _GDEF.finditer(text):
            group = read_group(text, match.end() - 1)
            if group is not None:
                macros[match.group(1)] = group[0].strip()
    return macros


def _toml_string(value: str) -> str:
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for shape in ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%b %d, %Y", "%d %b, %Y"):
        try:
            return dt.datetime.strptime(text.strip(), shape).date()
        except ValueError:
            continue
    return None


def _term(day: dt.date) -> str:
    season = "Spring" if day.month <= 5 else "Summer" if day.month <= 8 else "Fall"
    return f"{season} {day.year}"


def _note_kinds(
    source_dir: Path, weeks: dict[int, dict[int, dict[str, str]]], guesses: list[str]
) -> dict[int, dict[int, str]]:
    """'lecture' or 'lab' for every note, from the best evidence there is: the transcripts
    beside the notes (a week with ``practicumNN.sbv`` and no ``lectureNN.sbv`` is a practicum
    week), then the lecturer (the one who gives the third parts gives practicums), then the
    position (parts 1–2 lectures, later parts practicums)."""
    third = Counter(held[part]["lecturer"] for held in weeks.values() for part in held if part >= 3)
    first = Counter(held[part]["lecturer"] for held in weeks.values() for part in held if part < 3)
    practicum_lecturer = third.most_common(1)[0][0] if third else ""
    lecture_lecturer = first.most_common(1)[0][0] if first else ""
    kinds: dict[int, dict[int, str]] = {}
    for number, held in weeks.items():
        folder = source_dir / f"week{number:02d}"
        lecture_sbv = any(folder.glob(f"lecture{number:02d}.*"))
        practicum_sbv = any(folder.glob(f"practicum{number:02d}.*"))
        kinds[number] = {}
        for part, info in held.items():
            if practicum_sbv and not lecture_sbv:
                kind = "lab"
            elif lecture_sbv and not practicum_sbv:
                kind = "lecture"
            elif (
                practicum_lecturer
                and practicum_lecturer != lecture_lecturer
                and info["lecturer"] in (practicum_lecturer, lecture_lecturer)
            ):
                kind = "lab" if info["lecturer"] == practicum_lecturer else "lecture"
            else:
                kind = "lab" if part >= 3 else "lecture"
            kinds[number][part] = kind
            if kind == "lab" and part < 3:
                guesses.append(f"week {number} part {part} is a practicum (transcript/lecturer)")
    return kinds


def _plausible_dates(
    weeks: dict[int, dict[int, dict[str, str]]], guesses: list[str]
) -> list[dt.date]:
    """The notes' dates that can belong to one term: in the years a course may name and within
    half the longest term of the middle date. Any other (a typo such as 9999 for 2020) is blanked
    in ``weeks`` and named in ``guesses``, so the written course.toml never spans centuries."""
    found = {
        (number, part): day
        for number, held in weeks.items()
        for part, info in held.items()
        if (day := _parse_date(info.get("date"))) is not None
    }
    middle = sorted(found.values())[len(found) // 2] if found else None
    kept = []
    for (number, part), day in sorted(found.items()):
        # a week each side is left for rounding the term out to whole weeks
        near = middle is not None and abs((day - middle).days) <= MAX_TERM_DAYS // 2 - 7
        if EARLIEST_YEAR <= day.year <= LATEST_YEAR and near:
            kept.append(day)
            continue
        weeks[number][part]["date"] = ""
        guesses.append(
            f"ignored the date {day.isoformat()} of week {number} part {part}: "
            "far from the other notes' dates (fix it in the note)"
        )
    return kept


def _week_mondays(weeks: dict[int, dict[int, dict[str, str]]]) -> dict[int, dt.date]:
    """The Monday of each week number, from its notes' dates."""
    mondays = {}
    for number, held in weeks.items():
        days = [d for d in (_parse_date(info.get("date")) for info in held.values()) if d]
        if days:
            day = min(days)
            mondays[number] = day - dt.timedelta(days=day.weekday())
    return mondays


def import_jekyll(docs_dir: Path, force: bool = False) -> ImportResult:
    docs_dir = Path(docs_dir)
    config_path = docs_dir / "_config.yml"
    if not config_path.is_file():
        raise ImportError_(f"{config_path} not found: pass the Jekyll site folder (e.g. docs/)")
    target = docs_dir / "course.toml"
    exists = ImportError_(f"{target} exists; pass --force to overwrite it")
    if (target.exists() or target.is_symlink()) and not force:
        raise exists
    config = read_config(config_path)
    text, guesses = course_toml(docs_dir, config)
    from dlcourse.course import parse_course

    parse_course(text, target)  # never write a file the course model rejects
    if force:
        atomic_write_text(target, text)
    else:  # created only if still absent: a course.toml is never overwritten without --force
        try:
            stream = open(target, "x", encoding="utf-8")  # noqa: SIM115 - closed below
        except FileExistsError:
            raise exists from None
        try:
            with stream:
                stream.write(text)
        except BaseException:
            target.unlink(missing_ok=True)  # ours: created just above
            raise
    return ImportResult(target, text, guesses)


Weeks = dict[int, dict[int, dict[str, str]]]  # week → part → date, title, lecturer, video
Kinds = dict[int, dict[int, str]]  # week → part → "lecture" or "lab"


@dataclass(frozen=True)
class _Survey:
    """What the notes of the source language say about the course."""

    source: str  # the source language's code
    languages: list[str]  # every language folder, the source first
    weeks: Weeks
    lecturers: dict[int, Counter[str]]  # part → lecturer names, counted over the weeks


@dataclass(frozen=True)
class _Meetings:
    """The weekly meeting pattern: lecture parts on Monday, practicums on Tuesday."""

    patterns: list[tuple[str, str]]  # (meeting id, kind)
    by_kind: dict[str, list[str]]
    lecture_parts: int
    practicum_parts: int


def course_toml(docs_dir: Path, config: JekyllConfig) -> tuple[str, list[str]]:
    """The course.toml text for a Jekyll-era notes folder, and what was guessed."""
    guesses: list[str] = []
    survey = _survey(docs_dir, config)
    weeks = survey.weeks
    dates = _plausible_dates(weeks, guesses)
    kinds = _note_kinds(docs_dir / survey.source, weeks, guesses)
    meetings = _meeting_pattern(kinds)
    mondays = _week_mondays(weeks)
    start, end = _term_dates(weeks, dates, mondays)
    guesses.append(f"term {start} – {end} from the notes' dates (set the real term)")
    guesses.append("timezone 'UTC' (set the course's zone, e.g. 'America/New_York')")
    home = docs_dir / "index.md"
    description = _description(home)
    guesses.append("course code 'COURSE', grading: one 100% component (edit both)")
    macros = layout_macros(docs_dir)

    lines = _course_lines(docs_dir, config, start, description, home.is_file(), survey)
    lines += _meeting_lines(start, end, meetings, weeks, kinds)
    guesses.append(
        f"meetings: {meetings.lecture_parts} lecture part(s) on Monday, "
        f"{meetings.practicum_parts} practicum on Tuesday, kinds from transcripts "
        "(lectureNN/practicumNN.sbv) and lecturers (set the days and times)"
    )
    lines += _days_off_lines(weeks, kinds, mondays, meetings.lecture_parts, guesses)
    lines += _week_lines(weeks, kinds, meetings)
    lines += _notes_lines(survey, macros, guesses)
    lines += _site_lines(config)
    return "\n".join(lines) + "\n", guesses


def _survey(docs_dir: Path, config: JekyllConfig) -> _Survey:
    """Each note of the source language read once: its date, title, lecturer and video."""
    walked = [(note_path(item.rel), item) for item in walk_folder(docs_dir).files]
    languages = sorted({place.language for place, _item in walked if place and place.language})
    source = config.default_lang if config.default_lang in languages else (languages or ["en"])[0]
    languages.sort(key=lambda code: (code != source, code))
    lecturers: dict[int, Counter[str]] = {}
    weeks: Weeks = {}
    for place, item in walked:
        folders = item.rel.split("/")
        if folders[0] == source and len(folders) > 2 and is_week_folder(folders[1]):
            weeks.setdefault(int(folders[1].removeprefix("week")), {})
        if place is None or place.language != source or place.week is None or place.part is None:
            continue  # not a note (NN-K.md) of the source language
        text = read_course_text(item.path).text
        front = front_matter_of(text).as_dict()
        weeks[place.week][place.part] = {
            "date": front.get("date", ""),
            "title": front.get("title", ""),
            "lecturer": front.get("lecturer", ""),
            "video": first_video_id(text) or "",
        }
        if front.get("lecturer"):
            lecturers.setdefault(place.part, Counter())[front["lecturer"]] += 1
    return _Survey(source, languages, weeks, lecturers)


def _meeting_pattern(kinds: Kinds) -> _Meetings:
    lecture_parts = max(
        (sum(k == "lecture" for k in w.values()) for w in kinds.values()), default=0
    )
    practicum_counts = Counter(sum(k == "lab" for k in w.values()) for w in kinds.values())
    practicum_counts.pop(0, None)
    practicum_parts = practicum_counts.most_common(1)[0][0] if practicum_counts else 0
    patterns: list[tuple[str, str]] = [
        (f"lecture-{i + 1}", "lecture") for i in range(lecture_parts)
    ]
    patterns += [
        (f"practicum-{i + 1}" if practicum_parts > 1 else "practicum", "lab")
        for i in range(practicum_parts)
    ]
    by_kind = {kind: [mid for mid, k in patterns if k == kind] for kind in ("lecture", "lab")}
    return _Meetings(patterns, by_kind, lecture_parts, practicum_parts)


def _term_dates(
    weeks: Weeks, dates: list[dt.date], mondays: dict[int, dt.date]
) -> tuple[dt.date, dt.date]:
    """From the Monday of the first week to the last note's date (or the last week's end)."""
    start = min(mondays.values()) if mondays else dt.date.today()
    start -= dt.timedelta(days=start.weekday())
    last_week = max(weeks) if weeks else 1
    end = max([*dates, max(mondays.values(), default=start) + dt.timedelta(days=6)])
    if not dates:
        end = start + dt.timedelta(days=min(7 * last_week, MAX_TERM_DAYS) - 1)
    return start, end


def _description(home: Path) -> str:
    """The home page's first paragraph of prose, or a request to write one."""
    if home.is_file():
        text = read_course_text(home).text
        block = split_front_matter(text)
        body = "\n".join(text.split("\n")[block[1] :]) if block else ""
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        prose = [p for p in paragraphs if p[0].isalpha() and "|" not in p and "<" not in p]
        if prose:
            return " ".join(prose[0].split())
    return "Imported from a Jekyll course site; describe the course here."


def _course_lines(
    docs_dir: Path,
    config: JekyllConfig,
    start: dt.date,
    description: str,
    has_home: bool,
    survey: _Survey,
) -> list[str]:
    lines = [
        "# Written by 'dlcourse import jekyll'. Values marked 'guessed' need a human look.",
        "schema = 1",
        "",
        "[course]",
        "code = 'COURSE'  # guessed",
        f"title = {_toml_string(config.title or docs_dir.resolve().name)}",
        f"term = {_toml_string(_term(start))}  # guessed from the notes' dates",
        f"description = {_toml_string(description)}",
    ]
    if has_home:
        lines.append("home_page = 'index.md'")
    people = Counter(name for counter in survey.lecturers.values() for name in counter.elements())
    for name, _count in people.most_common():
        lines += ["", "[[people]]", f"name = {_toml_string(name)}", "role = 'instructor'"]
    return lines


def _meeting_lines(
    start: dt.date, end: dt.date, meetings: _Meetings, weeks: Weeks, kinds: Kinds
) -> list[str]:
    """[schedule] and its meetings: lecture parts on Monday (part B continues part A's video),
    practicums on Tuesday, each with the lecturer most of its notes name."""
    lines = [
        "",
        "[schedule]",
        "timezone = 'UTC'  # guessed",
        f"term_start = {start.isoformat()}  # guessed",
        f"term_end = {end.isoformat()}  # guessed",
    ]
    for meeting_id, kind in meetings.patterns:
        names = Counter(
            held[part]["lecturer"]
            for number, held in weeks.items()
            for part in held
            if kinds[number][part] == kind and held[part]["lecturer"]
        )
        title = "Lecture part " if kind == "lecture" else "Practicum"
        number = meeting_id.rsplit("-", 1)[-1]
        lines += [
            "",
            "[[schedule.meetings]]",
            f"id = '{meeting_id}'",
            f"kind = '{kind}'",
            f"title = '{title + chr(64 + int(number)) if kind == 'lecture' else title}'",
            f"weekday = '{'monday' if kind == 'lecture' else 'tuesday'}'",
        ]
        if names:
            lines.append(f"lecturer = {_toml_string(names.most_common(1)[0][0])}")
        first_lecture = meetings.by_kind["lecture"][0] if meetings.by_kind["lecture"] else None
        if kind == "lecture" and meeting_id != first_lecture:
            lines.append(f"video_continues = '{first_lecture}'")
    return lines


def _days_off_lines(
    weeks: Weeks,
    kinds: Kinds,
    mondays: dict[int, dt.date],
    lecture_parts: int,
    guesses: list[str],
) -> list[str]:
    """Weeks the notes skip (breaks), and the lecture day of practicum-only weeks."""
    lines: list[str] = []
    ordered = sorted(mondays)
    for previous, number in itertools.pairwise(ordered):
        gap = (mondays[number] - mondays[previous]).days // 7 - (number - previous)
        if gap > 0:
            first = mondays[previous] + dt.timedelta(days=7 * (number - previous))
            lines += [
                "",
                "[[schedule.days_off]]",
                f"date = {first.isoformat()}",
                f"until = {(first + dt.timedelta(days=7 * gap - 1)).isoformat()}",
                "reason = 'No class (guessed: the notes skip this week)'",
            ]
    for number in sorted(weeks):
        practicum_only = not any(k == "lecture" for k in kinds[number].values())
        if weeks[number] and practicum_only and number in mondays and lecture_parts:
            lines += [
                "",
                "[[schedule.days_off]]",
                f"date = {mondays[number].isoformat()}",
                f"reason = 'No lecture (guessed: week {number} has only a practicum)'",
            ]
            guesses.append(f"week {number}: practicum only, its Monday set as a day off")
    return lines


def _week_lines(weeks: Weeks, kinds: Kinds, meetings: _Meetings) -> list[str]:
    """[[weeks]]: topics from the notes' titles, videos by meeting, meetings without a note."""
    lines: list[str] = []
    for number in sorted(weeks):
        held = weeks[number]
        lines += ["", "[[weeks]]", f"number = {number}"]
        topics = [held[p]["title"] for p in sorted(held) if held[p]["title"]]
        lines.append("topics = [" + ", ".join(_toml_string(t) for t in topics) + "]")
        assigned: dict[str, int] = {}
        queues = {kind: list(ids) for kind, ids in meetings.by_kind.items()}
        for part in sorted(held):
            queue = queues[kinds[number][part]]
            if queue:
                assigned[queue.pop(0)] = part
        videos = {mid: held[p]["video"] for mid, p in assigned.items() if held[p]["video"]}
        if videos:
            lines.append(
                "videos = { " + ", ".join(f"'{k}' = '{v}'" for k, v in videos.items()) + " }"
            )
        practicum_only = not any(k == "lecture" for k in kinds[number].values())
        skip = [
            mid
            for mid, kind in meetings.patterns
            if mid not in assigned and not (practicum_only and kind == "lecture")
        ]
        if skip and held:
            lines.append("skip = [" + ", ".join(f"'{s}'" for s in skip) + "]")
    return lines


def _notes_lines(survey: _Survey, macros: dict[str, str], guesses: list[str]) -> list[str]:
    """[grading] (one component to edit), [notes] with the languages, and the layout's macros."""
    lines = [
        "",
        "[grading]",
        "default_track = 'default'",
        "",
        "[[grading.tracks]]",
        "id = 'default'",
        "name = 'Default'",
        "components = [{ id = 'course', label = 'Course work (edit me)', weight = 100 }]",
        "",
        "[notes]",
        "docs_dir = '.'",
        f"source_language = '{survey.source}'",
        "contents_file = '_config.yml'",
        "languages = [",
    ]
    for code in survey.languages:
        name, direction = KNOWN_LANGUAGES.get(code, (code, "ltr"))
        extra = ", direction = 'rtl'" if direction == "rtl" else ""
        lines.append(f"  {{ code = '{code}', name = {_toml_string(name)}{extra} }},")
    lines.append("]")
    if macros:
        lines += ["", "[notes.macros]"]
        lines += [f"{name} = {_toml_string(body)}" for name, body in macros.items()]
        guesses.append(f"{len(macros)} maths macros from _layouts: {', '.join(macros)}")
    return lines


def _site_lines(config: JekyllConfig) -> list[str]:
    lines = [
        "",
        "[site]",
        "base_url = '/'"
        + (f"  # the Jekyll site was served under {config.baseurl!r}" if config.baseurl else ""),
    ]
    if config.titles:
        lines.append(
            "titles = { "
            + ", ".join(
                f"{code} = {_toml_string(title)}"
                for code, title in config.titles.items()
                if LANGUAGE_FOLDER.match(code)
            )
            + " }"
        )
    return lines
