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
# \hat y &= h_L W_{L+1} + b_{L+1}
# \end{aligned}
# $$
#
# Each *weight* matrix $W_\ell$ is a set of regression coefficients and each *bias* vector
# $b_\ell$ a set of intercepts. The intermediate results $h_\ell$ are the *hidden layers*, and
# the columns of each are its *nodes* (or neurons). The last line has no ReLU, so the prediction
# can be any real number.

# %%
import matplotlib.pyplot as plt
import torch

import gpnn
from gpnn import plots
from gpnn.site import figure, number, prose, source, table

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()

# %% [markdown]
# ## The ReLU
#
# The rectified linear unit keeps positive numbers and replaces negative ones by zero,
# $\operatorname{ReLU}(z) = \max(z, 0)$. Applied to the integers from minus four to three:

# %%
values = torch.arange(-4, 4)
print("input:  ", values.tolist())
print("ReLU:   ", torch.relu(values).tolist())

# %% [markdown]
# Without it, the stack would collapse into a single regression: a product of matrices is one
# matrix, $X W_1 W_2 = X (W_1 W_2)$. With it, each node is a hinge, and a sum of hinges can
# bend to follow a curve. A network of ReLUs is a *piecewise-linear* function of its input.

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
# and $H_\ell$ columns, so that $h_{\ell-1} W_\ell$ is defined; $X$ has $n$ rows and $J$ columns.
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
prose(
    f"The network has {number(len(config.hidden_sizes), 'd', key='n_hidden')} hidden layers and "
    f"{number(n_params, 'd')} parameters, fitted to {number(n_obs, 'd')} observations: "
    f"about {number(n_params / n_obs, '.0f')} parameters per data point. A regression with that many "
    "coefficients would interpolate the noise; whether the network does is a question of how it is trained."
)

# %% [markdown]
# ## The picture
#
# The usual diagram of a network is this matrix algebra drawn out: one column of circles per
# layer, one circle per node, and a line for every weight, i.e. every entry of every $W_\ell$.
# Wide layers are drawn with a gap; the label gives the true width.

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.2))
plots.plot_network(ax, sizes)
figure(
    fig,
    alt="Diagram of the network: an input node on the left, "
    f"{len(config.hidden_sizes)} columns of hidden nodes, and one output node on the right, "
    "every node joined to every node of the next column.",
)

# %% [markdown]
# ## What an untrained network computes
#
# Before training, the weights are random. The output is still a piecewise-linear function of
# $x$, and the kinks are where some hidden node switches on or off. Three networks with the same
# architecture and different random weights:

# %%
x = torch.linspace(-2, 2, 400)[:, None]  # (400, 1): standardised locations
fig, ax = plt.subplots()
for seed in range(3):
    with torch.no_grad():
        y_hat = gpnn.forward(x, gpnn.init_params(1, config.hidden_sizes, seed=seed))  # (400, 1)
    ax.plot(x[:, 0], y_hat[:, 0], lw=1.5, label=f"seed {seed}")
ax.set(xlabel="standardised $x$", ylabel=r"$\hat y$")
ax.legend()
figure(
    fig,
    alt="Three random, untrained networks: each output is a jagged piecewise-linear curve "
    "made of straight segments joined at kinks.",
)
