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
# piece of advice becomes an experiment here, run at every build. Every variant differs from the
# recipe in one setting, uses the experiment's data, and is trained from several initial seeds
# (the same ones for every variant), because one initialisation can make any setting look good or
# bad; every run is shown.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import torch

import gpnn
from gpnn import plots
from gpnn.simulate import noise_replicate
from gpnn.site import figure, number, prose, table
from gpnn.site.claims import choose, claim
from gpnn.site.runs import experiments

plt.style.use(plots.SITE_STYLE)
base = gpnn.ExperimentConfig()
seeds = [base.init_seed, *range(7)]  # the reference run's seed first
variants = {
    "recipe": {},
    "raw x": {"standardize_inputs": False},
    "N(0, 1) weights": {"init_scale": "unit"},
    "small weights": {"init_scale": "small"},
    "64": {"hidden_sizes": (64,)},
    "256": {"hidden_sizes": (256,)},
    "64-64": {"hidden_sizes": (64, 64)},
}
configs = {name: [dataclasses.replace(base, init_seed=s, **change) for s in seeds] for name, change in variants.items()}
# Every run in one request: the build runs them in parallel; a run that diverges comes back as None.
flat = experiments([c for group in configs.values() for c in group], allow_divergence=True)
results = {name: flat[i * len(seeds) : (i + 1) * len(seeds)] for i, name in enumerate(variants)}


def scores(name, attribute="rmse_to_latent"):
    """The runs' scores, NaN for a run that diverged."""
    return np.array([np.nan if r is None else getattr(r, attribute) for r in results[name]])


def strip(ax, names, labels=None, attribute="rmse_to_latent"):
    """Every seed's score for each variant, the reference seed's ringed; diverged runs counted, not drawn."""
    groups = {label: scores(name, attribute) for name, label in zip(names, labels or names, strict=True)}
    plots.plot_strip(ax, groups, marked={label: values[0] for label, values in groups.items()})


def summary(name):
    values = scores(name)
    done = values[~np.isnan(values)]
    if not done.size:
        return f"all {number(len(values), 'd')} runs diverged"
    diverged = f"; {number(np.isnan(values).sum(), 'd')} diverged" if np.isnan(values).any() else ""
    return (
        f"median {number(np.median(done), '.3f')}, from {number(done.min(), '.3f')} to "
        f"{number(done.max(), '.3f')}{diverged}"
    )


def paired(a, b):
    """Seeds on which variant ``a`` ends closer to the latent function than ``b`` (diverged runs count as worse)."""
    x, y = np.nan_to_num(scores(a), nan=np.inf), np.nan_to_num(scores(b), nan=np.inf)
    return int(np.sum(x < y))


# %% [markdown]
# ## (a) Standardising the input
#
# The same network and learning rate, trained on the raw locations and on the z-scored ones.
# [Figure](#fig-standardise) shows every run's error against the latent function.

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(5, 3.4))
strip(ax, ["recipe", "raw x"])
ax.set(ylabel="RMSE against the latent function")
figure(
    fig,
    alt=f"Error against the latent function of {len(seeds)} runs each: standardised input "
    f"{np.nanmedian(scores('recipe')):.3f} at the median, raw input {np.nanmedian(scores('raw x')):.3f}.",
    caption="Each initial seed's error against the latent function, with standardised (recipe) and raw input. "
    "Bars are medians; the reference seed is ringed.",
    name="standardise",
)

# %% tags=["hide-input"]
wins = paired("recipe", "raw x")
verdict = choose(
    "wins == n",
    "on every seed",
    f"on {wins} of the {len(seeds)} seeds",
    wins=wins,
    n=len(seeds),
    seeds=len(seeds),
    name="standardise-wins",
)
claim(
    "standardising helps on most seeds",
    "wins > n / 2",
    wins=wins,
    n=len(seeds),
    seeds=len(seeds),
    name="standardise-majority",
)
table([(name, summary(name)) for name in ("recipe", "raw x")], header=("input", "RMSE against the latent function"))

