"""Precision on real translations: each pattern that made the checker report false findings on
the 2020 notes, rebuilt as a small course of its own (the notes are written by the tests)."""

from __future__ import annotations

from pathlib import Path

from dlcourse.course import load_course
from dlcourse.notes.check import check_course

VIDEO = "AbCdEfGhIjK"


def stamp(title: str, seconds: int, level: int = 2, video: str = VIDEO) -> str:
    return f"{'#' * level} [{title}](https://www.youtube.com/watch?v={video}&t={seconds}s)"


PROSE = " ".join(["Energy-based models assign low energy to compatible pairs of inputs."] * 30)
CHINESE = "能量模型为相容的输入对分配较低的能量。" * 30


def front(ref: str, lang: str | None = None, title: str = "A note") -> str:
    lines = ["---", f"lang-ref: {ref}", f"title: {title}", "lecturer: Yann LeCun"]
    lines += ["authors: Ada Okafor, Bruno Lindqvist", "date: 6 Apr 2020"]
    if lang:
        lines += [f"lang: {lang}", "translator: Li Wei"]
    return "\n".join([*lines, "---", ""])


def write(course: Path, rel: str, text: str) -> str:
    path = course / "docs" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return rel


def check(course: Path, select: str | None = None):
    loaded = load_course(course)
    chosen = select.split(",") if select else None
    return check_course(loaded, select=chosen, jobs=1)


def at(report, rel: str, rule: str) -> list[tuple[int, str]]:
    return [
        (f.line, f.message)
        for f in report.by_rule(rule)
        if Path(f.path).as_posix().endswith("docs/" + rel)
    ]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# --- FM004: lang-ref is unique per language, shared across languages ------------------------


def test_home_pages_of_every_language_share_their_lang_ref(course_copy: Path):
    home = "---\nlayout: home\nlang-ref: home\n---\n\nWelcome.\n"
    write(course_copy, "index.md", home)
    write(course_copy, "ar/index.md", home.replace("layout: home", "lang: ar"))
    write(course_copy, "zh/index.md", home)
    write(course_copy, "zh/welcome.md", home)
    report = check(course_copy, "FM004")
    # only the two Chinese pages collide: the second one is reported, naming the first
    assert at(report, "zh/welcome.md", "FM004") == [
        (3, "lang-ref 'home' is also used by zh/index.md")
    ]
    assert len(report.by_rule("FM004")) == 1


# --- MATH003: macros the note defines ------------------------------------------------------

MACRO_NOTE = (
    front("ch.10-3")
    + "\n"
    + "<div hidden>$$\\gdef\\tcab#1{\\textcolor{blue}{#1}} \\gdef\\lat{\\vect{z}}$$</div>\n\n"
    + stamp("Latent variables", 60)
    + "\n\nThe code $\\tcab{x}$ and the latent $\\lat$ of $\\enc{y}$ and $\\half$.\n\n"
    + "$$\n\\newcommand{\\enc}[1]{\\mathrm{Enc}(#1)} \\def\\half{\\frac{1}{2}}"
    + " \\DeclareMathOperator{\\softmax}{softmax}\n\\softmax(\\enc{x}) \\cdot \\half\n$$\n\n"
    + "Here $\\undefinedmacro{x}$ is a typo.\n\n"
    + PROSE
    + "\n"
)


def test_macros_defined_in_the_note_are_known(course_copy: Path):
    rel = write(course_copy, "en/week10/10-3.md", MACRO_NOTE)
    report = check(course_copy, "MATH")
    typo = line_of(MACRO_NOTE, "undefinedmacro")
    assert [line for line, _ in at(report, rel, "MATH003")] == [typo]
    assert not at(report, rel, "MATH004")


def test_the_site_renders_note_macros():
    from dlcourse.notes.document import parse_note
    from dlcourse.site.mathml import MathCache
    from dlcourse.site.note_html import RenderContext, render_note

    context = RenderContext(
        base_url="/", macros={"vect": r"\boldsymbol{#1}"}, resolve_link=lambda h: None,
        maths=MathCache(),
    )  # fmt: skip
    body = render_note(parse_note(MACRO_NOTE), context)
    problems = [warning for warning in body.warnings if "undefinedmacro" not in str(warning)]
    assert not problems, problems
    for name in ("tcab", "lat", "enc", "half", "softmax"):
        assert f"\\{name}" not in body.html, name
    # \DeclareMathOperator: an operator name is an <mi> (notes.mathml_core), as Temml writes it
    assert "<mi>softmax</mi>" in body.html and 'mathcolor="blue"' in body.html
    assert body.html.count("math-error") == 1  # only the typo shows as its source


# --- commented-out headings are not stamps -------------------------------------------------


