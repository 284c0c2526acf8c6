"""MATH: maths that the site's engine renders, written the way the style guide asks."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator

from dlcourse.notes.findings import Edit, Hit
from dlcourse.notes.rules.base import rule
from dlcourse.notes.tex import (
    check_formula_keyed,
    defines_macros,
    local_macros,
    macro_key,
    render_check,
)

_DOLLAR = re.compile(r"(?<!\\)\$")


def _norm(tex: str) -> str:
    """A formula with its spacing collapsed: the same formula in a source and a translation."""
    return " ".join(tex.split())


def _display_dollar_lines(doc) -> list[int]:
    """Lines holding a '$$' outside code blocks (a blank-line-free count per file)."""
    lines: list[int] = []
    text = doc.text
    if "$$" not in text:  # nothing to count (fences only matter around a '$$')
        return lines
    if "```" not in text and "~~~" not in text:  # no fence: every '$$' counts
        for number, line in enumerate(doc.lines, start=1):
            if "$$" in line:
                lines.extend([number] * line.count("$$"))
        return lines
    fence = False
    for number, line in enumerate(doc.lines, start=1):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if not fence and "$$" in line:
            lines.extend([number] * line.count("$$"))
    return lines


@rule("MATH001", "maths-delimiters", "error", ("maths",))
def maths_delimiters(doc, ctx, params) -> Iterator[Hit]:
    """Maths delimiters are balanced and display maths has no blank line inside.
    An odd number of '$' in a paragraph or of '$$' in a file leaves maths unrendered (and
    everything after it shifted); kramdown ends '$$' maths at a blank line."""
    for token in doc.tokens:
        if token.type != "inline" or not token.map or "$" not in token.content:
            continue
        stray = sum(
            len(_DOLLAR.findall(child.content))
            for child in token.children or []
            if child.type == "text"
        )
        if stray % 2 == 1:
            line = token.map[0] + 1
            yield Hit(
                line,
                "unbalanced '$' in this paragraph",
                doc.column_of(line, "$"),
                "close every $…$; write a literal dollar as \\$",
            )
    dollars = _display_dollar_lines(doc)
    if len(dollars) % 2 == 1:
        yield Hit(
            dollars[-1],
            f"odd number of '$$' in the file ({len(dollars)})",
            doc.column_of(dollars[-1], "$$"),
            "every $$ block needs its closing $$",
            key="odd-display",
        )
    for formula in doc.maths:
        if formula.display and "\n\n" in formula.source.strip("\n") + "\n":
            yield Hit(
                formula.line,
                "blank line inside display maths",
                1,
                "remove blank lines between $$ and $$",
                key=f"blank-inside:{_norm(formula.source)}",
            )


def _container_lines(doc) -> set[int]:
    """Lines (1-based) inside a list or a block quote."""
    lines: set[int] = set()
    for token in doc.tokens:
        if token.map and token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            lines.update(range(token.map[0] + 1, token.map[1] + 1))
    return lines


@rule("MATH002", "maths-blank-lines", "warning", ("maths", "style"), fixable=True)
def maths_blank_lines(doc, ctx, params) -> Iterator[Hit]:
    """Display maths ($$ on its own lines) has a blank line before and after (2020 style guide).
    Without them kramdown keeps the formula inside the paragraph as inline maths. --fix adds
    the blank lines outside lists and quotes only: inside a list item a blank line makes a
    tight list loose (every item becomes a paragraph), inside a quote it ends the quote."""
    lines = doc.lines
    contained = _container_lines(doc) if any(f.display for f in doc.maths) else set()
    for formula in doc.maths:
        if not formula.display:
            continue
        start, end = formula.line, formula.end_line  # first and last line, 1-based
        if formula.delimiter == "$$":  # '$$' inside a paragraph, content on its own lines
            end = start + formula.source.count("\n")
        start_ok = start == 1 or not lines[start - 2].strip()
        end_ok = end >= len(lines) or not lines[end].strip()
        if start_ok and end_ok:
            continue
        fixes = []
        if start in contained:
            pass  # a blank line would change how the list or quote around it renders
        elif not start_ok and lines[start - 1].lstrip().startswith("$$"):
            fixes.append(Edit(start, "", "\n"))
        if not end_ok and start not in contained and lines[end - 1].rstrip().endswith("$$"):
            fixes.append(Edit(end + 1, "", "\n"))
        yield Hit(
            formula.line,
            "display maths without a blank line "
            + (
                "before and after"
                if not (start_ok or end_ok)
                else "before"
                if not start_ok
                else "after"
            ),
            1,
            "put $$ on its own lines with blank lines around the block",
            fix=tuple(fixes),
            key=f"blank-around:{start_ok}:{end_ok}:{_norm(formula.source)}",
        )


def _formula_checker(macros: dict[str, str]) -> Callable[[str, bool], str | None]:
    """``check_formula`` with the macro set's cache key built once per note, not per formula
    (same cache, same verdicts)."""
    key = macro_key(macros)

    def check(tex: str, display: bool) -> str | None:
        if "\\" not in tex:
            return render_check(tex, display)
        return check_formula_keyed(tex, key, display)

    return check


def _verdicts(doc, ctx) -> list[tuple[object, str | None]]:
    """``(formula, problem)`` for every formula of the note: judged once for both MATH003
    and MATH004 (kept on the document for this context)."""
    cached = doc.__dict__.get("_maths_verdicts")
    if cached is not None and cached[0] is doc.maths and cached[1] is ctx:
        return cached[2]
    check = _formula_checker(_macros(doc, ctx))
    # judged on the conversion the site shows (display or inline): one conversion serves both
    verdicts = [(formula, check(formula.tex, formula.display)) for formula in doc.maths]
    doc.__dict__["_maths_verdicts"] = (doc.maths, ctx, verdicts)
    return verdicts


def _macros(doc, ctx) -> dict[str, str]:
    """The course's macros and those the note defines anywhere in its text (in maths, or in a
    hidden ``<div>$$\\gdef…$$</div>``): the site renders the note with the same table."""
    macros = ctx.settings.macros
    if defines_macros(doc.text):
        local = local_macros(doc.text)
        if local:
            macros = {**macros, **local}
    return macros


@rule("MATH003", "maths-unknown-command", "error", ("maths",))
def maths_unknown_command(doc, ctx, params) -> Iterator[Hit]:
    """Every command in a formula is one the maths engine knows or a course macro.
    Course macros (\\vect, \\matr, \\E, \\R, \\pd, …) are declared in course.toml [notes.macros];
    machine translation damage such as '\\partiel' or '\\moyen' is caught here."""
    names: list[str] | None = None
    for formula, problem in _verdicts(doc, ctx):
        if problem and problem.startswith("unknown command"):
            if names is None:
                names = [f"\\{name}" for name in _macros(doc, ctx)]
            unknown = problem.removeprefix("unknown command ").split(", ")
            guess = difflib.get_close_matches(unknown[0], names + _COMMON, 1, 0.75)
            yield Hit(
                formula.line,
                f"{problem} in ${formula.source.strip()[:60]}$",
                1,
                f"did you mean {guess[0]}?"
                if guess
                else "declare it in course.toml [notes.macros] or use a standard command",
                key=_norm(formula.source),
            )


_COMMON = [
    "\\partial",
    "\\frac",
    "\\sum",
    "\\mathbb",
    "\\boldsymbol",
    "\\mathrm",
    "\\limits",
    "\\text",
    "\\left",
    "\\right",
    "\\operatorname",
    "\\mathcal",
    "\\cdot",
    "\\times",
]


@rule("MATH004", "maths-render", "error", ("maths",))
def maths_render(doc, ctx, params) -> Iterator[Hit]:
    """Every formula renders with the site's maths engine (latex2mathml, macros expanded).
    Unbalanced braces, a backslash split from its command ('\\ boldsymbol'), direction-control
    characters and parse failures are reported."""
    for formula, problem in _verdicts(doc, ctx):
        if problem and not problem.startswith("unknown command"):
            yield Hit(
                formula.line,
                f"formula does not render: {problem}",
                1,
                f"fix ${formula.source.strip()[:60]}$",
                key=_norm(formula.source),
            )