# %% tags=["hide-input"]
prose(
    f"Standardising ends closer to the latent function {verdict}. With raw $x$ the first layer's "
    "pre-activations $x W_1$ are as many times larger as $x$'s spread, so their gradients are too, and one "
    "learning rate cannot suit both the first layer and the rest: the same reason why regression software "
    "centres and scales predictors before iterating."
)

# %% [markdown]
# ## (b) He initialisation
#
# How large are the hidden layers' pre-activations at the start? [Figure](#fig-scales) shows the
# standard deviation of each hidden layer's pre-activation $z_\ell$ for the three initial scales,
# on the standardised input, for each of the seeds.

# %%
inputs = torch.tensor(gpnn.standardize(base.x())[:, None], dtype=torch.float32)  # (n, 1)
spreads = {}
for scale in ("he", "unit", "small"):
    per_seed = []
    for seed in seeds:
        params = gpnn.init_params(1, base.hidden_sizes, seed=seed, scale=scale)
        h, layer_sd = inputs, []
        with torch.no_grad():
            for W, b in zip(params.weights[:-1], params.biases[:-1], strict=True):
                z = h @ W + b  # (n, H_l), the pre-activation
                layer_sd.append(z.std().item())
                h = torch.relu(z)
        per_seed.append(layer_sd)
    spreads[scale] = np.array(per_seed)  # (seeds, layers)

# %% tags=["fold"]
fig, ax = plt.subplots()
small_sd = gpnn.network.INIT_SCALES["small"](1)
labels = {"he": "He: sd √(2/fan-in)", "unit": "sd 1", "small": f"sd {small_sd:g}"}
layers = np.arange(1, len(base.hidden_sizes) + 1)
for scale, style in zip(spreads, ("-", "--", ":"), strict=True):
    median = np.median(spreads[scale], axis=0)
    ax.fill_between(
        layers, spreads[scale].min(axis=0), spreads[scale].max(axis=0), color=plots.NETWORK_COLOR, alpha=0.15, lw=0
    )
    ax.semilogy(layers, median, ls=style, marker="o", color=plots.NETWORK_COLOR, label=labels[scale])
ax.set(xlabel="hidden layer", ylabel="sd of pre-activations")
ax.legend()
figure(
    fig,
    alt="Standard deviation of the pre-activations layer by layer at initialisation, median over "
    f"{len(seeds)} seeds, from the first hidden layer to the last: He "
    f"{np.median(spreads['he'][:, 0]):.2f} to {np.median(spreads['he'][:, -1]):.2f}, sd 1 "
    f"{np.median(spreads['unit'][:, 0]):.3g} to {np.median(spreads['unit'][:, -1]):.3g}, sd {small_sd:g} "
    f"{np.median(spreads['small'][:, 0]):.2g} to {np.median(spreads['small'][:, -1]):.2g}.",
    caption="Scale of each hidden layer's pre-activations before training, for three initial weight scales "
    "(median and range over the seeds, log scale).",
    name="scales",
)

