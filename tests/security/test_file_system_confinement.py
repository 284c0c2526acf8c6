"""The property: whatever the course holds, a build, a check or a scribe command writes and
deletes files only inside the course folder and the output folder it was given.

Each run happens in a sandbox (``Sandbox``): the course, a sibling folder of the user's own
files, a folder "outside" with a secret, and a HOME; temporary files go to a TMPDIR beside it.
The whole sandbox is watched two ways around the run: a snapshot of every entry before and
after (what stays changed), and inotify through watchfiles during it (what was written and
deleted again). Any change outside the course and the output folder fails the test, as does a
file left in TMPDIR or the secret's text appearing in anything the command wrote.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from watchfiles import watch

from tests.security.budget import Budget, dlcourse
from tests.security.conftest import SECRET, Sandbox, files_under, make_sandbox

RUN = Budget(cpu_s=60, memory_mib=2048, wall_s=300)
HEADER = "Name,Email,Weeks,Role\n"


def snapshot(root: Path, allowed: list[Path]) -> dict[str, tuple[int, int, int, int]]:
    """Every entry under ``root`` outside ``allowed`` (links not followed): type, and for files
    size, modification time and inode, so a rewrite shows even at the same size."""
    state: dict[str, tuple[int, int, int, int]] = {}
    for folder, names, files in os.walk(root, followlinks=False):
        here = Path(folder)
        names[:] = [name for name in names if not _allowed(here / name, allowed)]
        for name in names + files:
            path = here / name
            if _allowed(path, allowed):
                continue
            info = path.lstat()
            kind = stat.S_IFMT(info.st_mode)
            if stat.S_ISDIR(info.st_mode):  # a folder's time changes with its allowed children
                state[str(path)] = (kind, 0, 0, 0)
            else:
                state[str(path)] = (kind, info.st_size, info.st_mtime_ns, info.st_ino)
    return state


def _allowed(path: Path, allowed: list[Path]) -> bool:
    for folder in allowed:
        if path == folder or folder in path.parents:
            return True
        # the output folder is assembled in a hidden sibling and swapped in ('.NAME.building-…')
        for step in (path, *path.parents):
            if step.parent == folder.parent and step.name.startswith(f".{folder.name}."):
                return True
    return False


CANARY = ".watch-canary"


@dataclass
class Watcher:
    """inotify events under ``root`` while a command runs (watchfiles, recursive)."""

    root: Path
    events: set[tuple[str, str]] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Watcher:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.flush()  # the watches are in place once a write is reported
        self.events.clear()
        return self

    def flush(self) -> None:
        """Return once a write made now has been reported. inotify reports in order, so every
        earlier change has been reported too: no guessed sleep."""
        canary = self.root / f"{CANARY}-{time.monotonic_ns()}"  # a new name: no older event
        deadline = time.monotonic() + 30
        while not any(path == str(canary) for _, path in self.events):
            assert time.monotonic() < deadline, "the file watcher reported nothing for 30 s"
            canary.write_text("flush")
            time.sleep(0.02)
        canary.unlink()

    def _run(self) -> None:
        for changes in watch(
            self.root,
            watch_filter=None,
            debounce=20,
            step=10,
            stop_event=self.stop,
            yield_on_timeout=True,
            rust_timeout=200,
            raise_interrupt=False,
        ):
            self.events.update((change.name, path) for change, path in changes)

    def __exit__(self, *exc: object) -> None:
        self.flush()  # the run's last changes
        self.stop.set()
        self.thread.join(10)


def run_confined(
    sandbox: Sandbox, args: list[str], allowed: list[Path], codes: tuple[int, ...]
) -> None:
    """Run ``dlcourse ARGS`` in the course folder; assert it ended with one of ``codes`` and
    the property held."""
    tmp = sandbox.root.parent / f"{sandbox.root.name}-tmp"
    tmp.mkdir(exist_ok=True)
    before = snapshot(sandbox.root, allowed)
    env = {**sandbox.env(), "TMPDIR": str(tmp)}
    with Watcher(sandbox.root) as watcher:
        outcome = dlcourse(*args, cwd=sandbox.course, budget=RUN, env=env)
    assert outcome.killed_for is None, outcome.describe()
    assert outcome.returncode in codes, outcome.describe()  # it ran, not a usage error
    assert "Traceback" not in outcome.output, outcome.describe()
    after = snapshot(sandbox.root, allowed)
    changed = {
        path: (before.get(path), after.get(path))
        for path in before.keys() | after.keys()
        if before.get(path) != after.get(path)
    }
    assert changed == {}, f"{args}: changed outside the course and output folder: {changed}"
    outside = sorted(
        (kind, path)
        for kind, path in watcher.events
        if not _allowed(Path(path), allowed)
        and Path(path) != sandbox.root
        and not Path(path).name.startswith(CANARY)
    )
    assert outside == [], f"{args}: written or deleted outside, then put back: {outside}"
    assert list(tmp.iterdir()) == [], f"{args}: left in TMPDIR: {list(tmp.iterdir())}"
    for folder in allowed:
        if folder.exists():
            leaked = [name for name, data in files_under(folder).items() if SECRET.encode() in data]
            assert leaked == [], f"{args}: the secret reached {leaked}"


def prepare(sandbox: Sandbox, emails: list[str], names: list[str], assign: bool = True) -> None:
    """Hostile data a course can hold: sign-ups whose e-mails look like paths and whose names
    are spreadsheet formulas (assigned to weeks unless ``assign`` is false), a note that links
    and embeds files outside the course."""
    rows = "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",{email},,\n'
        for name, email in zip(names, emails, strict=True)
    )
    (sandbox.course / "signups.csv").write_text(HEADER + rows, encoding="utf-8")
    note = sandbox.course / "docs" / "en" / "week09" / "09-1.md"
    note.parent.mkdir(parents=True, exist_ok=True)
    relative = os.path.relpath(sandbox.secret, note.parent)
    note.write_text(
        "---\nlang-ref: ch.09-1\ntitle: Outside\nlecturer: Yann LeCun\nauthors: Eve\n"
        "date: 23 Mar 2020\n---\n\n"
        f"## Links\n\n[secret]({relative}) ![secret]({relative}) "
        f'<img src="{relative}" alt="x"> [abs](file://{sandbox.secret})\n',
        encoding="utf-8",
    )
    if not assign:
        return
    assigned = dlcourse(
        "scribe", "assign", "signups.csv", "--fresh", "--skip-bad-rows",
        cwd=sandbox.course, budget=RUN, env=sandbox.env(),
    )  # fmt: skip
    assert assigned.returncode == 0, assigned.describe()


EMAILS = [
    "ab1234@nyu.edu",
    "/abs/path/x@nyu.edu",
    "a/b/../c@nyu.edu",
    "~root@nyu.edu",
    "-rf@nyu.edu",
    ".hidden@nyu.edu",
]
NAMES = ["Ada Okafor", "=1+2", "-rm -rf", "@SUM(A1)", "../../outside/x", "Name\u202eevil"]


def commands(sandbox: Sandbox) -> dict[str, tuple[list[str], list[Path], tuple[int, ...]]]:
    """Each command as typed in the course folder, where it may write besides the course, and
    the exit codes it may end with (the note checks find the hostile note's errors)."""
    out = sandbox.course.parent / "site-out"
    return {
        "validate": (["validate"], [], (0,)),
        "calendar": (["calendar", "-o", "course.ics"], [], (0,)),
        "build": (["build", "--no-search", "-q"], [], (0,)),
        "build --out": (["build", "--no-search", "-q", "--out", str(out)], [out], (0,)),
        "notes check": (["notes", "check"], [], (0, 1)),
        "notes check --fix": (["notes", "check", "--fix"], [], (0, 1)),
        "scribe assign": (
            ["scribe", "assign", "signups.csv", "--fresh", "--skip-bad-rows"],
            [],
            (0,),
        ),
        "scribe calendar": (["scribe", "calendar", "--per-student"], [], (0,)),
        "scribe status": (
            ["scribe", "status", "--format", "csv", "--out", "status.csv"],
            [],
            (0,),
        ),
        "notes new": (["notes", "new", "1", "1", "--force"], [], (0,)),
    }


COMMANDS = list(commands(Sandbox(Path("/"), Path("/c"), Path("/s"), Path("/h"))))


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory: pytest.TempPathFactory, course_template: Path) -> Sandbox:
    """One sandbox for every command below, prepared once: each command is watched on its own,
    and what the earlier ones wrote lies inside the course (or their output), where it may."""
    sandbox = make_sandbox(tmp_path_factory.mktemp("confined"), course_template)
    (sandbox.course.parent / "my-thesis").mkdir()
    (sandbox.course.parent / "my-thesis" / "chapter1.tex").write_text("keep\n")
    # an e-mail that is an absolute path into the sandbox: a write there would be seen
    emails = [*EMAILS, f"{sandbox.root / 'outside'}/evil@nyu.edu"]
    prepare(sandbox, emails, [*NAMES, "Eve Absolute"])
    return sandbox


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.slow
def test_a_command_writes_only_inside_the_course_and_its_output(
    hostile_course: Sandbox, name: str
) -> None:
    args, extra, codes = commands(hostile_course)[name]
    run_confined(hostile_course, args, [hostile_course.course, *extra], codes)


HOSTILE_PIECES = st.sampled_from(
    ["..", "/", "~", "-", ".", "=", "+", "@", "\\", "%2e%2e", "\u202e", " ", "é", "outside", "x"]
)


@pytest.mark.slow
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    local_parts=st.lists(
        st.lists(HOSTILE_PIECES, min_size=1, max_size=6).map("".join), min_size=3, max_size=6
    )
)
def test_any_hostile_sheet_stays_confined(
    tmp_path_factory: pytest.TempPathFactory, course_template: Path, local_parts: list[str]
) -> None:
    # the e-mails are what file names come from: drawn ones go through assign and the
    # per-student calendars, the two commands that turn them into paths
    sandbox = make_sandbox(tmp_path_factory.mktemp("sandbox"), course_template)
    emails = [f"{part}{index}@nyu.edu" for index, part in enumerate(local_parts)]
    names = [f"{part} {index}" for index, part in enumerate(local_parts)]
    prepare(sandbox, ["ab1234@nyu.edu", *emails], ["Ada Okafor", *names], assign=False)
    for name in ("scribe assign", "scribe calendar"):
        args, extra, codes = commands(sandbox)[name]
        run_confined(sandbox, args, [sandbox.course, *extra], codes)
