"""The infinite-width kernel of the ReLU network, against independent references.

References: the closed form of Cho and Saul's arc-cosine kernel, written with the angle from
``arctan2`` of the augmented inputs; numerical integration over a two-dimensional normal; Monte
Carlo over many wide networks drawn with the package's own ``init_params`` and ``forward``; and
values derived by hand for the bias-free network.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

import gpnn
from gpnn.kernels import kernel_matrix
from gpnn.nngp import fit_nngp, nngp_kernel
from gpnn.posterior import gp_posterior, kernel_log_marginal_likelihood, kernel_posterior

POINTS = np.array([-1.7, -0.6, -0.05, 0.3, 1.1, 2.0])


def arc_cosine_order_1(u: np.ndarray, v: np.ndarray) -> float:
    """Cho and Saul's k_1(u, v) = |u| |v| J_1(theta) / pi, the angle measured with arctan2."""
    angle = abs(math.atan2(u[0] * v[1] - u[1] * v[0], u @ v))  # in [0, pi]
    return float(
        np.linalg.norm(u) * np.linalg.norm(v) * (math.sin(angle) + (math.pi - angle) * math.cos(angle)) / math.pi
    )


@pytest.mark.parametrize(("weight_variance", "bias_variance"), [(2.0, 0.0), (1.3, 0.4), (0.5, 2.0)])
def test_one_hidden_layer_is_the_arc_cosine_kernel_of_order_one(weight_variance, bias_variance):
    # A first-layer pre-activation is w . u with w ~ N(0, I) and u = (sigma_b, sigma_w x); Cho and
    # Saul's k_1 is twice E[relu(w . u) relu(w . u')]; the output layer adds its bias variance.
    K = nngp_kernel(POINTS, POINTS, depth=1, weight_variance=weight_variance, bias_variance=bias_variance)
    augmented = [np.array([math.sqrt(bias_variance), math.sqrt(weight_variance) * x]) for x in POINTS]
    expected = np.array(
        [[bias_variance + weight_variance * arc_cosine_order_1(u, v) / 2 for v in augmented] for u in augmented]
    )
    np.testing.assert_allclose(K, expected, rtol=1e-12, atol=1e-12)


def test_the_relu_expectation_by_numerical_integration():
    # E[relu(a) relu(b)] for (a, b) normal with the first layer's covariance, by quadrature.
    weight_variance, bias_variance = 1.7, 0.3
    for x, x_prime in [(0.8, -1.2), (1.5, 0.4), (-0.3, -2.0)]:
        cov = np.array(
            [
                [bias_variance + weight_variance * x * x, bias_variance + weight_variance * x * x_prime],
                [bias_variance + weight_variance * x * x_prime, bias_variance + weight_variance * x_prime * x_prime],
            ]
        )
        density = stats.multivariate_normal(mean=[0.0, 0.0], cov=cov).pdf
        reach = 15 * math.sqrt(cov.max())  # fifteen standard deviations: the tail beyond is below 1e-40
        value, _ = integrate.dblquad(lambda b, a, pdf=density: a * b * pdf([a, b]), 0, reach, 0, reach, epsabs=1e-11)
        expected = bias_variance + weight_variance * value
        K = nngp_kernel([x], [x_prime], depth=1, weight_variance=weight_variance, bias_variance=bias_variance)
        assert K[0, 0] == pytest.approx(expected, abs=1e-7)


def wide_network_draws(
    x: np.ndarray, depth: int, width: int, weight_variance: float, bias_variance: float, n_draws: int
) -> np.ndarray:
    """Outputs of ``n_draws`` networks at ``x``, drawn with the package's initialisation and forward pass.

    ``init_params`` draws He weights (variance 2 / fan-in) and zero biases; the weights are
    rescaled to variance ``weight_variance / fan-in`` and the biases drawn from
    N(0, bias_variance) with a generator of their own.
    """
    inputs = torch.tensor(x, dtype=torch.float32)[:, None]  # (n, 1)
    scale = math.sqrt(weight_variance / 2)
    biases = torch.Generator().manual_seed(12345)
    out = np.empty((n_draws, x.size))
    with torch.no_grad():
        for draw in range(n_draws):
            weights, zeros = gpnn.init_params(1, (width,) * depth, seed=draw)
            params = gpnn.Params(
                tuple(W * scale for W in weights),
                tuple(math.sqrt(bias_variance) * torch.randn(b.shape, generator=biases) for b in zeros),
            )
            out[draw] = gpnn.forward(inputs, params)[:, 0].numpy()
    return out


