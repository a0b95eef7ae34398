r"""Training by plain (full-batch) gradient descent, every step written out.

One epoch is four steps:

1. predict and score: :math:`\hat y = f(X; \theta)`, :math:`L = \text{RMSE}(y, \hat y)`;
2. differentiate: :math:`\nabla_\theta L` by backpropagation (``loss.backward()``);
3. adjust: :math:`\theta \leftarrow \theta - \alpha \nabla_\theta L`, with learning rate :math:`\alpha`;
4. zero the gradients, because torch adds each new gradient to the stored one.

This is the same iteration one could use to fit a linear regression by least squares, only the
gradient comes from the chain rule through every layer instead of from
:math:`X^\top(X\beta - y)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gpnn._validation import check_int, check_real, check_same_length, check_tensor
from gpnn.loss import _rmse
from gpnn.network import Params, _forward, check_params


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite during training."""


class GradientDescent:
    r"""Full-batch gradient descent on the RMSE of a :func:`gpnn.forward` network.

    .. math:: \theta_{t+1} = \theta_t - \alpha\, \nabla_\theta\, \text{RMSE}\big(y, f(X; \theta_t)\big)

    The parameters are updated in place, so the tensors passed in hold the trained values.

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs; a 1-D ``x`` is taken as one column. Converted to the parameters' dtype.
    y : Tensor or array_like of shape (n, 1) or (n,)
        Targets; a 1-D ``y`` is taken as one column. Its dtype is kept: float64 targets (as
        from numpy) make the loss and its first gradient float64, as in the reference recipe.
    params : Params
        From :func:`gpnn.init_params`; leaf tensors with ``requires_grad=True``.
    lr : float
        Learning rate :math:`\alpha > 0`.

    Attributes
    ----------
    loss_history : list of float
        The loss at each epoch, computed before that epoch's update.
    predictions : Tensor of shape (n, 1) or None
        Predictions from the latest epoch's forward pass (the ones ``loss_history[-1]`` scores).
    snapshots : list of (int, Tensor)
        ``(epoch, predictions)`` kept by :meth:`train` every ``snapshot_every`` epochs.

    Examples
    --------
    >>> import torch, gpnn
    >>> x = torch.linspace(-1, 1, 20)
    >>> opt = gpnn.GradientDescent(x, x**2, gpnn.init_params(1, [8], seed=0), lr=0.05)
    >>> opt.train(100)
    >>> opt.loss_history[-1] < opt.loss_history[0]
    True
    """

    def __init__(self, x: Any, y: Any, params: Params, lr: float) -> None:
        self.params = check_params(params)
        for tensor in (*self.params.weights, *self.params.biases):
            if not (tensor.is_leaf and tensor.requires_grad):
                raise ValueError(
                    "Argument 'params' must hold leaf tensors with requires_grad=True "
                    "(as gpnn.init_params returns), but one does not."
                )
        dtype = self.params.weights[0].dtype
        self.x = _as_column_tensor("x", x, dtype=dtype)  # (n, J)
        self.y = _as_column_tensor("y", y, dtype=None)  # (n, 1)
        check_same_length("x", self.x, "y", self.y)
        if self.x.shape[1] != self.params.weights[0].shape[0]:
            raise ValueError(
                f"Argument 'x' must have {self.params.weights[0].shape[0]} column(s) to match 'params', "
                f"but x.shape = {tuple(self.x.shape)}."
            )
        if self.y.shape[1] != self.params.weights[-1].shape[1]:
            raise ValueError(
                f"Argument 'y' must have {self.params.weights[-1].shape[1]} column(s) to match 'params', "
                f"but y.shape = {tuple(self.y.shape)}."
            )
        self.lr = check_real("lr", lr, positive=True)
        self.loss_history: list[float] = []
        self.predictions: torch.Tensor | None = None
        self.snapshots: list[tuple[int, torch.Tensor]] = []

    def compute_loss(self) -> float:
        r"""Steps 1 and 2: predict, score with the RMSE, and backpropagate.

        Records the loss in :attr:`loss_history` and the predictions in :attr:`predictions`,
        and leaves :math:`\nabla_\theta L` in each parameter's ``.grad``.

        Returns
        -------
        float
            The loss :math:`L` at the current parameters.
        """
        y_hat = _forward(self.x, self.params)  # (n, 1)
        loss = _rmse(self.y, y_hat)  # ()
        loss.backward()  # type: ignore[no-untyped-call]
        value = loss.item()
        self.loss_history.append(value)
        self.predictions = y_hat.detach().clone()
        return value

    def adjust(self) -> None:
        r"""Step 3: move every parameter against its gradient, :math:`\theta \leftarrow \theta - \alpha g`."""
        # no_grad because the parameters require gradients and this update must not be recorded.
        with torch.no_grad():
            for W, b in zip(self.params.weights, self.params.biases, strict=True):
                W -= W.grad * self.lr  # type: ignore[operator]
                b -= b.grad * self.lr  # type: ignore[operator]

    def zero_grad(self) -> None:
        """Step 4: reset the gradients, which ``backward`` would otherwise accumulate."""
        for W, b in zip(self.params.weights, self.params.biases, strict=True):
            W.grad.zero_()  # type: ignore[union-attr]
            b.grad.zero_()  # type: ignore[union-attr]

    def epoch(self) -> float:
        """One full step: :meth:`compute_loss`, :meth:`adjust`, :meth:`zero_grad`.

        Returns
        -------
        float
            The loss before the update.

        Raises
        ------
        TrainingDivergedError
            If the loss is NaN or infinite; the parameters are left as they were.
        """
        loss = self.compute_loss()
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"The loss became {loss} at epoch {len(self.loss_history)}; "
                f"try a smaller learning rate than lr = {self.lr!r}."
            )
        self.adjust()
        self.zero_grad()
        return loss

    def train(
        self, n_epochs: int, callback: Callable[[int, float], None] | None = None, snapshot_every: int = 0
    ) -> None:
        """Run ``n_epochs`` epochs.

        Parameters
        ----------
        n_epochs : int
            Number of epochs, >= 0.
        callback : callable, optional
            Called as ``callback(epoch, loss)`` after each epoch (``epoch`` counts from 1),
            for instance to drive a progress bar.
        snapshot_every : int, default 0
            If positive, keep ``(epoch, predictions)`` in :attr:`snapshots` at every epoch
            divisible by it.
        """
        n_epochs = check_int("n_epochs", n_epochs, minimum=0)
        snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
        for _ in range(n_epochs):
            loss = self.epoch()
            epoch = len(self.loss_history)
            if snapshot_every and epoch % snapshot_every == 0 and self.predictions is not None:
                self.snapshots.append((epoch, self.predictions))
            if callback is not None:
                callback(epoch, loss)


def _as_column_tensor(name: str, value: Any, dtype: torch.dtype | None) -> torch.Tensor:
    """Tensor of shape (n, k) from a tensor or array of shape (n,) or (n, k)."""
    if not isinstance(value, torch.Tensor):
        try:
            value = torch.as_tensor(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"Argument '{name}' must be a tensor or array of numbers, but {name} = {value!r}."
            ) from error
    if value.ndim == 1:
        value = value[:, None]
    check_tensor(name, value, ndim=2)
    if value.shape[0] == 0:
        raise ValueError(f"Argument '{name}' must hold at least one row, but {name}.shape = {tuple(value.shape)}.")
    return value if dtype is None else value.to(dtype)  # type: ignore[no-any-return]
