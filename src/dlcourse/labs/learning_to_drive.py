"""Learning to drive under uncertainty: a world model, a policy trained through it, and the cost
of the model's own uncertainty.

Following the course's lecture (Henaff, Canziani and LeCun, *Model-predictive policy learning with
uncertainty regularization for driving in dense traffic*, ICLR 2019): learn a model of the world
from logged driving, then train a policy by backpropagating a cost through the model's
predictions — as the truck backer-upper does with its emulator. The trap is that the policy is
trained in the model, not in the world. Where the logs never went, the model is wrong, and a
policy that optimises hard finds exactly those places: states the model predicts well for and the
world punishes. The cure is to add the model's *uncertainty* to the cost: run it several times
with different dropout masks, and penalise the variance of its predictions. Where the model was
trained, the masks agree; off the data they disagree, and the policy learns to stay where the
model knows.

1. **World.** A car on a road of constant curvature, in road coordinates: lateral offset ``d``,
   heading error ``ψ``, speed ``v`` and the road's curvature ``κ``. The action is a steering
   curvature and an acceleration. The tyres grip up to a lateral acceleration of 8 m/s²; past it,
   steering harder turns the car no more, and it slides out of the curve.
2. **Logs.** Careful drivers who slow down for curves (lateral acceleration about 3 m/s²): the
   grip limit never appears in the data.
3. **World model.** An MLP with dropout, ``(state, action) → next state``, trained on the logs.
4. **Policy.** An MLP, ``state → action``, trained through the model over a two-second horizon to
   keep the lane and drive at 30 m/s — faster than the drivers — with and without the
   uncertainty cost ``λ · Var_dropout[model(state, action)]``.
5. **Measure** in the real world, from held-out starts: how often each policy leaves the road, how
   fast it goes, and how much of its driving stays within what the logs covered.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

DT = 0.1  # seconds per step
GRIP = 8.0  # m/s²: the tyres' limit on lateral acceleration (friction 0.8 g)
LANE = 2.0  # m: half the lane; further out, the car has left the road
MAX_STEER = 0.1  # 1/m: the tightest turn the wheels can ask for (10 m radius)
MAX_ACCEL = 3.0  # m/s²
MAX_CURVATURE = 1 / 40  # 1/m: the tightest road (40 m radius)


@dataclass(frozen=True)
class Config:
    episodes: int = 400  # logged episodes
    episode_steps: int = 100  # 10 s each
    comfort: float = 3.0  # the drivers' lateral acceleration, m/s²
    driver_top_speed: float = 20.0  # m/s on the straight
    hidden: int = 128
    dropout: float = 0.1
    model_steps: int = 3000
    model_lr: float = 1e-3
    horizon: int = 20  # policy rollouts through the model: 2 s
    target_speed: float = 30.0  # what the cost asks for
    uncertainty_weight: float = 1.0  # λ
    dropout_samples: int = 8  # masks per step for the variance
    policy_steps: int = 1000
    policy_lr: float = 1e-3
    batch_size: int = 256
    test_episodes: int = 300
    test_steps: int = 150  # 15 s


CONFIGS = {
    "quick": Config(
        episodes=100,
        hidden=64,
        model_steps=300,
        horizon=8,
        dropout_samples=4,
        policy_steps=100,
        batch_size=128,
        test_episodes=100,
    ),
    "full": Config(),
}


# -- 1. the world ---------------------------------------------------------------------------------


def world_step(state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """The true kinematics, one step: ``state [n, 4] = (d, ψ, v, κ)``, ``action [n, 2] = (c, a)``.

    The car turns with curvature ``c`` only while ``v² |c|`` is within the tyres' grip; beyond it,
    it turns at the grip's curvature ``GRIP / v²`` and slides.
    """
    d, psi, v, kappa = state.unbind(1)
    steer, accel = action.unbind(1)
    grip_limited = GRIP / v.clamp(min=1.0).pow(2)
    turn = steer.clamp(-grip_limited, grip_limited)  # what the tyres deliver
    psi_next = psi + v * (turn - kappa) * DT  # heading relative to the road, which curves by κ
    d_next = d + v * torch.sin(psi) * DT
    v_next = (v + accel * DT).clamp(0.0, 40.0)
    return torch.stack([d_next, psi_next, v_next, kappa], 1)


def random_starts(n: int, cfg: Config, generator: torch.Generator) -> torch.Tensor:
    """Start states ``[n, 4]``: a road curvature, near the lane centre, at the drivers' speed."""
    u = lambda: torch.rand(n, generator=generator)  # noqa: E731
    kappa = (2 * u() - 1) * MAX_CURVATURE
    d = (2 * u() - 1) * 0.5
    psi = 0.02 * torch.randn(n, generator=generator)
    v = driver_speed(kappa, cfg) * (0.8 + 0.3 * u())
    return torch.stack([d, psi, v, kappa], 1)


