"""Homework 1: backpropagation by hand for a two-layer network.

    f(x) = W2 · relu(W1 · x + b1) + b2

Fill in ``forward``, ``backward`` and ``mse_loss`` without ``torch.autograd``: the point is
to write the chain rule yourself. The tests compare your gradients with autograd's.
"""

from __future__ import annotations

import torch


class MLP:
    """A two-layer perceptron whose gradients are computed by hand."""

    def __init__(self, in_features: int, hidden: int, out_features: int, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.parameters = {
            "W1": torch.randn(hidden, in_features, generator=generator) * in_features**-0.5,
            "b1": torch.zeros(hidden),
            "W2": torch.randn(out_features, hidden, generator=generator) * hidden**-0.5,
            "b2": torch.zeros(out_features),
        }
        self.grads = {name: torch.zeros_like(value) for name, value in self.parameters.items()}
        self.cache: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [batch, in_features] → [batch, out_features]; keep what backward needs."""
        # BEGIN SOLUTION
        p = self.parameters
        s1 = x @ p["W1"].T + p["b1"]  # [batch, hidden]
        a1 = s1.clamp(min=0)  # relu
        s2 = a1 @ p["W2"].T + p["b2"]  # [batch, out]
        self.cache = {"x": x, "s1": s1, "a1": a1}
        return s2
        # END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> None:
        """Add dL/dθ to ``self.grads`` for every parameter θ, given dL/df: [batch, out]."""
        # BEGIN SOLUTION
        x, s1, a1 = self.cache["x"], self.cache["s1"], self.cache["a1"]
        self.grads["W2"] += grad_output.T @ a1  # [out, hidden]
        self.grads["b2"] += grad_output.sum(dim=0)
        grad_a1 = grad_output @ self.parameters["W2"]  # [batch, hidden]
        grad_s1 = grad_a1 * (s1 > 0)  # relu'(s1)
        self.grads["W1"] += grad_s1.T @ x  # [hidden, in]
        self.grads["b1"] += grad_s1.sum(dim=0)
        # END SOLUTION

    def clear_grad(self) -> None:
        for grad in self.grads.values():
            grad.zero_()


def mse_loss(prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean squared error over every element, and its gradient with respect to prediction."""
    # BEGIN SOLUTION
    difference = prediction - target
    return (difference**2).mean(), 2 * difference / difference.numel()
    # END SOLUTION
