"""MkDocs hook: execute the notebook pages with a cache that cannot go stale.

Notebook pages are stored as jupytext percent-format ``.py`` files under ``docs/``. Before
mkdocs-jupyter renders them, this hook executes each one in a fresh kernel (in parallel, one
process per page) and hands mkdocs-jupyter the executed ``.ipynb`` instead, which it renders
without executing again and offers for download.

An executed notebook is cached under a key that covers everything its output depends on: the
page's source, the source of the ``gpnn`` package, this hook, the versions of Python and the
numerical libraries, the processor and the BLAS thread settings. A corrupt or partial entry is
a miss. A cell that raises fails the build and names the page. ``GPNN_NO_CACHE=1`` executes
everything afresh and stores nothing. (mkdocs-jupyter's own cache then keys on the executed
notebook's bytes, which is safe: they change whenever anything above does.)

The hook also finishes the pages: it ends every executed page with its provenance (build date,
run time, versions, commit, seeds), fills in the computation-times page, moves the styles that
mkdocs-jupyter inlines into every notebook page to one shared file, drops the notebook pages'
own MathJax 2 loader, and copies MathJax 3 from the ``mathjax`` package into the site.
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
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
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
    return importlib.import_module("gpnn.site.store")


def cache_root(config: MkDocsConfig) -> Path:
    """Folder of every build cache: ``GPNN_CACHE_ROOT``, else ``.cache`` beside ``mkdocs.yml``."""
    root = os.environ.get("GPNN_CACHE_ROOT")
    return Path(root) if root else Path(config.config_file_path).resolve().parent / ".cache"


def build_time() -> str:
    """The build's date: ``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _git_commit(folder: Path) -> str:
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


