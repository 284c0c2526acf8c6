"""Load and validate a course folder (``course.toml`` + notes + pages) into a :class:`Course`."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dlcourse.course.errors import ConfigValueError, CourseError, CourseIssue
from dlcourse.course.layout import COURSE_FILE, course_folder_of, example_course_dir
from dlcourse.course.locate import locate_key
from dlcourse.course.model import Course
from dlcourse.course.paths import is_inside

#: The largest course.toml read (a full course is about 20 KB): a bigger file is refused before
#: it is parsed, so a pull request cannot make every CI run parse megabytes.
MAX_COURSE_FILE_BYTES = 1_048_576
#: Arrays and inline tables nested deeper than this are refused before parsing: tomllib recurses
#: once per level and a few hundred '[' end in RecursionError; a course nests three at most.
MAX_TOML_NESTING = 32
#: Dotted keys of more parts than this are refused too: tomllib's time grows with the square of
#: a key's parts (20,000 parts: 27 s); a course's longest key has four (notes.rules.ID.param).
MAX_KEY_PARTS = 16
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
M = TypeVar("M", bound=BaseModel)


def load_course(path: str | Path | None = None) -> Course:
    """Read and validate the course in folder ``path`` (or its ``course.toml``; None: the
    embedded example). Raises :class:`CourseError` listing every problem found. Which course a
    command acts on is :func:`dlcourse.course.layout.find_course`'s to say."""
    root = example_course_dir() if path is None else course_folder_of(Path(path))
    config = root / COURSE_FILE
    if not config.is_file():
        hint = "run 'dlcourse init DIR' to create a course folder, or pass the folder that has one"
        raise CourseError([CourseIssue(config, None, "", "no course.toml here", hint)])
    size = config.stat().st_size
    if size > MAX_COURSE_FILE_BYTES:
        raise CourseError(
            [
                CourseIssue(
                    config,
                    None,
                    "",
                    f"the file is {size:,} bytes, over the limit of {MAX_COURSE_FILE_BYTES:,}",
                    "a course.toml holds the course's facts (about 20 KB for a full course); "
                    "check that this is the right file",
                )
            ]
        )
    try:
        source = config.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise CourseError(
            [CourseIssue(config, None, "", f"not UTF-8 text ({error.reason})", "save as UTF-8")]
        ) from error
    course = parse_course(source, config)
    course._root = root.resolve()
    course._source = source
    issues = _check_files(course, config)
    if issues:
        raise CourseError(issues)
    return course


def parse_course(source: str, config: Path = Path(COURSE_FILE)) -> Course:
    """Validate course.toml text. ``config`` only names the file in error messages. A leading
    byte-order mark (Windows editors write one) is skipped: TOML forbids it, the text is the same.
    """
    source = source.removeprefix("\ufeff")
    course = parse_toml_model(source, config, Course)
    course._source = source
    issues = _cross_references(course, config)
    if issues:
        raise CourseError(issues)
    return course


def parse_toml_model(source: str, config: Path, model: type[M]) -> M:
    """Validate TOML text into ``model``; every problem becomes a :class:`CourseIssue` at the
    line of the key at fault (other parts' TOML files, e.g. ``assignment.toml``, use this too).
    Text too deeply nested for tomllib is refused before it is parsed."""
    source = source.removeprefix("\ufeff")
    shape = _shape_problem(source, config)
    if shape is not None:
        raise CourseError([shape])
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.search(str(error))
        line = int(match.group(1)) if match else None
        message = _TOML_POSITION.sub("", str(error)).strip()
        key, hint = _syntax_hint(source, line)
        raise CourseError(
            [CourseIssue(config, line, key, f"TOML syntax error: {message}", hint)]
        ) from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise CourseError(_issues_from(error, data, source, config)) from error


def _shape_problem(source: str, config: Path) -> CourseIssue | None:
    """What makes ``source`` too costly to hand to tomllib, found in one linear pass outside
    strings and comments: brackets and braces nested deeper than :data:`MAX_TOML_NESTING` (a
    table header's ``[[`` counts as two) or a dotted key of more than :data:`MAX_KEY_PARTS`
    parts. None when the text is fine (tomllib then reports any syntax error itself)."""
    depth = 0
    dots = 0  # dots since the last '=', ',', bracket or line end: the parts of a dotted key
    line = 1
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char == "\n":
            line += 1
            dots = 0
        elif char == "#":
            end = source.find("\n", index)
            index = length if end < 0 else end
            continue
        elif char in "\"'":
            quote = source[index : index + 3] if source.startswith(char * 3, index) else char
            end = _string_end(source, index + len(quote), quote)
            line += source.count("\n", index, end)
            index = end
            continue
        elif char in "[{":
            depth += 1
            dots = 0
            if depth > MAX_TOML_NESTING:
                return CourseIssue(
                    config,
                    line,
                    "",
                    f"arrays or inline tables nested more than {MAX_TOML_NESTING} deep",
                    "a course.toml nests lists and tables a few levels at most: look for "
                    "brackets '[' or braces '{' that are never closed",
                )
        elif char in "]}":
            depth = max(0, depth - 1)
            dots = 0
        elif char in "=,":
            dots = 0
        elif char == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                return CourseIssue(
                    config,
                    line,
                    "",
                    f"a dotted key of more than {MAX_KEY_PARTS} parts",
                    "course keys have four parts at most, e.g. notes.rules.LEN001.tolerance",
                )
        index += 1
    return None


