"""How many CPU threads a lab should use when nobody says: a sane default, no torch needed.

PyTorch's own default is every logical CPU. Small models gain little from more than a few
threads, and on a shared machine threads that wait for each other lose badly: on two busy cores
a lab ran 10–50 times slower with two threads than with one (a thread that waits at every small
operation for a sibling the scheduler has put aside). So the default is the physical cores
(hyper-threads share one core's arithmetic units) that are not already busy (the one-minute load
average), capped at :data:`MAX_DEFAULT_THREADS` and never below one — unless the environment
already says: ``OMP_NUM_THREADS`` (the OpenMP convention, which
``torchrun`` sets to 1 per worker) or SLURM's ``SLURM_CPUS_PER_TASK`` (what the job was given).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAX_DEFAULT_THREADS = 4  # the labs' models stop gaining around here (and the machine is shared)


def physical_cores(cpuinfo: str | None = None) -> int:
    """Distinct (package, core) pairs in ``/proc/cpuinfo``; logical CPUs where that is unknown."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    cores: set[tuple[str, str]] = set()
    package = core = None
    for line in [*cpuinfo.splitlines(), ""]:
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            package = value.strip()
        elif key == "core id":
            core = value.strip()
        elif not line.strip():  # a blank line ends one logical CPU's block
            if package is not None and core is not None:
                cores.add((package, core))
            package = core = None
    if cores:
        return len(cores)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_threads(
    environ: Mapping[str, str] | None = None,
    cores: int | None = None,
    load: float | None = None,
) -> tuple[int, str]:
    """``(threads, why)``: the thread count to use and where it came from (for the run report).

    ``cores`` and ``load`` default to this machine's physical cores and one-minute load average.
    """
    environ = os.environ if environ is None else environ
    for variable in ("OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK"):
        text = environ.get(variable, "").strip()
        if text.isdigit() and int(text) > 0:
            return int(text), variable
    if cores is None:
        cores = physical_cores()
        if hasattr(os, "sched_getaffinity"):  # a cgroup or taskset may allow fewer
            cores = min(cores, len(os.sched_getaffinity(0)))
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    idle = cores - int(load)  # whole cores others keep busy
    threads = max(1, min(idle, cores, MAX_DEFAULT_THREADS))
    return threads, f"{cores} physical core(s), load {load:.1f}, at most {MAX_DEFAULT_THREADS}"
