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
# # The recipe's advice, tested
#
# The training recipe comes with advice: standardise the input, use He initialisation, train
# until the loss levels out, and use its deep architecture, found after a lot of fiddling. Each
# claim becomes an experiment here, run at every build. All runs use the experiment's data and
# seeds and differ from it in one setting only.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.site import figure, number, prose, table
from gpnn.site.runs import experiments

plt.style.use(plots.SITE_STYLE)
base = gpnn.ExperimentConfig()


def variant(**changes):
    return dataclasses.replace(base, **changes)


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


long_run_epochs = 3 * base.n_epochs
runs = {
    "reference": base,
    "raw x": variant(standardize_inputs=False),
    "N(0, 1) weights": variant(init_scale="unit"),
    "small weights": variant(init_scale="small"),
    "long run": variant(n_epochs=long_run_epochs, record_every=50),
    "one layer of 64": variant(hidden_sizes=(64,)),
    "one layer of 256": variant(hidden_sizes=(256,)),
    "two layers of 64": variant(hidden_sizes=(64, 64)),
}
# Every run in parallel processes, one per core; a run whose loss blows up comes back as None.
results = dict(zip(runs, experiments(list(runs.values()), allow_divergence=True), strict=True))


def outcome(name):
    result = results[name]
    if result is None:
        return "diverged (loss became NaN or infinite)"
    return (
        f"{number(result.final_rmse, '.3f')} against the data, "
        f"{number(result.rmse_to_latent, '.3f')} against the latent function"
    )


# %% [markdown]
# ## (a) Standardising the input
#
# The same network and learning rate, trained on the raw locations and on the z-scored ones.

# %% tags=["hide-input"]
table([(name, outcome(name)) for name in ("reference", "raw x")], header=("input", "final RMSE"))

# %%
fig, ax = plt.subplots()
for name, color in (("reference", plots.NETWORK_COLOR), ("raw x", plots.LATENT_COLOR)):
    if results[name] is not None:
        ax.semilogy(
            results[name].loss_history, color=color, lw=1.2, label=name if name != "reference" else "standardised x"
        )
ax.set(xlabel="epoch", ylabel="training RMSE")
ax.legend()
figure(
    fig, alt="Training loss on a log scale for raw and standardised inputs: the standardised run falls much further."
)

# %% [markdown]
# With raw $x$ the first layer's pre-activations $x W_1$ are far larger than with z-scored $x$,
# so their gradients are too, and one learning rate cannot suit both the first
# layer and the rest: the same reason why regression software centres and scales predictors
# before iterating.

# %% [markdown]
# ## (b) He initialisation
#
# How large are the hidden layers' activations at the start? Below, the standard deviation of
# each hidden layer's output for the three initial scales, on the standardised input.

# %%
inputs = torch.tensor(results["reference"].inputs[:, None], dtype=torch.float32)  # (n, 1)
spreads = {}
for scale in ("he", "unit", "small"):
    params = gpnn.init_params(1, base.hidden_sizes, seed=base.init_seed, scale=scale)
    h, layer_sd = inputs, []
    with torch.no_grad():
        for W, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
            h = torch.relu(h @ W + b)  # (n, H_l)
            layer_sd.append(h.std().item())
    spreads[scale] = layer_sd

fig, ax = plt.subplots()
small_sd = gpnn.network.INIT_SCALES["small"](1)
labels = {"he": "He: sd √(2/fan-in)", "unit": "sd 1", "small": f"sd {small_sd:g}"}
for scale, color in zip(spreads, (plots.NETWORK_COLOR, plots.LATENT_COLOR, plots.ACCENT_COLOR), strict=True):
    ax.semilogy(range(1, len(spreads[scale]) + 1), spreads[scale], "o-", color=color, label=labels[scale])
ax.set(xlabel="hidden layer", ylabel="sd of activations")
ax.legend()
figure(
    fig,
    alt="Standard deviation of the activations layer by layer at initialisation, on a log scale: "
    "roughly flat for He initialisation, growing layer by layer for unit-variance weights, and "
    "collapsing towards zero for very small weights.",
)

# %% tags=["hide-input"]
table(
    [(name, outcome(name)) for name in ("reference", "N(0, 1) weights", "small weights")],
    header=("initial weights", "final RMSE"),
)

