"""latex2mathml's element tree made into MathML Core as browsers draw it, and written out safely.

latex2mathml targets MathML 3, which browsers never fully drew; Chromium, Firefox and Safari draw
MathML Core, which ignores ``mathvariant`` (but ``normal``), ``fence`` and ``separator`` and
takes an operator's spacing from its position in a row. Compared formula by formula with Temml
(the reference LaTeX → MathML Core converter; ``tests/site/maths_compare.py``), the tree needs
these repairs, each one a pattern seen in the course's notes:

* **letters**: styled letters (``\\mathbf``, ``\\boldsymbol``, ``\\mathbb``, ``\\mathcal``,
  ``\\texttt`` …) become Unicode Mathematical Alphanumeric code points (``𝒙``, ``ℝ``, ``𝚁``);
  ``\\mathrm{d}`` keeps its upright ``d`` (latex2mathml loses it for one letter) and capital
  Greek is upright as in TeX; the letters of ``\\mathrm{softargmax}`` are one ``<mi>``.
* **operator names** (``\\max``, ``\\log``, ``\\operatorname{ReLU}`` …) are ``<mi>`` followed by
  an invisible function application and, before an argument that is not bracketed, TeX's thin
  space (latex2mathml makes some of them ``<mo>``, which get operator spacing on both sides).
* **ordinary symbols** latex2mathml makes operators (``∂``, ``∞``, ``⊤``, ``.``, ``/``) are
  ``<mi>``; ``\\cdot`` is U+22C5 and ``*`` the asterisk operator U+2217, as TeX draws them.
* **binary operators** with nothing to bind on one side (``(\\cdot)``, ``-1``, ``^{+}``) lose
  their spacing, TeX's rule for a binary operator in an ordinary place.
* **fences**: ``\\lVert``/``\\rvert``, ``\\langle``, ``\\lbrace`` are non-stretchy fences (a bare
  ``‖`` stretched and dropped its superscript like a subscript), and a script on a closing
  fence applies to the whole bracketed group: ``‖𝒘‖²`` and ``(h(s))'``, as Temml does.
* **accents** use the spacing accent characters at their natural size (``ˆ`` U+02C6, ``‾``,
  ``˜``), as full-size over-scripts moved right by an italic letter's correction (Temml's
  placement; the classes ``tex-accent``, ``tex-nudge-*``, ``tex-bold`` for the stylesheet);
  a superscript after an italic letter moves right likewise (``tex-pad-*``).
* **spacing as TeX and Temml set it**: around operator names (``\\arg\\min``, ``2\\log x``), a
  thin space after ``\\cdots`` before a closing delimiter or punctuation, binary operators
  beside ``\\cdots`` or a closing bar; ``0,0`` is one number; ``\\ddots`` is unspaced.
* **tables**: the environment a table came from (``tex-align``, ``tex-cases``, ``tex-matrix``,
  spaced by the site's stylesheet), each matrix's brackets stretched to its own table, its
  script on the whole matrix, ``\\vdots`` with TeX's height, ``\\\\[2mm]`` a plain row break,
  limits under ``\\sum`` and ``\\min`` wherever display style reaches.
* **text**: TeX's dashes and quotes, braces inside ``\\text`` only grouping, ``\\footnotesize``
  and friends at TeX's sizes, bold punctuation in ``\\boldsymbol``; a ``\\\\`` outside a table
  in a display keeps its two sides apart (Temml's space) rather than running them together.

:func:`to_mathml` writes the tree itself: every text is escaped, so ``\\text{</math>}`` stays
text (latex2mathml's own writer unescaped the whole document, letting it close the formula).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from xml.etree.ElementTree import Element

from latex2mathml import commands as latex2mathml_commands
from latex2mathml.converter import convert_to_element

#: TeX's sizes with ``\\normalsize`` = 10 pt (Temml's); latex2mathml draws ``\\footnotesize`` and
#: ``\\small`` both at 0.85 em and rounds the large ones. Its table is data read per command.
_TEX_SIZES = {
    r"\footnotesize": "0.8em",
    r"\small": "0.9em",
    r"\LARGE": "1.728em",
    r"\huge": "2.074em",
    r"\Huge": "2.488em",
}
for _command, _size in _TEX_SIZES.items():
    latex2mathml_commands.CONVERSION_MAP[_command] = ("mstyle", {"mathsize": _size})

_ENTITY = re.compile(r"&#x([0-9A-Fa-f]+);|&#(\d+);")
_ROWS = {"math", "mrow", "mtd", "msqrt", "mstyle", "mpadded", "mphantom", "menclose", "merror"}
_SCRIPTED = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
#: Closing fence → its opening fence, for the scripted-group repair.
_OPENER = {")": "(", "]": "[", "}": "{", "⟩": "⟨", "|": "|", "‖": "‖", "⌉": "⌈", "⌋": "⌊"}
_FENCES = set("()[]{}⟨⟩|‖⌈⌉⌊⌋")
#: Symbols TeX draws as ordinary characters that latex2mathml writes as ``<mo>``.
_ORDINARY = set("∂∞⊤⊥ℓ∅ℏ./′")
#: ``<mo>`` text → what TeX (and Temml) draw for it.
_OPERATOR_CHARACTERS = {"·": "⋅", "*": "∗", "~": "∼"}
#: Binary operators: spaced on both sides only between two operands (TeX's Bin atoms).
_BINARY = set("+−±∓×⋅∗∘∙÷∪∩∧∨∖⊕⊖⊗⊘⊙⊎⊓⊔⋆⋄◃▹△▽")
#: Accent characters latex2mathml puts over a base → the spacing accents Temml draws.
_ACCENTS = {"^": "ˆ", "¯": "‾", "~": "˜", "\u02dc": "˜"} | {c: c for c in "ˆ‾˜ˇ˘´`¨˚˙"}
#: Letters whose accent moves right by their italic correction (Temml's three sizes and lists,
#: from KaTeX's font metrics), and those whose superscript does.
_NUDGES = {
    "s": "DHKLUcegorsuvxyzΠΥΨαδηιμνοτυχϵ",
    "m": "BCEGIMNOPQRSTXZlpqtwΓΘΞΣΦΩβεζθξρςφψϑϕϱ",
    "l": "AFJdfΔΛ",
}
_PADS = {**_NUDGES, "m": _NUDGES["m"] + "F", "l": "AJdfΔΛ"}
_NUDGED = {"mover", "msup", "msubsup"}
#: Symbols that stay operators (for their dictionary spacing) but are ordinary atoms in TeX.
_PREFIX_ORDINARY = set("∇¬∀∃∄")
_DOTS = set("⋯…⋮⋱⋰")
_BARS = {"|", "‖"}
_THIN_SPACE = "0.1667em"
_RELATION_SPACE = "0.2222em"
_RELATION_SPACED = {":", "∣"}
_FUNCTION_APPLICATION = "\u2061"


def _letter_table(style: str) -> dict[str, str]:
    """Latin letters, digits and Greek letters → the Unicode alphabet named
    ``MATHEMATICAL {style}`` (with the letter-like symbols that fill its holes: ℝ, ℎ, ℬ …)."""
    table: dict[str, str] = {}
    names = [(chr(c), f"CAPITAL {chr(c)}") for c in range(65, 91)]
    names += [(chr(c), f"SMALL {chr(c).upper()}") for c in range(97, 123)]
    names += [(str(d), f"DIGIT {unicodedata.name(str(d)).split()[-1]}") for d in range(10)]
    for code in (*range(0x391, 0x3AA), *range(0x3B1, 0x3CA)):
        name = unicodedata.name(chr(code), "")
        if name.startswith("GREEK "):
            letter = name.removeprefix("GREEK ").replace(" LETTER", "")
            names.append((chr(code), letter))
    names += [
        ("\u2207", "NABLA"),
        ("\u2202", "PARTIAL DIFFERENTIAL"),
        ("\u03f5", "EPSILON SYMBOL"),
        ("\u03d1", "THETA SYMBOL"),
        ("\u03f0", "KAPPA SYMBOL"),
        ("\u03d5", "PHI SYMBOL"),
        ("\u03f1", "RHO SYMBOL"),
        ("\u03d6", "PI SYMBOL"),
        ("\u03f4", "CAPITAL THETA SYMBOL"),
    ]
    # holes in the alphabets, filled by the letter-like symbols Unicode had before them (found
    # under their own names: SCRIPT CAPITAL B, DOUBLE-STRUCK CAPITAL R …) and these
    renamed = {"ITALIC SMALL H": "PLANCK CONSTANT"}
    renamed.update({f"FRAKTUR CAPITAL {c}": f"BLACK-LETTER CAPITAL {c}" for c in "CHIRZ"})
    for char, name in names:
        wanted = f"{style} {name}"
        for candidate in (f"MATHEMATICAL {wanted}", renamed.get(wanted, wanted)):
            try:
                table[char] = unicodedata.lookup(candidate)
                break
            except KeyError:
                continue
    return table


#: ``mathvariant`` → its alphabet. MathML Core draws only ``normal``: a bold vector must be a
#: bold character itself. Bold-italic digits do not exist: bold ones serve.
ALPHABETS: dict[str, dict[str, str]] = {
    variant: _letter_table(style)
    for variant, style in {
        "bold": "BOLD",
        "italic": "ITALIC",
        "bold-italic": "BOLD ITALIC",
        "double-struck": "DOUBLE-STRUCK",
        "script": "SCRIPT",
        "bold-script": "BOLD SCRIPT",
        "fraktur": "FRAKTUR",
        "bold-fraktur": "BOLD FRAKTUR",
        "sans-serif": "SANS-SERIF",
        "bold-sans-serif": "SANS-SERIF BOLD",
        "sans-serif-italic": "SANS-SERIF ITALIC",
        "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
        "monospace": "MONOSPACE",
    }.items()
}
for _digit in range(10):
    ALPHABETS["bold-italic"][str(_digit)] = ALPHABETS["bold"][str(_digit)]


def _decode(text: str | None) -> str:
    if not text or "&" not in text:
        return text or ""
    return _ENTITY.sub(
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else chr(int(m.group(2))), text
    )


def _is_capital_greek(text: str) -> bool:
    return len(text) == 1 and "\u0391" <= text <= "\u03a9"


def _styled(element: Element) -> None:
    """Letters with a ``mathvariant`` → code points of that alphabet (where all have one)."""
    variant = element.get("mathvariant")
    if variant is None or variant == "normal":
        return
    table = ALPHABETS.get(variant)
    text = element.text or ""
    if table is None or not text:
        return
    if any(char in table for char in text):  # '.' in \texttt{x.grad} has no monospace form
        element.text = "".join(table.get(char, char) for char in text)
        del element.attrib["mathvariant"]
    elif element.tag == "mo" and "bold" in variant:
        # \boldsymbol{W_h, b_h}: no bold comma in Unicode; TeX (and Temml) draw it bold
        del element.attrib["mathvariant"]
        element.set("class", "tex-bold")


def _letters(element: Element) -> None:
    """Token text decoded; letter styles made code points (see the module's docstring)."""
    raw = element.text or ""
    text = _decode(raw)
    tag = element.tag
    if tag == "mtext" and element.get("mathvariant") != "monospace":
        text = _text_ligatures(text)
    element.text = text
    # \mathrm{d}: latex2mathml writes the upright letter as a character reference and no
    # mathvariant, which MathML Core draws italic; capital Greek is upright in TeX
    upright = (raw.startswith("&#") and text.isascii() and text.isalpha()) or _is_capital_greek(
        text
    )
    if tag == "mi" and "mathvariant" not in element.attrib and upright:
        element.set("mathvariant", "normal")
    _styled(element)
    if tag == "mo":
        if text in _ORDINARY and not element.attrib:
            element.tag = "mi"
        elif text in _OPERATOR_CHARACTERS:
            element.text = _OPERATOR_CHARACTERS[text]
        elif text == "⋱" and not element.attrib:
            element.set("lspace", "0")  # \ddots is an ordinary symbol in TeX
            element.set("rspace", "0")
        elif text in ("{", "}", "⟨", "⟩", "‖", "|") and "stretchy" not in element.attrib:
            element.set("stretchy", "false")  # \lVert, \rvert … (matrix fences are repaired back)
            if text in _BARS:
                element.set("fence", "true")  # a paired bar (not '|' nor \|): open, then close
    elif tag == "mi" and text in ("{", "}", "⟨", "⟩"):
        element.tag = "mo"  # \lbrace, \langle: fences, not letters
        element.set("stretchy", "false")
    if text in _RELATION_SPACED and (tag == "mo" or (tag == "mi" and text == ":")):
        # ':' (latex2mathml: a letter) and \mid are relations: TeX spaces them, as Temml does
        element.tag = "mo"
        element.set("lspace", _RELATION_SPACE)
        element.set("rspace", _RELATION_SPACE)


#: TeX's ligatures in text (not in typewriter type): dashes and quotes.
_LIGATURES = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("`", "‘"), ("'", "’"))


