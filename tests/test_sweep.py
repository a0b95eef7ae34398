import concurrent.futures

import numpy as np
import pytest

import gpnn
from gpnn.sweep import run_sweep


def _configs():
    return [gpnn.ExperimentConfig(n_epochs=30, hidden_sizes=(4, 4), init_seed=seed) for seed in range(3)]


def _assert_equal_to_individual_runs(results, configs):
    for config, result in zip(configs, results, strict=True):
        assert result.config == config
        expected = gpnn.run_experiment(config)
        np.testing.assert_array_equal(result.y, expected.y)
        np.testing.assert_array_equal(result.loss_history, expected.loss_history)
        np.testing.assert_array_equal(result.predictions, expected.predictions)
    assert results[0].loss_history[-1] != results[1].loss_history[-1]


@pytest.mark.parametrize("processes", [1, 2])
def test_sweep_equals_individual_runs_in_order(processes):
    _assert_equal_to_individual_runs(run_sweep(_configs(), processes=processes), _configs())


def test_any_executor_runs_the_same_sweep():
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        _assert_equal_to_individual_runs(run_sweep(_configs(), executor=executor), _configs())


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_results_bit_for_bit():
    # Two single-threaded worker processes, which Dask starts with one BLAS thread each: the
    # sweep gives every run the caller's BLAS threads, so even the simulated data are equal.
    distributed = pytest.importorskip("distributed")
    configs = [*_configs(), gpnn.ExperimentConfig(n_epochs=30, hidden_sizes=(4,), data_seed=5)]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = run_sweep(configs, executor=client.get_executor())
        workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    _assert_equal_to_individual_runs(results, configs)


@pytest.mark.parametrize("processes", [1, 2])
def test_divergent_runs_give_none_or_raise(processes):
    configs = [
        gpnn.ExperimentConfig(n_epochs=200, hidden_sizes=(4,), learning_rate=1e9),
        gpnn.ExperimentConfig(n_epochs=5, hidden_sizes=(4,)),
    ]
    results = run_sweep(configs, processes=processes, allow_divergence=True)
    assert results[0] is None and results[1] is not None
    with pytest.raises(gpnn.TrainingDivergedError, match="at epoch"):
        run_sweep(configs, processes=processes)


def test_sweep_rejects_bad_input():
    with pytest.raises(TypeError, match=r"configs\[1\] = 3"):
        run_sweep([gpnn.ExperimentConfig(), 3])
    with pytest.raises(TypeError, match=r"'configs' must be a sequence of ExperimentConfig"):
        run_sweep(gpnn.ExperimentConfig())
    with pytest.raises(ValueError, match=r"'processes'.*processes = 0"):
        run_sweep(_configs(), processes=0)
    with pytest.raises(TypeError, match=r"'executor' must be a concurrent.futures.Executor"):
        run_sweep(_configs(), executor="dask")
    with pytest.raises(ValueError, match=r"'executor' and 'processes' exclude each other"):
        run_sweep(_configs(), executor=concurrent.futures.ThreadPoolExecutor(1), processes=2)
    assert run_sweep([]) == []
