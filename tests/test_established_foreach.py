"""`ModuleTrainer` updates every tensor in one call (`foreach`): the same numbers as torch's loop over the tensors."""

import numpy as np
import pytest
import torch

import gpnn
from gpnn.established import ModuleTrainer, to_sequential
from gpnn.loss import rmse


@pytest.mark.parametrize(("name", "lr"), [("sgd", 0.005), ("adam", 1e-3)])
def test_module_trainer_equals_torch_optims_own_loop(name, lr):
    config = gpnn.ExperimentConfig()
    x = torch.tensor(np.linspace(-1.7, 1.7, 200)[:, None], dtype=torch.float32)  # (n, 1)
    y = torch.tensor(np.sin(3 * np.linspace(-1.7, 1.7, 200))[:, None])  # (n, 1), float64
    params = gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed)
    trainer = ModuleTrainer(x, y, params, lr, optimizer=name)
    trainer.train(300)
    # The reference: torch.optim's default on the CPU, a Python loop over the tensors.
    model = to_sequential(params)
    kind = torch.optim.SGD if name == "sgd" else torch.optim.Adam
    optimizer = kind(model.parameters(), lr=lr, foreach=False)
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = rmse(y, model(x))
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    assert trainer.loss_history == losses
    assert losses[-1] < losses[0]
    linears = [layer for layer in model if isinstance(layer, torch.nn.Linear)]
    for W, layer in zip(trainer.parameters().weights, linears, strict=True):
        assert torch.equal(W, layer.weight.detach().t())
