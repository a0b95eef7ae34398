r"""Training by plain (full-batch) gradient descent, every step written out.

One epoch is four steps:

1. predict and score: $\hat y = f(X; \theta)$, $J = \text{RMSE}(y, \hat y)$;
2. differentiate: $\nabla_\theta J$ by backpropagation (`loss.backward()`);
3. adjust: $\theta \leftarrow \theta - \alpha \nabla_\theta J$, with learning rate $\alpha$;
4. zero the gradients, because torch adds each new gradient to the stored one.

This is the same iteration one could use to fit a linear regression by least squares, only the
gradient comes from the chain rule through every layer instead of from
$X^\top(X\beta - y)$.

Every trainer of the package ([`GradientDescent`][gpnn.training.GradientDescent] here,
[`FastGradientDescent`][gpnn.fast_training.FastGradientDescent],
[`NumpyGradientDescent`][gpnn.numpy_net.NumpyGradientDescent] and
[`ModuleTrainer`][gpnn.established.ModuleTrainer]) keeps the contract of
[`Trainer`][gpnn.training.Trainer].
"""

from __future__ import annotations

import abc
import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch

from gpnn._validation import check_int, check_real, check_same_length, check_tensor
from gpnn.loss import _rmse
from gpnn.network import Params, _forward, check_params

DIVERGENCE_FACTOR = 100.0
"""Training has diverged once the loss exceeds this multiple of the first loss it recorded.

Gradient descent with a workable learning rate lowers the loss; a loss a hundred times its
starting value means the steps overshoot. Checking only for NaN or infinity is not enough: with
a learning rate far too large the loss can jump by twenty orders of magnitude and then settle
at finite values with every ReLU dead.
"""


