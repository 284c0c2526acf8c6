"""Offline search: Pagefind (a Rust binary shipped in the ``pagefind[extended]`` wheel) indexes
the built HTML; the browser loads the index from the site itself, never from the network.

The extended build segments Chinese and Japanese text into words, so CJK search works. Each page's
``<html lang>`` selects its language index; the search page merges the other languages' indexes
so one query finds notes in every language.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
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


_BACKGROUND: dict[Path, threading.Thread] = {}
_PENDING: set[Path] = set()
_LOCK = threading.Lock()


def index_in_background(site_dir: Path) -> None:
    """Re-index after the pages are already live (``serve``): one indexer per site at a time;
    edits made while it runs are picked up by one more run when it ends."""

    def run() -> None:
        while True:
            with contextlib.suppress(SearchIndexError, OSError):
                index(site_dir)  # on failure the next edit tries again; serve stays up
            with _LOCK:
                if site_dir not in _PENDING:
                    _BACKGROUND.pop(site_dir, None)
                    return
                _PENDING.discard(site_dir)

    with _LOCK:
        if site_dir in _BACKGROUND:
            _PENDING.add(site_dir)
            return
        thread = threading.Thread(target=run, name="pagefind", daemon=True)
        _BACKGROUND[site_dir] = thread
    thread.start()


if __name__ == "__main__":  # pragma: no cover - manual check
    index(Path(sys.argv[1]))
