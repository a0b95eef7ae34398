import shutil
import subprocess
import sys

import numpy as np
import pytest

import gpnn
from gpnn.site import jobs, runs, store

SMALL = gpnn.ExperimentConfig(n_epochs=20, hidden_sizes=(4, 4))


def _same(a, b):
    for name in ("x", "latent", "y", "train_mask", "inputs", "loss_history", "predictions", "snapshot_epochs"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.snapshots, b.snapshots)
    assert (a.x_center, a.x_scale) == (b.x_center, b.x_scale)
    for u, v in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(u, v)


def test_second_call_reads_the_store_without_running(tmp_path, monkeypatch):
    first = store.cached_experiment(SMALL, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def fail(config, **kwargs):
        raise AssertionError("ran again")

    monkeypatch.setattr(store, "run_one", fail)
    second = store.cached_experiment(SMALL, cache_dir=tmp_path)
    _same(first, second)
    assert second.config == SMALL
    assert second.train_seconds == first.train_seconds
    _same(first, gpnn.run_experiment(SMALL))


def test_a_diverged_run_is_stored_as_its_error(tmp_path, monkeypatch):
    config = gpnn.ExperimentConfig(n_epochs=50, hidden_sizes=(4,), learning_rate=1e6)
    with pytest.raises(gpnn.TrainingDivergedError, match=r"at epoch (\d+)") as first:
        store.cached_experiment(config, cache_dir=tmp_path)
    monkeypatch.setattr(store, "run_one", lambda *a, **k: pytest.fail("ran again"))
    with pytest.raises(gpnn.TrainingDivergedError) as second:
        store.cached_experiment(config, cache_dir=tmp_path)
    assert str(second.value) == str(first.value) and second.value.epoch == first.value.epoch


def test_key_depends_on_settings_source_and_environment(monkeypatch):
    key = store.result_key(SMALL)
    assert store.result_key(SMALL) == key
    assert store.result_key(gpnn.ExperimentConfig(n_epochs=21, hidden_sizes=(4, 4))) != key
    assert store.result_key(SMALL, digest="0" * 64) != key
    monkeypatch.setattr(store, "environment", lambda: {"python": "3.11.0", "torch": "9.9.9"})
    assert store.result_key(SMALL) != key


def test_blas_threads_are_part_of_the_key():
    from threadpoolctl import threadpool_limits

    key = store.result_key(SMALL)
    with threadpool_limits(limits=1, user_api="blas"):
        one = store.result_key(SMALL)
    assert (one == key) == (gpnn.provenance.blas_threads() == 1)


def _copy(tmp_path):
    copy = tmp_path / "gpnn"
    shutil.copytree(store.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize(
    "module", ["plots.py", "cli/__init__.py", "posterior.py", "site/html.py", "site/store.py", "site/runs.py"]
)
def test_editing_code_that_computes_nothing_keeps_every_stored_run(tmp_path, module):
    copy = _copy(tmp_path)
    before = store.computation_digest(copy)
    assert before == store.computation_digest()
    (copy / module).write_text((copy / module).read_text() + "\n_EDITED = 1\n")
    assert store.computation_digest(copy) == before


def test_editing_documentation_keeps_every_stored_run(tmp_path):
    copy = _copy(tmp_path)
    before = store.computation_digest(copy)
    training = copy / "training.py"
    text = training.read_text()
    edited = text.replace("One epoch is four steps:", "One epoch has four steps:").replace(
        "# no_grad because", "# torch.no_grad because"
    )
    assert edited != text
    training.write_text(edited + '\n"""A trailing string, documentation only."""\n')
    assert store.computation_digest(copy) == before
    training.write_text(edited.replace("W -= W.grad * self.lr", "W -= self.lr * W.grad"))
    assert store.computation_digest(copy) != before


@pytest.mark.parametrize(
    "module",
    [
        "__init__.py",
        "training.py",
        "fast_training.py",
        "backprop.py",
        "network.py",
        "simulate.py",
        "kernels.py",
        "config.py",
        "experiment.py",
        "numpy_net.py",
        "established.py",
        "loss.py",
        "sweep.py",
        "_validation.py",
    ],
)
def test_editing_code_a_run_uses_invalidates_stored_runs(tmp_path, module):
    copy = _copy(tmp_path)
    before = store.computation_digest(copy)
    (copy / module).write_text((copy / module).read_text() + "\n_EDITED = 1\n")
    assert store.computation_digest(copy) != before


def test_the_keyed_modules_include_everything_a_run_imports():
    # Independent of the static reading: import the runner in a fresh interpreter, run every
    # implementation, and list the package's modules that were loaded.
    code = (
        "import sys, dataclasses, gpnn\n"
        "from gpnn.sweep import run_one\n"
        "base = gpnn.ExperimentConfig(n_epochs=2, hidden_sizes=(2,))\n"
        "for impl in ('scratch', 'numpy', 'torch-sgd', 'torch-adam'):\n"
        "    run_one(dataclasses.replace(base, implementation=impl))\n"
        "run_one(base, blas=1)\n"
        "print(' '.join(sorted(m for m in sys.modules if m == 'gpnn' or m.startswith('gpnn.'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "gpnn.fast_training" in loaded and "gpnn.numpy_net" in loaded
    assert set(loaded) <= set(store.computation_modules())
    assert not {"gpnn.plots", "gpnn.cli", "gpnn.site", "gpnn.posterior"} & set(store.computation_modules())


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tampered"])
def test_corrupt_entries_are_recomputed_not_served(tmp_path, damage):
    good = store.cached_experiment(SMALL, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    key = path.stem
    if damage == "garbage":
        path.write_bytes(b"not an npz file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        with np.load(path) as data:
            arrays = {name: data[name] for name in data.files}
        arrays["loss_history"] = arrays["loss_history"] + 1.0
        np.savez(path, **arrays)
    assert store.load(tmp_path, key, SMALL) is None
    again = store.cached_experiment(SMALL, cache_dir=tmp_path)
    _same(good, again)
    assert store.load(tmp_path, key, SMALL) is not None


def test_entry_for_other_settings_is_a_miss(tmp_path):
    store.cached_experiment(SMALL, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    assert store.load(tmp_path, path.stem, gpnn.ExperimentConfig(n_epochs=5, hidden_sizes=(4, 4))) is None


def test_environment_switches(tmp_path, monkeypatch):
    monkeypatch.setenv("GPNN_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.delenv("GPNN_NO_CACHE", raising=False)
    assert store.cache_dir_from_env() == tmp_path / "env"
    store.cached_experiment(SMALL)
    assert len(list((tmp_path / "env").glob("*.npz"))) == 1
    monkeypatch.setenv("GPNN_NO_CACHE", "1")
    assert store.cache_disabled() and store.cache_dir_from_env() is None
    store.cached_experiment(SMALL, cache_dir=tmp_path / "explicit")
    assert not (tmp_path / "explicit").exists()
    monkeypatch.delenv("GPNN_CACHE_DIR")
    monkeypatch.delenv("GPNN_NO_CACHE")
    assert store.cache_dir_from_env() is None


def test_rejects_non_config(tmp_path):
    with pytest.raises(TypeError, match=r"'config' must be an ExperimentConfig.*config = 3"):
        store.cached_experiment(3, cache_dir=tmp_path)


def test_runs_come_in_order_each_computed_once(tmp_path, monkeypatch):
    monkeypatch.setenv("GPNN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GPNN_NO_CACHE", raising=False)
    configs = [gpnn.ExperimentConfig(n_epochs=15, hidden_sizes=(4,), init_seed=seed) for seed in (3, 1, 3, 2)]
    diverging = gpnn.ExperimentConfig(n_epochs=30, hidden_sizes=(4,), learning_rate=1e6)
    results = runs.experiments([*configs, diverging], allow_divergence=True, processes=2)
    assert [r.config for r in results[:4]] == configs and results[4] is None
    assert len(list(tmp_path.glob("*.npz"))) == 4  # seeds 3, 1, 2 and the diverged run
    _same(results[0], gpnn.run_experiment(configs[0]))
    with pytest.raises(gpnn.TrainingDivergedError, match="at epoch"):
        runs.experiments([diverging])
    assert runs.experiment(configs[1]).config == configs[1]


def test_cost_grows_with_epochs_and_width():
    small, base = gpnn.ExperimentConfig(n_epochs=100, hidden_sizes=(4,)), gpnn.ExperimentConfig(n_epochs=100)
    assert jobs.cost(small) < jobs.cost(base) < jobs.cost(gpnn.ExperimentConfig(n_epochs=200))


def test_only_variables_that_change_the_arithmetic_are_part_of_the_key(monkeypatch):
    key = store.result_key(SMALL)
    monkeypatch.setenv("KMP_INIT_AT_FORK", "FALSE")  # set by libraries on import; changes no result
    monkeypatch.setenv("OMP_PROC_BIND", "true")
    assert store.result_key(SMALL) == key
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")  # another kernel, other roundings
    assert store.result_key(SMALL) != key