class TrainingDivergedError(FloatingPointError):
    """Training diverged: the loss became NaN, infinite or far above its first, or a parameter not finite.

    Parameters
    ----------
    message : str
        What happened, naming the epoch.
    epoch : int
        The epoch (counting from 1) at which the divergence was detected.

    Attributes
    ----------
    epoch : int
        The epoch (counting from 1) at which the divergence was detected.
    """

    def __init__(self, message: str, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled across process boundaries (parallel sweeps) with both arguments.
        return (type(self), (str(self), self.epoch))


class Trainer(abc.ABC):
    r"""The contract every trainer keeps: same inputs, same loop, same bookkeeping, same failures.

    Subclasses implement one epoch ([`epoch`][gpnn.training.Trainer.epoch]) and a copy of the
    current parameters ([`parameters`][gpnn.training.Trainer.parameters]); the loop, the checks
    and the records live here, once.

    * **Data.** `x` of shape (n, J) or (n,) and `y` of shape (n, k) or (n,), finite, with
      the same number of rows; checked by `__init__` and kept as tensors `x` (in the
      parameters' dtype) and `y` (in its own dtype: float64 targets make the loss float64).
    * **One epoch** $e$ (counting from 1) runs the forward pass at the parameters
      $\theta_{e-1}$, computes the loss $J_e$ and checks it, then updates the
      parameters to $\theta_e$ and appends $J_e$ to `loss_history`. So
      `loss_history[i]` is the loss of the parameters after `i` updates, and the length of
      `loss_history` is the number of updates applied.
    * **Divergence.** If $J_e$ is NaN or infinite, or larger than
      [`DIVERGENCE_FACTOR`][gpnn.training.DIVERGENCE_FACTOR] times `loss_history[0]`, the epoch
      appends $J_e$, applies no update and raises
      [`TrainingDivergedError`][gpnn.training.TrainingDivergedError] naming epoch $e$; if the
      update leaves a parameter NaN or infinite, it appends $J_e$ and raises the same way.
    * **Callbacks** `callback(epoch, loss)` run after each completed epoch. If one raises
      (a progress bar interrupted by Ctrl-C, say), the parameters, `loss_history`,
      `predictions` and `snapshots` describe exactly the epochs completed, and a
      later [`train`][gpnn.training.Trainer.train] continues as if never interrupted.
    * **Snapshots.** With `snapshot_every = s > 0`, epoch $e$ divisible by $s$
      keeps `(e, parameters())` in `snapshots`: the parameters of that epoch's forward
      pass, $\theta_{e-1}$, whose predictions `loss_history[e - 1]` scores.

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs; a 1-D `x` is one column. Converted to `dtype`.
    y : Tensor or array_like of shape (n, k) or (n,)
        Targets; a 1-D `y` is one column. Its dtype is kept.
    lr : float
        Learning rate $\alpha > 0$.
    n_inputs, n_outputs : int
        Columns the parameters expect of `x` and `y`.
    dtype : torch.dtype
        The parameters' dtype.

    Attributes
    ----------
    x : Tensor of shape (n, J)
        The inputs, in the parameters' dtype.
    y : Tensor of shape (n, k)
        The targets, in their own dtype.
    lr : float
        The learning rate $\alpha$.
    loss_history : list of float
        The loss of each completed epoch, computed before that epoch's update.
    predictions : Tensor of shape (n, k) or None
        The outputs of the latest forward pass (the ones the latest loss scores).
    snapshots : list of (int, Params)
        `(epoch, parameters)` kept by [`train`][gpnn.training.Trainer.train].
    """

    def __init__(self, x: Any, y: Any, lr: float, *, n_inputs: int, n_outputs: int, dtype: torch.dtype) -> None:
        self.x = _as_column_tensor("x", x, dtype=dtype)  # (n, J)
        self.y = _as_column_tensor("y", y, dtype=None)  # (n, k)
        check_same_length("x", self.x, "y", self.y)
        if self.x.shape[1] != n_inputs:
            raise ValueError(
                f"Argument 'x' must have {n_inputs} column(s) to match 'params', but x.shape = {tuple(self.x.shape)}."
            )
        if self.y.shape[1] != n_outputs:
            raise ValueError(
                f"Argument 'y' must have {n_outputs} column(s) to match 'params', but y.shape = {tuple(self.y.shape)}."
            )
        self.lr = check_real("lr", lr, positive=True)
        largest = torch.finfo(dtype).max
        if self.lr > largest:
            raise ValueError(
                f"Argument 'lr' must be at most {largest:g}, the largest {str(dtype).removeprefix('torch.')} value, "
                f"but lr = {self.lr!r}."
            )
        self.loss_history: list[float] = []
        self.predictions: torch.Tensor | None = None
        self.snapshots: list[tuple[int, Params]] = []

    @abc.abstractmethod
    def epoch(self) -> float:
        """One epoch: forward pass, loss, `_stop_if_diverged`, update, `_completed`.

        Returns
        -------
        float
            The loss before the update.
        """

    @abc.abstractmethod
    def parameters(self) -> Params:
        """A copy of the current weights and biases, as torch tensors.

        The layout is that of [`gpnn.forward`][gpnn.network.forward].

        Returns
        -------
        Params
            Detached copies: later training does not change them.
        """

    def train(
        self, n_epochs: int, callback: Callable[[int, float], None] | None = None, snapshot_every: int = 0
    ) -> None:
        """Run `n_epochs` epochs.

        Parameters
        ----------
        n_epochs : int
            Number of epochs, >= 0.
        callback : callable, optional
            Called as `callback(epoch, loss)` after each epoch (`epoch` counts from 1 over
            the trainer's whole life), for instance to drive a progress bar.
        snapshot_every : int, default 0
            If positive, keep `(epoch, parameters())` in `snapshots` at every epoch
            divisible by it, with the parameters of that epoch's forward pass.

        Raises
        ------
        TrainingDivergedError
            As described in the class documentation.
        """
        n_epochs = check_int("n_epochs", n_epochs, minimum=0)
        snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
        if callback is not None and not callable(callback):
            raise TypeError(f"Argument 'callback' must be callable, but callback = {callback!r}.")
        if n_epochs == 0:
            return
        with self._session():
            for _ in range(n_epochs):
                epoch = len(self.loss_history) + 1
                if snapshot_every and epoch % snapshot_every == 0:
                    self.snapshots.append((epoch, self.parameters()))
                loss = self.epoch()
                if callback is not None:
                    callback(epoch, loss)

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        """Set-up and tear-down around a call of `train` (threads, buffers); none by default."""
        yield

    def _stop_if_diverged(self, loss: float) -> None:
        """Raise `TrainingDivergedError` if `loss`, about to be recorded, shows divergence."""
        first = self.loss_history[0] if self.loss_history else loss
        if math.isfinite(loss) and loss <= DIVERGENCE_FACTOR * first:
            return
        self.loss_history.append(loss)
        epoch = len(self.loss_history)
        what = f"became {loss}" if not math.isfinite(loss) else f"grew to {loss:.6g}, over {DIVERGENCE_FACTOR:g} times"
        start = "" if not math.isfinite(loss) else f" its first value {first:.6g}"
        raise TrainingDivergedError(
            f"Training diverged at epoch {epoch}: the loss {what}{start}; "
            f"try a smaller learning rate than lr = {self.lr!r}.",
            epoch,
        )

    def _completed(self, loss: float, parameters_finite: bool) -> None:
        """Record the loss of an epoch whose update is applied; raise if a parameter is no longer finite."""
        self.loss_history.append(loss)
        if not parameters_finite:
            epoch = len(self.loss_history)
            raise TrainingDivergedError(
                f"Training diverged at epoch {epoch}: the update made a parameter NaN or infinite; "
                f"try a smaller learning rate than lr = {self.lr!r}.",
                epoch,
            )


class GradientDescent(Trainer):
    r"""Full-batch gradient descent on the RMSE of a [`gpnn.forward`][gpnn.network.forward] network, with autograd.

    $$
    \theta_{t+1} = \theta_t - \alpha\, \nabla_\theta\, \text{RMSE}\big(y, f(X; \theta_t)\big)
    $$

    The parameters are updated in place, so the tensors passed in hold the trained values. The
    contract of [`Trainer`][gpnn.training.Trainer] applies (loss history, divergence, callbacks,
    snapshots).

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs; a 1-D `x` is taken as one column. Converted to the parameters' dtype.
    y : Tensor or array_like of shape (n, 1) or (n,)
        Targets; a 1-D `y` is taken as one column. Its dtype is kept: float64 targets (as
        from numpy) make the loss and its first gradient float64, as in the reference recipe.
    params : Params
        From [`gpnn.init_params`][gpnn.network.init_params]; leaf tensors with `requires_grad=True`.
    lr : float
        Learning rate $\alpha > 0$.

    Attributes
    ----------
    params : Params
        The parameters being trained: the caller's tensors, updated in place.

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
        weights = self.params.weights
        super().__init__(x, y, lr, n_inputs=weights[0].shape[0], n_outputs=weights[-1].shape[1], dtype=weights[0].dtype)

    def compute_loss(self) -> float:
        r"""Steps 1 and 2: predict, score with the RMSE, and backpropagate.

        Keeps the predictions in `predictions` and leaves $\nabla_\theta J$ in each
        parameter's `.grad`.

        Returns
        -------
        float
            The loss $J$ at the current parameters.

        Raises
        ------
        TrainingDivergedError
            If the loss shows divergence; no gradient is computed then.
        """
        y_hat = _forward(self.x, self.params)  # (n, 1)
        loss = _rmse(self.y, y_hat)  # ()
        self.predictions = y_hat.detach()
        self._stop_if_diverged(loss.item())
        loss.backward()  # type: ignore[no-untyped-call]
        return loss.item()

    def adjust(self) -> None:
        r"""Step 3: move every parameter against its gradient, $\theta \leftarrow \theta - \alpha g$."""
        # no_grad because the parameters require gradients and this update must not be recorded.
        with torch.no_grad():
            for W, b in zip(self.params.weights, self.params.biases, strict=True):
                W -= W.grad * self.lr  # type: ignore[operator]
                b -= b.grad * self.lr  # type: ignore[operator]

    def zero_grad(self) -> None:
        """Step 4: reset the gradients, which `backward` would otherwise accumulate."""
        for W, b in zip(self.params.weights, self.params.biases, strict=True):
            W.grad.zero_()  # type: ignore[union-attr]
            b.grad.zero_()  # type: ignore[union-attr]

    def epoch(self) -> float:
        """One full step: compute the loss, adjust the parameters, zero the gradients.

        That is [`compute_loss`][gpnn.training.GradientDescent.compute_loss], then
        [`adjust`][gpnn.training.GradientDescent.adjust], then
        [`zero_grad`][gpnn.training.GradientDescent.zero_grad].

        Returns
        -------
        float
            The loss before the update.

        Raises
        ------
        TrainingDivergedError
            If the loss shows divergence (the parameters are left as they were), or the update
            made a parameter NaN or infinite.
        """
        loss = self.compute_loss()
        self.adjust()
        self.zero_grad()
        self._completed(loss, _all_finite(self.params.weights + self.params.biases))
        return loss

    def parameters(self) -> Params:
        """A detached copy of the current weights and biases.

        Returns
        -------
        Params
            New tensors, without gradients: later training does not change them.
        """
        return Params(*(tuple(t.detach().clone() for t in group) for group in self.params))


def _all_finite(tensors: Iterable[torch.Tensor]) -> bool:
    """Whether every value of every tensor is finite: the largest absolute value of each, in one call."""
    largest = torch._foreach_norm([t.detach() for t in tensors], math.inf)
    return bool(torch.isfinite(torch.stack(largest)).all())


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
