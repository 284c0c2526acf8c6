"""Generative adversarial networks: a forger and a detective, trained against each other.

A generator ``G`` turns random noise ``z`` into samples; a discriminator ``D`` tells real samples
from generated ones. ``D`` is trained to say *real* to data and *fake* to ``G(z)``; ``G`` is trained
to make ``D`` say *real* to ``G(z)``. Neither sees a likelihood: ``G`` learns only through ``D``'s
gradient. In the language of energy-based models, ``D`` is an energy that ``G`` keeps sampling
the low places of — the contrastive samples come from a network instead of Langevin dynamics.

The classic failure is *mode collapse*: ``G`` finds one thing that fools ``D`` and makes only that.
So we measure what is covered, not only how good the samples look.

1. **2-D mixture.** Eight Gaussians on a circle. A mode is *covered* when at least 2% of 5,000
   generated points fall within three standard deviations of its centre; a sample is *good* when
   it is that close to some centre.
2. **Digits.** The 8×8 digits. A small classifier trained on real digits judges the generated ones:
   how confidently it recognises them, and how many of the ten classes appear.

Both use the same loop: a discriminator step (real → 1, fake → 0), then a generator step with the
*non-saturating* loss ``−log D(G(z))`` (Goodfellow et al., 2014), which gives ``G`` strong
gradients exactly when ``D`` rejects its samples easily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.data.images import load_images
from dlcourse.labs.plot import image_grid, subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    modes: int = 8
    radius: float = 2.0
    mode_std: float = 0.1  # neighbouring centres are 1.5 apart: 15 standard deviations
    mixture_steps: int = 3000
    mixture_hidden: int = 64
    mixture_lr: float = 2e-3
    digits_data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    digits_steps: int = 4000
    digits_hidden: int = 128
    digits_lr: float = 5e-4
    noise_dim: int = 16
    batch_size: int = 128
    r1: float = 1.0  # γ of the R1 penalty (γ/2)·‖∇ₓD(x)‖² on real data; 0 turns it off
    classifier_epochs: int = 30


CONFIGS = {
    "quick": Config(mixture_steps=1200, digits_steps=1000, classifier_epochs=10),
    "full": Config(),
}


# -- data -----------------------------------------------------------------------------------------


def mode_centres(modes: int, radius: float) -> torch.Tensor:
    angle = 2 * math.pi * torch.arange(modes) / modes
    return radius * torch.stack([angle.cos(), angle.sin()], dim=1)  # [modes, 2]


def mixture(n: int, cfg: Config, generator: torch.Generator) -> torch.Tensor:
    """``n`` points ``[n, 2]``: a centre drawn uniformly, plus Gaussian noise of ``mode_std``."""
    centres = mode_centres(cfg.modes, cfg.radius)
    which = torch.randint(cfg.modes, (n,), generator=generator)
    return centres[which] + cfg.mode_std * torch.randn(n, 2, generator=generator)


# -- models ---------------------------------------------------------------------------------------


def mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, outputs),
    )  # fmt: skip


class Generator(nn.Module):
    """Noise ``[b, noise_dim]`` → a sample ``[b, *shape]`` (images squashed into [0, 1])."""

    def __init__(self, noise_dim: int, hidden: int, shape: tuple[int, ...], image: bool) -> None:
        super().__init__()
        self.shape, self.image = shape, image
        self.net = mlp(noise_dim, hidden, math.prod(shape))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.net(z)
        if self.image:
            out = torch.sigmoid(out)  # pixels in [0, 1], like the data
        return out.reshape(len(z), *self.shape)


class Discriminator(nn.Module):
    """A sample ``[b, *shape]`` → a logit ``[b]``: positive means *real*."""

    def __init__(self, hidden: int, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.net = mlp(math.prod(shape), hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(-1)


# -- the adversarial loop -------------------------------------------------------------------------


def train_gan(
    data: torch.Tensor, steps: int, hidden: int, lr: float, cfg: Config, ctx: RunContext, name: str
) -> tuple[nn.Module, dict[str, list[float]]]:
    """Alternate a discriminator step and a generator step; returns G and both losses per step."""
    shape = tuple(data.shape[1:])
    image = len(shape) > 1
    torch.manual_seed(ctx.seed)
    generator = ctx.wrap(Generator(cfg.noise_dim, hidden, shape, image))
    discriminator = ctx.wrap(Discriminator(hidden, shape))
    # β₁ = 0.5, as in DCGAN: less momentum keeps the two players from overshooting each other.
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    noise = ctx.generator(2000 + ctx.dist.rank)
    batches = ctx.batches(data, batch_size=cfg.batch_size)
    epochs = -(-steps // len(batches))
    d_losses = torch.empty(epochs * len(batches), device=ctx.device)  # [steps]
    g_losses = torch.empty(epochs * len(batches), device=ctx.device)
    step = 0
    for _epoch in ctx.track(range(epochs), f"GAN: {name}"):
        for (real,) in batches:  # [b, *shape]
            z = torch.randn(len(real), cfg.noise_dim, generator=noise).to(ctx.device)
            # Discriminator: real → 1, fake → 0. The fake is detached: this step moves D only.
            real = real.detach().requires_grad_(cfg.r1 > 0)  # for R1: ∇ₓD on the real points
            with ctx.autocast():
                fake = generator(z)  # 1. forward
                # one pass over real and fake together (DDP wants one forward per backward)
                logits = discriminator(torch.cat([real, fake.detach()]))  # [2b]
                real_logit, fake_logit = logits[: len(real)], logits[len(real) :]
                d_loss = F.binary_cross_entropy_with_logits(  # 2. loss
                    real_logit.float(), torch.ones_like(real_logit, dtype=torch.float)
                ) + F.binary_cross_entropy_with_logits(
                    fake_logit.float(), torch.zeros_like(fake_logit, dtype=torch.float)
                )
            if cfg.r1 > 0:
                # R1 (Mescheder et al., 2018): a flat D on the data, so D cannot sharpen without
                # bound around the real points and G's gradients stay informative.
                (grad,) = torch.autograd.grad(real_logit.float().sum(), real, create_graph=True)
                d_loss = d_loss + cfg.r1 / 2 * grad.pow(2).flatten(1).sum(1).mean()
            opt_d.zero_grad(set_to_none=True)  # 3. zero
            ctx.backward(d_loss)  # 4. backward
            ctx.step(opt_d)  # 5. step
            # Generator: make D say "real" to the same fakes (non-saturating loss).
            with ctx.autocast():
                fake_logit = discriminator(fake)  # 1. forward, through D into G
                g_loss = F.binary_cross_entropy_with_logits(  # 2. loss: −log D(G(z))
                    fake_logit.float(), torch.ones_like(fake_logit, dtype=torch.float)
                )
            opt_g.zero_grad(set_to_none=True)  # 3. zero (D's gradients are cleared next time)
            ctx.backward(g_loss)  # 4. backward
            ctx.step(opt_g)  # 5. step: G only
            d_losses[step], g_losses[step] = d_loss.detach(), g_loss.detach()
            step += 1
    return generator, {
        "discriminator": ctx.mean_across_ranks(d_losses.tolist()),
        "generator": ctx.mean_across_ranks(g_losses.tolist()),
    }


@torch.no_grad()
def sample(generator: nn.Module, n: int, cfg: Config, ctx: RunContext, offset: int) -> torch.Tensor:
    generator.eval()
    z = torch.randn(n, cfg.noise_dim, generator=ctx.generator(offset)).to(ctx.device)
    return generator(z).float().cpu()


# -- measures -------------------------------------------------------------------------------------


def mode_coverage(samples: torch.Tensor, cfg: Config) -> dict[str, object]:
    """Per mode, the fraction of samples within 3σ of its centre; modes covered; good samples."""
    distance = torch.cdist(samples, mode_centres(cfg.modes, cfg.radius))  # [n, modes]
    nearest = distance.min(dim=1)
    good = nearest.values < 3 * cfg.mode_std
    share = torch.bincount(nearest.indices[good], minlength=cfg.modes).float() / len(samples)
    return {
        "modes_covered": int((share >= 0.02).sum()),
        "good_sample_fraction": float(good.float().mean()),
        "share_per_mode": share.tolist(),
    }


class DigitClassifier(nn.Module):
    """A small CNN trained on real digits: the judge of the generated ones."""

    def __init__(self, shape: tuple[int, int, int], classes: int) -> None:
        super().__init__()
        c, h, w = shape
        self.net = nn.Sequential(
            nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * (h // 4) * (w // 4), classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_classifier(x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext) -> nn.Module:
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(DigitClassifier(tuple(x.shape[1:]), int(y.max()) + 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _epoch in ctx.track(range(cfg.classifier_epochs), "GAN: digit judge"):
        for images, labels in ctx.batches(x, y, batch_size=64):
            with ctx.autocast():
                logits = model(images)  # 1. forward
                loss = F.cross_entropy(logits.float(), labels)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
    return model


@torch.no_grad()
def judge(classifier: nn.Module, images: torch.Tensor, device: torch.device) -> dict[str, object]:
    """The classifier's mean confidence and the classes it sees (≥ 3% of the images each)."""
    classifier.eval()
    probabilities = F.softmax(classifier(images.to(device)).float(), dim=1).cpu()  # [n, classes]
    confidence, predicted = probabilities.max(dim=1)
    share = torch.bincount(predicted, minlength=probabilities.shape[1]).float() / len(images)
    return {
        "confidence": float(confidence.mean()),
        "classes_seen": int((share >= 0.03).sum()),
        "class_share": share.tolist(),
    }


