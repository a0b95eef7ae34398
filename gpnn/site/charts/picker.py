"""The ensemble picker: the first $k$ members of an ensemble, their mean and spread, against the GP posterior."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gpnn._validation import check_same_length, check_vector
from gpnn.plots import DATA_COLOR, ENSEMBLE_COLOR, GP_COLOR, LATENT_COLOR
from gpnn.site.charts.sliders import _short
from gpnn.site.charts.spec import DIGITS, chart, significant
from gpnn.site.html import HTML


def ensemble_picker(
    x: ArrayLike,
    members: ArrayLike,
    *,
    gp_mean: ArrayLike,
    gp_sd: ArrayLike,
    observed_x: ArrayLike,
    observed_y: ArrayLike,
    latent: ArrayLike | None = None,
    key: str = "ensemble-picker",
    caption: str | None = None,
    alt: str | None = None,
) -> HTML:
    r"""The first $k$ members of an ensemble, their mean and spread, against the GP posterior.

    A slider sets $k = 1, \dots, m$; the page draws the mean of the first $k$
    members and the band mean $\pm 2$ sd (sample standard deviation, $k - 1$ in
    the denominator, as [`gpnn.ensemble.summary`][]; no band for $k = 1$), computed
    from the members the page holds, over the GP posterior mean and its 95% band
    (`gp_mean` $\pm 1.96$ `gp_sd`). A check box shows the $k$ members
    themselves. The slider starts at $m$.

    Parameters
    ----------
    x : array_like of shape (g,)
        Where the members predict: a grid, which may reach beyond the data and across gaps.
    members : array_like of shape (m, g)
        Each member's predictions at `x`.
    gp_mean, gp_sd : array_like of shape (g,)
        GP posterior mean and standard deviation of the latent function at `x`.
    observed_x, observed_y : array_like of shape (n,)
        The training data.
    latent : array_like of shape (n,), optional
        The latent function at `observed_x`; drawn as a line, broken where the data have gaps.
    key : str, default "ensemble-picker"
        The chart's name on the page, as for [`chart`][gpnn.site.charts.chart].
    caption : str, optional
        Visible caption, escaped unless it is `Markup`, as for [`chart`][gpnn.site.charts.chart].
    alt : str, optional
        Alternative text; by default a description of the chart.

    Returns
    -------
    HTML
        The figure, from [`chart`][gpnn.site.charts.chart].

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.linspace(-80, 80, 321)
    >>> members = np.sin(grid / 10) + np.random.default_rng(0).normal(0, 0.1, size=(8, grid.size))
    >>> ensemble_picker(grid, members, gp_mean=np.sin(grid / 10), gp_sd=np.full(grid.size, 0.2),
    ...                 observed_x=grid[::4], observed_y=np.sin(grid[::4] / 10))  # doctest: +SKIP
    """
    x = check_vector("x", x, min_length=2)
    stack = np.asarray(members, dtype=np.float64)
    if stack.ndim != 2 or stack.shape[1] != x.size or stack.shape[0] < 1:
        raise ValueError(
            f"Argument 'members' must have shape (m, len(x)) = (m, {x.size}), but members.shape = {stack.shape}."
        )
    if not np.isfinite(stack).all():
        raise ValueError("Argument 'members' must hold finite values only, but it holds NaN or inf.")
    gp_mean = check_vector("gp_mean", gp_mean)
    gp_sd = check_vector("gp_sd", gp_sd)
    check_same_length("x", x, "gp_mean", gp_mean)
    check_same_length("x", x, "gp_sd", gp_sd)
    observed_x = check_vector("observed_x", observed_x)
    observed_y = check_vector("observed_y", observed_y)
    check_same_length("observed_x", observed_x, "observed_y", observed_y)
    if latent is not None:
        latent = check_vector("latent", latent)
        check_same_length("observed_x", observed_x, "latent", latent)

    order = np.argsort(x, kind="stable")
    x, stack, gp_mean, gp_sd = x[order], stack[:, order], gp_mean[order], gp_sd[order]
    shown_x = [significant(v) for v in x]
    if len(set(shown_x)) != x.size:
        raise ValueError(f"Argument 'x' must hold values distinct at {DIGITS} significant digits.")
    m = stack.shape[0]
    rows = [
        {"x": x[i], "g": gp_mean[i], "s": gp_sd[i], "v": stack[:, i]}  # v: every member at x[i]
        for i in range(x.size)
    ]
    seen = np.argsort(observed_x, kind="stable")
    obs_x, obs_y = observed_x[seen], observed_y[seen]
    obs_rows: list[dict[str, Any]] = [{"x": a, "y": b} for a, b in zip(obs_x.tolist(), obs_y.tolist(), strict=True)]
    if latent is not None:
        steps = np.diff(obs_x)
        typical = float(np.median(steps)) if steps.size else 1.0
        piece = np.concatenate([[0], np.cumsum(steps > 3 * typical)])  # a new piece after each gap
        for row, value, part in zip(obs_rows, latent[seen].tolist(), piece.tolist(), strict=True):
            row["f"], row["c"] = value, int(part)

    everything = np.concatenate([stack.ravel(), gp_mean - 1.96 * gp_sd, gp_mean + 1.96 * gp_sd, observed_y])
    if m > 1:
        spreads = [stack[:k].mean(axis=0) + s * 2 * stack[:k].std(axis=0, ddof=1) for k in (2, m) for s in (-1, 1)]
        everything = np.concatenate([everything, *spreads])
    spread = float(everything.max() - everything.min()) or 1.0
    low = significant(everything.min() - 0.05 * spread, 3)
    high = significant(everything.max() + 0.05 * spread, 3)

    import altair as alt_

    x_enc = alt_.X("x:Q", title="x", scale=alt_.Scale(domain=[float(x[0]), float(x[-1])], nice=False))
    y_scale = alt_.Scale(domain=[low, high], nice=False)
    roles = ["observations", "latent function", "GP posterior mean and 95% band", "ensemble mean ± 2 sd", "members"]
    colors = [DATA_COLOR, LATENT_COLOR, GP_COLOR, ENSEMBLE_COLOR, ENSEMBLE_COLOR]
    if latent is None:
        del roles[1], colors[1]
    color = alt_.Color("role:N", scale=alt_.Scale(domain=roles[:-1], range=colors[:-1]), legend=alt_.Legend())
    grid = alt_.NamedData(name="grid")
    gp_band = (
        alt_.Chart(grid, name="gpband")
        .mark_area(color=GP_COLOR, opacity=0.2, clip=True)
        .encode(x_enc, alt_.Y("glo:Q", title="f(x), y", scale=y_scale), alt_.Y2("ghi:Q"))
        .transform_calculate(glo="datum.g - 1.96 * datum.s", ghi="datum.g + 1.96 * datum.s")
    )
    gp_line = (
        alt_.Chart(grid, name="gpmean")
        .mark_line(strokeWidth=1.5, clip=True)
        .encode(x_enc, alt_.Y("g:Q", scale=y_scale), color)
        .transform_calculate(role=f"'{roles[-3]}'")
    )
    chosen = alt_.Chart(grid).transform_calculate(w="slice(datum.v, 0, k)").transform_flatten(["w"])
    summary = chosen.transform_aggregate(mean="mean(w)", sd="stdev(w)", groupby=["x"]).transform_calculate(
        lo="datum.mean - 2 * datum.sd", hi="datum.mean + 2 * datum.sd", role=f"'{roles[-2]}'"
    )
    ens_band = (
        summary.transform_filter("k > 1")
        .mark_area(color=ENSEMBLE_COLOR, opacity=0.25, clip=True)
        .encode(x_enc, alt_.Y("lo:Q", scale=y_scale), alt_.Y2("hi:Q"))
        .properties(name="ensband")
    )
    ens_line = (
        summary.mark_line(strokeWidth=2, clip=True)
        .encode(x_enc, alt_.Y("mean:Q", scale=y_scale), color)
        .properties(name="ensmean")
    )
    member_lines = (
        chosen.transform_filter("members")
        .transform_window(j="row_number()", groupby=["x"])
        .mark_line(color=ENSEMBLE_COLOR, strokeWidth=0.75, opacity=0.6, clip=True)
        .encode(x_enc, alt_.Y("w:Q", scale=y_scale), alt_.Detail("j:O"))
        .properties(name="members")
    )
    obs_data = alt_.NamedData(name="obs")
    obs_layer = (
        alt_.Chart(obs_data, name="obs")
        .mark_circle(size=14, opacity=0.9, clip=True)
        .encode(x_enc, alt_.Y("y:Q", scale=y_scale), color)
        .transform_calculate(role=f"'{roles[0]}'")
    )
    layers = [gp_band, ens_band, member_lines, gp_line, obs_layer]
    if latent is not None:
        layers.append(
            alt_.Chart(obs_data, name="latent")
            .mark_line(strokeWidth=1.25, clip=True)
            .encode(x_enc, alt_.Y("f:Q", scale=y_scale), alt_.Detail("c:N"), color)
            .transform_calculate(role=f"'{roles[1]}'")
        )
    layers.append(ens_line)
    usermeta = {
        "gpnn": {
            "controls": [
                {"param": "k", "label": "Members averaged", "min": 1, "max": m, "step": 1},
                {"param": "members", "label": "Show the members", "type": "checkbox"},
            ]
        }
    }
    spec = (
        alt_.layer(*layers)
        .add_params(alt_.param(name="k", value=m), alt_.param(name="members", value=False))
        .properties(width="container", height=320, datasets={"grid": rows, "obs": obs_rows}, usermeta=usermeta)
    )
    description = alt or (
        f"Explorable chart of an ensemble of {m} networks on {x.size} points from {_short(x[0])} to "
        f"{_short(x[-1])}: the mean of the first k members and the band mean ± 2 sd, for k chosen with a slider, "
        f"against the GP posterior mean and its 95% band and the {observed_x.size} observations; drawn with all "
        f"{m} members."
    )
    return chart(spec, description, key=key, caption=caption)
