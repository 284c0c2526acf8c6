"""`dlcourse notes …` end to end: exit codes, formats, configuration, pragmas, --fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dlcourse.cli.notes_cmds import notes_app, register
from dlcourse.course import load_course
from dlcourse.notes.check import check_course

from .conftest import RULE_FIXTURES, overlay

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """root"""

    register(app)
    return app


def run(*args: str):
    return runner.invoke(_app(), ["notes", *args])


def test_notes_app_is_importable_for_other_commands():
    assert isinstance(notes_app, typer.Typer)


def test_example_course_checks_clean(example_course):
    report = check_course(example_course)
    assert report.findings == []
    assert len(report.files) >= 9
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_errors_exit_1_with_text_lines(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "MATH004" / "bad")
    result = run("check", "--course", str(course_copy))
    assert result.exit_code == 1
    line = next(li for li in result.output.splitlines() if "MATH004" in li)
    location, severity, rule, *_ = line.split("  ")
    assert location.endswith("docs/en/week01/01-1.md:11:1")
    assert (severity, rule) == ("error", "MATH004")


def test_json_sarif_github(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "FIG001" / "bad")
    data = json.loads(run("check", "--course", str(course_copy), "--format", "json").output)
    # the Arabic translation's figure no longer matches the source: a TR004 warning, sorted first
    assert data["errors"] >= 1 and "FIG001" in {f["rule"] for f in data["findings"]}
    sarif = json.loads(run("check", "--course", str(course_copy), "-f", "sarif").output)
    assert sarif["version"] == "2.1.0"
    driver = sarif["runs"][0]["tool"]["driver"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert "FIG001" in ids
    # no invented URL: without [notes] rules_docs_url there is no helpUri, but help text
    assert all("helpUri" not in rule and rule["help"]["text"] for rule in driver["rules"])
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "FIG001")
    assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == "FIG001"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    github = run("check", "--course", str(course_copy), "-f", "github").output
    error = next(line for line in github.splitlines() if line.startswith("::error file="))
    assert "en/week01/01-1.md" in error and ",line=12," in error


def test_configuration_errors_exit_2_naming_the_line(course_copy: Path):
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text() + "\n[notes.rules.NOPE001]\nenabled = false\n")
    result = run("check", "--course", str(course_copy))
    assert result.exit_code == 2
    lines = toml.read_text().splitlines()
    number = lines.index("[notes.rules.NOPE001]") + 1
    assert f"course.toml:{number}" in result.output and "NOPE001" in result.output


def test_bad_parameter_and_severity(course_copy: Path):
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text() + '\n[notes.rules.LEN001]\nwords = 3\nseverity = "fatal"\n')
    result = run("check", "--course", str(course_copy))
    assert result.exit_code == 2
    assert "no parameter 'words'" in result.output and "bad severity" in result.output


def test_rule_configuration_applies(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "LEN001" / "bad")
    toml = course_copy / "course.toml"
    text = toml.read_text()
    toml.write_text(text + '\n[notes.rules.subsection-length]\nseverity = "error"\n')
    report = check_course(load_course(course_copy))
    assert {f.severity for f in report.by_rule("LEN001")} == {"error"}
    toml.write_text(text + "\n[notes.rules.LEN001]\nenabled = false\n")
    assert not check_course(load_course(course_copy)).by_rule("LEN001")


def test_pragma_silences_one_finding(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "MATH003" / "bad")
    note = course_copy / "docs/en/week01/01-1.md"
    lines = note.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "partiel" in line)
    lines.insert(at, "<!-- dlcourse-disable-next-line MATH003 -->")
    note.write_text("\n".join(lines) + "\n")
    assert not check_course(load_course(course_copy)).by_rule("MATH003")


def test_fix_repairs_maths_blank_lines_extension_case_bom_and_line_endings(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "MATH002" / "bad")
    note = course_copy / "docs/en/week01/01-1.md"
    text = note.read_text()
    text = text.replace(
        "with a small step.",
        '<img src="{{site.baseurl}}/images/week01/01-1/'
        'threshold-unit.PNG" alt="unit">\n\nwith a small step.',
    )
    note.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run("check", "--course", str(course_copy), "--fix")
    assert result.exit_code == 0, result.output
    fixed = note.read_bytes()
    # the BOM dropped, CRLF converted to LF (ENC004), and the other repairs made alike
    assert not fixed.startswith(b"\xef\xbb\xbf") and b"\r" not in fixed
    assert b"threshold-unit.png" in fixed
    assert b"is\n\n$$" in fixed and b"$$\n\n<img" in fixed
    assert check_course(load_course(course_copy)).findings == []


def test_rules_listing():
    result = run("rules")
    assert result.exit_code == 0
    assert "TS001" in result.output and "maths-blank-lines" in result.output
    data = json.loads(run("rules", "--format", "json").output)
    assert {item["id"] for item in data} >= {"FM001", "TOC002", "HTML001"}


def test_usage_errors_exit_2(tmp_path: Path):
    assert run("check", str(tmp_path / "missing.md")).exit_code == 2


def test_timestamps_command_writes_links(course_copy: Path):
    note = course_copy / "docs/en/week02/02-1.md"
    text = note.read_text()
    note.write_text(
        text.replace(
            "## [Gradient descent on an average loss](https://www.youtube.com/"
            "watch?v=d9vdh3b787Y&t=30s)",
            "## Gradient descent on an average loss",
        ).replace(
            "## [Backpropagation through a network of modules]"
            "(https://www.youtube.com/watch?v=d9vdh3b787Y&t=1530s)",
            "## Backpropagation through a network of modules",
        )
    )
    result = run("timestamps", str(note), "--course", str(course_copy), "--write")
    assert result.exit_code == 0, result.output
    assert "confidence" in result.output
    written = note.read_text()
    assert written.count("https://www.youtube.com/watch?v=d9vdh3b787Y&t=") == 2


def test_authors_count_allows_configured_extra_writers(course_copy: Path):
    note = course_copy / "docs/en/week01/01-1.md"
    text = note.read_text()
    authors = next(line for line in text.splitlines() if line.startswith("authors:"))
    note.write_text(text.replace(authors, "authors: A One, B Two, C Three, D Four, E Five"))
    found = check_course(load_course(course_copy)).by_rule("FM005")  # group of 4
    assert found and "5 authors, more than the 4" in found[0].message
    assert "extra_writers" in found[0].hint
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text() + "\n[notes.rules.authors-count]\nextra_writers = 1\n")
    assert not check_course(load_course(course_copy)).by_rule("FM005")


def test_timestamps_write_takes_the_video_from_the_heading_when_the_course_has_none(
    course_copy: Path,
):
    toml = course_copy / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'videos = { lecture-a = "d9vdh3b787Y", lecture-b = "d9vdh3b787Y", '
            'practicum = "WAn6lip5oWk" }\n',
            "",
        ),
        encoding="utf-8",
    )
    note = course_copy / "docs/en/week02/02-1.md"
    text = note.read_text(encoding="utf-8")
    stripped = text.replace(
        "## [Backpropagation through a network of modules]"
        "(https://www.youtube.com/watch?v=d9vdh3b787Y&t=1530s)",
        "## Backpropagation through a network of modules",
    )
    assert stripped != text
    note.write_text(stripped, encoding="utf-8")
    result = run("timestamps", str(note), "--course", str(course_copy), "--write")
    assert result.exit_code == 0, result.output  # it used to end in a traceback
    assert "time stamp(s) into" in result.output
    written = note.read_text(encoding="utf-8")
    assert (
        "## [Gradient descent on an average loss](https://www.youtube.com/watch?v=d9vdh3b787Y&t="
        in written
    )
    # with no video anywhere, a located message and exit 2 (it used to be a traceback)
    note.write_text(
        stripped.replace("https://www.youtube.com/watch?v=d9vdh3b787Y&t=30s", "#"), "utf-8"
    )
    result = run("timestamps", str(note), "--course", str(course_copy), "--write")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{note}: no video id for this part" in " ".join(result.output.split())


def _note_with_broken_links(course_dir: Path, count: int) -> Path:
    """The course's first note with ``count`` relative links to pages that do not exist."""
    note = course_dir / "docs" / "en" / "week01" / "01-1.md"
    links = "\n".join(f"See [slides {n}](missing-{n}.pdf)." for n in range(count))
    note.write_text(note.read_text(encoding="utf-8") + "\n" + links + "\n", encoding="utf-8")
    return note


