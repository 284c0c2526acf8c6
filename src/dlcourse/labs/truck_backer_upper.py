"""Truck backer-upper (Nguyen & Widrow, 1990): learn the world, then learn to act through it.

A cab pulls a trailer; we must *reverse* the trailer's rear onto the dock at (0, 0), facing it
straight (trailer angle 0). Reversing a trailer is unstable: small steering errors grow, and the
cab can jackknife.

1. **Emulator.** A net learns the truck's kinematics — next state from state and steering — from
   random moves of the simulator. Unlike the simulator, it is differentiable.
2. **Controller.** A second net maps a state to a steering angle. We roll it out through the
   *emulator* for many steps and backpropagate the final docking error through the whole
   trajectory into the controller's weights (the emulator stays frozen).
3. **Test** on the real simulator, from starting positions never used in training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.distributed import unwrap_model
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

CAB, TRAILER, SPEED = 4.0, 10.0, -1.0  # lengths; negative speed: reversing, 1 unit per step
MAX_STEER = math.pi / 4


@dataclass(frozen=True)
class Config:
    emulator_samples: int = 20_000
    emulator_epochs: int = 30
    controller_iterations: int = 1500
    batch: int = 128
    horizon: int = 60  # steps unrolled through the emulator
    x_range: tuple[float, float] = (10.0, 25.0)
    y_range: tuple[float, float] = (-8.0, 8.0)
    angle_range: float = 0.6  # starting trailer angle in ±this (radians)
    test_starts: int = 200
    hidden: int = 64
    emulator_lr: float = 3e-3
    controller_lr: float = 1e-2  # decays to 1/20 of this along a cosine (fine control at the end)
    first_lesson: float = 0.3  # curriculum: starts begin this fraction of the way out ...
    curriculum: float = 0.5  # ... and reach the full range after this fraction of the iterations


CONFIGS = {
    "quick": Config(
        emulator_samples=8_000,
        emulator_epochs=15,
        controller_iterations=300,
        horizon=30,
        x_range=(8.0, 16.0),
        y_range=(-4.0, 4.0),
        angle_range=0.4,
        test_starts=100,
    ),
    "full": Config(),
}


def kinematics(state: torch.Tensor, steer: torch.Tensor) -> torch.Tensor:
    """One reversing step: ``state [b, 4] = (x, y, θ_cab, θ_trailer)``, ``steer [b]``.

    The cab turns by its steering; the hitch's motion splits into a part along the trailer (which
    moves its rear) and a part across it (which turns it).
    """
    x, y, cab, trailer = state.unbind(-1)
    hitch = SPEED * torch.cos(steer)  # hitch displacement along the cab
    along = hitch * torch.cos(cab - trailer)
    across = hitch * torch.sin(cab - trailer)
    return torch.stack(
        [
            x + along * torch.cos(trailer),
            y + along * torch.sin(trailer),
            cab + torch.asin(torch.clamp(SPEED * torch.sin(steer) / CAB, -1, 1)),
            trailer + torch.asin(torch.clamp(across / TRAILER, -1, 1)),
        ],
        dim=-1,
    )


def angle_features(state: torch.Tensor) -> torch.Tensor:
    """Angles as (cos, sin) so 2π wrap-around is seamless: ``[b, 4]``."""
    cab, trailer = state[:, 2], state[:, 3]
    return torch.stack([cab.cos(), cab.sin(), trailer.cos(), trailer.sin()], dim=1)


class Emulator(nn.Module):
    """Predicts the change of state. Position does not change the physics (translation
    invariance), so it sees only the angles and the steering."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(5, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, 4),
        )

    def forward(self, state: torch.Tensor, steer: torch.Tensor) -> torch.Tensor:
        inputs = torch.cat([angle_features(state), steer[:, None]], dim=1)  # [b, 5]
        return state + self.net(inputs)  # [b, 4]: next state


