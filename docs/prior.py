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
# # What the network believes before it sees data
#
# In Bayesian linear regression a prior on the coefficients is a prior on functions: with
# $\beta \sim \mathcal{N}(0, \tau^2 I)$, the fitted line $f(x) = x^\top \beta$ is a Gaussian
# process with covariance $\operatorname{Cov}(f(x), f(x')) = \tau^2 x^\top x'$. A network is a
# stack of regressions (as the page on the network showed), and its initialisation draws every
# coefficient at random: the recipe's He initialisation is a prior on the weights, and so a
# distribution over the functions the network computes. Drawing from that prior costs no
# training, only forward passes.
#
# As the hidden layers grow wide, that distribution becomes a Gaussian process with a kernel fixed
# by the architecture [@neal1996] and [@williams1997], computed layer by layer for the ReLU
# [@cho2009] and for deep networks [@lee2018] and [@matthews2018]. This page draws from the recipe's
# own prior, compares it with its infinite-width limit, and then uses that limit's kernel for GP
# regression on the site's data, beside the squared-exponential GP that made the data and the
# trained network.

# %%
import dataclasses
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats

import gpnn
from gpnn import plots, scoring
from gpnn.nngp import fit_nngp, nngp_kernel
from gpnn.posterior import fit_hyperparameters, gp_posterior, kernel_posterior, log_marginal_likelihood
from gpnn.site import figure, number, prose, source, table
from gpnn.site.claims import choose, claim
from gpnn.site.runs import experiments

started = time.perf_counter()
torch.set_num_threads(1)  # forward passes of small networks: a second thread costs more than it saves
plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
depth = len(config.hidden_sizes)
# The best-fit page's data sets, the reference data set first: the same settings, so the same stored runs.
data_seeds = [config.data_seed, *range(20)]
runs = experiments([dataclasses.replace(config, data_seed=seed) for seed in data_seeds])
result = runs[0]  # the reference run
x_tilde = result.inputs  # standardised locations, (n,)


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# %% [markdown]
# ## Functions drawn from the recipe's prior
#
# The recipe draws every weight from $\mathcal{N}(0, 2 / H)$ for a layer with $H$ inputs and
# sets every bias to zero. Each draw of the weights is one function. Below, thousands of draws,
# each evaluated at the data's standardised locations $\tilde x$ (and at $\tilde x = \pm 1$,
# used next), with the package's own `init_params` and `forward`.

# %%
n_draws = 4000
grid = torch.tensor(np.concatenate([x_tilde, [1.0, -1.0]]), dtype=torch.float64)[:, None]  # (n + 2, 1)


def prior_draw(seed, hidden_sizes=config.hidden_sizes):
    """The initial network of seed `seed`, in float64 so that rounding cannot hide its shape."""
    weights, biases = gpnn.init_params(1, hidden_sizes, seed=seed)
    return gpnn.Params(tuple(W.double() for W in weights), tuple(b.double() for b in biases))


with torch.no_grad():
    values = np.array([gpnn.forward(grid, prior_draw(seed))[:, 0].numpy() for seed in range(n_draws)])  # (draws, n + 2)
draws, at_plus, at_minus = values[:, :-2], values[:, -2], values[:, -1]  # (draws, n), (draws,), (draws,)

# %% [markdown]
# Without biases, every layer is $h_\ell = \operatorname{ReLU}(h_{\ell-1} W_\ell)$, and
# $\operatorname{ReLU}(c z) = c \operatorname{ReLU}(z)$ for any $c > 0$. So the whole network is
# *positively homogeneous*, $f(c \tilde x) = c f(\tilde x)$, and on one input it is fixed by two
# numbers, its values at $\tilde x = 1$ and $\tilde x = -1$:
#
# $$
# f(\tilde x) = \begin{cases} \tilde x\, f(1) & \tilde x > 0, \\ |\tilde x|\, f(-1) & \tilde x < 0. \end{cases}
# $$
#
# Every network the recipe can start from is two straight lines through the origin, and the
# origin is the mean of the locations. The draws, compared with that two-line form:

# %%
two_lines = np.where(x_tilde > 0, x_tilde * at_plus[:, None], -x_tilde * at_minus[:, None])  # (draws, n)
departure = np.abs(draws - two_lines).max(axis=1) / np.abs(draws).max(axis=1)  # relative, per draw

# %% tags=["hide-input"]
exact = claim(
    "every draw is two straight lines through the origin, up to rounding",
    "largest < 1e-12",
    largest=float(departure.max()),
    seeds=n_draws,
    name="prior-draws-two-lines",
)
prose(
    f"Over {number(n_draws, ',d', key='n_prior_draws')} draws, the largest departure of any draw from its "
    f"two-line form is {number(departure.max(), '.1e', key='two_line_departure')} of that draw's largest "
    f"value: {exact:html} (computed in float64, which resolves "
    f"{number(float(np.finfo(np.float64).eps), '.1e')} of a value)."
)

# %% [markdown]
# [Figure](#fig-prior-draws) shows some of these draws in the data's units, beside the network
# the recipe trains from one of them (the reference run's initial weights).

# %%
fine = np.linspace(result.x.min(), result.x.max(), 4001)  # (m,), raw locations
fine_inputs = torch.tensor((fine - result.x_center) / result.x_scale, dtype=torch.float64)[:, None]  # (m, 1)
trained_params = gpnn.Params(
    tuple(torch.from_numpy(W).double() for W in result.weights),
    tuple(torch.from_numpy(b).double() for b in result.biases),
)  # the trained weights, evaluated in float64 like the draws


def count_bends(values):
    """Grid points where the slope changes by more than rounding could make it."""
    slope = np.diff(values) / np.diff(fine)  # (m - 1,)
    return int(np.sum(np.abs(np.diff(slope)) > 1e-9 * np.abs(slope).max()))


with torch.no_grad():
    trained = gpnn.forward(fine_inputs, trained_params)[:, 0].numpy()  # (m,)
    start = gpnn.forward(fine_inputs, prior_draw(config.init_seed))[:, 0].numpy()  # the same run before training
bends, start_bends = count_bends(trained), count_bends(start)

