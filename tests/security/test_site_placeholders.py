"""Formulas are set aside while a note's HTML is sanitised and put back after, each at a
placeholder. A note that writes what looks like a placeholder (the private-use characters
U+E000/U+E001 around a number, the old form) crashed the build with an IndexError, and one that
named an existing formula put its markup wherever it liked (inside an attribute). Placeholders
now carry a random token drawn per rendering: such text is only text."""

from __future__ import annotations

import pytest

from tests.security.budget import Budget, dlcourse
from tests.security.conftest import Sandbox

FORGED = [
    "\ue000 99 \ue001",  # the case
    "\ue00099\ue001",  # a formula number that does not exist
    "\ue0000\ue001",  # one that does: formula 0 of the note
]


@pytest.mark.slow
def test_forged_placeholders_are_text_and_the_build_succeeds(sandbox: Sandbox) -> None:
    note = sandbox.course / "docs" / "en" / "week01" / "01-1.md"
    attack = (
        "\n\n## Placeholders\n\nOne formula $y^2$ and forged ones: "
        + " / ".join(FORGED)
        + '\n\n<img src="x.png" alt="\ue0000\ue001">\n'
    )
    note.write_text(note.read_text(encoding="utf-8") + attack, encoding="utf-8")
    outcome = dlcourse("build", "--no-search", "-q", cwd=sandbox.course,
                       budget=Budget(cpu_s=60, wall_s=180))  # fmt: skip
    assert outcome.returncode == 0, outcome.describe()
    assert "Traceback" not in outcome.output
    page = (sandbox.course / "_site" / "en" / "week01" / "01-1" / "index.html").read_text(
        encoding="utf-8"
    )
    section = page[page.index('id="placeholders"') :]
    assert all(forged in section for forged in FORGED)  # kept as the text they are
    assert section.count("<math") == 1  # only the real formula, and only once
    assert 'alt="\ue0000\ue001"' in section  # the attribute holds the characters, no markup
