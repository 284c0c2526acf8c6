"""Spoken digits: a ConvNet that hears "zero" to "nine" from voices it has never heard.

Speech recognition is image classification in disguise: a log-mel spectrogram is a picture of a
sound (frequency up, time across), and the same word looks alike whoever says it — the same
formant shapes, stretched or shifted. A small CNN over that picture learns to read the words.

The speech is synthesised offline by ``espeak-ng`` with many *voices* (voice variants on English
accents, at random speeds and pitches). A net can cheat by learning one voice, so we test on voice
variants it never heard in training, and we make the training set hard to memorise: every clip
sits at a random place in a one-second window, under noise at a random signal-to-noise ratio.

1. **Data.** Each take is one espeak-ng call saying the ten digits; we cut it into words, then
   shift and add noise: ``[clips, samples]``.
2. **Features.** Log-mel spectrogram (``torch.stft`` + mel filterbank), normalised per clip:
   ``[clips, 1, mels, frames]``.
3. **Model.** Three conv blocks, then a max over time and a linear layer: ``[clips, 10]``. This is
   week 3's motif detection: a shared detector slides along time, and a max reports whether (not
   where) the motif occurred, so a word means the same wherever it starts.
4. **Test** on held-out speakers: accuracy far above chance (10%) says the net learned the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlcourse.labs.audio import log_mel
from dlcourse.labs.data.speech import (
    TEST_VARIANTS,
    TRAIN_VARIANTS,
    cache_folder,
    speaker_takes,
    synthesise,
)  # fmt: skip
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext
from dlcourse.labs.train import accuracy, count_parameters, predict

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class Config:
    train_speakers: int = 18  # the first N of TRAIN_VARIANTS
    test_speakers: int = 8  # the first N of TRAIN_VARIANTS' disjoint twin, TEST_VARIANTS
    takes: int = 4  # takes per speaker, each with its own accent, speed and pitch
    copies: int = 3  # noisy, shifted copies of every training word
    speed: tuple[int, int] = (120, 220)  # words per minute
    pitch: tuple[int, int] = (20, 80)
    snr_db: tuple[float, float] = (5.0, 30.0)  # noise: signal-to-noise ratio, dB
    seconds: float = 1.0  # clip window
    sample_rate: int = 11025  # espeak-ng's 22,050 Hz, halved
    n_fft: int = 256  # 23 ms frames
    hop: int = 128  # a frame every 11.6 ms
    n_mels: int = 32
    channels: int = 8
    epochs: int = 15
    batch_size: int = 64
    lr: float = 3e-3
    synthesiser: str = "espeak-ng"  # name on the PATH, or a path
    cache: str = ""  # where takes are cached; "" = the run's output folder, else a temp dir


CONFIGS = {
    "quick": Config(train_speakers=10, test_speakers=4, takes=2, copies=2, epochs=10),
    "full": Config(),
}


def place_in_window(
    words: list[tuple[np.ndarray, int]], cfg: Config, copies: int, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each (word, label) ``copies`` times: randomly shifted in the window, under random noise.

    Returns clips ``[n, samples]`` and labels ``[n]``.
    """
    width = int(cfg.seconds * cfg.sample_rate)
    clips, labels = [], []
    for audio, label in words:
        word = torch.as_tensor(audio, dtype=torch.float32)[:width]
        for _ in range(copies):
            clip = torch.zeros(width)
            start = int(torch.randint(0, width - len(word) + 1, (), generator=g))
            clip[start : start + len(word)] = word
            snr_db = cfg.snr_db[0] + (cfg.snr_db[1] - cfg.snr_db[0]) * float(
                torch.rand((), generator=g)
            )
            noise_std = word.pow(2).mean().sqrt() * 10 ** (
                -snr_db / 20
            )  # SNR = 20 log10(rms ratio)
            clips.append(clip + noise_std * torch.randn(width, generator=g))
            labels.append(label)
    return torch.stack(clips), torch.tensor(labels)


