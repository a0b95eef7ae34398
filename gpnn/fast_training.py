r"""A faster trainer that gives exactly the same numbers as [`GradientDescent`][gpnn.training.GradientDescent].

For matrices this small, most of an epoch of the readable trainer is spent not on arithmetic but
on per-operation bookkeeping: building autograd's graph, allocating every intermediate, and
updating fourteen parameter tensors one by one.
[`FastGradientDescent`][gpnn.fast_training.FastGradientDescent] keeps the arithmetic and drops
the bookkeeping:

* the gradients come from the hand-derived backward pass of [`gpnn.backprop`][], evaluated
  with the same torch operations in the same order and precision as autograd, so they are
  bit-for-bit autograd's;
* every intermediate lives in a buffer allocated once, written with `out=` and in-place ops;
* all weights and biases are views into one flat tensor, and so are their gradients, so the
  update $\theta \leftarrow \theta - \alpha g$ is two operations for the whole network
  (elementwise, hence identical to updating tensor by tensor);
* it runs on one thread.

The loss history, the predictions and the trained parameters equal those of
[`GradientDescent`][gpnn.training.GradientDescent], bit for bit, and it keeps the same
[`Trainer`][gpnn.training.Trainer] contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from gpnn._threads import single_thread
from gpnn.backprop import _column_major
from gpnn.network import Params, check_params
from gpnn.training import Trainer


class FastGradientDescent(Trainer):
    """[`GradientDescent`][gpnn.training.GradientDescent]'s algorithm, faster and exactly equal.

    Takes the same arguments. The caller's weight and bias tensors are rebound, on
    construction, to views of one flat buffer (their values unchanged), so they hold the
    current parameters after every epoch, as with the readable trainer, and the whole update
    is one operation.

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs, converted to the parameters' dtype.
    y : Tensor or array_like of shape (n, 1) or (n,)
        Targets; their dtype is kept.
    params : Params
        From [`gpnn.init_params`][gpnn.network.init_params].
    lr : float
        Learning rate, > 0.

    Attributes
    ----------
    params : Params
        The caller's tensors, holding the current parameters after every epoch.
    """

    def __init__(self, x: Any, y: Any, params: Params, lr: float) -> None:
        self.params = check_params(params)
        weights, biases = self.params
        super().__init__(x, y, lr, n_inputs=weights[0].shape[0], n_outputs=weights[-1].shape[1], dtype=weights[0].dtype)
        tensors = [t for pair in zip(weights, biases, strict=True) for t in pair]
        n, dtype = self.x.shape[0], weights[0].dtype
        self._flat = torch.cat([t.detach().reshape(-1) for t in tensors])  # every parameter, (P,)
        self._grad = torch.zeros_like(self._flat)  # every gradient, (P,)
        self._step = torch.empty_like(self._flat)  # lr * gradient, (P,)
        views, grads, offset = [], [], 0
        for t in tensors:
            views.append(self._flat[offset : offset + t.numel()].view(t.shape))
            grads.append(self._grad[offset : offset + t.numel()].view(t.shape))
            t.data = views[-1]  # the caller's tensor now shares the buffer
            offset += t.numel()
        self._W, self._b, self._dW, self._db = views[0::2], views[1::2], grads[0::2], grads[1::2]
        self._column_major = [_column_major(w) for w in self._W]
        self._h = [self.x] + [torch.empty(n, w.shape[1], dtype=dtype) for w in self._W]  # h[0] = X, h[-1] = y_hat
        self._d_in = [torch.empty(n, w.shape[0], dtype=dtype) for w in self._W]  # dJ/dh_{l-1}
        self._residual = torch.empty(n, weights[-1].shape[1], dtype=torch.promote_types(self.y.dtype, dtype))
        self._square = torch.empty_like(self._residual)
        self._delta_out = torch.empty(n, weights[-1].shape[1], dtype=dtype)

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        with single_thread():
            yield

    def epoch(self) -> float:
        """One epoch in the preallocated buffers: forward, loss, backward, update.

        Returns
        -------
        float
            The loss before the update.

        Raises
        ------
        TrainingDivergedError
            Under the [`Trainer`][gpnn.training.Trainer] contract's rule.
        """
        with torch.no_grad():
            loss = self._forward_loss()
            self._stop_if_diverged(loss)
            self._backward(loss)
            torch.mul(self._grad, self.lr, out=self._step)  # alpha g, for every parameter at once
            self._flat.sub_(self._step)  # theta <- theta - alpha g
            finite = bool(torch.isfinite(self._flat).all())
        self._completed(loss, finite)
        return loss

    def _forward_loss(self) -> float:
        """Forward pass and RMSE, as `gpnn.forward` and `gpnn.rmse` compute them."""
        h, n_layers = self._h, len(self._W)
        for layer in range(n_layers):
            torch.mm(h[layer], self._W[layer], out=h[layer + 1])  # z = h W
            h[layer + 1].add_(self._b[layer])  # z + b
            if layer < n_layers - 1:
                torch.relu_(h[layer + 1])
        self.predictions = h[-1].clone()
        torch.sub(self.y, h[-1], out=self._residual)  # r = y - y_hat, in the targets' precision
        torch.pow(self._residual, 2, out=self._square)
        return self._square.mean().sqrt().item()  # J = sqrt(mean(r^2))

    def _backward(self, loss: float) -> None:
        """Gradients of every parameter into the flat gradient buffer (see [`gpnn.backprop`][])."""
        h, n = self._h, self._residual.shape[0]
        # dJ/dy_hat = -(1 / (2J)) (1 / n) 2r: Python floats are IEEE doubles, so these scalar
        # factors round as torch's do in gpnn.backprop.rmse_gradient; scaling by -2 is exact.
        self._residual.mul_(-2.0 * ((1.0 / (2 * loss)) / n))
        self._delta_out.copy_(self._residual)  # rounded to the parameters' dtype, as autograd does
        delta = self._delta_out
        for layer in reversed(range(len(self._W))):
            if self._column_major[layer]:  # see "Exactness" in gpnn.backprop
                self._dW[layer].copy_(delta.t().mm(h[layer]).t())
            else:
                torch.mm(h[layer].t(), delta, out=self._dW[layer])  # h^T delta
            torch.sum(delta, 0, out=self._db[layer])  # sum of delta over the rows
            if layer > 0:
                torch.mm(delta, self._W[layer].t(), out=self._d_in[layer])  # delta W^T
                # The ReLU passes the gradient where its output was positive (autograd's own op).
                torch.ops.aten.threshold_backward.grad_input(
                    self._d_in[layer], h[layer], 0, grad_input=self._d_in[layer]
                )
                delta = self._d_in[layer]

    def parameters(self) -> Params:
        """A copy of the current weights and biases.

        Returns
        -------
        Params
            Views of one fresh copy of the flat buffer.
        """
        flat = self._flat.clone()
        tensors, offset = [], 0
        for t in (t for pair in zip(self._W, self._b, strict=True) for t in pair):
            tensors.append(flat[offset : offset + t.numel()].view(t.shape))
            offset += t.numel()
        return Params(tuple(tensors[0::2]), tuple(tensors[1::2]))