def _text_ligatures(text: str) -> str:
    """``\\text{---}`` is an em dash, ``\\text{``a''}`` curly quotes, as in TeX (and Temml)."""
    if "-" not in text and "`" not in text and "'" not in text:
        return text
    for ascii_form, ligature in _LIGATURES:
        text = text.replace(ascii_form, ligature)
    return text


def _operator_name(element: Element) -> bool:
    """A multi-letter operator name (``max``, ``log``, ``ReLU``) as latex2mathml wrote it."""
    text = element.text or ""
    return element.tag in ("mi", "mo") and len(text) > 1 and text.isalpha()


def _base(element: Element) -> Element:
    while element.tag in _SCRIPTED and len(element):
        element = element[0]
    return element


def _merge_upright_letters(row: Element) -> None:
    """``\\mathrm{softargmax}`` → one ``<mi>softargmax</mi>`` (a multi-letter ``<mi>`` is upright
    and keeps the word's kerning), instead of ten upright single letters."""
    children = list(row)
    if len(children) < 2 or not all(
        c.tag == "mi" and c.get("mathvariant") == "normal" and len(c) == 0 for c in children
    ):
        return
    word = "".join(c.text or "" for c in children)
    if not word.isalpha():
        return
    for child in children[1:]:
        row.remove(child)
    children[0].text = word
    del children[0].attrib["mathvariant"]


