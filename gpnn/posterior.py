r"""The best possible estimate: the GP posterior, and hyperparameters from the marginal likelihood.

The data come from a known Gaussian process, so Bayes' rule gives the best estimate of the
latent function there is. With $K = k(X, X)$, $K_* = k(X, X_*)$ and noise variance
$\sigma^2$, the posterior of $f_*$ at new locations is normal with

$$
\begin{aligned}
\mathbb{E}[f_* \mid y] &= K_*^\top (K + \sigma^2 I)^{-1} y \\
\operatorname{Var}[f_* \mid y] &= k(X_*, X_*) - K_*^\top (K + \sigma^2 I)^{-1} K_*
\end{aligned}
$$

and the log marginal likelihood of the hyperparameters, the probability of the data with
$f$ integrated out, is

$$
\log p(y \mid \eta, \rho, \sigma) = -\tfrac12 y^\top (K + \sigma^2 I)^{-1} y
    - \tfrac12 \log\det(K + \sigma^2 I) - \tfrac n2 \log 2\pi .
$$

Everything is computed through the Cholesky factor $L L^\top = K + \sigma^2 I$
(Rasmussen & Williams, *Gaussian Processes for Machine Learning*, algorithm 2.1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import cho_solve, lapack, solve_triangular
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from gpnn._validation import check_real, check_same_length, check_vector
from gpnn.kernels import kernel_matrix, squared_exponential


class Posterior(NamedTuple):
    """Posterior of the latent function at the requested locations."""

    mean: NDArray[np.float64]
    """Posterior mean, shape (m,)."""
    sd: NDArray[np.float64]
    """Posterior standard deviation of the latent function (noise excluded), shape (m,)."""


class Hyperparameters(NamedTuple):
    """Kernel and noise parameters, with the log marginal likelihood they reach."""

    eta: float
    r"""Marginal standard deviation $\eta$ of the latent function."""
    rho: float
    r"""Length scale $\rho$."""
    sigma: float
    r"""Noise standard deviation $\sigma$."""
    log_marginal_likelihood: float
    r"""$\log p(y \mid \eta, \rho, \sigma)$ at these values."""


class TrainingError(NamedTuple):
    r"""The expected squared error of a linear smoother on its own training data, in two parts.

    For $\hat f = S y$ with $y = f + \varepsilon$, $\varepsilon \sim \mathcal{N}(0, \sigma^2 I)$:

    $$
    \mathbb{E}\,\lVert y - S y \rVert^2 = \underbrace{\lVert (I - S) f \rVert^2}_{\text{bias}}
    + \underbrace{\sigma^2 \left(n - 2 \operatorname{tr} S + \operatorname{tr} S^\top S\right)}_{\text{noise}}
    $$
    """

    bias: float
    r"""$\lVert (I - S) f \rVert^2$: what the smoother misses of the function."""
    noise: float
    r"""$\sigma^2 (n - 2 \operatorname{tr} S + \operatorname{tr} S^\top S)$: the noise left in the residuals."""
    n: int
    """Number of observations."""

    @property
    def rmse(self) -> float:
        r"""The root of the expected mean squared training error, $\sqrt{(\text{bias} + \text{noise}) / n}$."""
        return math.sqrt((self.bias + self.noise) / self.n)


def _cholesky(x: NDArray[np.float64], eta: float, rho: float, sigma: float) -> NDArray[np.float64]:
    K = kernel_matrix(x, eta, rho, jitter=sigma**2)  # K + sigma^2 I, (n, n)
    try:
        return np.asarray(np.linalg.cholesky(K), dtype=np.float64)  # (n, n), lower
    except np.linalg.LinAlgError as error:
        raise ValueError(
            f"K + sigma^2 I is not positive definite for eta = {eta!r}, rho = {rho!r}, sigma = {sigma!r}; "
            "sigma must be large enough for the locations given."
        ) from error


def _check(
    x: ArrayLike, y: ArrayLike, eta: float, rho: float, sigma: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float, float]:
    x_checked = check_vector("x", x)
    y_checked = check_vector("y", y)
    check_same_length("x", x_checked, "y", y_checked)
    return (
        x_checked,
        y_checked,
        check_real("eta", eta, positive=True),
        check_real("rho", rho, positive=True),
        check_real("sigma", sigma, positive=True),
    )


def gp_posterior(x: ArrayLike, y: ArrayLike, x_new: ArrayLike, eta: float, rho: float, sigma: float) -> Posterior:
    r"""Posterior mean and standard deviation of the latent function at `x_new`.

    $$
    \mu_* = K_*^\top \alpha, \quad \alpha = L^{-\top} L^{-1} y, \qquad
    \sigma_*^2 = k(0) - \lVert L^{-1} K_* \rVert^2
    $$

    Parameters
    ----------
    x : array_like of shape (n,)
        Observed locations.
    y : array_like of shape (n,)
        Observations.
    x_new : array_like of shape (m,)
        Where to predict.
    eta, rho : float
        Kernel parameters, > 0.
    sigma : float
        Noise standard deviation, > 0.

    Returns
    -------
    Posterior
        The mean and standard deviation of $f$ at each location of `x_new`.
    """
    x, y, eta, rho, sigma = _check(x, y, eta, rho, sigma)
    x_new = check_vector("x_new", x_new)
    L = _cholesky(x, eta, rho, sigma)
    K_star = squared_exponential(np.abs(x[:, None] - x_new[None, :]), eta, rho)  # (n, m)
    return _posterior_from_factor(L, K_star, eta**2, y)


def _posterior_from_factor(
    L: NDArray[np.float64],
    K_star: NDArray[np.float64],
    prior_variance: float | NDArray[np.float64],
    y: NDArray[np.float64],
) -> Posterior:
    alpha = cho_solve((L, True), y)  # (n,)
    mean = K_star.T @ alpha  # (m,)
    v = solve_triangular(L, K_star, lower=True)  # (n, m)
    variance = np.maximum(prior_variance - np.sum(v**2, axis=0), 0.0)  # (m,)
    return Posterior(mean=mean, sd=np.sqrt(variance))


def log_marginal_likelihood(x: ArrayLike, y: ArrayLike, eta: float, rho: float, sigma: float) -> float:
    r"""Log marginal likelihood $\log p(y \mid \eta, \rho, \sigma)$ of the GP regression model.

    $$
    -\tfrac12 y^\top \alpha - \textstyle\sum_i \log L_{ii} - \tfrac n2 \log 2\pi
    $$

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Locations and observations.
    eta, rho, sigma : float
        Kernel parameters and noise standard deviation, all > 0.

    Returns
    -------
    float
        The log density of `y` under the model.
    """
    x, y, eta, rho, sigma = _check(x, y, eta, rho, sigma)
    return _log_marginal_likelihood(x, y, eta, rho, sigma)


def _log_marginal_likelihood(
    x: NDArray[np.float64], y: NDArray[np.float64], eta: float, rho: float, sigma: float
) -> float:
    return _log_marginal_likelihood_from_factor(_cholesky(x, eta, rho, sigma), y)


def _log_marginal_likelihood_from_factor(L: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    alpha = cho_solve((L, True), y)  # (n,)
    return float(-0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * y.size * math.log(2 * math.pi))


def _negative_lml_and_gradient(
    log_params: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    r"""Negative log marginal likelihood and its gradient in $(\log\eta, \log\rho, \log\sigma)$.

    $$
    \frac{\partial \log p}{\partial \theta} = \tfrac12 \operatorname{tr}\!\left(
    (\alpha\alpha^\top - K_y^{-1}) \frac{\partial K_y}{\partial \theta}\right)
    $$
    """
    eta, rho, sigma = np.exp(log_params)
    try:
        L = _cholesky(x, eta, rho, sigma)
    except ValueError:
        return np.inf, np.zeros(3)
    alpha = cho_solve((L, True), y)  # (n,)
    d2 = (x[:, None] - x[None, :]) ** 2  # (n, n)
    K_f = squared_exponential(np.sqrt(d2), eta, rho)  # (n, n), the kernel without noise
    K_inv, info = lapack.dpotri(L, lower=1)  # (K + sigma^2 I)^{-1} from its Cholesky factor, lower triangle
    if info:  # pragma: no cover - a factor that exists is invertible
        return np.inf, np.zeros(3)
    K_inv = np.tril(K_inv) + np.tril(K_inv, -1).T  # (n, n), symmetric
    A = np.outer(alpha, alpha) - K_inv  # (n, n)
    d_log_eta = 2 * K_f
    d_log_rho = K_f * d2 / rho**2
    gradient = 0.5 * np.array([np.sum(A * d_log_eta), np.sum(A * d_log_rho), np.trace(A) * 2 * sigma**2])
    value = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * y.size * math.log(2 * math.pi)
    return -float(value), -gradient


def fit_hyperparameters(
    x: ArrayLike, y: ArrayLike, initial: tuple[float, float, float] = (1.0, 1.0, 1.0), n_restarts: int = 4
) -> Hyperparameters:
    r"""Maximise the log marginal likelihood over $(\eta, \rho, \sigma)$ (type-II maximum likelihood).

    Optimises over $(\log\eta, \log\rho, \log\sigma)$ with L-BFGS-B, from `initial` and
    from `n_restarts` further starting points spread over plausible scales (the likelihood
    can have several local maxima), and returns the best.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Locations and observations.
    initial : tuple of 3 floats, default (1, 1, 1)
        First starting point, all > 0.
    n_restarts : int, default 4
        Additional deterministic starting points.

    Returns
    -------
    Hyperparameters
        The best of the optima found, with its log marginal likelihood.
    """
    x = check_vector("x", x, min_length=2)
    y = check_vector("y", y, min_length=2)
    check_same_length("x", x, "y", y)
    if len(initial) != 3:
        raise ValueError(f"Argument 'initial' must hold (eta, rho, sigma), but initial = {initial!r}.")
    start = [
        check_real(name, value, positive=True) for name, value in zip(("eta", "rho", "sigma"), initial, strict=True)
    ]
    if isinstance(n_restarts, bool) or not isinstance(n_restarts, int) or n_restarts < 0:
        raise ValueError(f"Argument 'n_restarts' must be a non-negative integer, but n_restarts = {n_restarts!r}.")
    span, spread = float(np.ptp(x)), float(np.std(y))
    starts = [np.log(start)]
    for i in range(n_restarts):
        fraction = (i + 1) / (n_restarts + 1)
        starts.append(np.log([spread or 1.0, span * fraction**2 or 1.0, (spread or 1.0) * 0.5]))

    best = None
    # One BLAS thread: for 200-by-200 matrices a second thread costs more than it saves, and on a
    # busy machine threads that wait for each other make each step several times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        for point in starts:
            found = minimize(
                _negative_lml_and_gradient, point, args=(x, y), jac=True, method="L-BFGS-B", bounds=[(-8.0, 8.0)] * 3
            )
            if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
                best = found
    if best is None:  # pragma: no cover - every start failed
        raise ValueError("The log marginal likelihood could not be evaluated at any starting point.")
    eta, rho, sigma = (float(v) for v in np.exp(best.x))
    return Hyperparameters(eta, rho, sigma, -float(best.fun))


def smoother_matrix(x: ArrayLike, eta: float, rho: float, sigma: float) -> NDArray[np.float64]:
    r"""The matrix $S = K (K + \sigma^2 I)^{-1}$ that maps observations to the posterior mean there.

    The posterior mean at the observed locations is $S y$: a *linear smoother*, like the hat
    matrix $X (X^\top X)^{-1} X^\top$ of least squares, only with eigenvalues between 0 and 1
    ($\lambda_i / (\lambda_i + \sigma^2)$ for the eigenvalues $\lambda_i$ of
    $K$) instead of exactly 0 or 1.

    Parameters
    ----------
    x : array_like of shape (n,)
        Observed locations.
    eta, rho, sigma : float
        Kernel parameters and noise standard deviation, all > 0.

    Returns
    -------
    ndarray of shape (n, n)
        Symmetric.
    """
    x = check_vector("x", x)
    eta, rho, sigma = (
        check_real(name, value, positive=True) for name, value in (("eta", eta), ("rho", rho), ("sigma", sigma))
    )
    L = _cholesky(x, eta, rho, sigma)
    K = kernel_matrix(x, eta, rho)  # (n, n)
    S = K @ cho_solve((L, True), np.eye(x.size))  # (n, n)
    return np.asarray((S + S.T) / 2, dtype=np.float64)  # symmetric in exact arithmetic


def effective_dof(x: ArrayLike, eta: float, rho: float, sigma: float) -> float:
    r"""Effective degrees of freedom of the GP smoother.

    $$
    \operatorname{tr} S = \sum_i \frac{\lambda_i}{\lambda_i + \sigma^2}
    $$

    Least squares with $p$ coefficients has $\operatorname{tr} H = p$; the GP
    posterior mean spends a fractional degree of freedom on each eigen-direction of $K$.

    Parameters
    ----------
    x : array_like of shape (n,)
        Observed locations.
    eta, rho, sigma : float
        All > 0.

    Returns
    -------
    float
        Between 0 and n.
    """
    return float(np.trace(smoother_matrix(x, eta, rho, sigma)))


def expected_training_error(latent: ArrayLike, smoother: ArrayLike, sigma: float) -> TrainingError:
    r"""Expected training error of the smoother $S$ when the truth is `latent` and the noise $\sigma$.

    $$
    \mathbb{E}\,\lVert y - S y \rVert^2 = \lVert (I - S) f \rVert^2
    + \sigma^2 \left(n - 2 \operatorname{tr} S + \operatorname{tr} S^\top S\right)
    $$

    Any smoother with $\operatorname{tr} S > 0$ scores below $\sigma$ on its own
    training data on average unless its bias makes up the difference; the Bayes-optimal posterior
    mean does too. So a training error below $\sigma$ alone does not show that a fit has
    followed the noise.

    Parameters
    ----------
    latent : array_like of shape (n,)
        The latent function $f$ at the observed locations.
    smoother : array_like of shape (n, n)
        $S$, e.g. from [`smoother_matrix`][gpnn.posterior.smoother_matrix].
    sigma : float
        Noise standard deviation, >= 0.

    Returns
    -------
    TrainingError
        The two parts of the expected squared error, and its root mean.
    """
    f = check_vector("latent", latent)
    S = np.asarray(smoother, dtype=np.float64)
    if S.shape != (f.size, f.size):
        raise ValueError(
            f"Argument 'smoother' must have shape ({f.size}, {f.size}) to match 'latent', "
            f"but smoother.shape = {S.shape}."
        )
    sigma = check_real("sigma", sigma, nonnegative=True)
    residual = f - S @ f  # (I - S) f, (n,)
    noise = sigma**2 * (f.size - 2 * np.trace(S) + np.sum(S * S))  # tr S^T S = sum of squares
    return TrainingError(bias=float(residual @ residual), noise=float(noise), n=f.size)


def kernel_posterior(
    K: ArrayLike, K_star: ArrayLike, prior_variance: ArrayLike, y: ArrayLike, sigma: float
) -> Posterior:
    r"""Posterior mean and standard deviation of the latent function for any kernel, given its matrices.

    The same computation as [`gp_posterior`][gpnn.posterior.gp_posterior], algorithm 2.1 of
    Rasmussen and Williams, with the kernel's matrices given instead of the squared-exponential
    kernel's parameters: with $L L^\top = K + \sigma^2 I$,

    $$
    \mu_* = K_*^\top (K + \sigma^2 I)^{-1} y, \qquad
    \sigma_*^2 = k(x_*, x_*) - \lVert L^{-1} K_* \rVert^2 .
    $$

    Parameters
    ----------
    K : array_like of shape (n, n)
        Prior covariance of the latent function at the observed locations, $k(X, X)$.
    K_star : array_like of shape (n, m)
        Prior covariance between the observed locations and the new ones, $k(X, X_*)$.
    prior_variance : array_like of shape (m,)
        Prior variance at each new location, $k(x_*, x_*)$.
    y : array_like of shape (n,)
        Observations.
    sigma : float
        Noise standard deviation, > 0.

    Returns
    -------
    Posterior
        The mean and standard deviation of $f$ at each new location.
    """
    K_checked, y_checked, sigma = _check_kernel(K, y, sigma)
    K_star_checked = np.asarray(K_star, dtype=np.float64)
    if K_star_checked.ndim != 2 or K_star_checked.shape[0] != y_checked.size:
        raise ValueError(
            f"Argument 'K_star' must have shape ({y_checked.size}, m) to match 'y', "
            f"but K_star.shape = {K_star_checked.shape}."
        )
    diagonal = check_vector("prior_variance", prior_variance)
    if diagonal.size != K_star_checked.shape[1]:
        raise ValueError(
            f"Argument 'prior_variance' must have one value per column of 'K_star' ({K_star_checked.shape[1]}), "
            f"but prior_variance.shape = {diagonal.shape}."
        )
    return _posterior_from_factor(_kernel_cholesky(K_checked, sigma), K_star_checked, diagonal, y_checked)


def kernel_log_marginal_likelihood(K: ArrayLike, y: ArrayLike, sigma: float) -> float:
    r"""Log marginal likelihood $\log p(y)$ of GP regression for any kernel, given its matrix.

    $$
    \log p(y) = -\tfrac12 y^\top (K + \sigma^2 I)^{-1} y - \textstyle\sum_i \log L_{ii} - \tfrac n2 \log 2\pi
    $$

    The same computation as [`log_marginal_likelihood`][gpnn.posterior.log_marginal_likelihood],
    with the kernel's matrix given instead of the squared-exponential kernel's parameters.

    Parameters
    ----------
    K : array_like of shape (n, n)
        Prior covariance of the latent function at the observed locations.
    y : array_like of shape (n,)
        Observations.
    sigma : float
        Noise standard deviation, > 0.

    Returns
    -------
    float
        The log density of `y` under the model.
    """
    K_checked, y_checked, sigma = _check_kernel(K, y, sigma)
    return _log_marginal_likelihood_from_factor(_kernel_cholesky(K_checked, sigma), y_checked)


def _kernel_log_marginal_likelihood(K: NDArray[np.float64], y: NDArray[np.float64], sigma: float) -> float:
    r"""As the public function, unchecked; raises `LinAlgError` if $K + \sigma^2 I$ is not positive definite."""
    noisy = K + sigma**2 * np.eye(y.size)  # (n, n)
    return _log_marginal_likelihood_from_factor(np.asarray(np.linalg.cholesky(noisy), dtype=np.float64), y)


def _check_kernel(K: ArrayLike, y: ArrayLike, sigma: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    y_checked = check_vector("y", y)
    K_checked = np.asarray(K, dtype=np.float64)
    if K_checked.shape != (y_checked.size, y_checked.size):
        raise ValueError(
            f"Argument 'K' must have shape ({y_checked.size}, {y_checked.size}) to match 'y', "
            f"but K.shape = {K_checked.shape}."
        )
    if not np.isfinite(K_checked).all():
        raise ValueError("Argument 'K' must hold finite values only, but it holds NaN or inf.")
    return K_checked, y_checked, check_real("sigma", sigma, positive=True)


def _kernel_cholesky(K: NDArray[np.float64], sigma: float) -> NDArray[np.float64]:
    try:
        return np.asarray(np.linalg.cholesky(K + sigma**2 * np.eye(K.shape[0])), dtype=np.float64)  # (n, n), lower
    except np.linalg.LinAlgError as error:
        raise ValueError(
            f"K + sigma^2 I is not positive definite for sigma = {sigma!r}; K must be a covariance matrix."
        ) from error
