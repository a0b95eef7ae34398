import shutil

import numpy as np
import pytest

import gpnn
from gpnn import store

SMALL = gpnn.ExperimentConfig(n_epochs=20, hidden_sizes=(4, 4))


def _same(a, b):
    for name in ("x", "latent", "y", "inputs", "loss_history", "predictions", "snapshot_epochs", "snapshots"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for u, v in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(u, v)


def test_second_call_reads_the_store_without_running(tmp_path, monkeypatch):
    first = store.cached_experiment(SMALL, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def fail(config, **kwargs):
        raise AssertionError("ran again")

    monkeypatch.setattr(store, "run_experiment", fail)
    second = store.cached_experiment(SMALL, cache_dir=tmp_path)
    _same(first, second)
    assert second.config == SMALL
    assert second.train_seconds == first.train_seconds
    _same(first, gpnn.run_experiment(SMALL))


def test_key_depends_on_settings_source_and_versions(tmp_path, monkeypatch):
    key = store.result_key(SMALL)
    assert store.result_key(SMALL) == key
    assert store.result_key(gpnn.ExperimentConfig(n_epochs=21, hidden_sizes=(4, 4))) != key
    assert store.result_key(SMALL, digest="0" * 64) != key
    monkeypatch.setattr(store, "environment", lambda: {"python": "3.11.0", "torch": "9.9.9"})
    assert store.result_key(SMALL) != key


def test_source_digest_sees_every_edit(tmp_path):
    copy = tmp_path / "gpnn"
    shutil.copytree(store._PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = store.source_digest(copy)
    assert before == store.source_digest()
    (copy / "loss.py").write_text((copy / "loss.py").read_text() + "\n# an edit\n")
    assert store.source_digest(copy) != before


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tampered"])
def test_corrupt_entries_are_recomputed_not_served(tmp_path, damage):
    good = store.cached_experiment(SMALL, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    if damage == "garbage":
        path.write_bytes(b"not an npz file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        with np.load(path) as data:
            arrays = {name: data[name] for name in data.files}
        arrays["loss_history"] = arrays["loss_history"] + 1.0
        np.savez(path, **arrays)
        assert path.stat().st_size > 0
    assert store._load(path, SMALL) is None
    again = store.cached_experiment(SMALL, cache_dir=tmp_path)
    _same(good, again)
    assert store._load(path, SMALL) is not None


def test_entry_for_other_settings_is_a_miss(tmp_path):
    store.cached_experiment(SMALL, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    assert store._load(path, gpnn.ExperimentConfig(n_epochs=5, hidden_sizes=(4, 4))) is None


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


def test_blas_thread_settings_are_part_of_the_key(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    key = store.result_key(SMALL)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert store.result_key(SMALL) != key


def test_environment_lists_the_keyed_libraries():
    versions = store.environment()
    assert {"python", "machine", "cpu", *store.KEYED_LIBRARIES} <= set(versions)
    assert versions["torch"].startswith("2.")


def test_rejects_non_config(tmp_path):
    with pytest.raises(TypeError, match=r"'config' must be an ExperimentConfig.*config = 3"):
        store.cached_experiment(3, cache_dir=tmp_path)
