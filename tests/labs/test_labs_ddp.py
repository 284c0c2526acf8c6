"""The DDP path for real: torchrun starts two CPU processes (gloo) on a quick lab."""

from __future__ import annotations

import json
import subprocess
import sys


def test_torchrun_two_processes_train_together_and_only_rank0_writes(
    tmp_path, quick_run, child_env
) -> None:
    out = tmp_path / "ddp"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "dlcourse.labs", "spiral", "--config=quick", "--device=cpu", f"--out={out}",
    ]  # fmt: skip
    done = subprocess.run(
        command, env=child_env, capture_output=True, text=True, timeout=240, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    written = list(tmp_path.rglob("metrics.json"))
    assert written == [out / "metrics.json"]  # one file, from rank 0
    record = json.loads(written[0].read_text())
    assert record["world_size"] == 2
    m = record["metrics"]
    assert 0.40 <= m["linear_accuracy"] <= 0.60
    assert m["net_accuracy"] >= 0.95
    # Only rank 0 reports.
    reports = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1
    # Full-batch DDP averages two half-batch gradients: the same descent as one process.
    single = quick_run("spiral").metrics
    assert abs(m["net_accuracy"] - single["net_accuracy"]) <= 0.02
    assert abs(m["linear_accuracy"] - single["linear_accuracy"]) <= 0.02
