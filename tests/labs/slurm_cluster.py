"""A real one-node SLURM cluster for the tests: munged, slurmctld and slurmd in a temporary folder.

Debian's packages (``slurmctld``, ``slurmd``, ``slurm-client``, ``munge``) give the daemons; this
starts them as root with everything — key, sockets, state, logs, ports — under one folder, so
nothing touches ``/etc`` and two test runs never meet. The node says it has 16 CPUs, 64 GB and
four ``rtx8000`` GPUs (``config_overrides``: slurmd does not check the hardware; the GPUs are
character devices made with ``mknod``), so a job script for a GPU node is judged as on a cluster.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo")
PARTITION = "rtx8000"


def missing_programs() -> list[str]:
    return [name for name in DAEMONS if shutil.which(name) is None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(folder: Path, host: str) -> str:
    return "\n".join(
        [
            "ClusterName=dlcoursetest",
            f"SlurmctldHost={host}",
            "AuthType=auth/munge",
            f"AuthInfo=socket={folder}/munge.sock",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            f"StateSaveLocation={folder}/state",
            f"SlurmdSpoolDir={folder}/spool",
            f"SlurmctldPidFile={folder}/slurmctld.pid",
            f"SlurmdPidFile={folder}/slurmd.pid",
            f"SlurmctldLogFile={folder}/slurmctld.log",
            f"SlurmdLogFile={folder}/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "SlurmdParameters=config_overrides",
            "ReturnToService=2",
            "MpiDefault=none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "GresTypes=gpu",
            f"NodeName={host} CPUs=16 RealMemory=65536 Gres=gpu:rtx8000:4 State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def _wait_for(what: str, check, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"{what} did not come up in {seconds} s; log:\n{tail}")


@contextmanager
def slurm_cluster(folder: Path) -> Iterator[dict[str, str]]:
    """Start the cluster; yields the environment (``SLURM_CONF``) its commands need."""
    host = socket.gethostname().split(".")[0]
    for sub in ("state", "spool", "dev"):
        (folder / sub).mkdir(parents=True)
    key = folder / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    devices = [folder / "dev" / f"nvidia{i}" for i in range(4)]
    for device in devices:  # GPU device files for slurmd to find (the null device's numbers)
        os.mknod(device, 0o644 | 0o020000, os.makedev(1, 3))
    (folder / "slurm.conf").write_text(_config(folder, host))
    (folder / "gres.conf").write_text(
        f"NodeName={host} Name=gpu Type=rtx8000 File={folder}/dev/nvidia[0-3]\n"
    )
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}
    pid_files = [folder / f"{name}.pid" for name in ("slurmd", "slurmctld", "munged")]
    try:
        subprocess.run(
            ["munged", "--force", f"--socket={folder}/munge.sock", f"--key-file={key}",
             f"--log-file={folder}/munged.log", f"--pid-file={folder}/munged.pid",
             f"--seed-file={folder}/munged.seed"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        subprocess.run(["slurmctld", "-c", "-i"], env=env, check=True, timeout=30)
        subprocess.run(["slurmd"], env=env, check=True, timeout=30)

        def node_idle() -> bool:
            done = subprocess.run(
                ["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True, timeout=30
            )
            return done.stdout.strip() == "idle"

        _wait_for("the slurm node", node_idle, folder / "slurmd.log")
        yield env
    finally:
        for pid_file in pid_files:  # only the daemons this folder started
            if pid_file.is_file():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
