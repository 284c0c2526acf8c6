"""Pick the device and the arithmetic once; everything else asks the run context.

Nothing in the labs assumes CPU or CUDA: ``auto`` takes CUDA, then Apple's MPS, then the CPU.
Under ``torchrun`` each process takes the GPU named by its ``LOCAL_RANK``.

Precision is a switch, ``fp32|bf16|fp16`` (``auto``: bf16 on a GPU that has it, fp16 on an older
GPU, fp32 elsewhere). bf16 and fp16 mean *mixed* precision: the forward pass runs under
``torch.autocast`` (matrix products in 16 bits, reductions and losses in 32) while the weights and
the optimiser stay in fp32. fp16's narrow range needs a gradient scaler; bf16 has fp32's range and
does not.
"""

from __future__ import annotations

import contextlib

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(spec: str = "auto", local_rank: int = 0) -> torch.device:
    """Turn ``auto|cpu|cuda|mps`` (or ``cuda:1``) into a ``torch.device`` that exists here."""
    spec = spec.lower()
    if spec == "auto":
        if torch.cuda.is_available():
            spec = "cuda"
        elif torch.backends.mps.is_available():
            spec = "mps"
        else:
            spec = "cpu"
    if spec == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda asked for, but torch.cuda.is_available() is False")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if spec == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("--device mps asked for, but torch.backends.mps.is_available() is False")
    return torch.device(spec)


def resolve_precision(spec: str, device: torch.device) -> str:
    """``auto|fp32|bf16|fp16`` → the precision this run uses on ``device``.

    ``auto`` is bf16 on a CUDA GPU that supports it (Ampere and later), fp16 on an older one and
    fp32 on the CPU and MPS, where small models gain nothing from 16 bits. An explicit bf16 or
    fp16 is honoured on any device that can autocast to it (the tests use the CPU's).
    """
    spec = spec.lower()
    if spec not in PRECISION_CHOICES:
        raise ValueError(f"unknown precision {spec!r}; choose from {', '.join(PRECISION_CHOICES)}")
    if spec == "auto":
        if device.type != "cuda":
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if spec != "fp32" and not autocast_supported(device, AUTOCAST_DTYPES[spec]):
        raise RuntimeError(f"--precision {spec} is not supported on {device.type} here")
    return spec


def autocast_supported(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether ``torch.autocast`` runs a matrix product on ``device`` in ``dtype``."""
    if device.type == "cuda" and dtype == torch.bfloat16:
        return torch.cuda.is_bf16_supported()
    try:
        a = torch.ones(2, 2, device=device)
        with torch.autocast(device_type=device.type, dtype=dtype):
            return (a @ a).dtype == dtype
    except (RuntimeError, AssertionError):  # torch says "not supported" in either way
        return False


_NO_AUTOCAST = contextlib.nullcontext()  # reusable and re-entrant: one object for every step


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager[None]:
    """Autocast to bf16 or fp16, or for fp32 a no-op (so the loop reads the same everywhere).

    The no-op is one shared ``nullcontext``: entering it costs two attribute look-ups, where a
    ``@contextmanager`` generator cost microseconds per step on the CPU.
    """
    if precision in AUTOCAST_DTYPES:
        return torch.autocast(device_type=device.type, dtype=AUTOCAST_DTYPES[precision])
    return _NO_AUTOCAST


def lstm_autocast(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """Around an ``nn.LSTM``: on the CPU, autocast off, so the recurrence runs in fp32.

    oneDNN, PyTorch's CPU backend, has no 16-bit LSTM kernel on CPUs without AVX-512 BF16
    ("could not create a primitive descriptor for the LSTM forward propagation primitive");
    GPUs run the LSTM in 16 bits under autocast like any other layer.
    """
    if device.type == "cpu":
        return torch.autocast("cpu", enabled=False)
    return _NO_AUTOCAST
