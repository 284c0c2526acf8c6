"""A pull request can add symbolic links, YAML front matter and cache files. A link that leaves
the course is never followed (nothing it points to reaches the site), a YAML alias bomb is a
finding in bounded time, and cache files the pull request planted never run code.

The fixes are the course layout's (one folder walker, one safe front-matter reader) and the
site builder's (caches as JSON and SQLite); these tests attack them end to end, through the CLI.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from tests.security.budget import Budget, Outcome, dlcourse, in_process
from tests.security.conftest import SECRET, Sandbox, files_under

SMALL = Budget(cpu_s=20, memory_mib=1536, wall_s=180)
FRONT = (
    "---\nlang-ref: ch.{slot}\ntitle: Links\nlecturer: Yann LeCun\nauthors: Eve\n"
    "date: {date}\n---\n\n"
)


def build(sandbox: Sandbox) -> Outcome:
    return dlcourse("build", "--no-search", "-q", cwd=sandbox.course, budget=SMALL)


def check(sandbox: Sandbox, *paths: str) -> Outcome:
    return dlcourse("notes", "check", *paths, cwd=sandbox.course, budget=SMALL)


def assert_no_leak(sandbox: Sandbox, outcome: Outcome) -> None:
    assert outcome.killed_for is None, outcome.describe()
    assert "Traceback" not in outcome.output, outcome.describe()
    assert SECRET not in outcome.output, outcome.describe()
    leaked = [name for name, data in files_under(sandbox.course).items() if SECRET.encode() in data]
    assert leaked == [], f"the secret reached {leaked}"


def note(sandbox: Sandbox, rel: str, body: str, slot: str = "02-1", date: str = "3 Feb 2020"):
    path = sandbox.course / "docs" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT.format(slot=slot, date=date) + body, encoding="utf-8")
    return path


@pytest.mark.slow
def test_an_image_that_links_out_of_the_course_is_never_copied(sandbox: Sandbox) -> None:
    images = sandbox.course / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    (images / "passwd.png").symlink_to(sandbox.secret)
    note(sandbox, "en/week02/02-1.md", "## Figure\n\n![the figure](../../images/passwd.png)\n")
    outcome = build(sandbox)
    assert outcome.returncode == 0, outcome.describe()
    assert_no_leak(sandbox, outcome)
    assert not list((sandbox.course / "_site").rglob("passwd.png"))
    said = outcome.stdout + outcome.stderr
    assert "docs/images/passwd.png" in said and "leads out of the course folder" in said, said


@pytest.mark.slow
def test_a_folder_that_links_out_of_the_course_is_never_walked(sandbox: Sandbox) -> None:
    secrets = sandbox.root / "outside" / "secrets"
    secrets.mkdir()
    (secrets / "02-1.md").write_text(FRONT.format(slot="02-1", date="3 Feb 2020") + SECRET)
    (secrets / "key.png").write_text(SECRET)
    (sandbox.course / "docs" / "en" / "week05").mkdir(parents=True, exist_ok=True)
    (sandbox.course / "docs" / "en" / "week05" / "private").symlink_to(secrets)
    (sandbox.course / "docs" / "en" / "week10").symlink_to(secrets)
    for outcome in (build(sandbox), check(sandbox)):
        assert outcome.returncode in (0, 1), outcome.describe()
        assert_no_leak(sandbox, outcome)


@pytest.mark.slow
def test_a_note_that_links_out_of_the_course_is_never_rendered(sandbox: Sandbox) -> None:
    path = sandbox.course / "docs" / "en" / "week02" / "02-6.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(sandbox.secret)
    (path.parent / "02-7.md").symlink_to("02-8.md")  # a loop of links: was a RuntimeError
    (path.parent / "02-8.md").symlink_to("02-7.md")  # traceback in build and check
    for outcome in (build(sandbox), check(sandbox)):
        assert outcome.returncode in (0, 1), outcome.describe()
        assert_no_leak(sandbox, outcome)
    assert not (sandbox.course / "_site" / "en" / "week02" / "02-6").exists()
    built = build(sandbox)  # up to date now: the warning stays
    assert "docs/en/week02/02-6.md" in built.stdout + built.stderr, built.describe()


def _plant_links(sandbox: Sandbox) -> dict[str, str]:
    """Links a pull request could add under the notes: the finding's path → what it says of
    the link. A FIFO outside stands for a target nothing may read: opening it blocks."""
    outside = sandbox.root / "outside"
    secrets = outside / "secrets"
    secrets.mkdir()
    (secrets / "02-1.md").write_text(FRONT.format(slot="02-1", date="3 Feb 2020") + SECRET)
    fifo = outside / "fifo"
    os.mkfifo(fifo)
    docs = sandbox.course / "docs"
    week02 = docs / "en" / "week02"
    week02.mkdir(parents=True, exist_ok=True)
    (week02 / "02-6.md").symlink_to("/etc/passwd")
    (week02 / "02-7.md").symlink_to(fifo)
    (week02 / "gone.png").symlink_to(outside / "no-such-file.png")  # dangling, outside
    (week02 / "nothing.png").symlink_to("missing.png")  # dangling, inside
    (week02 / "loop-a.md").symlink_to("loop-b.md")
    (week02 / "loop-b.md").symlink_to("loop-a.md")
    (docs / "en" / "week10").symlink_to(secrets)
    image = next(docs.glob("images/week0*/*/*.png"))
    (week02 / "inside.png").symlink_to(os.path.relpath(image, week02))  # inside: fine
    return {
        "docs/en/week02/02-6.md": "symbolic link to '/etc/passwd' leads out of the course folder",
        "docs/en/week02/02-7.md": f"symbolic link to '{fifo}' leads out of the course folder",
        "docs/en/week02/gone.png": "leads out of the course folder",
        "docs/en/week02/loop-a.md": "is a loop of links",
        "docs/en/week02/loop-b.md": "is a loop of links",
        "docs/en/week02/nothing.png": "symbolic link to 'missing.png' leads to nothing",
        "docs/en/week10": f"symbolic link to '{secrets}' leads out of the course folder",
    }


@pytest.mark.slow
def test_notes_check_reports_each_link_it_does_not_follow(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _plant_links(sandbox)
    # a fresh process under a wall-clock limit: opening the FIFO would block until killed
    checked = check(sandbox)
    assert checked.returncode == 1 and checked.killed_for is None, checked.describe()
    assert_no_leak(sandbox, checked)
    found = [line for line in checked.stdout.splitlines() if " LINK002 " in line]
    assert [line.split(":", 1)[0] for line in found] == sorted(expected), checked.stdout
    for line in found:
        path, rest = line.split(":", 1)
        assert rest.startswith("1:1  error  LINK002  ") and expected[path] in rest, line
    # the other formats, in process (what they prove is the report, not the process)
    (sandbox.course / "docs" / "en" / "week02" / "02-7.md").unlink()
    del expected["docs/en/week02/02-7.md"]
    monkeypatch.chdir(sandbox.course)
    runner = CliRunner()
    as_json = runner.invoke(app, ["notes", "check", "--format", "json"])
    findings = [f for f in json.loads(as_json.stdout)["findings"] if f["rule"] == "LINK002"]
    assert [(f["path"], f["line"], f["severity"]) for f in findings] == [
        (path, 1, "error") for path in sorted(expected)
    ], as_json.output
    sarif = json.loads(runner.invoke(app, ["notes", "check", "--format", "sarif"]).stdout)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LINK002"]
    assert sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results
    ) == sorted(expected)
    assert {r["level"] for r in results} == {"error"}
    github = runner.invoke(app, ["notes", "check", "--format", "github"]).stdout
    for path in expected:
        assert f"::error file={path},line=1,col=1,title=LINK002 symlink-outside-course::" in github
    assert SECRET not in as_json.output + github + json.dumps(sarif)


@pytest.mark.slow
def test_a_linked_note_named_on_the_command_line_is_never_read(sandbox: Sandbox) -> None:
    # a CI step that checks the files a pull request changed names the links themselves
    leak = sandbox.root / "outside" / "leak.md"
    leak.write_text(FRONT.format(slot="02-6", date="3 Feb 2020") + f"$\\frac{{{SECRET}$\n")
    week02 = sandbox.course / "docs" / "en" / "week02"
    week02.mkdir(parents=True, exist_ok=True)
    (week02 / "02-6.md").symlink_to(leak)
    os.mkfifo(leak.parent / "fifo")  # opening it would block: the wall-clock limit would fire
    (week02 / "02-7.md").symlink_to(leak.parent / "fifo")
    (sandbox.course / "docs" / "en" / "week11").symlink_to(leak.parent)
    named = ["docs/en/week02/02-6.md", "docs/en/week02/02-7.md", "docs/en/week11/leak.md"]
    checked = check(sandbox, *named, "docs/en/week11")
    assert checked.returncode == 1 and checked.killed_for is None, checked.describe()
    assert_no_leak(sandbox, checked)
    found = [line.split("  ")[0] for line in checked.stdout.splitlines() if " LINK002 " in line]
    assert found == [
        "docs/en/week02/02-6.md:1:1",
        "docs/en/week02/02-7.md:1:1",
        "docs/en/week11:1:1",
        "docs/en/week11/leak.md:1:1",
    ], checked.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.slow
def test_links_a_pull_request_adds_are_reported_by_changed_since(sandbox: Sandbox) -> None:
    # CI checks what the pull request changed: git names the links themselves
    _git(sandbox.course, "init", "-q")
    _git(sandbox.course, "add", "-A")
    _git(sandbox.course, "commit", "-q", "-m", "the course")
    week02 = sandbox.course / "docs" / "en" / "week02"
    (week02 / "02-6.md").symlink_to(sandbox.secret)
    (week02 / "loop-a.md").symlink_to("loop-b.md")  # resolve() raised RuntimeError here
    (week02 / "loop-b.md").symlink_to("loop-a.md")
    checked = in_process("notes", "check", "--changed-since", "HEAD", cwd=sandbox.course)
    assert checked.returncode == 1, checked.describe()
    assert "Traceback" not in checked.output and SECRET not in checked.output
    found = [line.split("  ")[0] for line in checked.stdout.splitlines() if " LINK002 " in line]
    assert found == [
        "docs/en/week02/02-6.md:1:1",
        "docs/en/week02/loop-a.md:1:1",
        "docs/en/week02/loop-b.md:1:1",
    ], checked.stdout


ALIAS_BOMB = """---
lang-ref: ch.02-1
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: Billion laughs
---

