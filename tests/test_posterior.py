import math

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

import gpnn
from gpnn.posterior import fit_hyperparameters, gp_posterior, log_marginal_likelihood


def _data(n=60, seed=1):
    x = np.sort(np.random.default_rng(seed).uniform(-20, 20, n))
    draw = gpnn.sample_gp(x, 2.0, 4.0, 0.5, seed=seed)
    return x, draw


def _sklearn(eta, rho, sigma):
    kernel = ConstantKernel(eta**2, "fixed") * RBF(rho, "fixed") + WhiteKernel(sigma**2, "fixed")
    return kernel


def test_posterior_matches_sklearn():
    x, draw = _data()
    x_new = np.linspace(-25, 25, 41)
    ours = gp_posterior(x, draw.y, x_new, 2.0, 4.0, 0.5)
    reg = GaussianProcessRegressor(_sklearn(2.0, 4.0, 0.5), optimizer=None, normalize_y=False).fit(x[:, None], draw.y)
    mean, sd = reg.predict(x_new[:, None], return_std=True)
    np.testing.assert_allclose(ours.mean, mean, rtol=1e-7, atol=1e-9)
    # sklearn's standard deviation includes the white-noise term; ours is of f alone.
    np.testing.assert_allclose(np.sqrt(ours.sd**2 + 0.5**2), sd, rtol=1e-6)


def test_log_marginal_likelihood_matches_sklearn():
    x, draw = _data()
    reg = GaussianProcessRegressor(_sklearn(2.0, 4.0, 0.5), optimizer=None).fit(x[:, None], draw.y)
    assert log_marginal_likelihood(x, draw.y, 2.0, 4.0, 0.5) == pytest.approx(
        reg.log_marginal_likelihood_value_, rel=1e-10
    )


def test_closed_form_single_observation():
    # One point: y ~ N(0, eta^2 + sigma^2), and E[f | y] = eta^2 / (eta^2 + sigma^2) y.
    eta, sigma, y = 1.5, 0.5, 2.0
    total = eta**2 + sigma**2
    expected = -0.5 * y**2 / total - 0.5 * math.log(2 * math.pi * total)
    assert log_marginal_likelihood([0.0], [y], eta, 3.0, sigma) == pytest.approx(expected, rel=1e-12)
    post = gp_posterior([0.0], [y], [0.0], eta, 3.0, sigma)
    assert post.mean[0] == pytest.approx(eta**2 / total * y, rel=1e-12)
    assert post.sd[0] ** 2 == pytest.approx(eta**2 - eta**4 / total, rel=1e-12)


def test_far_from_data_the_posterior_is_the_prior():
    post = gp_posterior([0.0, 1.0], [1.0, -1.0], [1e4], 2.0, 1.0, 0.1)
    assert post.mean[0] == pytest.approx(0.0, abs=1e-12)
    assert post.sd[0] == pytest.approx(2.0, rel=1e-12)


def test_fitted_hyperparameters_match_sklearn_and_beat_neighbours():
    x, draw = _data(n=120, seed=3)
    fitted = fit_hyperparameters(x, draw.y)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(1.0, (1e-2, 1e3)) + WhiteKernel(1.0, (1e-4, 1e2))
    reg = GaussianProcessRegressor(kernel, n_restarts_optimizer=5, random_state=0).fit(x[:, None], draw.y)
    assert fitted.log_marginal_likelihood >= reg.log_marginal_likelihood_value_ - 1e-6
    params = reg.kernel_.get_params()
    assert fitted.eta == pytest.approx(math.sqrt(params["k1__k1__constant_value"]), rel=1e-2)
    assert fitted.rho == pytest.approx(params["k1__k2__length_scale"], rel=1e-2)
    assert fitted.sigma == pytest.approx(math.sqrt(params["k2__noise_level"]), rel=1e-2)
    for factor in (0.9, 1.1):  # a maximum: moving any parameter lowers the likelihood
        for i in range(3):
            moved = list(fitted[:3])
            moved[i] *= factor
            assert log_marginal_likelihood(x, draw.y, *moved) < fitted.log_marginal_likelihood


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gp_posterior([0, 1], [0], [0], 1, 1, 1), ValueError, r"len\(x\) = 2 and len\(y\) = 1"),
        (lambda: gp_posterior([0, 1], [0, 1], [0], 1, 1, 0), ValueError, r"'sigma'.*sigma = 0\.0"),
        (lambda: gp_posterior([0, 1], [0, 1], [np.nan], 1, 1, 1), ValueError, r"x_new\[0\] = nan"),
        (lambda: log_marginal_likelihood([0, 1], [0, 1], -1, 1, 1), ValueError, r"eta = -1\.0"),
        (lambda: fit_hyperparameters([0, 1], [0, 1], initial=(1, 1)), ValueError, r"'initial' must hold"),
        (lambda: fit_hyperparameters([0, 1], [0, 1], initial=(1, 1, 0)), ValueError, r"'sigma'.*0\.0"),
        (lambda: fit_hyperparameters([0, 1], [0, 1], n_restarts=-1), ValueError, r"n_restarts = -1"),
        (lambda: fit_hyperparameters([0], [0]), ValueError, r"'x' must hold at least 2"),
    ],
)
def test_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_not_positive_definite_is_reported():
    with pytest.raises(ValueError, match="not positive definite"):
        gp_posterior([0.0, 0.0], [1.0, 1.0], [0.0], 1e9, 1.0, 1e-9)


def test_likelihood_gradient_matches_finite_differences():
    from gpnn.posterior import _negative_lml_and_gradient

    x, draw = _data(n=40)
    point = np.log([1.7, 3.0, 0.6])
    value, gradient = _negative_lml_and_gradient(point, x, draw.y)
    assert value == pytest.approx(-log_marginal_likelihood(x, draw.y, 1.7, 3.0, 0.6), rel=1e-12)
    eps = 1e-6
    for i in range(3):
        step = np.zeros(3)
        step[i] = eps
        numeric = (
            _negative_lml_and_gradient(point + step, x, draw.y)[0]
            - _negative_lml_and_gradient(point - step, x, draw.y)[0]
        ) / (2 * eps)
        assert gradient[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)
