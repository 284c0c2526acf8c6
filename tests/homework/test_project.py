"""Project deliverable checks on real files: a video made by ffmpeg, PDFs written here."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.homework.project import check_deliverables, main_text_pages

pytest.importorskip("pypdf")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def pdf(path: Path, pages: list[str]) -> Path:
    """A minimal PDF with one line of text per page (Helvetica), written by hand."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        content = len(objects) + 2
        kids.append(len(objects) + 1)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
            "/BaseFont /Helvetica >> >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    )
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(out)
    return path


def video(path: Path, seconds: float) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=blue:s=32x32:d={seconds}:r=5",
            "-c:v",
            "mpeg4",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def test_main_text_ends_where_the_references_begin(tmp_path: Path):
    article = pdf(tmp_path / "a.pdf", ["Intro", "Method", "References", "Appendix"])
    assert main_text_pages(article) == 2
    assert main_text_pages(pdf(tmp_path / "b.pdf", ["Intro", "Method"])) == 2


@needs_ffmpeg
@pytest.mark.slow
def test_check_finds_every_kind_of_problem(example_course_dir: Path, tmp_path: Path):
    project = load_course(example_course_dir).project
    good = tmp_path / "groups" / "good"
    good.mkdir(parents=True)
    video(good / "talk.mp4", 2)
    pdf(good / "slides.pdf", ["s"] * 6)
    pdf(good / "article.pdf", ["p"] * 8 + ["References"])
    bad = tmp_path / "groups" / "bad"
    bad.mkdir()
    pdf(bad / "slides.pdf", ["s"] * 7)
    pdf(bad / "article.pdf", ["p"] * 11 + ["References"])
    long = tmp_path / "groups" / "long"
    long.mkdir()
    video(long / "talk.mp4", 181.5)
    (long / "slides.pdf").write_text("not a pdf")
    pdf(long / "article.pdf", ["p"] * 9 + ["References"])
    findings = check_deliverables(tmp_path / "groups", project)
    by_group = {}
    for finding in findings:
        by_group.setdefault(finding.group, set()).add(finding.rule)
    assert "good" not in by_group
    assert by_group["bad"] == {"PRJ001", "PRJ004", "PRJ006"}
    assert by_group["long"] == {"PRJ002", "PRJ008", "PRJ007"}
    result = CliRunner().invoke(
        app,
        [
            "project",
            "check",
            str(tmp_path / "groups"),
            "--course",
            str(example_course_dir),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1
    rules = [f["rule"] for f in json.loads(result.output)["findings"]]
    assert sorted(rules) == sorted(f.rule for f in findings)


def test_check_refuses_a_missing_folder(example_course_dir: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["project", "check", str(tmp_path / "nope"), "--course", str(example_course_dir)]
    )
    assert result.exit_code == 2 and "no such folder" in result.output


# -- groups ----------------------------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlcourse.homework.groups import GroupError, form_groups  # noqa: E402


def split_exists(size: int, formed: list[int], low: int, high: int) -> bool:
    """Brute force: can the students left fill the formed groups and make new ones?"""
    left = size - sum(formed)
    deficit = sum(max(0, low - n) for n in formed)
    room = sum(high - max(n, low) for n in formed)
    for extra in range(room + 1):
        rest = left - deficit - extra
        if rest < 0:
            break
        if rest == 0 or any(k * low <= rest <= k * high for k in range(1, rest + 1)):
            return True
    return False


@given(
    size=st.integers(2, 60),
    formed_pairs=st.integers(0, 5),
    limits=st.sampled_from([(2, 3), (3, 3), (2, 4), (1, 2)]),
    seed=st.integers(0, 5),
)
def test_every_student_in_one_group_within_the_limits(size, formed_pairs, limits, seed):
    low, high = limits
    students = [f"s{i:03d}" for i in range(size)]
    formed = {
        f"team{k}": students[2 * k : 2 * k + 2]
        for k in range(min(formed_pairs, size // 2))
        if high >= 2
    }
    try:
        groups = form_groups(students, formed, low, high, seed)
    except GroupError:
        assert not split_exists(size, [len(g) for g in formed.values()], low, high)
        return
    members = [netid for group in groups.values() for netid in group]
    assert sorted(members) == students
    assert all(low <= len(group) <= high for group in groups.values())
    for name, pair in formed.items():
        assert set(pair) <= set(groups[name])  # formed groups are kept
    assert groups == form_groups(students, formed, low, high, seed)  # reproducible


def test_groups_cli_reads_formed_groups_and_names_bad_rows(example_course_dir, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("netid\n" + "".join(f"s{i}\n" for i in range(8)))
    formed = tmp_path / "formed.csv"
    formed.write_text("group,netid\nalpha,s0\nalpha,s1\nbeta,s9\n")
    args = ["project", "groups", "--roster", str(roster), "--course", str(example_course_dir)]
    result = CliRunner().invoke(app, [*args, "--groups", str(formed)])
    assert result.exit_code == 2 and "row 4: s9 is not on the roster" in result.output
    formed.write_text("group,netid\nalpha,s0\nalpha,s1\n")
    out = tmp_path / "groups.csv"
    result = CliRunner().invoke(app, [*args, "--groups", str(formed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == 8 and "alpha,s0" in rows and "alpha,s1" in rows
    assert "groups of 2–3 from 8 students" in result.output


# -- in by the deadline ----------------------------------------------------------------------
def test_deliverables_must_arrive_by_the_deadline_by_the_lms_times(tmp_path: Path, monkeypatch):
    """From inside a course made by 'dlcourse init': the LMS's times decide, one second either
    side of the project's deadline; a file the export does not list cannot be shown on time."""
    from dlcourse.homework.project import project_deadline

    assert CliRunner().invoke(app, ["init", str(tmp_path / "course")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "course")
    deadline = project_deadline(load_course(tmp_path / "course")).astimezone(dt.UTC)
    for group in ("early", "late"):
        (tmp_path / "groups" / group).mkdir(parents=True)
        pdf(tmp_path / "groups" / group / "slides.pdf", ["s"])
        pdf(tmp_path / "groups" / group / "article.pdf", ["p", "References"])
    second = dt.timedelta(seconds=1)
    times = tmp_path / "times.csv"
    times.write_text(
        "group,file,submitted_at\n"
        f"early,slides.pdf,{(deadline - second).isoformat()}\n"
        f"early,article.pdf,{deadline.isoformat()}\n"
        f"late,slides.pdf,{(deadline + second).isoformat()}\n"
    )
    args = ["project", "check", str(tmp_path / "groups"), "--timestamps", str(times)]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["arrivals_checked"] and report["deadline"]
    late = {(f["group"], Path(f["file"]).name, f["message"][:7]) for f in report["findings"]}
    assert {item for item in late if item[0] == "early"} == {("early", "early", "no vide")}
    assert ("late", "slides.pdf", "arrived") in late  # one second after the deadline
    assert ("late", "article.pdf", "times.c") in late  # no row for it in the export
    text = CliRunner().invoke(app, args).output
    assert "PRJ009 (not-in-by-deadline)" in text and "arrivals checked against the deadline" in text
    assert "arrival times not checked" in CliRunner().invoke(app, args[:3]).output
    times.write_text(
        "group,file,submitted_at\nlate,slides.pdf,yesterday\nnobody,x.pdf,2020-05-01\n"
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "row 2: cannot read time 'yesterday'" in result.output
    assert "row 3: no file 'x.pdf' in the folder of group 'nobody'" in result.output


def test_a_damaged_pdf_is_a_finding_not_a_crash(example_course_dir: Path, tmp_path: Path, capfd):
    """A PDF whose page content pypdf cannot parse, and one cut short: PRJ008 each, and
    pypdf's own warnings do not reach the terminal."""
    group = tmp_path / "groups" / "g"
    group.mkdir(parents=True)
    article = pdf(group / "article.pdf", ["p", "References"])
    article.write_bytes(article.read_bytes().replace(b"stream\nBT", b"stream\n\xff\xfe("))
    slides = pdf(group / "slides.pdf", ["s"])
    slides.write_bytes(slides.read_bytes()[:300])
    findings = check_deliverables(tmp_path / "groups", load_course(example_course_dir).project)
    unreadable = {Path(f.file).name: f.message for f in findings if f.rule == "PRJ008"}
    assert unreadable.keys() == {"article.pdf", "slides.pdf"}
    assert unreadable["article.pdf"].startswith("unreadable PDF: PdfReadError")
    assert capfd.readouterr() == ("", "")
