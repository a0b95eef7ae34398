import numpy as np
import pytest
import torch

import gpnn
from gpnn.established import ModuleTrainer, to_sequential
from gpnn.numpy_net import NumpyGradientDescent


def _problem():
    x = np.linspace(-2, 2, 50)
    y = np.sin(2 * x) + 0.1 * np.random.default_rng(0).normal(size=50)
    return x, y


def test_numpy_training_follows_torch_closely_at_first():
    x, y = _problem()
    params = gpnn.init_params(1, (16, 16), seed=2)
    run = NumpyGradientDescent(x, y, params, 0.05)
    run.train(200)
    # The NumPy trainer copied the initial parameters instead of training them in place.
    assert torch.equal(params.weights[0], gpnn.init_params(1, (16, 16), seed=2).weights[0])
    torch_opt = gpnn.GradientDescent(x, y, params, 0.05)
    torch_opt.train(200)
    np.testing.assert_allclose(run.loss_history[:50], torch_opt.loss_history[:50], rtol=1e-4)
    assert run.loss_history[-1] < run.loss_history[0]
    assert run.predictions.shape == (50, 1) and run.predictions.dtype == torch.float32


def test_numpy_gradient_step_matches_autograd_gradient():
    x, y = _problem()
    params = gpnn.init_params(1, (6,), seed=1)
    run = NumpyGradientDescent(x, y, params, 1.0)
    run.train(1)
    loss = gpnn.rmse(torch.tensor(y[:, None]), gpnn.forward(torch.tensor(x[:, None], dtype=torch.float32), params))
    loss.backward()
    for before, after in zip(params.weights, run.parameters().weights, strict=True):
        np.testing.assert_allclose(before.detach() - after, before.grad, rtol=1e-5, atol=1e-7)


def test_sequential_holds_the_same_numbers():
    params = gpnn.init_params(2, (5, 3), seed=0)
    model = to_sequential(params)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(model(x), gpnn.forward(x, params), rtol=1e-6, atol=1e-6)
    trainer = ModuleTrainer(x, torch.zeros(7, 1), params, 0.1)
    for mine, theirs in zip(trainer.parameters().weights, params.weights, strict=True):
        assert torch.equal(mine, theirs.detach())


def test_sgd_follows_the_from_scratch_loop_and_adam_trains():
    x, y = _problem()
    inputs, targets = torch.tensor(x[:, None], dtype=torch.float32), torch.tensor(y[:, None])
    params = gpnn.init_params(1, (8, 8), seed=3)
    sgd = ModuleTrainer(inputs, targets, params, 0.05, optimizer="sgd")
    sgd.train(100)
    scratch = gpnn.GradientDescent(inputs, targets, params, 0.05)
    scratch.train(100)
    np.testing.assert_allclose(sgd.loss_history, scratch.loss_history, rtol=1e-4)
    adam = ModuleTrainer(inputs, targets, gpnn.init_params(1, (8, 8), seed=3), 0.01, optimizer="adam")
    adam.train(100)
    assert adam.loss_history[-1] < 0.5 * adam.loss_history[0]


def test_module_trainer_rejects_an_unknown_optimizer():
    with pytest.raises(ValueError, match=r"'optimizer' must be 'sgd' or 'adam', but optimizer = 'rmsprop'"):
        ModuleTrainer(torch.zeros(3, 1), torch.zeros(3, 1), gpnn.init_params(1, (2,), seed=0), 0.1, optimizer="rmsprop")