# %% tags=["hide-input"]
shown = 12  # draws in the figure
alt_prior_draws = (
    f"Left: {shown} functions drawn from the recipe's initialisation over the data's locations, each two "
    f"straight lines meeting at x = {result.x_center:g}, the mean of the locations. Right: the reference run's "
    f"network before training, two lines (its slope changes at {start_bends} of {fine.size - 2} grid points), "
    f"and after training, whose slope changes at {bends} of them, over the data."
)
caption_prior_draws = (
    f"Left: {shown} draws from the recipe's prior (seeds 0 to {shown - 1}); every one bends only at the "
    "mean of the locations (dotted). Right: the reference run's network at its initial weights (the same "
    "prior, seed "
    f"{config.init_seed}) and after {config.n_epochs} epochs of training."
)

# %% tags=["fold"]
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
for row in draws[:shown]:
    axes[0].plot(result.x, row, color=plots.NETWORK_COLOR, lw=1, alpha=0.6)
axes[0].axvline(result.x_center, color=plots.INK, lw=0.8, ls=":")
axes[0].set(xlabel="$x$", ylabel="network output", title=f"{shown} draws from the prior")
axes[1].scatter(result.x, result.y, s=6, color=plots.DATA_COLOR, alpha=0.5, label="observed $y$")
axes[1].plot(fine, start, color=plots.REFERENCE_COLOR, lw=1.5, label="before training")
axes[1].plot(fine, trained, color=plots.NETWORK_COLOR, lw=1.5, label="after training")
axes[1].axvline(result.x_center, color=plots.INK, lw=0.8, ls=":")
axes[1].set(xlabel="$x$", title="the reference run")
axes[1].legend(fontsize=8, loc="upper left")
fig.tight_layout()
figure(fig, alt=alt_prior_draws, caption=caption_prior_draws, name="prior-draws")

# %% tags=["hide-input"]
made_by_training = claim(
    "every other bend of the trained network was made by training",
    "start_bends <= 1 and bends > start_bends",
    start_bends=start_bends,
    bends=bends,
    name="bends-made-by-training",
)
prose(
    f"On a grid of {number(fine.size, ',d')} locations the reference run's initial network changes slope at "
    f"{number(start_bends, 'd', key='start_bends')} point, the mean of the locations, and the trained network at "
    f"{number(bends, 'd', key='trained_bends')}: {made_by_training:html}. Gradient descent moves the biases away from "
    "zero, and a node whose bias is not zero switches on somewhere other than the origin: that is where a "
    "bend appears.\n\n"
    "For the prior, this means that the recipe's network, before it sees data, believes in only a "
    "two-parameter family of functions: in regression terms, a model with the two predictors "
    "$\\max(\\tilde x, 0)$ and $\\min(\\tilde x, 0)$ and random coefficients $f(1)$ and $-f(-1)$. The "
    "function the data came from, which wiggles over "
    f"{number(np.ptp(result.x) / config.rho, '.0f')} length scales, lies outside that family altogether (the "
    "section on GP regression measures by how much). Training does not care: it is not Bayesian updating of this "
    "prior, as the end of the page discusses."
)

# %% [markdown]
# ## The infinite-width limit
#
# A node of the first layer computes $z = b + w \tilde x$; with $w \sim \mathcal{N}(0, \sigma_w^2)$
# and $b \sim \mathcal{N}(0, \sigma_b^2)$, that is a GP in $\tilde x$ with covariance
# $K_1(\tilde x, \tilde x') = \sigma_b^2 + \sigma_w^2 \tilde x \tilde x'$, exactly the Bayesian
# linear regression above. A node of the next layer sums $H$ such ReLU outputs with independent
# weights of variance $\sigma_w^2 / H$: as $H$ grows, the central limit theorem makes it a GP too,
# with covariance
#
# $$
# K_{\ell+1}(\tilde x, \tilde x') = \sigma_b^2 + \sigma_w^2\,
#   \mathbb{E}\big[\operatorname{ReLU}(u) \operatorname{ReLU}(u')\big]
# = \sigma_b^2 + \frac{\sigma_w^2}{2\pi} \sqrt{K_\ell(\tilde x, \tilde x) K_\ell(\tilde x', \tilde x')}
#   \left(\sin\theta + (\pi - \theta)\cos\theta\right),
# $$
#
# where $(u, u')$ is normal with covariance $K_\ell$ and $\cos\theta$ is its correlation
# [@cho2009]. After $D$ hidden layers the output is a GP with covariance $K_{D+1}$ [@lee2018]
# and [@matthews2018]. The recursion in the package, one line per equation:

# %% tags=["hide-input"]
source(gpnn.nngp._nngp)

# %% [markdown]
# For the recipe, $\sigma_w^2 = 2$ and $\sigma_b^2 = 0$. On the diagonal each layer multiplies the
# variance by $\sigma_w^2 / 2 = 1$, so every output has variance $2 \tilde x^2$ (He's factor 2
# undoes the ReLU's halving). Inputs of the same sign are perfectly correlated (one line on each
# side). What the kernel adds is the correlation between the two sides, the correlation of
# $f(1)$ and $f(-1)$:

# %%
K_prior = nngp_kernel(x_tilde, x_tilde, depth=depth, weight_variance=2.0, bias_variance=0.0)  # (n, n)
by_depth = [
    nngp_kernel([1.0], [-1.0], depth=d, weight_variance=2.0, bias_variance=0.0)[0, 0] / 2 for d in range(1, depth + 1)
]

# %% tags=["hide-input"]
table(
    [(f"{d} hidden layer{'s' if d > 1 else ''}", number(r, ".3f")) for d, r in enumerate(by_depth, start=1)],
    header=("infinitely wide network", "correlation of f(1) and f(−1)"),
)

