"""Write an sbatch script that runs a lab on a cluster with ``srun torchrun`` (no own launcher).

SLURM starts one task per node; each task runs ``torchrun``, which starts one process per GPU and
rendezvouses with the other nodes through the first node of the allocation (c10d backend).

Three details that bite on real clusters:

* ``srun`` repeats ``--cpus-per-task``: since Slurm 22.05 a job step no longer inherits the
  job's ``--cpus-per-task``, and torchrun's workers would share one core.
* The rendezvous port comes from the job id (29500 + id mod 10000), not a fixed 29500: two jobs
  that land on one node would otherwise fight over the port.
* Memory is requested (``--mem``): a cluster's default per-CPU memory is often too small to hold
  a dataset in every rank.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from dlcourse.labs.catalogue import get_lab

RDZV_BASE_PORT = 29500  # torchrun's default port; each job adds its id mod RDZV_PORT_RANGE
RDZV_PORT_RANGE = 10000
GPU_FLAGS = ("gpus-per-node", "gres")


@dataclass(frozen=True)
class SlurmJob:
    lab: str
    nodes: int = 1
    gpus_per_node: int = 1
    cpus_per_task: int = 8
    mem: str = "32G"  # per node
    time: str = "01:00:00"
    partition: str | None = None
    account: str | None = None
    gpu_flag: str = "gpus-per-node"  # or "gres": --gres=gpu[:TYPE]:N (NYU Greene)
    gpu_type: str | None = None
    config: str = "full"
    precision: str = "auto"
    seed: int = 0
    out: str = "runs/$SLURM_JOB_ID"
    setup: tuple[str, ...] = field(default_factory=tuple)  # e.g. "source ~/venv/bin/activate"

    @property
    def procs_per_node(self) -> int:
        return self.gpus_per_node if self.gpus_per_node > 0 else 1


def _quote(value: str) -> str:
    # Keep $VARIABLES expandable by the shell but protect spaces and other specials.
    return f'"{value}"' if "$" in value else shlex.quote(value)


def gpu_directive(job: SlurmJob) -> str | None:
    """``--gpus-per-node=[TYPE:]N`` or ``--gres=gpu[:TYPE]:N``; None for a CPU job."""
    if job.gpus_per_node == 0:
        return None
    typed = f"{job.gpu_type}:" if job.gpu_type else ""
    if job.gpu_flag == "gres":
        return f"--gres=gpu:{typed}{job.gpus_per_node}"
    return f"--gpus-per-node={typed}{job.gpus_per_node}"


def sbatch_script(job: SlurmJob) -> str:
    """The script's text; ``sbatch job.sbatch`` submits it."""
    lab = get_lab(job.lab)
    if job.nodes < 1 or job.gpus_per_node < 0 or job.cpus_per_task < 1:
        raise ValueError("nodes and cpus-per-task must be ≥ 1 and gpus-per-node ≥ 0")
    if job.gpu_flag not in GPU_FLAGS:
        raise ValueError(f"gpu flag must be one of {', '.join(GPU_FLAGS)}, not {job.gpu_flag!r}")
    directives = [
        f"--job-name=dlcourse-{lab.name}",
        f"--nodes={job.nodes}",
        "--ntasks-per-node=1",  # one torchrun per node; torchrun forks the per-GPU workers
        f"--cpus-per-task={job.cpus_per_task}",
        f"--mem={job.mem}",
        f"--time={job.time}",
        "--output=%x-%j.out",
    ]
    if (gpus := gpu_directive(job)) is not None:
        directives.append(gpus)
    if job.partition:
        directives.append(f"--partition={job.partition}")
    if job.account:
        directives.append(f"--account={job.account}")
    device = "cuda" if job.gpus_per_node > 0 else "cpu"
    launcher = [
        # Slurm >= 22.05: a step does not inherit --cpus-per-task from the job; say it again.
        'srun --cpus-per-task="$SLURM_CPUS_PER_TASK" torchrun',
        '--nnodes="$SLURM_NNODES"',
        f"--nproc_per_node={job.procs_per_node}",
        '--rdzv_id="$SLURM_JOB_ID"',
        "--rdzv_backend=c10d",
        '--rdzv_endpoint="$head_node:$rdzv_port"',
        f"-m dlcourse.labs {lab.name}",
        f"--config={job.config} --device={device} --precision={job.precision}"
        f" --seed={job.seed} --out={_quote(job.out)}",
    ]
    lines = ["#!/bin/bash", f"# dlcourse lab {lab.name}: {lab.title}"]
    lines += [f"#SBATCH {d}" for d in directives]
    lines += ["", "set -euo pipefail", *job.setup]
    lines += [
        "# The first node of the allocation hosts the rendezvous, on a port of this job's own.",
        'head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
        f"rdzv_port=$(( {RDZV_BASE_PORT} + SLURM_JOB_ID % {RDZV_PORT_RANGE} ))",
        f"export OMP_NUM_THREADS={max(1, job.cpus_per_task // job.procs_per_node)}",
        " \\\n    ".join(launcher),
        "",
    ]
    return "\n".join(lines)
