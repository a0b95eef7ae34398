"""One complete run: simulate the data, standardise, initialise, train, and score."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from gpnn._threads import single_thread
from gpnn._validation import check_vector
from gpnn.config import ExperimentConfig
from gpnn.network import Params, _forward, init_params
from gpnn.simulate import sample_gp
from gpnn.training import Trainer


@dataclass(frozen=True)
class ExperimentResult:
    """What one run produced. Arrays are float64 numpy arrays of shape (n,), one value per location, unless stated.

    Two moments of training appear here. `predictions`, `snapshots` and `loss_history` (fields
    below) come from forward passes, each made *before* its epoch's update; the trained `weights`
    and `biases` are *after* the last update. So `predictions` (which `final_rmse` scores, as the
    reference recipe reports it) lag the trained weights by one step;
    [`predict`][gpnn.experiment.predict] uses the trained weights.
    """

    config: ExperimentConfig
    """The settings of the run."""
    x: NDArray[np.float64]
    """Locations."""
    latent: NDArray[np.float64]
    """Latent GP function at each location: the truth the network tries to recover."""
    y: NDArray[np.float64]
    """Noisy observations."""
    train_mask: NDArray[np.bool_]
    """Which locations the network was trained on (all, unless `config` holds some out)."""
    inputs: NDArray[np.float64]
    """The network's input at each location: standardised, or raw if `standardize_inputs` is off."""
    x_center: float
    r"""Mean $\bar x$ of the training locations, subtracted when standardising (0 if not standardised)."""
    x_scale: float
    """Standard deviation of the training locations, divided by when standardising (1 if not standardised)."""
    loss_history: NDArray[np.float64]
    """Training RMSE at each epoch (before that epoch's update), shape (n_epochs,)."""
    predictions: NDArray[np.float64]
    """Network output at every location from the last epoch's forward pass (the one `final_rmse` scores)."""
    weights: tuple[NDArray[np.float32], ...]
    """Trained weight matrices, input side first, after the last update."""
    biases: tuple[NDArray[np.float32], ...]
    """Trained bias vectors, input side first, after the last update."""
    train_seconds: float
    """Wall time of the training loop alone."""
    snapshot_epochs: NDArray[np.int64]
    """Epochs at which predictions were kept (every `config.record_every`), shape (k,)."""
    snapshots: NDArray[np.float64]
    """Predictions at every location from those epochs' forward passes, shape (k, n)."""

    @property
    def final_rmse(self) -> float:
        """RMSE against the training observations at the last epoch, `loss_history[-1]`."""
        return float(self.loss_history[-1]) if self.loss_history.size else float("nan")

    @property
    def rmse_to_latent(self) -> float:
        r"""RMSE of the predictions against the latent function at every location.

        $$
        \sqrt{\tfrac1n \textstyle\sum_i (\hat y_i - f_i)^2}
        $$
        """
        return float(np.sqrt(np.mean((self.predictions - self.latent) ** 2)))


def run_experiment(
    config: ExperimentConfig | None = None,
    *,
    callback: Callable[[int, float], None] | None = None,
    trainer: Literal["autograd", "fast"] = "autograd",
) -> ExperimentResult:
    """Simulate data from the GP and fit the network to it.

    The steps are those of the reference experiment: `sample_gp` with `data_seed`;
    standardise the locations with the training locations' mean and standard deviation and
    cast them to float32, keeping `y` float64; `init_params` with `init_seed`; train for
    `n_epochs` with the trainer that `implementation` names. Training runs on one torch
    thread (faster for matrices this small; the previous setting is restored).

    Parameters
    ----------
    config : ExperimentConfig, optional
        Settings; the defaults are the reference experiment.
    callback : callable, optional
        Passed to the trainer's `train`, called as `callback(epoch, loss)` after each epoch.
    trainer : {"autograd", "fast"}, default "autograd"
        For `implementation="scratch"`: `"autograd"` trains with the readable
        [`GradientDescent`][gpnn.training.GradientDescent], `"fast"` with
        [`FastGradientDescent`][gpnn.fast_training.FastGradientDescent], which gives the same result
        bit for bit in about half the time. Other implementations ignore it.

    Returns
    -------
    ExperimentResult
        The data, the training record and the trained network.

    Raises
    ------
    TrainingDivergedError
        If training diverges (see [`Trainer`][gpnn.training.Trainer]).
    """
    if config is None:
        config = ExperimentConfig()
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    _check_trainer(trainer)
    return _run(config, callback, trainer, None)


RESUMABLE_IMPLEMENTATIONS = ("scratch", "numpy", "torch-sgd")
"""The implementations whose training continues exactly from a finished run's weights and loss history.

Plain gradient descent carries no state beside the parameters (and the first loss, which the
divergence rule compares against): the from-scratch trainers, the NumPy one, and
`torch.optim.SGD` without momentum. Adam keeps running averages of every gradient that a
result does not store, so a `"torch-adam"` run always trains from its first epoch.
"""