def _kind(element: Element) -> str:
    """The TeX atom class of a row child, as far as spacing needs it."""
    if element.tag == "mrow" and len(element) and element[0].get("fence") == "true":
        return "open"  # \left( … \right): Temml sets no space between \log and it
    if element.tag != "mo" or len(element):
        return "ord" if _base(element).tag != "mo" else _kind(_base(element))
    text = element.text or ""
    if text in _PREFIX_ORDINARY or text in _DOTS:
        return "ord"  # \cdots is an inner atom: a binary operator beside it keeps its spaces
    if text in _BARS and element.get("fence") != "true":
        return "ord"  # '|x|', '\|': ordinary symbols in TeX (paired bars: see _row_kinds)
    if text and text in "([{⟨⌈⌊":
        return "open"  # (, \left(, \big( …
    if text and text in ")]}⟩⌉⌋":
        return "close"
    if text in _BINARY:
        return "bin"
    if text in ",;":
        return "punct"
    return "rel"


def _row_kinds(children: list[Element]) -> list[str]:
    """:func:`_kind` of each child of a row, the paired bars (``\\lVert x \\rVert``) told apart:
    the first opens, the next closes."""
    kinds = [_kind(child) for child in children]
    opened = False
    for index, child in enumerate(children):
        if child.tag == "mo" and child.get("fence") == "true" and child.text in _BARS:
            kinds[index] = "close" if opened else "open"
            opened = not opened
    return kinds


