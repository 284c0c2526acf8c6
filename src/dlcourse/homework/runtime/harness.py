"""The grading harness: runs inside the sandbox, standard library only.

Usage (by :mod:`dlcourse.homework.sandbox`, never by hand)::

    python -I -B harness.py SPEC_FD RESULTS_FD

SPEC_FD is a memory file (no path anywhere) holding the job: a JSON header (the submission's
files, limits, the test list) and then the test sources, public and hidden. The tests never
exist on a file system the student's code can see, and this process reads one test file's
source at a time into a buffer it zeroes afterwards, so a test child inherits no other test's
source; children close SPEC_FD before any student code runs. It writes the submission into
the private work folder, imports the modules the assignment preloads (torch), finds the test
functions in a throwaway child, then runs each test function in a child of its own:

- the child drops every descriptor but its two pipes (output, verdict), sets the rlimits
  (CPU seconds, address space, processes, file size, open files), imports the student's code
  through the test module and calls the test;
- this process reads the child's output (ending the test when it passes the output limit),
  waits up to the per-test wall-clock limit, then kills every process left in the sandbox
  (as PID 1 of the sandbox's PID namespace, ``kill(-1)`` reaches exactly those) and writes the
  test's result to RESULTS_FD at once, one JSON line, so partial credit survives a kill.

Children cannot kill this process: the kernel drops SIGKILL and SIGTERM sent to a namespace's
init from inside it; and it is not dumpable, so they cannot ptrace it or read its memory
through /proc. The results descriptor is closed in every child, and the trusted side writes
``results.json`` outside the sandbox.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import importlib
import json
import linecache
import os
import resource
import select
import signal
import sys
import time
import traceback
import types

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
_TRACEBACK_CHARS = 4000


def discover(source: str, file: str) -> list[dict]:
    """Test functions of a test file, with their weight and visibility, read without running
    it (running it would import the student's code into this process)."""
    tree = ast.parse(source, filename=file)
    tests = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith("test"):
            continue
        mark: dict = {"name": node.name, "line": node.lineno}
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call) or len(decorator.args) != 1:
                continue
            name = getattr(decorator.func, "id", None) or getattr(decorator.func, "attr", None)
            argument = decorator.args[0]
            if not isinstance(argument, ast.Constant):
                continue
            if name == "weight" and isinstance(argument.value, int | float):
                mark["weight"] = float(argument.value)
            elif name == "visibility" and argument.value in VISIBILITIES:
                mark["visibility"] = argument.value
        arguments = node.args
        mark["takes_arguments"] = bool(
            arguments.args or arguments.posonlyargs or arguments.kwonlyargs
        )
        tests.append(mark)
    return tests


def set_limits(limits: dict) -> None:
    cpu = int(limits["cpu_seconds"])
    memory = int(limits["memory_mb"]) * 1024 * 1024
    files = int(limits["file_size_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("processes") is None:
        return  # unsandboxed: the count would include every process of the grader's user
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))