class Controller(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        inputs = torch.cat([state[:, :2] / 10, angle_features(state)], dim=1)  # [b, 6]
        return MAX_STEER * torch.tanh(self.net(inputs))[:, 0]  # steering in ±45°


def random_starts(n: int, cfg: Config, g: torch.Generator, reach: float = 1.0) -> torch.Tensor:
    """Trailer behind the dock, roughly facing it; cab roughly in line with the trailer.

    ``reach`` < 1 shrinks distances and angles towards the dock: the curriculum's early lessons.
    """
    u = torch.rand(n, 4, generator=g)
    x = reach * (cfg.x_range[0] + (cfg.x_range[1] - cfg.x_range[0]) * u[:, 0])
    y = reach * (cfg.y_range[0] + (cfg.y_range[1] - cfg.y_range[0]) * u[:, 1])
    trailer = reach * cfg.angle_range * (2 * u[:, 2] - 1)
    cab = trailer + 0.3 * (2 * u[:, 3] - 1)
    return torch.stack([x, y, cab, trailer], dim=1)


def train_emulator(cfg: Config, ctx: RunContext) -> tuple[nn.Module, float]:
    g = ctx.generator(1)

    def samples(n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        trailer = math.pi * (2 * torch.rand(n, generator=g) - 1)
        cab = trailer + (math.pi / 2) * (2 * torch.rand(n, generator=g) - 1)  # no jackknife
        state = torch.stack([torch.zeros(n), torch.zeros(n), cab, trailer], dim=1)
        steer = MAX_STEER * (2 * torch.rand(n, generator=g) - 1)
        return state, steer, kinematics(state, steer)

    state, steer, target = samples(cfg.emulator_samples)
    torch.manual_seed(ctx.seed)
    emulator = ctx.wrap(Emulator(cfg.hidden))
    optimizer = torch.optim.Adam(emulator.parameters(), lr=cfg.emulator_lr)
    batches = ctx.batches(state, steer, target, batch_size=256)
    for _epoch in ctx.track(range(cfg.emulator_epochs), "truck: emulator"):
        for s, a, next_s in batches:  # state [b, 4], steering [b], next state [b, 4]
            with ctx.autocast():
                predicted = emulator(s, a)  # 1. forward: [b, 4]
            loss = ((predicted.float() - next_s) ** 2).mean()  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
    state, steer, target = samples(2000)
    with torch.no_grad():
        change = target - state
        error = (
            (unwrap_model(emulator)(state.to(ctx.device), steer.to(ctx.device)).cpu() - target) ** 2
        ).mean()
        relative_error = float(error / (change**2).mean())  # 0: perfect; 1: predicts no motion
    return unwrap_model(emulator), relative_error


def docking_error(state: torch.Tensor) -> torch.Tensor:
    """Squared distance of the trailer's rear to the dock plus its angle, per truck: ``[b]``."""
    return state[:, 1] ** 2 + 10 * state[:, 3] ** 2 + torch.relu(state[:, 0]) ** 2


def rollout(
    controller: nn.Module, step, start: torch.Tensor, horizon: int, stop_early: bool = False
) -> torch.Tensor:
    """Reverse until the rear reaches the dock line (x ≤ 0), then hold: ``[steps + 1, b, 4]``.

    ``stop_early`` ends the rollout once every truck is at the dock line (the rest would only
    repeat the final state), so near starts in training cost few steps.
    """
    states = [start]
    state = start
    for _ in range(horizon):
        moving = state[:, 0] > 0  # trucks at the dock line stop there
        if stop_early and not bool(moving.any()):
            break
        m = moving.float()[:, None]
        state = m * step(state, controller(state)) + (1 - m) * state
        states.append(state)
    return torch.stack(states)


def lesson(iteration: int, cfg: Config) -> float:
    """Curriculum (Nguyen & Widrow's lessons): how far out this iteration's starts may be."""
    progress = iteration / max(1.0, cfg.curriculum * cfg.controller_iterations)
    return min(1.0, cfg.first_lesson + (1 - cfg.first_lesson) * progress)


def train_controller(
    emulator: nn.Module, cfg: Config, ctx: RunContext
) -> tuple[nn.Module, list[float]]:
    for p in emulator.parameters():
        p.requires_grad_(False)  # the emulator is a frozen, differentiable model of the world
    g = ctx.generator(2)
    torch.manual_seed(ctx.seed)
    controller = ctx.wrap(Controller(cfg.hidden))
    optimizer = torch.optim.Adam(controller.parameters(), lr=cfg.controller_lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, cfg.controller_iterations, eta_min=cfg.controller_lr / 20
    )
    # one buffer for the losses, not a tensor kept per step (see ``train.fit``: the heap's pages)
    losses = torch.empty(cfg.controller_iterations, device=ctx.device)  # (iterations,)
    for it in ctx.track(range(cfg.controller_iterations), "truck: controller"):
        start = random_starts(cfg.batch, cfg, g, lesson(it, cfg)).to(ctx.device)  # [b, 4]
        with ctx.autocast():  # 1. forward: drive through the emulator, [steps + 1, b, 4]
            final = rollout(controller, emulator, start, cfg.horizon, stop_early=True)[-1]
        loss = docking_error(final.float()).mean()  # 2. loss: how far from docked we ended
        optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
        ctx.backward(loss)  # 4. backward, through every step of the trajectory
        ctx.clip_gradients(optimizer, 1.0)  # long unrolls: tame rare spikes
        ctx.step(optimizer)  # 5. step
        schedule.step()
        losses[it] = loss.detach()
    return unwrap_model(controller), losses.tolist()


@torch.no_grad()
def evaluate(
    controller: nn.Module, cfg: Config, ctx: RunContext
) -> tuple[dict[str, float], torch.Tensor]:
    """Drive the *real* simulator from held-out starts."""
    start = random_starts(cfg.test_starts, cfg, ctx.generator(3))
    path = rollout(controller.cpu(), kinematics, start, 3 * cfg.horizon)
    final = path[-1]
    jackknifed = ((path[:, :, 2] - path[:, :, 3]).abs() > math.pi / 2).any(0)
    docked = (
        (final[:, 0] <= 0) & (final[:, 1].abs() < 1.5) & (final[:, 3].abs() < 0.3) & ~jackknifed
    )
    # Steep starts (far to the side, close to the dock) may be beyond the truck's turning circle.
    steep = start[:, 1].abs() / start[:, 0] >= 0.35
    return {
        "docked_fraction": float(docked.float().mean()),
        "docked_fraction_gentle_starts": float(docked[~steep].float().mean()),  # |y| < 0.35 x
        "docked_fraction_steep_starts": float(docked[steep].float().mean()) if steep.any() else 1.0,
        "median_final_y": float(final[:, 1].abs().median()),
        "median_final_angle_deg": float(torch.rad2deg(final[:, 3].abs()).median()),
        "jackknifed_fraction": float(jackknifed.float().mean()),
    }, path


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    emulator, emulator_error = train_emulator(cfg, ctx)
    controller, losses = train_controller(emulator, cfg, ctx)
    metrics, path = evaluate(controller, cfg, ctx)
    if ctx.is_main:
        fig, axes = subplots(1, 2, size=5)
        for k in range(min(20, path.shape[1])):
            axes[0][0].plot(path[:, k, 0], path[:, k, 1], lw=0.8)
        axes[0][0].plot([0, 0], [-3, 3], "k", lw=3)
        axes[0][0].set_aspect("equal")
        axes[0][0].set_title("held-out starts, real simulator")
        ax = axes[0][1]
        ax.semilogy(losses)
        # The curriculum moves the starts out while it lasts: harder starts, higher loss. The
        # rise is the lessons getting harder, not the training diverging — say so on the plot.
        end = cfg.curriculum * cfg.controller_iterations
        ax.axvspan(0, end, color="tab:orange", alpha=0.12)
        ax.text(end / 2, 0.97, "curriculum: starts move out,\nso the loss rises",
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8)  # fmt: skip
        ax.text((end + len(losses)) / 2, 0.97, "full range:\nthe loss falls",
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8)  # fmt: skip
        ax.set_xlabel("iteration")
        ax.set_title("controller loss (through emulator)")
        ctx.save_figure(fig, "trajectories")
    return {"emulator_relative_error": emulator_error, **metrics, "final_training_loss": losses[-1]}
