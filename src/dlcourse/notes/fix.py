"""``--fix``: apply the safe edits findings carry, file by file."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from dlcourse.notes.findings import Edit, Finding
from dlcourse.util.files import atomic_write_bytes

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split exactly where the parser splits them (LF, CRLF or a
    lone CR), never at the other characters ``str.splitlines`` breaks at (form feed, U+2028):
    an edit's line number is the parser's."""
    return _LINE.findall(text)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply line edits bottom-up so earlier line numbers stay valid. Line endings are kept,
    unless an edit converts them to LF (``Edit(0, '\\r\\n', '\\n')``)."""
    if any(edit.line == 0 and edit.old == "\ufeff" for edit in edits):
        text = text.removeprefix("\ufeff")
    to_lf = any(edit.line == 0 and edit.old == "\r\n" for edit in edits)
    lines = split_lines(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") and not to_lf else "\n"
    # bottom-up; on one line, replace before inserting a line in front of it
    for edit in sorted({e for e in edits if e.line > 0}, key=lambda e: (-e.line, e.old == "")):
        index = edit.line - 1
        if index > len(lines):
            continue
        if edit.old == "":
            lines.insert(index, edit.new.replace("\n", newline))
        elif index < len(lines) and edit.old in lines[index]:
            lines[index] = lines[index].replace(edit.old, edit.new, 1)
    text = "".join(lines)
    if to_lf:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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
