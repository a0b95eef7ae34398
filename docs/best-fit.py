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
# # How good can a fit get?
#
# The network's fit "looks good", but compared to what? Because we simulated the data, we know
# the model that produced them, and Bayes' rule then gives the posterior mean of the Gaussian
# process, computed with the true $\eta$, $\rho$ and $\sigma$ [@rasmussen2006, chapter 2]. Of all
# estimates of the latent function made from these observations, it has the smallest expected
# squared error *on average over the functions and noise the model draws*: its Bayes risk is the
# lowest. That is a statement about the average, not about every data set: on one data set
# another estimate can come closer by luck. It is the yardstick, and the section after next
# measures it over many data sets.
#
# For a GP, the posterior at new points $x_*$ is normal, with
#
# $$
# \begin{aligned}
# \mathbb{E}[f_* \mid y] &= K_*^\top (K + \sigma^2 I)^{-1} y, \\
# \operatorname{Var}[f_* \mid y] &= k(x_*, x_*) - K_*^\top (K + \sigma^2 I)^{-1} K_*,
# \end{aligned}
# $$
#
# the same algebra as the posterior of the coefficients in Bayesian linear regression with a
# normal prior: a kernel-weighted average of the observations, shrunk towards the prior mean
# zero where the data are uninformative. Dividing $K$, $K_*$ and $\sigma^2 I$ by $\eta^2$ leaves
# the mean unchanged: it depends on the kernel only through the length scale $\rho$ and the
# noise-to-signal ratio $\sigma/\eta$, while the variance scales with $\eta^2$.

# %%
import dataclasses

import matplotlib.pyplot as plt
import numpy as np

import gpnn
from gpnn import plots, scoring
from gpnn.posterior import (
    effective_dof,
    expected_training_error,
    fit_hyperparameters,
    gp_posterior,
    log_marginal_likelihood,
    smoother_matrix,
)
from gpnn.site import figure, number, prose, source, table
from gpnn.site.charts import gp_explorer
from gpnn.site.claims import choose, claim, place
from gpnn.site.runs import experiment, experiments

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
result = experiment(config)  # the network run quoted on every page


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# %% [markdown]
# The package computes the posterior through the Cholesky factor $L$ of $K + \sigma^2 I$:

# %% tags=["hide-input"]
source(gpnn.posterior.gp_posterior)

# %% [markdown]
# ## The reference data set
#
# [Figure](#fig-reference) compares the network with the posterior mean and its 95% band on the
# data set every page uses.

# %%
post = gp_posterior(result.x, result.y, result.x, config.eta, config.rho, config.sigma)
net_latent, gp_latent = rmse(result.predictions, result.latent), rmse(post.mean, result.latent)
net_train, gp_train = rmse(result.predictions, result.y), rmse(post.mean, result.y)
covered = scoring.coverage(result.latent, post.mean, post.sd, 0.95)

# %% tags=["fold"]
fig, ax = plt.subplots()
plots.plot_band(ax, result.x, post.mean, post.sd, role="gp", label="GP posterior mean")
ax.scatter(result.x, result.y, s=8, color=plots.DATA_COLOR, alpha=0.7, label="observed $y$")
ax.plot(result.x, result.latent, color=plots.LATENT_COLOR, lw=2, label="latent $f$")
ax.plot(result.x, result.predictions, color=plots.NETWORK_COLOR, lw=1.5, label="network")
ax.set(xlabel="$x$", ylabel="value")
plots.legend_below(ax, ncols=3)
figure(
    fig,
    alt=f"The network's curve and the GP posterior mean with its 95% band over the data and the latent "
    f"function. RMSE against the latent function: network {net_latent:.3f}, posterior mean {gp_latent:.3f}; "
    f"the band covers the latent function at {covered:.1%} of the locations.",
    caption=f"Data seed {config.data_seed}: the network and the GP posterior (true parameters).",
    name="reference",
)

# %% tags=["hide-input"]
table(
    [
        (
            "network",
            f"{number(net_train, '.4f', key='network_data')} against the data, "
            f"{number(net_latent, '.3f', key='network_latent')} against the latent function",
        ),
        (
            "GP posterior mean",
            f"{number(gp_train, '.4f', key='gp_data')} against the data, "
            f"{number(gp_latent, '.3f', key='gp_latent')} against the latent function",
        ),
    ],
    header=("estimate", "RMSE"),
)

