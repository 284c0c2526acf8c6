"""What the site's maths costs: every distinct formula of a course checked and rendered once, as
a build does, against latex2mathml alone on the same formulas in the same run.

    python benchmarks/maths_render.py                # the embedded example and the 2020 sample
    python benchmarks/maths_render.py COURSE …       # course folders (course.toml or Jekyll)

Rows (CPU seconds of this process, median of ``--repeat`` passes, every cache cleared before
each pass):

* baseline — ``latex2mathml.converter.convert`` of each distinct formula (macros expanded), in
  its mode (inline or display): the converter with nothing around it;
* the site — the checker's verdict (:func:`dlcourse.notes.tex.check_formula`) and the site's
  :func:`dlcourse.site.mathml.render` for each formula, as a build does both: the MathML Core
  repairs, the escaping writer and the sanitiser included.

Beside them, how many latex2mathml conversions a pass makes: one per formula and mode (the
checker judges a display formula on the conversion the site then shows).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "corpus" / "dlsp20-sample"

Formula = tuple[str, bool, dict[str, str]]  # TeX, display, macros in force


def course_formulas(folder: Path, scratch: Path) -> list[Formula]:
    """Every distinct formula of a course's notes (Jekyll-era folders imported into a copy),
    with the course's macros and those its note defines."""
    from dlcourse.course import load_course
    from dlcourse.notes.discover import discover_notes
    from dlcourse.notes.document import parse_note
    from dlcourse.notes.tex import defines_macros, local_macros

    if not (folder / "course.toml").exists():
        from dlcourse.site.jekyll import import_jekyll

        copy = scratch / folder.name
        shutil.copytree(folder, copy)
        import_jekyll(copy)
        folder = copy
    course = load_course(folder)
    found: dict[tuple[str, bool, tuple[tuple[str, str], ...]], None] = {}
    for note in discover_notes(course):
        doc = parse_note(note.path, course=course, words=False)
        macros = dict(course.notes.macros)
        if defines_macros(doc.text):
            macros.update(local_macros(doc.text))
        for formula in doc.maths:
            found.setdefault((formula.tex, formula.display, tuple(sorted(macros.items()))), None)
    return [(tex, display, dict(macros)) for tex, display, macros in found]


def _clear_caches() -> None:
    from dlcourse.notes import mathml_core
    from dlcourse.notes import tex as notes_tex

    for cached in (
        notes_tex.render_check,
        notes_tex.check_formula_keyed,
        notes_tex.prepare_tex,
        mathml_core.to_mathml,
    ):
        cache_clear = getattr(cached, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


class _Conversions:
    """Counts latex2mathml's conversions (its walker runs once per conversion)."""

    def __init__(self) -> None:
        import latex2mathml.converter as converter

        self.count = 0
        self._converter = converter
        self._walk = converter.walk

    def __enter__(self) -> _Conversions:
        def counting(*args: object, **kwargs: object) -> object:
            self.count += 1
            return self._walk(*args, **kwargs)

        self._converter.walk = counting
        return self

    def __exit__(self, *exc: object) -> None:
        self._converter.walk = self._walk


def _pass(work: Callable[[], None]) -> tuple[float, int]:
    _clear_caches()
    gc.collect()
    with _Conversions() as conversions:
        started = time.process_time()
        work()
        seconds = time.process_time() - started
    return seconds, conversions.count


def measure(formulas: list[Formula], repeat: int) -> list[tuple[str, float, int]]:
    from latex2mathml.converter import convert

    from dlcourse.notes.tex import check_formula, prepare_tex
    from dlcourse.site.mathml import render

    prepared = [(prepare_tex(tex, macros), display) for tex, display, macros in formulas]

    def baseline() -> None:
        for tex, display in prepared:
            # a formula latex2mathml refuses is shown as its source by the site
            with contextlib.suppress(Exception):
                convert(tex, display="block" if display else "inline")

    def site() -> None:
        for tex, display, macros in formulas:
            check_formula(tex, macros, display)
            render(tex, display, macros)

    rows = []
    for label, work in (("baseline: latex2mathml alone", baseline), ("the site", site)):
        passes = [_pass(work) for _ in range(repeat)]
        rows.append((label, statistics.median(s for s, _ in passes), passes[-1][1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("courses", nargs="*", type=Path, help="course folders")
    parser.add_argument("--repeat", type=int, default=5, help="passes to take the median of")
    args = parser.parse_args()
    from dlcourse.course import example_course_dir

    folders = args.courses or [example_course_dir(), *([SAMPLE] if SAMPLE.is_dir() else [])]
    with tempfile.TemporaryDirectory() as scratch:
        formulas = list(
            dict.fromkeys(
                (tex, display, tuple(sorted(macros.items())))
                for folder in folders
                for tex, display, macros in course_formulas(folder, Path(scratch))
            )
        )
    distinct = [(tex, display, dict(macros)) for tex, display, macros in formulas]
    displays = sum(display for _, display, _ in distinct)
    print(f"{len(distinct)} distinct formulas ({displays} display) from {len(folders)} course(s)")
    rows = measure(distinct, args.repeat)
    base = rows[0][1]
    print(f"  {'':30} {'CPU ms':>8} {'µs/formula':>10} {'conversions':>11} {'÷ baseline':>10}")
    for label, seconds, conversions in rows:
        per = 1e6 * seconds / max(1, len(distinct))
        ratio = seconds / base if base else float("nan")
        print(f"  {label:30} {1e3 * seconds:8.0f} {per:10.0f} {conversions:11d} {ratio:9.2f}x")


if __name__ == "__main__":
    sys.exit(main())
