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
    from tests.site.conftest import without_alttext

    body = render_note(parse_note(MACRO_NOTE), context)
    shown = without_alttext(body.html)  # each formula keeps its TeX source only as alttext
    for name in ("tcab", "lat", "enc", "half", "softmax"):
        assert f"\\{name}" not in shown, name
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


# --- a heading that is not one: one finding instead of a cascade ---------------------------


def test_a_lost_heading_is_one_finding_not_a_cascade(course_copy: Path):
    _source(course_copy)
    rel, text = _translation(
        course_copy,
        [
            stamp("能量", 60),
            stamp("间隔", 1000).replace("## [", "##["),  # no space after the hashes
            stamp("合页损失", 1500, 3).removeprefix("### "),  # the hashes lost
            stamp("生成对抗网络", 2400),
        ],
    )
    report = check(course_copy)
    assert [line for line, _ in at(report, rel, "ED006")] == [
        line_of(text, "间隔"),
        line_of(text, "合页损失"),
    ]
    for rule in ("TR003", "TS001", "TS005", "TS006", "TS009"):
        assert not at(report, rel, rule), (rule, at(report, rel, rule))


def test_a_note_whose_every_stamp_lost_its_heading_is_no_ts001(course_copy: Path):
    text = front("ch.10-1") + "\n" + f"{stamp('Energy', 60)[3:]}\n\n{PROSE}\n"
    rel = write(course_copy, "en/week10/10-1.md", text)
    report = check(course_copy, "TS001,ED006")
    assert not at(report, rel, "TS001")
    assert [line for line, _ in at(report, rel, "ED006")] == [line_of(text, "[Energy]")]


# --- an unstamped heading between stamped siblings -----------------------------------------


def _between(course: Path, second_start: int) -> tuple[str, str]:
    text = (
        front("ch.10-1")
        + f"\n{stamp('Energy', 60)}\n\n{PROSE}\n\n## Margins\n\n{PROSE}\n\n"
        + f"{stamp('GANs', second_start)}\n\n{PROSE}\n"
    )
    return write(course, "en/week10/10-1.md", text), text


def test_an_unstamped_heading_between_far_stamps_is_a_missing_slice(course_copy: Path):
    rel, text = _between(course_copy, 2400)  # 39 minutes: two writers' share
    report = check(course_copy, "TS")
    found = at(report, rel, "TS009")
    assert [line for line, _ in found] == [line_of(text, "## Margins")]
    assert "between 'Energy' (1:00) and 'GANs' (40:00)" in found[0][1]
    assert not at(report, rel, "TS005")  # the long slice is that one finding, not two


def test_an_unstamped_heading_inside_one_writers_share_is_structure(course_copy: Path):
    rel, _ = _between(course_copy, 1300)  # 21 minutes: one writer (as the 2020 notes do)
    assert not at(check(course_copy, "TS"), rel, "TS009")


# --- inherited findings: once, on the English note -----------------------------------------

IMAGE = "{{site.baseurl}}/images/week10/10-1/energy.png"


