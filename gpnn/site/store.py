"""A content-addressed store of experiment results, so one run feeds every page that quotes it.

An entry's key is a SHA-256 over everything the result depends on, and nothing else: the
experiment's settings, the source of exactly the modules a training run imports
([`computation_modules`][gpnn.site.store.computation_modules]), and the environment of
[`gpnn.provenance.environment`][] (versions of Python, torch, numpy and scipy, the processor, the
BLAS threads). Edit the network, the trainer or the simulation, or upgrade torch, and the key
changes, so a stale result is never found; edit a plot, a page helper or the command line, and every
stored run still serves.

Entries are written atomically and carry a checksum of their arrays; an entry that is corrupt or
partial is ignored and recomputed. A run that diverged is stored too, as the error it raised, so
it is not retried at every build. Concurrent processes asking for the same key wait for one
another (a file lock, which works on every platform) so the experiment runs once.

The store is off unless a folder is given or `GPNN_CACHE_DIR` names one; `GPNN_NO_CACHE=1`
turns it off whatever else is set.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from filelock import FileLock
from threadpoolctl import threadpool_limits

from gpnn.config import ExperimentConfig
from gpnn.experiment import RESUMABLE_IMPLEMENTATIONS, ExperimentResult, can_continue, continue_experiment
from gpnn.provenance import environment
from gpnn.sweep import run_one
from gpnn.training import TrainingDivergedError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
"""The folder of the `gpnn` package whose sources the keys cover."""

COMPUTATION_ROOT = "gpnn.sweep"
"""The module whose imports, followed transitively, make up the code a stored run depends on.

[`gpnn.sweep`][] runs the experiments ([`gpnn.sweep.run_one`][]), and imports
[`gpnn.experiment`][], which imports the data simulation, the network and the trainers.
"""

_FORMAT = 3


def computation_modules(package_dir: Path = PACKAGE_DIR, root: str = COMPUTATION_ROOT) -> list[str]:
    """The package's modules that `root` imports, directly or not, itself and package `__init__` files included.

    Imports are read from the source (every `import` statement, at any depth, so lazy imports
    inside functions count too); each module's parent packages count, since importing a module
    runs its package's `__init__` first.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.
    root : str
        Dotted name of the first module.

    Returns
    -------
    list of str
        Dotted module names, sorted.
    """
    package = package_dir.name
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_path(package_dir, name)
        if path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:end]) for end in range(1, len(parts)))  # parent packages
        stat = path.stat()
        todo.extend(_imports_of(str(path), package, stat.st_mtime_ns, stat.st_size))
    return sorted(seen)


@functools.lru_cache(maxsize=256)
def _imports_of(path: str, package: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    # The names of `package` that the file imports, read once per version of the file (the stat
    # values make an edit a cache miss): every run's key asks for the digest.
    names: list[str] = []
    for node in ast.walk(_parse(Path(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names if alias.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)  # submodules imported by name
    return tuple(names)


def module_path(package_dir: Path, name: str) -> Path | None:
    """The source file of module `name` (`gpnn.site.runs`), or `None` if it is not a module.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.
    name : str
        A dotted name inside the package.

    Returns
    -------
    Path or None
        The module's file, or its package's `__init__.py`.
    """
    parts = name.split(".")[1:]
    folder = package_dir.joinpath(*parts)
    candidates = [folder / "__init__.py"] + ([folder.with_suffix(".py")] if parts else [])
    return next((path for path in candidates if path.is_file()), None)


def computation_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 of the code of the computation's modules, each with its name, in a fixed order.

    The modules are those of [`computation_modules`][gpnn.site.store.computation_modules].

    The code, not the text: each module is read as its syntax tree with docstrings removed
    ([`code_of`][gpnn.site.store.code_of]), so editing documentation or comments keeps every stored
    run, while any change to what the code does invalidates them.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    for name in computation_modules(package_dir):
        path = module_path(package_dir, name)
        assert path is not None  # computation_modules lists only modules it found
        digest.update(name.encode() + b"\0" + code_of(path) + b"\0")
    return digest.hexdigest()


def code_of(path: Path) -> bytes:
    """The code of a Python file without its comments and documentation strings, in a canonical form.

    Parameters
    ----------
    path : Path
        A Python source file.

    Returns
    -------
    bytes
        `ast.unparse` of its syntax tree without docstrings and attribute docstrings (every
        statement that is a bare string, which does nothing when run).
    """
    stat = path.stat()
    return _code_of(str(path), stat.st_mtime_ns, stat.st_size)


# CPython 3.11's parser is not safe to call from two threads at once (it can raise
# "AST constructor recursion depth mismatch"), and the job server keys runs from threads.
_PARSE_LOCK = threading.Lock()


def _parse(path: Path) -> ast.Module:
    with _PARSE_LOCK:
        return ast.parse(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=256)
def _code_of(path: str, mtime_ns: int, size: int) -> bytes:  # the stat values make edits a cache miss
    tree = _parse(Path(path))
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and all(isinstance(statement, ast.stmt) for statement in body):
                kept = [
                    s
                    for s in body
                    if not (
                        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
                    )
                ]
                setattr(node, field, kept or [ast.Pass()])
    return ast.unparse(tree).encode()


def result_key(config: ExperimentConfig, digest: str | None = None) -> str:
    """The store key of `config`'s result: SHA-256 of settings, computing source and environment.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    digest : str, optional
        [`computation_digest`][gpnn.site.store.computation_digest], if already computed.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    return _digest(config.to_dict(), digest)


