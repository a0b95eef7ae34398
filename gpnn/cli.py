"""Command line: ``python -m gpnn`` runs one experiment and reports it.

Every :class:`~gpnn.config.ExperimentConfig` field is an option; ``--out DIR`` writes the figures
(PNG) and ``results.json`` there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from matplotlib.axes import Axes

from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult, run_experiment
from gpnn.network import INIT_SCALES, count_parameters, layer_sizes

_HELP = {
    "eta": "marginal standard deviation of the latent GP",
    "rho": "length scale of the latent GP",
    "sigma": "standard deviation of the observation noise",
    "x_start": "first location",
    "x_stop": "locations stop before this value",
    "x_step": "spacing of the locations",
    "data_seed": "seed of the simulated data",
    "hidden_sizes": "comma-separated nodes per hidden layer",
    "learning_rate": "gradient-descent step size",
    "n_epochs": "number of full-batch gradient steps",
    "init_seed": "seed of the initial weights",
    "standardize_inputs": "z-score x before fitting (true or false)",
    "init_scale": "initial weight scale",
    "record_every": "also keep the predictions every this many epochs (0: only the last)",
}


def _boolean(text: str) -> bool:
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; option defaults are those of :class:`ExperimentConfig`."""
    parser = argparse.ArgumentParser(
        prog="python -m gpnn",
        description="Simulate data from a Gaussian process and fit a from-scratch ReLU network to it.",
    )
    defaults = ExperimentConfig()
    for field in dataclasses.fields(ExperimentConfig):
        default = getattr(defaults, field.name)
        kind: Any = {"hidden_sizes": _sizes, "standardize_inputs": _boolean}.get(field.name, type(default))
        shown = ",".join(map(str, default)) if field.name == "hidden_sizes" else default
        parser.add_argument(
            "--" + field.name.replace("_", "-"),
            dest=field.name,
            type=kind,
            default=default,
            choices=sorted(INIT_SCALES) if field.name == "init_scale" else None,
            metavar=None if field.name == "init_scale" else field.name.upper(),
            help=f"{_HELP[field.name]} (default: {shown})",
        )
    parser.add_argument("--out", type=Path, help="folder for the figures and results.json")
    parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    return parser


class ProgressBar:
    """A one-line text progress bar, redrawn about every percent."""

    def __init__(self, total: int, stream: IO[str], width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.every = max(1, total // 100)
        self.start = time.perf_counter()

    def __call__(self, epoch: int, loss: float) -> None:
        """Redraw the bar after ``epoch`` if it moved by a percent, or at the end."""
        if epoch % self.every and epoch != self.total:
            return
        done = epoch / self.total
        filled = int(self.width * done)
        elapsed = time.perf_counter() - self.start
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\rtraining [{bar}] {epoch}/{self.total}  loss {loss:.4f}  {elapsed:.1f}s")
        if epoch == self.total:
            self.stream.write("\n")
        self.stream.flush()


def summary_rows(result: ExperimentResult) -> list[tuple[str, str]]:
    """The rows of the closing table: what was fitted and how well."""
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


def write_outputs(result: ExperimentResult, out: Path) -> list[Path]:
    """Write ``results.json`` and the four figures into ``out``; return the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gpnn import plots

    out.mkdir(parents=True, exist_ok=True)
    written = []
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
    }
    path = out / "results.json"
    path.write_text(json.dumps(payload, indent=1))
    written.append(path)
    figures: dict[str, Callable[[Axes], Axes]] = {
        "data.png": lambda ax: plots.plot_data(ax, result.x, result.latent, result.y),
        "loss.png": lambda ax: plots.plot_loss(ax, result.loss_history, sigma=result.config.sigma),
        "fit.png": lambda ax: plots.plot_fit(ax, result.x, result.y, result.latent, result.predictions),
        "network.png": lambda ax: plots.plot_network(ax, layer_sizes(1, result.config.hidden_sizes)),
    }
    for name, draw in figures.items():
        fig, ax = plt.subplots(figsize=(7, 3.6))
        draw(ax)
        fig.tight_layout()
        fig.savefig(out / name, dpi=120)
        plt.close(fig)
        written.append(out / name)
    return written


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    out, no_progress = args.pop("out"), args.pop("no_progress")
    try:
        config = ExperimentConfig(**args)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    callback = None if no_progress or config.n_epochs == 0 else ProgressBar(config.n_epochs, stderr)
    result = run_experiment(config, callback=callback)
    rows = summary_rows(result)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        stdout.write(f"{name:<{width}}  {value}\n")
    if out is not None:
        for path in write_outputs(result, out):
            stdout.write(f"wrote {path}\n")
    return 0
