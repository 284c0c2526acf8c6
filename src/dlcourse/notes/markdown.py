"""The one configured markdown-it parser that the checker and the site both use.

The 2020 notes were written for Jekyll + kramdown + client-side maths, so the parser follows
kramdown's habits where they change the token stream:

* front matter (``---`` … ``---``) becomes a ``front_matter`` token;
* ``$…$`` and ``$$…$$`` (inline and as blocks) become ``math_inline`` / ``math_inline_double`` /
  ``math_block`` tokens whose content is the TeX *as written* (see :mod:`dlcourse.notes.tex`
  for ``\\_`` → ``_`` inside single-dollar maths);
* HTML blocks stay raw (``html_block``), as kramdown left Markdown inside them alone;
* tables and footnotes are on;
* Liquid: ``{{site.baseurl}}`` in any spacing (``{{ site.baseurl }}``, ``{{site. baseurl}}``) is
  normalised to ``{{site.baseurl}}`` and ``{% link PATH %}`` to ``{{site.baseurl}}/PATH`` before
  parsing, so link destinations stay single tokens. Normalising never adds or removes a line.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

BASEURL = "{{site.baseurl}}"
_BASEURL_VARIANTS = re.compile(r"\{\{\s*site\s*\.\s*baseurl\s*\}\}")
_LIQUID_LINK = re.compile(r"\{%\s*link\s+([^\s%]+)\s*%\}")


def make_markdown() -> MarkdownIt:
    """A fresh parser with the course's syntax: CommonMark + front matter, dollar maths,
    tables, footnotes; raw HTML kept."""
    md = MarkdownIt("commonmark", {"html": True})
    md.use(front_matter_plugin)
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    md.use(footnote_plugin)
    md.enable("table")
    return md


@lru_cache(maxsize=1)
def shared_markdown() -> MarkdownIt:
    """The process-wide parser (building one costs more than parsing a small note)."""
    return make_markdown()


def normalize_liquid(text: str) -> str:
    """Rewrite the Liquid the notes use into one canonical, space-free form (same lines)."""
    if "{" not in text:
        return text
    if "{{" in text:
        text = _BASEURL_VARIANTS.sub(BASEURL, text)
    if "{%" in text:
        text = _LIQUID_LINK.sub(lambda m: f"{BASEURL}/{m.group(1)}", text)
    return text


def strip_baseurl(src: str) -> str:
    """``{{site.baseurl}}/images/x.png`` → ``/images/x.png`` (site-absolute)."""
    return _BASEURL_VARIANTS.sub("", src)
