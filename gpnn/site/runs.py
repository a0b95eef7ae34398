"""Experiment results for the pages: from the store when stored, computed in parallel when not.

Pages ask for every run they need in one call ([`experiments`][gpnn.site.runs.experiments]), or
one at a time ([`experiment`][gpnn.site.runs.experiment]). Each result comes from the result
store ([`gpnn.site.store`][gpnn.site.store]) when it holds it; the missing ones are computed by a
job server ([`gpnn.site.jobs`][gpnn.site.jobs]): during a site build, the build's own, shared by
every page; elsewhere (a downloaded notebook, say), one started for the call. Either way each
distinct run is computed once, longest first, on every core.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from gpnn._validation import check_int
from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult
from gpnn.provenance import blas_threads
from gpnn.site import jobs, store
from gpnn.sweep import check_configs
from gpnn.training import TrainingDivergedError

_REQUESTED: dict[str, ExperimentConfig] = {}  # store key -> settings, of every run asked for in this process


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
        Worker processes for the runs not stored, when no build's job server is running; by
        default the number of cores. With 1, the runs are computed in this process.

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
    if not configs:
        return []
    digest, blas = store.computation_digest(), blas_threads()
    requests = [(store.result_key(config, digest), config, blas) for config in configs]
    _REQUESTED.update({key: config for key, config, _ in requests})
    server = jobs.server_from_env()
    if server is not None:
        outcomes = jobs.ask(server, requests)
    else:
        folder = store.cache_dir_from_env()
        with jobs.JobServer(folder, processes, in_process=processes == 1) as local:
            outcomes = jobs.check(requests, local.request(requests))
    results: list[ExperimentResult | None] = []
    for outcome in outcomes:
        if isinstance(outcome, TrainingDivergedError):
            if not allow_divergence:
                raise TrainingDivergedError(str(outcome), outcome.epoch)
            results.append(None)
        else:
            results.append(outcome)
    return results


def requested() -> list[dict[str, object]]:
    """Every distinct run asked for in this process since [`reset`][gpnn.site.runs.reset]: what a page trains.

    Returns
    -------
    list of dict
        Per run, in the order first asked: `key`, `epochs`, `cost` (deep-run equivalents),
        `kind`, `family` (the same for runs whose settings differ in their epochs only) and
        `continuable` (whether a longer run of the family continues from a shorter one).
    """
    return [
        {
            "key": key,
            "epochs": config.n_epochs,
            "cost": jobs.cost(config),
            "kind": jobs.kind(config),
            "family": jobs.family(config),
            "continuable": jobs.continuable(config),
        }
        for key, config in _REQUESTED.items()
    ]


def reset() -> None:
    """Forget the runs asked for so far (the build calls it before a page's code runs)."""
    _REQUESTED.clear()
