"""Finish the pages: provenance under every executed page, and the generated pages.

Every page whose code ran (now or in the build that filled the cache) ends with its provenance:
the build date, how long its code ran and when, the versions, the commit and the seeds. Two pages
are generated at every build: the computation times of every executed page (with the training
each asked for), and the claims, every qualitative statement the pages make about computed
results, with the condition that keeps it true and its values.
"""

from __future__ import annotations

import ast
import html
import posixpath
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from gpnn.site.plugin.state import PAGE_LIBRARIES, BuildState, Run, build_time

TIMES_PAGE = "computation-times.md"
"""The generated Computation times page."""

CLAIMS_PAGE = "claims.md"
"""The generated Claims page."""

_MARKER = "<!-- gpnn:generated -->"
_SOURCES = {
    TIMES_PAGE: f"""# Computation times

How long the code of each executed page ran, and when. A page whose inputs have not changed
(its code, the gpnn package, the library versions) is served from the build cache and keeps the
time of the run that produced it.

{_MARKER}
""",
    CLAIMS_PAGE: f"""# Claims

Every sentence on this site that compares or judges computed results is stated together with the
condition that makes it true, evaluated on the computed values when the page is built. A claim
whose condition is false fails the build, so none of these can go stale. The table lists each
one with its values and how many seeds (data sets or initialisations) they rest on.

{_MARKER}
""",
}


class GeneratedPages:
    """Provenance under executed pages; the Computation times and Claims pages.

    Parameters
    ----------
    state : BuildState
        The build's shared state.
    """

    def __init__(self, state: BuildState) -> None:
        self._state = state

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the generated pages.

        Parameters
        ----------
        files : Files
            The site's files.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        Files
            The files with the Computation times and Claims pages.
        """
        for uri, content in _SOURCES.items():
            generated = File.generated(config, uri, content=content)
            generated.is_modified = lambda: True  # type: ignore[method-assign]
            files.append(generated)
        return files

    def on_page_content(self, html_text: str, page: Page) -> str:
        """Add its provenance to a page whose code ran.

        Parameters
        ----------
        html_text : str
            The page's HTML.
        page : Page
            The page.

        Returns
        -------
        str
            The HTML, with the provenance if the page ran code.
        """
        if page.file.src_uri == CLAIMS_PAGE:
            # Filled in here, not after the build, so that the search index holds the claims: every
            # page that makes claims has run by now (generated pages are built last).
            return html_text.replace(_MARKER, self._claims_table())
        run = self._state.runs.get(page.file.src_uri)
        return html_text + self._provenance(run) if run is not None else html_text

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Fill in the Computation times page, now that every page has run and the job service has closed.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        name = posixpath.splitext(TIMES_PAGE)[0]
        path = Path(config.site_dir) / (f"{name}/index.html" if config.use_directory_urls else f"{name}.html")
        if path.exists():
            path.write_text(path.read_text(encoding="utf-8").replace(_MARKER, self._times_table()), encoding="utf-8")

    def _provenance(self, run: Run) -> str:
        import gpnn
        import gpnn.provenance

        environment = gpnn.provenance.environment(PAGE_LIBRARIES).items()
        versions = ", ".join(f"{name} {version}" for name, version in environment)
        return (
            '<div class="gpnn-provenance" data-search-exclude><p>'
            f'Built <span class="gpnn-time">{build_time()}</span>. This page\'s code ran for '
            f'<span class="gpnn-time">{run.seconds:.1f} s</span>, on '
            f'<span class="gpnn-time">{run.executed_at}</span>, with gpnn {gpnn.__version__} '
            f"(commit {self._state.commit}) and {versions}. Seeds: data {_default('data_seed')}, initial weights "
            f"{_default('init_seed')} (others are set in the code above).</p></div>"
        )

    def _times_table(self) -> str:
        rows = []
        for src_uri in sorted(self._state.runs):
            run = self._state.runs[src_uri]
            status = "this build" if run.now else "cached"
            rows.append(
                f'<tr><td><a href="{_link(src_uri)}">{src_uri}</a></td><td class="gpnn-time">{run.seconds:.2f} s</td>'
                f'<td class="gpnn-time">{run.executed_at}</td><td>{status}</td></tr>'
            )
        total = sum(run.seconds for run in self._state.runs.values())
        rows.append(
            f'<tr><td><strong>total</strong></td><td class="gpnn-time">{total:.2f} s</td><td></td><td></td></tr>'
        )
        header = "<tr><th>page</th><th>run time</th><th>run on</th><th>executed</th></tr>"
        table = f"<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>"
        training = self._state.training
        if training.get("runs") is not None:
            table += (
                f'<p class="gpnn-training">Training runs computed by this build: {training["runs"]}, '
                f'<span class="gpnn-time">{training["run_seconds"]:.0f} s</span> of run time on '
                f"{training['workers']} worker processes; {training['served']} requests served from the "
                "result store or from a run another page had asked for.</p>"
            )
        return table

    def _claims_table(self) -> str:
        rows = []
        for src_uri in sorted(self._state.runs):
            for claim in self._state.runs[src_uri].claims:
                values = ", ".join(f"{name} = {value:.6g}" for name, value in sorted(claim["values"].items()))
                text = html.escape(claim["text"])
                if claim.get("anchor"):  # the sentence, where the page says it
                    text = f'<a href="{_link(src_uri)}#{html.escape(claim["anchor"])}">{text}</a>'
                rows.append(
                    f'<tr data-claim="{html.escape(claim["name"])}"><td><a href="{_link(src_uri)}">{src_uri}</a></td>'
                    f"<td>{text}</td><td><code>{html.escape(claim['condition'])}</code></td>"
                    f"<td>{html.escape(values)}</td><td>{claim['seeds']}</td><td>{claim['status']}</td></tr>"
                )
        header = "<tr><th>page</th><th>claim</th><th>condition</th><th>values</th><th>seeds</th><th>status</th></tr>"
        count = f"<p>{len(rows)} claims, every one checked when its page's code ran.</p>"
        return f"{count}<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>"


def _default(name: str) -> Any:
    # The configuration's defaults, read without importing the package's science.

    import gpnn.provenance

    source = (Path(gpnn.provenance.__file__).parent / "config.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return ast.literal_eval(node.value)  # type: ignore[arg-type]
    raise LookupError(name)


def _link(src_uri: str) -> str:
    if src_uri == "index.md":
        return "../"
    return "../" + posixpath.splitext(src_uri)[0] + "/"
