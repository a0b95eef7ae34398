import math

import numpy as np
import pytest
import torch

import gpnn

from . import reference


def test_init_matches_reference_and_leaves_global_generator_alone(global_rng_guard):
    hidden = [16, 32, 64, 64, 32, 16]
    before = torch.get_rng_state()
    params = gpnn.init_params(1, hidden, seed=33)
    assert torch.equal(torch.get_rng_state(), before)
    ref_weights, ref_biases = reference.init(1, hidden, 33)
    assert len(params.weights) == len(ref_weights) == 7
    for mine, theirs in zip(params.weights + params.biases, ref_weights + ref_biases, strict=True):
        assert mine.dtype == torch.float32
        assert mine.requires_grad and mine.is_leaf
        assert torch.equal(mine, theirs)


def test_init_unpacks_like_a_pair():
    weights, biases = gpnn.init_params(2, [3], seed=0)
    assert [tuple(W.shape) for W in weights] == [(2, 3), (3, 1)]
    assert [tuple(b.shape) for b in biases] == [(3,), (1,)]
    assert all(torch.count_nonzero(b) == 0 for b in biases)


def test_init_without_seed_differs():
    a, b = gpnn.init_params(1, [8]), gpnn.init_params(1, [8])
    assert not torch.equal(a.weights[0], b.weights[0])


def test_he_initialisation_variance():
    fan_in, fan_out = 500, 400
    W = gpnn.init_params(fan_in, [fan_out], seed=1).weights[0]
    # 200,000 draws: the sample variance is within about 0.3% of 2 / fan_in.
    assert W.var().item() == pytest.approx(2 / fan_in, rel=0.02)
    assert W.mean().item() == pytest.approx(0.0, abs=0.001)


def test_he_initialisation_keeps_activation_scale_through_depth():
    # With He scaling the mean square of each ReLU layer stays near that of the input.
    hidden = [256] * 8
    params = gpnn.init_params(256, hidden, seed=2)
    h = torch.randn(2000, 256, generator=torch.Generator().manual_seed(3))
    start = (h**2).mean().item()
    with torch.no_grad():
        for W, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
            h = torch.relu(h @ W + b)
    ratio = (h**2).mean().item() / start
    assert 0.5 < ratio < 2.0


def test_layer_sizes_and_parameter_count():
    sizes = gpnn.layer_sizes(1, [16, 32, 64, 64, 32, 16])
    assert sizes == (1, 16, 32, 64, 64, 32, 16, 1)
    params = gpnn.init_params(1, [16, 32, 64, 64, 32, 16], seed=0)
    expected = sum(t.numel() for t in params.weights + params.biases)
    assert gpnn.count_parameters(sizes) == expected