def _binary_to_ordinary(children: list[Element]) -> None:
    """TeX turns a binary operator into an ordinary symbol when there is nothing to bind on one
    side: first in its row, after another operator or an opening fence, before a relation, a
    closing fence or punctuation, or last."""
    kinds = _row_kinds(children)
    for index, (child, kind) in enumerate(zip(children, kinds, strict=True)):
        if kind != "bin" or child.tag != "mo" or "lspace" in child.attrib:
            continue
        before = kinds[index - 1] if index else None
        after = kinds[index + 1] if index + 1 < len(kinds) else None
        if before in (None, "bin", "rel", "open", "punct") or after in (
            None,
            "rel",
            "close",
            "punct",
        ):
            child.set("lspace", "0")
            child.set("rspace", "0")


def _group_scripted_fence(row: Element) -> None:
    """``‖𝒘‖²``, ``(h(s))'``: latex2mathml puts the script on the closing fence alone, which
    MathML Core then stretches and places on its own; the script belongs to the group."""
    index = 0
    while index < len(row):
        child = row[index]
        if child.tag in ("msup", "msub", "msubsup") and len(child) and child[0].tag == "mo":
            closing = child[0]
            opener = _OPENER.get(closing.text or "")
            start = _matching_opener(row, index, opener, closing.text or "") if opener else None
            if start is not None:
                group = Element("mrow")
                for moved in list(row)[start:index]:
                    row.remove(moved)
                    group.append(moved)
                child.remove(closing)
                group.append(closing)
                child.insert(0, group)
                _row_repairs(group)
                index = start
        index += 1


def _matching_opener(row: Element, close_index: int, opener: str, closer: str) -> int | None:
    depth = 0
    for index in range(close_index - 1, -1, -1):
        sibling = row[index]
        if sibling.tag != "mo":
            continue
        text = sibling.text or ""
        if opener == closer:
            if text == opener:
                return index
        elif text == closer:
            depth += 1
        elif text == opener:
            if depth == 0:
                return index
            depth -= 1
    return None