@pytest.mark.parametrize(
    ("depth", "weight_variance", "bias_variance", "wrong_depth"), [(1, 2.0, 0.0, 2), (3, 2.0, 0.5, 2), (4, 2.5, 0.2, 3)]
)
def test_wide_networks_drawn_at_random_have_the_kernel_as_covariance(
    depth, weight_variance, bias_variance, wrong_depth, one_thread
):
    # 1500 networks with 256 nodes per layer. The outputs have mean zero, so the covariance
    # estimate is the mean of products; its standard error comes from the same draws. Finite
    # width biases the estimate by O(1 / width), well inside the tolerance of four standard errors.
    x = np.array([-1.5, -0.4, 0.6, 1.8])
    n_draws = 1500
    f = wide_network_draws(x, depth, 256, weight_variance, bias_variance, n_draws)  # (draws, n)
    products = f[:, :, None] * f[:, None, :]  # (draws, n, n)
    estimate = products.mean(axis=0)
    standard_error = products.std(axis=0, ddof=1) / math.sqrt(n_draws)
    K = nngp_kernel(x, x, depth=depth, weight_variance=weight_variance, bias_variance=bias_variance)
    assert np.all(np.abs(estimate - K) <= 4 * standard_error), np.abs(estimate - K) / standard_error
    # The test can fail: the same draws tell the kernel of one layer more or fewer apart.
    wrong = nngp_kernel(x, x, depth=wrong_depth, weight_variance=weight_variance, bias_variance=bias_variance)
    assert np.any(np.abs(estimate - wrong) > 4 * standard_error)


def test_the_kernel_is_symmetric_and_positive_semi_definite():
    rng = np.random.default_rng(7)
    x = np.sort(rng.normal(scale=1.5, size=60))
    for depth, weight_variance, bias_variance in [(1, 2.0, 0.0), (6, 2.0, 0.0), (6, 4.0, 11.0), (3, 0.7, 0.1)]:
        K = nngp_kernel(x, x, depth=depth, weight_variance=weight_variance, bias_variance=bias_variance)
        np.testing.assert_array_equal(K, K.T)
        other = nngp_kernel(x[:7], x, depth=depth, weight_variance=weight_variance, bias_variance=bias_variance)
        np.testing.assert_array_equal(
            other.T, nngp_kernel(x, x[:7], depth=depth, weight_variance=weight_variance, bias_variance=bias_variance)
        )
        eigenvalues = np.linalg.eigvalsh(K)
        assert eigenvalues.min() >= -1e-10 * eigenvalues.max()


def test_without_biases_one_hidden_layer_separates_the_signs_and_more_layers_do_not():
    x, x_prime = np.array([0.3, 1.2, 2.5]), np.array([-0.7, -1.9])
    one = nngp_kernel(x, x_prime, depth=1, weight_variance=2.0, bias_variance=0.0)
    np.testing.assert_array_equal(one, 0.0)
    # Two layers, derived by hand: the first gives the signs angle pi and covariance 0, so the
    # second applies the arc-cosine at angle pi/2: (2 / 2 pi) * sqrt(2 x^2 * 2 x'^2) * 1.
    two = nngp_kernel(x, x_prime, depth=2, weight_variance=2.0, bias_variance=0.0)
    np.testing.assert_allclose(two, 2 * np.abs(np.outer(x, x_prime)) / math.pi, rtol=1e-14)
    assert np.all(nngp_kernel(x, x_prime, depth=6, weight_variance=2.0, bias_variance=0.0) > two)


def test_without_biases_the_kernel_is_homogeneous_and_he_keeps_the_variance():
    for depth in (1, 2, 6):
        K = nngp_kernel(POINTS, POINTS, depth=depth, weight_variance=2.0, bias_variance=0.0)
        # He's factor 2 undoes the ReLU's halving of the second moment at every layer.
        np.testing.assert_allclose(np.diag(K), 2 * POINTS**2, rtol=1e-14)
        # f(c x) = c f(x) for c > 0, so K(c x, x') = c K(x, x').
        scaled = nngp_kernel(3.5 * POINTS, POINTS, depth=depth, weight_variance=2.0, bias_variance=0.0)
        np.testing.assert_allclose(scaled, 3.5 * K, rtol=1e-12, atol=1e-14)
        # Same-sign inputs are perfectly correlated: one straight line on each side of zero.
        same = np.outer(POINTS, POINTS) > 0
        np.testing.assert_allclose(K[same], 2 * np.outer(POINTS, POINTS)[same], rtol=1e-12)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"depth": 0}, ValueError, "Argument 'depth' must be at least 1, but depth = 0"),
        ({"depth": 2.0}, TypeError, "Argument 'depth' must be an integer"),
        ({"depth": True}, TypeError, "Argument 'depth' must be an integer"),
        (
            {"weight_variance": -1.0},
            ValueError,
            "Argument 'weight_variance' must be non-negative, but weight_variance = -1.0",
        ),
        (
            {"bias_variance": -0.5},
            ValueError,
            "Argument 'bias_variance' must be non-negative, but bias_variance = -0.5",
        ),
        ({"bias_variance": math.inf}, ValueError, "Argument 'bias_variance' must be finite"),
        ({"x1": [0.0, math.nan]}, ValueError, r"Argument 'x1' must hold finite values only, but x1\[1\] = nan"),
        ({"x2": [[0.0, 1.0]]}, ValueError, "Argument 'x2' must be 1-D"),
    ],
)
def test_bad_arguments_are_named_with_their_value(arguments, error, message):
    call = {"x1": [0.0, 1.0], "x2": [1.0], "depth": 2, "weight_variance": 2.0, "bias_variance": 0.0, **arguments}
    x1, x2 = call.pop("x1"), call.pop("x2")
    with pytest.raises(error, match=message):
        nngp_kernel(x1, x2, **call)


