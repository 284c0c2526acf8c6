"""assignment.toml validation, starter stripping and the release bundle."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from dlcourse.course import CourseError, load_course
from dlcourse.course.scaffold import init_course
from dlcourse.homework.assignment import load_assignment
from dlcourse.homework.release import release
from dlcourse.homework.starter import strip_notebook, strip_python


@pytest.fixture
def course_copy(tmp_path: Path):
    folder = init_course(tmp_path / "course")
    return load_course(folder)


def test_python_regions_are_cut_at_their_indentation():
    source = "def f(x):\n    # BEGIN SOLUTION\n    return x + 1\n    # END SOLUTION\n\nkept = 1\n"
    stripped, regions = strip_python(source, Path("f.py"))
    assert regions == 1 and "x + 1" not in stripped and "kept = 1" in stripped
    assert "    # YOUR CODE HERE\n    raise NotImplementedError\n" in stripped


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("# BEGIN SOLUTION\nx = 1\n", 1, "never closed"),
        ("x = 1\n# END SOLUTION\n", 2, "without a BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", 2, "inside the one at 1"),
    ],
)
def test_unbalanced_markers_name_file_and_line(source: str, line: int, message: str):
    with pytest.raises(CourseError) as caught:
        strip_python(source, Path("mlp.py"))
    issue = caught.value.issues[0]
    assert issue.line == line and message in issue.message and issue.file == Path("mlp.py")


def test_notebook_solution_cells_and_regions_are_cut():
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": ["x = 42\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "a = 1\n# BEGIN SOLUTION\nb = 2\n# END SOLUTION\n",
                "outputs": [1],
            },
            {"cell_type": "markdown", "metadata": {"tags": ["solution"]}, "source": "the answer"},
            {"cell_type": "markdown", "metadata": {}, "source": "question"},
        ]
    }
    text, regions = strip_notebook(json.dumps(notebook), Path("nb.ipynb"))
    cells = json.loads(text)["cells"]
    assert regions == 3
    assert "42" not in cells[0]["source"] and "NotImplementedError" in cells[0]["source"]
    assert "a = 1" in cells[1]["source"] and "b = 2" not in cells[1]["source"]
    assert cells[1]["outputs"] == [] and cells[2]["source"] == "YOUR ANSWER HERE"
    assert cells[3]["source"] == "question"


def test_example_assignment_takes_its_dates_from_course_toml(example_course_dir: Path):
    course = load_course(example_course_dir)
    assignment = load_assignment(course, "hw1")
    assert assignment.due.isoformat() == "2020-02-17T23:59:00-05:00"
    assert assignment.config.submit == ["mlp.py"] and assignment.test_files("hidden")


def test_bad_assignment_toml_names_file_line_and_key(course_copy):
    config = course_copy.root / "homework" / "hw1" / "assignment.toml"
    text = config.read_text().replace("cpu_seconds = 30", "cpu_seconds = 30\nram = 5")
    text = text.replace('submit = ["mlp.py"]', 'submit = ["../mlp.py"]\ndue = 2020-03-01T12:00:00')
    config.write_text(text)
    with pytest.raises(CourseError) as caught:
        load_assignment(course_copy, "hw1")
    messages = [str(issue) for issue in caught.value.issues]
    lines = config.read_text().splitlines()
    ram_line = next(i for i, line in enumerate(lines, 1) if line.startswith("ram"))
    submit_line = next(i for i, line in enumerate(lines, 1) if line.startswith("submit"))
    assert any(f"assignment.toml:{ram_line}: [limits.ram] unknown key" in m for m in messages)
    assert any(f"assignment.toml:{submit_line}: [submit" in m for m in messages), messages
    # the date check runs on a config that validates
    config.write_text(config.read_text().replace("ram = 5\n", "").replace("../mlp.py", "mlp.py"))
    with pytest.raises(CourseError) as caught:
        load_assignment(course_copy, "hw1")
    assert "disagrees with" in str(caught.value) and "course.toml:" in str(caught.value)


def test_unknown_assignment_lists_the_known_ones(course_copy):
    with pytest.raises(CourseError, match="assignments of this course: hw1"):
        load_assignment(course_copy, "hw9")
    with pytest.raises(CourseError, match="is not an assignment id"):
        load_assignment(course_copy, "../../homework/hw1")


def test_release_holds_starter_and_public_tests_only(course_copy, tmp_path: Path):
    assignment = load_assignment(course_copy, "hw1")
    bundle = release(assignment, course_copy, tmp_path / "out")
    names = set(zipfile.ZipFile(bundle.archive).namelist())
    assert names == {
        "hw1/README.md",
        "hw1/autograde.py",
        "hw1/hw1.ipynb",
        "hw1/mlp.py",
        "hw1/tests/test_mlp_public.py",
    }
    starter = (bundle.folder / "mlp.py").read_text()
    assert "grad_s1" not in starter and starter.count("raise NotImplementedError") == 3
    assert (
        "Mon 17 February" in (bundle.folder / "README.md").read_text()
        or "Monday 17 February" in (bundle.folder / "README.md").read_text()
    )
    notebook = (bundle.folder / "hw1.ipynb").read_text()
    assert "net.backward(grad)" not in notebook and "probability 0" not in notebook
    first = bundle.archive.read_bytes()
    assert release(assignment, course_copy, tmp_path / "out").archive.read_bytes() == first


def test_release_refuses_the_assignment_folder_and_a_solution_without_regions(course_copy):
    assignment = load_assignment(course_copy, "hw1")
    with pytest.raises(CourseError, match="inside the assignment folder"):
        release(assignment, course_copy, assignment.folder / "out")
    for path in assignment.solution_dir.iterdir():
        path.write_text(
            path.read_text()
            .replace("# BEGIN SOLUTION", "#")
            .replace("# END SOLUTION", "#")
            .replace('"solution"', '"x"')
        )
    with pytest.raises(CourseError, match="starter would be the solution"):
        release(assignment, course_copy, course_copy.root / "out")
    assert not (course_copy.root / "out").exists()
    shutil.rmtree(course_copy.root)
