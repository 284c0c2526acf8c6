"""The ``[cluster]`` table of course.toml: the SLURM cluster the labs run on.

``dlcourse lab slurm`` reads it for the settings a course shares (partition, account, how GPUs
are asked for, memory, time, the set-up lines), so students type only the lab's name. NYU's
Greene, for instance, asks for GPUs with ``--gres=gpu:TYPE:N`` and memory per node with ``--mem``.
Owned by the labs part; the labs themselves never read the course (the CLI passes the values).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from dlcourse.course.notes_settings import Strict

_MEMORY = re.compile(r"^[1-9][0-9]*[KMGT]?B?$")
_TIME = re.compile(r"^(?:[0-9]+-)?[0-9]{1,2}(?::[0-5][0-9]){0,2}$")  # [D-]HH[:MM[:SS]], MM
_NAME = re.compile(r"^[A-Za-z0-9_.,-]+$")


class ClusterSettings(Strict):
    partition: str | None = Field(None, description="SLURM partition, e.g. 'rtx8000' on Greene.")
    account: str | None = Field(None, description="SLURM account to charge, e.g. 'ds_ga_1008'.")
    gpu_flag: Literal["gpus-per-node", "gres"] = Field(
        "gpus-per-node",
        description="How GPUs are asked for: --gpus-per-node=N, or --gres=gpu[:TYPE]:N (Greene).",
    )
    gpu_type: str | None = Field(
        None, description="GPU model for --gres=gpu:TYPE:N or --gpus-per-node=TYPE:N, e.g. 'v100'."
    )
    gpus_per_node: int = Field(1, ge=0, description="GPUs per node (0: a CPU job).")
    cpus_per_task: int = Field(8, ge=1, description="CPU cores for each node's torchrun.")
    mem: str = Field("32G", description="Memory per node, SLURM's --mem (e.g. '32G', '64GB').")
    time: str = Field("01:00:00", description="Wall-time limit, SLURM's --time ([D-]HH:MM:SS).")
    setup: list[str] = Field(
        default_factory=list,
        description="Shell lines run before the launch, e.g. 'module load python/intel/3.8.6'.",
    )

    @field_validator("mem")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(value):
            raise ValueError("mem is a number with an optional unit K, M, G or T, e.g. '32G'")
        return value

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("time is SLURM's [D-]HH:MM:SS, e.g. '01:00:00' or '2-00:00:00'")
        return value

    @field_validator("partition", "account", "gpu_type")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError("letters, digits, '_', '-', '.' and ',' only (it goes into #SBATCH)")
        return value
