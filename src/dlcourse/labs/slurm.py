"""Write an sbatch script that runs a lab on a cluster with ``srun torchrun`` (no own launcher).

SLURM starts one task per node; each task runs ``torchrun``, which starts one process per GPU and
rendezvouses with the other nodes through the first node of the allocation (c10d backend).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from dlcourse.labs.catalogue import get_lab

RDZV_PORT = 29500


@dataclass(frozen=True)
class SlurmJob:
    lab: str
    nodes: int = 1
    gpus_per_node: int = 1
    cpus_per_task: int = 8
    time: str = "01:00:00"
    partition: str | None = None
    account: str | None = None
    config: str = "full"
    seed: int = 0
    out: str = "runs/$SLURM_JOB_ID"
    setup: tuple[str, ...] = field(default_factory=tuple)  # e.g. "source ~/venv/bin/activate"

    @property
    def procs_per_node(self) -> int:
        return self.gpus_per_node if self.gpus_per_node > 0 else 1


def _quote(value: str) -> str:
    # Keep $VARIABLES expandable by the shell but protect spaces and other specials.
    return f'"{value}"' if "$" in value else shlex.quote(value)


def sbatch_script(job: SlurmJob) -> str:
    """The script's text; ``sbatch job.sbatch`` submits it."""
    lab = get_lab(job.lab)
    if job.nodes < 1 or job.gpus_per_node < 0 or job.cpus_per_task < 1:
        raise ValueError("nodes and cpus-per-task must be ≥ 1 and gpus-per-node ≥ 0")
    directives = [
        f"--job-name=dlcourse-{lab.name}",
        f"--nodes={job.nodes}",
        "--ntasks-per-node=1",  # one torchrun per node; torchrun forks the per-GPU workers
        f"--cpus-per-task={job.cpus_per_task}",
        f"--time={job.time}",
        "--output=%x-%j.out",
    ]
    if job.gpus_per_node > 0:
        directives.append(f"--gpus-per-node={job.gpus_per_node}")
    if job.partition:
        directives.append(f"--partition={job.partition}")
    if job.account:
        directives.append(f"--account={job.account}")
    device = "cuda" if job.gpus_per_node > 0 else "cpu"
    launcher = [
        "srun torchrun",
        '--nnodes="$SLURM_NNODES"',
        f"--nproc_per_node={job.procs_per_node}",
        '--rdzv_id="$SLURM_JOB_ID"',
        "--rdzv_backend=c10d",
        f'--rdzv_endpoint="$head_node:{RDZV_PORT}"',
        f"-m dlcourse.labs {lab.name}",
        f"--config={job.config} --device={device} --seed={job.seed} --out={_quote(job.out)}",
    ]
    lines = ["#!/bin/bash", f"# dlcourse lab {lab.name}: {lab.title}"]
    lines += [f"#SBATCH {d}" for d in directives]
    lines += ["", "set -euo pipefail", *job.setup]
    lines += [
        "# The first node of the allocation hosts the rendezvous.",
        'head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
        f"export OMP_NUM_THREADS={max(1, job.cpus_per_task // job.procs_per_node)}",
        " \\\n    ".join(launcher),
        "",
    ]
    return "\n".join(lines)