# %% tags=["hide-input"]
zero_then_more = claim(
    "One hidden layer gives the two sides no correlation, and each further layer gives them more",
    "first == 0 and increasing",
    first=by_depth[0],
    increasing=float(all(b > a for a, b in itertools.pairwise(by_depth))),
    name="side-correlation-by-depth",
)
prose(
    f"{zero_then_more:html}. With one hidden layer, a node whose weight is positive is active only "
    "for $\\tilde x > 0$ and one whose weight is negative only for $\\tilde x < 0$: no node contributes to both "
    "sides, so $f(1)$ and $f(-1)$ are sums over different nodes with independent output weights. From the "
    "second layer on, every node sums the first layer's nodes of both sides with the same weights, and a ReLU's "
    "output is never negative, so its mean is positive: the two sides share that positive part, and each "
    f"layer shares more. The recipe's {number(depth, 'd')} layers give a correlation of "
    f"{number(by_depth[-1], '.3f', key='infinite_width_correlation')}."
)

# %% [markdown]
# ## How far the real network is from its limit
#
# The recipe's layers are narrow, far from infinite. The empirical covariance of the draws
# estimates their covariance, with Monte Carlo noise that shrinks as the number of draws grows;
# whatever is left is the effect of finite width. To tell the two apart, the same comparison is
# made for networks with much wider hidden layers. Since every bias-free
# network is two lines, these are evaluated at $\tilde x = \pm 1$ only and extended to the data's
# locations by the two-line form shown above.

# %%
wide_width, n_wide = 256, 1500
with torch.no_grad():
    wide = np.array(
        [gpnn.forward(grid[-2:], prior_draw(seed, (wide_width,) * depth))[:, 0].numpy() for seed in range(n_wide)]
    )  # (draws, 2): f(1) and f(-1)
wide_draws = np.where(x_tilde > 0, x_tilde * wide[:, :1], -x_tilde * wide[:, 1:])  # (draws, n)


