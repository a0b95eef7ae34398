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
# # With established packages
#
# Everything so far was written by hand. PyTorch has building blocks for all of it: `nn.Linear`
# is a layer $hW^\top + b$, `nn.ReLU` the activation, `nn.Sequential` the stack, and
# `torch.optim.SGD` the update $\theta \leftarrow \theta - \alpha g$. Here the same network is
# rebuilt from them, with the same initial weights, and trained on the same loss.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.established import ModuleTrainer, to_sequential
from gpnn.site import figure, number, prose, source
from gpnn.site.claims import choose, claim
from gpnn.site.runs import experiment

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
scratch = experiment(config)  # the from-scratch run
inputs = torch.tensor(scratch.inputs[:, None], dtype=torch.float32)  # (n, 1)
targets = torch.tensor(scratch.y[:, None])  # (n, 1), float64

# %% tags=["hide-input"]
source(to_sequential)

# %%
model = to_sequential(gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed))
print(model)

# %% [markdown]
# ## Plain gradient descent with torch.optim.SGD

# %% tags=["hide-input"]
source(ModuleTrainer.epoch)

# %%
sgd = experiment(dataclasses.replace(config, implementation="torch-sgd")).loss_history
gap = np.abs(sgd - scratch.loss_history)  # (n_epochs,)

# %% tags=["hide-input"]
early = min(100, gap.size)
same = claim(
    "the two runs are the same algorithm: their losses agree closely at first",
    "early_gap < 1e-4 * first_loss",
    early_gap=float(gap[:early].max()),
    first_loss=float(scratch.loss_history[0]),
    name="sgd-agrees-early",
)
drifts = choose(
    "late_gap > early_gap",
    "but not the same arithmetic: `nn.Linear` adds the bias inside the matrix product (one fused "
    "`addmm`), and `SGD` updates each parameter with one fused multiply-add, so a few roundings "
    "differ, and as with NumPy on the previous page, training carries the differences on",
    "and their differences do not grow over training",
    late_gap=float(gap.max()),
    early_gap=float(gap[:early].max()),
    name="sgd-drifts",
)
prose(
    f"Over the first {number(early, 'd')} epochs the loss histories differ by at most "
    f"{number(gap[:early].max(), '.1e')}; over all {number(config.n_epochs, 'd')}, by at most "
    f"{number(gap.max(), '.2g', key='sgd_max_gap')}. The final losses are {number(sgd[-1], '.4f', key='sgd_final')} "
    f"(SGD) and {number(scratch.final_rmse, '.4f')} (from scratch): {same:html}, {drifts:html}."
)

# %% [markdown]
# ## Adam, for comparison
#
# Adam scales each parameter's step by a running estimate of its gradient's size. It is the
# usual default for networks, and usually converges in far fewer epochs. It is given its common
# default learning rate here.

# %%
adam_lr = 1e-3
adam = experiment(dataclasses.replace(config, implementation="torch-adam", learning_rate=adam_lr)).loss_history

# %% tags=["fold"]
fig, ax = plt.subplots()
epochs = np.arange(1, config.n_epochs + 1)
ax.semilogy(epochs, scratch.loss_history, color=plots.NETWORK_COLOR, lw=1.5, label="from scratch (gradient descent)")
ax.semilogy(epochs, sgd, color=plots.NETWORK_COLOR, lw=1, ls="--", label="torch.optim.SGD")
ax.semilogy(epochs, adam, color=plots.NETWORK_COLOR, lw=1, ls=":", label="torch.optim.Adam")
ax.axhline(config.sigma, color=plots.REFERENCE_COLOR, lw=0.8, ls="-.", label=r"noise $\sigma$")
ax.set(xlabel="epoch", ylabel="training RMSE")
ax.legend(fontsize=8)
below = np.flatnonzero(adam < config.sigma)
mark = min(1000, config.n_epochs)  # an epoch to compare the curves at
figure(
    fig,
    alt=f"Loss curves on a log scale: from scratch and torch.optim.SGD end at {scratch.final_rmse:.3f} and "
    f"{sgd[-1]:.3f}, Adam at {adam[-1]:.3f}; at epoch {mark} they are at {scratch.loss_history[mark - 1]:.3f}, "
    f"{sgd[mark - 1]:.3f} and {adam[mark - 1]:.3f}.",
    caption="Training loss of the from-scratch loop, torch.optim.SGD and torch.optim.Adam, and the noise level σ.",
    name="optimisers",
)

# %% tags=["hide-input"]
adam_run = experiment(dataclasses.replace(config, implementation="torch-adam", learning_rate=adam_lr))
faster = claim(
    "Adam lowers the training loss faster than plain gradient descent: at epoch {mark:.0f}, {adam_at_mark:.3f} "
    "against {gd_at_mark:.3f}",
    "adam_at_mark < gd_at_mark",
    adam_at_mark=float(adam[mark - 1]),
    gd_at_mark=float(scratch.loss_history[mark - 1]),
    mark=mark,
    name="adam-faster",
)
not_better = choose(
    "adam_train < gd_train and adam_latent >= gd_latent",
    "a lower training loss is not by itself a better estimate of the function",
    "compare the two errors, not the training losses alone, to judge the estimate of the function",
    adam_train=float(adam[-1]),
    gd_train=scratch.final_rmse,
    adam_latent=adam_run.rmse_to_latent,
    gd_latent=scratch.rmse_to_latent,
    name="adam-lower-loss-not-better",
)
dips = choose(
    "crossings > 0",
    "Its training loss dips below σ from epoch {first:.0f} on",
    "Its training loss stays above σ throughout",
    crossings=below.size,
    first=int(below[0]) + 1 if below.size else 0,
    name="adam-below-sigma",
)
prose(
    f"Adam, at learning rate {number(adam_lr, 'g')}, ends at {number(adam[-1], '.4f', key='adam_final')}. "
    f"{dips:html}; {faster:html}. Against the latent function it ends at "
    f"{number(adam_run.rmse_to_latent, '.3f', key='adam_latent')}, "
    f"and the from-scratch run at {number(scratch.rmse_to_latent, '.3f')}: {not_better:html} (see the page on "
    "how good a fit can get)."
)
