r"""A faster trainer that gives exactly the same numbers as :class:`~gpnn.training.GradientDescent`.

For matrices this small, most of an epoch of the readable trainer is spent not on arithmetic but
on per-operation bookkeeping: building autograd's graph, allocating every intermediate, and
updating fourteen parameter tensors one by one. :class:`FastGradientDescent` keeps the
arithmetic and drops the bookkeeping:

* the gradients come from the hand-derived backward pass of :mod:`gpnn.backprop`, evaluated
  with the same torch operations in the same order and precision as autograd, so they are
  bit-for-bit autograd's;
* every intermediate lives in a buffer allocated once, written with ``out=`` and in-place ops;
* all weights and biases are views into one flat tensor, and so are their gradients, so the
  update :math:`\theta \leftarrow \theta - \alpha g` is two operations for the whole network
  (elementwise, hence identical to updating tensor by tensor);
* it runs on one thread.

The loss history, the predictions and the trained parameters equal those of
:class:`~gpnn.training.GradientDescent`, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from gpnn._threads import single_thread
from gpnn._validation import check_int
from gpnn.training import GradientDescent, TrainingDivergedError


class FastGradientDescent(GradientDescent):
    """:class:`~gpnn.training.GradientDescent` with a :meth:`train` that is faster and exactly equal.

    Takes the same arguments. The single-step methods (``compute_loss``, ``adjust``,
    ``zero_grad``, ``epoch``) are inherited unchanged; only :meth:`train` takes the fast path.
    """

    def train(
        self, n_epochs: int, callback: Callable[[int, float], None] | None = None, snapshot_every: int = 0
    ) -> None:
        """Run ``n_epochs`` epochs of full-batch gradient descent; see the class description.

        Parameters
        ----------
        n_epochs : int
            Number of epochs, >= 0.
        callback : callable, optional
            Called as ``callback(epoch, loss)`` after each epoch.
        snapshot_every : int, default 0
            If positive, keep ``(epoch, predictions)`` in ``snapshots`` every that many epochs.

        Raises
        ------
        TrainingDivergedError
            If the loss becomes NaN or infinite; the parameters keep their values from before
            that epoch.
        """
        n_epochs = check_int("n_epochs", n_epochs, minimum=0)
        snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
        if n_epochs == 0:
            return
        with single_thread(), torch.no_grad():
            self._train(n_epochs, callback, snapshot_every)

    def _train(self, n_epochs: int, callback: Callable[[int, float], None] | None, snapshot_every: int) -> None:
        weights, biases = self.params
        tensors = [t for pair in zip(weights, biases, strict=True) for t in pair]
        n, dtype = self.x.shape[0], weights[0].dtype
        # Parameters and gradients as views into one flat buffer each: one update for all.
        flat = torch.cat([t.detach().reshape(-1) for t in tensors])
        grad_flat, step = torch.zeros_like(flat), torch.empty_like(flat)
        views, grad_views, offset = [], [], 0
        for t in tensors:
            views.append(flat[offset : offset + t.numel()].view(t.shape))
            grad_views.append(grad_flat[offset : offset + t.numel()].view(t.shape))
            offset += t.numel()
        W, b, dW, db = views[0::2], views[1::2], grad_views[0::2], grad_views[1::2]
        n_layers = len(W)
        h = [self.x] + [torch.empty(n, w.shape[1], dtype=dtype) for w in W]  # h[0] = X, h[-1] = y_hat
        d_in = [torch.empty(n, w.shape[0], dtype=dtype) for w in W]  # dL/dh_{l-1}
        # Column-major weights (a single row and column) take autograd's transposed gradient.
        transposed = [w.stride(0) == 1 and w.stride(1) == w.shape[0] for w in W]
        residual = torch.empty(n, 1, dtype=torch.promote_types(self.y.dtype, dtype))
        square = torch.empty_like(residual)
        delta_out = torch.empty(n, 1, dtype=dtype)

        for _ in range(n_epochs):
            # Forward: z = h W, then + b, then ReLU in place, as gpnn.forward computes it.
            for layer in range(n_layers):
                torch.mm(h[layer], W[layer], out=h[layer + 1])
                h[layer + 1].add_(b[layer])
                if layer < n_layers - 1:
                    torch.relu_(h[layer + 1])
            # Loss: sqrt(mean((y - y_hat)^2)), computed in the targets' precision.
            torch.sub(self.y, h[-1], out=residual)
            torch.pow(residual, 2, out=square)
            loss = square.mean().sqrt()
            value = loss.item()
            self.loss_history.append(value)
            if not math.isfinite(value):
                self.predictions = h[-1].clone()
                self._write_back(tensors, views)
                raise TrainingDivergedError(
                    f"The loss became {value} at epoch {len(self.loss_history)}; "
                    f"try a smaller learning rate than lr = {self.lr!r}."
                )
            epoch = len(self.loss_history)
            if snapshot_every and epoch % snapshot_every == 0:
                self.snapshots.append((epoch, h[-1].clone()))
            # dL/dy_hat = -(1 / (2L)) (1 / n) 2r, factor by factor as in gpnn.backprop.rmse_gradient.
            # Python floats are IEEE doubles, so these scalar steps round as torch's would; and
            # scaling by -2 is exact, so one multiply by -2 d_square equals (2r) d_square negated.
            d_square = (1.0 / (2 * value)) / n
            residual.mul_(-2.0 * d_square)
            delta_out.copy_(residual)  # rounded to float32, as autograd casts it
            delta = delta_out
            for layer in reversed(range(n_layers)):
                if transposed[layer]:
                    dW[layer].copy_(delta.t().mm(h[layer]).t())
                else:
                    torch.mm(h[layer].t(), delta, out=dW[layer])
                torch.sum(delta, 0, out=db[layer])
                if layer > 0:
                    torch.mm(delta, W[layer].t(), out=d_in[layer])
                    # autograd's own ReLU backward op: zero where the ReLU's output is <= 0.
                    torch.ops.aten.threshold_backward.grad_input(d_in[layer], h[layer], 0, grad_input=d_in[layer])
                    delta = d_in[layer]
            # Update every parameter at once: theta <- theta - lr * g.
            torch.mul(grad_flat, self.lr, out=step)
            flat.sub_(step)
            if callback is not None:
                callback(epoch, value)
        # The last forward pass came before the last update, as in GradientDescent.
        self.predictions = h[-1].clone()
        self._write_back(tensors, views)

    @staticmethod
    def _write_back(tensors: list[torch.Tensor], views: list[torch.Tensor]) -> None:
        for tensor, view in zip(tensors, views, strict=True):
            tensor.copy_(view)
