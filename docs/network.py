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
# # A neural network is stacked regressions
#
# A linear regression predicts $\hat y = X\beta + \beta_0$: a matrix of predictors times a vector
# of coefficients, plus an intercept. A neural network does the same thing several times in a
# row, feeding each result into the next, with one small non-linear twist in between:
#
# $$
# \begin{aligned}
# h_1 &= \operatorname{ReLU}(X W_1 + b_1) \\
# h_2 &= \operatorname{ReLU}(h_1 W_2 + b_2) \\
# &\;\;\vdots \\
# \hat y &= h_D W_{D+1} + b_{D+1}
# \end{aligned}
# $$
#
# Each *weight* matrix $W_\ell$ is a set of regression coefficients and each *bias* vector
# $b_\ell$ a set of intercepts. The intermediate results $h_1, \dots, h_D$ are the $D$ *hidden
# layers*, and the columns of each are its *nodes* (or neurons). The last line has no ReLU, so
# the prediction can be any real number.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.site import figure, number, prose, source, table
from gpnn.site.claims import choose, claim

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()

# %% [markdown]
# ## The ReLU
#
# The rectified linear unit keeps positive numbers and replaces negative ones by zero,
# $\operatorname{ReLU}(z) = \max(z, 0)$. Applied to a few integers:

# %%
values = torch.arange(-4, 4)
print("input:  ", values.tolist())
print("ReLU:   ", torch.relu(values).tolist())

# %% [markdown]
# Without it, the stack would collapse into a single regression: a product of matrices is one
# matrix, $X W_1 W_2 = X (W_1 W_2)$. With it, each node is a hinge, and a sum of hinges can
# bend to follow a curve. A network of ReLUs is a *piecewise-linear* function of its input.
#
# The ReLU also changes the scale of what it passes on, which matters for how the weights are
# initialised (next page). For a symmetric, zero-mean input $z$ it zeroes the negative half, so
# it keeps half of the *second moment*: $\mathbb{E}[\operatorname{ReLU}(z)^2] = \tfrac12\,\mathbb{E}[z^2]$.
# Its output is no longer centred, so its variance is smaller still; what the next layer's
# scale depends on is the second moment. Many standard normal draws show both:

# %%
z = torch.randn(1_000_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
relu = torch.relu(z)

# %% tags=["hide-input"]
m2, var = (relu**2).mean().item(), relu.var().item()
both = claim(
    "as the theory says, the ReLU halves the second moment and leaves a smaller variance",
    "abs(m2 - 0.5) < 0.01 and var < m2",
    m2=m2,
    var=var,
    name="relu-halves-second-moment",
)
prose(
    f"{number(z.numel(), ',d')} draws have second moment {number((z**2).mean().item(), '.3f')}; after the ReLU, "
    "second moment "
    f"{number((relu**2).mean().item(), '.3f', key='relu_second_moment')} and variance "
    f"{number(relu.var().item(), '.3f', key='relu_variance')} (theory: one half, and "
    f"{number(0.5 - 1 / (2 * np.pi), '.3f')}, which is one half minus the squared mean, "
    f"1/(2π)): {both:html}."
)

# %% [markdown]
# ## The forward pass in code
#
# This is the function the package uses to predict, shown from its source: the loop is the
# equations above, one line per hidden layer, and the comments give the shape of each matrix
# for $n$ observations.

# %% tags=["hide-input"]
source(gpnn.network._forward)

# %% [markdown]
# ## Shapes of the network we fit
#
# With $J$ predictors and $H_\ell$ nodes in hidden layer $\ell$, $W_\ell$ has $H_{\ell-1}$ rows
# and $H_\ell$ columns, so that $h_{\ell-1} W_\ell$ is defined; $X$ has $n$ rows and
# $J = H_0$ columns.
# Here the only predictor is the location $x$, so $J = 1$. The experiment's architecture:

# %% tags=["hide-input"]
sizes = gpnn.layer_sizes(1, config.hidden_sizes)
params = gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed)
rows = []
for layer, (W, b) in enumerate(zip(params.weights, params.biases, strict=True), start=1):
    name = "output" if layer == len(params.weights) else f"hidden {layer}"
    shape = " × ".join(str(s) for s in W.shape)
    rows.append((f"{name}: W{layer} is {shape}, b{layer} has {b.numel()}", number(W.numel() + b.numel(), "d")))
