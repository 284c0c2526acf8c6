"""A killed build or check must not leave its worker processes running: they were still alive
30 s after their parent was killed. Workers of ``util.workers.worker_pool`` die with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

POOL = """
import os, sys, time
from dlcourse.util.workers import worker_pool

def pid(shared, item):
    time.sleep(0.2)  # every worker takes a task
    return os.getpid()

with worker_pool(3, None) as pool:
    print(" ".join(str(p) for p in set(pool.map(pid, range(9)))), flush=True)
    time.sleep(120)  # killed here, like a build interrupted mid-way
"""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.slow
def test_workers_die_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", POOL], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers and all(running(pid) for pid in workers)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if running(pid)]
