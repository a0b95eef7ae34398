import numpy as np
import pytest
import torch

import gpnn

from . import reference


def test_matches_reference_bit_for_bit(global_rng_guard):
    x = np.arange(-50, 50, 0.5)
    draw = gpnn.sample_gp(x, 3, 10, 0.7, seed=33)
    latent, y = reference.simulate(x, 3, 10, 0.7, 33)
    np.testing.assert_array_equal(draw.latent, latent)
    np.testing.assert_array_equal(draw.y, y)


def test_leaves_global_random_state_alone():
    # The whole state: the key array alone changes only once every 624 draws.
    _, key, position, has_gauss, cached = np.random.get_state()
    gpnn.sample_gp(np.arange(10.0), 1.0, 2.0, 0.1, seed=1)
    gpnn.sample_gp(np.arange(10.0), 1.0, 2.0, 0.1)
    _, key_after, position_after, has_gauss_after, cached_after = np.random.get_state()
    np.testing.assert_array_equal(key_after, key)
    assert (position_after, has_gauss_after, cached_after) == (position, has_gauss, cached)


def test_same_seed_same_draw_and_none_differs():
    x = np.linspace(0, 10, 30)
    a, b = gpnn.sample_gp(x, 1, 2, 0.3, seed=5), gpnn.sample_gp(x, 1, 2, 0.3, seed=5)
    np.testing.assert_array_equal(a.y, b.y)
    c, d = gpnn.sample_gp(x, 1, 2, 0.3), gpnn.sample_gp(x, 1, 2, 0.3)
    assert not np.array_equal(c.y, d.y)


def test_empirical_covariance_matches_kernel():
    # Over many draws, Cov(f) = K and Cov(y) = K + sigma^2 I.
    x = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
    eta, rho, sigma, n_draws = 1.5, 2.0, 0.5, 20000
    draws = [gpnn.sample_gp(x, eta, rho, sigma, seed=s) for s in range(n_draws)]
    latent = np.array([d.latent for d in draws])
    y = np.array([d.y for d in draws])
    K = gpnn.kernel_matrix(x, eta, rho)
    # The standard error of a sample covariance is about eta^2 * sqrt(2 / n_draws) = 0.02.
    tolerance = 5 * eta**2 * np.sqrt(2 / n_draws)
    np.testing.assert_allclose(np.cov(latent, rowvar=False), K, atol=tolerance)
    np.testing.assert_allclose(np.cov(y, rowvar=False), K + sigma**2 * np.eye(x.size), atol=tolerance)
    np.testing.assert_allclose(latent.mean(axis=0), 0.0, atol=5 * eta / np.sqrt(n_draws))


def test_zero_noise_gives_y_equal_latent():
    draw = gpnn.sample_gp(np.arange(5.0), 1.0, 1.0, 0.0, seed=0)
    np.testing.assert_array_equal(draw.y, draw.latent)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": []}, ValueError, r"'x'.*at least 1"),
        ({"x": [[0.0, 1.0]]}, ValueError, r"'x' must be 1-D.*\(1, 2\)"),
        ({"x": [0.0, np.nan]}, ValueError, r"x\[1\] = nan"),
        ({"x": [0.0, np.inf]}, ValueError, r"x\[1\] = inf"),
        ({"x": "abc"}, TypeError, r"'x'"),
        ({"eta": -1.0}, ValueError, r"eta = -1\.0"),
        ({"rho": 0}, ValueError, r"rho = 0\.0"),
        ({"sigma": -0.1}, ValueError, r"'sigma'.*sigma = -0\.1"),
        ({"sigma": float("inf")}, ValueError, r"sigma = inf"),
        ({"seed": -1}, ValueError, r"'seed'.*seed = -1"),
        ({"seed": 2**32}, ValueError, r"'seed'"),
        ({"seed": 1.5}, TypeError, r"'seed'.*1\.5"),
    ],
)
def test_rejects_bad_input(kwargs, error, match):
    args = {"x": [0.0, 1.0, 2.0], "eta": 1.0, "rho": 1.0, "sigma": 0.1, "seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        gpnn.sample_gp(**args)


def test_not_positive_definite_is_a_clear_error():
    # Repeated locations with a long length scale make K singular beyond what jitter fixes.
    x = np.zeros(50)
    with pytest.raises(ValueError, match="not positive definite"):
        gpnn.sample_gp(x, 1e6, 1.0, 0.1, seed=0)


def test_tensor_input_accepted():
    x = torch.arange(4.0)
    draw = gpnn.sample_gp(x, 1.0, 1.0, 0.1, seed=3)
    np.testing.assert_array_equal(draw.y, gpnn.sample_gp(x.numpy(), 1.0, 1.0, 0.1, seed=3).y)
