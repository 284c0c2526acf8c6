"""CLI for homework and the group project: ``dlcourse hw …`` and ``dlcourse project …``.

Thin wrappers over :mod:`dlcourse.homework`. Bad input prints every problem (file, line, what
to do) and exits 2 without writing anything.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, echo_error, exit_course_error
from dlcourse.course import Course, CourseError

console = Console(highlight=False)

hw_app = typer.Typer(
    name="hw",
    help="Homework: release bundles, grade submissions in a sandbox, feedback, Gradescope.",
    no_args_is_help=True,
)
project_app = typer.Typer(
    name="project",
    help="The group project: form groups and check each group's deliverables.",
    no_args_is_help=True,
)

UNSAFE_OPTION = typer.Option(
    False,
    "--unsafe-no-sandbox",
    help="Run student code without the bubblewrap sandbox (only for code you trust).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(hw_app, name="hw")
    app.add_typer(project_app, name="project")


def _assignment(course: Course, assignment_id: str):
    from dlcourse.homework.assignment import load_assignment

    try:
        return load_assignment(course, assignment_id)
    except CourseError as error:
        raise exit_course_error(error) from error


def _sandbox_or_exit(unsafe: bool) -> None:
    from dlcourse.homework.sandbox import sandbox_problem

    if unsafe:
        return
    problem = sandbox_problem()
    if problem:
        echo_error(f"cannot grade untrusted code: {problem}")
        raise typer.Exit(2)


def _first_gpu(assignment) -> str | None:
    """The GPU a single run gets (None: the assignment asks for none); exit 2 when it asks for
    one and this machine has none."""
    from dlcourse.homework.grading import gpu_plan

    try:
        devices = gpu_plan(assignment)
    except CourseError as error:
        raise exit_course_error(error) from error
    return devices[0] if devices else None


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%a %d %b %Y %H:%M %Z")


# -- hw list / release ------------------------------------------------------------------------
@hw_app.command("list")
def list_cmd(course_dir: Path | None = COURSE_OPTION) -> None:
    """The course's assignment folders with their dates (course time zone)."""
    from dlcourse.homework.assignment import list_assignments

    course = course_or_exit(course_dir)
    table = Table("id", "title", "released", "due", "tests (public / hidden)")
    for assignment_id in list_assignments(course):
        assignment = _assignment(course, assignment_id)
        table.add_row(
            assignment.id,
            assignment.title,
            _when(assignment.release),
            _when(assignment.due),
            f"{len(assignment.test_files('public'))} / {len(assignment.test_files('hidden'))}",
        )
    console.print(table)


@hw_app.command("release")
def release_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for ID/ and ID.zip. Default: the current folder."
    ),
) -> None:
    """Build the student bundle: starter files, public tests, README (folder and zip)."""
    from dlcourse.homework.release import release

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    try:
        bundle = release(assignment, course, out or Path.cwd())
    except CourseError as error:
        raise exit_course_error(error) from error
    typer.echo(
        f"released {assignment.id} ({bundle.regions_cut} solution regions cut, "
        f"{len(bundle.files)} files): {bundle.folder} and {bundle.archive}"
    )
    typer.echo(f"due {_when(assignment.due)}")


# -- hw submit / collect ---------------------------------------------------------------------
LMS_TIMESTAMPS = "timestamps.csv"  # where hw collect looks for the LMS's times by default
DB_OPTION = typer.Option(
    None, "--db", help="Gradebook URL. Default: $DLCOURSE_DB, else the course's SQLite file."
)


def _gradebook(course: Course, url: str | None):
    try:
        from dlcourse.grades import GradebookError, open_gradebook
    except ImportError as error:
        echo_error("the gradebook needs the grades extra: pip install -e '.[grades]'")
        raise typer.Exit(2) from error
    try:
        return open_gradebook(course, url)
    except GradebookError as error:
        echo_error(str(error))
        raise typer.Exit(2) from error


def _receipt_line(info, course: Course) -> str:
    local = info.received_at.astimezone(course.tz)
    utc = info.received_at.astimezone(dt.UTC)
    return (
        f"{info.status}: {info.filename} from {info.netid} received "
        f"{local:%a %d %b %Y %H:%M:%S %Z} ({utc:%Y-%m-%dT%H:%M:%SZ}), sha256 {info.sha256}"
    )


