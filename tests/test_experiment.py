import dataclasses

import numpy as np
import pytest
import torch

import gpnn

from . import reference

SMALL = {"n_epochs": 40, "hidden_sizes": (8, 8)}


@pytest.mark.slow
def test_default_experiment_reproduces_reference_exactly(reference_run, reference_result):
    ref, result = reference_run, reference_result
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


@pytest.mark.slow
def test_default_experiment_with_fast_trainer_reproduces_reference(reference_run):
    result = gpnn.run_experiment(gpnn.ExperimentConfig(), trainer="fast")
    assert result.loss_history.tolist() == reference_run["losses"]
    np.testing.assert_array_equal(result.predictions, reference_run["pred"][:, 0].double().numpy())


def test_short_experiment_fields(global_rng_guard):
    config = dataclasses.replace(gpnn.ExperimentConfig(), **SMALL)
    result = gpnn.run_experiment(config)
    ref = reference.experiment(hidden=(8, 8), n_epochs=50)
    assert result.loss_history.tolist() == ref["losses"][:40]
    assert result.inputs.mean() == pytest.approx(0.0, abs=1e-12)
    assert result.inputs.std() == pytest.approx(1.0, rel=1e-12)
    assert (result.x_center, result.x_scale) == (result.x.mean(), result.x.std())
    assert result.train_mask.all()
    assert [W.shape for W in result.weights] == [(1, 8), (8, 8), (8, 1)]
    assert result.loss_history[-1] < result.loss_history[0]


def test_thread_count_is_restored():
    torch.set_num_threads(2)
    try:
        gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=2, hidden_sizes=(2,)))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(torch.get_num_threads())


def test_zero_epochs_gives_nan_scores():
    result = gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=0, hidden_sizes=(2,)))
    assert np.isnan(result.final_rmse)
    assert np.isnan(result.rmse_to_latent)
    assert result.loss_history.size == 0


def test_rejects_non_config():
    with pytest.raises(TypeError, match=r"'config' must be an ExperimentConfig.*\{'eta': 3\}"):
        gpnn.run_experiment({"eta": 3})
    with pytest.raises(ValueError, match=r"'trainer' must be 'autograd' or 'fast', but trainer = 'adam'"):
        gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=1), trainer="adam")


@pytest.mark.parametrize("trainer", ["autograd", "fast"])
def test_snapshots_are_the_predictions_of_those_epochs(trainer):
    config = gpnn.ExperimentConfig(record_every=10, **SMALL)
    result = gpnn.run_experiment(config, trainer=trainer)
    assert result.snapshot_epochs.tolist() == [10, 20, 30, 40]
    assert result.snapshots.shape == (4, result.x.size)
    np.testing.assert_array_equal(result.snapshots[-1], result.predictions)
    shorter = gpnn.run_experiment(dataclasses.replace(config, n_epochs=20, record_every=0), trainer=trainer)
    np.testing.assert_array_equal(result.snapshots[1], shorter.predictions)
    assert gpnn.run_experiment(gpnn.ExperimentConfig(record_every=0, **SMALL)).snapshots.shape == (0, 200)


def test_held_out_locations_are_not_trained_on():
    config = gpnn.ExperimentConfig(holdout_every=4, gap=(10.0, 20.0), record_every=10, **SMALL)
    result = gpnn.run_experiment(config, trainer="fast")
    mask = result.train_mask
    assert not mask[3::4].any()
    assert not mask[(result.x >= 10) & (result.x < 20)].any()
    # Every fourth of 200 held out, and the gap's 20 locations less the 5 of them already held out.
    assert mask.sum() == 200 - 50 - 15
    # Standardised with the training locations' mean and standard deviation.
    assert result.x_center == result.x[mask].mean() and result.x_scale == result.x[mask].std()
    np.testing.assert_array_equal(result.inputs, (result.x - result.x_center) / result.x_scale)
    # The loss scores the training locations only; the predictions cover every location.
    assert result.predictions.shape == (200,) and np.isfinite(result.predictions).all()
    trained_only = np.sqrt(np.mean((result.y[mask] - result.predictions[mask]) ** 2))
    assert trained_only == pytest.approx(result.final_rmse, rel=1e-6)
    # The same run trained directly on the kept points, through the trainer, agrees exactly.
    inputs = torch.tensor(result.inputs[mask, None], dtype=torch.float32)
    opt = gpnn.GradientDescent(inputs, torch.tensor(result.y[mask, None]), gpnn.init_params(1, (8, 8), seed=33), 0.005)
    opt.train(40)
    assert opt.loss_history == result.loss_history.tolist()
    np.testing.assert_array_equal(result.snapshots[-1], result.predictions)


def test_predict_uses_the_trained_weights_at_any_location():
    config = gpnn.ExperimentConfig(**SMALL)
    result = gpnn.run_experiment(config, trainer="fast")
    params = gpnn.Params(tuple(map(torch.from_numpy, result.weights)), tuple(map(torch.from_numpy, result.biases)))
    wide = np.linspace(-80, 80, 33)
    inputs = torch.tensor(((wide - result.x.mean()) / result.x.std())[:, None], dtype=torch.float32)
    expected = gpnn.forward(inputs, params)[:, 0].detach().double().numpy()
    np.testing.assert_array_equal(gpnn.predict(result, wide), expected)
    # One update separates the trained weights from the last recorded forward pass.
    one_more = gpnn.run_experiment(dataclasses.replace(config, n_epochs=41), trainer="fast")
    np.testing.assert_array_equal(gpnn.predict(result, result.x), one_more.predictions)
    with pytest.raises(TypeError, match="'result' must be an ExperimentResult"):
        gpnn.predict(config, wide)
    with pytest.raises(ValueError, match=r"'x' must hold finite values only, but x\[1\] = nan"):
        gpnn.predict(result, [0.0, float("nan")])


@pytest.mark.parametrize("implementation", ["numpy", "torch-sgd", "torch-adam"])
def test_other_implementations_train_the_same_network(implementation):
    config = gpnn.ExperimentConfig(implementation=implementation, learning_rate=0.01, record_every=20, **SMALL)
    result = gpnn.run_experiment(config)
    scratch = gpnn.run_experiment(dataclasses.replace(config, implementation="scratch"), trainer="fast")
    assert result.loss_history[0] == pytest.approx(scratch.loss_history[0], rel=1e-6)  # same start
    if implementation == "torch-adam":
        assert result.loss_history[-1] < 0.8 * result.loss_history[0]
    else:  # the same algorithm: close, though not bit for bit
        np.testing.assert_allclose(result.loss_history, scratch.loss_history, rtol=1e-4)
    assert result.snapshots.shape == (2, 200)


def test_one_epoch_with_held_out_points_predicts_from_the_initial_weights():
    config = gpnn.ExperimentConfig(n_epochs=1, hidden_sizes=(4,), holdout_every=2)
    result = gpnn.run_experiment(config)
    params = gpnn.init_params(1, (4,), seed=33)
    inputs = torch.tensor(result.inputs[:, None], dtype=torch.float32)
    np.testing.assert_array_equal(result.predictions, gpnn.forward(inputs, params)[:, 0].detach().double().numpy())
