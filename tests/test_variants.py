"""Experiment variants: raw inputs, other initial scales, prediction snapshots."""

import numpy as np
import pytest
import torch

import gpnn
from gpnn.cli import main

SMALL = {"n_epochs": 40, "hidden_sizes": (8, 8)}


@pytest.mark.parametrize(("scale", "std"), [("he", None), ("unit", 1.0), ("small", 0.01)])
def test_init_scales(scale, std):
    W = gpnn.init_params(400, [300], seed=0, scale=scale).weights[0]
    expected = np.sqrt(2 / 400) if std is None else std
    assert W.std().item() == pytest.approx(expected, rel=0.02)


def test_he_scale_is_the_default_and_unchanged():
    a, b = gpnn.init_params(3, [5], seed=1), gpnn.init_params(3, [5], seed=1, scale="he")
    assert all(torch.equal(u, v) for u, v in zip(a.weights, b.weights, strict=True))
    with pytest.raises(ValueError, match=r"'scale' must be one of \['he', 'small', 'unit'\], but scale = 'xavier'"):
        gpnn.init_params(1, [2], scale="xavier")


def test_raw_inputs_are_used_unscaled():
    result = gpnn.run_experiment(gpnn.ExperimentConfig(standardize_inputs=False, **SMALL))
    np.testing.assert_array_equal(result.inputs, result.x)
    standardised = gpnn.run_experiment(gpnn.ExperimentConfig(**SMALL))
    assert result.loss_history[1] != standardised.loss_history[1]


@pytest.mark.parametrize("trainer", ["autograd", "fast"])
def test_snapshots_are_the_predictions_of_those_epochs(trainer):
    config = gpnn.ExperimentConfig(record_every=10, **SMALL)
    result = gpnn.run_experiment(config, trainer=trainer)
    assert result.snapshot_epochs.tolist() == [10, 20, 30, 40]
    assert result.snapshots.shape == (4, result.x.size)
    np.testing.assert_array_equal(result.snapshots[-1], result.predictions)
    shorter = gpnn.run_experiment(gpnn.ExperimentConfig(n_epochs=20, hidden_sizes=(8, 8)), trainer=trainer)
    np.testing.assert_array_equal(result.snapshots[1], shorter.predictions)


def test_snapshots_equal_across_trainers():
    config = gpnn.ExperimentConfig(record_every=7, **SMALL)
    a, b = gpnn.run_experiment(config), gpnn.run_experiment(config, trainer="fast")
    np.testing.assert_array_equal(a.snapshots, b.snapshots)
    np.testing.assert_array_equal(a.snapshot_epochs, b.snapshot_epochs)
    assert gpnn.run_experiment(gpnn.ExperimentConfig(**SMALL)).snapshots.shape == (0, 200)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"standardize_inputs": "yes"}, TypeError, r"'standardize_inputs' must be True or False.*'yes'"),
        ({"init_scale": "big"}, ValueError, r"'init_scale' must be one of .*'big'"),
        ({"record_every": -1}, ValueError, r"record_every = -1"),
    ],
)
def test_config_rejects_bad_variants(kwargs, error, match):
    with pytest.raises(error, match=match):
        gpnn.ExperimentConfig(**kwargs)


def test_cli_variant_options(tmp_path, capsys):
    main(
        [
            "--n-epochs",
            "5",
            "--hidden-sizes",
            "4",
            "--standardize-inputs",
            "false",
            "--init-scale",
            "small",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    import json

    config = json.loads((tmp_path / "results.json").read_text())["config"]
    assert config["standardize_inputs"] is False and config["init_scale"] == "small"
    with pytest.raises(SystemExit):
        main(["--standardize-inputs", "maybe"])
    assert "expected true or false" in capsys.readouterr().err


def test_train_rejects_negative_snapshot_interval():
    opt = gpnn.GradientDescent(np.zeros(4), np.zeros(4), gpnn.init_params(1, [2], seed=0), lr=0.1)
    with pytest.raises(ValueError, match=r"snapshot_every = -3"):
        opt.train(1, snapshot_every=-3)
