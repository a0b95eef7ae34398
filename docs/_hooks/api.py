"""MkDocs hook: render the API reference only when what it shows has changed.

mkdocstrings renders the API reference from the package's docstrings and source, which is the
slowest part of a build in which nothing else changed. Its output depends on the page's
Markdown, on the ``gpnn`` package's source, on the versions of the libraries that render it, and
on their configuration: under a key over all of these, this hook keeps the rendered content, its
table of contents and the anchors mkdocstrings registered for cross-references, and on the next
build restores them instead of rendering again. (mkdocstrings' ``objects.inv`` inventory is
turned off in ``mkdocs.yml``: a restored page registers no inventory entries.)
"""

from __future__ import annotations

import json
import logging
import types
from importlib.metadata import version
from pathlib import Path
from typing import Any

from gpnn_build import STATE, digest, package_digest, write_if_changed
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

log = logging.getLogger("mkdocs.hooks.api")
API_PAGE = "api.md"
LIBRARIES = (
    "mkdocs",
    "mkdocstrings",
    "mkdocstrings-python",
    "griffelib",
    "mkdocs-autorefs",
    "markdown",
    "pymdown-extensions",
)
_recording: list[dict[str, Any]] | None = None
_key: str | None = None


def on_config(config: MkDocsConfig) -> None:
    """Record the anchors mkdocstrings registers while the API page renders."""
    autorefs = config.plugins.get("autorefs")
    if autorefs is None or getattr(autorefs.register_anchor, "gpnn_recorded", False):
        return
    original = autorefs.register_anchor

    def register_anchor(page: Any, identifier: str, anchor: str | None = None, **kwargs: Any) -> None:
        if _recording is not None:
            _recording.append({"identifier": identifier, "anchor": anchor, **kwargs})
        original(page, identifier, anchor, **kwargs)

    register_anchor.gpnn_recorded = True  # type: ignore[attr-defined]
    autorefs.register_anchor = register_anchor


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    global _recording, _key
    if page.file.src_uri != API_PAGE:
        return markdown
    import gpnn.provenance

    _key = digest(
        {
            "markdown": markdown,
            "gpnn": package_digest(Path(gpnn.provenance.__file__).parent),
            "versions": {name: version(name) for name in LIBRARIES},
            "configuration": digest(Path(config.config_file_path).read_bytes()),
            "hook": digest(Path(__file__).read_bytes()),
        }
    )
    entry = None if STATE.no_cache else _read(_path())
    if entry is None:
        log.info("API reference: rendering")
        _recording = []
        return markdown
    log.info("API reference: restored from the cache")
    _recording = None
    autorefs = config.plugins.get("autorefs")

    def restore(self: Page, config: MkDocsConfig, files: Files) -> None:
        self.content = entry["content"]
        self.toc = TableOfContents([_anchor(item) for item in entry["toc"]])
        for anchor in entry["anchors"]:
            arguments = dict(anchor)
            autorefs.register_anchor(self, arguments.pop("identifier"), arguments.pop("anchor"), **arguments)

    page.render = types.MethodType(restore, page)  # type: ignore[method-assign]
    return markdown


@event_priority(100)  # before the other hooks add to the page
def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    global _recording
    if page.file.src_uri == API_PAGE and _recording is not None and not STATE.no_cache:
        entry = {"content": html, "toc": [_item(link) for link in page.toc], "anchors": _recording}
        write_if_changed(_path(), json.dumps(entry, sort_keys=True).encode())
    _recording = None
    return html


def _path() -> Path:
    return STATE.cache / "api" / f"{_key}.json"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and {"content", "toc", "anchors"} <= set(entry) else None


def _item(link: AnchorLink) -> dict[str, Any]:
    return {"title": link.title, "id": link.id, "level": link.level, "children": [_item(c) for c in link.children]}


def _anchor(item: dict[str, Any]) -> AnchorLink:
    link = AnchorLink(item["title"], item["id"], item["level"])
    link.children = [_anchor(child) for child in item["children"]]
    return link
