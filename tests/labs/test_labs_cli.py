"""``dlcourse lab``: run and notebook through the Typer app; threads and precision options."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from dlcourse.cli.lab_cmds import register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        pass

    register(root)
    return root


def invoke(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, ["lab", *args], env={"COLUMNS": "200"})


def test_run_writes_metrics_and_figures_and_prints_a_report(app, tmp_path) -> None:
    out = tmp_path / "run"
    result = invoke(
        app, "run", "logic-neurons", "--out", str(out), "--seed", "3", "--set", "search_steps=11"
    )
    assert result.exit_code == 0, result.output
    record = json.loads((out / "metrics.json").read_text())
    assert record["lab"] == "logic-neurons" and record["seed"] == 3
    assert record["settings"]["search_steps"] == 11
    assert record["metrics"]["xor"] == [0, 1, 1, 0]
    assert "single_neuron_xor_best_rows" in result.output


def test_run_with_figures_and_device_option(app, tmp_path) -> None:
    out = tmp_path / "stretch"
    result = invoke(
        app, "run", "space-stretching", "--device", "cpu", "--threads", "1", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert (out / "stretching.png").is_file()
    assert "1 figure" in result.output


def test_run_errors_are_messages_not_tracebacks(app, tmp_path) -> None:
    unknown = invoke(app, "run", "no-such-lab")
    assert unknown.exit_code == 2 and "known labs" in unknown.output
    bad_setting = invoke(app, "run", "spiral", "--set", "wings=2", "--out", str(tmp_path))
    assert bad_setting.exit_code == 1 and "not a setting" in bad_setting.output
    bad_data = invoke(app, "run", "convnet", "--data", "mnist-idx:/nowhere", "--out", str(tmp_path))
    assert bad_data.exit_code == 1 and "train-images-idx3-ubyte" in bad_data.output


def test_notebook_command_writes_an_ipynb(app, tmp_path) -> None:
    target = tmp_path / "nb" / "echo.ipynb"
    result = invoke(app, "notebook", "echo", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["nbformat"] == 4


@pytest.mark.slow
def test_run_takes_a_precision_and_records_it_with_the_threads(app, tmp_path) -> None:
    out = tmp_path / "bf16"
    result = invoke(
        app, "run", "spiral", "--precision", "bf16", "--threads", "1", "--out", str(out),
        "--set", "epochs=20",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((out / "metrics.json").read_text())
    assert record["precision"] == "bf16" and record["threads"] == 1
    assert re.search(r"bf16,\s+1 thread", result.output)  # the report's title (may wrap)
    bad = invoke(app, "run", "spiral", "--precision", "fp8", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "fp32, bf16 or fp16" in bad.output
    assert not (tmp_path / "x").exists()  # bad input changes nothing


def test_run_without_threads_follows_omp_num_threads(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    out = tmp_path / "omp"
    result = invoke(app, "run", "logic-neurons", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["threads"] == 3


def test_default_threads_honours_the_environment_then_idle_physical_cores() -> None:
    from dlcourse.labs.threads import MAX_DEFAULT_THREADS, default_threads, physical_cores

    assert default_threads({"OMP_NUM_THREADS": "3"}, cores=16, load=0)[0] == 3
    assert default_threads({"SLURM_CPUS_PER_TASK": "6"}, cores=16, load=0) == (
        6,
        "SLURM_CPUS_PER_TASK",
    )
    assert default_threads({"OMP_NUM_THREADS": "2", "SLURM_CPUS_PER_TASK": "6"}, 16, 0)[0] == 2
    assert default_threads({"OMP_NUM_THREADS": "zero"}, cores=2, load=0.0)[0] == 2  # ignored
    assert default_threads({}, cores=16, load=0.3)[0] == MAX_DEFAULT_THREADS  # capped
    assert default_threads({}, cores=2, load=1.7)[0] == 1  # one core is someone else's
    assert default_threads({}, cores=2, load=9.0)[0] == 1  # never below one
    # Two packages of two cores with two hyper-threads each: 4 physical cores, 8 logical CPUs.
    blocks = [
        f"processor\t: {n}\nphysical id\t: {n // 4}\ncore id\t: {(n // 2) % 2}\n" for n in range(8)
    ]
    assert physical_cores("\n".join(blocks)) == 4
    assert physical_cores("") >= 1  # no /proc/cpuinfo: the CPUs this process may use


def test_list_is_in_course_order_and_never_breaks_a_name(app) -> None:
    from dlcourse.labs.catalogue import LABS

    result = CliRunner().invoke(app, ["lab", "list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    weeks = [lab.week or 99 for lab in LABS]
    assert weeks == sorted(weeks)  # week 14 after weeks 10-13, the extras last
    for lab in LABS:
        assert lab.name in result.output, lab.name  # on one line, not folded mid-word
    shown = [lab.name for lab in LABS if lab.name in result.output]
    positions = [result.output.index(f"│ {name} ") for name in shown]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("command", "missing"),
    [(["run", "spiral"], "torch"), (["notebook", "spiral"], "nbformat")],
)
def test_without_the_labs_extra_one_message_names_the_cpu_install(
    app, tmp_path, monkeypatch, command, missing
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, missing, None)  # 'import missing' now fails
    monkeypatch.delitem(sys.modules, "dlcourse.labs.runner", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lab", *command], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    flat = " ".join(result.output.split())
    assert f"'{missing}' is not installed" in flat
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in flat
    assert "pip install 'dlcourse[labs]'" in flat