Text.
"""


@pytest.mark.slow
def test_a_yaml_alias_bomb_is_a_finding_in_bounded_time(sandbox: Sandbox) -> None:
    # 419 bytes that kept the check busy for over 120 s: anchors and aliases are refused
    path = sandbox.course / "docs" / "en" / "week02" / "02-1.md"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    checked = check(sandbox, "docs/en/week02/02-1.md")
    assert checked.killed_for is None and checked.returncode == 1, checked.describe()
    assert "FM001" in checked.stdout and "YAML anchor" in checked.stdout, checked.describe()
    built = build(sandbox)  # the build reads the same front matter: done within its budget
    assert built.killed_for is None and built.returncode == 0, built.describe()
    assert "Traceback" not in checked.output + built.output


class _Payload:
    """Unpickling this runs ``os.system``: what a planted pickle cache would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.slow
def test_a_planted_pickle_in_the_site_cache_runs_nothing(sandbox: Sandbox) -> None:
    marker = sandbox.root / "outside" / "pwned"
    cache = sandbox.course / ".dlcourse-cache" / "site"
    cache.mkdir(parents=True)
    for name in ("maths.pickle", "bodies.pickle", "manifest.json", "site-cache.sqlite"):
        (cache / name).write_bytes(pickle.dumps(_Payload(marker)))
    outcome = build(sandbox)
    assert outcome.returncode == 0, outcome.describe()
    assert not marker.exists()


