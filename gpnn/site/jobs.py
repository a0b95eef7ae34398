"""One scheduler for every training run: a job server and its clients.

While the site builds, several notebook pages execute at once, each in its own kernel, and the
build itself runs the live code of Markdown pages; each asks for training runs. If every page
started its own process pool, the runs would oversubscribe the cores at times and leave them
idle at others. Instead the build starts one [`JobServer`][gpnn.site.jobs.JobServer], with as
many single-threaded worker processes as cores, and tells the kernels where it listens (the
environment variables [`ADDRESS_VARIABLE`][gpnn.site.jobs.ADDRESS_VARIABLE] and
[`KEY_VARIABLE`][gpnn.site.jobs.KEY_VARIABLE]). [`experiments`][gpnn.site.runs.experiments]
sends its configurations to that server, or, outside a build, to one of its own. A server

* serves each run from the result store when it is there,
* runs each missing key once, however many pages ask for it,
* keeps every worker busy, always starting the most costly job waiting
  ([`cost`][gpnn.site.costs.cost]), and
* answers each request when all of its runs are done.

The server and its clients talk over a local socket with a shared secret
(`multiprocessing.connection`).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import secrets
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from gpnn.config import ExperimentConfig
from gpnn.experiment import RESUMABLE_IMPLEMENTATIONS, ExperimentResult, can_continue
from gpnn.site import store
from gpnn.site.costs import cost as cost  # re-exported: the scheduler orders by it
from gpnn.sweep import one_thread, spawn_context
from gpnn.training import TrainingDivergedError

ADDRESS_VARIABLE = "GPNN_JOBS_ADDRESS"
"""Environment variable holding the job server's `host:port`."""

KEY_VARIABLE = "GPNN_JOBS_KEY"
"""Environment variable holding the job server's secret, in hexadecimal."""

Outcome = ExperimentResult | TrainingDivergedError
"""What a run gives: its result, or the error of its divergence."""

log = logging.getLogger("gpnn.site.jobs")
"""The logger of the job server."""


@dataclass
class _Job:
    key: str
    config: ExperimentConfig
    blas: int
    cost: float
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    error: str | None = None
    seconds: float = 0.0
    trained: int = 0
    continued: int = 0
    finished: bool = False  # set before the jobs waiting for this one are dispatched


