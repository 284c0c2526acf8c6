"""Offline search: Pagefind (a Rust binary shipped in the ``pagefind[extended]`` wheel) indexes
the built HTML; the browser loads the index from the site itself, never from the network.

The extended build segments Chinese and Japanese text into words, so CJK search works. Each page's
``<html lang>`` selects its language index; the search page merges the other languages' indexes
so one query finds notes in every language.
"""

from __future__ import annotations

import subprocess
import sys
from functools import lru_cache
from pathlib import Path


class SearchIndexError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def binary() -> str | None:
    """Path of the Pagefind binary (the extended one when installed), or None."""
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]

        return str(get_executable())
    except ImportError:
        pass
    try:
        from pagefind_bin import get_executable  # type: ignore[import-not-found]

        return str(get_executable())
    except ImportError:
        return None


def available() -> bool:
    return binary() is not None


def index(site_dir: Path) -> None:
    """Write ``site_dir/pagefind/``. Runs offline (Pagefind never touches the network)."""
    executable = binary()
    if executable is None:
        raise SearchIndexError("Pagefind is not installed: pip install 'dlcourse[search]'")
    command = [executable, "--site", str(site_dir), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SearchIndexError(f"pagefind failed: {done.stderr.strip() or done.stdout.strip()}")


if __name__ == "__main__":  # pragma: no cover - manual check
    index(Path(sys.argv[1]))
