import math

import numpy as np
import pytest
import torch

import gpnn

from . import reference


def _problem(seed=0, n=40):
    x = np.linspace(-2, 2, n)
    y = np.sin(2 * x) + 0.1 * np.random.default_rng(seed).normal(size=n)
    return x, y


def test_every_parameter_receives_a_gradient_and_loss_falls():
    x, y = _problem()
    params = gpnn.init_params(1, [16, 16], seed=0)
    opt = gpnn.GradientDescent(x, y, params, lr=0.05)
    opt.compute_loss()
    for tensor in params.weights + params.biases:
        assert tensor.grad is not None
        assert torch.count_nonzero(tensor.grad) > 0
    opt.zero_grad()
    opt.train(500)
    assert len(opt.loss_history) == 501
    assert opt.loss_history[-1] < 0.5 * opt.loss_history[0]
    assert opt.loss_history[-1] < 0.3


def test_steps_match_reference_for_a_short_run(global_rng_guard):
    x, y = _problem(1)
    inputs = torch.tensor(x[:, None], dtype=torch.float32)
    targets = torch.tensor(y[:, None])
    ref_w, ref_b = reference.init(1, [8, 8], 5)
    ref_losses, ref_pred = reference.train(inputs, targets, ref_w, ref_b, 0.01, 300)
    params = gpnn.init_params(1, [8, 8], seed=5)
    opt = gpnn.GradientDescent(inputs, targets, params, lr=0.01)
    opt.train(300)
    assert opt.loss_history == ref_losses
    assert torch.equal(opt.predictions, ref_pred)
    for mine, theirs in zip(params.weights + params.biases, ref_w + ref_b, strict=True):
        assert torch.equal(mine, theirs)


def test_one_epoch_is_one_gradient_step():
    x, y = _problem()
    params = gpnn.init_params(1, [4], seed=3)
    before = [t.detach().clone() for t in params.weights + params.biases]
    opt = gpnn.GradientDescent(x, y, params, lr=0.1)
    opt.compute_loss()
    grads = [t.grad.clone() for t in params.weights + params.biases]
    opt.adjust()
    for old, grad, new in zip(before, grads, params.weights + params.biases, strict=True):
        torch.testing.assert_close(new.detach(), old - 0.1 * grad, rtol=0, atol=1e-7)
    opt.zero_grad()
    assert all(torch.count_nonzero(t.grad) == 0 for t in params.weights + params.biases)


def test_predictions_belong_to_the_last_recorded_loss():
    x, y = _problem()
    opt = gpnn.GradientDescent(x, y, gpnn.init_params(1, [8], seed=0), lr=0.05)
    assert opt.predictions is None
    opt.train(20)
    recomputed = gpnn.rmse(opt.y, opt.predictions.to(torch.float32)).item()
    assert recomputed == pytest.approx(opt.loss_history[-1], rel=1e-6)


def test_callback_sees_every_epoch():
    x, y = _problem()
    seen = []
    opt = gpnn.GradientDescent(x, y, gpnn.init_params(1, [4], seed=0), lr=0.01)
    opt.train(5, callback=lambda epoch, loss: seen.append((epoch, loss)))
    assert [e for e, _ in seen] == [1, 2, 3, 4, 5]
    assert [loss for _, loss in seen] == opt.loss_history


def test_divergence_stops_with_epoch_and_advice():
    x, y = _problem()
    opt = gpnn.GradientDescent(x, 1e3 * y, gpnn.init_params(1, [32, 32], seed=0), lr=1e3)
    with pytest.raises(
        gpnn.TrainingDivergedError, match=r"at epoch \d+; try a smaller learning rate than lr = 1000\.0"
    ):
        opt.train(1000)
    assert not math.isfinite(opt.loss_history[-1])
    assert all(math.isfinite(v) for v in opt.loss_history[:-1])


def test_zero_epochs_does_nothing():
    x, y = _problem()
    opt = gpnn.GradientDescent(x, y, gpnn.init_params(1, [4], seed=0), lr=0.01)
    opt.train(0)
    assert opt.loss_history == []


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"lr": 0.0}, ValueError, r"'lr'.*lr = 0\.0"),
        ({"lr": -0.1}, ValueError, r"lr = -0\.1"),
        ({"lr": math.inf}, ValueError, r"'lr'.*inf"),
        ({"lr": math.nan}, ValueError, r"'lr'.*nan"),
        ({"lr": "0.1"}, TypeError, r"'lr'"),
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
def test_rejects_bad_input(change, error, match):
    args = {"x": np.linspace(0, 1, 10), "y": np.zeros(10), "params": gpnn.init_params(1, [3], seed=0), "lr": 0.1}
    args.update(change)
    with pytest.raises(error, match=match):
        gpnn.GradientDescent(**args)


def test_rejects_params_without_gradients():
    weights, biases = gpnn.init_params(1, [3], seed=0)
    frozen = gpnn.Params(tuple(W.detach() for W in weights), biases)
    with pytest.raises(ValueError, match="requires_grad=True"):
        gpnn.GradientDescent(np.zeros(4), np.zeros(4), frozen, lr=0.1)


def test_train_rejects_negative_epochs():
    opt = gpnn.GradientDescent(np.zeros(4), np.zeros(4), gpnn.init_params(1, [3], seed=0), lr=0.1)
    with pytest.raises(ValueError, match=r"'n_epochs'.*n_epochs = -1"):
        opt.train(-1)
    with pytest.raises(TypeError, match=r"'n_epochs'.*2\.5"):
        opt.train(2.5)
