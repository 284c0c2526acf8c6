"""Benchmark ``dlcourse notes check``: files/s and MB/s, cold, warm-cache and changed-only.

Two courses: the real 2020 sample (``../shared/corpus/dlsp20-sample``, or ``--sample DIR``), and
the synthetic course shaped like the whole 2020 one (``synthetic_course.py``: its table of
contents, 16 languages, 538 notes, ~9.4 MB, formulas and translators' defects at the real
rates; ``--replicate MB`` instead copies the sample into extra language folders up to MB, the
first version of this benchmark). Each is imported (course.toml), committed to a scratch git
repository, and ``check_course`` is timed in fresh processes started in the course (imports and
course loading are reported apart):

* baseline: 1 worker, no cache — the named baseline every other row is compared with;
* cold: ``--jobs`` workers, no cache;
* cold + cache write: the same, filling an empty result cache;
* warm: nothing changed, every file from the cache (course rules still run);
* warm, 5 edited: five notes edited, the rest from the cache;
* changed-only: ``--changed-since HEAD`` with five notes edited, no cache (what CI runs);
* with ``--peer markdownlint-cli2`` (its ``node_modules/.bin`` folder, or on PATH): that linter
  on the same Markdown files, its runs interleaved with the cold ones (the goal: ≥ 5× faster).

Goal (issue 17, 2 cores): the cold check of 540 notes / 10 MB under 0.6 s.

    python benchmarks/notes_check.py [--jobs 2] [--repeat 3] [--sample DIR] [--peer PATH]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(sample: Path, target: Path, megabytes: float) -> tuple[int, int]:
    """The sample's notes, then copies of them in language folders ``en1``, ``zh1`` … until the
    corpus holds ``megabytes`` of Markdown; transcripts, images and _config.yml come along."""
    sources = sorted(sample.glob("*/week*/*.md"))
    if (sample / "images").is_dir():
        (target / "images").symlink_to(sample / "images")
    if (sample / "_config.yml").is_file():  # a copy: the course refuses a contents file outside
        shutil.copyfile(sample / "_config.yml", target / "_config.yml")
    count = size = copy = 0
    while copy == 0 or size < megabytes * 1e6:
        for source in sources:
            if copy and size >= megabytes * 1e6:
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
own = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(report.files)} {len(report.findings)} {report.cached} "
      f"{own.ru_maxrss / 1024:.0f} {workers.ru_maxrss / 1024:.0f} {cpu:.3f}")
"""


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.org", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _run(course: Path, docs: Path, jobs: int, cache: Path | None, since: str | None) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(docs), str(jobs), str(cache or "-"), since or "-"],
        capture_output=True,
        text=True,
        check=True,
        cwd=course,
    ).stdout.split()
    return [float(value) for value in out]


