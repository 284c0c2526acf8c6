"""Variational autoencoder: a generative model trained by maximising the ELBO.

The encoder outputs a Gaussian ``q(z|x) = N(μ, σ²)`` instead of a point; we sample
``z = μ + σ ε`` with ``ε ~ N(0, I)`` (the reparameterisation trick: the randomness is an input, so
gradients flow through μ and σ). The decoder gives ``p(x|z)``. The evidence lower bound

    ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I))

rewards good reconstructions and keeps the codes close to the prior, so sampling ``z ~ N(0, I)`` and
decoding gives new digits, and a straight line between two codes decodes to a smooth morph.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.labs.data.images import load_images
from dlcourse.labs.distributed import unwrap_model
from dlcourse.labs.plot import image_grid, subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    latent: int = 2  # two dimensions, so the latent space can be drawn
    hidden: int = 256
    epochs: int = 150
    batch_size: int = 64
    lr: float = 1e-3


CONFIGS = {"quick": Config(epochs=20), "full": Config()}


class VAE(nn.Module):
    def __init__(self, shape: tuple[int, int, int], hidden: int, latent: int) -> None:
        super().__init__()
        pixels = shape[0] * shape[1] * shape[2]
        self.shape = shape
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent)
        self.to_logvar = nn.Linear(hidden, latent)  # log σ²: any real number is valid
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels)
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)  # [b, hidden]
        return self.to_mu(h), self.to_logvar(h)  # [b, latent] each

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).reshape(-1, *self.shape)  # Bernoulli logits [b, 1, h, w]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)  # reparameterisation
        return self.decode(z), mu, logvar


def negative_elbo(
    logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> torch.Tensor:
    """−ELBO per image (nats): reconstruction cross-entropy + KL(N(μ, σ²) ‖ N(0, 1))."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum()
    return (reconstruction + kl) / len(x)


@torch.no_grad()
def test_elbo(model: nn.Module, x: torch.Tensor) -> float:
    model.eval()
    logits, mu, logvar = model(x)
    model.train()
    return -float(negative_elbo(logits, x, mu, logvar))


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    x_test = data.x_test.to(ctx.device)
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(VAE(data.shape, cfg.hidden, cfg.latent))
    vae = unwrap_model(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = ctx.batches(data.x_train, batch_size=cfg.batch_size)
    torch.manual_seed(ctx.seed)  # the ELBO is itself random (z is sampled): compare like with like
    elbo_before = test_elbo(vae, x_test)
    history = []
    for _epoch in ctx.track(range(cfg.epochs), "VAE"):
        for (x,) in batches:
            with ctx.autocast():
                logits, mu, logvar = model(x)  # forward
                loss = negative_elbo(logits.float(), x, mu.float(), logvar.float())  # loss
            optimizer.zero_grad(set_to_none=True)
            ctx.backward(loss)
            ctx.step(optimizer)
        history.append(loss.detach())
    torch.manual_seed(ctx.seed)
    elbo_after = test_elbo(vae, x_test)
    with torch.no_grad():
        vae.eval()
        samples = torch.sigmoid(vae.decode(torch.randn(64, cfg.latent, device=ctx.device)))
        mu, logvar = vae.encode(x_test)
        # Interpolate between the codes of the first two test digits of different classes.
        a = 0
        b = int((data.y_test != data.y_test[0]).nonzero()[0])
        steps = torch.linspace(0, 1, 10, device=ctx.device)[:, None]
        line = torch.sigmoid(vae.decode((1 - steps) * mu[a] + steps * mu[b]))
    if ctx.is_main:
        fig, axes = subplots(1, 3, size=4)
        image_grid(axes[0][0], samples.cpu(), 8, 8)
        axes[0][0].set_title("samples z ~ N(0, I)")
        latents = mu.cpu()
        scatter = axes[0][1].scatter(latents[:, 0], latents[:, 1], c=data.y_test, s=5, cmap="tab10")
        fig.colorbar(scatter, ax=axes[0][1])
        axes[0][1].set_title("test codes μ (colour: digit)")
        image_grid(axes[0][2], line.cpu(), 1, 10)
        axes[0][2].set_title("interpolation")
        ctx.save_figure(fig, "vae")
    return {
        "test_elbo_before": elbo_before,
        "test_elbo_after": elbo_after,
        "train_loss_curve": [float(h) for h in history],
        "mean_kl_per_image": float(0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()),
    }
