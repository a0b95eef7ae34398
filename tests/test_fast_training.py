import numpy as np
import pytest
import torch

import gpnn
from gpnn.fast_training import FastGradientDescent

from . import reference


def _data(n=60, seed=0):
    x = np.linspace(-2, 2, n)
    y = np.sin(3 * x) + 0.2 * np.random.default_rng(seed).normal(size=n)
    return torch.tensor(x[:, None], dtype=torch.float32), torch.tensor(y[:, None])


@pytest.mark.parametrize(
    ("hidden", "lr"), [((16, 32, 64, 64, 32, 16), 0.005), ((1,), 0.05), ((3, 1, 4), 0.05), ((8,), 0.1)]
)
def test_identical_to_gradient_descent(hidden, lr):
    x, y = _data()
    slow_params, fast_params = gpnn.init_params(1, hidden, seed=4), gpnn.init_params(1, hidden, seed=4)
    slow, fast = gpnn.GradientDescent(x, y, slow_params, lr), FastGradientDescent(x, y, fast_params, lr)
    seen = []
    slow.train(400)
    fast.train(400, callback=lambda epoch, loss: seen.append((epoch, loss)))
    assert fast.loss_history == slow.loss_history
    assert torch.equal(fast.predictions, slow.predictions)
    for a, b in zip(slow_params.weights + slow_params.biases, fast_params.weights + fast_params.biases, strict=True):
        assert torch.equal(a, b)
    assert seen == list(enumerate(slow.loss_history, start=1))


def test_continues_where_single_steps_left_off():
    x, y = _data()
    a, b = gpnn.init_params(1, (8, 8), seed=1), gpnn.init_params(1, (8, 8), seed=1)
    slow, fast = gpnn.GradientDescent(x, y, a, 0.05), FastGradientDescent(x, y, b, 0.05)
    slow.train(50)
    for _ in range(20):
        fast.epoch()
    fast.train(30)
    assert fast.loss_history == slow.loss_history


@pytest.mark.slow
def test_default_experiment_with_fast_trainer_reproduces_reference(global_rng_guard, one_thread):
    ref = reference.experiment()
    result = gpnn.run_experiment(gpnn.ExperimentConfig(), trainer="fast")
    assert result.loss_history.tolist() == ref["losses"]
    np.testing.assert_array_equal(result.predictions, ref["pred"][:, 0].double().numpy())


def test_divergence_is_reported_with_epoch():
    x, y = _data()
    params = gpnn.init_params(1, (8,), seed=0)
    before = [t.detach().clone() for t in params.weights + params.biases]
    # Squares of residuals near 1e200 overflow: the loss is infinite at the first epoch.
    fast = FastGradientDescent(x, 1e200 * y, params, lr=0.1)
    with pytest.raises(gpnn.TrainingDivergedError, match=r"became inf at epoch 1; try a smaller learning rate"):
        fast.train(10)
    assert fast.loss_history == [float("inf")]
    assert all(torch.equal(a, b) for a, b in zip(before, params.weights + params.biases, strict=True))


def test_zero_and_negative_epochs():
    x, y = _data()
    fast = FastGradientDescent(x, y, gpnn.init_params(1, (4,), seed=0), lr=0.1)
    fast.train(0)
    assert fast.loss_history == [] and fast.predictions is None
    with pytest.raises(ValueError, match=r"n_epochs = -2"):
        fast.train(-2)


def test_run_experiment_rejects_unknown_trainer():
    with pytest.raises(ValueError, match=r"'trainer' must be 'autograd' or 'fast', but trainer = 'adam'"):
        gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=1), trainer="adam")
