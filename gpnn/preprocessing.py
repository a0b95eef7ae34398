r"""Putting inputs on a common scale before fitting.

As in linear regression, a network trains far better on centred, unit-scale predictors:
with raw $x \in [-50, 50)$ the first layer's pre-activations are in the tens and plain
gradient descent at a fixed learning rate oscillates or stalls.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import _show


def standardize(x: ArrayLike) -> NDArray[np.float64]:
    r"""Z-score each column: subtract the mean and divide by the standard deviation.

    $$
    \tilde x_i = \frac{x_i - \bar x}{s}, \qquad
    s = \sqrt{\tfrac{1}{n}\textstyle\sum_i (x_i - \bar x)^2}
    $$

    The standard deviation uses $1/n$ (numpy's default, `ddof=0`).

    Parameters
    ----------
    x : array_like of shape (n,) or (n, p)
        Finite values; each column must vary.

    Returns
    -------
    ndarray of the same shape as x
        Columns with mean 0 and standard deviation 1.
    """
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Argument 'x' must be an array of numbers, but x = {_show(x)}.") from error
    if array.ndim not in (1, 2) or array.shape[0] < 2:
        raise ValueError(f"Argument 'x' must be 1-D or 2-D with at least 2 rows, but x.shape = {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError("Argument 'x' must hold finite values only, but it holds NaN or inf.")
    scale = array.std(axis=0)
    if np.any(scale == 0):
        raise ValueError(f"Argument 'x' must vary within each column, but its standard deviation is {scale!r}.")
    standardized: NDArray[np.float64] = (array - array.mean(axis=0)) / scale
    return standardized