rows.append(("total", number(gpnn.count_parameters(sizes), "d", key="n_params")))
table(rows, header=("layer", "parameters"))

# %% tags=["hide-input"]
n_params = gpnn.count_parameters(sizes)
n_obs = config.x().size
overparameterised = choose(
    "n_params > n_obs",
    "A least-squares regression with more coefficients than observations can fit them exactly, noise and all",
    "A least-squares regression with this many coefficients could not fit every observation exactly",
    n_params=n_params,
    n_obs=n_obs,
    name="more-parameters-than-data",
)
prose(
    f"The network has $D$ = {number(len(config.hidden_sizes), 'd', key='n_hidden')} hidden layers and "
    f"{number(n_params, 'd')} parameters, fitted to {number(n_obs, 'd')} observations: "
    f"about {number(n_params / n_obs, '.0f')} parameters per data point. {overparameterised:html}; what the "
    "network does instead depends on how it is trained, which the next pages measure."
)

# %% [markdown]
# ## The picture
#
# The usual diagram of a network is this matrix algebra drawn out: one column of circles per
# layer, one circle per node, and a line for every weight, i.e. every entry of every $W_\ell$.
# Wide layers are drawn with a gap; the label gives the true width.

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plots.plot_network(ax, sizes)
figure(
    fig,
    alt=f"Diagram of the network: {sizes[0]} input node on the left, {len(config.hidden_sizes)} columns of "
    f"hidden nodes of widths {', '.join(map(str, config.hidden_sizes))}, and {sizes[-1]} output node on the "
    "right, every node joined to every node of the next column.",
    caption=f"The network as a diagram: a column per layer (in, h1 to h{len(config.hidden_sizes)}, out), a line per "
    "weight; wide "
    "layers are drawn with a gap and labelled with their width.",
    name="diagram",
)

# %% [markdown]
# ## What an untrained network computes
#
# Before training, the weights are random. The output is still a piecewise-linear function of
# $x$, and the kinks are where some hidden node switches on or off. [Figure](#fig-untrained)
# shows a few networks with the same architecture and different random weights.

# %%
x = torch.linspace(-2, 2, 400)[:, None]  # (400, 1): standardised locations
seeds = range(3)
with torch.no_grad():
    untrained = [gpnn.forward(x, gpnn.init_params(1, config.hidden_sizes, seed=s))[:, 0] for s in seeds]  # (400,)

# %% tags=["fold"]
fig, axes = plt.subplots(1, len(seeds), figsize=(8, 2.8), sharey=True)
for ax, seed, y_hat in zip(axes, seeds, untrained, strict=True):
    ax.plot(x[:, 0], y_hat, color=plots.NETWORK_COLOR, lw=1.5)
    ax.set(title=f"seed {seed}", xlabel="standardised $x$")
axes[0].set(ylabel=r"$\hat y$")
slopes = [np.diff(y.numpy()) / np.diff(x[:, 0].numpy()) for y in untrained]
kinks = [int(np.sum(np.abs(np.diff(s)) > 1e-4)) for s in slopes]
figure(
    fig,
    alt=f"{len(seeds)} untrained networks, one panel each: outputs ranging over "
    + ", ".join(f"[{y.min():.2f}, {y.max():.2f}]" for y in untrained)
    + f", each made of straight pieces whose slope changes at {', '.join(map(str, kinks))} of the "
    f"{x.shape[0] - 2} interior grid points.",
    caption=f"Networks with the experiment's architecture and random weights (seeds {', '.join(map(str, seeds))}), "
    "before training.",
    name="untrained",
)
