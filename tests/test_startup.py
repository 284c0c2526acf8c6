"""The command line imports only what its command needs (issue 17): ``dlcourse --version``
imports no command module (not even Typer), and a command imports only the modules of its
group. The table that says which module registers which command must stay true."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dlcourse import __version__
from dlcourse.cli import ALL_MODULES, COMMAND_MODULES, build_app, modules_for

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


def _imported(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    errors, _, listing = done.stderr.rpartition("\nIMPORTED ")
    assert listing, errors
    return done.stdout, set(json.loads(listing))


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
    assert command_modules == {"dlcourse.cli.messages", "dlcourse.cli.notes_cmds"} | {
        "dlcourse.cli.scribe_cmds"
    }
    assert not [name for name in modules if name.startswith(("dlcourse.labs", "dlcourse.site"))]


@pytest.mark.parametrize("word", sorted(COMMAND_MODULES))
def test_each_first_word_is_registered_by_its_modules(word: str) -> None:
    assert word in _top_level_commands(COMMAND_MODULES[word])


def test_every_command_is_in_the_table() -> None:
    # a command missing from the table still works (an unknown word loads every module) but
    # makes every command line that names it pay for all the imports
    assert _top_level_commands(ALL_MODULES) == set(COMMAND_MODULES)


@pytest.mark.slow
def test_help_and_unknown_words_load_every_command() -> None:
    assert modules_for([]) == ALL_MODULES
    assert modules_for(["--help"]) == ALL_MODULES
    assert modules_for(["note", "check"]) == ALL_MODULES  # Typer's "No such command" lists all
    assert modules_for(["notes", "check", "x.md"]) == COMMAND_MODULES["notes"]
