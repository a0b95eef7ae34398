"""Figures of the experiment. Each helper draws on a given matplotlib `Axes` and returns it.

Every figure of the site gives each role one colour ([`ROLE_COLORS`][gpnn.plots.ROLE_COLORS]): the data, the latent
function, a network, the Gaussian process, an ensemble, and reference marks. The colours are
mid-tones that read on both a white and a near-black page; [`SITE_STYLE`][gpnn.plots.SITE_STYLE] makes figure
backgrounds transparent and text grey, for the same reason. [`figure_problems`][gpnn.plots.figure_problems] checks a
finished figure for colours outside these roles and for text that overlaps other text.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.collections import Collection, QuadMesh
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch
from matplotlib.text import Text
from numpy.typing import ArrayLike

from gpnn._validation import check_int, check_real, check_same_length, check_sizes, check_vector
from gpnn.kernels import squared_exponential

DATA_COLOR = "#8a8f98"
"""Observations $y$."""
LATENT_COLOR = "#e45756"
"""The latent function $f$, the truth."""
NETWORK_COLOR = "#2f8fd8"
"""A trained network's predictions."""
GP_COLOR = "#54a24b"
"""The Gaussian process: its kernel, prior draws, posterior mean and band."""
ENSEMBLE_COLOR = "#b279a2"
"""An ensemble of networks: its mean and spread."""
REFERENCE_COLOR = "#f58518"
"""Reference lines and marks: the noise level, a chosen epoch, the reference run."""
INK = "#8a8f98"
"""Axes, ticks and text: a grey that reads on a white and on a near-black page."""

ROLE_COLORS: dict[str, str] = {
    "data": DATA_COLOR,
    "latent": LATENT_COLOR,
    "network": NETWORK_COLOR,
    "gp": GP_COLOR,
    "ensemble": ENSEMBLE_COLOR,
    "reference": REFERENCE_COLOR,
}
"""One colour per role, the same in every figure of the site."""

SITE_STYLE: dict[str, Any] = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=[NETWORK_COLOR]),
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 110,
    "svg.hashsalt": "gpnn",
    "svg.fonttype": "none",
}
"""`matplotlib.rcParams` for figures embedded in the site: transparent, grey ink, SVG text as text."""


def plot_data(ax: Axes, x: ArrayLike, latent: ArrayLike, y: ArrayLike) -> Axes:
    """Scatter the observations and draw the latent function through them.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    x, latent, y : array_like of shape (n,)
        Locations, latent function values, observations.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    x, latent, y = _vectors(x=x, latent=latent, y=y)
    ax.scatter(x, y, s=10, color=DATA_COLOR, alpha=0.8, label="observed $y$")
    ax.plot(x, latent, color=LATENT_COLOR, lw=2, label="latent GP $f$")
    ax.set(xlabel="$x$", ylabel="value")
    ax.legend(loc="best")
    return ax


def plot_kernel(ax: Axes, eta: float, rho: float, max_distance: float | None = None) -> Axes:
    r"""Draw the squared-exponential covariance against distance, marking $d = \rho$.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    eta, rho : float
        Kernel parameters.
    max_distance : float, optional
        Right end of the distance axis; defaults to $4\rho$.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    rho = check_real("rho", rho, positive=True)
    stop = 4 * rho if max_distance is None else check_real("max_distance", max_distance, positive=True)
    d = np.linspace(0.0, stop, 400)
    ax.plot(d, squared_exponential(d, eta, rho), color=GP_COLOR, lw=2)
    ax.axvline(rho, color=REFERENCE_COLOR, ls=":", lw=1)
    ax.annotate(r"$d=\rho$", (rho, eta**2 / 2), xytext=(6, 0), textcoords="offset points")
    ax.set(xlabel="distance $d$", ylabel="covariance $k(d)$", ylim=(0, None), xlim=(0, stop))
    return ax


