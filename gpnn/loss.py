r"""The loss: root mean squared error, the regression residual standard deviation.

$$
\text{RMSE}(y, \hat y) = \sqrt{\tfrac{1}{n} \textstyle\sum_i (y_i - \hat y_i)^2}
$$

Minimising it is minimising the residual sum of squares, as least squares does, so its minimum
is at the same parameters; its scale is that of $y$, comparable to the noise $\sigma$.
"""

from __future__ import annotations

import torch

from gpnn._validation import check_tensor


def rmse(obs: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    r"""Root mean squared error between observations and predictions.

    $$
    \sqrt{\tfrac{1}{n} \textstyle\sum_i (y_i - \hat y_i)^2}
    $$

    Shapes must match exactly: a `(n, 1)` column against a `(n,)` vector would broadcast
    to `(n, n)` and give a silently wrong number, so it is refused.

    Parameters
    ----------
    obs : Tensor of shape (n, ...)
        Observed values $y$.
    pred : Tensor of the same shape
        Predicted values $\hat y$. Mixed float32/float64 inputs are computed in float64.

    Returns
    -------
    Tensor of shape ()
        The RMSE, differentiable with respect to both arguments.
    """
    _check_obs_pred(obs, pred)
    if obs.numel() == 0:
        raise ValueError("Argument 'obs' must not be empty, but obs.numel() = 0.")
    return _rmse(obs, pred)


def _check_obs_pred(obs: torch.Tensor, pred: torch.Tensor) -> None:
    """Both finite floating tensors of one shape (broadcasting would silently change the loss)."""
    check_tensor("obs", obs)
    check_tensor("pred", pred)
    if obs.shape != pred.shape:
        raise ValueError(
            f"Arguments 'obs' and 'pred' must have the same shape, "
            f"but obs.shape = {tuple(obs.shape)} and pred.shape = {tuple(pred.shape)}."
        )


def _rmse(obs: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    sq_error = (obs - pred) ** 2  # (n, 1)
    return sq_error.mean().sqrt()  # ()