def make_corpus(
    variants: tuple[str, ...], cfg: Config, cache: Path, copies: int, offset: int, ctx: RunContext
) -> tuple[torch.Tensor, torch.Tensor]:
    """Synthesise (or read from the cache) every speaker's takes; clips and labels."""
    takes = speaker_takes(variants, cfg.takes, cfg.speed, cfg.pitch, ctx.rng(offset))
    spoken, rate = synthesise(takes, WORDS, cache, cfg.synthesiser)
    step = rate // cfg.sample_rate  # 22,050 → 11,025 Hz: average neighbouring samples
    words = [
        (audio[: len(audio) // step * step].reshape(-1, step).mean(1), label)
        for take in spoken
        for label, audio in enumerate(take)
    ]
    return place_in_window(words, cfg, copies, ctx.generator(offset))


def features(clips: torch.Tensor, cfg: Config) -> torch.Tensor:
    """Log-mel spectrograms, zero mean and unit variance per clip: ``[n, 1, mels, frames]``."""
    spec = log_mel(clips, cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.hop)  # [n, mels, frames]
    mean = spec.mean(dim=(1, 2), keepdim=True)
    std = spec.std(dim=(1, 2), keepdim=True)
    return ((spec - mean) / std)[:, None]  # loudness and noise floor no longer matter


class SpeechCNN(nn.Module):
    """Three conv blocks over ``[b, 1, mels, frames]``, max over time, linear: ``[b, 10]``."""

    def __init__(self, n_mels: int, channels: int, classes: int = len(WORDS)) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()
            )

        c = channels
        self.features = nn.Sequential(
            block(1, c),
            nn.MaxPool2d(2),  # [b, c, mels/2, frames/2]
            block(c, 2 * c),
            nn.MaxPool2d(2),  # [b, 2c, mels/4, frames/4]
            block(2 * c, 2 * c),
        )
        self.classifier = nn.Linear(2 * c * (n_mels // 4), classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # [b, 2c, mels/4, frames/4]
        h = h.amax(dim=-1)  # [b, 2c, mels/4]: max over time, so a shift changes nothing
        return self.classifier(h.flatten(1))  # [b, classes]


def train(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: Config, ctx: RunContext
) -> list[float]:
    """Mini-batch Adam on cross-entropy; the mean training loss of every epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    batches = ctx.batches(x, y, batch_size=cfg.batch_size)
    losses = torch.empty(cfg.epochs, len(batches), device=ctx.device)  # [epochs, steps]
    model.train()
    for epoch in ctx.track(range(cfg.epochs), "spoken digits"):
        for step, (spectrograms, words) in enumerate(batches):  # [b, 1, mels, frames], [b]
            with ctx.autocast():
                logits = model(spectrograms)  # 1. forward: [b, 10]
                loss = loss_fn(logits, words)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[epoch, step] = loss.detach()
    return ctx.mean_across_ranks(losses.mean(1).tolist())


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    train_variants = TRAIN_VARIANTS[: cfg.train_speakers]
    test_variants = TEST_VARIANTS[: cfg.test_speakers]
    assert not set(train_variants) & set(test_variants), "test voices must be new voices"
    cache = cache_folder(cfg.cache, ctx.out, "spoken-digits")
    clips_train, y_train = make_corpus(train_variants, cfg, cache, cfg.copies, 1, ctx)
    clips_test, y_test = make_corpus(test_variants, cfg, cache, 1, 2, ctx)
    x_train, x_test = features(clips_train, cfg), features(clips_test, cfg)

    torch.manual_seed(ctx.seed)
    model = ctx.wrap(SpeechCNN(cfg.n_mels, cfg.channels))
    losses = train(model, x_train, y_train, cfg, ctx)

    predicted = predict(model, x_test.to(ctx.device)).argmax(-1).cpu()
    confusion = torch.zeros(len(WORDS), len(WORDS), dtype=torch.long)
    confusion.index_put_((y_test, predicted), torch.ones_like(y_test), accumulate=True)
    per_speaker = (predicted == y_test).float().reshape(len(test_variants), -1).mean(1)
    if ctx.is_main:
        fig, axes = subplots(2, 5, size=2)
        first = x_test[: len(WORDS), 0]  # the first held-out speaker's ten words
        for k, ax in enumerate(axes.flat):
            ax.imshow(first[k].numpy(), origin="lower", aspect="auto")
            ax.set_title(f"{WORDS[int(y_test[k])]} → {WORDS[int(predicted[k])]}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        ctx.save_figure(fig, "spectrograms")
        fig, axes = subplots(1, 2, size=4)
        axes[0][0].imshow(confusion.numpy(), cmap="Blues")
        axes[0][0].set_xticks(range(len(WORDS)), WORDS, rotation=90)
        axes[0][0].set_yticks(range(len(WORDS)), WORDS)
        axes[0][0].set_xlabel("predicted")
        axes[0][0].set_title("held-out speakers")
        axes[0][1].plot(losses)
        axes[0][1].set_title("training loss")
        ctx.save_figure(fig, "confusion")
    return {
        "train_accuracy": accuracy(model, x_train, y_train),
        "test_accuracy_new_speakers": float((predicted == y_test).float().mean()),
        "chance": 1 / len(WORDS),
        "test_accuracy_per_speaker": dict(zip(test_variants, per_speaker.tolist(), strict=True)),
        "train_speakers": list(train_variants),
        "test_speakers": list(test_variants),
        "train_clips": len(y_train),
        "test_clips": len(y_test),
        "input_shape": list(x_train.shape[1:]),
        "parameters": count_parameters(model),
        "confusion": confusion.tolist(),
        "loss_curve": losses,
    }
