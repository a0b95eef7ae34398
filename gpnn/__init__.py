"""gpnn: fit a from-scratch neural network to data simulated from a Gaussian process.

Modules, one concept each: :mod:`~gpnn.kernels` (covariance functions), :mod:`~gpnn.simulate`
(drawing data), :mod:`~gpnn.preprocessing` (standardising), :mod:`~gpnn.network` (the model),
:mod:`~gpnn.loss` (RMSE), :mod:`~gpnn.training` (gradient descent and the contract every trainer
keeps), :mod:`~gpnn.backprop` (the gradient by hand), :mod:`~gpnn.fast_training` (an exact,
faster trainer), :mod:`~gpnn.config` and :mod:`~gpnn.experiment` (one whole run),
:mod:`~gpnn.posterior` (the GP posterior, the best possible fit), :mod:`~gpnn.sweep` (many runs
in parallel), :mod:`~gpnn.numpy_net` and :mod:`~gpnn.established` (the same network in NumPy and
with ``torch.nn``), :mod:`~gpnn.provenance` (what a result depends on), :mod:`~gpnn.plots`
(figures) and :mod:`~gpnn.cli` (the command line).

The names listed in ``__all__`` are importable from ``gpnn`` itself; everything else from its
module. The subpackage :mod:`gpnn.site` supports the website and is not imported here.
"""

from importlib.metadata import PackageNotFoundError, version

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