# %% tags=["hide-input"]
order = choose(
    "net_latent > gp_latent",
    "Against the latent function the network's error is {ratio:.2f} times the posterior mean's, above it as it is "
    "expected to be on average",
    "Against the latent function the network's error is below the posterior mean's, at {ratio:.2f} times it: on "
    "this one data set the network was lucky",
    net_latent=net_latent,
    gp_latent=gp_latent,
    ratio=net_latent / gp_latent,
    name="reference-latent-order",
)
init_seeds = [config.init_seed, *range(19)]  # the initial seeds of the page on fiddling
by_init = experiments([dataclasses.replace(config, init_seed=seed) for seed in init_seeds])
init_latent = np.array([run.rmse_to_latent for run in by_init])  # (20,), the reference run first
init_place = place(init_latent)  # 1 for the lowest error
luckiest = choose(
    "place == 1",
    "The network quoted on every page is the luckiest of {n:.0f} initial seeds on this data set: its error against "
    "the latent function, {reference:.3f}, is the lowest of them all, against a median of {median:.3f}",
    "The network quoted on every page comes {place:ordinal} of {n:.0f} initial seeds on this data set by error "
    "against the latent function, counted from the lowest: {reference:.3f}, against a median of {median:.3f}",
    place=init_place,
    reference=init_latent[0],
    median=float(np.median(init_latent)),
    n=len(init_seeds),
    seeds=len(init_seeds),
    name="reference-seed-place",
)
prose(
    f"{order:html} ({number(net_latent, '.3f')} against {number(gp_latent, '.3f')}). "
    f"{luckiest:html}; the typical run is {number(np.median(init_latent) / gp_latent, '.2f', key='typical_ratio')} "
    f"times the posterior mean's error. The 95% band covers the latent "
    f"function at {number(100 * covered, '.1f', key='reference_coverage')}% of the locations.\n\n"
    "What should 95% mean? Over many data sets drawn from the model, the band covers the truth at 95% "
    "of the locations *on average*. On a single data set it need not: the posterior's error is itself "
    "a smooth random function, so neighbouring locations err together, and one stretch where the "
    "estimate is off by a little more than its band allows removes a length scale's worth of locations "
    f"(ρ / Δx = {number(config.rho / config.x_step, '.0f')} of them) from the count at once. One data set is "
    "one draw of that error; the next section draws many."
)

# %% [markdown]
# ## Over many data sets
#
# One data set can mislead, so the comparison is repeated over data sets simulated with other
# seeds: for each, the network is trained with the recipe's settings (the initial weights of
# every run come from the same seed), and the posterior is computed with the true parameters
# and with parameters fitted to that data set by maximum marginal likelihood (next section).

# %%
data_seeds = [config.data_seed, *range(20)]
runs = experiments([dataclasses.replace(config, data_seed=seed) for seed in data_seeds])


def yardstick(run):
    true = gp_posterior(run.x, run.y, run.x, config.eta, config.rho, config.sigma)
    fitted = fit_hyperparameters(run.x, run.y, n_restarts=2)
    refit = gp_posterior(run.x, run.y, run.x, fitted.eta, fitted.rho, fitted.sigma)
    return {
        "network": rmse(run.predictions, run.latent),
        "gp": rmse(true.mean, run.latent),
        "gp_fitted": rmse(refit.mean, run.latent),
        "coverage": scoring.coverage(run.latent, true.mean, true.sd),
        "coverage_fitted": scoring.coverage(run.latent, refit.mean, refit.sd),
        "eta": fitted.eta,
        "rho": fitted.rho,
        "sigma": fitted.sigma,
        "network_train": rmse(run.predictions, run.y),
        "gp_train": rmse(true.mean, run.y),
    }


scores = [yardstick(run) for run in runs]  # scores[0] is the reference data set
column = {name: np.array([s[name] for s in scores]) for name in scores[0]}
ratio = column["network"] / column["gp"]


def percentile(values):
    """Percentage of the data sets whose value is at or below the reference data set's."""
    return 100 * float(np.mean(values <= values[0]))