def test_kernel_posterior_and_likelihood_match_direct_linear_algebra():
    rng = np.random.default_rng(3)
    x, x_new = np.sort(rng.uniform(-2, 2, 40)), np.linspace(-2.5, 2.5, 9)
    y = np.sin(2 * x) + rng.normal(scale=0.3, size=x.size)
    K = nngp_kernel(x, x, depth=3, weight_variance=2.5, bias_variance=0.4)
    K_star = nngp_kernel(x, x_new, depth=3, weight_variance=2.5, bias_variance=0.4)
    prior = np.diag(nngp_kernel(x_new, x_new, depth=3, weight_variance=2.5, bias_variance=0.4))
    sigma = 0.3
    post = kernel_posterior(K, K_star, prior, y, sigma)
    noisy = K + sigma**2 * np.eye(x.size)
    np.testing.assert_allclose(post.mean, K_star.T @ np.linalg.solve(noisy, y), rtol=1e-9, atol=1e-12)
    variance = prior - np.einsum("ij,ij->j", K_star, np.linalg.solve(noisy, K_star))
    np.testing.assert_allclose(post.sd, np.sqrt(variance), rtol=1e-7, atol=1e-9)
    expected = stats.multivariate_normal(mean=np.zeros(x.size), cov=noisy).logpdf(y)
    assert kernel_log_marginal_likelihood(K, y, sigma) == pytest.approx(expected, rel=1e-12)
    # With the squared-exponential kernel's matrices it is the squared-exponential posterior.
    se = gp_posterior(x, y, x_new, 1.5, 0.7, sigma)
    se_star = 1.5**2 * np.exp(-0.5 * (x[:, None] - x_new[None, :]) ** 2 / 0.7**2)
    same = kernel_posterior(kernel_matrix(x, 1.5, 0.7), se_star, np.full(x_new.size, 1.5**2), y, sigma)
    np.testing.assert_allclose(same.mean, se.mean, rtol=1e-12)
    np.testing.assert_allclose(same.sd, se.sd, rtol=1e-9)


def test_kernel_posterior_names_bad_arguments():
    K, y = np.eye(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"Argument 'K' must have shape \(3, 3\) to match 'y', but K.shape = \(2, 2\)"):
        kernel_log_marginal_likelihood(np.eye(2), y, 1.0)
    with pytest.raises(ValueError, match=r"Argument 'K_star' must have shape \(3, m\)"):
        kernel_posterior(K, np.ones((2, 4)), np.ones(4), y, 1.0)
    with pytest.raises(ValueError, match="Argument 'prior_variance' must have one value per column"):
        kernel_posterior(K, np.ones((3, 4)), np.ones(3), y, 1.0)
    with pytest.raises(ValueError, match=r"Argument 'sigma' must be a positive finite number, but sigma = 0\.0"):
        kernel_log_marginal_likelihood(K, y, 0.0)
    with pytest.raises(ValueError, match="Argument 'K' must hold finite values only"):
        kernel_log_marginal_likelihood(np.full((3, 3), np.nan), y, 1.0)
    with pytest.raises(ValueError, match=r"not positive definite for sigma = 0\.1"):
        kernel_log_marginal_likelihood(-np.eye(3), y, 0.1)


def test_fit_nngp_finds_at_least_the_likelihood_of_the_parameters_that_made_the_data():
    rng = np.random.default_rng(11)
    x = np.linspace(-1.8, 1.8, 80)
    truth = {"weight_variance": 3.0, "bias_variance": 2.0}
    K = nngp_kernel(x, x, depth=2, **truth)
    y = rng.multivariate_normal(np.zeros(x.size), K + 0.4**2 * np.eye(x.size))
    fit = fit_nngp(x, y, depth=2)
    at_truth = kernel_log_marginal_likelihood(K, y, 0.4)
    assert fit.log_marginal_likelihood >= at_truth - 1e-6
    refit = nngp_kernel(x, x, depth=2, weight_variance=fit.weight_variance, bias_variance=fit.bias_variance)
    assert kernel_log_marginal_likelihood(refit, y, fit.sigma) == pytest.approx(fit.log_marginal_likelihood, rel=1e-12)
    assert 0.2 < fit.sigma < 0.8  # the noise, which this many points pin down best, is near 0.4
    without = fit_nngp(x, y, depth=2, bias=False, starts=1)
    assert without.bias_variance == 0.0 and without.log_marginal_likelihood < fit.log_marginal_likelihood
    with pytest.raises(TypeError, match="Argument 'bias' must be True or False, but bias = 1"):
        fit_nngp(x, y, depth=2, bias=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Argument 'starts' must be at least 1, but starts = 0"):
        fit_nngp(x, y, depth=2, starts=0)