# %% tags=["hide-input"]
he, unit, small = (np.median(spreads[s], axis=0) for s in ("he", "unit", "small"))
kept = claim(
    "He initialisation keeps the scale within a factor of three from the first hidden layer to the last",
    "1 / 3 < last / first < 3",
    first=he[0],
    last=he[-1],
    seeds=len(seeds),
    name="he-keeps-scale",
)
grows = claim(
    "unit-variance weights multiply it by more than ten",
    "last / first > 10",
    first=unit[0],
    last=unit[-1],
    seeds=len(seeds),
    name="unit-grows",
)
shrinks = claim(
    "small weights divide it by more than a thousand",
    "last / first < 1e-3",
    first=small[0],
    last=small[-1],
    seeds=len(seeds),
    name="small-shrinks",
)
prose(
    f"{kept:html} ({number(he[0], '.2f')} to {number(he[-1], '.2f')}); {grows} "
    f"({number(unit[0], '.2f')} to {number(unit[-1], '.3g')}); {shrinks} ({number(small[0], '.2g')} to "
    f"{number(small[-1], '.2g')}). The variance of $z_\\ell$ is the fan-in times the weights' variance times "
    "the second moment of the layer's input, and a ReLU keeps half of the second moment of a symmetric "
    "input: He's factor two makes each layer's pre-activations as large as the previous layer's. Exploding "
    "activations give exploding gradients; vanishing ones give gradients too small for the learning rate "
    "to move the early layers."
)

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(5.5, 3.4))
strip(ax, ["recipe", "N(0, 1) weights", "small weights"], labels=["He (recipe)", "sd 1", f"sd {small_sd:g}"])
ax.set(ylabel="RMSE against the latent function")
figure(
    fig,
    alt="Error against the latent function after training, "
    + "; ".join(
        (
            f"{name}: median {np.nanmedian(scores(name)):.3f}, {int(np.isnan(scores(name)).sum())} diverged"
            if np.isfinite(scores(name)).any()
            else f"{name}: all {len(seeds)} runs diverged"
        )
        for name in ("recipe", "N(0, 1) weights", "small weights")
    )
    + ".",
    caption="Each seed's error against the latent function after training, for the three initial scales.",
    name="init-outcomes",
)

# %% tags=["hide-input"]
table(
    [(name, summary(name)) for name in ("recipe", "N(0, 1) weights", "small weights")],
    header=("initial weights", "RMSE against the latent function"),
)

# %% tags=["hide-input"]
he_beats = {name: paired("recipe", name) for name in ("N(0, 1) weights", "small weights")}
claim(
    "He initialisation ends closer to the latent function than either alternative on most seeds",
    "unit > n / 2 and small > n / 2",
    unit=he_beats["N(0, 1) weights"],
    small=he_beats["small weights"],
    n=len(seeds),
    seeds=len(seeds),
    name="he-wins",
)
prose(
    f"After training, He initialisation ends closer to the latent function than unit-variance weights on "
    f"{number(he_beats['N(0, 1) weights'], 'd')} of the {number(len(seeds), 'd')} seeds, and than small weights on "
    f"{number(he_beats['small weights'], 'd')}."
)

# %% [markdown]
# ## (c) "The loss levels out": when to stop
#
# The training loss measures the fit to the very observations the network is fitted to. To see
# what longer training does to the fit of the *function*, the recipe is run for longer from a few
# of the seeds, keeping the predictions at regular intervals, and each is scored three ways:
#
# * against **fresh observations**: the same latent function at the same locations with new
#   noise, which only a simulation can produce;
# * against **held-out observations**: the practical variant, where every $k$-th observation is
#   left out of training (a second set of runs) and the error is measured on those;
# * against the **latent function** itself, the oracle no real data set offers.
#
# *Early stopping* picks the epoch with the lowest held-out error; the oracle picks the epoch
# with the lowest error against the truth.

# %%
long_epochs, every = 2 * base.n_epochs, 200
long_seeds = seeds[:4]
holdout = 4  # every holdout-th observation left out: k above
full = experiments(
    [dataclasses.replace(base, init_seed=s, n_epochs=long_epochs, record_every=every) for s in long_seeds]
)
held = experiments(
    [
        dataclasses.replace(base, init_seed=s, n_epochs=long_epochs, record_every=every, holdout_every=holdout)
        for s in long_seeds
    ]
)
fresh = noise_replicate(full[0].latent, base.sigma, seed=1)  # new noise, same function and locations
held_label = f"held-out 1 in {holdout}"


def curves(full_run, held_run):
    """Per snapshot: errors against the fresh replicate, the held-out points and the latent function."""
    out = held_run.train_mask
    return {
        "fresh": np.sqrt(np.mean((full_run.snapshots - fresh) ** 2, axis=1)),
        "held": np.sqrt(np.mean((held_run.snapshots[:, ~out] - held_run.y[~out]) ** 2, axis=1)),
        "latent": np.sqrt(np.mean((full_run.snapshots - full_run.latent) ** 2, axis=1)),
        "latent_held_runs": np.sqrt(np.mean((held_run.snapshots - held_run.latent) ** 2, axis=1)),
    }


