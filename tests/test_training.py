"""The readable trainer's own steps; the contract it shares with every trainer is in test_trainers.py."""

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
    assert len(opt.loss_history) == 500
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
    loss = opt.compute_loss()
    assert opt.loss_history == []  # recorded once the epoch's update is applied
    grads = [t.grad.clone() for t in params.weights + params.biases]
    opt.adjust()
    for old, grad, new in zip(before, grads, params.weights + params.biases, strict=True):
        torch.testing.assert_close(new.detach(), old - 0.1 * grad, rtol=0, atol=1e-7)
    opt.zero_grad()
    assert all(torch.count_nonzero(t.grad) == 0 for t in params.weights + params.biases)
    assert opt.epoch() < loss and len(opt.loss_history) == 1


def test_a_diverged_epoch_leaves_no_gradient_behind():
    x, y = _problem()
    params = gpnn.init_params(1, [4], seed=3)
    opt = gpnn.GradientDescent(x, y, params, lr=0.1)
    opt.train(1)
    opt.y = opt.y * 1e6  # the next loss is far above the first
    with pytest.raises(gpnn.TrainingDivergedError, match="at epoch 2"):
        opt.epoch()
    assert all(torch.count_nonzero(t.grad) == 0 for t in params.weights + params.biases)


def test_rejects_params_without_gradients():
    weights, biases = gpnn.init_params(1, [3], seed=0)
    frozen = gpnn.Params(tuple(W.detach() for W in weights), biases)
    with pytest.raises(ValueError, match="requires_grad=True"):
        gpnn.GradientDescent(np.zeros(4), np.zeros(4), frozen, lr=0.1)
