"""Names joined to a folder and then written or removed: an assignment id, a file of a bundle, a
NetID. None of them, however it is spelled (``..``, an absolute path, a NUL, a link), may steer
a removal or a write out of the output folder; each is a clear error, exit code 2, and nothing
changes anywhere.

These run the Typer app in process (``CliRunner``) from inside the course folder: what they
prove is what the command does to the file system, not how a process starts, and the sandbox
is snapshotted whole before and after.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from tests.security.conftest import Sandbox, files_under


def snapshot(root: Path) -> dict[str, object]:
    """Every file's bytes and every link's text under ``root``: what must not change."""
    found: dict[str, object] = dict(files_under(root))
    for path in root.rglob("*"):
        if path.is_symlink():
            found[path.relative_to(root).as_posix()] = ("link", str(path.readlink()))
        elif path.is_dir():
            found.setdefault(path.relative_to(root).as_posix() + "/", "folder")
    return found


def run(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, *args: str, cwd: Path | None = None):
    monkeypatch.chdir(cwd or sandbox.course)
    monkeypatch.setenv("HOME", str(sandbox.home))
    return CliRunner().invoke(app, list(args))


def refused(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


# -- hw release: removes OUT/ID, writes OUT/ID and OUT/ID.zip ---------------------------------
def test_release_run_from_the_homework_folder_deletes_nothing(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the default --out is the current folder: from homework/, OUT/hw1 IS the assignment, and
    # the release deleted its solution and hidden tests to put the student bundle there
    before = snapshot(sandbox.root)
    homework = sandbox.course / "homework"
    said = refused(run(sandbox, monkeypatch, "hw", "release", "hw1", cwd=homework))
    assert "is not a bundle 'dlcourse hw release' wrote" in said and "--out" in said
    assert snapshot(sandbox.root) == before


@pytest.mark.parametrize(
    "assignment_id",
    ["../../outside", "/tmp", "..", ".", "hw1/../../..", "hw1/tests", "hw1\0", "hw1\n"],
)
def test_an_assignment_id_is_never_a_path(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, assignment_id: str
) -> None:
    before = snapshot(sandbox.root)
    out = sandbox.root / "releases"
    said = refused(run(sandbox, monkeypatch, "hw", "release", assignment_id, "--out", str(out)))
    assert "is not an assignment id" in said, said
    assert snapshot(sandbox.root) == before


@pytest.mark.slow
def test_a_release_folder_that_is_a_link_or_not_a_release_is_left_alone(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = sandbox.root / "releases"
    out.mkdir()
    victim = sandbox.root / "outside"
    (out / "hw1").symlink_to(victim)  # OUT/ID a link to a folder elsewhere
    before = snapshot(sandbox.root)
    said = refused(run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out)))
    assert "is a symbolic link" in said
    assert snapshot(sandbox.root) == before
    (out / "hw1").unlink()
    (out / "hw1").mkdir()  # a folder of the user's, not a bundle
    (out / "hw1" / "notes.txt").write_text("mine\n")
    before = snapshot(sandbox.root)
    assert "is not a bundle" in refused(
        run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out))
    )
    assert snapshot(sandbox.root) == before
    (out / "hw1" / "notes.txt").unlink()
    (out / "hw1.zip").mkdir()  # the zip's name taken by a folder
    before = snapshot(sandbox.root)
    assert "is a folder" in refused(
        run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out))
    )
    assert snapshot(sandbox.root) == before
    (out / "hw1.zip").rmdir()
    # an earlier release is what a release replaces, and nothing beside it changes
    for _ in range(2):
        done = run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out))
        assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["hw1", "hw1.zip"]
    assert (out / "hw1" / ".dlcourse-release").is_file()


@pytest.mark.slow
def test_a_bundle_file_that_links_out_of_its_folder_is_refused(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # solution/helper.py → the hidden tests: the release would hand them to every student
    assignment = sandbox.course / "homework" / "hw1"
    (hidden,) = sorted((assignment / "tests" / "hidden").glob("test_*.py"))[:1]
    (assignment / "solution" / "helper.py").symlink_to(hidden)
    (assignment / "tests" / "public" / "test_secret.py").symlink_to(sandbox.secret)
    before = snapshot(sandbox.root)
    out = sandbox.root / "releases"
    said = refused(run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out)))
    assert "is a symbolic link out of" in said
    assert snapshot(sandbox.root) == before
    (assignment / "solution" / "helper.py").unlink()
    before = snapshot(sandbox.root)
    said = refused(run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", str(out)))
    assert "test_secret.py" in said and "public/" in said
    assert snapshot(sandbox.root) == before


@pytest.mark.parametrize("name", ["a\\u0000b.py", "../x.py", "/etc/x.py", "..", "a\\nb.py"])
def test_a_submitted_file_name_is_a_plain_name(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # the names a student hands in: grading writes each into the student's folder
    config = sandbox.course / "homework" / "hw1" / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    head, _, rest = text.partition("submit = [")
    config.write_text(f'{head}submit = ["{name}", {rest}', encoding="utf-8")
    said = refused(run(sandbox, monkeypatch, "hw", "release", "hw1", "--out", "releases"))
    assert "assignment.toml:" in said and "is not a plain file name" in said, said
    assert not (sandbox.course / "releases").exists()


# -- NetIDs: grading writes graded/ID/.inbox/NETID/ and graded/ID/NETID/ -----------------------
@pytest.fixture
def term(sandbox: Sandbox):
    pytest.importorskip("sqlalchemy")
    from dlcourse.course import load_course
    from dlcourse.grades import open_gradebook
    from dlcourse.homework.assignment import load_assignment
    from dlcourse.homework.submissions import ContentStore, submit

    course = load_course(sandbox.course)
    url = f"sqlite:///{sandbox.root / 'gradebook.sqlite'}"
    book = open_gradebook(course, url, actor="ta", create=True)
    assignment = load_assignment(course, "hw1")
    book.add_person("ab123", "Student ab123")
    solution = (assignment.solution_dir / "mlp.py").read_bytes()
    before_due = assignment.due.astimezone(dt.UTC) - dt.timedelta(seconds=1)
    store = ContentStore.for_course(course)
    submit(book, store, assignment, solution, "mlp.py", "ab123", now=before_due)
    return book, url


@pytest.mark.slow
@pytest.mark.parametrize("netid", ["../../escaped", "/abs/escaped", "..", "a\\b"])
def test_a_netid_never_names_a_folder_out_of_the_grading_folder(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, term, netid: str
) -> None:
    from dlcourse.grades.imports import ImportProblem, import_roster

    book, url = term
    roster = sandbox.root / "roster.csv"
    roster.write_text(f"netid,name\nab123,Student ab123\n{netid},Eve\n", encoding="utf-8")
    with pytest.raises(ImportProblem, match="is not a plain name"):
        import_roster(book, roster)
    with pytest.raises(Exception, match="is not a plain name"):
        book.add_person(netid, "Eve")
    with pytest.raises(Exception, match="is not a plain name"):
        book.add_person(".hidden", "Eve")  # a folder name, but one ls and glob('*') skip
    book.close()
    # a gradebook edited by hand (or filled before the check) still cannot steer a write
    with sqlite3.connect(sandbox.root / "gradebook.sqlite") as db:
        db.execute("UPDATE people SET netid = ? WHERE netid = 'ab123'", (netid,))
    before = snapshot(sandbox.root)
    said = refused(run(sandbox, monkeypatch, "hw", "grade", "hw1", "--db", url))
    assert "cannot name a folder" in said, said
    after = snapshot(sandbox.root)
    assert {name for name in after if name not in before} <= {"work/course/graded/"}
    assert not any(name.startswith("work/course/graded/hw1/") for name in after)
