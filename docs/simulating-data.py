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
# # Simulating data from a Gaussian process
#
# Before fitting anything we need data whose truth we know. We draw it from a Gaussian-process
# regression model, the kind usually fitted in a Bayesian framework. Read it as a regression
# whose intercept is not one number but a whole smooth random function $f$:
#
# $$
# \begin{aligned}
# y_i &\sim \mathcal{N}(f(x_i), \sigma^2) \\
# f &\sim \mathcal{GP}(0, k) \\
# k(x_i, x_j) &= \eta^2 \exp\!\left(-\frac{(x_i - x_j)^2}{2\rho^2}\right)
# \end{aligned}
# $$
#
# The first line is the ordinary likelihood of a regression with noise standard deviation
# $\sigma$. The second says that the values of $f$ at any set of locations are jointly normal
# with mean zero and covariance matrix $K_{ij} = k(x_i, x_j)$. The third, the
# *squared-exponential kernel*, makes nearby points strongly correlated and distant points nearly
# independent: $\eta$ sets how far $f$ strays from zero, $\rho$ how quickly it wiggles.

# %%
import matplotlib.pyplot as plt
import numpy as np

import gpnn
from gpnn import plots
from gpnn.site import figure, number, prose, source, table
from gpnn.site.claims import claim

plt.style.use(plots.SITE_STYLE)
config = gpnn.ExperimentConfig()
x = config.x()  # (n,)

# %% [markdown]
# The settings of the experiment, as the package's `ExperimentConfig` defines them:

# %% tags=["hide-input"]
table(
    [
        ("kernel scale η", number(config.eta, "g", key="eta")),
        ("length scale ρ", number(config.rho, "g", key="rho")),
        ("noise σ", number(config.sigma, "g", key="sigma")),
        ("locations", f"{number(x.size, 'd', key='n')} points from {number(x[0], 'g')} to {number(x[-1], 'g')}"),
        ("seed of the data", number(config.data_seed, "d", key="data_seed")),
    ],
    header=("setting", "value"),
)

# %% [markdown]
# ## The kernel: correlation decays with distance
#
# The covariance of $f$ at two points depends only on their distance $d = |x_i - x_j|$.
# At $d = 0$ it is the variance $\eta^2$; at $d = \rho$ it has fallen by a factor
# $e^{-1/2}$; by $d = 3\rho$ it is almost gone.

# %% tags=["fold"]
fig, ax = plt.subplots()
plots.plot_kernel(ax, config.eta, config.rho)
figure(
    fig,
    alt=f"The squared-exponential covariance against distance: {config.eta**2:g} at distance 0, "
    f"{np.exp(-0.5):.0%} of that at distance rho = {config.rho:g}, and "
    f"{gpnn.squared_exponential(4 * config.rho, config.eta, config.rho):.1e} at {4 * config.rho:g}.",
    caption="The kernel: covariance of the latent function at two points, against their distance; "
    "the dotted line marks the length scale ρ.",
    name="kernel",
)


# %% tags=["hide-input"]
distances = np.array([1, 2, 3]) * config.rho
correlation = gpnn.squared_exponential(distances, 1.0, config.rho)
prose(
    f"With ρ = {number(config.rho, 'g')}, the correlation of $f$ at distance {number(distances[0], 'g')} is "
    f"{number(correlation[0], '.3f', key='corr_rho')}, at {number(distances[1], 'g')} it is "
    f"{number(correlation[1], '.3f')} and at {number(distances[2], 'g')} only {number(correlation[2], '.4f')}."
)

# %% [markdown]
# ## The covariance matrix
#
# Stacking $k$ over every pair of locations gives the matrix $K$. With locations much closer
# together than the length scale, neighbouring rows are nearly identical, so $K$ is numerically
# singular: its condition number (largest over smallest eigenvalue) can be enormous. That is why
# the sampler adds a tiny *jitter* to the diagonal before its Cholesky factorisation.

# %%
K = gpnn.kernel_matrix(x, config.eta, config.rho)  # (n, n)

# %% tags=["fold"]
fig, ax = plt.subplots(figsize=(4.2, 3.6))
image = ax.imshow(K, extent=(x[0], x[-1], x[-1], x[0]), cmap="viridis")
fig.colorbar(image, ax=ax, label="covariance")
ax.set(xlabel="$x_j$", ylabel="$x_i$")
# Distance beyond which the covariance is under 1% of its peak: d = rho * sqrt(2 ln 100).
one_percent = config.rho * np.sqrt(2 * np.log(100))
figure(
    fig,
    alt=f"Heat map of the {x.size} by {x.size} covariance matrix: {K.max():g} on the diagonal, under 1% of "
    f"that wherever two locations are more than {one_percent:.1f} apart, and {K.min():.1e} at the corners.",
    caption="The covariance matrix K of the latent function at the data's locations.",
    name="covariance",
)

