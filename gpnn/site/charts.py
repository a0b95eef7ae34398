r"""Explorable figures: Vega-Lite charts that the reader's browser draws and recomputes.

A chart is a Vega-Lite specification written into the page as JSON (:func:`chart`), with a
static image of it for readers without JavaScript. The site's ``charts.js`` draws it with the
Vega bundle the site serves itself (nothing is requested from another host), builds the chart's
controls (labelled sliders, check boxes and buttons, from the spec's ``usermeta``), and hands
charts that compute in the page to their own module, such as ``gp-explorer.js``.

Three figures are built here:

* :func:`gp_explorer`: the GP posterior for any :math:`(\eta, \rho, \sigma)`, recomputed in the
  browser, with prior draws and the log marginal likelihood;
* :func:`training_scrubber`: the network's fit at each recorded epoch, beside the loss curve;
* :func:`ensemble_picker`: the mean and spread of the first :math:`k` members of an ensemble,
  against the GP posterior.

What is drawn is rounded to :data:`DIGITS` significant digits, which no screen can tell apart
from the full value; what the page computes with (the GP explorer's data and random draws) is
written in full. The same inputs always give the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import check_int, check_real, check_same_length, check_vector
from gpnn.plots import DATA_COLOR, ENSEMBLE_COLOR, GP_COLOR, INK, LATENT_COLOR, NETWORK_COLOR, REFERENCE_COLOR
from gpnn.site.html import HTML

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VEGA_LITE_VERSION = "6.4"
"""The Vega-Lite version the specs are written for (Altair 6.3's schema), and the site's bundle has."""
DIGITS = 4
"""Significant digits of the data a chart draws."""
STATIC_WIDTH = 640
"""Width in pixels of the static image, where the page's width is unknown."""

CONFIG: dict[str, Any] = {
    "background": "transparent",
    "view": {"stroke": None},
    "mark": {"aria": False},
    "font": "-apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif",
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": INK,
        "tickColor": INK,
        "gridColor": INK,
        "gridOpacity": 0.25,
        "titleFontWeight": "normal",
        "labelFontSize": 11,
        "titleFontSize": 12,
    },
    "legend": {
        "labelColor": INK,
        "titleColor": INK,
        "orient": "top",
        "title": None,
        "labelLimit": 400,
        "labelFontSize": 12,
        "symbolSize": 80,
    },
    "title": {"color": INK, "subtitleColor": INK, "fontWeight": "normal", "anchor": "start"},
}
"""Vega-Lite config of every chart. Transparent, with grey ink that reads on a white and a dark
page (the static image); in the page, ``charts.css`` colours text, axes and grid from the
colour scheme, live. Marks carry no ARIA labels of their own (one per point would flood a
screen reader); the chart's description labels the whole figure."""

_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_CLIP_ID = re.compile(r"\bclip(\d+)\b")
_CDN = re.compile(r"https?://(?!vega\.github\.io/schema/)", re.IGNORECASE)


# Serialisation ------------------------------------------------------------------------------


