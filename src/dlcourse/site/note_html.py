"""Notes tokens → safe HTML for one page, with maths, video time links, figures and a TOC.

The tokens come from the notes parser (:mod:`dlcourse.notes.markdown`), the same parse the
checker lints. Rendering works in three steps so that safety never depends on the renderer:

1. markdown-it's HTML renderer with a few rules of ours (headings, maths, images, links);
   every formula becomes a placeholder: its number between two copies of a random token drawn
   for this rendering, so no note text can forge one (private-use characters such as U+E000 in a
   note, which older placeholders used, are plain text);
2. the whole fragment goes through the nh3 allow-list (:func:`dlcourse.site.sanitize.clean_html`);
3. placeholders are replaced by the rendered (and separately sanitised) MathML.
"""

from __future__ import annotations

import html
import posixpath
import re
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from dlcourse.course.layout import parse_video_url
from dlcourse.notes import tex as notes_tex
from dlcourse.notes.document import Heading, NoteDocument, only_comments
from dlcourse.notes.markdown import shared_markdown
from dlcourse.site.mathml import MathCache, extract_definitions, macros_key
from dlcourse.site.sanitize import clean_html
from dlcourse.util.text import clock

_BASEURL = ("{{site.baseurl}}", "%7B%7Bsite.baseurl%7D%7D")
_HTML_MATHS = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.S)
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Section:
    """A writer's subsection: a heading that links the video at a start second."""

    anchor: str
    title: str
    level: int
    video: str | None = None
    start: int | None = None


@dataclass(frozen=True)
class RawHtmlMathsProblem:
    """A formula in raw HTML (``<td>$x$</td>``, typeset by KaTeX's auto-render in 2020) that
    does not render. The checker reads only Markdown maths, so these are the renderer's to
    report; a Markdown formula's problems are the checker's MATH findings."""

    line: int | None
    message: str


@dataclass
class RenderedBody:
    html: str
    toc: list[Section] = field(default_factory=list)
    raw_html_maths_problems: list[RawHtmlMathsProblem] = field(default_factory=list)
    formulas: int = 0


@dataclass
class RenderContext:
    """What a note's rendering needs to know about the site around it."""

    base_url: str
    macros: Mapping[str, str]
    resolve_link: Callable[[str], str | None]  # relative/Liquid path → page URL (None: unchanged)
    maths: MathCache
    embed_videos: bool = True
    play_label: str = "Play here"
    watch_label: str = "Watch from {t}"


def slugify(text: str, taken: set[str]) -> str:
    slug = re.sub(r"[^\w\- ]", "", text.lower(), flags=re.UNICODE).strip()
    slug = re.sub(r"[\s]+", "-", slug) or "section"
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    taken.add(candidate)
    return candidate


