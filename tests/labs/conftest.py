"""Fixtures for the lab tests: one thread (stable timing on shared CPUs), cached quick runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

import dlcourse  # noqa: E402

SRC_DIR = Path(dlcourse.__file__).resolve().parents[1]


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
def quick_run(tmp_path_factory: pytest.TempPathFactory):
    """Run a lab's quick config once per session (several tests read one run)."""
    from dlcourse.labs.runner import run_lab

    cache: dict[tuple, object] = {}

    def run(name: str, seed: int = 0, **overrides: str):
        key = (name, seed, tuple(sorted(overrides.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp(name)
            cache[key] = run_lab(
                name, "quick", device="cpu", seed=seed, out=out, overrides=overrides
            )
        return cache[key]

    return run
