"""The experiment's settings, in one frozen dataclass whose defaults are the reference run."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gpnn._validation import check_int, check_real, check_seed, check_sizes
from gpnn.network import INIT_SCALES

REFERENCE_REPORTED_RMSE = 0.6291500277106367
"""The final RMSE printed by the source post for the reference experiment, on its author's machine.

Float32 training over thousands of steps is chaotic, so other machines end elsewhere.
"""

IMPLEMENTATIONS = ("scratch", "numpy", "torch-sgd", "torch-adam")
"""The ways of training the network.

[`ExperimentConfig.implementation`][gpnn.config.ExperimentConfig.implementation] names one of them.
"""


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines one run: the simulated data, the network and its training.

    Defaults reproduce the reference experiment. Instances are immutable and validated on
    creation; use `dataclasses.replace` to vary one setting.

    Examples
    --------
    >>> import dataclasses
    >>> config = dataclasses.replace(ExperimentConfig(), n_epochs=100)
    >>> config.n_epochs, len(config.x())
    (100, 200)
    """

    eta: float = 3.0
    """Marginal standard deviation $\\eta$ of the latent GP."""
    rho: float = 10.0
    """Length scale $\\rho$ of the latent GP, in units of x."""
    sigma: float = 0.7
    """Standard deviation $\\sigma$ of the observation noise."""
    x_start: float = -50.0
    """First location."""
    x_stop: float = 50.0
    """The locations stop before this value."""
    x_step: float = 0.5
    """Spacing of the locations."""
    data_seed: int = 33
    """Seed of the simulated data (latent function and noise)."""
    hidden_sizes: tuple[int, ...] = (16, 32, 64, 64, 32, 16)
    """Nodes in each hidden layer, input side first."""
    learning_rate: float = 0.005
    """Gradient-descent step size $\\alpha$."""
    n_epochs: int = 8000
    """Full-batch gradient steps."""
    init_seed: int = 33
    """Seed of the initial weights."""
    standardize_inputs: bool = True
    """Z-score the locations with the training locations' mean and standard deviation before fitting.

    `False` trains on the raw locations.
    """
    init_scale: str = "he"
    """Initial weight scale: `"he"` (sd $\\sqrt{2 / \\text{fan-in}}$), `"unit"` (sd 1) or `"small"`.

    See [`gpnn.network.INIT_SCALES`][].
    """
    record_every: int = 100
    """Also keep the predictions at every location every this many epochs (0: only the last ones)."""
    holdout_every: int = 0
    """Hold out every this-many-th location from training (indices `k - 1, 2k - 1, ...`); 0 trains on all."""
    gap: tuple[float, float] | None = None
    """Leave the locations in `[gap[0], gap[1])` out of training; `None` leaves none out."""
    implementation: str = "scratch"
    """How the network is trained: `"scratch"` (the hand-written gradient descent), `"numpy"`
    (the same in NumPy), `"torch-sgd"` or `"torch-adam"` (`torch.nn` with `torch.optim`)."""

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
        set_(self, "holdout_every", check_int("holdout_every", self.holdout_every, minimum=0))
        if self.holdout_every == 1:
            raise ValueError(
                "Argument 'holdout_every' must be 0 (hold out nothing) or at least 2, but holdout_every = 1."
            )
        if self.gap is not None:
            if isinstance(self.gap, str) or not isinstance(self.gap, Sequence) or len(self.gap) != 2:
                raise TypeError(f"Argument 'gap' must be None or a pair (start, stop), but gap = {self.gap!r}.")
            start, stop = check_real("gap[0]", self.gap[0]), check_real("gap[1]", self.gap[1])
            if not start < stop:
                raise ValueError(f"Argument 'gap' must have gap[0] < gap[1], but gap = {self.gap!r}.")
            set_(self, "gap", (start, stop))
        if self.implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"Argument 'implementation' must be one of {list(IMPLEMENTATIONS)}, "
                f"but implementation = {self.implementation!r}."
            )
        if np.count_nonzero(self.train_mask()) < 2:
            raise ValueError(
                "Arguments 'holdout_every' and 'gap' must leave at least 2 locations to train on, "
                f"but holdout_every = {self.holdout_every} and gap = {self.gap!r} leave "
                f"{np.count_nonzero(self.train_mask())}."
            )
        if self.data_seed is None or self.init_seed is None:
            raise ValueError("Arguments 'data_seed' and 'init_seed' must be integers: an experiment is reproducible.")

    def x(self) -> NDArray[np.float64]:
        """Locations `np.arange(x_start, x_stop, x_step)`.

        Returns
        -------
        ndarray of shape (n,)
            Evenly spaced locations, float64, every one below `x_stop`.
        """
        return np.arange(self.x_start, self.x_stop, self.x_step)

    def train_mask(self) -> NDArray[np.bool_]:
        """Which locations the network is trained on, shape (n,): all but the held-out and the gap.

        Returns
        -------
        ndarray of bool of shape (n,)
            True at the locations trained on, one entry per location of
            [`x`][gpnn.config.ExperimentConfig.x].
        """
        x = self.x()
        mask = np.ones(x.size, dtype=bool)
        if self.holdout_every:
            mask[self.holdout_every - 1 :: self.holdout_every] = False
        if self.gap is not None:
            mask &= ~((x >= self.gap[0]) & (x < self.gap[1]))
        return mask

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary of the settings (tuples as lists).

        Returns
        -------
        dict
            Every field by name; `json.dumps` takes it, and
            [`from_dict`][gpnn.config.ExperimentConfig.from_dict] turns it back into an equal
            config.
        """
        data = dataclasses.asdict(self)
        data["hidden_sizes"] = list(self.hidden_sizes)
        data["gap"] = None if self.gap is None else list(self.gap)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        """Inverse of [`to_dict`][gpnn.config.ExperimentConfig.to_dict].

        Unknown keys are an error; missing keys take their defaults.

        Parameters
        ----------
        data : dict
            Settings by field name.

        Returns
        -------
        ExperimentConfig
            The settings, validated as on creation.
        """
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"Argument 'data' has unknown setting(s) {unknown}; known settings are {sorted(names)}.")
        values = dict(data)
        for name in ("hidden_sizes", "gap"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)
