"""Properties that hold for every valid input, checked on inputs that Hypothesis generates.

Every test runs a modest, fixed set of examples (``derandomize=True``: the same inputs on every
machine and every run, and no example database written to disk), with no time limit per example.
"""

import json
import math

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gpnn
from gpnn.config import IMPLEMENTATIONS
from gpnn.network import INIT_SCALES
from gpnn.site import claims

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def grid(low: float, high: float) -> st.SearchStrategy[float]:
    """Multiples of 0.001 in ``[low, high]``: data-like values, never so close that their
    differences lose their precision to underflow (which no property here is about)."""
    return st.integers(round(low * 1000), round(high * 1000)).map(lambda i: i / 1000)


def vectors(low: float = -1e3, high: float = 1e3, min_size: int = 2, max_size: int = 40):
    return hnp.arrays(np.float64, st.integers(min_size, max_size), elements=grid(low, high))


# --- standardize ----------------------------------------------------------------------------------


def _well_conditioned(x: np.ndarray) -> bool:
    """Spread large enough against the magnitude that rounding cannot dominate the z-scores."""
    return bool(np.all(x.std(axis=0) > 1e-6 * np.abs(x).max(axis=0)))


@FAST
@given(
    x=hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 3)), elements=grid(-1e3, 1e3)),
    a=finite(1e-3, 1e3),
    b=finite(-1e3, 1e3),
    one_dimensional=st.booleans(),
)
def test_standardize_is_invariant_to_positive_affine_maps(x, a, b, one_dimensional):
    if one_dimensional:
        x = x[:, 0]
    y = a * x + b
    assume(_well_conditioned(x) and _well_conditioned(y))
    np.testing.assert_allclose(gpnn.standardize(y), gpnn.standardize(x), rtol=0, atol=1e-7)


@FAST
@given(x=vectors())
def test_standardize_gives_mean_zero_and_standard_deviation_one(x):
    assume(_well_conditioned(x))
    z = gpnn.standardize(x)
    assert abs(z.mean()) < 1e-9
    assert abs(z.std() - 1) < 1e-9


# --- kernels --------------------------------------------------------------------------------------


@FAST
@given(x=vectors(min_size=1, max_size=30), eta=finite(1e-3, 1e3), rho=finite(1e-3, 1e3))
def test_kernel_matrices_are_symmetric_positive_semi_definite(x, eta, rho):
    K = gpnn.kernel_matrix(x, eta, rho)
    np.testing.assert_array_equal(K, K.T)
    np.testing.assert_allclose(np.diag(K), eta**2, rtol=1e-15)
    smallest = np.linalg.eigvalsh(K).min()
    assert smallest >= -1e-10 * eta**2 * x.size


@FAST
@given(
    d=hnp.arrays(np.float64, st.integers(1, 30), elements=grid(0, 1e3)),
    eta=finite(1e-3, 1e3),
    rho=finite(1e-3, 1e3),
)
def test_squared_exponential_is_largest_at_distance_zero_and_decreases_with_distance(d, eta, rho):
    d = np.sort(d)
    k = gpnn.squared_exponential(d, eta, rho)
    at_zero = float(gpnn.squared_exponential(0.0, eta, rho))
    assert at_zero == eta**2
    assert np.all(k <= at_zero)
    assert np.all(np.diff(k) <= 0)  # never increases with distance
    # Strictly smaller a length scale further on (by a factor of at least e^(1/2)), unless the
    # nearer value is already below the normal floating-point range.
    apart = (np.diff(d) >= rho) & (k[:-1] > np.finfo(np.float64).tiny)
    assert np.all(k[1:][apart] < k[:-1][apart])


# --- configuration --------------------------------------------------------------------------------


@st.composite
def config_settings(draw):
    """Keyword arguments for ExperimentConfig over every field, mostly valid."""
    x_start = draw(finite(-100, 100))
    x_step = draw(finite(0.05, 5))
    gap = draw(st.none() | st.tuples(finite(-120, 120), finite(-120, 120)).map(lambda pair: tuple(sorted(pair))))
    return {
        "eta": draw(finite(1e-3, 1e3)),
        "rho": draw(finite(1e-3, 1e3)),
        "sigma": draw(finite(0, 10)),
        "x_start": x_start,
        "x_stop": x_start + x_step * draw(finite(2, 300)),
        "x_step": x_step,
        "data_seed": draw(st.integers(0, 2**32 - 1)),
        "hidden_sizes": tuple(draw(st.lists(st.integers(1, 64), min_size=1, max_size=6))),
        "learning_rate": draw(finite(1e-6, 1)),
        "n_epochs": draw(st.integers(0, 10_000)),
        "init_seed": draw(st.integers(0, 2**32 - 1)),
        "standardize_inputs": draw(st.booleans()),
        "init_scale": draw(st.sampled_from(sorted(INIT_SCALES))),
        "record_every": draw(st.integers(0, 100)),
        "holdout_every": draw(st.just(0) | st.integers(2, 10)),
        "gap": gap,
        "implementation": draw(st.sampled_from(IMPLEMENTATIONS)),
    }


