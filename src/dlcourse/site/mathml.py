"""Maths at build time: LaTeX → MathML Core, rendered once per distinct formula.

MathML Core is drawn natively by Chromium, Firefox and Safari, so a reader needs no script and
no CDN. latex2mathml does the conversion, repaired for MathML Core by
:mod:`dlcourse.notes.mathml_core` (shared with the checker); this module adds what the course
needs around it:
course and page-local macros (``\\gdef``), shims for commands latex2mathml lacks, detection of
output that is not really maths (unknown commands), and a content-addressed cache.

A formula that cannot be rendered is never an exception for the page: :func:`render` returns a
:class:`Rendered` with ``ok=False`` and an escaped source fallback plus a message for the build's
warnings.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dlcourse.notes import tex as notes_tex
from dlcourse.site.sanitize import clean_mathml

RENDERER_VERSION = "mathml-core-2"

_GDEF = re.compile(r"\\[gex]?def\s*\\([A-Za-z]+)\s*((?:#\d\s*)*)\{")


@dataclass(frozen=True)
class Rendered:
    html: str
    ok: bool
    message: str = ""


def formula_key(tex: str, display: bool, macros_key: str) -> str:
    """Content hash of one formula as it will be rendered (macros and renderer included)."""
    raw = f"{RENDERER_VERSION}\0{macros_key}\0{int(display)}\0{tex}".encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def macros_key(macros: Mapping[str, str]) -> str:
    text = "\n".join(f"{name}={body}" for name, body in sorted(macros.items()))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


kramdown_unescape = notes_tex.unescape_kramdown


def read_group(text: str, start: int) -> tuple[str, int] | None:
    """The balanced ``{…}`` group at ``start`` (which must be ``{``): its inside and end index."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index], index + 1
        index += 1
    return None


def extract_definitions(tex: str) -> tuple[str, dict[str, str]]:
    """Remove ``\\gdef\\name#1{body}`` definitions from a formula; return the rest and them."""
    found: dict[str, str] = {}
    pieces = []
    position = 0
    for match in _GDEF.finditer(tex):
        if match.start() < position:
            continue
        group = read_group(tex, match.end() - 1)
        if group is None:
            break
        body, end = group
        found[match.group(1)] = body
        pieces.append(tex[position : match.start()])
        position = end
    pieces.append(tex[position:])
    return "".join(pieces), found


def prepare(tex: str, macros: Mapping[str, str]) -> str:
    """The LaTeX latex2mathml will see: :func:`dlcourse.notes.tex.prepare_tex`, the very
    function the checker's maths rules judge."""
    return notes_tex.prepare_tex(tex, macros)


def source_fallback(tex: str, display: bool) -> str:
    tag = "pre" if display else "code"
    delimiter = "$$" if display else "$"
    return (
        f'<{tag} class="math-error" dir="ltr" title="formula could not be rendered">'
        f"{html.escape(delimiter + tex + delimiter)}</{tag}>"
    )


def render(tex: str, display: bool, macros: Mapping[str, str]) -> Rendered:
    """One formula to MathML (or to its source, with a message, when it cannot be rendered)."""
    if "\n\n" in tex.strip():
        return Rendered(source_fallback(tex, display), False, "blank line inside a formula")
    try:
        prepared = prepare(tex, macros)
    except notes_tex.MacroBudgetExceeded as error:  # the checker reports the same (MATH004)
        return Rendered(source_fallback(tex, display), False, str(error))
    if not prepared:
        return Rendered("", True)
    # the checker's verdict is the site's verdict: one function decides "renders"
    problem = notes_tex.render_check(prepared, display)
    if problem is not None:
        return Rendered(source_fallback(tex, display), False, problem)
    # the check converted it already, display or inline as here (the conversion is cached by
    # both): each formula is converted once, by the site and the checker together
    mathml = notes_tex.render(prepared, display)
    return Rendered(clean_mathml(mathml), True)


class MathCache:
    """Rendered formulas by content key; shared by the pages of one build and kept across builds.

    ``new`` holds what this process rendered, so parallel workers can hand it back to the parent.
    """

    def __init__(self, entries: dict[str, tuple[str, bool, str]] | None = None) -> None:
        self.entries: dict[str, tuple[str, bool, str]] = dict(entries or {})
        self.new: dict[str, tuple[str, bool, str]] = {}
        self.hits = 0
        self.misses = 0

    def render(
        self, tex: str, display: bool, macros: Mapping[str, str], key_of_macros: str
    ) -> Rendered:
        key = formula_key(tex, display, key_of_macros)
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            return Rendered(*found)
        self.misses += 1
        result = render(tex, display, macros)
        value = (result.html, result.ok, result.message)
        self.entries[key] = value
        self.new[key] = value
        return result