# %% tags=["fold"]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
plots.plot_strip(axes[0], {"network / GP": ratio}, marked={"network / GP": ratio[0]})
axes[0].axhline(1, color=plots.INK, lw=0.8, ls=":")
axes[0].set(ylabel="RMSE ratio against the latent function")
plots.plot_strip(
    axes[1],
    {"true": 100 * column["coverage"], "fitted": 100 * column["coverage_fitted"]},
    marked={"true": 100 * column["coverage"][0], "fitted": 100 * column["coverage_fitted"][0]},
    role="gp",
)
axes[1].axhline(95, color=plots.INK, lw=0.8, ls=":")
relative = {
    f"{symbol} / {getattr(config, name):g}": column[name] / getattr(config, name)
    for name, symbol in (("eta", "η"), ("rho", "ρ"), ("sigma", "σ"))
}
axes[1].set(ylabel="95% band covers f (% of locations)", xlabel="GP parameters")
plots.plot_strip(
    axes[2],
    relative,
    marked={label: values[0] for label, values in relative.items()},
    role="gp",
)
axes[2].axhline(1, color=plots.INK, lw=0.8, ls=":")
axes[2].set(ylabel="fitted / true")
fig.tight_layout()
figure(
    fig,
    alt=f"Three strip plots over {len(data_seeds)} data sets, the reference data set ringed. The network's error "
    f"over the posterior mean's ranges from {ratio.min():.2f} to {ratio.max():.2f} (median {np.median(ratio):.2f}, "
    f"reference {ratio[0]:.2f}). The band's coverage ranges from {100 * column['coverage'].min():.1f}% to "
    f"{100 * column['coverage'].max():.1f}% with the true parameters (reference "
    f"{100 * column['coverage'][0]:.1f}%). Fitted over true: eta from {column['eta'].min() / config.eta:.2f} to "
    f"{column['eta'].max() / config.eta:.2f}, rho from {column['rho'].min() / config.rho:.2f} to "
    f"{column['rho'].max() / config.rho:.2f}, sigma from {column['sigma'].min() / config.sigma:.2f} to "
    f"{column['sigma'].max() / config.sigma:.2f}.",
    caption=f"Over {len(data_seeds)} data sets (seed {config.data_seed}, ringed, and seeds {min(data_seeds[1:])} to "
    f"{max(data_seeds[1:])}): "
    "the network's error relative to the posterior mean's, the 95% band's coverage with true and with "
    "fitted parameters, and the fitted parameters relative to the truth. Bars are medians.",
    name="data-sets",
)

# %% tags=["hide-input"]
worse = int(np.sum(ratio > 1))
always = claim(
    "Over the {n:.0f} data sets the network's error against the latent function is above the posterior mean's "
    + ("on every one of them" if worse == len(ratio) else "on {worse:.0f} of them"),
    "worse > n / 2",
    worse=worse,
    n=len(ratio),
    seeds=len(ratio),
    name="network-above-gp",
)
lowest_coverage = claim(
    "The reference data set is the GP's hardest of the {n:.0f}: its band covers the latent function at the "
    "fewest locations, {reference:.1%}, and its posterior mean has the largest error against the latent function, "
    "{error:.3f} against a median of {median:.3f}",
    "coverage <= lowest_other and error >= largest_other",
    coverage=column["coverage"][0],
    lowest_other=column["coverage"][1:].min(),
    reference=column["coverage"][0],
    error=column["gp"][0],
    largest_other=column["gp"][1:].max(),
    median=float(np.median(column["gp"])),
    n=len(ratio),
    seeds=len(ratio),
    name="reference-data-set-hardest",
)
pairing = choose(
    "place == 1",
    "The network's best initial seed met the GP's hardest data set: the headline ratio sets the luckiest network "
    "against the unluckiest yardstick",
    "The headline ratio pairs a network whose initial seed comes {place:ordinal} of {n:.0f} with the GP's hardest "
    "data set: one draw from each distribution",
    place=init_place,
    n=len(init_seeds),
    seeds=len(init_seeds),
    name="headline-pairing",
)
prose(
    f"{always:html}: the ratio has median "
    f"{number(np.median(ratio), '.2f', key='median_ratio')} and ranges from {number(ratio.min(), '.2f')} to "
    f"{number(ratio.max(), '.2f')}. The reference data set's ratio, {number(ratio[0], '.2f')}, sits at the "
    f"{number(round(percentile(ratio)), 'ordinal', key='ratio_percentile')} percentile of that distribution: the "
    "comparison on the reference data set is one point of it.\n\n"
    "The 95% band with the true parameters covers on average "
    f"{number(100 * column['coverage'].mean(), '.1f', key='mean_coverage')}% "
    f"of the locations (median {number(100 * np.median(column['coverage']), '.1f')}%). {lowest_coverage:html}. "
    f"{pairing:html}."
)

