"""MkDocs hook: execute the pages' code, never redoing work a change did not touch.

**Notebook pages** are jupytext percent-format ``.py`` files under ``docs/``. A page's outputs
depend on its code cells, not on its prose, so the executed notebook is cached under a key over
the code cells and :func:`gpnn_build.page_context` (the ``gpnn`` package, this build code, the
library versions, the processor, the BLAS threads). When the page is rendered, its *current*
Markdown cells are merged into the executed notebook: a prose edit re-renders without executing;
a code edit executes that page alone. A corrupt or partial cache entry is a miss; a cell that
raises fails the build and names the page.

While notebooks execute (all at once, one kernel each), one job server
(:mod:`gpnn.site.jobs`) runs every training run they ask for on as many single-threaded worker
processes as there are cores, longest first, each result computed once and kept in the result
store, so a page whose code changed gets its runs back from the store.

**Markdown pages with live code** (markdown-exec blocks) are cached the same way: a page's
blocks run only when the page's text or the context changed; otherwise their stored output is
replayed without running anything.

``GPNN_NO_CACHE=1`` executes everything afresh and keeps nothing afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpnn_build import HOOKS_DIR, STATE, Run, build_time, cache_root, digest, git_commit, page_context, write_if_changed
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.execute")
KERNEL = "python3"
#: The code that executes pages; its source is part of every key.
BUILD_CODE = [HOOKS_DIR / "execute.py", HOOKS_DIR / "gpnn_build.py"]
#: Run after a page's last cell and removed from the notebook: reports the page's claims.
_REPORT = (
    "import json as _json, sys as _sys\n"
    "_claims = _sys.modules.get('gpnn.site.claims')\n"
    "print(_json.dumps(_claims.report() if _claims else []))"
)
_LIVE_CODE = 'exec="on"'


@dataclass
class _Page:
    """A notebook page's source and where its cached notebooks live."""

    file: File
    src_uri: str  # "training.py"
    nb_uri: str  # "training.ipynb"
    source: bytes
    render_path: Path


def on_config(config: MkDocsConfig) -> None:
    """Replay cached markdown-exec output: wrap the formatter markdown-exec registered.

    Also keeps the build's log to what a person follows: mkdocs-jupyter reports every file it
    converts, copies or evicts from its cache at INFO; this hook reports each page as it finishes.
    With ``--verbose`` (DEBUG) everything is shown as before.
    """
    if logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG:
        for name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):
            logging.getLogger(name).setLevel(logging.WARNING)
    fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
    for fence in fences:
        if fence.get("name") == "python" and not getattr(fence["format"], "gpnn_cached", False):
            fence["format"] = _cached_formatter(fence["format"])


def on_pre_build(config: MkDocsConfig) -> None:
    root = Path(config.config_file_path).resolve().parent
    STATE.root = root
    STATE.no_cache = os.environ.get("GPNN_NO_CACHE", "") not in ("", "0")
    no_cache_folder = Path(tempfile.mkdtemp(prefix="gpnn-build-")) if STATE.no_cache else None
    STATE.cache = no_cache_folder or cache_root(config.config_file_path)
    STATE.commit = git_commit(root)
    STATE.executed = []
    STATE.training = {}
    # Markdown pages' live code finds the result store here (with GPNN_NO_CACHE set it computes afresh).
    os.environ["GPNN_CACHE_DIR"] = str(STATE.cache / "experiments")
    # No thread-count variables are set for the kernels: OpenBLAS's thread count changes the
    # rounding of its Cholesky factorisation, hence the simulated data themselves. Pages compute
    # what a reader running the same code in a plain Python session gets.


def _is_notebook(file: File) -> bool:
    return (
        file.src_uri.endswith(".py")
        and file.inclusion.is_included()
        and not any(part.startswith("_") for part in Path(file.src_uri).parts)
    )


@event_priority(100)  # before mkdocs-jupyter claims the files
def on_files(files: Files, config: MkDocsConfig) -> Files:
    context = page_context(BUILD_CODE)
    index_path = STATE.cache / "render" / "index.json"
    index = _read_json(index_path)
    pages = []
    for file in [f for f in files if _is_notebook(f)]:
        nb_uri = Path(file.src_uri).with_suffix(".ipynb").as_posix()
        source = Path(str(file.abs_src_path)).read_bytes()
        pages.append(_Page(file, file.src_uri, nb_uri, source, STATE.cache / "render" / nb_uri))
    stale = [page for page in pages if not _fresh(page, index.get(page.src_uri, {}), context)]
    if stale:
        _refresh(stale, context, index, config)
        write_if_changed(index_path, json.dumps(index, indent=1, sort_keys=True).encode())
    for page in pages:
        entry = index[page.src_uri]
        STATE.runs[page.nb_uri] = Run(
            entry["seconds"], entry["executed_at"], page.src_uri in STATE.executed, entry["claims"]
        )
        files.remove(page.file)
        rendered = File(page.nb_uri, str(STATE.cache / "render"), config.site_dir, config.use_directory_urls)
        rendered.edit_uri = page.src_uri  # the page's real source: the jupytext file, not the notebook
        STATE.sources[page.nb_uri] = page.src_uri
        files.append(rendered)
    log.info("Notebook pages executed this build: %s", ", ".join(sorted(STATE.executed)) or "none")
    for file in files:
        if file.src_uri.endswith(".md") and file.abs_src_path and _LIVE_CODE in Path(file.abs_src_path).read_text():
            if _live_entry(Path(file.abs_src_path).read_text(), context) is None:
                file.is_modified = lambda: True  # type: ignore[method-assign]
    STATE.context = context
    return files


