r"""The network's prior over functions, and the Gaussian process it becomes at infinite width.

A network whose weights and biases are drawn at random is a random function of its input: the
prior on its coefficients implies a prior on functions. For a fully connected network on a
scalar input $x$, with every weight of a layer with $H$ inputs drawn from
$\mathcal{N}(0, \sigma_w^2 / H)$ and every bias from $\mathcal{N}(0, \sigma_b^2)$, each
pre-activation of the first layer is exactly normal, with covariance

$$
K_1(x, x') = \sigma_b^2 + \sigma_w^2\, x x' .
$$

As the hidden layers grow wide, every following layer's pre-activations become a Gaussian
process too (a sum of many independent terms), with the covariance of the previous layer passed
through the ReLU (Neal 1996; Williams 1997; Lee et al. 2018; Matthews et al. 2018):

$$
K_{\ell+1}(x, x') = \sigma_b^2 + \frac{\sigma_w^2}{2\pi} \sqrt{K_\ell(x, x)\, K_\ell(x', x')}
    \left(\sin\theta_\ell + (\pi - \theta_\ell) \cos\theta_\ell\right),
\qquad \cos\theta_\ell = \frac{K_\ell(x, x')}{\sqrt{K_\ell(x, x)\, K_\ell(x', x')}},
$$

the arc-cosine kernel of order 1 (Cho and Saul 2009). With $D$ hidden layers and a linear output layer
drawn the same way, the output is a GP with covariance $K_{D+1}$: the *neural network Gaussian
process* (NNGP) kernel. The recipe's network has $D = 6$, $\sigma_w^2 = 2$ (He) and
$\sigma_b^2 = 0$.

For GP regression with this kernel, [`kernel_posterior`][gpnn.posterior.kernel_posterior] and
[`kernel_log_marginal_likelihood`][gpnn.posterior.kernel_log_marginal_likelihood] take its
matrices; [`fit_nngp`][gpnn.nngp.fit_nngp] chooses the two variances and the noise by marginal
likelihood.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from gpnn._validation import check_int, check_real, check_same_length, check_vector
from gpnn.posterior import _kernel_log_marginal_likelihood


def nngp_kernel(
    x1: ArrayLike, x2: ArrayLike, *, depth: int, weight_variance: float, bias_variance: float
) -> NDArray[np.float64]:
    r"""Covariance of an infinitely wide ReLU network's output between the inputs `x1` and `x2`.

    Starting from $K_1(x, x') = \sigma_b^2 + \sigma_w^2 x x'$, each hidden layer applies

    $$
    K_{\ell+1}(x, x') = \sigma_b^2 + \frac{\sigma_w^2}{2\pi} \sqrt{K_\ell(x, x) K_\ell(x', x')}
        \left(\sin\theta + (\pi - \theta) \cos\theta\right),
    \quad \cos\theta = \frac{K_\ell(x, x')}{\sqrt{K_\ell(x, x) K_\ell(x', x')}},
    $$

    and the output's covariance is $K_{D+1}$ for $D$ = `depth` hidden layers. Where
    $K_\ell(x, x) = 0$ (the input 0 without biases) the ReLU's output is 0 and the second term
    vanishes.

    Parameters
    ----------
    x1 : array_like of shape (n1,)
        Finite scalar inputs.
    x2 : array_like of shape (n2,)
        Finite scalar inputs.
    depth : int
        Number of hidden layers $D$, >= 1.
    weight_variance : float
        $\sigma_w^2 \ge 0$: each weight of a layer with $H$ inputs has variance $\sigma_w^2 / H$.
    bias_variance : float
        $\sigma_b^2 \ge 0$: the variance of every bias.

    Returns
    -------
    K : ndarray of shape (n1, n2)
        $K_{D+1}(x_{1i}, x_{2j})$, float64.

    Examples
    --------
    Without biases, one hidden layer gives inputs of opposite sign no covariance:

    >>> nngp_kernel([1.0, -1.0], [1.0], depth=1, weight_variance=2.0, bias_variance=0.0)
    array([[2.],
           [0.]])
    """
    a = check_vector("x1", x1)
    b = check_vector("x2", x2)
    depth = check_int("depth", depth, minimum=1)
    weight_variance = check_real("weight_variance", weight_variance, nonnegative=True)
    bias_variance = check_real("bias_variance", bias_variance, nonnegative=True)
    return _nngp(a, b, depth, weight_variance, bias_variance)


def _nngp(
    a: NDArray[np.float64], b: NDArray[np.float64], depth: int, weight_variance: float, bias_variance: float
) -> NDArray[np.float64]:
    cross = bias_variance + weight_variance * np.outer(a, b)  # K_1(x, x'), (n1, n2)
    var_a = bias_variance + weight_variance * a**2  # K_1(x, x), (n1,)
    var_b = bias_variance + weight_variance * b**2  # K_1(x', x'), (n2,)
    for _ in range(depth):
        norms = np.sqrt(np.outer(var_a, var_b))  # (n1, n2)
        cos = np.divide(cross, norms, out=np.ones_like(cross), where=norms > 0)
        np.clip(cos, -1.0, 1.0, out=cos)  # rounding can push |cos| past 1
        sin = np.sqrt(1.0 - cos**2)  # sin(theta), theta in [0, pi]
        theta = np.arccos(cos)
        cross = bias_variance + weight_variance / (2 * math.pi) * norms * (sin + (math.pi - theta) * cos)
        # On the diagonal theta = 0, so the ReLU keeps half of the second moment.
        var_a = bias_variance + weight_variance / 2 * var_a
        var_b = bias_variance + weight_variance / 2 * var_b
    return cross


_NOT_POSITIVE_DEFINITE = 1e12
"""What the fit's objective takes where the Cholesky factor fails: finite, so that finite differences stay finite."""


class NNGPFit(NamedTuple):
    """The network kernel's variances and the noise that maximise the marginal likelihood."""

    weight_variance: float
    r"""$\sigma_w^2$."""
    bias_variance: float
    r"""$\sigma_b^2$."""
    sigma: float
    r"""Noise standard deviation $\sigma$."""
    log_marginal_likelihood: float
    r"""$\log p(y \mid \sigma_w^2, \sigma_b^2, \sigma)$ at these values."""


def fit_nngp(x: ArrayLike, y: ArrayLike, *, depth: int, bias: bool = True, starts: int = 3) -> NNGPFit:
    r"""Fit the network kernel's two variances and the noise by marginal likelihood.

    Maximises $\log p(y \mid \sigma_w^2, \sigma_b^2, \sigma)$ of the model
    $y = f(x) + \varepsilon$, $f \sim \mathcal{GP}(0, K_{D+1})$ (see
    [`nngp_kernel`][gpnn.nngp.nngp_kernel]), $\varepsilon \sim \mathcal{N}(0, \sigma^2 I)$, over
    the logarithms of the parameters with L-BFGS-B (gradients by finite differences), from
    `starts` deterministic starting points, and returns the best optimum found.

    Parameters
    ----------
    x : array_like of shape (n,)
        Inputs (the network's inputs: standardised locations).
    y : array_like of shape (n,)
        Observations.
    depth : int
        Number of hidden layers, >= 1.
    bias : bool, default True
        Fit the bias variance; with `False` it is held at 0, the recipe's zero biases.
    starts : int, default 3
        Number of starting points, >= 1.

    Returns
    -------
    NNGPFit
        The best parameters found and their log marginal likelihood.
    """
    x = check_vector("x", x, min_length=2)
    y = check_vector("y", y, min_length=2)
    check_same_length("x", x, "y", y)
    depth = check_int("depth", depth, minimum=1)
    if not isinstance(bias, bool):
        raise TypeError(f"Argument 'bias' must be True or False, but bias = {bias!r}.")
    starts = check_int("starts", starts, minimum=1)
    spread = float(np.std(y)) or 1.0

    def negative(log_params: NDArray[np.float64]) -> float:
        weight_variance, sigma = math.exp(log_params[0]), math.exp(log_params[-1])
        bias_variance = math.exp(log_params[1]) if bias else 0.0
        K = _nngp(x, x, depth, weight_variance, bias_variance)  # (n, n)
        try:
            return -_kernel_log_marginal_likelihood(K, y, sigma)
        except np.linalg.LinAlgError:
            return _NOT_POSITIVE_DEFINITE

    # Bounds keep K + sigma^2 I positive definite in floating point: the output's variance grows
    # as (weight_variance / 2) ** depth, so weight variances past 20 dwarf any noise; and the
    # noise stays above a thousandth of the data's spread.
    bounds = [(math.log(1e-3), math.log(20.0))]
    bounds += [(math.log(1e-6 * spread**2), math.log(1e3 * spread**2))] if bias else []
    bounds += [(math.log(1e-3 * spread), math.log(10 * spread))]
    best = None
    # One BLAS thread, as for the squared-exponential fit: small matrices, a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(starts):
            # Signal variances from a tenth of the data's variance to all of it, noise half its sd.
            fraction = 10.0 ** (-i / max(starts - 1, 1))
            scale = spread**2 * fraction
            point = [math.log(scale), *([math.log(scale)] if bias else []), math.log(spread / 2)]
            found = minimize(negative, np.array(point), method="L-BFGS-B", bounds=bounds)
            if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
                best = found
    if best is None:  # pragma: no cover - every start failed
        raise ValueError("The log marginal likelihood could not be evaluated at any starting point.")
    values = np.exp(best.x)
    return NNGPFit(
        weight_variance=float(values[0]),
        bias_variance=float(values[1]) if bias else 0.0,
        sigma=float(values[-1]),
        log_marginal_likelihood=-float(best.fun),
    )