def _digest(settings: dict[str, Any], digest: str | None, lineage: bool = False) -> str:
    payload = {
        "format": _FORMAT,
        "config": settings,
        "source": computation_digest() if digest is None else digest,
        "environment": environment(),
    }
    if lineage:
        payload["lineage"] = True
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def cache_disabled() -> bool:
    """Whether `GPNN_NO_CACHE` is set to anything but empty or `0`: the switch for no cache at all.

    Returns
    -------
    bool
        True if the store must be neither read nor written.
    """
    return os.environ.get("GPNN_NO_CACHE", "") not in ("", "0")


def cache_dir_from_env() -> Path | None:
    """The store folder named by `GPNN_CACHE_DIR`, or `None` if unset or `GPNN_NO_CACHE` is set.

    Returns
    -------
    Path or None
        The folder, or `None` for no store.
    """
    if cache_disabled():
        return None
    folder = os.environ.get("GPNN_CACHE_DIR", "")
    return Path(folder) if folder else None


def cached_experiment(config: ExperimentConfig | None = None, cache_dir: Path | str | None = None) -> ExperimentResult:
    """[`run_experiment`][gpnn.experiment.run_experiment], computed at most once per key and then read from the store.

    Runs with the fast trainer, whose results equal the readable trainer's bit for bit.

    Parameters
    ----------
    config : ExperimentConfig, optional
        Settings; the defaults are the reference experiment.
    cache_dir : path, optional
        Store folder; defaults to [`cache_dir_from_env`][gpnn.site.store.cache_dir_from_env].
        With neither, the experiment simply runs.

    Returns
    -------
    ExperimentResult
        Equal, array for array, to what `run_experiment(config)` returns now;
        `train_seconds` is that of the run that filled the entry.

    Raises
    ------
    TrainingDivergedError
        If the run diverges, or diverged when the entry was filled.
    """
    config = ExperimentConfig() if config is None else config
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    folder = cache_dir_from_env() if cache_dir is None else Path(cache_dir)
    if folder is None or cache_disabled():
        return _outcome(compute(config))
    return _outcome(fill(folder, result_key(config), config))


def fill(folder: Path, key: str, config: ExperimentConfig, blas: int = 0) -> ExperimentResult | TrainingDivergedError:
    """The entry `key` of `folder`, computed and stored first if missing or damaged.

    Processes filling the same key wait for each other, so the run happens once.

    Parameters
    ----------
    folder : Path
        Store folder; created if missing.
    key : str
        `result_key(config)`.
    config : ExperimentConfig
        The settings of the run.
    blas : int, default 0
        BLAS threads to run with (0: as they are), see [`gpnn.sweep.run_one`][].

    Returns
    -------
    ExperimentResult or TrainingDivergedError
        The result, or the error of a run that diverged.
    """
    return fill_run(folder, key, config, blas).outcome