@pytest.mark.slow  # six runs of the checker over a course: 0.6 s
def test_text_and_github_show_at_most_max_per_rule_findings_per_file(course_copy: Path):
    _note_with_broken_links(course_copy, 45)
    course = ["--course", str(course_copy)]

    def link_lines(output: str) -> list[str]:
        return [line for line in output.splitlines() if "  LINK001  " in line]

    every = run("check", *course, "--max-per-rule", "0")
    assert every.exit_code == 1
    assert len(link_lines(every.output)) == 45
    assert "more LINK001" not in every.output
    capped = run("check", *course)  # the default cap: 20
    assert capped.exit_code == 1
    assert link_lines(capped.output) == link_lines(every.output)[:20]
    more = next(line for line in capped.output.splitlines() if "more LINK001" in line)
    assert more.endswith(
        "docs/en/week01/01-1.md: … and 25 more LINK001 findings in this file "
        "(--max-per-rule 0 shows all)"
    )
    # the summary still counts every finding, shown or not
    assert capped.output.splitlines()[-1] == every.output.splitlines()[-1]
    assert "45 error(s)" in capped.output.splitlines()[-1]
    github = run("check", *course, "-f", "github", "--max-per-rule", "3")
    assert github.exit_code == 1
    annotations = [line for line in github.output.splitlines() if "LINK001" in line]
    assert len(annotations) == 4 and all(a.startswith("::error ") for a in annotations[:3])
    assert annotations[3].endswith(
        "01-1.md: … and 42 more LINK001 findings in this file (--max-per-rule 0 shows all)"
    )
    # machines get everything whatever the cap
    data = json.loads(run("check", *course, "-f", "json", "--max-per-rule", "1").output)
    assert sum(f["rule"] == "LINK001" for f in data["findings"]) == 45
    sarif = json.loads(run("check", *course, "-f", "sarif", "--max-per-rule", "1").output)
    assert sum(r["ruleId"] == "LINK001" for r in sarif["runs"][0]["results"]) == 45
    refused = run("check", *course, "--max-per-rule", "-1")
    assert refused.exit_code == 2 and "--max-per-rule" in refused.output