def _english_with_defects(course: Path) -> str:
    (course / "docs/images/week10/10-1").mkdir(parents=True)
    (course / "docs/images/week10/10-1/energy.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    long = " ".join([PROSE] * 3)  # ~900 words: LEN001
    text = (
        front("ch.10-1").replace("authors: Ada Okafor, Bruno Lindqvist", "authors:")
        + f"\n## Resources\n\nSlides.\n\n{stamp('Energy', 60)}\n\n"
        + f'<center><img src="{IMAGE}" width="60%"></center>\n\n{long}\n\n'
        + f"The loss $\\partiel L$ is typed wrong.\n\n{stamp('GANs', 1200)}\n\n"
        + f'<img src="{IMAGE}">\n\n{PROSE}\n'
    )
    return write(course, "en/week10/10-1.md", text)


def _chinese_copy(course: Path, extra: str = "") -> tuple[str, str]:
    text = (
        front("ch.10-1", "zh").replace("authors: Ada Okafor, Bruno Lindqvist", "authors:")
        + f"\n## 资源\n\n幻灯片。\n\n{stamp('能量', 60)}\n\n"
        + f'<center><img src="{IMAGE}" width="60%"></center>\n\n{CHINESE * 3}\n\n'
        + f"损失 $\\partiel L$ 写错了。\n\n{stamp('生成对抗网络', 1200)}\n\n"
        + f'<img src="{IMAGE}">\n\n{CHINESE}\n{extra}'
    )
    return write(course, "zh/week10/10-1.md", text), text


def test_findings_copied_from_the_english_note_are_reported_there_only(course_copy: Path):
    english = _english_with_defects(course_copy)
    chinese, _ = _chinese_copy(course_copy)
    report = check(course_copy)
    rules_en = {f.rule for f in report.findings if f.path.endswith(english)}
    assert {"FM001", "LEN001", "TS008", "FIG002", "MATH003"} <= rules_en
    assert [f for f in report.findings if f.path.endswith(chinese)] == []
    assert report.inherited[next(f.path for f in report.findings if f.path.endswith(english))
                            .replace(english, chinese)] >= 6  # fmt: skip


def test_what_the_translator_did_is_still_reported(course_copy: Path):
    _english_with_defects(course_copy)
    chinese, text = _chinese_copy(course_copy, extra="\n另一个公式 $\\moyen x$。\n")
    text = text.replace("lang: zh", "lang: ja")
    write(course_copy, chinese, text)
    report = check(course_copy)
    own = sorted((f.rule, f.line) for f in report.findings if f.path.endswith(chinese))
    assert own == [("FM002", text.splitlines().index("lang: ja") + 1),
                   ("MATH003", line_of(text, "moyen"))]  # fmt: skip


def test_an_image_without_alt_text_is_reported_once(course_copy: Path):
    english = _english_with_defects(course_copy)
    report = check(course_copy, "FIG002")
    assert [f.path.endswith(english) for f in report.by_rule("FIG002")] == [True]
    assert sum(report.inherited.values()) == 1  # its second use in the same note


# --- the English note's source findings when only the translation is checked --------------


def test_checking_only_a_translation_still_knows_what_it_inherited(course_copy: Path):
    _english_with_defects(course_copy)
    chinese, _ = _chinese_copy(course_copy)
    loaded = load_course(course_copy)
    report = check_course(loaded, [course_copy / "docs" / chinese], jobs=1)
    assert report.findings == []
    assert sum(report.inherited.values()) >= 6


# --- transcripts found by the meeting ------------------------------------------------------


def test_week_15s_two_practicum_transcripts_are_found_by_part(tmp_path: Path):
    from dlcourse.notes.transcript import transcript_for

    week = tmp_path / "en/week15"
    week.mkdir(parents=True)
    for name in ("15-1.md", "15-2.md", "practicum15A.sbv", "practicum15B.sbv", "15.md"):
        (week / name).write_text("", encoding="utf-8")
    course = load_course(None)  # its calendar has no week 15: the layout decides
    first = transcript_for(week / "15-1.md", 15, "lecture", 1, course)
    second = transcript_for(week / "15-2.md", 15, "lecture", 2, course)
    assert (first.name, second.name) == ("practicum15A.sbv", "practicum15B.sbv")
    # one transcript per kind keeps its plain name, whatever the part
    (week.parent / "week05").mkdir()
    for name in ("05-1.md", "05-2.md", "05-3.md", "lecture05.sbv", "practicum05.sbv"):
        (week.parent / "week05" / name).write_text("", encoding="utf-8")
    lecture = transcript_for(week.parent / "week05/05-2.md", 5, "lecture", 2, course)
    practicum = transcript_for(week.parent / "week05/05-3.md", 5, "practicum", 3, course)
    assert (lecture.name, practicum.name) == ("lecture05.sbv", "practicum05.sbv")


# --- the contents list of a partial copy ---------------------------------------------------


def test_contents_entries_into_absent_folders_are_one_finding_per_language(course_copy: Path):
    contents = course_copy / "_config.yml"
    pages = [f"fr/week{w:02d}/{w:02d}-{k}.md" for w in range(1, 6) for k in (1, 2, 3)]
    lines = ["fr:", "  chapters:", *[f"    - path: {page}" for page in pages]]
    lines += ["  epilogues:", "    - path: fr/about.md"]
    contents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_course(course_copy)
    report = check_course(loaded, contents_file=contents, select=["TOC002"], jobs=1)
    assert [(f.line, f.message) for f in report.by_rule("TOC002")] == [
        (3, "16 'fr' contents entries point into a folder that does not exist: fr/")
    ]


# --- zero-width spaces that hide nothing ---------------------------------------------------


def test_zero_width_spaces_are_reported_where_they_can_hide_syntax(example_course):
    from dlcourse.notes.check import check_text

    text = (
        "Show Liquid literally: `{\u200b{site.baseurl}}` and {\u200b% link x.md %}.\n\n"  # escape
        "متوسط \u200b\u200bالخسارة في الشبكة.\n\n"  # machine translation between Arabic words
        "得到近似稀疏\u200b\u200b的图像。\n\n"  # inside CJK prose
        "\u200b## Not a heading\n\n"  # hides a heading
        "See [the\u200bfile](images/x.png) and images/fig\u200b1.png.\n"  # inside syntax, a path
    )
    found = [f.line for f in check_text(text, example_course, select=["ENC003"])]
    assert found == [7, 9]
