# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation by hand
#
# Training called `loss.backward()` and let torch work out the gradient. Here we derive it, as
# one derives the normal equations of least squares, and check the result against torch.
#
# Write the network as $z_\ell = h_{\ell-1} W_\ell + b_\ell$, $h_\ell = \operatorname{ReLU}(z_\ell)$
# for the $D$ hidden layers, $\hat y = h_D W_{D+1} + b_{D+1}$, and the loss as
# $J = \sqrt{m}$ with $m = \frac1n\sum_i r_i^2$ and residuals $r = y - \hat y$.
#
# **The loss.** The chain rule through the square root, the mean and the square gives
#
# $$\frac{\partial J}{\partial \hat y_i} = \frac{1}{2J} \cdot \frac1n \cdot 2 r_i \cdot (-1)
#   = -\frac{r_i}{nJ}.$$
#
# **A linear layer.** Call $\delta_\ell = \partial J / \partial z_\ell$, the gradient arriving at
# the layer's output. Because $z_\ell = h_{\ell-1} W_\ell + b_\ell$ is linear,
#
# $$\frac{\partial J}{\partial W_\ell} = h_{\ell-1}^\top \delta_\ell, \qquad
#   \frac{\partial J}{\partial b_\ell} = \sum_i \delta_{\ell,i}, \qquad
#   \frac{\partial J}{\partial h_{\ell-1}} = \delta_\ell W_\ell^\top .$$
#
# The first is the familiar regression gradient $X^\top(\text{residual})$ with the layer's input in
# the role of $X$; the bias, an intercept, collects the sum.
#
# **A ReLU.** Its derivative is 1 where its input was positive and 0 elsewhere, so
# $\delta_{\ell-1} = \frac{\partial J}{\partial h_{\ell-1}} \odot [z_{\ell-1} > 0]$.
#
# Starting from $\delta_{D+1} = \partial J / \partial \hat y$ and walking back layer by layer gives
# every gradient: that walk is backpropagation.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import backprop, plots
from gpnn.numpy_net import NumpyGradientDescent
from gpnn.site import figure, number, prose, source
from gpnn.site.claims import choose, claim
from gpnn.site.runs import experiment

plt.style.use(plots.SITE_STYLE)
torch.set_num_threads(1)  # faster for matrices this small, and pages run side by side
config = gpnn.ExperimentConfig()
x = config.x()
draw = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)
inputs = torch.tensor(gpnn.standardize(x)[:, None], dtype=torch.float32)  # (n, 1)
targets = torch.tensor(draw.y[:, None])  # (n, 1), float64

# %% [markdown]
# The package's implementation, one function per step. The loss gradient:

# %% tags=["hide-input"]
source(backprop.rmse_gradient)

# %% [markdown]
# and the walk back through the layers:

# %% tags=["hide-input"]
source(backprop.backward_pass)

# %% [markdown]
# ## Checking against autograd
#
# At the initial weights of the experiment, the hand-derived gradients and torch's:

# %%
params = gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed)
loss = gpnn.rmse(targets, gpnn.forward(inputs, params))
loss.backward()
_, hand = backprop.gradients(inputs, targets, params)
differences = [
    (mine - tensor.grad).abs().max().item()
    for mine, tensor in zip(hand.weights + hand.biases, params.weights + params.biases, strict=True)
]

# %% tags=["hide-input"]
largest = max(differences)
exact = claim(
    "the gradients are not merely close: the hand derivation reproduces every bit",
    "largest == 0",
    largest=largest,
    name="gradients-bit-for-bit",
)
prose(
    f"Across all {number(sum(t.numel() for t in params.weights + params.biases), 'd')} parameters the "
    f"largest absolute difference is **{number(largest, 'g', key='max_grad_difference')}**: {exact:html}. The "
    "formulas are evaluated with the same torch operations, in the same order and precision, as autograd "
    "uses; the one place where that needs an unusual operation is marked in the package's source. The "
    "package's tests also check these gradients against finite differences in double precision "
    "(`torch.autograd.gradcheck`), for every weight and every bias."
)

