"""The example course's figures, made by the labs.

    python scripts/example_figures.py [--out src/dlcourse/examples/dlsp20/docs/images]

Each figure of the example notes is drawn from a lab's own code with its quick settings, so the
site shows what the labs teach (and a change to a lab shows up in the notes when this is re-run):

    week01/01-1/threshold-unit.png  logic-neurons: the AND and OR threshold units over the plane
    week01/01-3/fold.png            space-stretching: a Gaussian cloud, W x, and ReLU(W x)
    week01/01-3/regions.png         spiral (quick): the two-layer ReLU net's decision regions
    week02/02-1/modules.png         spiral's two-layer net: the autograd graph of its loss
    week02/02-3/linear.png          spiral (quick): the linear model's decision regions

CPU only, seed 0, about ten seconds. PNGs carry no timestamp or software version, so a re-run
with the same torch and matplotlib writes the same bytes. Needs the labs extra.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from dlcourse.labs import logic_neurons, spiral
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext, seed_everything

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "dlcourse" / "examples" / "dlsp20" / "docs" / "images"
SOURCE = "dlcourse scripts/example_figures.py"  # the PNG's Source text: the test checks it
DPI = 100


def save(fig, path: Path) -> None:
    """Write ``fig`` as a PNG without timestamp or version (reproducible bytes) and close it."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        path,
        dpi=DPI,
        bbox_inches="tight",
        facecolor="white",  # readable on the site's dark background too
        metadata={"Software": None, "Source": SOURCE},
    )
    plt.close(fig)


def threshold_units(path: Path) -> None:
    """The logic-neurons lab's AND and OR units: where each fires, its line and the truth table."""
    fig, axes = subplots(1, 2, size=3.2, layout="constrained")
    grid = torch.linspace(-0.5, 1.5, 241)
    gx, gy = torch.meshgrid(grid, grid, indexing="xy")
    plane = torch.stack([gx.flatten(), gy.flatten()], dim=1)  # [241*241, 2]
    table = logic_neurons.truth_table(2)  # [4, 2]
    for ax, (name, unit, bias) in zip(
        axes[0],
        [
            ("AND: x₁ + x₂ > 1.5", logic_neurons.AND, 1.5),
            ("OR: x₁ + x₂ > 0.5", logic_neurons.OR, 0.5),
        ],
        strict=True,
    ):
        fires = unit(plane).reshape(gx.shape)  # 0 or 1 at every point of the plane
        ax.contourf(gx, gy, fires, levels=[-0.5, 0.5, 1.5], colors=["#f2f2f2", "#cfc4f5"])
        ax.plot([-0.5, 1.5], [bias + 0.5, bias - 1.5], color="#5b3cc4", linewidth=1.5)
        out = unit(table)
        ax.scatter(
            table[:, 0],
            table[:, 1],
            c=["#5b3cc4" if o else "white" for o in out],
            edgecolors="black",
            s=70,
            zorder=3,
        )
        ax.set_title(name, fontsize=10)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_aspect("equal")
    save(fig, path)


def relu_fold(path: Path) -> None:
    """The space-stretching lab's cloud under a random linear map, then folded by the positive
    part (the lab folds with tanh; the note's figure shows ReLU, the course's non-linearity)."""
    ctx = RunContext.create(device="cpu", seed=0)
    g = ctx.generator()
    cloud = torch.randn(500, 2, generator=g)  # [n, 2], the lab's quick size
    w = torch.randn(2, 2, generator=g)
    stretched = cloud @ w.T  # [n, 2]: y = W x
    folded = torch.relu(stretched)  # [n, 2]: every negative coordinate projected onto an axis
    colour = cloud[:, 0].numpy()
    fig, axes = subplots(1, 3, size=2.6)
    for ax, (title, points) in zip(
        axes[0], [("x", cloud), ("W x", stretched), ("ReLU(W x)", folded)], strict=True
    ):
        ax.scatter(points[:, 0], points[:, 1], c=colour, s=3, cmap="viridis")
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_title(title, fontsize=10)
        ax.set_aspect("equal")
    save(fig, path)