class Filled(NamedTuple):
    """What [`fill_run`][gpnn.site.store.fill_run] did for one entry: its outcome and the epochs it trained."""

    outcome: ExperimentResult | TrainingDivergedError
    """The result, or the error of a run that diverged."""
    trained: int
    """Epochs trained by this call: 0 when the entry was stored already."""
    continued: int
    """Epochs taken from a shorter stored run of the same settings instead of being trained again."""
    stored: bool
    """Whether the entry was in the store already, so that nothing ran."""


LINEAGES = "lineages"
"""The store's subfolder that lists, per [`lineage_key`][gpnn.site.store.lineage_key], the runs it holds.

`lineages/<lineage key>/<n_epochs>-<record_every>` is an empty file written once the entry of
those settings is stored; [`base_for`][gpnn.site.store.base_for] reads the folder.
"""


def lineage_key(config: ExperimentConfig, digest: str | None = None) -> str:
    """SHA-256 of everything `result_key` covers except the epochs and the snapshot spacing.

    Runs with the same lineage key differ only in `n_epochs` and `record_every`, so the
    shorter trains exactly the first epochs of the longer (see
    [`can_continue`][gpnn.experiment.can_continue]).

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    digest : str, optional
        [`computation_digest`][gpnn.site.store.computation_digest], if already computed.

    Returns
    -------
    str
        64 hexadecimal digits, never equal to a result key.
    """
    settings = config.to_dict()
    del settings["n_epochs"], settings["record_every"]
    return _digest(settings, digest, lineage=True)


def base_for(folder: Path, config: ExperimentConfig, digest: str | None = None) -> ExperimentConfig | None:
    """The settings of the longest stored run that continues exactly into `config`, or `None`.

    A stored run of the same settings with fewer epochs (and a snapshot spacing that divides
    `config`'s), trained by an implementation that resumes exactly
    ([`can_continue`][gpnn.experiment.can_continue]); diverged runs count, since a longer run
    diverges at the same epoch. [`fill_run`][gpnn.site.store.fill_run] continues from it: a job
    costs `config.n_epochs - base.n_epochs` epochs.

    Parameters
    ----------
    folder : Path
        Store folder.
    config : ExperimentConfig
        The settings of the run to compute.
    digest : str, optional
        [`computation_digest`][gpnn.site.store.computation_digest], if already computed.

    Returns
    -------
    ExperimentConfig or None
        The settings of the stored run, or `None` when none is stored.
    """
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"Argument 'config' must be an ExperimentConfig, but config = {config!r}.")
    digest = computation_digest() if digest is None else digest
    return next(
        (base for base in _bases(folder, config, digest) if (folder / f"{result_key(base, digest)}.npz").exists()), None
    )


def _bases(folder: Path, config: ExperimentConfig, digest: str) -> list[ExperimentConfig]:
    """Settings of the stored runs that continue into `config`, longest first."""
    if config.implementation not in RESUMABLE_IMPLEMENTATIONS:
        return []
    try:
        names = os.listdir(folder / LINEAGES / lineage_key(config, digest))
    except OSError:  # no such folder: nothing of this lineage stored
        return []
    found = []
    for name in names:
        epochs, _, every = name.partition("-")
        if epochs.isdigit() and every.isdigit():
            base = dataclasses.replace(config, n_epochs=int(epochs), record_every=int(every))
            if can_continue(base, config):
                found.append(base)
    return sorted(found, key=lambda base: (-base.n_epochs, -base.record_every))