epochs = full[0].snapshot_epochs
errors = [curves(f, h) for f, h in zip(full, held, strict=True)]

# %% tags=["hide-input"]
prose(
    f"Here: {number(long_epochs, 'd')} epochs instead of {number(base.n_epochs, 'd')}, from "
    f"{number(len(long_seeds), 'd')} seeds, predictions kept every {number(every, 'd')} epochs, and "
    f"k = {number(holdout, 'd')}."
)

# %% tags=["fold"]
fig, ax = plt.subplots()
e = errors[0]
ax.plot(np.arange(1, long_epochs + 1), full[0].loss_history, color=plots.NETWORK_COLOR, lw=1, label="training loss")
ax.plot(epochs, e["fresh"], color=plots.DATA_COLOR, lw=1.5, label="fresh observations")
ax.plot(epochs, e["held"], color=plots.DATA_COLOR, lw=1.5, ls="--", label=held_label)
ax.plot(epochs, e["latent"], color=plots.LATENT_COLOR, lw=1.5, label="latent function")
stop = epochs[np.argmin(e["fresh"])]
ax.axvline(base.n_epochs, color=plots.REFERENCE_COLOR, ls=":", lw=1, label="the recipe's stop")
ax.axvline(stop, color=plots.REFERENCE_COLOR, ls="--", lw=1, label="early stop (fresh data)")
ax.set(xlabel="epoch", ylabel="RMSE", ylim=(0, 1.2))
ax.legend(fontsize=7, ncols=2)
figure(
    fig,
    alt=f"Errors over {long_epochs} epochs for the reference seed: training loss from {full[0].loss_history[0]:.2f} "
    f"to {full[0].final_rmse:.3f}; against fresh observations lowest ({e['fresh'].min():.3f}) at epoch {stop}; "
    f"against the {held_label} lowest ({e['held'].min():.3f}) at epoch {epochs[np.argmin(e['held'])]}; "
    f"against the latent function lowest ({e['latent'].min():.3f}) at epoch {epochs[np.argmin(e['latent'])]} "
    f"and {e['latent'][-1]:.3f} at the end.",
    caption=f"The reference seed trained for {long_epochs} epochs: training loss, error on fresh and on held-out "
    "observations, and error against the latent function.",
    name="stopping",
)

# %%
rows, chosen, chosen_held, oracle, oracle_held, at_recipe, at_end = [], [], [], [], [], [], []
for seed, e in zip(long_seeds, errors, strict=True):
    pick, best = int(np.argmin(e["fresh"])), int(np.argmin(e["latent"]))
    pick_held, best_held = int(np.argmin(e["held"])), int(np.argmin(e["latent_held_runs"]))
    recipe_index = int(np.searchsorted(epochs, base.n_epochs))
    chosen.append(e["latent"][pick])
    chosen_held.append(e["latent_held_runs"][pick_held])
    oracle.append(e["latent"][best])
    oracle_held.append(e["latent_held_runs"][best_held])
    at_recipe.append(e["latent"][recipe_index])
    at_end.append(e["latent"][-1])
    rows.append(
        (
            f"seed {seed}",
            f"fresh data stop at {number(epochs[pick], 'd')} → {number(e['latent'][pick], '.3f')}; "
            f"{held_label} stop at {number(epochs[pick_held], 'd')} → "
            f"{number(e['latent_held_runs'][pick_held], '.3f')}; oracle {number(epochs[best], 'd')} → "
            f"{number(e['latent'][best], '.3f')}; recipe {number(e['latent'][recipe_index], '.3f')}; end "
            f"{number(e['latent'][-1], '.3f')}",
        )
    )
table(rows, header=("run", "epoch chosen → RMSE against the latent function"))