# %% [markdown]
# ## Below the noise on the training data
#
# A tempting argument says that an estimate scoring below $\sigma$ on the data it was fitted to
# "has fitted the noise". It is wrong as stated. The posterior mean at the observed locations is
# a *linear smoother*, $\hat f = S y$ with $S = K (K + \sigma^2 I)^{-1}$, like the hat matrix
# $X (X^\top X)^{-1} X^\top$ of least squares. For any linear smoother, with $y = f + \varepsilon$,
#
# $$
# \mathbb{E}\,\lVert y - S y \rVert^2 = \lVert (I - S) f \rVert^2
#   + \sigma^2 \left(n - 2 \operatorname{tr} S + \operatorname{tr} S^\top S\right).
# $$
#
# The second term is below $n \sigma^2$ exactly when $2 \operatorname{tr} S > \operatorname{tr} S^\top S$.
# That is not automatic for every linear smoother, but it holds for the GP's: $S$ is symmetric
# with eigenvalues $\lambda_i = \mu_i / (\mu_i + \sigma^2)$ in $[0, 1)$, where $\mu_i$ are the
# eigenvalues of $K$, so $\operatorname{tr} S^\top S = \sum_i \lambda_i^2 \le \sum_i \lambda_i =
# \operatorname{tr} S$, below $2 \operatorname{tr} S$ as soon as $\operatorname{tr} S > 0$. The
# same holds for the hat matrix of least squares, a projection. Such a fit follows part of each
# observation's noise, because it cannot tell noise from signal. $\operatorname{tr} S$ is the
# smoother's *effective degrees of freedom*, the counterpart of the number of coefficients in
# least squares; so even the Bayes-optimal estimate scores below $\sigma$ on its own training
# data, unless its bias makes up the difference.

# %% tags=["hide-input"]
source(gpnn.posterior.expected_training_error)

# %%
S = smoother_matrix(result.x, config.eta, config.rho, config.sigma)  # (n, n)
dof = effective_dof(result.x, config.eta, config.rho, config.sigma)
expected = expected_training_error(result.latent, S, config.sigma)
n_params = gpnn.count_parameters(gpnn.layer_sizes(1, config.hidden_sizes))
noise_rms = rmse(result.y, result.latent)
gap = column["network_train"] - column["gp_train"]

# %% tags=["hide-input"]
smoother_below = claim(
    "even the posterior mean is expected to score below σ on its training data",
    "expected < sigma",
    expected=expected.rmse,
    sigma=config.sigma,
    name="smoother-below-sigma",
)
lower_count = int(np.sum(gap < 0))
net_lower = claim(
    "Across the {n:.0f} data sets, the network's training error is lower than the posterior mean's "
    + ("on every one" if lower_count == len(gap) else "on {lower_count:.0f} of them"),
    "lower_count > n / 2",
    lower_count=lower_count,
    n=len(gap),
    seeds=len(gap),
    name="network-train-below-gp",
)
reference_side = choose(
    "net_train < gp_train",
    "On the reference data set the network's training error, {net_train:.4f}, is below the posterior mean's, "
    "{gp_train:.4f}",
    "The reference data set is one of the exceptions: there the network's training error, {net_train:.4f}, is "
    "above the posterior mean's, {gp_train:.4f}",
    net_train=net_train,
    gp_train=gp_train,
    name="reference-train-vs-gp",
)
both = int(np.sum((gap < 0) & (ratio > 1)))
follows = claim(
    "On most data sets its training error is lower while its error against the latent function is higher: "
    "it has used its data more than the optimal smoother would",
    "both > n / 2",
    both=both,
    n=len(gap),
    seeds=len(gap),
    name="network-follows-noise",
)
prose(
    f"Here the GP smoother has {number(dof, '.1f', key='effective_dof')} effective degrees of freedom. The "
    f"network's {number(n_params, ',d')} parameters are not the same kind of count, and the two are not to be "
    "set side by side: the number of coefficients equals the degrees of freedom only for least squares on "
    "independent predictors. For any fit, the comparable quantity is $\\sum_i \\operatorname{Cov}(\\hat y_i, y_i) "
    "/ \\sigma^2$, how much each fitted value moves with its own observation, which for a linear smoother is "
    "$\\operatorname{tr} S$ and for the network would take many noise replicates to estimate.\n\n"
    f"With the reference data's latent function the smoother's expected "
    f"training RMSE is {number(expected.rmse, '.3f', key='expected_train')}, so {smoother_below:html}; on the data "
    f"actually drawn it scores {number(gp_train, '.4f')}, while the noise actually drawn has root mean square "
    f"{number(noise_rms, '.3f')}. These are the right references for the network's "
    f"{number(net_train, '.4f')}, not σ = {number(config.sigma, 'g')}.\n\n"
    f"{net_lower:html} (by {number(-np.median(gap), '.3f')} at the median). {reference_side:html}. "
    f"{follows:html} (on {number(both, 'd')} of them). That, "
    "not the comparison with σ, is the evidence that it has followed some of the noise; held-out data (on "
    "the page testing the recipe's advice) measure the same thing without knowing the truth."
)

