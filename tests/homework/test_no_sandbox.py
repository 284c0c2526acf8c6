"""Where bubblewrap is missing, grading untrusted code is refused unless asked for by name.
(Runs everywhere: it needs no sandbox.)"""

from __future__ import annotations

import json
import os
import subprocess as run
import sys
from pathlib import Path

import pytest

PUBLIC_TEST = "from mod import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


@pytest.mark.slow
def test_without_bubblewrap_grading_refuses_unless_told_otherwise(tmp_path: Path):
    course = tmp_path / "course"
    hw = course / "homework" / "add"
    (hw / "solution").mkdir(parents=True)
    (hw / "tests" / "public").mkdir(parents=True)
    (course / "course.toml").write_text(
        (Path(__file__).resolve().parents[2] / "examples/dlsp20/course.toml").read_text()
    )
    (course / "home.md").write_text("# Home\n")
    (hw / "assignment.toml").write_text(
        'title = "Adding"\nrelease = 2020-02-03T17:00:00\ndue = 2020-02-10T23:59:00\n'
        'submit = ["mod.py"]\n'
    )
    (hw / "solution" / "mod.py").write_text("def add(a, b):\n    return a + b\n")
    (hw / "tests" / "public" / "test_public.py").write_text(PUBLIC_TEST)
    command = [sys.executable, "-m", "dlcourse", "hw", "test", "add", str(hw / "solution/mod.py")]
    env = {**os.environ, "PATH": str(tmp_path)}  # no bwrap on this PATH
    refused = run.run(command, cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "bubblewrap (bwrap) is not installed" in refused.stderr
    assert "--unsafe-no-sandbox" in refused.stderr and "Traceback" not in refused.stderr
    allowed = run.run(
        [*command, "--unsafe-no-sandbox", "--json"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert allowed.returncode == 0, allowed.stderr
    results = json.loads(allowed.stdout)
    assert results["score"] == 1 and results["extra_data"]["meta"]["sandboxed"] is False
