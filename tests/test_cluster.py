"""The build's training runs on a real Dask cluster: a scheduler and workers started from the shell.

The scheduler and its workers are separate processes, started with the `dask` command in a
folder of their own, with no access to the build's cache: results travel back to the build,
which writes the store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, build
from .test_build import PAGE_A, computed_runs, make_project, ok, text

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]

DASK = str(Path(sys.executable).with_name("dask"))


@contextmanager
def cluster(folder: Path, workers: int, pythonpath: Path | None = None):
    """A Dask scheduler and `workers` single-threaded workers, in `folder`; yields the address."""
    folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GPNN_")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    scheduler_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("w")
    common = {"cwd": folder, "env": env, "stdout": log, "stderr": subprocess.STDOUT}
    processes = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        processes += [
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(folder / f"worker-{n}"),
                ],
                **common,
            )
            for n in range(workers)
        ]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


# Two runs and their longer twins, asked for at once: each longer run waits for its twin and
# continues from it, on the cluster as on the local pool.
PAGE_LONGER = """# %% [markdown]
# # Page L

# %%
import gpnn
from gpnn.site import number, prose
from gpnn.site.runs import experiments

configs = [
    gpnn.ExperimentConfig(n_epochs=epochs, hidden_sizes=(4,), init_seed=seed, record_every=10)
    for epochs in (60, 30)
    for seed in range(2)
]
runs = experiments(configs)
final, tenth = runs[0].final_rmse, float(runs[0].loss_history[9])
prose(f"It ends at {number(final, '.9f', key='l_final')}, from {number(tenth, '.9f', key='l_tenth')} at epoch 10.")
"""


def _value(site: Path, page: str = "a", key: str = "a_final") -> str:
    return re.search(rf'data-key="{key}" data-value="([^"]+)"', text(site, page)).group(1)


def test_a_build_on_a_cluster_gives_the_local_build(tmp_path):
    project = make_project(tmp_path, {"a": PAGE_A})
    local = ok(build(project, tmp_path / "local", {"GPNN_CACHE_ROOT": str(tmp_path / "cache-local")}))
    assert computed_runs(local) == 3
    with cluster(tmp_path / "cluster", workers=2) as address:
        env = {"GPNN_CACHE_ROOT": str(tmp_path / "cache-cluster"), "GPNN_SCHEDULER": address}
        remote = ok(build(project, tmp_path / "remote", env))
    assert f"Dask scheduler at {address} (2 workers)" in remote.stderr
    assert computed_runs(remote) == 3
    assert _value(tmp_path / "remote") == _value(tmp_path / "local")
    # The build stored what the workers computed; the workers' folder holds no result.
    assert len(list((tmp_path / "cache-cluster" / "experiments").glob("*.npz"))) == 3
    assert not list((tmp_path / "cluster").rglob("*.npz"))


def test_on_a_cluster_a_longer_run_continues_its_shorter_twin(tmp_path):
    project = make_project(tmp_path, {"l": PAGE_LONGER})
    local = ok(build(project, tmp_path / "local", {"GPNN_CACHE_ROOT": str(tmp_path / "cache-local")}))
    with cluster(tmp_path / "cluster", workers=2) as address:
        env = {"GPNN_CACHE_ROOT": str(tmp_path / "cache-cluster"), "GPNN_SCHEDULER": address}
        remote = ok(build(project, tmp_path / "remote", env))
    for completed in (local, remote):
        assert "120 epochs trained, 60 continued from the store" in completed.stderr, completed.stderr
    for key in ("l_final", "l_tenth"):
        assert _value(tmp_path / "remote", "l", key) == _value(tmp_path / "local", "l", key)
    # The cluster's results are listed for continuation like the pool's: a later, longer run finds them.
    lineages = tmp_path / "cache-cluster" / "experiments" / "lineages"
    assert sorted(path.name for path in lineages.glob("*/*")) == ["30-10", "30-10", "60-10", "60-10"]


def test_a_worker_with_other_code_is_refused(tmp_path):
    stale = tmp_path / "stale"
    shutil.copytree(ROOT / "gpnn", stale / "gpnn", ignore=shutil.ignore_patterns("__pycache__"))
    trainer = stale / "gpnn" / "training.py"
    trainer.write_text(trainer.read_text().replace("W -= W.grad * self.lr", "W -= self.lr * W.grad"))
    project = make_project(tmp_path, {"a": PAGE_A})
    with cluster(tmp_path / "cluster", workers=1, pythonpath=stale) as address:
        env = {"GPNN_CACHE_ROOT": str(tmp_path / "cache"), "GPNN_SCHEDULER": address}
        completed = build(project, tmp_path / "site", env)
    assert completed.returncode != 0
    assert "StaleWorkerError" in completed.stderr and "This worker's gpnn computes runs with code" in completed.stderr
    assert not list((tmp_path / "cache" / "experiments").glob("*.npz"))  # nothing wrong was stored


def test_an_unreachable_scheduler_fails_fast_in_one_line(tmp_path):
    project = make_project(tmp_path, {"a": PAGE_A})
    started = time.monotonic()
    env = {"GPNN_CACHE_ROOT": str(tmp_path / "cache"), "GPNN_SCHEDULER": "tcp://127.0.0.1:9"}
    completed = build(project, tmp_path / "site", env)
    assert completed.returncode != 0 and time.monotonic() - started < 60
    assert "No Dask scheduler answered at tcp://127.0.0.1:9 within 10 s" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_task_returns_its_outcome_with_the_worker_s_own_seconds():
    # In this process, as a worker runs it: the seconds are those of the run, not of a queue.
    import gpnn
    from gpnn.site import cluster, store

    config = gpnn.ExperimentConfig(n_epochs=20, hidden_sizes=(4,), record_every=10)
    started = time.perf_counter()
    outcome, seconds = cluster.remote_run(config, 1, store.computation_digest())
    elapsed = time.perf_counter() - started
    assert isinstance(outcome, gpnn.ExperimentResult) and outcome.config == config
    assert 0 < seconds <= elapsed
    with pytest.raises(cluster.StaleWorkerError, match=r"code [0-9a-f]{12}, the build's with 000000000000"):
        cluster.remote_run(config, 1, "0" * 64)
