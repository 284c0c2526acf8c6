"""``python -m dlcourse.labs NAME``: the entry point ``torchrun`` (and ``srun torchrun``) launches.

Kept to argparse and the runner so each rank starts fast and prints one line; only rank 0 prints.
"""

from __future__ import annotations

import argparse
import json
import sys

from dlcourse.labs.catalogue import lab_names
from dlcourse.labs.distributed import DistEnv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.labs", description=__doc__)
    parser.add_argument("name", choices=lab_names())
    parser.add_argument("--config", default="quick", choices=("quick", "full"))
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    parser.add_argument("--threads", type=int, default=None, help="default: see labs.threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for metrics.json and figures")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)

    from dlcourse.labs.runner import run_lab
    from dlcourse.labs.threads import default_threads

    threads = args.threads if args.threads is not None else default_threads()[0]

    overrides = dict(item.split("=", 1) for item in args.set)
    result = run_lab(
        args.name,
        args.config,
        device=args.device,
        seed=args.seed,
        out=args.out,
        overrides=overrides,
        precision=args.precision,
        threads=threads,
    )
    if DistEnv.from_environ().is_main:
        # One line of the scalar metrics; curves and tables are in metrics.json.
        scalars = {k: v for k, v in result.metrics.items() if not isinstance(v, list | dict)}
        summary = {"lab": result.lab, "seconds": round(result.seconds, 2), **scalars}
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
