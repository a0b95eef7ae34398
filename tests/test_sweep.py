import numpy as np
import pytest

import gpnn
from gpnn.sweep import run_sweep


def _configs():
    return [gpnn.ExperimentConfig(n_epochs=30, hidden_sizes=(4, 4), init_seed=seed) for seed in range(3)]


@pytest.mark.parametrize("processes", [1, 2])
def test_sweep_equals_individual_runs_in_order(processes, monkeypatch):
    monkeypatch.setenv("GPNN_NO_CACHE", "1")
    results = run_sweep(_configs(), processes=processes)
    for config, result in zip(_configs(), results, strict=True):
        assert result.config == config
        expected = gpnn.run_experiment(config)
        np.testing.assert_array_equal(result.loss_history, expected.loss_history)
        np.testing.assert_array_equal(result.predictions, expected.predictions)
    assert results[0].loss_history[-1] != results[1].loss_history[-1]


@pytest.mark.parametrize("processes", [1, 2])
def test_divergent_runs_give_none_or_raise(processes, monkeypatch):
    monkeypatch.setenv("GPNN_NO_CACHE", "1")
    configs = [
        gpnn.ExperimentConfig(n_epochs=200, hidden_sizes=(4,), learning_rate=1e9),
        gpnn.ExperimentConfig(n_epochs=5, hidden_sizes=(4,)),
    ]
    results = run_sweep(configs, processes=processes, allow_divergence=True)
    assert results[0] is None and results[1] is not None
    with pytest.raises(gpnn.TrainingDivergedError, match="epoch"):
        run_sweep(configs, processes=processes)


def test_sweep_rejects_bad_input():
    with pytest.raises(TypeError, match=r"configs\[1\] = 3"):
        run_sweep([gpnn.ExperimentConfig(), 3])
    with pytest.raises(ValueError, match=r"'processes'.*processes = 0"):
        run_sweep(_configs(), processes=0)
    assert run_sweep([]) == []