# %% [markdown]
# ## Estimating the hyperparameters from the data
#
# Above, the posterior mostly used the true $\eta$, $\rho$ and $\sigma$. In practice they are
# unknown. The empirical-Bayes answer is to choose them to maximise the *marginal likelihood*,
# the probability of the data with the latent function integrated out:
#
# $$
# \log p(y \mid \eta, \rho, \sigma) = -\tfrac12 y^\top (K + \sigma^2 I)^{-1} y
#   - \tfrac12 \log\det(K + \sigma^2 I) - \tfrac n2 \log 2\pi.
# $$
#
# The first term rewards fitting the data, the second penalises flexible (wiggly, high-variance)
# priors: an automatic Occam's razor. The package maximises it over the logarithms of the three
# parameters, from several starting points. On the reference data set:

# %%
fitted = fit_hyperparameters(result.x, result.y)
truth = log_marginal_likelihood(result.x, result.y, config.eta, config.rho, config.sigma)
refit = gp_posterior(result.x, result.y, result.x, fitted.eta, fitted.rho, fitted.sigma)

# %% tags=["hide-input"]
table(
    [
        ("η", f"{number(config.eta, 'g')} → {number(fitted.eta, '.3f', key='fitted_eta')}"),
        ("ρ", f"{number(config.rho, 'g')} → {number(fitted.rho, '.3f', key='fitted_rho')}"),
        ("σ", f"{number(config.sigma, 'g')} → {number(fitted.sigma, '.3f', key='fitted_sigma')}"),
        (
            "σ / η, which with ρ fixes the posterior mean",
            f"{number(config.sigma / config.eta, '.3f')} → {number(fitted.sigma / fitted.eta, '.3f')}",
        ),
        ("log marginal likelihood", f"{number(truth, '.2f')} → {number(fitted.log_marginal_likelihood, '.2f')}"),
        (
            "RMSE of the posterior mean against f",
            f"{number(gp_latent, '.3f')} → {number(rmse(refit.mean, result.latent), '.3f')}",
        ),
    ],
    header=("", "true value → estimated from the data"),
)

# %% [markdown]
# [Figure](#fig-gp-explorer) lets you move the three parameters yourself over the reference data,
# in the spirit of Distill's visual exploration of Gaussian processes [@gortler2019]:
# the posterior mean, its band and the log marginal likelihood are recomputed in your browser.
# The sliders mark the true values and the marginal-likelihood estimate. Notice how little the
# mean changes when $\eta$ and $\sigma$ move together, and how the band, not the mean, follows
# $\eta$.

# %%
gp_explorer(
    result.x,
    result.y,
    truth=(config.eta, config.rho, config.sigma),
    fitted=(fitted.eta, fitted.rho, fitted.sigma),
    caption="The GP posterior for any η, ρ and σ over the reference data set, with a few prior draws on "
    "request; starting at the marginal-likelihood estimate.",
)

# %% tags=["hide-input"]
spread = {name: np.std(column[name] / getattr(config, name)) for name in ("eta", "rho", "sigma")}
widest = max(spread, key=spread.get)
symbol = {"eta": "η", "rho": "ρ", "sigma": "σ"}
others = [name for name in spread if name != widest]
lengths = (result.x.max() - result.x.min()) / config.rho  # length scales the data span
why = (
    f", as one would expect of the long-run variance of a slowly varying function seen over {lengths:.0f} length scales"
    if widest == "eta"
    else ""
)
least = choose(
    f"{widest} >= 1.25 * max({others[0]}, {others[1]})",
    f"of the three, {symbol[widest]} is the least well determined by one data set of this size{why}",
    "the three are about equally well determined by one data set of this size",
    seeds=len(data_seeds),
    name="widest-estimate",
    **spread,
)
change = column["gp_fitted"] / column["gp"]
prose(
    f"Over the {number(len(data_seeds), 'd', key='n_data_sets')} data sets ([Figure](#fig-data-sets), right), "
    f"the relative spread of the estimates is {number(spread['eta'], '.2f')} for η, "
    f"{number(spread['rho'], '.2f')} for ρ and "
    f"{number(spread['sigma'], '.2f')} for σ: {least:html}. Fitting the parameters instead of knowing them "
    "changes the posterior mean's "
    f"error against the latent function by a factor between {number(change.min(), '.2f')} and "
    f"{number(change.max(), '.2f')} (median {number(np.median(change), '.2f', key='fitted_change')})."
)