def on_pre_build(config: MkDocsConfig) -> None:
    _state.setdefault("runs", {})  # page -> its latest run time; kept across `serve` rebuilds
    _state["commit"] = _git_commit(Path(config.config_file_path).resolve().parent)
    store = _fresh_gpnn()
    _state["store"] = store
    _state["no_cache"] = store.cache_disabled()
    # No thread-count variables are set for the kernels: OpenBLAS's thread count changes the
    # rounding of its Cholesky factorisation, hence the simulated data themselves. Pages must
    # compute what a reader running the same code in a plain Python session gets.
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
        "gpnn": _package_digest(Path(store.PACKAGE_DIR)),
        "environment": store.environment(("gpnn", "torch", "numpy", "scipy", "matplotlib")),
        "kernel": KERNEL,
        "hook": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),  # how pages are executed
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _package_digest(package_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # jupytext would draw random ids: the page must not change by chance
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        timeout=1800,
        kernel_name=KERNEL,
        allow_errors=False,
        record_timing=False,  # per-cell clock readings would make every build's notebook differ
        resources={"metadata": {"path": str(docs_dir)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        raise PluginError(f"Notebook page '{src_uri}' raised while executing:\n{error}") from None
    except Exception as error:
        raise PluginError(f"Notebook page '{src_uri}' could not be executed: {error!r}") from None
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    nb.metadata["gpnn"] = {
        "key": key,
        "page": src_uri,
        "seconds": round(time.perf_counter() - start, 3),
        "executed_at": build_time(),
    }
    return nb


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive printed outputs of one stream: the kernel flushes them in chunks that
    depend on timing, and the same code must always give the same notebook."""
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def _write(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        nbformat.write(nb, handle)
    os.replace(handle.name, path)


def _prepare(file: File, config: MkDocsConfig, out_dir: Path) -> tuple[File, bool]:
    """Return a file for the executed notebook of page ``file``, and whether it was executed now.

    Records the notebook's run time and execution date for the page's provenance footer.
    """
    src = Path(str(file.abs_src_path))
    key = _key(src.read_bytes(), _state["store"])
    src_uri = Path(file.src_uri).with_suffix(".ipynb").as_posix()
    # One folder per key, holding the notebook at the page's own relative path.
    folder = out_dir / key[:16]
    path = folder / src_uri
    nb = None if _state["no_cache"] else _load(path, key)
    executed = nb is None
    if nb is None:
        log.info("Executing notebook page %s", file.src_uri)
        nb = _execute(src, file.src_uri, key, Path(config.docs_dir))
        _write(nb, path)
    meta = nb.metadata["gpnn"]
    _state["runs"][src_uri] = {"seconds": meta["seconds"], "executed_at": meta["executed_at"], "now": executed}
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
    for file in files:
        if file.src_uri.endswith(".md") and file.abs_src_path and _LIVE_CODE in Path(file.abs_src_path).read_text():
            # Its output depends on more than its own text: rebuild it even under `serve --dirty`.
            file.is_modified = lambda: True  # type: ignore[method-assign]
    times = File.generated(config, TIMES_PAGE, content=_TIMES_SOURCE)
    times.is_modified = lambda: True  # type: ignore[method-assign]
    files.append(times)
    return files


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_MATHJAX2 = re.compile(
    r'<script src="' + MATHJAX_PLACEHOLDER + r'">\s*</script>|<script type="text/x-mathjax-config">.*?</script>',
    re.DOTALL,
)
NOTEBOOK_CSS = "assets/stylesheets/notebooks.css"


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if _LIVE_CODE in markdown:
        _state["started"] = (page.file.src_uri, time.perf_counter())
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Lighten notebook pages and end every executed page with its provenance."""
    src_uri = page.file.src_uri
    started = _state.pop("started", None)
    if started and started[0] == src_uri:
        # Markdown pages run their code (markdown-exec) while being converted, i.e. just now.
        _state["runs"][src_uri] = {
            "seconds": round(time.perf_counter() - started[1], 3),
            "executed_at": build_time(),
            "now": True,
        }
    if src_uri.endswith(".ipynb"):
        html = _MATHJAX2.sub("", html)
        for css in _STYLE.findall(html):
            _state.setdefault("styles", {}).setdefault(hashlib.sha256(css.encode()).hexdigest(), css)
        html = _STYLE.sub("", html)
        href = posixpath.relpath(NOTEBOOK_CSS, posixpath.dirname(page.file.dest_uri))
        html = f'<link rel="stylesheet" href="{href}">\n{html}'
    if src_uri in _state["runs"]:
        html += _provenance(_state["runs"][src_uri])
    return html


def _provenance(run: dict[str, Any]) -> str:
    store = _state["store"]
    gpnn = sys.modules["gpnn"]
    config = gpnn.ExperimentConfig()
    versions = ", ".join(
        f"{name} {version}" for name, version in store.environment(("torch", "numpy", "scipy", "matplotlib")).items()
    )
    return (
        '<div class="gpnn-provenance" data-search-exclude><p>'
        f'Built <span class="gpnn-time">{build_time()}</span>. This page\'s code ran for '
        f'<span class="gpnn-time">{run["seconds"]:.1f} s</span>, on '
        f'<span class="gpnn-time">{run["executed_at"]}</span>, with gpnn {gpnn.__version__} '
        f"(commit {_state['commit']}) and {versions}. Seeds: data {config.data_seed}, initial weights "
        f"{config.init_seed} (others are set in the code above).</p></div>"
    )


_LIVE_CODE = 'exec="on"'
TIMES_PAGE = "computation-times.md"
_TIMES_MARKER = "<!-- gpnn:computation-times -->"
_TIMES_SOURCE = f"""# Computation times

How long the code of each executed page ran, and when. A page whose inputs have not changed since
(its source, the gpnn package, the library versions) is served from the build cache and keeps the
time of the run that produced it.

{_TIMES_MARKER}
"""


def _times_table() -> str:
    runs = _state["runs"]
    rows = []
    for src_uri in sorted(runs):
        run = runs[src_uri]
        url = "../" if src_uri == "index.md" else "../" + posixpath.splitext(src_uri)[0] + "/"
        status = "this build" if run["now"] else "cached"
        rows.append(
            f'<tr><td><a href="{url}">{src_uri}</a></td><td class="gpnn-time">{run["seconds"]:.2f} s</td>'
            f'<td class="gpnn-time">{run["executed_at"]}</td><td>{status}</td></tr>'
        )
    total = sum(run["seconds"] for run in runs.values())
    rows.append(f'<tr><td><strong>total</strong></td><td class="gpnn-time">{total:.2f} s</td><td></td><td></td></tr>')
    header = "<tr><th>page</th><th>run time</th><th>run on</th><th>executed</th></tr>"
    return f"<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>"


def on_post_build(config: MkDocsConfig) -> None:
    """Fill in the computation times, write the notebooks' shared styles, and serve MathJax."""
    times_html = Path(config.site_dir) / "computation-times" / "index.html"
    if times_html.exists():
        times_html.write_text(
            times_html.read_text(encoding="utf-8").replace(_TIMES_MARKER, _times_table()), encoding="utf-8"
        )
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