def child(
    test: dict, source: bytearray, function: str, workdir: str, limits: dict, keep: tuple[int, int]
) -> None:
    """Runs in the forked child: never returns."""
    output, verdict = keep
    try:
        os.dup2(output, 1)
        os.dup2(output, 2)
        low, high = sorted(keep)
        os.closerange(3, low)  # the job file and the results pipe among them
        os.closerange(low + 1, high)
        os.closerange(high + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.setsid()  # its own process group: unsandboxed, the harness kills the group
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        set_limits(limits)
        os.chdir(workdir)
        sys.path[:0] = [workdir, GRADER_DIR]
        module_name = os.path.splitext(os.path.basename(test["file"]))[0]
        module = types.ModuleType(module_name)
        module.__file__ = test["file"]
        sys.modules[module_name] = module
        text = source.decode("utf-8")
        if test.get("show_source"):
            linecache.cache[test["file"]] = (len(text), None, text.splitlines(True), test["file"])
        code = compile(text, test["file"], "exec")
        wipe(source)
        del text
        started = time.perf_counter()
        exec(code, module.__dict__)
        module.__dict__[function]()
        record = {"status": "passed", "time": time.perf_counter() - started}
    except AssertionError as error:
        record = {"status": "failed", "message": _describe(error)}
    except MemoryError as error:
        record = {"status": "memory_limit", "message": _describe(error)}
    except BaseException as error:  # the student's code may raise anything, SystemExit too
        record = {"status": "error", "message": _describe(error)}
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(verdict, json.dumps(record).encode() + b"\n")
    finally:
        os._exit(0)


def _describe(error: BaseException) -> str:
    """The traceback from the test down, without the harness's own frames."""
    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    text = "".join(traceback.format_exception(type(error), error, frames))
    return text[-_TRACEBACK_CHARS:]


def kill_leftovers(child_pid: int) -> None:
    """Kill every process the test left behind and reap them."""
    if os.getpid() == 1:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)  # as the namespace's init: everything but this process
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child_pid, signal.SIGKILL)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def run_test(test: dict, source: bytearray, mark: dict, workdir: str, limits: dict) -> dict:
    output_read, output_write = os.pipe()
    verdict_read, verdict_write = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(output_read)
        os.close(verdict_read)
        child(test, source, mark["name"], workdir, limits, (output_write, verdict_write))
    os.close(output_write)
    os.close(verdict_write)
    limit_bytes = int(limits["output_kb"]) * 1024
    deadline = started + float(limits["test_wall_seconds"])
    output = bytearray()
    verdict = bytearray()
    status = None
    rusage = None
    open_pipes = {output_read, verdict_read}
    exit_status = None
    while True:
        if exit_status is None:
            done, waited, usage = os.wait4(pid, os.WNOHANG)
            if done == pid:
                exit_status, rusage = waited, usage
        if exit_status is not None and not open_pipes:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            status = "timeout"
            break
        if exit_status is not None:
            remaining = min(remaining, 0.05)  # a grandchild may hold the pipes open
        ready, _, _ = select.select(list(open_pipes), [], [], min(remaining, 0.05))
        for descriptor in ready:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                open_pipes.discard(descriptor)
            elif descriptor == output_read:
                output += chunk
                if len(output) > limit_bytes:
                    status = "output_limit"
            else:
                verdict += chunk
        if status == "output_limit":
            break
        if exit_status is not None and not ready:
            break
    kill_leftovers(pid)
    if exit_status is None:
        try:
            _, exit_status, rusage = os.wait4(pid, 0)
        except ChildProcessError:
            exit_status = 0
    for descriptor in (output_read, verdict_read):
        os.close(descriptor)
    record: dict = {}
    if status is None:
        lines = bytes(verdict).splitlines()
        if lines:
            try:
                record = json.loads(lines[0])
            except ValueError:
                record = {"status": "crashed", "message": "unreadable verdict"}
            status = record.get("status", "crashed")
        elif os.WIFSIGNALED(exit_status):
            number = os.WTERMSIG(exit_status)
            status = "cpu_limit" if number in (signal.SIGXCPU, signal.SIGKILL) else "crashed"
            if number == signal.SIGXFSZ:
                status = "file_size_limit"
            record["message"] = f"killed by {signal.Signals(number).name}"
        else:
            status = "crashed"
            record["message"] = f"exited with code {os.WEXITSTATUS(exit_status)} before the end"
    kept = bytes(output[:limit_bytes]).decode("utf-8", "replace")
    if status == "output_limit":
        kept += f"\n[output cut: the test printed more than {limits['output_kb']} KB]"
    return {
        "status": status,
        "message": record.get("message", ""),
        "output": kept,
        "time": round(time.monotonic() - started, 3),
        "cpu": round(rusage.ru_utime + rusage.ru_stime, 3) if rusage else None,
    }