def covariance_error(f, count):
    """Relative Frobenius distance of the covariance of `count` draws from the kernel, at the data's locations.

    The draws are split into disjoint groups of `count`; the root mean square over the groups
    estimates the typical error of one such group, rather than the luck of the first one.
    """
    groups = f[: (len(f) // count) * count].reshape(-1, count, f.shape[1])  # (groups, count, n)
    estimates = np.einsum("gdi,gdj->gij", groups, groups) / count  # (groups, n, n); the prior mean is zero
    errors = np.linalg.norm(estimates - K_prior, axis=(1, 2)) / np.linalg.norm(K_prior)
    return float(np.sqrt(np.mean(errors**2)))


counts = np.array([10, 20, 50, 100, 200, 500, 1000, 2000, 4000])
error_real = np.array([covariance_error(draws, c) for c in counts])
error_wide = np.array([covariance_error(wide_draws, c) for c in counts[counts <= n_wide]])


def side_correlation(plus, minus):
    """Correlation of f(1) and f(-1), the gap of E[f(1) f(-1)] to the kernel in standard errors."""
    products = plus * minus
    gap = (products.mean() - K_side) / (products.std(ddof=1) / np.sqrt(products.size))
    return float(products.mean() / np.sqrt(np.mean(plus**2) * np.mean(minus**2))), float(gap)


K_side = nngp_kernel([1.0], [-1.0], depth=depth, weight_variance=2.0, bias_variance=0.0)[0, 0]
corr_real, z_real = side_correlation(at_plus, at_minus)
corr_wide, z_wide = side_correlation(wide[:, 0], wide[:, 1])
kurtosis_real = float(stats.kurtosis(at_plus))  # excess kurtosis: 0 for a normal distribution
kurtosis_wide = float(stats.kurtosis(wide[:, 0]))

# %% tags=["hide-input"]
alt_prior_covariance = (
    f"On log scales, the relative error of the empirical covariance against the infinite-width kernel, "
    f"by number of draws. For the recipe's widths it falls from {error_real[0]:.2f} at {counts[0]} draws to "
    f"{error_real[-1]:.3f} at {counts[-1]}; for {wide_width} nodes per layer from {error_wide[0]:.2f} to "
    f"{error_wide[-1]:.3f} at {counts[error_wide.size - 1]}, with a dotted line falling as one over the square "
    "root of N."
)
caption_prior_covariance = (
    "Distance between the covariance of N draws and the infinite-width kernel at the data's locations, "
    "relative to the kernel's size, for the recipe's network and for one with wide layers."
)

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.loglog(counts, error_real, color=plots.NETWORK_COLOR, marker="o", label="the recipe's widths")
ax.loglog(counts[: error_wide.size], error_wide, color=plots.NETWORK_COLOR, ls="--", label=f"{wide_width} nodes")
ax.loglog(counts, error_wide[0] * np.sqrt(counts[0] / counts), color=plots.INK, ls=":", label="$1/\\sqrt{N}$")
ax.set(xlabel="number of draws $N$", ylabel="relative error of the covariance")
ax.legend(fontsize=8, loc="lower left")
figure(fig, alt=alt_prior_covariance, caption=caption_prior_covariance, name="prior-covariance")

# %% tags=["hide-input"]
common = error_wide.size - 1  # the largest number of draws both have
closer = choose(
    "wide < real",
    "the wide network's covariance is the closer to the kernel",
    "the recipe's network's covariance is as close to the kernel as the wide network's",
    wide=float(error_wide[common]),
    real=float(error_real[common]),
    seeds=n_wide,
    name="wide-closer-to-kernel",
)
early = int(np.flatnonzero(counts == 100)[0])
late = int(np.flatnonzero(counts == 1000)[0])  # from 1,000 draws to all of them
plateau = choose(
    "real_ratio < 0.75 * rate",
    "the recipe's network's error levels off",
    "the recipe's network's error keeps falling at about the Monte Carlo rate",
    real_ratio=float(error_real[late] / error_real[-1]),
    rate=float(np.sqrt(counts[-1] / counts[late])),
    seeds=n_draws,
    name="finite-width-plateau",
)
wide_rate = claim(
    "the wide network's falls at close to the Monte Carlo rate",
    "wide_ratio > 0.75 * rate",
    wide_ratio=float(error_wide[early] / error_wide[common]),
    rate=float(np.sqrt(counts[common] / counts[early])),
    seeds=n_wide,
    name="wide-network-monte-carlo-rate",
)
finite_width = claim(
    "further from the kernel's than Monte Carlo noise explains",
    "abs(z) > 4",
    z=z_real,
    seeds=n_draws,
    name="finite-width-correlation",
)
wide_agrees = claim(
    "within Monte Carlo noise of it",
    "abs(z) < 3",
    z=z_wide,
    seeds=n_wide,
    name="wide-correlation-agrees",
)
heavier = choose(
    "real > wide",
    "heavier tails than a normal distribution",
    "tails no heavier than the wide network's",
    real=kurtosis_real,
    wide=kurtosis_wide,
    seeds=n_draws,
    name="finite-width-tails",
)
prose(
    f"The recipe's hidden layers have {number(min(config.hidden_sizes), 'd')} to "
    f"{number(max(config.hidden_sizes), 'd')} nodes; the wide networks have {number(wide_width, 'd')} in each of "
    f"their {number(depth, 'd')} hidden layers. With {number(counts[common], ',d')} draws of each, {closer:html}: a "
    "relative error of "
    f"{number(error_wide[common], '.3f')} against {number(error_real[common], '.3f')}. From "
    f"{number(counts[late], ',d')} to {number(counts[-1], ',d')} draws {plateau:html}: it falls by a factor of "
    f"{number(error_real[late] / error_real[-1], '.2f')}, where Monte Carlo noise alone would fall by "
    f"{number(np.sqrt(counts[-1] / counts[late]), '.0f')}. From {number(counts[early], 'd')} to "
    f"{number(counts[common], ',d')} draws {wide_rate:html}: a factor of "
    f"{number(error_wide[early] / error_wide[common], '.1f')} "
    f"against {number(np.sqrt(counts[common] / counts[early]), '.1f')} ([Figure](#fig-prior-covariance)). What "
    "is left for the recipe's network is the effect of its finite width. "
    "Most of the covariance cannot differ: the variance at each location and the covariance between locations "
    "on the same side stay exactly those of the kernel at any width, because He's scaling keeps the second moment "
    "layer by layer and each side is one line. Only the correlation between the two sides is free to "
    f"move. The recipe's draws give it as {number(corr_real, '.3f', key='finite_width_correlation')}, against "
    f"{number(by_depth[-1], '.3f')} at infinite width: {finite_width:html} ({number(abs(z_real), '.1f')} standard "
    f"errors). With {number(wide_width, 'd')} nodes per layer it is {number(corr_wide, '.3f')}, "
    f"{wide_agrees:html} ({number(abs(z_wide), '.1f')} standard errors).\n\n"
    f"Narrow layers also change the shape of the distribution, not only its covariance: $f(1)$ has "
    f"{heavier:html} (excess kurtosis {number(kurtosis_real, '.2f', key='prior_kurtosis')}, against "
    f"{number(kurtosis_wide, '.2f')} for the wide networks and 0 for a normal). "
    "The recipe's prior is not a Gaussian process: the limit gets its covariance right except for the "
    "correlation between the two sides, and its distribution only at much greater width."
)

# %% [markdown]
# ## A kernel that can bend: random biases
#
# A GP regression needs a prior that can follow the data's curves, and the bias-free kernel
# cannot (its functions are two lines). With random biases, $\sigma_b^2 > 0$, every node switches
# on at its own random place, and the kernel describes bent functions. Here $\sigma_w^2$,
# $\sigma_b^2$ and the noise are chosen by maximum marginal likelihood on the reference data set,
# as the page on the best fit chose the squared-exponential kernel's $\eta$, $\rho$ and $\sigma$
# [@rasmussen2006, chapter 5]:
#
# $$
# \log p(y \mid \sigma_w^2, \sigma_b^2, \sigma) = -\tfrac12 y^\top (K_{D+1} + \sigma^2 I)^{-1} y
#   - \tfrac12 \log\det(K_{D+1} + \sigma^2 I) - \tfrac n2 \log 2\pi .
# $$
#
# `compare` fits the network's kernel this way and, as the page on the best fit does, the
# squared-exponential kernel, and scores both posteriors and the trained network against the
# latent function: here on the reference data set, further down on every data set.


# %%
def compare(run):
    """Both GPs fitted to one data set by marginal likelihood, scored with the trained network against f."""
    se_fit = fit_hyperparameters(run.x, run.y, n_restarts=2)
    nngp_fit = fit_nngp(run.inputs, run.y, depth=depth, starts=2)
    K = nngp_kernel(run.inputs, run.inputs, depth=depth, weight_variance=nngp_fit[0], bias_variance=nngp_fit[1])
    row = {"se_fit": se_fit, "nngp_fit": nngp_fit, "network_error": rmse(run.predictions, run.latent)}
    row["se_post"] = gp_posterior(run.x, run.y, run.x, se_fit.eta, se_fit.rho, se_fit.sigma)
    row["nngp_post"] = kernel_posterior(K, K, np.diag(K), run.y, nngp_fit.sigma)
    for name in ("se", "nngp"):
        post = row[f"{name}_post"]
        row[f"{name}_error"] = rmse(post.mean, run.latent)
        row[f"{name}_coverage"] = scoring.coverage(run.latent, post.mean, post.sd)
        row[f"{name}_lml"] = row[f"{name}_fit"].log_marginal_likelihood
    return row


first = compare(result)  # the reference data set
nngp = first["nngp_fit"]

# %% tags=["hide-input"]
prose(
    f"The fit gives $\\sigma_w^2$ = {number(nngp.weight_variance, '.2f', key='nngp_weight_variance')}, "
    f"$\\sigma_b^2$ = {number(nngp.bias_variance, '.2f', key='nngp_bias_variance')} and "
    f"$\\sigma$ = {number(nngp.sigma, '.3f', key='nngp_sigma')} (the data's noise is "
    f"{number(config.sigma, 'g')})."
)

# %% [markdown]
# [Figure](#fig-prior-kernels) sets this kernel beside the squared-exponential kernel that made the
# data, far beyond the data on both sides. What a kernel says about
# distant points is clearest in how far apart it lets the function's values be: the standard
# deviation of $f(x) - f(a)$ for an anchor point $a$,
#
# $$
# \operatorname{sd}\big(f(x) - f(a)\big) = \sqrt{k(x, x) + k(a, a) - 2 k(x, a)},
# $$
#
# on the left for three anchors; on the right, the prior standard deviation $\sqrt{k(x, x)}$.

# %%
far = np.linspace(-150.0, 150.0, 601)  # three times the data's span, raw units, (m,)
anchors = [-40.0, 0.0, 40.0]


def network_kernel(a, b):
    """The fitted network kernel between raw locations, standardised as the network's inputs are."""
    a_tilde = (np.atleast_1d(a) - result.x_center) / result.x_scale
    b_tilde = (np.atleast_1d(b) - result.x_center) / result.x_scale
    return nngp_kernel(
        a_tilde, b_tilde, depth=depth, weight_variance=nngp.weight_variance, bias_variance=nngp.bias_variance
    )


def se_kernel(a, b):
    return gpnn.squared_exponential(
        np.abs(np.subtract.outer(np.atleast_1d(a), np.atleast_1d(b))), config.eta, config.rho
    )


def difference_sd(kernel, a, x):
    """sd(f(x) - f(a)) under `kernel`, for every x."""
    return np.sqrt(np.maximum(np.diag(kernel(x, x)) + kernel(a, a)[0, 0] - 2 * kernel(a, x)[0], 0.0))


net_sd = np.sqrt(np.diag(network_kernel(far, far)))  # (m,)
net_apart = {a: difference_sd(network_kernel, a, far) for a in anchors}
se_apart = {a: difference_sd(se_kernel, a, far) for a in anchors}
step = 20.0  # a distance of two length scales
at_step = {a: float(difference_sd(network_kernel, a, np.array([a + step]))[0]) for a in anchors}
at_far = float(difference_sd(network_kernel, 0.0, np.array([5 * step]))[0])

# %% tags=["hide-input"]
alt_prior_kernels = (
    f"Left: the standard deviation of f(x) minus f(a) for anchors a = {', '.join(f'{a:g}' for a in anchors)}, "
    f"from x = {far.min():g} to {far.max():g}, the data from {result.x.min():g} to {result.x.max():g} shaded. The "
    f"squared-exponential kernel's levels off at {config.eta * np.sqrt(2):.2f} within a few length scales of each "
    f"anchor; the network kernel's keeps growing, to {max(v.max() for v in net_apart.values()):.0f}. Right: the "
    f"prior standard deviation, {config.eta:g} everywhere for the squared exponential, and for the network kernel "
    f"from {net_sd.min():.1f} at the middle of the data to {net_sd.max():.1f} at the ends of the range."
)
caption_prior_kernels = (
    f"The network's kernel ({depth} hidden layers, variances fitted to the reference data) and the "
    "squared-exponential kernel that made the data, inside the data (shaded) and far beyond it."
)

# %% tags=["fold"]
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4))
for a, style in zip(anchors, ("-", "--", ":"), strict=True):
    axes[0].plot(far, net_apart[a], color=plots.NETWORK_COLOR, ls=style, lw=1.5, label=f"network kernel, a = {a:g}")
    axes[0].plot(far, se_apart[a], color=plots.GP_COLOR, ls=style, lw=1.5, label=f"squared exp., a = {a:g}")