def plot_loss(ax: Axes, loss_history: ArrayLike, sigma: float | None = None) -> Axes:
    """Draw the training loss against the epoch, optionally with the noise level as a reference.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    loss_history : array_like of shape (n_epochs,)
        Loss at each epoch.
    sigma : float, optional
        Noise standard deviation, drawn as a horizontal line: the RMSE a perfect estimate of
        the latent function would have on average.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    loss = check_vector("loss_history", loss_history)
    ax.plot(np.arange(1, loss.size + 1), loss, color=NETWORK_COLOR, lw=1.5, label="training RMSE")
    if sigma is not None:
        sigma = check_real("sigma", sigma, nonnegative=True)
        ax.axhline(sigma, color=REFERENCE_COLOR, ls="--", lw=1, label=r"noise $\sigma$")
        ax.legend(loc="upper right")
    ax.set(xlabel="epoch", ylabel="loss (RMSE)")
    return ax


def plot_fit(ax: Axes, x: ArrayLike, y: ArrayLike, latent: ArrayLike, predictions: ArrayLike) -> Axes:
    """Draw the network's predictions against the observations and the latent function.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    x, y, latent, predictions : array_like of shape (n,)
        Locations, observations, latent function and the network's predictions.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    x, y, latent, predictions = _vectors(x=x, y=y, latent=latent, predictions=predictions)
    ax.scatter(x, y, s=10, color=DATA_COLOR, alpha=0.7, label="observed $y$")
    ax.plot(x, latent, color=LATENT_COLOR, lw=2, label="latent GP $f$")
    ax.plot(x, predictions, color=NETWORK_COLOR, lw=2, label=r"network $\hat y$")
    ax.set(xlabel="$x$", ylabel="value")
    ax.legend(loc="best")
    return ax


def plot_network(ax: Axes, sizes: Sequence[int], max_nodes: int = 10) -> Axes:
    """Diagram of a fully connected network: one column of nodes per layer, every edge drawn.

    Each arrow bundle between two columns is one matrix product $h W$; a layer wider than
    `max_nodes` is drawn with `max_nodes` nodes and a gap, and labelled with its true width.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    sizes : sequence of int
        Layer widths from input to output, e.g. `gpnn.layer_sizes(1, [16, 32])`.
    max_nodes : int, default 10
        Most nodes drawn per layer.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    sizes = check_sizes("sizes", sizes)
    if len(sizes) < 2:
        raise ValueError(f"Argument 'sizes' must hold at least an input and an output layer, but sizes = {sizes}.")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 3:
        raise ValueError(f"Argument 'max_nodes' must be an integer >= 3, but max_nodes = {max_nodes!r}.")
    shown = [min(size, max_nodes) for size in sizes]
    tallest = max(shown)
    positions = []
    for column, count in enumerate(shown):
        ys = np.linspace(-(count - 1) / 2, (count - 1) / 2, count) if count > 1 else np.zeros(1)
        positions.append([(float(column), float(y)) for y in ys])
    for left, right in itertools.pairwise(positions):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=INK, lw=0.3, alpha=0.35, zorder=1)
    last = len(sizes) - 1
    for column, (size, nodes) in enumerate(zip(sizes, positions, strict=True)):
        color = DATA_COLOR if column == 0 else NETWORK_COLOR
        for x, y in nodes:
            ax.add_patch(Circle((x, y), 0.18, color=color, zorder=2))
        if size > len(nodes):
            ax.text(column, 0, "⋮", ha="center", va="center", fontsize=12, zorder=3)
        name = "in" if column == 0 else "out" if column == last else f"h{column}"
        ax.text(column, -tallest / 2 - 0.6, f"{name}\n{size}", ha="center", va="top", fontsize=8)
    ax.set(xlim=(-0.5, last + 0.5), ylim=(-tallest / 2 - 1.8, tallest / 2 + 0.5), aspect="equal")
    ax.axis("off")
    return ax


def plot_band(
    ax: Axes, x: ArrayLike, mean: ArrayLike, sd: ArrayLike, role: str = "gp", z: float = 1.96, label: str = ""
) -> Axes:
    r"""Draw a mean curve and the band $\text{mean} \pm z\,\text{sd}$ around it, in one role's colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    x, mean, sd : array_like of shape (n,)
        Locations, means and standard deviations (>= 0).
    role : str, default "gp"
        A key of [`ROLE_COLORS`][gpnn.plots.ROLE_COLORS], e.g. `"gp"` or `"ensemble"`.
    z : float, default 1.96
        Half-width of the band in standard deviations (1.96: a 95% normal interval).
    label : str, optional
        Legend label of the mean; the band is labelled with its width.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    x, mean, sd = _vectors(x=x, mean=mean, sd=sd)
    color = _role(role)
    z = check_real("z", z, nonnegative=True)
    low, high = mean - z * sd, mean + z * sd
    # A translucent fill alone fades into a dark page and hides under points and curves drawn on
    # top; thin edges in the same colour keep the band's limits visible in both colour schemes.
    ax.fill_between(x, low, high, color=color, alpha=0.3, lw=0, zorder=1.5, label=f"{label} ± {z:g} sd".strip())
    for edge in (low, high):
        ax.plot(x, edge, color=color, lw=0.7, alpha=0.9, zorder=1.6)
    ax.plot(x, mean, color=color, lw=2, label=label or None)
    return ax


