"""Maths as the site renders it: course macros expanded, then ``latex2mathml``.

The checker and the site share these functions so that "the checker says it renders" and "the
site renders it" are the same statement.

* :func:`unescape_kramdown` undoes the ``\\_`` that authors typed in single-dollar maths for
  kramdown.
* :func:`expand_macros` expands course macros (``\\vect{x}`` → ``\\boldsymbol{x}``) and page-local
  ``\\gdef`` definitions.
* :func:`render_check` returns ``None`` when the formula renders, else a short error message.
  latex2mathml is lenient (an unknown ``\\cmd`` becomes the text ``\\cmd``), so the check also
  looks for unknown commands left in the output and for unbalanced braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

_COMMAND = re.compile(r"\\([A-Za-z]+)")
# A macro definition up to its body: \gdef\name#1#2, \def, \edef, \xdef, \newcommand{\name}[2]
# (also \renewcommand, \providecommand, starred, with or without braces around the name) and
# \DeclareMathOperator{\name}.
_DEFINITION = re.compile(
    r"\\(?:(?P<op>DeclareMathOperator)\*?|[gex]?def|(?:re)?newcommand\*?|providecommand\*?)"
    r"\s*(?:\{\s*\\(?P<braced>[A-Za-z]+)\s*\}|\\(?P<bare>[A-Za-z]+))"
    r"\s*(?:\[\d\])?\s*(?:#\d\s*)*"
)
_UNKNOWN_IN_OUTPUT = re.compile(r"<m[io][^>]*>\\([A-Za-z]+)</m[io]>")
_SPLIT_COMMAND = re.compile(r"\\\s+([a-z]{4,})\s*\{")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def unescape_kramdown(tex: str) -> str:
    """``\\_`` → ``_`` (kramdown-era escape inside ``$…$``); leaves ``\\\\_`` alone."""
    if "\\_" not in tex:
        return tex
    return re.sub(r"(?<!\\)\\_", "_", tex)


class MacroBudgetExceeded(ValueError):
    """A formula whose macros expand past :data:`MAX_MACRO_EXPANSIONS` expansions or grow it by
    more than :data:`MAX_MACRO_GROWTH` characters: reported as a formula that does not render."""


#: Macro expansions allowed in one formula, as KaTeX's ``maxExpand`` (its default): a macro
#: that calls itself (``\gdef\a{\a\a}``) or a chain that doubles at each step stops here.
MAX_MACRO_EXPANSIONS = 1000
#: How many characters macros may add to one formula. The 2020 notes' largest growth is 82;
#: ``$\gdef\a{\a\a\a\a\a\a\a}$ $\a$`` used to grow to 11 million and take 108 s and 1.7 GB.
MAX_MACRO_GROWTH = 20_000


def closing_braces(tex: str) -> dict[int, int]:
    """The index of the ``}`` that closes each ``{`` of ``tex`` (braces after a backslash do
    not count; an unclosed ``{`` has no entry), found in one pass, so reading every argument of
    a formula costs linear time however many groups are left open."""
    closing: dict[int, int] = {}
    opened: list[int] = []
    previous = ""
    for index, char in enumerate(tex):
        if previous != "\\":
            if char == "{":
                opened.append(index)
            elif char == "}" and opened:
                closing[opened.pop()] = index
        previous = char
    return closing


def _read_argument(
    tex: str, pos: int, closing: dict[int, int] | None = None
) -> tuple[str, int] | None:
    """One macro argument at ``pos``: a balanced ``{…}`` group or a single token. Callers that
    read many arguments of one text pass its :func:`closing_braces` once."""
    while pos < len(tex) and tex[pos] == " ":
        pos += 1
    if pos >= len(tex):
        return None
    if tex[pos] == "{":
        end = (closing if closing is not None else closing_braces(tex)).get(pos)
        return None if end is None else (tex[pos + 1 : end], end + 1)
    if tex[pos] == "\\":
        match = _COMMAND.match(tex, pos)
        if match:
            return match.group(0), match.end()
        return tex[pos : pos + 2], pos + 2
    return tex[pos], pos + 1


def local_macros(tex: str) -> dict[str, str]:
    """Macros a note defines itself, anywhere in its text (a hidden ``<div>$$\\gdef…$$</div>``
    as week 10 did, or inside a formula): ``\\gdef``, ``\\def``, ``\\newcommand`` and
    friends, ``\\DeclareMathOperator``. A later definition of a name replaces an earlier one."""
    found: dict[str, str] = {}
    if "\\" not in tex:
        return found
    closing = closing_braces(tex)
    for match in _DEFINITION.finditer(tex):
        body = _read_argument(tex, match.end(), closing)
        if body is None:
            continue
        name = match.group("braced") or match.group("bare")
        found[name] = rf"\operatorname{{{body[0]}}}" if match.group("op") else body[0]
    return found


def defines_macros(text: str) -> bool:
    """Whether ``text`` may hold a macro definition (a cheap test before :func:`local_macros`)."""
    return "def" in text or "command" in text or "DeclareMathOperator" in text


_ARITY_CACHE: dict[int, tuple[Mapping[str, str], dict[str, int]]] = {}


def _arities(macros: Mapping[str, str]) -> dict[str, int]:
    cached = _ARITY_CACHE.get(id(macros))
    if cached is not None and cached[0] is macros:
        return cached[1]
    counts = {
        name: max((int(n) for n in re.findall(r"#(\d)", body)), default=0)
        for name, body in macros.items()
    }
    if len(_ARITY_CACHE) > 64:
        _ARITY_CACHE.clear()
    _ARITY_CACHE[id(macros)] = (macros, counts)
    return counts


def expand_macros(
    tex: str,
    macros: Mapping[str, str],
    max_depth: int = 8,
    arity: Mapping[str, int] | None = None,
) -> str:
    """Expand ``\\name`` for every macro in ``macros`` (bodies use ``#1`` … for arguments;
    ``arity`` overrides the number of arguments a body's ``#n`` imply). Raises
    :class:`MacroBudgetExceeded` past :data:`MAX_MACRO_EXPANSIONS` expansions or
    :data:`MAX_MACRO_GROWTH` added characters, before the text is built."""
    if not macros or "\\" not in tex:
        return tex
    counts = _arities(macros)
    if arity:
        counts = {**counts, **arity}
    expansions = 0
    allowed_length = len(tex) + MAX_MACRO_GROWTH
    for _ in range(max_depth):
        changed = False
        out: list[str] = []
        length = 0  # of the text this round builds, checked as it grows
        pos = 0
        closing = closing_braces(tex) if "{" in tex else {}
        for match in _COMMAND.finditer(tex):
            name = match.group(1)
            if name not in macros or match.start() < pos:
                continue
            if match.start() > 0 and tex[match.start() - 1] == "\\":
                continue  # an escaped backslash, e.g. a line break followed by a letter
            args: list[str] = []
            end = match.end()
            for _n in range(counts[name]):
                argument = _read_argument(tex, end, closing)
                if argument is None:
                    break
                args.append(argument[0])
                end = argument[1]
            if len(args) < counts[name]:
                continue
            body = macros[name]
            for index, value in enumerate(args, start=1):
                body = body.replace(f"#{index}", value)
            expansions += 1
            length += match.start() - pos + len(body) + 1
            if expansions > MAX_MACRO_EXPANSIONS or length > allowed_length:
                raise MacroBudgetExceeded(
                    f"macros expand past the budget of {MAX_MACRO_EXPANSIONS} expansions and "
                    f"{MAX_MACRO_GROWTH:,} added characters (at \\{name}): does a macro call "
                    "itself, or a chain of them multiply?"
                )
            out.append(tex[pos : match.start()])
            # keep a following letter from gluing onto a body ending in a command
            out.append(body + (" " if counts[name] == 0 and body[-1:].isalpha() else ""))
            pos = end
            changed = True
        if not changed:
            return tex
        out.append(tex[pos:])
        tex = "".join(out)
    return tex


#: Standard LaTeX that latex2mathml lacks, rewritten into what it knows: name → (arity, body).
#: The site gets the same rewriting through :func:`prepare_tex`.
ENGINE_COMPAT: dict[str, tuple[int, str]] = {
    "arg": (0, r"\operatorname{arg}"),
    "sim": (0, r"\thicksim"),  # latex2mathml draws \sim as the letter '~'
    "nonumber": (0, ""),
    "notag": (0, ""),
    "relax": (0, ""),
    "nolimits": (0, ""),
    "displaylimits": (0, ""),
    "label": (1, ""),
    "tag": (1, r"\qquad\text{(#1)}"),
    "vspace": (1, ""),
    "ensuremath": (1, "#1"),
}
#: Environments latex2mathml parses but draws wrongly (``aligned`` keeps its ``&`` as a literal
#: ``<mi>&amp;</mi>`` and its ``\\`` as a line-break hint MathML Core ignores), rewritten to
#: ones it draws as tables with the same layout.
ENVIRONMENT_COMPAT: dict[str, tuple[str, str]] = {
    "aligned": (r"\begin{align*}", r"\end{align*}"),
    "alignedat": (r"\begin{align*}", r"\end{align*}"),
    "gathered": (r"\begin{array}{c}", r"\end{array}"),
    "gather*": (r"\begin{array}{c}", r"\end{array}"),
    "gather": (r"\begin{array}{c}", r"\end{array}"),
}
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{(aligned|alignedat|gathered|gather\*?)\}(\{\d+\})?")
#: ``\color{FF0000}``: a bare hex colour (KaTeX accepted it) needs its ``#`` for MathML.
_BARE_HEX_COLOUR = re.compile(r"(\\(?:text)?color\s*\{)([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\}")
_COMPAT_BODIES = {name: body for name, (_, body) in ENGINE_COMPAT.items()}
_COMPAT_ARITY = {name: count for name, (count, _) in ENGINE_COMPAT.items()}


def strip_definitions(tex: str) -> str:
    """Remove ``\\gdef\\name#1{…}`` / ``\\newcommand`` definitions (they render nothing)."""
    if not defines_macros(tex):
        return tex
    out = []
    pos = 0
    closing = closing_braces(tex)
    for match in _DEFINITION.finditer(tex):
        if match.start() < pos:
            continue
        body = _read_argument(tex, match.end(), closing)
        out.append(tex[pos : match.start()])
        pos = body[1] if body else match.end()
    out.append(tex[pos:])
    return "".join(out)


def _environment(match: re.Match[str]) -> str:
    begin, end = ENVIRONMENT_COMPAT[match.group(2)]
    return begin if match.group(1) == "begin" else end


def prepare_tex(tex: str, macros: Mapping[str, str]) -> str:
    """What the site hands to latex2mathml (and what the checker judges): definitions removed,
    course and page macros expanded, the few standard commands latex2mathml lacks rewritten
    (:data:`ENGINE_COMPAT`), environments it draws wrongly replaced
    (:data:`ENVIRONMENT_COMPAT`), bare hex colours given their ``#``; surrounding space
    stripped."""
    tex = strip_definitions(tex)
    tex = expand_macros(tex, macros)
    if "\\" in tex:
        tex = expand_macros(tex, _COMPAT_BODIES, arity=_COMPAT_ARITY)
        if "\\begin" in tex or "\\end" in tex:
            tex = _ENVIRONMENT.sub(_environment, tex)
        if "color" in tex:
            tex = _BARE_HEX_COLOUR.sub(r"\1#\2}", tex)
    return tex.strip()


MacroKey = tuple[tuple[str, str], ...]


def macro_key(macros: Mapping[str, str]) -> MacroKey:
    """A hashable, order-free form of a macro table: build it once per note, not per formula."""
    return tuple(sorted(macros.items())) if macros else ()


@lru_cache(maxsize=65536)
def check_formula_keyed(tex: str, macros: MacroKey, display: bool = False) -> str | None:
    """:func:`check_formula` for callers that already hold a :func:`macro_key`."""
    try:
        prepared = prepare_tex(tex, dict(macros))
    except MacroBudgetExceeded as error:
        return str(error)
    if not prepared:  # only definitions: renders nothing, as on the site
        return None
    return render_check(prepared, display)


def check_formula(tex: str, macros: Mapping[str, str], display: bool = False) -> str | None:
    """``render_check(prepare_tex(tex, macros), display)``, cached by formula and macro set."""
    if "\\" not in tex:
        return render_check(tex, display)
    return check_formula_keyed(tex, macro_key(macros), display)


def brace_error(tex: str) -> str | None:
    """Unbalanced ``{``/``}`` (escaped braces ignored)."""
    depth = 0
    escaped = False
    for char in tex:
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a '}' closes nothing"
    if depth > 0:
        return f"{depth} '{{' never closed"
    return None


def render(tex: str, display: bool = False) -> str:
    """MathML Core for an already expanded formula (raises what latex2mathml raises):
    :func:`dlcourse.notes.mathml_core.to_mathml`, cached there."""
    # imported by the first formula: latex2mathml and the urllib, http and ssl modules its XML
    # helper pulls in are ≈ 30 ms of every process that never renders one (a note without
    # maths, `notes rules`, an up-to-date build)
    from dlcourse.notes.mathml_core import to_mathml

    return to_mathml(tex, display)


@lru_cache(maxsize=65536)
def render_check(tex: str, display: bool = False) -> str | None:
    """``None`` when ``tex`` (macros already expanded) renders cleanly, else why it does not.
    ``display``: judged on the conversion the site shows (one conversion serves both)."""
    problem = brace_error(tex)
    if problem:
        return problem
    if _BIDI.search(tex):
        return "invisible direction-control characters inside the formula"
    split = _SPLIT_COMMAND.search(tex)
    if split:
        return f"'\\ {split.group(1)}': a space separates the backslash from the command"
    try:
        output = render(tex, display)
    except Exception as error:  # latex2mathml raises many kinds on bad input
        name = type(error).__name__
        detail = str(error).strip()
        return f"the maths engine fails: {name}{': ' + detail if detail else ''}"
    unknown = _UNKNOWN_IN_OUTPUT.findall(output)
    if unknown:
        names = ", ".join(sorted({"\\" + name for name in unknown}))
        return f"unknown command {names}"
    return None
