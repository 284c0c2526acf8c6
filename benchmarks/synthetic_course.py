"""A synthetic course shaped like the whole 2020 course, made from the real sample.

The 2020 repository has 538 notes in 16 language folders, 10.7 MB, 21,387 formulas of which
2,166 distinct ones are rendered, and about 4,100 warnings in a build (the issue's figures,
``../shared/corpus/NOTES-FACTS.md``); the sample in ``../shared/corpus/dlsp20-sample`` holds weeks
1–5 in English, Chinese and Arabic. Replicating the sample under new language codes (what the
benchmarks did first) gives the right size but the wrong course: no weeks 6–15, a quarter of
the formulas distinct instead of a tenth, and every translation an English copy.

This course has the real table of contents instead: every note the sample's ``_config.yml``
lists (the real one: 14 languages with notes, weeks 1–15), then notes of the two languages it
names without listing any, up to the real 538. A note the sample has is copied as it is. Any
other note is made from the sample's note of the same part in week ``(W − 1) mod 5 + 1``: in its
own language when the sample has that, else from the Chinese or Arabic translation (so that
translations carry real translators' defects, at their real rate), else from English. A note
moved to another week gets the week's own formulas (each inline formula marked with the week:
different lectures, different maths), its ``lang-ref``, its date and its transcripts; a
translation gets its ``lang`` and, in one inline formula in ``damage_every``, a formula of its
own (``{}^{ko}x``: what translators and their tools did to the maths), which sets the ratio of
distinct formulas.

    python benchmarks/synthetic_course.py OUT   # writes the course, prints its facts
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dlsp20-sample"
#: The whole 2020 course, for comparison (issue 17).
REAL_NOTES, REAL_MEGABYTES, REAL_FORMULAS, REAL_DISTINCT = 538, 10.7, 21_387, 2_166

_TOC_PATH = re.compile(r"^\s*-?\s*path:\s*(\S+\.md)\s*$", re.MULTILINE)
_NOTE = re.compile(r"(?P<lang>[a-z]{2})/week(?P<week>\d\d)/(?P<name>\d\d(?:-\d)?)\.md")
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
_LANG_REF = re.compile(r"^lang-ref: ch\.\d\d", re.MULTILINE)
_LANG = re.compile(r"^lang: *\S+", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_DATE = re.compile(r"^date: *(\d{1,2} \w{3} \d{4}) *$", re.MULTILINE)
SAMPLE_WEEKS = 5
# the sample's translations, templates for the languages it does not have
TRANSLATED = ("zh", "ar")
UNLISTED = ("sr", "hu")


@dataclass(frozen=True)
class Made:
    """What was written: notes (as the table of contents lists them) and their bytes."""

    root: Path
    notes: int
    bytes: int


def _source_week(week: int) -> int:
    return (week - 1) % SAMPLE_WEEKS + 1


def _template(sample: Path, lang: str, week: int, name: str) -> Path | None:
    """The sample note a note is made from (``None``: the sample has no note of that part)."""
    source_week = _source_week(week)
    part = name[2:]  # '' for the week summary, '-1' … for a part
    weeks = [source_week, *range(1, SAMPLE_WEEKS + 1)]
    langs = ["en"]
    if lang != "en":
        langs = [lang, TRANSLATED[sum(map(ord, lang)) % 2], *TRANSLATED, "en"]
    for candidate_lang in langs:
        for candidate in weeks:
            path = sample / candidate_lang / f"week{candidate:02d}" / f"{candidate:02d}{part}.md"
            if path.is_file():
                return path
    return None


def _week_formulas(text: str, week: int) -> str:
    """Each inline formula made the week's own (``x`` → ``{}_{w7}x``); the same in every
    language, so translations share their English note's formulas."""
    return _INLINE.sub(lambda m: f"${{}}_{{w{week}}}{m.group(1)}$", text)


