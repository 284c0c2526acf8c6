"""Golden files: what a refactor must leave byte-identical — the built site of the embedded
example and of the real 2020 sample, and the checker's JSON findings on the sample
(``tests/golden_files/``).

A change that means to alter them writes them anew, and their diff shows what changed, file by
file::

    DLCOURSE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -k golden tests/site tests/notes
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "golden_files"
UPDATE = "DLCOURSE_UPDATE_GOLDEN"
REGENERATE = f"{UPDATE}=1 .venv/bin/python -m pytest -k golden tests/site tests/notes"


# the sitemap's <lastmod> is the day of the build: the same site built tomorrow says tomorrow
_LASTMOD = re.compile(rb"<lastmod>\d{4}-\d{2}-\d{2}</lastmod>")


def site_manifest(site: Path) -> dict[str, str]:
    """Every file of a built site → its SHA-256; the search index (Pagefind's own output) and
    the marker that says a dlcourse build wrote the folder are left out."""
    manifest = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if path.is_file() and rel.parts[0] not in ("pagefind", ".dlcourse-site"):
            data = path.read_bytes()
            if rel.as_posix() == "sitemap.xml":
                data = _LASTMOD.sub(b"<lastmod>BUILD-DAY</lastmod>", data)
            manifest[rel.as_posix()] = hashlib.sha256(data).hexdigest()
    return manifest


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def assert_matches_golden(name: str, value: object) -> None:
    """``value`` equals the golden file ``name``; with ``$DLCOURSE_UPDATE_GOLDEN`` set, it
    becomes the golden file instead."""
    path = FOLDER / name
    if os.environ.get(UPDATE):
        path.write_text(_text(value), encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; write it with: {REGENERATE}"
    golden = path.read_text(encoding="utf-8")
    if golden == _text(value):
        return
    diff = list(difflib.unified_diff(golden.splitlines(), _text(value).splitlines(), lineterm=""))
    shown = "\n".join(diff[2:42])
    if len(diff) > 42:
        shown += f"\n… and {len(diff) - 42} more lines"
    raise AssertionError(
        f"{name} differs from the golden file (- golden, + now):\n{shown}\n"
        f"A change meant to alter it writes it anew: {REGENERATE}"
    )
