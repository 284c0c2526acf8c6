"""Autoencoders: compress to a small code, and learn to remove noise.

An under-complete autoencoder squeezes each image through a code much smaller than the image and
is trained to rebuild it; to succeed it must keep what matters (strokes) and drop what does not.
A denoising autoencoder sees a corrupted image and is trained to output the clean one: it learns
what digits look like, so its output is closer to the truth than the noisy input it was given.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.data.images import load_images
from dlcourse.labs.plot import image_grid, subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    data: str = "digits"  # or mnist5k, mnist-idx:DIR, fashion-mnist[:DIR]
    code: int = 12
    hidden: int = 128
    noise: float = 0.4  # std of the Gaussian corruption for the denoising AE
    epochs: int = 100
    batch_size: int = 64
    lr: float = 2e-3


CONFIGS = {"quick": Config(epochs=25), "full": Config()}


class Autoencoder(nn.Module):
    """``x [b, 1, h, w]`` → code ``[b, code]`` → reconstruction ``[b, 1, h, w]`` in (0, 1)."""

    def __init__(self, shape: tuple[int, int, int], hidden: int, code: int) -> None:
        super().__init__()
        pixels = shape[0] * shape[1] * shape[2]
        self.shape = shape
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, code)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Sigmoid()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x)).reshape(-1, *self.shape)


def corrupt(x: torch.Tensor, noise: float, g: torch.Generator | None = None) -> torch.Tensor:
    return x + noise * torch.randn(x.shape, generator=g, device=x.device)


def train(model: nn.Module, x: torch.Tensor, cfg: Config, ctx: RunContext, denoising: bool) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.MSELoss()
    batches = ctx.batches(x, batch_size=cfg.batch_size)
    name = "denoising AE" if denoising else "autoencoder"
    for _epoch in ctx.track(range(cfg.epochs), name):
        for (clean,) in batches:
            inputs = corrupt(clean, cfg.noise) if denoising else clean  # fresh noise every time
            with ctx.autocast():
                output = model(inputs)  # forward
                loss = loss_fn(output.float(), clean)  # loss: always against the clean image
            optimizer.zero_grad(set_to_none=True)
            ctx.backward(loss)
            ctx.step(optimizer)


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data = load_images(cfg.data, seed=ctx.seed)
    x_test = data.x_test.to(ctx.device)
    torch.manual_seed(ctx.seed)
    ae = ctx.wrap(Autoencoder(data.shape, cfg.hidden, cfg.code))
    train(ae, data.x_train, cfg, ctx, denoising=False)
    torch.manual_seed(ctx.seed)
    dae = ctx.wrap(Autoencoder(data.shape, cfg.hidden, cfg.code))
    train(dae, data.x_train, cfg, ctx, denoising=True)
    noisy = x_test + cfg.noise * torch.randn(x_test.shape, generator=ctx.generator(1)).to(
        ctx.device
    )
    mean_image = data.x_train.mean(0).to(ctx.device)
    with torch.no_grad():
        ae.eval()
        dae.eval()
        reconstructed = ae(x_test)
        denoised = dae(noisy)
        metrics = {
            "mean_image_mse": float(((mean_image - x_test) ** 2).mean()),
            "reconstruction_mse": float(((reconstructed - x_test) ** 2).mean()),
            "identity_mse_on_noisy": float(((noisy - x_test) ** 2).mean()),
            "denoised_mse": float(((denoised - x_test) ** 2).mean()),
            "code_size": cfg.code,
            "pixels": int(x_test[0].numel()),
        }
    if ctx.is_main:
        fig, axes = subplots(1, 4, size=3)
        rows = [x_test, reconstructed, noisy.clamp(0, 1), denoised]
        titles = ["test digits", "AE reconstruction", "noisy input", "DAE output"]
        for ax, images, title in zip(axes[0], rows, titles, strict=True):
            image_grid(ax, images.cpu(), 4, 4)
            ax.set_title(title)
        ctx.save_figure(fig, "reconstructions")
    return metrics