@pytest.mark.slow
def test_a_planted_pickle_in_the_notes_check_cache_runs_nothing(sandbox: Sandbox) -> None:
    marker = sandbox.root / "outside" / "pwned"
    first = check(sandbox)  # learn the cache file's name (keyed to the configuration)
    assert first.returncode in (0, 1), first.describe()
    planted = sorted((sandbox.course / ".dlcourse-cache").rglob("*.pickle"))
    assert planted, "no notes cache file found"
    for path in planted:
        path.write_bytes(pickle.dumps(_Payload(marker)))
    again = check(sandbox)
    assert not marker.exists()
    assert again.returncode == first.returncode and again.stdout == first.stdout, again.describe()


def _git(course: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Eve", "-c", "user.email=eve@nyu.edu", *args],
        cwd=course, check=True, capture_output=True,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.slow
def test_a_committed_notes_cache_cannot_hide_findings(sandbox: Sandbox) -> None:
    # the pull request's note has errors; its cache entry (right digest, no findings) is
    # committed with it, as a pull request can: CI must still report the errors
    rel = "docs/en/week02/02-1.md"
    note(sandbox, "en/week02/02-1.md", "## Heading without a time stamp\n\n$\\frac{1}{$\n")
    first = in_process("notes", "check", rel, cwd=sandbox.course)  # what it reports: no cost
    assert first.returncode == 1 and "error" in first.stdout, first.describe()
    (cache_file,) = (sandbox.course / ".dlcourse-cache" / "notes-check").glob("*.pickle")
    data = pickle.loads(cache_file.read_bytes())  # the test's own file: trusted here
    for entry in data["entries"].values():
        entry.findings = []
    cache_file.write_bytes(pickle.dumps(data))
    _git(sandbox.course, "init", "-q")
    _git(sandbox.course, "add", "-A")
    _git(sandbox.course, "add", "-f", ".dlcourse-cache")
    _git(sandbox.course, "commit", "-q", "-m", "a note and its cache")
    again = in_process("notes", "check", rel, cwd=sandbox.course)
    assert again.returncode == 1 and again.stdout == first.stdout, again.describe()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.slow
def test_a_planted_site_cache_cannot_put_a_script_on_a_page(sandbox: Sandbox) -> None:
    assert build(sandbox).returncode == 0
    store = sandbox.course / ".dlcourse-cache" / "site" / "site-cache.sqlite"
    with sqlite3.connect(store) as db:
        bodies = list(db.execute("SELECT key, body FROM bodies"))
        assert bodies
        for key, body in bodies:
            poisoned = body.replace('"html": "', '"html": "<script>alert(1)</script>', 1)
            db.execute("UPDATE bodies SET body = ? WHERE key = ?", (poisoned, key))
    _git(sandbox.course, "init", "-q")  # committed with the pull request
    _git(sandbox.course, "add", "-f", ".dlcourse-cache")
    _git(sandbox.course, "commit", "-q", "-m", "a cache")
    shutil.rmtree(sandbox.course / "_site")  # a fresh output, as in CI, from the planted cache
    assert build(sandbox).returncode == 0
    pages = [p.read_text(encoding="utf-8") for p in (sandbox.course / "_site").rglob("*.html")]
    assert pages and not any("<script>alert(1)</script>" in page for page in pages)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_init_makes_git_ignore_the_caches_and_the_site(sandbox: Sandbox) -> None:
    # a cache or a site committed by accident is what a pull request could plant on purpose
    _git(sandbox.course, "init", "-q")
    paths = [".dlcourse-cache/site/site-cache.sqlite", ".dlcourse-cache/notes-check/x", "_site/a"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths],
        cwd=sandbox.course, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ignored.stdout.split() == paths, ignored


def test_a_path_out_of_the_course_reads_the_same_whether_it_exists_or_not(
    sandbox: Sandbox,
) -> None:
    # a pull request's note must not learn what is on the checking machine: which files exist
    # out of the course, nor their names' letter case (a case hint once named the real file)
    up = "../" * (len(sandbox.course.parts) + 2)  # from docs/en/week02 past the file system root
    targets = (sandbox.secret, sandbox.secret.with_name("SECRET.TXT"), sandbox.root / "no" / "x")
    body = ""
    for n, target in enumerate(targets):
        href = up + str(target).lstrip("/")
        body += f"![plot {n}]({href})\n\n[data {n}]({href})\n\n"
    body += "[next week](../../../../outside/02-1.md)\n"
    note(sandbox, "en/week02/02-1.md", body)
    checked = in_process(
        "notes", "check", "docs/en/week02/02-1.md", "-f", "json", cwd=sandbox.course
    )
    assert checked.returncode == 1, checked.describe()
    findings = json.loads(checked.stdout)["findings"]
    about_paths = [f for f in findings if f["rule"] in ("FIG001", "LINK001", "ED004")]
    assert len(about_paths) == 7, findings
    for finding in about_paths:
        assert finding["message"].endswith("leads out of the course folder"), finding
        assert "secret.txt" not in finding["hint"] and SECRET not in finding["message"], finding
    assert not [f for f in findings if f["rule"] == "ED003"], findings  # nothing was hashed