def _fresh(page: _Page, entry: dict[str, Any], context: str) -> bool:
    """Whether the page's merged notebook is intact and made from its current source and context."""
    if entry.get("source") != digest(page.source) or entry.get("context") != context:
        return False
    try:
        return digest(page.render_path.read_bytes()) == entry.get("render")
    except OSError:
        return False


def _refresh(pages: list[_Page], context: str, index: dict[str, Any], config: MkDocsConfig) -> None:
    """Bring each page's merged notebook up to date, executing the pages whose code changed."""
    import jupytext

    todo = []
    for page in pages:
        nb = _parse(page, jupytext)
        key = digest({"context": context, "code": [c.source for c in nb.cells if c.cell_type == "code"]})
        executed = None if STATE.no_cache else _load(STATE.cache / "notebooks" / key[:16] / page.nb_uri, key)
        todo.append((page, nb, key, executed))
    run = [(page, nb, key) for page, nb, key, executed in todo if executed is None]
    results = _execute_all(run, Path(config.docs_dir)) if run else {}
    for page, nb, key, executed in todo:
        executed = executed if executed is not None else results[page.src_uri]
        meta = executed.metadata["gpnn"]
        merged = _merge(nb, executed).encode()
        write_if_changed(page.render_path, merged)
        index[page.src_uri] = {
            "render": digest(merged),
            "source": digest(page.source),
            "context": context,
            "key": key,
            "seconds": meta["seconds"],
            "executed_at": meta["executed_at"],
            "claims": meta.get("claims", []),
        }


def _parse(page: _Page, jupytext: Any) -> Any:
    nb = jupytext.reads(page.source.decode("utf-8"), fmt="py:percent")
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # jupytext would draw random ids: the page must not change by chance
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    return nb


def _execute_all(run: list[tuple[_Page, Any, str]], docs_dir: Path) -> dict[str, Any]:
    """Execute every page at once, one kernel each, sharing one job server for their training runs."""
    from gpnn.site.jobs import serving

    results: dict[str, Any] = {}
    started = time.perf_counter()
    store = STATE.cache / "experiments"
    failures = []
    with serving(store) as server, ThreadPoolExecutor(max_workers=len(run)) as pool:
        futures = {pool.submit(_execute, page, nb, key, docs_dir): page for page, nb, key in run}
        for done, future in enumerate(as_completed(futures), start=1):
            page = futures[future]
            left = len(run) - done
            progress = f"({done} of {len(run)} pages, {f'{left} still running' if left else 'all done'})"
            try:
                results[page.src_uri] = future.result()
            except PluginError as error:  # report every failing page, not only the first
                failures.append(str(error))
                log.error("Failed %s %s", page.src_uri, progress)
                continue
            STATE.executed.append(page.src_uri)
            log.info(
                "Executed %s in %.1f s %s", page.src_uri, results[page.src_uri].metadata["gpnn"]["seconds"], progress
            )
    if failures:
        raise PluginError("\n\n".join(failures))
    STATE.training = {
        "runs": len(server.completed),
        "run_seconds": sum(record["seconds"] for record in server.completed),
        "served": server.served,
        "workers": server.workers,
        "wall_seconds": time.perf_counter() - started,
    }
    log.info(
        "Training runs: %d computed (%.0f s of run time on %d workers), %d served from the store",
        len(server.completed),
        STATE.training["run_seconds"],
        server.workers,
        server.served,
    )
    return results


_LOCK = threading.Lock()


def _execute(page: _Page, nb: Any, key: str, docs_dir: Path) -> Any:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a copy: the parsed page is merged later
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT, id="gpnn-report"))
    sockets = Path(tempfile.mkdtemp(prefix="gpnn-kernel-"))
    client = NotebookClient(
        nb,
        timeout=1800,
        kernel_name=KERNEL,
        allow_errors=False,
        record_timing=False,  # per-cell clock readings would make every build's notebook differ
        resources={"metadata": {"path": str(docs_dir)}},
        # Local sockets instead of TCP ports, where the system has them (not on Windows): nothing
        # listens on the network while pages run.
        config=Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})
        if os.name == "posix"
        else Config(),
    )
    start = time.perf_counter()
    try:
        client.execute(env=dict(os.environ))
    except CellExecutionError as error:
        raise PluginError(f"Notebook page '{page.src_uri}' raised while executing:\n{error}") from None
    except Exception as error:
        raise PluginError(f"Notebook page '{page.src_uri}' could not be executed: {error!r}") from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    report = nb.cells.pop()
    claims = json.loads("".join(o.get("text", "") for o in report.outputs if o.output_type == "stream") or "[]")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    nb.metadata["gpnn"] = {
        "key": key,
        "page": page.src_uri,
        "seconds": round(time.perf_counter() - start, 3),
        "executed_at": build_time(),
        "claims": claims,
    }
    if not STATE.no_cache:
        path = STATE.cache / "notebooks" / key[:16] / page.nb_uri
        write_if_changed(path, nbformat.writes(nb).encode())
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


