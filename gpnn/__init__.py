"""gpnn: fit a from-scratch neural network to data simulated from a Gaussian process.

Modules, one concept each: :mod:`~gpnn.kernels` (covariance functions), :mod:`~gpnn.simulate`
(drawing data), :mod:`~gpnn.preprocessing` (standardising), :mod:`~gpnn.network` (the model),
:mod:`~gpnn.loss` (RMSE), :mod:`~gpnn.training` (gradient descent), :mod:`~gpnn.config` and
:mod:`~gpnn.experiment` (one whole run), :mod:`~gpnn.plots` (figures).
"""

from importlib.metadata import PackageNotFoundError, version

from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult, run_experiment
from gpnn.kernels import distance_matrix, kernel_matrix, squared_exponential
from gpnn.loss import rmse
from gpnn.network import Params, count_parameters, forward, init_params, layer_sizes
from gpnn.preprocessing import standardize
from gpnn.simulate import GPDraw, sample_gp
from gpnn.training import GradientDescent, TrainingDivergedError

try:
    __version__ = version("gpnn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "ExperimentConfig",
    "ExperimentResult",
    "GPDraw",
    "GradientDescent",
    "Params",
    "TrainingDivergedError",
    "count_parameters",
    "distance_matrix",
    "forward",
    "init_params",
    "kernel_matrix",
    "layer_sizes",
    "rmse",
    "run_experiment",
    "sample_gp",
    "squared_exponential",
    "standardize",
]