axes[0].set(xlabel="$x$", ylabel="sd of $f(x) - f(a)$", ylim=(0, 1.5 * max(v.max() for v in net_apart.values())))
axes[0].legend(fontsize=7, ncols=2, loc="upper center")
for ax in axes:
    ax.axvspan(result.x.min(), result.x.max(), color=plots.INK, alpha=0.08, lw=0)
axes[1].plot(far, net_sd, color=plots.NETWORK_COLOR, lw=1.5, label="network kernel")
axes[1].plot(far, np.full_like(far, config.eta), color=plots.GP_COLOR, lw=1.5, label="squared exponential")
axes[1].set(xlabel="$x$", ylabel="prior standard deviation", ylim=(0, 1.3 * net_sd.max()))
axes[1].legend(fontsize=8, loc="upper center")
fig.tight_layout()
figure(fig, alt=alt_prior_kernels, caption=caption_prior_kernels, name="prior-kernels")

# %% tags=["hide-input"]
se_far = float(difference_sd(se_kernel, 0.0, np.array([5 * config.rho]))[0])
independent = claim(
    "values five length scales apart are practically independent",
    "abs(far - eta * 2 ** 0.5) < 0.001 * eta",
    far=se_far,
    eta=config.eta,
    name="se-far-independent",
)
keeps_growing = claim(
    "keeps growing with the distance, nearly in proportion to it",
    "far / near > 3",
    far=at_far,
    near=at_step[0.0],
    name="network-kernel-difference-grows",
)
non_stationary = claim(
    "the same distance allows a different change in different places",
    "abs(right - middle) > 0.05 * middle",
    right=at_step[40.0],
    middle=at_step[0.0],
    name="network-kernel-nonstationary",
)
sd_grows = claim(
    "grows as one moves away from the middle of the data",
    "end > 2 * middle",
    end=float(net_sd.max()),
    middle=float(net_sd.min()),
    name="network-kernel-sd-grows",
)
prose(
    "The squared-exponential kernel is *stationary*: how far apart two values may be depends only on the "
    f"distance between them, and {independent:html}: the standard deviation of their difference is "
    f"{number(se_far, '.3f')}, which is η√2, that of two independent draws. Far from the data its prior standard "
    f"deviation is η = {number(config.eta, 'g')}, as everywhere else. Of a distant point it says: nothing beyond "
    "the prior.\n\n"
    f"The network's kernel is not stationary: {non_stationary:html} (over {number(step, 'g')} units the standard "
    f"deviation of the change is {number(at_step[0.0], '.2f')} from the middle of the data and "
    f"{number(at_step[40.0], '.2f')} from x = 40). It never levels off: it {keeps_growing:html} "
    f"({number(at_far, '.1f')} over {number(5 * step, 'g')} units, "
    f"{number(at_far / at_step[0.0], '.1f')} times its value over {number(step, 'g')}). Its prior standard "
    f"deviation {sd_grows:html}, from {number(net_sd.min(), '.1f')} to {number(net_sd.max(), '.1f')}, mostly a random "
    "level and trend shared by the whole function (the bias variance, passed through the layers). Far away a ReLU "
    "network is a straight line, so of a distant point it says: on the continuation of the data's trend, with a "
    "spread that widens with the distance."
)

