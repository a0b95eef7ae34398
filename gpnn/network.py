r"""The network: a stack of linear regressions with a ReLU between them.

With input matrix $X$ of shape $(n, J)$ and $D$ hidden layers of sizes $H_1, \dots, H_D$,

$$
\begin{aligned}
h_0 &= X \\
h_\ell &= \operatorname{ReLU}(h_{\ell-1} W_\ell + b_\ell), \quad \ell = 1, \dots, D \\
\hat y &= h_D W_{D+1} + b_{D+1}
\end{aligned}
$$

Each $W_\ell$ (shape $H_{\ell-1} \times H_\ell$) is a matrix of regression
coefficients and each $b_\ell$ a vector of intercepts. The output layer has no ReLU, so
$\hat y$ can take any real value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import torch
import torch.nn.functional as F

from gpnn._validation import _show, check_int, check_seed, check_sizes, check_tensor

INIT_SCALES: dict[str, Callable[[int], float]] = {
    "he": lambda fan_in: math.sqrt(2 / fan_in),
    "unit": lambda fan_in: 1.0,
    "small": lambda fan_in: 0.01,
}
r"""Standard deviation of the initial weights of a layer with `fan_in` inputs, by name.

`"he"`: $\sqrt{2 / \text{fan-in}}$, which keeps the activations' scale through ReLU
layers; `"unit"`: 1, plain $\mathcal{N}(0, 1)$, so activations grow layer by layer;
`"small"`: 0.01, so activations shrink towards zero layer by layer.
"""


class Params(NamedTuple):
    """Weights and biases of every layer, input side first.

    Unpacks like the plain pair `weights, biases = params`.
    """

    weights: tuple[torch.Tensor, ...]
    """`weights[l]` has shape `(sizes[l], sizes[l + 1])`."""
    biases: tuple[torch.Tensor, ...]
    """`biases[l]` has shape `(sizes[l + 1],)`."""


def layer_sizes(n_inputs: int, hidden_sizes: Sequence[int], n_outputs: int = 1) -> tuple[int, ...]:
    """Widths of every layer, input and output included: `(J, H_1, ..., H_D, 1)`.

    Parameters
    ----------
    n_inputs : int
        Number of predictors $J$, >= 1.
    hidden_sizes : sequence of int
        Number of nodes in each hidden layer, each >= 1.
    n_outputs : int, default 1
        Number of outputs.

    Returns
    -------
    tuple of int
        `(n_inputs, *hidden_sizes, n_outputs)`.
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_outputs = check_int("n_outputs", n_outputs, minimum=1)
    return (n_inputs, *check_sizes("hidden_sizes", hidden_sizes), n_outputs)


def count_parameters(sizes: Sequence[int]) -> int:
    r"""Number of weights and biases: $\sum_\ell (H_{\ell-1} + 1) H_\ell$.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, as returned by [`layer_sizes`][gpnn.network.layer_sizes].

    Returns
    -------
    int
        The number of trainable values, weights and biases together.
    """
    sizes = check_sizes("sizes", sizes)
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


def init_params(n_inputs: int, hidden_sizes: Sequence[int], seed: int | None = None, scale: str = "he") -> Params:
    r"""He-initialised weights and zero biases for every layer.

    $$
    W_\ell \sim \mathcal{N}\!\left(0, \tfrac{2}{H_{\ell-1}}\right), \qquad b_\ell = 0
    $$

    A ReLU zeroes about half of its inputs, halving the variance that flows forward; the
    factor 2 in the variance puts it back, so activations keep the same scale at every depth.

    Draws come from a private `torch.Generator` seeded with `seed`: torch's global
    generator is neither read nor changed, and the tensors equal those drawn in the same order
    from `torch.randn` after `torch.manual_seed(seed)`.

    Parameters
    ----------
    n_inputs : int
        Number of predictors (columns of the input matrix), >= 1.
    hidden_sizes : sequence of int
        Nodes in each hidden layer, each >= 1.
    seed : int or None, default None
        Seed in `[0, 2**32 - 1]`; `None` seeds from fresh entropy.
    scale : {"he", "unit", "small"}, default "he"
        Standard deviation of the weights: $\sqrt{2 / H_{\ell-1}}$ (He), 1, or 0.01; see
        [`INIT_SCALES`][gpnn.network.INIT_SCALES].

    Returns
    -------
    Params
        Float32 leaf tensors with `requires_grad=True`, one weight matrix and one bias vector
        per layer.
    """
    sizes = layer_sizes(n_inputs, hidden_sizes)
    if scale not in INIT_SCALES:
        raise ValueError(f"Argument 'scale' must be one of {sorted(INIT_SCALES)}, but scale = {scale!r}.")
    std = INIT_SCALES[scale]
    seed = check_seed("seed", seed)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    weights, biases = [], []
    for fan_in, fan_out in itertools.pairwise(sizes):
        W = torch.randn(fan_in, fan_out, generator=generator, dtype=torch.float32) * std(fan_in)
        b = torch.zeros(fan_out, dtype=torch.float32)
        weights.append(W.requires_grad_())
        biases.append(b.requires_grad_())
    return Params(tuple(weights), tuple(biases))