def _config(kwargs):
    try:
        return gpnn.ExperimentConfig(**kwargs)
    except ValueError:  # an empty gap, too few locations, or too few left to train on
        assume(False)


@FAST
@given(kwargs=config_settings())
def test_config_round_trips_through_a_dictionary(kwargs):
    config = _config(kwargs)
    again = gpnn.ExperimentConfig.from_dict(config.to_dict())
    assert again == config
    assert hash(again) == hash(config)
    assert again.to_dict() == config.to_dict()


@FAST
@given(kwargs=config_settings())
def test_config_round_trips_through_json(kwargs):
    config = _config(kwargs)
    text = json.dumps(config.to_dict(), allow_nan=False)
    again = gpnn.ExperimentConfig.from_dict(json.loads(text))
    assert again == config
    np.testing.assert_array_equal(again.train_mask(), config.train_mask())


# --- loss -----------------------------------------------------------------------------------------


@st.composite
def observed_and_predicted(draw):
    shape = draw(st.tuples(st.integers(1, 40)) | st.tuples(st.integers(1, 40), st.just(1)))
    obs = draw(hnp.arrays(np.float64, shape, elements=grid(-1e3, 1e3)))
    pred = draw(hnp.arrays(np.float64, shape, elements=grid(-1e3, 1e3)))
    return torch.from_numpy(obs), torch.from_numpy(pred)


@FAST
@given(pair=observed_and_predicted())
def test_rmse_of_a_perfect_prediction_is_zero(pair):
    obs, _ = pair
    assert gpnn.rmse(obs, obs.clone()).item() == 0.0


@FAST
@given(pair=observed_and_predicted(), c=st.just(0.0) | finite(1e-3, 1e3) | finite(-1e3, -1e-3))
def test_rmse_scales_with_the_absolute_value_of_a_common_factor(pair, c):
    obs, pred = pair
    scaled = gpnn.rmse(c * obs, c * pred).item()
    assert math.isclose(scaled, abs(c) * gpnn.rmse(obs, pred).item(), rel_tol=1e-12, abs_tol=1e-300)


@FAST
@given(pair=observed_and_predicted())
def test_rmse_is_symmetric_and_is_the_root_mean_squared_difference(pair):
    obs, pred = pair
    assert gpnn.rmse(obs, pred).item() == gpnn.rmse(pred, obs).item()
    differences = (obs - pred).flatten().tolist()
    expected = math.sqrt(math.fsum(r**2 for r in differences) / len(differences))
    assert math.isclose(gpnn.rmse(obs, pred).item(), expected, rel_tol=1e-12, abs_tol=1e-12)


# --- claims ---------------------------------------------------------------------------------------

NAMES = ("a", "b", "c")

arithmetic = st.recursive(
    st.sampled_from(NAMES) | st.integers(0, 10).map(str) | st.sampled_from(["0.5", "2.25", "1e-3"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"-{e}"),
        inner.map(lambda e: f"abs({e})"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    ),
    max_leaves=6,
)
comparison = st.tuples(
    arithmetic,
    st.lists(st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), arithmetic), min_size=1, max_size=2),
).map(lambda t: t[0] + "".join(f" {op} {operand}" for op, operand in t[1]))
condition = st.recursive(
    comparison,
    lambda inner: st.one_of(
        inner.map(lambda e: f"not ({e})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    ),
    max_leaves=4,
)
# Repeated values make the equalities and the non-strict comparisons matter.
claim_values = st.fixed_dictionaries(
    {name: st.sampled_from([0.0, 1.0, -1.0, 2.25]) | finite(-100, 100) for name in NAMES}
)


@settings(FAST, max_examples=200)
@given(expression=condition, values=claim_values)
def test_claims_evaluate_conditions_as_python_does(expression, values):
    python = bool(eval(expression, {"__builtins__": {}, "abs": abs, "min": min, "max": max}, dict(values)))
    assert claims.evaluate(expression, values) is python, expression