class JobServer:
    """Run training jobs for many clients on one pool of single-threaded worker processes.

    Parameters
    ----------
    folder : Path or None
        The result store the workers read and fill; `None` for none (every run is computed).
    workers : int, optional
        Worker processes; by default the number of cores.
    in_process : bool, default False
        Run the jobs one after another in the requesting thread instead of in worker processes
        (one worker, no process to start).
    scheduler : str, optional
        The address of a Dask scheduler (`tcp://HOST:8786`) to send the runs to instead of local
        worker processes ([`gpnn.site.cluster`][gpnn.site.cluster]); the results are stored here.

    Attributes
    ----------
    folder : Path or None
        The result store.
    workers : int
        Number of worker processes.
    in_process : bool
        Whether jobs run in the requesting thread.
    scheduler : str or None
        The Dask scheduler's address, if the runs go to a cluster.
    secret : bytes
        The key clients authenticate with ([`KEY_VARIABLE`][gpnn.site.jobs.KEY_VARIABLE] holds it in
        hexadecimal).
    address : tuple of (str, int)
        Where it listens, once started.
    completed : list of dict
        One record per run computed (`key`, `cost`, `seconds`, `diverged`, `epochs_trained`,
        `epochs_continued`), in the order they finished: the build reports them.
    served : int
        Runs answered from the store or from a run already done.
    """

    def __init__(
        self, folder: Path | None, workers: int | None = None, in_process: bool = False, scheduler: str | None = None
    ) -> None:
        self.folder = None if folder is None else Path(folder)
        self.workers = 1 if in_process else (workers or os.cpu_count() or 1)
        self.in_process = in_process
        self.scheduler = scheduler
        self._client: Any = None
        self.secret = secrets.token_bytes(32)
        self.completed: list[dict[str, Any]] = []
        self.served = 0
        self._jobs: dict[str, _Job] = {}
        self._waiting: list[tuple[float, int, _Job]] = []  # a heap: most costly first
        self._order = itertools.count()
        self._running = 0
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._listener: Listener | None = None
        self.address: tuple[str, int] = ("127.0.0.1", 0)

    def start(self) -> JobServer:
        """Start the worker processes and listen for clients.

        Returns
        -------
        JobServer
            Itself.
        """
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        if self.scheduler:
            from gpnn.site import cluster

            self._client = cluster.connect(self.scheduler)
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        elif not self.in_process:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=spawn_context(), initializer=one_thread)
        self._listener = Listener(("127.0.0.1", 0), authkey=self.secret)
        self.address = self._listener.address
        threading.Thread(target=self._accept, name="gpnn-jobs", daemon=True).start()
        return self

    def environment(self) -> dict[str, str]:
        """The variables a client process needs to find this server.

        Returns
        -------
        dict of str to str
            [`ADDRESS_VARIABLE`][gpnn.site.jobs.ADDRESS_VARIABLE] and
            [`KEY_VARIABLE`][gpnn.site.jobs.KEY_VARIABLE] with their values.
        """
        host, port = self.address
        return {ADDRESS_VARIABLE: f"{host}:{port}", KEY_VARIABLE: self.secret.hex()}

    def close(self) -> None:
        """Stop listening and shut the workers down."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> JobServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, jobs: list[tuple[str, ExperimentConfig, int]]) -> list[Outcome | str]:
        """Outcomes of `(key, config, blas)` jobs, in order: a result, a divergence, or an error text.

        Parameters
        ----------
        jobs : list of (str, ExperimentConfig, int)
            Store key, settings and BLAS threads of each run.

        Returns
        -------
        list
            Per job: its [`ExperimentResult`][gpnn.experiment.ExperimentResult], its
            [`TrainingDivergedError`][gpnn.training.TrainingDivergedError], or the traceback (a
            `str`) of an unexpected failure.
        """
        handles = [self._submit(key, config, blas) for key, config, blas in jobs]
        if self.in_process:
            self._run_here()
        with self._lock:  # all of this request's jobs are queued: now start the most costly
            self._dispatch()
        for handle in handles:
            handle.done.wait()
        return [handle.error if handle.error is not None else handle.outcome for handle in handles]  # type: ignore[misc]

    def _submit(self, key: str, config: ExperimentConfig, blas: int) -> _Job:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self.served += 1
                return job
            job = self._jobs[key] = _Job(key, config, blas, cost(config))
        stored = None if self.folder is None else store.load(self.folder, key, config)
        if stored is not None:
            job.outcome = stored
            job.done.set()
            with self._lock:
                self.served += 1
            return job
        with self._lock:
            heapq.heappush(self._waiting, (-job.cost, next(self._order), job))
        return job

    def _dispatch(self) -> None:
        # Called with the lock held: start the most costly waiting jobs while workers are free. A
        # cluster takes them all at once and keeps the order by their priority.
        deferred = []
        while self._waiting and (self._client is not None or (self._running < self.workers and self._pool)):
            entry = heapq.heappop(self._waiting)
            job = entry[2]
            if self._base_pending(job):  # it will continue from that run once it is stored
                deferred.append(entry)
                continue
            self._running += 1
            started = time.perf_counter()
            if self._client is not None:
                from gpnn.site import cluster

                # The store stays here: a task carries the stored run it continues, if any.
                start, job.continued = (
                    (None, 0) if self.folder is None else store.start_for(self.folder, job.key, job.config)
                )
                future = cluster.submit(self._client, job.key, job.config, job.blas, job.cost, start)
            else:
                assert self._pool is not None
                future = self._pool.submit(_run, self.folder, job.key, job.config, job.blas)
            future.add_done_callback(functools.partial(self._finished, job, started=started))
        for entry in deferred:
            heapq.heappush(self._waiting, entry)

    def _base_pending(self, job: _Job) -> bool:
        # A shorter run of the same settings, asked for in this build and not done yet: the job
        # waits for it, then continues from it instead of training its epochs again.
        if self.folder is None or self.in_process:
            return False
        return any(
            not (other.finished or other.done.is_set()) and can_continue(other.config, job.config)
            for other in self._jobs.values()
            if other is not job
        )

    def _run_here(self) -> None:
        # In-process: every waiting job, most costly first, in this thread.
        while True:
            with self._lock:
                if not self._waiting:
                    return
                _, _, job = heapq.heappop(self._waiting)
                self._running += 1
            future: Future[store.Filled] = Future()
            started = time.perf_counter()
            try:
                future.set_result(_run(self.folder, job.key, job.config, job.blas))
            except Exception as error:
                future.set_exception(error)
            self._finished(job, future, started=started)

    def _finished(self, job: _Job, future: Future[Any], *, started: float) -> None:
        # A cluster takes every task at once, so its time since submission counts the queue too:
        # its worker says how long the run took.
        seconds = None
        try:
            filled = future.result()
            if self._client is not None:  # computed elsewhere: stored here
                outcome, seconds = filled
                filled = store.filled(outcome, job.config, job.continued)
                if self.folder is not None:
                    store.keep(self.folder, job.key, job.config, filled.outcome)
            job.outcome = filled.outcome
            job.trained, job.continued = filled.trained, filled.continued
        except BaseException:  # a bug in a run: reported to the page that asked, never hidden
            job.error = traceback.format_exc()
        job.seconds = time.perf_counter() - started if seconds is None else seconds
        with self._lock:
            job.finished = True
            self._running -= 1
            self.completed.append(
                {
                    "key": job.key,
                    "cost": job.cost,
                    "seconds": job.seconds,
                    "diverged": isinstance(job.outcome, TrainingDivergedError),
                    "epochs_trained": job.trained,
                    "epochs_continued": job.continued,
                }
            )
            self._dispatch()
        job.done.set()

    def _accept(self) -> None:
        while self._listener is not None:
            try:
                connection = self._listener.accept()
            except (OSError, EOFError, AuthenticationError):  # closed, or a client without the secret
                if self._listener is None:
                    return
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: Connection) -> None:
        with connection:
            try:
                jobs = connection.recv()
                connection.send(self.request(jobs))
            except (EOFError, OSError):  # the client went away
                pass


def _run(folder: Path | None, key: str, config: ExperimentConfig, blas: int) -> store.Filled:
    if folder is None:
        return store.Filled(store.compute(config, blas), config.n_epochs, 0, False)
    return store.fill_run(folder, key, config, blas)


def check(jobs: list[tuple[str, ExperimentConfig, int]], outcomes: list[Outcome | str]) -> list[Outcome]:
    """The outcomes of `jobs`, raising if one of them failed unexpectedly.

    Parameters
    ----------
    jobs : list of (str, ExperimentConfig, int)
        Store key, settings and BLAS threads of each run.
    outcomes : list
        What [`JobServer.request`][gpnn.site.jobs.JobServer.request] answered for them.

    Returns
    -------
    list of ExperimentResult or TrainingDivergedError
        In the order of `jobs`.

    Raises
    ------
    RuntimeError
        If a run failed unexpectedly; the message holds the worker's traceback.
    """
    for (_, config, _), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, str):
            raise RuntimeError(f"The run of {config!r} failed in the job server:\n{outcome}")
    return outcomes  # type: ignore[return-value]


def server_from_env() -> tuple[tuple[str, int], bytes] | None:
    """The address and secret of the build's job server, if this process was started by one.

    Returns
    -------
    tuple or None
        `((host, port), secret)`, or `None` when the variables are not set.
    """
    address, secret = os.environ.get(ADDRESS_VARIABLE, ""), os.environ.get(KEY_VARIABLE, "")
    if not address or not secret:
        return None
    host, _, port = address.rpartition(":")
    return (host, int(port)), bytes.fromhex(secret)


def ask(server: tuple[tuple[str, int], bytes], jobs: list[tuple[str, ExperimentConfig, int]]) -> list[Outcome]:
    """Send `(key, config, blas)` jobs to a job server and wait for their outcomes.

    Parameters
    ----------
    server : tuple
        From [`server_from_env`][gpnn.site.jobs.server_from_env].
    jobs : list of (str, ExperimentConfig, int)
        Store key, settings and BLAS threads of each run.

    Returns
    -------
    list of ExperimentResult or TrainingDivergedError
        In the order of `jobs`.

    Raises
    ------
    RuntimeError
        If a run failed unexpectedly; the message holds the worker's traceback.
    """
    address, secret = server
    with Client(address, authkey=secret) as connection:
        connection.send(jobs)
        return check(jobs, connection.recv())


@contextmanager
def serving(folder: Path, workers: int | None = None, scheduler: str | None = None) -> Iterator[JobServer]:
    """A started [`JobServer`][gpnn.site.jobs.JobServer] whose address this process's children inherit, stopped on exit.

    Parameters
    ----------
    folder : Path
        The result store.
    workers : int, optional
        Worker processes; by default the number of cores.
    scheduler : str, optional
        A Dask scheduler's address, to run on a cluster instead.

    Yields
    ------
    JobServer
    """
    server = JobServer(folder, workers, scheduler=scheduler).start()
    previous = {name: os.environ.get(name) for name in (ADDRESS_VARIABLE, KEY_VARIABLE)}
    os.environ.update(server.environment())
    try:
        yield server
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.close()


def kind(config: ExperimentConfig) -> str:
    """The kind of a run, for its cost: how it is trained (`config.implementation`).

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.

    Returns
    -------
    str
        One of [`IMPLEMENTATIONS`][gpnn.config.IMPLEMENTATIONS].
    """
    return config.implementation


def family(config: ExperimentConfig) -> str:
    """A key shared by runs whose settings differ in their epochs (and snapshot spacing) only.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.

    Returns
    -------
    str
        [`lineage_key`][gpnn.site.store.lineage_key] of `config`.
    """
    return store.lineage_key(config)


def continuable(config: ExperimentConfig) -> bool:
    """Whether a longer run of `config`'s family continues from a shorter one, bit for bit.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.

    Returns
    -------
    bool
        True for the implementations of
        [`RESUMABLE_IMPLEMENTATIONS`][gpnn.experiment.RESUMABLE_IMPLEMENTATIONS].
    """
    return config.implementation in RESUMABLE_IMPLEMENTATIONS