def legend_below(ax: Axes, ncols: int = 3, fontsize: float = 8) -> Axes:
    """Put the legend under the axes, below the $x$ label, where it covers no curve and no band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes whose labelled artists the legend lists.
    ncols : int, default 3
        Columns of legend entries.
    fontsize : float, default 8
        Size of the entries' text, in points.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, with its legend.
    """
    ncols = check_int("ncols", ncols, minimum=1)
    fontsize = check_real("fontsize", fontsize, positive=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=ncols, fontsize=fontsize)
    return ax


def plot_strip(
    ax: Axes, groups: Mapping[str, ArrayLike], marked: Mapping[str, float] | None = None, role: str = "network"
) -> Axes:
    """Every value of every group as a point, with each group's median as a bar; marked values ringed.

    For results that vary with a seed: show every run, not a summary. Points are spread
    sideways by rank (no randomness), so the figure is the same at every build. A NaN stands for
    a run that produced no value (one that diverged): it is not drawn, and under its group a note
    counts how many there were.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    groups : mapping of str to array_like of shape (k,)
        One column of points per label, left to right; NaN for a run without a value.
    marked : mapping of str to float, optional
        A value per group to ring in the reference colour (e.g. the reference run's); a NaN
        marks nothing.
    role : str, default "network"
        A key of [`ROLE_COLORS`][gpnn.plots.ROLE_COLORS] for the points.

    Returns
    -------
    matplotlib.axes.Axes
        `ax`, drawn on.
    """
    color = _role(role)
    labels = list(groups)
    for position, label in enumerate(labels):
        values = check_vector(f"groups[{label!r}]", groups[label], allow_nan=True)
        missing = int(np.isnan(values).sum())
        values = values[~np.isnan(values)]
        offsets = np.zeros(values.size)
        if missing:
            note = f"all {missing} diverged" if not values.size else f"{missing} diverged"
            ax.text(position, 0.02, note, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7)
        if values.size:
            ranks = np.argsort(np.argsort(values))
            offsets = 0.25 * (ranks / max(values.size - 1, 1) - 0.5) if values.size > 1 else np.zeros(1)
            ax.scatter(position + offsets, values, s=16, color=color, alpha=0.75, zorder=2)
            median = float(np.median(values))
            ax.plot([position - 0.22, position + 0.22], [median, median], color=INK, lw=2, zorder=3)
        value = (
            check_real(f"marked[{label!r}]", marked[label], allow_nan=True) if marked and label in marked else np.nan
        )
        if np.isfinite(value):
            # Ring the point itself: a ring at the column's centre would read as a second point.
            same = np.flatnonzero(values == value)
            ring_x = position + (offsets[same[0]] if same.size else 0.0)
            ax.scatter([ring_x], [value], s=90, facecolors="none", edgecolors=REFERENCE_COLOR, lw=1.5, zorder=4)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    return ax


NARROW_WIDTH = 4.4
"""Width in inches of a figure's layout for phones ([`narrow_layout`][gpnn.plots.narrow_layout]).

A phone shows a figure at about the width of its screen: a layout this wide is drawn there at
nearly its own size, so its text keeps the size it was set in, where the default, wider figure
would shrink it below legibility."""


