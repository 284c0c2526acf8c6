"""``dlcourse lab``: run, notebook and slurm through the Typer app; the sbatch script is checked."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

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


def test_slurm_script_launches_srun_torchrun_correctly(app, tmp_path, monkeypatch) -> None:
    target = tmp_path / "job.sbatch"
    result = invoke(
        app, "slurm", "convnet", "--nodes", "2", "--gpus-per-node", "4", "--partition", "gpu",
        "--time", "00:30:00", "--setup", "module load python", "--out", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    script = target.read_text()
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    directives = dict(
        line.removeprefix("#SBATCH --").split("=", 1)
        for line in lines
        if line.startswith("#SBATCH")
    )
    assert directives["nodes"] == "2"
    assert directives["gpus-per-node"] == "4"
    assert directives["ntasks-per-node"] == "1"  # one torchrun per node
    assert directives["partition"] == "gpu" and directives["time"] == "00:30:00"
    # #SBATCH lines must precede the first command, or sbatch ignores them.
    first_command = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    assert all(i < first_command for i, line in enumerate(lines) if line.startswith("#SBATCH"))
    assert "module load python" in lines

    # The launch line parses with torchrun's own parser and then with ours.
    launch = script[script.index("srun ") :].replace("\\\n", " ")
    tokens = shlex.split(launch.replace('"$SLURM_NNODES"', "2").replace('"$SLURM_JOB_ID"', "42")
                         .replace('"$head_node:29500"', "node1:29500")
                         .replace('"runs/$SLURM_JOB_ID"', "runs/42"))  # fmt: skip
    assert tokens[:2] == ["srun", "torchrun"]
    from torch.distributed.run import get_args_parser

    torchrun_args = get_args_parser().parse_args(tokens[2:])
    assert torchrun_args.nnodes == "2" and torchrun_args.nproc_per_node == "4"
    assert torchrun_args.rdzv_backend == "c10d" and torchrun_args.rdzv_endpoint == "node1:29500"
    assert torchrun_args.module and torchrun_args.training_script == "dlcourse.labs"
    lab_args = torchrun_args.training_script_args
    assert lab_args[0] == "convnet" and "--config=full" in lab_args and "--device=cuda" in lab_args

    # ... and each rank's arguments parse with `python -m dlcourse.labs`'s own parser.
    import dlcourse.labs.runner as runner_module
    from dlcourse.labs import __main__ as entry

    parsed = {}

    def fake_run_lab(name, config, **kwargs):
        parsed.update(name=name, config=config, **kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(runner_module, "run_lab", fake_run_lab)
    with pytest.raises(SystemExit):
        entry.main(lab_args)
    assert parsed["name"] == "convnet" and parsed["config"] == "full"
    assert parsed["device"] == "cuda" and parsed["out"] == "runs/42"

    assert subprocess.run(["bash", "-n", str(target)]).returncode == 0  # shell syntax
    if shutil.which("sbatch"):
        done = subprocess.run(
            ["sbatch", "--test-only", str(target)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr


def test_slurm_cpu_only_job_uses_gloo_friendly_settings(app) -> None:
    result = invoke(app, "slurm", "spiral", "--gpus-per-node", "0", "--cpus-per-task", "4")
    assert result.exit_code == 0
    assert "--gpus-per-node" not in result.output
    assert "--device=cpu" in result.output and "--nproc_per_node=1" in result.output
