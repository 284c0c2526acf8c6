"""HTML: raw HTML in notes is limited to harmless layout tags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

from dlcourse.notes.allowed_html import STUDENT_TAGS
from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, rule

_TAG = re.compile(r"<\s*([A-Za-z][A-Za-z0-9-]*)([^>]*)>?")
_HANDLER = re.compile(r"""(?:^|\s)(on[a-z]+)\s*=""", re.IGNORECASE)
_JS_URL = re.compile(
    r"""(?:href|src|action|formaction)\s*=\s*["']?\s*(?:javascript|vbscript|data:text/html)""",
    re.IGNORECASE,
)
_SRC = re.compile(r"""src\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
DANGEROUS = (
    "script",
    "style",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "meta",
    "link",
    "base",
    "frame",
    "frameset",
)


def _fragments(doc):
    """Raw HTML with comments blanked (a commented-out tag is harmless); computed once per
    note for both HTML rules."""
    from dlcourse.notes.document import HtmlFragment, _blank_comments

    cached = doc.__dict__.get("_blanked_html")
    if cached is not None and cached[0] is doc.html_blocks:
        return cached[1]
    fragments = [
        HtmlFragment(_blank_comments(f.html), f.line, f.end_line, f.inline)
        if "<!--" in f.html
        else f
        for f in doc.html_blocks
        if "<" in f.html
    ]
    doc.__dict__["_blanked_html"] = (doc.html_blocks, fragments)
    return fragments


def _line_counter(html: str, first_line: int):
    """The line of each position of ``html`` (asked in increasing order), counting only the
    text since the previous position: a block of 40,000 tags costs one pass, not 40,000."""
    state = [first_line, 0]  # line, position counted up to

    def line_of(position: int) -> int:
        state[0] += html.count("\n", state[1], position)
        state[1] = position
        return state[0]

    return line_of


@rule(
    "HTML001",
    "html-unsafe",
    "error",
    ("html", "safety"),
    params={
        "iframe_hosts": Param(
            ["www.youtube.com", "youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"],
            "hosts an <iframe> may embed",
        ),
    },
)
def html_unsafe(doc, ctx, params) -> Iterator[Hit]:
    """Raw HTML runs no code.
    No <script>, <style>, <object> and the like, no on*= event handlers, no javascript: URLs,
    no <iframe> from hosts outside the allow-list."""
    for fragment in _fragments(doc):
        html = fragment.html
        if "<" not in html:
            continue
        line_of = _line_counter(html, fragment.line)
        for match in _TAG.finditer(html):
            name = match.group(1).lower()
            line = line_of(match.start())
            column = doc.column_of(line, match.group(0)[:12])
            if name in DANGEROUS:
                yield Hit(
                    line,
                    f"<{name}> is not allowed in notes",
                    column,
                    "notes are content only; remove the tag",
                )
            handler = _HANDLER.search(match.group(2))
            if handler:
                yield Hit(
                    line,
                    f"event handler {handler.group(1)}= on <{name}>",
                    column,
                    "remove the attribute",
                )
            if _JS_URL.search(match.group(2)):
                yield Hit(line, f"script URL in <{name}>", column, "link to a real page")
            if name == "iframe":
                src = _SRC.search(match.group(2))
                host = urlparse(src.group(1)).hostname if src else None
                if host not in params["iframe_hosts"]:
                    yield Hit(
                        line,
                        f"<iframe> from {host or 'an unknown host'}",
                        column,
                        "embed only from: " + ", ".join(params["iframe_hosts"]),
                    )
    for link in doc.links:
        if link.href.strip().lower().startswith(("javascript:", "vbscript:", "data:text/html")):
            yield Hit(
                link.line, f"script URL {link.href[:40]!r}", link.column, "link to a real page"
            )


@rule(
    "HTML002",
    "html-unknown-tag",
    "warning",
    ("html",),
    params={
        "allowed_tags": Param(list(STUDENT_TAGS), "HTML tags notes may use (the site shows these)"),
    },
)
def html_unknown_tag(doc, ctx, params) -> Iterator[Hit]:
    """Raw HTML uses known tags (a translated '<centro>' renders as nothing).
    Known means on the site's allow-list: the site drops any other tag and keeps its text."""
    allowed = set(params["allowed_tags"]) | set(DANGEROUS)
    for fragment in _fragments(doc):
        line_of = _line_counter(fragment.html, fragment.line)
        for match in _TAG.finditer(fragment.html):
            name = match.group(1).lower()
            if name not in allowed:
                line = line_of(match.start())
                yield Hit(
                    line,
                    f"unknown HTML tag <{name}>",
                    doc.column_of(line, "<" + name),
                    "use a standard tag such as <center>, <b>, <img>",
                    key=f"tag:{name}",
                )
