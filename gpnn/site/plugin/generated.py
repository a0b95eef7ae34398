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
import logging
import posixpath
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from gpnn.site.plugin import budget
from gpnn.site.plugin.state import PAGE_LIBRARIES, BuildState, Run, build_time

log = logging.getLogger("mkdocs.plugins.gpnn.generated")
"""The logger of the generated pages (the budget's warning)."""

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
    budget : float
        The site's training budget, in deep-run equivalents.
    """

    def __init__(self, state: BuildState, budget: float) -> None:
        self._state = state
        self._budget = budget

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
        message = budget.over_budget(self._training(), self._budget)
        if message:
            log.warning(message)
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

    def _training(self) -> dict[str, list[dict[str, Any]]]:
        # Named by their source (training.py), as an author knows them.
        return {self._state.sources.get(uri, uri): run.training for uri, run in self._state.runs.items()}

    def _times_table(self) -> str:
        training = {row["page"]: row for row in budget.table(self._training())}
        rows = []
        for src_uri in sorted(self._state.runs):
            run = self._state.runs[src_uri]
            status = "this build" if run.now else "cached"
            trains = training.get(self._state.sources.get(src_uri, src_uri), {"runs": 0, "epochs": 0, "cost": 0.0})
            rows.append(
                f'<tr><td><a href="{_link(src_uri)}">{src_uri}</a></td><td class="gpnn-time">{run.seconds:.2f} s</td>'
                f'<td class="gpnn-time">{run.executed_at}</td><td>{status}</td><td>{trains["runs"]:,}</td>'
                f"<td>{trains['epochs']:,}</td><td>{trains['cost']:.1f}</td></tr>"
            )
        total = sum(run.seconds for run in self._state.runs.values())
        needed = budget.total_cost(record for records in self._training().values() for record in records)
        rows.append(
            f'<tr><td><strong>site</strong></td><td class="gpnn-time">{total:.2f} s</td><td></td><td></td>'
            f"<td></td><td></td><td><strong>{needed:.1f}</strong> of {self._budget:g}</td></tr>"
        )
        header = (
            "<tr><th>page</th><th>run time</th><th>run on</th><th>executed</th><th>training runs</th>"
            "<th>epochs</th><th>cost (deep runs)</th></tr>"
        )
        table = f"<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>"
        table += (
            '<p class="gpnn-budget">A page\'s cost counts its own runs, in deep-run equivalents: one '
            f"{_default('n_epochs'):,}-epoch run of the recipe's network is 1. The site's cost counts a run "
            "that several pages share once, and a run that only adds epochs to a shorter one of the same "
            f"settings for its extra epochs; the budget, {self._budget:g}, is set in <code>mkdocs.yml</code>.</p>"
        )
        summary = self._state.training
        if summary.get("runs") is not None:
            continued = summary.get("epochs_continued", 0)
            table += (
                f'<p class="gpnn-training">Training runs computed by this build: {summary["runs"]}, '
                f'<span class="gpnn-time">{summary["run_seconds"]:.0f} s</span> of run time on '
                f"{summary['workers']} worker processes; {summary['served']} requests served from the "
                "result store or from a run another page had asked for"
                + (f"; {continued:,} epochs continued from stored runs" if continued else "")
                + ".</p>"
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