def forward(x: torch.Tensor, params: Params) -> torch.Tensor:
    r"""Predict $\hat y$ for each row of `x`.

    $$
    h_\ell = \operatorname{ReLU}(h_{\ell-1} W_\ell + b_\ell), \qquad
    \hat y = h_D W_{D+1} + b_{D+1}
    $$

    Parameters
    ----------
    x : Tensor of shape (n, J)
        Inputs, of the same floating dtype as the parameters.
    params : Params
        As returned by [`init_params`][gpnn.network.init_params].

    Returns
    -------
    y_hat : Tensor of shape (n, n_outputs)
        Predictions $\hat y$, one row per row of `x`, in the parameters' dtype.
    """
    check_params(params)
    check_tensor("x", x, ndim=2)
    expected = params.weights[0].shape[0]
    if x.shape[1] != expected:
        raise ValueError(
            f"Argument 'x' must have {expected} column(s) to match the first weight matrix, "
            f"but x.shape = {tuple(x.shape)}."
        )
    if x.dtype != params.weights[0].dtype:
        raise TypeError(f"Argument 'x' must have dtype {params.weights[0].dtype}, but x.dtype = {x.dtype}.")
    return _forward(x, params)


def _forward(x: torch.Tensor, params: Params) -> torch.Tensor:
    weights, biases = params
    h = x  # (n, J)
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        h = F.relu(h @ W + b)  # (n, H_l)
    return h @ weights[-1] + biases[-1]  # (n, 1)


def check_params(params: object) -> Params:
    """Check that `params` is a `(weights, biases)` pair of chained layer tensors.

    Parameters
    ----------
    params : Params or pair of sequences of Tensor
        `weights[l]` of shape `(a_l, a_{l+1})` and `biases[l]` of shape `(a_{l+1},)`.

    Returns
    -------
    Params
        The same tensors, as a [`Params`][gpnn.network.Params].
    """
    try:
        first, second = cast("tuple[Any, Any]", params)
        weights: tuple[torch.Tensor, ...] = tuple(first)
        biases: tuple[torch.Tensor, ...] = tuple(second)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Argument 'params' must be a (weights, biases) pair, but params = {_show(params)}.") from error
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"Argument 'params' must hold as many biases as weights (at least one), "
            f"but it holds {len(weights)} weights and {len(biases)} biases."
        )
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        if not isinstance(W, torch.Tensor) or not isinstance(b, torch.Tensor):
            raise TypeError(f"Argument 'params' must hold tensors, but layer {layer} holds {type(W).__name__}.")
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"Argument 'params' layer {layer} must have W of shape (a, b) and bias of shape (b,), "
                f"but W.shape = {tuple(W.shape)} and bias.shape = {tuple(b.shape)}."
            )
        if layer > 0 and W.shape[0] != weights[layer - 1].shape[1]:
            raise ValueError(
                f"Argument 'params' layer {layer} takes {W.shape[0]} inputs, "
                f"but layer {layer - 1} gives {weights[layer - 1].shape[1]}."
            )
    return Params(weights, biases)
