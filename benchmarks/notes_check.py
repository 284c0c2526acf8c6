"""Benchmark ``dlcourse notes check``: files/s and MB/s, cold, warm-cache and changed-only.

Builds a corpus of about 10 MB of notes (like the whole 2020 repository: 538 files, 10 MB) by
replicating the real 2020 sample (``../shared/corpus/dlsp20-sample``, or ``--sample DIR``) into
extra language folders, commits it to a scratch git repository, then times ``check_course`` in
fresh processes (imports and course loading are reported apart):

* baseline: 1 worker, no cache — the named baseline every other row is compared with;
* cold: ``--jobs`` workers, no cache;
* cold + cache write: the same, filling an empty result cache;
* warm: nothing changed, every file from the cache (course rules still run);
* warm, 5 edited: five notes edited, the rest from the cache;
* changed-only: ``--changed-since HEAD`` with five notes edited, no cache (what CI runs).

    python benchmarks/notes_check.py [--megabytes 10] [--jobs 2] [--repeat 3] [--sample DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(sample: Path, target: Path, megabytes: float) -> tuple[int, int]:
    """Copies of the sample's notes in language folders ``en``, ``en1``, ``zh1`` … until the
    corpus holds ``megabytes`` of Markdown; transcripts, images and _config.yml come along."""
    sources = sorted(sample.glob("*/week*/*.md"))
    for extra in ("images", "_config.yml"):
        if (sample / extra).exists():
            (target / extra).symlink_to(sample / extra)
    count = size = copy = 0
    while size < megabytes * 1e6:
        for source in sources:
            if size >= megabytes * 1e6:
                break
            lang = source.parts[-3] if copy == 0 else f"{source.parts[-3]}{copy}"
            dest = target / lang / source.parts[-2] / source.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = source.read_bytes()
            dest.write_bytes(data)
            for transcript in source.parent.glob("*.sbv"):
                if not (dest.parent / transcript.name).exists():
                    shutil.copyfile(transcript, dest.parent / transcript.name)
            count += 1
            size += len(data)
        copy += 1
    return count, size


RUN = """
import resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from dlcourse.course import load_course
from dlcourse.notes.check import check_course
course = load_course(None)
t1 = time.perf_counter()
docs, jobs, cache, since = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
report = check_course(
    course, [docs], jobs=jobs, cache_dir=Path(cache) if cache != "-" else None,
    changed_since=since if since != "-" else None,
)
t2 = time.perf_counter()
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak MB (Linux: KiB)
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(report.files)} {len(report.findings)} {report.cached} "
      f"{own:.0f} {worker:.0f}")
"""


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.org", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _run(docs: Path, jobs: int, cache: Path | None, since: str | None) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(docs), str(jobs), str(cache or "-"), since or "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [float(value) for value in out]


def _median(docs: Path, jobs: int, repeat: int) -> list[float]:
    """The cold run (no cache) ``repeat`` times in fresh processes: the median one's figures
    (wall times on this shared VM drift by a quarter between runs)."""
    runs = sorted((_run(docs, jobs, None, None) for _ in range(repeat)), key=lambda r: r[1])
    return runs[len(runs) // 2]


def _of(repeat: int) -> str:
    return f" (median of {repeat})" if repeat > 1 else ""


def _edit(docs: Path, count: int) -> list[Path]:
    notes = sorted(docs.glob("en*/week0*/*-*.md"))[:count]
    for note in notes:
        note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="cold runs to take the median of")
    parser.add_argument("--sample", type=Path, default=ROOT.parent / "shared/corpus/dlsp20-sample")
    args = parser.parse_args()
    if not (args.sample / "en").is_dir():
        sys.exit(f"sample not found: {args.sample}")
    with tempfile.TemporaryDirectory() as folder:
        docs = Path(folder) / "docs"
        docs.mkdir()
        cache = Path(folder) / "cache"
        count, size = build_corpus(args.sample, docs, args.megabytes)
        has_git = shutil.which("git") is not None
        if has_git:
            _git(docs, "init", "-q")
            _git(docs, "add", "-A")
            _git(docs, "commit", "-qm", "corpus")
        megabytes = size / 1e6
        print(f"corpus: {count} notes, {megabytes:.2f} MB of Markdown; jobs={args.jobs}")
        repeat = args.repeat
        rows = [(f"baseline: 1 worker, no cache{_of(repeat)}", _median(docs, 1, repeat))]
        rows.append(
            (f"cold: {args.jobs} workers, no cache{_of(repeat)}", _median(docs, args.jobs, repeat))
        )
        rows.append(("cold + cache write", _run(docs, args.jobs, cache, None)))
        rows.append(("warm: unchanged, from cache", _run(docs, args.jobs, cache, None)))
        _edit(docs, 5)
        rows.append(("warm: 5 notes edited", _run(docs, args.jobs, cache, None)))
        if has_git:
            rows.append(("changed-only: --changed-since HEAD", _run(docs, args.jobs, None, "HEAD")))
        base = rows[0][1][1]
        print(
            "| run | check time | files | cached | files/s | MB/s | × baseline | imports+course "
            "| peak memory: main / largest child process |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for name, (startup, seconds, files, _findings, cached, own, worker) in rows:
            mb = megabytes * files / count  # the share of the corpus this run covered
            print(
                f"| {name} | {seconds:.2f} s | {files:.0f} | {cached:.0f} | "
                f"{files / seconds:.0f} | {mb / seconds:.1f} | {base / seconds:.1f} | "
                f"{startup:.2f} s | {own:.0f} / {worker:.0f} MB |"
            )


if __name__ == "__main__":
    main()
