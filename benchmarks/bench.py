"""Benchmarks of training and of the site build. Run: python benchmarks/bench.py [--rounds N].

Measures, each as the median of several runs on this machine:

* one training run of the reference experiment: the readable autograd loop (``GradientDescent``,
  the reference procedure's loop) on torch's default threads and on one thread, against
  ``FastGradientDescent``, interleaved round by round so that load on the machine hits all alike;
* a seed sweep, serial against parallel processes;
* a cold site build (empty caches): its wall time, and how busy it kept the cores: the CPU time
  of the build and every process it started, divided by the number of cores, over the wall time
  (1 means every core was busy from start to end);
* a warm rebuild with nothing changed, and a rebuild after a code edit of one notebook page;
* the time for ``mkdocs serve --dirty`` to show a prose-only edit of a Markdown page and of a
  notebook page, and whether any notebook was executed for them.

Writes ``benchmarks/results.json`` and prints a table. Speed targets are checked here, never in
the unit tests, where a busy machine would make them flaky. ``--readme`` rewrites the table in
``README.md`` from ``results.json`` and ``before.json`` (the same benchmark before the caching
and scheduling work, on the same machine); ``--readme-only`` does that without measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
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
from gpnn.fast_training import FastGradientDescent
from gpnn.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
README_START = "<!-- benchmark table: written by benchmarks/bench.py --readme -->"
README_END = "<!-- end of benchmark table -->"
TARGETS = {
    "fast_speedup": (1.7, ">="),
    "cold_build_s": (180.0, "<"),
    "cold_busy_ratio": (0.8, ">="),
    "warm_build_s": (3.0, "<"),
    "notebook_prose_edit_s": (2.0, "<"),
    "markdown_prose_edit_s": (3.0, "<"),
    "cluster_ratio": (1.1, "<="),
}


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
    serial, parallel = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        run_sweep(configs, processes=1)
        serial.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_sweep(configs)
        parallel.append(time.perf_counter() - start)
    s, p = statistics.median(serial), statistics.median(parallel)
    return {"seeds": n_seeds, "processes": os.cpu_count(), "serial_s": s, "parallel_s": p, "speedup": s / p}


def _project_copy(folder: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    # A copy of the package, imported first (PYTHONPATH), so that edits to it leave the repository alone.
    shutil.copytree(ROOT / "gpnn", project / "gpnn", ignore=shutil.ignore_patterns("__pycache__"))
    return project


def _build(project: Path, cache: Path) -> dict:
    """One ``mkdocs build``: wall time, CPU time of it and every process it waited for, and its log."""
    env = {**os.environ, "GPNN_CACHE_ROOT": str(cache), "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(project / "site")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode:
        raise RuntimeError("build failed:\n" + completed.stderr[-3000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    executed = re.search(r"Notebook pages executed this build: (.*)", completed.stderr)
    times = project / "site" / "computation-times" / "index.html"
    budget = re.search(r"<strong>([\d.]+)</strong> of ([\d.]+)</td>", times.read_text()) if times.exists() else None
    runs = re.search(r"Training runs: (\d+) computed \((\d+) s of run time", completed.stderr)
    epochs = re.search(r"; ([\d,]+) epochs trained, ([\d,]+) continued", completed.stderr)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "busy_ratio": cpu / (os.cpu_count() or 1) / wall,
        "executed": executed.group(1).strip() if executed else "?",
        "training_runs": int(runs.group(1)) if runs else 0,
        "run_seconds": int(runs.group(2)) if runs else 0,
        "epochs_trained": int(epochs.group(1).replace(",", "")) if epochs else 0,
        "epochs_continued": int(epochs.group(2).replace(",", "")) if epochs else 0,
        "budget_used": float(budget.group(1)) if budget else None,
        "budget": float(budget.group(2)) if budget else None,
        "page_seconds": {
            page: float(seconds) for page, seconds in re.findall(r"Executed (\S+) in ([\d.]+) s", completed.stderr)
        },
    }


def bench_builds(folder: Path, rounds: int, cold_rounds: int) -> tuple[dict, Path, Path]:
    """Cold builds, each in a fresh copy, each followed by one on a local Dask cluster; then warm
    and code-edit rebuilds of the last pool build's copy.

    Returns the measurements and the last project and cache, warm, for :func:`bench_serve`.
    """
    cold, cluster = [], []
    for index in range(cold_rounds):
        root = folder / f"cold-{index}"
        root.mkdir()
        project, cache = _project_copy(root), root / "cache"
        cold.append(_build(project, cache))
        cluster.append(bench_cluster(folder / f"cluster-{index}"))
    warm, edits = [], []
    for index in range(rounds):
        warm.append(_build(project, cache))
        # A code edit of one notebook page: that page executes, its training runs come from the store.
        page = project / "docs" / "training.py"
        page.write_text(
            page.read_text().replace("draw = gpnn.sample_gp(", f"draw = gpnn.sample_gp(  # edit {index}\n    ", 1)
        )
        edits.append(_build(project, cache))
    # Edits of the package: a docstring, a comment, and the code of one module (gpnn.ensemble,
    # which only the uncertainty page imports). Each builds once, on the warm cache.
    package = []
    for name, path, old, new in (
        ("docstring", "network.py", '"""', '"""Edited. '),
        ("comment", "posterior.py", "\nimport ", "\n# An edited comment.\nimport "),
        ("code", "ensemble.py", "\ndef summary(", "\nEDITED = 1\n\n\ndef summary("),
    ):
        module = project / "gpnn" / path
        module.write_text(module.read_text().replace(old, new, 1))
        package.append((name, _build(project, cache)))
    median = statistics.median
    cluster_s = median(b["wall_s"] for b in cluster)
    return (
        {
            "package_edits": {
                name: {"build_s": b["wall_s"], "executed": b["executed"], "training_runs": b["training_runs"]}
                for name, b in package
            },
            "cold": cold,
            "cold_build_s": median(b["wall_s"] for b in cold),
            "cluster": {
                "cold": cluster,
                "cold_build_s": cluster_s,
                "ratio_to_pool": cluster_s / median(b["wall_s"] for b in cold),
            },
            "cold_busy_ratio": median(b["busy_ratio"] for b in cold),
            "warm_build_s": median(b["wall_s"] for b in warm),
            "warm_executed": sorted({b["executed"] for b in warm}),
            "code_edit_build_s": median(b["wall_s"] for b in edits),
            "code_edit_executed": sorted({b["executed"] for b in edits}),
            "code_edit_training_runs": max(b["training_runs"] for b in edits),
            "rounds": rounds,
        },
        project,
        cache,
    )


def bench_cluster(root: Path) -> dict:
    """A cold build whose runs go to a local Dask cluster of 2 single-threaded worker processes.

    The scheduler and workers are started from the shell (`dask scheduler`, `dask worker`), in a
    folder of their own; :func:`bench_builds` runs it right after a cold build on the built-in
    pool, so that both meet the same load on the machine.
    """
    root.mkdir()
    project, cache = _project_copy(root), root / "cache"
    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": root}
    processes = [
        subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet)
    ]
    time.sleep(4)
    processes += [
        subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet) for _ in range(2)
    ]
    time.sleep(8)
    try:
        os.environ["GPNN_SCHEDULER"] = address
        cold = _build(project, cache)
    finally:
        os.environ.pop("GPNN_SCHEDULER", None)
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    return cold


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


def bench_serve(project: Path, cache: Path, rounds: int) -> dict:
    """Latency of ``mkdocs serve --dirty`` for prose edits of a Markdown page and of a notebook page.

    ``project`` and ``cache`` are warm, as after an author's first build.
    """
    port = _free_port()
    log_path = project.parent / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],
            cwd=project,
            env={**os.environ, "GPNN_CACHE_ROOT": str(cache), "NO_MKDOCS_2_WARNING": "1"},
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 600
        while "gpnn-provenance" not in _fetch(url):
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("mkdocs serve did not come up:\n" + log_path.read_text()[-3000:])
            time.sleep(0.2)
        with urllib.request.urlopen(url, timeout=10) as response:
            base = response.geturl()  # where serve mounts the site: the path of site_url
        latencies: dict[str, list[float]] = {"markdown": [], "notebook": []}
        edits = {
            "markdown": (project / "docs" / "index.md", "## Reading order", base),
            "notebook": (project / "docs" / "training.py", "# ## The loss curve", base + "training/"),
        }
        for round_ in range(rounds):
            for kind, (page, anchor, address) in edits.items():
                original = page.read_text()
                token = f"edit-marker-{kind}-{round_}-{time.time_ns()}"
                prefix = "# " if kind == "notebook" else ""
                page.write_text(original.replace(anchor, f"{prefix}A new sentence, {token}.\n{prefix}\n{anchor}", 1))
                start = time.perf_counter()
                while token not in _fetch(address):
                    if time.perf_counter() - start > 300:
                        raise RuntimeError("edit never appeared:\n" + log_path.read_text()[-3000:])
                    time.sleep(0.05)
                latencies[kind].append(time.perf_counter() - start)
                time.sleep(1.0)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log_text = log_path.read_text()
    executed = re.findall(r"Notebook pages executed this build: (.*)", log_text)
    return {
        "markdown_prose_edit_s": statistics.median(latencies["markdown"]),
        "notebook_prose_edit_s": statistics.median(latencies["notebook"]),
        "all_s": latencies,
        "notebooks_executed_during_edits": [line for line in executed[1:] if line.strip() != "none"],
    }


def _met(name: str, value: float) -> bool:
    target, sense = TARGETS[name]
    return {">=": value >= target, "<=": value <= target, "<": value < target}[sense]


def _commit() -> str:
    completed = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return completed.stdout.strip() or "unknown"


def readme_table(now: dict, before: dict) -> str:
    """The README's before-and-after table (Markdown) from two results files."""
    tn, tb = now["trainers"]["median_s"], before["trainers"]["median_s"]
    bn, bb, sn = now["builds"], before["builds"], now["serve"]
    cold = bn["cold"][-1]
    hand = before.get("by_hand", {})
    low, high = hand.get("notebook_prose_edit_s", [float("nan")] * 2)

    def verdict(name: str, unit: str = "") -> str:
        target = now["targets"][name]  # the target as it was when measured, such as "< 180.0"
        sense, value = target["target"].split()
        return f"{sense.replace('>=', '≥')} {float(value):g}{unit} ({'met' if target['met'] else 'not met'})"

    rows = [
        (
            "one training run, autograd loop on 1 thread (the machine's speed)",
            f"{tb['autograd_1_thread']:.2f} s",
            f"{tn['autograd_1_thread']:.2f} s",
            "",
        ),
        ("one training run, fast exact trainer", f"{tb['fast']:.2f} s", f"{tn['fast']:.2f} s", ""),
        (
            "fast trainer against the autograd loop on default threads",
            f"{before['trainers']['fast_speedup']:.2f}x",
            f"{now['trainers']['fast_speedup']:.2f}x",
            verdict("fast_speedup"),
        ),
        (
            "cold build of the whole site",
            f"{bb['cold_build_s']:.1f} s (a smaller site)",
            f"{bn['cold_build_s']:.1f} s ({cold['training_runs']} training runs, {cold['run_seconds']} s of run time)",
            verdict("cold_build_s", " s"),
        ),
        (
            "cold build: CPU time over cores over wall time",
            "not measured",
            f"{bn['cold_busy_ratio']:.2f}",
            verdict("cold_busy_ratio"),
        ),
        (
            "cold build: epochs trained",
            f"{cold['epochs_trained'] + cold['epochs_continued']:,} (every run from its first epoch)",
            f"{cold['epochs_trained']:,}, and {cold['epochs_continued']:,} continued from shorter runs of the build",
            "no epoch trained twice",
        ),
        (
            "cold build: training budget used (deep-run equivalents)",
            "no budget",
            f"{cold['budget_used']:g} of {cold['budget']:g}" if cold.get("budget") else "not measured",
            "within the budget",
        ),
        (
            "cold build with the runs on a local Dask cluster of 2 workers",
            "not possible",
            f"{bn['cluster']['cold_build_s']:.1f} s against {bn['cold_build_s']:.1f} s on the built-in pool, "
            f"{bn['cluster']['ratio_to_pool']:.2f}x",
            verdict("cluster_ratio", "x"),
        ),
        (
            "warm rebuild, nothing changed",
            f"{bb['warm_build_s']:.2f} s",
            f"{bn['warm_build_s']:.2f} s, nothing executed",
            verdict("warm_build_s", " s"),
        ),
        (
            "rebuild after a code edit of the training page",
            hand.get("code_edit_executed", "not measured"),
            f"{bn['code_edit_build_s']:.1f} s, {', '.join(bn['code_edit_executed'])} alone, "
            f"{bn['code_edit_training_runs']} training runs",
            "only that page",
        ),
        *(
            (
                f"rebuild after a {name} edit of {where}",
                "every notebook page executed",
                f"{edit['build_s']:.1f} s, executed {edit['executed']}",
                goal,
            )
            for (name, edit), where, goal in zip(
                bn.get("package_edits", {}).items(),
                ("`gpnn/network.py`", "`gpnn/posterior.py`", "`gpnn/ensemble.py`"),
                ("no page", "no page", "only the pages importing it"),
                strict=False,
            )
        ),
        (
            "prose edit of a notebook page under `mkdocs serve --dirty`",
            f"{low:.1f} to {high:.1f} s, page re-executed (by hand)",
            f"{sn['notebook_prose_edit_s']:.2f} s, {len(sn['notebooks_executed_during_edits'])} pages executed",
            verdict("notebook_prose_edit_s", " s"),
        ),
        (
            "prose edit of a Markdown page under `mkdocs serve --dirty`",
            f"{before['serve']['prose_edit_s']:.2f} s",
            f"{sn['markdown_prose_edit_s']:.2f} s",
            verdict("markdown_prose_edit_s", " s"),
        ),
    ]
    machine = now["machine"]
    lines = [
        f"Medians of {bn['rounds']} rounds ({len(bn['cold'])} for the cold build) on one {machine['processor']} "
        f"machine with {machine['cores']} cores, Python {machine['python']}, torch {machine['torch']}: "
        f"before at {before['commit']} ({before['when']}), now at {now['commit']} ({now['when']}). "
        "The machine is shared, so the first row gives its speed on each day.",
        "",
        f"| measurement | before ({before['commit']}) | now ({now['commit']}) | target |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
    ]
    return "\n".join(lines)


