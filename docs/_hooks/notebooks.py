"""MkDocs hook: execute the notebook pages with a cache that cannot go stale.

Notebook pages are stored as jupytext percent-format ``.py`` files under ``docs/``. Before
mkdocs-jupyter renders them, this hook executes each one in a fresh kernel (in parallel, one
process per page) and hands mkdocs-jupyter the executed ``.ipynb`` instead, which it renders
without executing again and offers for download.

An executed notebook is cached under a key that covers everything its output depends on: the
page's source, the source of the ``gpnn`` package, and the versions of Python and the numerical
libraries. A cell that raises fails the build and names the page. ``GPNN_NO_CACHE=1`` executes
everything afresh and stores nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import posixpath
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

log = logging.getLogger("mkdocs.hooks.notebooks")
KERNEL = "python3"
#: What mkdocs-jupyter is told to load for math; the hook removes it (the site serves MathJax 3).
MATHJAX_PLACEHOLDER = "gpnn-local-mathjax"
_state: dict[str, Any] = {}


def _fresh_gpnn() -> Any:
    """Import ``gpnn.store`` anew, so that a rebuild under ``mkdocs serve`` sees edited sources."""
    for name in [name for name in sys.modules if name == "gpnn" or name.startswith("gpnn.")]:
        del sys.modules[name]
    return importlib.import_module("gpnn.store")


def cache_root(config: MkDocsConfig) -> Path:
    """Folder of every build cache: ``GPNN_CACHE_ROOT``, else ``.cache`` beside ``mkdocs.yml``."""
    root = os.environ.get("GPNN_CACHE_ROOT")
    return Path(root) if root else Path(config.config_file_path).resolve().parent / ".cache"


def on_pre_build(config: MkDocsConfig) -> None:
    store = _fresh_gpnn()
    _state["store"] = store
    _state["no_cache"] = store.cache_disabled()
    if not _state["no_cache"]:
        # The kernels inherit this: one training run per key serves every page and build.
        os.environ["GPNN_CACHE_DIR"] = str(cache_root(config) / "experiments")


def _is_notebook(file: File) -> bool:
    return (
        file.src_uri.endswith(".py")
        and file.inclusion.is_included()
        and not any(part.startswith("_") for part in Path(file.src_uri).parts)
    )


def _key(source: bytes, store: Any) -> str:
    payload = {
        "page": hashlib.sha256(source).hexdigest(),
        "gpnn": store.source_digest(),
        "environment": store.environment(),
        "kernel": KERNEL,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _load(path: Path, key: str) -> nbformat.NotebookNode | None:
    """The cached notebook at ``path`` if it is complete, valid and made for ``key``."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception:  # missing, truncated or corrupt: a miss
        return None
    return nb if nb.metadata.get("gpnn", {}).get("key") == key else None


def _execute(src: Path, src_uri: str, key: str, docs_dir: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb, timeout=1800, kernel_name=KERNEL, allow_errors=False, resources={"metadata": {"path": str(docs_dir)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        raise PluginError(f"Notebook page '{src_uri}' raised while executing:\n{error}") from None
    except Exception as error:
        raise PluginError(f"Notebook page '{src_uri}' could not be executed: {error!r}") from None
    nb.metadata["gpnn"] = {"key": key, "page": src_uri, "seconds": round(time.perf_counter() - start, 3)}
    return nb


def _write(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        nbformat.write(nb, handle)
    os.replace(handle.name, path)


def _prepare(file: File, config: MkDocsConfig, out_dir: Path) -> tuple[File, bool]:
    """Return a file for the executed notebook of page ``file``, and whether it was executed now."""
    src = Path(str(file.abs_src_path))
    key = _key(src.read_bytes(), _state["store"])
    src_uri = Path(file.src_uri).with_suffix(".ipynb").as_posix()
    # One folder per key, holding the notebook at the page's own relative path.
    folder = out_dir / key[:16]
    path = folder / src_uri
    executed = _state["no_cache"] or _load(path, key) is None
    if executed:
        log.info("Executing notebook page %s", file.src_uri)
        _write(_execute(src, file.src_uri, key, Path(config.docs_dir)), path)
    notebook = File(src_uri, str(folder), config.site_dir, config.use_directory_urls)
    return notebook, executed


@event_priority(100)  # before mkdocs-jupyter claims the files
def on_files(files: Files, config: MkDocsConfig) -> Files:
    notebooks = [file for file in files if _is_notebook(file)]
    root = cache_root(config)
    out_dir = Path(tempfile.mkdtemp(prefix="gpnn-nb-")) if _state["no_cache"] else root / "notebooks"
    workers = max(1, min(len(notebooks), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        prepared = list(pool.map(lambda file: _prepare(file, config, out_dir), notebooks))
    executed = []
    for file, (notebook, ran) in zip(notebooks, prepared, strict=True):
        files.remove(file)
        files.append(notebook)
        if ran:
            executed.append(file.src_uri)
    _state["executed"] = executed
    log.info("Notebook pages executed this build: %s", ", ".join(executed) or "none")
    return files


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_MATHJAX2 = re.compile(
    r'<script src="' + MATHJAX_PLACEHOLDER + r'">\s*</script>|<script type="text/x-mathjax-config">.*?</script>',
    re.DOTALL,
)
NOTEBOOK_CSS = "assets/stylesheets/notebooks.css"


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Lighten notebook pages: shared styles go to one file, the notebook's own MathJax 2 goes."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _MATHJAX2.sub("", html)
    styles = _state.setdefault("styles", {})
    for css in _STYLE.findall(html):
        styles.setdefault(hashlib.sha256(css.encode()).hexdigest(), css)
    html = _STYLE.sub("", html)
    href = posixpath.relpath(NOTEBOOK_CSS, posixpath.dirname(page.file.dest_uri))
    return f'<link rel="stylesheet" href="{href}">\n{html}'


def on_post_build(config: MkDocsConfig) -> None:
    """Write the notebooks' shared styles; serve MathJax from the site, copied from the ``mathjax`` package."""
    styles = _state.get("styles", {})
    css_path = Path(config.site_dir) / NOTEBOOK_CSS
    css_path.parent.mkdir(parents=True, exist_ok=True)
    css_path.write_text("\n".join(styles[key] for key in sorted(styles)), encoding="utf-8")

    import mathjax  # the django-static-mathjax distribution: MathJax 3 as package data

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = Path(config.site_dir) / "assets" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "tex-chtml.js", target / "tex-chtml.js")
    shutil.copytree(
        source / "output" / "chtml" / "fonts" / "woff-v2",
        target / "output" / "chtml" / "fonts" / "woff-v2",
        dirs_exist_ok=True,
    )
