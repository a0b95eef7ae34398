"""What a run leaves behind: the closing table, and the figures and `results.json`, written all or nothing.

Each file is first written in full under a temporary name and then renamed, `results.json` last,
so a `results.json` in the output folder always belongs to a complete run whose figures are all in
place; a run interrupted while writing leaves no partial file.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from matplotlib.axes import Axes

from gpnn.experiment import ExperimentResult
from gpnn.network import count_parameters, layer_sizes
from gpnn.provenance import environment


def summary_rows(result: ExperimentResult) -> list[tuple[str, str]]:
    """The rows of the closing table: what was fitted and how well.

    Parameters
    ----------
    result : ExperimentResult
        The finished run.

    Returns
    -------
    list of (str, str)
        `(label, value)` pairs, values formatted for reading: the number of observations,
        the layer sizes, the number of parameters, epochs, learning rate, final RMSE against
        the data and against the latent function, the noise and the training time.
    """
    config = result.config
    sizes = layer_sizes(1, config.hidden_sizes)
    return [
        ("observations", str(result.x.size)),
        ("layer sizes", " -> ".join(map(str, sizes))),
        ("parameters", str(count_parameters(sizes))),
        ("epochs", str(config.n_epochs)),
        ("learning rate", repr(config.learning_rate)),
        ("final RMSE vs data", f"{result.final_rmse:.6f}"),
        ("RMSE vs latent GP", f"{result.rmse_to_latent:.6f}"),
        ("noise sigma", repr(config.sigma)),
        ("training time", f"{result.train_seconds:.2f} s"),
    ]


def provenance(date: datetime.datetime | None = None) -> dict[str, str]:
    """What the results depend on besides the settings, and when they were made.

    Parameters
    ----------
    date : datetime.datetime, optional
        Time of the run, timezone-aware; default now.

    Returns
    -------
    dict of str to str
        `date` (UTC, ISO 8601) and everything [`gpnn.provenance.environment`][] reports:
        the versions of gpnn, Python, torch, numpy and scipy, the machine, a fingerprint of the
        processor and the number of BLAS threads.
    """
    when = datetime.datetime.now(datetime.UTC) if date is None else date.astimezone(datetime.UTC)
    return {"date": when.isoformat(timespec="seconds"), **environment()}


def _strict_json(value: Any) -> Any:
    """`value` with NaN and infinities as None: JSON has no such numbers, and many readers reject them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(item) for item in value]
    return value


def write_outputs(result: ExperimentResult, out: Path, *, date: datetime.datetime | None = None) -> list[Path]:
    """Write the figures and `results.json` into `out`; return the paths written.

    Every file is rendered in full under a temporary name in `out` before any is renamed into
    place; an old `results.json` is removed before the first rename and the new one renamed
    last. An interruption or error therefore never leaves a truncated file, nor a
    `results.json` next to figures of another run; temporary files are removed.

    Parameters
    ----------
    result : ExperimentResult
        The finished run.
    out : pathlib.Path
        Folder, created if missing.
    date : datetime.datetime, optional
        Time of the run, for the provenance; default now.

    Returns
    -------
    list of pathlib.Path
        `results.json`, then the figures `data.png`, `loss.png`, `fit.png` and
        `network.png`; without a single epoch there is no loss or fit to draw, so no
        `loss.png` or `fit.png`.
    """
    from matplotlib.figure import Figure

    from gpnn import plots

    payload = {
        "config": result.config.to_dict(),
        "final_rmse": result.final_rmse,
        "rmse_to_latent": result.rmse_to_latent,
        "train_seconds": result.train_seconds,
        "loss_history": result.loss_history.tolist(),
        "x": result.x.tolist(),
        "latent": result.latent.tolist(),
        "y": result.y.tolist(),
        "predictions": result.predictions.tolist(),
        "provenance": provenance(date),
    }
    trained = result.loss_history.size > 0
    figures: dict[str, Callable[[Axes], Axes]] = {
        "data.png": lambda ax: plots.plot_data(ax, result.x, result.latent, result.y),
        **(
            {
                "loss.png": lambda ax: plots.plot_loss(ax, result.loss_history, sigma=result.config.sigma),
                "fit.png": lambda ax: plots.plot_fit(ax, result.x, result.y, result.latent, result.predictions),
            }
            if trained
            else {}
        ),
        "network.png": lambda ax: plots.plot_network(ax, layer_sizes(1, result.config.hidden_sizes)),
    }
    out.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}  # final path -> temporary path
    try:
        for name, draw in figures.items():
            # A Figure without pyplot: no global backend to set, nothing left open.
            fig = Figure(figsize=(7, 3.6))
            draw(fig.subplots())
            fig.tight_layout()
            staged[out / name] = _staged(out / name, functools.partial(fig.savefig, format="png", dpi=120))
        text = json.dumps(_strict_json(payload), indent=1, allow_nan=False)
        staged[out / "results.json"] = _staged(out / "results.json", lambda handle: handle.write(text.encode()))
        (out / "results.json").unlink(missing_ok=True)
        for final, temporary in staged.items():  # results.json was staged last, so is renamed last
            os.replace(temporary, final)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
    results = out / "results.json"
    return [results, *(path for path in staged if path != results)]


def _staged(path: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write a file next to `path` under a fresh hidden name, flushed to disk; return its path."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # Mode "x" refuses an existing file and, unlike mkstemp, keeps the usual permissions.
        with open(temporary, "xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _out_problem(out: Path) -> str | None:
    """Why files could not be written into `out`, checked before training so no run is wasted."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{str(existing)!r} exists and is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot create files in {str(existing)!r}: permission denied"
    return None