def can_continue(base: ExperimentConfig, config: ExperimentConfig) -> bool:
    """Whether a finished run of `base` continues exactly into a run of `config`.

    True when the settings are equal except for fewer epochs in `base`, and possibly the
    snapshot spacing: every snapshot `config` keeps within `base`'s epochs must be one
    `base` kept, so `config.record_every` is 0 or a multiple of a positive
    `base.record_every`. The implementation must be one of
    [`RESUMABLE_IMPLEMENTATIONS`][gpnn.experiment.RESUMABLE_IMPLEMENTATIONS].

    Parameters
    ----------
    base : ExperimentConfig
        The settings of the finished run.
    config : ExperimentConfig
        The settings of the longer run.

    Returns
    -------
    bool
        True if [`continue_experiment`][gpnn.experiment.continue_experiment] accepts the pair.
    """
    for name, value in (("base", base), ("config", config)):
        if not isinstance(value, ExperimentConfig):
            raise TypeError(f"Argument '{name}' must be an ExperimentConfig, but {name} = {value!r}.")
    if config.implementation not in RESUMABLE_IMPLEMENTATIONS or base.n_epochs >= config.n_epochs:
        return False
    if dataclasses.replace(base, n_epochs=config.n_epochs, record_every=config.record_every) != config:
        return False
    return config.record_every == 0 or (base.record_every > 0 and config.record_every % base.record_every == 0)


def continue_experiment(
    base: ExperimentResult,
    config: ExperimentConfig,
    *,
    callback: Callable[[int, float], None] | None = None,
    trainer: Literal["autograd", "fast"] = "autograd",
) -> ExperimentResult:
    """A run of `config` that starts where the finished run `base` stopped: the same result as training from scratch.

    Training resumes from `base`'s trained weights and loss history and runs the remaining
    `config.n_epochs - base.config.n_epochs` epochs; the data are simulated again and must
    equal `base`'s. Every array of the result equals, bit for bit, that of
    `run_experiment(config, trainer=trainer)`: the loss history, the predictions, the weights,
    and the snapshots (`base`'s, at the epochs `config` keeps, then the new ones).
    `train_seconds` is `base`'s plus the time of the epochs trained here.

    Parameters
    ----------
    base : ExperimentResult
        A finished run whose settings [`can_continue`][gpnn.experiment.can_continue] into
        `config`.
    config : ExperimentConfig
        The settings of the longer run.
    callback : callable, optional
        Called as `callback(epoch, loss)` after each epoch trained here; `epoch` counts from
        the first epoch of `base`.
    trainer : {"autograd", "fast"}, default "autograd"
        As for [`run_experiment`][gpnn.experiment.run_experiment].

    Returns
    -------
    ExperimentResult
        The result of `config`.

    Raises
    ------
    TrainingDivergedError
        If training diverges in the epochs trained here.
    """
    if not isinstance(base, ExperimentResult):
        raise TypeError(f"Argument 'base' must be an ExperimentResult, but base = {base!r}.")
    _check_trainer(trainer)
    if not can_continue(base.config, config):
        raise ValueError(
            f"Argument 'base' must be a run of the same settings as 'config' with fewer epochs, snapshots "
            f"every divisor of {config.record_every} epochs, and an implementation among "
            f"{list(RESUMABLE_IMPLEMENTATIONS)}, but base.config = {base.config!r} and config = {config!r}."
        )
    if base.loss_history.shape != (base.config.n_epochs,):
        raise ValueError(
            f"Argument 'base' must be a finished run of {base.config.n_epochs} epochs, "
            f"but base.loss_history.shape = {base.loss_history.shape}."
        )
    return _run(config, callback, trainer, base)


def _check_trainer(trainer: str) -> None:
    if trainer not in ("autograd", "fast"):
        raise ValueError(f"Argument 'trainer' must be 'autograd' or 'fast', but trainer = {trainer!r}.")


