import numpy as np
import pytest
from scipy.spatial.distance import cdist

import gpnn


def test_squared_exponential_values():
    eta, rho = 3.0, 10.0
    d = np.array([0.0, rho, 2 * rho])
    expected = eta**2 * np.exp(-0.5 * np.array([0.0, 1.0, 4.0]))
    np.testing.assert_allclose(gpnn.squared_exponential(d, eta, rho), expected, rtol=1e-15)
    assert gpnn.squared_exponential(0.0, eta, rho) == 9.0


def test_distance_matrix_matches_cdist_exactly():
    rng = np.random.default_rng(0)
    x = rng.uniform(-100, 100, size=50)
    np.testing.assert_array_equal(gpnn.distance_matrix(x), cdist(x[:, None], x[:, None]))


def test_kernel_matrix_is_symmetric_with_jitter_on_diagonal():
    x = np.linspace(0, 5, 7)
    K = gpnn.kernel_matrix(x, 2.0, 1.5, jitter=0.25)
    np.testing.assert_array_equal(K, K.T)
    np.testing.assert_allclose(np.diag(K), 4.25)
    assert np.all(np.linalg.eigvalsh(K) > 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"eta": 0.0}, ValueError, r"'eta'.*eta = 0\.0"),
        ({"eta": -3}, ValueError, r"'eta'.*eta = -3\.0"),
        ({"rho": float("nan")}, ValueError, r"'rho'.*nan"),
        ({"rho": "10"}, TypeError, r"'rho'.*'10'"),
        ({"d": [1.0, -1.0]}, ValueError, r"'d'.*-1\.0"),
        ({"d": [np.inf]}, ValueError, r"'d'.*NaN or inf"),
        ({"d": ["a"]}, TypeError, r"'d'"),
    ],
)
def test_squared_exponential_rejects_bad_input(kwargs, error, match):
    args = {"d": [0.0, 1.0], "eta": 1.0, "rho": 1.0, **kwargs}
    with pytest.raises(error, match=match):
        gpnn.squared_exponential(**args)


def test_kernel_matrix_rejects_negative_jitter():
    with pytest.raises(ValueError, match=r"'jitter'.*-1\.0"):
        gpnn.kernel_matrix([0.0, 1.0], 1.0, 1.0, jitter=-1.0)
