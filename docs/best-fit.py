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
# the model that produced them, and Bayes' rule then tells us the best estimate of the latent
# function that anyone could make from these observations: the posterior mean of the Gaussian
# process, computed with the true $\eta$, $\rho$ and $\sigma$. It is the yardstick.
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
# zero where the data are uninformative.

# %%
import matplotlib.pyplot as plt
import numpy as np

import gpnn
from gpnn import plots
from gpnn.posterior import fit_hyperparameters, gp_posterior
from gpnn.site import figure, number, prose, source, table
from gpnn.site.runs import experiment

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
result = experiment(config)  # the network run quoted on every page

# %% [markdown]
# The package computes the posterior through the Cholesky factor of $K + \sigma^2 I$:

# %% tags=["hide-input"]
source(gpnn.posterior.gp_posterior)

# %%
post = gp_posterior(result.x, result.y, result.x, config.eta, config.rho, config.sigma)
band = 1.96 * post.sd  # 95% credible band of f


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


scores = {
    "network": (rmse(result.predictions, result.y), rmse(result.predictions, result.latent)),
    "GP posterior mean": (rmse(post.mean, result.y), rmse(post.mean, result.latent)),
}

# %% tags=["hide-input"]
table(
    [
        (
            name,
            f"{number(data, '.4f', key=f'{key}_data')} against the data, "
            f"{number(latent, '.4f', key=f'{key}_latent')} against the latent function",
        )
        for (name, (data, latent)), key in zip(scores.items(), ["network", "gp"], strict=True)
    ],
    header=("estimate", "RMSE"),
)

# %%
fig, ax = plt.subplots()
ax.fill_between(
    result.x, post.mean - band, post.mean + band, color=plots.ACCENT_COLOR, alpha=0.25, lw=0, label="GP 95% band"
)
ax.scatter(result.x, result.y, s=8, color=plots.DATA_COLOR, alpha=0.7, label="observed $y$")
ax.plot(result.x, result.latent, color=plots.LATENT_COLOR, lw=2, label="latent $f$")
ax.plot(result.x, post.mean, color=plots.ACCENT_COLOR, lw=2, label="GP posterior mean")
ax.plot(result.x, result.predictions, color=plots.NETWORK_COLOR, lw=1.5, label="network")
ax.set(xlabel="$x$", ylabel="value")
ax.legend(ncols=2, fontsize=8)
figure(
    fig,
    alt="The network's curve and the GP posterior mean with its 95% band, over the data and "
    "the latent function. The posterior mean is smoother and stays closer to the latent curve.",
)

# %% tags=["hide-input"]
net_data, net_latent = scores["network"]
gp_data, gp_latent = scores["GP posterior mean"]
inside = float(np.mean(np.abs(result.latent - post.mean) <= band))
prose(
    f"Against the latent function the posterior mean scores {number(gp_latent, '.3f')}, the network "
    f"{number(net_latent, '.3f')}: the network's error is {number(net_latent / gp_latent, '.1f')} times "
    f"the best achievable. The 95% band covers the latent function at {number(100 * inside, '.0f')}% of "
    "the locations.\n\n"
    f"Against the observations the order is reversed: the network scores {number(net_data, '.3f')}, "
    f"*below* the noise σ = {number(config.sigma, 'g')}, while the posterior mean scores "
    f"{number(gp_data, '.3f')}. Even the true function scores about σ against noisy data, since "
    "$y - f$ is the noise itself. An estimate that beats σ on the training data has explained part "
    "of the noise: it has followed individual points, which is what overfitting means. A regression "
    "with too many terms does the same; the training RMSE rewards it, the RMSE against the truth "
    "does not."
)

# %% [markdown]
# ## Estimating the hyperparameters from the data
#
# Above, the posterior used the true $\eta$, $\rho$ and $\sigma$. In practice they are unknown.
# The empirical-Bayes answer is to choose them to maximise the *marginal likelihood*, the
# probability of the data with the latent function integrated out:
#
# $$
# \log p(y \mid \eta, \rho, \sigma) = -\tfrac12 y^\top (K + \sigma^2 I)^{-1} y
#   - \tfrac12 \log\det(K + \sigma^2 I) - \tfrac n2 \log 2\pi.
# $$
#
# The first term rewards fitting the data, the second penalises flexible (wiggly, high-variance)
# priors: an automatic Occam's razor. The package maximises it over the logarithms of the three
# parameters, from several starting points.

# %%
fitted = fit_hyperparameters(result.x, result.y)
truth = gpnn.posterior.log_marginal_likelihood(result.x, result.y, config.eta, config.rho, config.sigma)
refit = gp_posterior(result.x, result.y, result.x, fitted.eta, fitted.rho, fitted.sigma)

# %% tags=["hide-input"]
table(
    [
        ("η", f"{number(config.eta, 'g')} → {number(fitted.eta, '.3f', key='fitted_eta')}"),
        ("ρ", f"{number(config.rho, 'g')} → {number(fitted.rho, '.3f', key='fitted_rho')}"),
        ("σ", f"{number(config.sigma, 'g')} → {number(fitted.sigma, '.3f', key='fitted_sigma')}"),
        ("log marginal likelihood", f"{number(truth, '.2f')} → {number(fitted.log_marginal_likelihood, '.2f')}"),
        (
            "RMSE of the posterior mean against f",
            f"{number(gp_latent, '.4f')} → {number(rmse(refit.mean, result.latent), '.4f')}",
        ),
    ],
    header=("", "true value → estimated from the data"),
)

# %% [markdown]
# With one data set of this size the estimates scatter around the truth, $\eta$ most of all:
# a single draw of a slowly varying function says little about its long-run variance. The
# posterior mean hardly changes, because it depends mostly on the ratio of signal to noise and on
# the length scale, which the data do pin down.
