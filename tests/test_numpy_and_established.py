import numpy as np
import pytest
import torch

import gpnn
from gpnn.established import to_sequential, train_module
from gpnn.numpy_net import train_numpy


def _problem():
    x = np.linspace(-2, 2, 50)
    y = np.sin(2 * x) + 0.1 * np.random.default_rng(0).normal(size=50)
    return x, y


def test_numpy_training_follows_torch_closely_at_first():
    x, y = _problem()
    params = gpnn.init_params(1, (16, 16), seed=2)
    weights = [W.detach().numpy().copy() for W in params.weights]
    biases = [b.detach().numpy().copy() for b in params.biases]
    run = train_numpy(x, y, weights, biases, 0.05, 200)
    torch_opt = gpnn.GradientDescent(x, y, params, 0.05)
    torch_opt.train(200)
    np.testing.assert_allclose(run.loss_history[:50], torch_opt.loss_history[:50], rtol=1e-4)
    assert run.loss_history[-1] < run.loss_history[0]
    assert run.predictions.shape == (50,) and run.predictions.dtype == np.float32
    # The inputs were copied, not trained in place.
    np.testing.assert_array_equal(weights[0], gpnn.init_params(1, (16, 16), seed=2).weights[0].detach().numpy())


def test_numpy_gradient_step_matches_autograd_gradient():
    x, y = _problem()
    params = gpnn.init_params(1, (6,), seed=1)
    run = train_numpy(
        x, y, [W.detach().numpy() for W in params.weights], [b.detach().numpy() for b in params.biases], 1.0, 1
    )
    loss = gpnn.rmse(torch.tensor(y[:, None]), gpnn.forward(torch.tensor(x[:, None], dtype=torch.float32), params))
    loss.backward()
    for before, after, tensor in zip(params.weights, run.weights, params.weights, strict=True):
        np.testing.assert_allclose(before.detach().numpy() - after, tensor.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_numpy_rejects_bad_input():
    with pytest.raises(ValueError, match=r"len\(x\) = 3 and len\(y\) = 2"):
        train_numpy([0, 1, 2], [0, 1], [np.zeros((1, 1))], [np.zeros(1)], 0.1, 1)
    with pytest.raises(ValueError, match="one input"):
        train_numpy([0, 1], [0, 1], [np.zeros((2, 1))], [np.zeros(1)], 0.1, 1)
    with pytest.raises(ValueError, match=r"lr = 0\.0"):
        train_numpy([0, 1], [0, 1], [np.zeros((1, 1))], [np.zeros(1)], 0.0, 1)


def test_sequential_holds_the_same_numbers():
    params = gpnn.init_params(2, (5, 3), seed=0)
    model = to_sequential(params)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(model(x), gpnn.forward(x, params), rtol=1e-6, atol=1e-6)


def test_sgd_follows_the_from_scratch_loop_and_adam_trains():
    x, y = _problem()
    inputs, targets = torch.tensor(x[:, None], dtype=torch.float32), torch.tensor(y[:, None])
    params = gpnn.init_params(1, (8, 8), seed=3)
    sgd = train_module(to_sequential(params), inputs, targets, "sgd", 0.05, 100)
    scratch = gpnn.GradientDescent(inputs, targets, params, 0.05)
    scratch.train(100)
    np.testing.assert_allclose(sgd, scratch.loss_history, rtol=1e-4)
    adam = train_module(to_sequential(gpnn.init_params(1, (8, 8), seed=3)), inputs, targets, "adam", 0.01, 100)
    assert adam[-1] < 0.5 * adam[0]


def test_train_module_rejects_bad_input():
    model = to_sequential(gpnn.init_params(1, (2,), seed=0))
    x, y = torch.zeros(3, 1), torch.zeros(3, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"'optimizer' must be 'sgd' or 'adam', but optimizer = 'rmsprop'"):
        train_module(model, x, y, "rmsprop", 0.1, 1)
    with pytest.raises(ValueError, match=r"n_epochs = -1"):
        train_module(model, x, y, "sgd", 0.1, -1)
