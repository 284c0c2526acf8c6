"""Benchmark ``dlcourse notes check``: files/s and MB/s.

Builds a corpus of N notes (default 540, like the whole 2020 repository) by copying the real
2020 sample (``../shared/corpus/dlsp20-sample``, or ``--sample DIR``) into extra language folders,
then times ``check_course`` on it (cold: fresh processes, empty caches), with 1 and 2 workers.

    python benchmarks/notes_check.py [--notes 540] [--jobs 2] [--sample DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(sample: Path, target: Path, notes: int) -> tuple[int, int]:
    sources = sorted(sample.glob("*/week*/*.md"))
    for extra in ("images", "_config.yml"):
        if (sample / extra).exists():
            (target / extra).symlink_to(sample / extra)
    count = size = 0
    copy = 0
    while count < notes:
        for source in sources:
            if count >= notes:
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
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from dlcourse.course import load_course
from dlcourse.notes.check import check_course
course = load_course(None)
t1 = time.perf_counter()
report = check_course(course, [Path(sys.argv[1])], jobs=int(sys.argv[2]))
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(report.files)} {len(report.findings)}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=540)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--sample", type=Path, default=ROOT.parent / "shared/corpus/dlsp20-sample")
    args = parser.parse_args()
    if not (args.sample / "en").is_dir():
        sys.exit(f"sample not found: {args.sample}")
    with tempfile.TemporaryDirectory() as folder:
        docs = Path(folder) / "docs"
        docs.mkdir()
        count, size = build_corpus(args.sample, docs, args.notes)
        print(f"corpus: {count} notes, {size / 1e6:.2f} MB of Markdown")
        for jobs in args.jobs:
            out = subprocess.run(
                [sys.executable, "-c", RUN, str(docs), str(jobs)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            startup, seconds, files, findings = float(out[0]), float(out[1]), out[2], out[3]
            print(
                f"jobs={jobs}: {seconds:.2f} s for {files} files ({findings} findings): "
                f"{int(files) / seconds:.0f} files/s, {size / 1e6 / seconds:.2f} MB/s "
                f"(+{startup:.2f} s imports and course load)"
            )


if __name__ == "__main__":
    main()
