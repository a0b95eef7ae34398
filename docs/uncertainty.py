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
# # What the network does not know
#
# The GP answers with a distribution: a mean and a band that says how sure it is, narrow where
# the data pin the function down and wide where they do not. A trained network answers with a
# single curve. There are several ways to give a network a band. The Bayesian one puts a prior
# on the weights and samples their posterior, by Markov chain Monte Carlo [@neal1996] or
# approximately; a Laplace approximation replaces that posterior by a normal centred on the
# trained weights [@mackay1992]; Monte Carlo dropout reads the spread of predictions made with
# random units switched off as an approximate posterior [@gal2016]. The simplest to bolt onto
# the recipe is a *deep ensemble* [@lakshminarayanan2017]: train the same network from several
# random initialisations and read the spread of the members as uncertainty,
#
# $$
# \bar y(x) = \frac1m \sum_{j=1}^m \hat y_j(x), \qquad
# s(x)^2 = \frac{1}{m-1} \sum_{j=1}^m \big(\hat y_j(x) - \bar y(x)\big)^2 .
# $$
#
# Lakshminarayanan and colleagues train each member on a *proper scoring rule*, the normal
# negative log-likelihood, with the network predicting a variance beside its mean, so that each
# member learns the noise as well as the function. Here the members are the recipe's networks,
# trained on the RMSE, which scores the mean alone: their spread measures only how much the fit
# depends on where training started, not the noise, and not what the data leave unknown.
# Whether it behaves like a posterior band anyway is an empirical question, asked here in three
# places: inside the data, across a gap in the data, and beyond the data.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np

import gpnn
from gpnn import ensemble, plots, scoring
from gpnn.posterior import fit_hyperparameters, gp_posterior
from gpnn.site import figure, number, prose
from gpnn.site.charts import ensemble_picker
from gpnn.site.claims import choose, claim
from gpnn.site.html import HTML
from gpnn.site.runs import experiments

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
init_seeds = [config.init_seed, *range(19)]  # the reference run's seed first
members = experiments([dataclasses.replace(config, init_seed=seed) for seed in init_seeds])
x, y, latent = members[0].x, members[0].y, members[0].latent
wide = np.arange(-80.0, 80.0, 0.5)  # beyond the data on both sides, (m,)
inside = (wide >= x.min()) & (wide <= x.max())
predictions = np.array([gpnn.predict(run, wide) for run in members])  # (members, m)
gp = gp_posterior(x, y, wide, config.eta, config.rho, config.sigma)
mean, sd = ensemble.summary(predictions)

# %% [markdown]
# ## Inside and beyond the data
#
# [Figure](#fig-ensemble) shows the ensemble of all the trained networks and the GP posterior
# (true parameters) over a range wider than the data's on both sides. The package's `predict`
# evaluates a trained network anywhere, standardising the location as the training data were.

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(7.5, 3.8))
ax.axvspan(wide.min(), x.min(), color=plots.INK, alpha=0.08, lw=0)
ax.axvspan(x.max(), wide.max(), color=plots.INK, alpha=0.08, lw=0)
plots.plot_band(ax, wide, gp.mean, gp.sd, role="gp", label="GP posterior")
plots.plot_band(ax, wide, mean, sd, role="ensemble", z=2, label=f"ensemble of {len(members)}")
ax.scatter(x, y, s=6, color=plots.DATA_COLOR, alpha=0.6, label="observed $y$")
ax.plot(x, latent, color=plots.LATENT_COLOR, lw=1.2, label="latent $f$")
ax.set(xlabel="$x$", ylabel="value")
plots.legend_below(ax, ncols=3)
regions = {"inside": inside, "beyond": ~inside}
gp_sd = {name: float(gp.sd[mask].mean()) for name, mask in regions.items()}
ens_sd = {name: float(sd[mask].mean()) for name, mask in regions.items()}
figure(
    fig,
    alt=f"The GP posterior band and the ensemble's band from {wide.min():g} to {wide.max():g}, the data from "
    f"{x.min():g} to {x.max():g}. Average standard deviation inside the "
    f"data: GP {gp_sd['inside']:.2f}, ensemble {ens_sd['inside']:.2f}; beyond the data: GP {gp_sd['beyond']:.2f}, "
    f"ensemble {ens_sd['beyond']:.2f}. At x = {wide.max():g} the GP's is {gp.sd[-1]:.2f} (the prior's is "
    f"{config.eta:g}).",
    caption="The GP posterior (mean and 95% band) and the ensemble (mean ± 2 standard deviations) inside and "
    "beyond the data (shaded), with the latent function where the data are.",
    name="ensemble",
)

