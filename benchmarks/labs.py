"""Benchmark the labs: quick and full wall time of each, and our training loop's overhead.

    python benchmarks/labs.py [--labs spiral,convnet] [--skip-full] [--threads 1] [--out DIR]

For spiral and convnet it also times ``dlcourse.labs.train.fit`` (with the run context's batching,
AMP/DDP hooks and progress tracking) against a bare PyTorch loop on the same model, data, optimiser
and number of epochs, trained side by side in alternating chunks. The ratio ``ours / bare`` is the
overhead; the goal is ≤ 1.05.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

from dlcourse.labs import convnet, spiral
from dlcourse.labs.catalogue import lab_names
from dlcourse.labs.context import RunContext
from dlcourse.labs.data.images import load_images
from dlcourse.labs.runner import run_lab
from dlcourse.labs.train import fit


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


def loop_overhead(name: str, repeat: int) -> dict[str, float]:
    """Seconds for the full config's training, bare loop vs ours, and their ratio.

    Both models train side by side in small alternating chunks of epochs (swapping who goes first),
    so a change in machine load during the run hits both loops alike.
    """
    if name == "spiral":
        cfg = spiral.CONFIGS["full"]
        x, y = spiral.make_spiral(
            cfg.points_per_class, cfg.classes, torch.Generator().manual_seed(0)
        )
        make_model, epochs, batch_size, lr = (
            (lambda: spiral.two_layer_net(cfg)),
            cfg.epochs,
            None,
            cfg.lr,
        )
    else:
        cfg = convnet.CONFIGS["full"]
        data = load_images(cfg.data)
        x, y = data.x_train, data.y_train
        make_model = lambda: convnet.ConvNet(data.shape, data.classes, cfg.channels)  # noqa: E731
        epochs, batch_size, lr = cfg.epochs, cfg.batch_size, cfg.lr
    ctx = RunContext.create(device="cpu")
    batches = ctx.batches(x, y, batch_size=batch_size)
    models, optimizers = {}, {}
    for which in ("bare", "ours"):
        torch.manual_seed(0)
        models[which] = make_model()
        optimizers[which] = torch.optim.Adam(models[which].parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    steps = {
        "bare": lambda n: bare_loop(models["bare"], x, y, optimizers["bare"], n, batch_size),
        "ours": lambda n: fit(models["ours"], loss_fn, optimizers["ours"], batches, n, ctx),
    }
    seconds = {"bare": 0.0, "ours": 0.0}
    chunk = max(1, epochs // 20)
    for r in range(repeat):
        for k, _ in enumerate(range(0, epochs, chunk)):
            for which in ("bare", "ours") if (r + k) % 2 == 0 else ("ours", "bare"):
                start = time.perf_counter()
                steps[which](chunk)
                seconds[which] += time.perf_counter() - start
    bare, ours = seconds["bare"] / repeat, seconds["ours"] / repeat
    return {"bare_s": bare, "ours_s": ours, "ratio": ours / bare}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labs", default=",".join(lab_names()))
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steady on shared CPUs)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="full trainings per loop (overhead)")
    parser.add_argument("--out", type=Path, default=None, help="keep each run's metrics.json here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = [n.strip() for n in args.labs.split(",") if n.strip()]
    configs = ["quick"] if args.skip_full else ["quick", "full"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU")
    print(f"{'lab':26}" + "".join(f"{c + ' (s)':>12}" for c in configs))
    results: dict[str, dict] = {}
    for name in names:
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
            f"\ntraining-loop overhead vs a bare PyTorch loop (full config, mean of {args.repeat})"
        )
        print(f"{'lab':12}{'bare (s)':>10}{'ours (s)':>10}{'ours/bare':>11}")
        for name in overhead_labs:
            o = loop_overhead(name, args.repeat)
            results[name]["overhead"] = o
            print(f"{name:12}{o['bare_s']:10.3f}{o['ours_s']:10.3f}{o['ratio']:11.3f}", flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
