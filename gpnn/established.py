r"""The same network with PyTorch's building blocks: `torch.nn.Sequential` and `torch.optim`.

[`to_sequential`][gpnn.established.to_sequential] turns [`Params`][gpnn.network.Params] into
`nn.Linear` and `nn.ReLU` layers holding the same numbers (`nn.Linear` stores its weight transposed,
as `(out_features, in_features)`, and computes $h W^\top + b$);
[`ModuleTrainer`][gpnn.established.ModuleTrainer] trains it with a `torch.optim` optimiser on the
same loss.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

import torch
from torch import nn

from gpnn._threads import single_thread
from gpnn.loss import _rmse
from gpnn.network import Params, check_params
from gpnn.training import Trainer, _all_finite


def to_sequential(params: Params) -> nn.Sequential:
    """An `nn.Sequential` of `Linear` and `ReLU` layers with the weights and biases of `params`.

    Parameters
    ----------
    params : Params
        Weights and biases in the layout of [`gpnn.forward`][gpnn.network.forward]; copied.

    Returns
    -------
    torch.nn.Sequential
        Its output equals [`gpnn.forward`][gpnn.network.forward] up to rounding: `nn.Linear` adds
        the bias inside the matrix product (`addmm`) rather than after it.
    """
    params = check_params(params)
    layers: list[nn.Module] = []
    for index, (W, b) in enumerate(zip(params.weights, params.biases, strict=True)):
        linear = nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            linear.weight.copy_(W.detach().t())  # (out, in)
            linear.bias.copy_(b.detach())
        layers.append(linear)
        if index < len(params.weights) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ModuleTrainer(Trainer):
    """Train [`to_sequential`][gpnn.established.to_sequential]'s network on the RMSE with a `torch.optim` optimiser.

    Keeps the [`Trainer`][gpnn.training.Trainer] contract. The module holds copies of `params`
    (the tensors passed in are not changed);
    [`parameters`][gpnn.established.ModuleTrainer.parameters] returns them in the layout of
    [`gpnn.forward`][gpnn.network.forward].

    Parameters
    ----------
    x : Tensor or array_like of shape (n, J) or (n,)
        Inputs, converted to the parameters' dtype.
    y : Tensor or array_like of shape (n, 1) or (n,)
        Targets; their dtype is kept.
    params : Params
        Initial parameters, e.g. from [`gpnn.init_params`][gpnn.network.init_params].
    lr : float
        Learning rate, > 0.
    optimizer : {"sgd", "adam"}, default "sgd"
        `torch.optim.SGD` (plain gradient descent, as the from-scratch loop) or `torch.optim.Adam`.

    Attributes
    ----------
    model : torch.nn.Sequential
        The network being trained, from [`to_sequential`][gpnn.established.to_sequential].
    optimizer : torch.optim.Optimizer
        The optimiser that updates `model`'s parameters.
    """

    def __init__(self, x: Any, y: Any, params: Params, lr: float, optimizer: Literal["sgd", "adam"] = "sgd") -> None:
        params = check_params(params)
        weights = params.weights
        super().__init__(x, y, lr, n_inputs=weights[0].shape[0], n_outputs=weights[-1].shape[1], dtype=weights[0].dtype)
        self.model = to_sequential(params)
        # Listed once: walking the module tree for them every epoch cost as much as the fast
        # trainer's whole epoch.
        self._tensors = list(self.model.parameters())
        # foreach: one call updates every tensor, instead of a Python loop over the fourteen.
        # On the CPU it runs the same elementwise kernels with the same scalars, so the
        # numbers are the same, bit for bit; only the time differs.
        if optimizer == "sgd":
            self.optimizer: torch.optim.Optimizer = torch.optim.SGD(self._tensors, lr=self.lr, foreach=True)
        elif optimizer == "adam":
            self.optimizer = torch.optim.Adam(self._tensors, lr=self.lr, foreach=True)
        else:
            raise ValueError(f"Argument 'optimizer' must be 'sgd' or 'adam', but optimizer = {optimizer!r}.")

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        with single_thread():
            yield

    def epoch(self) -> float:
        """One epoch: `zero_grad`, forward, loss, `backward`, the optimiser's `step`.

        Returns
        -------
        float
            The loss before the update.
        """
        self.optimizer.zero_grad()
        y_hat = self.model(self.x)  # (n, 1)
        loss = _rmse(self.y, y_hat)  # ()
        self.predictions = y_hat.detach()
        self._stop_if_diverged(loss.item())
        loss.backward()  # type: ignore[no-untyped-call]
        self.optimizer.step()
        self._completed(loss.item(), _all_finite(self._tensors))
        return loss.item()

    def parameters(self) -> Params:
        """Copies of the module's weights (transposed back to `(in, out)`) and biases.

        Returns
        -------
        Params
            New tensors: later training does not change them.
        """
        linears = [layer for layer in self.model if isinstance(layer, nn.Linear)]
        return Params(
            tuple(layer.weight.detach().t().clone() for layer in linears),
            tuple(layer.bias.detach().clone() for layer in linears),
        )
