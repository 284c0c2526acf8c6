"""Grade submissions: one sandboxed run each, in parallel, and only what changed.

A submission folder holds one folder per student (their NetID) with the files they handed in.
Grading writes ``OUT/NETID/results.json`` (Gradescope's schema), ``meta.json`` (the isolate-
style record of the run) and ``key`` (SHA-256 of the submission and of the tests). A re-run
skips every student whose key is unchanged, so re-grading is idempotent and cheap; changing a
hidden test changes the tests hash and re-grades everyone.

``jobs`` runs that many sandboxes at once on this machine (threads: each waits on its own
sandbox process). ``slurm`` sends the same work to a SLURM cluster as a job array through
submitit; its local executor runs the same path in tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlcourse.course import CourseError, CourseIssue
from dlcourse.course.locate import locate_key
from dlcourse.homework.assignment import ASSIGNMENT_FILE, Assignment
from dlcourse.homework.results import read_results, results_json
from dlcourse.homework.sandbox import TestSource, gpu_devices, run_tests
from dlcourse.util.files import atomic_write_text

RESULTS_FILE = "results.json"
META_FILE = "meta.json"
KEY_FILE = "key"


@dataclass(frozen=True)
class GradeOutcome:
    student: str
    score: float
    max_score: float
    status: str  # the run's meta status: OK, RE, SG, TO, XX
    skipped: bool  # unchanged since the last grading
    folder: Path


def test_sources(assignment: Assignment) -> list[TestSource]:
    """Public then hidden tests, each named by where it came from."""
    config = assignment.config
    sources = []
    for kind, visibility in (
        ("public", config.public_visibility),
        ("hidden", config.hidden_visibility),
    ):
        for path in assignment.test_files(kind):  # type: ignore[arg-type]
            sources.append(
                TestSource(
                    file=f"{kind}/{path.name}",
                    source=path.read_text(encoding="utf-8"),
                    default_visibility=visibility,
                    show_source=kind == "public",
                )
            )
    return sources


def read_submission(assignment: Assignment, folder: Path) -> dict[str, bytes]:
    """The files a student handed in, by the names the assignment asks for. Anything else in
    the folder is ignored (it never reaches the sandbox); a missing file is simply absent, and
    the tests that import it fail."""
    files = {}
    for name in assignment.config.submit:
        path = folder / name
        if path.is_file():
            files[name] = path.read_bytes()
    return files


def submission_key(files: dict[str, bytes], tests_digest: str) -> str:
    digest = hashlib.sha256(tests_digest.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def grade_files(
    assignment: Assignment,
    files: dict[str, bytes],
    *,
    unsafe_no_sandbox: bool = False,
    gpu_device: str | None = None,
    stream_dir: Path | None = None,
) -> dict[str, Any]:
    """Gradescope results (with the meta record in ``extra_data``) for one submission."""
    run = run_tests(
        files,
        test_sources(assignment),
        assignment.limits,
        preload=assignment.config.preload,
        unsafe_no_sandbox=unsafe_no_sandbox,
        gpu_device=gpu_device,
        stream_dir=stream_dir,
    )
    return results_json(run, assignment.points)


def gpu_plan(assignment: Assignment) -> list[str] | None:
    """The GPUs this machine's runs of ``assignment`` take turns on (each run gets one; with
    ``gpu_memory_fraction`` below 1 several runs share a GPU), or None when it asks for none.
    Raises :class:`CourseError`, naming ``[limits] gpu`` in assignment.toml, when it asks for a
    GPU and this machine has none: its tests would fail for want of one, not of the student."""
    if not assignment.limits.gpu:
        return None
    devices = gpu_devices()
    if not devices:
        config = assignment.folder / ASSIGNMENT_FILE
        line = locate_key(config.read_text(encoding="utf-8"), ["limits", "gpu"])
        raise CourseError(
            [
                CourseIssue(
                    config,
                    line,
                    "limits.gpu",
                    "the assignment asks for a GPU and this machine has none (no /dev/nvidiaN)",
                    "grade on a machine with an NVIDIA GPU (e.g. --slurm), or set gpu = false",
                )
            ]
        )
    return devices


def grade_one(
    assignment: Assignment,
    student: str,
    submission_dir: Path,
    out: Path,
    *,
    unsafe_no_sandbox: bool = False,
    gpu_device: str | None = None,
    force: bool = False,
) -> GradeOutcome:
    files = read_submission(assignment, submission_dir)
    key = submission_key(files, assignment.tests_digest())
    folder = out / student
    key_file, results_file = folder / KEY_FILE, folder / RESULTS_FILE
    unchanged = key_file.is_file() and key_file.read_text().strip() == key
    if not force and unchanged and results_file.is_file():
        try:
            results = read_results(results_file)
            return _outcome(student, results, folder, skipped=True)
        except (ValueError, KeyError, TypeError):
            pass  # a results file damaged since: grade again rather than trust it
    results = grade_files(
        assignment,
        files,
        unsafe_no_sandbox=unsafe_no_sandbox,
        gpu_device=gpu_device,
        stream_dir=folder,
    )
    atomic_write_text(results_file, json.dumps(results, indent=1) + "\n")
    atomic_write_text(folder / META_FILE, json.dumps(results["extra_data"]["meta"], indent=1))
    atomic_write_text(key_file, key + "\n")  # last: a crash before it re-grades next time
    return _outcome(student, results, folder, skipped=False)


def _outcome(student: str, results: dict, folder: Path, skipped: bool) -> GradeOutcome:
    return GradeOutcome(
        student=student,
        score=results["score"],
        max_score=sum(test["max_score"] for test in results["tests"]),
        status=results["extra_data"]["meta"]["status"],
        skipped=skipped,
        folder=folder,
    )


def submission_folders(root: Path) -> dict[str, Path]:
    """NetID → folder, for every student folder under ``root``."""
    if not root.is_dir():
        raise CourseError(
            [CourseIssue(root, None, "", "no such folder", "pass the folder of submissions")]
        )
    return {
        path.name: path
        for path in sorted(root.iterdir())
        if path.is_dir() and not path.name.startswith(".")
    }


def grade_all(
    assignment: Assignment,
    submissions: dict[str, Path],
    out: Path,
    *,
    jobs: int = 1,
    unsafe_no_sandbox: bool = False,
    force: bool = False,
    on_done: Callable[[GradeOutcome], None] | None = None,
) -> list[GradeOutcome]:
    """Grade every student's submission, ``jobs`` sandboxes at a time; order of ``submissions``.
    An assignment that asks for a GPU gives the runs this machine's GPUs in turn."""
    devices = gpu_plan(assignment)

    def one(index: int, item: tuple[str, Path]) -> GradeOutcome:
        outcome = grade_one(
            assignment,
            item[0],
            item[1],
            out,
            unsafe_no_sandbox=unsafe_no_sandbox,
            gpu_device=devices[index % len(devices)] if devices else None,
            force=force,
        )
        if on_done is not None:
            on_done(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, range(len(submissions)), submissions.items()))


