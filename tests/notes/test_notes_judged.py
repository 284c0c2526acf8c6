"""The judged sample: findings on the real 2020 notes, each judged by reading the file at its
line (tests/notes/judged/sample.tsv). The checker must still produce every true finding and
none of the false or repeated ones; every error it reports on the sample must have been judged
true or arguable (no false error), and the example course checks clean."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlcourse.notes.check import check_course

JUDGED = Path(__file__).parent / "judged" / "sample.tsv"


@dataclass(frozen=True)
class Judged:
    file: str
    line: int
    rule: str
    verdict: str
    match: str
    why: str


def judged() -> list[Judged]:
    rows = [line for line in JUDGED.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    reader = csv.DictReader(rows, delimiter="\t")
    return [
        Judged(r["file"], int(r["line"]), r["rule"], r["verdict"], r["match"], r["why"])
        for r in reader
    ]


def test_the_judged_file_is_well_formed():
    entries = judged()
    assert {e.verdict for e in entries} <= {"true", "arguable", "false", "repeat"}
    assert all(e.why for e in entries)
    keys = [(e.file, e.line, e.rule, e.match) for e in entries]
    assert len(keys) == len(set(keys))


@pytest.fixture(scope="module")
def findings(corpus_dir: Path, example_course) -> dict[tuple[str, int, str], list[str]]:
    report = check_course(
        example_course, [corpus_dir], contents_file=corpus_dir / "_config.yml", jobs=1
    )
    found: dict[tuple[str, int, str], list[str]] = {}
    for finding in report.findings:
        rel = Path(finding.path).resolve().relative_to(corpus_dir.resolve()).as_posix()
        found.setdefault((rel, finding.line, finding.rule), []).append(
            f"{finding.severity}: {finding.message}"
        )
    return found


def _at(findings, entry: Judged) -> list[str]:
    messages = findings.get((entry.file, entry.line, entry.rule), [])
    return [m for m in messages if entry.match in m]


@pytest.mark.corpus
@pytest.mark.parametrize("entry", judged(), ids=lambda e: f"{e.verdict}:{e.file}:{e.line}:{e.rule}")
@pytest.mark.slow
def test_judged_finding(findings, entry: Judged):
    at = _at(findings, entry)
    if entry.verdict == "true":
        assert at, f"no longer found: {entry.why}"
    elif entry.verdict in ("false", "repeat"):
        assert not at, f"{entry.verdict} finding is back ({entry.why}): {at}"


@pytest.mark.corpus
@pytest.mark.slow
def test_the_sample_is_large_spread_and_precise(findings):
    entries = judged()
    current = [e for e in entries if e.verdict in ("true", "arguable") and _at(findings, e)]
    assert len(current) >= 60
    # every rule that fires on the sample is judged on at least one of its findings
    firing = {rule for _, _, rule in findings}
    assert firing <= {e.rule for e in current}, firing - {e.rule for e in current}
    verdicts = Counter(e.verdict for e in current)
    assert verdicts["true"] / len(current) >= 0.8


@pytest.mark.corpus
def test_no_false_error_on_the_sample(findings):
    """Every error on the sample has been read and judged true or arguable."""
    accepted = {(e.file, e.line, e.rule) for e in judged() if e.verdict in ("true", "arguable")}
    errors = [
        (key, message)
        for key, messages in findings.items()
        for message in messages
        if message.startswith("error:")
    ]
    assert errors
    unjudged = [(key, message) for key, message in errors if key not in accepted]
    assert not unjudged, unjudged


def test_no_finding_on_the_example_course(example_course):
    report = check_course(example_course, jobs=1)
    assert report.findings == [] and sum(report.inherited.values()) == 0