def fill_run(folder: Path, key: str, config: ExperimentConfig, blas: int = 0, resume: bool = True) -> Filled:
    """The entry `key` of `folder`, stored first if missing or damaged, continuing a shorter stored run if any.

    Like [`fill`][gpnn.site.store.fill], and says what it did. A missing entry is computed
    from the longest stored run of the same settings with fewer epochs
    ([`base_for`][gpnn.site.store.base_for], looked up once the entry's lock is held), by
    [`continue_experiment`][gpnn.experiment.continue_experiment], whose result equals training
    from scratch bit for bit; without one, or if it is damaged, the run trains from its first
    epoch. Each entry stored is listed under its [`lineage_key`][gpnn.site.store.lineage_key],
    so that longer runs find it.

    Parameters
    ----------
    folder : Path
        Store folder; created if missing.
    key : str
        `result_key(config)`.
    config : ExperimentConfig
        The settings of the run.
    blas : int, default 0
        BLAS threads to run with (0: as they are), see [`run_one`][gpnn.sweep.run_one].
    resume : bool, default True
        Whether to continue a shorter stored run; `False` always trains from the first epoch.

    Returns
    -------
    Filled
        The outcome, the epochs trained and the epochs continued from the store.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / f"{key}.lock"):
        stored = load(folder, key, config)
        if stored is not None:
            return Filled(stored, 0, 0, True)
        start, continued = start_for(folder, key, config) if resume else (None, 0)
        outcome = advance(start, config, blas)
        keep(folder, key, config, outcome)
    return filled(outcome, config, continued)


def filled(outcome: ExperimentResult | TrainingDivergedError, config: ExperimentConfig, continued: int) -> Filled:
    """What computing `config` did, having continued `continued` epochs from the store.

    Parameters
    ----------
    outcome : ExperimentResult or TrainingDivergedError
        The run's outcome.
    config : ExperimentConfig
        Its settings.
    continued : int
        The epochs taken from a stored run ([`start_for`][gpnn.site.store.start_for]).

    Returns
    -------
    Filled
        Trained epochs are those run (up to a divergence) less the continued ones.
    """
    ran = outcome.epoch if isinstance(outcome, TrainingDivergedError) else config.n_epochs
    return Filled(outcome, ran - continued, continued, False)


def start_for(
    folder: Path, key: str, config: ExperimentConfig
) -> tuple[ExperimentResult | TrainingDivergedError | None, int]:
    """The stored run that `config` continues from, and the epochs it saves; `(None, 0)` if none.

    The longest stored run of [`base_for`][gpnn.site.store.base_for]'s kind that loads intact,
    and only when `key` was made with the current code (an entry keyed before an edit is
    computed from scratch). A diverged run is its own continuation: the longer run diverges at
    the same epoch.

    Parameters
    ----------
    folder : Path
        Store folder.
    key : str
        `result_key(config)`.
    config : ExperimentConfig
        The settings of the run to compute.

    Returns
    -------
    tuple
        The stored outcome to start from (or `None`) and the epochs it covers.
    """
    digest = _current_digest(key, config)
    if digest is None:
        return None, 0
    for base in _bases(folder, config, digest):
        start = load(folder, result_key(base, digest), base)
        if isinstance(start, TrainingDivergedError):
            return start, start.epoch
        if start is not None:
            return start, base.n_epochs
    return None, 0


def advance(
    start: ExperimentResult | TrainingDivergedError | None, config: ExperimentConfig, blas: int = 0
) -> ExperimentResult | TrainingDivergedError:
    """`config`'s outcome, continued from `start` (from [`start_for`][gpnn.site.store.start_for]).

    Parameters
    ----------
    start : ExperimentResult, TrainingDivergedError or None
        The stored run to continue: none trains from the first epoch; a divergence is the outcome.
    config : ExperimentConfig
        The settings of the run.
    blas : int, default 0
        BLAS threads to run with (0: as they are).

    Returns
    -------
    ExperimentResult or TrainingDivergedError
        Bit for bit what training `config` from scratch gives.
    """
    if isinstance(start, TrainingDivergedError):
        return start
    return compute(config, blas) if start is None else _continue(start, config, blas)


def keep(folder: Path, key: str, config: ExperimentConfig, outcome: ExperimentResult | TrainingDivergedError) -> None:
    """Store `outcome` under `key` and, if the key is current, list it under its lineage.

    Parameters
    ----------
    folder : Path
        Store folder.
    key : str
        `result_key(config)`.
    config : ExperimentConfig
        The settings of the run.
    outcome : ExperimentResult or TrainingDivergedError
        What the run gave.
    """
    save(folder, key, config, outcome)
    digest = _current_digest(key, config)
    if digest is not None:  # longer runs continue only from runs of the current code
        marker = folder / LINEAGES / lineage_key(config, digest) / f"{config.n_epochs}-{config.record_every}"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def _current_digest(key: str, config: ExperimentConfig) -> str | None:
    """The code's digest if `key` is `config`'s key under the current code, else `None`."""
    digest = computation_digest()
    return digest if result_key(config, digest) == key else None


def _continue(base: ExperimentResult, config: ExperimentConfig, blas: int) -> ExperimentResult | TrainingDivergedError:
    """[`compute`][gpnn.site.store.compute], from the end of the stored run `base`."""
    with threadpool_limits(limits=blas or None, user_api="blas"):
        try:
            return continue_experiment(base, config, trainer="fast")
        except TrainingDivergedError as error:
            return error


def compute(config: ExperimentConfig, blas: int = 0) -> ExperimentResult | TrainingDivergedError:
    """Run `config` with the fast trainer; a divergence is returned, not raised.

    Parameters
    ----------
    config : ExperimentConfig
        The settings of the run.
    blas : int, default 0
        BLAS threads to run with (0: as they are), see [`gpnn.sweep.run_one`][].

    Returns
    -------
    ExperimentResult or TrainingDivergedError
        The result, or the error of a run that diverged.
    """
    try:
        result = run_one(config, blas=blas)
    except TrainingDivergedError as error:
        return error
    assert result is not None  # run_one returns None only when divergence is allowed
    return result


def _outcome(outcome: ExperimentResult | TrainingDivergedError) -> ExperimentResult:
    if isinstance(outcome, TrainingDivergedError):
        raise TrainingDivergedError(str(outcome), outcome.epoch)
    return outcome


_ARRAYS = (
    "x",
    "latent",
    "y",
    "train_mask",
    "inputs",
    "loss_history",
    "predictions",
    "snapshot_epochs",
    "snapshots",
)


def _checksum(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def save(folder: Path, key: str, config: ExperimentConfig, outcome: ExperimentResult | TrainingDivergedError) -> Path:
    """Write `outcome`, the result of `config`, as entry `key` of `folder`, atomically.

    Parameters
    ----------
    folder : Path
        Store folder; must exist.
    key : str
        `result_key(config)`, the entry's name.
    config : ExperimentConfig
        The settings the outcome belongs to, stored with it.
    outcome : ExperimentResult or TrainingDivergedError
        The result, or the error of a run that diverged.

    Returns
    -------
    Path
        The entry's file.
    """
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {"config": config.to_dict()}
    if isinstance(outcome, TrainingDivergedError):
        meta.update(diverged=str(outcome), epoch=outcome.epoch)
    else:
        arrays = {name: getattr(outcome, name) for name in _ARRAYS}
        arrays.update({f"weight_{i}": W for i, W in enumerate(outcome.weights)})
        arrays.update({f"bias_{i}": b for i, b in enumerate(outcome.biases)})
        meta.update(train_seconds=outcome.train_seconds, x_center=outcome.x_center, x_scale=outcome.x_scale)
    meta["checksum"] = _checksum(arrays, meta)
    path = folder / f"{key}.npz"
    # Write to a temporary file in the same folder, then rename: readers see all or nothing.
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
        np.savez(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)  # type: ignore[arg-type]
    os.replace(handle.name, path)
    return path


def load(folder: Path, key: str, config: ExperimentConfig) -> ExperimentResult | TrainingDivergedError | None:
    """The stored outcome of entry `key`, or `None` if absent, unreadable, for other settings, or corrupt.

    Parameters
    ----------
    folder : Path
        Store folder.
    key : str
        `result_key(config)`, the entry's name.
    config : ExperimentConfig
        The settings the entry must have been made for.

    Returns
    -------
    ExperimentResult, TrainingDivergedError or None
        The stored result, or the stored error of a run that diverged; `None` when there is
        no usable entry.
    """
    path = folder / f"{key}.npz"
    if not path.exists():
        return None
    try:
        # Open the file here: np.load leaks its handle when the archive is truncated.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in data.files if name != "meta"}
        checksum = meta.pop("checksum")
    except Exception:  # any unreadable entry is a miss, never an error
        return None
    if checksum != _checksum(arrays, meta) or meta.get("config") != config.to_dict():
        return None
    if "diverged" in meta:
        return TrainingDivergedError(meta["diverged"], int(meta["epoch"]))
    n_layers = len(config.hidden_sizes) + 1
    return ExperimentResult(
        config=config,
        **{name: arrays[name] for name in _ARRAYS},
        weights=tuple(arrays[f"weight_{i}"] for i in range(n_layers)),
        biases=tuple(arrays[f"bias_{i}"] for i in range(n_layers)),
        train_seconds=float(meta["train_seconds"]),
        x_center=float(meta["x_center"]),
        x_scale=float(meta["x_scale"]),
    )