# %% tags=["hide-input"]
prior_again = claim(
    "Far from the data the GP's band widens back to the prior's",
    "far > 0.95 * eta",
    far=float(min(gp.sd[0], gp.sd[-1])),
    eta=config.eta,
    name="gp-back-to-prior",
)
grows = choose(
    "beyond > inside",
    "The ensemble's spread grows beyond the data too, to {ratio:times} its average inside them",
    "The ensemble's spread stays as narrow beyond the data as inside them",
    beyond=ens_sd["beyond"],
    inside=ens_sd["inside"],
    ratio=ens_sd["beyond"] / ens_sd["inside"],
    seeds=len(members),
    name="ensemble-grows-beyond",
)
ensemble_beyond = choose(
    "beyond < gp_beyond",
    "Even so, beyond the data the ensemble's spread stays narrower than the GP's band",
    "Beyond the data the ensemble's spread grows as wide as the GP's band, or wider",
    beyond=ens_sd["beyond"],
    gp_beyond=gp_sd["beyond"],
    seeds=len(members),
    name="ensemble-beyond",
)
prose(
    f"Inside the data the GP's standard deviation averages {number(gp_sd['inside'], '.3f', key='gp_sd_inside')} "
    f"and the ensemble's {number(ens_sd['inside'], '.3f', key='ensemble_sd_inside')}. "
    f"{prior_again:html} (η = {number(config.eta, 'g')}): with no observation nearby, the posterior is the prior. "
    f"{grows:html}, {number(ens_sd['beyond'], '.3f', key='ensemble_sd_beyond')}. {ensemble_beyond:html}, whose "
    f"standard deviation there averages {number(gp_sd['beyond'], '.3f')}. "
    "Each member continues the last piece of its piecewise-linear fit in a "
    "straight line, and members that agree at the edge of the data agree on the line too: the spread reflects "
    "disagreement between fits, not ignorance about the function."
)

# %% [markdown]
# How many networks make an ensemble? [Figure](#fig-ensemble-picker) lets you choose: the
# ensemble of the first $k$ networks, from one to all of them, against the GP.

# %%
ensemble_picker(
    wide,
    predictions,
    gp_mean=gp.mean,
    gp_sd=gp.sd,
    observed_x=x,
    observed_y=y,
    latent=latent,
    caption="The ensemble of the first k networks (mean ± 2 standard deviations) against the GP posterior.",
)

# %% [markdown]
# ## Across a gap
#
# Beyond the data every method must extrapolate. A gap inside the data is a fairer test: the
# function is pinned down on both sides. The first networks of the ensemble are trained again on
# the same data with the locations in an interval removed, and the GP is conditioned on the same
# reduced data.

# %%
gap = (10.0, 20.0)  # locations in [10, 20) left out
gap_size = 8  # networks retrained without them
gap_runs = experiments([dataclasses.replace(config, init_seed=seed, gap=gap) for seed in init_seeds[:gap_size]])
kept = gap_runs[0].train_mask  # (n,)
in_gap = (wide >= gap[0]) & (wide < gap[1])
gap_predictions = np.array([gpnn.predict(run, wide) for run in gap_runs])  # (gap_size, m)
gap_mean, gap_sd = ensemble.summary(gap_predictions)
gap_gp = gp_posterior(x[kept], y[kept], wide, config.eta, config.rho, config.sigma)
latent_wide = np.interp(wide, x, latent)  # the latent function at the grid, inside the data

# %%
window = (wide >= gap[0] - 10) & (wide < gap[1] + 10)  # the gap and ten units either side