def _operator_names(row: Element, open_end: bool) -> None:
    """``\\max(a)``, ``\\log x``, ``\\min_w f``: each name an ``<mi>`` (``<mo>max</mo>`` gets an
    operator's spacing on both sides), then an invisible function application. Around it, TeX's
    thin spaces as Temml sets them: after the name unless a delimiter follows (or the ``}`` of a
    group: ``open_end`` says whether the row's end is the formula's or a cell's instead), and
    before it after an ordinary atom (``2\\log x``)."""
    index = 0
    while index < len(row):
        child = row[index]
        name = _base(child)
        if _operator_name(name) and not name.text.startswith("\\"):  # type: ignore[union-attr]
            name.tag = "mi"
            for attribute in ("movablelimits", "stretchy", "mathvariant"):
                name.attrib.pop(attribute, None)
            if index and _is_ordinary_atom(row[index - 1], _row_kinds(list(row))[index - 1]):
                row.insert(index, Element("mspace", {"width": _THIN_SPACE}))
                index += 1
            following = row[index + 1] if index + 1 < len(row) else None
            apply = Element("mo")
            apply.text = _FUNCTION_APPLICATION
            row.insert(index + 1, apply)
            index += 1
            if open_end if following is None else not _is_delimiter(following):
                row.insert(index + 1, Element("mspace", {"width": _THIN_SPACE}))
                index += 1
        index += 1


def _is_delimiter(element: Element) -> bool:
    """A bracket or bar (``(``, ``\\rbrace``, ``\\Vert`` …) or a ``\\left … \\right`` group."""
    if element.tag == "mrow" and len(element) and element[0].get("fence") == "true":
        return True
    return element.tag in ("mo", "mi") and (element.text or "") in _FENCES


def _is_ordinary_atom(element: Element, kind: str) -> bool:
    """A letter, a number, a group, or a closing bracket (``kind``: its :func:`_row_kinds`):
    TeX puts a thin space between it and an operator name."""
    if element.tag in ("mi", "mn"):
        return not _operator_name(element)
    if element.tag == "mo":
        return kind == "close"
    return element.tag == "mrow"


#: What amsmath's ``\\cdots`` looks at next to add a thin space (closing delimiters, ``, ; .``).
_SPACED_AFTER_DOTS = set(")]}⟩⌉⌋,;.")


def _space_after_dots(row: Element) -> None:
    """``\\{0, \\cdots, P-1\\}``: amsmath's ``\\cdots`` adds a thin space before a closing
    delimiter or punctuation (as Temml does)."""
    for index in range(len(row) - 2, -1, -1):
        child, following = row[index], row[index + 1]
        if (
            child.tag == "mo"
            and child.text == "⋯"
            and following.tag in ("mo", "mi")
            and (following.text or "") in _SPACED_AFTER_DOTS
        ):
            row.insert(index + 1, Element("mspace", {"width": _THIN_SPACE}))


#: ``0,0``: a comma between digits (not after a one-digit script: ``x_1,2``), outside text; and
#: the text commands to leave alone.
_DECIMAL_COMMA = re.compile(
    r"(\\(?:text[a-z]*|mbox)\s*\{(?:[^{}]|\{[^{}]*\})*\})|(?<=\d)(?<![_^]\d),(?=\d)"
)


#: ``\\\\[2mm]``: a row break with extra space (its unit TeX's).
_ROW_BREAK_SKIP = re.compile(
    r"(\\\\)\s*\[\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*(?:pt|mm|cm|in|em|ex|bp|pc|dd|cc|sp|mu)\s*\]"
)


def _row_break_skips(tex: str) -> str:
    """``\\\\[2mm]`` is a row break (latex2mathml showed the ``[2mm]`` as text); the extra space
    is dropped, as Temml drops it."""
    return _ROW_BREAK_SKIP.sub(r"\1", tex) if "[" in tex else tex


_TEXT_COMMAND = re.compile(r"\\(?:text[a-z]*|mbox)\s*\{")


def _text_groups(tex: str) -> str:
    """``\\text{soft{(arg)}max}``: braces inside text only group (TeX draws "soft(arg)max");
    latex2mathml ends the text at the first ``}``, so bare groups in a text are unwrapped. A
    text with commands or escaped braces inside is left as it is."""
    if "{" not in tex or ("\\text" not in tex and "\\mbox" not in tex):
        return tex
    pieces: list[str] = []
    position = 0
    for match in _TEXT_COMMAND.finditer(tex):
        if match.start() < position:
            continue
        depth, index = 1, match.end()
        while index < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[index], 0)
            index += 1
        inside = tex[match.end() : index - 1]
        if depth or "\\" in inside or ("{" not in inside and "}" not in inside):
            continue
        pieces += [tex[position : match.end()], inside.replace("{", "").replace("}", ""), "}"]
        position = index
    return "".join(pieces) + tex[position:]


