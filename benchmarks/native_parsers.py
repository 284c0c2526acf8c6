"""Evaluate native (Rust) Markdown parsers against the notes' one parse (markdown-it-py with
dollar maths, front matter and tables): a golden diff of what the document model reads, and
the parse time, on the example course's notes and the real 2020 sample.

For every note, the current parse gives the reference (``parse_note``): headings (level, line,
text), formulas (``$`` or ``$$``, TeX as written, line), links and Markdown images
(destination, line), raw HTML blocks (first and last line) and inline HTML (tag, line), tables
(first line), and how many emphases and strong emphases the note has (CJK text next to ``**``
is where parsers part ways). Each candidate's own tree is read into the same shape and the two
are compared as multisets; the script prints how many items differ per kind, with examples,
then the parse time of each parser over all notes (same process, runs interleaved, median of
CPU seconds).

Candidates (each used when installed; neither is a dependency of dlcourse):

* comrak through ``comrak-ext`` (Rust comrak: CommonMark + GFM tables, front matter, dollar
  maths, source positions on every node);
* ``markdown-it-pyrs`` (Rust markdown-it: CommonMark + tables + front matter; it has no maths
  plugin, so every formula counts as missing, and its source map is byte offsets).

    pip install comrak-ext markdown-it-pyrs
    python benchmarks/native_parsers.py [--sample DIR] [--repeat 5] [--examples 3]

The figures and the differences found are recorded in docs/notes-model.md.
"""

from __future__ import annotations

import argparse
import bisect
import re
import resource
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from markdown_it.common.html_re import HTML_TAG_RE

from dlcourse.notes.document import NoteDocument, _inline_text, parse_note
from dlcourse.notes.markdown import shared_markdown

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DOCS = ROOT / "src" / "dlcourse" / "examples" / "dlsp20" / "docs"
SAMPLE = ROOT.parent / "shared" / "corpus" / "dlsp20-sample"
KINDS = ("heading", "formula", "link", "image", "html block", "html inline", "table", "emphasis")

Item = tuple[Any, ...]
Model = dict[str, Counter[Item]]


def _empty() -> Model:
    return {kind: Counter() for kind in KINDS}


def _tag(html: str) -> str:
    return html.split(None, 1)[0].rstrip(">").lower() if html.strip() else ""


# -- the reference: today's document model -----------------------------------------------------
def reference_model(doc: NoteDocument) -> Model:
    model = _empty()
    for heading in doc.headings:
        text = _inline_text(doc.tokens[heading.token_index + 1].children or [])
        model["heading"][(heading.level, heading.line, text)] += 1
    for formula in doc.maths:
        dollars = "$" if formula.delimiter == "$" else "$$"
        model["formula"][(dollars, formula.source, formula.line)] += 1
    for link in doc.links:
        model["link"][(link.href, link.line)] += 1
    for figure in doc.figures:
        if not figure.html:
            model["image"][(figure.src, figure.line)] += 1
    for fragment in doc.html_blocks:
        if fragment.inline:
            model["html inline"][(_tag(fragment.html), fragment.line)] += 1
        else:
            model["html block"][(fragment.line, fragment.end_line)] += 1
    for token in doc.tokens:
        if token.type == "table_open" and token.map:
            model["table"][(token.map[0] + 1,)] += 1
        for child in token.children or ():
            if child.type in ("em_open", "strong_open"):
                model["emphasis"][(child.tag,)] += 1
    return model


# -- comrak ----------------------------------------------------------------------------------
def comrak_parser() -> Callable[[str], Any] | None:
    try:
        import comrak
    except ImportError:
        return None
    extensions = comrak.ExtensionOptions(
        table=True, front_matter_delimiter="---", math_dollars=True, footnotes=True
    )
    options = comrak.ParseOptions()
    return lambda text: comrak.parse_document(text, extensions, options)


def _kind(node: Any) -> str:
    return type(node.node_value).__name__


