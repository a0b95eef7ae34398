"""The measured time of each kind of training run the site asks for, and the coefficients of `gpnn.site.costs`.

Run from the project's root: `PYTHONPATH=$PWD .venv/bin/python benchmarks/costs.py [--repeats N]`.

The kinds are the site's runs (read from the pages' configs): the recipe's network for 8,000
epochs (the unit, one "deep-run equivalent") and for 16,000; the recipe's network on fewer
training points (every fourth held out, as the advice page does); the shallow and narrow
networks of the advice and fiddling pages; and the recipe's network trained by the NumPy trainer,
by `torch.optim.SGD` and by `torch.optim.Adam` (the backpropagation and established pages).
Each is run for `--scale` times its epochs (a quarter by default: more repeats in the same time
on a shared machine), and the recipe's run for none, which times the part of a run besides its
epochs (simulating the data, setting up the trainer). Each run goes through
`gpnn.sweep.run_one`, as the store's workers run it, on one torch thread. Every repeat times
every kind once, in turn, so that load on the machine hits all alike; a kind's time is its
median over the repeats.

From the medians it fits the per-run and per-epoch coefficients of `gpnn.site.costs` (printed as
the constants to paste there), and writes everything to `benchmarks/costs.json`.

`--epoch-parts` instead breaks one epoch of `torch.optim.Adam` and of `torch.optim.SGD` into its
parts (the module's forward pass, the loss, the backward pass, the optimiser's step, the
gradients' reset, the finiteness check), against the whole epoch of the fast trainer and of the
readable autograd trainer, and checks whether Adam with `foreach=True` gives the same numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import gpnn
from gpnn._threads import single_thread
from gpnn.network import layer_sizes
from gpnn.provenance import blas_threads
from gpnn.sweep import run_one

ROOT = Path(__file__).resolve().parents[1]
RECIPE = gpnn.ExperimentConfig()
ADAM_LR = 1e-3  # the established page's Adam learning rate

KINDS = {
    "deep": RECIPE,
    "deep, 16000 epochs": dataclasses.replace(RECIPE, n_epochs=16000, record_every=200),
    "deep, 150 points": dataclasses.replace(RECIPE, holdout_every=4),
    "64-64": dataclasses.replace(RECIPE, hidden_sizes=(64, 64)),
    "256": dataclasses.replace(RECIPE, hidden_sizes=(256,)),
    "64": dataclasses.replace(RECIPE, hidden_sizes=(64,)),
    "32": dataclasses.replace(RECIPE, hidden_sizes=(32,)),
    "numpy": dataclasses.replace(RECIPE, implementation="numpy"),
    "torch-sgd": dataclasses.replace(RECIPE, implementation="torch-sgd"),
    "torch-adam": dataclasses.replace(RECIPE, implementation="torch-adam", learning_rate=ADAM_LR),
}
"""Each kind of run, named, by its settings."""

SHAPES = ("deep", "deep, 150 points", "64-64", "256", "64", "32")
"""The from-scratch kinds of 8,000 epochs whose per-epoch times the per-layer and per-product terms are fitted to."""


def features(config: gpnn.ExperimentConfig) -> tuple[float, float, float]:
    """The terms of an epoch's time: a constant, the number of layers, and the multiply-adds of the products."""
    sizes = layer_sizes(1, config.hidden_sizes)
    n_train = int(config.train_mask().sum())
    multiplies = n_train * sum(a * b for a, b in itertools.pairwise(sizes))  # rows times weights
    return 1.0, float(len(sizes) - 1), float(multiplies)


def timed(scale: float) -> dict[str, gpnn.ExperimentConfig]:
    """The kinds with `scale` times their epochs, and the recipe's run with none (a run's part besides its epochs)."""
    runs = {
        name: dataclasses.replace(config, n_epochs=round(scale * config.n_epochs)) for name, config in KINDS.items()
    }
    return {"deep, 0 epochs": dataclasses.replace(RECIPE, n_epochs=0), **runs}


