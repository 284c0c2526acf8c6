"""Where things are in a course folder, and how its files are read — answered in one place.

- **Finding the course** a command acts on: ``--course``, then ``DLCOURSE_COURSE``, then the
  folders of the note paths given and their parents, then the current folder and its parents;
  the embedded example only when none of these holds a ``course.toml``.
- **The embedded example** (spring 2020, shipped inside the package) is read-only: writes for it
  go under the current folder (:func:`writable_root`).
- **The notes' path grammar**: ``<lang>/weekNN/NN-K.md`` is a note (part ``K`` of week ``NN``),
  ``<lang>/weekNN/NN.md`` the week's summary, any other ``.md`` under a language folder a page
  (``about.md``, ``index.md``).
- **One folder walker** that never follows a symbolic link out of the course folder and lists
  such links for the caller to report; **one text decoder** (BOM, CRLF, where UTF-8 fails);
  **one front-matter reader** (YAML through a safe loader that refuses anchors and aliases);
  **one video-link parser**.

The checker, the site and the Jekyll import all read the course through this module.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from dlcourse.course.paths import is_inside, resolved

COURSE_FILE = "course.toml"
COURSE_ENV = "DLCOURSE_COURSE"
CACHE_FOLDER = ".dlcourse-cache"

# ---------------------------------------------------------------------------------------------
# the embedded example


@cache
def example_course_dir() -> Path:
    """The embedded example course (spring 2020), shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "examples" / "dlsp20"


def is_example(root: Path) -> bool:
    """Whether ``root`` is the embedded example (or a folder inside it)."""
    return is_inside(Path(root), example_course_dir())


class ReadOnlyExampleError(Exception):
    """A write was asked for inside the embedded example (it ships inside the package)."""


def writable_root(course_root: Path, cwd: Path | None = None) -> Path:
    """Where a command writes the files that belong to a course folder: the course folder
    itself, or — for the embedded example — the current folder. Raises
    :class:`ReadOnlyExampleError` when that would still be inside the package."""
    if not is_example(course_root):
        return Path(course_root)
    here = Path(cwd) if cwd is not None else Path.cwd()
    if is_example(here):
        raise ReadOnlyExampleError(
            f"{here} is inside the embedded example course, which is read-only: run the command "
            "from another folder, or copy the example with 'dlcourse init --example DIR'"
        )
    return here


# ---------------------------------------------------------------------------------------------
# finding the course

FoundBy = Literal["option", "environment", "note path", "current folder", "example"]


@dataclass(frozen=True)
class FoundCourse:
    """The course folder a command acts on, and how it was found."""

    root: Path
    found_by: FoundBy

    @property
    def is_example(self) -> bool:
        return self.found_by == "example"


def course_folder_of(path: Path) -> Path:
    """A course folder from what the user named: the folder, or the folder of its
    ``course.toml``."""
    return path.parent if path.name == COURSE_FILE and not path.is_dir() else path


def _course_above(start: Path) -> Path | None:
    """The nearest folder holding ``course.toml``: ``start`` (or its folder) and its parents."""
    here = start.absolute()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    return None