def plot_results(
    real2d: torch.Tensor,
    fake2d: torch.Tensor,
    untrained2d: torch.Tensor,
    fake_digits: torch.Tensor,
    losses: dict[str, list[float]],
    ctx: RunContext,
) -> None:
    fig, axes = subplots(1, 4, size=3.5)
    ax = axes[0][0]
    ax.scatter(real2d[:, 0], real2d[:, 1], s=2, alpha=0.4, label="data")
    ax.scatter(untrained2d[:, 0], untrained2d[:, 1], s=2, alpha=0.4, label="G before training")
    ax.scatter(fake2d[:, 0], fake2d[:, 1], s=2, alpha=0.4, label="G after training")
    ax.legend(fontsize=7, markerscale=4)
    ax.set_aspect("equal")
    ax.set_title("eight Gaussians")
    ax = axes[0][1]
    ax.hist2d(fake2d[:, 0].numpy(), fake2d[:, 1].numpy(), bins=80, cmap="magma")
    ax.set_aspect("equal")
    ax.set_title("where G puts its samples")
    image_grid(axes[0][2], fake_digits[:64], 8, 8)
    axes[0][2].set_title("generated digits")
    ax = axes[0][3]
    for name, curve in losses.items():
        ax.plot(curve, label=name, alpha=0.7, lw=0.8)
    ax.axhline(math.log(4), color="k", ls=":", lw=0.8)
    ax.text(0, math.log(4), " log 4: D at chance", fontsize=7, va="bottom")
    ax.legend(fontsize=7)
    ax.set_xlabel("step (digits)")
    ax.set_title("losses")
    fig.tight_layout()
    ctx.save_figure(fig, "gan")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    # 1. The mixture.
    real2d = mixture(20_000, cfg, ctx.generator(1))
    torch.manual_seed(ctx.seed)
    untrained = Generator(cfg.noise_dim, cfg.mixture_hidden, (2,), image=False).to(ctx.device)
    untrained2d = sample(untrained, 5000, cfg, ctx, 3)
    g2d, _ = train_gan(
        real2d, cfg.mixture_steps, cfg.mixture_hidden, cfg.mixture_lr, cfg, ctx, "eight Gaussians"
    )
    fake2d = sample(g2d, 5000, cfg, ctx, 3)
    coverage = mode_coverage(fake2d, cfg)
    before = mode_coverage(untrained2d, cfg)
    # 2. The digits.
    data = load_images(cfg.digits_data, seed=ctx.seed)
    g_digits, losses = train_gan(
        data.x_train, cfg.digits_steps, cfg.digits_hidden, cfg.digits_lr, cfg, ctx, "digits"
    )
    fake_digits = sample(g_digits, 1000, cfg, ctx, 4)
    classifier = train_classifier(data.x_train, data.y_train, cfg, ctx)
    on_real = judge(classifier, data.x_test, ctx.device)
    on_fake = judge(classifier, fake_digits, ctx.device)
    torch.manual_seed(ctx.seed)
    untrained_digits = Generator(cfg.noise_dim, cfg.digits_hidden, data.shape, image=True)
    untrained_digits = untrained_digits.to(ctx.device)
    on_untrained = judge(classifier, sample(untrained_digits, 1000, cfg, ctx, 4), ctx.device)
    if ctx.is_main:
        plot_results(real2d[:5000], fake2d, untrained2d, fake_digits, losses, ctx)
    with torch.no_grad():
        test_accuracy = float(
            (classifier(data.x_test.to(ctx.device)).argmax(1).cpu() == data.y_test).float().mean()
        )
    return {
        "modes": cfg.modes,
        "modes_covered": coverage["modes_covered"],
        "good_sample_fraction": coverage["good_sample_fraction"],
        "share_per_mode": coverage["share_per_mode"],
        "modes_covered_untrained": before["modes_covered"],
        "good_sample_fraction_untrained": before["good_sample_fraction"],
        "judge_test_accuracy": test_accuracy,
        "judge_confidence_real": on_real["confidence"],
        "judge_confidence_generated": on_fake["confidence"],
        "judge_confidence_untrained": on_untrained["confidence"],
        "digit_classes_generated": on_fake["classes_seen"],
        "digit_class_share_generated": on_fake["class_share"],
        "digit_classes_untrained": on_untrained["classes_seen"],
        "discriminator_loss_curve": losses["discriminator"],
        "generator_loss_curve": losses["generator"],
    }
