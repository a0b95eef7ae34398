"""What the site's build hooks share: one state object, the cache's folders, and the keys.

The hooks (``execute.py``, ``pages.py``, ``assets.py``) import this module by name; MkDocs puts
this folder on the import path while it loads them. Under ``mkdocs serve`` the state lives as
long as the server, so a rebuild knows what the previous one did.
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

HOOKS_DIR = Path(__file__).resolve().parent

#: Libraries whose versions change what a page shows (the numbers, the figures, the highlighting).
PAGE_LIBRARIES = ("gpnn", "torch", "numpy", "scipy", "matplotlib", "pygments", "jupytext", "nbformat")


@dataclass
class Run:
    """One executed page's run: how long its code ran, when, and what it claimed."""

    seconds: float
    executed_at: str
    now: bool
    claims: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BuildState:
    """Everything the hooks of one build (or one ``mkdocs serve`` session) share."""

    root: Path = Path()
    cache: Path = Path()
    no_cache: bool = False
    commit: str = "unknown"
    context: str = ""
    runs: dict[str, Run] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # rendered notebook -> its jupytext source
    training: dict[str, Any] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
    figure_numbers: dict[str, dict[str, int]] = field(default_factory=dict)
    references: dict[str, dict[str, str]] = field(default_factory=dict)
    citations: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    uses: dict[str, list[str]] = field(default_factory=dict)
    used_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


STATE = BuildState()


def digest(data: Any) -> str:
    """SHA-256 of ``data`` written as JSON with sorted keys (bytes are hashed as they are)."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def package_digest(package_dir: Path) -> str:
    """SHA-256 of every ``.py`` file of the package, each with its relative path, in a fixed order."""
    sha = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        sha.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def page_context(code_files: list[Path]) -> str:
    """The key of everything but a page's own code that its outputs depend on.

    The whole ``gpnn`` package (pages call plots and page helpers as well as the science), the
    build code that executes pages (``code_files``), and the environment: versions of Python and
    the libraries of :data:`PAGE_LIBRARIES`, the processor and the BLAS threads.
    """
    import gpnn.provenance  # cheap: importing gpnn loads no torch until a name is used

    return digest(
        {
            "gpnn": package_digest(Path(gpnn.provenance.__file__).parent),
            "build": [digest(path.read_bytes()) for path in code_files],
            "environment": gpnn.provenance.environment(PAGE_LIBRARIES),
        }
    )


def cache_root(config_file: str) -> Path:
    """Folder of every build cache: ``GPNN_CACHE_ROOT``, else ``.cache`` beside ``mkdocs.yml``."""
    root = os.environ.get("GPNN_CACHE_ROOT")
    return Path(root) if root else Path(config_file).resolve().parent / ".cache"


def build_time() -> str:
    """The build's date: ``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def git_commit(folder: Path) -> str:
    """The checked-out commit, marked if ``gpnn`` or ``docs`` have uncommitted changes."""
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
    """Write ``data`` to ``path`` (atomically) unless it already holds exactly that; say whether it wrote.

    Unchanged files keep their modification time, which is how ``mkdocs serve --dirty`` decides
    what to render again.
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


def cached_bytes(path: Path, compute: Callable[[], bytes]) -> bytes:
    """The bytes at ``path`` in the build cache, or ``compute()``'s, written there for next time.

    Without a cache (``GPNN_NO_CACHE``) nothing is read or written: by the end of such a build its
    temporary cache folder is already gone.
    """
    if not STATE.no_cache:
        try:
            return path.read_bytes()
        except OSError:
            pass  # missing: compute it
    data = compute()
    if not STATE.no_cache:
        write_if_changed(path, data)
    return data
