"""The grades commands as a user types them, from inside a course folder made by
``dlcourse init``: init, imports (a bad file changes nothing, exit 2, no traceback), show,
whatif, exports, audit, approve-track, backup — and no grade ever reaches the website."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app

runner = CliRunner()


@pytest.fixture
def course_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mycourse"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    monkeypatch.chdir(folder)
    monkeypatch.delenv("DLCOURSE_DB", raising=False)
    monkeypatch.setenv("DLCOURSE_USER", "ta01")
    return folder


def run(*args: str, code: int = 0) -> str:
    """``dlcourse grades ARGS`` as typed in the course folder: the course is found from there."""
    result = runner.invoke(app, ["grades", *args])
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.slow
def test_a_term_in_the_gradebook(course_folder: Path) -> None:
    out = run("init", "--sample", "12")
    db = course_folder / "grades" / "gradebook.sqlite3"
    assert "imported roster from roster.csv: 12 rows, 12 added" in out
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert (course_folder / "grades" / ".gitignore").read_text().strip().endswith("*")

    table = run("show")
    assert "zz1000" in table and "12 students; letters:" in table
    everyone = json.loads(run("show", "--format", "json"))
    assert len(everyone) == 12 and all(r["final"] for r in everyone)
    components = {c["id"] for c in everyone[0]["components"]}
    assert components == {"homework", "midterm", "project", "write-up", "forum"}
    one = run("show", "zz1005")
    assert "Homework Assignment 1" in one and "scores.csv:" in one and "→" in one

    now = json.loads(
        run("whatif", "--student", "zz1005", "--set", "midterm=100", "--format", "json")
    )
    assert now["what_if"]["total"] >= now["now"]["total"] and now["set"] == {"midterm": 100.0}
    assert "--set" in run("whatif", "-s", "zz1005", "--set", "midterm=120", code=2)

    before = (db.read_bytes(), run("audit", "--format", "json"))
    bad = course_folder / "midterm.csv"
    bad.write_text("netid,midterm\nzz1000,70\nzz1001,lots\n", encoding="utf-8")
    err = run("import", "scores", str(bad), code=2)
    assert "midterm.csv:3: midterm 'lots' is not a number" in err
    assert run("audit", "--format", "json") == before[1]

    bad.write_text("netid,midterm\nzz1000,70\n", encoding="utf-8")
    assert "1 changed" in run("import", "scores", str(bad))
    assert "0 changed, 0 removed, 1 unchanged" in run("import", "scores", str(bad))
    audit = run("audit", "zz1000")
    assert "ta01" in audit and "midterm.csv" in audit and "points:" in audit

    assert "zz1001: track doctoral, approved by ta01" in run("approve-track", "zz1001", "phd")
    assert "no track 'postdoc'" in run("approve-track", "zz1001", "postdoc", code=2)

    out = run("export", "canvas")
    path = Path(out.split("wrote ")[1].split(" (")[0])
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5] == "Homework Assignment 1 (hw1)" and rows[1][0].strip() == "Points Possible"
    assert {r[3] for r in rows[2:]} == {f"zz{1000 + i}" for i in range(12)}
    out = run("export", "brightspace", "--out", "bs.csv")
    rows = list(csv.reader(io.StringIO(Path("bs.csv").read_text())))
    assert rows[0][:2] == ["OrgDefinedId", "Username"] and rows[0][-1] == "End-of-Line Indicator"
    assert rows[0][2] == "Homework Assignment 1 Points Grade <Numeric MaxPoints:100>"
    assert all(r[1].startswith("#zz") and r[-1] == "#" for r in rows[1:])

    run("export", "report", "--student", "zz1002", "--out", "reports")
    report = Path("reports/zz1002.html").read_text()
    assert "zz1002" in report and "Sample Student 003" in report
    assert "zz1003" not in report and "Sample Student 004" not in report  # nobody else
    for written in (path, Path("bs.csv"), Path("reports/zz1002.html")):  # grades: owner only
        assert stat.S_IMODE(written.stat().st_mode) == 0o600, written

    out = run("backup")
    backup = Path(out.split("wrote ")[1].strip())
    assert backup.parent == course_folder / "grades" / "backups"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600 and backup.stat().st_size > 0


@pytest.mark.slow
def test_grades_never_reach_the_website(course_folder: Path) -> None:
    run("init", "--sample", "6")
    result = runner.invoke(app, ["build", "--out", "_site"])
    assert result.exit_code == 0, result.output
    for path in Path("_site").rglob("*"):
        if path.is_file():
            assert "gradebook" not in path.name
            data = path.read_bytes()
            assert b"zz1000" not in data and b"Sample Student" not in data, path


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.slow
def test_the_pdf_report_holds_every_component_of_one_student(course_folder: Path) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: WeasyPrint without the Pango library
        pytest.skip(f"WeasyPrint cannot draw here ({error})")
    run("init", "--sample", "4")
    shown = json.loads(run("show", "zz1002", "--format", "json"))[0]
    out = run("export", "report", "--student", "zz1002", "--format", "pdf")
    folder = course_folder / "grades" / "exports"
    (pdf,) = folder.glob("reports-*/zz1002.pdf")
    assert f"wrote 1 pdf reports in {pdf.parent}" in out
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    text = " ".join(_pdf_text(pdf).split())
    squeezed = "".join(text.split())  # table cells wrap their words (and at hyphens) anywhere

    def shows(words: str) -> bool:
        return "".join(words.split()) in squeezed

    assert "zz1002" in text and shows(shown["name"])
    for component in shown["components"]:
        sign = {"adjustment": "±", "bonus": "+"}.get(component["kind"], "")
        assert shows(component["label"]), component["label"]
        assert f" {sign}{component['weight']:g} " in text, (component["id"], text)
        assert shows(component["source"]), component["source"]
        for item in component["items"]:
            if item["status"] == "graded":
                assert shows(f"{item['points']:g} / {item['max_points']:g}"), item
                assert shows(item["source"]), item  # the file and row of the score
    assert shows(f"{shown['rounded']:g}: {shown['letter']}")
    for other in ("zz1000", "zz1001", "zz1003", "Sample Student 001", "Sample Student 004"):
        assert not shows(other)  # nobody else's data

    err = run("export", "canvas", "--format", "pdf", code=2)
    assert "--format pdf is for the report" in err


@pytest.mark.slow
def test_pdf_report_without_weasyprint_says_what_to_install(
    course_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("init")
    Path("roster.csv").write_text("netid,name\nab1001,A Student\n", encoding="utf-8")
    run("import", "roster", "roster.csv")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    err = run("export", "report", "--format", "pdf", code=2)
    assert "PDF reports need WeasyPrint" in err and "pip install 'dlcourse[grades]'" in err
    assert not list((course_folder / "grades" / "exports").glob("reports-*/*"))


def test_commands_without_a_gradebook_say_how_to_make_one(course_folder: Path) -> None:
    err = run("show", code=2)
    assert "no gradebook at" in err and "dlcourse grades init" in err
    assert not (course_folder / "grades").exists()


def test_a_bad_database_url_is_one_line(course_folder: Path) -> None:
    err = run("show", "--db", "mysql://u:pw@h/d", code=2)
    assert "SQLite or PostgreSQL" in err and "pw" not in err


def test_missing_files_and_kinds(course_folder: Path) -> None:
    run("init")
    assert "cannot read" in run("import", "roster", "nope.csv", code=2)
    assert "Invalid value" in run("import", "grades", "x.csv", code=2)
    assert "no student 'nobody'" in run("show", "nobody", code=2)


@pytest.mark.slow
def test_postgresql_by_environment(course_folder: Path, pg_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DLCOURSE_DB", pg_url)
    assert "postgresql+psycopg" in run("init", "--sample", "5")
    assert len(json.loads(run("show", "--format", "json"))) == 5
    out = run("backup")
    assert Path(out.split("wrote ")[1].strip()).suffix == ".pgdump"
    assert not (course_folder / "grades" / "gradebook.sqlite3").exists()
    assert os.environ["DLCOURSE_DB"] == pg_url