def read_header(spec_fd: int) -> tuple[dict, int]:
    """The job's header (JSON, after an 8-byte length); test sources follow it in the file."""
    size = int.from_bytes(os.pread(spec_fd, 8, 0), "big")
    return json.loads(os.pread(spec_fd, size, 8)), 8 + size


def read_source(spec_fd: int, base: int, test: dict) -> bytearray:
    """One test file's source, read into a buffer this process zeroes after use, so no other
    test's source is in the memory a test child inherits."""
    buffer = bytearray(test["length"])
    os.preadv(spec_fd, [buffer], base + test["offset"])
    return buffer


def wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def plan_tests(spec_fd: int, base: int, tests: list[dict]) -> list[dict] | str:
    """Every test function with its marks, found by a throwaway child so that this process
    never holds the sources as strings (which it could not wipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            plan = []
            for test in tests:
                source = read_source(spec_fd, base, test).decode("utf-8")
                for mark in discover(source, test["file"]):
                    plan.append({**mark, "file": test["file"]})
            answer = json.dumps({"plan": plan})
        except (SyntaxError, UnicodeDecodeError) as error:
            answer = json.dumps({"error": f"{error}"})
        with os.fdopen(write_end, "w") as stream:
            stream.write(answer)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        answer = json.loads(stream.read() or '{"error": "test discovery crashed"}')
    os.waitpid(pid, 0)
    return answer.get("plan", answer.get("error"))


def main() -> int:
    spec_fd, results_fd = int(sys.argv[1]), int(sys.argv[2])
    results = os.fdopen(results_fd, "w", buffering=1)

    def emit(record: dict) -> None:
        results.write(json.dumps(record) + "\n")
        results.flush()

    _no_dumping()
    spec, base = read_header(spec_fd)
    workdir = spec["workdir"]
    os.makedirs(workdir, exist_ok=True)
    for name, content in spec["files"].items():
        with open(os.path.join(workdir, name), "wb") as stream:
            stream.write(base64.b64decode(content))
    limits = spec["limits"]
    gpu = spec.get("gpu") or {}
    for module in spec.get("preload", []):
        try:
            importlib.import_module(module)
        except Exception as error:
            emit({"event": "setup_error", "message": f"preload {module}: {error}"})
            return 1
    if gpu.get("enabled") and "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            torch.cuda.set_per_process_memory_fraction(float(gpu["memory_fraction"]), 0)
    tests = {test["file"]: test for test in spec["tests"]}
    plan = plan_tests(spec_fd, base, spec["tests"])
    if isinstance(plan, str):
        emit({"event": "setup_error", "message": plan})
        return 1
    for mark in plan:
        mark["weight"] = mark.get("weight", 1.0)
        mark["visibility"] = mark.get("visibility", tests[mark["file"]]["default_visibility"])
    emit(
        {
            "event": "plan",
            "tests": [
                {
                    "name": f"{m['file']}::{m['name']}",
                    "max_score": m["weight"],
                    "visibility": m["visibility"],
                }
                for m in plan
            ],
        }
    )
    source, source_file = bytearray(), None
    for mark in plan:
        test = tests[mark["file"]]
        if source_file != test["file"]:
            wipe(source)
            source, source_file = read_source(spec_fd, base, test), test["file"]
        if mark["takes_arguments"]:
            outcome = {
                "status": "error",
                "message": "test functions take no arguments (fixtures are not supported)",
                "output": "",
                "time": 0.0,
                "cpu": 0.0,
            }
        else:
            outcome = run_test(test, source, mark, workdir, limits)
        emit(
            {
                "event": "test",
                "name": f"{test['file']}::{mark['name']}",
                "score": mark["weight"] if outcome["status"] == "passed" else 0.0,
                "max_score": mark["weight"],
                "visibility": mark["visibility"],
                **outcome,
            }
        )
    wipe(source)
    emit({"event": "done"})
    return 0


def _no_dumping() -> None:
    """Not dumpable: a process of the same user (the student's) can then neither ptrace this
    one nor read its /proc files (mem, environ, fd), and neither can it read its siblings'."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
