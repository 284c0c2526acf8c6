"""Logic with neurons: programming, not training, a network.

A neuron computes ``step(w · x + b)``: it fires when the input lies on the positive side of a line.
AND, OR and NOT are one line each, so one neuron each. XOR is not linearly separable: no single line
puts (0,1) and (1,0) on one side and (0,0), (1,1) on the other — we check this by trying a
dense grid of lines — but two layers do it: XOR(a, b) = AND(OR(a, b), NAND(a, b)). Wire XOR
and AND together and you have a half adder; two half adders and an OR make a full adder.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from dlcourse.labs.run_context import RunContext


@dataclass(frozen=True)
class Config:
    search_steps: int = 41  # grid points per weight when searching for a one-neuron XOR


CONFIGS = {"quick": Config(search_steps=21), "full": Config(search_steps=81)}


def neuron(weights: list[float], bias: float):
    """A threshold unit: ``x [batch, inputs] → step(x · w + b) [batch]`` (0 or 1)."""
    w = torch.tensor(weights)

    def fire(x: torch.Tensor) -> torch.Tensor:
        return (x @ w + bias > 0).float()

    return fire


AND = neuron([1.0, 1.0], -1.5)  # both inputs needed to pass 1.5
OR = neuron([1.0, 1.0], -0.5)  # either input passes 0.5
NAND = neuron([-1.0, -1.0], 1.5)
NOT = neuron([-1.0], 0.5)


def xor(x: torch.Tensor) -> torch.Tensor:
    """Two layers: a hidden layer of OR and NAND, then AND of the two."""
    hidden = torch.stack([OR(x), NAND(x)], dim=1)  # [batch, 2]
    return AND(hidden)


def half_adder(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sum, carry)`` of two bits."""
    return xor(x), AND(x)


def full_adder(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sum, carry)`` of three bits ``x [batch, 3]`` = (a, b, carry_in)."""
    s1, c1 = half_adder(x[:, :2])
    s2, c2 = half_adder(torch.stack([s1, x[:, 2]], dim=1))
    return s2, OR(torch.stack([c1, c2], dim=1))


def truth_table(inputs: int) -> torch.Tensor:
    """All ``2**inputs`` rows of bits, ``[2**inputs, inputs]``."""
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=inputs)))


def single_neuron_xor_best(steps: int) -> int:
    """Most XOR rows any single neuron on a grid of (w1, w2, b) gets right (never all 4)."""
    x = truth_table(2)
    target = (x[:, 0] != x[:, 1]).float()  # [4]
    grid = torch.linspace(-2, 2, steps)
    w1, w2, b = torch.meshgrid(grid, grid, grid, indexing="ij")
    params = torch.stack([w1.flatten(), w2.flatten()], dim=1)  # [steps^3, 2]
    fires = (x @ params.T + b.flatten() > 0).float()  # [4, steps^3]
    return int((fires == target[:, None]).sum(dim=0).max())


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    two, three = truth_table(2), truth_table(3)
    half_sum, half_carry = half_adder(two)
    full_sum, full_carry = full_adder(three)
    as_bits = lambda t: [int(v) for v in t.tolist()]  # noqa: E731
    return {
        "inputs_2": two.int().tolist(),
        "and": as_bits(AND(two)),
        "or": as_bits(OR(two)),
        "nand": as_bits(NAND(two)),
        "not": as_bits(NOT(truth_table(1))),
        "xor": as_bits(xor(two)),
        "half_adder_sum": as_bits(half_sum),
        "half_adder_carry": as_bits(half_carry),
        "inputs_3": three.int().tolist(),
        "full_adder_sum": as_bits(full_sum),
        "full_adder_carry": as_bits(full_carry),
        "single_neuron_xor_best_rows": single_neuron_xor_best(cfg.search_steps),
    }
