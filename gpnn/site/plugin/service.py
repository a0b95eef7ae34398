"""The build's one job service: every training run the pages ask for, scheduled in one place.

Notebook pages (each in its own kernel) and Markdown pages' live code (in the build's own
process) send their runs to one [`JobServer`][gpnn.site.jobs.JobServer], started on first need
and open until the build ends. It serves stored runs from the result store, runs each missing
run once however many pages ask for it, longest first, on single-threaded worker processes.
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from gpnn.site import jobs

log = logging.getLogger("mkdocs.plugins.gpnn.service")
"""The logger of the job service."""


class JobService:
    """A job server for one build: started on first need, closed when the build ends.

    Parameters
    ----------
    workers : int or None
        Worker processes; `None` for as many as cores.
    scheduler : str or None
        A Dask scheduler's address: the runs go to that cluster instead of local processes.

    Attributes
    ----------
    folder : Path or None
        The result store of the current build (`None` before [`begin`][gpnn.site.plugin.service.JobService.begin]).
    workers : int or None
        Worker processes asked for.
    scheduler : str or None
        The Dask scheduler's address, if any.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self.folder: Path | None = None
        self._server: jobs.JobServer | None = None
        self._started = 0.0
        self._stack = ExitStack()

    def begin(self, folder: Path) -> None:
        """Prepare for a build whose result store is `folder`; nothing starts yet.

        Parameters
        ----------
        folder : Path
            The result store.
        """
        self.close()
        self.folder = folder

    def start(self) -> jobs.JobServer:
        """The build's job server, started if it is not yet.

        Its address is put into this process's environment, so that live code run by the build
        itself finds it as kernels do.

        Returns
        -------
        JobServer
            The running server.
        """
        if self._server is None:
            if self.folder is None:
                raise RuntimeError("The job service was started before the build began.")
            from gpnn.site.cluster import ClusterUnreachableError

            try:
                self._server = self._stack.enter_context(jobs.serving(self.folder, self.workers, self.scheduler))
            except ClusterUnreachableError as error:
                raise PluginError(str(error)) from None
            if self.scheduler:
                log.info(
                    "Training runs go to the Dask scheduler at %s (%d workers)", self.scheduler, self._server.workers
                )
            self._started = time.perf_counter()
        return self._server

    def environment(self) -> dict[str, str]:
        """The variables a kernel needs to reach the server (empty if it is not started).

        Returns
        -------
        dict of str to str
            The job server's address and key.
        """
        return self._server.environment() if self._server is not None else {}

    def close(self) -> dict[str, Any]:
        """Stop the server, if it ran, and say what it did.

        Returns
        -------
        dict
            `runs`, `run_seconds`, `served`, `workers`, `wall_seconds`, `epochs_trained` and
            `epochs_continued`; empty if no server ran.
        """
        server, self._server = self._server, None
        if server is None:
            return {}
        self._stack.close()
        summary = {
            "runs": len(server.completed),
            "run_seconds": sum(record["seconds"] for record in server.completed),
            "served": server.served,
            "workers": server.workers,
            "wall_seconds": time.perf_counter() - self._started,
            "epochs_trained": sum(record.get("epochs_trained", 0) for record in server.completed),
            "epochs_continued": sum(record.get("epochs_continued", 0) for record in server.completed),
        }
        if server.completed or server.served:
            log.info(
                "Training runs: %d computed (%.0f s of run time on %d %s; %s epochs trained, %s continued "
                "from the store), %d served from the store",
                summary["runs"],
                summary["run_seconds"],
                summary["workers"],
                "worker" if summary["workers"] == 1 else "workers",
                f"{summary['epochs_trained']:,}",
                f"{summary['epochs_continued']:,}",
                summary["served"],
            )
        return summary
