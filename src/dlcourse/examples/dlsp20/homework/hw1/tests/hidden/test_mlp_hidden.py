"""Hidden tests: only the grader sees these (shown in feedback after the due date)."""

import torch
from autograde import weight
from mlp import MLP, mse_loss


def autograd_grads(net: MLP, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    reference = {k: v.detach().clone().double().requires_grad_() for k, v in net.parameters.items()}
    hidden = (x.double() @ reference["W1"].T + reference["b1"]).relu()
    output = hidden @ reference["W2"].T + reference["b2"]
    ((output - y.double()) ** 2).mean().backward()
    return {name: value.grad for name, value in reference.items()}


@weight(30)
def test_backward_matches_autograd_on_many_shapes():
    for seed, (batch, inputs, hidden, outputs) in enumerate(
        [(1, 1, 1, 1), (8, 5, 7, 3), (32, 20, 64, 10), (3, 2, 50, 1)]
    ):
        torch.manual_seed(seed)
        net = MLP(inputs, hidden, outputs, seed=seed)
        for parameter in net.parameters.values():
            parameter.copy_(torch.randn_like(parameter))  # biases too, so every path counts
        x, y = torch.randn(batch, inputs), torch.randn(batch, outputs)
        _, grad = mse_loss(net.forward(x), y)
        net.backward(grad)
        expected = autograd_grads(net, x, y)
        for name in expected:
            assert torch.allclose(net.grads[name].double(), expected[name], atol=1e-5), (
                f"d loss / d {name} differs from autograd, shape {(batch, inputs, hidden, outputs)}"
            )


@weight(20)
def test_mse_gradient_matches_autograd():
    prediction = torch.randn(7, 3, requires_grad=True)
    target = torch.randn(7, 3)
    torch.nn.functional.mse_loss(prediction, target).backward()
    _, grad = mse_loss(prediction.detach(), target)
    assert torch.allclose(grad, prediction.grad, atol=1e-7)


@weight(20)
def test_gradients_accumulate_until_cleared():
    net = MLP(4, 6, 2, seed=3)
    x, y = torch.randn(5, 4), torch.randn(5, 2)
    _, grad = mse_loss(net.forward(x), y)
    net.backward(grad)
    once = {name: value.clone() for name, value in net.grads.items()}
    net.forward(x)
    net.backward(grad)
    for name, value in net.grads.items():
        assert torch.allclose(value, 2 * once[name], atol=1e-6), name
    net.clear_grad()
    assert all(float(value.abs().sum()) == 0 for value in net.grads.values())


@weight(20)
def test_training_with_hand_gradients_lowers_the_loss():
    torch.manual_seed(0)
    net = MLP(2, 16, 1, seed=0)
    x = torch.randn(64, 2)
    y = (x[:, :1] * x[:, 1:]).sin()
    first = None
    for _ in range(200):
        net.clear_grad()
        loss, grad = mse_loss(net.forward(x), y)
        first = float(loss) if first is None else first
        net.backward(grad)
        for name, parameter in net.parameters.items():
            parameter -= 0.1 * net.grads[name]
    assert float(loss) < 0.5 * first
