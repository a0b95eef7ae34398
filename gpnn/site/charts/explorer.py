r"""The GP explorer: the GP posterior for any $(\eta, \rho, \sigma)$, recomputed in the reader's browser.

The page ships the data and the prior draws' random numbers in full, and its own module
(`gp-explorer.js`) computes the posterior and the log marginal likelihood as
[`gpnn.posterior`][] does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gpnn._validation import check_int, check_real, check_same_length, check_vector
from gpnn.plots import DATA_COLOR, GP_COLOR
from gpnn.site.charts.sliders import _short, _slider
from gpnn.site.charts.spec import chart, exact, significant
from gpnn.site.html import HTML

_GP_PARAMS = (
    ("eta", "η, signal sd"),
    ("rho", "ρ, length scale"),
    ("sigma", "σ, noise sd"),
)


def _triple(name: str, value: Any) -> tuple[float, float, float]:
    try:
        eta, rho, sigma = value
    except (TypeError, ValueError):
        raise ValueError(f"Argument '{name}' must be (eta, rho, sigma), but {name} = {value!r}.") from None
    return (
        check_real(f"{name}[0]", eta, positive=True),
        check_real(f"{name}[1]", rho, positive=True),
        check_real(f"{name}[2]", sigma, positive=True),
    )


def gp_explorer(
    x: ArrayLike,
    y: ArrayLike,
    *,
    truth: tuple[float, float, float],
    fitted: tuple[float, float, float],
    prior_seeds: Sequence[int] = (0, 1, 2),
    key: str = "gp-explorer",
    caption: str | None = None,
    alt: str | None = None,
    ranges: Mapping[str, tuple[float, float, float]] | None = None,
) -> HTML:
    r"""The GP posterior for any $(\eta, \rho, \sigma)$, recomputed in the reader's browser.

    Three sliders set $\eta$, $\rho$ and $\sigma$; the page computes the
    posterior mean and 95% band of the latent function at the data locations (the Cholesky
    factor of $K + \sigma^2 I$ in float64, as [`gpnn.posterior.gp_posterior`][] does)
    and the log marginal likelihood ([`gpnn.posterior.log_marginal_likelihood`][]). The
    sliders mark the true values and the marginal-likelihood estimate, and buttons jump to
    either. A check box adds prior draws for the current $\eta$ and $\rho$: the
    draws [`gpnn.sample_gp`][gpnn.simulate.sample_gp] makes with each seed of `prior_seeds` (`L z`, with `z`
    from `numpy.random.RandomState(seed)`, shipped with the page). The sliders start at the
    estimate.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Locations and observations.
    truth, fitted : tuple of 3 floats
        `(eta, rho, sigma)`: the values the data were simulated with, and the estimate.
    prior_seeds : sequence of int, default (0, 1, 2)
        Seeds of the prior draws; none leaves out the check box.
    key : str, default "gp-explorer"
        The chart's name on the page, as for [`chart`][gpnn.site.charts.chart].
    caption : str, optional
        Visible caption, escaped unless it is `Markup`, as for [`chart`][gpnn.site.charts.chart].
    alt : str, optional
        Alternative text; by default a description of the chart and its starting values.
    ranges : mapping, optional
        `{"eta": (min, max, step), ...}` for any slider; by default each runs from one step
        to 2.5 times the larger of the true and fitted values, rounded up.

    Returns
    -------
    HTML
        The figure, from [`chart`][gpnn.site.charts.chart].

    Examples
    --------
    >>> import gpnn
    >>> from gpnn.posterior import fit_hyperparameters
    >>> config = gpnn.ExperimentConfig()
    >>> x = config.x()
    >>> y = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed).y
    >>> fitted = fit_hyperparameters(x, y)
    >>> figure = gp_explorer(x, y, truth=(3.0, 10.0, 0.7), fitted=fitted[:3])  # doctest: +SKIP
    """
    from gpnn.posterior import gp_posterior, log_marginal_likelihood
    from gpnn.simulate import JITTER

    x = check_vector("x", x, min_length=2)
    y = check_vector("y", y, min_length=2)
    check_same_length("x", x, "y", y)
    truth = _triple("truth", truth)
    fitted = _triple("fitted", fitted)
    seeds = [check_int("prior_seeds", seed, maximum=2**32 - 1) for seed in prior_seeds]
    limits = {}
    for index, (name, _label) in enumerate(_GP_PARAMS):
        given = (ranges or {}).get(name)
        low, high, step = given if given is not None else _slider([truth[index], fitted[index]])
        limits[name] = (check_real("min", low, positive=True), check_real("max", high), check_real("step", step))
        if not low < high or step <= 0:
            raise ValueError(f"The range of '{name}' must have min < max and step > 0, but it is {given!r}.")

    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    start = fitted
    posterior = gp_posterior(x, y, x, *start)
    band = 1.959963984540054 * posterior.sd
    post = [
        {"x": a, "m": m, "lo": m - b, "hi": m + b}
        for a, m, b in zip(x.tolist(), posterior.mean.tolist(), band.tolist(), strict=True)
    ]
    lml = {"truth": log_marginal_likelihood(x, y, *truth), "fitted": log_marginal_likelihood(x, y, *fitted)}
    draws = {str(seed): exact(np.random.RandomState(seed).normal(size=x.size)) for seed in seeds}

    span = float(y.max() - y.min()) or 1.0
    y_domain = [significant(y.min() - 0.3 * span, 3), significant(y.max() + 0.3 * span, 3)]
    controls: list[dict[str, Any]] = []
    for index, (name, label) in enumerate(_GP_PARAMS):
        low, high, step = limits[name]
        marks = [{"value": truth[index], "label": "true"}, {"value": fitted[index], "label": "estimate"}]
        controls.append({"param": name, "label": label, "min": low, "max": high, "step": step, "marks": marks})
    if seeds:
        controls.append({"param": "prior", "label": f"Show {len(seeds)} prior draws (dashed)", "type": "checkbox"})
    presets = [
        {
            "label": "True values (" + ", ".join(f"{s} {_short(v)}" for s, v in zip("ηρσ", truth, strict=True)) + ")",
            "values": dict(zip(("eta", "rho", "sigma"), truth, strict=True)),
        },
        {
            "label": "Marginal-likelihood estimate ("
            + ", ".join(f"{s} {_short(v)}" for s, v in zip("ηρσ", fitted, strict=True))
            + ")",
            "values": dict(zip(("eta", "rho", "sigma"), fitted, strict=True)),
        },
    ]
    usermeta = {
        "gpnn": {
            "controller": "gp-explorer",
            "controls": controls,
            "presets": presets,
            "gp": {"x": exact(x), "y": exact(y), "z": draws, "seeds": seeds, "jitter": JITTER, "lml": lml},
        }
    }

    import altair as alt_

    x_enc = alt_.X("x:Q", title="x", scale=alt_.Scale(domain=[float(x[0]), float(x[-1])], nice=False))
    y_scale = alt_.Scale(domain=y_domain, nice=False)
    legend = alt_.Color(
        "role:N",
        scale=alt_.Scale(domain=["observations", "posterior mean and 95% band"], range=[DATA_COLOR, GP_COLOR]),
        legend=alt_.Legend(title=None),
    )
    obs_rows = [{"x": a, "y": b} for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    band_layer = (
        alt_.Chart(alt_.NamedData(name="post"), name="band")
        .mark_area(color=GP_COLOR, opacity=0.25, clip=True)
        .encode(x_enc, alt_.Y("lo:Q", title="f(x), y", scale=y_scale), alt_.Y2("hi:Q"))
    )
    prior_layer = (
        alt_.Chart(alt_.NamedData(name="prior"), name="prior")
        .mark_line(color=GP_COLOR, strokeDash=[5, 3], strokeWidth=1.25, clip=True)
        .encode(x_enc, alt_.Y("f:Q", scale=y_scale), alt_.Detail("s:N"))
        .transform_filter("prior")
    )
    obs_layer = (
        alt_.Chart(alt_.NamedData(name="obs"), name="obs")
        .mark_circle(size=16, opacity=0.9, clip=True)
        .encode(x_enc, alt_.Y("y:Q", scale=y_scale), legend)
        .transform_calculate(role="'observations'")
    )
    mean_layer = (
        alt_.Chart(alt_.NamedData(name="post"), name="mean")
        .mark_line(strokeWidth=2, clip=True)
        .encode(x_enc, alt_.Y("m:Q", scale=y_scale), legend)
        .transform_calculate(role="'posterior mean and 95% band'")
    )
    params = [alt_.param(name=name, value=value) for (name, _), value in zip(_GP_PARAMS, start, strict=True)]
    params.append(alt_.param(name="prior", value=False))
    spec = (
        alt_.layer(band_layer, prior_layer, obs_layer, mean_layer)
        .add_params(*params)
        .properties(
            width="container",
            height=320,
            datasets={"obs": obs_rows, "post": post, "prior": []},
            usermeta=usermeta,
        )
    )
    description = alt or (
        f"Explorable chart of the {x.size} observations with the Gaussian-process posterior mean and 95% band "
        f"of the latent function, for η, ρ and σ set by sliders; drawn at the marginal-likelihood estimate "
        f"η = {_short(fitted[0])}, ρ = {_short(fitted[1])}, σ = {_short(fitted[2])} (true values "
        f"{_short(truth[0])}, {_short(truth[1])}, {_short(truth[2])})."
    )
    return chart(spec, description, key=key, caption=caption)