@hw_app.command("submit")
def submit_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    file: Path = typer.Argument(..., help="The file to hand in."),
    student: str = typer.Option(..., "--student", "-s", help="The student's NetID."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Hand in a file now (this machine's clock decides). Exit 1 when refused as late."""
    from dlcourse.homework.submissions import ContentStore, SubmissionError, submit

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    if not file.is_file():
        echo_error(f"{file}: no such file")
        raise typer.Exit(2)
    with _gradebook(course, db) as gradebook:
        try:
            info = submit(
                gradebook,
                ContentStore.for_course(course),
                assignment,
                file.read_bytes(),
                file.name,
                student,
            )
        except SubmissionError as error:
            echo_error(str(error))
            raise typer.Exit(2) from error
    typer.echo(_receipt_line(info, course))
    if info.status != "accepted":
        echo_error(info.reason or "refused")
        raise typer.Exit(1)


@hw_app.command("collect")
def collect_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    folder: Path = typer.Argument(..., help="The LMS download (the submitted files)."),
    timestamps: Path | None = typer.Option(
        None,
        "--timestamps",
        help="CSV student,file,submitted_at from the LMS's export. "
        f"Default: FOLDER/{LMS_TIMESTAMPS}.",
    ),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Record a batch from an LMS with the LMS's own times; late ones are logged as refused."""
    from dlcourse.homework.submissions import (
        ContentStore,
        SubmissionError,
        collect,
        read_lms_export,
    )

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    if not folder.is_dir():
        echo_error(f"{folder}: no such folder; pass the folder the LMS's download unpacked to")
        raise typer.Exit(2)
    timestamps = timestamps or folder / LMS_TIMESTAMPS
    if not timestamps.is_file():
        echo_error(
            f"{timestamps}: no such file; pass --timestamps with the LMS's export of when each "
            "file arrived (CSV student,file,submitted_at)"
        )
        raise typer.Exit(2)
    with _gradebook(course, db) as gradebook:
        try:
            rows = read_lms_export(assignment, folder, timestamps, course.tz)
            recorded = collect(gradebook, ContentStore.for_course(course), assignment, rows)
        except SubmissionError as error:
            for line in str(error).splitlines():
                echo_error(line)
            raise typer.Exit(2) from error
    for info in recorded:
        typer.echo(_receipt_line(info, course))
    refused = sum(info.status != "accepted" for info in recorded)
    typer.echo(f"{len(recorded)} submissions recorded, {refused} refused as late")


# -- hw test / grade / feedback --------------------------------------------------------------
def _print_results(results: dict) -> None:
    table = Table("test", "score", "status", "visibility")
    for test in results["tests"]:
        table.add_row(
            test["name"],
            f"{test['score']:g} / {test['max_score']:g}",
            test["extra_data"]["status"],
            test["visibility"],
        )
    console.print(table)
    meta = results["extra_data"]["meta"]
    typer.echo(
        f"score {results['score']:g}; run {meta['status']}, {meta['time']:.2f} CPU-s, "
        f"{meta['wall']:.2f} s wall, {meta['max_rss_kb'] // 1024} MB max RSS"
        + (f", killed by {meta['killed_by']}" if meta["killed_by"] else "")
    )
    if results["output"]:
        typer.echo(results["output"])


@hw_app.command("test")
def test_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    files: list[Path] = typer.Argument(..., help="The files to grade (e.g. the solution)."),
    course_dir: Path | None = COURSE_OPTION,
    results_out: Path | None = typer.Option(None, "--results", help="Write results.json here."),
    unsafe: bool = UNSAFE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print results.json instead of a table."),
) -> None:
    """Grade some files once, in the sandbox (check that the solution scores full marks)."""
    from dlcourse.homework.grading import grade_files
    from dlcourse.util.files import atomic_write_text

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        echo_error(f"no such file: {', '.join(missing)}")
        raise typer.Exit(2)
    _sandbox_or_exit(unsafe)
    results = grade_files(
        assignment,
        {path.name: path.read_bytes() for path in files},
        unsafe_no_sandbox=unsafe,
        gpu_device=_first_gpu(assignment),
    )
    if results_out is not None:
        atomic_write_text(results_out, json.dumps(results, indent=1) + "\n")
    if as_json:
        typer.echo(json.dumps(results, indent=1))
    else:
        _print_results(results)


@hw_app.command("grade")
def grade_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    submissions: Path | None = typer.Argument(
        None,
        help="Folder with one folder per student (NetID). Default: the latest accepted "
        "submissions in the gradebook, whose scores are then recorded there.",
    ),
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Where results go. Default: ./graded/ID."
    ),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Sandboxes at once."),
    slurm: bool = typer.Option(False, "--slurm", help="Run as a SLURM job array (submitit)."),
    force: bool = typer.Option(False, "--force", help="Re-grade even unchanged submissions."),
    unsafe: bool = UNSAFE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Grade every submission in parallel; unchanged ones (same files, same tests) are skipped."""
    from dlcourse.homework import grading

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    if not slurm:
        _first_gpu(assignment)  # asks for a GPU on a machine with none: exit 2, nothing written
    target = (out or Path.cwd() / "graded" / assignment.id).resolve()
    gradebook = None
    if submissions is None:
        from dlcourse.homework.submissions import ContentStore, SubmissionError, latest_files

        gradebook = _gradebook(course, db)
        try:
            folders = latest_files(
                gradebook, ContentStore.for_course(course), assignment, target / ".inbox"
            )
        except SubmissionError as error:
            echo_error(str(error))
            raise typer.Exit(2) from error
    else:
        try:
            folders = grading.submission_folders(submissions)
        except CourseError as error:
            raise exit_course_error(error) from error
    _sandbox_or_exit(unsafe)

    def report(outcome: grading.GradeOutcome) -> None:
        note = " (unchanged)" if outcome.skipped else ""
        typer.echo(
            f"{outcome.student}: {outcome.score:g} / {outcome.max_score:g} [{outcome.status}]{note}"
        )

    if slurm:
        try:
            import submitit  # noqa: F401
        except ImportError as error:
            echo_error("--slurm needs submitit: pip install -e '.[homework]'")
            raise typer.Exit(2) from error
        from submitit.core.utils import FailedSubmissionError, UncompletedJobError

        try:
            outcomes = grading.grade_on_slurm(
                assignment, course.root, folders, target, unsafe_no_sandbox=unsafe, force=force
            )
        except (FailedSubmissionError, UncompletedJobError) as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            echo_error(f"SLURM grading failed: {lines[-1] if lines else type(error).__name__}")
            echo_error(
                f"check that sbatch reaches the cluster from here; task logs: {target}/.submitit; "
                "results already written stay, and a re-run grades only what is missing"
            )
            raise typer.Exit(2) from error
        for outcome in outcomes:
            report(outcome)
    else:
        outcomes = grading.grade_all(
            assignment,
            folders,
            target,
            jobs=jobs,
            unsafe_no_sandbox=unsafe,
            force=force,
            on_done=report,
        )
    typer.echo(grading.total_line(outcomes))
    typer.echo(f"results in {target}")
    if gradebook is not None:
        from dlcourse.homework.submissions import record_scores

        with gradebook:
            changed = record_scores(gradebook, assignment, outcomes)
        typer.echo(f"{changed} scores changed in the gradebook")


@hw_app.command("feedback")
def feedback_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    graded: Path | None = typer.Argument(None, help="Graded folder. Default: ./graded/ID."),
    course_dir: Path | None = COURSE_OPTION,
    published: bool = typer.Option(
        False, "--published", help="Grades are published: show after_published tests too."
    ),
) -> None:
    """Write feedback.html per student with the tests they may see now."""
    from dlcourse.homework.grading import RESULTS_FILE
    from dlcourse.homework.results import feedback_html, read_results
    from dlcourse.util.files import atomic_write_text

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    folder = graded or Path.cwd() / "graded" / assignment.id
    results_files = sorted(folder.glob(f"*/{RESULTS_FILE}"))
    if not results_files:
        echo_error(f"{folder}: no graded submissions; run 'dlcourse hw grade {assignment.id}'")
        raise typer.Exit(2)
    every_results, problems = {}, []
    for path in results_files:  # all read first: a bad one means no page is written
        try:
            every_results[path] = read_results(path)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        for problem in problems:
            echo_error(problem)
        echo_error(f"grade again: dlcourse hw grade {assignment.id} --force")
        raise typer.Exit(2)
    now = dt.datetime.now(dt.UTC)
    for path, results in every_results.items():
        page = feedback_html(
            assignment.title, path.parent.name, results, now, assignment.due, published
        )
        atomic_write_text(path.parent / "feedback.html", page)
    typer.echo(f"{len(results_files)} feedback pages in {folder}/*/feedback.html")


@hw_app.command("gradescope")
def gradescope_cmd(
    assignment_id: str = typer.Argument(..., help="Assignment id, e.g. hw1."),
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Zip to write. Default: ./ID-gradescope.zip."
    ),
) -> None:
    """Write the Gradescope autograder zip (setup.sh, run_autograder, tests, dlcourse)."""
    from dlcourse.homework.gradescope import autograder_zip
    from dlcourse.util.files import atomic_write_bytes

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    target = out or Path.cwd() / f"{assignment.id}-gradescope.zip"
    atomic_write_bytes(target, autograder_zip(course, assignment))
    typer.echo(f"wrote {target}")


@hw_app.command("gradescope-run", hidden=True)
def gradescope_run_cmd(
    assignment_id: str = typer.Argument(...),
    submission: Path = typer.Option(..., "--submission"),
    results_out: Path = typer.Option(..., "--results"),
    course_dir: Path | None = COURSE_OPTION,
) -> None:
    """Inside Gradescope's container (run_autograder calls this): grade and write results."""
    from dlcourse.homework.grading import grade_files, read_submission
    from dlcourse.homework.sandbox import sandbox_problem
    from dlcourse.util.files import atomic_write_text

    course = course_or_exit(course_dir)
    assignment = _assignment(course, assignment_id)
    # Gradescope's container is the outer isolation; bwrap adds ours where it can run there.
    unsafe = sandbox_problem() is not None
    results = grade_files(
        assignment,
        read_submission(assignment, submission),
        unsafe_no_sandbox=unsafe,
        gpu_device=_first_gpu(assignment),
    )
    atomic_write_text(results_out, json.dumps(results, indent=1) + "\n")


