"""``dlcourse lab slurm``: the sbatch script, read the way SLURM and torchrun will read it.

The script is parsed line by line, its launch line with torchrun's own argument parser and then
with the labs' entry point, its shell syntax checked with ``bash -n`` — and where Debian's Slurm
is installed (``slurmctld``, ``slurmd``, ``munge``), submitted with ``sbatch --test-only`` to a
real one-node cluster the test starts (see ``slurm_cluster.py``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dlcourse.cli.lab_cmds import register
from dlcourse.course.scaffold import init_course

from .conftest import subprocess_env
from .slurm_cluster import PARTITION, missing_programs, slurm_cluster


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


def directives(script: str) -> dict[str, str]:
    return dict(
        line.removeprefix("#SBATCH --").split("=", 1)
        for line in script.splitlines()
        if line.startswith("#SBATCH")
    )


def course_with_cluster(folder, **settings: str) -> None:
    """A course made by ``dlcourse init``, its [cluster] lines replaced by ``settings``."""
    init_course(folder)
    config = folder / "course.toml"
    text = config.read_text()
    head, _, _ = text.partition("\n[cluster]")
    lines = [f"{key} = {value}" for key, value in settings.items()]
    config.write_text(head + "\n[cluster]\n" + "\n".join(lines) + "\n")


def launch_tokens(script: str, job_id: int = 42) -> list[str]:
    """The srun line as the shell would pass it on, for job ``job_id`` on node1 of 2 nodes."""
    launch = script[script.index("srun ") :].replace("\\\n", " ")
    port = 29500 + job_id % 10000
    for variable, value in {
        '"$SLURM_CPUS_PER_TASK"': "8", '"$SLURM_NNODES"': "2", '"$SLURM_JOB_ID"': str(job_id),
        '"$head_node:$rdzv_port"': f"node1:{port}", '"runs/$SLURM_JOB_ID"': f"runs/{job_id}",
    }.items():  # fmt: skip
        launch = launch.replace(variable, value)
    return shlex.split(launch)


def test_slurm_script_launches_srun_torchrun_correctly(app, tmp_path, monkeypatch) -> None:
    course_with_cluster(tmp_path / "course", gpu_flag='"gpus-per-node"', mem='"48G"')
    # as a teacher types it, in a folder of the course: found as every command finds it
    monkeypatch.delenv("DLCOURSE_COURSE", raising=False)
    monkeypatch.chdir(tmp_path / "course" / "docs" / "en")
    target = tmp_path / "job.sbatch"
    result = invoke(
        app, "slurm", "convnet", "--nodes", "2", "--gpus-per-node", "4", "--partition", "gpu",
        "--time", "00:30:00", "--setup", "module load python", "--out", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    script = target.read_text()
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    d = directives(script)
    assert d["nodes"] == "2" and d["gpus-per-node"] == "4"
    assert d["ntasks-per-node"] == "1"  # one torchrun per node
    assert d["partition"] == "gpu" and d["time"] == "00:30:00"
    assert d["mem"] == "48G"  # from the course's [cluster]
    # #SBATCH lines must precede the first command, or sbatch ignores them.
    first_command = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    assert all(i < first_command for i, line in enumerate(lines) if line.startswith("#SBATCH"))
    assert "module load python" in lines

    tokens = launch_tokens(script)
    # srun repeats --cpus-per-task: since Slurm 22.05 a step does not inherit it.
    assert tokens[:3] == ["srun", "--cpus-per-task=8", "torchrun"]
    from torch.distributed.run import get_args_parser

    torchrun_args = get_args_parser().parse_args(tokens[3:])
    assert torchrun_args.nnodes == "2" and torchrun_args.nproc_per_node == "4"
    assert torchrun_args.rdzv_backend == "c10d" and torchrun_args.rdzv_endpoint == "node1:29542"
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
    assert parsed["precision"] == "auto"
    assert subprocess.run(["bash", "-n", str(target)]).returncode == 0  # shell syntax


def test_two_jobs_on_one_node_rendezvous_on_different_ports(app, tmp_path) -> None:
    script = invoke(app, "slurm", "spiral").output
    assert "29500" not in launch_tokens(script, 7)[-1]
    # The script computes the port from the job id; run that line for two jobs.
    line = next(x for x in script.splitlines() if x.startswith("rdzv_port="))
    ports = {
        subprocess.run(["bash", "-c", f"{line}; echo $rdzv_port"], env={"SLURM_JOB_ID": job},
                       capture_output=True, text=True).stdout.strip()
        for job in ("123456", "123457")
    }  # fmt: skip
    assert ports == {"32956", "32957"}


def test_greene_style_gres_from_the_example_course(app) -> None:
    result = invoke(app, "slurm", "convnet")  # no course folder here: the example's [cluster]
    assert result.exit_code == 0, result.output
    d = directives(result.output)
    assert d["gres"] == "gpu:rtx8000:1" and "gpus-per-node" not in d
    assert d["partition"] == "rtx8000" and d["mem"] == "32GB" and d["cpus-per-task"] == "8"
    assert "source ~/dlcourse-venv/bin/activate" in result.output


def test_slurm_cpu_only_job_uses_gloo_friendly_settings(app) -> None:
    result = invoke(app, "slurm", "spiral", "--gpus-per-node", "0", "--cpus-per-task", "4")
    assert result.exit_code == 0
    assert "--gres" not in result.output and "--gpus-per-node" not in result.output
    assert "--device=cpu" in result.output and "--nproc_per_node=1" in result.output
    assert "export OMP_NUM_THREADS=4" in result.output


def test_bad_cluster_setting_names_file_line_and_changes_nothing(app, tmp_path) -> None:
    course_with_cluster(tmp_path / "course", mem='"lots"')
    target = tmp_path / "job.sbatch"
    result = invoke(
        app, "slurm", "spiral", "--course", str(tmp_path / "course"), "--out", str(target)
    )
    assert result.exit_code == 2
    assert "course.toml:" in result.output and "mem" in result.output and "32G" in result.output
    assert not target.exists()


# -- a real SLURM: Debian's slurm-wlm, one node, started by the test ------------------------------

needs_slurm = pytest.mark.skipif(
    bool(missing_programs()) or os.geteuid() != 0,
    reason=f"needs root and Slurm/munge ({', '.join(missing_programs()) or 'root'} missing);"
    " apt-get install slurmctld slurmd slurm-client munge",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> dict[str, str]:
    with slurm_cluster(tmp_path_factory.mktemp("slurm")) as env:
        yield env


@needs_slurm
@pytest.mark.slow
def test_sbatch_test_only_accepts_the_greene_style_gpu_script(app, tmp_path, cluster) -> None:
    target = tmp_path / "job.sbatch"
    result = invoke(app, "slurm", "convnet", "--out", str(target))  # the example's [cluster]
    assert result.exit_code == 0, result.output
    done = subprocess.run(["sbatch", "--test-only", str(target)], env=cluster,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "to start at" in done.stderr and f"in partition {PARTITION}" in done.stderr
    # The same check refuses what the node cannot give: it is a real judge, not a rubber stamp.
    greedy = tmp_path / "greedy.sbatch"
    invoke(app, "slurm", "convnet", "--gpus-per-node", "5", "--out", str(greedy))
    refused = subprocess.run(["sbatch", "--test-only", str(greedy)], env=cluster,
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert refused.returncode != 0 and "configuration is not available" in refused.stderr


@needs_slurm
@pytest.mark.slow
def test_a_cpu_job_runs_the_lab_through_srun_torchrun(app, tmp_path, cluster) -> None:
    target, out = tmp_path / "job.sbatch", tmp_path / "out"
    bin_dir = Path(sys.executable).parent  # torchrun and this checkout's python
    result = invoke(
        app, "slurm", "spiral", "--gpus-per-node", "0", "--cpus-per-task", "1", "--mem", "2G",
        "--time", "00:05:00", "--config", "quick", "--run-dir", str(out),
        "--setup", f'export PATH="{bin_dir}:$PATH"', "--out", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    env = {**cluster, **subprocess_env()}
    done = subprocess.run(["sbatch", "--parsable", "--wait", str(target)], env=env,
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)  # fmt: skip
    job_log = next(tmp_path.glob("dlcourse-spiral-*.out"), None)
    log_text = job_log.read_text() if job_log else "(no job log)"
    assert done.returncode == 0, done.stderr + log_text
    record = json.loads((out / "metrics.json").read_text())
    assert record["world_size"] == 1 and record["metrics"]["net_accuracy"] >= 0.95
    assert record["threads"] == 1  # OMP_NUM_THREADS from the script: cpus-per-task / procs
