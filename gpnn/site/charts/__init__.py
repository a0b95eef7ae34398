r"""Explorable figures: Vega-Lite charts that the reader's browser draws and recomputes.

A chart is a Vega-Lite specification written into the page as JSON ([`chart`][gpnn.site.charts.chart]),
with a static image of it for readers without JavaScript. The site's `charts.js` draws it with the
Vega bundle the site serves itself (nothing is requested from another host), builds the chart's
controls (labelled sliders, check boxes and buttons, from the spec's `usermeta`), and hands
charts that compute in the page to their own module, such as `gp-explorer.js`.

Three figures are built here, one module each:

* [`gp_explorer`][gpnn.site.charts.gp_explorer] (`explorer.py`): the GP posterior for any
  $(\eta, \rho, \sigma)$, recomputed in the browser, with prior draws and the log marginal likelihood;
* [`training_scrubber`][gpnn.site.charts.training_scrubber] (`scrubber.py`): the network's fit at
  each recorded epoch, beside the loss curve;
* [`ensemble_picker`][gpnn.site.charts.ensemble_picker] (`picker.py`): the mean and spread of the
  first $k$ members of an ensemble, against the GP posterior.

They share `spec.py` (rounding, the spec as JSON, the static image and the figure) and `sliders.py`
(the controls' ranges and labels). What is drawn is rounded to [`DIGITS`][gpnn.site.charts.DIGITS]
significant digits, which no screen can tell apart from the full value; what the page computes with
(the GP explorer's data and random draws) is written in full. The same inputs always give the same
bytes.
"""

# The API reference lists the names in the order of these lines: the plumbing, then the figures.
# isort: off
from gpnn.site.charts.spec import (
    VEGA_LITE_VERSION,
    DIGITS,
    STATIC_WIDTH,
    CONFIG,
    significant,
    exact,
    round_data,
    spec_json,
    static_svg,
    chart,
)
from gpnn.site.charts.explorer import gp_explorer
from gpnn.site.charts.scrubber import training_scrubber
from gpnn.site.charts.picker import ensemble_picker

# isort: on

__all__ = [
    "CONFIG",
    "DIGITS",
    "STATIC_WIDTH",
    "VEGA_LITE_VERSION",
    "chart",
    "ensemble_picker",
    "exact",
    "gp_explorer",
    "round_data",
    "significant",
    "spec_json",
    "static_svg",
    "training_scrubber",
]
