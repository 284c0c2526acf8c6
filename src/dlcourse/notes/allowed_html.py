"""The HTML students may write in notes: one allow-list for the checker and the site.

The checker warns on any other tag (HTML002 ``html-unknown-tag``); the site's sanitiser keeps
exactly these tags and attributes of what students wrote, plus the few it writes itself (see
:mod:`dlcourse.site.sanitize`). Anything else the site drops, keeping its text: ``<iframe>``,
``<video>`` and ``<font>`` included, so the checker reports them too.
"""

from __future__ import annotations

STUDENT_TAGS: tuple[str, ...] = (
    "img",
    "center",
    "br",
    "b",
    "a",
    "td",
    "tr",
    "th",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "sup",
    "sub",
    "figure",
    "figcaption",
    "div",
    "span",
    "code",
    "pre",
    "samp",
    "var",
    "i",
    "u",
    "em",
    "strong",
    "p",
    "hr",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "small",
    "details",
    "summary",
    "kbd",
    "caption",
    "colgroup",
    "col",
    "s",
    "del",
    "ins",
    "mark",
    "abbr",
    "dl",
    "dt",
    "dd",
)

#: Attributes kept on those tags (``"*"``: on every tag); no ``style``, no event handlers.
STUDENT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"class", "id", "title", "dir", "lang", "align"}),
    "a": frozenset({"href", "name"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start"}),
}

#: URL schemes a student's link or image may use.
STUDENT_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