def _string_end(source: str, start: int, quote: str) -> int:
    """Index just past the string that opened with ``quote`` before ``start`` (the end of the
    line for an unterminated one-line string: tomllib reports that error with its line)."""
    escapes = quote[0] == '"'
    index = start
    while index < len(source):
        char = source[index]
        if escapes and char == "\\":
            index += 2
            continue
        if char == "\n" and len(quote) == 1:
            return index
        if source.startswith(quote, index):
            # a closing triple quote may be followed by up to two more quotes of the content
            end = index + len(quote)
            while len(quote) == 3 and end < len(source) and source[end] == quote[0]:
                end += 1
            return min(end, index + len(quote) + 2)
        index += 1
    return index


def _cross_references(course: Course, config: Path) -> list[CourseIssue]:
    """Checks across tables, each placed at the line of the value at fault."""
    issues: list[CourseIssue] = []

    def add(keys: tuple[str | int, ...], message: str, hint: str) -> None:
        issues.append(CourseIssue(config, course.locate(*keys), _dotted(keys), message, hint))

    people = {person.name for person in course.people}

    def check_person(keys: tuple[str | int, ...], name: str) -> None:
        if name in people:
            return
        close = difflib.get_close_matches(name, sorted(people), n=1, cutoff=0.75)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else 'add a [[people]] entry for them (role = "guest" for a guest lecturer)'
        )
        add(keys, f"lecturer {name!r} is not in [[people]]", hint)

    for index, meeting in enumerate(course.schedule.meetings):
        if meeting.lecturer is not None:
            check_person(("schedule", "meetings", index, "lecturer"), meeting.lecturer)
    for index, week in enumerate(course.weeks):
        for meeting_id, name in week.lecturers.items():
            check_person(("weeks", index, "lecturers", meeting_id), name)

    seen_weeks: set[int] = set()
    meeting_ids = sorted(meeting.id for meeting in course.schedule.meetings)
    for index, week in enumerate(course.weeks):
        if week.number in seen_weeks:
            add(
                ("weeks", index, "number"),
                f"week {week.number} is listed twice",
                "merge the two [[weeks]] entries",
            )
        seen_weeks.add(week.number)
        for table in ("videos", "lecturers", "skip"):
            names = getattr(week, table)
            for name in names:
                if name not in meeting_ids:
                    keys = ("weeks", index, table) + ((name,) if table != "skip" else ())
                    add(
                        keys,
                        f"week {week.number} names meeting {name!r}",
                        f"use one of the [[schedule.meetings]] ids: {', '.join(meeting_ids)}",
                    )
    seen_homework: set[str] = set()
    for index, item in enumerate(course.homework):
        if item.id in seen_homework:
            add(
                ("homework", index, "id"),
                f"homework id {item.id!r} is used twice",
                "give each assignment its own id",
            )
        seen_homework.add(item.id)
    return issues


def _issues_from(
    error: ValidationError, data: dict[str, Any], source: str, config: Path
) -> list[CourseIssue]:
    issues = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, ConfigValueError) and cause.field:
            loc += tuple(cause.field.split("."))  # 'site.output_dir': a nested key
        location = _data_path(loc, data)
        key = _dotted(location)
        message, hint = _describe(detail)
        issues.append(CourseIssue(config, locate_key(source, location), key, message, hint))
    return issues


