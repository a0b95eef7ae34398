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
# The training recipe [@source] comes with advice: standardise the input, use He initialisation, train
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
from gpnn.site.claims import choose, claim, spread
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
    return spread(done) + diverged


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
verdict = claim(
    "Standardising ends closer to the latent function "
    + ("on every one of the {n:.0f} seeds" if wins == len(seeds) else "on {wins:.0f} of the {n:.0f} seeds"),
    "wins > n / 2",
    wins=wins,
    n=len(seeds),
    seeds=len(seeds),
    name="standardise-wins",
)
table([(name, summary(name)) for name in ("recipe", "raw x")], header=("input", "RMSE against the latent function"))

# %% tags=["hide-input"]
prose(
    f"{verdict:html}. With raw $x$ the first layer's "
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
    "unit-variance weights multiply it {factor:times}, from {first:.2f} to {last:,.0f}",
    "last / first > 10",
    first=unit[0],
    last=unit[-1],
    factor=unit[-1] / unit[0],
    seeds=len(seeds),
    name="unit-grows",
)
shrinks = claim(
    "small weights divide it {factor:times}, from {first:.2g} to {last:.2g}",
    "last / first < 1e-3",
    first=small[0],
    last=small[-1],
    factor=small[0] / small[-1],
    seeds=len(seeds),
    name="small-shrinks",
)
prose(
    f"{kept:html} ({number(he[0], '.2f')} to {number(he[-1], '.2f')}); {grows:html}; {shrinks:html}. "
    "The variance of $z_\\ell$ is the fan-in times the weights' variance times "
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
he_wins = claim(
    "After training, He initialisation ends closer to the latent function than unit-variance weights on "
    "{unit:.0f} of the {n:.0f} seeds, and than small weights on {small:.0f}",
    "unit > n / 2 and small > n / 2",
    unit=he_beats["N(0, 1) weights"],
    small=he_beats["small weights"],
    n=len(seeds),
    seeds=len(seeds),
    name="he-wins",
)
small_runs = [r for r in results["small weights"] if r is not None]
flat_spread = max(float(np.ptp(r.predictions)) for r in small_runs)  # the widest range of one run's predictions
constant_mean = max(abs(float(r.predictions.mean() - r.y.mean())) for r in small_runs)
dead = choose(
    "flat < 1e-6 * sigma and offset < 1e-3 * sigma",
    "With small weights every run ends at the same constant: the network predicts the mean of the observations "
    "at every location (the widest range of one run's predictions is {flat:.1g}). The input's influence, shrunk "
    "layer by layer as the figure of pre-activation scales shows, is too small to survive float32 rounding next "
    "to the biases that training gives the units, so each unit computes one value everywhere",
    "With small weights the runs end far from the latent function, their predictions spanning up to {flat:.2g} "
    "within a run",
    flat=flat_spread,
    offset=constant_mean,
    sigma=base.sigma,
    seeds=len(small_runs),
    name="small-weights-dead",
)
prose(f"{he_wins:html}. {dead:html}.")

# %% [markdown]
# ## (c) "The loss levels out": when to stop
#
# The training loss measures the fit to the very observations the network is fitted to. To see
# what longer training does to the fit of the *function*, the recipe is run for twice as long
# from every seed, keeping the predictions at regular intervals, and each is scored three ways:
#
# * against **fresh observations**: the same latent function at the same locations with new
#   noise, which only a simulation can produce;
# * against **held-out observations**: the practical variant, where every $k$-th observation is
#   left out of training (a second set of runs) and the error is measured on those;
# * against the **latent function** itself, the oracle no real data set offers.
#
# *Early stopping* picks the epoch with the lowest held-out error; the oracle picks the epoch
# with the lowest error against the truth. One complication decides how to read them: at the
# recipe's learning rate gradient descent never settles, and from one snapshot to the next the
# error jumps by more than the differences in question. The lowest *single* snapshot is then
# mostly a lucky jump. So every curve is first averaged over neighbouring snapshots, and
# "the best epoch" is the centre of the window with the lowest average.

# %%
long_epochs, every = 2 * base.n_epochs, 200
long_seeds = seeds  # every seed of this page
holdout = 4  # every holdout-th observation left out: k above
width = 5  # snapshots averaged: the epoch itself and two on each side, 1000 epochs
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


def smooth(curve):
    """The mean over each window of `width` neighbouring snapshots, (k - width + 1,)."""
    return np.convolve(curve, np.ones(width) / width, mode="valid")


epochs = full[0].snapshot_epochs  # (k,)
centres = epochs[width // 2 : epochs.size - width // 2]  # the epoch at the centre of each window
errors = [{key: smooth(curve) for key, curve in curves(f, h).items()} for f, h in zip(full, held, strict=True)]
raw = curves(full[0], held[0])  # the reference seed's unsmoothed curves, for the figure
recipe_index = int(np.argmin(np.abs(centres - base.n_epochs)))  # the window centred on the recipe's stop
jumps = np.abs(np.diff(raw["latent"][epochs > base.n_epochs // 2]))  # snapshot-to-snapshot changes, second half

# %% tags=["hide-input"]
prose(
    f"Here: {number(long_epochs, 'd')} epochs instead of {number(base.n_epochs, 'd')}, from all "
    f"{number(len(long_seeds), 'd')} seeds, predictions kept every {number(every, 'd')} epochs, and "
    f"k = {number(holdout, 'd')}. After epoch {number(base.n_epochs // 2, 'd')} the reference seed's error against "
    f"the latent function moves by up to {number(jumps.max(), '.2f')} from one snapshot to the next (median "
    f"{number(np.median(jumps), '.3f')}), so each curve is averaged over {number(width, 'd')} neighbouring "
    f"snapshots, {number(width * every, 'd')} epochs."
)

# %% tags=["fold"]
fig, ax = plt.subplots()
e = errors[0]
ax.plot(np.arange(1, long_epochs + 1), full[0].loss_history, color=plots.NETWORK_COLOR, lw=1, label="training loss")
ax.plot(epochs, raw["latent"], color=plots.LATENT_COLOR, lw=0.6, alpha=0.5, label="latent function, each snapshot")
ax.plot(centres, e["latent"], color=plots.LATENT_COLOR, lw=2, label="latent function, averaged")
ax.plot(centres, e["fresh"], color=plots.DATA_COLOR, lw=1.5, label="fresh observations, averaged")
ax.plot(centres, e["held"], color=plots.DATA_COLOR, lw=1.5, ls="--", label=f"{held_label}, averaged")
ax.axvline(base.n_epochs, color=plots.REFERENCE_COLOR, ls=":", lw=1, label="the recipe's stop")
ax.set(xlabel="epoch", ylabel="RMSE", ylim=(0, 1.2))
plots.legend_below(ax, ncols=2, fontsize=7)
figure(
    fig,
    alt=f"Errors over {long_epochs} epochs for the reference seed: training loss from {full[0].loss_history[0]:.2f} "
    f"to {full[0].final_rmse:.3f}; the error against the latent function at each snapshot jumping by up to "
    f"{jumps.max():.2f} between snapshots after epoch {base.n_epochs // 2}; averaged over {width} snapshots, lowest "
    f"({e['latent'].min():.3f}) around epoch {centres[np.argmin(e['latent'])]}, {e['latent'][recipe_index]:.3f} "
    f"around the recipe's stop; on fresh observations lowest around epoch {centres[np.argmin(e['fresh'])]}, on the "
    f"{held_label} around epoch {centres[np.argmin(e['held'])]}.",
    caption=f"The reference seed trained for {long_epochs} epochs: training loss, and errors against the latent "
    f"function (each snapshot, faint, and averaged over {width} snapshots), fresh and held-out observations "
    "(averaged).",
    name="stopping",
)

# %%
best = {
    "oracle": np.array([centres[np.argmin(e["latent"])] for e in errors]),
    "fresh": np.array([centres[np.argmin(e["fresh"])] for e in errors]),
    "held-out": np.array([centres[np.argmin(e["held"])] for e in errors]),
}
at_recipe = np.array([e["latent"][recipe_index] for e in errors])  # averaged around epoch 8000
at_oracle = np.array([e["latent"].min() for e in errors])
at_fresh = np.array([e["latent"][np.argmin(e["fresh"])] for e in errors])
at_held = np.array([e["latent_held_runs"][np.argmin(e["held"])] for e in errors])  # the held-out runs' own
at_recipe_held = np.array([e["latent_held_runs"][recipe_index] for e in errors])
at_end = np.array([e["latent"][-1] for e in errors])

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(5.5, 3.4))
plots.plot_strip(ax, best, marked={name: values[0] for name, values in best.items()})
ax.axhline(base.n_epochs, color=plots.REFERENCE_COLOR, ls=":", lw=1)
ax.set(ylabel="best epoch (averaged curves)", xlabel="chosen by the error against", ylim=(0, long_epochs))
figure(
    fig,
    alt=f"The best epoch of each of {len(long_seeds)} seeds, from the averaged curves: "
    + "; ".join(f"{name} from {values.min()} to {values.max()}" for name, values in best.items())
    + f"; the recipe stops at {base.n_epochs}.",
    caption=f"Where each seed's averaged error is lowest, judged against the latent function (the oracle), fresh "
    f"observations and the {held_label}; the dotted line is the recipe's stop. Bars are medians; the reference "
    "seed is ringed.",
    name="best-epochs",
)

# %% tags=["hide-input"]
table(
    [
        (
            name,
            f"median {number(float(np.median(values)), '.0f')}, from {number(int(values.min()), 'd')} to "
            f"{number(int(values.max()), 'd')}",
        )
        for name, values in best.items()
    ],
    header=("best epoch, judged against", f"over {len(long_seeds)} seeds (the recipe stops at {base.n_epochs})"),
)

# %% tags=["hide-input"]
later = int(np.sum(best["oracle"] > base.n_epochs))
stop_late = choose(
    "later == n",
    "On every seed the error against the latent function, averaged over neighbouring snapshots, is lowest after "
    "the recipe's stop, at epochs {low:.0f} to {high:.0f}",
    "On {later:.0f} of the {n:.0f} seeds the error against the latent function, averaged over neighbouring "
    "snapshots, is lowest after the recipe's stop",
    later=later,
    n=len(long_seeds),
    low=best["oracle"].min(),
    high=best["oracle"].max(),
    seeds=len(long_seeds),
    name="best-epoch-after-recipe",
)
helps = int(np.sum(at_held < at_recipe_held))
held_helps = choose(
    "helps > n / 2",
    "Stopping where the averaged held-out error is lowest, which a real data set allows, ends closer to the "
    "latent function than the recipe's stop on {helps:.0f} of the {n:.0f} seeds",
    "Stopping where the averaged held-out error is lowest ends closer to the latent function than the recipe's "
    "stop on only {helps:.0f} of the {n:.0f} seeds",
    helps=helps,
    n=len(long_seeds),
    seeds=len(long_seeds),
    name="held-out-stop-helps",
)
loss_falls = claim(
    "the training loss falls on every seed from the recipe's stop to epoch {end:.0f}",
    "falls == n",
    falls=int(sum(r.loss_history[-1] < r.loss_history[base.n_epochs - 1] for r in full)),
    n=len(full),
    end=long_epochs,
    seeds=len(full),
    name="training-loss-keeps-falling",
)
later_helps = claim(
    "At the median over the seeds the averaged error against the latent function falls from {recipe:.3f} around "
    "the recipe's stop to {best:.3f} at each seed's best epoch",
    "best < recipe",
    recipe=float(np.median(at_recipe)),
    best=float(np.median(at_oracle)),
    seeds=len(long_seeds),
    name="later-stop-helps",
)
prose(
    f"{stop_late:html}: the recipe stops early, not late. {later_helps:html}; over the last "
    f"{number(width * every, 'd')} epochs of the longer run it is {number(np.median(at_end), '.3f')}. "
    f"{held_helps:html} (at the median "
    f"{number(np.median(at_held), '.3f')} against {number(np.median(at_recipe_held), '.3f')}, for runs trained on "
    f"{number(100 * (1 - 1 / holdout), '.0f')}% of the points), and stopping on the fresh observations gives "
    f"{number(np.median(at_fresh / at_oracle), '.2f', key='stopping_ratio')} times the oracle's error at the "
    f"median. Meanwhile {loss_falls:html}: a training loss that is still falling says nothing about which epoch "
    "fits the function best, and a single snapshot, at this learning rate, says little either."
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
label = {name: "-".join(map(str, configs[name][0].hidden_sizes)) for name in names}
wins = paired(best_arch, runner_up)
arch_verdict = (
    claim(
        f"With this budget the lowest median error belongs to the recipe's deep network, and seed by seed it ends "
        f"closer to the latent function than the runner-up, {label[runner_up]}, on {{wins:.0f}} of the {{n:.0f}} seeds",
        "best < runner_up and wins > n / 2",
        best=medians[best_arch],
        runner_up=medians[runner_up],
        wins=wins,
        n=len(seeds),
        seeds=len(seeds),
        name="best-architecture",
    )
    if best_arch == "recipe"
    else choose(
        "wins > n / 2",
        f"With this budget the lowest median error belongs to {label[best_arch]}, not to the recipe, and seed by "
        f"seed it ends closer to the latent function than the runner-up, {label[runner_up]}, on {{wins:.0f}} of "
        "the {n:.0f} seeds",
        f"With this budget the lowest median error belongs to {label[best_arch]}, not to the recipe, but seed by "
        f"seed it ends closer than the runner-up, {label[runner_up]}, on only {{wins:.0f}} of the {{n:.0f}} seeds: "
        "the medians differ by less than the seeds do",
        wins=wins,
        n=len(seeds),
        seeds=len(seeds),
        name="best-architecture",
    )
)
deep_vs = {name: paired("recipe", name) for name in names[1:]}
deep_wins = claim(
    "Seed by seed, the recipe ends closer to the latent function than one layer of 64 on {one:.0f}, than one layer "
    "of 256 on {wide:.0f} and than two layers of 64 on {two:.0f} of the {n:.0f} seeds",
    "min(one, wide, two) > n / 2",
    one=deep_vs["64"],
    wide=deep_vs["256"],
    two=deep_vs["64-64"],
    n=len(seeds),
    seeds=len(seeds),
    name="deep-beats-each-shallow",
)
prose(f"{arch_verdict:html}. {deep_wins:html}.")
