r"""The same network and training loop in plain NumPy, gradients by hand.

Forward and backward passes follow :mod:`gpnn.backprop` formula for formula, in float32 with the
loss in float64, as the torch version does. The arithmetic is the same but the matrix products
are not: NumPy calls its own BLAS, which adds the terms of each dot product in another order.
Float32 sums in another order differ in the last bits, and training amplifies such differences,
so the two trajectories agree closely at first and drift apart later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from gpnn._validation import check_int, check_real, check_same_length, check_vector


class NumpyRun(NamedTuple):
    """Result of :func:`train_numpy`."""

    loss_history: NDArray[np.float64]
    """Loss at each epoch, before that epoch's update."""
    predictions: NDArray[np.float32]
    """Predictions of the last epoch's forward pass, shape (n,)."""
    weights: tuple[NDArray[np.float32], ...]
    biases: tuple[NDArray[np.float32], ...]


def train_numpy(
    x: ArrayLike,
    y: ArrayLike,
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    lr: float,
    n_epochs: int,
) -> NumpyRun:
    r"""Full-batch gradient descent on the RMSE, forward and backward passes written in NumPy.

    .. math:: \delta_{L+1} = -\frac{r}{nL}, \quad \nabla W_\ell = h_{\ell-1}^\top \delta_\ell, \quad
              \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot [h_{\ell-1} > 0]

    Parameters
    ----------
    x : array_like of shape (n,)
        Inputs (one predictor), used as float32.
    y : array_like of shape (n,)
        Targets, used as float64.
    weights, biases : sequences of array_like
        Initial parameters, e.g. ``[W.detach().numpy() for W in params.weights]``; copied.
    lr : float
        Learning rate, > 0.
    n_epochs : int
        Number of epochs, >= 0.

    Returns
    -------
    NumpyRun
    """
    inputs = check_vector("x", x).astype(np.float32)[:, None]  # (n, 1)
    targets = check_vector("y", y)[:, None]  # (n, 1), float64
    check_same_length("x", inputs, "y", targets)
    lr = check_real("lr", lr, positive=True)
    n_epochs = check_int("n_epochs", n_epochs, minimum=0)
    W = [np.array(w, dtype=np.float32) for w in weights]
    b = [np.array(v, dtype=np.float32) for v in biases]
    if len(W) != len(b) or not W or W[0].shape[0] != 1:
        raise ValueError("Arguments 'weights' and 'biases' must describe a network with one input.")
    losses = np.empty(n_epochs)
    # One BLAS thread: for matrices this small threads only wait on each other, and a fixed
    # count gives the same rounding, hence the same trajectory, however busy the machine is.
    with threadpool_limits(limits=1, user_api="blas"):
        prediction = _train(inputs, targets, W, b, np.float32(lr), losses)
    return NumpyRun(losses, prediction[:, 0], tuple(W), tuple(b))


def _train(
    inputs: NDArray[np.float32],
    targets: NDArray[np.float64],
    W: list[NDArray[np.float32]],
    b: list[NDArray[np.float32]],
    lr: np.float32,
    losses: NDArray[np.float64],
) -> NDArray[np.float32]:
    """Train ``W`` and ``b`` in place, writing each epoch's loss into ``losses``."""
    n = inputs.shape[0]
    prediction = np.zeros((n, 1), dtype=np.float32)
    for epoch in range(losses.size):
        h = [inputs]
        for layer in range(len(W) - 1):
            h.append(np.maximum(h[-1] @ W[layer] + b[layer], np.float32(0)))  # (n, H_l)
        prediction = h[-1] @ W[-1] + b[-1]  # (n, 1)
        residual = targets - prediction  # (n, 1), float64
        loss = np.sqrt(np.mean(residual**2))
        losses[epoch] = loss
        delta = (-(2.0 * residual) * ((1.0 / (2 * loss)) / n)).astype(np.float32)  # dL/dy_hat
        for layer in reversed(range(len(W))):
            grad_W = h[layer].T @ delta  # (H_{l-1}, H_l)
            grad_b = delta.sum(axis=0)  # (H_l,)
            if layer > 0:
                delta = np.where(h[layer] > 0, delta @ W[layer].T, np.float32(0))  # (n, H_{l-1})
            W[layer] -= grad_W * lr
            b[layer] -= grad_b * lr
    return prediction
