r"""The same network with PyTorch's building blocks: ``torch.nn.Sequential`` and ``torch.optim``.

:func:`to_sequential` turns :class:`~gpnn.network.Params` into ``nn.Linear`` and ``nn.ReLU``
layers holding the same numbers (``nn.Linear`` stores its weight transposed, as
``(out_features, in_features)``, and computes :math:`h W^\\top + b`); :func:`train_module`
trains it with a ``torch.optim`` optimiser on the same loss.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from gpnn._threads import single_thread
from gpnn._validation import check_int, check_real
from gpnn.loss import rmse
from gpnn.network import Params, check_params


def to_sequential(params: Params) -> nn.Sequential:
    """An ``nn.Sequential`` of ``Linear`` and ``ReLU`` layers with the weights and biases of ``params``.

    Parameters
    ----------
    params : Params

    Returns
    -------
    torch.nn.Sequential
        Its output equals :func:`gpnn.forward` up to rounding: ``nn.Linear`` adds the bias inside
        the matrix product (``addmm``) rather than after it.
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


def train_module(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: Literal["sgd", "adam"],
    lr: float,
    n_epochs: int,
) -> list[float]:
    """Train ``model`` on the RMSE with a ``torch.optim`` optimiser; return the loss at each epoch.

    Parameters
    ----------
    model : torch.nn.Module
    x : Tensor of shape (n, J)
    y : Tensor of shape (n, 1)
    optimizer : {"sgd", "adam"}
        ``torch.optim.SGD`` (plain gradient descent, as the from-scratch loop) or ``torch.optim.Adam``.
    lr : float
        Learning rate, > 0.
    n_epochs : int
        Epochs, >= 0.

    Returns
    -------
    list of float
        The loss before each epoch's update.
    """
    lr = check_real("lr", lr, positive=True)
    n_epochs = check_int("n_epochs", n_epochs, minimum=0)
    if optimizer == "sgd":
        opt: torch.optim.Optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    elif optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        raise ValueError(f"Argument 'optimizer' must be 'sgd' or 'adam', but optimizer = {optimizer!r}.")
    losses = []
    with single_thread():
        for _ in range(n_epochs):
            opt.zero_grad()
            loss = rmse(y, model(x))
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            losses.append(loss.item())
    return losses
