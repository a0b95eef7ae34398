"""One contract, every trainer: the same suite runs over each (as GPyTorch runs one base test case
over all its kernels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import gpnn
from gpnn.established import ModuleTrainer
from gpnn.fast_training import FastGradientDescent
from gpnn.numpy_net import NumpyGradientDescent
from gpnn.training import DIVERGENCE_FACTOR

TRAINERS = {
    "autograd": gpnn.GradientDescent,
    "fast": FastGradientDescent,
    "numpy": NumpyGradientDescent,
    "torch-sgd": lambda x, y, params, lr: ModuleTrainer(x, y, params, lr, optimizer="sgd"),
    "torch-adam": lambda x, y, params, lr: ModuleTrainer(x, y, params, lr, optimizer="adam"),
}
EXACT_AS_AUTOGRAD = {"autograd", "fast"}


@pytest.fixture(params=list(TRAINERS))
def make(request):
    """A factory for the trainer under test, and its name."""
    return request.param, TRAINERS[request.param]


def _problem(n=40, seed=0):
    x = np.linspace(-2, 2, n)
    y = np.sin(2 * x) + 0.1 * np.random.default_rng(seed).normal(size=n)
    return torch.tensor(x[:, None], dtype=torch.float32), torch.tensor(y[:, None])


def _params(hidden=(8, 8), seed=1):
    return gpnn.init_params(1, hidden, seed=seed)


def _loss_at(params, x, y):
    with torch.no_grad():
        return gpnn.rmse(y, gpnn.forward(x, params)).item()


def test_loss_is_recorded_before_each_update(make):
    name, trainer = make
    x, y = _problem()
    opt = trainer(x, y, _params(), 0.02)
    opt.train(6, snapshot_every=1)
    assert len(opt.loss_history) == 6
    assert [epoch for epoch, _ in opt.snapshots] == [1, 2, 3, 4, 5, 6]
    for (epoch, params), loss in zip(opt.snapshots, opt.loss_history, strict=True):
        # The snapshot of epoch e holds the parameters of that epoch's forward pass, which the
        # recorded loss scores: exactly with gpnn.forward's arithmetic, to rounding with NumPy's
        # or with nn.Linear's fused bias.
        expected = _loss_at(params, x, y)
        if name in EXACT_AS_AUTOGRAD:
            assert loss == expected, epoch
        else:
            assert loss == pytest.approx(expected, rel=1e-6), epoch
    assert opt.loss_history[-1] < opt.loss_history[0]


def test_callback_sees_every_epoch_after_its_update(make):
    _, trainer = make
    x, y = _problem()
    opt = trainer(x, y, _params(), 0.02)
    seen = []
    opt.train(3, callback=lambda epoch, loss: seen.append((epoch, loss, len(opt.loss_history))))
    opt.train(2, callback=lambda epoch, loss: seen.append((epoch, loss, len(opt.loss_history))))
    # Epochs count over the trainer's life; the loss is recorded when the callback runs.
    assert [(e, n) for e, _, n in seen] == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]
    assert [loss for _, loss, _ in seen] == opt.loss_history


def test_snapshots_are_copies_at_every_multiple(make):
    _, trainer = make
    x, y = _problem()
    opt = trainer(x, y, _params(), 0.05)
    opt.train(10, snapshot_every=4)
    assert [epoch for epoch, _ in opt.snapshots] == [4, 8]
    first = [t.clone() for t in opt.snapshots[0][1].weights]
    opt.train(5)
    assert all(torch.equal(a, b) for a, b in zip(first, opt.snapshots[0][1].weights, strict=True))
    assert not torch.equal(opt.snapshots[0][1].weights[0], opt.parameters().weights[0])


def test_zero_epochs_change_nothing(make):
    _, trainer = make
    x, y = _problem()
    opt = trainer(x, y, _params(), 0.05)
    before = opt.parameters()
    opt.train(0, callback=lambda *_: pytest.fail("called"), snapshot_every=1)
    assert opt.loss_history == [] and opt.snapshots == [] and opt.predictions is None
    assert all(torch.equal(a, b) for a, b in zip(before.weights, opt.parameters().weights, strict=True))


def test_predictions_belong_to_the_latest_loss(make):
    _, trainer = make
    x, y = _problem()
    opt = trainer(x, y, _params(), 0.05)
    opt.train(7)
    assert opt.predictions.shape == (40, 1)
    recomputed = gpnn.rmse(y, opt.predictions.to(y.dtype)).item()
    assert recomputed == pytest.approx(opt.loss_history[-1], rel=1e-6)


def test_divergence_by_growth_names_the_epoch(make):
    # A learning rate far too large: the loss leaps by many orders of magnitude but may stay
    # finite (every ReLU dead afterwards), so NaN checks alone would let it pass as success.
    name, trainer = make
    x, y = _problem(n=10)
    opt = trainer(x, 60 * y, _params((16, 16)), 1e6 if name != "torch-adam" else 1e3)
    before = None
    with pytest.raises(gpnn.TrainingDivergedError, match=r"at epoch (\d+): the loss") as info:
        for _ in range(50):
            before = opt.parameters()
            opt.train(1)
    epoch = info.value.epoch
    assert f"at epoch {epoch}:" in str(info.value)
    assert len(opt.loss_history) == epoch
    last = opt.loss_history[-1]
    assert not math.isfinite(last) or last > DIVERGENCE_FACTOR * opt.loss_history[0]
    # No update was applied in the diverged epoch: the parameters produced the recorded loss.
    assert all(torch.equal(a, b) for a, b in zip(before.weights, opt.parameters().weights, strict=True))
    assert "try a smaller learning rate than lr = " in str(info.value)


def test_non_finite_parameters_stop_training(make):
    name, trainer = make
    if name == "torch-adam":
        pytest.skip("Adam's step is bounded by its learning rate; a finite rate cannot overflow it")
    x, y = _problem(n=10)
    # Large inputs give gradients above 1, which the largest float32 step size turns into infinity.
    opt = trainer(1e4 * x, y, _params((4,)), 3e38)
    with pytest.raises(gpnn.TrainingDivergedError, match=r"at epoch 1: the update made a parameter NaN or infinite"):
        opt.train(5)
    assert len(opt.loss_history) == 1 and math.isfinite(opt.loss_history[0])


def test_state_after_an_interrupt_resumes_exactly(make):
    name, trainer = make
    x, y = _problem()
    uninterrupted = trainer(x, y, _params(), 0.03)
    uninterrupted.train(30, snapshot_every=10)

    def interrupt(epoch, loss):
        if epoch == 13:
            raise KeyboardInterrupt

    opt = trainer(x, y, _params(), 0.03)
    with pytest.raises(KeyboardInterrupt):
        opt.train(30, callback=interrupt, snapshot_every=10)
    # Exactly 13 epochs completed, and the parameters are those after 13 updates.
    assert opt.loss_history == uninterrupted.loss_history[:13]
    check = trainer(x, y, _params(), 0.03)
    check.train(13)
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            opt.parameters().weights + opt.parameters().biases,
            check.parameters().weights + check.parameters().biases,
            strict=True,
        )
    )
    opt.train(17, snapshot_every=10)
    assert opt.loss_history == uninterrupted.loss_history
    assert [e for e, _ in opt.snapshots] == [10, 20, 30]
    end, reference = opt.parameters(), uninterrupted.parameters()
    assert all(
        torch.equal(a, b) for a, b in zip(end.weights + end.biases, reference.weights + reference.biases, strict=True)
    )
    assert torch.equal(opt.predictions, uninterrupted.predictions)
    if name in EXACT_AS_AUTOGRAD:
        autograd = gpnn.GradientDescent(x, y, _params(), 0.03)
        autograd.train(30)
        assert opt.loss_history == autograd.loss_history
        assert all(torch.equal(a, b) for a, b in zip(end.weights, autograd.params.weights, strict=True))


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"lr": 0.0}, ValueError, r"'lr'.*lr = 0\.0"),
        ({"lr": -0.1}, ValueError, r"lr = -0\.1"),
        ({"lr": math.inf}, ValueError, r"'lr'.*inf"),
        ({"lr": math.nan}, ValueError, r"'lr'.*nan"),
        ({"lr": "0.1"}, TypeError, r"'lr'"),
        ({"lr": 1e39}, ValueError, r"'lr' must be at most .* float32 value, but lr = 1e\+39"),
        ({"y": np.zeros(7)}, ValueError, r"len\(x\) = 10 and len\(y\) = 7"),
        ({"x": np.zeros((10, 2))}, ValueError, r"'x' must have 1 column.*\(10, 2\)"),
        ({"y": np.zeros((10, 2))}, ValueError, r"'y' must have 1 column.*\(10, 2\)"),
        ({"x": np.full(10, np.nan)}, ValueError, r"'x' must hold finite"),
        ({"x": np.zeros(0), "y": np.zeros(0)}, ValueError, r"'x' must hold at least one row"),
        ({"x": ["a"] * 10}, TypeError, r"'x' must be a tensor or array"),
        ({"x": np.zeros((10, 1, 1))}, ValueError, r"'x' must be 2-D"),
        ({"params": "weights"}, TypeError, r"'params'"),
    ],
)
def test_every_trainer_rejects_bad_input_alike(make, change, error, match):
    _, trainer = make
    args = {"x": np.linspace(0, 1, 10), "y": np.zeros(10), "params": _params((3,)), "lr": 0.1}
    args.update(change)
    with pytest.raises(error, match=match):
        trainer(args["x"], args["y"], args["params"], args["lr"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_epochs": -1}, ValueError, r"'n_epochs'.*n_epochs = -1"),
        ({"n_epochs": 2.5}, TypeError, r"'n_epochs'.*2\.5"),
        ({"n_epochs": 1, "snapshot_every": -3}, ValueError, r"'snapshot_every'.*-3"),
        ({"n_epochs": 1, "callback": 5}, TypeError, r"'callback' must be callable, but callback = 5"),
    ],
)
def test_every_trainer_rejects_bad_train_arguments_alike(make, kwargs, error, match):
    _, trainer = make
    x, y = _problem(n=5)
    opt = trainer(x, y, _params((3,)), 0.1)
    with pytest.raises(error, match=match):
        opt.train(**kwargs)
    assert opt.loss_history == []
