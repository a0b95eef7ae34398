"""The search index, finished after the search plugin wrote it: topic pages rank first.

The API reference documents every object of the package, so for most topic words ("posterior",
"ensemble") it holds more matching entries than the page about the topic. Material's search
ranks an entry by its `boost` (the value its `search.boost` front matter would give); here every
entry of the API pages gets [`API_BOOST`][gpnn.site.plugin.search.API_BOOST], so that the pages
written for readers come first and the reference still answers a search for a name.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

from gpnn.site.plugin.api import FOLDER, ApiPages

API_BOOST = 0.25
"""The weight of the API reference's entries in the search index (a page's is 1)."""

INDEX = "search/search_index.json"
"""Where Material's search plugin writes its index, in the site."""


class SearchIndex:
    """Lowers the API reference's weight in the search index.

    Parameters
    ----------
    api : ApiPages
        The API reference's pages.
    """

    def __init__(self, api: ApiPages) -> None:
        self._api = api

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Rewrite the index written by the search plugin, API entries down-weighted.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        path = Path(config.site_dir) / INDEX
        if not path.exists():
            return
        index = json.loads(path.read_text(encoding="utf-8"))
        for entry in index.get("docs", []):
            if entry.get("location", "").startswith(f"{FOLDER}/"):
                entry["boost"] = API_BOOST
        path.write_text(json.dumps(index, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
