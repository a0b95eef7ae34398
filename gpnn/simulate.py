r"""Simulating data from a Gaussian-process regression model.

The generative model is a regression whose intercept is a whole random function:

$$
\begin{aligned}
f &\sim \mathcal{N}(0, K), \qquad K_{ij} = k(|x_i - x_j|) \\
y_i &\sim \mathcal{N}(f_i, \sigma^2)
\end{aligned}
$$

A draw of $f$ is $f = L z$ with $K = L L^\top$ (Cholesky) and
$z \sim \mathcal{N}(0, I)$, because then $\operatorname{Cov}(f) = L\,I\,L^\top = K$.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import check_real, check_seed, check_vector
from gpnn.kernels import kernel_matrix

JITTER = 1e-9
"""Added to the diagonal of the kernel matrix so its Cholesky factor exists in floating point."""


class GPDraw(NamedTuple):
    """One simulated data set: the latent function and the noisy observations."""

    latent: NDArray[np.float64]
    """Latent function values $f$ at each location, shape (n,)."""
    y: NDArray[np.float64]
    """Observations $y = f + \\varepsilon$, shape (n,)."""


def sample_gp(
    x: ArrayLike,
    eta: float,
    rho: float,
    sigma: float,
    seed: int | None = None,
) -> GPDraw:
    r"""Draw a latent function from a GP prior and noisy observations of it.

    $$
    \begin{aligned}
    L L^\top &= K + 10^{-9} I \\
    f &= L z, \quad z \sim \mathcal{N}(0, I) \\
    y &= f + \sigma \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, I)
    \end{aligned}
    $$

    Random numbers come from a private `numpy.random.RandomState(seed)`: numpy's global
    state is neither read nor changed, yet the draw is the one the legacy
    `np.random.seed(seed)` recipe gives (the same Mersenne Twister stream, `z` first).

    Parameters
    ----------
    x : array_like of shape (n,)
        Finite locations, n >= 1.
    eta : float
        Marginal standard deviation of the latent function, > 0.
    rho : float
        Length scale, > 0.
    sigma : float
        Standard deviation of the observation noise, >= 0.
    seed : int or None, default None
        Seed in `[0, 2**32 - 1]`; `None` draws fresh entropy from the operating system.

    Returns
    -------
    GPDraw
        `latent` (the function $f$) and `y` (the observations), each of shape (n,).

    Raises
    ------
    ValueError
        If an argument is out of range, or the kernel matrix is not positive definite
        (for instance with repeated locations and tiny `rho`).
    """
    sigma = check_real("sigma", sigma, nonnegative=True)
    seed = check_seed("seed", seed)
    K = kernel_matrix(x, eta, rho, jitter=JITTER)  # (n, n)
    try:
        L = np.linalg.cholesky(K)  # (n, n), lower triangular
    except np.linalg.LinAlgError as error:
        raise ValueError(
            f"The kernel matrix for eta = {eta!r}, rho = {rho!r} on the given x is not positive "
            f"definite even with jitter {JITTER}; check x for repeated locations."
        ) from error
    rng = np.random.RandomState(seed)
    n = K.shape[0]
    z = rng.normal(size=n)  # (n,)
    latent = L @ z  # (n,)
    y = rng.normal(loc=latent, scale=sigma, size=n)  # (n,)
    return GPDraw(latent=latent, y=y)


def noise_replicate(latent: ArrayLike, sigma: float, seed: int | None = None) -> NDArray[np.float64]:
    r"""Fresh observations of the same latent function: $y' = f + \sigma \varepsilon'$.

    Only a simulation can do this: measure the same function at the same locations again, with
    new noise. Comparing a fit with $y'$ instead of the $y$ it was fitted to shows
    its error on data it has not seen.

    Parameters
    ----------
    latent : array_like of shape (n,)
        The latent function $f$ at the locations.
    sigma : float
        Standard deviation of the noise, >= 0.
    seed : int or None, default None
        Seed of a private `numpy.random.RandomState`.

    Returns
    -------
    ndarray of shape (n,)
        New observations $y'$, one per location.
    """
    latent = check_vector("latent", latent)
    sigma = check_real("sigma", sigma, nonnegative=True)
    rng = np.random.RandomState(check_seed("seed", seed))
    return latent + sigma * rng.normal(size=latent.size)
