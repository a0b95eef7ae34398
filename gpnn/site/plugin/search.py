"""The search index, finished after the search plugin wrote it: topic pages rank first.

Material's search plugin writes one entry per heading, its title and its text, and the site's
search (lunr, run by Material in a web worker) scores each entry as follows. A matching term
scores its inverse document frequency times $2.2 t / (1.2 + t)$ for $t$ occurrences (BM25 without
length normalisation: a second mention adds far less than the first), times the field's weight
(1000 for the title, 1 for the text), times the entry's `boost` (1 unless set); each term's score
is rounded to three decimals. Material then multiplies an entry that matches every word of the
query by 5 if it is a page's first entry and by 2 if it is a later section, and lists the pages
in the order of their best entry. Every query word also matches the words it begins: "ensemble"
finds `ENSEMBLE_COLOR`.

The API reference has an entry, titled with its name, for each of several hundred objects, so a
topic word that begins a name, or is one (the modules `gpnn.posterior` and `gpnn.ensemble`), hits
an API title worth a thousand mentions in a topic page's text, and the API came first. Here:

- every API entry's `boost` is [`API_BOOST`][gpnn.site.plugin.search.API_BOOST], 0.003: a title
  hit on an API entry weighs 3 mentions in a text instead of 1000. A name's own entry (a section:
  2 × 3 = 6) still beats the name mentioned once in a topic page (at most 5 × 1), and a topic word
  that is spread through a page's prose outweighs an API name it merely starts. Much lower, the
  rounding to three decimals would first flatten, then erase, the API entries' scores;
- an API entry's text is the summary of its docstring only: no signature, no "Used in" line, no
  tables of parameters, so a word in an argument's description does not pull the API up and the
  result shows what the object does;
- a topic page's entries lose their code: the pages' code imports and calls the package, which
  made every notebook match every name, and the results began with `import` lines. The prose
  stays whole.

Titles of API entries lose the kind labels that mkdocstrings adds (`module-attribute`,
`property`), which otherwise make "module" or "property" match every attribute.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

from gpnn.site.plugin.api import FOLDER
from gpnn.site.plugin.assets import FOLD_SUMMARY

API_BOOST = 0.003
"""The weight of an API entry in the search index (a topic page's is 1)."""

INDEX = "search/search_index.json"
"""Where Material's search plugin writes its index, in the site."""

_CODE = re.compile(r"<pre>.*?</pre>", re.DOTALL)
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_NOT_SUMMARY = ("Used in:", "Bases:")
_FOLD = re.compile(rf"{re.escape(FOLD_SUMMARY)}(\s+fold\b)?")  # the control, and the cell's tag
_LABELS = re.compile(r"(\s*<code>[a-z]+(-[a-z]+)*</code>)+\s*$")
_SPACE = re.compile(r"\s+")


def summary(text: str) -> str:
    """The first paragraph of an API entry that is not the "Used in" line or the base classes.

    Parameters
    ----------
    text : str
        The entry's text as the search plugin wrote it: the "Used in" line, the signature, the
        docstring rendered.

    Returns
    -------
    str
        The docstring's summary, as a paragraph; empty if the object has none.
    """
    for match in _PARAGRAPH.finditer(text):
        paragraph = match.group(1).strip()
        if paragraph and not paragraph.startswith(_NOT_SUMMARY):
            return f"<p>{paragraph}</p>"
    return ""


def prose(text: str) -> str:
    """A topic page's entry without its code blocks and the controls that fold them.

    Parameters
    ----------
    text : str
        The entry's text as the search plugin wrote it.

    Returns
    -------
    str
        The text, code removed and white space collapsed.
    """
    return _SPACE.sub(" ", _FOLD.sub(" ", _CODE.sub(" ", text))).strip()


def is_api_entry(location: str) -> bool:
    """Whether an entry belongs to a module's page of the API reference (not its overview).

    Parameters
    ----------
    location : str
        The entry's address in the site, `api/kernels/#gpnn.kernels.kernel_matrix`.

    Returns
    -------
    bool
        True for the module pages' entries.
    """
    page = location.split("#")[0]
    return page.startswith(f"{FOLDER}/") and page != f"{FOLDER}/"


def rewrite(index: dict[str, Any]) -> dict[str, Any]:
    """Trim and weigh the index's entries: API entries to a summary at a low weight, code out.

    Parameters
    ----------
    index : dict
        The search index as the search plugin wrote it (`config` and `docs`).

    Returns
    -------
    dict
        The same index, its entries changed in place.
    """
    for entry in index.get("docs", []):
        if is_api_entry(entry.get("location", "")):
            entry["title"] = _LABELS.sub("", entry.get("title", "")) or entry.get("title", "")
            entry["text"] = summary(entry.get("text", ""))
            entry["boost"] = API_BOOST
        else:
            entry["text"] = prose(entry.get("text", ""))
    return index


class SearchIndex:
    """Finishes the search index: the API reference trimmed and lowered, topic pages' code out."""

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Rewrite the index that the search plugin wrote.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        path = Path(config.site_dir) / INDEX
        if not path.exists():
            return
        index = rewrite(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(json.dumps(index, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