def test_commented_out_source_headings_are_not_stamps(course_copy: Path):
    source = (
        front("ch.10-1")
        + f"\n{stamp('Energy', 60)}\n\n{PROSE}\n\n{stamp('Contrastive methods', 1000)}\n\n{PROSE}\n"
    )
    write(course_copy, "en/week10/10-1.md", source)
    translation = (
        front("ch.10-1", "zh")
        + f"\n## <!--[Energy](https://www.youtube.com/watch?v={VIDEO}&t=60s)-->\n"
        + f"{stamp('能量', 60)}\n\n{CHINESE}\n\n"
        + f"## <!-- {stamp('Contrastive methods', 1000)[3:]} -->\n\n"
        + f"{stamp('对比方法', 1000)} <!--[Contrastive methods]({VIDEO})-->\n\n{CHINESE}\n"
    )
    rel = write(course_copy, "zh/week10/10-1.md", translation)
    report = check(course_copy)
    for rule in ("TS002", "TS003", "TR002", "TR003", "ED001", "ED002"):
        assert not at(report, rel, rule), (rule, at(report, rel, rule))


# --- TR003: stamps aligned as sequences, each difference reported once --------------------

SOURCE_STAMPS = [
    ("Energy", 60, 2),
    ("Margins", 1000, 2),
    ("Hinge loss", 1500, 3),
    ("GANs", 2400, 2),
]


def _source(course: Path) -> None:
    body = "\n\n".join(f"{stamp(t, s, level)}\n\n{PROSE}" for t, s, level in SOURCE_STAMPS)
    write(course, "en/week10/10-1.md", front("ch.10-1") + "\n" + body + "\n")


def _translation(course: Path, headings: list[str]) -> tuple[str, str]:
    text = front("ch.10-1", "zh") + "\n" + "\n\n".join(f"{h}\n\n{CHINESE}" for h in headings)
    return write(course, "zh/week10/10-1.md", text + "\n"), text


def test_a_missing_stamp_is_one_finding_at_its_heading(course_copy: Path):
    _source(course_copy)
    rel, text = _translation(
        course_copy,
        [stamp("能量", 60), "## 间隔", stamp("合页损失", 1500, 3), stamp("生成对抗网络", 2400)],
    )
    found = at(check(course_copy, "TR003"), rel, "TR003")
    assert found == [
        (
            line_of(text, "## 间隔"),
            "heading '间隔' has no time stamp; the source heading 'Margins' "
            "(en/week10/10-1.md line 13) starts at 16:40",
        )
    ]


def test_an_extra_and_a_changed_stamp_are_one_finding_each(course_copy: Path):
    _source(course_copy)
    rel, text = _translation(
        course_copy,
        [
            stamp("能量", 60),
            stamp("插话", 700),  # extra, where the source has none
            stamp("间隔", 1000),
            stamp("合页损失", 1555, 3),  # changed
            stamp("生成对抗网络", 2400),
        ],
    )
    found = at(check(course_copy, "TR003"), rel, "TR003")
    assert [(line, message.split(" (")[0]) for line, message in found] == [
        (line_of(text, "插话"), "time stamp 11:40 has no counterpart in en/week10/10-1.md"),
        (line_of(text, "合页损失"), "time stamp 25:55"),
    ]
    assert "differs from the source's 25:00" in found[1][1]


def test_identical_stamps_give_no_finding(course_copy: Path):
    _source(course_copy)
    rel, _ = _translation(
        course_copy,
        [stamp("能量", 60), stamp("间隔", 1000), stamp("合页损失", 1500, 3), stamp("对抗", 2400)],
    )
    assert not at(check(course_copy, "TR003"), rel, "TR003")


def test_a_changed_video_is_reported_at_its_stamp(course_copy: Path):
    _source(course_copy)
    rel, text = _translation(
        course_copy,
        [
            stamp("能量", 60),
            stamp("间隔", 1000, video="ZZZZZZZZZZZ"),
            stamp("合页损失", 1500, 3),
            stamp("对抗", 2400),
        ],
    )
    found = at(check(course_copy, "TR003"), rel, "TR003")
    assert [line for line, _ in found] == [line_of(text, "间隔")]
    assert "'ZZZZZZZZZZZ'" in found[0][1] and f"'{VIDEO}'" in found[0][1]


# --- a javascript: link written in Markdown ------------------------------------------------


def test_markdown_script_links_are_reported(course_copy: Path):
    text = (
        front("ch.10-3")
        + "\n"
        + stamp("Links", 60)
        + "\n\nSee [the demo](javascript:alert(document.cookie)) and [this][x].\n\n"
        + "[x]: JavaScript:void(0)\n\nA [real link](https://example.org) is fine.\n"
    )
    rel = write(course_copy, "en/week10/10-3.md", text)
    found = at(check(course_copy, "HTML001"), rel, "HTML001")
    assert [line for line, _ in found] == [line_of(text, "the demo"), line_of(text, "[x]:")]
    assert "javascript:alert(document.cookie)" in found[0][1]