def _peer_seconds(peer: str, course: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the peer linter on every note of the course (exit 1 = it found
    something, as it will)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [peer, "**/*.md", "#node_modules"], cwd=course, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{peer} failed: {done.stderr[-500:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def _median(
    course: Path,
    docs: Path,
    jobs: int,
    repeat: int,
    peer: str | None,
    peer_runs: list[tuple[float, float]],
) -> list[float]:
    """The cold run (no cache) ``repeat`` times in fresh processes: the median one's figures
    (wall times on this shared VM drift by a quarter between runs). A peer linter runs after
    each, so that both see the same load."""
    runs = []
    for _ in range(repeat):
        runs.append(_run(course, docs, jobs, None, None))
        if peer:
            peer_runs.append(_peer_seconds(peer, course))
    runs.sort(key=lambda r: r[1])
    return runs[len(runs) // 2]


def _of(repeat: int) -> str:
    return f" (median of {repeat})" if repeat > 1 else ""


def _edit(docs: Path, count: int) -> list[Path]:
    notes = sorted(docs.glob("en*/week0*/*-*.md"))[:count]
    for note in notes:
        note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n")
    return notes


def _course(kind: str, sample: Path, work: Path, megabytes: float) -> tuple[Path, int, int]:
    """The course folder (imported: course.toml written), its notes and their bytes."""
    from dlcourse.site.jekyll import import_jekyll

    root = work / kind / "course"
    if kind == "synthetic":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from synthetic_course import synthesize_course

        synthesize_course(root, sample)
    else:
        root.mkdir(parents=True)
        if (sample / "index.md").is_file():
            shutil.copyfile(sample / "index.md", root / "index.md")
        build_corpus(sample, root, megabytes if kind == "replicated" else 0)
    import_jekyll(root)
    notes = sorted(root.glob("*/week*/*.md"))
    return root, len(notes), sum(note.stat().st_size for note in notes)


def _report(
    kind: str, course: Path, count: int, size: int, jobs: int, repeat: int, peer: str | None
) -> None:
    docs = course
    cache = course.parent / "cache"
    has_git = shutil.which("git") is not None
    if has_git:
        _git(course, "init", "-q")
        _git(course, "add", "-A")
        _git(course, "commit", "-qm", "corpus")
    megabytes = size / 1e6
    print(f"\n{kind} corpus: {count} notes, {megabytes:.2f} MB of Markdown; jobs={jobs}")
    peer_runs: list[tuple[float, float]] = []
    rows = [
        (f"baseline: 1 worker, no cache{_of(repeat)}", _median(course, docs, 1, repeat, None, []))
    ]
    cold = _median(course, docs, jobs, repeat, peer, peer_runs)
    rows.append((f"cold: {jobs} workers, no cache{_of(repeat)}", cold))
    rows.append(("cold + cache write", _run(course, docs, jobs, cache, None)))
    rows.append(("warm: unchanged, from cache", _run(course, docs, jobs, cache, None)))
    _edit(docs, 5)
    rows.append(("warm: 5 notes edited", _run(course, docs, jobs, cache, None)))
    if has_git:
        rows.append(("changed-only: --changed-since HEAD", _run(course, docs, jobs, None, "HEAD")))
    base = rows[0][1][1]
    print(
        "| run | check time | files | cached | files/s | MB/s | × baseline | imports+course "
        "| peak memory: main / largest child process |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (startup, seconds, files, _findings, cached, own, worker, _cpu) in rows:
        mb = megabytes * files / count  # the share of the corpus this run covered
        print(
            f"| {name} | {seconds:.2f} s | {files:.0f} | {cached:.0f} | "
            f"{files / seconds:.0f} | {mb / seconds:.1f} | {base / seconds:.1f} | "
            f"{startup:.2f} s | {own:.0f} / {worker:.0f} MB |"
        )
    findings = cold[3]
    print(f"findings of the cold check: {findings:.0f} ({findings / count:.1f} a note)")
    if peer_runs:
        # what a user waits for: imports, course and check (the interpreter's start, ~0.03 s,
        # left out); CPU seconds of all processes are what a loaded machine inflates least
        ours_wall, ours_cpu = cold[0] + cold[1], cold[7]
        walls = [wall for wall, _ in peer_runs]
        theirs_wall = statistics.median(walls)
        theirs_cpu = statistics.median(cpu for _, cpu in peer_runs)
        runs = " ".join(f"{wall:.2f}" for wall in walls)
        print(
            f"peer {Path(peer or '').name} on the same files: wall median {theirs_wall:.2f} s"
            f" (runs {runs}), CPU {theirs_cpu:.2f} s; ours (imports included) wall"
            f" {ours_wall:.2f} s, CPU {ours_cpu:.2f} s: {theirs_wall / ours_wall:.1f}× faster"
            f" by wall time, {theirs_cpu / ours_cpu:.1f}× by CPU time"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="cold runs to take the median of")
    parser.add_argument("--sample", type=Path, default=ROOT.parent / "shared/corpus/dlsp20-sample")
    parser.add_argument(
        "--replicate", type=float, default=0, help="MB: the sample replicated, not synthetic"
    )
    parser.add_argument("--sample-only", action="store_true", help="only the real sample")
    parser.add_argument("--peer", help="markdownlint-cli2 (its path) to time on the same files")
    args = parser.parse_args()
    if not (args.sample / "en").is_dir():
        sys.exit(f"sample not found: {args.sample}")
    peer = shutil.which(args.peer) if args.peer else None
    if args.peer and peer is None:
        sys.exit(f"peer not found: {args.peer}")
    kinds = ["sample"]
    if not args.sample_only:
        kinds.append("replicated" if args.replicate else "synthetic")
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            course, count, size = _course(kind, args.sample, Path(folder), args.replicate)
            _report(kind, course, count, size, args.jobs, args.repeat, peer)


if __name__ == "__main__":
    main()
