"""The document model of one note: parsed once, used by the checker and the site.

``parse_note(path_or_text, ...) -> NoteDocument``. Every element keeps its 1-based source line
(the line in the file as written, front matter included). See ``docs/notes-model.md``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from markdown_it.token import Token

from dlcourse.course import Course
from dlcourse.course.layout import (
    VIDEO_LINK,
    VIDEO_TIME_PARAM,
    DecodeProblem,
    decode_text,
    note_path,
    notes_root_of,
    parse_video_time,
    read_front_matter,
)
from dlcourse.notes.markdown import normalize_liquid, shared_markdown, strip_baseurl
from dlcourse.notes.tex import unescape_kramdown
from dlcourse.notes.words import (
    count_plain_words,
    count_words,
    needs_script_ratio,
)

NoteKind = Literal["lecture", "practicum", "summary", "other"]

_IMG_TAG = re.compile(r"<img\b([^>]*)>?", re.IGNORECASE)
_ATTR = re.compile(r"""([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SCRIPT_LINK = re.compile(
    r"\[(?P<text>[^\]]*)\]\(\s*<?\s*(?P<inline>(?:javascript|vbscript|data:text/html)(?:[^\s()>]|\([^\s()]*\))*)"
    r"|^\s{0,3}\[[^\]]+\]:\s*<?\s*(?P<reference>(?:javascript|vbscript|data:text/html)\S*)",
    re.IGNORECASE,
)
_NO_SPACE_HEADING = re.compile(r"^ {0,3}(#{1,6})(?=[^\s#])")
_LINK_LINE = re.compile(r"^\[([^\]]*)\]\(\s*<?([^)\s>]+)>?\s*\)\s*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


@dataclass(frozen=True)
class VideoStamp:
    """A heading's link to the lecture video at a start time."""

    url: str  # as written (after Liquid normalisation)
    video_id: str | None
    seconds: int | None
    line: int
    column: int
    is_link: bool  # markdown-it made a link of it (False: full-width brackets, '] (', bare URL)
    problems: tuple[str, ...] = ()  # human-readable defects of the link as written


@dataclass
class Heading:
    level: int
    title: str  # plain text (link text kept, URL dropped; maths as its TeX)
    line: int
    stamp: VideoStamp | None
    token_index: int
    words: int = 0  # words from this heading to the next heading of any level


@dataclass
class Subsection:
    """A writer's slice: from a heading with a video time stamp to the next such heading."""

    heading: Heading
    end_line: int  # last line (inclusive)
    words: int = 0

    @property
    def title(self) -> str:
        return self.heading.title

    @property
    def level(self) -> int:
        return self.heading.level

    @property
    def line(self) -> int:
        return self.heading.line

    @property
    def video_id(self) -> str | None:
        return self.heading.stamp.video_id if self.heading.stamp else None

    @property
    def start(self) -> int | None:
        return self.heading.stamp.seconds if self.heading.stamp else None


@dataclass
class Section:
    """A top-level heading of the body (the shallowest level used) and what follows it."""

    heading: Heading
    end_line: int
    headings: list[Heading] = field(default_factory=list)  # nested headings
    words: int = 0

    @property
    def title(self) -> str:
        return self.heading.title

    @property
    def line(self) -> int:
        return self.heading.line

    @property
    def level(self) -> int:
        return self.heading.level


@dataclass(frozen=True)
class Formula:
    source: str  # the TeX as written between the delimiters
    tex: str  # what the maths engine receives (kramdown's ``\_`` undone in single-dollar maths)
    display: bool
    delimiter: Literal["$", "$$", "$$block"]
    line: int
    end_line: int


@dataclass(frozen=True)
class Figure:
    src: str  # as written (Liquid normalised)
    path: Path | None  # resolved local file (None: external URL or unresolvable)
    alt: str | None  # None: no alt attribute at all
    line: int
    column: int
    html: bool  # raw <img> (True) or Markdown ![]() (False)


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    path: Path | None  # resolved local target (fragment/query dropped); None when external
    line: int
    column: int


@dataclass(frozen=True)
class HtmlFragment:
    html: str
    line: int
    end_line: int
    inline: bool


@dataclass
class NoteDocument:
    path: Path | None
    text: str  # decoded, BOM removed, CRLF → LF, Liquid normalised; what was parsed
    lines: list[str]
    docs_dir: Path | None = None
    rel_path: str | None = None  # posix path relative to docs_dir, e.g. 'en/week01/01-1.md'
    has_bom: bool = False
    crlf: bool = False
    decode_error: DecodeProblem | None = None
    front_matter: dict[str, str] = field(default_factory=dict)
    front_matter_lines: dict[str, int] = field(default_factory=dict)
    front_matter_end: int = 0  # line of the closing '---' (0: none)
    front_matter_problem: str | None = None  # YAML error or non-mapping block
    front_matter_problem_line: int = 0
    tokens: list[Token] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    subsections: list[Subsection] = field(default_factory=list)
    maths: list[Formula] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    html_blocks: list[HtmlFragment] = field(default_factory=list)
    # lines that look like headings but are paragraph text: '##Title' (no space after the
    # hashes: a heading for kramdown, not for CommonMark) and a time-stamp link alone on a line
    # (a heading that lost its hashes); level 0 when the hashes are missing
    lookalikes: list[Heading] = field(default_factory=list)
    language: str | None = None
    week: int | None = None
    part: int | None = None
    kind: NoteKind = "other"
    words: int = 0
    too_large: tuple[int, int] | None = None  # (bytes, limit): not parsed, see DEFAULT_MAX_BYTES

    @property
    def lang_ref(self) -> str | None:
        value = self.front_matter.get("lang-ref")
        return value or None

    @property
    def title(self) -> str | None:
        return self.front_matter.get("title") or None

    @property
    def slot(self) -> str | None:
        """``NN-K`` for a lecture or practicum part, ``NN`` for a week summary."""
        if self.week is None:
            return None
        return f"{self.week:02d}" if self.part is None else f"{self.week:02d}-{self.part}"

    def column_of(self, line: int, needle: str, default: int = 1) -> int:
        """1-based column of ``needle`` on ``line`` (``default`` when absent)."""
        if 1 <= line <= len(self.lines) and needle:
            index = self.lines[line - 1].find(needle)
            if index >= 0:
                return index + 1
        return default


# ---------------------------------------------------------------------------------------------
# reading


def formula_words(formula: Formula) -> int:
    """A formula counts as words, as the course page says: one per inline formula, one per
    non-empty line of a display formula."""
    if not formula.display:
        return 1
    return max(1, sum(1 for line in formula.source.splitlines() if line.strip()))


def _stamp(url: str, line: int, column: int, is_link: bool, raw_line: str) -> VideoStamp | None:
    match = VIDEO_LINK.search(url)
    if not match:
        return None
    video_id = match.group(1) or None
    rest = match.group(2)
    time = VIDEO_TIME_PARAM.search(rest)
    seconds = parse_video_time(time.group(1)) if time else None
    problems: list[str] = []
    if "؟" in match.group(0):
        problems.append("Arabic question mark '؟' in place of '?'")
    if "&amp;" in match.group(0):
        problems.append("'&amp;' in place of '&'")
    if video_id is None or len(video_id) != 11:
        problems.append(f"video id {video_id!r} is not 11 characters")
    if time is None:
        problems.append("no start time ('&t=SECONDS')")
    elif seconds is None:
        problems.append(f"start time {time.group(1)!r} is not seconds or 1h2m3s")
    if not is_link:
        if "（" in raw_line or "）" in raw_line:
            problems.append("full-width parentheses '（…）' around the URL")
        elif re.search(r"\]\s+\(", raw_line):
            problems.append("a space between ']' and '('")
        else:
            problems.append("bare URL, not a Markdown link")
    return VideoStamp(match.group(0), video_id, seconds, line, column, is_link, tuple(problems))


def _blank_comments(html: str) -> str:
    """HTML comments replaced by spaces (lines kept): commented-out images are not shown."""
    if "<!--" not in html:
        return html
    return _COMMENT.sub(_spaces, html)


def _spaces(match: re.Match[str]) -> str:
    return "\n".join(" " * len(part) for part in match.group(0).split("\n"))


def _img_attrs(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): next(g for g in (m.group(3), m.group(4), m.group(5)) if g is not None)
        for m in _ATTR.finditer(tag)
    }


def _resolve(src: str, note_dir: Path | None, docs_dir: Path | None) -> Path | None:
    src = strip_baseurl(unquote(src)).strip()
    if not src or src.startswith("#") or _SCHEME.match(src) or src.startswith("//"):
        return None
    src = src.split("#", 1)[0].split("?", 1)[0]
    if not src:
        return None
    if src.startswith("/"):
        return (docs_dir / src.lstrip("/")) if docs_dir else None
    return (note_dir / src) if note_dir else None


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline") or child.type.startswith("math_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _fill_front_matter(doc: NoteDocument, content: str, first_line: int) -> None:
    front = read_front_matter(content)
    for key, value, offset in front.pairs:
        # a repeated key: the last one wins, as in Jekyll
        doc.front_matter[key] = value
        doc.front_matter_lines[key] = first_line + 1 + offset
    if front.problem is not None:
        doc.front_matter_problem = front.problem
        doc.front_matter_problem_line = first_line + 1 + front.problem_line


@lru_cache(maxsize=16)
def _resolved(folder: Path) -> Path:
    """A docs folder's real path (asked once per note, the same few folders every time)."""
    return folder.resolve()


def locate_in_docs(path: Path, docs_dir: Path | None) -> tuple[Path | None, str | None]:
    """The docs folder and the note's posix path inside it (inferred from the layout
    ``<docs>/<lang>/weekNN/file.md`` when ``docs_dir`` is not given)."""
    if docs_dir is not None:
        try:
            return docs_dir, path.resolve().relative_to(_resolved(docs_dir)).as_posix()
        except ValueError:
            pass
    root = notes_root_of(path)
    if root is not None:
        return root, "/".join(path.parts[-3:])
    return None, None


#: The largest note parsed when neither the caller nor a course says (``[notes]
#: max_note_bytes``): parsing takes time and memory in proportion to a note's size (about
#: 10 CPU-s and 500 MB for a 2 MB table), so a note from a pull request must not be unbounded.
DEFAULT_MAX_BYTES = 1_048_576


def parse_note(
    source: Path | str | bytes,
    *,
    path: Path | None = None,
    docs_dir: Path | None = None,
    course: Course | None = None,
    language: str | None = None,
    words: bool = True,
    max_bytes: int | None = None,
) -> NoteDocument:
    """Parse one note. ``source`` is a path (read from disk), text or bytes; ``path`` names the
    file when text is given. ``course`` (a :class:`dlcourse.course.Course`) supplies the docs
    folder and which parts are lectures or practicums; without it, parts 1–2 are lectures.
    ``words=False`` skips counting words (every ``words`` stays 0): for readers that never
    use them, such as the site, whose rules (maths, figures, HTML, encoding) do not either.

    A note over ``max_bytes`` (default: the course's ``[notes] max_note_bytes``, else
    :data:`DEFAULT_MAX_BYTES`) is not parsed: the document comes back empty, placed (language,
    week, part) and with ``too_large`` set, which the checker reports as ENC005."""
    if course is not None and docs_dir is None:
        docs_dir = course.docs_dir
    if max_bytes is None:
        max_bytes = note_size_limit(course)
    if isinstance(source, Path):
        path = source
        source = read_note_bytes(source, max_bytes)
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > max_bytes:
        if path is not None and path.is_file():
            size = max(size, path.stat().st_size)
        doc = NoteDocument(path=path, text="", lines=[""], too_large=(size, max_bytes))
        if path is not None:
            doc.docs_dir, doc.rel_path = locate_in_docs(path, docs_dir)
        _place(doc, course, language)
        return doc
    decoded = decode_text(source)
    text = normalize_liquid(decoded.text)
    doc = NoteDocument(
        path=path,
        text=text,
        lines=text.split("\n"),
        has_bom=decoded.has_bom,
        crlf=decoded.crlf,
        decode_error=decoded.problem,
    )
    if path is not None:
        doc.docs_dir, doc.rel_path = locate_in_docs(path, docs_dir)
    _place(doc, course, language)
    tokens = shared_markdown().parse(text)
    doc.tokens = tokens
    _walk(doc, tokens, words)
    return doc


def note_size_limit(course: Course | None) -> int:
    """The course's ``[notes] max_note_bytes``, or :data:`DEFAULT_MAX_BYTES` without one."""
    notes = getattr(course, "notes", None)
    return int(getattr(notes, "max_note_bytes", DEFAULT_MAX_BYTES))


def read_note_bytes(path: Path, max_bytes: int) -> bytes:
    """A note's bytes, at most ``max_bytes + 1`` of them: enough to tell a note over the limit,
    without reading all of a huge file (or a link to an endless device) into memory."""
    with open(path, "rb") as stream:
        return stream.read(max_bytes + 1)


def _place(doc: NoteDocument, course: Course | None, language: str | None) -> None:
    """Language, week, part and kind from the path (``course.layout.note_path``)."""
    rel = doc.rel_path
    if rel is None and doc.path is not None:
        rel = "/".join(doc.path.parts[-3:])
    place = note_path(rel) if rel else None
    doc.language = language or (place.language if place is not None else None)
    if place is None or place.week is None:
        return
    doc.week = place.week
    if place.part is None:
        doc.kind = "summary"
    else:
        doc.part = place.part
        doc.kind = meeting_kind(course, doc.week, doc.part)


def meeting_kind(course: Course | None, week: int, part: int) -> NoteKind:
    if course is not None:
        from dlcourse.notes.meetings import meeting_for

        meeting = meeting_for(course, week, part)
        if meeting is not None:
            return "practicum" if meeting.kind == "lab" else "lecture"
    return "lecture" if part in (1, 2) else "practicum"


def _walk(doc: NoteDocument, tokens: list[Token], words: bool = True) -> None:
    note_dir = doc.path.parent if doc.path is not None else None
    docs_dir = doc.docs_dir
    language = doc.language
    word_marks: list[tuple[int, float]] = []  # (line, words) of body text
    columns = _Columns(doc.lines)
    previous = ""
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            line = token.map[0] + 1 if token.map else 0
            count = words and previous != "heading_open"
            _walk_inline(doc, token, line, note_dir, docs_dir, word_marks, count, language, columns)
        elif kind == "heading_open":
            line = token.map[0] + 1 if token.map else 0
            _heading(doc, tokens, index, token, line)
        elif kind == "math_block" or kind == "math_block_label":
            # '$$ x $$ (1)' is a labelled block: the site renders it, so the rules check it
            line = token.map[0] + 1 if token.map else 0
            end = token.map[1] if token.map else line
            formula = Formula(token.content, token.content, True, "$$block", line, end)
            doc.maths.append(formula)
            if words:
                word_marks.append((line, formula_words(formula)))
        elif kind == "html_block":
            line = token.map[0] + 1 if token.map else 0
            end = token.map[1] if token.map else line
            doc.html_blocks.append(HtmlFragment(token.content, line, end, False))
            if "<img" in token.content or "<IMG" in token.content:
                _html_images(doc, token.content, line, note_dir, docs_dir)
        elif kind == "paragraph_open" and token.map:
            _lookalikes(doc, token.map[0], token.map[1])
        elif kind == "front_matter":
            line = token.map[0] + 1 if token.map else 0
            _fill_front_matter(doc, token.content, line)
            doc.front_matter_end = token.map[1] if token.map else 0
        previous = kind
    _structure(doc, word_marks)


def _heading(doc: NoteDocument, tokens: list[Token], index: int, token: Token, line: int) -> None:
    inline = tokens[index + 1]
    children = inline.children or []
    if only_comments(children):
        # '## <!--[English title](…&t=…)-->': a translator keeps the source heading out of
        # sight above their own; it shows nothing and is no heading, and its link no stamp
        return
    title = _inline_text(children)
    stamp = None
    raw_line = doc.lines[line - 1] if 0 < line <= len(doc.lines) else ""
    if "<!--" in raw_line:
        raw_line = _blank_comments(raw_line)
    for child in children:
        if child.type == "link_open":
            # markdown-it percent-encodes the destination ('؟' → '%D8%9F'): read it as written
            href = unquote(str(child.attrs.get("href", "")))
            stamp = _stamp(href, line, doc.column_of(line, "(", 1) + 1, True, raw_line)
            if stamp:
                break
    if stamp is None and ("youtu" in raw_line):
        stamp = _stamp(raw_line, line, doc.column_of(line, "http", 1), False, raw_line)
        if stamp is not None:
            url_at = title.find("http")
            title = title[:url_at].rstrip(" （(]-:").lstrip("[") if url_at >= 0 else title
            title = title.replace("[", "").replace("]", "").strip()
    doc.headings.append(Heading(int(token.tag[1]), title, line, stamp, index))


def _lookalikes(doc: NoteDocument, first: int, end: int) -> None:
    """Lines of a paragraph (0-based ``first`` to ``end``) that look like headings."""
    lines = doc.lines
    for index in range(first, min(end, len(lines))):
        text = lines[index]
        if "#" not in text[:4] and not (index == first and text.lstrip()[:1] == "["):
            continue
        hashes = _NO_SPACE_HEADING.match(text)
        if hashes and (len(hashes.group(1)) >= 2 or text[hashes.end()] == "["):
            rest = text[hashes.end() :]
            link = _LINK_LINE.match(rest)
            title = link.group(1) if link else rest.strip()
            stamp = _stamp(link.group(2), index + 1, 1, True, text) if link else None
            doc.lookalikes.append(Heading(len(hashes.group(1)), title, index + 1, stamp, -1))
        elif index == first:
            link = _LINK_LINE.match(text.strip())
            if link and "youtu" in link.group(2):
                stamp = _stamp(link.group(2), index + 1, 1, True, text)
                if stamp is not None and stamp.seconds is not None:
                    doc.lookalikes.append(Heading(0, link.group(1), index + 1, stamp, -1))


class _Columns:
    """Columns of the links and images of a line, searched forward from the last one found (they
    come in source order), so a line of 200,000 links costs one pass, not 200,000. A needle not
    found scans the rest of its line; the scans a line may cost are capped at a few times its
    length, past which columns default to 1: a note cannot make column finding quadratic."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.line = 0
        self.position = 0
        self.scanned = 0

    def find(self, line: int, needle: str) -> int | None:
        """1-based column of ``needle`` on ``line`` after the previous find there, or None."""
        if line != self.line:
            self.line, self.position, self.scanned = line, 0, 0
        if not needle or not 1 <= line <= len(self.lines):
            return None
        text = self.lines[line - 1]
        if self.scanned > 4 * len(text) + 256:
            return None
        index = text.find(needle, self.position)
        self.scanned += (len(text) if index < 0 else index) - self.position + len(needle)
        if index < 0:
            return None
        self.position = index + len(needle)
        return index + 1


def _refused_links(doc: NoteDocument, text: str, line: int, columns: _Columns) -> None:
    """Links markdown-it refuses to make because of their scheme (``[x](javascript:…)``, also
    as a reference definition) stay text here, but kramdown makes them live links on a Jekyll
    site: they join the note's links so that HTML001 reports them."""
    for match in _SCRIPT_LINK.finditer(text):
        href = match.group("inline") or match.group("reference")
        column = columns.find(line, href[:20]) or 1
        doc.links.append(Link(href, match.group("text") or "", None, line, column))


def only_comments(children: list[Token]) -> bool:
    """Whether a heading's content is nothing but HTML comments (and space)."""
    commented = False
    for child in children:
        if child.type == "html_inline" and child.content.startswith("<!--"):
            commented = True
        elif not (child.type in ("text", "softbreak") and not child.content.strip()):
            return False
    return commented


def _walk_inline(
    doc: NoteDocument,
    token: Token,
    line: int,
    note_dir: Path | None,
    docs_dir: Path | None,
    word_marks: list[tuple[int, float]],
    count: bool,  # count the words (body text, not a heading)
    language: str | None,
    columns: _Columns,
) -> None:
    current = line
    link_stack: list[tuple[str, int, list[str]]] = []
    # body words, in order: text runs (str) and formula word counts (int)
    runs: list[str | int] = []
    texts: list[str] = []
    for child in token.children or ():
        ctype = child.type
        if ctype == "text":
            if count:
                texts.append(child.content)
                runs.append(child.content)
            if link_stack:
                link_stack[-1][2].append(child.content)
            content = child.content
            if "](" in content or "]:" in content:
                _refused_links(doc, content, current, columns)
        elif ctype == "softbreak" or ctype == "hardbreak":
            current += 1
        elif ctype == "code_inline":
            if count:
                texts.append(child.content)
                runs.append(child.content)
        elif ctype == "math_inline" or ctype == "math_inline_double":
            content = child.content
            double = ctype == "math_inline_double"
            tex = content if double else unescape_kramdown(content)
            display = double and content.startswith("\n")
            end = current + content.count("\n")
            formula = Formula(content, tex, display, "$$" if double else "$", current, end)
            doc.maths.append(formula)
            if count:
                runs.append(formula_words(formula))
            current = end
        elif ctype == "image":
            src = unquote(str(child.attrs.get("src", "")))
            alt = "".join(c.content for c in child.children or [] if c.type == "text")
            column = columns.find(current, "![") or 1
            resolved = _resolve(src, note_dir, docs_dir)
            doc.figures.append(Figure(src, resolved, alt, current, column, False))
        elif ctype == "link_open":
            link_stack.append((unquote(str(child.attrs.get("href", ""))), current, []))
        elif ctype == "link_close" and link_stack:
            href, at, texts_in = link_stack.pop()
            found = columns.find(at, "](" + href[:20])
            column = found + 2 if found else (columns.find(at, href[:20]) or 1)
            doc.links.append(
                Link(href, "".join(texts_in), _resolve(href, note_dir, docs_dir), at, column)
            )
        elif ctype == "html_inline":
            content = child.content
            doc.html_blocks.append(
                HtmlFragment(content, current, current + content.count("\n"), True)
            )
            if content[:4].lower() == "<img":
                _html_images(doc, content, current, note_dir, docs_dir)
            current += content.count("\n")
    if not runs:
        return
    words = _run_words(runs, texts, language)
    if words:
        word_marks.append((line, words))


def _run_words(runs: list[str | int], texts: list[str], language: str | None) -> float:
    """The words of a paragraph's runs, as ``count_words`` of each run summed in order. Without
    a script counted by characters every run counts whole words (integers), and a space between
    runs never joins or splits a word, so one count over the joined text gives the same sum."""
    if texts:
        joined = " ".join(texts)
        if not needs_script_ratio(joined):
            words = float(count_plain_words(joined))
            if len(runs) != len(texts):
                words += sum(run for run in runs if run.__class__ is int)
            return words
    words = 0.0
    for run in runs:
        words += count_words(run, language) if run.__class__ is str else run
    return words


def _html_images(
    doc: NoteDocument, html: str, line: int, note_dir: Path | None, docs_dir: Path | None
) -> None:
    at, counted = line, 0  # lines counted up to ``counted``: linear however many images
    for match in _IMG_TAG.finditer(_blank_comments(html)):
        at += html.count("\n", counted, match.start())
        counted = match.start()
        attrs = _img_attrs(match.group(1))
        src = attrs.get("src", "")
        column = doc.column_of(at, "<img", 1) if match.group(0)[:4] == "<img" else 1
        doc.figures.append(
            Figure(src, _resolve(src, note_dir, docs_dir), attrs.get("alt"), at, column, True)
        )


def _structure(doc: NoteDocument, word_marks: list[tuple[int, float]]) -> None:
    last_line = len(doc.lines)
    headings = doc.headings
    marks = sorted(word_marks)
    doc.words = round(sum(words for _, words in marks))

    mark_lines = [line for line, _ in marks]

    def words_between(start: int, end: int) -> int:  # the marks in order, as a plain filter
        first = bisect_left(mark_lines, start)
        last = bisect_right(mark_lines, end, first)
        return round(sum(words for _, words in marks[first:last]))

    for position, heading in enumerate(headings):
        end = headings[position + 1].line - 1 if position + 1 < len(headings) else last_line
        heading.words = words_between(heading.line, end)
    stamped = [heading for heading in headings if heading.stamp is not None]
    for position, heading in enumerate(stamped):
        end = stamped[position + 1].line - 1 if position + 1 < len(stamped) else last_line
        doc.subsections.append(Subsection(heading, end, words_between(heading.line, end)))
    if headings:
        top = min(heading.level for heading in headings)
        tops = [heading for heading in headings if heading.level == top]
        heading_lines = [heading.line for heading in headings]  # in source order
        for position, heading in enumerate(tops):
            end = tops[position + 1].line - 1 if position + 1 < len(tops) else last_line
            # the headings after this one up to the next top one: found by bisection, so 50,000
            # headings cost 50,000 steps, not 50,000 squared
            first = bisect_right(heading_lines, heading.line)
            nested = headings[first : bisect_right(heading_lines, end, first)]
            doc.sections.append(Section(heading, end, nested, words_between(heading.line, end)))
