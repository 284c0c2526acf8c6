"""npm packages the tests use (axe-core, Temml), installed into a git-ignored cache folder on
first use; never at build time and never by the package itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


def npm_package(name: str, version: str, cache: Path) -> Path | None:
    """``cache/node_modules/NAME`` at ``version``, installed with npm when missing; ``None``
    when npm is not there or the install fails (the tests that need it then skip)."""
    package = cache / "node_modules" / name
    marker = package / "package.json"
    if marker.is_file() and json.loads(marker.read_text())["version"] == version:
        return package
    npm = shutil.which("npm")
    if npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"private": true}\n')
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", f"{name}@{version}"],
        cwd=cache,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return package if done.returncode == 0 and marker.is_file() else None
