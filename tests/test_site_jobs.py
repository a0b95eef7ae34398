"""The build's job server: every run once, longest first, on a fixed number of workers."""

import threading

import numpy as np
import pytest

import gpnn
from gpnn.site import jobs, runs, store


def _config(epochs, seed=0, **kwargs):
    return gpnn.ExperimentConfig(n_epochs=epochs, hidden_sizes=(4,), init_seed=seed, **kwargs)


def _jobs(configs):
    digest = store.computation_digest()
    return [(store.result_key(c, digest), c, gpnn.provenance.blas_threads()) for c in configs]


def test_concurrent_requests_share_runs_and_longest_go_first(tmp_path):
    small, medium, large = _config(20, seed=1), _config(60, seed=2), _config(120, seed=3)
    diverging = _config(30, seed=4, learning_rate=1e6)
    with jobs.JobServer(tmp_path, workers=1) as server:
        answers = {}

        def client(name, configs):
            answers[name] = server.request(_jobs(configs))

        threads = [
            threading.Thread(target=client, args=("a", [small, large, medium, diverging])),
            threading.Thread(target=client, args=("b", [large, small])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Four distinct runs, each computed once, however many requests named it.
    assert len(server.completed) == 4 and server.served == 2
    costs = [record["cost"] for record in server.completed]
    assert costs == sorted(costs, reverse=True) or costs[1:] == sorted(costs[1:], reverse=True)
    assert [record["diverged"] for record in server.completed].count(True) == 1
    a, b = answers["a"], answers["b"]
    assert isinstance(a[3], gpnn.TrainingDivergedError)
    assert a[1] is b[0] or np.array_equal(a[1].loss_history, b[0].loss_history)
    np.testing.assert_array_equal(a[0].loss_history, gpnn.run_experiment(small).loss_history)
    # Everything landed in the store, divergence included.
    assert len(list(tmp_path.glob("*.npz"))) == 4


def test_one_request_runs_longest_first(tmp_path):
    configs = [_config(epochs, seed=epochs) for epochs in (10, 80, 40, 160)]
    with jobs.JobServer(tmp_path, workers=1) as server:
        server.request(_jobs(configs))
    assert [record["cost"] for record in server.completed] == sorted(jobs.cost(c) for c in configs)[::-1]


def test_pages_find_the_server_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("GPNN_CACHE_DIR", raising=False)
    configs = [_config(15, seed=seed) for seed in (0, 1)]
    assert jobs.server_from_env() is None
    with jobs.serving(tmp_path / "store", workers=2) as server:
        assert jobs.server_from_env() == (server.address, server.secret)
        results = runs.experiments([*configs, configs[0]])
        again = runs.experiment(configs[1])
    assert jobs.server_from_env() is None
    assert len(server.completed) == 2
    for config, result in zip([*configs, configs[0]], results, strict=True):
        np.testing.assert_array_equal(result.loss_history, gpnn.run_experiment(config).loss_history)
    np.testing.assert_array_equal(again.predictions, results[1].predictions)


def test_a_failing_run_is_reported_to_the_page(tmp_path, monkeypatch):
    with jobs.JobServer(tmp_path, workers=1) as server:
        # A key whose entry cannot be written (its folder is a file) fails in the worker.
        (tmp_path / "blocked").write_text("not a folder")
        server.folder = tmp_path / "blocked"
        (outcome,) = server.request(_jobs([_config(5)]))
    assert isinstance(outcome, str) and "Traceback" in outcome
    monkeypatch.setattr(jobs, "Client", _FakeClient([outcome]))
    with pytest.raises(RuntimeError, match="failed in the job server"):
        jobs.ask((("127.0.0.1", 1), b"x"), _jobs([_config(5)]))


class _FakeClient:
    def __init__(self, reply):
        self.reply = reply

    def __call__(self, *args, **kwargs):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send(self, message):
        self.sent = message

    def recv(self):
        return self.reply


def test_a_wrong_secret_is_refused(tmp_path):
    from multiprocessing import AuthenticationError

    with jobs.JobServer(tmp_path, workers=1) as server, pytest.raises(AuthenticationError):
        jobs.ask((server.address, b"wrong"), _jobs([_config(5)]))


def test_a_longer_run_waits_for_its_shorter_twin_and_continues_from_it(tmp_path):
    short, long = _config(30, seed=5, record_every=10), _config(70, seed=5, record_every=10)
    with jobs.JobServer(tmp_path, workers=2) as server:
        continued, base = server.request(_jobs([long, short]))
    records = {record["key"]: record for record in server.completed}
    long_key, short_key = (key for key, _, _ in _jobs([long, short]))
    assert records[short_key]["epochs_trained"] == 30 and records[short_key]["epochs_continued"] == 0
    assert records[long_key]["epochs_trained"] == 40 and records[long_key]["epochs_continued"] == 30
    fresh = gpnn.run_experiment(long)
    for name in ("loss_history", "predictions", "snapshot_epochs", "snapshots"):
        np.testing.assert_array_equal(getattr(continued, name), getattr(fresh, name))
    np.testing.assert_array_equal(base.loss_history, continued.loss_history[:30])
