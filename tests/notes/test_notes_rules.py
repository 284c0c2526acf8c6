"""Each rule: a failing fixture finds it, a passing fixture does not (fixtures/rules/ID/)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.notes.check import check_course
from dlcourse.notes.rules import RULES

from .conftest import RULE_FIXTURES, overlay


def _check(course_dir: Path, rule_id: str):
    course = load_course(course_dir)
    contents = course_dir / "_config.yml"
    return check_course(course, contents_file=contents if contents.is_file() else None, jobs=1)


def test_the_catalogue_lists_every_rule_defined():
    import importlib
    import pkgutil

    import dlcourse.notes.rules as package
    from dlcourse.notes.rules import Rule

    defined = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            described = getattr(value, "rule", None)
            if isinstance(described, Rule) and value.__module__ == module.__name__:
                defined[described.id] = value
    assert sorted(defined) == sorted(RULES), "list the new rule in dlcourse/notes/rules/__init__.py"
    assert all(RULES[rule_id].fn is fn for rule_id, fn in defined.items())
    numbered = [(rule_id.rstrip("0123456789"), int(rule_id[-3:])) for rule_id in RULES]
    for (family, number), (following, its_number) in itertools.pairwise(numbered):
        assert family != following or number < its_number  # a family in number order


def test_every_rule_has_both_fixtures():
    for rule_id in RULES:
        assert (RULE_FIXTURES / rule_id / "bad").is_dir(), rule_id
        assert (RULE_FIXTURES / rule_id / "good").is_dir(), rule_id


@pytest.mark.parametrize("rule_id", sorted(set(RULES) - {"TR005"}))
@pytest.mark.slow
def test_bad_fixture_is_found(rule_id: str, course_copy: Path):
    written = overlay(course_copy, RULE_FIXTURES / rule_id / "bad")
    report = _check(course_copy, rule_id)
    found = report.by_rule(rule_id)
    assert found, f"{rule_id} not reported; got {[f.rule for f in report.findings]}"
    names = {p.name for p in written}
    if rule_id != "TOC001":  # TOC001 reports the pages the contents file leaves out
        assert any(Path(f.path).name in names for f in found)
    assert all(f.line >= 1 and f.column >= 1 for f in found)


@pytest.mark.parametrize("rule_id", sorted(set(RULES) - {"TR005"}))
@pytest.mark.slow
def test_good_fixture_is_clean(rule_id: str, course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / rule_id / "good")
    report = _check(course_copy, rule_id)
    assert not report.by_rule(rule_id), [f for f in report.by_rule(rule_id)]


def _git(cwd: Path, *args: str, when: int) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": f"{when} +0000",
        "GIT_COMMITTER_DATE": f"{when} +0000",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
@pytest.mark.parametrize("side", ["bad", "good"])
def test_translation_stale_by_git_history(side: str, course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "TR005" / side)
    _git(course_copy, "init", "-q", when=1_580_000_000)
    _git(course_copy, "add", "-A", when=1_580_000_000)
    _git(course_copy, "commit", "-qm", "notes", when=1_580_000_000)
    source = course_copy / "docs/en/week01/01-1.md"
    target = source if side == "bad" else course_copy / "docs/zh/week01/01-1.md"
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    _git(course_copy, "commit", "-qam", "edit", when=1_581_000_000)
    report = _check(course_copy, "TR005")
    assert bool(report.by_rule("TR005")) == (side == "bad")
