"""Sparse coding with ISTA, and LISTA: the same inference, learned and a hundred times faster.

Sparse coding explains an input ``x`` as a combination of a few *atoms*, the columns of a
dictionary ``D``: it looks for the code ``z`` that minimises the energy

    E(x, z) = ½ ‖x − D z‖² + λ ‖z‖₁ ,

where the ℓ₁ term drives most entries of ``z`` to exactly zero. There is no closed form. ISTA
(iterative shrinkage and thresholding) takes a gradient step on the first term and then shrinks
every entry towards zero by ``λ/L`` — a *soft threshold* — and repeats, many times. Gregor and LeCun
(2010) noticed that one ISTA iteration is a layer, ``z ← shrink(W_e x + S z, θ)``, and that a few
such layers with ``W_e``, ``S`` and ``θ`` *learned* (LISTA) approximate the sparse code far faster
than ISTA reaches it — amortised inference, a recurring idea of the course.

1. **Data.** The 8×8 digits as 64-D vectors, each with its mean removed.
2. **Dictionary.** 128 atoms (twice overcomplete), learned on the training digits: ISTA gives the
   codes, then the five steps move ``D`` to reconstruct better; atoms are kept at unit norm.
3. **Optimal codes.** ``z*``: the minimiser of the energy, found with FISTA (ISTA with Nesterov
   momentum) run to convergence.
4. **LISTA.** ``T`` unrolled layers, started from ISTA's own matrices and trained to output ``z*``.
5. **Measure** on held-out digits: the code error ``‖z − z*‖² / ‖z*‖²`` after ``k`` ISTA iterations,
   and after LISTA's ``T`` layers; how many ISTA iterations it takes to do as well as LISTA.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.images import load_images
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    atoms: int = 128
    sparsity: float = 0.1  # λ
    dictionary_epochs: int = 30
    dictionary_ista_steps: int = 50  # ISTA iterations per batch while learning D
    optimal_steps: int = 1000  # FISTA iterations for z*
    depths: tuple[int, ...] = (1, 2, 5, 10)  # LISTA layers (one network per depth)
    lista_epochs: int = 300
    batch_size: int = 256
    lr: float = 1e-3
    ista_max: int = 1000  # ISTA iterations measured


CONFIGS = {
    "quick": Config(dictionary_epochs=10, optimal_steps=400, depths=(2, 5), lista_epochs=60,
                    ista_max=400),
    "full": Config(),
}  # fmt: skip


def prepare(images: torch.Tensor) -> torch.Tensor:
    """``[n, 1, h, w]`` → ``[n, h·w]`` with each image's mean removed (the atoms model strokes)."""
    x = images.flatten(1)
    return x - x.mean(1, keepdim=True)


def soft_threshold(v: torch.Tensor, threshold: torch.Tensor | float) -> torch.Tensor:
    """``sign(v) · max(|v| − θ, 0)``: the proximal step of ``θ‖·‖₁``, it zeroes small entries."""
    return torch.sign(v) * torch.relu(v.abs() - threshold)


def lipschitz(dictionary: torch.Tensor) -> float:
    """``L``: the largest eigenvalue of ``DᵀD``, the curvature of ½‖x − Dz‖²."""
    return float(torch.linalg.matrix_norm(dictionary.float(), ord=2) ** 2)


def ista(
    x: torch.Tensor, dictionary: torch.Tensor, sparsity: float, steps: int,
    trace: torch.Tensor | None = None,
) -> tuple[torch.Tensor, list[float]]:  # fmt: skip
    """``steps`` ISTA iterations from ``z = 0`` for inputs ``x [n, m]``; codes ``[n, atoms]``.

    With ``trace`` (the optimal codes), also returns the code error after every iteration.
    """
    step = 1 / lipschitz(dictionary)
    z = x.new_zeros(len(x), dictionary.shape[1])  # [n, atoms]
    errors = []
    for _ in range(steps):
        gradient = (z @ dictionary.T - x) @ dictionary  # ∇_z ½‖x − Dz‖²: [n, atoms]
        z = soft_threshold(z - step * gradient, step * sparsity)
        if trace is not None:
            errors.append(code_error(z, trace))
    return z, errors


