"""A site built from notes full of classic XSS vectors carries none of them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from tests.site.conftest import without_alttext

VECTORS = """---
title: "<script>alert('title')</script>"
authors: <img src=x onerror=alert(1)>
---

<script>alert(1)</script>

<img src=x onerror="alert(2)">

<a href="javascript:alert(3)">click</a> [md link](javascript:alert(4))
[entity](jav&#x09;ascript:alert(5)) <a href="JaVaScRiPt:alert(6)">x</a>

<svg onload=alert(7)><circle /></svg>

<iframe src="javascript:alert(8)"></iframe>

<div style="background:url(javascript:alert(9))" onclick="alert(10)">div</div>

<center><b onmouseover="alert(11)">bold</b></center>

<form action="javascript:alert(12)"><button formaction="javascript:alert(13)">b</button></form>

<object data="javascript:alert(14)"></object><embed src="javascript:alert(15)">

<math><mtext><img src=x onerror=alert(16)></mtext></math>

<style>body{background:red}</style><base href="https://evil.example/">

<meta http-equiv="refresh" content="0;url=javascript:alert(17)">

Maths: $\\text{<script>alert(18)</script>}$ and $\\href{javascript:alert(19)}{x}$

[external](https://example.org/page)

<!-- <script>alert(20)</script> -->
"""

OUR_SCRIPTS = {"/static/site.js", "/static/theme.js"}


def test_no_vector_survives(tmp_path: Path, site) -> None:
    root = site.write_course(tmp_path / "c", {"en/week01/01-1.md": VECTORS})
    site.build(root)
    built = (root / "_site/en/week01/01-1/index.html").read_text()
    # a formula's TeX is its alttext: escaped text (no quote or angle bracket can end it) that
    # no browser follows as a link; the checks below read the page without it
    assert re.search(r'<math alttext="\\href\{javascript:[^"<>]*"', built)
    page = without_alttext(built)
    scripts = re.findall(r"<script\b[^>]*>", page, flags=re.I)
    assert all(any(ours in tag for ours in OUR_SCRIPTS) for tag in scripts), scripts
    assert not re.search(r"<[^>]+\son\w+\s*=", page, flags=re.I)
    for value in re.findall(r'\s(?:href|src|action|formaction|data)="([^"]*)"', page):
        squeezed = re.sub(r"[\s\x00-\x1f]|%0?9|&#x0?9;", "", unquote(value)).lower()
        assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), value
    assert not re.search(r"<[^>]*javascript:", page, flags=re.I)  # in no tag at all
    for tag in ("<svg", "<iframe", "<form", "<object", "<embed", "<style", "<base", "<meta http"):
        assert tag not in page.lower(), tag
    assert "alert(" not in re.sub(r"&lt;.*?&gt;|>[^<]*<", "", page)  # only as escaped text
    assert '<a rel="noopener" href="https://example.org/page"' in page
    for other in (root / "_site").rglob("*.html"):
        assert "<script>alert" not in other.read_text()
