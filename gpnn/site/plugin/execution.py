"""Execute the notebook pages, never redoing work a change did not touch.

Notebook pages are jupytext percent-format `.py` files under `docs/`. A page's outputs depend on
its code cells and on the code they call, not on its prose, so the executed notebook is cached
under a key over the code cells and the page's context (the `gpnn` modules the cells import,
read as code; the build code that executes pages; the library versions, the processor and the
BLAS threads: [`page_context`][gpnn.site.plugin.execution.page_context]). When the page is
rendered, its *current* Markdown cells are merged into the executed notebook: a prose edit
re-renders without executing; a code edit executes that page alone. A corrupt or partial cache
entry is a miss; a cell that raises fails the build and names the page.

Pages that must run execute all at once, one kernel each; their training runs go to the build's
job service ([`JobService`][gpnn.site.plugin.service.JobService]).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from gpnn.site.plugin import keys
from gpnn.site.plugin.service import JobService
from gpnn.site.plugin.state import PAGE_LIBRARIES, BuildState, Run, build_time, digest, read_json, write_if_changed

log = logging.getLogger("mkdocs.plugins.gpnn.execution")
"""The logger of page execution."""

KERNEL = "python3"
"""The Jupyter kernel pages run in."""

BUILD_MODULES = ("gpnn.site.plugin.execution", "gpnn.site.plugin.live", "gpnn.site.plugin.state")
"""The build code that executes pages: its code is part of every page's key."""

_REPORT = (
    "import json as _json, sys as _sys\n"
    "_claims = _sys.modules.get('gpnn.site.claims')\n"
    "print(_json.dumps(_claims.report() if _claims else []))"
)
_TRAINING = (
    "import json as _json, sys as _sys\n"
    "_runs = _sys.modules.get('gpnn.site.runs')\n"
    "print(_json.dumps(_runs.requested() if _runs else []))"
)
_CELL = re.compile(r"(?m)^# %%.*$")


def page_context(code: str, package_dir: Path, *, table: dict[str, str] | None = None) -> str:
    """The key of everything but a page's own code that its outputs depend on.

    The code (without docstrings and comments) of the `gpnn` modules that `code` imports,
    transitively; the build code that executes pages
    ([`BUILD_MODULES`][gpnn.site.plugin.execution.BUILD_MODULES] themselves, read the same way:
    what they import is covered where a page imports it); and the environment: versions of Python and the libraries of
    [`PAGE_LIBRARIES`][gpnn.site.plugin.state.PAGE_LIBRARIES], the processor and the BLAS threads.

    Parameters
    ----------
    code : str
        The page's executable code.
    package_dir : Path
        The `gpnn` folder.
    table : dict of str to str, optional
        Re-exported names ([`homes`][gpnn.site.plugin.keys.homes]), if already read.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    import gpnn.provenance

    table = keys.homes(package_dir) if table is None else table
    modules = keys.module_closure(keys.imported_modules(code, package_dir, table), package_dir, table)
    return digest(
        {
            "gpnn": keys.code_digest(modules, package_dir),
            "build": keys.code_digest(list(BUILD_MODULES), package_dir),
            "environment": gpnn.provenance.environment(PAGE_LIBRARIES),
        }
    )


def notebook_code(text: str) -> str:
    """The code cells of a jupytext percent-format page, joined.

    Parameters
    ----------
    text : str
        The page's source.

    Returns
    -------
    str
        Its code cells, without the Markdown cells.
    """
    cells = _CELL.split(text)
    headers = _CELL.findall(text)
    return "\n".join(cell for header, cell in zip(headers, cells[1:], strict=True) if "[markdown]" not in header)


def is_notebook(file: File) -> bool:
    """Whether a documentation file is a notebook page (a `.py` file not in a `_` folder).

    Parameters
    ----------
    file : File
        A file of the site.

    Returns
    -------
    bool
        True for a jupytext page.
    """
    return (
        file.src_uri.endswith(".py")
        and file.inclusion.is_included()
        and not any(part.startswith("_") for part in Path(file.src_uri).parts)
    )


@dataclass
class _Page:
    """A notebook page's source and where its merged notebook lives."""

    file: File
    src_uri: str  # "training.py"
    nb_uri: str  # "training.ipynb"
    source: bytes
    render_path: Path
    context: str


