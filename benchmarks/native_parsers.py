"""Evaluate native (Rust) Markdown parsers against the notes' one parse (markdown-it-py with
dollar maths, front matter and tables): a golden diff of what the document model reads, and
the parse time, on the example course's notes and the real 2020 sample.

For every note, the current parse gives the reference (``parse_note``): headings (level, line,
text), formulas (``$`` or ``$$``, TeX up to spacing, line), links and Markdown images
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
import resource
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

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


def _tex_words(tex: str) -> str:
    # a formula's TeX up to spacing: comrak drops a paragraph's continuation indent inside a
    # multi-line formula, markdown-it keeps it; TeX reads both alike
    return " ".join(tex.split())


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
        model["formula"][(dollars, _tex_words(formula.source), formula.line)] += 1
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
            model["formula"][(dollars, _tex_words(value.value.literal), line)] += 1
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
