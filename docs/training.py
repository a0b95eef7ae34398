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
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.config import REFERENCE_REPORTED_RMSE
from gpnn.posterior import gp_posterior
from gpnn.site import figure, number, prose, source, table
from gpnn.site.charts import training_scrubber
from gpnn.site.claims import choose, claim, place
from gpnn.site.runs import experiment, experiments

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
x = config.x()  # (n,)
draw = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)

# %% [markdown]
# ## Standardise the input
#
# As in any regression with an intercept, centring and scaling the predictor matters:
#
# $$\tilde x_i = \frac{x_i - \bar x}{s_x}.$$
#
# The first layer computes $x W_1 + b_1$. Its biases start at zero, and its weights at a scale
# chosen for inputs of unit spread (next section), so the spread of its output is the spread of
# $x$ times that of $W_1$. If raw locations spread over many units, the first layer's outputs,
# and with them its gradients, would be that many times larger than the other layers', and no
# single learning rate could suit every layer.

# %%
x_std = gpnn.standardize(x)  # (n,)

# %% tags=["hide-input"]
prose(
    f"The raw locations run from {number(x.min(), 'g')} to {number(x.max(), 'g')} with standard deviation "
    f"{number(x.std(), '.1f', key='raw_sd')}; standardised, from {number(x_std.min(), '.3f')} to "
    f"{number(x_std.max(), '.3f')}, with mean {number(abs(x_std.mean()), '.0f')} and standard deviation "
    f"{number(x_std.std(), '.0f')}. The advice page measures what training on the raw scale does."
)

# %% [markdown]
# ## Start from random weights: He initialisation
#
# Each weight starts as a draw from $\mathcal{N}(0, 2/H_{\ell-1})$, where $H_{\ell-1}$ is the
# number of inputs to the layer; biases start at zero. The reason is the scale of the
# pre-activations $z_\ell = h_{\ell-1} W_\ell + b_\ell$ as they pass through the layers. With
# independent zero-mean weights,
#
# $$\operatorname{Var}(z_\ell) = H_{\ell-1} \operatorname{Var}(W_\ell)\, \mathbb{E}\big[h_{\ell-1}^2\big],$$
#
# which involves the *second moment* of the layer's input, not its variance. A ReLU of a
# symmetric, zero-mean $z$ keeps exactly half of that second moment,
# $\mathbb{E}[\operatorname{ReLU}(z)^2] = \tfrac12 \operatorname{Var}(z)$, so choosing
# $\operatorname{Var}(W_\ell) = 2/H_{\ell-1}$ gives $\operatorname{Var}(z_\ell) = \operatorname{Var}(z_{\ell-1})$:
# the pre-activations keep their scale at every depth, neither dying out nor blowing up
# [@he2015].

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
# $$J(\theta) = \sqrt{\frac{1}{n}\sum_{i=1}^n \big(y_i - \hat y_i(\theta)\big)^2},$$
#
# the same quantity as the residual standard deviation of a regression. Minimising it and
# minimising the residual sum of squares have the same minimiser, since the square root is
# increasing, but not the same gradient-descent steps: by the chain rule
#
# $$\nabla_\theta J = \frac{\nabla_\theta\, \mathrm{MSE}}{2J}, \qquad \mathrm{MSE} = J^2,$$
#
# so the step on the RMSE is the step on the mean squared error divided by twice the current
# RMSE: small while the fit is poor, and growing as the error shrinks.

# %% tags=["hide-input"]
source(gpnn.loss._rmse)

# %% [markdown]
# ## Gradient descent, step by step
#
# Each *epoch* uses all observations at once:
#
# 1. predict $\hat y = f(X;\theta)$ and compute $J(\theta)$;
# 2. compute the gradient $\nabla_\theta J$ by backpropagation, the chain rule applied layer by
#    layer from the output back to the input (torch's autograd does this: `loss.backward()`);
# 3. step against the gradient, $\theta \leftarrow \theta - \alpha\,\nabla_\theta J$, with a
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
# keyed by the settings and by the source of the code that computes them, so every page quoting
# this run quotes the same numbers. The run also keeps the network's predictions at regular
# intervals, to watch the fit take shape.

