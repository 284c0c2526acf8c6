"""Echo: a many-to-many RNN trained with truncated backpropagation through time.

The input is a stream of random bits; the target is the same stream, ``echo_step`` bits later. The
net must remember the last few inputs — a job for a recurrent hidden state.

The stream is far too long to backpropagate through in one go, so we cut it into windows of
``bptt`` steps. The hidden state flows from one window to the next (the net keeps its memory), but
we ``detach`` it, so gradients stop at the window's edge: truncated BPTT.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcourse.labs.distributed import unwrap_model
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    stream_length: int = 50_000
    echo_step: int = 3
    streams: int = 8  # the stream is cut into this many parallel rows (the batch)
    bptt: int = 20  # truncation length
    hidden: int = 8
    epochs: int = 5
    lr: float = 1e-2


CONFIGS = {"quick": Config(stream_length=16_000, epochs=2), "full": Config()}


def echo_data(cfg: Config, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Bits ``x`` and their echo ``y``, both ``[streams, steps, 1]``."""
    bits = torch.randint(0, 2, (cfg.stream_length,), generator=g).float()
    echo = torch.roll(bits, cfg.echo_step)
    echo[: cfg.echo_step] = 0  # nothing to echo yet
    steps = cfg.stream_length // cfg.streams
    shape = (cfg.streams, steps, 1)
    return bits[: cfg.streams * steps].reshape(shape), echo[: cfg.streams * steps].reshape(shape)


class EchoRNN(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, 1)

    def forward(
        self, x: torch.Tensor, h: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        states, h = self.rnn(x, h)  # states [batch, window, hidden], h [1, batch, hidden]
        return self.readout(states), h  # logits [batch, window, 1]


def train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext
) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    windows = range(0, x.shape[1], cfg.bptt)
    # one buffer for the losses, not a tensor kept per step (see ``train.fit``: the heap's pages)
    losses = torch.empty(cfg.epochs * len(windows), device=ctx.device)  # (steps,)
    step = 0
    for _epoch in ctx.track(range(cfg.epochs), "echo: truncated BPTT"):
        h = None  # a fresh memory each pass over the stream
        for start in windows:
            window = slice(start, start + cfg.bptt)
            with ctx.autocast():
                logits, h = model(x[:, window], h)  # forward
                loss = loss_fn(logits, y[:, window])  # loss
            h = h.detach()  # keep the memory, cut the gradient: truncation
            optimizer.zero_grad(set_to_none=True)
            ctx.backward(loss)
            ctx.step(optimizer)
            losses[step] = loss.detach()
            step += 1
    return losses.tolist()


@torch.no_grad()
def echo_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, echo_step: int) -> float:
    logits, _ = unwrap_model(model)(x)  # the whole stream at once: no gradient, no truncation
    correct = ((logits > 0).float() == y)[:, echo_step:]  # skip the first, echo-less bits
    return float(correct.float().mean())


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    g = ctx.generator()
    x, y = echo_data(cfg, g)
    x_test, y_test = echo_data(cfg, g)
    # Each rank trains on its own rows of the stream; DDP averages the gradients.
    rows = slice(ctx.dist.rank, None, ctx.dist.world_size)
    x_mine, y_mine = x[rows].to(ctx.device), y[rows].to(ctx.device)
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(EchoRNN(cfg.hidden))
    before = echo_accuracy(model, x_test.to(ctx.device), y_test.to(ctx.device), cfg.echo_step)
    losses = train(model, x_mine, y_mine, cfg, ctx)
    after = echo_accuracy(model, x_test.to(ctx.device), y_test.to(ctx.device), cfg.echo_step)
    if ctx.is_main:
        fig, axes = subplots(1, 1)
        axes[0][0].plot(losses, lw=0.5)
        axes[0][0].set_xlabel("window")
        axes[0][0].set_ylabel("BCE loss")
        ctx.save_figure(fig, "loss")
    return {"accuracy_before": before, "accuracy": after, "final_loss": sum(losses[-20:]) / 20}