@dataclass(frozen=True)
class SlurmTask:
    """What one array task needs, as plain picklable data (workers get data, not state)."""

    course_root: str
    assignment_id: str
    student: str
    submission_dir: str
    out: str
    unsafe_no_sandbox: bool
    force: bool

    def __call__(self) -> dict[str, Any]:
        from dlcourse.course import load_course
        from dlcourse.homework.assignment import load_assignment

        course = load_course(self.course_root)
        assignment = load_assignment(course, self.assignment_id)
        devices = gpu_plan(assignment)  # on the node the task landed on
        outcome = grade_one(
            assignment,
            self.student,
            Path(self.submission_dir),
            Path(self.out),
            unsafe_no_sandbox=self.unsafe_no_sandbox,
            gpu_device=devices[0] if devices else None,
            force=self.force,
        )
        return {**outcome.__dict__, "folder": str(outcome.folder)}


def grade_on_slurm(
    assignment: Assignment,
    course_root: Path,
    submissions: dict[str, Path],
    out: Path,
    *,
    executor: Any = None,
    log_dir: Path | None = None,
    unsafe_no_sandbox: bool = False,
    force: bool = False,
    slurm_options: dict[str, Any] | None = None,
) -> list[GradeOutcome]:
    """The same grading as one SLURM job array (submitit). ``executor`` defaults to
    ``submitit.AutoExecutor`` (SLURM when ``sbatch`` is there); tests pass a LocalExecutor.
    An assignment that asks for a GPU asks SLURM for one per task."""
    import submitit

    if executor is None:
        executor = submitit.AutoExecutor(folder=str(log_dir or out / ".submitit"))
        gpus = {"gpus_per_node": 1} if assignment.limits.gpu else {}
        executor.update_parameters(**{**gpus, **(slurm_options or {})})
    tasks = [
        SlurmTask(
            str(course_root),
            assignment.id,
            student,
            str(folder),
            str(out),
            unsafe_no_sandbox,
            force,
        )
        for student, folder in submissions.items()
    ]
    jobs = executor.map_array(_call, tasks)
    return [_from_dict(job.result()) for job in jobs]


def _call(task: SlurmTask) -> dict[str, Any]:
    return task()


def _from_dict(data: dict[str, Any]) -> GradeOutcome:
    return GradeOutcome(**{**data, "folder": Path(data["folder"])})


def total_line(outcomes: Iterable[GradeOutcome]) -> str:
    items = list(outcomes)
    graded = sum(not item.skipped for item in items)
    statuses: dict[str, int] = {}
    for item in items:
        statuses[item.status] = statuses.get(item.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return f"{len(items)} submissions: {graded} graded, {len(items) - graded} unchanged ({summary})"
