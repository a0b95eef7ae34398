import dataclasses

import numpy as np
import pytest
import torch

import gpnn

from . import reference


@pytest.mark.slow
def test_default_experiment_reproduces_reference_exactly(global_rng_guard, one_thread):
    ref = reference.experiment()
    result = gpnn.run_experiment(gpnn.ExperimentConfig())
    np.testing.assert_array_equal(result.x, ref["x"])
    np.testing.assert_array_equal(result.latent, ref["latent"])
    np.testing.assert_array_equal(result.y, ref["y"])
    initial = gpnn.init_params(1, result.config.hidden_sizes, seed=result.config.init_seed).weights
    for mine, theirs in zip(initial, ref["initial_weights"], strict=True):
        assert torch.equal(mine, theirs)
    assert len(result.loss_history) == 8000
    # Equal, not close: every one of the 8000 losses and every prediction, to the last bit.
    assert result.loss_history.tolist() == ref["losses"]
    np.testing.assert_array_equal(result.predictions, ref["pred"][:, 0].double().numpy())
    assert result.final_rmse == ref["losses"][-1]
    expected_latent_rmse = np.sqrt(np.mean((ref["pred"][:, 0].double().numpy() - ref["latent"]) ** 2))
    assert result.rmse_to_latent == expected_latent_rmse
    assert result.train_seconds > 0


def test_short_experiment_fields(global_rng_guard):
    config = dataclasses.replace(gpnn.ExperimentConfig(), n_epochs=50, hidden_sizes=(8, 8))
    result = gpnn.run_experiment(config)
    ref = reference.experiment(hidden=(8, 8), n_epochs=50)
    assert result.loss_history.tolist() == ref["losses"]
    assert result.inputs.mean() == pytest.approx(0.0, abs=1e-12)
    assert [W.shape for W in result.weights] == [(1, 8), (8, 8), (8, 1)]
    assert result.loss_history[-1] < result.loss_history[0]
    assert torch.get_num_threads() >= 1


def test_thread_count_is_restored():
    before = torch.get_num_threads()
    gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=2, hidden_sizes=(2,)))
    assert torch.get_num_threads() == before


def test_zero_epochs_gives_nan_scores():
    result = gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=0, hidden_sizes=(2,)))
    assert np.isnan(result.final_rmse)
    assert np.isnan(result.rmse_to_latent)


def test_rejects_non_config():
    with pytest.raises(TypeError, match=r"'config' must be an ExperimentConfig.*\{'eta': 3\}"):
        gpnn.run_experiment({"eta": 3})