@functools.cache
def trained_spiral_models() -> tuple[dict[str, nn.Module], torch.Tensor, torch.Tensor]:
    """The spiral lab's quick run: its data and both of its models, trained as the lab does."""
    cfg = spiral.CONFIGS["quick"]
    ctx = RunContext.create(device="cpu", seed=0)
    seed_everything(0)
    x, y = spiral.make_spiral(cfg.points_per_class, cfg.classes, ctx.generator())
    models = {}
    for name, make in [("linear", spiral.linear_model), ("2-layer ReLU net", spiral.two_layer_net)]:
        torch.manual_seed(ctx.seed)
        models[name], _ = spiral.train(make(cfg), x, y, cfg, ctx, name)
    return models, x, y


def decision_regions(model_name: str) -> Callable[[Path], None]:
    """One model's panel of the spiral lab's decision-boundary figure, drawn by the lab."""

    def draw(path: Path) -> None:
        models, x, y = trained_spiral_models()
        ctx = RunContext.create(device="cpu", seed=0)
        # the lab saves through its context: hand it this script's reproducible writer
        ctx.save_figure = lambda fig, name: save(fig, path)  # type: ignore[method-assign]
        spiral.plot_boundaries({model_name: models[model_name]}, x, y, ctx)

    return draw


def autograd_chain(path: Path) -> None:
    """The autograd graph of the spiral net's loss, walked from the loss back to the weights:
    the forward pass builds it bottom-up, backward visits it top-down."""
    cfg = spiral.CONFIGS["quick"]
    torch.manual_seed(0)
    net = spiral.two_layer_net(cfg)
    x, y = spiral.make_spiral(10, cfg.classes, torch.Generator().manual_seed(0))
    loss = nn.CrossEntropyLoss()(net(x), y)
    chain = []  # grad_fn names from the loss down to the input, following the data path
    node = loss.grad_fn
    while node is not None:
        chain.append(type(node).__name__)
        data_inputs = [n for n, _ in node.next_functions if n is not None]
        # (the data path continues through the non-leaf input; leaves are the parameters, and
        # TBackward0 is a weight's transpose inside a linear layer, not a step of the data)
        node = next(
            (n for n in data_inputs if type(n).__name__ not in ("AccumulateGrad", "TBackward0")),
            None,
        )
    chain.append("input x")
    chain.reverse()  # input first, as the forward pass runs
    fig, axes = subplots(1, 1, size=3.6)
    ax = axes[0][0]
    fig.set_size_inches(3.6, 0.55 * len(chain) + 0.6)
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.7, len(chain) - 0.3)
    for k, name in enumerate(chain):
        ax.text(
            0.5,
            k,
            name,
            ha="center",
            va="center",
            fontsize=9,
            family="monospace",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#ece8fb", "edgecolor": "#5b3cc4"},
        )
        if k:
            ax.annotate(
                "",
                xy=(0.3, k - 0.28),
                xytext=(0.3, k - 0.72),
                arrowprops={"arrowstyle": "->", "color": "black"},
            )
            ax.annotate(
                "",
                xy=(0.7, k - 0.72),
                xytext=(0.7, k - 0.28),
                arrowprops={"arrowstyle": "->", "color": "#9a5b00"},
            )
    ax.text(0.3, -0.6, "forward", ha="center", fontsize=8)
    ax.text(0.7, -0.6, "backward", ha="center", fontsize=8, color="#9a5b00")
    save(fig, path)


FIGURES: dict[str, Callable[[Path], None]] = {
    "week01/01-1/threshold-unit.png": threshold_units,
    "week01/01-3/fold.png": relu_fold,
    "week01/01-3/regions.png": decision_regions("2-layer ReLU net"),
    "week02/02-1/modules.png": autograd_chain,
    "week02/02-3/linear.png": decision_regions("linear"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # small models: one thread is fastest and deterministic
    for rel, draw in FIGURES.items():
        draw(args.out / rel)
        print(args.out / rel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