def _data_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """The part of a pydantic location that addresses the file's data.

    Union members add the tried type to the location (``midterm.date.date``); those tags index
    nothing in the data, so the path stops where the data does (a missing key is kept)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            path.append(part)
            if part not in node:
                break
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        else:
            break
    return tuple(path)


def _dotted(location: tuple[str | int, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(detail: dict[str, Any]) -> tuple[str, str]:
    kind = detail["type"]
    given = detail.get("input")
    if kind == "extra_forbidden":
        return "unknown key", "remove it or check its spelling against the documented keys"
    if kind == "missing":
        return "required key is missing", (
            "add it ('dlcourse init DIR' writes a full course.toml to copy from)"
        )
    message = str(detail["msg"]).removeprefix("Value error, ")
    cause = detail.get("ctx", {}).get("error")
    if kind == "literal_error":
        expected = str(detail.get("ctx", {}).get("expected", ""))
        hint = "use one of the listed values"
        if isinstance(given, str) and given.lower() in expected.lower().replace("'", " ").split():
            hint = f"write it in lower case: {given.lower()!r}"
        return f"expected one of {expected}, got {given!r}", hint
    if given is not None and not isinstance(given, dict | list):
        # dates and times as written in TOML, not as Python reprs
        shown = given.isoformat() if isinstance(given, dt.date | dt.time) else repr(given)
        if shown not in message:
            message = f"{message} (got {shown})"
    if isinstance(cause, ConfigValueError):
        return message, cause.hint
    return message, _TYPE_HINTS.get(kind, "")


_TYPE_HINTS = {
    "date_type": "write a TOML date without quotes, e.g. 2020-01-27",
    "date_parsing": "write a TOML date without quotes, e.g. 2020-01-27",
    "date_from_datetime_parsing": "write a TOML date without quotes, e.g. 2020-01-27",
    "date_from_datetime_inexact": "write a date without a time, e.g. 2020-01-27",
    "datetime_type": "write a TOML date-time without quotes, e.g. 2020-02-03T17:00:00",
    "datetime_parsing": "write a TOML date-time without quotes, e.g. 2020-02-03T17:00:00",
    "datetime_from_date_parsing": "write a TOML date-time without quotes, e.g. 2020-02-03T17:00:00",
    "time_type": "write a 24-hour TOML time without quotes, e.g. 16:55:00",
    "time_parsing": "write a 24-hour TOML time without quotes, e.g. 16:55:00",
    "int_type": "write a whole number without quotes",
    "int_parsing": "write a whole number without quotes",
    "int_from_float": "write a whole number without quotes",
    "float_type": "write a number without quotes",
    "float_parsing": "write a number without quotes",
    "bool_type": "write true or false, without quotes",
    "bool_parsing": "write true or false, without quotes",
    "string_type": "put the value in double quotes",
    "list_type": 'write a list in square brackets, e.g. ["a", "b"]',
    "dict_type": 'write a table, e.g. { key = "value" }',
    "model_type": "write a table ([name] on its own line, or { key = value })",
    "value_error": "",
    "greater_than": "use a larger value",
    "greater_than_equal": "use a larger value",
    "less_than": "use a smaller value",
    "less_than_equal": "use a smaller value",
    "too_short": "add at least one entry",
    "value_error.email": "write a full e-mail address, e.g. name@nyu.edu",
}
_SYNTAX_KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*(?:#.*)?$")


def _syntax_hint(source: str, line: int | None) -> tuple[str, str]:
    """The key on the line of a TOML syntax error, and what the usual mistake there is."""
    if line is None or not 1 <= line <= len(source.splitlines()):
        return "", "fix the syntax at that line (see https://toml.io)"
    match = _SYNTAX_KEY.match(source.splitlines()[line - 1])
    if match is None:
        return "", "fix the syntax at that line: key = value, [table] or [[array.of.tables]]"
    key, value = match.groups()
    for previous in reversed(source.splitlines()[: line - 1]):
        header = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$", previous)
        if header:
            key = f"{header.group(1)}.{key}"
            break
    if re.fullmatch(r"\d{1,2}:\d{2}", value):
        return key, f"TOML times need seconds: write {value.zfill(5)}:00"
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?\s*[AaPp][Mm]", value):
        return key, "write a 24-hour TOML time, e.g. 16:55:00 for 4:55 pm"
    if re.match(r"\d{4}-\d{1,2}-\d{1,2}", value):
        return key, "write a real date as YYYY-MM-DD (month 01–12, day 01–31), without quotes"
    if re.match(r"\d{1,2}/\d{1,2}/\d{2,4}", value):
        return key, "write dates as YYYY-MM-DD, e.g. 2020-01-27"
    if value and value[0].isalpha() and value not in ("true", "false"):
        return key, f'put text in double quotes: {key} = "{value}"'
    return key, "fix the value (text in double quotes, dates as 2020-01-27, times as 16:55:00)"


def _check_files(course: Course, config: Path) -> list[CourseIssue]:
    """Files the course names must exist (the toml is valid, but is the folder complete?) and
    stay inside the course folder once symbolic links are followed."""
    issues = []
    named = {
        ("course", "home_page"): course.course.home_page,
        ("notes", "docs_dir"): course.notes.docs_dir,
        ("notes", "contents_file"): course.notes.contents_file,
    }
    for keys, value in named.items():
        if value is not None and not is_inside(course.root / value, course.root):
            issues.append(
                CourseIssue(
                    config,
                    course.locate(*keys),
                    ".".join(keys),
                    f"{value!r} leads outside the course folder (through a symbolic link)",
                    "keep the file inside the course folder: replace the link by the file",
                )
            )
    home = course.home_page_path
    if home is not None and not issues and not home.is_file():
        line = course.locate("course", "home_page")
        issues.append(
            CourseIssue(
                config,
                line,
                "course.home_page",
                f"file {home.name!r} not found",
                f"create {home} or remove the key",
            )
        )
    return issues
