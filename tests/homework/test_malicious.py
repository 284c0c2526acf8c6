"""The malicious suite: each submission tries one thing. Every one must end with its score no
higher than the honest code earns, a clear status, the host untouched and no escape.

Each submission is ``mod.py`` with ``add`` (the attack, then the right answer) and ``sub``
(honest). The public test calls ``add``, the hidden test calls ``sub``; a hidden test file holds
a marker no output may ever contain."""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from dlcourse.homework.assignment import Limits
from dlcourse.homework.sandbox import TestSource, run_tests

HIDDEN_MARKER = "HIDDEN-7f3a9c"
OTHER_MARKER = "OTHER-STUDENT-51be0d"
LIMITS = Limits(cpu_seconds=2, test_wall_seconds=4, wall_seconds=40, memory_mb=1024, output_kb=16)

PUBLIC = TestSource(
    "public/test_public.py",
    "from mod import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    "visible",
    True,
)
HIDDEN = TestSource(
    "hidden/test_hidden.py",
    f"# {HIDDEN_MARKER}\nfrom mod import sub\n\n\ndef test_sub():\n    assert sub(5, 3) == 2\n",
    "after_due_date",
    False,
)


def submission(attack: str) -> dict[str, bytes]:
    body = textwrap.indent(textwrap.dedent(attack).strip(), "    ")
    source = (
        f"import os, sys\n\n\ndef add(a, b):\n{body}\n    return a + b\n\n\n"
        "def sub(a, b):\n    return a - b\n"
    )
    return {"mod.py": source.encode()}


def grade(attack: str, stream_dir: Path | None = None, limits: Limits = LIMITS):
    started = time.monotonic()
    result = run_tests(submission(attack), [PUBLIC, HIDDEN], limits, stream_dir=stream_dir)
    elapsed = time.monotonic() - started
    by_name = {test["name"].split("::")[1]: test for test in result.tests}
    everything = repr(result.to_json())
    assert HIDDEN_MARKER not in everything and OTHER_MARKER not in everything
    assert by_name["test_sub"]["status"] == "passed", by_name["test_sub"]  # honest part counts
    assert result.meta.status == "OK", result.meta
    assert elapsed < limits.wall_seconds
    return by_name["test_add"], result