def time_kinds(repeats: int, scale: float) -> dict[str, list[float]]:
    """Wall seconds of each run of `timed(scale)` through `run_one`, `repeats` times, interleaved."""
    blas = blas_threads()
    run_one(dataclasses.replace(KINDS["torch-adam"], n_epochs=10), blas=blas)  # imports torch.optim once
    runs = timed(scale)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for repeat in range(repeats):
        for name, config in runs.items():
            start = time.perf_counter()
            run_one(config, blas=blas)
            seconds[name].append(time.perf_counter() - start)
        print(
            f"repeat {repeat + 1}/{repeats}: " + ", ".join(f"{n} {s[-1]:.2f}" for n, s in seconds.items()), flush=True
        )
    return seconds


def fit(medians: dict[str, float], scale: float) -> dict[str, object]:
    """The coefficients of `gpnn.site.costs` from the median seconds of the runs of `timed(scale)`."""
    runs = timed(scale)
    per_run = medians["deep, 0 epochs"]
    per_epoch = {name: (medians[name] - per_run) / runs[name].n_epochs for name in KINDS}
    design = np.array([features(KINDS[name]) for name in SHAPES])  # (kinds, 3)
    target = np.array([per_epoch[name] for name in SHAPES])  # (kinds,)
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    predicted = design @ coefficients
    factors = {
        implementation: per_epoch[implementation] / per_epoch["deep"]
        for implementation in ("numpy", "torch-sgd", "torch-adam")
    }
    full = {name: per_run + KINDS[name].n_epochs * per_epoch[name] for name in KINDS}  # seconds at full length
    return {
        "run_seconds": per_run,
        "epoch_seconds": dict(zip(("constant", "per_layer", "per_multiply"), coefficients.tolist(), strict=True)),
        "implementation_factors": {"scratch": 1.0, **factors},
        "per_epoch_seconds": per_epoch,
        "fit_relative_errors": {name: float(p / t - 1) for name, p, t in zip(SHAPES, predicted, target, strict=True)},
        "full_run_seconds": full,
        "deep_run_equivalents": {name: value / full["deep"] for name, value in full.items()},
        "long_to_deep_per_epoch": per_epoch["deep, 16000 epochs"] / per_epoch["deep"],
    }


