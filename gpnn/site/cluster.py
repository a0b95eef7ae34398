"""The build's training runs on a Dask cluster, when one machine is not enough.

With a scheduler address (the plugin's `scheduler` setting, or `GPNN_SCHEDULER`), the build's
job server ([`JobServer`][gpnn.site.jobs.JobServer]) sends the runs it would start on its own
worker processes to an existing Dask distributed scheduler instead. It keeps its own
deduplication and order: one task per store key (the Dask key is the store key), most costly
first (the Dask priority is the run's cost). Workers need the same `gpnn` installed and nothing
else: no shared filesystem. Results travel back and the build writes the store. Each task
carries the build's code digest ([`computation_digest`][gpnn.site.store.computation_digest]);
a worker whose code differs fails it with [`StaleWorkerError`][gpnn.site.cluster.StaleWorkerError]
naming both digests, so a stale worker never fills the store with wrong results. A worker lost
mid-build has its tasks run again elsewhere (Dask's retries). A run whose shorter twin is stored
(or asked for in the same build, which it then waits for) travels with that twin's result and
trains only the epochs after it ([`start_for`][gpnn.site.store.start_for]), as on the local pool.

Start a cluster from the shell, on any machines that reach each other:

```
dask scheduler                       # prints its address, tcp://HOST:8786
dask worker tcp://HOST:8786 --nworkers 2 --nthreads 1
```
"""

from __future__ import annotations

import time
from typing import Any

from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult
from gpnn.site import store
from gpnn.training import TrainingDivergedError

CONNECT_SECONDS = 10
"""How long to wait for the scheduler before the build fails."""

RETRIES = 3
"""How many times Dask runs a task again whose worker was lost."""


class StaleWorkerError(RuntimeError):
    """A worker's `gpnn` computes runs with other code than the build's."""


class ClusterUnreachableError(ConnectionError):
    """The Dask scheduler did not answer."""


def connect(address: str, timeout: float = CONNECT_SECONDS) -> Any:
    """A Dask client of the scheduler at `address`, or a one-line error within `timeout` seconds.

    Parameters
    ----------
    address : str
        The scheduler's address, `tcp://HOST:PORT`.
    timeout : float, default `CONNECT_SECONDS`
        Seconds to wait for it.

    Returns
    -------
    distributed.Client
        The connected client.

    Raises
    ------
    ClusterUnreachableError
        If no scheduler answers there in time, or `distributed` is not installed.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterUnreachableError(
            f"A Dask scheduler was asked for ({address}), but the 'distributed' package is not installed: "
            'pip install -e ".[cluster]".'
        ) from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise ClusterUnreachableError(
            f"No Dask scheduler answered at {address} within {timeout:g} s ({type(error).__name__})."
        ) from None


def submit(
    client: Any,
    key: str,
    config: ExperimentConfig,
    blas: int,
    priority: float,
    start: ExperimentResult | TrainingDivergedError | None = None,
) -> Any:
    """Send one run to the cluster: a task named by its store key, prioritised by its cost.

    Parameters
    ----------
    client : distributed.Client
        From [`connect`][gpnn.site.cluster.connect].
    key : str
        The run's store key.
    config : ExperimentConfig
        Its settings.
    blas : int
        BLAS threads to run with.
    priority : float
        Its cost: higher runs first.
    start : ExperimentResult or TrainingDivergedError, optional
        The stored run it continues from ([`start_for`][gpnn.site.store.start_for]): the worker
        trains only the epochs after it.

    Returns
    -------
    distributed.Future
        The run's outcome and the worker's seconds on it, when done.
    """
    return client.submit(
        remote_run,
        config,
        blas,
        store.computation_digest(),
        start,
        key=f"gpnn-run-{key}",
        priority=priority,
        retries=RETRIES,
        pure=False,
    )


def remote_run(
    config: ExperimentConfig, blas: int, digest: str, start: ExperimentResult | TrainingDivergedError | None = None
) -> tuple[ExperimentResult | TrainingDivergedError, float]:
    """Run `config` on a worker, after checking that the worker computes with the build's code.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    blas : int
        BLAS threads to run with.
    digest : str
        The build's [`computation_digest`][gpnn.site.store.computation_digest].
    start : ExperimentResult or TrainingDivergedError, optional
        A shorter stored run of the same settings to continue from
        ([`advance`][gpnn.site.store.advance]).

    Returns
    -------
    tuple
        The result, or the error of a run that diverged, and the seconds the worker spent on it
        (a task's time since submission would count its wait in the scheduler's queue too).

    Raises
    ------
    StaleWorkerError
        If the worker's code digest differs from `digest`.
    """
    from gpnn.sweep import one_thread

    one_thread()  # as the build's own workers: one thread per run, one run per Dask thread
    mine = store.computation_digest()
    if mine != digest:
        raise StaleWorkerError(
            f"This worker's gpnn computes runs with code {mine[:12]}, the build's with {digest[:12]}: "
            "install the build's gpnn on the worker and start it again."
        )
    started = time.perf_counter()
    outcome = store.advance(start, config, blas)
    return outcome, time.perf_counter() - started
