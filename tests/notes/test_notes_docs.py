"""Every rule has an up-to-date docs page with a bad and a good example."""

from __future__ import annotations

import pytest

from dlcourse.notes.rules import RULES

from .make_rule_docs import DOCS, page


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_docs_page(rule_id: str):
    path = DOCS / f"{rule_id}.md"
    assert path.is_file(), "run: python -m tests.notes.make_rule_docs"
    text = path.read_text(encoding="utf-8")
    assert text == page(RULES[rule_id]), (
        "docs page out of date: python -m tests.notes.make_rule_docs"
    )
    assert "## Bad" in text and "## Good" in text and RULES[rule_id].alias in text
