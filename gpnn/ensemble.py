r"""A deep ensemble: the same network trained from several random initialisations.

The GP gives a whole posterior distribution; one trained network gives a single curve. Training
the same network from $m$ initialisations and reading the members' spread as uncertainty
(Lakshminarayanan et al., 2017) gives a distribution of a kind:

$$
\bar y(x) = \frac1m \sum_{j=1}^m \hat y_j(x), \qquad
s(x)^2 = \frac{1}{m - 1} \sum_{j=1}^m \big(\hat y_j(x) - \bar y(x)\big)^2 .
$$

The spread measures how much the fit depends on where training started, not the posterior
uncertainty about the function: where every member extrapolates the same way, the spread is
small whether or not the extrapolation is right.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import check_int


def summary(predictions: ArrayLike, size: int | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Mean and standard deviation (with $m - 1$ in the denominator) of the first `size` members.

    Parameters
    ----------
    predictions : array_like of shape (m, n)
        Each member's predictions at the same `n` locations.
    size : int, optional
        Use the first `size` members (at least 2); by default all of them.

    Returns
    -------
    mean : ndarray of shape (n,)
        The members' mean at each location.
    sd : ndarray of shape (n,)
        Their standard deviation at each location.
    """
    array = np.asarray(predictions, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 2:
        raise ValueError(
            f"Argument 'predictions' must have shape (m, n) with m >= 2 members, but predictions.shape = {array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError("Argument 'predictions' must hold finite values only, but it holds NaN or inf.")
    size = array.shape[0] if size is None else check_int("size", size, minimum=2, maximum=array.shape[0])
    members = array[:size]
    return members.mean(axis=0), members.std(axis=0, ddof=1)
