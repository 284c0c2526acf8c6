"""``benchmarks/portal.py`` still runs and checks what it promises, on a tiny input: every
on-time upload accepted and recorded once, every late one refused, the latency rows printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NUMBER = r"\d+(?:\.\d+)?"


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "benchmarks/portal.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _check(out: str, students: int, late: int) -> None:
    assert f"uploads answered: {students} accepted, {late} refused" in out
    assert (
        f"gradebook: {students} accepted, {late} refused; lost 0, duplicated 0, recorded "
        "without a receipt 0, accepted after the deadline 0, refused before it 0"
    ) in out
    for row in ("upload (POST, multipart)", "baseline: /healthz"):
        assert re.search(rf"{re.escape(row)}\s+{students + late}(\s+{NUMBER}ms){{4}}", out), row
    assert re.search(rf"p95 upload / p95 baseline: {NUMBER}x; goal p95 upload < 300 ms", out)
    assert re.search(rf"load average \(1, 5, 15 min\): {NUMBER} {NUMBER} {NUMBER}", out)


@pytest.mark.slow
def test_portal_benchmark_on_a_tiny_input() -> None:
    """One run, on PostgreSQL where it is installed (what the benchmark is about), else on
    SQLite: six students in a two-second window, two of them again after the deadline. The
    flows tests cover both databases; this one checks the benchmark itself."""
    pytest.importorskip("uvicorn")
    database = [] if list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) else ["--sqlite"]
    args = ("--students", "6", "--window", "2", "--late", "2", *database)
    _check(_run(*args), 6, 2)