def write_readme(table: str, readme: Path = ROOT / "README.md") -> None:
    """Replace the text between the benchmark table's markers in ``readme``."""
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: markers {README_START!r} and {README_END!r} not found")
    readme.write_text(text[: start + len(README_START)] + "\n" + table + "\n" + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per measurement (median taken)")
    parser.add_argument("--cold-rounds", type=int, default=1, help="cold builds (each takes minutes)")
    parser.add_argument("--seeds", type=int, default=6, help="experiments in the sweep")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--before", type=Path, default=ROOT / "benchmarks" / "before.json")
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's table after measuring")
    parser.add_argument("--readme-only", action="store_true", help="rewrite README.md's table from --out")
    args = parser.parse_args()
    if args.readme_only:
        write_readme(readme_table(json.loads(args.out.read_text()), json.loads(args.before.read_text())))
        return
    results = {
        "commit": _commit(),
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpu": gpnn.provenance.cpu_fingerprint(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    partial = args.out.with_suffix(".partial.json")  # what is measured so far, should a later stage fail
    results["trainers"] = bench_trainers(args.rounds)
    results["sweep"] = bench_sweep(args.seeds, args.rounds)
    partial.write_text(json.dumps(results, indent=2) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        results["builds"], project, cache = bench_builds(Path(tmp), args.rounds, args.cold_rounds)
        partial.write_text(json.dumps(results, indent=2) + "\n")
        results["serve"] = bench_serve(project, cache, args.rounds)
    partial.unlink()
    t, s, b, v = results["trainers"], results["sweep"], results["builds"], results["serve"]
    values = {
        "fast_speedup": t["fast_speedup"],
        "cold_build_s": b["cold_build_s"],
        "cold_busy_ratio": b["cold_busy_ratio"],
        "warm_build_s": b["warm_build_s"],
        "notebook_prose_edit_s": v["notebook_prose_edit_s"],
        "markdown_prose_edit_s": v["markdown_prose_edit_s"],
        "cluster_ratio": b["cluster"]["ratio_to_pool"],
    }
    results["targets"] = {
        name: {"target": f"{TARGETS[name][1]} {TARGETS[name][0]}", "value": value, "met": _met(name, value)}
        for name, value in values.items()
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("training, autograd loop, default threads", f"{t['median_s']['autograd_default_threads']:.2f} s"),
        ("training, autograd loop, 1 thread", f"{t['median_s']['autograd_1_thread']:.2f} s"),
        ("training, fast exact trainer", f"{t['median_s']['fast']:.2f} s"),
        ("fast speed-up (target >= 1.7)", f"{t['fast_speedup']:.2f}x"),
        ("identical loss histories", str(t["identical_loss_history"])),
        (f"sweep of {s['seeds']} runs, serial", f"{s['serial_s']:.2f} s"),
        (f"sweep of {s['seeds']} runs, {s['processes']} processes", f"{s['parallel_s']:.2f} s ({s['speedup']:.2f}x)"),
        ("cold site build (target < 180 s)", f"{b['cold_build_s']:.1f} s"),
        ("cold build: CPU / cores / wall (target >= 0.8)", f"{b['cold_busy_ratio']:.2f}"),
        (
            "cold build: training runs",
            f"{b['cold'][-1]['training_runs']} runs, {b['cold'][-1]['run_seconds']} s of run time",
        ),
        (
            "cold build: epochs trained / continued from the store",
            f"{b['cold'][-1]['epochs_trained']:,} / {b['cold'][-1]['epochs_continued']:,}",
        ),
        (
            "cold build on a local Dask cluster of 2 workers (target <= 1.1 x pool)",
            f"{b['cluster']['cold_build_s']:.1f} s ({b['cluster']['ratio_to_pool']:.2f} x pool)",
        ),
        ("warm rebuild, nothing changed (target < 3 s)", f"{b['warm_build_s']:.2f} s, executed {b['warm_executed']}"),
        (
            "code edit of training.py",
            f"{b['code_edit_build_s']:.1f} s, executed {b['code_edit_executed']}, "
            f"{b['code_edit_training_runs']} training runs",
        ),
        *(
            (f"{name} edit of the package", f"{edit['build_s']:.1f} s, executed {edit['executed']}")
            for name, edit in b["package_edits"].items()
        ),
        ("prose edit of a notebook page, serve (target < 2 s)", f"{v['notebook_prose_edit_s']:.2f} s"),
        ("prose edit of a Markdown page, serve (target < 3 s)", f"{v['markdown_prose_edit_s']:.2f} s"),
        ("notebooks executed during prose edits", str(v["notebooks_executed_during_edits"] or "none")),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{results['when']} on {results['machine']['processor']}, {results['machine']['cores']} cores")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"wrote {args.out}")
    if args.readme:
        write_readme(readme_table(results, json.loads(args.before.read_text())))
        print("rewrote README.md's benchmark table")


if __name__ == "__main__":
    main()
