"""Scores of predictive distributions, deep-ensemble summaries, and the linear-smoother algebra."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

import gpnn
from gpnn import ensemble, scoring
from gpnn.posterior import effective_dof, expected_training_error, gp_posterior, smoother_matrix


def _draw(n=60, seed=2):
    x = np.linspace(-15, 15, n)
    return x, gpnn.sample_gp(x, 2.0, 4.0, 0.5, seed=seed)


def test_coverage_counts_the_truth_inside_the_normal_interval_two_ways():
    rng = np.random.default_rng(0)
    mean, sd = rng.normal(size=500), rng.uniform(0.5, 2.0, size=500)
    truth = mean + sd * rng.standard_t(df=4, size=500)  # heavier tails than the normal
    for level in (0.5, 0.9, 0.95):
        low, high = stats.norm.interval(level, loc=mean, scale=sd)  # scipy's own interval
        direct = float(np.mean((truth >= low) & (truth <= high)))
        assert scoring.coverage(truth, mean, sd, level) == pytest.approx(direct, abs=1e-12)
    assert scoring.interval_z(0.95) == pytest.approx(1.959964, rel=1e-6)


def test_ensemble_coverage_computed_two_ways_agrees():
    # An ensemble's Gaussian interval from its members, against counting inside mean ± z sd by hand.
    rng = np.random.default_rng(1)
    members = rng.normal(size=(8, 40)) + np.linspace(0, 1, 40)
    truth = np.linspace(0, 1, 40) + 0.3 * rng.normal(size=40)
    mean, sd = ensemble.summary(members)
    by_hand = np.mean(np.abs(truth - members.mean(axis=0)) <= 1.959963984540054 * members.std(axis=0, ddof=1))
    assert scoring.coverage(truth, mean, sd, 0.95) == pytest.approx(by_hand, abs=1e-12)


def test_nlpd_is_the_mean_negative_log_normal_density():
    truth, mean, sd = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, -1.0]), np.array([1.0, 0.5, 2.0])
    expected = -np.mean(stats.norm.logpdf(truth, loc=mean, scale=sd))
    assert scoring.nlpd(truth, mean, sd) == pytest.approx(expected, rel=1e-12)


def test_crps_closed_form_equals_the_integral_definition():
    # CRPS = integral of (F(z) - 1[z >= y])^2 dz, computed numerically for one normal forecast.
    for truth, mean, sd in [(0.3, 0.0, 1.0), (-2.0, 1.0, 0.5), (4.0, 4.1, 3.0)]:
        cdf = stats.norm(mean, sd).cdf
        below, _ = integrate.quad(lambda z, cdf=cdf: cdf(z) ** 2, mean - 12 * sd, truth)
        above, _ = integrate.quad(lambda z, cdf=cdf: (1 - cdf(z)) ** 2, truth, mean + 12 * sd)
        assert scoring.crps([truth], [mean], [sd]) == pytest.approx(below + above, rel=1e-7)
    # With a vanishing spread the score becomes the absolute error.
    assert scoring.crps([1.0], [0.25], [1e-9]) == pytest.approx(0.75, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: scoring.coverage([0.0], [0.0], [0.0]), ValueError, r"'sd' must be positive, but sd\[0\] = 0\.0"),
        (lambda: scoring.nlpd([0.0, 1.0], [0.0], [1.0]), ValueError, r"len\(truth\) = 2 and len\(mean\) = 1"),
        (lambda: scoring.interval_z(1.0), ValueError, r"'level' must be strictly between 0 and 1, but level = 1\.0"),
        (lambda: ensemble.summary(np.zeros((1, 3))), ValueError, r"m >= 2 members.*\(1, 3\)"),
        (lambda: ensemble.summary(np.zeros((3, 2)), size=4), ValueError, r"'size'.*size = 4"),
        (lambda: ensemble.summary([[0.0, np.nan], [1.0, 2.0]]), ValueError, "finite values only"),
    ],
)
def test_bad_input_is_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_ensemble_summary_of_the_first_members():
    members = np.arange(12.0).reshape(4, 3)
    mean, sd = ensemble.summary(members, size=2)
    np.testing.assert_array_equal(mean, [1.5, 2.5, 3.5])
    np.testing.assert_allclose(sd, np.full(3, np.sqrt(4.5)))


def test_smoother_is_the_posterior_mean_map_and_its_trace_is_the_eigenvalue_sum():
    x, draw = _draw()
    S = smoother_matrix(x, 2.0, 4.0, 0.5)
    np.testing.assert_allclose(S @ draw.y, gp_posterior(x, draw.y, x, 2.0, 4.0, 0.5).mean, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(S, S.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(gpnn.kernel_matrix(x, 2.0, 4.0))  # direct computation
    assert effective_dof(x, 2.0, 4.0, 0.5) == pytest.approx(np.sum(eigenvalues / (eigenvalues + 0.25)), rel=1e-9)
    assert 0 < effective_dof(x, 2.0, 4.0, 0.5) < x.size


def test_expected_training_error_matches_simulation():
    # The bias-plus-noise formula against the average over many noise draws of ||y - S y||^2.
    x, draw = _draw()
    S = smoother_matrix(x, 2.0, 4.0, 0.5)
    expected = expected_training_error(draw.latent, S, 0.5)
    rng = np.random.default_rng(3)
    noise = 0.5 * rng.normal(size=(20000, x.size))
    y = draw.latent + noise  # (draws, n)
    simulated = np.mean(np.sum((y - y @ S.T) ** 2, axis=1))
    assert expected.bias + expected.noise == pytest.approx(simulated, rel=0.01)
    assert expected.rmse == pytest.approx(math.sqrt(simulated / x.size), rel=0.01)
    # A smoother that uses its data scores below sigma on average unless its bias makes up for it.
    assert expected.noise < x.size * 0.5**2
    with pytest.raises(ValueError, match=r"'smoother' must have shape \(60, 60\).*\(3, 3\)"):
        expected_training_error(draw.latent, np.eye(3), 0.5)


def test_a_noise_replicate_keeps_the_function_and_draws_new_noise():
    _, draw = _draw()
    again = gpnn.simulate.noise_replicate(draw.latent, 0.5, seed=7)
    assert np.array_equal(again, gpnn.simulate.noise_replicate(draw.latent, 0.5, seed=7))
    residual = again - draw.latent
    assert 0.3 < residual.std() < 0.7
    assert abs(np.corrcoef(residual, draw.y - draw.latent)[0, 1]) < 0.4
    np.testing.assert_array_equal(gpnn.simulate.noise_replicate(draw.latent, 0.0, seed=1), draw.latent)