# %% tags=["fold"]
fig, ax = plt.subplots()
ax.axvspan(*gap, color=plots.INK, alpha=0.08, lw=0)
plots.plot_band(ax, wide[window], gap_gp.mean[window], gap_gp.sd[window], role="gp", label="GP posterior")
plots.plot_band(
    ax, wide[window], gap_mean[window], gap_sd[window], role="ensemble", z=2, label=f"ensemble of {gap_size}"
)
near = (x >= gap[0] - 10) & (x < gap[1] + 10)
ax.scatter(x[near & kept], y[near & kept], s=10, color=plots.DATA_COLOR, alpha=0.7, label="observed $y$")
ax.plot(x[near], latent[near], color=plots.LATENT_COLOR, lw=1.5, label="latent $f$")
ax.set(xlabel="$x$", ylabel="value")
plots.legend_below(ax, ncols=4)
gap_error = {
    "GP": float(np.sqrt(np.mean((gap_gp.mean[in_gap] - latent_wide[in_gap]) ** 2))),
    "ensemble": float(np.sqrt(np.mean((gap_mean[in_gap] - latent_wide[in_gap]) ** 2))),
}
figure(
    fig,
    alt=f"Zoom on x from {wide[window].min():g} to {wide[window].max():g} with the locations in "
    f"[{gap[0]:g}, {gap[1]:g}) removed. In the gap the GP's standard deviation "
    f"averages {gap_gp.sd[in_gap].mean():.2f} (outside it {gap_gp.sd[window & ~in_gap].mean():.2f}), the "
    f"ensemble's {gap_sd[in_gap].mean():.2f} (outside {gap_sd[window & ~in_gap].mean():.2f}); RMSE against the latent "
    f"function in the gap: GP {gap_error['GP']:.2f}, ensemble {gap_error['ensemble']:.2f}.",
    caption=f"Trained without the locations in [{gap[0]:g}, {gap[1]:g}) (shaded): the GP posterior and the "
    f"ensemble of {gap_size}.",
    name="gap",
)

# %% tags=["hide-input"]
ens_ratio = float(gap_sd[in_gap].mean() / gap_sd[window & ~in_gap].mean())
gp_ratio = float(gap_gp.sd[in_gap].mean() / gap_gp.sd[window & ~in_gap].mean())
gap_verdict = choose(
    "ens_ratio < 1 < gp_ratio",
    "In the gap, where no observation pins the function down, the GP's band widens {gp_ratio:.1f}-fold, while "
    "the ensemble's spread shrinks to {ens_ratio:.2f} of its width beside the gap",
    "In the gap the GP's band changes {gp_ratio:.1f}-fold and the ensemble's spread {ens_ratio:.2f}-fold, "
    "against their widths beside it",
    ens_ratio=ens_ratio,
    gp_ratio=gp_ratio,
    seeds=len(gap_runs),
    name="ensemble-shrinks-in-gap",
)
prose(
    f"{gap_verdict:html}: the members, started from different weights, agree more where the data say least. "
    "Their spread measures how much the fits disagree, not what the data leave unknown. In the gap the GP's error "
    f"against the latent function is {number(gap_error['GP'], '.3f')} and the ensemble mean's "
    f"{number(gap_error['ensemble'], '.3f')}."
)

# %% [markdown]
# ## Calibration
#
# A band is *calibrated* if, at nominal level $p$, it covers the truth at a fraction $p$ of the
# locations, on average over data sets. Treating the ensemble as normal with its mean and
# standard deviation gives intervals $\bar y \pm z_{(1+p)/2}\, s$ to compare with the GP's. One
# data set can mislead, as the page on how good a fit can get showed, so this is averaged over
# several data sets, each with an ensemble and with the GP computed both with the true parameters
# and with parameters fitted by maximum marginal likelihood.

# %%
data_seeds = [config.data_seed, 0, 1, 2]
ensemble_size = 8
grid = [
    dataclasses.replace(config, data_seed=data_seed, init_seed=seed)
    for data_seed in data_seeds
    for seed in init_seeds[:ensemble_size]
]
runs = experiments(grid)
levels = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
methods = ("GP, true parameters", "GP, fitted parameters", f"ensemble of {ensemble_size}")
covers = {method: np.zeros((len(data_seeds), levels.size)) for method in methods}
scores = {method: np.zeros((len(data_seeds), 2)) for method in methods}
for d in range(len(data_seeds)):
    group = runs[d * ensemble_size : (d + 1) * ensemble_size]
    xs, ys, fs = group[0].x, group[0].y, group[0].latent
    fitted = fit_hyperparameters(xs, ys, n_restarts=2)
    predictive = {
        methods[0]: gp_posterior(xs, ys, xs, config.eta, config.rho, config.sigma),
        methods[1]: gp_posterior(xs, ys, xs, fitted.eta, fitted.rho, fitted.sigma),
        methods[2]: ensemble.summary(np.array([gpnn.predict(run, xs) for run in group])),
    }
    for method, (m, s) in predictive.items():
        covers[method][d] = [scoring.coverage(fs, m, s, level) for level in levels]
        scores[method][d] = scoring.nlpd(fs, m, s), scoring.crps(fs, m, s)

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(5.2, 4.2))
ax.plot([0, 1], [0, 1], color=plots.INK, lw=0.8, ls=":")
for method, role, style in zip(methods, ("gp", "gp", "ensemble"), ("-", "--", "-"), strict=True):
    ax.plot(
        levels, covers[method].mean(axis=0), color=plots.ROLE_COLORS[role], ls=style, marker="o", ms=3, label=method
    )