# -- project check ----------------------------------------------------------------------------
@project_app.command("check")
def project_check_cmd(
    folder: Path = typer.Argument(..., help="One folder per group: video, slides.pdf, article.pdf"),
    course_dir: Path | None = COURSE_OPTION,
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
    timestamps: Path | None = typer.Option(
        None,
        "--timestamps",
        help="CSV group,file,submitted_at from the LMS's export: every deliverable must have "
        "arrived by the project's deadline.",
    ),
) -> None:
    """Check each group's deliverables against course.toml's \\[project] limits (exit 1: errors)."""
    from dlcourse.homework.project import (
        ArrivalsError,
        ToolMissing,
        check_deliverables,
        findings_json,
        read_arrivals,
    )

    course = course_or_exit(course_dir)
    if output_format not in ("text", "json"):
        echo_error(f"--format {output_format!r}: use text or json")
        raise typer.Exit(2)
    if not folder.is_dir():
        echo_error(f"{folder}: no such folder; pass the folder holding one folder per group")
        raise typer.Exit(2)
    if course.project is None:
        echo_error("course.toml has no [project] table; add one (see the example course)")
        raise typer.Exit(2)
    arrivals = None
    if timestamps is not None:
        try:
            arrivals = read_arrivals(folder, timestamps, course)
        except ArrivalsError as error:
            for line in str(error).splitlines():
                echo_error(line)
            raise typer.Exit(2) from error
    try:
        findings = check_deliverables(folder, course.project, arrivals)
    except ToolMissing as error:
        echo_error(str(error))
        raise typer.Exit(2) from error
    if output_format == "json":
        typer.echo(findings_json(findings, arrivals))
    else:
        for finding in findings:
            typer.echo(finding.text())
        errors = sum(f.severity == "error" for f in findings)
        if arrivals is None:
            when = "arrival times not checked (pass --timestamps with the LMS's export)"
        else:
            deadline = arrivals.deadline.astimezone(course.tz)
            when = f"arrivals checked against the deadline {_when(deadline)}"
        typer.echo(f"{errors} errors, {len(findings) - errors} warnings; {when}")
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


