"""The training scrubber: the network's fit at each recorded epoch, chosen with a slider, above the loss curve."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gpnn._validation import check_int, check_same_length, check_vector
from gpnn.plots import DATA_COLOR, LATENT_COLOR, NETWORK_COLOR, REFERENCE_COLOR
from gpnn.site.charts.sliders import _short
from gpnn.site.charts.spec import DIGITS, _rounded, chart, significant
from gpnn.site.html import HTML


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

    The loss curve is drawn at `loss_points` epochs (half log-spaced, for the fast start;
    half evenly spaced) and at every snapshot epoch, so the marker of the chosen epoch sits on
    the curve. Readouts give the training RMSE and the RMSE against the latent function at the
    chosen epoch. The slider starts at the last snapshot.

    Parameters
    ----------
    x, y, latent : array_like of shape (n,)
        Locations, observations and the latent function.
    snapshot_epochs : array_like of int, shape (k,)
        Epochs (1-based, increasing) of the snapshots, as in
        [`ExperimentResult.snapshot_epochs`][gpnn.experiment.ExperimentResult.snapshot_epochs].
    snapshots : array_like of shape (k, n)
        The network's predictions at every location at those epochs.
    loss_history : array_like of shape (n_epochs,)
        Training loss at each epoch; `loss_history[e - 1]` is epoch `e`'s.
    key : str, default "training-scrubber"
        The chart's name on the page, as for [`chart`][gpnn.site.charts.chart].
    caption : str, optional
        Visible caption, escaped unless it is `Markup`, as for [`chart`][gpnn.site.charts.chart].
    alt : str, optional
        Alternative text; by default a description of the chart.
    loss_points : int, default 400
        About how many epochs to draw the loss curve at.

    Returns
    -------
    HTML
        The figure, from [`chart`][gpnn.site.charts.chart].

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
