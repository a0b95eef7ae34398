"""One complete run: simulate the data, standardise, initialise, train, and score."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from numpy.typing import NDArray

from gpnn._threads import single_thread
from gpnn.config import ExperimentConfig
from gpnn.fast_training import FastGradientDescent
from gpnn.network import init_params
from gpnn.preprocessing import standardize
from gpnn.simulate import sample_gp
from gpnn.training import GradientDescent


@dataclass(frozen=True)
class ExperimentResult:
    """What one run produced. Arrays are float64 numpy arrays of shape (n,) unless stated."""

    config: ExperimentConfig
    """The settings of the run."""
    x: NDArray[np.float64]
    """Locations."""
    latent: NDArray[np.float64]
    """Latent GP function at each location: the truth the network tries to recover."""
    y: NDArray[np.float64]
    """Noisy observations, the training targets."""
    inputs: NDArray[np.float64]
    """The network's input: standardised locations, or the raw ones if ``standardize_inputs`` is off."""
    loss_history: NDArray[np.float64]
    """Training RMSE at each epoch (before that epoch's update), shape (n_epochs,)."""
    predictions: NDArray[np.float64]
    """Network output at the last epoch's forward pass, the one ``final_rmse`` scores."""
    weights: tuple[NDArray[np.float32], ...]
    """Trained weight matrices, input side first."""
    biases: tuple[NDArray[np.float32], ...]
    """Trained bias vectors, input side first."""
    train_seconds: float
    """Wall time of the training loop alone."""
    snapshot_epochs: NDArray[np.int64]
    """Epochs at which predictions were kept (every ``config.record_every``), shape (k,)."""
    snapshots: NDArray[np.float64]
    """Predictions of those epochs' forward passes, shape (k, n)."""

    @property
    def final_rmse(self) -> float:
        """RMSE against the observations at the last epoch, ``loss_history[-1]``."""
        return float(self.loss_history[-1]) if self.loss_history.size else float("nan")

    @property
    def rmse_to_latent(self) -> float:
        r"""RMSE of the predictions against the latent function, :math:`\sqrt{\overline{(\hat y - f)^2}}`."""
        return float(np.sqrt(np.mean((self.predictions - self.latent) ** 2)))


def run_experiment(
    config: ExperimentConfig | None = None,
    *,
    callback: Callable[[int, float], None] | None = None,
    trainer: Literal["autograd", "fast"] = "autograd",
) -> ExperimentResult:
    """Simulate data from the GP and fit the network to it by gradient descent.

    The steps are those of the reference experiment: ``sample_gp`` with ``data_seed``;
    ``standardize`` the locations and cast them to float32, keeping ``y`` float64;
    ``init_params`` with ``init_seed``; ``GradientDescent.train(n_epochs)``. Training runs on
    one torch thread (faster for matrices this small; the previous setting is restored).

    Parameters
    ----------
    config : ExperimentConfig, optional
        Settings; the defaults are the reference experiment.
    callback : callable, optional
        Passed to :meth:`GradientDescent.train`, called as ``callback(epoch, loss)``.
    trainer : {"autograd", "fast"}, default "autograd"
        ``"autograd"`` trains with the readable :class:`~gpnn.training.GradientDescent`;
        ``"fast"`` with :class:`~gpnn.fast_training.FastGradientDescent`, which gives the same
        result bit for bit in about half the time.

    Returns
    -------
    ExperimentResult

    Raises
    ------
    TrainingDivergedError
        If the loss becomes NaN or infinite.
    """
    if config is None:
        config = ExperimentConfig()
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    if trainer not in ("autograd", "fast"):
        raise ValueError(f"Argument 'trainer' must be 'autograd' or 'fast', but trainer = {trainer!r}.")
    x = config.x()  # (n,)
    draw = sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)
    x_in = standardize(x) if config.standardize_inputs else x  # (n,)
    inputs = torch.tensor(x_in[:, None], dtype=torch.float32)  # (n, 1)
    targets = torch.tensor(draw.y[:, None])  # (n, 1), float64 as in the reference
    params = init_params(1, config.hidden_sizes, seed=config.init_seed, scale=config.init_scale)
    if trainer == "fast":
        optimizer: GradientDescent = FastGradientDescent(inputs, targets, params, config.learning_rate)
    else:
        optimizer = GradientDescent(inputs, targets, params, config.learning_rate)
    with single_thread():
        start = time.perf_counter()
        optimizer.train(config.n_epochs, callback=callback, snapshot_every=config.record_every)
        seconds = time.perf_counter() - start
    predictions = optimizer.predictions
    return ExperimentResult(
        config=config,
        x=x,
        latent=draw.latent,
        y=draw.y,
        inputs=x_in,
        loss_history=np.asarray(optimizer.loss_history, dtype=np.float64),
        predictions=(np.full_like(x, np.nan) if predictions is None else predictions[:, 0].to(torch.float64).numpy()),
        weights=tuple(W.detach().numpy().copy() for W in params.weights),
        biases=tuple(b.detach().numpy().copy() for b in params.biases),
        train_seconds=seconds,
        snapshot_epochs=np.array([epoch for epoch, _ in optimizer.snapshots], dtype=np.int64),
        snapshots=np.array([p[:, 0].to(torch.float64).numpy() for _, p in optimizer.snapshots]).reshape(-1, x.size),
    )
