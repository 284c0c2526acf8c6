"""Spectrograms for the sound labs (listening-to-kernels, spoken-digits): a few lines of
``torch.stft``, no torchaudio.

A short-time Fourier transform cuts the signal into overlapping windowed frames and takes each
frame's spectrum; its squared magnitude is the power spectrogram. A mel filterbank then pools the
frequency axis into bands that are narrow at low frequencies and wide at high ones, as our ears
hear; the log of that (decibels, in effect) is what speech models read.
"""

from __future__ import annotations

import torch


def spectrogram(signal: torch.Tensor, n_fft: int, hop: int | None = None) -> torch.Tensor:
    """Power ``|STFT|²``: ``[..., samples]`` → ``[..., n_fft // 2 + 1 frequencies, frames]``."""
    window = torch.hann_window(n_fft, device=signal.device)
    spec = torch.stft(
        signal.reshape(-1, signal.shape[-1]),  # stft takes [samples] or [batch, samples]
        n_fft,
        hop_length=hop or n_fft // 4,
        window=window,
        return_complex=True,
    )
    power = spec.abs() ** 2
    return power.reshape(*signal.shape[:-1], *power.shape[-2:])


def mel_filterbank(n_freqs: int, n_mels: int, sample_rate: int) -> torch.Tensor:
    """Triangular filters evenly spaced on the mel scale (HTK): ``[n_mels, n_freqs]``."""
    to_mel = lambda f: 2595 * torch.log10(1 + f / 700)  # noqa: E731
    to_hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    freqs = torch.linspace(0, sample_rate / 2, n_freqs)  # [n_freqs]
    edges = to_hz(torch.linspace(0, float(to_mel(torch.tensor(sample_rate / 2))), n_mels + 2))
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]  # [n_mels, 1]
    rising = (freqs - left) / (centre - left)
    falling = (right - freqs) / (right - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0)


def log_mel(
    signal: torch.Tensor, sample_rate: int, n_fft: int, n_mels: int, hop: int | None = None
) -> torch.Tensor:
    """``log(mel power + ε)``: ``[..., samples]`` → ``[..., n_mels, frames]``."""
    power = spectrogram(signal, n_fft, hop)  # [..., freqs, frames]
    bank = mel_filterbank(power.shape[-2], n_mels, sample_rate).to(power.device)
    return torch.log(bank @ power + 1e-6)  # [n_mels, freqs] @ [..., freqs, frames]