def fista(x: torch.Tensor, dictionary: torch.Tensor, sparsity: float, steps: int) -> torch.Tensor:
    """ISTA with Nesterov's momentum (Beck and Teboulle, 2009): the same minimum, reached sooner."""
    step = 1 / lipschitz(dictionary)
    z = y = x.new_zeros(len(x), dictionary.shape[1])
    t = 1.0
    for _ in range(steps):
        z_next = soft_threshold(y - step * (y @ dictionary.T - x) @ dictionary, step * sparsity)
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        y = z_next + (t - 1) / t_next * (z_next - z)
        z, t = z_next, t_next
    return z


def code_error(z: torch.Tensor, optimal: torch.Tensor) -> float:
    """``Σ‖z − z*‖² / Σ‖z*‖²`` over the set: 1 for ``z = 0``, 0 for the optimal codes."""
    return float((z - optimal).pow(2).sum() / optimal.pow(2).sum())


def energy(x: torch.Tensor, dictionary: torch.Tensor, z: torch.Tensor, sparsity: float) -> float:
    return float((0.5 * (x - z @ dictionary.T).pow(2).sum(1) + sparsity * z.abs().sum(1)).mean())


def learn_dictionary(
    x: torch.Tensor, cfg: Config, ctx: RunContext
) -> tuple[torch.Tensor, list[float]]:
    """Alternate: codes by ISTA with ``D`` fixed, then a gradient step on ``D`` with codes fixed."""
    torch.manual_seed(ctx.seed)
    dictionary = nn.Parameter(nn.functional.normalize(torch.randn(x.shape[1], cfg.atoms), dim=0))
    optimizer = torch.optim.Adam([dictionary], lr=cfg.lr * 10)
    # Every process learns the same dictionary from all the data (no sharding): it is small, and
    # LISTA and the optimal codes must agree on it everywhere.
    order = ctx.generator(1)
    starts = range(0, len(x), cfg.batch_size)
    losses = torch.empty(cfg.dictionary_epochs, len(starts))  # [epochs, steps]
    for epoch in ctx.track(range(cfg.dictionary_epochs), "sparse coding: dictionary"):
        shuffled = x[torch.randperm(len(x), generator=order)]
        for step, start in enumerate(starts):
            inputs = shuffled[start : start + cfg.batch_size]  # [b, 64]
            with torch.no_grad():
                codes, _ = ista(inputs, dictionary, cfg.sparsity, cfg.dictionary_ista_steps)
            reconstruction = codes @ dictionary.T  # 1. forward: [b, 64]
            loss = 0.5 * (inputs - reconstruction).pow(2).sum(1).mean()  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero
            loss.backward()  # 4. backward
            optimizer.step()  # 5. step
            with torch.no_grad():  # unit-norm atoms, or D grows and z shrinks to cheat ‖z‖₁
                dictionary /= dictionary.norm(dim=0, keepdim=True)
            losses[epoch, step] = loss.detach()
    return dictionary.detach(), losses.mean(1).tolist()


class LISTA(nn.Module):
    """``T`` layers of ``z ← shrink(W_e x + S z, θ)``, started as ``T`` ISTA iterations."""

    def __init__(self, dictionary: torch.Tensor, sparsity: float, depth: int) -> None:
        super().__init__()
        step = 1 / lipschitz(dictionary)
        atoms = dictionary.shape[1]
        self.depth = depth
        self.encode = nn.Parameter(step * dictionary.T.clone())  # W_e: [atoms, m]
        self.mutual = nn.Parameter(torch.eye(atoms) - step * dictionary.T @ dictionary)  # S
        self.threshold = nn.Parameter(torch.full((atoms,), step * sparsity))  # θ per atom

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        drive = x @ self.encode.T  # W_e x: [b, atoms], the same in every layer
        z = soft_threshold(drive, self.threshold)
        for _ in range(self.depth - 1):
            z = soft_threshold(drive + z @ self.mutual.T, self.threshold)
        return z