def _run(
    config: ExperimentConfig,
    callback: Callable[[int, float], None] | None,
    trainer: str,
    base: ExperimentResult | None,
) -> ExperimentResult:
    """Train `config` from its initial weights, or from the end of `base`, a run that continues into it."""
    x = config.x()  # (n,)
    mask = config.train_mask()  # (n,)
    draw = sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)
    if config.standardize_inputs:
        center, scale = float(x[mask].mean()), float(x[mask].std())
        x_in = (x - center) / scale  # (n,), as gpnn.standardize computes it
    else:
        center, scale, x_in = 0.0, 1.0, x
    inputs = torch.tensor(x_in[:, None], dtype=torch.float32)  # (n, 1), every location
    targets = torch.tensor(draw.y[mask, None])  # (n_train, 1), float64 as in the reference
    if base is None:
        params = init_params(1, config.hidden_sizes, seed=config.init_seed, scale=config.init_scale)
        done, seconds_before = 0, 0.0
        kept_epochs, kept = np.zeros(0, dtype=np.int64), np.zeros((0, x.size))  # snapshots before this call
    else:
        if not (np.array_equal(base.y, draw.y) and np.array_equal(base.inputs, x_in)):
            raise ValueError(
                "Argument 'base' must have been computed on the data its settings simulate here, but its "
                "observations or inputs differ (another machine, BLAS thread count or library version)."
            )
        # Fresh leaf tensors holding the trained values, as init_params would hand them over.
        params = Params(
            tuple(torch.tensor(W).requires_grad_() for W in base.weights),
            tuple(torch.tensor(b).requires_grad_() for b in base.biases),
        )
        done, seconds_before = base.config.n_epochs, base.train_seconds
        # base kept a snapshot at every epoch config keeps (can_continue checked the spacing).
        every = config.record_every
        keep = base.snapshot_epochs % every == 0 if every else np.zeros(base.snapshot_epochs.size, dtype=bool)
        kept_epochs, kept = base.snapshot_epochs[keep], base.snapshots[keep]  # (k,), (k, n)
    optimizer = _trainer(config, trainer, inputs[mask], targets, params)
    if base is not None:
        # The trainer's whole state besides its parameters: epochs count on, and the
        # divergence rule compares against the first loss.
        optimizer.loss_history = [float(loss) for loss in base.loss_history]
    # The forward pass of the last epoch uses the parameters before its update: keep them.
    last: list[Params] = [optimizer.parameters()] if config.n_epochs - done == 1 else []

    def record(epoch: int, loss: float) -> None:
        if epoch == config.n_epochs - 1 and not mask.all():
            last.append(optimizer.parameters())
        if callback is not None:
            callback(epoch, loss)

    with single_thread():
        start = time.perf_counter()
        optimizer.train(config.n_epochs - done, callback=record, snapshot_every=config.record_every)
        seconds = time.perf_counter() - start
        trained = optimizer.parameters()
        with torch.no_grad():
            if optimizer.predictions is None:
                predictions = np.full_like(x, np.nan)
            elif mask.all():
                predictions = optimizer.predictions[:, 0].to(torch.float64).numpy()
            else:
                predictions = _forward(inputs, last[-1])[:, 0].to(torch.float64).numpy()
            snapshots = [_forward(inputs, params)[:, 0].to(torch.float64).numpy() for _, params in optimizer.snapshots]
    snapshot_epochs = [*kept_epochs.tolist(), *(epoch for epoch, _ in optimizer.snapshots)]
    return ExperimentResult(
        config=config,
        x=x,
        latent=draw.latent,
        y=draw.y,
        train_mask=mask,
        inputs=x_in,
        x_center=center,
        x_scale=scale,
        loss_history=np.asarray(optimizer.loss_history, dtype=np.float64),
        predictions=predictions,
        weights=tuple(W.numpy().copy() for W in trained.weights),
        biases=tuple(b.numpy().copy() for b in trained.biases),
        train_seconds=seconds_before + seconds,
        snapshot_epochs=np.array(snapshot_epochs, dtype=np.int64),
        snapshots=np.concatenate([kept, np.array(snapshots).reshape(-1, x.size)]),
    )


def _trainer(config: ExperimentConfig, trainer: str, x: torch.Tensor, y: torch.Tensor, params: Params) -> Trainer:
    """The trainer that `config.implementation` (and, from scratch, `trainer`) names."""
    lr = config.learning_rate
    if config.implementation == "numpy":
        from gpnn.numpy_net import NumpyGradientDescent

        return NumpyGradientDescent(x, y, params, lr)
    if config.implementation in ("torch-sgd", "torch-adam"):
        from gpnn.established import ModuleTrainer

        return ModuleTrainer(x, y, params, lr, optimizer="sgd" if config.implementation == "torch-sgd" else "adam")
    if trainer == "fast":
        from gpnn.fast_training import FastGradientDescent

        return FastGradientDescent(x, y, params, lr)
    from gpnn.training import GradientDescent

    return GradientDescent(x, y, params, lr)


def predict(result: ExperimentResult, x: ArrayLike) -> NDArray[np.float64]:
    r"""The trained network's prediction at new locations.

    $$
    \hat y(x) = f\!\left(\frac{x - \bar x}{s_x}; \theta_N\right)
    $$

    standardised like the training locations, with the weights after the last update
    ([`ExperimentResult.predictions`][gpnn.experiment.ExperimentResult.predictions] come from the
    forward pass one update earlier).

    Parameters
    ----------
    result : ExperimentResult
        A finished run, whose trained weights and standardisation are used.
    x : array_like of shape (m,)
        Locations, anywhere: inside, between or beyond the training locations.

    Returns
    -------
    ndarray of shape (m,)
        Predictions $\hat y(x)$, float64.
    """
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"Argument 'result' must be an ExperimentResult, but result = {result!r}.")
    x = check_vector("x", x)
    inputs = torch.tensor(((x - result.x_center) / result.x_scale)[:, None], dtype=torch.float32)  # (m, 1)
    params = Params(tuple(map(torch.from_numpy, result.weights)), tuple(map(torch.from_numpy, result.biases)))
    with torch.no_grad():
        prediction: NDArray[np.float64] = _forward(inputs, params)[:, 0].to(torch.float64).numpy()
    return prediction
