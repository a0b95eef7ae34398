"""What the plugin's parts share during one build: folders, keys, and what each page ran.

One [`BuildState`][gpnn.site.plugin.state.BuildState] lives on the plugin object. Under
`mkdocs serve` the plugin lives as long as the server, so a rebuild knows what the previous one did.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PAGE_LIBRARIES = ("gpnn", "torch", "numpy", "scipy", "matplotlib", "pygments", "jupytext", "nbformat")
"""Libraries whose versions change what a page shows (the numbers, the figures, the highlighting)."""


@dataclass
class Run:
    """One executed page's run: how long its code ran, when, what it claimed and what it trained."""

    seconds: float
    """Wall-clock seconds the page's code ran."""
    executed_at: str
    """When it ran (UTC, minutes)."""
    now: bool
    """Whether it ran in this build (otherwise it was served from the cache)."""
    claims: list[dict[str, Any]] = field(default_factory=list)
    """The claims the page made, as [`report`][gpnn.site.claims.report] gives them."""
    training: list[dict[str, Any]] = field(default_factory=list)
    """The training runs the page asked for: one record per distinct run."""


@dataclass
class BuildState:
    """Everything the plugin's parts share in one build (or one `mkdocs serve` session)."""

    root: Path = Path()
    """The folder of `mkdocs.yml`."""
    cache: Path = Path()
    """The folder of every build cache (a temporary one without a cache)."""
    no_cache: bool = False
    """Whether nothing is read from or kept in the cache."""
    commit: str = "unknown"
    """The checked-out commit, as [`git_commit`][gpnn.site.plugin.state.git_commit] gives it."""
    runs: dict[str, Run] = field(default_factory=dict)
    """Per page (by the source path of its rendered file), its run."""
    executed: list[str] = field(default_factory=list)
    """The notebook pages executed in this build."""
    sources: dict[str, str] = field(default_factory=dict)
    """Per rendered notebook (`training.ipynb`), its jupytext source (`training.py`)."""
    training: dict[str, Any] = field(default_factory=dict)
    """What the build's job service computed: runs, run time, workers, requests served."""

    def cached_bytes(self, path: Path, compute: Callable[[], bytes]) -> bytes:
        """The bytes at `path` in the build cache, or `compute()`'s, written there for next time.

        Without a cache nothing is read or written: by the end of such a build its temporary
        cache folder is already gone.

        Parameters
        ----------
        path : Path
            Where the bytes are kept in the cache.
        compute : callable
            Makes the bytes when the cache does not hold them.

        Returns
        -------
        bytes
            The cached or computed bytes.
        """
        if not self.no_cache:
            try:
                return path.read_bytes()
            except OSError:
                pass  # missing: compute it
        data = compute()
        if not self.no_cache:
            write_if_changed(path, data)
        return data


def digest(data: Any) -> str:
    """SHA-256 of `data` written as JSON with sorted keys (bytes are hashed as they are).

    Parameters
    ----------
    data : bytes or JSON-serialisable
        What to hash.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def build_time() -> str:
    """The build's date: `SOURCE_DATE_EPOCH` if set (reproducible builds), else now, in UTC.

    Returns
    -------
    str
        Like `2026-12-04 15:42 UTC`.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def git_commit(folder: Path) -> str:
    """The checked-out commit, marked if `gpnn` or `docs` have uncommitted changes.

    Parameters
    ----------
    folder : Path
        A folder inside the repository.

    Returns
    -------
    str
        The short commit, or `"unknown"` outside a repository.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "gpnn", "docs"], cwd=folder, capture_output=True, text=True
        )
        return commit + (" with uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` (atomically) unless it already holds exactly that.

    Unchanged files keep their modification time, which is how `mkdocs serve --dirty` decides
    what to render again.

    Parameters
    ----------
    path : Path
        The file.
    data : bytes
        Its new content.

    Returns
    -------
    bool
        Whether the file was written.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in `path`, or an empty one if it is missing, damaged or not an object.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    dict
        Its content, or `{}`.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
