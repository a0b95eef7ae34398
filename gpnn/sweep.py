"""Many independent experiments at once, on any executor: local processes, or a cluster.

The networks here are tiny, so a single run cannot use two cores well (two torch threads are slower
than one, and collapse when the machine is busy). Independent runs can: a sweep over seeds or
settings runs each in its own process. [`run_sweep`][gpnn.sweep.run_sweep] starts a local process
pool by default and accepts any `concurrent.futures.Executor` instead, for instance a Dask
cluster's:

```python
from distributed import Client, LocalCluster

with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
    results = run_sweep(configs, executor=client.get_executor())
```

Every run trains on one torch thread and with the caller's number of BLAS threads (which
decides the rounding of the Cholesky factorisation that simulates the data, and cluster
workers often start with one), so each result equals `run_experiment(config)` bit for bit,
wherever it ran.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import torch
from threadpoolctl import threadpool_limits

from gpnn._validation import check_int
from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult, run_experiment
from gpnn.provenance import blas_threads
from gpnn.training import TrainingDivergedError


def run_sweep(
    configs: Sequence[ExperimentConfig],
    *,
    executor: Executor | None = None,
    processes: int | None = None,
    allow_divergence: bool = False,
) -> list[ExperimentResult | None]:
    """Run every configuration, in parallel, and return the results in order.

    Each result equals `run_experiment(config)` bit for bit (the fast trainer is exact).

    Parameters
    ----------
    configs : sequence of ExperimentConfig
        The settings of each run.
    executor : concurrent.futures.Executor, optional
        Where to run: any executor whose `map` ships a function and its arguments to workers,
        such as `distributed.Client.get_executor()`. By default a pool of local processes.
    processes : int, optional
        Without `executor`: worker processes, by default the number of cores; `1` runs in
        this process.
    allow_divergence : bool, default False
        If true, a run that diverges gives `None` instead of raising
        [`TrainingDivergedError`][gpnn.training.TrainingDivergedError].

    Returns
    -------
    list of ExperimentResult or None
        `results[i]` belongs to `configs[i]`.
    """
    configs = check_configs(configs)
    if executor is not None and processes is not None:
        raise ValueError(f"Arguments 'executor' and 'processes' exclude each other, but processes = {processes!r}.")
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(f"Argument 'executor' must be a concurrent.futures.Executor, but executor = {executor!r}.")
    task = functools.partial(run_one, allow_divergence=bool(allow_divergence), blas=blas_threads())
    if executor is not None:
        return list(executor.map(task, configs))
    processes = (os.cpu_count() or 1) if processes is None else check_int("processes", processes, minimum=1)
    processes = min(processes, max(1, len(configs)))
    if processes == 1:
        return [task(config) for config in configs]
    with ProcessPoolExecutor(max_workers=processes, mp_context=spawn_context(), initializer=one_thread) as pool:
        return list(pool.map(task, configs))


def run_one(config: ExperimentConfig, allow_divergence: bool = False, blas: int = 0) -> ExperimentResult | None:
    """One run of a sweep, with `blas` BLAS threads (0: as they are) and the fast trainer.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    allow_divergence : bool, default False
        Return `None` instead of raising if training diverges.
    blas : int, default 0
        Threads for the BLAS library while the data are simulated and the run trains.

    Returns
    -------
    ExperimentResult or None
        The result, equal to `run_experiment(config)`; `None` if training diverged and
        `allow_divergence` is true.
    """
    with threadpool_limits(limits=blas or None, user_api="blas"):
        try:
            return run_experiment(config, trainer="fast")
        except TrainingDivergedError:
            if allow_divergence:
                return None
            raise


def check_configs(configs: object) -> list[ExperimentConfig]:
    """Return `configs` as a list after checking that each is an [`ExperimentConfig`][gpnn.config.ExperimentConfig].

    Parameters
    ----------
    configs : sequence of ExperimentConfig
        The settings to check; a single config is refused, as is any other object.

    Returns
    -------
    list of ExperimentConfig
        The same configs, in order.
    """
    if isinstance(configs, ExperimentConfig) or not isinstance(configs, Sequence):
        raise TypeError(f"Argument 'configs' must be a sequence of ExperimentConfig, but configs = {configs!r}.")
    for index, config in enumerate(configs):
        if not isinstance(config, ExperimentConfig):
            raise TypeError(
                f"Argument 'configs' must hold ExperimentConfig objects, but configs[{index}] = {config!r}."
            )
    return list(configs)


def spawn_context() -> multiprocessing.context.SpawnContext:
    """The `spawn` start method: safe whatever threads the parent has started already.

    Returns
    -------
    multiprocessing.context.SpawnContext
        The context to pass as a process pool's `mp_context`.
    """
    return multiprocessing.get_context("spawn")


def one_thread() -> None:  # pragma: no cover - runs in the worker processes
    """Worker initialiser: one torch thread, faster for matrices this small."""
    torch.set_num_threads(1)
