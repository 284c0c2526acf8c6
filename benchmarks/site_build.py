"""Benchmark ``dlcourse build``: cold build, no-change rebuild and one-note rebuild.

    python benchmarks/site_build.py                  # the real 2020 sample (../shared/corpus)
    python benchmarks/site_build.py PATH             # also a larger course folder (course.toml)
    python benchmarks/site_build.py --synthetic 540  # the sample replicated to ~540 notes

Jekyll-era folders without a course.toml are imported first (into a temporary copy). Search
indexing (Pagefind) is timed separately: the goals are for the HTML build.
Goals on 2 cores: cold 540 notes / 19,000 formulas < 1.7 s; no-change < 0.1 s; one note < 0.2 s.

The cold build runs ``--repeat`` times (each into a new output and cache folder) and its row is
the median, with the fastest run and the CPU seconds (user + system, this process and its
workers) beside it: wall times on a shared 2-core VM drift by a third between minutes, CPU
seconds less so, and one run says little either way.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import shutil
import statistics
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


CODES = [
    *("es", "fr", "it", "ja", "ko", "ru", "tr", "pt", "vi", "bn", "fa", "de", "hi", "id"),
    *("uk", "sr", "he", "ur", "nl", "pl", "sv", "el", "ro", "hu", "cs", "th", "ms", "ta"),
    *("te", "da", "fi", "nb", "sk", "bg", "hr", "lt", "lv", "et", "sl", "ca", "eu", "gl"),
]
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
JEKYLL_SECONDS = 3.4  # Jekyll 4.3, the same 540 notes without maths (the baseline)


def _perturber(code: str, index: int):
    counter = iter(range(10**9))

    def perturb(match: re.Match[str]) -> str:
        if (next(counter) + index) % 6:
            return match.group(0)
        return f"${{}}^{{{code}}}{match.group(1)}$"

    return perturb


def synthesize(sample: Path, work: Path, notes: int) -> Path:
    """A course of ``notes`` notes: the sample's English notes copied under more language
    codes. Each copy changes one inline formula in six (``{}^{es}x``), so
    like real translations most formulas are shared and some are not: with 540 notes about
    19,000 formulas of which ~4,500 distinct."""
    root = prepare(sample, work)
    originals = [p for p in sorted((root / "en").rglob("*.md")) if p.parent.name[:4] == "week"]
    count = sum(1 for _ in root.glob("*/week*/*.md"))
    used = []
    for index, code in enumerate(CODES):
        if count >= notes:
            break
        used.append(code)
        for path in originals:
            if count >= notes:
                break
            target = root / code / path.relative_to(path.parents[1])
            target.parent.mkdir(parents=True, exist_ok=True)
            text = _INLINE.sub(_perturber(code, index), path.read_text(encoding="utf-8"))
            target.write_text(text, encoding="utf-8")
            count += 1
        for image in (path for path in (root / "en").rglob("*") if path.suffix != ".md"):
            if image.is_file():  # images beside the notes (transcripts): copied like the notes
                target = root / code / image.relative_to(root / "en")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(image, target)
    text = (root / "course.toml").read_text()
    text = text.replace(
        "languages = [",
        "languages = [\n" + "".join(f"  {{ code = '{c}', name = '{c}' }},\n" for c in used),
    )
    (root / "course.toml").write_text(text)
    return root


def _timed(course_root: Path, options) -> tuple[float, object]:
    started = time.perf_counter()
    report = build_site(load_course(course_root), options)
    return time.perf_counter() - started, report


def _cpu_seconds() -> tuple[float, float]:
    """User and system seconds of this process and of its (finished) worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + workers.ru_utime, own.ru_stime + workers.ru_stime


def _in(options, folder: Path):
    """``options`` building into ``folder/_site`` with its cache in ``folder/cache``."""
    return dataclasses.replace(options, out_dir=folder / "_site", cache_dir=folder / "cache")


def _cold(
    root: Path, options, work: Path, repeat: int
) -> tuple[list[float], list[float], list[float], object]:
    """``repeat`` cold builds (no output, no cache), each into folders of its own that are kept
    until the benchmark ends: deleting a site just before building the next one makes ext4
    look longer for free inodes (measured here: 1.2 s instead of 0.2 s of system time per build
    for the ~1,300 files and folders of a site), which no first build of a course pays."""
    walls, users, systems, report = [], [], [], None
    for attempt in range(repeat):
        user, system = _cpu_seconds()
        seconds, report = _timed(root, _in(options, work / f"cold{attempt}"))
        user_after, system_after = _cpu_seconds()
        users.append(user_after - user)
        systems.append(system_after - system)
        walls.append(seconds)
    return walls, users, systems, report


