r"""Backpropagation written out by hand: the gradient of the RMSE through every layer.

With $z_\ell = h_{\ell-1} W_\ell + b_\ell$, $h_\ell = \operatorname{ReLU}(z_\ell)$
and $J = \sqrt{m}$, $m = \frac1n \sum_i r_i^2$, $r = y - \hat y$, the chain
rule gives, from the loss back to the first layer:

$$
\begin{aligned}
\frac{\partial J}{\partial m} &= \frac{1}{2J}, \qquad
\frac{\partial J}{\partial \hat y_i} = -\frac{\partial J}{\partial m}\,\frac{2 r_i}{n} \\
\frac{\partial J}{\partial W_\ell} &= h_{\ell-1}^\top\, \delta_\ell, \qquad
\frac{\partial J}{\partial b_\ell} = \textstyle\sum_i \delta_{\ell, i} \\
\frac{\partial J}{\partial h_{\ell-1}} &= \delta_\ell W_\ell^\top, \qquad
\delta_{\ell-1} = \frac{\partial J}{\partial h_{\ell-1}} \odot [z_{\ell-1} > 0]
\end{aligned}
$$

where $\delta_\ell = \partial J / \partial z_\ell$ and
$\delta_{D+1} = \partial J / \partial \hat y$, for a network of $D$ hidden layers. A ReLU passes the
gradient where its input was positive and blocks it elsewhere.

The functions here evaluate these formulas with the same torch operations, in the same order
and precision, as torch's autograd does for [`gpnn.forward`][gpnn.network.forward] and
[`gpnn.rmse`][gpnn.loss.rmse], so the gradients are bit-for-bit those of `loss.backward()`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from gpnn._validation import check_tensor
from gpnn.loss import _check_obs_pred, _rmse
from gpnn.network import Params, check_params


class ForwardPass(NamedTuple):
    """What the backward pass needs from the forward pass."""

    inputs: tuple[torch.Tensor, ...]
    """Input of each layer: $h_0 = X, h_1, \\dots, h_D$."""
    prediction: torch.Tensor
    """Output $\\hat y$, shape (n, 1)."""


def forward_pass(x: torch.Tensor, params: Params) -> ForwardPass:
    r"""The forward pass of [`gpnn.forward`][gpnn.network.forward], keeping every layer's input for the backward pass.

    Parameters
    ----------
    x : Tensor of shape (n, J)
        Inputs $X = h_0$, in the parameters' dtype.
    params : Params
        Weights and biases, as from [`gpnn.init_params`][gpnn.network.init_params].

    Returns
    -------
    ForwardPass
        The input $h_{\ell-1}$ of every layer and the prediction $\hat y$.
    """
    params = check_params(params)
    check_tensor("x", x, ndim=2)
    return _forward_pass(x, params)


def _forward_pass(x: torch.Tensor, params: Params) -> ForwardPass:
    inputs = [x]  # h_0 = X, (n, J)
    h = x
    for W, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
        h = torch.relu(h @ W + b)  # (n, H_l)
        inputs.append(h)
    prediction = h @ params.weights[-1] + params.biases[-1]  # (n, 1)
    return ForwardPass(tuple(inputs), prediction)


def rmse_gradient(obs: torch.Tensor, pred: torch.Tensor, loss: torch.Tensor) -> torch.Tensor:
    r"""Gradient of $J = \sqrt{\frac1n\sum_i (y_i - \hat y_i)^2}$ with respect to $\hat y$.

    $$
    \frac{\partial J}{\partial \hat y_i} = -\frac{1}{2J} \cdot \frac{1}{n} \cdot 2 (y_i - \hat y_i)
    $$

    evaluated factor by factor in the order of the chain rule: the square root's, the mean's,
    the square's, then the difference's, and finally cast to the dtype of `pred`.

    Parameters
    ----------
    obs, pred : Tensor of shape (n, 1)
        Observations $y$ and predictions $\hat y$.
    loss : Tensor of shape ()
        `rmse(obs, pred)`.

    Returns
    -------
    Tensor of the shape and dtype of pred
        $\partial J / \partial \hat y_i$ for each row.
    """
    _check_obs_pred(obs, pred)
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        raise ValueError(f"Argument 'loss' must be a 0-d tensor, rmse(obs, pred), but loss = {loss!r}.")
    return _rmse_gradient(obs, pred, loss)


def _rmse_gradient(obs: torch.Tensor, pred: torch.Tensor, loss: torch.Tensor) -> torch.Tensor:
    residual = obs - pred  # r = y - y_hat, (n, 1); float64 when obs is
    d_mean = 1 / (2 * loss)  # J = sqrt(m), so dJ/dm = 1 / (2J)
    d_square = d_mean / residual.numel()  # m = mean(r^2), so dm/d(r_i^2) = 1 / n
    d_residual = d_square * (2 * residual)  # d(r_i^2)/dr_i = 2 r_i
    return (-d_residual).to(pred.dtype)  # dr/dy_hat = -1, in the precision of y_hat


def backward_pass(forward: ForwardPass, params: Params, d_prediction: torch.Tensor) -> Params:
    r"""Gradients of the loss with respect to every weight and bias, output layer first in the loop.

    $$
    \frac{\partial J}{\partial W_\ell} = h_{\ell-1}^\top \delta_\ell, \quad
    \frac{\partial J}{\partial b_\ell} = \textstyle\sum_i \delta_{\ell,i}, \quad
    \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot [h_{\ell-1} > 0]
    $$

    Parameters
    ----------
    forward : ForwardPass
        From [`forward_pass`][gpnn.backprop.forward_pass].
    params : Params
        The parameters that forward pass used.
    d_prediction : Tensor of shape (n, 1)
        $\partial J / \partial \hat y$, e.g. from [`rmse_gradient`][gpnn.backprop.rmse_gradient].

    Returns
    -------
    Params
        Gradients, shaped like the parameters.
    """
    params = check_params(params)
    if not isinstance(forward, ForwardPass) or len(forward.inputs) != len(params.weights):
        raise ValueError(
            "Argument 'forward' must be the ForwardPass of these params (one input per layer), "
            f"but forward = {type(forward).__name__}."
        )
    check_tensor("d_prediction", d_prediction, ndim=2)
    n_layers = len(params.weights)
    d_weights: list[torch.Tensor] = [torch.empty(0)] * n_layers
    d_biases: list[torch.Tensor] = [torch.empty(0)] * n_layers
    delta = d_prediction  # dJ/dz of the output layer, (n, 1)
    for layer in reversed(range(n_layers)):
        h_in, W = forward.inputs[layer], params.weights[layer]
        d_weights[layer] = _weight_gradient(h_in, delta, W)  # h^T delta, (H_{l-1}, H_l)
        d_biases[layer] = delta.sum(0)  # (H_l,): each intercept collects its column of delta
        if layer > 0:
            d_input = delta.mm(W.t())  # dJ/dh_{l-1} = delta W^T, (n, H_{l-1})
            # ReLU: the gradient passes where the layer's output was positive.
            delta = torch.where(h_in > 0, d_input, torch.zeros_like(d_input))
    return Params(tuple(d_weights), tuple(d_biases))


# Exactness. The formulas above, evaluated with the same torch operations as autograd, give
# autograd's gradients bit for bit, with one exception, handled here: autograd computes the
# gradient of a weight matrix stored column-major (which a matrix with a single row and a
# single column is, too) as (delta^T h)^T instead of h^T delta. The two are equal in exact
# arithmetic, but float sums in another order can differ in the last bit.


def _column_major(W: torch.Tensor) -> bool:
    """Whether autograd sees `W` as column-major (and so transposes its gradient product)."""
    return W.stride(0) == 1 and W.stride(1) == W.shape[0]


def _weight_gradient(h_in: torch.Tensor, delta: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    r"""$h^\top \delta$, in the order of operations autograd uses for the layout of `W`."""
    if _column_major(W):
        return delta.t().mm(h_in).t()
    return h_in.t().mm(delta)


def gradients(x: torch.Tensor, y: torch.Tensor, params: Params) -> tuple[float, Params]:
    r"""Loss and its gradients, by hand, for a network scored by its RMSE.

    The network is [`gpnn.forward`][gpnn.network.forward]'s and the loss
    [`gpnn.rmse`][gpnn.loss.rmse]'s. Equal, bit for bit, to `loss.backward()` on
    `rmse(y, forward(x, params))`.

    Parameters
    ----------
    x : Tensor of shape (n, J)
        Inputs, in the parameters' dtype.
    y : Tensor of shape (n, 1)
        Targets $y$.
    params : Params
        Weights and biases at which to differentiate.

    Returns
    -------
    loss : float
        The loss $L$ at `params`.
    grads : Params
        $\partial J / \partial W_\ell$ and $\partial J / \partial b_\ell$.
    """
    params = check_params(params)
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=2)
    if y.shape != (x.shape[0], params.weights[-1].shape[1]):
        raise ValueError(
            f"Argument 'y' must have shape ({x.shape[0]}, {params.weights[-1].shape[1]}), "
            f"but y.shape = {tuple(y.shape)}."
        )
    with torch.no_grad():
        forward = _forward_pass(x, params)
        loss = _rmse(y, forward.prediction)
        d_prediction = _rmse_gradient(y, forward.prediction, loss)
        return loss.item(), backward_pass(forward, params, d_prediction)
