"""``dlcourse import jekyll DOCS_DIR`` through the CLI on a small Jekyll-era repository written
here (no ../shared needed): the course.toml validates, notes are untouched, an existing
course.toml is never overwritten without --force, and the imported course builds."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from tests.site.conftest import without_alttext

runner = CliRunner()

CONFIG = """\
title: Deep Learning Mini
baseurl: "/mini-dl"
default_lang: en
permalink: pretty
en:
  title: 'Deep Learning Mini'
  chapters:
    - path: en/week01/01.md
      sections:
        - path: en/week01/01-1.md
"""

LAYOUT = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<div style="display:none">
$$
\gdef \vect #1 {\boldsymbol{#1}}
\gdef\matr#1{\boldsymbol{#1}}
\gdef \R {\mathbb{R}}
$$
</div>
</head><body>{{ content }}</body></html>
"""

WEEK = """\
---
lang-ref: ch.01
title: Week 1
---

## Practicum

We look at the perceptron.
"""

NOTE = r"""---
lang-ref: ch.01-1
title: Motivation of Deep Learning
lecturer: Alfredo Canziani
authors: Ana Alvarez, Bo Chen
date: 28 Jan 2020
---

## [History](https://www.youtube.com/watch?v=0bMe_vCZo30&t=60s)

A vector $\vect{x} \in \R^n$ is mapped by a matrix $\matr{W}$.

<center>
<img src="{{site.baseurl}}/images/week01/01-1/unit.png" alt="A unit" width="50%"/><br>
<b>Figure 1:</b> A threshold unit
</center>

![A perceptron]({{ site.baseurl }}/images/week01/01-1/unit.png "The perceptron")
"""

TRANSCRIPT = """\
0:00:00.000,0:00:04.000
Hello and welcome to the practicum.

0:00:04.000,0:00:08.000
Today we look at a perceptron.
"""


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def jekyll_repo(tmp_path: Path) -> Path:
    docs = tmp_path / "old-course" / "docs"
    files = {
        "_config.yml": CONFIG,
        "_layouts/custom.html": LAYOUT,
        "en/week01/01.md": WEEK,
        "en/week01/01-1.md": NOTE,
        "en/week01/practicum01.sbv": TRANSCRIPT,
    }
    for rel, text in files.items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    image = docs / "images/week01/01-1/unit.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(png())
    return docs


def snapshot(docs: Path) -> dict[str, bytes]:
    """Every source file of the repository, byte for byte (not the outputs of a build)."""
    return {
        str(p.relative_to(docs)): p.read_bytes()
        for p in sorted(docs.rglob("*"))
        if p.is_file()
        and p.name != "course.toml"
        and not {"_site", ".dlcourse-cache"} & set(p.relative_to(docs).parts)
    }


def test_import_validate_refuse_twice_and_build(jekyll_repo: Path) -> None:
    docs = jekyll_repo
    before = snapshot(docs)
    result = run("import", "jekyll", docs)
    assert result.exit_code == 0, result.output
    toml = docs / "course.toml"
    assert "wrote" in result.output and str(toml) in result.output
    assert "guessed" in result.output and "3 maths macros from _layouts" in result.output
    assert snapshot(docs) == before  # notes, transcript, image, config: not touched

    result = run("validate", "--course", docs)
    assert result.exit_code == 0, result.output
    course = load_course(docs)
    assert course.course.title == "Deep Learning Mini"
    assert course.notes.contents_file == "_config.yml"
    assert course.notes.macros["vect"] == r"\boldsymbol{#1}"
    assert course.notes.macros["R"] == r"\mathbb{R}"
    assert course.schedule.term_start.isoformat() == "2020-01-27"
    # the transcript says practicum: week 1's only note is a lab
    assert [m.kind for m in course.schedule.meetings] == ["lab"]
    assert course.week(1).videos == {"practicum": "0bMe_vCZo30"}

    # a second import never overwrites silently
    toml.write_text(toml.read_text(encoding="utf-8") + "# my edits\n", encoding="utf-8")
    edited = toml.read_bytes()
    result = run("import", "jekyll", docs)
    assert result.exit_code == 2
    assert "exists" in result.output and "--force" in result.output
    assert toml.read_bytes() == edited
    result = run("import", "jekyll", docs, "--force")
    assert result.exit_code == 0, result.output
    assert b"# my edits" not in toml.read_bytes()
    assert run("validate", "--course", docs).exit_code == 0

    result = run("build", "--course", docs, "--no-search")
    assert result.exit_code == 0, result.output
    site = docs / "_site"
    page = (site / "en/week01/01-1/index.html").read_text(encoding="utf-8")
    assert "{{" not in page and "site.baseurl" not in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images == ["/images/week01/01-1/unit.png"] * 2
    assert (site / "images/week01/01-1/unit.png").read_bytes() == png()
    assert "<figcaption>The perceptron</figcaption>" in page
    # the layout's macros: \vect → bold italic x, \R → ℝ, no error and no raw macro left
    maths = re.findall(r"<math.*?</math>", page, flags=re.S)
    assert len(maths) == 2
    assert "𝒙" in maths[0] and ("ℝ" in maths[0] or "&#x0211D;" in maths[0])
    assert "𝑾" in maths[1]
    shown = without_alttext(page)  # the TeX stays only as each formula's alttext
    assert "math-error" not in shown and "\\vect" not in shown and "\\R" not in shown
    assert snapshot(docs) == before  # the build did not touch the notes either


def test_import_refuses_a_symlinked_course_toml_and_a_folder_without_config(
    jekyll_repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.toml"
    (jekyll_repo / "course.toml").symlink_to(target)  # dangling: "exists" all the same
    result = run("import", "jekyll", jekyll_repo)
    assert result.exit_code == 2 and "exists" in result.output
    assert not target.exists()
    result = run("import", "jekyll", tmp_path / "nowhere")
    assert result.exit_code == 2 and "_config.yml not found" in result.output
