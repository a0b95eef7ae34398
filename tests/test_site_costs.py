"""The measured cost model: in deep-run equivalents, from the coefficients benchmarks/costs.py measured."""

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest

import gpnn
from gpnn.site import costs

ROOT = Path(__file__).resolve().parents[1]
RECIPE = gpnn.ExperimentConfig()
MEASURED = json.loads((ROOT / "benchmarks" / "costs.json").read_text())


def _benchmark():
    spec = importlib.util.spec_from_file_location("costs_benchmark", ROOT / "benchmarks" / "costs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_recipes_run_is_the_unit():
    assert costs.cost(RECIPE) == 1.0
    assert costs.seconds(RECIPE) == pytest.approx(MEASURED["fit"]["full_run_seconds"]["deep"], rel=0.25)


def test_the_constants_are_those_the_benchmark_fitted():
    fit = MEASURED["fit"]
    assert costs.RUN_SECONDS == pytest.approx(fit["run_seconds"], rel=1e-3)
    for name, value in fit["epoch_seconds"].items():
        assert costs.EPOCH_SECONDS[name] == pytest.approx(value, rel=1e-3, abs=1e-15)
    for name, value in fit["implementation_factors"].items():
        assert costs.IMPLEMENTATION_FACTORS[name] == pytest.approx(value, rel=1e-2)


def test_each_kind_costs_what_was_measured():
    kinds = _benchmark().KINDS
    measured = MEASURED["fit"]["deep_run_equivalents"]
    assert set(measured) == set(kinds)
    for name, config in kinds.items():
        assert costs.cost(config) == pytest.approx(measured[name], rel=0.25), name


def _with(**change):
    return dataclasses.replace(RECIPE, **change)


def test_linear_in_the_epochs_trained():
    unit = costs.cost(_with(n_epochs=1000)) - costs.cost(_with(n_epochs=0))
    assert unit > 0
    for epochs in (2000, 8000, 16000):
        assert costs.cost(_with(n_epochs=epochs)) == pytest.approx(costs.cost(_with(n_epochs=0)) + epochs / 1000 * unit)
    long = _with(n_epochs=16000, record_every=200)
    assert costs.cost(long, continued=8000) == pytest.approx(costs.cost(RECIPE))
    assert costs.cost(long, continued=16000) == pytest.approx(costs.cost(_with(n_epochs=0)))


def test_ordered_as_measured():
    medians = MEASURED["fit"]["full_run_seconds"]
    adam = _with(implementation="torch-adam", learning_rate=1e-3)
    sgd, numpy = _with(implementation="torch-sgd"), _with(implementation="numpy")
    if medians["torch-adam"] > medians["torch-sgd"] > medians["deep"]:
        assert costs.cost(adam) > costs.cost(sgd) > costs.cost(RECIPE)
    assert (costs.cost(numpy) > 1.0) == (medians["numpy"] > medians["deep"])
    assert costs.cost(_with(hidden_sizes=(32,))) < costs.cost(_with(hidden_sizes=(64, 64))) < 1.0
    assert costs.cost(_with(holdout_every=4)) < 1.0  # fewer training points
    assert costs.cost(_with(learning_rate=0.02, init_seed=3)) == 1.0  # the arithmetic is the same


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="Argument 'config' must be an ExperimentConfig, but config = 8000"):
        costs.cost(8000)
    with pytest.raises(ValueError, match=r"Argument 'continued' must be at most config\.n_epochs = 8000"):
        costs.cost(RECIPE, continued=8001)
    with pytest.raises(ValueError, match="continued"):
        costs.seconds(RECIPE, continued=-1)
