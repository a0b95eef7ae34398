"""Experiment results for the pages: from the store when stored, computed in parallel when not.

Pages ask for every run they need in one call ([`experiments`][gpnn.site.runs.experiments]), or one
at a time ([`experiment`][gpnn.site.runs.experiment]). Each result comes from the result store
([`gpnn.site.store`][]) when it holds it; the missing ones are computed, longest first, on every
core, and stored. During a site build the build's job server ([`gpnn.site.jobs`][]) does this for
every page at once; elsewhere (a downloaded notebook, say) a local pool of processes does it for the
call.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from gpnn._validation import check_int
from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult
from gpnn.network import count_parameters, layer_sizes
from gpnn.provenance import blas_threads
from gpnn.site import jobs, store
from gpnn.sweep import check_configs, one_thread, spawn_context
from gpnn.training import TrainingDivergedError

Outcome = ExperimentResult | TrainingDivergedError
"""What a run gives: its result, or the error of its divergence (stored like a result)."""


def experiment(config: ExperimentConfig | None = None) -> ExperimentResult:
    """The result of one experiment, the reference experiment by default.

    Parameters
    ----------
    config : ExperimentConfig, optional
        The settings; by default those of the reference experiment.

    Returns
    -------
    ExperimentResult
        Equal, array for array, to `run_experiment(config)`.

    Raises
    ------
    TrainingDivergedError
        If the run diverges.
    """
    (result,) = experiments([ExperimentConfig() if config is None else config])
    assert result is not None  # divergence raises when it is not allowed
    return result


def experiments(
    configs: Sequence[ExperimentConfig], allow_divergence: bool = False, processes: int | None = None
) -> list[ExperimentResult | None]:
    """The results of many experiments, in order, each computed at most once per store.

    Parameters
    ----------
    configs : sequence of ExperimentConfig
        The settings of each run; the same settings may come more than once.
    allow_divergence : bool, default False
        If true, a run that diverges gives `None`; otherwise the first divergence raises.
    processes : int, optional
        Worker processes for the runs not stored; by default the number of cores.

    Returns
    -------
    list of ExperimentResult or None
        `results[i]` belongs to `configs[i]`; `None` for a run that diverged.

    Raises
    ------
    TrainingDivergedError
        If a run diverges and `allow_divergence` is false.
    """
    configs = check_configs(configs)
    processes = (os.cpu_count() or 1) if processes is None else check_int("processes", processes, minimum=1)
    server = jobs.server_from_env()
    if server is not None and configs:
        digest, blas = store.computation_digest(), blas_threads()
        outcomes = jobs.ask(server, [(store.result_key(config, digest), config, blas) for config in configs])
    else:
        outcomes = compute_all(configs, store.cache_dir_from_env(), processes)
    results: list[ExperimentResult | None] = []
    for outcome in outcomes:
        if isinstance(outcome, TrainingDivergedError):
            if not allow_divergence:
                raise TrainingDivergedError(str(outcome), outcome.epoch)
            results.append(None)
        else:
            results.append(outcome)
    return results


def compute_all(configs: list[ExperimentConfig], folder: Path | None, processes: int) -> list[Outcome]:
    """The outcome of every config: stored ones loaded, the others computed (longest first) and stored.

    Parameters
    ----------
    configs : list of ExperimentConfig
        The settings of each run.
    folder : Path or None
        The result store; `None` computes every run and stores nothing.
    processes : int
        Worker processes for the runs computed; 1 computes them in this process.

    Returns
    -------
    list of ExperimentResult or TrainingDivergedError
        `outcomes[i]` belongs to `configs[i]`: the result, or the error of a run that
        diverged.
    """
    digest = store.computation_digest()
    keys = [store.result_key(c, digest) for c in configs] if folder is not None else [None] * len(configs)
    outcomes: list[Outcome | None] = [
        None if key is None or folder is None else store.load(folder, key, config)
        for config, key in zip(configs, keys, strict=True)
    ]
    missing = sorted((i for i, outcome in enumerate(outcomes) if outcome is None), key=lambda i: -cost(configs[i]))
    # One job per distinct key: a sweep may list the same run twice.
    unique = list({(keys[i] or i): i for i in missing}.values())
    task = functools.partial(_fill, folder=folder, blas=blas_threads())
    jobs = [(configs[i], keys[i]) for i in unique]
    if processes == 1 or len(jobs) <= 1:
        done = [task(job) for job in jobs]
    else:
        workers = min(processes, len(jobs))
        with ProcessPoolExecutor(workers, mp_context=spawn_context(), initializer=one_thread) as pool:
            done = list(pool.map(task, jobs))
    by_key = {(keys[i] or i): outcome for i, outcome in zip(unique, done, strict=True)}
    return [outcome if outcome is not None else by_key[keys[i] or i] for i, outcome in enumerate(outcomes)]


def _fill(job: tuple[ExperimentConfig, str | None], folder: Path | None, blas: int) -> Outcome:
    config, key = job
    if folder is None or key is None:
        return store.compute(config, blas)
    return store.fill(folder, key, config, blas)


def cost(config: ExperimentConfig) -> float:
    """A rough relative cost of running `config`: epochs times the work of one epoch.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.

    Returns
    -------
    float
        A number proportional to the expected training time, comparable between configs
        only.
    """
    sizes = layer_sizes(1, config.hidden_sizes)
    n_train = int(config.train_mask().sum())
    # Per epoch: a fixed cost per layer (operator overhead) plus the arithmetic of the products.
    return float(config.n_epochs * (12 * len(sizes) + n_train * count_parameters(sizes) / 2000))
