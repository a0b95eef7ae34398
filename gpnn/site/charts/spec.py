r"""The plumbing every explorable figure shares: rounding, the spec as JSON, the static image, the figure.

A chart is a Vega-Lite specification written into the page as JSON ([`chart`][gpnn.site.charts.chart]),
with a static image of it for readers without JavaScript. What is drawn is rounded to
[`DIGITS`][gpnn.site.charts.DIGITS] significant digits, which no screen can tell apart from the full
value; what the page computes with is written in full ([`exact`][gpnn.site.charts.exact]). The same
inputs always give the same bytes.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from markupsafe import Markup, escape
from numpy.typing import ArrayLike

from gpnn._validation import check_int
from gpnn.plots import INK
from gpnn.site.html import HTML, as_html

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
        # At any width: labels that would touch are dropped, the end labels kept inside the plot.
        "labelOverlap": "greedy",
        "labelSeparation": 4,
        "labelFlush": True,
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
page (the static image); in the page, `charts.css` colours text, axes and grid from the
colour scheme, live. Marks carry no ARIA labels of their own (one per point would flood a
screen reader); the chart's description labels the whole figure."""

_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_CLIP_ID = re.compile(r"\bclip(\d+)\b")
_CDN = re.compile(r"https?://(?!vega\.github\.io/schema/)", re.IGNORECASE)


# Serialisation ------------------------------------------------------------------------------


def significant(value: float, digits: int = DIGITS) -> float | int | None:
    """A number rounded to `digits` significant digits, as the shortest number that prints so.

    Parameters
    ----------
    value : float
        Any number.
    digits : int, default DIGITS
        Significant digits to keep.

    Returns
    -------
    float or int or None
        The rounded value; an `int` if it is integral (`3` rather than `3.0`); `None`
        (JSON's `null`, which Vega treats as missing) for NaN and infinities.

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
    """A copy of a spec with every number of its data rounded to `digits` significant digits.

    Parameters
    ----------
    spec : mapping
        A Vega-Lite spec as a dict.
    digits : int, default DIGITS
        Significant digits to keep.

    Returns
    -------
    dict
        The spec with its top-level `datasets` and every inline `data.values` rounded;
        `usermeta` (what `charts.js` and a chart's own module read) is left as it is.
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
    r"""A spec as canonical compact JSON, safe inside `<script>`.

    Parameters
    ----------
    spec : mapping
        JSON-serialisable, without NaN or infinities.

    Returns
    -------
    str
        JSON with sorted keys and no spaces, where `<` is written `\u003c` (so neither
        `</script>` nor `<!--` can occur).
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
        A Vega-Lite spec; a `"container"` width becomes [`STATIC_WIDTH`][gpnn.site.charts.STATIC_WIDTH] pixels.

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
        whose own output would load its JavaScript from another host. `usermeta.gpnn` may
        describe controls (see `docs/javascripts/charts.js`).
    alt : str
        What the chart shows, for readers who cannot see it: the image's alternative text and
        the drawn chart's accessible description. Must not be empty. Escaped; `Markup` gives
        its text.
    key : str
        The chart's name on the page (`data-chart`, anchor `fig-KEY`): lower-case words
        joined by hyphens, unique on the page.
    caption : str, optional
        Visible caption, escaped as by [`as_html`][gpnn.site.html.as_html]: `Markup` for HTML.
    fallback : matplotlib.figure.Figure, optional
        The static image for readers without JavaScript; by default the chart itself, drawn
        by vl-convert at [`STATIC_WIDTH`][gpnn.site.charts.STATIC_WIDTH] pixels.
    digits : int, default DIGITS
        Significant digits of the chart's data.

    Returns
    -------
    HTML
        `<figure class="gpnn-chart" data-chart="KEY">` with the spec as compact JSON with
        sorted keys in `<script type="application/json">`, the image in `<noscript>`, and
        the caption.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"Argument 'alt' must describe the chart, but alt = {alt!r}.")
    if not (isinstance(key, str) and _KEY.fullmatch(key)):
        raise ValueError(f"Argument 'key' must be lower-case words joined by hyphens, but key = {key!r}.")
    digits = check_int("digits", digits, minimum=1, maximum=17)
    # The description is text (an aria-label): Markup gives its text, escaped again in the image.
    alt = " ".join((alt.striptags() if isinstance(alt, Markup) else alt).split())
    full = round_data(_with_config(_as_dict(spec)), digits)
    full["description"] = alt  # Vega makes it the aria-label of the drawn chart
    text = spec_json(full)
    found = _CDN.search(text)
    if found:
        raise ValueError(f"The chart refers to another host ({text[found.start() : found.start() + 60]}...).")
    image = _fallback_url(full, fallback)
    caption_text = Markup(" ").join(as_html(caption).split()) if caption else ""
    return HTML(
        f'<figure class="gpnn-chart" data-chart="{key}" id="fig-{key}">'
        '<div class="gpnn-chart-view"></div>'
        f'<script type="application/json" class="gpnn-chart-spec">{text}</script>'
        '<div class="gpnn-chart-controls"></div>'
        f'<noscript><img class="gpnn-chart-fallback" alt="{escape(alt)}" src="{image}"></noscript>'
        f'<figcaption><span class="gpnn-figure-number"></span>{caption_text}</figcaption>'
        "</figure>"
    )
