"""course.toml as an attacker (or a tired instructor) writes it: each case is a located error
with exit code 2, found fast, and nothing is read from outside the course folder.

The attacks on cost (nesting, dotted keys, year 9999, a file over the limit) run in a fresh
process under a budget; those on meaning (dates and numbers out of range, paths out of the
course, the BOM, the import) run in process, which saves a CLI start-up each."""

from __future__ import annotations

import os

import pytest

from tests.security.budget import Budget, Outcome, dlcourse, in_process
from tests.security.conftest import SECRET, Sandbox, files_under

#: Validating a course takes about half a CPU-second (mostly imports); a regression that
#: recurses, expands centuries of weeks or parses quadratically blows far past this.
FAST = Budget(cpu_s=8, memory_mib=1024, wall_s=90)
COMMANDS = [("validate",), ("info",), ("build", "--no-search", "-q")]


def assert_located_error(outcome: Outcome, line: int) -> str:
    """Exit 2, no traceback, and an ``error: …course.toml:LINE: …`` line; returns the errors."""
    assert outcome.killed_for is None, outcome.describe()
    assert outcome.returncode == 2, outcome.describe()
    assert "Traceback" not in outcome.output, outcome.describe()
    errors = [row for row in outcome.stderr.splitlines() if row.startswith("error:")]
    assert any(f"course.toml:{line}:" in row for row in errors), outcome.describe()
    return "\n".join(errors)


def line_of(sandbox: Sandbox, needle: str) -> int:
    text = sandbox.config.read_text(encoding="utf-8-sig")
    for number, row in enumerate(text.splitlines(), start=1):
        if needle in row:
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.slow
def test_brackets_nested_5000_deep_are_a_located_error(sandbox: Sandbox, command) -> None:
    # tomllib recurses once per '[': 5,000 of them ended in a RecursionError traceback
    sandbox.edit_config("schema = 1", "schema = 1\nx = " + "[" * 5000 + "]" * 5000)
    outcome = dlcourse(*command, cwd=sandbox.course, budget=FAST)
    errors = assert_located_error(outcome, line_of(sandbox, "x = [[["))
    assert "nested more than 32 deep" in errors
    assert not (sandbox.course / "_site").exists()


@pytest.mark.slow
def test_inline_tables_nested_deep_are_a_located_error(sandbox: Sandbox) -> None:
    sandbox.edit_config("schema = 1", "schema = 1\ny = " + "{a = " * 3000 + "1" + "}" * 3000)
    outcome = dlcourse("validate", cwd=sandbox.course, budget=FAST)
    assert "nested more than 32 deep" in assert_located_error(outcome, line_of(sandbox, "y = {"))


@pytest.mark.slow
def test_a_dotted_key_of_20000_parts_is_refused_before_tomllib_spends_minutes(
    sandbox: Sandbox,
) -> None:
    # tomllib's time grows with the square of a key's parts: 20,000 parts took 27 s
    sandbox.edit_config("schema = 1", "schema = 1\n" + ".".join(["a"] * 20_000) + " = 1")
    outcome = dlcourse("validate", cwd=sandbox.course, budget=FAST)
    errors = assert_located_error(outcome, line_of(sandbox, "a.a.a"))
    assert "dotted key of more than 16 parts" in errors


@pytest.mark.slow
def test_brackets_and_dots_inside_strings_and_comments_are_not_counted(sandbox: Sandbox) -> None:
    text = sandbox.config.read_text(encoding="utf-8")
    sandbox.config.write_text(
        text.replace(
            'code = "DS-GA 1008"',
            'code = "DS-GA 1008 ' + "[{" * 40 + "." * 40 + '"  # ' + "[" * 40 + "." * 40,
            1,
        ),
        encoding="utf-8",
    )
    outcome = dlcourse("validate", cwd=sandbox.course, budget=FAST)
    assert outcome.returncode == 0, outcome.describe()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.slow
def test_a_term_ending_in_year_9999_is_a_located_error_at_once(sandbox: Sandbox, command) -> None:
    # was: 40 s expanding the weekly pattern to year 9999, then OverflowError
    text = sandbox.config.read_text(encoding="utf-8")
    start = line_of(sandbox, "term_end = ")
    old = text.splitlines()[start - 1]
    sandbox.edit_config(old, "term_end = 9999-12-31")
    outcome = dlcourse(*command, cwd=sandbox.course, budget=Budget(cpu_s=3, wall_s=60))
    errors = assert_located_error(outcome, start)
    assert "[schedule.term_end] 9999-12-31 is outside the years 1900–2999" in errors


@pytest.mark.slow
def test_a_term_longer_than_400_days_is_a_located_error(sandbox: Sandbox) -> None:
    line = line_of(sandbox, "term_end = ")
    old = sandbox.config.read_text(encoding="utf-8").splitlines()[line - 1]
    sandbox.edit_config(old, "term_end = 2999-12-31")
    outcome = in_process("validate", cwd=sandbox.course)
    assert "longer than 400" in assert_located_error(outcome, line)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("due_after_days = ", "due_after_days = 10000000"),
        ("writers_per_group = ", "writers_per_group = 100000000"),
        ("date = 2020-02-17", "date = 9999-12-31"),
        ("due = 2020-", "due = 9999-12-31T23:59:59"),
    ],
)
@pytest.mark.slow
def test_extreme_numbers_and_dates_elsewhere_are_located_errors(
    sandbox: Sandbox, key: str, value: str
) -> None:
    line = line_of(sandbox, key)
    old = sandbox.config.read_text(encoding="utf-8").splitlines()[line - 1]
    sandbox.edit_config(old, value)
    outcome = in_process("calendar", "-o", "x.ics", cwd=sandbox.course)
    assert_located_error(outcome, line)
    assert not (sandbox.course / "x.ics").exists()


