"""A run continued from a shorter stored run equals the same run trained from its first epoch, bit for bit."""

import dataclasses

import numpy as np
import pytest

import gpnn
from gpnn.experiment import RESUMABLE_IMPLEMENTATIONS, can_continue, continue_experiment
from gpnn.site import store

# The recipe's network, as the advice page continues it: twice the epochs, snapshots half as often.
DEEP = gpnn.ExperimentConfig(n_epochs=600, record_every=200)
DEEP_BASE = dataclasses.replace(DEEP, n_epochs=300, record_every=100)
SMALL = gpnn.ExperimentConfig(n_epochs=60, hidden_sizes=(4, 8), record_every=10)
SMALL_BASE = dataclasses.replace(SMALL, n_epochs=25, record_every=5)


def assert_identical(a, b):
    """Every field of two results equal, arrays with the same dtype and shape; only the time may differ."""
    for field in dataclasses.fields(gpnn.ExperimentResult):
        if field.name == "train_seconds":
            continue
        u, v = getattr(a, field.name), getattr(b, field.name)
        if isinstance(u, tuple):  # weights and biases
            assert len(u) == len(v), field.name
            pairs = list(zip(u, v, strict=True))
        elif isinstance(u, np.ndarray):
            pairs = [(u, v)]
        else:
            assert u == v, field.name
            continue
        for p, q in pairs:
            assert (p.dtype, p.shape) == (q.dtype, q.shape), field.name
            assert np.array_equal(p, q), field.name


@pytest.mark.parametrize("trainer", ["fast", "autograd"])
@pytest.mark.parametrize("change", [{}, {"holdout_every": 4}, {"gap": (-10.0, 10.0)}])
def test_a_continued_deep_run_equals_a_fresh_one(trainer, change):
    config, base_config = (dataclasses.replace(c, **change) for c in (DEEP, DEEP_BASE))
    base = gpnn.run_experiment(base_config, trainer=trainer)
    continued = continue_experiment(base, config, trainer=trainer)
    fresh = gpnn.run_experiment(config, trainer=trainer)
    assert_identical(continued, fresh)
    assert continued.snapshot_epochs.tolist() == [200, 400, 600]
    assert continued.train_seconds > base.train_seconds


@pytest.mark.parametrize("implementation", ["numpy", "torch-sgd"])
def test_a_continued_run_of_another_plain_trainer_equals_a_fresh_one(implementation):
    config, base_config = (dataclasses.replace(c, implementation=implementation) for c in (SMALL, SMALL_BASE))
    continued = continue_experiment(gpnn.run_experiment(base_config), config)
    assert_identical(continued, gpnn.run_experiment(config))


@pytest.mark.parametrize("base_epochs", [0, 1, 59])
def test_continuing_from_any_epoch_count_equals_a_fresh_run(base_epochs):
    config = dataclasses.replace(SMALL, holdout_every=3)  # the last epoch's predictions are recomputed then
    base = gpnn.run_experiment(dataclasses.replace(config, n_epochs=base_epochs), trainer="fast")
    assert_identical(continue_experiment(base, config, trainer="fast"), gpnn.run_experiment(config, trainer="fast"))


def test_a_continued_run_diverges_where_a_fresh_one_does():
    config = gpnn.ExperimentConfig(n_epochs=100, hidden_sizes=(16, 16), learning_rate=0.1, init_scale="unit")
    config = dataclasses.replace(config, standardize_inputs=False)
    with pytest.raises(gpnn.TrainingDivergedError) as fresh:
        gpnn.run_experiment(config)
    assert fresh.value.epoch > 2
    base = gpnn.run_experiment(dataclasses.replace(config, n_epochs=fresh.value.epoch - 1))
    with pytest.raises(gpnn.TrainingDivergedError) as continued:
        continue_experiment(base, config)
    assert (str(continued.value), continued.value.epoch) == (str(fresh.value), fresh.value.epoch)


@pytest.mark.parametrize(
    "change",
    [
        {"init_seed": 34},
        {"data_seed": 34},
        {"learning_rate": 0.004},
        {"hidden_sizes": (4, 9)},
        {"holdout_every": 4},
        {"standardize_inputs": False},
        {"record_every": 4},  # 10 is not a multiple of 4: the snapshots would not line up
        {"record_every": 20},
        {"record_every": 0},
        {"n_epochs": 60},  # not fewer epochs
        {"n_epochs": 61},
    ],
)
def test_a_run_with_other_settings_never_continues(change):
    other = dataclasses.replace(SMALL_BASE, **change)
    assert not can_continue(other, SMALL)
    with pytest.raises(ValueError, match="Argument 'base' must be a run of the same settings"):
        continue_experiment(gpnn.run_experiment(other, trainer="fast"), SMALL)


def test_snapshot_spacing_continues_only_when_it_lines_up():
    assert can_continue(SMALL_BASE, SMALL)  # snapshots every 5 epochs hold those every 10
    assert can_continue(dataclasses.replace(SMALL_BASE, record_every=10), SMALL)
    assert can_continue(dataclasses.replace(SMALL_BASE, record_every=0), dataclasses.replace(SMALL, record_every=0))
    assert can_continue(SMALL_BASE, dataclasses.replace(SMALL, record_every=0))