def test_cap_counts_per_rule_per_file_with_thousands_separated():
    from dlcourse.notes.findings import Finding
    from dlcourse.notes.output import Omitted, capped

    def finding(path: str, line: int, rule: str) -> Finding:
        return Finding(path, line, 1, rule, rule.lower(), "error", "broken")

    findings = [finding("a.md", n, "LINK001") for n in range(1, 1_003)]
    findings += [finding("a.md", 2_000, "FIG001"), finding("b.md", 1, "LINK001")]
    findings.sort(key=Finding.sort_key)
    items = list(capped(findings, 2))
    shown = [item for item in items if isinstance(item, Finding)]
    assert [(f.path, f.line, f.rule) for f in shown] == [
        ("a.md", 1, "LINK001"),
        ("a.md", 2, "LINK001"),
        ("a.md", 2_000, "FIG001"),
        ("b.md", 1, "LINK001"),
    ]
    omitted = Omitted("a.md", "LINK001", 1_000)
    assert [item for item in items if isinstance(item, Omitted)] == [omitted]
    assert items.index(omitted) == 3  # after its file's findings, before b.md's
    assert omitted.text() == (
        "… and 1,000 more LINK001 findings in this file (--max-per-rule 0 shows all)"
    )
    assert Omitted("a.md", "FIG001", 1).text().startswith("… and 1 more FIG001 finding in")
    assert len(list(capped(findings, 0))) == len(findings)


def test_summary_counts_are_thousands_separated_like_the_cap_lines():
    from dlcourse.notes.check import Report
    from dlcourse.notes.findings import Finding
    from dlcourse.notes.output import summary

    broken = [Finding("a.md", n, 1, "LINK001", "link-target", "error", "x") for n in range(1_200)]
    report = Report(findings=broken, files=["a.md"])
    assert summary(report) == "1 file(s) checked: 1,200 error(s), 0 warning(s)"


def test_terminal_output_is_capped_too(course_copy: Path):
    from rich.console import Console

    from dlcourse.cli.notes_cmds import _print_rich

    _note_with_broken_links(course_copy, 8)
    report = check_course(load_course(course_copy), cache_dir=None)
    console = Console(record=True, width=300, color_system=None)
    _print_rich(report, console, 5)
    lines = console.export_text().splitlines()
    assert sum("  LINK001  " in line for line in lines) == 5
    assert "  … and 3 more LINK001 findings in this file (--max-per-rule 0 shows all)" in lines
    assert lines[-1].startswith("10 file(s) checked: 8 error(s)")
