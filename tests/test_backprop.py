import itertools

import pytest
import torch

import gpnn
from gpnn import backprop

SHAPES = [(1, (16, 32, 64, 64, 32, 16)), (1, (1,)), (3, (3, 1, 4)), (2, (8, 8)), (4, (5,))]


def _problem(n_inputs, hidden, seed, n=50):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_inputs, generator=gen)
    y = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    params = gpnn.init_params(n_inputs, hidden, seed=seed)
    with torch.no_grad():
        for b in params.biases:  # non-zero biases, so some units are off and some on
            b.normal_(generator=gen)
    return x, y, params


@pytest.mark.parametrize(("shape", "seed", "n"), list(itertools.product(SHAPES, [0, 1], [50, 3])))
def test_hand_gradients_equal_autograd_bit_for_bit(shape, seed, n):
    n_inputs, hidden = shape
    x, y, params = _problem(n_inputs, hidden, seed, n)
    loss = gpnn.rmse(y, gpnn.forward(x, params))
    loss.backward()
    value, grads = backprop.gradients(x, y, params)
    assert value == loss.item()
    for tensor, grad in zip(params.weights + params.biases, grads.weights + grads.biases, strict=True):
        assert grad.shape == tensor.shape and grad.dtype == tensor.dtype
        assert torch.equal(grad, tensor.grad)


def test_hand_gradients_in_float64_match_finite_differences():
    x, y, params = _problem(2, (6, 4), seed=3)
    params64 = gpnn.Params(
        tuple(W.detach().double() for W in params.weights), tuple(b.detach().double() for b in params.biases)
    )
    x64 = x.double()
    _, grads = backprop.gradients(x64, y, params64)
    eps = 1e-6
    for W, g in zip(params64.weights, grads.weights, strict=True):
        i, j = 0, W.shape[1] - 1
        W[i, j] += eps
        up = gpnn.rmse(y, gpnn.forward(x64, params64)).item()
        W[i, j] -= 2 * eps
        down = gpnn.rmse(y, gpnn.forward(x64, params64)).item()
        W[i, j] += eps
        assert g[i, j].item() == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)


def test_rmse_gradient_formula():
    obs = torch.tensor([[1.0], [2.0], [0.0]], dtype=torch.float64)
    pred = torch.tensor([[0.5], [2.5], [1.0]])
    loss = gpnn.rmse(obs, pred)
    residual = obs - pred.double()
    expected = -(residual / (residual.numel() * loss)).float()
    torch.testing.assert_close(backprop.rmse_gradient(obs, pred, loss), expected)


def test_forward_pass_keeps_layer_inputs():
    x, _, params = _problem(1, (4, 3), seed=0)
    fp = backprop.forward_pass(x, params)
    assert [tuple(h.shape) for h in fp.inputs] == [(50, 1), (50, 4), (50, 3)]
    assert torch.equal(fp.prediction, gpnn.forward(x, params))


def test_steps_reject_bad_input():
    x, y, params = _problem(1, (4,), seed=0)
    fp = backprop.forward_pass(x, params)
    loss = gpnn.rmse(y, fp.prediction)
    with pytest.raises(ValueError, match=r"same shape.*\(50, 1\).*\(50,\)"):
        backprop.rmse_gradient(y, fp.prediction[:, 0], loss)
    with pytest.raises(ValueError, match="'loss' must be a 0-d tensor"):
        backprop.rmse_gradient(y, fp.prediction, loss.reshape(1))
    with pytest.raises(ValueError, match="'forward' must be the ForwardPass of these params"):
        backprop.backward_pass(fp, gpnn.init_params(1, (4, 4), seed=0), torch.zeros(50, 1))
    with pytest.raises(ValueError, match="'d_prediction' must be 2-D"):
        backprop.backward_pass(fp, params, torch.zeros(50))


def test_gradients_reject_bad_input():
    x, y, params = _problem(1, (4,), seed=0)
    with pytest.raises(ValueError, match=r"'y' must be 2-D.*\(50,\)"):
        backprop.gradients(x, y[:, 0], params)
    with pytest.raises(ValueError, match=r"'y' must have shape \(50, 1\).*\(49, 1\)"):
        backprop.gradients(x, y[:49], params)
    with pytest.raises(TypeError, match="'params'"):
        backprop.gradients(x, y, None)


class _HandDerivedRMSE(torch.autograd.Function):
    """rmse(y, forward(x, params)) whose backward pass is gpnn.backprop's, for gradcheck."""

    @staticmethod
    def forward(ctx, x, y, *tensors):
        half = len(tensors) // 2
        ctx.params = gpnn.Params(tensors[:half], tensors[half:])
        ctx.pass_, ctx.y = backprop.forward_pass(x, ctx.params), y
        ctx.loss = gpnn.rmse(y, ctx.pass_.prediction)
        return ctx.loss

    @staticmethod
    def backward(ctx, grad_output):
        d_prediction = backprop.rmse_gradient(ctx.y, ctx.pass_.prediction, ctx.loss)
        grads = backprop.backward_pass(ctx.pass_, ctx.params, d_prediction)
        return None, None, *(grad_output * g for g in grads.weights + grads.biases)


@pytest.mark.parametrize(("n_inputs", "hidden"), [(1, (6, 5, 4)), (2, (3,)), (1, (1,))])
def test_hand_derived_backward_passes_gradcheck_on_every_weight_and_bias(n_inputs, hidden):
    # Finite differences in float64 against the hand-derived gradient of every parameter.
    x, y, params = _problem(n_inputs, hidden, seed=7, n=15)
    tensors = [t.detach().double().requires_grad_() for t in params.weights + params.biases]
    assert torch.autograd.gradcheck(
        lambda *ts: _HandDerivedRMSE.apply(x.double(), y, *ts), tensors, eps=1e-6, atol=1e-7, rtol=1e-5
    )