def _decimal_commas(tex: str) -> str:
    """``x_{0,0}``, ``(1,2)``: digits joined by a comma without a space are one number for
    Temml (and TeX's ``{,}`` idiom), so no thin space after the comma; ``1, 2`` keeps it."""
    if "," not in tex:
        return tex
    return _DECIMAL_COMMA.sub(lambda m: m.group(1) or "{,}", tex)


def _join_numbers(row: Element) -> None:
    """``<mn>0</mn><mrow><mo>,</mo></mrow><mn>0</mn>`` (``0{,}0``) → ``<mn>0,0</mn>``."""
    index = 0
    while index + 2 < len(row):
        first, comma, last = row[index], row[index + 1], row[index + 2]
        if (
            first.tag == last.tag == "mn"
            and comma.tag == "mrow"
            and len(comma) == 1
            and comma[0].tag == "mo"
            and comma[0].text == ","
            and not (first.attrib or last.attrib or len(first) or len(last))
        ):
            first.text = f"{first.text or ''},{last.text or ''}"
            row.remove(comma)
            row.remove(last)  # and look again: 1,000,000
        else:
            index += 1


def _matrix_fences(row: Element) -> None:
    """The brackets latex2mathml writes around a ``bmatrix``/``pmatrix`` table must stretch, to
    the table's height alone: bracket, table and bracket become one row (flat in a row with a
    taller matrix, they stretched to that one's height, as Temml does not)."""
    index = 0
    while index < len(row):
        child = row[index]
        if child.tag == "mtable":
            before = row[index - 1] if index else None
            after = row[index + 1] if index + 1 < len(row) else None
            fences = [n for n in (before, after) if n is not None and _is_fence_operator(n)]
            for fence in fences:
                fence.set("stretchy", "true")
            if len(fences) == 2 and len(row) > 3:
                group = Element("mrow")
                for moved in (before, child, after):
                    row.remove(moved)
                    group.append(moved)
                row.insert(index - 1, group)
                _tables(group)
        index += 1


#: TeX's ``\\vdots`` is a box 1.5 em high at 10 pt (Temml's strut, in its unit).
_VDOTS_HEIGHT = "14.944pt"


def _vdots(row: Element) -> None:
    """``\\vdots``: the dots with TeX's height, which spaces a matrix's rows as TeX does."""
    for index, child in enumerate(list(row)):
        if child.tag == "mo" and child.text == "⋮" and not child.attrib:
            dots = Element("mi")
            dots.text = "⋮"
            group = Element("mrow")
            group.append(dots)
            group.append(Element("mspace", {"width": "0", "height": _VDOTS_HEIGHT}))
            row.remove(child)
            row.insert(index, group)


def _is_fence_operator(element: Element) -> bool:
    return element.tag == "mo" and (element.text or "") in _FENCES and not len(element)


def _scripted_arity(element: Element) -> None:
    """``\\begin{pmatrix}…\\end{pmatrix}_{m}``: latex2mathml writes bracket, table, bracket
    and script as four children of one ``msub``; the base is the first three, as one row."""
    wanted = 3 if element.tag in ("msubsup", "munderover") else 2
    if element.tag in _SCRIPTED and len(element) > wanted:
        group = Element("mrow")
        for moved in list(element)[: len(element) - wanted + 1]:
            element.remove(moved)
            group.append(moved)
        element.insert(0, group)


def _accent(element: Element, letter: tuple[str, str] | None) -> None:
    """``\\hat``, ``\\bar``, ``\\tilde`` …: the spacing accent character, not stretched, placed
    as Temml places it: a full-size over-script (``tex-accent``: ``accent="true"`` makes Chromium
    set it on the letter, lower than TeX and Temml do), moved right over an italic letter by its
    italic correction (``tex-nudge-s/m/l``, Temml's three sizes) and bold in
    ``\\boldsymbol{\\hat y}`` (``tex-bold``). ``letter`` is the base as the author wrote it."""
    if len(element) != 2 or element[1].tag != "mo":
        return
    mark = element[1]
    text = mark.text or ""
    if text in _ACCENTS:
        mark.text = _ACCENTS[text]
        mark.set("stretchy", "false")
        element.attrib.pop("accent", None)
        classes = ["tex-accent"]
        if letter is not None:
            char, variant = letter
            classes += [f"tex-nudge-{size}" for size, row in _NUDGES.items() if char in row]
            if "bold" in variant:
                classes.append("tex-bold")
        mark.set("class", " ".join(classes))
    elif text == "→" and element.get("accent") is None and len(element[0]) <= 1:
        mark.set("stretchy", "false")  # \vec: TeX's small arrow, not one as wide as the base


