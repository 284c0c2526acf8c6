"""Allow-list sanitising of everything students wrote, and of the MathML made from it.

Student HTML (raw blocks, inline tags, attributes) goes through nh3 (ammonia) with the tags
students may write (:mod:`dlcourse.notes.allowed_html`, the list the checker's HTML002 uses)
plus the few the site writes itself; no ``<script>``, no event handlers, no ``javascript:``
URLs survive. Links to other hosts get ``rel="noopener"``. MathML produced by latex2mathml is
checked separately with a strict tokeniser: it copies ``\\text{…}`` verbatim, so anything that
is not one of its own tags is escaped as text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import nh3

from dlcourse.notes.allowed_html import STUDENT_ATTRIBUTES, STUDENT_TAGS, STUDENT_URL_SCHEMES

#: Tags the site writes into a body itself, beyond what students may: the "play here" button of
#: a time-stamped heading, inert without the site's script (which only ever embeds a
#: youtube-nocookie player); and disabled checkboxes, which the site keeps although the checker
#: reports them in notes (HTML001).
SITE_TAGS = {"button", "input"}
SITE_ATTRIBUTES = {
    "img": {"loading"},
    "input": {"type", "checked", "disabled"},
    # the heading's video time and play button are player chrome: kept out of the search index
    "a": {"data-pagefind-ignore"},
    "button": {"type", "hidden", "data-video", "data-start", "data-pagefind-ignore"},
}
ALLOWED_TAGS = set(STUDENT_TAGS) | SITE_TAGS
ALLOWED_ATTRIBUTES = {
    tag: set(STUDENT_ATTRIBUTES.get(tag, ())) | SITE_ATTRIBUTES.get(tag, set())
    for tag in STUDENT_ATTRIBUTES.keys() | SITE_ATTRIBUTES.keys()
}
URL_SCHEMES = set(STUDENT_URL_SCHEMES)
_EXTERNAL_ANCHOR = re.compile(r'<a href="((?:https?:)?//[^"]*)"')


# built once: ``nh3.clean`` would convert the allow-lists for ammonia on every call
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
)


def clean_html(fragment: str) -> str:
    """Sanitise a rendered body fragment; external links get ``rel="noopener"``."""
    cleaned = _CLEANER.clean(fragment)
    if "%" in cleaned or "&#" in cleaned:
        cleaned = _URL_ATTRIBUTE.sub(_defuse, cleaned)
    return _EXTERNAL_ANCHOR.sub(r'<a rel="noopener" href="\1"', cleaned)


_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_SQUEEZE = re.compile(r"[\s\x00-\x1f]|&#x?0*(?:9|a|d|10|13);?", re.I)
_DANGEROUS = ("javascript:", "vbscript:", "data:")


def _defuse(match: re.Match[str]) -> str:
    """Belt and braces: a URL that decodes to a script scheme becomes ``#``."""
    value = _SQUEEZE.sub("", unquote(html.unescape(match.group(2)))).lower()
    if value.startswith(_DANGEROUS):
        return f"{match.group(1)}#{match.group(3)}"
    return match.group(0)


MATHML_TAGS = {
    "math",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
    "mmultiscripts",
    "mprescripts",
    "none",
    "semantics",
    "annotation",
    "mlabeledtr",
    "maligngroup",
    "malignmark",
}
MATHML_ATTRIBUTES = {
    "xmlns",
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "form",
    "separator",
    "accent",
    "accentunder",
    "width",
    "height",
    "depth",
    "lspace",
    "rspace",
    "voffset",
    "columnalign",
    "rowspacing",
    "columnspacing",
    "displaystyle",
    "scriptlevel",
    "mathcolor",
    "mathbackground",
    "mathsize",
    "linebreak",
    "movablelimits",
    "largeop",
    "symmetric",
    "minsize",
    "maxsize",
    "linethickness",
    "rowalign",
    "columnlines",
    "rowlines",
    "frame",
    "framespacing",
    "equalrows",
    "equalcolumns",
    "notation",
    "columnspan",
    "rowspan",
    "class",
    "open",
    "close",
    "separators",
    "bevelled",
}
_MATHML_TOKEN = re.compile(r'<(/?)([a-z]+)((?:\s+[a-zA-Z:-]+="[^"<>]*")*)\s*(/?)>')
_ATTRIBUTE = re.compile(r'([a-zA-Z:-]+)="([^"<>]*)"')
_ENTITY = re.compile(r"&(#x?[0-9A-Fa-f]+|[A-Za-z]+);")
_SAFE_COLOUR = re.compile(r"^#?[0-9A-Za-z]{1,20}$")


def _escape_text(text: str) -> str:
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # nothing to escape (most text between MathML tags)
    parts = []
    position = 0
    for match in _ENTITY.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        parts.append(match.group(0))
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


_CLEAN_TAGS: dict[str, str] = {}  # a MathML tag as written → as kept (few distinct tags)


def _clean_tag(match: re.Match[str]) -> str:
    closing, name, attributes, self_closing = match.groups()
    if name not in MATHML_TAGS:
        return html.escape(match.group(0))
    kept = []
    for attr_name, value in _ATTRIBUTE.findall(attributes):
        if attr_name not in MATHML_ATTRIBUTES:
            continue
        if attr_name in {"mathcolor", "mathbackground"} and not _SAFE_COLOUR.match(value):
            continue
        kept.append(f' {attr_name}="{value}"')
    return f"<{closing}{name}{''.join(kept)}{' /' if self_closing else ''}>"


def clean_mathml(markup: str) -> str:
    """Keep latex2mathml's own tags and attributes; escape everything else as text."""
    out = []
    position = 0
    cache = _CLEAN_TAGS
    for match in _MATHML_TOKEN.finditer(markup):
        out.append(_escape_text(markup[position : match.start()]))
        tag = match.group(0)
        cleaned = cache.get(tag)
        if cleaned is None:
            cleaned = _clean_tag(match)
            if len(cache) < 4096:
                cache[tag] = cleaned
        out.append(cleaned)
        position = match.end()
    out.append(_escape_text(markup[position:]))
    return "".join(out)