def _comrak_text(node: Any) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = _kind(child)
        value = child.node_value
        if kind == "Text":
            parts.append(value.value)
        elif kind in ("Code", "Math"):
            parts.append(value.value.literal)
        elif kind in ("SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind not in ("HtmlInline", "Image"):
            parts.append(_comrak_text(child))
    return "".join(parts)


def _comrak_only_comments(heading: Any) -> bool:
    """As the model: a heading of nothing but HTML comments (``## <!--…-->``) is no heading."""
    commented = False
    for child in heading.children:
        kind = _kind(child)
        if kind == "HtmlInline" and child.node_value.value.startswith("<!--"):
            commented = True
        elif kind == "Text" and not child.node_value.value.strip():
            continue
        elif kind != "SoftBreak":
            return False
    return commented


def comrak_model(tree: Any) -> Model:
    model = _empty()
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.children))
        kind = _kind(node)
        value = node.node_value
        line = node.sourcepos.start.line
        if kind == "Heading":
            if not _comrak_only_comments(node):
                model["heading"][(value.value.level, line, _comrak_text(node).strip())] += 1
        elif kind == "Math":
            dollars = "$$" if value.value.display_math else "$"
            model["formula"][(dollars, value.value.literal, line)] += 1
        elif kind == "Link":
            model["link"][(unquote(value.value.url), line)] += 1
        elif kind == "Image":
            model["image"][(unquote(value.value.url), line)] += 1
        elif kind == "HtmlBlock":
            model["html block"][(line, node.sourcepos.end.line)] += 1
        elif kind == "HtmlInline":
            model["html inline"][(_tag(value.value), line)] += 1
        elif kind == "Table":
            model["table"][(line,)] += 1
        elif kind in ("Emph", "Strong"):
            model["emphasis"][("em" if kind == "Emph" else "strong",)] += 1
    return model


# -- comrak with today's maths rules, insides masked ---------------------------------------
MASK = "\ue000"  # private use: no Markdown rule acts on it, and it never occurs in a note
_MASKED = re.compile(r"\$\$?[\ue000\n]+\$\$?")
_PREFIX = re.compile(r"[ \t>]*")  # a continuation line's container prefix, kept unmasked
_QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>[ \t]?)+")  # what markdown-it strips in a $$ block
_NEWLINE = re.compile("\n")
_SPECIAL = re.compile(r"[\\`<$\]]")
_AUTOLINK = re.compile(r"<[a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\x00-\x20]*>")


@dataclass
class MathSpan:
    start: int  # the opening dollar
    end: int  # after the closing dollar
    dollars: str  # "$" or "$$"
    display_block: bool
    indent: int = 0  # an inline formula's container indent (a list item's content column)

    def content(self, text: str) -> str:
        """The TeX as markdown-it hands it on: continuation lines without a block quote's
        ``>``, and an inline formula's without its container's indent (markdown-it keeps
        what is indented beyond it, and all of it in a ``$$`` block)."""
        size = len(self.dollars)
        inside = text[self.start + size : self.end - size]
        if "\n" not in inside:
            return inside
        first, *rest = inside.split("\n")
        lines = [first]
        for line in rest:
            line = _QUOTE_PREFIX.sub("", line, count=1)
            spaces = len(line) - len(line.lstrip(" "))
            lines.append(line[min(spaces, self.indent) :])
        return "\n".join(lines)


def _char_offsets(text: str) -> tuple[list[int], Callable[[int, int], int]]:
    """Line starts, and (line, byte column) of comrak's sourcepos → index into ``text``."""
    starts = [0] + [found.end() for found in _NEWLINE.finditer(text)]

    def offset(line: int, column: int) -> int:
        first = starts[line - 1]
        stop = starts[line] if line < len(starts) else len(text)
        row = text[first:stop]
        if row.isascii():
            return first + column - 1
        return first + len(row.encode()[: column - 1].decode(errors="ignore"))

    return starts, offset


