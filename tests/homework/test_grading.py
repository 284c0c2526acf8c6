"""Grading: results.json, idempotent re-grading, parallel runs, submitit, feedback, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.course.scaffold import init_course
from dlcourse.homework.assignment import load_assignment
from dlcourse.homework.grading import grade_all, grade_on_slurm
from dlcourse.homework.results import feedback_html, visible_tests
from dlcourse.homework.sandbox import _gpu_args, cuda_name, gpu_devices, run_settings

runner = CliRunner()

ASSIGNMENT = """title = "Adding"
release = 2020-02-03T17:00:00
due = 2020-02-10T23:59:00
submit = ["mod.py"]
points = 10

[limits]
cpu_seconds = 5
test_wall_seconds = 10
wall_seconds = 60
"""
SOLUTION = "def add(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION\n"
PUBLIC = "from mod import add\n\n\ndef test_small():\n    assert add(1, 2) == 3\n"
HIDDEN = (
    "from autograde import weight\nfrom mod import add\n\n\n@weight(3)\ndef test_big():\n"
    "    print('checking big numbers')\n    assert add(10**20, 1) == 10**20 + 1\n"
)


@pytest.fixture
def course(tmp_path: Path):
    folder = init_course(tmp_path / "course")
    hw = folder / "homework" / "add"
    (hw / "solution").mkdir(parents=True)
    (hw / "tests" / "public").mkdir(parents=True)
    (hw / "tests" / "hidden").mkdir(parents=True)
    (hw / "assignment.toml").write_text(ASSIGNMENT)
    (hw / "solution" / "mod.py").write_text(SOLUTION)
    (hw / "tests" / "public" / "test_public.py").write_text(PUBLIC)
    (hw / "tests" / "hidden" / "test_hidden.py").write_text(HIDDEN)
    return load_course(folder)


def make_submissions(root: Path, answers: dict[str, str]) -> Path:
    for student, body in answers.items():
        (root / student).mkdir(parents=True)
        (root / student / "mod.py").write_text(f"def add(a, b):\n    return {body}\n")
    return root


@pytest.mark.slow
def test_grade_all_scores_skips_unchanged_and_regrades_changed(course, tmp_path, sandbox_ready):
    assignment = load_assignment(course, "add")
    subs = make_submissions(
        tmp_path / "subs", {"ab123": "a + b", "cd456": "a + b if a < 5 else 0", "ef789": "0"}
    )
    folders = {p.name: p for p in sorted(subs.iterdir())}
    out = tmp_path / "graded"
    first = {o.student: o for o in grade_all(assignment, folders, out, jobs=2)}
    assert {s: o.score for s, o in first.items()} == {"ab123": 10.0, "cd456": 2.5, "ef789": 0.0}
    assert not any(o.skipped for o in first.values())
    results = json.loads((out / "cd456" / "results.json").read_text())
    assert {t["name"]: t["status"] for t in results["tests"]} == {
        "public/test_public.py::test_small": "passed",
        "hidden/test_hidden.py::test_big": "failed",
    }
    assert results["tests"][1]["visibility"] == "after_due_date"
    assert json.loads((out / "cd456" / "meta.json").read_text())["status"] == "OK"
    (subs / "ef789" / "mod.py").write_text("def add(a, b):\n    return a + b\n")
    again = {o.student: o for o in grade_all(assignment, folders, out, jobs=2)}
    assert again["ab123"].skipped and again["cd456"].skipped and not again["ef789"].skipped
    assert again["ef789"].score == 10.0
    (out / "ab123" / "results.json").write_text("{damaged")  # key unchanged, results not
    mended = {o.student: o for o in grade_all(assignment, folders, out)}
    assert not mended["ab123"].skipped and mended["ab123"].score == 10.0 and mended["cd456"].skipped
    hidden = assignment.hidden_tests_dir / "test_hidden.py"
    hidden.write_text(hidden.read_text().replace("@weight(3)", "@weight(1)"))
    third = grade_all(load_assignment(course, "add"), folders, out, jobs=2)
    assert not any(o.skipped for o in third)  # the tests changed: everyone again
    assert {o.student: o.score for o in third}["cd456"] == 5.0


@pytest.mark.slow
def test_submitit_local_executor_runs_the_same_grading(course, tmp_path, sandbox_ready):
    submitit = pytest.importorskip("submitit")
    assignment = load_assignment(course, "add")
    subs = make_submissions(tmp_path / "subs", {"ab123": "a + b", "ef789": "0"})
    executor = submitit.LocalExecutor(folder=str(tmp_path / "logs"))
    executor.update_parameters(timeout_min=5)
    outcomes = grade_on_slurm(
        assignment,
        course.root,
        {p.name: p for p in sorted(subs.iterdir())},
        tmp_path / "graded",
        executor=executor,
    )
    assert [(o.student, o.score) for o in outcomes] == [("ab123", 10.0), ("ef789", 0.0)]
    assert (tmp_path / "graded" / "ab123" / "results.json").is_file()


def test_a_run_given_a_gpu_sees_that_one_device_only(tmp_path: Path):
    dev = tmp_path / "dev"
    dev.mkdir()
    for name in ("nvidia0", "nvidia1", "nvidia10", "nvidiactl", "nvidia-uvm", "null"):
        (dev / name).touch()
    assert gpu_devices(dev) == ["0", "1", "10"]
    binds = _gpu_args("1", dev)
    bound = [binds[i + 2] for i in range(0, len(binds), 3)]
    assert bound == ["/dev/nvidia-uvm", "/dev/nvidia1", "/dev/nvidiactl"]
    assert _gpu_args(None, dev) == [] and gpu_devices(tmp_path) == []
    assert run_settings("1")["CUDA_VISIBLE_DEVICES"] in ("1", cuda_name("1"))
    gpus = tmp_path / "gpus"
    for minor, bus, uuid in (("0", "18", "GPU-aaaa-0"), ("1", "2a", "GPU-bbbb-1")):
        (gpus / f"0000:{bus}:00.0").mkdir(parents=True)
        (gpus / f"0000:{bus}:00.0" / "information").write_text(
            f"Model: \t\t NVIDIA H200\nGPU UUID: \t {uuid}\nBus Location: \t 0000:{bus}:00.0\n"
            f"Device Minor: \t {minor}\nGPU Excluded:\t No\n"
        )
    assert cuda_name("1", gpus) == "GPU-bbbb-1" and cuda_name("0", gpus) == "GPU-aaaa-0"
    assert cuda_name("10", gpus) == "10"  # not in the driver's pages: its number
    (gpus / "0000:2a:00.0" / "information").write_text("GPU UUID: ********\nDevice Minor: 1\n")
    assert cuda_name("1", gpus) == "1"  # a masked UUID names nothing
    assert "PYTORCH_CUDA_ALLOC_CONF" in run_settings("1")
    assert run_settings(None)["CUDA_VISIBLE_DEVICES"] == ""  # no GPU unless asked for


@pytest.mark.slow
def test_gpu_assignments_take_the_machines_gpus_in_turn(course, tmp_path, monkeypatch):
    """[limits] gpu = true: each run gets one of this machine's GPUs (here two pretend ones,
    the runs unsandboxed so that no device file is needed); with none, exit 2 naming the key."""
    from dlcourse.homework import grading

    config = course.root / "homework" / "add" / "assignment.toml"
    config.write_text(config.read_text() + "gpu = true\n")
    subs = tmp_path / "subs"
    for student in ("ab123", "cd456"):
        (subs / student).mkdir(parents=True)
        (subs / student / "mod.py").write_text(
            "import os\n\n\ndef add(a, b):\n"
            "    print('device', repr(os.environ['CUDA_VISIBLE_DEVICES']))\n    return a + b\n"
        )
    monkeypatch.setattr(grading, "gpu_devices", lambda: [])
    monkeypatch.chdir(course.root)
    result = run_cli("hw", "grade", "add", subs)
    assert result.exit_code == 2
    assert "assignment.toml:11: [limits.gpu]" in result.output and "has none" in result.output
    assert not (course.root / "graded").exists()
    monkeypatch.setattr(grading, "gpu_devices", lambda: ["0", "1"])
    assignment = load_assignment(course, "add")
    folders = {p.name: p for p in sorted(subs.iterdir())}
    outcomes = grade_all(assignment, folders, tmp_path / "graded", unsafe_no_sandbox=True)
    assert [o.score for o in outcomes] == [10.0, 10.0]
    seen = []
    for student in folders:
        results = json.loads((tmp_path / "graded" / student / "results.json").read_text())
        seen.append(results["tests"][0]["output"].strip())
    assert seen == [f"device {cuda_name('0')!r}", f"device {cuda_name('1')!r}"]


@pytest.mark.skipif(
    shutil.which("sbatch") is None or shutil.which("srun") is None, reason="no SLURM client"
)
def test_slurm_that_cannot_submit_is_a_clear_error(course, tmp_path, monkeypatch):
    """The real sbatch with no cluster to reach (an empty configuration: sbatch refuses at
    once, where a missing one makes it retry for a minute): exit 2 with sbatch's reason, never
    a traceback."""
    (tmp_path / "slurm.conf").write_text("")
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "slurm.conf"))
    monkeypatch.chdir(course.root)
    subs = make_submissions(tmp_path / "subs", {"ab123": "a + b"})
    result = run_cli("hw", "grade", "add", subs, "--slurm")
    assert result.exit_code == 2, result.output
    assert "SLURM grading failed: sbatch: fatal:" in result.output
    assert "sbatch reaches the cluster" in result.output
    assert isinstance(result.exception, SystemExit)  # typer's exit, not an uncaught error


def test_feedback_shows_only_what_the_student_may_see():
    results = {
        "score": 1,
        "output": "",
        "tests": [
            {
                "name": "pub",
                "score": 1,
                "max_score": 1,
                "status": "passed",
                "visibility": "visible",
                "output": "<script>alert(1)</script>",
            },
            {
                "name": "hid",
                "score": 0,
                "max_score": 3,
                "status": "failed",
                "visibility": "after_due_date",
                "output": "SECRET",
            },
            {
                "name": "never",
                "score": 0,
                "max_score": 1,
                "status": "failed",
                "visibility": "hidden",
                "output": "NEVER",
            },
        ],
    }
    due = dt.datetime(2020, 2, 10, 23, 59, tzinfo=dt.UTC)
    before = feedback_html("HW", "ab123", results, due - dt.timedelta(seconds=1), due)
    assert "SECRET" not in before and "NEVER" not in before and "2 more tests" in before
    assert "<script>" not in before and "&lt;script&gt;" in before
    after = feedback_html("HW", "ab123", results, due + dt.timedelta(seconds=1), due)
    assert "SECRET" in after and "NEVER" not in after
    assert [t["name"] for t in visible_tests(results, due, due, published=True)] == ["pub"]


def run_cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.slow
def test_cli_release_grade_feedback_gradescope_from_inside_a_course(
    course, tmp_path, sandbox_ready, monkeypatch
):
    subs = make_submissions(tmp_path / "subs", {"ab123": "a + b", "cd456": "0"})
    monkeypatch.chdir(course.root)
    result = run_cli("hw", "list")
    assert result.exit_code == 0 and "add" in result.output and "hw1" in result.output
    result = run_cli("hw", "release", "add")
    assert result.exit_code == 0, result.output
    assert (course.root / "add.zip").is_file() and "raise NotImplementedError" in (
        course.root / "add" / "mod.py"
    ).read_text()
    result = run_cli("hw", "grade", "add", subs, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "ab123: 10 / 10 [OK]" in result.output and "cd456: 0 / 10 [OK]" in result.output
    result = run_cli("hw", "grade", "add", subs)
    assert "2 submissions: 0 graded, 2 unchanged" in result.output
    result = run_cli("hw", "feedback", "add")
    assert result.exit_code == 0, result.output
    page = (course.root / "graded" / "add" / "ab123" / "feedback.html").read_text()
    assert "test_small" in page and "checking big numbers" in page  # the due date is past
    result = run_cli("hw", "test", "add", course.root / "homework/add/solution/mod.py", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["score"] == 10
    result = run_cli("hw", "gradescope", "add")
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(course.root / "add-gradescope.zip").namelist()
    assert {"setup.sh", "run_autograder", "dlcourse/homework/runtime/harness.py"} <= set(names)
    assert "course/homework/add/tests/hidden/test_hidden.py" in names
    assert not any("solution/mod.py" in name for name in names)


def test_cli_bad_input_exits_2_and_writes_nothing(course, tmp_path, monkeypatch):
    monkeypatch.chdir(course.root)
    result = run_cli("hw", "release", "nope")
    assert result.exit_code == 2 and "no assignment 'nope'" in result.output
    result = run_cli("hw", "grade", "add", tmp_path / "missing")
    assert result.exit_code == 2 and "no such folder" in result.output
    result = run_cli("hw", "feedback", "add")
    assert result.exit_code == 2 and "no graded submissions" in result.output
    assert not (course.root / "graded").exists() and not (course.root / "add.zip").exists()


def test_feedback_from_a_damaged_results_file_writes_no_page(course, monkeypatch):
    monkeypatch.chdir(course.root)
    graded = course.root / "graded" / "add"
    good = {"score": 1, "output": "", "tests": [{"name": "t", "score": 1, "max_score": 1,
            "status": "passed", "visibility": "visible", "output": ""}]}  # fmt: skip
    for student, text in (("ab123", json.dumps(good)), ("cd456", "{damaged"), ("ef789", "[]")):
        (graded / student).mkdir(parents=True)
        (graded / student / "results.json").write_text(text)
    result = run_cli("hw", "feedback", "add")
    assert result.exit_code == 2, result.output
    assert "cd456/results.json: cannot be read as results.json" in result.output
    assert "ef789/results.json: not a results.json of 'dlcourse hw grade'" in result.output
    assert not list(graded.glob("*/feedback.html"))
    (graded / "cd456" / "results.json").write_text(json.dumps(good))
    (graded / "ef789" / "results.json").unlink()
    assert run_cli("hw", "feedback", "add").exit_code == 0
    assert len(list(graded.glob("*/feedback.html"))) == 2


@pytest.mark.slow
def test_example_homework_solution_scores_full_marks_and_the_starter_none(
    example_course_dir, tmp_path, sandbox_ready
):
    pytest.importorskip("torch")
    from dlcourse.homework.grading import grade_files
    from dlcourse.homework.release import release

    course = load_course(example_course_dir)
    assignment = load_assignment(course, "hw1")
    solution = grade_files(
        assignment, {"mlp.py": (assignment.solution_dir / "mlp.py").read_bytes()}
    )
    assert solution["score"] == 100 and len(solution["tests"]) == 7
    starter = release(assignment, course, tmp_path).folder / "mlp.py"
    graded = grade_files(assignment, {"mlp.py": starter.read_bytes()})
    assert graded["score"] == 0
    assert all("NotImplementedError" in t["output"] for t in graded["tests"])


@pytest.mark.slow
def test_gradescope_zip_grades_with_its_own_copy_of_the_package(course, tmp_path, sandbox_ready):
    """What run_autograder runs, from the unpacked zip alone (its dlcourse first on the path)."""
    import subprocess
    import sys

    from dlcourse.homework.gradescope import autograder_zip

    source = tmp_path / "autograder" / "source"
    zipfile.ZipFile(io.BytesIO(autograder_zip(course, load_assignment(course, "add")))).extractall(
        source
    )
    submission = make_submissions(tmp_path / "subs", {"ab123": "a + b"}) / "ab123"
    results = tmp_path / "results.json"
    probe = "import dlcourse, sys; print(dlcourse.__file__)"
    env = {**os.environ, "PYTHONPATH": str(source)}
    where = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=source, capture_output=True, text=True
    )
    assert where.stdout.startswith(str(source))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlcourse",
            "hw",
            "gradescope-run",
            "add",
            "--course",
            str(source / "course"),
            "--submission",
            str(submission),
            "--results",
            str(results),
        ],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(results.read_text())["score"] == 10