def test_forward_is_stacked_regressions_with_relu():
    params = gpnn.init_params(2, [3, 4], seed=0)
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    # Independent restatement in numpy.
    h = x.numpy()
    for W, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
        h = np.maximum(h @ W.detach().numpy() + b.detach().numpy(), 0.0)
    expected = h @ params.weights[-1].detach().numpy() + params.biases[-1].detach().numpy()
    np.testing.assert_allclose(gpnn.forward(x, params).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_output_layer_has_no_relu():
    params = gpnn.init_params(1, [4], seed=0)
    with torch.no_grad():
        params.biases[-1].fill_(-100.0)
    assert (gpnn.forward(torch.zeros(3, 1), params) < 0).all()


def _float64_params(n_inputs, hidden, seed):
    weights, biases = gpnn.init_params(n_inputs, hidden, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    # Non-zero biases, so their gradients are exercised too.
    return (
        tuple(W.detach().double().requires_grad_() for W in weights),
        tuple((0.1 * torch.randn(b.shape, generator=gen)).double().requires_grad_() for b in biases),
    )


@pytest.mark.parametrize(("n_inputs", "hidden"), [(1, [4]), (2, [5, 3]), (3, [4, 6, 5])])
def test_gradients_of_rmse_through_forward_match_finite_differences(n_inputs, hidden):
    weights, biases = _float64_params(n_inputs, hidden, seed=n_inputs)
    gen = torch.Generator().manual_seed(10)
    x = torch.randn(20, n_inputs, generator=gen, dtype=torch.float64)
    y = torch.randn(20, 1, generator=gen, dtype=torch.float64)
    n = len(weights)

    def loss(*tensors):
        return gpnn.rmse(y, gpnn.forward(x, gpnn.Params(tensors[:n], tensors[n:])))

    assert torch.autograd.gradcheck(loss, weights + biases, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_gradient_with_respect_to_input_matches_finite_differences():
    weights, biases = _float64_params(2, [5], seed=4)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: gpnn.forward(x, gpnn.Params(weights, biases)), (x,), eps=1e-6)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, [4]), ValueError, r"'n_inputs'.*n_inputs = 0"),
        ((1, []), ValueError, r"'hidden_sizes'.*at least one"),
        ((1, [4, 0]), ValueError, r"'hidden_sizes'.*contains 0"),
        ((1, [4, 2.5]), ValueError, r"'hidden_sizes'.*contains 2\.5"),
        ((1, [True]), ValueError, r"'hidden_sizes'.*True"),
        ((1, "16"), TypeError, r"'hidden_sizes'"),
        ((1, 16), TypeError, r"'hidden_sizes'.*16"),
        ((1.0, [4]), TypeError, r"'n_inputs'.*1\.0"),
    ],
)
def test_init_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        gpnn.init_params(*args)


def test_init_rejects_bad_seed():
    with pytest.raises(ValueError, match=r"'seed'.*seed = -5"):
        gpnn.init_params(1, [2], seed=-5)


def test_count_parameters_rejects_bad_sizes():
    with pytest.raises(ValueError, match=r"'sizes'.*-1"):
        gpnn.count_parameters([1, -1, 1])


def test_forward_rejects_bad_input():
    params = gpnn.init_params(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"'x' must have 2 column.*\(4, 3\)"):
        gpnn.forward(torch.zeros(4, 3), params)
    with pytest.raises(ValueError, match=r"'x' must be 2-D.*\(4,\)"):
        gpnn.forward(torch.zeros(4), params)
    with pytest.raises(TypeError, match=r"'x' must have dtype torch.float32.*float64"):
        gpnn.forward(torch.zeros(4, 2, dtype=torch.float64), params)
    with pytest.raises(TypeError, match=r"'x' must be a torch.Tensor"):
        gpnn.forward(np.zeros((4, 2)), params)
    with pytest.raises(TypeError, match=r"'x' must be a floating-point tensor"):
        gpnn.forward(torch.zeros(4, 2, dtype=torch.int64), params)
    with pytest.raises(ValueError, match=r"'x' must hold finite"):
        gpnn.forward(torch.full((4, 2), math.nan), params)


def test_forward_rejects_malformed_params():
    W, b = torch.zeros(2, 3), torch.zeros(3)
    x = torch.zeros(1, 2)
    with pytest.raises(TypeError, match="'params' must be a \\(weights, biases\\) pair"):
        gpnn.forward(x, 5)
    with pytest.raises(ValueError, match="as many biases as weights"):
        gpnn.forward(x, ((W,), ()))
    with pytest.raises(TypeError, match="must hold tensors"):
        gpnn.forward(x, ((W.numpy(),), (b,)))
    with pytest.raises(ValueError, match=r"layer 0 must have W of shape.*\(4,\)"):
        gpnn.forward(x, ((W,), (torch.zeros(4),)))
    with pytest.raises(ValueError, match="layer 1 takes 5 inputs, but layer 0 gives 3"):
        gpnn.forward(x, ((W, torch.zeros(5, 1)), (b, torch.zeros(1))))
