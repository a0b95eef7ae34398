r"""What a training run costs, in deep-run equivalents: 1.0 is one 8,000-epoch run of the recipe's network.

Measured, not guessed. `benchmarks/costs.py` times every kind of run the site asks for (the
recipe's network for 2,000, 8,000 and 16,000 epochs and on fewer training points, the shallow
and narrow networks, the NumPy trainer, `torch.optim.SGD` and `torch.optim.Adam`) on one
thread, and fits the constants below to the medians. A run of $E$ epochs, of which $E_0$ are
continued from a stored run, takes

$$
t = t_{\text{run}} + (E - E_0)\, f_{\text{impl}} \left(a + b\,L + c\, n \textstyle\sum_\ell H_{\ell-1} H_\ell\right)
$$

seconds, with $L$ layers of weights, $n$ training points and $H_\ell$ nodes per layer:
$a$ is the fixed cost of an epoch, $b$ that of each layer (torch's per-operation dispatch,
about half of an epoch of the recipe's network), $c$ that of each multiply-add of the matrix
products, and $f_{\text{impl}}$ the measured factor of the implementation against the fast
from-scratch trainer. The cost is $t$ over the $t$ of the recipe's run.
"""

from __future__ import annotations

import itertools

from gpnn._validation import check_int
from gpnn.config import ExperimentConfig
from gpnn.network import layer_sizes

# Measured on 2026-12-04 16:23 on this project's 2-core build machine (x86_64, torch 2.13.0+cpu,
# one thread), by `PYTHONPATH=$PWD .venv/bin/python benchmarks/costs.py` (15 repeats of each kind
# at a quarter of its epochs), whose times and fit are in benchmarks/costs.json. The machine was
# shared with other builds (load average 3 to 9 on its 2 cores), as it is during a site build: the
# seconds are about 2.5 times those of an idle machine; the costs, ratios of seconds, less so, but
# the Python-heavy torch.optim trainers suffer more from the sharing (Adam 4.2 times the fast
# trainer per epoch here, about 3 on an idle machine).
RUN_SECONDS = 0.2674
"""$t_{\\text{run}}$: seconds of a run besides its epochs (simulating the data, setting up the trainer)."""

EPOCH_SECONDS = {"constant": 0.0002752, "per_layer": 6.315e-05, "per_multiply": 1.619e-10}
"""$a$, $b$ and $c$: seconds of an epoch of the fast trainer, fixed, per layer and per multiply-add."""

IMPLEMENTATION_FACTORS = {"scratch": 1.0, "numpy": 1.2, "torch-sgd": 2.77, "torch-adam": 4.22}
"""$f_{\\text{impl}}$: an epoch's time against the fast from-scratch trainer's, on the recipe's network."""


def epoch_seconds(config: ExperimentConfig) -> float:
    """The measured seconds of one epoch of `config`'s network, implementation and training points.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.

    Returns
    -------
    float
        Seconds on one thread of the machine the constants were measured on.
    """
    config = _check_config(config)
    sizes = layer_sizes(1, config.hidden_sizes)
    multiplies = int(config.train_mask().sum()) * sum(a * b for a, b in itertools.pairwise(sizes))
    fast = (
        EPOCH_SECONDS["constant"]
        + EPOCH_SECONDS["per_layer"] * (len(sizes) - 1)
        + EPOCH_SECONDS["per_multiply"] * multiplies
    )
    return IMPLEMENTATION_FACTORS[config.implementation] * fast


def seconds(config: ExperimentConfig, continued: int = 0) -> float:
    """The measured seconds of a run of `config`, less the `continued` epochs taken from a stored run.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    continued : int, default 0
        Epochs not trained, continued from a shorter stored run (see
        [`fill_run`][gpnn.site.store.fill_run]); at most `config.n_epochs`.

    Returns
    -------
    float
        Seconds on one thread of the machine the constants were measured on.
    """
    config = _check_config(config)
    continued = check_int("continued", continued, minimum=0)
    if continued > config.n_epochs:
        raise ValueError(
            f"Argument 'continued' must be at most config.n_epochs = {config.n_epochs}, but continued = {continued}."
        )
    return RUN_SECONDS + (config.n_epochs - continued) * epoch_seconds(config)


def cost(config: ExperimentConfig, continued: int = 0) -> float:
    """The cost of a run of `config` in deep-run equivalents: its measured seconds over those of the recipe's run.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    continued : int, default 0
        Epochs not trained, continued from a shorter stored run; at most `config.n_epochs`.

    Returns
    -------
    float
        1.0 for one 8,000-epoch run of the recipe's network; affine in the epochs trained.
    """
    return seconds(config, continued) / seconds(ExperimentConfig())


def _check_config(config: object) -> ExperimentConfig:
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    return config