def narrow_layout(fig: Figure, width: float = NARROW_WIDTH) -> bool:
    """Lay a figure out again, in place, for a narrow screen: narrower, side-by-side panels stacked.

    A figure of one row of panels becomes `width` inches wide, each panel on a row of its own
    (with its tick labels shown, should the panels share an axis), its text at the same size.
    Figures that are not one row of panels (a figure-level legend or text, a colour bar, an
    inset, a grid of rows) are left as they are, as are figures that are narrow already.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A finished figure, saved first if its wide layout is wanted too.
    width : float, default `NARROW_WIDTH`
        Width in inches of the narrow layout.

    Returns
    -------
    bool
        True if the figure now has a narrow layout and, as [`figure_problems`][gpnn.plots.figure_problems]
        checks, no text overlaps; False if it cannot be laid out so (it may then have been changed:
        save it before).
    """
    width = check_real("width", width, positive=True)
    fig_width, fig_height = fig.get_size_inches()
    if fig_width <= 1.15 * width or fig.legends or fig.texts or not fig.axes:
        return False
    specs = [ax.get_subplotspec() for ax in fig.axes]
    if any(spec is None for spec in specs) or any(ax.child_axes for ax in fig.axes):  # a colour bar, an inset
        return False
    grid = specs[0].get_gridspec()  # type: ignore[union-attr]
    rows, columns = grid.get_geometry()
    if rows != 1 or any(spec.get_gridspec() is not grid for spec in specs):  # type: ignore[union-attr]
        return False
    if columns > 1:
        stacked = fig.add_gridspec(columns, 1, hspace=0.75)  # room for a title under the x label above
        for ax, spec in zip(fig.axes, specs, strict=True):
            ax.set_subplotspec(stacked[spec.colspan.start, 0])  # type: ignore[union-attr]
            ax.tick_params(labelleft=True, labelbottom=True)
    fig.set_size_inches(width, fig_height * (0.9 * columns if columns > 1 else 1.0))
    return not figure_problems(fig)


def figure_problems(fig: Figure) -> list[str]:
    """What breaks the site's rules in a finished figure: overlapping text, colours outside the roles.

    Every text artist's extent on the rendered figure is compared with every other's; every line,
    marker, patch and collection colour must be one of [`ROLE_COLORS`][gpnn.plots.ROLE_COLORS],
    [`INK`][gpnn.plots.INK], black or white (text on images), or transparent. Images and colour
    meshes (heat maps, colour bars) carry their own colour maps and are not checked.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A finished figure.

    Returns
    -------
    list of str
        One line per problem; empty if there is none.
    """
    problems = []
    fig.draw_without_rendering()  # lay out ticks and legends as they will be saved
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for text in _drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            boxes.append((text, box.shrunk(0.9, 0.8)))  # margins of glyph boxes may touch
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if box_a.overlaps(box_b):
            problems.append(f"text {a.get_text()!r} overlaps text {b.get_text()!r}")
    allowed = {to_hex(color) for color in (*ROLE_COLORS.values(), INK, "black", "white")}
    for artist in fig.findobj(lambda a: isinstance(a, Line2D | Collection | Patch | Text)):
        if isinstance(artist, QuadMesh) or not artist.get_visible():
            continue
        for color in _colors(artist):
            if color not in allowed:
                problems.append(f"{type(artist).__name__} {artist.get_label() or ''!r} uses colour {color}")
    return list(dict.fromkeys(problems))


def _drawn_texts(fig: Figure) -> list[Text]:
    """The texts the saved figure shows: titles, labels, annotations, legends, and tick labels in view."""
    texts: list[Text] = list(fig.texts)
    for ax in fig.axes:
        titles = [getattr(ax, name) for name in ("title", "_left_title", "_right_title")]  # the three title slots
        texts += [*titles, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += legend.get_texts()
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(low, high), max(low, high)
            for tick in axis.get_major_ticks():
                if low <= tick.get_loc() <= high:
                    texts += [tick.label1, tick.label2]
    return [t for t in dict.fromkeys(texts) if t.get_visible() and t.get_text().strip()]


def _colors(artist: Any) -> list[str]:
    if isinstance(artist, Line2D):
        raw = [artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()]
    elif isinstance(artist, Collection):
        raw = [*artist.get_facecolor(), *artist.get_edgecolor()]
    elif isinstance(artist, Patch):
        if artist.axes is None:  # the figure's and axes' own background patches
            return []
        raw = [artist.get_facecolor(), artist.get_edgecolor()]
    else:
        raw = [artist.get_color()]
    found = []
    for color in raw:
        if isinstance(color, str) and color in ("none", "face", "auto"):
            continue
        rgba = to_rgba(color)
        if rgba[3] == 0:
            continue
        found.append(to_hex(rgba[:3]))
    return found


def _role(role: str) -> str:
    if role not in ROLE_COLORS:
        raise ValueError(f"Argument 'role' must be one of {list(ROLE_COLORS)}, but role = {role!r}.")
    return ROLE_COLORS[role]


def _vectors(**arrays: ArrayLike) -> list[np.ndarray]:
    checked = [check_vector(name, value) for name, value in arrays.items()]
    names = list(arrays)
    for name, array in zip(names[1:], checked[1:], strict=True):
        check_same_length(names[0], checked[0], name, array)
    return checked
