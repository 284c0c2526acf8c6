"""Write src/dlcourse/site/date_names.json: how each site language writes a date, from CLDR.

The names of days and months and the order of a date's parts come from the Unicode CLDR through
Babel (a dev dependency), for every language in ``KNOWN_LANGUAGES``: the site reads the small
JSON file and never imports Babel (33 MB installed, 0.1 s to import). Run
``python scripts/make_date_names.py`` after adding a language or upgrading Babel;
``--check`` writes nothing and exits 1 when the file is out of date (``tests/site/test_i18n.py``
fails then too).

Per language: ``date_format`` and ``day_format`` (CLDR's ``yMMMEd`` and ``MMMEd`` patterns as
Python format strings over ``{weekday} {day} {day2} {month} {year}``), ``weekdays`` (Monday
first) and ``months`` as the pattern's fields write them, and ``digits`` where the language's
default numbering system is not ASCII (Persian writes ۳ فوریه ۲۰۲۰; Babel itself writes dates in
ASCII digits whatever the language).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from babel import Locale
from babel.dates import format_date, match_skeleton, tokenize_pattern

from dlcourse.site.i18n import KNOWN_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "dlcourse" / "site" / "date_names.json"
SKELETONS = {"date_format": "yMMMEd", "day_format": "MMMEd"}
MONDAY = dt.date(2020, 2, 3)  # any Monday: weekdays are listed from it
#: The zero of each non-ASCII numbering system a site language uses by default (CLDR's
#: numberingSystems); the nine digits after it are consecutive code points.
ZEROS = {"arab": "\u0660", "arabext": "\u06f0", "beng": "\u09e6", "deva": "\u0966"}


def _digits(locale: Locale) -> str | None:
    system = locale.default_numbering_system
    if system == "latn":
        return None
    if system not in ZEROS:
        raise SystemExit(f"{locale}: numbering system {system!r} has no zero in ZEROS; add it")
    return "".join(chr(ord(ZEROS[system]) + n) for n in range(10))


def _field(locale: Locale, letter: str, width: int, digits: str | None) -> tuple[str, list[str]]:
    """The placeholder for one pattern field, and the names it takes (weekdays, months)."""
    table = str.maketrans("0123456789", digits) if digits else None

    def names(days: list[dt.date]) -> list[str]:
        written = [format_date(day, letter * width, locale=locale) for day in days]
        return [name.translate(table) if table else name for name in written]

    if letter in "Ec":
        return "{weekday}", names([MONDAY + dt.timedelta(days=n) for n in range(7)])
    if letter in "ML":
        return "{month}", names([dt.date(2020, month, 1) for month in range(1, 13)])
    if letter == "d":
        return ("{day2}" if width == 2 else "{day}"), []
    if letter == "y" and width != 2:
        return "{year}", []
    raise SystemExit(f"{locale}: date field {letter * width!r} is not supported; extend _field")


def language_entry(code: str) -> dict[str, object]:
    locale = Locale.parse(code.replace("-", "_"))
    digits = _digits(locale)
    entry: dict[str, object] = {}
    for key, skeleton in SKELETONS.items():
        pattern = locale.datetime_skeletons[
            match_skeleton(skeleton, locale.datetime_skeletons) or skeleton
        ].pattern
        parts = []
        for kind, value in tokenize_pattern(pattern):
            if kind == "chars":
                parts.append(str(value).replace("{", "{{").replace("}", "}}"))
                continue
            letter, width = value  # type: ignore[misc]
            placeholder, names = _field(locale, letter, width, digits)
            parts.append(placeholder)
            if placeholder == "{weekday}":
                entry.setdefault("weekdays", names)
            elif placeholder == "{month}":
                entry.setdefault("months", names)
        entry[key] = "".join(parts)
    if digits:
        entry["digits"] = digits
    return dict(sorted(entry.items()))


def render() -> str:
    table = {code: language_entry(code) for code in sorted(KNOWN_LANGUAGES)}
    return json.dumps(table, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
    if "--check" in argv:
        if text != current:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run scripts/make_date_names.py")
            return 1
        return 0
    if text != current:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