def test_adam_never_continues():
    assert "torch-adam" not in RESUMABLE_IMPLEMENTATIONS
    config, base = (dataclasses.replace(c, implementation="torch-adam") for c in (SMALL, SMALL_BASE))
    assert not can_continue(base, config)
    with pytest.raises(ValueError, match="Argument 'base'"):
        continue_experiment(gpnn.run_experiment(base), config)


def test_rejects_what_is_not_a_finished_run():
    with pytest.raises(TypeError, match="Argument 'base' must be an ExperimentResult, but base = 3"):
        continue_experiment(3, SMALL)
    base = gpnn.run_experiment(SMALL_BASE, trainer="fast")
    cut = dataclasses.replace(base, loss_history=base.loss_history[:-1])
    with pytest.raises(ValueError, match=r"finished run of 25 epochs, but base.loss_history.shape = \(24,\)"):
        continue_experiment(cut, SMALL)
    other_data = dataclasses.replace(base, y=base.y + 1.0)
    with pytest.raises(ValueError, match="observations or inputs differ"):
        continue_experiment(other_data, SMALL)
    with pytest.raises(ValueError, match="Argument 'trainer'"):
        continue_experiment(base, SMALL, trainer="adam")
    with pytest.raises(TypeError, match="Argument 'config' must be an ExperimentConfig"):
        can_continue(SMALL_BASE, {"n_epochs": 60})


# The store: which runs it continues, and what fill_run reports.


def _fill(folder, config, **kwargs):
    return store.fill_run(folder, store.result_key(config), config, **kwargs)


def test_the_store_continues_the_longest_stored_run(tmp_path, monkeypatch):
    shorter = dataclasses.replace(SMALL_BASE, n_epochs=10)
    for config in (shorter, SMALL_BASE):
        filled = _fill(tmp_path, config)
        assert (filled.trained, filled.stored) == (config.n_epochs - (10 if config is SMALL_BASE else 0), False)
    assert store.base_for(tmp_path, SMALL) == SMALL_BASE
    monkeypatch.setattr(store, "compute", lambda *a, **k: pytest.fail("trained from the first epoch"))
    filled = _fill(tmp_path, SMALL)
    assert (filled.trained, filled.continued, filled.stored) == (35, 25, False)
    assert_identical(filled.outcome, gpnn.run_experiment(SMALL))
    again = _fill(tmp_path, SMALL)
    assert (again.trained, again.continued, again.stored) == (0, 0, True)
    assert_identical(store.load(tmp_path, store.result_key(SMALL), SMALL), filled.outcome)


@pytest.mark.parametrize("change", [{"init_seed": 34}, {"record_every": 3}, {"implementation": "torch-adam"}])
def test_the_store_trains_other_settings_from_the_first_epoch(tmp_path, change):
    _fill(
        tmp_path,
        dataclasses.replace(SMALL_BASE, **({"implementation": "torch-adam"} if "implementation" in change else {})),
    )
    config = dataclasses.replace(SMALL, **change)
    assert store.base_for(tmp_path, config) is None
    filled = _fill(tmp_path, config)
    assert (filled.trained, filled.continued) == (60, 0)
    assert_identical(filled.outcome, gpnn.run_experiment(config))


def test_resume_off_trains_from_the_first_epoch(tmp_path):
    _fill(tmp_path, SMALL_BASE)
    filled = _fill(tmp_path, SMALL, resume=False)
    assert (filled.trained, filled.continued) == (60, 0)


def test_a_damaged_base_is_not_continued(tmp_path):
    _fill(tmp_path, SMALL_BASE)
    entry = tmp_path / f"{store.result_key(SMALL_BASE)}.npz"
    entry.write_bytes(entry.read_bytes()[:100])
    assert store.base_for(tmp_path, SMALL) == SMALL_BASE  # listed, but unreadable
    filled = _fill(tmp_path, SMALL)
    assert (filled.trained, filled.continued) == (60, 0)
    assert_identical(filled.outcome, gpnn.run_experiment(SMALL))


def test_a_stored_divergence_serves_the_longer_run(tmp_path, monkeypatch):
    config = gpnn.ExperimentConfig(n_epochs=40, hidden_sizes=(4,), learning_rate=1e6)
    first = _fill(tmp_path, dataclasses.replace(config, n_epochs=20)).outcome
    assert isinstance(first, gpnn.TrainingDivergedError)
    monkeypatch.setattr(store, "compute", lambda *a, **k: pytest.fail("trained again"))
    filled = _fill(tmp_path, config)
    assert (filled.trained, filled.continued) == (0, first.epoch)
    assert (str(filled.outcome), filled.outcome.epoch) == (str(first), first.epoch)


def test_lineage_key_ignores_epochs_and_snapshot_spacing_only():
    key = store.lineage_key(SMALL)
    assert store.lineage_key(SMALL_BASE) == key
    assert store.lineage_key(dataclasses.replace(SMALL, init_seed=34)) != key
    assert store.lineage_key(SMALL, digest="0" * 64) != key
    assert key not in (store.result_key(SMALL), store.result_key(SMALL_BASE))


def test_a_key_made_before_the_code_changed_is_not_continued(tmp_path):
    _fill(tmp_path, SMALL_BASE)
    stale = store.result_key(SMALL, digest="0" * 64)
    filled = store.fill_run(tmp_path, stale, SMALL)
    assert (filled.trained, filled.continued) == (60, 0)