# %% tags=["hide-input"]
chosen, chosen_held, oracle, oracle_held, at_recipe, at_end = map(
    np.array, (chosen, chosen_held, oracle, oracle_held, at_recipe, at_end)
)
worse = int(np.sum(at_end > at_recipe))
longer = choose(
    "worse > n / 2",
    "Training on past the recipe's stop leaves the network further from the latent function than it was "
    "at the stop on most seeds",
    "Training on past the recipe's stop does not leave the network further from the latent function on most seeds",
    worse=worse,
    n=len(long_seeds),
    seeds=len(long_seeds),
    name="longer-is-worse",
)
loss_falls = claim(
    "the training loss keeps falling",
    "end < at_recipe",
    end=full[0].final_rmse,
    at_recipe=full[0].loss_history[base.n_epochs - 1],
    name="training-loss-keeps-falling",
)
prose(
    f"{longer:html} ({number(worse, 'd')} of {number(len(long_seeds), 'd')}; above the best epoch's error on "
    f"{number(int(np.sum(at_end > oracle)), 'd')}), while {loss_falls} (from "
    f"{number(full[0].loss_history[base.n_epochs - 1], '.3f')} at the recipe's stop to "
    f"{number(full[0].final_rmse, '.3f')} for the reference seed). Stopping where the fresh observations are "
    "fitted best gives an error against the latent function "
    f"{number(np.median(chosen / oracle), '.2f', key='stopping_ratio')} times the oracle's at the median, "
    f"without looking at the truth; stopping on the {held_label}, which a real data set allows, gives "
    f"{number(np.median(chosen_held / oracle_held), '.2f', key='held_out_stopping_ratio')} times the oracle of its "
    f"own runs, trained on {number(100 * (1 - 1 / holdout), '.0f')}% of the points. Early stopping is a "
    "regularisation akin to shrinkage "
    "in regression: it limits how far the fit can move from its smooth starting point."
)

# %% [markdown]
# ## (d) Depth and width
#
# The recipe's deep network against shallower and wider ones, all trained with the recipe's
# learning rate and number of epochs. That is an *equal budget*, not equal tuning: each
# architecture might do better with a learning rate of its own, which the page on fiddling
# explores for a few.

# %%
names = ["recipe", "64", "256", "64-64"]

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(6, 3.4))
strip(ax, names, labels=["-".join(map(str, configs[name][0].hidden_sizes)) for name in names])
ax.tick_params(axis="x", labelsize=8)
ax.set(ylabel="RMSE against the latent function", xlabel="hidden layers")
figure(
    fig,
    alt="Error against the latent function by architecture, median over seeds: "
    + "; ".join(f"{name} {np.nanmedian(scores(name)):.3f}" for name in names)
    + ".",
    caption=f"Each seed's error against the latent function for {len(names)} architectures trained with the same "
    "learning rate and number of epochs.",
    name="architectures",
)


# %% tags=["hide-input"]
def n_parameters(name):
    return gpnn.count_parameters(gpnn.layer_sizes(1, configs[name][0].hidden_sizes))


table(
    [(name, f"{number(n_parameters(name), 'd')} parameters; {summary(name)}") for name in names],
    header=("architecture", "RMSE against the latent function"),
)

# %% tags=["hide-input"]
medians = {name: float(np.nanmedian(scores(name))) for name in names}
best_arch, runner_up = sorted(medians, key=medians.get)[:2]
clear_win = choose(
    "wins > n / 2",
    f"and seed by seed it also ends closer than the runner-up ({runner_up}) on most seeds",
    f"but seed by seed it does not end closer than the runner-up ({runner_up}) on most seeds: the medians "
    "differ by less than the seeds do",
    wins=paired(best_arch, runner_up),
    n=len(seeds),
    seeds=len(seeds),
    name="best-architecture",
)
deep_vs = {name: paired("recipe", name) for name in names[1:]}
prose(
    "With this budget the lowest median error belongs to the "
    + ("recipe's deep network" if best_arch == "recipe" else f"{best_arch} network")
    + f", {clear_win:html}. Seed by seed, the recipe ends closer to the latent function than one layer of 64 on "
    f"{number(deep_vs['64'], 'd')}, than one layer of 256 on {number(deep_vs['256'], 'd')} and than two layers "
    "of 64 on "
    f"{number(deep_vs['64-64'], 'd')} of the {number(len(seeds), 'd')} seeds."
)
