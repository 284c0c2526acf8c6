"""Run a submission's tests in a bubblewrap sandbox (no Docker) and say what happened.

The sandbox (``bwrap``, Debian's ``bubblewrap``) unshares every namespace (user, PID, network,
IPC, UTS, cgroup; only a loopback that leads nowhere), sees the system and the Python
environment read-only, and has a private ``/tmp`` and work folder (both size-capped tmpfs)
holding only this submission. Nothing of the host is writable from inside. The harness
(``runtime/harness.py``) runs as the namespace's PID 1, so the student's code can neither kill
it nor outlive it; it reads the tests, hidden ones included, from a memory file that is closed
before any student code runs, and streams each test's result here as it finishes. This side
keeps those lines in ``results.partial.jsonl`` as they arrive, kills the whole tree at the
wall-clock limit, and keeps an isolate-style meta record (status, CPU time, wall time, max RSS,
what killed it).

Who runs the code. Run by an ordinary user, bwrap maps that user into the sandbox. Run by root
(CI, a grading server), we never let the student's code run as root's user: a launcher makes a
private mount namespace, binds the Python environment (often under root's 0700 home) into a
world-readable staging folder, switches to ``nobody`` (65534) and only then starts bwrap, so the
sandbox's processes belong to an unprivileged user outside too and ``RLIMIT_NPROC`` holds (the
kernel does not enforce it for root, which a fork bomb would find). bwrap's ``--userns`` path
cannot do this (it calls setuid before setgid and fails with "unable to switch to gid"), and a
uid map onto root is what ``--unshare-user`` gives a root caller.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from dlcourse.homework.assignment import Limits

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
HARNESS_FILE = RUNTIME_DIR / "harness.py"
AUTOGRADE_FILE = RUNTIME_DIR / "autograde.py"
SANDBOX_UID = 65534  # nobody: owns no file the sandbox could reach
GRADER_MOUNT = "/grader"
WORK_MOUNT = "/submission"  # not /work: host paths (a venv under /work) stay visible
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group")
_STREAM_FILE = "results.partial.jsonl"

Status = Literal["OK", "RE", "SG", "TO", "XX"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces here; the message says what to do."""


@dataclass(frozen=True)
class TestSource:
    """One test file as the harness receives it."""

    __test__ = False  # a data class, not a pytest test class

    file: str  # e.g. "hidden/test_backprop.py": the name results carry
    source: str
    default_visibility: str
    show_source: bool  # tracebacks may quote its lines (public tests only)


@dataclass
class RunMeta:
    """What isolate's meta file says about a run: the grader decides from this, not stdout."""

    status: Status
    time: float  # CPU seconds, user + system, of every process of the run
    wall: float
    max_rss_kb: int
    killed_by: str | None = None
    exit_code: int | None = None
    message: str = ""
    sandboxed: bool = True


