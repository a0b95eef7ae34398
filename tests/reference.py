"""A plain, independent restatement of the reference procedure, for exactness tests.

Written the straightforward way, with numpy's and torch's global seeds and scipy's ``cdist``,
sharing no code with ``gpnn``. Callers should restore global random state afterwards
(the ``global_rng_guard`` fixture does).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist


def simulate(x, eta, rho, sigma, seed):
    np.random.seed(seed)
    d = cdist(x.reshape(-1, 1), x.reshape(-1, 1), metric="euclidean")
    K = eta**2 * np.exp(-0.5 * (d**2) / (rho**2))
    np.fill_diagonal(K, np.diag(K) + 1e-9)
    z = np.random.normal(size=len(x))
    latent = np.linalg.cholesky(K) @ z
    y = np.random.normal(loc=latent, scale=sigma, size=len(x))
    return latent, y


def init(n_inputs, hidden, seed):
    torch.manual_seed(seed)
    sizes = [n_inputs, *hidden, 1]
    weights, biases = [], []
    for i in range(len(sizes) - 1):
        W = torch.randn(sizes[i], sizes[i + 1], dtype=torch.float) * np.sqrt(2 / sizes[i])
        b = torch.zeros(sizes[i + 1], dtype=torch.float)
        weights.append(W.requires_grad_())
        biases.append(b.requires_grad_())
    return weights, biases


def net(x, weights, biases):
    layer = x
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        layer = F.relu(layer @ W + b)
    return layer @ weights[-1] + biases[-1]


def train(x, y, weights, biases, lr, n_epochs):
    losses, pred = [], None
    for _ in range(n_epochs):
        y_hat = net(x, weights, biases)
        loss = ((y - y_hat) ** 2).mean().sqrt()
        loss.backward()
        losses.append(loss.item())
        pred = y_hat.detach().clone()
        for W, b in zip(weights, biases, strict=True):
            W.data -= W.grad * lr
            b.data -= b.grad * lr
        for W, b in zip(weights, biases, strict=True):
            W.grad.zero_()
            b.grad.zero_()
    return losses, pred


def experiment(eta=3, rho=10, sigma=0.7, seed=33, hidden=(16, 32, 64, 64, 32, 16), lr=0.005, n_epochs=8000):
    x = np.arange(-50, 50, 0.5)
    latent, y = simulate(x, eta, rho, sigma, seed)
    x_std = (x - x.mean()) / x.std()
    inputs = torch.tensor(x_std[:, None], dtype=torch.float)
    targets = torch.tensor(y[:, None])
    weights, biases = init(1, list(hidden), seed)
    initial = [W.detach().clone() for W in weights]
    losses, pred = train(inputs, targets, weights, biases, lr, n_epochs)
    return {"x": x, "latent": latent, "y": y, "initial_weights": initial, "losses": losses, "pred": pred}