def find_course(
    given: Path | None = None,
    paths: Sequence[Path] = (),
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> FoundCourse:
    """The course a command acts on. ``given`` is ``--course`` (a folder or its
    ``course.toml``); ``paths`` are the files or folders the command was given, searched from
    first to last; then the current folder. The example is the last resort, never a guess."""
    if given is not None:
        return FoundCourse(course_folder_of(Path(given)), "option")
    environment = os.environ if environ is None else environ
    if environment.get(COURSE_ENV):
        return FoundCourse(course_folder_of(Path(environment[COURSE_ENV])), "environment")
    for path in paths:
        found = _course_above(Path(path))
        if found is not None:
            return FoundCourse(found, "note path")
    found = _course_above(Path(cwd) if cwd is not None else Path.cwd())
    if found is not None:
        return FoundCourse(found, "current folder")
    return FoundCourse(example_course_dir(), "example")


EXAMPLE_NOTICE = (
    "using the embedded example course (no course.toml in . or its parents); "
    "pass --course or run dlcourse init"
)


# ---------------------------------------------------------------------------------------------
# the notes' path grammar

LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_WEEK_FOLDER = re.compile(r"^week(\d{2})$")
_NOTE_FILE = re.compile(r"^(\d{2})(?:-([1-9]\d*))?\.md$")

PathKind = Literal["note", "week", "page"]


@dataclass(frozen=True)
class NotePath:
    """What a Markdown file's place under the notes folder says it is."""

    rel: str  # posix path under the notes folder, e.g. 'en/week01/01-1.md'
    language: str | None  # the language folder; None for a file outside one
    kind: PathKind  # 'note' (NN-K.md), 'week' (the summary NN.md) or 'page'
    week: int | None
    part: int | None

    @property
    def slot(self) -> str | None:
        """``NN-K`` for a note, ``NN`` for a week summary."""
        if self.week is None:
            return None
        return f"{self.week:02d}" if self.part is None else f"{self.week:02d}-{self.part}"

    @property
    def in_language(self) -> str:
        """The path under the language folder, e.g. ``week01/01-1.md``."""
        return self.rel.split("/", 1)[1] if self.language is not None else self.rel


def note_path(rel: str) -> NotePath | None:
    """Read a posix path under the notes folder; None when it is not a Markdown file.

    A note sits in the week folder of its own week (``week02/02-1.md``; ``week02/03-1.md`` is a
    plain page), and a language folder is named by a language code (``en``, ``zh``, ``pt-br``)."""
    if not rel.endswith(".md"):
        return None
    parts = rel.split("/")
    language = parts[0] if len(parts) >= 2 and LANGUAGE_FOLDER.match(parts[0]) else None
    if language is not None and len(parts) == 3:
        folder = _WEEK_FOLDER.match(parts[1])
        name = parse_note_file_name(parts[2])
        if folder and name and int(folder.group(1)) == name[0]:
            week, part = name
            return NotePath(rel, language, "week" if part is None else "note", week, part)
    return NotePath(rel, language, "page", None, None)


def parse_note_file_name(name: str) -> tuple[int, int | None] | None:
    """``(week, part)`` of a note's file name (``03-1.md`` → (3, 1), ``03.md`` → (3, None)), or
    None for any other name."""
    match = _NOTE_FILE.match(name)
    if match is None:
        return None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def is_notes_folder(folder: Path) -> bool:
    """Whether ``folder`` is laid out as a notes folder: ``<lang>/weekNN/`` inside it."""
    return any(
        LANGUAGE_FOLDER.match(week.parent.name) and is_week_folder(week.name)
        for week in folder.glob("*/week[0-9][0-9]")
    )


def note_file_name(week: int, part: int | None = None) -> str:
    """``weekNN/NN-K.md`` (or ``weekNN/NN.md``): where a note lives under its language folder."""
    name = f"{week:02d}" if part is None else f"{week:02d}-{part}"
    return f"week{week:02d}/{name}.md"


def is_week_folder(name: str) -> bool:
    return _WEEK_FOLDER.match(name) is not None


def notes_root_of(path: Path) -> Path | None:
    """The notes folder a file at ``<notes>/<lang>/weekNN/file.md`` sits in (None otherwise):
    for a note given without its course."""
    parts = Path(path).parts
    if len(parts) >= 4 and is_week_folder(parts[-2]) and LANGUAGE_FOLDER.match(parts[-3]):
        return Path(path).parent.parent.parent
    return None


# ---------------------------------------------------------------------------------------------
# walking a folder


@dataclass(frozen=True)
class WalkedFile:
    rel: str  # posix path under the walked folder
    path: Path
    mtime_ns: int
    size: int


#: Why a symbolic link is not followed: it leads out of the course folder (whether or not its
#: target exists: saying which would tell a pull request what exists on the machine), to
#: nothing inside the course, or round a loop of links.
LinkProblem = Literal["outside", "dangling", "loop"]
LINK_HINT = "copy the file into the course instead of linking to it, or remove the link"


@dataclass(frozen=True)
class OutsideLink:
    """A symbolic link the walk does not follow (see :data:`LinkProblem`), reported instead."""

    rel: str
    path: Path
    target: Path  # resolved as far as it goes (the link's absolute path for a loop)
    problem: LinkProblem = "outside"

    @property
    def written_target(self) -> str:
        """What the link says (``os.readlink``): shown to the user instead of where it resolves,
        which could name folders of the machine the pull request's author does not know."""
        try:
            return os.readlink(self.path)
        except OSError:
            return "?"

    @property
    def message(self) -> str:
        """What is wrong with the link, for the build's warning and the checker's finding."""
        what = {
            "outside": "leads out of the course folder",
            "dangling": "leads to nothing",
            "loop": "is a loop of links",
        }[self.problem]
        if not self.path.is_symlink():  # named through a linked folder (notes check PATH)
            return f"lies in a linked folder that {what}: never followed, not published"
        return f"symbolic link to {self.written_target!r} {what}: never followed, not published"


@dataclass
class FolderWalk:
    files: list[WalkedFile] = field(default_factory=list)
    outside_links: list[OutsideLink] = field(default_factory=list)
    # every folder walked (its real path) → the names in it, skipped ones too, as os.listdir
    # gives them: a rule that needs a folder's exact names reads them here, not from the disk
    listings: dict[Path, frozenset[str]] = field(default_factory=dict)


def skipped_name(name: str) -> bool:
    """Hidden files and folders, and Jekyll's ``_``-folders (``_site``, ``_layouts``), are not
    course content."""
    return name.startswith((".", "_"))


def unfollowed_link(rel: str, path: Path, limit: Path) -> OutsideLink | None:
    """The link at ``path`` as an :class:`OutsideLink` when the walk must not follow it; None
    when it leads to something inside ``limit``. Reads no file: ``resolve`` and ``stat`` only."""
    try:
        target = path.resolve()
    except RuntimeError:  # Python < 3.13 raises for a loop of links
        return OutsideLink(rel, path, resolved(path), "loop")
    if target != limit and limit not in target.parents:
        return OutsideLink(rel, path, target, "outside")
    try:
        os.stat(path)
    except OSError as error:
        problem: LinkProblem = "loop" if error.errno == errno.ELOOP else "dangling"
        return OutsideLink(rel, path, target, problem)
    return None


def walk_folder(folder: Path, boundary: Path | None = None) -> FolderWalk:
    """Every file under ``folder`` (sorted by path), skipping :func:`skipped_name` entries.

    A symbolic link is followed only while it stays inside ``boundary`` (default: ``folder``);
    one that leads out, to nothing or round a loop is listed in ``outside_links``. A folder
    reached twice through links is walked once."""
    walk = FolderWalk()
    folder = Path(folder)
    if not folder.is_dir():
        return walk
    limit = Path(boundary or folder).resolve()
    start = folder.resolve()
    seen = {start}  # real folders walked: a link back to one of them is not walked again
    stack = [(folder, start, "")]
    while stack:
        current, real, prefix = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        walk.listings[real] = frozenset(entry.name for entry in entries)
        for entry in entries:
            if skipped_name(entry.name):
                continue
            rel = f"{prefix}{entry.name}"
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    unfollowed = unfollowed_link(rel, path, limit)
                    if unfollowed is not None:
                        walk.outside_links.append(unfollowed)
                        continue
                    target = path.resolve()
                    if target.is_dir():
                        if target not in seen:
                            seen.add(target)
                            stack.append((path, target, rel + "/"))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    seen.add(real / entry.name)
                    stack.append((path, real / entry.name, rel + "/"))
                    continue
                if entry.is_file():
                    stat = entry.stat()
                    walk.files.append(WalkedFile(rel, path, stat.st_mtime_ns, stat.st_size))
            except OSError:  # vanished while walking, or a link loop
                continue
    # folder by folder, as a path sorts ('a/b/c.md' before 'a/b-c.md')
    walk.files.sort(key=lambda item: item.rel.split("/"))
    walk.outside_links.sort(key=lambda item: item.rel.split("/"))
    return walk


# ---------------------------------------------------------------------------------------------
# reading text


@dataclass(frozen=True)
class DecodeProblem:
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class DecodedText:
    text: str  # BOM dropped, CRLF and CR made LF
    has_bom: bool
    crlf: bool  # the file used CRLF line ends
    problem: DecodeProblem | None  # where UTF-8 decoding first failed (replaced by U+FFFD)


def decode_text(data: bytes | str) -> DecodedText:
    """Course text as the parts read it: UTF-8 with its BOM dropped and line ends made LF, so
    line numbers match the file as written; undecodable bytes become U+FFFD and are located."""
    problem = None
    if isinstance(data, bytes):
        has_bom = data.startswith(b"\xef\xbb\xbf")
        if has_bom:
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            head = data[: error.start]
            line = head.count(b"\n") + 1
            column = len(head) - (head.rfind(b"\n") + 1) + 1
            message = f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})"
            problem = DecodeProblem(line, column, message)
            text = data.decode("utf-8", errors="replace")
    else:
        text = data
        has_bom = text.startswith("\ufeff")
        if has_bom:
            text = text[1:]
    crlf = "\r\n" in text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, has_bom, crlf, problem)


