"""The command line imports only what its command needs (issue 17): ``dlcourse --version``
imports no command module (not even Typer), and a command imports only the modules of its
group. The table that says which module registers which command must stay true."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse import __version__
from dlcourse.cli import (
    ALL_MODULES,
    COMMAND_MODULES,
    SUBCOMMAND_MODULES,
    build_app,
    modules_for,
)
from dlcourse.course.scaffold import init_course

# runs the entry point as the console script does, then lists what it imported
PROBE = """
import json, sys
from dlcourse.cli import main
sys.argv = ["dlcourse", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nIMPORTED " + json.dumps(sorted(sys.modules)))
"""


def _imported(*args: str, cwd: Path | None = None) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    errors, _, listing = done.stderr.rpartition("\nIMPORTED ")
    assert listing, errors
    return done.stdout + errors, set(json.loads(listing))  # what it printed, and imported


def _top_level_commands(modules: tuple[str, ...]) -> set[str]:
    app = build_app(modules)
    names = {info.name for info in app.registered_commands}
    return names | {info.name for info in app.registered_groups}


def test_version_imports_no_command_module_nor_typer() -> None:
    output, modules = _imported("--version")
    assert output == f"dlcourse {__version__}\n"
    assert not {"typer", "click", "pydantic", "rich"} & modules
    assert not [name for name in modules if name.startswith("dlcourse.cli.")]


@pytest.mark.slow
def test_a_notes_command_imports_only_the_notes_commands() -> None:
    output, modules = _imported("notes", "check", "--help")
    assert "--changed-since" in output  # the real command answered
    command_modules = {name for name in modules if name.startswith("dlcourse.cli.")}
    assert command_modules == {"dlcourse.cli.messages", "dlcourse.cli.notes_cmds"}
    assert not [name for name in modules if name.startswith(("dlcourse.labs", "dlcourse.site"))]


@pytest.mark.slow
def test_checking_one_note_imports_neither_email_validator_nor_rich(tmp_path: Path) -> None:
    # the course's plain e-mail addresses are checked without email-validator, and output to a
    # pipe is plain text (rich only draws for a terminal)
    course = init_course(tmp_path / "course")
    output, modules = _imported("notes", "check", "docs/en/week02/02-1.md", cwd=course)
    assert "1 file(s) checked" in output
    assert "dlcourse.course.model" in modules  # the course was loaded and validated
    assert not {"email_validator", "rich", "dlcourse.cli.scribe_cmds"} & modules
    assert "latex2mathml" in modules  # 02-1 has formulas; the week's summary has none
    output, modules = _imported("notes", "check", "docs/en/week02/02.md", cwd=course)
    assert "1 file(s) checked" in output
    assert "latex2mathml" not in modules


@pytest.mark.slow
def test_an_up_to_date_build_imports_neither_the_renderer_nor_jinja(tmp_path: Path) -> None:
    # `dlcourse build` with nothing to do stops after the discover stage: the parser, the maths,
    # the checker, Jinja and the HTTP server are imported only by a build that renders
    course = init_course(tmp_path / "course")
    _, first = _imported("build", "--no-search", "--quiet", cwd=course)
    assert {"markdown_it", "jinja2", "dlcourse.notes.check"} <= first  # it rendered
    output, modules = _imported("build", "--no-search", cwd=course)
    assert "up to date" in output
    heavy = {"markdown_it", "latex2mathml", "nh3", "jinja2", "dlcourse.notes.check"}
    assert not heavy & modules
    assert "dlcourse.site.server" not in modules


def test_notes_new_and_the_notes_help_still_load_the_scribe_commands() -> None:
    for argv in (["notes", "--help"], ["notes"], ["notes", "new", "--help"]):
        app = build_app(modules_for(argv))
        (notes,) = [info.typer_instance for info in app.registered_groups if info.name == "notes"]
        assert notes is not None
        assert {"new", "check"} <= {info.name for info in notes.registered_commands}


@pytest.mark.parametrize("word", sorted(COMMAND_MODULES))
def test_each_first_word_is_registered_by_its_modules(word: str) -> None:
    assert word in _top_level_commands(COMMAND_MODULES[word])


@pytest.mark.parametrize(("group", "command"), sorted(SUBCOMMAND_MODULES))
def test_each_narrowed_subcommand_is_registered_by_its_modules(group: str, command: str) -> None:
    app = build_app(SUBCOMMAND_MODULES[(group, command)])
    (sub,) = [info.typer_instance for info in app.registered_groups if info.name == group]
    assert sub is not None
    assert command in {info.name for info in sub.registered_commands}
    assert modules_for([group, command, "--help"]) == SUBCOMMAND_MODULES[(group, command)]


def test_every_command_is_in_the_table() -> None:
    # a command missing from the table still works (an unknown word loads every module) but
    # makes every command line that names it pay for all the imports
    assert _top_level_commands(ALL_MODULES) == set(COMMAND_MODULES)


@pytest.mark.slow
def test_help_and_unknown_words_load_every_command() -> None:
    assert modules_for([]) == ALL_MODULES
    assert modules_for(["--help"]) == ALL_MODULES
    assert modules_for(["note", "check"]) == ALL_MODULES  # Typer's "No such command" lists all
    assert modules_for(["notes", "check", "x.md"]) == SUBCOMMAND_MODULES[("notes", "check")]
    assert modules_for(["notes"]) == COMMAND_MODULES["notes"]