# %% [markdown]
# ## Training with the hand-derived gradients
#
# The package's fast trainer uses exactly these formulas, with buffers reused from epoch to epoch.
# Its trajectory over all the experiment's epochs, against the autograd loop's:

# %%
autograd_run = experiment(config)  # the stored run, trained by the fast trainer
check = gpnn.GradientDescent(
    inputs, targets, gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed), config.learning_rate
)
check.train(config.n_epochs)
same = check.loss_history == autograd_run.loss_history.tolist()

# %% tags=["hide-input"]
gap = float(np.max(np.abs(np.array(check.loss_history) - autograd_run.loss_history)))
identical = choose(
    "gap == 0",
    "The trajectories are identical, every loss of every epoch",
    "The trajectories differ, by up to {gap:.2g}",
    gap=gap,
    name="trajectories-identical",
)
prose(
    f"Over {number(config.n_epochs, 'd')} epochs the largest difference between the two loss histories is "
    f"{number(gap, 'g', key='torch_hand_gap')}. {identical:html}."
)

# %% [markdown]
# ## The same in NumPy
#
# The same formulas in NumPy, in the same precisions, from the same initial weights:

# %% tags=["hide-input"]
source(NumpyGradientDescent.epoch)

# %%
numpy_run = experiment(dataclasses.replace(config, implementation="numpy"))
drift = np.abs(numpy_run.loss_history - autograd_run.loss_history)  # (n_epochs,)

# %% tags=["fold"]
fig, ax = plt.subplots()
epochs = np.arange(1, config.n_epochs + 1)
ax.semilogy(epochs, np.maximum(drift, 1e-18), color=plots.NETWORK_COLOR, lw=1)
ax.set(xlabel="epoch", ylabel="|loss NumPy − loss torch|")
checkpoints = [e for e in (1, 10, 100, 1000) if e < config.n_epochs] + [config.n_epochs]
figure(
    fig,
    alt="Absolute difference between the NumPy and torch loss histories on a log scale: "
    + ", ".join(f"{drift[e - 1]:.1e} at epoch {e}" for e in checkpoints)
    + ".",
    caption="How far the NumPy run's loss is from the torch run's, epoch by epoch (log scale).",
    name="drift",
)

# %% tags=["hide-input"]
threshold = 1e-3
first = int(np.argmax(drift > 0)) + 1 if np.any(drift > 0) else None
small = int(np.argmax(drift > threshold)) + 1 if np.any(drift > threshold) else None
grows = choose(
    "last > early and last > 0",
    "The formulas are the same; the matrix products are not, bit for bit: NumPy's BLAS and torch's add "
    "the terms of each dot product in different orders, and float32 addition is not associative. "
    "Gradient descent feeds each step's rounding into the next, and in a network with many nearly "
    "balanced ReLU units a tiny difference can switch a unit on in one run and off in the other. The difference "
    "grows from {early:.1e} in the first epochs to {last:.1e} at the end",
    "The difference stays within the first epochs' {early:.1e} over all of training",
    last=float(drift[-1]),
    early=float(drift[: min(10, drift.size)].max()),
    name="numpy-drift-grows",
)
prose(
    f"The first epoch's losses differ by {number(drift[0], 'g')}. "
    + (f"They first differ at epoch {number(first, 'd')}, " if first else "They never differ, ")
    + (
        f"and the gap passes {number(threshold, 'g')} at epoch {number(small, 'd')}. "
        if small
        else f"and the gap stays below {number(threshold, 'g')}. "
    )
    + f"At the end the NumPy run reaches {number(numpy_run.final_rmse, '.4f', key='numpy_final')} against "
    f"{number(autograd_run.final_rmse, '.4f')} for torch. {grows:html} ([Figure](#fig-drift))."
)
