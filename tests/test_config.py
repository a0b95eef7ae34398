import dataclasses

import numpy as np
import pytest

import gpnn


def test_defaults_are_the_reference_experiment():
    c = gpnn.ExperimentConfig()
    assert (c.eta, c.rho, c.sigma) == (3.0, 10.0, 0.7)
    np.testing.assert_array_equal(c.x(), np.arange(-50, 50, 0.5))
    assert c.hidden_sizes == (16, 32, 64, 64, 32, 16)
    assert (c.learning_rate, c.n_epochs, c.data_seed, c.init_seed) == (0.005, 8000, 33, 33)


def test_frozen_and_hashable():
    c = gpnn.ExperimentConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.eta = 1.0
    assert hash(c) == hash(gpnn.ExperimentConfig(eta=3, hidden_sizes=[16, 32, 64, 64, 32, 16]))


def test_dict_round_trip():
    c = gpnn.ExperimentConfig(n_epochs=10, hidden_sizes=(4, 5))
    assert gpnn.ExperimentConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['epochs'\]"):
        gpnn.ExperimentConfig.from_dict({"epochs": 3})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"eta": 0}, ValueError, r"eta = 0\.0"),
        ({"rho": -2}, ValueError, r"rho = -2\.0"),
        ({"sigma": -1}, ValueError, r"sigma = -1\.0"),
        ({"x_step": 0}, ValueError, r"x_step = 0\.0"),
        ({"x_start": 10, "x_stop": 10}, ValueError, r"at least 2 locations.*x_start = 10\.0"),
        ({"x_stop": float("nan")}, ValueError, r"'x_stop'.*nan"),
        ({"hidden_sizes": (3, 0)}, ValueError, r"'hidden_sizes'.*contains 0"),
        ({"learning_rate": 0}, ValueError, r"learning_rate = 0\.0"),
        ({"n_epochs": -1}, ValueError, r"n_epochs = -1"),
        ({"data_seed": None}, ValueError, r"'data_seed' and 'init_seed' must be integers"),
        ({"init_seed": -3}, ValueError, r"init_seed = -3"),
    ],
)
def test_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        gpnn.ExperimentConfig(**kwargs)
