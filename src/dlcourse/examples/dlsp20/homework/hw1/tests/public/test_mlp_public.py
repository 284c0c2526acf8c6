"""Public tests: run them with ``pytest`` in the homework folder before you submit."""

import torch
from autograde import weight
from mlp import MLP, mse_loss


@weight(2)
def test_forward_shape():
    net = MLP(3, 5, 2)
    assert net.forward(torch.randn(4, 3)).shape == (4, 2)


@weight(3)
def test_mse_loss_matches_torch():
    prediction, target = torch.randn(6, 2), torch.randn(6, 2)
    loss, _ = mse_loss(prediction, target)
    assert torch.allclose(loss, torch.nn.functional.mse_loss(prediction, target))


@weight(5)
def test_small_backward_matches_autograd():
    torch.manual_seed(1)
    net = MLP(2, 3, 1)
    x, y = torch.randn(4, 2), torch.randn(4, 1)
    _, grad = mse_loss(net.forward(x), y)
    net.backward(grad)
    reference = {k: v.clone().requires_grad_() for k, v in net.parameters.items()}
    hidden = (x @ reference["W1"].T + reference["b1"]).relu()
    torch.nn.functional.mse_loss(hidden @ reference["W2"].T + reference["b2"], y).backward()
    for name, value in reference.items():
        assert torch.allclose(net.grads[name], value.grad, atol=1e-6), name
