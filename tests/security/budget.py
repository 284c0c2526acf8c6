"""Run a command the way an attacker's input reaches it — a fresh process — under hard limits.

Each attack test states its budget (CPU seconds, address space, wall seconds). The limits are
set in the child before it starts (``RLIMIT_CPU``, ``RLIMIT_AS``), so a regression that spins or
balloons is killed at the budget instead of hanging CI or exhausting the machine, and the test
fails saying which limit was hit. CPU time and peak memory come from ``wait4``, the child's own
accounting, so they do not depend on what else the machine is doing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
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


#: Runs between the test and the command: Linux counts the memory of the process a child was
#: forked from in the child's peak (a forked pytest worker of 500 MB would read as 500 MB), so
#: the command is forked from this small process instead, under the limits, and its own CPU
#: time, peak memory and exit status come back as JSON on a pipe.
_LAUNCHER = """
import json, os, resource, sys
cpu, memory, report = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
child = os.fork()
if child == 0:
    os.close(report)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    os.execvp(sys.argv[4], sys.argv[4:])
_, status, usage = os.wait4(child, 0)
os.write(report, json.dumps([status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]).encode())
"""


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
    child_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    read_report, write_report = os.pipe()
    started = time.monotonic()
    launcher = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(cpu), str(memory), str(write_report)]
        + [str(part) for part in args],
        cwd=cwd,
        env=child_env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(write_report,),
        start_new_session=True,  # its own process group: the wall-clock kill reaches every child
    )
    os.close(write_report)
    streams: dict[str, bytes] = {}

    def talk() -> None:
        streams["out"], streams["err"] = launcher.communicate(
            stdin.encode() if stdin is not None else None
        )

    talker = threading.Thread(target=talk, daemon=True)
    talker.start()
    talker.join(budget.wall_s)
    killed_for = None
    if talker.is_alive():
        killed_for = "wall"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.pid, signal.SIGKILL)
        talker.join()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(launcher.pid, signal.SIGKILL)  # workers it left behind
    wall = time.monotonic() - started
    with os.fdopen(read_report, "rb") as stream:
        report = stream.read()
    if report:
        status, cpu_used, max_rss = json.loads(report)
        returncode = os.waitstatus_to_exitcode(status)
    else:  # the launcher itself was killed (wall clock)
        returncode, cpu_used, max_rss = launcher.returncode, 0.0, 0
    if killed_for is None and returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        killed_for = "cpu" if cpu_used >= cpu - 0.5 else "killed"
    return Outcome(
        returncode,
        streams.get("out", b"").decode("utf-8", "replace"),
        streams.get("err", b"").decode("utf-8", "replace"),
        cpu_used,
        max_rss / 1024,  # Linux reports kilobytes
        wall,
        killed_for,
    )


def dlcourse(*args: str | Path, cwd: Path, budget: Budget = Budget(), **kwargs) -> Outcome:
    """``dlcourse ARGS`` typed in ``cwd``, under ``budget``."""
    return run_limited([*DLCOURSE, *args], cwd=cwd, budget=budget, **kwargs)


def in_process(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Outcome:
    """``dlcourse ARGS`` typed in ``cwd``, run in this process (Typer's ``CliRunner``): for an
    attack whose proof is what the command writes, refuses and says — a path steered, a cell
    guarded — not what it costs. No budget applies, and it saves the ~0.7 CPU-s a fresh
    process pays to import the CLI. An exception the CLI let through reads as the traceback a
    user would see, so the tests' "no traceback" assertions hold either way."""
    from typer.testing import CliRunner

    from dlcourse.cli import app

    started = time.monotonic()
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(
            app,
            [str(part) for part in args],
            env={"COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
        )
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(
            traceback.format_exception(result.exception)
        )
    return Outcome(result.exit_code, result.stdout, stderr, 0.0, 0.0,
                   time.monotonic() - started, None)  # fmt: skip
