"""The same assignment as a Gradescope autograder: ``setup.sh`` + ``run_autograder`` in a zip.

The zip carries the ``dlcourse`` package itself (its source, without the examples), the
course's ``course.toml`` and the assignment folder without its solution, so Gradescope runs
exactly the harness and tests that ``dlcourse hw grade`` runs. ``setup.sh`` installs Python,
bubblewrap and the package's requirements; ``run_autograder`` calls the hidden command
``dlcourse hw gradescope-run``, which uses the bubblewrap sandbox when the container allows
user namespaces and otherwise relies on Gradescope's own container (as Gradescope intends).
Hidden tests stay in ``/autograder/source``, which ``setup.sh`` makes readable by root only;
the harness receives them through a memory file.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import dlcourse
from dlcourse.course import Course
from dlcourse.homework.assignment import ASSIGNMENT_FILE, HOMEWORK_DIR, Assignment
from dlcourse.homework.release import zip_bytes

_SKIP_PARTS = {"__pycache__", "examples"}


def requirements(preload: list[str]) -> list[str]:
    """The package's core requirements (no extras), plus what the assignment preloads."""
    wanted = []
    for requirement in importlib.metadata.requires("dlcourse") or []:
        if "extra ==" in requirement:
            continue
        wanted.append(requirement.split(";")[0].strip())
    extra = {"torch": "torch", "numpy": "numpy"}
    for module in preload:
        name = extra.get(module, module)
        if not any(re.match(rf"{re.escape(name)}\b", item) for item in wanted):
            wanted.append(name)
    return wanted


def _setup_sh(assignment: Assignment) -> str:
    packages = " ".join(f"'{item}'" for item in requirements(assignment.config.preload))
    return f"""#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install {packages}
chmod -R go-rwx /autograder/source  # hidden tests: root only; the harness gets them by memfd
"""


def _run_autograder(assignment: Assignment) -> str:
    return f"""#!/usr/bin/env bash
# Gradescope runs this for each submission; results go to /autograder/results/results.json.
set -euo pipefail
cd /autograder/source
PYTHONPATH=/autograder/source exec /autograder/venv/bin/python -m dlcourse hw gradescope-run \\
  {assignment.id} --course /autograder/source/course \\
  --submission /autograder/submission --results /autograder/results/results.json
"""


def autograder_zip(course: Course, assignment: Assignment) -> bytes:
    files: dict[str, bytes] = {
        "setup.sh": _setup_sh(assignment).encode(),
        "run_autograder": _run_autograder(assignment).encode(),
        "course/course.toml": (course.root / "course.toml").read_bytes(),
    }
    home = course.home_page_path
    if home is not None and home.is_file():
        files[f"course/{home.relative_to(course.root).as_posix()}"] = home.read_bytes()
    package = Path(dlcourse.__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_file() and not _SKIP_PARTS.intersection(relative.parts):
            files[f"dlcourse/{relative.as_posix()}"] = path.read_bytes()
    base = f"course/{HOMEWORK_DIR}/{assignment.id}"
    files[f"{base}/{ASSIGNMENT_FILE}"] = (assignment.folder / ASSIGNMENT_FILE).read_bytes()
    files[f"{base}/solution/.keep"] = b""  # the folder must exist; the solution stays home
    for kind in ("public", "hidden"):
        for path in assignment.test_files(kind):  # type: ignore[arg-type]
            files[f"{base}/tests/{kind}/{path.name}"] = path.read_bytes()
    return zip_bytes(files, executable=frozenset({"setup.sh", "run_autograder"}))