def significant(value: float, digits: int = DIGITS) -> float | int | None:
    """A number rounded to ``digits`` significant digits, as the shortest number that prints so.

    Parameters
    ----------
    value : float
        Any number.
    digits : int, default :data:`DIGITS`
        Significant digits to keep.

    Returns
    -------
    float or int or None
        The rounded value; an ``int`` if it is integral (``3`` rather than ``3.0``); ``None``
        (JSON's ``null``, which Vega treats as missing) for NaN and infinities.

    Examples
    --------
    >>> significant(3.14159), significant(-0.000123456), significant(2.0), significant(float("nan"))
    (3.142, -0.0001235, 2, None)
    """
    value = float(value)
    if not math.isfinite(value):
        return None
    if value == 0:
        return 0
    rounded = float(f"{value:.{digits - 1}e}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def exact(values: ArrayLike) -> list[float]:
    """Values in full, for the page to compute with: JSON writes each as the shortest text that reads back the same.

    Parameters
    ----------
    values : array_like
        Numbers, of any shape.

    Returns
    -------
    list of float
        The values as float64, flattened.
    """
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _rounded(data: Any, digits: int) -> Any:
    if isinstance(data, bool | str) or data is None:
        return data
    if isinstance(data, int | np.integer):
        return int(data)
    if isinstance(data, float | np.floating):
        return significant(float(data), digits)
    if isinstance(data, Mapping):
        return {str(k): _rounded(v, digits) for k, v in data.items()}
    if isinstance(data, list | tuple | np.ndarray):
        return [_rounded(v, digits) for v in data]
    return data


def round_data(spec: Mapping[str, Any], digits: int = DIGITS) -> dict[str, Any]:
    """A copy of a spec with every number of its data rounded to ``digits`` significant digits.

    Parameters
    ----------
    spec : mapping
        A Vega-Lite spec as a dict.
    digits : int, default :data:`DIGITS`
        Significant digits to keep.

    Returns
    -------
    dict
        The spec with its top-level ``datasets`` and every inline ``data.values`` rounded;
        ``usermeta`` (what ``charts.js`` and a chart's own module read) is left as it is.
    """

    def walk(node: Any, key: str | None = None) -> Any:
        if isinstance(node, Mapping):
            out = {}
            for k, v in node.items():
                if k == "usermeta":
                    out[k] = v
                elif k == "datasets" and isinstance(v, Mapping):
                    out[k] = {name: _rounded(rows, digits) for name, rows in v.items()}
                elif k == "values" and key == "data":
                    out[k] = _rounded(v, digits)
                else:
                    out[k] = walk(v, k)
            return out
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        return node

    result: dict[str, Any] = walk(spec)
    return result


def spec_json(spec: Mapping[str, Any]) -> str:
    r"""A spec as canonical compact JSON, safe inside ``<script>``.

    Parameters
    ----------
    spec : mapping
        JSON-serialisable, without NaN or infinities.

    Returns
    -------
    str
        JSON with sorted keys and no spaces, where ``<`` is written ``\u003c`` (so neither
        ``</script>`` nor ``<!--`` can occur).
    """
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c")  # '<' occurs only in strings, where \u003c reads the same


def _as_dict(spec: Any) -> dict[str, Any]:
    """The spec as a validated Vega-Lite dict: an Altair chart (never rendered by Altair) or a dict."""
    from altair.vegalite.v6.schema import SCHEMA_URL
    from altair.vegalite.v6.schema.core import TopLevelSpec

    if hasattr(spec, "to_dict") and not isinstance(spec, Mapping):
        result: dict[str, Any] = spec.to_dict()  # validates against the Vega-Lite schema
        return result
    if not isinstance(spec, Mapping):
        raise TypeError(f"Argument 'spec' must be an Altair chart or a dict, but spec = {spec!r}.")
    plain = json.loads(json.dumps(spec, default=_plain))
    plain.setdefault("$schema", SCHEMA_URL)
    try:
        TopLevelSpec.from_dict(plain, validate=True)
    except Exception as error:  # jsonschema's ValidationError: its message names the offending part
        message = getattr(error, "message", str(error)).splitlines()[0]
        raise ValueError(f"The spec is not valid Vega-Lite {VEGA_LITE_VERSION}: {message}") from None
    return dict(plain)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be written into a chart.")


def _with_config(spec: dict[str, Any]) -> dict[str, Any]:
    config = dict(CONFIG)
    for name, value in spec.get("config", {}).items():
        config[name] = {**config[name], **value} if isinstance(value, dict) and name in config else value
    config.pop("view", None)
    view = {**CONFIG["view"], **spec.get("config", {}).get("view", {})}
    view.pop("continuousWidth", None)  # Altair's default sizes: the chart sets its own
    view.pop("continuousHeight", None)
    config["view"] = view
    return {**spec, "config": config}


# The static image ---------------------------------------------------------------------------


def _fixed_width(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: STATIC_WIDTH if k == "width" and v == "container" else _fixed_width(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fixed_width(v) for v in node]
    return node


def static_svg(spec: Mapping[str, Any]) -> str:
    """A chart as a static SVG, drawn by vl-convert's own Vega (no browser, no network).

    Parameters
    ----------
    spec : mapping
        A Vega-Lite spec; a ``"container"`` width becomes :data:`STATIC_WIDTH` pixels.

    Returns
    -------
    str
        The SVG document, with clip-path ids numbered from 1, so the same spec always gives
        the same text.
    """
    import vl_convert

    fixed = _fixed_width({k: v for k, v in spec.items() if k != "usermeta"})
    svg: str = vl_convert.vegalite_to_svg(fixed, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
    # Vega numbers clip paths with a counter that lives as long as vl-convert's engine: number
    # them from 1 in each image, so the bytes do not depend on what was drawn before.
    numbers: dict[str, int] = {}
    return _CLIP_ID.sub(lambda m: f"clip{numbers.setdefault(m.group(1), len(numbers) + 1)}", svg)


def _fallback_url(spec: Mapping[str, Any], fallback: Figure | None) -> str:
    if fallback is None:
        return "data:image/svg+xml;base64," + base64.b64encode(static_svg(spec).encode()).decode("ascii")
    import matplotlib.pyplot as plt

    from gpnn.site.html import svg_data_url

    url = svg_data_url(fallback)
    plt.close(fallback)
    return url


# The figure ---------------------------------------------------------------------------------


def chart(
    spec: Any,
    alt: str,
    *,
    key: str,
    caption: str | None = None,
    fallback: Figure | None = None,
    digits: int = DIGITS,
) -> HTML:
    """One explorable figure: a Vega-Lite chart the page draws, with a static image without JavaScript.

    Parameters
    ----------
    spec : altair chart or dict
        The Vega-Lite spec (validated against the schema). It is never rendered by Altair,
        whose own output would load its JavaScript from another host. ``usermeta.gpnn`` may
        describe controls (see ``docs/javascripts/charts.js``).
    alt : str
        What the chart shows, for readers who cannot see it: the image's alternative text and
        the drawn chart's accessible description. Must not be empty.
    key : str
        The chart's name on the page (``data-chart``, anchor ``fig-KEY``): lower-case words
        joined by hyphens, unique on the page.
    caption : str, optional
        Visible caption (HTML allowed).
    fallback : matplotlib.figure.Figure, optional
        The static image for readers without JavaScript; by default the chart itself, drawn
        by vl-convert at :data:`STATIC_WIDTH` pixels.
    digits : int, default :data:`DIGITS`
        Significant digits of the chart's data.

    Returns
    -------
    HTML
        ``<figure class="gpnn-chart" data-chart="KEY">`` with the spec as compact JSON with
        sorted keys in ``<script type="application/json">``, the image in ``<noscript>``, and
        the caption.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"Argument 'alt' must describe the chart, but alt = {alt!r}.")
    if not (isinstance(key, str) and _KEY.fullmatch(key)):
        raise ValueError(f"Argument 'key' must be lower-case words joined by hyphens, but key = {key!r}.")
    digits = check_int("digits", digits, minimum=1, maximum=17)
    alt = " ".join(alt.split())
    full = round_data(_with_config(_as_dict(spec)), digits)
    full["description"] = alt  # Vega makes it the aria-label of the drawn chart
    text = spec_json(full)
    found = _CDN.search(text)
    if found:
        raise ValueError(f"The chart refers to another host ({text[found.start() : found.start() + 60]}...).")
    image = _fallback_url(full, fallback)
    caption_text = " ".join(caption.split()) if caption else ""
    return HTML(
        f'<figure class="gpnn-chart" data-chart="{key}" id="fig-{key}">'
        '<div class="gpnn-chart-view"></div>'
        f'<script type="application/json" class="gpnn-chart-spec">{text}</script>'
        '<div class="gpnn-chart-controls"></div>'
        f'<noscript><img class="gpnn-chart-fallback" alt="{html.escape(alt)}" src="{image}"></noscript>'
        f'<figcaption><span class="gpnn-figure-number"></span>{caption_text}</figcaption>'
        "</figure>"
    )


# Controls (drawn by charts.js from usermeta) ---------------------------------------------------


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-12))


def _slider(values: Sequence[float]) -> tuple[float, float, float]:
    """(min, max, step) of a slider for a positive parameter around ``values``."""
    high = _nice_ceiling(2.5 * max(values))
    step = 10.0 ** math.floor(math.log10(high / 100))
    return significant(step, 6) or step, significant(high, 6) or high, significant(step, 6) or step


def _short(value: float) -> str:
    return f"{value:.3g}"


# The GP explorer ----------------------------------------------------------------------------

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
    r"""The GP posterior for any :math:`(\eta, \rho, \sigma)`, recomputed in the reader's browser.

    Three sliders set :math:`\eta`, :math:`\rho` and :math:`\sigma`; the page computes the
    posterior mean and 95% band of the latent function at the data locations (the Cholesky
    factor of :math:`K + \sigma^2 I` in float64, as :func:`gpnn.posterior.gp_posterior` does)
    and the log marginal likelihood (:func:`gpnn.posterior.log_marginal_likelihood`). The
    sliders mark the true values and the marginal-likelihood estimate, and buttons jump to
    either. A check box adds prior draws for the current :math:`\eta` and :math:`\rho`: the
    draws :func:`gpnn.sample_gp` makes with each seed of ``prior_seeds`` (``L z``, with ``z``
    from ``numpy.random.RandomState(seed)``, shipped with the page). The sliders start at the
    estimate.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Locations and observations.
    truth, fitted : tuple of 3 floats
        ``(eta, rho, sigma)``: the values the data were simulated with, and the estimate.
    prior_seeds : sequence of int, default (0, 1, 2)
        Seeds of the prior draws; none leaves out the check box.
    key : str, default "gp-explorer"
        The chart's name on the page, as for :func:`chart`.
    caption : str, optional
        Visible caption (HTML allowed).
    alt : str, optional
        Alternative text; by default a description of the chart and its starting values.
    ranges : mapping, optional
        ``{"eta": (min, max, step), ...}`` for any slider; by default each runs from one step
        to 2.5 times the larger of the true and fitted values, rounded up.

    Returns
    -------
    HTML
        The figure, from :func:`chart`.

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


# The training scrubber ----------------------------------------------------------------------


def _loss_epochs(n_epochs: int, snapshot_epochs: NDArray[np.int64], points: int) -> NDArray[np.int64]:
    """Epochs (1-based) to draw the loss at: log-spaced and evenly spaced, and every snapshot epoch."""
    half = max(points // 2, 2)
    log_spaced = np.round(np.geomspace(1, n_epochs, min(half, n_epochs))).astype(np.int64)
    even = np.round(np.linspace(1, n_epochs, min(half, n_epochs))).astype(np.int64)
    return np.union1d(np.union1d(log_spaced, even), snapshot_epochs)


def training_scrubber(
    x: ArrayLike,
    y: ArrayLike,
    latent: ArrayLike,
    snapshot_epochs: ArrayLike,
    snapshots: ArrayLike,
    loss_history: ArrayLike,
    *,
    key: str = "training-scrubber",
    caption: str | None = None,
    alt: str | None = None,
    loss_points: int = 400,
) -> HTML:
    """The network's fit at each recorded epoch, chosen with a slider, above the loss curve.

    The loss curve is drawn at ``loss_points`` epochs (half log-spaced, for the fast start;
    half evenly spaced) and at every snapshot epoch, so the marker of the chosen epoch sits on
    the curve. Readouts give the training RMSE and the RMSE against the latent function at the
    chosen epoch. The slider starts at the last snapshot.

    Parameters
    ----------
    x, y, latent : array_like of shape (n,)
        Locations, observations and the latent function.
    snapshot_epochs : array_like of int, shape (k,)
        Epochs (1-based, increasing) of the snapshots, as in :attr:`gpnn.ExperimentResult.snapshot_epochs`.
    snapshots : array_like of shape (k, n)
        The network's predictions at every location at those epochs.
    loss_history : array_like of shape (n_epochs,)
        Training loss at each epoch; ``loss_history[e - 1]`` is epoch ``e``'s.
    key : str, default "training-scrubber"
        The chart's name on the page, as for :func:`chart`.
    caption : str, optional
        Visible caption (HTML allowed).
    alt : str, optional
        Alternative text; by default a description of the chart.
    loss_points : int, default 400
        About how many epochs to draw the loss curve at.

    Returns
    -------
    HTML
        The figure, from :func:`chart`.

    Examples
    --------
    >>> import dataclasses, gpnn
    >>> run = gpnn.run_experiment(dataclasses.replace(gpnn.ExperimentConfig(), record_every=200))  # doctest: +SKIP
    >>> figure = training_scrubber(
    ...     run.x, run.y, run.latent, run.snapshot_epochs, run.snapshots, run.loss_history
    ... )  # doctest: +SKIP
    """
    x = check_vector("x", x, min_length=2)
    y = check_vector("y", y, min_length=2)
    latent = check_vector("latent", latent, min_length=2)
    check_same_length("x", x, "y", y)
    check_same_length("x", x, "latent", latent)
    loss = np.asarray(loss_history, dtype=np.float64)
    if loss.ndim != 1 or loss.size == 0:
        raise ValueError(f"Argument 'loss_history' must be 1-D and not empty, but its shape is {loss.shape}.")
    epochs = np.asarray(snapshot_epochs)
    if epochs.ndim != 1 or epochs.size == 0 or not np.issubdtype(epochs.dtype, np.integer):
        raise ValueError(f"Argument 'snapshot_epochs' must be a non-empty 1-D array of int, but it is {epochs!r}.")
    epochs = epochs.astype(np.int64)
    if epochs[0] < 1 or epochs[-1] > loss.size or np.any(np.diff(epochs) <= 0):
        raise ValueError(
            f"Argument 'snapshot_epochs' must increase within 1..{loss.size} (len(loss_history)), "
            f"but it runs {epochs.tolist()[:5]}..."
        )
    predictions = np.asarray(snapshots, dtype=np.float64)
    if predictions.shape != (epochs.size, x.size):
        raise ValueError(
            f"Argument 'snapshots' must have shape (len(snapshot_epochs), len(x)) = {(epochs.size, x.size)}, "
            f"but snapshots.shape = {predictions.shape}."
        )
    if not np.isfinite(predictions).all():
        raise ValueError("Argument 'snapshots' must hold finite values only, but it holds NaN or inf.")
    loss_points = check_int("loss_points", loss_points, minimum=4)

    order = np.argsort(x, kind="stable")
    x, y, latent, predictions = x[order], y[order], latent[order], predictions[:, order]
    # Readouts from the values the chart draws, so that what is read is what is shown.
    shown = np.array(_rounded(predictions, DIGITS), dtype=np.float64)
    shown_latent = np.array(_rounded(latent, DIGITS), dtype=np.float64)
    to_latent = np.sqrt(np.mean((shown - shown_latent) ** 2, axis=1))
    last = epochs.size - 1
    rows = [
        {"x": a, "y": b, "f": c, "p": predictions[:, i]}
        for i, (a, b, c) in enumerate(zip(x.tolist(), y.tolist(), latent.tolist(), strict=True))
    ]
    drawn = _loss_epochs(loss.size, epochs, loss_points)
    loss_rows = [{"e": int(e), "l": float(loss[e - 1])} for e in drawn]
    snap_rows = [{"i": i, "e": int(e), "l": float(loss[e - 1])} for i, e in enumerate(epochs)]
    usermeta = {
        "gpnn": {
            "controls": [
                {
                    "param": "snap",
                    "label": "Epoch",
                    "min": 0,
                    "max": last,
                    "step": 1,
                    "values": [int(e) for e in epochs],
                }
            ],
            "readouts": [
                {"param": "snap", "label": "training RMSE", "values": [significant(loss[e - 1]) for e in epochs]},
                {"param": "snap", "label": "RMSE against the latent function", "values": _rounded(to_latent, DIGITS)},
            ],
        }
    }

    import altair as alt_

    x_enc = alt_.X("x:Q", title="x", scale=alt_.Scale(domain=[float(x[0]), float(x[-1])], nice=False))
    everything = np.concatenate([y, latent, predictions.ravel()])
    spread = float(everything.max() - everything.min()) or 1.0
    y_scale = alt_.Scale(
        domain=[significant(everything.min() - 0.05 * spread, 3), significant(everything.max() + 0.05 * spread, 3)],
        nice=False,
    )
    roles = ["observations", "latent function", "network at the chosen epoch"]
    color = alt_.Color(
        "role:N", scale=alt_.Scale(domain=roles, range=[DATA_COLOR, LATENT_COLOR, NETWORK_COLOR]), legend=alt_.Legend()
    )
    fit_data = alt_.NamedData(name="fit")
    obs_layer = (
        alt_.Chart(fit_data, name="obs")
        .mark_circle(size=16, opacity=0.9, clip=True)
        .encode(x_enc, alt_.Y("y:Q", title="f(x), y", scale=y_scale), color)
        .transform_calculate(role=f"'{roles[0]}'")
    )
    latent_layer = (
        alt_.Chart(fit_data, name="latent")
        .mark_line(strokeWidth=1.5, clip=True)
        .encode(x_enc, alt_.Y("f:Q", scale=y_scale), color)
        .transform_calculate(role=f"'{roles[1]}'")
    )
    net_layer = (
        alt_.Chart(fit_data, name="net")
        .mark_line(strokeWidth=2, clip=True)
        .encode(x_enc, alt_.Y("q:Q", scale=y_scale), color)
        .transform_calculate(q="datum.p[snap]", role=f"'{roles[2]}'")
    )
    fit = alt_.layer(obs_layer, latent_layer, net_layer).properties(width="container", height=260)
    epoch_x = alt_.X("e:Q", title="epoch", scale=alt_.Scale(domain=[1, int(loss.size)], nice=False))
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if not finite.size:
        raise ValueError("Argument 'loss_history' must hold a positive finite value to draw on a log scale.")
    loss_scale = alt_.Scale(type="log", domain=[significant(finite.min() * 0.9, 3), significant(finite.max() * 1.1, 3)])
    curve = (
        alt_.Chart(alt_.NamedData(name="loss"), name="loss")
        .mark_line(color=NETWORK_COLOR, strokeWidth=1.5, clip=True)
        .encode(epoch_x, alt_.Y("l:Q", title="training RMSE (log scale)", scale=loss_scale))
    )
    chosen = alt_.Chart(alt_.NamedData(name="snaps")).transform_filter("datum.i == snap")
    rule = chosen.mark_rule(color=REFERENCE_COLOR, strokeWidth=1.5).encode(epoch_x).properties(name="reference")
    point = (
        chosen.mark_point(color=REFERENCE_COLOR, filled=True, size=50)
        .encode(epoch_x, alt_.Y("l:Q", scale=loss_scale))
        .properties(name="referencepoint")
    )
    losses = alt_.layer(curve, rule, point).properties(width="container", height=150)
    spec = (
        alt_.vconcat(fit, losses, spacing=16)
        .add_params(alt_.param(name="snap", value=last))
        .properties(datasets={"fit": rows, "loss": loss_rows, "snaps": snap_rows}, usermeta=usermeta)
    )
    description = alt or (
        f"Explorable chart of a network's fit to {x.size} observations during training, at {epochs.size} "
        f"recorded epochs from {epochs[0]} to {epochs[-1]} chosen with a slider, with the latent function, and "
        f"below it the training RMSE over all {loss.size} epochs with the chosen epoch marked; drawn at epoch "
        f"{epochs[-1]}, where the training RMSE is {_short(loss[epochs[-1] - 1])}."
    )
    return chart(spec, description, key=key, caption=caption)


# The ensemble picker ------------------------------------------------------------------------


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
    r"""The first :math:`k` members of an ensemble, their mean and spread, against the GP posterior.

    A slider sets :math:`k = 1, \dots, m`; the page draws the mean of the first :math:`k`
    members and the band mean :math:`\pm 2` sd (sample standard deviation, :math:`k - 1` in
    the denominator, as :func:`gpnn.ensemble.summary`; no band for :math:`k = 1`), computed
    from the members the page holds, over the GP posterior mean and its 95% band
    (``gp_mean`` :math:`\pm 1.96` ``gp_sd``). A check box shows the :math:`k` members
    themselves. The slider starts at :math:`m`.

    Parameters
    ----------
    x : array_like of shape (g,)
        Where the members predict: a grid, which may reach beyond the data and across gaps.
    members : array_like of shape (m, g)
        Each member's predictions at ``x``.
    gp_mean, gp_sd : array_like of shape (g,)
        GP posterior mean and standard deviation of the latent function at ``x``.
    observed_x, observed_y : array_like of shape (n,)
        The training data.
    latent : array_like of shape (n,), optional
        The latent function at ``observed_x``; drawn as a line, broken where the data have gaps.
    key : str, default "ensemble-picker"
        The chart's name on the page, as for :func:`chart`.
    caption : str, optional
        Visible caption (HTML allowed).
    alt : str, optional
        Alternative text; by default a description of the chart.

    Returns
    -------
    HTML
        The figure, from :func:`chart`.

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
