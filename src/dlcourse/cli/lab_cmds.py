"""``dlcourse lab …``: list, run, export and schedule the PyTorch labs.

Thin on purpose: each command parses options and calls :mod:`dlcourse.labs`. torch is imported only
inside the commands that train, so ``dlcourse`` and ``dlcourse lab list`` work without it.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dlcourse.cli.messages import COURSE_OPTION, echo_error
from dlcourse.labs.catalogue import LABS, get_lab, missing_labs_extra
from dlcourse.util.files import (
    OutputPathError,
    atomic_write_text,
    check_output_file,
    describe_os_error,
    ensure_output_folder,
)

lab_app = typer.Typer(
    help="The course's PyTorch practicals: list, run, notebook, slurm.", no_args_is_help=True
)
console = Console()


def register(app: typer.Typer) -> None:
    """Attach ``dlcourse lab`` to the root application."""
    app.add_typer(lab_app, name="lab")


def _error(message: object) -> None:
    """``error: MESSAGE`` on stderr, the message as written (never read as Rich markup)."""
    echo_error(str(message))


def _missing_extra(err: ImportError) -> typer.Exit:
    """Say what to install (CPU build first) and return the exit (code 2) to raise."""
    _error(missing_labs_extra(err.name))
    return typer.Exit(2)


def _lab_or_exit(name: str):
    try:
        return get_lab(name)
    except KeyError as err:
        _error(err.args[0])
        raise typer.Exit(2) from None


@lab_app.command("list")
def list_labs() -> None:
    """Show the catalogue (no torch needed)."""
    table = Table(title="dlcourse labs")
    # names and weeks never wrap (they are what one types); titles and lessons wrap at spaces
    table.add_column("name", no_wrap=True)
    table.add_column("week", no_wrap=True, justify="right")
    table.add_column("title")
    table.add_column("lesson")
    for lab in LABS:
        table.add_row(lab.name, str(lab.week or "extra"), lab.title, lab.lesson)
    console.print(table)


class _RichProgress:
    """The ``ProgressSink`` the runner reports to: one Rich bar per training phase.

    A Rich update takes a lock and re-renders; at one call per epoch of a fast loop (spiral:
    a millisecond per epoch) that would be visible, so advances are pooled and pushed at most
    every ``interval`` seconds.
    """

    def __init__(self, progress, interval: float = 0.1) -> None:
        self.progress = progress
        self.interval = interval
        self.task = None
        self.pending = 0
        self.last = 0.0

    def start(self, description: str, total: int | None) -> None:
        self.task = self.progress.add_task(description, total=total)
        self.pending, self.last = 0, time.monotonic()

    def advance(self) -> None:
        self.pending += 1
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.progress.advance(self.task, self.pending)
            self.pending, self.last = 0, now

    def stop(self) -> None:
        if self.task is not None:
            if self.pending:
                self.progress.advance(self.task, self.pending)
                self.pending = 0
            self.progress.update(self.task, visible=False)


def _parse_sets(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        if "=" not in item:
            _error(f"--set expects KEY=VALUE, got {item!r}")
            raise typer.Exit(2)
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def _shown(value: object) -> str:
    """A metric for the report: floats to 4 places, long curves as their ends (all in the file)."""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list) and len(value) > 6:
        ends = [_shown(v) for v in (value[0], value[-1])]
        return f"{len(value)} values: {ends[0]} … {ends[1]}"
    return str(value)


@lab_app.command("run")
def run(
    name: str = typer.Argument(..., help="lab name, see `dlcourse lab list`"),
    config: str = typer.Option("quick", help="quick (seconds) or full (the course's numbers)"),
    device: str = typer.Option("auto", help="auto|cpu|cuda|mps"),
    seed: int = typer.Option(0, help="random seed (data, initial weights)"),
    out: Path = typer.Option(None, help="output folder (default: runs/NAME-CONFIG)"),
    data: str = typer.Option(
        None,
        help="data source for labs that take one, e.g. mnist5k, mnist-idx:DIR,"
        " fashion-mnist[:DIR], imdb:DIR",
    ),
    set_: list[str] = typer.Option([], "--set", help="override a config setting: KEY=VALUE"),
    threads: int = typer.Option(
        None,
        min=1,
        help="torch CPU threads (default: OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else the"
        " idle physical cores, at most 4)",
    ),
    precision: str = typer.Option(
        "auto", help="fp32, bf16 or fp16 (mixed precision); auto: bf16 on GPUs that have it"
    ),
) -> None:
    """Run a lab: writes metrics.json and PNG figures, prints a short report."""
    info = _lab_or_exit(name)
    if config not in ("quick", "full"):
        _error("--config must be quick or full")
        raise typer.Exit(2)
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        _error(f"--precision must be auto, fp32, bf16 or fp16, not {precision!r}")
        raise typer.Exit(2)
    overrides = _parse_sets(set_)
    if data is not None:
        overrides["data"] = data
    out = out or Path("runs") / f"{info.name}-{config}"
    try:  # before torch is imported and any training starts: a bad --out fails in a second
        ensure_output_folder(out)
    except OutputPathError as err:
        _error(f"--out {err}")
        raise typer.Exit(2) from None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    try:
        from dlcourse.labs.runner import run_lab
    except ImportError as err:
        raise _missing_extra(err) from None

    if threads is None:
        from dlcourse.labs.threads import default_threads

        threads, _why = default_threads()
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        try:
            result = run_lab(
                info.name,
                config,
                device=device,
                seed=seed,
                out=out,
                overrides=overrides,
                progress=_RichProgress(progress),
                precision=precision,
                threads=threads,
            )
        except ImportError as err:  # a lab's own dependency of the extra (matplotlib, …)
            raise _missing_extra(err) from None
        except (ValueError, RuntimeError, FileNotFoundError) as err:
            _error(err)
            raise typer.Exit(1) from None
    if result.metrics_path is None:  # not rank 0 of a torchrun job
        return
    title = f"{info.title} — {config}, seed {seed}, {result.device}, {result.precision}"
    table = Table(title=f"{title}, {result.threads} thread(s)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in result.metrics.items():
        table.add_row(key, _shown(value))
    console.print(table)
    console.print(  # one line, never wrapped inside the path
        f"{result.seconds:.1f} s · wrote {escape(str(result.metrics_path))} and "
        f"{len(result.figures)} figure(s)",
        soft_wrap=True,
    )


@lab_app.command("notebook")
def notebook(
    name: str = typer.Argument(..., help="lab name"),
    out: Path = typer.Option(None, help="notebook path (default: NAME.ipynb)"),
    config: str = typer.Option("quick", help="config the notebook runs"),
) -> None:
    """Write a runnable .ipynb of the lab (its source, cell by cell)."""
    info = _lab_or_exit(name)
    _output_file_or_exit(out)  # before the lab (and torch) is imported to build the notebook
    from dlcourse.labs.notebook import write_notebook

    try:
        path = write_notebook(info.name, out, config=config)
    except ImportError as err:
        raise _missing_extra(err) from None
    except OSError as err:
        _error(f"--out {describe_os_error(Path(err.filename or out or '.'), err)}")
        raise typer.Exit(2) from None
    console.print(f"wrote {escape(str(path))}")


def _output_file_or_exit(out: Path | None) -> None:
    if out is None:
        return
    try:
        check_output_file(out)
    except OutputPathError as err:
        _error(f"--out {err}")
        raise typer.Exit(2) from None


def _cluster_settings(course_dir: Path | None):
    """The ``[cluster]`` table of the course found as every command finds it (``--course``,
    ``$DLCOURSE_COURSE``, ``course.toml`` here or above, else the example, said on stderr)."""
    from dlcourse.cli.messages import course_or_exit

    return course_or_exit(course_dir).cluster


@lab_app.command("slurm")
def slurm(
    name: str = typer.Argument(..., help="lab name"),
    nodes: int = typer.Option(1, help="number of nodes"),
    gpus_per_node: int = typer.Option(
        None,
        help="GPUs per node (0: CPU-only, one process per node) \\[cluster.gpus_per_node]",
    ),
    cpus_per_task: int = typer.Option(
        None, help="CPU cores per node task \\[cluster.cpus_per_task]"
    ),
    mem: str = typer.Option(None, help="memory per node, e.g. 32G \\[cluster.mem]"),
    partition: str = typer.Option(None, help="SLURM partition \\[cluster.partition]"),
    account: str = typer.Option(None, help="SLURM account \\[cluster.account]"),
    time: str = typer.Option(None, help="wall-time limit HH:MM:SS \\[cluster.time]"),
    config: str = typer.Option("full", help="quick or full"),
    precision: str = typer.Option("auto", help="auto, fp32, bf16 or fp16"),
    seed: int = typer.Option(0),
    run_dir: str = typer.Option("runs/$SLURM_JOB_ID", help="where the job writes its outputs"),
    setup: list[str] = typer.Option(
        [], help="shell line before launch, e.g. 'module load cuda' \\[cluster.setup]"
    ),
    course_dir: Path = COURSE_OPTION,
    out: Path = typer.Option(None, help="write the script here instead of printing it"),
) -> None:
    """Write an sbatch script that runs the lab with srun + torchrun on NODES x GPUS.

    Options left out come from the course's \\[cluster] table (course.toml).
    """
    info = _lab_or_exit(name)
    _output_file_or_exit(out)  # before the course is read and the script made
    cluster = _cluster_settings(course_dir)
    from dlcourse.labs.slurm import SlurmJob, sbatch_script

    def pick(option, setting):
        return setting if option is None else option

    try:
        script = sbatch_script(
            SlurmJob(
                lab=info.name,
                nodes=nodes,
                gpus_per_node=pick(gpus_per_node, cluster.gpus_per_node),
                cpus_per_task=pick(cpus_per_task, cluster.cpus_per_task),
                mem=pick(mem, cluster.mem),
                time=pick(time, cluster.time),
                partition=pick(partition, cluster.partition),
                account=pick(account, cluster.account),
                gpu_flag=cluster.gpu_flag,
                gpu_type=cluster.gpu_type,
                config=config,
                precision=precision,
                seed=seed,
                out=run_dir,
                setup=tuple(setup) if setup else tuple(cluster.setup),
            )
        )
    except ValueError as err:
        _error(err)
        raise typer.Exit(2) from None
    if out is None:
        typer.echo(script, nl=False)
    else:
        try:
            atomic_write_text(out, script)  # a failed write leaves no half script
        except OSError as err:
            _error(f"--out {describe_os_error(out, err)}")
            raise typer.Exit(2) from None
        console.print(f"wrote {escape(str(out))}; submit with: sbatch {escape(str(out))}")
