"""When a note was submitted: the commit time of the file's last change (``git log``)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path


def last_commit_time(path: Path) -> dt.datetime | None:
    """Committer time of the last commit that changed ``path`` (aware), or None when the file
    was never committed, is outside a git repository, or git is not installed."""
    git = shutil.which("git")
    if git is None or not path.parent.is_dir():
        return None
    try:
        result = subprocess.run(
            [git, "log", "-1", "--format=%cI", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = result.stdout.strip()
    if result.returncode != 0 or not text:
        return None
    return dt.datetime.fromisoformat(text)