def _superscript_pad(element: Element, letter: tuple[str, str] | None) -> None:
    """``x^2``: the superscript moves right by the italic correction of a letter base, which
    Chromium does not apply (``tex-pad-s/m/l``: Temml's sizes, its lists)."""
    if letter is None or element.tag not in ("msup", "msubsup"):
        return
    sizes = [size for size, row in _PADS.items() if letter[0] in row]
    if sizes:
        script = element[-1]
        script.set("class", " ".join(filter(None, (script.get("class"), f"tex-pad-{sizes[0]}"))))


def _source_letter(element: Element) -> tuple[str, str] | None:
    """The base of a script or accent when the author wrote a single letter there (``x^2``,
    ``\\hat{y}``, ``\\boldsymbol{\\hat y}``, ``\\mathbb{R^4}``), with its ``mathvariant``; not for
    a styled group (``\\hat{\\boldsymbol y}``, ``\\mathbb{R}^4``) nor an upright ``\\mathrm{d}``:
    Temml nudges scripts and accents in the first case only. Read before the repairs."""
    if not len(element):
        return None
    base = element[0]
    if element.tag == "mover" and base.tag == "mrow" and len(base) == 1:
        base = base[0]  # \hat{…} wraps its argument in one mrow of its own
    raw = base.text or ""
    text = _decode(raw)
    if base.tag != "mi" or len(base) or len(text) != 1 or not text.isalpha():
        return None
    if raw.startswith("&#") and text.isascii():
        return None  # \mathrm{d}: written as a reference to the upright letter
    variant = base.get("mathvariant", "")
    if (
        variant
        and element.tag != "mover"
        and not any(node.get("mathvariant") for script in element[1:] for node in script.iter())
    ):
        return None  # \boldsymbol y^{(i)}: the style is the base's alone, a styled group
    return text, variant


def _table_kind(table: Element, row: Element) -> str:
    """Which TeX environment a table came from, as far as its spacing goes (the site's
    stylesheet spaces ``tex-align``, ``tex-cases`` and ``tex-matrix`` tables as TeX does:
    MathML Core ignores ``columnalign``, ``columnspacing`` and ``rowspacing``)."""
    if (table.get("columnspacing") or "").startswith("0em 2em"):
        return "tex-align"  # aligned (written as align*): right/left pairs, 1em between pairs
    children = list(row)
    index = children.index(table)
    before = children[index - 1] if index else None
    after = children[index + 1] if index + 1 < len(children) else None
    opened_by_brace = before is not None and before.tag == "mo" and before.text == "{"
    if opened_by_brace and index == 1 and (after is None or not _is_fence_operator(after)):
        return "tex-cases"  # latex2mathml: an mrow of the stretchy brace and the table
    return "tex-matrix"


def _tables(row: Element) -> None:
    for child in row:
        if child.tag == "mtable" and "class" not in child.attrib:
            child.set("class", _table_kind(child, row))


def _row_repairs(row: Element, open_end: bool = False) -> None:
    if row.tag == "mtd" and len(row) > 1 and row[0].tag == "mi" and not row[0].text:
        row.remove(row[0])  # align*'s placeholder before '&=' (the '=' keeps its spacing)
    if row.tag == "mrow":
        _merge_upright_letters(row)
    _join_numbers(row)
    _vdots(row)
    _group_scripted_fence(row)
    _matrix_fences(row)
    _tables(row)
    _operator_names(row, open_end)
    _space_after_dots(row)
    _binary_to_ordinary(list(row))


def improve(element: Element, open_end: bool = True) -> None:
    """Apply every repair of the module's docstring to ``element`` and its descendants.
    ``open_end``: the element's end is not a group's ``}`` (the formula's end, a table cell's,
    the base of ``\\underset``), which decides the spacing after an operator name there."""
    if element.tag in ("mi", "mo", "mn", "mtext") or element.text is not None:
        _letters(element)
    _scripted_arity(element)
    letter = _source_letter(element) if element.tag in _NUDGED else None
    for index, child in enumerate(element):
        improve(child, _ends_open(element, index, open_end))
        if child.tail:
            child.tail = _decode(child.tail)
    if element.tag in _ROWS:
        _row_repairs(element, open_end)
    else:
        _tables(element)
    if element.tag == "mover":
        _accent(element, letter)
    _superscript_pad(element, letter)
    if element.tag in _SCRIPTED and len(element):
        base = element[0]
        if base.tag == "mrow":
            _merge_upright_letters(base)
        if _operator_name(base):
            base.tag = "mi"
            base.attrib.pop("movablelimits", None)
        for script in element[1:]:
            if script.tag == "mo" and script.text in _BINARY and "lspace" not in script.attrib:
                script.set("lspace", "0")  # x^{+}: a lone sign binds nothing
                script.set("rspace", "0")


