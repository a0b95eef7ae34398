"""gpnn: fit a from-scratch neural network to data simulated from a Gaussian process.

Modules, one concept each: [`kernels`][gpnn.kernels] (covariance functions),
[`simulate`][gpnn.simulate] (drawing data), [`preprocessing`][gpnn.preprocessing] (standardising),
[`network`][gpnn.network] (the model), [`loss`][gpnn.loss] (RMSE), [`training`][gpnn.training]
(gradient descent and the contract every trainer keeps), [`backprop`][gpnn.backprop] (the gradient
by hand), [`fast_training`][gpnn.fast_training] (an exact, faster trainer), [`config`][gpnn.config]
and [`experiment`][gpnn.experiment] (one whole run), [`posterior`][gpnn.posterior] (the GP
posterior, the best possible fit), [`sweep`][gpnn.sweep] (many runs in parallel),
[`numpy_net`][gpnn.numpy_net] and [`established`][gpnn.established] (the same network in NumPy and
with `torch.nn`), [`provenance`][gpnn.provenance] (what a result depends on), [`plots`][gpnn.plots]
(figures) and [`cli`][gpnn.cli] (the command line).

The names listed in `__all__` are importable from `gpnn` itself; everything else from its
module. The subpackage `gpnn.site` supports the website and is not imported here.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpnn.config import ExperimentConfig
    from gpnn.experiment import ExperimentResult, predict, run_experiment
    from gpnn.kernels import distance_matrix, kernel_matrix, squared_exponential
    from gpnn.loss import rmse
    from gpnn.network import Params, count_parameters, forward, init_params, layer_sizes
    from gpnn.preprocessing import standardize
    from gpnn.simulate import GPDraw, sample_gp
    from gpnn.training import GradientDescent, Trainer, TrainingDivergedError

try:
    __version__ = version("gpnn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"

# Where each name of __all__ lives. They are imported on first use, so that importing a module
# that needs no torch (gpnn.provenance, say) does not load torch.
_HOMES = {
    "ExperimentConfig": "gpnn.config",
    "ExperimentResult": "gpnn.experiment",
    "GPDraw": "gpnn.simulate",
    "GradientDescent": "gpnn.training",
    "Params": "gpnn.network",
    "Trainer": "gpnn.training",
    "TrainingDivergedError": "gpnn.training",
    "count_parameters": "gpnn.network",
    "distance_matrix": "gpnn.kernels",
    "forward": "gpnn.network",
    "init_params": "gpnn.network",
    "kernel_matrix": "gpnn.kernels",
    "layer_sizes": "gpnn.network",
    "predict": "gpnn.experiment",
    "rmse": "gpnn.loss",
    "run_experiment": "gpnn.experiment",
    "sample_gp": "gpnn.simulate",
    "squared_exponential": "gpnn.kernels",
    "standardize": "gpnn.preprocessing",
}

__all__ = [
    "ExperimentConfig",
    "ExperimentResult",
    "GPDraw",
    "GradientDescent",
    "Params",
    "Trainer",
    "TrainingDivergedError",
    "count_parameters",
    "distance_matrix",
    "forward",
    "init_params",
    "kernel_matrix",
    "layer_sizes",
    "predict",
    "rmse",
    "run_experiment",
    "sample_gp",
    "squared_exponential",
    "standardize",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:  # a module of the package, used as gpnn.posterior.gp_posterior after `import gpnn`
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