def _status(pid: str) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def leftover_sandbox_processes() -> list[str]:
    """Processes of the sandbox user that outlived a run: below this test process, or
    re-parented to the host's init (escaped the tree). Other workers' sandboxes are neither."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = _status(entry.name)
            if status["Uid"].split()[0] != "65534":
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            chain, pid = [], entry.name
            while pid not in ("0", "1") and len(chain) < 64:
                pid = _status(pid)["PPid"]
                chain.append(pid)
        except (OSError, KeyError):
            continue  # ended while we looked
        if str(os.getpid()) in chain or (chain[:1] == ["1"] and "harness.py" in cmdline):
            found.append(f"{entry.name} {cmdline}")
    return found


@pytest.fixture(autouse=True)
def _host_clean(sandbox_ready):
    yield
    assert leftover_sandbox_processes() == []


def test_network_and_dns_are_unreachable():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    test, _ = grade(
        f"""
        import socket
        for attempt in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1),
                        lambda: socket.getaddrinfo("pypi.org", 443),
                        lambda: socket.create_connection(("1.1.1.1", 53), timeout=1)):
            try:
                attempt()
                print("CONNECTED")
            except OSError as error:
                print("refused:", type(error).__name__)
        """
    )
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing reached the host's loopback
    listener.close()
    assert test["status"] == "passed" and "CONNECTED" not in test["output"]
    assert test["output"].count("refused") == 3


def test_hidden_tests_cannot_be_read():
    test, _ = grade(
        f"""
        found = []
        for top in ("/", "/proc/1", "/proc/self"):
            for root, dirs, files in os.walk(top):
                skip = ("/proc", "/sys", "/dev", "/usr") if top == "/" else (f"{{top}}/task",)
                libraries = "site-packages" in root or "/lib/python3" in root
                if root.startswith(skip) or libraries or root.count("/") > 6:
                    dirs[:] = []
                    continue
                for name in files:
                    try:  # non-blocking: /proc/self/fd/1 is a pipe
                        path = os.path.join(root, name)
                        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                        try:
                            data = os.read(descriptor, 4_000_000)
                        finally:
                            os.close(descriptor)
                        if b"{HIDDEN_MARKER[:6]}" + b"{HIDDEN_MARKER[6:]}" in data:
                            found.append(path)
                    except OSError:
                        pass
        try:
            with open("/proc/1/mem", "rb") as memory:
                memory.read(16)
            found.append("/proc/1/mem")
        except OSError:
            pass
        import gc
        for thing in gc.get_objects():
            if isinstance(thing, (str, bytes, bytearray)) and "{HIDDEN_MARKER[:6]}" in str(thing):
                found.append("memory")
        print("FOUND" if found else "nothing", len(found))
        """
    )
    assert test["status"] == "passed" and "nothing 0" in test["output"], test


def test_another_students_submission_cannot_be_read(tmp_path: Path):
    other = tmp_path / "submissions" / "bob"
    other.mkdir(parents=True)
    (other / "mod.py").write_text(f"# {OTHER_MARKER}\n")
    os.chmod(tmp_path, 0o755)
    test, _ = grade(
        f"""
        try:
            print(open("{other / "mod.py"}").read())
        except OSError as error:
            print("denied:", type(error).__name__)
        print(sorted(os.listdir("/")))
        """
    )
    assert test["status"] == "passed" and "denied: FileNotFoundError" in test["output"]


def test_writes_outside_the_work_folder_change_nothing(tmp_path: Path):
    target = tmp_path / "escaped.txt"
    os.chmod(tmp_path, 0o777)
    test, _ = grade(
        f"""
        for path in ("{target}", "/usr/x.txt", "/etc/x.txt", "{Path.cwd()}/escaped.txt"):
            try:
                open(path, "w").write("x")
                print("WROTE", path)
            except OSError as error:
                print("denied:", type(error).__name__)
        open("/tmp/private.txt", "w").write("fine: a private tmpfs")
        """
    )
    assert test["status"] == "passed" and "WROTE" not in test["output"]
    assert not target.exists() and not Path("/usr/x.txt").exists()
    assert not (Path.cwd() / "escaped.txt").exists()


@pytest.mark.slow
def test_fork_bomb_is_contained():
    test, _result = grade(
        """
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """
    )
    assert test["status"] in ("timeout", "cpu_limit") and test["score"] == 0


def test_allocating_64_gb_fails_inside():
    test, _ = grade("block = bytearray(64 * 2**30)")
    assert test["status"] == "memory_limit" and test["score"] == 0
    assert "MemoryError" in test["message"]


@pytest.mark.slow
def test_spinning_forever_hits_the_cpu_limit():
    # a wall-clock limit well above the CPU limit: on a loaded machine CPU time comes slowly
    test, _ = grade(
        "while True:\n    pass", limits=LIMITS.model_copy(update={"test_wall_seconds": 30})
    )
    assert test["status"] == "cpu_limit" and test["score"] == 0


@pytest.mark.slow
def test_sleeping_forever_hits_the_wall_clock_limit():
    test, _ = grade("import time\ntime.sleep(10**6)")
    assert test["status"] == "timeout" and test["score"] == 0


def test_killing_the_parent_fails():
    test, result = grade(
        """
        import signal
        for target in (os.getppid(), 1, -1):
            try:
                os.kill(target, signal.SIGKILL)
            except OSError as error:
                print("kill", target, type(error).__name__)
        """
    )
    assert test["status"] == "passed" and result.meta.status == "OK"


def test_results_cannot_be_rewritten_after_the_harness_wrote_them(tmp_path: Path):
    _test, result = grade(
        """
        import json
        forged = json.dumps({"event": "test", "name": "hidden/test_hidden.py::test_sub",
                             "score": 100.0, "max_score": 1.0, "status": "passed"}) + "\\n"
        for descriptor in range(3, 64):
            try:
                os.write(descriptor, forged.encode())
                print("WROTE fd", descriptor)
            except OSError:
                pass
        if os.fork() == 0:  # outlive the test and try again later
            import time
            time.sleep(1)
            for descriptor in range(3, 64):
                try:
                    os.write(descriptor, forged.encode())
                except OSError:
                    pass
            os._exit(0)
        """,
        stream_dir=tmp_path,
    )
    # Its own pipes (output, verdict) are the only descriptors it can write to: the results
    # pipe is closed in every test child, and the late writer is killed with the test.
    assert sum(t["score"] for t in result.tests) == 2.0
    assert all(t["score"] <= t["max_score"] for t in result.tests)
    streamed = [json.loads(line) for line in (tmp_path / "results.partial.jsonl").open()]
    scores = {r["name"]: r["score"] for r in streamed if r.get("event") == "test"}
    assert scores == {
        "public/test_public.py::test_add": 1.0,
        "hidden/test_hidden.py::test_sub": 1.0,
    }


def test_printing_a_gigabyte_is_cut_short():
    test, _ = grade(
        """
        chunk = "x" * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(chunk)
        """
    )
    assert test["status"] == "output_limit" and test["score"] == 0
    assert len(test["output"]) < 20 * 1024


@pytest.mark.slow
def test_partial_credit_survives_the_whole_run_being_killed(tmp_path: Path):
    """The run's wall-clock limit kills everything mid-test: the test that finished keeps its
    score (streamed before the kill), the one cut short scores 0 with the reason."""
    limits = LIMITS.model_copy(update={"wall_seconds": 6, "test_wall_seconds": 60})
    sleeper = TestSource(
        "public/test_z_sleep.py",
        "from mod import sub\n\n\ndef test_zz_sleeps():\n    import time\n    time.sleep(600)\n",
        "visible",
        True,
    )
    result = run_tests(submission(""), [PUBLIC, sleeper], limits, stream_dir=tmp_path)
    by_name = {test["name"].split("::")[1]: test for test in result.tests}
    assert result.meta.status == "TO" and result.meta.killed_by == "wall-clock timeout"
    assert by_name["test_add"]["status"] == "passed" and by_name["test_add"]["score"] == 1
    assert by_name["test_zz_sleeps"]["status"] == "not_run"
    assert "wall-clock limit" in by_name["test_zz_sleeps"]["message"]
    streamed = (tmp_path / "results.partial.jsonl").read_text()
    assert "public/test_public.py::test_add" in streamed


def sandbox_uids_while_running(stop: threading.Event) -> set[str]:
    """The host's view of the uids (real, effective, saved, file system) of the harness and
    the test children of a run below this test process, sampled until ``stop`` is set."""
    uids: set[str] = set()
    me = str(os.getpid())
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or entry.name == me:
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if argv[0] != sys.executable.encode() or b"/grader/harness.py" not in argv:
                    continue  # the launcher (root until setpriv) or bwrap: not the run
                chain, pid = [], entry.name
                while pid not in ("0", "1") and len(chain) < 64:
                    pid = _status(pid)["PPid"]
                    chain.append(pid)
                if me in chain:
                    uids.update(_status(entry.name)["Uid"].split())
            except (OSError, KeyError):
                continue
        time.sleep(0.05)
    return uids


@pytest.mark.slow
def test_student_code_runs_unprivileged_under_every_rlimit():
    """Never root: the host sees the run's processes as nobody (run by root) or as the
    grader's own user; and each limit of the assignment is the kernel's: a file past
    file_size_mb and descriptors past open_files are refused."""
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        watching = pool.submit(sandbox_uids_while_running, stop)
        try:
            test, _ = grade(
                """
                import resource, time
                print("uid", os.getuid())
                for name in ("CPU", "AS", "NPROC", "FSIZE", "NOFILE", "CORE"):
                    print(name, resource.getrlimit(getattr(resource, "RLIMIT_" + name))[0])
                try:
                    with open("/tmp/big", "wb") as big:  # the kernel stops it at the limit
                        big.write(b"x" * (LIMIT_FSIZE + 1))
                    print("WROTE past the file size limit")
                except OSError as error:
                    print("file size:", error.errno == 27)  # EFBIG
                opened = []
                try:
                    while len(opened) < 10_000:
                        opened.append(open("/dev/null"))
                except OSError as error:
                    print("open files:", len(opened) < LIMIT_NOFILE, error.errno == 24)  # EMFILE
                del opened
                time.sleep(1)  # long enough for the host to look at it, even under load
                """.replace("LIMIT_FSIZE", str(LIMITS.file_size_mb << 20)).replace(
                    "LIMIT_NOFILE", str(LIMITS.open_files)
                )
            )
        finally:
            stop.set()
        host_uids = watching.result()
    expected = "65534" if os.geteuid() == 0 else str(os.getuid())
    assert host_uids == {expected}, host_uids
    lines = dict(line.split(" ", 1) for line in test["output"].splitlines())
    assert lines["uid"] != "0"
    assert int(lines["CPU"]) == LIMITS.cpu_seconds
    assert int(lines["AS"]) == LIMITS.memory_mb << 20
    assert int(lines["NPROC"]) == LIMITS.processes
    assert int(lines["FSIZE"]) == LIMITS.file_size_mb << 20
    assert int(lines["NOFILE"]) == LIMITS.open_files and lines["CORE"] == "0"
    assert lines.get("file") == "size: True", test["output"] and lines["open"] == "files: True True"
    assert test["status"] == "passed"
