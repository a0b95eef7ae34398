"""Experiment variants: raw inputs, other initial scales, held-out locations."""

import numpy as np
import pytest
import torch

import gpnn

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


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"standardize_inputs": "yes"}, TypeError, r"'standardize_inputs' must be True or False.*'yes'"),
        ({"init_scale": "big"}, ValueError, r"'init_scale' must be one of .*'big'"),
        ({"record_every": -1}, ValueError, r"record_every = -1"),
        ({"holdout_every": 1}, ValueError, r"'holdout_every' must be 0 .* or at least 2, but holdout_every = 1"),
        ({"gap": (5.0, 5.0)}, ValueError, r"'gap' must have gap\[0\] < gap\[1\], but gap = \(5\.0, 5\.0\)"),
        ({"gap": "10-20"}, TypeError, r"'gap' must be None or a pair \(start, stop\), but gap = '10-20'"),
        ({"gap": (0.0, float("inf"))}, ValueError, r"'gap\[1\]' must be finite"),
        ({"gap": (-100.0, 100.0)}, ValueError, r"must leave at least 2 locations to train on.*leave 0"),
        ({"implementation": "jax"}, ValueError, r"'implementation' must be one of \['scratch', .*'jax'"),
    ],
)
def test_config_rejects_bad_variants(kwargs, error, match):
    with pytest.raises(error, match=match):
        gpnn.ExperimentConfig(**kwargs)
