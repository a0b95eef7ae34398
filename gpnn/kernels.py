r"""Covariance kernels: how the correlation between two points decays with distance.

The squared-exponential kernel is

$$
k(d) = \eta^2 \exp\!\left(-\frac{d^2}{2\rho^2}\right),
$$

where $d = |x_i - x_j|$, $\eta$ is the marginal standard deviation of the latent
function and $\rho$ its length scale: points closer than about $\rho$ move together.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import check_real, check_vector


def squared_exponential(d: ArrayLike, eta: float, rho: float) -> NDArray[np.float64]:
    r"""Squared-exponential covariance as a function of distance.

    $$
    k(d) = \eta^2 \exp\!\left(-\tfrac{1}{2}\, d^2 / \rho^2\right)
    $$

    Parameters
    ----------
    d : array_like of any shape
        Non-negative, finite distances $d_{ij}$.
    eta : float
        Marginal standard deviation $\eta > 0$; $k(0) = \eta^2$.
    rho : float
        Length scale $\rho > 0$; $k(\rho) = \eta^2 e^{-1/2}$.

    Returns
    -------
    k : ndarray of the same shape as d
        Covariances, float64.

    Examples
    --------
    >>> float(squared_exponential(0.0, eta=3.0, rho=10.0))
    9.0
    """
    eta = check_real("eta", eta, positive=True)
    rho = check_real("rho", rho, positive=True)
    d = _check_distances(d)
    # Same operation order as the reference procedure, so sampled data match it to the last bit.
    return eta**2 * np.exp(-0.5 * (d**2) / (rho**2))


def distance_matrix(x: ArrayLike) -> NDArray[np.float64]:
    r"""Pairwise distances $d_{ij} = |x_i - x_j|$ between 1-D locations.

    Parameters
    ----------
    x : array_like of shape (n,)
        Finite locations.

    Returns
    -------
    d : ndarray of shape (n, n)
        Symmetric, zero on the diagonal.
    """
    x = check_vector("x", x)
    return np.abs(x[:, None] - x[None, :])  # (n, n)


def kernel_matrix(x: ArrayLike, eta: float, rho: float, jitter: float = 0.0) -> NDArray[np.float64]:
    r"""Covariance matrix $K_{ij} = k(|x_i - x_j|) + \text{jitter}\,\delta_{ij}$.

    Parameters
    ----------
    x : array_like of shape (n,)
        Finite locations.
    eta, rho : float
        Kernel parameters, see [`squared_exponential`][gpnn.kernels.squared_exponential].
    jitter : float, default 0.0
        Non-negative constant added to the diagonal. A squared-exponential matrix on a dense
        grid is numerically singular; a tiny jitter makes it positive definite in floating point.

    Returns
    -------
    K : ndarray of shape (n, n)
        Symmetric, positive semi-definite covariance matrix (positive definite with a
        positive `jitter`), float64.
    """
    jitter = check_real("jitter", jitter, nonnegative=True)
    K = squared_exponential(distance_matrix(x), eta, rho)  # (n, n)
    K[np.diag_indices_from(K)] += jitter
    return K


def _check_distances(d: Any) -> NDArray[np.float64]:
    try:
        array: NDArray[np.float64] = np.asarray(d, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Argument 'd' must be an array of distances, but d = {d!r}.") from error
    if not np.isfinite(array).all():
        raise ValueError("Argument 'd' must hold finite distances, but it holds NaN or inf.")
    if (array < 0).any():
        raise ValueError(f"Argument 'd' must hold non-negative distances, but min(d) = {float(array.min())!r}.")
    return array
