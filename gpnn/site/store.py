"""A content-addressed store of experiment results, so one run feeds every page that quotes it.

An entry's key is a SHA-256 over everything the result depends on: the experiment's settings,
the source of every module of this package, and the versions of Python, torch, numpy, scipy and
matplotlib. Edit any ``gpnn`` file, or upgrade torch, and the key changes, so a stale result is
never found. Entries are written atomically and carry a checksum of their arrays; an entry that
is corrupt or partial is ignored and recomputed. Concurrent processes asking for the same key
wait for one another (a file lock) so the experiment runs once.

The store is off unless a folder is given or ``GPNN_CACHE_DIR`` names one; ``GPNN_NO_CACHE=1``
turns it off whatever else is set.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from gpnn.config import ExperimentConfig
from gpnn.experiment import ExperimentResult, run_experiment

_PACKAGE_DIR = Path(__file__).resolve().parent
#: Libraries whose versions are part of every key.
KEYED_LIBRARIES = ("torch", "numpy", "scipy", "matplotlib")
_FORMAT = 2


def source_digest(package_dir: Path = _PACKAGE_DIR) -> str:
    """SHA-256 of every ``.py`` file of the package, with its relative path, in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


#: Environment variables that change how BLAS libraries split their sums, hence results' last bits:
#: with OpenBLAS on one thread instead of two, even the simulated data differ.
_NUMERIC_ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "GOTO_", "KMP_")


def environment() -> dict[str, str]:
    """Versions of Python and of :data:`KEYED_LIBRARIES`, the processor, and BLAS thread settings.

    Everything here can change a result's last bits, which training amplifies.
    """
    versions = {"python": platform.python_version(), "machine": platform.machine(), "cpu": _cpu_model()}
    versions.update(
        {name: value for name, value in sorted(os.environ.items()) if name.startswith(_NUMERIC_ENV_PREFIXES)}
    )
    for name in KEYED_LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            versions[name] = "absent"
    return versions


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # pragma: no cover - not Linux
        return platform.processor()
    names = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(("model name", "flags"))]
    return hashlib.sha256("\n".join(names[:2]).encode()).hexdigest()[:16]


def result_key(config: ExperimentConfig, digest: str | None = None) -> str:
    """The store key of ``config``'s result: SHA-256 of settings, package source and versions."""
    payload = {
        "format": _FORMAT,
        "config": config.to_dict(),
        "source": source_digest() if digest is None else digest,
        "environment": environment(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def cache_disabled() -> bool:
    """Whether ``GPNN_NO_CACHE`` is set to anything but empty or ``0``: the switch for no cache at all."""
    return os.environ.get("GPNN_NO_CACHE", "") not in ("", "0")


def cache_dir_from_env() -> Path | None:
    """The store folder named by ``GPNN_CACHE_DIR``, or ``None`` if unset or ``GPNN_NO_CACHE`` is set."""
    if cache_disabled():
        return None
    folder = os.environ.get("GPNN_CACHE_DIR", "")
    return Path(folder) if folder else None


def cached_experiment(config: ExperimentConfig | None = None, cache_dir: Path | str | None = None) -> ExperimentResult:
    """:func:`~gpnn.run_experiment`, computed at most once per key and then read from the store.

    Runs with the fast trainer, whose results equal the readable trainer's bit for bit.

    Parameters
    ----------
    config : ExperimentConfig, optional
        Settings; the defaults are the reference experiment.
    cache_dir : path, optional
        Store folder; defaults to :func:`cache_dir_from_env`. With neither, the experiment
        simply runs.

    Returns
    -------
    ExperimentResult
        Equal, array for array, to what ``run_experiment(config)`` returns now;
        ``train_seconds`` is that of the run that filled the entry.
    """
    config = ExperimentConfig() if config is None else config
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    folder = cache_dir_from_env() if cache_dir is None else Path(cache_dir)
    if folder is None or cache_disabled():
        return run_experiment(config, trainer="fast")
    folder.mkdir(parents=True, exist_ok=True)
    key = result_key(config)
    path = folder / f"{key}.npz"
    with _locked(folder / f"{key}.lock"):
        result = _load(path, config)
        if result is None:
            result = run_experiment(config, trainer="fast")
            _save(path, result)
    return result


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_ARRAYS = ("x", "latent", "y", "inputs", "loss_history", "predictions", "snapshot_epochs", "snapshots")


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _save(path: Path, result: ExperimentResult) -> None:
    arrays = {name: getattr(result, name) for name in _ARRAYS}
    arrays.update({f"weight_{i}": W for i, W in enumerate(result.weights)})
    arrays.update({f"bias_{i}": b for i, b in enumerate(result.biases)})
    meta = {"config": result.config.to_dict(), "train_seconds": result.train_seconds, "checksum": _checksum(arrays)}
    # Write to a temporary file in the same folder, then rename: readers see all or nothing.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        np.savez(handle, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(handle.name, path)


def _load(path: Path, config: ExperimentConfig) -> ExperimentResult | None:
    """The stored result, or ``None`` if absent, unreadable, for other settings, or corrupt."""
    if not path.exists():
        return None
    try:
        # Open the file here: np.load leaks its handle when the archive is truncated.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in data.files if name != "meta"}
    except Exception:  # any unreadable entry is a miss, never an error
        return None
    if meta.get("config") != config.to_dict() or meta.get("checksum") != _checksum(arrays):
        return None
    n_layers = len(config.hidden_sizes) + 1
    return ExperimentResult(
        config=config,
        **{name: arrays[name] for name in _ARRAYS},
        weights=tuple(arrays[f"weight_{i}"] for i in range(n_layers)),
        biases=tuple(arrays[f"bias_{i}"] for i in range(n_layers)),
        train_seconds=float(meta["train_seconds"]),
    )
