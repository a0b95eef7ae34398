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
# # Training from scratch
#
# Fitting a regression by least squares has a closed form. A network does not, so we fit it the
# way one can also fit a regression: start somewhere and repeatedly step downhill on the loss.
# This page goes through each ingredient, shows the package's code for it, and then trains the
# network on the simulated data.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.site import figure, number, prose, source, table
from gpnn.site.runs import experiment

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
x = config.x()
draw = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)

# %% [markdown]
# ## Standardise the input
#
# As in any regression with an intercept, centring and scaling the predictor matters:
#
# $$\tilde x_i = \frac{x_i - \bar x}{s_x}.$$
#
# On the raw scale, the first layer's products $x W_1$ would be tens of times larger than the
# biases, and one learning rate could not suit every layer. After z-scoring, the input has mean
# zero and standard deviation one.

# %%
x_std = gpnn.standardize(x)  # (n,)
prose(
    f"Raw locations run from {number(x.min(), 'g')} to {number(x.max(), 'g')}; standardised, from "
    f"{number(x_std.min(), '.3f')} to {number(x_std.max(), '.3f')}, with mean "
    f"{number(abs(x_std.mean()), '.0f')} and standard deviation {number(x_std.std(), '.0f')}."
)

# %% [markdown]
# ## Start from random weights: He initialisation
#
# Each weight starts as a draw from $\mathcal{N}(0, 2/H_{\ell-1})$, where $H_{\ell-1}$ is the
# number of inputs to the layer; biases start at zero. A ReLU zeroes about half of what passes
# through it, halving the variance; the factor 2 restores it, so signals neither die out nor
# blow up on their way through the layers.

# %% tags=["hide-input"]
source(gpnn.init_params)

# %% tags=["hide-input"]
params = gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed)
table(
    [
        (
            f"W{layer}: {W.shape[0]} inputs",
            f"{number(W.std().item(), '.3f')} (target {number(np.sqrt(2 / W.shape[0]), '.3f')})",
        )
        for layer, W in enumerate(params.weights, start=1)
    ],
    header=("weight matrix", "standard deviation of its entries"),
)

# %% [markdown]
# ## The loss
#
# The network is scored by the root mean squared error,
#
# $$L(\theta) = \sqrt{\frac{1}{n}\sum_{i=1}^n \big(y_i - \hat y_i(\theta)\big)^2},$$
#
# the same quantity as the residual standard deviation of a regression. Minimising it is
# minimising the residual sum of squares.

# %% tags=["hide-input"]
source(gpnn.loss._rmse)

# %% [markdown]
# ## Gradient descent, step by step
#
# Each *epoch* uses all observations at once:
#
# 1. predict $\hat y = f(X;\theta)$ and compute $L(\theta)$;
# 2. compute the gradient $\nabla_\theta L$ by backpropagation, the chain rule applied layer by
#    layer from the output back to the input (torch's autograd does this: `loss.backward()`);
# 3. step against the gradient, $\theta \leftarrow \theta - \alpha\,\nabla_\theta L$, with a
#    learning rate $\alpha$;
# 4. reset the stored gradients, because torch adds each new gradient to the old one.
#
# The optimiser keeps these as separate methods:

# %% tags=["hide-input"]
source(gpnn.GradientDescent.compute_loss)

# %% tags=["hide-input"]
source(gpnn.GradientDescent.adjust)

# %% tags=["hide-input"]
source(gpnn.GradientDescent.zero_grad)

# %% tags=["hide-input"]
source(gpnn.GradientDescent.epoch)

# %% [markdown]
# A few epochs by hand, to see the loss move:

# %%
inputs = torch.tensor(x_std[:, None], dtype=torch.float32)  # (n, 1)
targets = torch.tensor(draw.y[:, None])  # (n, 1), float64
demo = gpnn.GradientDescent(
    inputs, targets, gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed), lr=config.learning_rate
)
for _ in range(5):
    print(f"epoch {len(demo.loss_history) + 1}: loss {demo.epoch():.6f}")

# %% [markdown]
# ## The full run
#
# The experiment repeats this for every epoch of its configuration. `run_experiment` does
# exactly the steps above; the result comes from the build's store of experiment results,
# keyed by the settings and the package's source, so every page quoting this run quotes the
# same numbers.

# %%
result = experiment(config)

# %% tags=["hide-input"]
prose(
    f"After {number(config.n_epochs, 'd', key='n_epochs')} epochs at learning rate "
    f"{number(config.learning_rate, 'g')}, the RMSE against the observations is "
    f"**{number(result.final_rmse, '.4f', key='final_rmse')}**, and against the latent function it is "
    f"**{number(result.rmse_to_latent, '.4f', key='rmse_to_latent')}**. The noise had σ = "
    f"{number(config.sigma, 'g')}, so a perfect estimate of $f$ would score about σ against the data; "
    "an RMSE below σ means the network has started to fit the noise itself."
)

# %% [markdown]
# ## The loss curve
#
# The loss falls fast at first and then levels out. The dashed line is σ, the RMSE that the true
# latent function itself would score on average.

# %%
fig, ax = plt.subplots()
plots.plot_loss(ax, result.loss_history, sigma=config.sigma)
figure(
    fig,
    alt="Training loss against epoch: a steep fall over the first epochs, then a slow "
    "decline that flattens out near the noise level.",
)

# %% [markdown]
# ## The fit
#
# The network's predictions (blue) against the observations and the latent function (red).

# %%
fig, ax = plt.subplots()
plots.plot_fit(ax, result.x, result.y, result.latent, result.predictions)
figure(
    fig,
    alt="The trained network's blue curve follows the red latent curve through the grey "
    "observations, with small extra wiggles where it chases the noise.",
)