class NotebookPages:
    """Executes the notebook pages whose code changed and renders every one from the cache.

    Parameters
    ----------
    state : BuildState
        The build's shared state.
    service : JobService
        Where the pages' training runs go.
    """

    def __init__(self, state: BuildState, service: JobService) -> None:
        self._state = state
        self._service = service

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Replace each jupytext page by its executed, merged notebook (executing the stale ones).

        Parameters
        ----------
        files : Files
            The site's files.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        Files
            The files, notebook pages now `.ipynb` files from the render cache.
        """
        state = self._state
        package_dir = Path(keys.__file__).resolve().parents[2]
        table = keys.homes(package_dir)
        index_path = state.cache / "render" / "index.json"
        index = read_json(index_path)
        pages = []
        for file in [f for f in files if is_notebook(f)]:
            nb_uri = Path(file.src_uri).with_suffix(".ipynb").as_posix()
            source = Path(str(file.abs_src_path)).read_bytes()
            context = page_context(notebook_code(source.decode("utf-8")), package_dir, table=table)
            pages.append(_Page(file, file.src_uri, nb_uri, source, state.cache / "render" / nb_uri, context))
        stale = [page for page in pages if not _fresh(page, index.get(page.src_uri, {}))]
        if stale:
            self._refresh(stale, index, config)
            write_if_changed(index_path, json.dumps(index, indent=1, sort_keys=True).encode())
        for page in pages:
            entry = index[page.src_uri]
            state.runs[page.nb_uri] = Run(
                entry["seconds"],
                entry["executed_at"],
                page.src_uri in state.executed,
                entry["claims"],
                entry.get("training", []),
            )
            files.remove(page.file)
            rendered = File(page.nb_uri, str(state.cache / "render"), config.site_dir, config.use_directory_urls)
            rendered.edit_uri = page.src_uri  # the page's real source: the jupytext file, not the notebook
            state.sources[page.nb_uri] = page.src_uri
            files.append(rendered)
        log.info("Notebook pages executed this build: %s", ", ".join(sorted(state.executed)) or "none")
        return files

    def _refresh(self, pages: list[_Page], index: dict[str, Any], config: MkDocsConfig) -> None:
        """Bring each page's merged notebook up to date, executing the pages whose code changed."""
        import jupytext

        todo = []
        for page in pages:
            nb = _parse(page, jupytext)
            code = [c.source for c in nb.cells if c.cell_type == "code"]
            key = digest({"context": page.context, "code": code})
            cached = self._state.cache / "notebooks" / key[:16] / page.nb_uri
            executed = None if self._state.no_cache else _load(cached, key)
            todo.append((page, nb, key, executed))
        run = [(page, nb, key) for page, nb, key, executed in todo if executed is None]
        results = self._execute_all(run, Path(config.docs_dir)) if run else {}
        for page, nb, key, executed in todo:
            executed = executed if executed is not None else results[page.src_uri]
            meta = executed.metadata["gpnn"]
            merged = _merge(nb, executed).encode()
            write_if_changed(page.render_path, merged)
            index[page.src_uri] = {
                "render": digest(merged),
                "source": digest(page.source),
                "context": page.context,
                "key": key,
                "seconds": meta["seconds"],
                "executed_at": meta["executed_at"],
                "claims": meta.get("claims", []),
                "training": meta.get("training", []),
            }

    def _execute_all(self, run: list[tuple[_Page, Any, str]], docs_dir: Path) -> dict[str, Any]:
        """Execute every page at once, one kernel each, sharing the build's job service."""
        results: dict[str, Any] = {}
        failures = []
        self._service.start()
        with ThreadPoolExecutor(max_workers=len(run)) as pool:
            futures = {pool.submit(self._execute, page, nb, key, docs_dir): page for page, nb, key in run}
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
                self._state.executed.append(page.src_uri)
                seconds = results[page.src_uri].metadata["gpnn"]["seconds"]
                log.info("Executed %s in %.1f s %s", page.src_uri, seconds, progress)
        if failures:
            raise PluginError("\n\n".join(failures))
        return results

    def _execute(self, page: _Page, nb: Any, key: str, docs_dir: Path) -> Any:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from traitlets.config import Config

        nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a copy: the parsed page is merged later
        nb.cells.append(nbformat.v4.new_code_cell(_REPORT, id="gpnn-report"))
        nb.cells.append(nbformat.v4.new_code_cell(_TRAINING, id="gpnn-training"))
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
            client.execute(env={**os.environ, **self._service.environment()})
        except CellExecutionError as error:
            raise PluginError(f"Notebook page '{page.src_uri}' raised while executing:\n{error}") from None
        except Exception as error:
            raise PluginError(f"Notebook page '{page.src_uri}' could not be executed: {error!r}") from None
        finally:
            shutil.rmtree(sockets, ignore_errors=True)
        training, report = nb.cells.pop(), nb.cells.pop()
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = _merge_streams(cell.outputs)
        nb.metadata["gpnn"] = {
            "key": key,
            "page": page.src_uri,
            "seconds": round(time.perf_counter() - start, 3),
            "executed_at": build_time(),
            "claims": _printed_json(report),
            "training": _printed_json(training),
        }
        if not self._state.no_cache:
            path = self._state.cache / "notebooks" / key[:16] / page.nb_uri
            write_if_changed(path, nbformat.writes(nb).encode())
        return nb

    def edit_url(self, src_uri: str, edit_url: str | None) -> str | None:
        """A notebook page's edit link, pointed at its real source, the jupytext file.

        Parameters
        ----------
        src_uri : str
            The rendered file's source path (`training.ipynb`).
        edit_url : str or None
            The edit link MkDocs made.

        Returns
        -------
        str or None
            The edit link to use.
        """
        source = self._state.sources.get(src_uri)
        if source and edit_url and edit_url.endswith(src_uri):
            return edit_url[: -len(src_uri)] + source
        return edit_url


def _fresh(page: _Page, entry: dict[str, Any]) -> bool:
    """Whether the page's merged notebook is intact and made from its current source and context."""
    if entry.get("source") != digest(page.source) or entry.get("context") != page.context:
        return False
    try:
        return digest(page.render_path.read_bytes()) == entry.get("render")
    except OSError:
        return False


def _parse(page: _Page, jupytext: Any) -> Any:
    nb = jupytext.reads(page.source.decode("utf-8"), fmt="py:percent")
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # jupytext would draw random ids: the page must not change by chance
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    return nb


def _printed_json(cell: Any) -> list[Any]:
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    value = json.loads(text or "[]")
    return value if isinstance(value, list) else []


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive printed outputs of one stream.

    The kernel flushes them in chunks that depend on timing, and the same code must always give
    the same notebook.
    """
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
    """The executed notebook at `path` if it is complete, valid and made for `key`."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception:  # missing, truncated or corrupt: a miss
        return None
    return nb if nb.metadata.get("gpnn", {}).get("key") == key else None
