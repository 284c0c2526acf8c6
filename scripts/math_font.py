"""Make the site's maths font: Latin Modern Math (OpenType, with a MATH table) as WOFF2.

    apt-get install fonts-lmodern      # the OTF, Debian's package of the GUST e-foundry release
    pip install fonttools brotli       # WOFF2 needs brotli
    python scripts/math_font.py [--otf PATH] [--out src/dlcourse/site/static]

Writes ``latinmodern-math.woff2`` (a lossless re-encoding of the unmodified OTF: every table,
names included, is kept, so the font stays the GUST Font License's "Work" under its own names)
beside its licence and readme, which the site serves with it. The output is committed: building
a site never needs this script, Debian's package or brotli. Run it again only to update the font.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEBIAN_OTF = Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf")
DEBIAN_DOCS = Path("/usr/share/texmf/doc/fonts/lm-math")
#: The licence and the readme that states the font's copyright and licence, shipped beside it.
LICENCE_FILES = ("GUST-FONT-LICENSE.txt", "README-Latin-Modern-Math.txt")
WOFF2_NAME = "latinmodern-math.woff2"


def convert(otf: Path, docs: Path, out_dir: Path) -> Path:
    """Write ``out_dir/latinmodern-math.woff2`` and the licence files; return the font's path."""
    from fontTools.ttLib import TTFont

    # kept as it is: no recomputed timestamp or bounding boxes, so the output is reproducible
    font = TTFont(otf, recalcTimestamp=False, recalcBBoxes=False)
    if "MATH" not in font:
        raise SystemExit(f"{otf}: no MATH table, not a maths font")
    font.flavor = "woff2"
    target = out_dir / WOFF2_NAME
    font.save(target)
    for name in LICENCE_FILES:
        shutil.copyfile(docs / name, out_dir / name)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--otf", type=Path, default=DEBIAN_OTF, help="latinmodern-math.otf")
    parser.add_argument("--docs", type=Path, default=DEBIAN_DOCS, help="folder of its licence")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "src/dlcourse/site/static")
    args = parser.parse_args(argv)
    missing = [p for p in (args.otf, *(args.docs / n for n in LICENCE_FILES)) if not p.is_file()]
    if missing:
        print(f"not found: {', '.join(map(str, missing))} (apt-get install fonts-lmodern)")
        return 2
    try:
        import brotli  # noqa: F401  (fontTools needs it to write WOFF2)
    except ImportError:
        print("WOFF2 needs brotli: pip install fonttools brotli")
        return 2
    target = convert(args.otf, args.docs, args.out)
    print(f"{target} ({target.stat().st_size:,} bytes) from {args.otf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
