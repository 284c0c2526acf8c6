"""Every rule has an up-to-date docs page with a bad and a good example
(``scripts/make_rule_docs.py`` writes them)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse.notes.rules import RULES

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_rule_docs.py"


def _generator():
    spec = importlib.util.spec_from_file_location("make_rule_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_docs_page(rule_id: str):
    path = GENERATOR.DOCS / f"{rule_id}.md"
    assert path.is_file(), "run: python scripts/make_rule_docs.py"
    text = path.read_text(encoding="utf-8")
    assert text == GENERATOR.page(RULES[rule_id]), (
        "docs page out of date: python scripts/make_rule_docs.py"
    )
    assert "## Bad" in text and "## Good" in text and RULES[rule_id].alias in text


@pytest.mark.slow
def test_the_generator_checks_without_writing():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