ax.set(xlabel="nominal coverage", ylabel="empirical coverage of $f$", xlim=(0, 1), ylim=(0, 1.02), aspect="equal")
ax.legend(fontsize=8, loc="lower right")
at95 = {method: float(covers[method][:, levels == 0.95].mean()) for method in methods}
figure(
    fig,
    alt=f"Empirical against nominal coverage of the latent function, averaged over {len(data_seeds)} data sets; "
    "at nominal 95%: " + ", ".join(f"{method} {100 * value:.1f}%" for method, value in at95.items()) + ".",
    caption="Calibration: the fraction of locations whose latent value falls inside each method's interval, "
    f"against the interval's nominal level, averaged over {len(data_seeds)} data sets. The dotted diagonal is "
    "perfect calibration.",
    name="calibration",
)

# %% tags=["hide-input"]
mean_scores = {method: scores[method].mean(axis=0) for method in methods}
HTML(
    "<table><thead><tr><th>method</th><th>coverage of the 95% interval (95% is right)</th>"
    "<th>NLPD (lower is better)</th><th>CRPS (lower is better)</th></tr></thead><tbody>"
    + "".join(
        f"<tr><td>{method}</td><td>{number(100 * at95[method], '.1f')}%</td>"
        f"<td>{number(mean_scores[method][0], '.3f')}</td><td>{number(mean_scores[method][1], '.4f')}</td></tr>"
        for method in methods
    )
    + f"</tbody></table><p>Means over the {len(data_seeds)} data sets.</p>"
)

# %% tags=["hide-input"]
ens = methods[2]
under = choose(
    "ensemble < 0.95",
    "covers the latent function less often than its nominal level",
    "covers the latent function at least as often as its nominal level",
    ensemble=at95[ens],
    seeds=len(runs),
    name="ensemble-coverage",
)
gps_beat_ensemble = claim(
    "both GPs score better than the ensemble on both proper scores",
    "max(nlpd_gp, nlpd_fit) < nlpd_ens and max(crps_gp, crps_fit) < crps_ens",
    nlpd_gp=mean_scores[methods[0]][0],
    nlpd_fit=mean_scores[methods[1]][0],
    nlpd_ens=mean_scores[ens][0],
    crps_gp=mean_scores[methods[0]][1],
    crps_fit=mean_scores[methods[1]][1],
    crps_ens=mean_scores[ens][1],
    seeds=len(data_seeds),
    name="gps-beat-ensemble",
)
true_vs_fitted = {
    score: choose(
        "true <= fitted",
        f"the true parameters give the better {score}",
        f"the fitted parameters give the better {score}",
        true=mean_scores[methods[0]][index],
        fitted=mean_scores[methods[1]][index],
        seeds=len(data_seeds),
        name=f"true-vs-fitted-{score.lower()}",
    )
    for index, score in enumerate(("NLPD", "CRPS"))
}
prose(
    f"At nominal 95% the ensemble's interval {under:html}: "
    f"{number(100 * at95[ens], '.1f', key='ensemble_coverage_95')}% "
    f"over the {number(len(data_seeds), 'd')} data sets, against {number(100 * at95[methods[0]], '.1f')}% for the GP "
    f"with the true parameters and {number(100 * at95[methods[1]], '.1f')}% with fitted ones. Both scores in the table "
    "are *proper*: in expectation they are best for the true predictive distribution, so no method can improve "
    "its score by claiming more or less certainty than it has. The negative log predictive density punishes an "
    "interval that is confidently wrong; the continuous ranked probability score is in the units of the "
    f"function and becomes the absolute error as the spread shrinks. Here {gps_beat_ensemble:html}. Between the "
    f"two GPs, {true_vs_fitted['NLPD']:html} and {true_vs_fitted['CRPS']:html}. In expectation over data sets the true "
    "parameters cannot lose, since the data were drawn from that very model; one average over "
    f"{number(len(data_seeds), 'd')} data sets is itself a draw."
)
