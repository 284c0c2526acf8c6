"""The write, index and swap stages: the laid-out pages onto disk.

A few changed pages are replaced in place, each atomically. Otherwise a whole new tree is
written beside the old site (unchanged files hard-linked from it), indexed for search, and
swapped in with two renames.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dlcourse.site.output_folder import mark, remove_site
from dlcourse.site.sources import SiteSources
from dlcourse.util.files import atomic_write_bytes, exchange_paths

SITE_DIR = Path(__file__).resolve().parent


def new_tree(out_dir: Path) -> Path:
    """A new folder beside ``out_dir`` for the new site (this process's own), marked as a
    dlcourse site before anything else is written into it."""
    temp = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    remove_site(temp)  # left by an earlier process of this number; anything else stays
    temp.mkdir(parents=True)
    mark(temp)
    return temp


def small_change(
    out_dir: Path, changed: dict[str, bytes | None], page_hashes: dict[str, str],
    old_page_hashes: dict[str, str], assets_changed: bool,
) -> bool:  # fmt: skip
    """Few pages changed and no file appeared or vanished: patch the site in place."""
    return (
        out_dir.exists()
        and set(page_hashes) == set(old_page_hashes)
        and not assets_changed
        and len(changed) <= max(8, len(page_hashes) // 50)
    )


def patch(out_dir: Path, changed: dict[str, bytes | None]) -> None:
    """Replace the changed files in place, each atomically. Everything was rendered before
    the first write."""
    for rel, data in changed.items():
        assert data is not None  # bytes are only written ahead into a new tree
        atomic_write_bytes(out_dir / rel, data)


def write_tree(
    temp: Path,
    out_dir: Path,
    changed: dict[str, bytes | None],
    kept: list[str],
    sources: SiteSources,
    old_assets: dict[str, list[int]],
) -> None:
    """Fill the new tree: kept pages hard-linked from the old site, changed ones written (those
    whose bytes are ``None`` are there already), the assets and the static files."""
    made: set[Path] = set()

    def folder(path: Path) -> None:
        if path not in made:
            path.mkdir(parents=True, exist_ok=True)
            made.add(path)

    for rel in kept:
        target = temp / rel
        folder(target.parent)
        os.link(out_dir / rel, target)
    for rel, data in changed.items():
        if data is None:
            continue
        target = temp / rel
        folder(target.parent)
        target.write_bytes(data)
    copy_assets(sources, out_dir, temp, old_assets)
    copy_static(temp)


def copy_assets(sources: SiteSources, out_dir: Path, temp: Path, old: dict[str, list[int]]) -> None:
    for rel, path, mtime, size in sources.assets:
        target = temp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        previous = out_dir / rel
        if old.get(rel) == [mtime, size] and previous.exists():
            os.link(previous, target)
        else:
            shutil.copyfile(path, target)


def copy_static(temp: Path) -> None:
    for path in (SITE_DIR / "static").iterdir():
        target = temp / "static" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def index_tree(temp: Path, out_dir: Path, changed: bool) -> None:
    """Index the new tree for search; an unchanged site's index is linked from the old one."""
    from dlcourse.site import search

    previous = out_dir / "pagefind"
    if not changed and previous.is_dir():
        shutil.copytree(previous, temp / "pagefind", copy_function=os.link)
    else:
        search.index(temp)


def index_in_place(out_dir: Path, background: bool) -> None:
    """Re-index a patched site. Pagefind cannot update an index: it re-reads every page (~2 s
    for 600), so ``serve`` lets it catch up in a background thread."""
    from dlcourse.site import search

    if background:
        search.index_in_background(out_dir)
    else:
        search.index(out_dir)  # Pagefind writes its fragments, then its entry file


def swap(temp: Path, out_dir: Path) -> None:
    """Put the new site in place and remove the old one. Where the system allows, the two
    folders trade places in one atomic step, so ``out_dir`` never goes missing (``serve`` and
    any web server reading it always find every page); elsewhere it takes two renames. The
    old folder is deleted only if it is a site dlcourse wrote."""
    if out_dir.exists() and exchange_paths(temp, out_dir):
        old = temp  # holds the old site now
    else:
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(temp, out_dir)
    remove_site(old)