# %% [markdown]
# ## GP regression with the network's kernel
#
# With the kernel chosen, GP regression is the same algebra as on the page on the best fit, only
# with $K_{D+1}$ for the squared-exponential matrix; the package's `kernel_posterior` takes any
# kernel's matrices. [Figure](#fig-prior-regression) shows both posteriors on the reference data
# set, the squared-exponential one with parameters fitted by marginal likelihood in the same way.

# %%
se_fit, post_se, post_nngp = first["se_fit"], first["se_post"], first["nngp_post"]
post_true = gp_posterior(result.x, result.y, result.x, config.eta, config.rho, config.sigma)
lml_true = log_marginal_likelihood(result.x, result.y, config.eta, config.rho, config.sigma)
bias_free = fit_nngp(x_tilde, result.y, depth=depth, bias=False, starts=2)
K_two_lines = nngp_kernel(x_tilde, x_tilde, depth=depth, weight_variance=bias_free.weight_variance, bias_variance=0.0)
post_two_lines = kernel_posterior(K_two_lines, K_two_lines, np.diag(K_two_lines), result.y, bias_free.sigma)
gps = {"se_true": (post_true, lml_true), "se": (post_se, se_fit.log_marginal_likelihood)}
gps["nngp"] = (post_nngp, nngp.log_marginal_likelihood)
reference = {  # RMSE against f, coverage of the 95% band, log marginal likelihood
    key: (rmse(post.mean, result.latent), scoring.coverage(result.latent, post.mean, post.sd), lml)
    for key, (post, lml) in gps.items()
}
network_error = rmse(result.predictions, result.latent)

# %% tags=["hide-input"]
alt_prior_regression = (
    f"Two panels over the reference data. Left: the posterior mean and 95% band of the GP with the network's "
    f"kernel, with the trained network; RMSE against the latent function {reference['nngp'][0]:.3f} for the GP and "
    f"{network_error:.3f} for the network. Right: the squared-exponential GP's posterior, RMSE "
    f"{reference['se'][0]:.3f}. Their bands cover the latent function at {reference['nngp'][1]:.0%} and "
    f"{reference['se'][1]:.0%} of the locations."
)
caption_prior_regression = (
    "The reference data set: GP regression with the network's kernel (left, with the trained network) "
    "and with the squared-exponential kernel (right), each with its parameters fitted by marginal likelihood."
)

# %% tags=["fold"]
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
for ax, post, title in zip(
    axes, (post_nngp, post_se), ("GP with the network's kernel", "squared-exponential GP"), strict=True
):
    plots.plot_band(ax, result.x, post.mean, post.sd, role="gp", label="posterior mean")
    ax.scatter(result.x, result.y, s=6, color=plots.DATA_COLOR, alpha=0.5, label="observed $y$")
    ax.plot(result.x, result.latent, color=plots.LATENT_COLOR, lw=1.5, label="latent $f$")
    ax.set(xlabel="$x$", title=title)
axes[0].plot(result.x, result.predictions, color=plots.NETWORK_COLOR, lw=1.2, label="trained network")
axes[0].set(ylabel="value")
axes[0].legend(fontsize=7, ncols=2, loc="lower left")
fig.tight_layout()
figure(fig, alt=alt_prior_regression, caption=caption_prior_regression, name="prior-regression")

# %% tags=["hide-input"]
table(
    [
        (
            "GP, squared exponential, true parameters",
            f"{number(reference['se_true'][0], '.3f')} · {number(100 * reference['se_true'][1], '.0f')}% · "
            f"{number(reference['se_true'][2], '.1f')}",
        ),
        (
            "GP, squared exponential, fitted",
            f"{number(reference['se'][0], '.3f', key='se_error')} · {number(100 * reference['se'][1], '.0f')}% · "
            f"{number(reference['se'][2], '.1f', key='se_lml')}",
        ),
        (
            "GP, the network's kernel, fitted",
            f"{number(reference['nngp'][0], '.3f', key='nngp_error')} · "
            f"{number(100 * reference['nngp'][1], '.0f', key='nngp_coverage')}% · "
            f"{number(reference['nngp'][2], '.1f', key='nngp_lml')}",
        ),
        (
            "GP, the network's kernel without biases (the recipe's prior), fitted",
            f"{number(rmse(post_two_lines.mean, result.latent), '.3f')} · "
            f"{number(100 * scoring.coverage(result.latent, post_two_lines.mean, post_two_lines.sd), '.0f')}% · "
            f"{number(bias_free.log_marginal_likelihood, '.1f', key='bias_free_lml')}",
        ),
        ("trained network (reference run)", f"{number(network_error, '.3f', key='network_error')} · — · —"),
    ],
    header=("model", "RMSE against f · 95% band covers f · log marginal likelihood"),
)