def _escaped(src: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and src[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _destination_end(src: str, start: int) -> int | None:
    """After the ``)`` closing a link destination (and title) that starts at ``start``."""
    depth, index = 1, start
    while index < len(src):
        char = src[index]
        if char == "\\":
            index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "\n" and src.startswith("\n", index + 1):
            return None
        index += 1
    return None


def block_math_spans(text: str, tree: Any) -> list[MathSpan]:
    """``$$`` blocks by the dollarmath block rule: a paragraph of the first parse that starts
    with ``$$`` (the rule runs where a paragraph would start, and never interrupts one), up to
    the first line ending in ``$$``, with no blank line between. Found on raw lines before the
    inline scan, as markdown-it parses blocks first: a line such as ``- b`` inside the formula
    is the formula's, though the first parse ended the paragraph there."""
    starts, offset = _char_offsets(text)
    lines = text.split("\n")
    paragraphs = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _kind(node) == "Paragraph":
            position = node.sourcepos.start
            at = offset(position.line, position.column)
            if text.startswith("$$", at):
                paragraphs.append((position.line - 1, at))
            continue
        stack.extend(node.children)
    spans: list[MathSpan] = []
    covered = -1
    for number, at in sorted(paragraphs):
        if number <= covered:
            continue
        line = lines[number]
        rest = text[at : starts[number] + len(line)].strip()
        end_line, close = None, 0
        if len(rest) > 3 and rest.endswith("$$"):
            end_line, close = number, len(line.rstrip())
        elif len(rest) <= 3 or "$$" not in rest[2:]:
            for later in range(number + 1, len(lines)):
                body = _PREFIX.sub("", lines[later], count=1)
                if not body.strip():
                    break
                if body.rstrip().endswith("$$"):
                    end_line, close = later, len(lines[later].rstrip())
                    break
        if end_line is None:
            continue
        span = MathSpan(at, starts[end_line] + close, "$$", True)
        if span.content(text).strip():
            spans.append(span)
            covered = end_line
    return spans


def scan_math(src: str, base: int, spans: list[MathSpan], indent: int = 0) -> None:
    """Formulas of one inline container's source (``base``: its offset in the note), found as
    markdown-it's inline rules would: code spans, autolinks and HTML tags first at their
    position, a backslash escapes, then the dollarmath rule (spaces and digits allowed)."""
    index, size = 0, len(src)
    while index < size:
        special = _SPECIAL.search(src, index)  # jump over plain text
        if special is None:
            return
        index = special.start()
        char = src[index]
        if char == "\\":
            index += 2
        elif char == "`":
            run = len(src[index:]) - len(src[index:].lstrip("`"))
            close = src.find("`" * run, index + run)
            while close >= 0 and src[close + run : close + run + 1] == "`":
                close = src.find("`" * run, close + run + 1)
            index = close + run if close >= 0 else index + run
        elif char == "<":
            found = _AUTOLINK.match(src, index) or HTML_TAG_RE.match(src, index)
            index = found.end() if found else index + 1
        elif char == "]":
            # a link's destination is no text: '[x](http://e.com/$a$)' holds no formula
            end = _destination_end(src, index + 2) if src.startswith("(", index + 1) else None
            index = end if end is not None else index + 1
        elif char == "$" and not _escaped(src, index):
            double = src.startswith("$$", index)
            close = index + (2 if double else 1)
            while True:
                close = src.find("$$" if double else "$", close)
                if close < 0 or not _escaped(src, close):
                    break
                close += 1
            if close >= 0 and close > index + (2 if double else 1):
                end = close + (2 if double else 1)
                dollars = "$$" if double else "$"
                spans.append(MathSpan(base + index, base + end, dollars, False, indent))
                index = end
            else:
                index += 1
        else:
            index += 1


def find_math_spans(text: str, tree: Any) -> list[MathSpan]:
    """The formulas of a note, from its first parse (maths off): ``$$`` blocks on raw lines,
    then the raw source of every paragraph, heading and table cell, scanned by
    :func:`scan_math` with the blocks blanked out."""
    _, offset = _char_offsets(text)
    spans = block_math_spans(text, tree)
    scanned = text
    if spans:
        parts, done = [], 0
        for span in spans:
            inside = text[span.start : span.end]
            parts += [text[done : span.start], re.sub(r"[^\n]", " ", inside)]
            done = span.end
        scanned = "".join([*parts, text[done:]])
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = _kind(node)
        if kind in ("Paragraph", "Heading", "TableCell"):
            position = node.sourcepos
            start = offset(position.start.line, position.start.column)
            end = offset(position.end.line, position.end.column + 1)
            if "$" in scanned[start:end]:
                first_line = text[start - position.start.column + 1 : start]
                indent = len(_QUOTE_PREFIX.sub("", first_line, count=1))
                scan_math(scanned[start:end], start, spans, indent)
            continue
        stack.extend(reversed(node.children))
    return sorted(spans, key=lambda span: span.start)


def mask(text: str, spans: list[MathSpan]) -> str:
    """The text with each formula's inside masked (its dollars, its line ends and the
    container prefix of its continuation lines kept, so that lines and blocks stay)."""
    parts, done = [], 0
    for span in spans:
        size = len(span.dollars)
        inside = text[span.start + size : span.end - size]
        lines = inside.split("\n")
        masked = [MASK * len(lines[0])]
        for line in lines[1:]:
            prefix = _PREFIX.match(line).end()
            masked.append(line[:prefix] + MASK * (len(line) - prefix))
        parts += [text[done : span.start + size], "\n".join(masked)]
        done = span.end - size
    parts.append(text[done:])
    return "".join(parts)


def masked_comrak_parser() -> Callable[[str], tuple[Any, list[MathSpan]]] | None:
    try:
        import comrak
    except ImportError:
        return None
    extensions = comrak.ExtensionOptions(table=True, front_matter_delimiter="---", footnotes=True)
    options = comrak.ParseOptions()

    def parse(text: str) -> tuple[Any, list[MathSpan]]:
        tree = comrak.parse_document(text, extensions, options)
        spans = find_math_spans(text, tree) if "$" in text else []
        if spans:
            tree = comrak.parse_document(mask(text, spans), extensions, options)
        return tree, spans

    return parse


def masked_comrak_model(text: str, tree: Any, spans: list[MathSpan]) -> Model:
    """As :func:`comrak_model`; formulas are the spans that the second parse kept as text
    (a masked formula that ends up in a link destination or code is lost)."""
    model = comrak_model(tree)
    starts, _ = _char_offsets(text)
    by_line: dict[int, list[MathSpan]] = {}
    for span in spans:
        by_line.setdefault(bisect.bisect_right(starts, span.start), []).append(span)
    # headings: the masked formulas in their text → the formulas' TeX, as the model reads them
    for (level, line, heading), count in list(model["heading"].items()):
        if MASK in heading:
            contents = [span.content(text) for span in by_line.get(line, [])]
            fixed = _unmask(heading, contents)
            del model["heading"][(level, line, heading)]
            model["heading"][(level, line, fixed)] += count
    kept = sum(len(_MASKED.findall(value)) for value in _texts(tree))
    for span in spans[:kept]:
        line = bisect.bisect_right(starts, span.start)
        model["formula"][(span.dollars, span.content(text), line)] += 1
    return model


def _unmask(masked_text: str, contents: list[str]) -> str:
    """The masked formulas of a text replaced by their TeX, in order."""
    parts = _MASKED.split(masked_text)
    tex = contents + [""] * len(parts)
    return "".join(
        part + (tex[index] if index < len(parts) - 1 else "") for index, part in enumerate(parts)
    )


def _texts(tree: Any) -> list[str]:
    """The text of each inline container, soft breaks as new lines."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _kind(node) in ("Paragraph", "Heading", "TableCell"):
            found.append(_comrak_raw_text(node))
            continue
        stack.extend(reversed(node.children))
    return found


def _comrak_raw_text(node: Any) -> str:
    parts = []
    for child in node.children:
        kind = _kind(child)
        if kind == "Text":
            parts.append(child.node_value.value)
        elif kind in ("SoftBreak", "LineBreak"):
            parts.append("\n")
        elif kind not in ("Code", "HtmlInline"):
            parts.append(_comrak_raw_text(child))
    return "".join(parts)


# -- markdown-it-pyrs ------------------------------------------------------------------------
def pyrs_parser() -> Callable[[str], Any] | None:
    try:
        from markdown_it_pyrs import MarkdownIt
    except ImportError:
        return None
    return MarkdownIt("commonmark").enable_many(["table", "front_matter"]).tree


def _line_index(data: bytes) -> Callable[[int], int]:
    starts = [0] + [index + 1 for index, byte in enumerate(data) if byte == 0x0A]
    return lambda offset: bisect.bisect_right(starts, offset)


def _pyrs_text(node: Any) -> str:
    parts = []
    for child in node.children:
        if child.name in ("text", "code_inline"):
            parts.append(child.meta.get("content", ""))
        elif child.name in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.name not in ("html_inline", "image"):
            parts.append(_pyrs_text(child))
    return "".join(parts)


def pyrs_model(tree: Any, text: str) -> Model:
    model = _empty()
    line_of = _line_index(text.encode())
    for node in tree.walk():
        if node.srcmap is None:
            continue
        line = line_of(node.srcmap[0])
        name = node.name
        if name == "heading":
            model["heading"][(node.meta["level"], line, _pyrs_text(node).strip())] += 1
        elif name in ("link", "image"):
            model[name][(unquote(node.meta.get("url", "")), line)] += 1
        elif name == "html_block":
            model["html block"][(line, line_of(max(node.srcmap[1] - 1, 0)))] += 1
        elif name == "html_inline":
            model["html inline"][(_tag(node.meta.get("content", "")), line)] += 1
        elif name == "table":
            model["table"][(line,)] += 1
        elif name in ("em", "strong"):
            model["emphasis"][(name,)] += 1
    return model


# edge cases of the dollar rules and of masking, beside the corpus
CASES = [
    "a $a_b * c_d$ and *x*",
    "code `$x$` then $y$",
    "escaped \\$5 and $z$",
    "5$\\times$5 and $ p $",
    "html <span title='$q$'>$r$</span>",
    "- item\n\n  $$\n  a\n  - b\n  $$\n",
    "> quote $a\n> b$ end",
    "$$\nx = 1\n$$\ntext after",
    "text before\n$$\nx = 1\n$$",
    "| a | b |\n|---|---|\n| $x|y$ | 2 |",
    "[link $t$](http://e.com/$a$)",
    "# Title $\\Leftarrow$ x",
    "$$ a $$ b $$",
    "a $$b$$ c",
    "line $a\n\nb$ para",
    "<http://a.com/$x$> $y$",
    "`` a`$b$ `` $c$",
    "$$x$$ (1)\n",
    "x\n$$\n- a\n$$\n",
    "> $$\n> a = b\n>   c\n> $$\n",
    "- $$\n  a\n  $$\n",
    "1. item $x$\n   $y\n      z$",
]


# -- comparison ------------------------------------------------------------------------------
def diff(reference: Model, candidate: Model) -> dict[str, tuple[list[Item], list[Item]]]:
    """Per kind: (items only in the reference, items only in the candidate)."""
    return {
        kind: (
            list((reference[kind] - candidate[kind]).elements()),
            list((candidate[kind] - reference[kind]).elements()),
        )
        for kind in KINDS
    }


def note_files(roots: Iterable[Path]) -> list[Path]:
    return [path for root in roots for path in sorted(root.glob("*/week*/*.md"))]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_parsers(
    texts: list[str], parsers: dict[str, Callable[[str], Any]], repeat: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in parsers}
    for _ in range(repeat):
        for name, parse in parsers.items():
            start = cpu_seconds()
            for text in texts:
                parse(text)
            times[name].append(cpu_seconds() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def report(
    name: str,
    docs: list[NoteDocument],
    read: Callable[[NoteDocument], Model],
    totals: Counter[str],
    examples: int,
) -> None:
    counts = {kind: [0, 0] for kind in KINDS}
    shown: dict[str, list[str]] = {kind: [] for kind in KINDS}
    differing = 0
    for doc in docs:
        differences = diff(reference_model(doc), read(doc))
        differing += any(missing or extra for missing, extra in differences.values())
        for kind, (missing, extra) in differences.items():
            counts[kind][0] += len(missing)
            counts[kind][1] += len(extra)
            for sign, items in (("-", missing), ("+", extra)):
                for item in items[: max(examples * 2 - len(shown[kind]), 0)]:
                    shown[kind].append(f"{sign} {doc.rel_path or doc.path}: {item!r:.140}")
    print(f"## {name}: {differing} of {len(docs)} notes differ")
    print("| kind | reference | only in reference | only in candidate |")
    print("|---|---|---|---|")
    for kind in KINDS:
        print(f"| {kind} | {totals[kind]} | {counts[kind][0]} | {counts[kind][1]} |")
    for kind in KINDS:
        for line in shown[kind]:
            print(f"    {kind}: {line}")
    print()


def check_cases(masked: Callable[[str], tuple[Any, list[MathSpan]]]) -> None:
    differing = []
    for text in CASES:
        reference = reference_model(parse_note(text, path=None))
        candidate = masked_comrak_model(text, *masked(text))
        for kind, (missing, extra) in diff(reference, candidate).items():
            if missing or extra:
                differing.append(f"    {text!r}: {kind} − {missing} + {extra}")
    print(f"edge cases: {len(CASES) - len(differing)} of {len(CASES)} agree")
    print("\n".join(differing) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--examples", type=int, default=3, help="differences shown per kind")
    args = parser.parse_args()

    roots = [EXAMPLE_DOCS] + ([args.sample] if args.sample.is_dir() else [])
    files = note_files(roots)
    docs = [parse_note(path, docs_dir=path.parents[2]) for path in files]
    texts = [doc.text for doc in docs]
    size = sum(len(text.encode()) for text in texts)
    print(f"{len(files)} notes, {size / 1e6:.2f} MB: " + ", ".join(str(root) for root in roots))
    totals: Counter[str] = Counter()
    for doc in docs:
        for kind, items in reference_model(doc).items():
            totals[kind] += sum(items.values())
    print("reference items: " + ", ".join(f"{kind} {totals[kind]}" for kind in KINDS) + "\n")

    comrak = comrak_parser()
    pyrs = pyrs_parser()
    if comrak is not None:
        report(
            "comrak (comrak-ext)",
            docs,
            lambda doc: comrak_model(comrak(doc.text)),
            totals,
            args.examples,
        )
    masked = masked_comrak_parser()
    if masked is not None:
        report(
            "comrak, maths by today's rules (found on a first parse, masked, parsed again)",
            docs,
            lambda doc: masked_comrak_model(doc.text, *masked(doc.text)),
            totals,
            args.examples,
        )
        check_cases(masked)
    if pyrs is not None:
        report(
            "markdown-it-pyrs",
            docs,
            lambda doc: pyrs_model(pyrs(doc.text), doc.text),
            totals,
            args.examples,
        )

    today = "markdown-it-py + plugins (today)"
    parsers: dict[str, Callable[[str], Any]] = {today: shared_markdown().parse}
    if comrak is not None:
        parsers["comrak (comrak-ext), tree in Python"] = comrak
        parsers["comrak + reading the tree into the model's shape"] = lambda text: comrak_model(
            comrak(text)
        )
    if masked is not None:
        parsers["comrak, today's maths rules (two parses + the scan)"] = masked
    if pyrs is not None:
        parsers["markdown-it-pyrs, tree in Python"] = pyrs
    medians = time_parsers(texts, parsers, args.repeat)
    print(f"parse time over the {len(texts)} notes, median of {args.repeat} (CPU s):")
    print("| parser | CPU s | MB/s | × today |")
    print("|---|---|---|---|")
    for name, seconds in medians.items():
        mb_per_s = size / 1e6 / seconds
        print(f"| {name} | {seconds:.3f} | {mb_per_s:.1f} | {seconds / medians[today]:.2f} |")


if __name__ == "__main__":
    main()