@dataclass
class RunResult:
    tests: list[dict]
    meta: RunMeta
    setup_error: str | None = None
    planned: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "tests": self.tests,
            "meta": asdict(self.meta),
            "setup_error": self.setup_error,
        }


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def sandbox_problem() -> str | None:
    """Why sandboxed grading cannot run here, or None when it can (checked once, by a run)."""
    if bwrap_path() is None:
        return (
            "bubblewrap (bwrap) is not installed: install it (Debian: apt-get install "
            "bubblewrap), or pass --unsafe-no-sandbox to run untrusted code without one"
        )
    with tempfile.TemporaryDirectory(prefix="dlcourse-sandbox-check-") as scratch:
        Path(scratch).chmod(0o711)
        stage = Path(scratch) / "stage"
        stage.mkdir()
        argv = _launch_argv(stage, ["/bin/true"], Limits(), gpu_device=None)
        try:
            completed = subprocess.run(
                argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            return "bubblewrap did not start a sandbox within 60 s"
    if completed.returncode != 0:
        return (
            f"bubblewrap cannot create its namespaces here ({completed.stderr.strip()}); "
            "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
            "or pass --unsafe-no-sandbox"
        )
    return None


def _python_roots() -> list[Path]:
    """The folders the interpreter and its packages live in, deduplicated, outermost first."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    executable = Path(sys.executable)
    roots.add(executable.resolve().parent.parent)
    kept: list[Path] = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        if not any(root.is_relative_to(parent) for parent in kept):
            kept.append(root)
    return kept


def _system_args() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _SYSTEM_FILES:
        if Path(name).exists():
            args += ["--ro-bind", name, name]
    return args


def gpu_devices(dev: Path = Path("/dev")) -> list[str]:
    """The GPUs of this machine a run may be given: the numbers N of its ``/dev/nvidiaN``
    device files, in order (``nvidiactl``, ``nvidia-uvm`` are the shared control devices)."""
    numbers = [path.name[6:] for path in dev.glob("nvidia*") if path.name[6:].isdigit()]
    return sorted(numbers, key=int)


def _gpu_args(device: str | None, dev: Path = Path("/dev")) -> list[str]:
    if device is None:
        return []
    args = []
    for path in sorted(dev.glob("nvidia*")):
        name = path.name
        if name[6:].isdigit() and name[6:] != device:
            continue  # only the one GPU granted (the control devices are shared)
        args += ["--dev-bind", str(path), f"/dev/{name}"]
    return args


NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")  # the driver's page per GPU


def cuda_name(device: str, gpus: Path = NVIDIA_GPUS) -> str:
    """How to name the GPU ``/dev/nvidiaN`` in ``CUDA_VISIBLE_DEVICES``: by the UUID the
    driver gives for that device minor, which names the same GPU however CUDA numbers the
    devices it can open (inside the sandbox only that one device file exists, and CUDA's
    order need not follow the minors anyway); N itself where the driver does not say."""
    for page in sorted(gpus.glob("*/information")):
        try:
            text = page.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = {}
        for line in text.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        uuid = fields.get("GPU UUID", "")
        if fields.get("Device Minor") == device and uuid.startswith("GPU-") and "*" not in uuid:
            return uuid  # a masked UUID (stars, as some hosts show) names nothing
    return device


def run_settings(gpu_device: str | None) -> dict[str, str]:
    """Environment every run gets, sandboxed or not, so both behave (and time) alike."""
    settings = {
        "OMP_NUM_THREADS": "1",  # one core's worth per run: fair, and parallel runs scale
        "MKL_NUM_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": cuda_name(gpu_device) if gpu_device is not None else "",
    }
    if gpu_device is not None:
        settings["PYTORCH_CUDA_ALLOC_CONF"] = "expandable_segments:True"
    return settings


def _launch_argv(
    stage: Path, command: list[str], limits: Limits, gpu_device: str | None
) -> list[str]:
    """The command line that starts ``command`` in the sandbox.

    ``stage`` is an empty folder this run owns; run by root, the Python environment is bound
    into it (in a private mount namespace) so that ``nobody`` can reach it."""
    roots = [*_python_roots(), RUNTIME_DIR]
    as_root = os.geteuid() == 0
    sources = [stage / str(index) for index in range(len(roots))] if as_root else roots
    binds: list[str] = []
    for source, root in zip(sources, roots, strict=True):
        target = GRADER_MOUNT if root == RUNTIME_DIR else str(root)
        binds += ["--ro-bind", str(source), target]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": WORK_MOUNT,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **run_settings(gpu_device),
    }
    env_args = [item for key, value in env.items() for item in ("--setenv", key, value)]
    tmpfs_bytes = str(limits.file_size_mb * 1024 * 1024 * 2)
    bwrap = [
        bwrap_path() or "bwrap",
        "--unshare-all",  # ipc, pid, net, uts, cgroup (user only "if possible")
        "--unshare-user",  # so user too, or fail
        "--disable-userns",  # and no new user namespaces inside
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--hostname",
        "sandbox",
        "--cap-drop",
        "ALL",
        "--clearenv",
        *env_args,
        *_system_args(),
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *_gpu_args(gpu_device),
        "--size",
        tmpfs_bytes,
        "--tmpfs",
        "/tmp",
        "--size",
        tmpfs_bytes,
        "--tmpfs",
        WORK_MOUNT,
        "--remount-ro",  # the sandbox's own root too: only /tmp and the work folder take writes
        "/",
        "--chdir",
        WORK_MOUNT,
        "--",
        *command,
    ]
    if not as_root:
        return bwrap
    # Root: private mount namespace, stage the environment, become nobody, then bwrap.
    mounts = " && ".join(
        f"mkdir {shlex.quote(str(source))} && mount --bind -o ro {shlex.quote(str(root))} "
        f"{shlex.quote(str(source))}"
        for source, root in zip(sources, roots, strict=True)
    )
    script = (
        f"mount -t tmpfs -o mode=0755,size=64k dlcourse-stage {shlex.quote(str(stage))} && "
        f"{mounts} && exec setpriv --reuid={SANDBOX_UID} --regid={SANDBOX_UID} "
        '--clear-groups -- "$@"'
    )
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        *bwrap,
    ]


def run_tests(
    files: dict[str, bytes],
    tests: list[TestSource],
    limits: Limits,
    *,
    preload: list[str] | None = None,
    unsafe_no_sandbox: bool = False,
    gpu_device: str | None = None,
    stream_dir: Path | None = None,
) -> RunResult:
    """Run ``tests`` against the submission ``files`` (name → content) and collect results.

    Raises :class:`SandboxUnavailable` when the sandbox cannot run and ``unsafe_no_sandbox`` is
    not given. ``stream_dir`` receives ``results.partial.jsonl`` line by line as tests end."""
    if not unsafe_no_sandbox:
        problem = sandbox_problem()
        if problem:
            raise SandboxUnavailable(problem)
    with tempfile.TemporaryDirectory(prefix="dlcourse-run-") as scratch_name:
        scratch = Path(scratch_name)
        workdir = str(scratch / "work") if unsafe_no_sandbox else WORK_MOUNT
        sources = [test.source.encode("utf-8") for test in tests]
        offsets = [sum(len(source) for source in sources[:index]) for index in range(len(tests))]
        spec = {
            "workdir": workdir,
            "files": {name: base64.b64encode(data).decode() for name, data in files.items()},
            "tests": [
                {
                    "file": test.file,
                    "default_visibility": test.default_visibility,
                    "show_source": test.show_source,
                    "offset": offset,
                    "length": len(source),
                }
                for test, source, offset in zip(tests, sources, offsets, strict=True)
            ],
            "preload": preload or [],
            "limits": {
                **limits.model_dump(),
                "processes": None if unsafe_no_sandbox else limits.processes,
            },
            "gpu": {
                "enabled": gpu_device is not None,
                "memory_fraction": limits.gpu_memory_fraction,
            },
        }
        spec_fd = os.memfd_create("dlcourse-spec", 0)  # no file anywhere: nothing to find later
        header = json.dumps(spec).encode()
        with os.fdopen(os.dup(spec_fd), "wb") as stream:
            stream.write(len(header).to_bytes(8, "big") + header + b"".join(sources))
        results_read, results_write = os.pipe()
        harness_cmd = lambda grader: [  # noqa: E731
            sys.executable,
            "-I",
            "-B",
            f"{grader}/harness.py",
            str(spec_fd),
            str(results_write),
        ]
        if unsafe_no_sandbox:
            argv = harness_cmd(str(RUNTIME_DIR))
        else:
            stage = scratch / "stage"
            stage.mkdir()
            scratch.chmod(0o711)  # nobody may pass through to the stage, and list nothing
            argv = _launch_argv(stage, harness_cmd(GRADER_MOUNT), limits, gpu_device)
        with tempfile.TemporaryFile() as log:
            started = time.monotonic()
            process = subprocess.Popen(
                argv,
                env={**os.environ, **run_settings(gpu_device)} if unsafe_no_sandbox else None,
                pass_fds=(spec_fd, results_write),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            os.close(spec_fd)
            os.close(results_write)
            try:
                lines, timed_out = _collect(
                    results_read, started + limits.wall_seconds, stream_dir, process.pid
                )
            finally:
                os.close(results_read)
            if timed_out:
                _kill(process.pid)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = status  # reaped here for the rusage: Popen must not wait
            wall = time.monotonic() - started
            log.seek(0)
            log_text = log.read(8192).decode("utf-8", "replace")
    return _assemble(lines, status, usage, wall, timed_out, log_text, not unsafe_no_sandbox)


def _kill(pid: int) -> None:
    """Kill the launcher's whole process group; bwrap's --die-with-parent ends the sandbox."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _collect(
    descriptor: int, deadline: float, stream_dir: Path | None, pid: int
) -> tuple[list[dict], bool]:
    """Read result lines until the harness closes its end or the wall-clock limit passes."""
    stream = None
    if stream_dir is not None:
        stream_dir.mkdir(parents=True, exist_ok=True)
        stream = (stream_dir / _STREAM_FILE).open("w", encoding="utf-8")
    buffer = b""
    lines: list[dict] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return lines, True
            ready, _, _ = select.select([descriptor], [], [], min(remaining, 1.0))
            if not ready:
                continue
            chunk = os.read(descriptor, 65536)
            if not chunk:
                return lines, False
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                lines.append(record)
                if stream is not None:
                    stream.write(json.dumps(record) + "\n")
                    stream.flush()
                    os.fsync(stream.fileno())
    finally:
        if stream is not None:
            stream.close()


