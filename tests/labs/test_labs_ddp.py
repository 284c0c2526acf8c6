"""The DDP path for real: torchrun starts two CPU processes (gloo) and they train as one would.

With the same global batch (each of 2 ranks takes half of every batch, in DistributedSampler's
order) and DDP averaging the gradients, two processes take the same steps as one: the loss curves
match to float rounding. Spiral trains full-batch, convnet on mini-batches of 64.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def torchrun(lab: str, out, cwd, env, *settings: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "dlcourse.labs", lab, "--config=quick", "--device=cpu", "--precision=fp32",
        f"--out={out}", *(f"--set={s}" for s in settings),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=cwd)
    if done.returncode != 0 and _gloo_abort(done.stderr):
        # Seen once in a whole-suite CI run (rank 1, at 2 ranks beside the lessons' worker pool):
        # gloo's C++ threads abort the process ("terminate called without an active exception",
        # SIGABRT), an upstream crash our code cannot catch. Once more, then the verdict stands;
        # any other failure is reported at once.
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, cwd=cwd
        )
    return done


def _gloo_abort(stderr: str) -> bool:
    return "terminate called without an active exception" in stderr and "SIGABRT" in stderr


def assert_same_curve(two: list[float], one: list[float], early: int = 50) -> None:
    """Step for step at first (float rounding only); within 1% of the start loss throughout.

    Two processes sum in another order, and Adam turns a 1e-7 difference into a slightly
    earlier or later loss spike hundreds of steps on, so late epochs may drift apart a little.
    """
    assert len(two) == len(one)
    gaps = [abs(a - b) for a, b in zip(two, one, strict=True)]
    assert max(g / abs(b) for g, b in zip(gaps[:early], one[:early], strict=True)) < 1e-5
    assert max(gaps) < 0.01 * one[0]


@pytest.mark.slow
def test_torchrun_two_processes_train_like_one_and_only_rank0_writes(
    tmp_path, quick_run, child_env
) -> None:
    out = tmp_path / "ddp"
    done = torchrun("spiral", out, tmp_path, child_env)
    assert done.returncode == 0, done.stderr[-3000:]
    written = list(tmp_path.rglob("metrics.json"))
    assert written == [out / "metrics.json"]  # one file, from rank 0
    record = json.loads(written[0].read_text())
    assert record["world_size"] == 2
    reports = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1  # only rank 0 reports
    m, single = record["metrics"], quick_run("spiral").metrics
    # Full batch: each rank's half-batch gradient, averaged, is the full-batch gradient.
    assert_same_curve(m["net_loss_curve"], single["net_loss_curve"])
    assert_same_curve(m["linear_loss_curve"], single["linear_loss_curve"])
    assert abs(m["net_accuracy"] - single["net_accuracy"]) <= 0.005


@pytest.mark.slow
def test_torchrun_mini_batches_split_across_ranks_match_one_process(
    tmp_path, quick_run, child_env
) -> None:
    # 1,438 training digits split evenly (719 a rank), and so does every batch of 64.
    settings = ("seeds=1", "epochs=3")
    done = torchrun("convnet", tmp_path / "ddp", tmp_path, child_env, *settings)
    assert done.returncode == 0, done.stderr[-3000:]
    two = json.loads((tmp_path / "ddp" / "metrics.json").read_text())["metrics"]
    one = quick_run("convnet", **dict(s.split("=") for s in settings)).metrics
    for variant in ("fc", "cnn", "fc_permuted", "cnn_permuted"):
        gap = abs(two[f"{variant}_final_train_loss"] - one[f"{variant}_final_train_loss"])
        assert gap < 1e-3 * one[f"{variant}_final_train_loss"], variant
        assert abs(two[f"{variant}_accuracy"] - one[f"{variant}_accuracy"]) <= 0.01, variant