# %%
result = experiment(config)
noise_rms = float(np.sqrt(np.mean((draw.y - draw.latent) ** 2)))  # the noise actually drawn
best = gp_posterior(x, draw.y, x, config.eta, config.rho, config.sigma).mean  # the best estimate of f

# %%
init_seeds = [config.init_seed, *range(19)]  # the initial seeds of the page on fiddling, this run's first
by_init = experiments([dataclasses.replace(config, init_seed=seed) for seed in init_seeds])
to_latent = np.array([run.rmse_to_latent for run in by_init])  # (20,)

# %% tags=["hide-input"]
gp_train = float(np.sqrt(np.mean((best - draw.y) ** 2)))
luckiest = choose(
    "place == 1",
    "This run is the luckiest of {n:.0f} initial seeds on these data: rerun from the others, the recipe ends "
    "between {low:.3f} and {high:.3f} against the latent function, {median:.3f} at the median",
    "Of {n:.0f} initial seeds on these data this run comes {place:ordinal} by error against the latent function, "
    "counted from the lowest: the recipe ends between {low:.3f} and {high:.3f}, {median:.3f} at the median",
    place=place(to_latent),
    low=to_latent[1:].min(),
    high=to_latent.max(),
    median=float(np.median(to_latent)),
    n=len(init_seeds),
    seeds=len(init_seeds),
    name="reference-run-place",
)
shown = 4  # decimals shown
differs = choose(
    "abs(here - reported) >= 0.5 * 10 ** -shown",
    "Float32 training over many steps is chaotic: a processor or library build that adds the terms of a "
    "sum in another order changes a last bit, and gradient descent carries the difference on, so each "
    "machine ends the same recipe at its own number",
    "This machine ends the recipe at the same number, to the digits shown",
    here=result.final_rmse,
    reported=REFERENCE_REPORTED_RMSE,
    shown=shown,
    name="reported-differs",
)
gp_below_sigma = claim(
    "even the GP posterior mean computed with the true parameters, the estimate with the lowest expected error "
    "over data sets drawn from the model, scores below σ on the same data",
    "gp_train < sigma",
    gp_train=gp_train,
    sigma=config.sigma,
    name="posterior-mean-below-sigma",
)
below_noise = choose(
    "net < noise",
    "below even the root mean square of the noise actually drawn",
    "above the root mean square of the noise actually drawn",
    net=result.final_rmse,
    noise=noise_rms,
    name="training-vs-drawn-noise",
)
prose(
    f"After {number(config.n_epochs, 'd', key='n_epochs')} epochs at learning rate "
    f"{number(config.learning_rate, 'g')}, the RMSE against the observations is "
    f"**{number(result.final_rmse, '.4f', key='final_rmse')}**, and against the latent function it is "
    f"**{number(result.rmse_to_latent, '.3f', key='rmse_to_latent')}**. The source post [@source] reported "
    f"{number(REFERENCE_REPORTED_RMSE, f'.{shown}f', key='reported')} for the same code and seeds. "
    f"{differs:html}. {luckiest:html}; the page on how much fiddling matters shows the whole distribution.\n\n"
    f"Is {number(result.final_rmse, '.4f')} good? The noise had σ = {number(config.sigma, 'g')}, and the noise "
    f"actually drawn has root mean square {number(noise_rms, '.3f', key='noise_rms')}; the network's training "
    f"error is {below_noise:html}. But a training error below the noise does not by itself mean the fit "
    f"has followed the noise: {gp_below_sigma:html} ({number(gp_train, '.4f', key='gp_train')}), since any "
    "smoother uses its data. The page on how good a fit can get works out how far below σ an honest fit should "
    "score, and compares both with the truth."
)

# %% [markdown]
# ## The loss curve
#
# [Figure](#fig-loss) shows the RMSE against the observations at every epoch, with σ as a
# reference line.

