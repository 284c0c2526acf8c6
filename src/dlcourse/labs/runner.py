"""Run a lab by name: pick its config, set up device/DDP, call ``run``, write ``metrics.json``.

Every lab module provides ``CONFIGS = {"quick": Config(...), "full": Config(...)}`` and
``run(cfg, ctx) -> dict`` of metrics. ``quick`` runs in seconds on two CPU cores (the tests use
it); ``full`` reproduces the course's numbers.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from dlcourse.labs.catalogue import get_lab
from dlcourse.labs.distributed import destroy_process_group, init_process_group
from dlcourse.labs.run_context import ProgressSink, RunContext, seed_everything
from dlcourse.util.files import ensure_output_folder

CONFIG_NAMES = ("quick", "full")


@dataclass
class LabResult:
    lab: str
    config: str
    metrics: dict[str, Any]
    seconds: float
    device: str
    world_size: int
    precision: str = "fp32"
    threads: int = 1
    autocast_regions: int = 0  # forward passes that ran under autocast (0 under fp32)
    figures: list[Path] = field(default_factory=list)
    metrics_path: Path | None = None


def load_module(name: str) -> ModuleType:
    return importlib.import_module(get_lab(name).module)


def _parse_value(text: str, current: Any) -> Any:
    if isinstance(current, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected a boolean, got {text!r}")
    if isinstance(current, int):
        return int(text)
    if isinstance(current, float):
        return float(text)
    if isinstance(current, tuple):
        return tuple(type(current[0])(t) if current else t for t in text.split(","))
    return text


def make_config(
    module: ModuleType, config: str = "quick", overrides: Mapping[str, str] | None = None
):
    """The named config of a lab, with ``key=value`` overrides cast to each field's type."""
    if config not in module.CONFIGS:
        raise ValueError(f"unknown config {config!r}; choose from {', '.join(module.CONFIGS)}")
    cfg = module.CONFIGS[config]
    if overrides:
        names = {f.name for f in dataclasses.fields(cfg)}
        changes = {}
        for key, text in overrides.items():
            if key not in names:
                raise ValueError(f"{key!r} is not a setting of this lab; settings: {sorted(names)}")
            changes[key] = _parse_value(text, getattr(cfg, key))
        cfg = dataclasses.replace(cfg, **changes)
    return cfg


def _jsonable(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def run_lab(
    name: str,
    config: str = "quick",
    *,
    device: str = "auto",
    seed: int = 0,
    out: Path | str | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: ProgressSink | None = None,
    precision: str = "auto",
    threads: int | None = None,
) -> LabResult:
    """Run one lab in this process (one rank of a torchrun job, or a plain process).

    ``precision`` is ``auto|fp32|bf16|fp16`` (see :mod:`dlcourse.labs.device`); ``threads`` sets
    torch's CPU threads for this run and restores them after (``None``: leave them as they are).
    """
    info = get_lab(name)
    module = load_module(name)
    cfg = make_config(module, config, overrides)
    ctx = RunContext.create(
        device=device, seed=seed, out=out, progress=progress, precision=precision
    )
    if ctx.out is not None and ctx.is_main:
        ensure_output_folder(ctx.out)  # fail now, not after the training it would hold
    threads_before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    created_group = init_process_group(ctx.dist, ctx.device)
    try:
        seed_everything(seed)
        start = time.perf_counter()
        metrics = _jsonable(module.run(cfg, ctx))
        seconds = time.perf_counter() - start
        threads_used = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads_before)
        if created_group:
            destroy_process_group()
    result = LabResult(
        lab=info.name,
        config=config,
        metrics=metrics,
        seconds=seconds,
        device=str(ctx.device),
        world_size=ctx.dist.world_size,
        precision=ctx.precision,
        threads=threads_used,
        autocast_regions=ctx.autocast_regions,
        figures=list(ctx.figures),
    )
    if ctx.out is not None and ctx.is_main:
        result.metrics_path = ctx.out / "metrics.json"
        record = {
            "lab": info.name,
            "config": config,
            "settings": _jsonable(dataclasses.asdict(cfg)),
            "seed": seed,
            "device": result.device,
            "world_size": result.world_size,
            "precision": result.precision,
            "threads": result.threads,
            "seconds": round(seconds, 3),
            "torch": torch.__version__,
            "metrics": metrics,
            "figures": [p.name for p in result.figures],
        }
        result.metrics_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return result
