r"""Scoring predictive distributions: interval coverage and proper scores.

A predictive distribution for the latent function at each location is summarised here as a
normal $\mathcal{N}(\mu_i, s_i^2)$: the GP posterior is exactly that, and an ensemble of
networks is approximated by one from its members' mean and spread. Three ways to judge it
against the truth $f_i$:

* **coverage** of the central interval $\mu_i \pm z_{(1+p)/2}\, s_i$ at nominal level
  $p$: the fraction of locations whose truth falls inside. A calibrated distribution covers
  about $p$. Neighbouring errors of a smooth function are correlated, so one data set can
  miss that fraction by far more than independent errors would;
* the **negative log predictive density** (NLPD),
  $\tfrac1n \sum_i \left[\tfrac12 \log(2\pi s_i^2) + \tfrac{(f_i - \mu_i)^2}{2 s_i^2}\right]$;
* the **continuous ranked probability score** (CRPS), which for a normal distribution is
  $s\left[z(2\Phi(z) - 1) + 2\varphi(z) - \pi^{-1/2}\right]$ with $z = (f - \mu)/s$.

Both scores are *proper*: in expectation they are best for the true distribution, so a
distribution cannot improve its score by claiming more or less certainty than it has. Lower is
better for both.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from gpnn._validation import check_real, check_same_length, check_vector


def _checked(truth: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    truth, mean, sd = check_vector("truth", truth), check_vector("mean", mean), check_vector("sd", sd)
    check_same_length("truth", truth, "mean", mean)
    check_same_length("truth", truth, "sd", sd)
    if not (sd > 0).all():
        index = int(np.flatnonzero(~(sd > 0))[0])
        raise ValueError(f"Argument 'sd' must be positive, but sd[{index}] = {float(sd[index])!r}.")
    return truth, mean, sd


def interval_z(level: float) -> float:
    r"""Half-width, in standard deviations, of the central normal interval of probability `level`.

    $$
    z = \Phi^{-1}\!\left(\tfrac{1 + p}{2}\right)
    $$

    Parameters
    ----------
    level : float
        Nominal probability $p$, in (0, 1); 0.95 gives 1.96.

    Returns
    -------
    float
        The number of standard deviations on each side of the mean.
    """
    level = check_real("level", level)
    if not 0 < level < 1:
        raise ValueError(f"Argument 'level' must be strictly between 0 and 1, but level = {level!r}.")
    return float(norm.ppf((1 + level) / 2))


def coverage(truth: ArrayLike, mean: ArrayLike, sd: ArrayLike, level: float = 0.95) -> float:
    r"""Fraction of locations whose truth lies in the central interval $\mu_i \pm z\, s_i$.

    Parameters
    ----------
    truth, mean, sd : array_like of shape (n,)
        The latent function, and the predictive means and standard deviations (> 0).
    level : float, default 0.95
        Nominal probability of the interval.

    Returns
    -------
    float
        In [0, 1].
    """
    truth, mean, sd = _checked(truth, mean, sd)
    return float(np.mean(np.abs(truth - mean) <= interval_z(level) * sd))


def nlpd(truth: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> float:
    r"""Mean negative log density of the truth under $\mathcal{N}(\mu_i, s_i^2)$.

    $$
    \tfrac1n \textstyle\sum_i \left[\tfrac12 \log(2\pi s_i^2) + \tfrac{(f_i - \mu_i)^2}{2 s_i^2}\right]
    $$

    Parameters
    ----------
    truth, mean, sd : array_like of shape (n,)
        The latent function, and the predictive means and standard deviations (> 0).

    Returns
    -------
    float
        Lower is better.
    """
    truth, mean, sd = _checked(truth, mean, sd)
    return float(np.mean(0.5 * np.log(2 * math.pi * sd**2) + (truth - mean) ** 2 / (2 * sd**2)))


def crps(truth: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> float:
    r"""Mean continuous ranked probability score of $\mathcal{N}(\mu_i, s_i^2)$ at the truth.

    $$
    \text{CRPS} = s\left[z\,(2\Phi(z) - 1) + 2\varphi(z) - \tfrac{1}{\sqrt\pi}\right],
    \qquad z = \frac{f - \mu}{s}
    $$

    Parameters
    ----------
    truth, mean, sd : array_like of shape (n,)
        The latent function, and the predictive means and standard deviations (> 0).

    Returns
    -------
    float
        In the units of the function; lower is better. With `sd` tending to 0 it becomes the
        mean absolute error.
    """
    truth, mean, sd = _checked(truth, mean, sd)
    z = (truth - mean) / sd
    return float(np.mean(sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))))
