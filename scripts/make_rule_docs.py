"""Write docs/rules/ID.md for every rule from its metadata and its fixtures.

Run ``python scripts/make_rule_docs.py`` after changing a rule (``--check`` lists the pages that
are out of date and exits 1, writing nothing); ``tests/notes/test_notes_docs.py`` fails while a
page is out of date.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from dlcourse.notes.config import NOTE_SIZE_RULE
from dlcourse.notes.rules import RULES, Rule

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "notes" / "fixtures" / "rules"
DOCS = ROOT / "docs" / "rules"


def _main_file(rule_id: str, side: str) -> tuple[str, list[str]]:
    files = sorted(p for p in (FIXTURES / rule_id / side).rglob("*") if p.is_file())
    other = "good" if side == "bad" else "bad"
    # prefer the file that differs between bad and good
    for path in files:
        rel = path.relative_to(FIXTURES / rule_id / side)
        twin = FIXTURES / rule_id / other / rel
        if not twin.is_file() or twin.read_bytes() != path.read_bytes():
            return rel.as_posix(), path.read_bytes().decode("utf-8", "replace").splitlines()
    path = files[0]
    rel = path.relative_to(FIXTURES / rule_id / side).as_posix()
    return rel, path.read_bytes().decode("utf-8", "replace").splitlines()


def _excerpt(lines: list[str], other: list[str], context: int = 2, most: int = 14) -> str:
    matcher = difflib.SequenceMatcher(a=lines, b=other, autojunk=False)
    changed = [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]
    start, end = (changed[0][0], changed[-1][1]) if changed else (0, min(len(lines), 8))
    start, end = max(0, start - context), min(len(lines), max(end, start + 1) + context)
    shown = [line if len(line) < 100 else line[:96] + " …" for line in lines[start:end][:most]]
    prefix = [] if start == 0 else ["…"]
    suffix = [] if end >= len(lines) else ["…"]
    return "\n".join(prefix + shown + suffix)


#: A fixture ``NAME.symlink`` stands for a link ``NAME`` to the path it holds (see
#: ``tests/notes/conftest.py``): its example is the command that makes the link.
SYMLINK_SUFFIX = ".symlink"


def _example(name: str, lines: list[str], other: list[str]) -> tuple[str, list[str]]:
    """The file name shown and the fenced example of one side."""
    if name.endswith(SYMLINK_SUFFIX):
        link = name.removesuffix(SYMLINK_SUFFIX)
        target = lines[0].strip() if lines else ""
        return link, ["```console", f"$ ln -s {target} {link}", "```"]
    return name, ["```markdown", _excerpt(lines, other), "```"]


def page(rule: Rule) -> str:
    bad_name, bad = _main_file(rule.id, "bad")
    good_name, good = _main_file(rule.id, "good")
    links = bad_name.endswith(SYMLINK_SUFFIX)
    bad_name, bad_example = _example(bad_name, bad, good)
    good_name, good_example = _example(good_name, good, bad)
    params = "\n".join(
        f"| `{name}` | `{param.default!r}` | {param.description} |"
        for name, param in rule.params.items()
    )
    always_on = rule.id == NOTE_SIZE_RULE
    lines = [
        f"# {rule.id} `{rule.alias}`",
        "",
        f"**{rule.summary}**",
        "",
        rule.description,
        "",
        f"- Default severity: `{rule.severity}`",
        f"- Tags: {', '.join(f'`{tag}`' for tag in rule.tags)}",
        f"- Fixable with `--fix`: {'yes' if rule.fixable else 'no'}",
        f"- Scope: {'one note' if rule.scope == 'note' else 'the whole course (several files)'}",
        "",
        "## Parameters",
        "",
        ("| name | default | meaning |\n|---|---|---|\n" + params) if params else "None.",
        "",
        "Configure in `course.toml`:",
        "",
        "```toml",
        f"[notes.rules.{rule.id}]   # or [notes.rules.{rule.alias}]",
        'severity = "error"      # or "warning", "info"; '
        + ("always on" if always_on else "enabled = false turns it off"),
        *[
            f"{name} = {_toml(param.default)}"
            for name, param in rule.params.items()
            if param.default is not None
        ],
        "```",
        "",
        "It cannot be silenced: the note it reports is not read, so no pragma in it counts."
        if always_on
        else "A link has no text to hold a pragma: a finding goes away with the link."
        if links
        else f"Silence one finding: `<!-- dlcourse-disable-next-line {rule.id} -->` on the line "
        "before.",
        "",
        f"## Bad (`{bad_name}`)",
        "",
        *bad_example,
        "",
        f"## Good (`{good_name}`)",
        "",
        *good_example,
        "",
        f"Fixtures: `tests/notes/fixtures/rules/{rule.id}/`.",
        "",
    ]
    return "\n".join(lines)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def stale_pages() -> list[Path]:
    """The pages that are missing or differ from what their rule and fixtures give."""
    return [
        DOCS / f"{rule.id}.md"
        for rule in RULES.values()
        if not (DOCS / f"{rule.id}.md").is_file()
        or (DOCS / f"{rule.id}.md").read_text(encoding="utf-8") != page(rule)
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_pages()
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run: python scripts/make_rule_docs.py)")
        return 1 if stale else 0
    if argv:
        print("usage: python scripts/make_rule_docs.py [--check]", file=sys.stderr)
        return 2
    DOCS.mkdir(parents=True, exist_ok=True)
    for rule in RULES.values():
        (DOCS / f"{rule.id}.md").write_text(page(rule), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
