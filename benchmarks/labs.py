"""Benchmark the labs: quick and full wall time of each, and our training loop's overhead.

    python benchmarks/labs.py [--labs spiral,convnet] [--skip-full | --overhead-only] [--threads 1]
        [--repeat 9] [--overhead-config full] [--out DIR]

For spiral and convnet it also times the lab's own ``train`` (its explicit loop, with the run
context's batching, AMP/DDP hooks and progress tracking) against a bare PyTorch loop on the same
model, data, optimiser and number of epochs: ``--repeat`` fresh trainings with each loop,
interleaved (AB, BA, …), on one thread. It reports the median and the min of each, the ratios
``ours / bare`` of medians and of mins, and the overhead per step in microseconds; the goal is a
ratio ≤ 1.05.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from dlcourse.labs import convnet, spiral
from dlcourse.labs.catalogue import lab_names
from dlcourse.labs.data.images import load_images
from dlcourse.labs.run_context import RunContext
from dlcourse.labs.runner import run_lab


def bare_loop(model, x, y, optimizer, epochs: int, batch_size: int | None) -> None:
    """The loop from the PyTorch tutorials, nothing else."""
    loss_fn = nn.CrossEntropyLoss()
    n = len(x)
    for _ in range(epochs):
        order = torch.randperm(n) if batch_size else None
        for start in range(0, n, batch_size or n):
            if order is None:
                xb, yb = x, y
            else:
                idx = order[start : start + batch_size]
                xb, yb = x[idx], y[idx]
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


def loop_overhead(name: str, repeat: int, config: str = "full") -> dict[str, float]:
    """Seconds for the config's training (full by default), bare loop vs the lab's own.

    Reported: median, min, ratios.

    "Ours" is the lab's own ``train`` function — its explicit five-step loop with the run
    context's batching, autocast and scaling hooks, progress tracking and loss buffer; "bare" is
    the tutorial loop on the same model, data, optimiser and epochs. Each repetition trains a
    fresh model (same seed, so the same work) once with each, the two interleaved (AB, BA, AB, …),
    so load that drifts over the run hits both alike. The median is robust to a few disturbed
    runs; the min is the run least disturbed, the closest to the loop's own cost. One thread,
    whatever ``--threads`` says: on a shared machine a second thread mostly measures the
    neighbours.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ctx = RunContext.create(device="cpu", precision="fp32")
    if name == "spiral":
        cfg = spiral.CONFIGS[config]
        x, y = spiral.make_spiral(
            cfg.points_per_class, cfg.classes, torch.Generator().manual_seed(0)
        )
        make_model = lambda: spiral.two_layer_net(cfg)  # noqa: E731
        optimiser_settings = {"lr": cfg.lr, "weight_decay": cfg.weight_decay}
        ours = lambda model: spiral.train(model, x, y, cfg, ctx, "net")  # noqa: E731
        epochs, batch_size = cfg.epochs, None
    else:
        cfg = convnet.CONFIGS[config]
        data = load_images(cfg.data)
        x, y = data.x_train, data.y_train
        make_model = lambda: convnet.ConvNet(data.shape, data.classes, cfg.channels)  # noqa: E731
        optimiser_settings = {"lr": cfg.lr}
        ours = lambda model: convnet.train(model, data, cfg, ctx, "cnn")  # noqa: E731
        epochs, batch_size = cfg.epochs, cfg.batch_size

    def train(which: str) -> float:
        torch.manual_seed(0)
        model = make_model()
        start = time.perf_counter()
        if which == "bare":
            optimizer = torch.optim.Adam(model.parameters(), **optimiser_settings)
            bare_loop(model, x, y, optimizer, epochs, batch_size)
        else:
            ours(model)
        return time.perf_counter() - start

    train("bare"), train("ours")  # warm-up: lazy initialisation, allocator, caches
    seconds: dict[str, list[float]] = {"bare": [], "ours": []}
    for r in range(repeat):
        for which in ("bare", "ours") if r % 2 == 0 else ("ours", "bare"):
            seconds[which].append(train(which))
    torch.set_num_threads(threads)
    bare_med, ours_med = statistics.median(seconds["bare"]), statistics.median(seconds["ours"])
    bare_min, ours_min = min(seconds["bare"]), min(seconds["ours"])
    steps = epochs * (-(-len(x) // batch_size) if batch_size else 1)
    return {
        "repeat": repeat,
        "steps": steps,
        "bare_median_s": bare_med,
        "ours_median_s": ours_med,
        "bare_min_s": bare_min,
        "ours_min_s": ours_min,
        "ratio_of_medians": ours_med / bare_med,
        "ratio_of_mins": ours_min / bare_min,
        "overhead_us_per_step": 1e6 * (ours_min - bare_min) / steps,
        "bare_s": seconds["bare"],
        "ours_s": seconds["ours"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labs", default=",".join(lab_names()))
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument(
        "--overhead-only", action="store_true", help="only the loop-overhead measurement"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steady on shared CPUs)"
    )
    parser.add_argument(
        "--repeat", type=int, default=9, help="interleaved full trainings per loop (overhead)"
    )
    parser.add_argument(
        "--overhead-config",
        default="full",
        choices=["quick", "full"],
        help="config trained for the overhead (quick: a smoke run, too short to judge)",
    )
    parser.add_argument("--out", type=Path, default=None, help="keep each run's metrics.json here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = [n.strip() for n in args.labs.split(",") if n.strip()]
    configs = [] if args.overhead_only else ["quick"] if args.skip_full else ["quick", "full"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU")
    results: dict[str, dict] = {name: {} for name in names}
    if configs:
        print(f"{'lab':26}" + "".join(f"{c + ' (s)':>12}" for c in configs))
    for name in names if configs else []:
        row = {}
        for config in configs:
            out = args.out / f"{name}-{config}" if args.out else None
            result = run_lab(name, config, device="cpu", seed=0, out=out)
            row[config] = result.seconds
        results[name] = row
        print(f"{name:26}" + "".join(f"{row[c]:12.2f}" for c in configs), flush=True)
    overhead_labs = [n for n in ("spiral", "convnet") if n in names]
    if overhead_labs:
        print(
            f"\ntraining-loop overhead vs a bare PyTorch loop ({args.overhead_config} config, "
            f"one thread, {args.repeat} interleaved runs each)"
        )
        print(
            f"{'lab':10}{'bare med':>10}{'ours med':>10}{'bare min':>10}{'ours min':>10}"
            f"{'med ratio':>11}{'min ratio':>11}{'µs/step':>9}"
        )
        for name in overhead_labs:
            o = loop_overhead(name, args.repeat, args.overhead_config)
            results[name]["overhead"] = o
            print(
                f"{name:10}{o['bare_median_s']:10.3f}{o['ours_median_s']:10.3f}"
                f"{o['bare_min_s']:10.3f}{o['ours_min_s']:10.3f}{o['ratio_of_medians']:11.3f}"
                f"{o['ratio_of_mins']:11.3f}{o['overhead_us_per_step']:9.1f}",
                flush=True,
            )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
