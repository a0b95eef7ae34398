import math

import pytest
import torch

import gpnn


def test_rmse_value_against_hand_computation():
    obs = torch.tensor([[1.0], [2.0], [4.0]])
    pred = torch.tensor([[0.0], [2.0], [2.0]])
    assert gpnn.rmse(obs, pred).item() == pytest.approx(math.sqrt((1 + 0 + 4) / 3), rel=1e-7)


def test_rmse_promotes_to_float64():
    obs = torch.ones(3, 1, dtype=torch.float64)
    pred = torch.zeros(3, 1, dtype=torch.float32)
    assert gpnn.rmse(obs, pred).dtype == torch.float64


def test_rmse_refuses_broadcasting_shapes():
    with pytest.raises(ValueError, match=r"same shape.*obs.shape = \(5, 1\).*pred.shape = \(5,\)"):
        gpnn.rmse(torch.zeros(5, 1), torch.zeros(5))


def test_rmse_rejects_non_tensors_empty_and_nan():
    with pytest.raises(TypeError, match=r"'obs' must be a torch.Tensor.*obs = \[1\.0\]"):
        gpnn.rmse([1.0], torch.zeros(1))
    with pytest.raises(ValueError, match="'obs' must not be empty"):
        gpnn.rmse(torch.zeros(0, 1), torch.zeros(0, 1))
    with pytest.raises(ValueError, match="'pred' must hold finite"):
        gpnn.rmse(torch.zeros(2), torch.tensor([0.0, math.inf]))