# %% tags=["fold"]
fig, ax = plt.subplots()
plots.plot_loss(ax, result.loss_history, sigma=config.sigma)
crossing = np.flatnonzero(result.loss_history < config.sigma)
early = min(100, config.n_epochs)  # an early epoch to describe
when = f"it first drops below sigma at epoch {int(crossing[0]) + 1}" if crossing.size else "it never drops below sigma"
figure(
    fig,
    alt=f"Training RMSE against epoch: {result.loss_history[0]:.2f} at epoch 1, "
    f"{result.loss_history[early - 1]:.2f} at epoch {early} and {result.final_rmse:.3f} at epoch {config.n_epochs}; "
    f"{when} ({config.sigma:g}).",
    caption="Training loss (RMSE against the observations) at each epoch, and the noise level σ.",
    name="loss",
)

# %% tags=["hide-input"]
first, last = result.loss_history[0], result.final_rmse
half = int(np.argmax(result.loss_history <= (first + last) / 2)) + 1
tenth = int(np.argmax(result.loss_history <= last + (first - last) / 10)) + 1
prose(
    f"The loss starts at {number(first, '.2f')}. Half of its whole fall is done by epoch "
    f"{number(half, 'd', key='half_fall')}, "
    f"nine tenths by epoch {number(tenth, 'd')}, and the remaining {number(config.n_epochs - tenth, 'd')} epochs "
    f"take it the rest of the way to {number(last, '.3f')}."
)

# %% [markdown]
# ## The fit
#
# The network's predictions against the observations and the latent function, in
# [Figure](#fig-fit).

# %% tags=["fold"]
fig, ax = plt.subplots()
plots.plot_fit(ax, result.x, result.y, result.latent, result.predictions)
largest = int(np.argmax(np.abs(result.predictions - result.latent)))
figure(
    fig,
    alt=f"The trained network's predictions over the {result.x.size} observations and the latent curve; "
    f"RMSE against the latent function {result.rmse_to_latent:.3f}, largest gap "
    f"{abs(result.predictions[largest] - result.latent[largest]):.2f} at x = {result.x[largest]:g}.",
    caption="The trained network, the latent function and the observations.",
    name="fit",
)

# %% [markdown]
# ## Watching the fit take shape
#
# [Figure](#fig-training-scrubber) replays the run: move the epoch slider to see the network's
# predictions at that epoch, and where the loss curve stood.

# %%
training_scrubber(
    result.x,
    result.y,
    result.latent,
    result.snapshot_epochs,
    result.snapshots,
    result.loss_history,
    caption=f"The network's fit during training, every {config.record_every} epochs, and the loss curve.",
)

# %% [markdown]
# A note on timing. The predictions above, like every recorded loss, come from a forward pass
# made *before* that epoch's update, as the recipe records them: the last recorded loss scores
# the network after all but one of its updates. The trained weights, which `predict` uses to
# evaluate the network at new locations, are *after* the last update.

# %% tags=["hide-input"]
after = gpnn.predict(result, result.x)
change = float(np.max(np.abs(after - result.predictions)))
tail = result.loss_history[-min(100, config.n_epochs) :]
jitter = float(np.abs(np.diff(tail)).max()) if tail.size > 1 else 0.0  # largest loss jump between epochs
if change < 0.01 * config.sigma:
    small = claim(
        "One step of gradient descent this late in training changes the predictions very little: the last update "
        "moves the network's prediction by at most {change:.1e} at any observed location, a small fraction of σ",
        "0 < change < 0.01 * sigma",
        change=change,
        sigma=config.sigma,
        name="last-update-small",
    )
else:
    small = claim(
        "Even this late, one step is large: the last update moves the network's prediction at one observed "
        "location by {change:.2f}, {ratio:.1f} times the noise's σ, and over the last {last:.0f} epochs the "
        "training loss still jumps by up to {jitter:.3f} from one epoch to the next. At this learning rate "
        "gradient descent has not settled",
        "change >= 0.01 * sigma and jitter > 1e-3",
        change=change,
        sigma=config.sigma,
        ratio=change / config.sigma,
        jitter=jitter,
        last=tail.size,
        name="last-update-large",
    )
prose(
    f"{small:html}. The predictions in the figures above and the error of "
    f"{number(result.rmse_to_latent, '.3f')} are those of one moment of that oscillation, as every recorded "
    "epoch is: the page testing the advice averages over neighbouring snapshots for that reason."
)