# -- project groups ---------------------------------------------------------------------------
@project_app.command("groups")
def project_groups_cmd(
    roster: Path | None = typer.Option(
        None, "--roster", help="CSV with a netid column. Default: the gradebook's students."
    ),
    formed: Path | None = typer.Option(
        None, "--groups", help="Groups students formed themselves: CSV group,netid."
    ),
    seed: int = typer.Option(0, "--seed", help="Matching seed (same inputs + seed = same groups)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write group,netid CSV here."),
    record: bool = typer.Option(False, "--record", help="Store the groups in the gradebook."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Form project groups within course.toml's size limits; students without one are matched."""
    from dlcourse.homework.groups import (
        GroupError,
        form_groups,
        groups_csv,
        read_groups,
        read_roster,
    )
    from dlcourse.util.files import atomic_write_text

    course = course_or_exit(course_dir)
    if course.project is None:
        echo_error("course.toml has no [project] table; add one (see the example course)")
        raise typer.Exit(2)
    gradebook = _gradebook(course, db) if roster is None or record else None
    if roster is not None:
        try:
            students = read_roster(roster)
        except GroupError as error:
            echo_error(str(error))
            raise typer.Exit(2) from error
    else:
        assert gradebook is not None
        students = [person.netid for person in gradebook.people(role="student")]
    project = course.project
    try:
        existing = read_groups(formed, set(students), project.group_max) if formed else {}
        groups = form_groups(students, existing, project.group_min, project.group_max, seed)
    except GroupError as error:
        for line in str(error).splitlines():
            echo_error(line)
        raise typer.Exit(2) from error
    text = groups_csv(groups)
    if out is not None:
        atomic_write_text(out, text)
    if record and gradebook is not None:
        with gradebook:
            for name, members in groups.items():
                gradebook.set_group(name, members, reason="dlcourse project groups")
    typer.echo(text, nl=False)
    sizes = sorted({len(members) for members in groups.values()})
    typer.echo(f"{len(groups)} groups of {'–'.join(map(str, sizes))} from {len(students)} students")