class _Renderer:
    def __init__(self, context: RenderContext, local_macros: Mapping[str, str]) -> None:
        self.context = context
        self.macros = {**context.macros, **local_macros}
        self.macros_key = macros_key(self.macros)
        self.formulas: list[str] = []
        # Letters only: the sanitiser and the Markdown renderer leave them as they are.
        self.token = "".join(secrets.choice(string.ascii_letters) for _ in range(24))
        self.placeholder = re.compile(f"{self.token}(\\d+){self.token}")
        self.raw_html_maths_problems: list[RawHtmlMathsProblem] = []
        self.line: int | None = None
        self._plain_tags: dict[tuple[str, int], str] = {}  # ('em', 1) → '<em>'
        self.renderer = RendererHTML()
        for name in (
            "math_inline",
            "math_inline_double",
            "math_block",
            "math_block_label",
            "math_block_eqno",
            "heading_open",
            "heading_close",
            "image",
            "link_open",
            "html_block",
            "html_inline",
        ):
            method = getattr(self, "_" + name, None)
            if method is not None:
                self.renderer.rules[name] = method

    # -- maths --------------------------------------------------------------------------
    def formula(self, tex: str, display: bool, line: int | None, in_html: bool = False) -> str:
        body = extract_definitions(tex)[0] if "def" in tex else tex  # \gdef, \edef, \def
        if not body.strip():
            return ""
        result = self.context.maths.render(body, display, self.macros, self.macros_key)
        if not result.ok and in_html:
            problem = RawHtmlMathsProblem(line, f"maths: {result.message}: {_short(tex)}")
            self.raw_html_maths_problems.append(problem)
        wrapper = "div" if display else "span"
        css = "math-display" if display else "math"
        mathml = with_tex_alttext(result.html, body)
        markup = f'<{wrapper} class="{css}" dir="ltr">{mathml}</{wrapper}>'
        self.formulas.append(markup)
        return f"{self.token}{len(self.formulas) - 1}{self.token}"

    def _math_inline(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return self.formula(notes_tex.unescape_kramdown(tokens[idx].content), False, self.line)

    def _math_inline_double(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return self.formula(tokens[idx].content, True, self.line)

    def _math_block(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        line = token.map[0] + 1 if token.map else None
        return self.formula(token.content, True, line) + "\n"

    _math_block_label = _math_block
    _math_block_eqno = _math_block

    # -- headings -----------------------------------------------------------------------
    def _heading_open(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.hidden:  # a heading of nothing but a comment (_prepare_headings)
            return ""
        return f'<{token.tag} id="{html.escape(token.attrGet("id") or "")}">'

    def _heading_close(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.hidden:
            return "\n"
        section: Section | None = token.meta.get("section")
        extra = ""
        if section is not None and section.video is not None:
            seconds = section.start or 0
            url = f"https://www.youtube.com/watch?v={section.video}&t={seconds}s"
            label = self.context.watch_label.format(t=clock(seconds))
            extra = (
                f' <a class="video-time" href="{html.escape(url)}" title="{html.escape(label)}"'
                " data-pagefind-ignore>"
                f"▶ {clock(seconds)}</a>"
            )
            if self.context.embed_videos:
                extra += (
                    f' <button type="button" class="video-embed" data-video="{section.video}"'
                    " data-pagefind-ignore"
                    f' data-start="{seconds}" hidden>{html.escape(self.context.play_label)}'
                    "</button>"
                )
        return f"{extra}</{token.tag}>\n"

    # -- links, images, raw HTML --------------------------------------------------------
    def url(self, url: str) -> str:
        for marker in _BASEURL:
            if url.startswith(marker):
                path = url[len(marker) :].lstrip("/")
                resolved = self.context.resolve_link(path)
                return resolved if resolved is not None else self.context.base_url + path
        resolved = self.context.resolve_link(url)
        return resolved if resolved is not None else url

    def _link_open(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.attrSet("href", self.url(str(token.attrGet("href") or "")))
        return self.renderer.renderToken(tokens, idx, options, env)

    def _image(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        src = self.url(str(token.attrGet("src") or ""))
        alt = self.renderer.renderInlineAsText(token.children or [], options, env)
        title = token.attrGet("title")
        image = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" loading="lazy">'
        if title:
            return f"<figure>{image}<figcaption>{html.escape(str(title))}</figcaption></figure>"
        return image

    def raw_html(self, content: str, line: int | None) -> str:
        for marker in _BASEURL:
            content = content.replace(marker, self.context.base_url.rstrip("/"))
        if "$" not in content:
            return content
        # KaTeX's auto-render typeset $…$ anywhere in the page, raw HTML included
        parts = _TAG_OR_TEXT.split(content)
        for index in range(0, len(parts), 2):
            parts[index] = _HTML_MATHS.sub(
                lambda m: self.formula(
                    m.group(1) if m.group(1) is not None else m.group(2),
                    m.group(1) is not None,
                    line,
                    in_html=True,
                ),
                parts[index],
            )
        return "".join(parts)

    def _html_block(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        return self.raw_html(token.content, token.map[0] + 1 if token.map else None)

    def _html_inline(self, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return self.raw_html(tokens[idx].content, self.line)

    # -- driver -------------------------------------------------------------------------
    def render(self, tokens: list[Token]) -> str:
        options = shared_markdown().options
        env: dict[str, Any] = {}
        out: list[str] = []
        append = out.append
        rules = self.renderer.rules
        render_token = self.renderer.renderToken
        inline = self._render_inline
        for index, token in enumerate(tokens):
            if token.map:
                self.line = token.map[0] + 1
            kind = token.type
            if kind == "inline":
                append(inline(token.children or [], options, env))
            elif kind == "front_matter":
                continue
            elif kind in rules:
                append(rules[kind](tokens, index, options, env))
            else:
                append(render_token(tokens, index, options, env))
        return "".join(out)

    def _render_inline(self, children: list[Token], options: Any, env: Any) -> str:
        """``RendererHTML.renderInline`` with its commonest cases inlined: text (escaped),
        soft breaks and attribute-free tags such as ``<em>``/``</strong>`` (same output)."""
        rules = self.renderer.rules
        text_rule = rules.get("text")
        softbreak_rule = rules.get("softbreak")
        plain_text = getattr(text_rule, "__func__", None) is RendererHTML.text
        plain_break = getattr(softbreak_rule, "__func__", None) is RendererHTML.softbreak
        softbreak = "\n" if not options["breaks"] else None
        tags = self._plain_tags
        out: list[str] = []
        append = out.append
        for index, child in enumerate(children):
            kind = child.type
            if kind == "text" and plain_text:
                append(escapeHtml(child.content))
            elif kind == "softbreak" and plain_break and softbreak is not None:
                append(softbreak)
            elif kind in rules:
                append(rules[kind](children, index, options, env))
            elif not child.attrs and not child.block and not child.hidden and child.nesting:
                key = (child.tag, child.nesting)
                markup = tags.get(key)
                if markup is None:
                    markup = tags[key] = self.renderer.renderToken(children, index, options, env)
                append(markup)
            else:
                append(self.renderer.renderToken(children, index, options, env))
        return "".join(out)


def with_tex_alttext(mathml: str, tex: str) -> str:
    """The formula's TeX as the ``<math>`` element's ``alttext`` (screen readers and copy tools
    read it), which is also what the search index holds: Pagefind skips the MathML's flattened
    letters (``y¯=G(𝒙,𝒘)``) and indexes the attribute instead."""
    if not mathml.startswith("<math"):
        return mathml  # shown as source already (math-error), or empty
    source = html.escape(" ".join(tex.split()), quote=True)
    attributes = f' alttext="{source}" data-pagefind-index-attrs="alttext" data-pagefind-ignore'
    return "<math" + attributes + mathml[len("<math") :]


def _short(tex: str, limit: int = 60) -> str:
    flat = " ".join(tex.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _prepare_headings(tokens: list[Token], headings: list[Heading]) -> list[Section]:
    """Give headings ids, take the video link out of their text, and list them for the TOC.

    The video and start time are the heading's stamp in the document model, the one the
    checker reads; the link dropped from the text is the one the parser took the stamp from."""
    stamps = {heading.token_index: heading.stamp for heading in headings}
    taken: set[str] = set()
    sections = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        if only_comments(inline.children or []):
            # '## <!--[English](…&t=…)-->', a source heading a translator keeps in sight: no
            # heading for the checker, so none on the page, in the contents or in the search
            token.hidden = tokens[index + 2].hidden = True
            continue
        stamp = stamps.get(index)
        video = stamp.video_id if stamp is not None else None
        if video is not None and stamp is not None and stamp.is_link:
            inline.children = _without_stamp_link(inline.children or [])
        text = "".join(
            c.content for c in (inline.children or []) if c.type in {"text", "code_inline"}
        ).strip()
        anchor = slugify(text, taken)
        token.attrSet("id", anchor)
        section = Section(
            anchor=anchor,
            title=text,
            level=int(token.tag[1]),
            video=video,
            start=stamp.seconds if video is not None and stamp is not None else None,
        )
        tokens[index + 2].meta["section"] = section
        sections.append(section)
    return sections


def _without_stamp_link(children: list[Token]) -> list[Token]:
    """A heading's inline tokens without the first video link's open and close (its text
    stays): the link the notes parser read the stamp from."""
    kept: list[Token] = []
    depth = 0
    dropped = False
    for child in children:
        href = str(child.attrGet("href") or "") if child.type == "link_open" else ""
        if not dropped and href and parse_video_url(href) is not None:
            dropped = True
            depth = 1
            continue
        if child.type == "link_close" and depth == 1:
            depth = 0
            continue
        kept.append(child)
    return kept


def render_note(document: NoteDocument, context: RenderContext) -> RenderedBody:
    """Safe HTML for a parsed note's body, rendered from the parse the checker lints."""
    tokens, source = document.tokens, document.text
    local = notes_tex.local_macros(source) if notes_tex.defines_macros(source) else {}
    sections = _prepare_headings(tokens, document.headings)
    renderer = _Renderer(context, local)
    raw = renderer.render(tokens)
    safe = clean_html(raw)
    formulas = renderer.formulas
    final = renderer.placeholder.sub(lambda m: formulas[int(m.group(1))], safe)
    return RenderedBody(final, sections, renderer.raw_html_maths_problems, len(formulas))


def relative_target(source_rel: str, href: str) -> str | None:
    """A relative link written in ``source_rel`` (posix, under docs) → target path under docs."""
    if not href or href.startswith(("#", "/", "mailto:")) or "://" in href:
        return None
    path = href.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_rel), path))