def train_lista(
    x: torch.Tensor, optimal: torch.Tensor, dictionary: torch.Tensor, depth: int,
    cfg: Config, ctx: RunContext,
) -> tuple[nn.Module, list[float]]:  # fmt: skip
    """Regress LISTA's output on the optimal codes: ``‖LISTA(x) − z*‖²``."""
    model = ctx.wrap(LISTA(dictionary, cfg.sparsity, depth))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = ctx.batches(x, optimal, batch_size=cfg.batch_size)
    losses = torch.empty(cfg.lista_epochs, len(batches), device=ctx.device)
    for epoch in ctx.track(range(cfg.lista_epochs), f"LISTA, {depth} layers"):
        for step, (inputs, target) in enumerate(batches):  # [b, 64], [b, atoms]
            with ctx.autocast():
                codes = model(inputs)  # 1. forward: [b, atoms]
                loss = (codes.float() - target).pow(2).sum(1).mean()  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[epoch, step] = loss.detach()
    return model, ctx.mean_across_ranks(losses.mean(1).tolist())


def plot_results(
    dictionary: torch.Tensor,
    ista_errors: list[float],
    lista_errors: dict[int, float],
    ctx: RunContext,
) -> None:
    fig, axes = subplots(1, 2, size=4.5)
    ax = axes[0][0]
    atoms = dictionary.T.reshape(-1, 8, 8)[:64]  # the first 64 atoms, as images
    side = 8
    tiles = torch.ones(8 * (side + 1), 8 * (side + 1)) * float(atoms.min())
    for k, atom in enumerate(atoms):
        r, c = divmod(k, 8)
        tiles[r * (side + 1) : r * (side + 1) + side, c * (side + 1) : c * (side + 1) + side] = atom
    ax.imshow(tiles, cmap="RdBu_r")
    ax.axis("off")
    ax.set_title("learned atoms (64 of them)")
    ax = axes[0][1]
    ax.loglog(range(1, len(ista_errors) + 1), ista_errors, label="ISTA, k iterations")
    for depth, error in lista_errors.items():
        ax.loglog([depth], [error], "o", color="tab:red")
        ax.annotate(f"LISTA {depth}", (depth, error), textcoords="offset points", xytext=(5, 5))
    ax.set_xlabel("iterations (ISTA) or layers (LISTA)")
    ax.set_ylabel("code error ‖z − z*‖² / ‖z*‖²")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    ctx.save_figure(fig, "ista_lista")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    x_train, x_test = prepare(data.x_train), prepare(data.x_test)  # [n, 64]
    dictionary, dictionary_losses = learn_dictionary(x_train, cfg, ctx)
    optimal_train = fista(x_train, dictionary, cfg.sparsity, cfg.optimal_steps)
    optimal_test = fista(x_test, dictionary, cfg.sparsity, cfg.optimal_steps)
    _, ista_errors = ista(x_test, dictionary, cfg.sparsity, cfg.ista_max, trace=optimal_test)
    lista_errors, iterations_to_match = {}, {}
    for depth in cfg.depths:
        torch.manual_seed(ctx.seed)
        model, _ = train_lista(x_train, optimal_train, dictionary, depth, cfg, ctx)
        model.eval()
        with torch.no_grad():
            codes = model(x_test.to(ctx.device)).float().cpu()
        lista_errors[depth] = code_error(codes, optimal_test)
        matched = [k + 1 for k, e in enumerate(ista_errors) if e <= lista_errors[depth]]
        # ISTA never matching within ista_max iterations is reported as ista_max + 1
        iterations_to_match[depth] = matched[0] if matched else cfg.ista_max + 1
    if ctx.is_main:
        plot_results(dictionary, ista_errors, lista_errors, ctx)
    # FISTA has converged when more iterations no longer change the energy
    converged = fista(x_test, dictionary, cfg.sparsity, 2 * cfg.optimal_steps)
    return {
        "atoms": cfg.atoms,
        "nonzero_fraction": float((optimal_test != 0).float().mean()),
        "reconstruction_error": float(
            (x_test - optimal_test @ dictionary.T).pow(2).sum() / x_test.pow(2).sum()
        ),
        "optimal_energy": energy(x_test, dictionary, optimal_test, cfg.sparsity),
        "optimal_energy_twice_the_iterations": energy(x_test, dictionary, converged, cfg.sparsity),
        "ista_error_at": {str(k): ista_errors[k - 1] for k in (1, 2, 5, 10, 20, 50, 100)},
        "lista_error": {str(d): e for d, e in lista_errors.items()},
        "ista_iterations_to_match_lista": {str(d): k for d, k in iterations_to_match.items()},
        "speed_up": {str(d): iterations_to_match[d] / d for d in cfg.depths},
        "dictionary_loss_curve": dictionary_losses,
    }