def read_course_text(path: Path) -> DecodedText:
    """:func:`decode_text` of a file (raises OSError when it cannot be read)."""
    return decode_text(Path(path).read_bytes())


# ---------------------------------------------------------------------------------------------
# front matter

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FM_KEY = re.compile(r"^([^\s:#][^:]*?)\s*:\s?(.*)$")


@dataclass(frozen=True)
class FrontMatter:
    """The ``key: value`` pairs of a front-matter block, in order (a repeated key: last wins)."""

    pairs: list[tuple[str, str, int]]  # (key, value as text, 0-based line in the block)
    problem: str | None = None  # why YAML could not read it; the pairs then come line by line
    problem_line: int = 0  # 0-based line in the block

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value, _line in self.pairs}


def _scalar_text(node: yaml.Node) -> str:
    """A value as text: scalars as written (``2020-02-03`` stays a string, null is empty), a list
    of scalars comma-joined (``authors: [A, B]`` → ``'A, B'``)."""
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return ", ".join(_scalar_text(item) for item in node.value if _scalar_text(item))
    return yaml.serialize(node, Dumper=yaml.SafeDumper).strip()


def _tolerant_pairs(content: str) -> list[tuple[str, str, int]]:
    """``key: value`` lines read one by one: the fallback when YAML cannot read the block, so
    one bad line does not hide every other key."""
    found = []
    for offset, raw in enumerate(content.splitlines()):
        match = _FM_KEY.match(raw)
        if not match or raw.startswith((" ", "\t", "-")):
            continue
        key, value = match.group(1).strip(), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found.append((key, value, offset))
    return found


