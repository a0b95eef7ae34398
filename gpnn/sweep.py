"""Many independent experiments at once: one process per core, one torch thread per process.

The networks here are tiny, so a single run cannot use two cores well (two torch threads are
slower than one, and collapse when the machine is busy). Independent runs can: a sweep over
seeds or settings runs each in its own process. Workers are started with ``spawn``, which is
safe whatever threads the parent has already started, and each reads and fills the result
store (:mod:`gpnn.store`) when one is configured.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import torch

from gpnn._validation import check_int
from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult
from gpnn.store import cached_experiment
from gpnn.training import TrainingDivergedError


def run_sweep(
    configs: Sequence[ExperimentConfig], processes: int | None = None, allow_divergence: bool = False
) -> list[ExperimentResult | None]:
    """Run every configuration, in parallel processes, and return the results in order.

    Each result equals ``run_experiment(config)`` bit for bit (the fast trainer is exact).

    Parameters
    ----------
    configs : sequence of ExperimentConfig
    processes : int, optional
        Worker processes; defaults to the number of cores. ``1`` runs in this process.
    allow_divergence : bool, default False
        If true, a run whose loss becomes NaN or infinite gives ``None`` instead of raising
        :class:`~gpnn.training.TrainingDivergedError`.

    Returns
    -------
    list of ExperimentResult or None
        ``results[i]`` belongs to ``configs[i]``.
    """
    configs = list(configs)
    for index, config in enumerate(configs):
        if not isinstance(config, ExperimentConfig):
            raise TypeError(
                f"Argument 'configs' must hold ExperimentConfig objects, but configs[{index}] = {config!r}."
            )
    processes = (os.cpu_count() or 1) if processes is None else check_int("processes", processes, minimum=1)
    processes = min(processes, max(1, len(configs)))
    run = functools.partial(_run, allow_divergence=bool(allow_divergence))
    if processes == 1:
        return [run(config) for config in configs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_one_thread) as pool:
        return list(pool.map(run, configs))


def _run(config: ExperimentConfig, allow_divergence: bool) -> ExperimentResult | None:
    try:
        return cached_experiment(config)
    except TrainingDivergedError:
        if allow_divergence:
            return None
        raise


def _one_thread() -> None:  # pragma: no cover - runs in the worker processes
    torch.set_num_threads(1)