# %% tags=["hide-input"]
se_vs_nngp = reference["se"][2] - reference["nngp"][2]
evidence = choose(
    "difference > 0",
    "the data favour the squared-exponential kernel",
    "the data favour the network's kernel",
    difference=se_vs_nngp,
    name="reference-evidence",
)
nngp_vs_network = choose(
    "nngp < network",
    "below the trained network's",
    "above the trained network's",
    nngp=reference["nngp"][0],
    network=network_error,
    name="reference-nngp-vs-network",
)
nngp_vs_se = choose(
    "nngp > se",
    "above the squared-exponential GP's",
    "below the squared-exponential GP's",
    nngp=reference["nngp"][0],
    se=reference["se"][0],
    name="reference-nngp-vs-se",
)
noise_agrees = choose(
    "abs(nngp - se) < 0.05 * se",
    "is within five percent of the squared-exponential fit's",
    "differs from the squared-exponential fit's",
    nngp=nngp.sigma,
    se=se_fit.sigma,
    name="reference-noise-estimates",
)
two_lines_worst = claim(
    "the recipe's own prior, two lines, explains the data far worse than either kernel that can bend",
    "two_lines < min(nngp, se) - 50",
    two_lines=bias_free.log_marginal_likelihood,
    nngp=reference["nngp"][2],
    se=reference["se"][2],
    name="two-lines-prior-worst",
)
prose(
    f"On the reference data set {evidence:html}: their log marginal likelihoods differ by "
    f"{number(abs(se_vs_nngp), '.1f', key='reference_lml_difference')}, a Bayes factor of about "
    f"{number(np.exp(abs(se_vs_nngp)), ',.0f')}. The network kernel's posterior mean has an error against the "
    f"latent function {nngp_vs_se:html} and {nngp_vs_network:html}. Its noise estimate, "
    f"{number(nngp.sigma, '.3f')}, {noise_agrees:html} {number(se_fit.sigma, '.3f')}. And "
    f"{two_lines_worst:html}: its log marginal likelihood is {number(bias_free.log_marginal_likelihood, '.1f')}, and "
    f"to explain the curves as noise it puts σ at {number(bias_free.sigma, '.2f')}."
)

# %% [markdown]
# ## Over the data sets
#
# One data set can mislead, so the comparison is repeated on the data sets the page on the best
# fit uses, each with its trained network (the recipe's settings, read from the same stored runs).


# %%
rows = [first, *(compare(run) for run in runs[1:])]  # rows[0] is the reference data set
scores = ("se_error", "nngp_error", "network_error", "se_coverage", "nngp_coverage", "se_lml", "nngp_lml")
column = {name: np.array([row[name] for row in rows]) for name in scores}
column["weight_variance"] = np.array([row["nngp_fit"].weight_variance for row in rows])
column["bias_variance"] = np.array([row["nngp_fit"].bias_variance for row in rows])
lml_gap = column["se_lml"] - column["nngp_lml"]  # (data sets,)

# %% tags=["hide-input"]
alt_prior_data_sets = (
    f"Three strip plots over {len(runs)} data sets, the reference data set ringed. The squared-exponential GP's "
    f"log marginal likelihood minus the network kernel's GP's ranges from {lml_gap.min():.1f} to {lml_gap.max():.1f} "
    f"(median {np.median(lml_gap):.1f}). Median RMSE against the latent function: squared-exponential GP "
    f"{np.median(column['se_error']):.3f}, network-kernel GP {np.median(column['nngp_error']):.3f}, trained network "
    f"{np.median(column['network_error']):.3f}. Median coverage of the 95% bands: "
    f"{100 * np.median(column['se_coverage']):.0f}% and {100 * np.median(column['nngp_coverage']):.0f}%."
)
caption_prior_data_sets = (
    f"Over {len(runs)} data sets (seed {config.data_seed}, ringed, and seeds {min(data_seeds[1:])} to "
    f"{max(data_seeds[1:])}), every model fitted to each: the difference in log marginal likelihood, the error "
    "against the latent function of the two GPs' posterior means and of the trained network, and the coverage "
    "of the two GPs' 95% bands. Bars are medians."
)

# %% tags=["fold"]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
plots.plot_strip(axes[0], {"SE − network kernel": lml_gap}, marked={"SE − network kernel": lml_gap[0]}, role="gp")
axes[0].axhline(0, color=plots.INK, lw=0.8, ls=":")
axes[0].set(ylabel="difference in log marginal likelihood")
errors = {"SE GP": column["se_error"], "kernel GP": column["nngp_error"], "network": column["network_error"]}
plots.plot_strip(axes[1], errors, marked={k: v[0] for k, v in errors.items()}, role="gp")
axes[1].set(ylabel="RMSE against the latent function")
coverage = {"SE GP": 100 * column["se_coverage"], "kernel GP": 100 * column["nngp_coverage"]}
plots.plot_strip(axes[2], coverage, marked={k: v[0] for k, v in coverage.items()}, role="gp")
axes[2].axhline(95, color=plots.INK, lw=0.8, ls=":")
axes[2].set(ylabel="95% band covers f (% of locations)")
fig.tight_layout()
figure(fig, alt=alt_prior_data_sets, caption=caption_prior_data_sets, name="prior-data-sets")

# %% tags=["hide-input"]
n_sets = len(runs)
se_wins = int(np.sum(lml_gap > 0))
evidence_all = claim(
    "on every one of them" if se_wins == n_sets else "on {wins:.0f} of them",
    "wins > n / 2",
    wins=se_wins,
    n=n_sets,
    seeds=n_sets,
    name="se-evidence",
)
beats_network = int(np.sum(column["nngp_error"] < column["network_error"]))
kernel_vs_network = choose(
    "count > n / 2",
    "below the trained network's on every one of them"
    if beats_network == n_sets
    else f"below the trained network's on {beats_network} of the {n_sets} data sets",
    f"below the trained network's on only {beats_network} of the {n_sets} data sets",
    count=beats_network,
    n=n_sets,
    seeds=n_sets,
    name="nngp-vs-network-majority",
)
behind_se = int(np.sum(column["nngp_error"] > column["se_error"]))
kernel_vs_se = choose(
    "count > n / 2",
    f"above the squared-exponential GP's on {behind_se} of them",
    f"above the squared-exponential GP's on only {behind_se} of them",
    count=behind_se,
    n=n_sets,
    seeds=n_sets,
    name="nngp-vs-se-majority",
)
coverage_gap = float(np.mean(column["nngp_coverage"]) - np.mean(column["se_coverage"]))
bands = choose(
    "abs(gap) < 0.03",
    "about as often as the squared-exponential GP's",
    "less often than the squared-exponential GP's"
    if coverage_gap < 0
    else "more often than the squared-exponential GP's",
    gap=coverage_gap,
    seeds=n_sets,
    name="nngp-coverage-vs-se",
)
ratio = column["nngp_error"] / column["se_error"]
far_from_recipe = claim(
    "on no data set does the marginal likelihood choose the recipe's He weight variance 2, or zero biases",
    "abs(lowest - 2) > 0.5 and abs(highest - 2) > 0.5 and (lowest - 2) * (highest - 2) > 0 and min_bias > 0.5",
    lowest=float(column["weight_variance"].min()),
    highest=float(column["weight_variance"].max()),
    min_bias=float(column["bias_variance"].min()),
    seeds=n_sets,
    name="fitted-variances-not-the-recipes",
)
prose(
    f"Over the {number(n_sets, 'd', key='n_prior_data_sets')} data sets, the data favour the squared-exponential "
    f"kernel {evidence_all:html}, by a median of "
    f"{number(np.median(lml_gap), '.1f', key='median_lml_difference')} in log marginal likelihood "
    f"(from {number(lml_gap.min(), '.1f')} to {number(lml_gap.max(), '.1f')}). As it should: "
    "the data were drawn from it. The network kernel's posterior mean has an error against the latent function "
    f"{kernel_vs_network:html}, and {kernel_vs_se:html}; its error is "
    f"{number(np.median(ratio), '.2f', key='median_nngp_se_ratio')} times the squared-exponential GP's at the "
    f"median (from {number(ratio.min(), '.2f')} to {number(ratio.max(), '.2f')}). Its 95% band covers the latent "
    f"function {bands:html}: on average at {number(100 * np.mean(column['nngp_coverage']), '.1f')}% of the locations, "
    f"against {number(100 * np.mean(column['se_coverage']), '.1f')}%. The fitted bias variance ranges from "
    f"{number(column['bias_variance'].min(), '.2f')} to {number(column['bias_variance'].max(), '.2f')}, "
    "and the weight variance from "
    f"{number(column['weight_variance'].min(), '.2f')} to {number(column['weight_variance'].max(), '.2f')}: "
    f"{far_from_recipe:html}."
)