def _merge(current: Any, executed: Any) -> str:
    """The page as it reads now: current cells, each code cell with its executed outputs.

    The key covers the code cells in order, so the executed notebook's code cells are the
    current ones, one for one; only the Markdown cells (and cell tags) may differ.
    """
    import nbformat

    outputs = iter([cell for cell in executed.cells if cell.cell_type == "code"])
    cells = []
    for cell in current.cells:
        cell = nbformat.from_dict(json.loads(json.dumps(cell)))
        if cell.cell_type == "code":
            done = next(outputs)
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
        cells.append(cell)
    merged = nbformat.from_dict(json.loads(json.dumps(executed)))
    merged.cells = cells
    return nbformat.writes(merged)


def _load(path: Path, key: str) -> Any:
    """The executed notebook at ``path`` if it is complete, valid and made for ``key``."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception:  # missing, truncated or corrupt: a miss
        return None
    return nb if nb.metadata.get("gpnn", {}).get("key") == key else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# Markdown pages with live code -------------------------------------------------------------


class _Warnings(logging.Handler):
    """Counts the warnings the build logs while a page's blocks run: a page that warned is not cached.

    Only the building thread's: under ``mkdocs serve`` the web server logs its own warnings (a
    redirect, a missing file) from other threads while a page is being rebuilt.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.count += 1


@dataclass
class _Live:
    """The live blocks of the Markdown page being rendered: replayed, or run and recorded."""

    page: str
    key: str
    replay: list[str] | None
    recorded: list[str]
    started: float
    warnings: _Warnings


_live: _Live | None = None


def _live_key(markdown: str, context: str) -> str:
    return digest({"markdown": markdown, "context": context})


def _live_entry(markdown: str, context: str) -> dict[str, Any] | None:
    entry = _read_json(STATE.cache / "live" / f"{_live_key(markdown, context)[:32]}.json")
    return entry if entry.get("blocks") is not None and not STATE.no_cache else None


def _cached_formatter(formatter: Any) -> Any:
    def format(*args: Any, **kwargs: Any) -> str:
        if _live is not None and _live.replay is not None:
            return _live.replay.pop(0)
        output = str(formatter(*args, **kwargs))
        if _live is not None:
            _live.recorded.append(output)
        return output

    format.gpnn_cached = True  # type: ignore[attr-defined]
    return format


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    global _live
    _live = None
    if _LIVE_CODE in markdown:
        context = STATE.context
        entry = _live_entry(markdown, context)
        key = _live_key(markdown, context)
        _live = _Live(
            page.file.src_uri, key, list(entry["blocks"]) if entry else None, [], time.perf_counter(), _Warnings()
        )
        logging.getLogger("mkdocs").addHandler(_live.warnings)
        if entry:
            STATE.runs[page.file.src_uri] = Run(entry["seconds"], entry["executed_at"], False, entry["claims"])
        else:
            _claims_module_reset()
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    global _live
    live, _live = _live, None
    if live is not None:
        logging.getLogger("mkdocs").removeHandler(live.warnings)
    if live is not None and live.warnings.count and live.replay is None:
        # markdown-exec reports a raising block as a warning; like a raising cell, it fails the build.
        raise PluginError(f"The live code of page '{live.page}' failed while executing: see the warning above.")
    if live is not None and live.replay is None and live.page == page.file.src_uri:
        # The blocks ran just now (markdown-exec runs them while the page is converted).
        run = Run(round(time.perf_counter() - live.started, 3), build_time(), True, _claims_report())
        STATE.runs[live.page] = run
        if not STATE.no_cache:
            entry = {"blocks": live.recorded, "seconds": run.seconds, "executed_at": run.executed_at}
            entry["claims"] = run.claims
            write_if_changed(STATE.cache / "live" / f"{live.key[:32]}.json", json.dumps(entry).encode())
    return html


def _claims_module_reset() -> None:
    import sys

    claims = sys.modules.get("gpnn.site.claims")
    if claims is not None:
        claims.reset()


def _claims_report() -> list[dict[str, Any]]:
    import sys

    claims = sys.modules.get("gpnn.site.claims")
    return claims.report() if claims is not None else []


def on_page_context(context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any) -> dict[str, Any]:
    """Point a notebook page's edit link at its real source, the jupytext file."""
    source = STATE.sources.get(page.file.src_uri)
    if source and page.edit_url and page.edit_url.endswith(page.file.src_uri):
        page.edit_url = page.edit_url[: -len(page.file.src_uri)] + source
    return context


def on_post_build(config: MkDocsConfig) -> None:
    if STATE.no_cache:
        shutil.rmtree(STATE.cache, ignore_errors=True)
