import numpy as np
import pytest
import torch

import gpnn
from gpnn.fast_training import FastGradientDescent


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
    slow.train(400)
    fast.train(400)
    assert fast.loss_history == slow.loss_history
    assert torch.equal(fast.predictions, slow.predictions)
    for a, b in zip(slow_params.weights + slow_params.biases, fast_params.weights + fast_params.biases, strict=True):
        assert torch.equal(a, b)


def test_the_callers_tensors_are_current_after_every_epoch():
    x, y = _data()
    a, b = gpnn.init_params(1, (8, 8), seed=1), gpnn.init_params(1, (8, 8), seed=1)
    slow, fast = gpnn.GradientDescent(x, y, a, 0.05), FastGradientDescent(x, y, b, 0.05)

    def same(epoch, loss):
        slow.epoch()
        assert all(torch.equal(u, v) for u, v in zip(a.weights + a.biases, b.weights + b.biases, strict=True)), epoch

    fast.train(25, callback=same)
    assert fast.loss_history == slow.loss_history
    # Single epochs and whole runs mix freely.
    for _ in range(5):
        fast.epoch()
    fast.train(5)
    slow.train(10)
    assert fast.loss_history == slow.loss_history


def test_runs_on_one_thread_and_restores_the_count():
    x, y = _data()
    seen = []
    torch.set_num_threads(2)
    try:
        FastGradientDescent(x, y, gpnn.init_params(1, (4,), seed=0), 0.1).train(
            2, callback=lambda *_: seen.append(torch.get_num_threads())
        )
        assert seen == [1, 1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(2)