@pytest.mark.slow
def test_a_byte_order_mark_is_accepted(sandbox: Sandbox) -> None:
    # Windows editors save one; tomllib read it as "Invalid statement" at line 1
    sandbox.config.write_bytes(b"\xef\xbb\xbf" + sandbox.config.read_bytes())
    outcome = in_process("validate", cwd=sandbox.course)
    assert outcome.returncode == 0, outcome.describe()


@pytest.mark.slow
def test_a_course_file_over_a_mebibyte_is_refused_unread(sandbox: Sandbox) -> None:
    with sandbox.config.open("a", encoding="utf-8") as stream:
        stream.write(("# " + "x" * 98 + "\n") * 11_000)
    outcome = dlcourse("validate", cwd=sandbox.course, budget=FAST)
    assert outcome.returncode == 2, outcome.describe()
    assert "over the limit of 1,048,576" in outcome.stderr


def _home_page_attacks(sandbox: Sandbox) -> list[str]:
    relative = os.path.relpath(sandbox.secret, sandbox.course)
    return [str(sandbox.secret), relative, "/etc/passwd", "../../../../etc/passwd", "a\\..\\b"]


@pytest.mark.parametrize("attack", range(5))
@pytest.mark.slow
def test_home_page_outside_the_course_is_a_located_error_and_never_rendered(
    sandbox: Sandbox, attack: int
) -> None:
    value = _home_page_attacks(sandbox)[attack]
    line = line_of(sandbox, "home_page = ")
    sandbox.edit_config('home_page = "home.md"', f"home_page = {value!r}")
    outcome = in_process("build", "--no-search", "-q", cwd=sandbox.course)
    errors = assert_located_error(outcome, line)
    assert "[course.home_page]" in errors
    assert SECRET not in outcome.output
    assert not (sandbox.course / "_site").exists()


@pytest.mark.parametrize(
    ("key", "link"),
    [("course.home_page", "home.md"), ("notes.docs_dir", "docs")],
)
@pytest.mark.slow
def test_a_course_path_that_is_a_link_leaving_the_course_is_a_located_error(
    sandbox: Sandbox, key: str, link: str
) -> None:
    target = sandbox.course / link
    if target.is_dir():  # the notes folder replaced by a link to a folder outside the course
        elsewhere = sandbox.root / "outside" / "docs"
        elsewhere.mkdir()
        (elsewhere / "secret.md").write_text(f"# {SECRET}\n", encoding="utf-8")
        target.rename(sandbox.root / "moved-docs")
    else:
        elsewhere = sandbox.secret
        target.unlink()
    target.symlink_to(elsewhere)
    line = line_of(sandbox, f"{key.split('.')[1]} = ")
    outcome = in_process("build", "--no-search", "-q", cwd=sandbox.course)
    errors = assert_located_error(outcome, line)
    assert f"[{key}] {link!r} leads outside the course folder" in errors
    assert SECRET not in outcome.output
    assert not any(SECRET.encode() in data for data in files_under(sandbox.course).values())


def _jekyll_note(week: int, part: int, date: str) -> str:
    return (
        f"---\nlang-ref: ch.{week:02d}-{part}\ntitle: Week {week} part {part}\n"
        f"lecturer: Yann LeCun\nauthors: A\ndate: {date}\n---\n\n## Text\n\nWords.\n"
    )


@pytest.mark.slow
def test_the_jekyll_import_never_writes_a_date_of_year_9999(tmp_path) -> None:
    # one note's date typo (9999 for 2020) made the import write term_end = 9999-12-31
    docs = tmp_path / "docs"
    (docs / "en" / "week01").mkdir(parents=True)
    (docs / "en" / "week02").mkdir(parents=True)
    (docs / "_config.yml").write_text("title: Mini\ndefault_lang: en\n", encoding="utf-8")
    (docs / "en" / "week01" / "01-1.md").write_text(_jekyll_note(1, 1, "27 Jan 2020"))
    (docs / "en" / "week02" / "02-1.md").write_text(_jekyll_note(2, 1, "3 Feb 2020"))
    (docs / "en" / "week02" / "02-2.md").write_text(_jekyll_note(2, 2, "31 Dec 9999"))
    outcome = in_process("import", "jekyll", "docs", cwd=tmp_path)
    assert outcome.returncode == 0, outcome.describe()
    assert "ignored the date 9999-12-31 of week 2 part 2" in outcome.output
    written = (docs / "course.toml").read_text(encoding="utf-8")
    assert "term_start = 2020-01-27" in written and "term_end = 2020-02-09" in written
    assert "9999" not in written
    validated = in_process("validate", "--course", "docs", cwd=tmp_path)
    assert validated.returncode == 0, validated.describe()
