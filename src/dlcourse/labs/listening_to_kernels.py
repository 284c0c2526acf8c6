"""Listening to kernels: 1-D convolution as a matched filter, and spectrograms.

A convolution slides a kernel along a signal and takes a dot product at every position; the output
is large where the signal looks like the kernel. Use a known sound (a short chirp) as the kernel and
the convolution becomes a *matched filter*: its peaks mark where the chirp occurs, even buried in
noise and under a louder tone, because noise and tone do not correlate with it.

A spectrogram (short-time Fourier transform) shows the same signal in time and frequency; a mel
filterbank squeezes the frequency axis the way our ears do. Both are a few lines of ``torch.stft``,
in :mod:`dlcourse.labs.audio` (shared with the spoken-digits lab).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from dlcourse.labs.audio import mel_filterbank, spectrogram
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    sample_rate: int = 8000
    seconds: float = 4.0
    events: int = 6
    chirp_seconds: float = 0.05
    noise: float = 0.5  # noise std; the chirp's amplitude is 1
    tone_hz: float = 440.0
    n_fft: int = 256
    n_mels: int = 40


CONFIGS = {"quick": Config(seconds=2.0, events=4), "full": Config()}


def chirp(sample_rate: int, seconds: float, f0: float = 1000.0, f1: float = 2500.0) -> torch.Tensor:
    """A Hann-windowed linear sweep from ``f0`` to ``f1`` Hz: ``[samples]``."""
    t = torch.arange(int(sample_rate * seconds)) / sample_rate
    phase = 2 * math.pi * (f0 * t + (f1 - f0) * t**2 / (2 * seconds))  # ∫ f(t) dt
    return torch.sin(phase) * torch.hann_window(len(t), periodic=False)


def synthesise(
    cfg: Config, template: torch.Tensor, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tone + noise + chirps at random, well-separated times. Returns signal and starts (s)."""
    n = int(cfg.sample_rate * cfg.seconds)
    t = torch.arange(n) / cfg.sample_rate
    signal = 1.5 * torch.sin(2 * math.pi * cfg.tone_hz * t) + cfg.noise * torch.randn(
        n, generator=g
    )
    # Events on a jittered grid, so they never overlap.
    slots = torch.linspace(0.1, cfg.seconds - 0.2, cfg.events + 1)[:-1]
    jitter = torch.rand(cfg.events, generator=g) * (slots[1] - slots[0] - 2 * cfg.chirp_seconds)
    starts = slots + jitter
    for start in starts:
        i = int(start * cfg.sample_rate)
        signal[i : i + len(template)] += template
    return signal, (starts * cfg.sample_rate).long().float() / cfg.sample_rate


def matched_filter(signal: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """Cross-correlation with the unit-norm template: ``[samples - len(template) + 1]``.

    ``F.conv1d`` computes exactly this (deep-learning "convolution" does not flip the kernel).
    """
    kernel = (template / template.norm())[None, None, :]  # [out=1, in=1, k]
    return F.conv1d(signal[None, None, :], kernel)[0, 0]


def find_peaks(score: torch.Tensor, threshold: float, min_distance: int) -> torch.Tensor:
    """Indices of local maxima above ``threshold``, at least ``min_distance`` apart."""
    pooled = F.max_pool1d(score[None, None], 2 * min_distance + 1, stride=1, padding=min_distance)
    is_peak = (score == pooled[0, 0]) & (score > threshold)
    return is_peak.nonzero()[:, 0]


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    template = chirp(cfg.sample_rate, cfg.chirp_seconds)
    signal, planted = synthesise(cfg, template, ctx.generator())
    score = matched_filter(signal.to(ctx.device), template.to(ctx.device)).cpu()
    # Noise after a unit-norm filter has the noise's std; 6 σ leaves no false alarms in practice.
    threshold = 6 * cfg.noise
    peaks = find_peaks(score, threshold, min_distance=len(template))
    detected = peaks.float() / cfg.sample_rate
    power = spectrogram(signal, cfg.n_fft)  # [freqs, frames]
    mel = mel_filterbank(power.shape[0], cfg.n_mels, cfg.sample_rate) @ power  # [mels, frames]
    bin_hz = cfg.sample_rate / cfg.n_fft
    loudest_hz = float(power.mean(dim=1).argmax()) * bin_hz
    if ctx.is_main:
        fig, axes = subplots(3, 1, size=3)
        fig.set_size_inches(9, 8)
        t = (torch.arange(len(signal)) / cfg.sample_rate).numpy()
        axes[0][0].plot(t, signal.numpy(), lw=0.3)
        for s in planted:
            axes[0][0].axvline(float(s), color="r", alpha=0.4)
        axes[0][0].set_title("signal (red: planted chirps)")
        axes[1][0].plot(t[: len(score)], score.numpy(), lw=0.5)
        axes[1][0].axhline(threshold, color="k", ls="--")
        axes[1][0].set_title("matched-filter output")
        axes[2][0].imshow(torch.log10(mel + 1e-6).numpy(), origin="lower", aspect="auto")
        axes[2][0].set_title("log mel spectrogram")
        ctx.save_figure(fig, "matched_filter")
    return {
        "planted_seconds": planted.tolist(),
        "detected_seconds": detected.tolist(),
        "max_timing_error_ms": float(
            (detected[:, None] - planted[None]).abs().min(1).values.max() * 1000
        )
        if len(detected)
        else float("inf"),
        "loudest_frequency_hz": loudest_hz,
        "frequency_resolution_hz": bin_hz,
        "mel_shape": list(mel.shape),
    }