def _damaged(text: str, lang: str, every: int) -> str:
    """One inline formula in ``every`` made the translation's own (``{}^{ko}x``)."""
    counter = iter(range(10**9))
    offset = sum(map(ord, lang))

    def damage(match: re.Match[str]) -> str:
        if (next(counter) + offset) % every:
            return match.group(0)
        return f"${{}}^{{{lang}}}{match.group(1)}$"

    return _INLINE.sub(damage, text)


def _shifted_date(text: str, weeks: int) -> str:
    def shift(match: re.Match[str]) -> str:
        date = dt.datetime.strptime(match.group(1), "%d %b %Y").date()
        moved = date + dt.timedelta(weeks=weeks)
        return f"date: {moved.day} {moved:%b %Y}"

    return _DATE.sub(shift, text)


def synthesize_course(target: Path, sample: Path = SAMPLE, damage_every: int = 28) -> Made:
    """Write the course into ``target`` (a Jekyll-era folder: import it with
    ``dlcourse import jekyll`` or ``import_jekyll``) and say what it holds."""
    target.mkdir(parents=True, exist_ok=True)
    for item in sample.iterdir():
        if item.name in ("_config.yml", "index.md", "LICENSE.md", "SOURCE.md"):
            shutil.copyfile(item, target / item.name)
        elif item.name in ("images", "_layouts"):
            (target / item.name).symlink_to(item)
    notes = size = 0
    listed = list(dict.fromkeys(_TOC_PATH.findall((sample / "_config.yml").read_text("utf-8"))))
    english = [rel for rel in listed if rel.startswith("en/week")]
    # Serbian and Hungarian have a title in the contents but no notes listed; the repository
    # has notes of theirs all the same (16 folders, 538 notes): they fill the count, unlisted
    unlisted = [f"{lang}/{rel[3:]}" for rel in english for lang in UNLISTED]
    for rel in listed + unlisted:
        if rel in unlisted and notes >= REAL_NOTES:
            break
        match = _NOTE.fullmatch(rel)
        if match is None:
            if (sample / rel).is_file():  # the style guide, en/about.md
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(sample / rel, target / rel)
            continue
        lang, week, name = match["lang"], int(match["week"]), match["name"]
        template = _template(sample, lang, week, name)
        if template is None:
            continue
        text = template.read_text("utf-8")
        source_week = int(template.parent.name[4:])
        if week != source_week:
            name = f"{week:02d}{name[2:]}"
            if week % 2 == 0 and name[2:]:
                # the later lectures' notes are longer than the sample's first weeks (the real
                # course: 20 KB and 40 formulas a note, the sample 13 KB and 33): every other
                # moved note goes on with the body of the next week's note of its part
                follower = _template(sample, lang, week + 1, name)
                if follower is not None and follower != template:
                    text += "\n" + _FRONT_MATTER.sub("", follower.read_text("utf-8"), count=1)
            text = _week_formulas(text, week)
            text = _LANG_REF.sub(f"lang-ref: ch.{week:02d}", text)
            text = _shifted_date(text, week - source_week + (week >= 8 > source_week))
        if lang != "en" and template != sample / rel:  # a note the sample has stays as it is
            text = _damaged(text, lang, damage_every)
            if template.parts[-3] != lang:
                text = _LANG.sub(f"lang: {lang}", text)
        dest = target / lang / f"week{week:02d}" / f"{name}.md"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, "utf-8")
        for transcript in (sample / "en" / template.parent.name).glob("*.sbv"):
            moved = dest.parent / transcript.name.replace(f"{source_week:02d}", f"{week:02d}")
            if not moved.exists():
                shutil.copyfile(transcript, moved)
        notes += 1
        size += len(text.encode("utf-8"))
    return Made(target, notes, size)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.rsplit("\n\n", 1)[-1].strip())
    made = synthesize_course(Path(sys.argv[1]))
    print(f"{made.root}: {made.notes} notes, {made.bytes / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
