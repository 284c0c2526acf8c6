"""Exported notebooks stand alone (no dlcourse import), teach the loop in prose, and run."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from dlcourse.labs.catalogue import LABS
from dlcourse.labs.notebook import write_notebook

from .lessons import LESSONS, execute_notebook, missing_program, trains

# Labs with a training loop: their notebook shows the loop literally.
TRAINING_MODULES = {lab.name for lab in LABS if trains(lab.module)}


def markdown_words(nb: nbformat.NotebookNode) -> int:
    return sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
@pytest.mark.slow
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


def cell_result(nb, source_start: str):
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start))
    return ast.literal_eval(cell.outputs[-1]["data"]["text/plain"])


@pytest.mark.slow
def test_exported_spiral_notebook_runs_alone_and_gives_the_command_lines_numbers(
    tmp_path, child_env, quick_run
) -> None:
    nb = execute_notebook("spiral", str(tmp_path), child_env)
    metrics = cell_result(nb, "ctx = RunContext(")
    single = quick_run("spiral").metrics
    # The notebook's one-process context cuts the same batches from the same seeds.
    assert metrics["net_accuracy"] == pytest.approx(single["net_accuracy"], abs=1e-6)
    assert metrics["net_loss_curve"] == pytest.approx(single["net_loss_curve"], rel=1e-5)
    assert (tmp_path / "spiral-out" / "decision_boundaries.png").is_file()
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the last cell shows the figures"


def _notebook_cases() -> list:
    cases = []
    for lab in LABS:
        marks = [pytest.mark.slow]
        if reason := missing_program(lab.name):
            marks.append(pytest.mark.skip(reason=reason))
        cases.append(pytest.param(lab, id=lab.name, marks=marks))
    return cases


@pytest.mark.parametrize("lab", _notebook_cases())
def test_every_exported_notebook_runs_alone_and_shows_its_lesson(lab_runs, lab) -> None:
    nb = lab_runs.notebook(lab.name)  # run in the worker pool, beside the other tests' runs
    metrics = cell_result(nb, "ctx = RunContext(")
    if lab.name in LESSONS:
        LESSONS[lab.name](metrics)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
