"""Benchmarks of training and of the site build. Run: python benchmarks/bench.py [--rounds N].

Measures, each as the median of several runs on this machine:

* one training run of the reference experiment: the readable autograd loop (``GradientDescent``,
  the reference procedure's loop) on torch's default threads and on one thread, against
  ``FastGradientDescent``, interleaved round by round so that load on the machine hits all alike;
* a seed sweep, serial against parallel processes;
* a cold site build (empty caches), a warm rebuild with nothing changed, and the time for
  ``mkdocs serve --dirty`` to show a prose-only edit of a Markdown page.

Writes ``benchmarks/results.json`` and prints a table. Speed targets are checked here, never in
the unit tests, where a busy machine would make them flaky.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import torch

import gpnn
from gpnn._threads import single_thread
from gpnn.fast_training import FastGradientDescent
from gpnn.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"fast_speedup": 1.7, "cold_build_s": 120.0, "warm_build_s": 10.0, "prose_edit_s": 3.0}


def _problem():
    config = gpnn.ExperimentConfig()
    draw = gpnn.sample_gp(config.x(), config.eta, config.rho, config.sigma, seed=config.data_seed)
    x = torch.tensor(gpnn.standardize(config.x())[:, None], dtype=torch.float32)
    return config, x, torch.tensor(draw.y[:, None])


def _train_seconds(trainer, threads: int | None) -> tuple[float, list[float]]:
    config, x, y = _problem()
    opt = trainer(x, y, gpnn.init_params(1, config.hidden_sizes, seed=config.init_seed), config.learning_rate)
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    opt.train(config.n_epochs)
    seconds = time.perf_counter() - start
    torch.set_num_threads(previous)
    return seconds, opt.loss_history


def bench_trainers(rounds: int) -> dict:
    times: dict[str, list[float]] = {"autograd_default_threads": [], "autograd_1_thread": [], "fast": []}
    histories = {}
    for _ in range(rounds):
        for name, trainer, threads in (
            ("autograd_default_threads", gpnn.GradientDescent, None),
            ("autograd_1_thread", gpnn.GradientDescent, 1),
            ("fast", FastGradientDescent, None),
        ):
            seconds, history = _train_seconds(trainer, threads)
            times[name].append(seconds)
            histories[name] = history
    medians = {name: statistics.median(values) for name, values in times.items()}
    epochs = gpnn.ExperimentConfig().n_epochs
    return {
        "rounds": rounds,
        "median_s": medians,
        "ms_per_epoch": {name: 1000 * s / epochs for name, s in medians.items()},
        "fast_speedup": medians["autograd_default_threads"] / medians["fast"],
        "fast_speedup_vs_1_thread": medians["autograd_1_thread"] / medians["fast"],
        "identical_loss_history": histories["fast"]
        == histories["autograd_1_thread"]
        == histories["autograd_default_threads"],
        "default_threads": torch.get_num_threads(),
    }


def bench_sweep(n_seeds: int, rounds: int) -> dict:
    configs = [gpnn.ExperimentConfig(init_seed=seed) for seed in range(n_seeds)]
    os.environ["GPNN_NO_CACHE"] = "1"  # time the runs, not the store
    try:
        serial, parallel = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            run_sweep(configs, processes=1)
            serial.append(time.perf_counter() - start)
            start = time.perf_counter()
            run_sweep(configs)
            parallel.append(time.perf_counter() - start)
    finally:
        del os.environ["GPNN_NO_CACHE"]
    s, p = statistics.median(serial), statistics.median(parallel)
    return {"seeds": n_seeds, "processes": os.cpu_count(), "serial_s": s, "parallel_s": p, "speedup": s / p}


def _project_copy(folder: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs")
    (project / "gpnn").symlink_to(ROOT / "gpnn")
    return project


def _build(project: Path, cache: Path) -> tuple[float, str]:
    env = {**os.environ, "GPNN_CACHE_ROOT": str(cache)}
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(project / "site")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, completed.stderr


def bench_builds(rounds: int) -> dict:
    cold, warm, executed_warm = [], [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            project = _project_copy(Path(tmp))
            cache = Path(tmp) / "cache"
            seconds, _ = _build(project, cache)
            cold.append(seconds)
            seconds, log = _build(project, cache)
            warm.append(seconds)
            executed_warm.append("Notebook pages executed this build: none" in log)
    return {
        "cold_build_s": statistics.median(cold),
        "warm_build_s": statistics.median(warm),
        "warm_build_executed_nothing": all(executed_warm),
        "runs": rounds,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def bench_prose_edit(rounds: int) -> dict:
    latencies = []
    with tempfile.TemporaryDirectory() as tmp:
        project = _project_copy(Path(tmp))
        cache = Path(tmp) / "cache"
        _build(project, cache)  # warm the caches as an author's first build would
        port = _free_port()
        log_path = Path(tmp) / "serve.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],
                cwd=project,
                env={**os.environ, "GPNN_CACHE_ROOT": str(cache)},
                stdout=log,
                stderr=log,
            )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.time() + 300
            while "gpnn-provenance" not in _fetch(url):
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("mkdocs serve did not come up:\n" + log_path.read_text()[-3000:])
                time.sleep(0.2)
            page = project / "docs" / "index.md"
            original = page.read_text()
            for round_ in range(rounds):
                token = f"edit-marker-{round_}-{time.time_ns()}"
                page.write_text(original.replace("## Reading order", f"A new sentence, {token}.\n\n## Reading order"))
                start = time.perf_counter()
                while token not in _fetch(url):
                    if time.perf_counter() - start > 120:
                        raise RuntimeError("edit never appeared:\n" + log_path.read_text()[-3000:])
                    time.sleep(0.05)
                latencies.append(time.perf_counter() - start)
                time.sleep(1.0)
        finally:
            server.terminate()
            server.wait(timeout=30)
        log_text = log_path.read_text()
    rebuilds = log_text.count("Notebook pages executed this build")
    return {
        "prose_edit_s": statistics.median(latencies),
        "all_s": latencies,
        "notebooks_executed_during_edits": rebuilds - log_text.count("Notebook pages executed this build: none"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per measurement (median taken)")
    parser.add_argument("--seeds", type=int, default=6, help="experiments in the sweep")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    results = {
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with single_thread():
        pass  # import side effects settled before timing
    results["trainers"] = bench_trainers(args.rounds)
    results["sweep"] = bench_sweep(args.seeds, args.rounds)
    results["builds"] = bench_builds(args.rounds)
    results["serve"] = bench_prose_edit(args.rounds)
    checks = {
        "fast_speedup": results["trainers"]["fast_speedup"] >= TARGETS["fast_speedup"],
        "cold_build_s": results["builds"]["cold_build_s"] < TARGETS["cold_build_s"],
        "warm_build_s": results["builds"]["warm_build_s"] < TARGETS["warm_build_s"],
        "prose_edit_s": results["serve"]["prose_edit_s"] < TARGETS["prose_edit_s"],
    }
    results["targets"] = {name: {"target": TARGETS[name], "met": met} for name, met in checks.items()}
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    t, s, b, v = results["trainers"], results["sweep"], results["builds"], results["serve"]
    rows = [
        ("training, autograd loop, default threads", f"{t['median_s']['autograd_default_threads']:.2f} s"),
        ("training, autograd loop, 1 thread", f"{t['median_s']['autograd_1_thread']:.2f} s"),
        ("training, fast exact trainer", f"{t['median_s']['fast']:.2f} s"),
        ("fast speed-up (target >= 1.7)", f"{t['fast_speedup']:.2f}x"),
        ("identical loss histories", str(t["identical_loss_history"])),
        (f"sweep of {s['seeds']} runs, serial", f"{s['serial_s']:.2f} s"),
        (f"sweep of {s['seeds']} runs, {s['processes']} processes", f"{s['parallel_s']:.2f} s ({s['speedup']:.2f}x)"),
        ("cold site build (target < 120 s)", f"{b['cold_build_s']:.1f} s"),
        ("warm rebuild, nothing changed (target < 10 s)", f"{b['warm_build_s']:.1f} s"),
        ("warm rebuild executed nothing", str(b["warm_build_executed_nothing"])),
        ("prose edit shown by serve (target < 3 s)", f"{v['prose_edit_s']:.2f} s"),
        ("notebooks executed during prose edits", str(v["notebooks_executed_during_edits"])),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{results['when']} on {results['machine']['processor']}, {results['machine']['cores']} cores")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
