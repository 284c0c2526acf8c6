"""Exported notebooks stand alone (no dlcourse import), teach the loop in prose, and run."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from dlcourse.labs.catalogue import LABS
from dlcourse.labs.notebook import write_notebook

from .lessons import trains

# Labs with a training loop: their notebook shows the loop literally.
TRAINING_MODULES = {lab.name for lab in LABS if trains(lab.module)}


def markdown_words(nb: nbformat.NotebookNode) -> int:
    return sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_every_lab_exports_a_standalone_notebook_that_explains_itself(tmp_path, lab) -> None:
    path = write_notebook(lab.name, tmp_path / f"{lab.module_name}.ipynb")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for source in code:
        ast.parse(source)  # every cell is valid Python on its own
    everything = "\n".join(code)
    assert not re.search(r"^\s*(from|import)\s+dlcourse", everything, re.MULTILINE), (
        "the notebook imports nothing of ours"
    )
    assert "def run(" in everything and "run(cfg, ctx)" in code[-2]
    # Every function or class cell comes after prose that names it.
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        match = re.match(r"(?:@.*\n)*(?:def|class) (\w+)", cell.source)
        if cell.cell_type == "code" and match:
            assert before.cell_type == "markdown" and f"`{match.group(1)}`" in before.source
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert lab.title in markdown[0] and lab.lesson in markdown[0]
    assert markdown_words(nb) >= 250, "prose explains the steps, not only headings"
    if lab.name in TRAINING_MODULES:
        # The five steps, as the course writes them: no helper hides the loop.
        assert re.search(r"^\s+for .+:\n", everything, re.MULTILINE)
        assert re.search(r"\bloss\w*\.backward\(\)", everything)
        assert re.search(r"\boptimi[sz]er\.step\(\)", everything)
        assert "ctx.backward(" not in everything and "ctx.step(" not in everything


def test_training_labs_are_known() -> None:
    assert {"spiral", "convnet", "sequence-classification", "gated-gcn"} <= TRAINING_MODULES
