import numpy as np
import pytest

import gpnn


def test_standardize_matches_the_reference_formula_bit_for_bit():
    x = np.arange(-50, 50, 0.5)
    np.testing.assert_array_equal(gpnn.standardize(x), (x - x.mean()) / x.std())


def test_standardize_works_column_wise():
    X = np.column_stack([np.arange(10.0), 100 + 3 * np.arange(10.0) ** 2])
    Z = gpnn.standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ([1.0], ValueError, r"x\.shape = \(1,\)"),
        ([[[1.0]]], ValueError, r"x\.shape = \(1, 1, 1\)"),
        ([1.0, np.nan], ValueError, "NaN or inf"),
        ([2.0, 2.0, 2.0], ValueError, "must vary"),
        (["a", "b"], TypeError, "'x'"),
    ],
)
def test_standardize_rejects_bad_input(x, error, match):
    with pytest.raises(error, match=match):
        gpnn.standardize(x)
