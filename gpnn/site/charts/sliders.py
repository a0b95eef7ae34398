"""The charts' controls: ranges of sliders, and numbers short enough for their labels.

`charts.js` draws a chart's controls (labelled sliders, check boxes and buttons) from the spec's
`usermeta`; the figure builders choose their ranges and labels here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gpnn.site.charts.spec import significant


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-12))


def _slider(values: Sequence[float]) -> tuple[float, float, float]:
    """(min, max, step) of a slider for a positive parameter around `values`."""
    high = _nice_ceiling(2.5 * max(values))
    step = 10.0 ** math.floor(math.log10(high / 100))
    return significant(step, 6) or step, significant(high, 6) or high, significant(step, 6) or step


def _short(value: float) -> str:
    """`value` with three significant digits, for labels and descriptions."""
    return f"{value:.3g}"
