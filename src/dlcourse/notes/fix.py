"""``--fix``: apply the safe edits findings carry, file by file."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from dlcourse.notes.findings import Edit, Finding
from dlcourse.util.files import atomic_write_bytes


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply line edits bottom-up so earlier line numbers stay valid. Line endings are kept."""
    if any(edit.line == 0 and edit.old == "\ufeff" for edit in edits):
        text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    # bottom-up; on one line, replace before inserting a line in front of it
    for edit in sorted({e for e in edits if e.line > 0}, key=lambda e: (-e.line, e.old == "")):
        index = edit.line - 1
        if index > len(lines):
            continue
        if edit.old == "":
            lines.insert(index, edit.new.replace("\n", newline))
        elif index < len(lines) and edit.old in lines[index]:
            lines[index] = lines[index].replace(edit.old, edit.new, 1)
    return "".join(lines)


def fix_files(findings: list[Finding]) -> dict[str, int]:
    """Apply every fixable finding's edits; returns path → number of findings fixed."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fixable and finding.fix:
            by_path[finding.path].append(finding)
    fixed = {}
    for path, group in by_path.items():
        file = Path(path)
        data = file.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        edits = [edit for finding in group for edit in finding.fix]
        new = apply_edits(text, edits)
        if new != text:
            atomic_write_bytes(file, new.encode("utf-8"))
            fixed[path] = len(group)
    return fixed