def _ends_open(parent: Element, index: int, open_end: bool) -> bool:
    """Whether child ``index`` of ``parent`` ends where its parent does (see :func:`improve`)."""
    if parent.tag == "math" or (parent.tag == "mrow" and len(parent) == 1):
        return open_end  # latex2mathml's row around the whole formula, a one-child wrapper
    if parent.tag in ("mtr", "mtable"):
        return True  # a cell ends at '&' or a new row
    return parent.tag in ("munder", "mover") and index == 0


def write(element: Element) -> str:
    """The tree as MathML: every text and attribute value escaped, so no text can become
    markup (and no character references are needed: the page is UTF-8)."""
    out: list[str] = []
    _write(element, out)
    return "".join(out)


def _write(element: Element, out: list[str]) -> None:
    tag = element.tag
    attributes = "".join(
        f' {name}="{html.escape(str(value))}"'
        for name, value in element.attrib.items()
        if name != "xmlns"
    )
    out.append(f"<{tag}{attributes}>")
    if element.text:
        out.append(html.escape(element.text, quote=False))
    for child in element:
        _write(child, out)
        if child.tail:
            out.append(html.escape(child.tail, quote=False))
    out.append(f"</{tag}>")


#: Operator names that take their scripts as limits (under and over) in display style.
_LIMITS = {"lim", "liminf", "limsup", "max", "min", "sup", "inf", "det", "gcd", "Pr"}
_AS_LIMITS = {"msub": "munder", "msup": "mover", "msubsup": "munderover"}


#: Large operators that take limits in display style (not integrals: TeX keeps their scripts).
_LARGE_OPERATORS = set("∑∏∐⋃⋂⨀⨁⨂⨄⨆⋁⋀")
#: Elements whose children keep display style (a table's cells only with ``displaystyle``).
_DISPLAY_KEEPING = {"mrow", "mtd", "mtr", "msqrt", "mpadded", "mphantom", "menclose"}


def _display_limits(element: Element) -> None:
    """``$$\\min_w f(w)$$``, ``$$\\left(\\sum_{i=1}^n x_i\\right)^2$$``: in display style TeX puts
    the limits of ``\\sum`` and ``\\min`` under and over them, wherever the operator sits
    (latex2mathml does it only at the top, not inside ``\\left … \\right`` nor ``aligned``).
    Scripts and fractions are not display style: not looked into."""
    for child in element:
        if child.tag in _AS_LIMITS and len(child):
            base = child[0]
            text = base.text or ""
            if (base.tag == "mo" and text in _LARGE_OPERATORS) or text in _LIMITS:
                child.tag = _AS_LIMITS[child.tag]
            _display_limits_in(base)
        else:
            _display_limits_in(child)


def _display_limits_in(element: Element) -> None:
    keeps = element.tag in _DISPLAY_KEEPING or (
        element.tag in ("mtable", "mstyle") and element.get("displaystyle") == "true"
    )
    if keeps:
        _display_limits(element)


#: What Temml leaves of ``\\\\`` outside a table in a display: an empty operator's spacing.
_IGNORED_BREAK_SPACE = "0.5556em"


def _display_line_breaks(element: Element) -> None:
    """``$$a = b \\\\ c = d$$``: outside a table, TeX and Temml do not break a display's line
    there (browsers ignore MathML's ``linebreak`` too); Temml keeps the two apart by an empty
    operator's spaces, so they do not read as a product (``2w_i w_i``), and so does the site."""
    for index, child in enumerate(element):
        if child.tag == "mspace" and child.get("linebreak") == "newline":
            element[index] = Element("mspace", {"width": _IGNORED_BREAK_SPACE})
        elif child.tag != "mtable":
            _display_line_breaks(child)


@lru_cache(maxsize=65536)
def to_mathml(tex: str, display: bool = False) -> str:
    """MathML Core for an already expanded formula (raises what latex2mathml raises)."""
    source = _row_break_skips(_decimal_commas(_text_groups(tex)))
    root = convert_to_element(source, display="block" if display else "inline")
    improve(root)
    if display:
        _display_limits(root)
        _display_line_breaks(root)
    return write(root)
