"""MkDocs hook: index a page for search only when what the index takes from it has changed.

Material's search plugin parses every page's HTML to build the search index at every build; on a
build in which nothing changed that is most of the time spent (the API reference alone is over a
megabyte of HTML). The entries it makes for a page depend only on the page's HTML, its URL, title,
table of contents and metadata, the plugin's configuration and its version: under a key over all
of these this hook keeps the entries, and on the next build adds them to the index instead of
parsing the page again. The index written is the same, entry for entry.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

from gpnn_build import STATE, digest, write_if_changed
from mkdocs.config.defaults import MkDocsConfig

PLUGIN = "material/search"
# Build and run times sit in the provenance footer, which the index excludes (data-search-exclude):
# they are left out of the key, or every build in a new minute would index every page again.
_CLOCK = re.compile(r'<span class="gpnn-time">[^<]*</span>')


def _toc(items: Any) -> list[Any]:
    return [[item.title, item.url, item.level, _toc(item.children)] for item in items]


def on_pre_build(config: MkDocsConfig) -> None:
    """Wrap the search index's page method for this build (the plugin makes a new index per build)."""
    plugin = config.plugins.get(PLUGIN)
    index = getattr(plugin, "search_index", None)
    if index is None or getattr(index.add_entry_from_context, "gpnn_cached", False):
        return
    original = index.add_entry_from_context
    context = digest(
        {
            "config": json.dumps(dict(plugin.config), sort_keys=True, default=str),
            "version": version("mkdocs-material"),
            "hook": digest(Path(__file__).read_bytes()),
        }
    )

    def add_entry_from_context(page: Any) -> None:
        key = digest(
            {
                "content": _CLOCK.sub("", page.content),
                "url": page.url,
                "title": str(page.title),
                "meta": json.dumps(page.meta, sort_keys=True, default=str),
                "toc": _toc(page.toc),
                "context": context,
            }
        )
        path = STATE.cache / "search" / f"{key[:32]}.json"
        cached = None if STATE.no_cache else _read(path)
        if cached is not None:
            index.entries.extend(cached)
            return
        before = len(index.entries)
        original(page)
        if not STATE.no_cache:
            # The entries' key order is kept, so the index written from the cache has the same bytes.
            write_if_changed(path, json.dumps(index.entries[before:]).encode())

    add_entry_from_context.gpnn_cached = True  # type: ignore[attr-defined]
    index.add_entry_from_context = add_entry_from_context


def _read(path: Path) -> list[dict[str, Any]] | None:
    try:
        entries = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # missing or damaged: index the page again
    return entries if isinstance(entries, list) and all(isinstance(e, dict) for e in entries) else None