# %% [markdown]
# ## What this does and does not say about the trained network
#
# The GP with the network's kernel is what Bayesian inference would do with an infinitely wide
# version of the network, given a prior on its coefficients with random biases: average over
# every setting of the weights, each weighted by how well it explains the data. The recipe does
# something else. Gradient descent starts from *one* draw of the prior (two lines through the
# origin), follows the gradient of the training loss for a fixed number of steps, and stops at
# one setting of the weights. That is an estimate, not a posterior: the prior enters only through
# where training starts, and the recipe's prior puts no mass at all on the bent functions it ends
# with. So the numbers above compare the trained network with a Bayesian procedure built from its
# architecture, not with the network's own posterior, which nothing here computes.
#
# What a network becomes under gradient descent, in the same infinite-width limit, is described
# by another kernel, the *neural tangent kernel* [@jacot2018]: wide networks trained by gradient
# descent on the squared error behave like kernel regression with it. That is the next step for
# relating the recipe's training to a GP; this page does not compute it, and makes no claim about
# it.

# %% tags=["hide-input"]
# What the numbers did not support, and so the page does not say.
with torch.no_grad():
    single = np.array(
        [
            gpnn.forward(grid.float(), gpnn.init_params(1, config.hidden_sizes, seed=seed))[:, 0].numpy()
            for seed in range(500)
        ]
    ).astype(np.float64)  # (500, n + 2): the same draws in the recipe's float32
single_lines = np.where(x_tilde > 0, x_tilde * single[:, -2:-1], -x_tilde * single[:, -1:])
single_departure = float((np.abs(single[:, :-2] - single_lines).max(axis=1) / np.abs(single[:, :-2]).max(axis=1)).max())
corr_step = {
    a: float(
        network_kernel(a, a + step)[0, 0]
        / np.sqrt(network_kernel(a, a)[0, 0] * network_kernel(a + step, a + step)[0, 0])
    )
    for a in (0.0, 40.0)
}
correlation_hides = claim(
    "the correlation alone barely shows that the kernel is not stationary",
    "abs(middle - right) < 0.02",
    middle=corr_step[0.0],
    right=corr_step[40.0],
    name="correlation-hides-nonstationarity",
)
seconds = time.perf_counter() - started

prose(
    "## About this page\n\n"
    f"This page trains no network. It reads {number(len(runs), 'd')} stored training runs, the same ones the page "
    "*How good can a fit get?* asks for (the recipe's settings on each of its data sets, "
    "the reference run among them), "
    f"and otherwise runs {number(n_draws + n_wide + len(single) + 1, ',d')} forward passes of freshly initialised "
    f"networks and one of the trained reference network, the kernel recursion, and {number(2 * len(runs) + 3, 'd')} "
    "marginal-likelihood fits. Its code ran in "
    f"{number(seconds, '.0f', key='prior_page_seconds')} s when the site was last built.\n\n"
    "The kernel is tested (`tests/test_nngp.py`) against independent references: with one hidden layer, "
    "against Cho and Saul's closed form of the arc-cosine kernel and against numerical integration of the "
    "ReLU's expectation; at several depths, with and without random biases, against the "
    "empirical covariance of wide networks drawn with the package's own `init_params` and `forward`, to within "
    "a few Monte Carlo standard errors per entry, a tolerance the same draws show to be tight enough to tell the "
    "kernel of one layer more or fewer apart; and for symmetry, positive semi-definiteness, the zero covariance "
    "of the two sides with one bias-free layer and its value derived by hand with two.\n\n"
    "Left out because the numbers did not support them. In the recipe's own float32 the draws are two lines only "
    f"to {number(single_departure, '.0e')} of their largest value (over the first {number(len(single), 'd')} "
    "draws), "
    f"{number(single_departure / float(np.finfo(np.float32).eps), ',.0f')} times float32's resolution, as sums "
    "of many terms that cancel lose digits; so the "
    "two-line fact is shown in float64, where rounding cannot pass for a bend. The non-stationarity of the "
    f"network's kernel was first to be shown by its correlations, but {correlation_hides:html} (over "
    f"{number(step, 'g')} units it is {number(corr_step[0.0], '.3f')} from the middle and "
    f"{number(corr_step[40.0], '.3f')} from x = 40): most of the prior's variance is a level and trend shared by "
    "the whole function, so the standard deviation of the change shows it instead. And nothing here says that "
    "the trained network behaves like the GP with its kernel: the two are compared, not equated."
)