def driver_speed(kappa: torch.Tensor, cfg: Config) -> torch.Tensor:
    """A careful driver's speed: lateral acceleration ``v² |κ|`` at most ``comfort``."""
    return torch.minimum(
        torch.full_like(kappa, cfg.driver_top_speed),
        (cfg.comfort / kappa.abs().clamp(min=1e-6)).sqrt(),
    )


def driver(state: torch.Tensor, cfg: Config, generator: torch.Generator) -> torch.Tensor:
    """The logs' drivers: steer back to the lane centre, hold a comfortable speed; with noise."""
    d, psi, v, kappa = state.unbind(1)
    steer = kappa - 0.02 * d - 0.3 * psi + 0.003 * torch.randn(len(state), generator=generator)
    accel = 0.5 * (driver_speed(kappa, cfg) - v) + 0.5 * torch.randn(
        len(state), generator=generator
    )
    return torch.stack([steer.clamp(-MAX_STEER, MAX_STEER), accel.clamp(-MAX_ACCEL, MAX_ACCEL)], 1)


def log_driving(
    cfg: Config, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """States ``[N, 4]``, actions ``[N, 2]`` and next states ``[N, 4]`` of the drivers' episodes."""
    state = random_starts(cfg.episodes, cfg, generator)
    states, actions, nexts = [], [], []
    for _ in range(cfg.episode_steps):
        action = driver(state, cfg, generator)
        following = world_step(state, action)
        states.append(state)
        actions.append(action)
        nexts.append(following)
        state = following
    return torch.cat(states), torch.cat(actions), torch.cat(nexts)


# -- 2. the world model ---------------------------------------------------------------------------


class Scaler(nn.Module):
    """Standardise inputs with the logs' mean and spread (fixed buffers, not trained)."""

    def __init__(self, data: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", data.mean(0))
        self.register_buffer("std", data.std(0) + 1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class WorldModel(nn.Module):
    """``(state, action) → next state``, predicting the change of ``(d, ψ, v)``; with dropout.

    ``sample=True`` keeps dropout on: each call is one draw from the model's uncertainty.
    """

    def __init__(self, inputs: torch.Tensor, changes: torch.Tensor, cfg: Config) -> None:
        super().__init__()
        self.scale_in = Scaler(inputs)  # [6]: d, ψ, v, κ, steer, accel
        self.register_buffer("change_std", changes.std(0) + 1e-8)  # [3]
        self.dropout = cfg.dropout
        self.layers = nn.ModuleList(
            [nn.Linear(6, cfg.hidden), nn.Linear(cfg.hidden, cfg.hidden), nn.Linear(cfg.hidden, 3)]
        )

    def forward(
        self, state: torch.Tensor, action: torch.Tensor, sample: bool = False
    ) -> torch.Tensor:
        h = self.scale_in(torch.cat([state, action], 1))  # [n, 6]
        for layer in self.layers[:-1]:
            h = F.dropout(F.relu(layer(h)), self.dropout, training=sample)
        change = self.layers[-1](h) * self.change_std  # [n, 3]
        return torch.cat([state[:, :3] + change, state[:, 3:]], 1)  # κ: the road does not change


def train_world_model(
    states: torch.Tensor, actions: torch.Tensor, nexts: torch.Tensor, cfg: Config, ctx: RunContext
) -> tuple[WorldModel, list[float]]:
    """Regress the next state (in units of each change's spread), dropout on; loss per step."""
    torch.manual_seed(ctx.seed)
    changes = nexts[:, :3] - states[:, :3]
    model = ctx.wrap(WorldModel(torch.cat([states, actions], 1), changes, cfg))
    plain = model.module if hasattr(model, "module") else model
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.model_lr)
    batches = ctx.batches(states, actions, nexts, batch_size=cfg.batch_size)
    epochs = -(-cfg.model_steps // len(batches))
    losses = torch.empty(epochs * len(batches), device=ctx.device)
    step = 0
    for _epoch in ctx.track(range(epochs), "world model"):
        for state, action, following in batches:  # [b, 4], [b, 2], [b, 4]
            with ctx.autocast():
                predicted = model(state, action, sample=True)  # 1. forward (dropout on)
                error = (predicted[:, :3].float() - following[:, :3]) / plain.change_std
                loss = error.pow(2).mean()  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[step] = loss.detach()
            step += 1
    plain.requires_grad_(False)  # from now on the model is the fixed world the policy trains in
    return plain, ctx.mean_across_ranks(losses.tolist())


def uncertainty(
    model: WorldModel, state: torch.Tensor, action: torch.Tensor, samples: int
) -> torch.Tensor:
    """The variance ``[n]`` of the model's predictions over ``samples`` dropout masks.

    Measured in units of each quantity's typical change, summed over ``(d, ψ, v)``.
    """
    n = len(state)
    # one batch of ``samples`` copies: each row gets its own dropout mask, in one pass
    draws = model(state.repeat(samples, 1), action.repeat(samples, 1), sample=True)[:, :3]
    draws = draws.reshape(samples, n, 3) / model.change_std  # [samples, n, 3]
    return draws.var(0).sum(1)  # [n]


# -- 3. the policy --------------------------------------------------------------------------------


class Policy(nn.Module):
    """``state → (steering curvature, acceleration)``, within the car's limits."""

    def __init__(self, states: torch.Tensor, hidden: int) -> None:
        super().__init__()
        self.scale = Scaler(states)
        self.net = nn.Sequential(
            nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, 2),
        )  # fmt: skip

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        raw = torch.tanh(self.net(self.scale(state)).float())  # [n, 2] in (-1, 1)
        return raw * torch.tensor([MAX_STEER, MAX_ACCEL], device=state.device)


def task_cost(state: torch.Tensor, cfg: Config) -> torch.Tensor:
    """Per state ``[n]``: stay near the lane centre, drive at the target speed."""
    d, _, v, _ = state.unbind(1)
    return (d / LANE).pow(2) + ((v - cfg.target_speed) / cfg.target_speed).pow(2)


def train_policy(
    model: WorldModel, states: torch.Tensor, weight: float, cfg: Config, ctx: RunContext, name: str
) -> tuple[nn.Module, dict[str, list[float]]]:
    """Backpropagate the cost of ``horizon``-step rollouts in the model into the policy."""
    torch.manual_seed(ctx.seed)
    policy = ctx.wrap(Policy(states, cfg.hidden))
    optimizer = torch.optim.Adam(policy.parameters(), lr=cfg.policy_lr)
    starts = ctx.generator(2000 + ctx.dist.rank)
    task_curve = torch.empty(cfg.policy_steps, device=ctx.device)
    uncertainty_curve = torch.empty(cfg.policy_steps, device=ctx.device)
    for step in ctx.track(range(cfg.policy_steps), f"policy: {name}"):
        picked = torch.randint(len(states), (cfg.batch_size,), generator=starts)
        state = states[picked].to(ctx.device)  # [b, 4]: start where the logs have been
        task = torch.zeros((), device=ctx.device)
        risk = torch.zeros((), device=ctx.device)
        with ctx.autocast():
            for _ in range(cfg.horizon):  # 1. forward: unroll policy and model together
                action = policy(state)
                if weight > 0:
                    risk = risk + uncertainty(model, state, action, cfg.dropout_samples).mean()
                state = model(state, action)  # the model's mean prediction (dropout off)
                task = task + task_cost(state, cfg).mean()
            loss = (task + weight * risk) / cfg.horizon  # 2. loss
        optimizer.zero_grad(set_to_none=True)  # 3. zero
        ctx.backward(loss)  # 4. backward: through every step of the rollout
        ctx.step(optimizer)  # 5. step
        task_curve[step] = task.detach() / cfg.horizon
        uncertainty_curve[step] = risk.detach() / cfg.horizon
    plain = policy.module if hasattr(policy, "module") else policy
    return plain, {
        "task": ctx.mean_across_ranks(task_curve.tolist()),
        "uncertainty": ctx.mean_across_ranks(uncertainty_curve.tolist()),
    }


# -- 4. measure in the real world -----------------------------------------------------------------


@torch.no_grad()
def drive(
    policy: nn.Module | None, starts: torch.Tensor, cfg: Config, generator: torch.Generator
) -> torch.Tensor:
    """Real trajectories ``[steps + 1, n, 6]`` (state and action) of the policy (or the drivers)."""
    state, rows = starts, []
    for _ in range(cfg.test_steps):
        action = driver(state, cfg, generator) if policy is None else policy(state).float()
        rows.append(torch.cat([state, action], 1))
        state = world_step(state, action)
    rows.append(torch.cat([state, torch.zeros_like(state[:, :2])], 1))
    return torch.stack(rows)


def left_road(trajectory: torch.Tensor) -> torch.Tensor:
    """Per episode ``[n]``: did the car ever get further than ``LANE`` from the centre?"""
    return (trajectory[:, :, 0].abs() > LANE).any(0)


def in_distribution(points: torch.Tensor, logged: torch.Tensor, scale: Scaler) -> torch.Tensor:
    """Per point ``[m]``: is its nearest logged (state, action) as close as logged points' are?

    Distances are in standardised units; the bar is the 99th percentile of the logged points'
    own nearest-neighbour distances.
    """
    reference = scale(logged[:: max(1, len(logged) // 3000)])  # 3,000 logged points suffice
    own = torch.cdist(reference, reference)
    own.fill_diagonal_(float("inf"))
    bar = own.min(1).values.quantile(0.99)
    nearest = torch.cat(
        [torch.cdist(scale(chunk), reference).min(1).values for chunk in points.split(4096)]
    )
    return nearest <= bar


COLOURS = {"no uncertainty cost": "tab:red", "uncertainty cost": "tab:blue"}


def plot_results(
    trajectories: dict[str, torch.Tensor], logged: torch.Tensor, curves: dict, ctx: RunContext
) -> None:
    """Speed against road curvature, logged and driven; lateral offsets; training costs."""
    fig, axes = subplots(1, 3, size=4)
    ax = axes[0][0]
    ax.scatter(1000 * logged[::20, 3], logged[::20, 2], s=1, c="0.6", label="logs")
    kappa = torch.linspace(-MAX_CURVATURE, MAX_CURVATURE, 200)
    ax.plot(
        1000 * kappa, (GRIP / kappa.abs()).sqrt().clamp(max=40), "k--", lw=1, label="grip limit"
    )
    for name, path in trajectories.items():
        states = path[:-1].reshape(-1, 6)[::37]
        ax.scatter(1000 * states[:, 3], states[:, 2], s=1, label=name, color=COLOURS[name])
    ax.set_xlabel("road curvature κ (1/km)")
    ax.set_ylabel("speed (m/s)")
    ax.set_ylim(0, 40)
    ax.legend(fontsize=7, markerscale=5)
    ax.set_title("where each policy drives")
    ax = axes[0][1]
    for name, path in trajectories.items():
        ax.plot(DT * torch.arange(len(path)), path[:, :40, 0], lw=0.5, alpha=0.5,
                color=COLOURS[name])  # fmt: skip
    ax.axhline(LANE, color="k", lw=1)
    ax.axhline(-LANE, color="k", lw=1)
    ax.set_ylim(-3 * LANE, 3 * LANE)
    ax.set_xlabel("time (s)")
    ax.set_title("lateral offset d (m): red no cost, blue with it", fontsize=9)
    ax = axes[0][2]
    for name, curve in curves.items():
        ax.semilogy(curve["task"], label=f"{name}: task cost", color=COLOURS[name])
    ax.semilogy(curves["uncertainty cost"]["uncertainty"], label="its uncertainty", color="k")
    ax.set_xlabel("policy step")
    ax.legend(fontsize=7)
    ax.set_title("training, in the model", fontsize=9)
    fig.tight_layout()
    ctx.save_figure(fig, "driving")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    states, actions, nexts = log_driving(cfg, ctx.generator(1))
    model, model_losses = train_world_model(states, actions, nexts, cfg, ctx)
    policies, curves = {}, {}
    for name, weight in (
        ("no uncertainty cost", 0.0),
        ("uncertainty cost", cfg.uncertainty_weight),
    ):
        policies[name], curves[name] = train_policy(model, states, weight, cfg, ctx, name)
    starts = random_starts(cfg.test_episodes, cfg, ctx.generator(3))
    model = model.cpu()
    logged = torch.cat([states, actions], 1)
    trajectories = {"drivers": drive(None, starts, cfg, ctx.generator(4))}
    for name, policy in policies.items():
        trajectories[name] = drive(policy.cpu(), starts, cfg, ctx.generator(4))
    if ctx.is_main:
        plot_results({k: v for k, v in trajectories.items() if k != "drivers"}, logged, curves, ctx)
    metrics: dict[str, object] = {"logged_transitions": len(states)}
    for name, path in trajectories.items():
        key = name.replace(" ", "_")
        on_road_steps = path[:-1:5].reshape(-1, 6)  # every fifth step: 0.5 s apart
        metrics[f"{key}_left_road"] = float(left_road(path).float().mean())
        metrics[f"{key}_mean_speed"] = float(path[:-1, :, 2].mean())
        metrics[f"{key}_in_distribution"] = float(
            in_distribution(on_road_steps, logged, model.scale_in).float().mean()
        )
        with torch.no_grad():
            # the median: a few slides far off the road would dominate a mean
            metrics[f"{key}_model_uncertainty"] = float(
                uncertainty(
                    model, on_road_steps[:, :4], on_road_steps[:, 4:], cfg.dropout_samples
                ).median()
            )
    metrics["world_model_loss_curve"] = model_losses
    return metrics
