"""Fixtures for the lab tests: one thread (stable timing on shared CPUs), runs shared by tests.

A lab's quick run costs seconds, and several tests read the same one (the quick test, the lesson
over seeds, the DDP comparison), so every run goes through one cache per session, keyed by lab,
seed, thread count, precision and settings. The slow tests' runs and notebooks go to a pool of two
worker processes, so the two cores of a CI machine both work while pytest itself runs one test at a
time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

import dlcourse  # noqa: E402

from .lessons import SEEDS, execute_notebook, init_worker, run_in_worker  # noqa: E402

SRC_DIR = Path(dlcourse.__file__).resolve().parents[1]
WORKERS = 2  # the cores of a CI machine


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: this checkout's package importable, one thread each."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC_DIR), env.get("PYTHONPATH")) if p)
    env["OMP_NUM_THREADS"] = "1"
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def child_env() -> dict[str, str]:
    return subprocess_env()


@pytest.fixture(scope="session")
def worker_pool():
    """Two worker processes (spawned: a forked child of a process that ran OpenMP can hang)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=init_worker) as pool:
        yield pool


LESSON_TEST = "test_lesson_holds_on_the_median_of_three_seeds"
NOTEBOOK_TEST = "test_every_exported_notebook_runs_alone_and_shows_its_lesson"


@pytest.fixture(scope="session")
def lab_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_pool):
    """``lab_runs(name, seeds, threads=1, precision="fp32", settings)``: quick runs, made once.

    The first call from a lesson or notebook test hands every run and notebook the session's
    selected lesson, precision (parametrized by ``name``, ``precision`` and ``settings``) and
    notebook tests will ask for to the worker pool at once, in the tests' order, so both cores
    stay busy to the end; each test then waits for its own. A run asked for
    outside that plan runs here. ``lab_runs.notebook(name)`` is the executed notebook of a lab.
    """
    runs: dict[tuple, Future] = {}
    notebooks: dict[str, Future] = {}
    planned = False

    def key(name: str, seed: int, threads: int, precision: str, settings: dict) -> tuple:
        return (name, seed, threads, precision, tuple(sorted(settings.items())))

    def submit(name: str, seed: int, threads: int, precision: str, settings: dict) -> None:
        k = key(name, seed, threads, precision, settings)
        if k not in runs:
            out = str(tmp_path_factory.mktemp(f"{name}-seed{seed}-{threads}thread"))
            runs[k] = worker_pool.submit(
                run_in_worker, name, seed, threads, precision, settings, out
            )

    def plan() -> None:
        nonlocal planned
        if planned:
            return
        planned = True
        env = subprocess_env()
        selected = [i for i in request.session.items if i.get_closest_marker("skip") is None]
        for item in selected:
            if getattr(item, "originalname", None) == LESSON_TEST:
                params = item.callspec.params
                for seed in SEEDS:
                    submit(params["name"], seed, params["threads"], "fp32", {})
        for item in selected:  # the precision tests' runs under autocast
            params = getattr(getattr(item, "callspec", None), "params", {})
            if {"name", "precision", "settings"} <= params.keys():
                submit(params["name"], 0, 1, params["precision"], params["settings"])
        for item in selected:
            if getattr(item, "originalname", None) == NOTEBOOK_TEST:
                name = item.callspec.params["lab"].name
                workdir = str(tmp_path_factory.mktemp(f"notebook-{name}"))
                notebooks[name] = worker_pool.submit(execute_notebook, name, workdir, env)

    def lab_runs(
        name: str, seeds: Sequence[int] = (0,), threads: int = 1, precision: str = "fp32",
        settings: dict[str, str] | None = None,
    ) -> list:  # fmt: skip
        settings = settings or {}
        if len(seeds) > 1:
            plan()
        for seed in seeds:
            k = key(name, seed, threads, precision, settings)
            if k not in runs:  # not planned: run it here and now
                out = tmp_path_factory.mktemp(f"{name}-seed{seed}-{threads}thread")
                runs[k] = Future()
                runs[k].set_result(
                    run_in_worker(name, seed, threads, precision, settings, str(out))
                )
        return [runs[key(name, s, threads, precision, settings)].result() for s in seeds]

    def notebook(name: str):
        plan()
        return notebooks[name].result()

    lab_runs.notebook = notebook
    return lab_runs


@pytest.fixture(scope="session")
def quick_run(lab_runs) -> Callable:
    """``quick_run(name, seed=0, **settings)``: one thread, fp32, files under a temporary folder."""

    def run(name: str, seed: int = 0, **settings: str):
        return lab_runs(name, (seed,), settings=settings)[0]

    return run
