"""Run a command the way an attacker's input reaches it — a fresh process — under hard limits.

Each attack test states its budget (CPU seconds, address space, wall seconds). The limits are
set in the child before it starts (``RLIMIT_CPU``, ``RLIMIT_AS``), so a regression that spins or
balloons is killed at the budget instead of hanging CI or exhausting the machine, and the test
fails saying which limit was hit. CPU time and peak memory come from ``wait4``, the child's own
accounting, so they do not depend on what else the machine is doing.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The CLI as a user runs it, from this interpreter (the project's virtual environment).
DLCOURSE = (sys.executable, "-m", "dlcourse")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    cpu_s: float = 20.0  # RLIMIT_CPU: the kernel stops the child past this much CPU time
    memory_mib: int = 2048  # RLIMIT_AS: allocations past this fail (MemoryError)
    wall_s: float = 120.0  # killed past this much wall time (a sleep or a lock would not use CPU)


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float
    max_rss_mib: float
    wall_s: float
    killed_for: str | None  # "cpu", "wall" or None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (
            f"exit {self.returncode}, {self.cpu_s:.2f} CPU-s, {self.max_rss_mib:.0f} MiB, "
            f"{self.wall_s:.1f} s wall, killed for: {self.killed_for}\n"
            f"--- stdout ---\n{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}"
        )


def run_limited(
    args: Sequence[str | Path],
    *,
    cwd: Path,
    budget: Budget = Budget(),
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Outcome:
    """Run ``args`` in ``cwd`` under ``budget``; never raises for what the child does."""
    cpu = max(1, int(budget.cpu_s + 0.999))
    memory = budget.memory_mib * MIB

    def limit() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        os.setsid()  # its own process group: the wall-clock kill reaches its workers too

    child_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(
        [str(part) for part in args],
        cwd=cwd,
        env=child_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
    )
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", process.stdout), daemon=True),
        threading.Thread(target=drain, args=("err", process.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if stdin is not None:
        assert process.stdin is not None
        process.stdin.write(stdin.encode())
        process.stdin.close()
    # wait4, not Popen.wait: it hands back the child's own CPU time and peak memory
    waited: dict[str, tuple[int, int, resource.struct_rusage]] = {}
    waiter = threading.Thread(
        target=lambda: waited.update(result=os.wait4(process.pid, 0)), daemon=True
    )
    waiter.start()
    waiter.join(budget.wall_s)
    killed_for = None
    if waiter.is_alive():
        killed_for = "wall"
        os.killpg(process.pid, signal.SIGKILL)
        waiter.join()
    wall = time.monotonic() - started
    _, status, usage = waited["result"]
    process.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers it left behind hold the pipes open
    for reader in readers:
        reader.join()
    cpu_used = usage.ru_utime + usage.ru_stime
    if killed_for is None and process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        killed_for = "cpu" if cpu_used >= cpu - 0.5 else "killed"
    return Outcome(
        process.returncode,
        chunks.get("out", b"").decode("utf-8", "replace"),
        chunks.get("err", b"").decode("utf-8", "replace"),
        cpu_used,
        usage.ru_maxrss / 1024,  # Linux reports kilobytes
        wall,
        killed_for,
    )


def dlcourse(*args: str | Path, cwd: Path, budget: Budget = Budget(), **kwargs) -> Outcome:
    """``dlcourse ARGS`` typed in ``cwd``, under ``budget``."""
    return run_limited([*DLCOURSE, *args], cwd=cwd, budget=budget, **kwargs)
