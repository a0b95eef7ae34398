"""The experiment's settings, in one frozen dataclass whose defaults are the reference run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gpnn._validation import check_int, check_real, check_seed, check_sizes
from gpnn.network import INIT_SCALES

#: The final RMSE printed by the source post for the reference experiment, on its author's machine.
#: Float32 training over thousands of steps is chaotic, so other machines end elsewhere.
REFERENCE_REPORTED_RMSE = 0.6291500277106367


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines one run: the simulated data, the network and its training.

    Defaults reproduce the reference experiment. Instances are immutable and validated on
    creation; use :func:`dataclasses.replace` to vary one setting.

    Examples
    --------
    >>> import dataclasses
    >>> config = dataclasses.replace(ExperimentConfig(), n_epochs=100)
    >>> config.n_epochs, len(config.x())
    (100, 200)
    """

    eta: float = 3.0  # marginal standard deviation of the latent GP
    rho: float = 10.0  # length scale of the latent GP, in units of x
    sigma: float = 0.7  # standard deviation of the observation noise
    x_start: float = -50.0  # first location
    x_stop: float = 50.0  # locations stop before this value
    x_step: float = 0.5  # spacing of the locations: 200 points by default
    data_seed: int = 33  # seed of the simulated data
    hidden_sizes: tuple[int, ...] = (16, 32, 64, 64, 32, 16)  # nodes in each hidden layer
    learning_rate: float = 0.005  # gradient-descent step size
    n_epochs: int = 8000  # full-batch gradient steps
    init_seed: int = 33  # seed of the initial weights
    standardize_inputs: bool = True  # z-score x before fitting (False: train on raw x)
    init_scale: str = "he"  # initial weight scale: "he" sqrt(2 / fan_in), "unit" 1, "small" 0.01
    record_every: int = 0  # also keep the predictions every this many epochs (0: only the last)

    def __post_init__(self) -> None:
        # Validate, and normalise types so that equal settings compare and hash equal.
        set_ = object.__setattr__
        set_(self, "eta", check_real("eta", self.eta, positive=True))
        set_(self, "rho", check_real("rho", self.rho, positive=True))
        set_(self, "sigma", check_real("sigma", self.sigma, nonnegative=True))
        set_(self, "x_start", check_real("x_start", self.x_start))
        set_(self, "x_stop", check_real("x_stop", self.x_stop))
        set_(self, "x_step", check_real("x_step", self.x_step, positive=True))
        if not self.x_stop - self.x_start >= 2 * self.x_step:
            raise ValueError(
                f"Arguments 'x_start', 'x_stop' and 'x_step' must give at least 2 locations, but "
                f"x_start = {self.x_start!r}, x_stop = {self.x_stop!r}, x_step = {self.x_step!r}."
            )
        set_(self, "data_seed", check_seed("data_seed", self.data_seed))
        set_(self, "hidden_sizes", check_sizes("hidden_sizes", self.hidden_sizes))
        set_(self, "learning_rate", check_real("learning_rate", self.learning_rate, positive=True))
        set_(self, "n_epochs", check_int("n_epochs", self.n_epochs, minimum=0))
        set_(self, "init_seed", check_seed("init_seed", self.init_seed))
        if not isinstance(self.standardize_inputs, bool):
            raise TypeError(
                "Argument 'standardize_inputs' must be True or False, "
                f"but standardize_inputs = {self.standardize_inputs!r}."
            )
        if self.init_scale not in INIT_SCALES:
            raise ValueError(
                f"Argument 'init_scale' must be one of {sorted(INIT_SCALES)}, but init_scale = {self.init_scale!r}."
            )
        set_(self, "record_every", check_int("record_every", self.record_every, minimum=0))
        if self.data_seed is None or self.init_seed is None:
            raise ValueError("Arguments 'data_seed' and 'init_seed' must be integers: an experiment is reproducible.")

    def x(self) -> NDArray[np.float64]:
        """Locations ``np.arange(x_start, x_stop, x_step)``, shape (n,)."""
        return np.arange(self.x_start, self.x_stop, self.x_step)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary of the settings (``hidden_sizes`` as a list)."""
        data = dataclasses.asdict(self)
        data["hidden_sizes"] = list(self.hidden_sizes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error, missing keys take defaults."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"Argument 'data' has unknown setting(s) {unknown}; known settings are {sorted(names)}.")
        values = dict(data)
        if "hidden_sizes" in values and isinstance(values["hidden_sizes"], list):
            values["hidden_sizes"] = tuple(values["hidden_sizes"])
        return cls(**values)
