"""Figures of the experiment. Each helper draws on a given matplotlib ``Axes`` and returns it.

Colours are mid-tones chosen to read on both a white and a near-black page; :data:`SITE_STYLE`
makes figure backgrounds transparent and text grey, for the same reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle
from numpy.typing import ArrayLike

from gpnn._validation import check_real, check_same_length, check_sizes, check_vector
from gpnn.kernels import squared_exponential

#: Observations.
DATA_COLOR = "#8a8f98"
#: The latent GP function, the truth.
LATENT_COLOR = "#e45756"
#: The network's predictions.
NETWORK_COLOR = "#2f8fd8"
#: Accent for a second model or band.
ACCENT_COLOR = "#54a24b"

_INK = "#8a8f98"
#: ``matplotlib.rcParams`` for figures embedded in the site: transparent, grey ink, SVG text as text.
SITE_STYLE: dict[str, Any] = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": _INK,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 110,
    "svg.hashsalt": "gpnn",
    "svg.fonttype": "none",
}


def plot_data(ax: Axes, x: ArrayLike, latent: ArrayLike, y: ArrayLike) -> Axes:
    """Scatter the observations and draw the latent function through them.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x, latent, y : array_like of shape (n,)
        Locations, latent function values, observations.
    """
    x, latent, y = _vectors(x=x, latent=latent, y=y)
    ax.scatter(x, y, s=10, color=DATA_COLOR, alpha=0.8, label="observed $y$")
    ax.plot(x, latent, color=LATENT_COLOR, lw=2, label="latent GP $f$")
    ax.set(xlabel="$x$", ylabel="value")
    ax.legend(loc="best")
    return ax


def plot_kernel(ax: Axes, eta: float, rho: float, max_distance: float | None = None) -> Axes:
    r"""Draw the squared-exponential covariance against distance, marking :math:`d = \rho`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    eta, rho : float
        Kernel parameters.
    max_distance : float, optional
        Right end of the distance axis; defaults to :math:`4\rho`.
    """
    rho = check_real("rho", rho, positive=True)
    stop = 4 * rho if max_distance is None else check_real("max_distance", max_distance, positive=True)
    d = np.linspace(0.0, stop, 400)
    ax.plot(d, squared_exponential(d, eta, rho), color=NETWORK_COLOR, lw=2)
    ax.axvline(rho, color=_INK, ls=":", lw=1)
    ax.annotate(r"$d=\rho$", (rho, eta**2 / 2), xytext=(6, 0), textcoords="offset points")
    ax.set(xlabel="distance $d$", ylabel="covariance $k(d)$", ylim=(0, None), xlim=(0, stop))
    return ax


def plot_loss(ax: Axes, loss_history: ArrayLike, sigma: float | None = None) -> Axes:
    """Draw the training loss against the epoch, optionally with the noise level as a reference.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    loss_history : array_like of shape (n_epochs,)
        Loss at each epoch.
    sigma : float, optional
        Noise standard deviation, drawn as a horizontal line: the RMSE a perfect estimate of
        the latent function would have on average.
    """
    loss = check_vector("loss_history", loss_history)
    ax.plot(np.arange(1, loss.size + 1), loss, color=NETWORK_COLOR, lw=1.5, label="training RMSE")
    if sigma is not None:
        sigma = check_real("sigma", sigma, nonnegative=True)
        ax.axhline(sigma, color=LATENT_COLOR, ls="--", lw=1, label=r"noise $\sigma$")
        ax.legend(loc="upper right")
    ax.set(xlabel="epoch", ylabel="loss (RMSE)")
    return ax


def plot_fit(ax: Axes, x: ArrayLike, y: ArrayLike, latent: ArrayLike, predictions: ArrayLike) -> Axes:
    """Draw the network's predictions against the observations and the latent function.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x, y, latent, predictions : array_like of shape (n,)
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

    Each arrow bundle between two columns is one matrix product :math:`h W`; a layer wider than
    ``max_nodes`` is drawn with ``max_nodes`` nodes and a gap, and labelled with its true width.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : sequence of int
        Layer widths from input to output, e.g. ``gpnn.layer_sizes(1, [16, 32])``.
    max_nodes : int, default 10
        Most nodes drawn per layer.
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
                ax.plot([x0, x1], [y0, y1], color=_INK, lw=0.3, alpha=0.35, zorder=1)
    last = len(sizes) - 1
    for column, (size, nodes) in enumerate(zip(sizes, positions, strict=True)):
        color = DATA_COLOR if column == 0 else NETWORK_COLOR if column < last else LATENT_COLOR
        for x, y in nodes:
            ax.add_patch(Circle((x, y), 0.18, color=color, zorder=2))
        if size > len(nodes):
            ax.text(column, 0, "⋮", ha="center", va="center", fontsize=12, zorder=3)
        name = "input" if column == 0 else "output" if column == last else f"hidden {column}"
        ax.text(column, -tallest / 2 - 0.6, f"{name}\n{size}", ha="center", va="top", fontsize=8)
    ax.set(xlim=(-0.5, last + 0.5), ylim=(-tallest / 2 - 1.8, tallest / 2 + 0.5), aspect="equal")
    ax.axis("off")
    return ax


def _vectors(**arrays: ArrayLike) -> list[np.ndarray]:
    checked = [check_vector(name, value) for name, value in arrays.items()]
    names = list(arrays)
    for name, array in zip(names[1:], checked[1:], strict=True):
        check_same_length(names[0], checked[0], name, array)
    return checked
