"""ED: what an editor checks — titles present and unique, no duplicate figures, cross references."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from dlcourse.notes.findings import Edit, Hit
from dlcourse.notes.rules.base import rule

#: The marker that starts every placeholder of a ``dlcourse notes new`` skeleton. Distinct from
#: an ordinary "TODO" in prose or code, which ED005 leaves alone.
PLACEHOLDER = "TODO(scribe):"
_PLACEHOLDER = re.compile(r"TODO\(scribe\):?[^\n]*", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().casefold()


@rule("ED001", "heading-title", "error", ("editor", "headings"))
def heading_title(doc, ctx, params) -> Iterator[Hit]:
    """Every heading has a title (a time-stamp link alone is not a title)."""
    for heading in doc.headings:
        if not heading.title.strip():
            yield Hit(
                heading.line,
                f"h{heading.level} heading has no title",
                1,
                "write the subsection's title as the link text: ## [Title](video-url)",
            )


@rule("ED002", "heading-duplicate", "warning", ("editor", "headings"))
def heading_duplicate(doc, ctx, params) -> Iterator[Hit]:
    """No two headings of a note carry the same title."""
    first: dict[str, tuple[int, int]] = {}  # title → (line, position among the headings)
    for position, heading in enumerate(doc.headings):
        title = _norm(heading.title)
        if not title:
            continue
        if title in first:
            line, earlier = first[title]
            yield Hit(
                heading.line,
                f"heading {heading.title!r} repeats line {line}",
                1,
                "give each (sub)section its own title",
                key=f"repeat:{earlier}:{position}",
            )
        else:
            first[title] = (heading.line, position)


@rule("ED003", "figure-duplicate", "warning", ("editor", "figures"), scope="course")
def figure_duplicate(docs, ctx, params) -> Iterator[Hit]:
    """A figure is not shown twice: same file or same bytes, within a note or across its week.
    Editors remove figure duplicates between neighbouring subsections."""
    by_week: dict[tuple, dict[str, tuple]] = defaultdict(dict)
    for doc in docs:
        week_key = (doc.language, doc.week)
        for figure in doc.figures:
            if figure.path is None or ctx.outside_course(figure.path):
                continue  # FIG001 reports it, without looking
            if not figure.path.is_file():
                continue
            digest = ctx.file_hash(figure.path)
            if digest is None:
                continue
            seen = by_week[week_key]
            if digest in seen:
                other_doc, other = seen[digest]
                same = "the same file" if other.path == figure.path else "a byte-identical image"
                where = "" if other_doc is doc else f" in {other_doc.rel_path}"
                yield Hit(
                    figure.line,
                    f"figure {figure.src!r} shows {same} as line {other.line}{where}",
                    figure.column,
                    "show a figure once and refer back to it",
                    path=doc.rel_path,
                    key=f"duplicate:{figure.path}:{other.path}",
                )
            else:
                seen[digest] = (doc, figure)


def out_of_course(target, what: str) -> Hit:
    """The finding for a link or image whose path leaves the course folder: the site never
    publishes it, and the same words whether or not the target exists (see
    ``Context.outside_course``)."""
    return Hit(
        target.line,
        f"{what} leads out of the course folder",
        target.column,
        "the site publishes only files inside the course: put the file under docs/",
        key=f"outside:{target.path}",
    )


def page_exists(ctx, path) -> bool:
    """A link to a page: the .md file, or a pretty permalink folder of one."""
    if path.is_file():
        return True
    text = str(path).rstrip("/")
    candidates = [text + ".md", text + "/index.md"]
    if text.endswith(".html"):
        candidates.append(text[:-5] + ".md")
    return any(os.path.isfile(candidate) for candidate in candidates)


def _is_page_link(link, ctx) -> bool:
    path = link.path
    return path is not None and path.suffix in (".md", ".html", "")


@rule("ED004", "cross-reference", "error", ("editor", "links"))
def cross_reference(doc, ctx, params) -> Iterator[Hit]:
    """Links to other pages of the notes (previous/next section, other weeks) resolve.
    Relative links ('01-2.md'), site links ('{{site.baseurl}}/en/week01/01-2') and
    '{% link … %}' must name an existing note."""
    for link in doc.links:
        if not _is_page_link(link, ctx):
            continue
        if ctx.outside_course(link.path):
            yield out_of_course(link, f"cross reference {link.href!r}")
        elif not page_exists(ctx, link.path):
            yield Hit(
                link.line,
                f"cross reference {link.href!r} points to no page",
                link.column,
                "link the note's file, e.g. '01-2.md' or '{{site.baseurl}}/en/week01/01-2'",
                key=f"xref:{link.href}",
            )


def _code_lines(doc) -> set[int]:
    """Lines of fenced and indented code blocks (1-based)."""
    lines: set[int] = set()
    for token in doc.tokens:
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0] + 1, token.map[1] + 1))
    return lines


def _where(doc, line: int) -> str:
    if line <= doc.front_matter_end:
        for key, key_line in doc.front_matter_lines.items():
            if key_line == line:
                return f"front matter {key!r}"
        return "front matter"
    if any(heading.line == line for heading in doc.headings):
        return "heading"
    return "text"


@rule("ED005", "placeholder-text", "error", ("editor", "scribe"))
def placeholder_text(doc, ctx, params) -> Iterator[Hit]:
    """No skeleton placeholder is left: the title, front matter and text are the group's own.
    'dlcourse notes new' writes a skeleton whose placeholders start with 'TODO(scribe):' (the
    section title, each subsection's title and text, a missing lecturer). Each one still in the
    note is reported; an ordinary 'TODO' in prose or code is not, nor the marker in code."""
    code = _code_lines(doc)
    for number, text in enumerate(doc.lines, start=1):
        if number in code or "todo(" not in text.casefold():
            continue
        spans = [m.span() for m in _CODE_SPAN.finditer(text)]
        for match in _PLACEHOLDER.finditer(text):
            if any(start <= match.start() < end for start, end in spans):
                continue
            found = re.split(r"\]\(|-->", match[0])[0].strip().strip("\"'")
            if len(found) > 60:
                found = found[:57] + "…"
            yield Hit(
                number,
                f"skeleton placeholder left in the {_where(doc, number)}: {found!r}",
                match.start() + 1,
                "replace it with the group's own words",
            )
            break


def writers_level(doc) -> int:
    """The heading level of the note's stamped headings (the most used one; 2 when none)."""
    levels = Counter(sub.level for sub in doc.subsections)
    return levels.most_common(1)[0][0] if levels else 2


@rule("ED006", "heading-syntax", "error", ("editor", "headings", "timestamps"), fixable=True)
def heading_syntax(doc, ctx, params) -> Iterator[Hit]:
    """A line that looks like a heading is one.
    '##Title' or '##[Title](…)' with no space after the hashes is a heading for kramdown but
    text for CommonMark (this site, GitHub): the heading — and its time stamp — vanish
    (markdownlint's MD018). A time-stamp link alone on the first line of a paragraph,
    '[Title](…&t=…)', is a heading that lost its hashes: its writer's slice has no start. Either
    one is reported once here instead of as the missing stamps and shifted slices it causes.
    --fix adds the space, or the hashes at the level of the note's stamped headings."""
    level = writers_level(doc)
    for lookalike in doc.lookalikes:
        text = doc.lines[lookalike.line - 1]
        if lookalike.level:
            hashes = "#" * lookalike.level
            at = text.index(hashes)
            after = text[at + len(hashes)]
            yield Hit(
                lookalike.line,
                f"'{hashes}{after}…' is not a heading: CommonMark needs a space after '{hashes}'",
                at + 1,
                f"write '{hashes} {after}…' (--fix does it)",
                fix=(Edit(lookalike.line, hashes + after, f"{hashes} {after}"),),
            )
        else:
            stamped = f"{'#' * level} {text.strip()}"
            yield Hit(
                lookalike.line,
                f"time-stamp link {lookalike.title!r} stands alone on a line: a heading that "
                "lost its hashes, so its subsection has no start",
                1,
                f"write '{stamped[:60]}…' (--fix does it)",
                fix=(Edit(lookalike.line, text, stamped),),
            )
