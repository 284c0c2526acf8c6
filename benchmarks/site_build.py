"""Benchmark ``dlcourse build``: cold build, no-change rebuild and one-note rebuild.

    python benchmarks/site_build.py                  # the real 2020 sample (../shared/corpus)
    python benchmarks/site_build.py PATH             # also a larger course folder (course.toml)
    python benchmarks/site_build.py --synthetic 540  # the sample replicated to ~540 notes

Jekyll-era folders without a course.toml are imported first (into a temporary copy). Search
indexing (Pagefind) is timed separately: the goals are for the HTML build.
Goals on 2 cores: cold 540 notes / 19,000 formulas < 1.7 s; no-change < 0.1 s; one note < 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.course import load_course
from dlcourse.site.app import options_for
from dlcourse.site.builder import build_site

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dlsp20-sample"


def prepare(folder: Path, work: Path) -> Path:
    root = work / "course"
    shutil.copytree(folder, root)
    if not (root / "course.toml").exists():
        from dlcourse.site.jekyll import import_jekyll

        import_jekyll(root)
    return root


def synthesize(sample: Path, work: Path, notes: int) -> Path:
    """The sample's notes copied under more language codes until there are ``notes`` notes."""
    root = prepare(sample, work)
    source = [p for p in (root / "en").rglob("*.md")]
    codes = [
        "es",
        "fr",
        "it",
        "ja",
        "ko",
        "ru",
        "tr",
        "pt",
        "vi",
        "bn",
        "fa",
        "de",
        "hi",
        "id",
        "uk",
        "sr",
        "he",
        "ur",
    ]
    count = sum(1 for _ in root.glob("*/week*/*.md"))
    for code in codes:
        if count >= notes:
            break
        for path in source:
            target = root / code / path.relative_to(root / "en")
            target.parent.mkdir(parents=True, exist_ok=True)
            # a small change per language, so formulas are not all byte-identical across copies
            text = path.read_text(encoding="utf-8").replace("$x", f"$x_{{{code}}}")
            target.write_text(text, encoding="utf-8")
            count += 1
    text = (root / "course.toml").read_text()
    text = text.replace(
        "languages = [",
        "languages = [\n"
        + "".join(f"  {{ code = '{c}', name = '{c}' }},\n" for c in codes if (root / c).is_dir()),
    )
    (root / "course.toml").write_text(text)
    return root


def run(root: Path, jobs: int | None) -> None:
    course = load_course(root)
    out = root.parent / "_site"
    options = options_for(course, out, search=False, jobs=jobs)
    started = time.perf_counter()
    cold = build_site(course, options)
    cold_s = time.perf_counter() - started
    notes = sum(1 for f in (course.docs_dir).glob("*/week*/*.md"))
    print(
        f"{root}: {notes} notes, {cold.pages} pages, {cold.formulas} formulas "
        f"({cold.formulas_rendered} distinct rendered), {len(cold.warnings)} warnings"
    )
    print(
        f"  cold build        {cold_s:7.3f} s  {cold.pages / cold_s:7.0f} pages/s  "
        f"{cold.formulas / cold_s:7.0f} formulas/s"
    )
    times = []
    for _ in range(5):
        started = time.perf_counter()
        again = build_site(load_course(root), options)
        times.append(time.perf_counter() - started)
        assert again.up_to_date
    print(f"  no-change rebuild {min(times):7.3f} s  (best of 5, includes loading course.toml)")
    note = sorted(course.docs_dir.glob("en/week*/*-1.md"))[0]
    edits = []
    for number in range(3):
        note.write_text(note.read_text(encoding="utf-8") + f"\nEdit {number}.\n", "utf-8")
        started = time.perf_counter()
        edited = build_site(load_course(root), options)
        edits.append(time.perf_counter() - started)
        assert edited.notes_parsed == 1, edited.notes_parsed
    print(
        f"  one-note rebuild  {min(edits):7.3f} s  (best of 3; {edited.pages_rendered} files "
        "written)"
    )
    from dlcourse.site import search

    if search.available():
        started = time.perf_counter()
        search.index(out)
        print(f"  search index      {time.perf_counter() - started:7.3f} s  (Pagefind, separate)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("course", nargs="?", type=Path, help="a larger course folder")
    parser.add_argument("--synthetic", type=int, default=0, help="replicate the sample to N notes")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  python {sys.version.split()[0]}")
    folders = []
    if SAMPLE.is_dir():
        folders.append(("sample", SAMPLE))
    if args.course:
        folders.append(("course", args.course))
    for _name, folder in folders:
        with tempfile.TemporaryDirectory() as work:
            run(prepare(folder, Path(work)), args.jobs)
    if args.synthetic and SAMPLE.is_dir():
        with tempfile.TemporaryDirectory() as work:
            run(synthesize(SAMPLE, Path(work), args.synthetic), args.jobs)


if __name__ == "__main__":
    main()
