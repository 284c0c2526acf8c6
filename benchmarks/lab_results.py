"""The labs' results over seeds: mean ± standard deviation (and range) of every scalar metric.

    python benchmarks/lab_results.py [--labs spiral,convnet] [--config quick|full]
        [--seeds 0,1,2] [--threads 1] [--out results.json]

A lesson that holds for one seed on one machine may be luck; ``docs/labs.md`` reports each
result as mean ± spread over seeds, from this script's output. Each run is one process's
``run_lab`` on the CPU, fp32, with ``--threads`` threads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

from dlcourse.labs.catalogue import lab_names
from dlcourse.labs.runner import run_lab


def summarise(runs: list[dict]) -> dict[str, dict[str, float]]:
    """Per scalar metric: mean, standard deviation, min and max over the runs."""
    summary = {}
    for key, first in runs[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            continue
        values = [float(run[key]) for run in runs]
        summary[key] = {
            "mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labs", default=",".join(lab_names()))
    parser.add_argument("--config", default="full", choices=("quick", "full"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the summary as JSON here")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    names = [n.strip() for n in args.labs.split(",") if n.strip()]
    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU, fp32, seeds {seeds}")
    results = {}
    for name in names:
        runs = [
            run_lab(name, args.config, device="cpu", seed=seed, threads=args.threads).metrics
            for seed in seeds
        ]
        results[name] = summarise(runs)
        for key, s in results[name].items():
            print(
                f"{name:24} {key:40} {s['mean']:10.4f} ± {s['std']:.4f}"
                f"   [{s['min']:.4f}, {s['max']:.4f}]",
                flush=True,
            )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
