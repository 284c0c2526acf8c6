"""The code keeps to the import table of ``docs/architecture.md``: which part may import which
other parts and which libraries, read from the table itself (so the page and the code cannot
drift apart); torch only inside ``dlcourse.labs``; only ``dlcourse.cli`` prints."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "dlcourse"
ARCHITECTURE = REPO / "docs" / "architecture.md"
TABLE_HEADING = "## Who may import what"
# Course content shipped as data (the example's homework solutions are student code), not code
# of the package.
NOT_CODE = ("examples",)
# Entry points a program starts at (``python -m dlcourse.labs`` for torchrun): they print.
ENTRY_POINT = "__main__.py"


@dataclass(frozen=True)
class Rules:
    parts: dict[str, set[str]]  # part → the parts (or part.module) it may import
    libraries: dict[str, set[str]]  # part → the third-party top-level modules it may import


def read_table() -> Rules:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert TABLE_HEADING in text, f"{ARCHITECTURE} lost its '{TABLE_HEADING}' table"
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    parts: dict[str, set[str]] = {}
    libraries: dict[str, set[str]] = {}
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        part = cells[0].strip("`")
        named = re.findall(r"`([^`]+)`", cells[1])
        parts[part] = set(named) if "every part" not in cells[1] else {"*"}
        libraries[part] = set(re.findall(r"`([^`]+)`", cells[2]))
    return Rules(parts, libraries)


@dataclass(frozen=True)
class Import:
    file: str  # posix path under src/dlcourse
    line: int
    module: str  # absolute dotted name


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.split("/")[0] in NOT_CODE:
            continue
        found.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return found


def _imports(rel: str, tree: ast.Module) -> list[Import]:
    package = ["dlcourse", *rel.split("/")[:-1]]
    found = []
    for node in ast.walk(tree):  # function-level imports count as much as top-level ones
        if isinstance(node, ast.Import):
            found += [Import(rel, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(Import(rel, node.lineno, module))
    return found


def part_of(rel: str) -> str:
    return rel.split("/")[0] if "/" in rel else "dlcourse"


MODULES = _modules()
IMPORTS = [item for rel, tree in MODULES for item in _imports(rel, tree)]


def test_the_table_names_every_part_of_the_package() -> None:
    rules = read_table()
    parts = {part_of(rel) for rel, _tree in MODULES} - {"dlcourse"}
    assert parts == set(rules.parts), "add the part to docs/architecture.md's import table"


def test_parts_import_only_what_the_table_allows() -> None:
    rules = read_table()
    standard = set(sys.stdlib_module_names) | {"__future__"}
    wrong = []
    for item in IMPORTS:
        part = part_of(item.file)
        if part == "dlcourse":  # the package's own __init__ and __main__: the version, the CLI
            allowed_parts, libraries = {"cli"}, set()
        else:
            allowed_parts, libraries = rules.parts[part], rules.libraries[part]
        name = item.module
        if name == "dlcourse" or name.startswith("dlcourse."):
            pieces = name.split(".")
            target = pieces[1] if len(pieces) > 1 else "dlcourse"
            module = ".".join(pieces[1:3])
            if target in (part, "dlcourse") or {"*", target, module} & allowed_parts:
                continue
            wrong.append(f"{item.file}:{item.line}: {part} imports {name}")
        elif name.split(".")[0] not in standard and name.split(".")[0] not in libraries:
            wrong.append(f"{item.file}:{item.line}: {part} imports the library {name}")
    assert not wrong, "not in docs/architecture.md's import table:\n" + "\n".join(wrong)


def test_only_labs_imports_torch() -> None:
    rules = read_table()
    assert [part for part, libraries in rules.libraries.items() if "torch" in libraries] == ["labs"]
    outside = [
        f"{item.file}:{item.line}"
        for item in IMPORTS
        if item.module.split(".")[0] == "torch" and part_of(item.file) != "labs"
    ]
    assert not outside


def _prints(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "print")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "print")
        ):
            found.append(f"print() at line {node.lineno}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{alias.name}" for alias in node.names]
            )
            for name in names:
                if name.startswith(("typer", "click", "rich.console", "rich.progress")):
                    found.append(f"imports {name} at line {node.lineno}")
    return found


@pytest.mark.parametrize("rel", [rel for rel, _tree in MODULES if part_of(rel) != "cli"])
def test_only_the_cli_prints(rel: str) -> None:
    if rel.endswith(ENTRY_POINT):
        return
    tree = dict(MODULES)[rel]
    assert _prints(tree) == [], f"{rel}: parts return values; dlcourse.cli prints them"