# %% tags=["hide-input"]
spacing = x[1] - x[0]
eigenvalues = np.linalg.eigvalsh(K)
jittered = np.linalg.eigvalsh(gpnn.kernel_matrix(x, config.eta, config.rho, jitter=gpnn.simulate.JITTER))
rounding = claim(
    "the smallest is at the level of rounding error, possibly negative",
    "abs(smallest) < n * eps * largest",
    smallest=float(eigenvalues.min()),
    largest=float(eigenvalues.max()),
    n=x.size,
    eps=float(np.finfo(K.dtype).eps),
    name="kernel-matrix-singular",
)
prose(
    f"Here the {number(x.size, 'd')} locations are {number(spacing, 'g')} apart and ρ = {number(config.rho, 'g')}. "
    f"The eigenvalues of $K$ run from {number(eigenvalues.max(), '.3g')} down to {number(eigenvalues.min(), '.1e')}: "
    f"{rounding:html}. With jitter {number(gpnn.simulate.JITTER, 'g')} on the "
    f"diagonal the smallest becomes {number(jittered.min(), '.1e')}, and the factorisation succeeds."
)

# %% [markdown]
# ## Drawing from the model
#
# If $K = LL^\top$ (the Cholesky factor $L$ is lower triangular) and $z \sim \mathcal{N}(0, I)$,
# then $f = Lz$ has covariance $L\,I\,L^\top = K$: exactly the GP at our locations. Adding
# independent noise gives the observations. This is the package's sampler:

# %% tags=["hide-input"]
source(gpnn.sample_gp)

# %% [markdown]
# Every draw of $f$ from the prior is a different smooth curve: [Figure](#fig-prior) shows a few,
# one per seed.

# %%
prior = [gpnn.sample_gp(x, config.eta, config.rho, 0.0, seed=seed).latent for seed in range(5)]

# %% tags=["fold"]
fig, ax = plt.subplots()
for draw_, style in zip(prior, ["-", "--", ":", "-.", (0, (5, 1))], strict=True):
    ax.plot(x, draw_, color=plots.GP_COLOR, lw=1.5, ls=style)
ax.set(xlabel="$x$", ylabel="$f(x)$")
crossings = [int(np.sum(np.diff(np.sign(d)) != 0)) for d in prior]
figure(
    fig,
    alt=f"{len(prior)} curves drawn from the Gaussian-process prior, ranging over "
    + ", ".join(f"[{d.min():.1f}, {d.max():.1f}]" for d in prior)
    + f" and crossing zero {', '.join(map(str, crossings))} times.",
    caption=f"{len(prior)} draws of the latent function from the GP prior (seeds 0 to {len(prior) - 1}), without "
    "noise.",
    name="prior",
)

# %% [markdown]
# The data set used on every page of this site is the draw with the experiment's seed
# ([Figure](#fig-data)): the red curve is the latent function $f$ that the network will try to
# recover, the grey points the observations $y$ it is given.

# %%
draw = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)

# %% tags=["fold"]
fig, ax = plt.subplots()
plots.plot_data(ax, x, draw.latent, draw.y)
figure(
    fig,
    alt=f"The simulated data: {x.size} observations around the latent function, which ranges from "
    f"{draw.latent.min():.2f} to {draw.latent.max():.2f} and crosses zero "
    f"{int(np.sum(np.diff(np.sign(draw.latent)) != 0))} times; the noise has root mean square "
    f"{np.sqrt(np.mean((draw.y - draw.latent) ** 2)):.2f}.",
    caption=f"The data set of every page: seed {config.data_seed}.",
    name="data",
)

# %% tags=["hide-input"]
noise = draw.y - draw.latent
prose(
    f"The noise actually drawn has standard deviation {number(noise.std(), '.3f', key='noise_sd')} and root "
    f"mean square {number(np.sqrt(np.mean(noise**2)), '.3f', key='noise_rms')} (σ = {number(config.sigma, 'g')}); "
    f"the latent function ranges from {number(draw.latent.min(), '.2f')} to {number(draw.latent.max(), '.2f')}."
)
