r"""The same network and training loop in plain NumPy, gradients by hand.

Forward and backward passes follow [`gpnn.backprop`][] formula for formula, in float32 with the
loss in float64, as the torch version does. The arithmetic is the same but the matrix products
are not: NumPy calls its own BLAS, which adds the terms of each dot product in another order.
Float32 sums in another order differ in the last bits, and training amplifies such differences,
so the two trajectories agree closely at first and drift apart later.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from gpnn.network import Params, check_params
from gpnn.training import Trainer


class NumpyGradientDescent(Trainer):
    r"""Full-batch gradient descent on the RMSE, forward and backward passes written in NumPy.

    $$
    \delta_{D+1} = -\frac{r}{nJ}, \quad \nabla W_\ell = h_{\ell-1}^\top \delta_\ell, \quad
    \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot [h_{\ell-1} > 0]
    $$

    Keeps the [`Trainer`][gpnn.training.Trainer] contract. The weights and biases are NumPy
    copies of `params` (the tensors passed in are not changed);
    [`parameters`][gpnn.numpy_net.NumpyGradientDescent.parameters] returns them as tensors.

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs, used as float32.
    y : Tensor or array_like of shape (n, 1) or (n,)
        Targets, used in their own precision (float64 from NumPy).
    params : Params
        Initial parameters, e.g. from [`gpnn.init_params`][gpnn.network.init_params]; copied.
    lr : float
        Learning rate, > 0.

    Attributes
    ----------
    W : list of ndarray
        Current weight matrices, float32, `W[l]` of shape `(H_{l-1}, H_l)`.
    b : list of ndarray
        Current bias vectors, float32, `b[l]` of shape `(H_l,)`.
    """

    def __init__(self, x: Any, y: Any, params: Params, lr: float) -> None:
        params = check_params(params)
        weights = params.weights
        super().__init__(x, y, lr, n_inputs=weights[0].shape[0], n_outputs=weights[-1].shape[1], dtype=torch.float32)
        self.W = [t.detach().numpy().astype(np.float32) for t in params.weights]  # copies, (H_{l-1}, H_l)
        self.b = [t.detach().numpy().astype(np.float32) for t in params.biases]  # copies, (H_l,)
        self._inputs = self.x.numpy()  # (n, J), float32
        self._targets = self.y.numpy()  # (n, 1)
        with np.errstate(over="ignore"):  # a rate beyond float32's range is caught as divergence
            self._lr = np.float32(self.lr)

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        # One BLAS thread: for matrices this small threads only wait on each other, and a fixed
        # count gives the same rounding, hence the same trajectory, however busy the machine is.
        # Overflow is reported by the divergence rule, not by NumPy's warnings.
        with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
            yield

    def epoch(self) -> float:
        """One epoch: forward, loss, backward and update, layer by layer from the output.

        Returns
        -------
        float
            The loss before the update.
        """
        W, b, n = self.W, self.b, self._inputs.shape[0]
        h = [self._inputs]
        for layer in range(len(W) - 1):
            h.append(np.maximum(h[-1] @ W[layer] + b[layer], np.float32(0)))  # (n, H_l)
        prediction = h[-1] @ W[-1] + b[-1]  # (n, 1)
        self.predictions = torch.from_numpy(prediction)
        residual = self._targets - prediction  # (n, 1), float64
        loss = float(np.sqrt(np.mean(residual**2)))
        self._stop_if_diverged(loss)
        delta = (-(2.0 * residual) * ((1.0 / (2 * loss)) / n)).astype(np.float32)  # dJ/dy_hat
        for layer in reversed(range(len(W))):
            grad_W = h[layer].T @ delta  # (H_{l-1}, H_l)
            grad_b = delta.sum(axis=0)  # (H_l,)
            if layer > 0:
                delta = np.where(h[layer] > 0, delta @ W[layer].T, np.float32(0))  # (n, H_{l-1})
            W[layer] -= grad_W * self._lr
            b[layer] -= grad_b * self._lr
        self._completed(loss, all(np.isfinite(a).all() for a in (*W, *b)))
        return loss

    def parameters(self) -> Params:
        """The current weights and biases as float32 tensors (copies).

        Returns
        -------
        Params
            New tensors with the values of `W` and `b`: later training does not
            change them.
        """
        return Params(tuple(torch.tensor(w) for w in self.W), tuple(torch.tensor(v) for v in self.b))
