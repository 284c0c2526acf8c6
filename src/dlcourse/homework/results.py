"""Gradescope's ``results.json`` from a sandbox run, and the per-student feedback page.

The schema is Gradescope's autograder specification: ``score``, ``execution_time``,
``output``, ``tests[]`` with ``name``, ``score``, ``max_score``, ``status`` (passed/failed),
``visibility`` and ``output``; our finer status (timeout, cpu_limit, memory_limit, …) and the
run's meta record go into ``extra_data``. A result is always written, even for a submission
that crashes or is killed: its tests then carry what happened to them.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from dlcourse.homework.sandbox import RunResult

STATUS_TEXT = {
    "passed": "passed",
    "failed": "failed",
    "error": "raised an error",
    "timeout": "ran past its wall-clock limit",
    "cpu_limit": "used up its CPU time",
    "memory_limit": "ran out of memory",
    "output_limit": "printed more than the output limit",
    "file_size_limit": "wrote a file larger than the limit",
    "crashed": "crashed",
    "not_run": "was not run",
}


def results_json(run: RunResult, points: float | None = None) -> dict[str, Any]:
    """Gradescope results for one run; test scores scaled so they add up to ``points``."""
    total_max = sum(test["max_score"] for test in run.tests)
    scale = points / total_max if points and total_max else 1.0
    tests = []
    for test in run.tests:
        status = test["status"]
        text = test.get("output", "")
        if status != "passed":
            detail = test.get("message", "").strip()
            text = f"{STATUS_TEXT.get(status, status)}\n{detail}\n{text}".strip()
        tests.append(
            {
                "name": test["name"],
                "score": round(test["score"] * scale, 4),
                "max_score": round(test["max_score"] * scale, 4),
                "status": "passed" if status == "passed" else "failed",
                "visibility": test["visibility"],
                "output": text,
                "extra_data": {"status": status, "time": test.get("time")},
            }
        )
    output = ""
    if run.setup_error:
        output = f"The tests could not start: {run.setup_error}"
    elif run.meta.status != "OK":
        output = f"The grading run ended with status {run.meta.status}"
        if run.meta.killed_by:
            output += f" (killed by {run.meta.killed_by})"
        output += "; tests that did not finish score 0."
    return {
        "score": round(sum(test["score"] for test in tests), 4),
        "execution_time": round(run.meta.wall, 3),
        "output": output,
        "tests": tests,
        "extra_data": {"meta": run.to_json()["meta"]},
    }


_TEST_KEYS = {"name", "score", "max_score", "status"}


def read_results(path: Path) -> dict[str, Any]:
    """A ``results.json`` as grading writes it. Raises ValueError naming the file when it is
    not one (unreadable, not JSON, or without a score and tests with name, score, max_score
    and status): a page built from it would show nonsense or nothing."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: cannot be read as results.json ({error})") from None
    if not isinstance(results, dict):
        results = {}
    tests = results.get("tests")
    if (
        not isinstance(results.get("score"), int | float)
        or not isinstance(tests, list)
        or not all(isinstance(test, dict) and test.keys() >= _TEST_KEYS for test in tests)
    ):
        raise ValueError(
            f"{path}: not a results.json of 'dlcourse hw grade' (it needs a score and tests "
            "with name, score, max_score and status)"
        )
    return results


def visible_tests(
    results: dict[str, Any], now: dt.datetime, due: dt.datetime, published: bool
) -> list[dict[str, Any]]:
    """The tests a student may see now, by Gradescope's visibility rules."""
    shown = []
    for test in results.get("tests", []):
        visibility = test.get("visibility", "visible")
        if (
            visibility == "visible"
            or (visibility == "after_due_date" and now > due)
            or (visibility == "after_published" and published)
        ):
            shown.append(test)
    return shown


def feedback_html(
    title: str,
    student: str,
    results: dict[str, Any],
    now: dt.datetime,
    due: dt.datetime,
    published: bool = False,
) -> str:
    """A self-contained page (no scripts, everything escaped) with the tests a student may see."""
    shown = visible_tests(results, now, due, published)
    hidden = len(results.get("tests", [])) - len(shown)
    visible_score = sum(test["score"] for test in shown)
    visible_max = sum(test["max_score"] for test in shown)
    rows = []
    for test in shown:
        mark = "✓" if test["status"] == "passed" else "✗"
        rows.append(
            f'<section class="{test["status"]}"><h2>{mark} {html.escape(test["name"])} — '
            f"{test['score']:g} / {test['max_score']:g}</h2>"
            f"<pre>{html.escape(test.get('output') or '')}</pre></section>"
        )
    note = (
        f"<p>{hidden} more test{'s' if hidden != 1 else ''} will be shown "
        "after the due date or when grades are published.</p>"
        if hidden
        else ""
    )
    overall = f"<p>{html.escape(results['output'])}</p>" if results.get("output") else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>{html.escape(title)} — {html.escape(student)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}"
        "pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;white-space:pre-wrap}"
        ".passed h2{color:#176317}.failed h2{color:#a11}"
        "@media (prefers-color-scheme:dark){body{background:#111;color:#eee}pre{background:#222}}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Feedback for <strong>{html.escape(student)}</strong>: "
        f"{visible_score:g} / {visible_max:g} points in the tests shown.</p>"
        f"{overall}{note}{''.join(rows)}</body></html>\n"
    )