# %% tags=["hide-input"]
he, unit, small = spreads["he"], spreads["unit"], spreads["small"]
prose(
    f"From the first hidden layer to the last, the activations' spread goes from {number(he[0], '.2f')} to "
    f"{number(he[-1], '.2f')} with He initialisation, from {number(unit[0], '.2f')} to {number(unit[-1], '.3g')} "
    f"with unit-variance weights, and from {number(small[0], '.2g')} to {number(small[-1], '.2g')} with "
    f"weights of standard deviation {number(small_sd, 'g')}. Exploding activations give exploding "
    "gradients; vanishing ones give gradients too small for the learning rate to move the early "
    "layers. He's factor keeps each layer's output variance equal to its input's, because a ReLU "
    "passes on about half of it."
)

# %% [markdown]
# ## (c) "The loss levels out": when to stop
#
# The training loss only measures fit to the noisy observations. Here the same run is continued
# well past the usual number of epochs, and at regular intervals its predictions are also
# compared with the latent function, which in real data we could not see.

# %%
long = results["long run"]
latent_error = np.sqrt(np.mean((long.snapshots - long.latent) ** 2, axis=1))  # (k,)
best = int(np.argmin(latent_error))
fig, ax = plt.subplots()
ax.plot(
    np.arange(1, long.loss_history.size + 1),
    long.loss_history,
    color=plots.NETWORK_COLOR,
    lw=1,
    label="RMSE against the data (training loss)",
)
ax.plot(long.snapshot_epochs, latent_error, color=plots.LATENT_COLOR, lw=1.5, label="RMSE against the latent function")
ax.axvline(long.snapshot_epochs[best], color=plots.ACCENT_COLOR, ls="--", lw=1, label="best epoch against the truth")
ax.axvline(base.n_epochs, color=plots.DATA_COLOR, ls=":", lw=1, label="the usual stopping point")
ax.axhline(base.sigma, color=plots.DATA_COLOR, lw=0.8)
ax.set(xlabel="epoch", ylabel="RMSE", ylim=(0, 2))
ax.legend(fontsize=8)
figure(
    fig,
    alt="Training loss and error against the latent function over a long run: the training "
    "loss keeps creeping down below sigma while the error against the truth reaches a minimum "
    "and then rises slowly.",
)

# %% tags=["hide-input"]
at_usual = latent_error[np.searchsorted(long.snapshot_epochs, base.n_epochs)]
prose(
    f"The error against the latent function is lowest, {number(latent_error[best], '.3f')}, at epoch "
    f"{number(long.snapshot_epochs[best], 'd', key='best_epoch')}; at the usual stopping point, epoch "
    f"{number(base.n_epochs, 'd')}, it is {number(at_usual, '.3f')}, and after {number(long_run_epochs, 'd')} "
    f"epochs {number(latent_error[-1], '.3f')}, while the training loss has kept falling to "
    f"{number(long.final_rmse, '.3f')}. Past the minimum the network spends its flexibility on the "
    "noise. With real data the truth is unknown, so the stopping point is chosen on held-out data "
    "instead: early stopping, a form of regularisation akin to shrinkage in regression."
)

# %% [markdown]
# ## (d) Depth and width
#
# The recipe's deep network against shallower and wider ones (the table lists them), all
# trained the same way.

# %%
names = ["reference", "one layer of 64", "one layer of 256", "two layers of 64"]
fig, ax = plt.subplots()
for name, color in zip(
    names, (plots.NETWORK_COLOR, plots.ACCENT_COLOR, plots.LATENT_COLOR, plots.DATA_COLOR), strict=True
):
    if results[name] is not None:
        ax.plot(
            results[name].x,
            results[name].predictions,
            color=color,
            lw=1.5,
            label=name if name != "reference" else "six layers (reference)",
        )
ax.plot(base.x(), results["reference"].latent, color="black", lw=1, ls="--", label="latent $f$")
ax.set(xlabel="$x$", ylabel="prediction")
ax.legend(fontsize=8)
figure(
    fig,
    alt="Fits of four architectures against the latent function: the shallow networks are "
    "smoother and miss the sharper bends, the deeper ones follow the curve more closely.",
)

# %% tags=["hide-input"]
table(
    [
        (
            f"{name} ({number(gpnn.count_parameters(gpnn.layer_sizes(1, runs[name].hidden_sizes)), 'd')} parameters)",
            outcome(name),
        )
        for name in names
    ],
    header=("architecture", "final RMSE"),
)