def run(root: Path, jobs: int | None, repeat: int) -> None:
    course = load_course(root)
    work = root.parent  # every build's output and cache stay here until the benchmark ends
    options = options_for(course, search=False, jobs=jobs)
    walls, users, systems, cold = _cold(root, options, work, repeat)
    cold_s = statistics.median(walls)
    notes = sum(1 for f in (course.docs_dir).glob("*/week*/*.md"))
    print(
        f"{root}: {notes} notes, {cold.pages} pages, {cold.formulas} formulas "
        f"({cold.formulas_rendered} distinct rendered), {len(cold.warnings)} warnings"
    )
    rows = [(f"cold, median of {repeat}", cold_s, cold), ("cold, fastest", min(walls), cold)]
    # the last cold build's cache, into a new output folder: warm cache, no output
    last_cache = _in(options, work / f"cold{repeat - 1}").cache_dir
    options = dataclasses.replace(_in(options, work / "warm"), cache_dir=last_cache)
    warm_s, warm = _timed(root, options)
    assert warm.notes_parsed == 0, warm.notes_parsed
    rows.append(("warm cache, no output", warm_s, warm))
    times = []
    for _ in range(5):
        seconds, again = _timed(root, options)
        times.append(seconds)
        assert again.up_to_date
    rows.append(("no-change rebuild (best of 5)", min(times), again))
    note = sorted(course.docs_dir.glob("en/week*/*-1.md"))[0]
    edits = []
    for number in range(3):
        note.write_text(note.read_text(encoding="utf-8") + f"\nEdit {number}.\n", "utf-8")
        seconds, edited = _timed(root, options)
        edits.append(seconds)
        assert edited.notes_parsed == 1, edited.notes_parsed
    rows.append(("one-note edit (best of 3)", min(edits), edited))
    print(f"  {'':32} {'seconds':>8} {'pages/s':>8} {'formulas/s':>10} {'/ Jekyll 3.4 s':>15}")
    for label, seconds, _report in rows:  # rates: the whole site's pages and formulas
        print(
            f"  {label:32} {seconds:8.3f} {cold.pages / seconds:8.0f} "
            f"{cold.formulas / seconds:10.0f} {seconds / JEKYLL_SECONDS:14.2f}x"
        )
    print(f"  (one-note edit: {edited.pages_rendered} files written)")
    user, system = statistics.median(users), statistics.median(systems)
    slow_files = system > 0.25 * user  # settled: ~10 %; see docs/site.md, "Measuring on this VM"
    print(
        f"  cold runs: {' '.join(f'{w:.2f}' for w in walls)} s wall; CPU of all processes, "
        f"median: user {user:.2f} s, system {system:.2f} s"
        + (" (much system time: the file system is slow to make files now)" if slow_files else "")
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory: this process {own:.0f} MB, largest worker {worker:.0f} MB (peak RSS)")
    from dlcourse.site import search

    if search.available():
        started = time.perf_counter()
        search.index(options.out_dir)
        print(f"  search index (Pagefind, all)     {time.perf_counter() - started:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("course", nargs="?", type=Path, help="a larger course folder")
    parser.add_argument("--synthetic", type=int, default=0, help="replicate the sample to N notes")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5, help="cold builds to take the median of")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  python {sys.version.split()[0]}")
    folders = []
    if SAMPLE.is_dir():
        folders.append(("sample", SAMPLE))
    if args.course:
        folders.append(("course", args.course))
    # one scratch folder for every course, removed at the end (see _cold: no deletions between
    # the measurements)
    with tempfile.TemporaryDirectory() as scratch:
        for name, folder in folders:
            work = Path(scratch) / name
            work.mkdir()
            run(prepare(folder, work), args.jobs, args.repeat)
        if args.synthetic and SAMPLE.is_dir():
            work = Path(scratch) / "synthetic"
            work.mkdir()
            run(synthesize(SAMPLE, work, args.synthetic), args.jobs, args.repeat)


if __name__ == "__main__":
    main()