def _assemble(
    lines: list[dict],
    status: int,
    usage: object,
    wall: float,
    timed_out: bool,
    log_text: str,
    sandboxed: bool,
) -> RunResult:
    planned: list[dict] = []
    done: dict[str, dict] = {}
    setup_error = None
    finished = False
    for record in lines:
        event = record.get("event")
        if event == "plan":
            planned = record["tests"]
        elif event == "test":
            done[record["name"]] = record
        elif event == "setup_error":
            setup_error = record["message"]
        elif event == "done":
            finished = True
    killed_by = None
    exit_code = None
    if timed_out:
        run_status: Status = "TO"
        killed_by = "wall-clock timeout"
    elif os.WIFSIGNALED(status):
        run_status = "SG"
        killed_by = signal.Signals(os.WTERMSIG(status)).name
    else:
        exit_code = os.WEXITSTATUS(status)
        run_status = "OK" if exit_code == 0 and finished else "RE"
        if not finished and not planned and setup_error is None:
            run_status = "XX"
    message = ""
    if run_status in ("RE", "XX") and setup_error is None:
        message = log_text.strip()[-2000:]
    tests: list[dict] = []
    for plan in planned:
        if plan["name"] in done:
            tests.append(done.pop(plan["name"]))
            continue
        reason = "the run hit its wall-clock limit" if timed_out else "the run ended early"
        tests.append(
            {
                "name": plan["name"],
                "score": 0.0,
                "max_score": plan["max_score"],
                "visibility": plan["visibility"],
                "status": "not_run",
                "message": f"not run: {reason}",
                "output": "",
                "time": 0.0,
            }
        )
    meta = RunMeta(
        status=run_status,
        time=round(usage.ru_utime + usage.ru_stime, 3),  # type: ignore[attr-defined]
        wall=round(wall, 3),
        max_rss_kb=int(usage.ru_maxrss),  # type: ignore[attr-defined]
        killed_by=killed_by,
        exit_code=exit_code,
        message=message,
        sandboxed=sandboxed,
    )
    return RunResult(tests=tests, meta=meta, setup_error=setup_error, planned=planned)