def epoch_parts(epochs: int, repeats: int) -> dict[str, object]:
    """Seconds per epoch of each part of `ModuleTrainer`'s epoch, for SGD and Adam, against the other trainers."""
    from gpnn.established import ModuleTrainer
    from gpnn.experiment import _trainer
    from gpnn.loss import _rmse
    from gpnn.network import init_params
    from gpnn.simulate import sample_gp
    from gpnn.training import _all_finite

    config = RECIPE
    draw = sample_gp(config.x(), config.eta, config.rho, config.sigma, seed=config.data_seed)
    x = config.x()
    inputs = torch.tensor(((x - x.mean()) / x.std())[:, None], dtype=torch.float32)  # (n, 1)
    targets = torch.tensor(draw.y[:, None])  # (n, 1), float64

    def whole(trainer: str) -> float:
        params = init_params(1, config.hidden_sizes, seed=config.init_seed)
        optimizer = _trainer(config, trainer, inputs, targets, params)
        start = time.perf_counter()
        optimizer.train(epochs)
        return (time.perf_counter() - start) / epochs

    def parts(name: str, lr: float, foreach: bool | None = None) -> tuple[dict[str, float], list[float]]:
        trainer = ModuleTrainer(inputs, targets, init_params(1, config.hidden_sizes, seed=config.init_seed), lr, name)  # type: ignore[arg-type]
        if foreach is not None:
            kind = torch.optim.Adam if name == "adam" else torch.optim.SGD
            trainer.optimizer = kind(trainer.model.parameters(), lr=lr, foreach=foreach)
        # The finiteness check as the trainer made it before listing its tensors once.
        clock = dict.fromkeys(("forward", "loss", "backward", "step", "zero_grad", "finite check"), 0.0)
        losses = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            trainer.optimizer.zero_grad()
            t1 = time.perf_counter()
            y_hat = trainer.model(trainer.x)  # (n, 1)
            t2 = time.perf_counter()
            loss = _rmse(trainer.y, y_hat)
            value = loss.item()
            t3 = time.perf_counter()
            loss.backward()
            t4 = time.perf_counter()
            trainer.optimizer.step()
            t5 = time.perf_counter()
            _all_finite(trainer.model.parameters())
            t6 = time.perf_counter()
            losses.append(value)
            for key, seconds in zip(clock, (t2 - t1, t3 - t2, t4 - t3, t5 - t4, t1 - t0, t6 - t5), strict=True):
                clock[key] += seconds
        return {key: seconds / epochs for key, seconds in clock.items()}, losses

    results: dict[str, list[object]] = {}
    with single_thread():
        for _ in range(repeats):
            for label, call in (
                ("fast", lambda: whole("fast")),
                ("autograd", lambda: whole("autograd")),
                ("sgd, loop over tensors", lambda: parts("sgd", config.learning_rate, foreach=False)[0]),
                ("sgd, foreach", lambda: parts("sgd", config.learning_rate, foreach=True)[0]),
                ("adam, loop over tensors", lambda: parts("adam", ADAM_LR, foreach=False)[0]),
                ("adam, foreach", lambda: parts("adam", ADAM_LR, foreach=True)[0]),
            ):
                results.setdefault(label, []).append(call())
        same = parts("adam", ADAM_LR, foreach=False)[1] == parts("adam", ADAM_LR, foreach=True)[1]

    def median(values: list[object]) -> object:
        if isinstance(values[0], dict):
            return {key: statistics.median(v[key] for v in values) for key in values[0]}  # type: ignore[index]
        return statistics.median(values)  # type: ignore[type-var]

    summary = {label: median(values) for label, values in results.items()}
    summary["adam foreach equals adam, loss for loss"] = same
    summary["epochs"] = epochs
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="times each kind is run (default 15)")
    parser.add_argument("--scale", type=float, default=0.25, help="fraction of each kind's epochs run (default 0.25)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "costs.json")
    parser.add_argument("--epoch-parts", action="store_true", help="break one epoch of SGD and Adam into parts")
    args = parser.parse_args()
    torch.set_num_threads(1)
    machine = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "host": platform.node(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "load_average_before": os.getloadavg(),
    }
    if args.epoch_parts:
        summary = epoch_parts(2000, args.repeats)
        print(json.dumps(summary, indent=1))
        return
    seconds = time_kinds(args.repeats, args.scale)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    fitted = fit(medians, args.scale)
    machine["load_average_after"] = os.getloadavg()
    record = {"machine": machine, "repeats": args.repeats, "scale": args.scale, "seconds": seconds, "medians": medians}
    args.out.write_text(json.dumps({**record, "fit": fitted}, indent=1) + "\n")
    full, equivalents = fitted["full_run_seconds"], fitted["deep_run_equivalents"]
    print(f"\n{'kind':<22}{'median s':>10}{'full run s':>12}{'deep-run equivalents':>22}")
    for name in KINDS:
        print(f"{name:<22}{medians[name]:>10.3f}{full[name]:>12.2f}{equivalents[name]:>22.2f}")  # type: ignore[index]
    print(f"the part of a run besides its epochs: {medians['deep, 0 epochs']:.3f} s")
    print("\nFor gpnn/site/costs.py:")
    print(f"RUN_SECONDS = {fitted['run_seconds']:.4g}")
    print("EPOCH_SECONDS = {" + ", ".join(f'"{k}": {v:.4g}' for k, v in fitted["epoch_seconds"].items()) + "}")  # type: ignore[union-attr]
    print(
        "IMPLEMENTATION_FACTORS = {"
        + ", ".join(f'"{k}": {v:.3g}' for k, v in fitted["implementation_factors"].items())
        + "}"
    )  # type: ignore[union-attr]
    print("fit errors:", {k: f"{v:+.1%}" for k, v in fitted["fit_relative_errors"].items()})  # type: ignore[union-attr]
    ratio = fitted["long_to_deep_per_epoch"]
    print(f"an epoch of the 16000-epoch run against one of the 8000-epoch run: {ratio:.3f}")


if __name__ == "__main__":
    main()