def _anchor_or_alias(content: str) -> tuple[str, int] | None:
    """The first anchor (``&a``) or alias (``*a``) of a YAML block, and its 0-based line.

    Refused: a few hundred bytes of nested aliases expand to billions of values (the "billion
    laughs"), and front matter never needs them. Only the events are read, nothing is built."""
    if "&" not in content and "*" not in content:
        return None
    for event in yaml.parse(content, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            return f"alias '*{event.anchor}'", event.start_mark.line
        if getattr(event, "anchor", None):
            return f"anchor '&{event.anchor}'", event.start_mark.line
    return None


def read_front_matter(content: str) -> FrontMatter:
    """The pairs of a front-matter block (without its ``---`` lines), read with PyYAML's safe
    loader (libyaml, the parser Jekyll's Psych uses, when available). A block YAML cannot read,
    one that is not a mapping, or one with anchors or aliases has a ``problem``; its keys then
    come from a tolerant line-by-line reading."""
    if not content.strip():
        return FrontMatter([])
    try:
        refused = _anchor_or_alias(content)
        if refused is not None:
            what, line = refused
            problem = f"not allowed in front matter: YAML {what} (write each value out)"
            return FrontMatter(_tolerant_pairs(content), problem, line)
        node = yaml.compose(content, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "cannot be read"
        if error.context:
            problem = f"{problem} ({error.context})"
        line = mark.line if mark is not None else 0
        return FrontMatter(_tolerant_pairs(content), f"not valid YAML: {problem}", line)
    except yaml.YAMLError as error:
        return FrontMatter(_tolerant_pairs(content), f"not valid YAML: {error}", 0)
    if node is None:
        return FrontMatter([])
    if not isinstance(node, yaml.MappingNode):
        return FrontMatter(
            [], "front matter is not a list of 'key: value' lines", node.start_mark.line
        )
    pairs = [
        (_scalar_text(key).strip(), _scalar_text(value).strip(), key.start_mark.line)
        for key, value in node.value
    ]
    return FrontMatter(pairs)


def split_front_matter(text: str) -> tuple[str, int] | None:
    """The front-matter block of decoded text (between a first line ``---`` and the next line
    ``---`` or ``...``) and the 0-based line where the body starts; None without one."""
    if not text.startswith("---"):
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None
    for number in range(1, len(lines)):
        if lines[number].rstrip() in ("---", "..."):
            return "\n".join(lines[1:number]), number + 1
    return None


def front_matter_of(text: str) -> FrontMatter:
    """The front matter of a note's decoded text (empty when it has none)."""
    block = split_front_matter(text)
    return read_front_matter(block[0]) if block is not None else FrontMatter([])


# ---------------------------------------------------------------------------------------------
# video links

VIDEO_LINK = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?:youtube\.com/watch\s*[?؟]\s*(?:[^\s)）#]*?&(?:amp;)?)?v="
    r"|youtu\.be/)([A-Za-z0-9_\-]*)([^\s)）\]]*)"
)
VIDEO_TIME_PARAM = re.compile(r"(?:^|[?&؟;#])(?:amp;)?t=([0-9hms]+)")
_HMS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")
VIDEO_ID_LENGTH = 11


def parse_video_time(value: str) -> int | None:
    """``217``, ``217s``, ``3m37s``, ``1h2m3s`` → seconds."""
    match = _HMS.match(value)
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_video_url(url: str) -> tuple[str | None, int | None] | None:
    """``(video id, start seconds)`` for a YouTube URL, ``None`` when it is not one."""
    match = VIDEO_LINK.search(url)
    if not match:
        return None
    time = VIDEO_TIME_PARAM.search(match.group(2))
    return (match.group(1) or None), (parse_video_time(time.group(1)) if time else None)


def first_video_id(text: str) -> str | None:
    """The first well-formed (11-character) video id linked anywhere in ``text``."""
    for match in VIDEO_LINK.finditer(text):
        if len(match.group(1)) == VIDEO_ID_LENGTH:
            return match.group(1)
    return None
