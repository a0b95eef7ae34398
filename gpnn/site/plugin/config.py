"""The plugin's settings, as `mkdocs.yml` gives them under `plugins: - gpnn:`.

Each may be overridden by an environment variable, for one build without editing the file:
`GPNN_CACHE_ROOT` (the cache folder), `GPNN_NO_CACHE` (`1` builds with no cache at all) and
`GPNN_WORKERS` (worker processes for training runs) and `GPNN_SCHEDULER` (a Dask scheduler's
address, for the runs to go to a cluster).
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c


class GpnnConfig(base.Config):
    """The settings of [`GpnnPlugin`][gpnn.site.plugin.plugin.GpnnPlugin].

    Parameters
    ----------
    config_file_path : str, optional
        The path of `mkdocs.yml`, as MkDocs gives it.
    """

    cache_dir = c.Type(str, default=".cache")
    """The folder of every build cache, relative to `mkdocs.yml` (`GPNN_CACHE_ROOT` overrides)."""
    no_cache = c.Type(bool, default=False)
    """Build with no cache at all: read nothing, keep nothing (`GPNN_NO_CACHE=1` sets it)."""
    workers = c.Optional(c.Type(int))
    """Worker processes for training runs; as many as cores if unset (`GPNN_WORKERS` overrides)."""
    scheduler = c.Optional(c.Type(str))
    """A Dask scheduler's address (`tcp://HOST:8786`): the build's training runs go to that cluster
    instead of local worker processes (`GPNN_SCHEDULER` overrides; empty for none)."""
    budget = c.Type((int, float), default=160.0)
    """The site's training budget, in deep-run equivalents (one 8,000-epoch run of the recipe's
    network is 1): a build whose pages need more warns, so a strict build fails."""
    api_modules = c.ListOfItems(c.Type(str), default=[])
    """The modules the API reference documents, one page each; every public module if empty."""

    def __init__(self, config_file_path: str | None = None) -> None:
        super().__init__(config_file_path=config_file_path)


def cache_root(config: GpnnConfig, config_file: str) -> Path:
    """The folder of every build cache: `GPNN_CACHE_ROOT`, else `cache_dir` beside `mkdocs.yml`.

    Parameters
    ----------
    config : GpnnConfig
        The plugin's settings.
    config_file : str
        The path of `mkdocs.yml`.

    Returns
    -------
    Path
        The folder.
    """
    root = os.environ.get("GPNN_CACHE_ROOT")
    return Path(root) if root else Path(config_file).resolve().parent / config.cache_dir


def no_cache(config: GpnnConfig) -> bool:
    """Whether the build keeps no cache: `GPNN_NO_CACHE` if set, else the `no_cache` setting.

    Parameters
    ----------
    config : GpnnConfig
        The plugin's settings.

    Returns
    -------
    bool
        True for a build with no cache.
    """
    value = os.environ.get("GPNN_NO_CACHE")
    return config.no_cache if value is None else value not in ("", "0")


def workers(config: GpnnConfig) -> int | None:
    """Worker processes for training runs: `GPNN_WORKERS` if set, else the `workers` setting.

    Parameters
    ----------
    config : GpnnConfig
        The plugin's settings.

    Returns
    -------
    int or None
        The number, or `None` for as many as cores.

    Raises
    ------
    ValueError
        If `GPNN_WORKERS` is not a positive whole number.
    """
    value = os.environ.get("GPNN_WORKERS")
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"GPNN_WORKERS must be a positive whole number, but GPNN_WORKERS = {value!r}.")
        return int(value)
    return config.workers


def scheduler(config: GpnnConfig) -> str | None:
    """The Dask scheduler the runs go to: `GPNN_SCHEDULER` if set, else the `scheduler` setting.

    Parameters
    ----------
    config : GpnnConfig
        The plugin's settings.

    Returns
    -------
    str or None
        The address, or `None` for the local worker processes.
    """
    value = os.environ.get("GPNN_SCHEDULER")
    return (value or None) if value is not None else config.scheduler
