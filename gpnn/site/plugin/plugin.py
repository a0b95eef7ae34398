"""The site's MkDocs plugin: executed pages, reading aids, assets, API pages and generated pages.

Registered as `gpnn` through the `mkdocs.plugins` entry point and configured in `mkdocs.yml`
([`GpnnConfig`][gpnn.site.plugin.config.GpnnConfig]). Each part is a class with one job, and
they share one [`BuildState`][gpnn.site.plugin.state.BuildState] held by the plugin; under
`mkdocs serve` the plugin, hence the state, lives as long as the server.

| part | its job |
| --- | --- |
| [`NotebookPages`][gpnn.site.plugin.execution.NotebookPages] | execute and cache the notebook pages |
| [`LivePages`][gpnn.site.plugin.live.LivePages] | run and cache Markdown pages' live code |
| [`JobService`][gpnn.site.plugin.service.JobService] | the build's one scheduler of training runs |
| [`ReadingAids`][gpnn.site.plugin.reading.ReadingAids] | figure numbers, citations, used-in links, downloads |
| [`Assets`][gpnn.site.plugin.assets.Assets] | figures as files, light notebook pages, the Vega bundle |
| [`Maths`][gpnn.site.plugin.maths.Maths] | formulas typeset at build time with KaTeX |
| [`ApiPages`][gpnn.site.plugin.api.ApiPages] | one API page per module, in the navigation |
| [`SearchIndex`][gpnn.site.plugin.search.SearchIndex] | the search index, topic pages first |
| [`GeneratedPages`][gpnn.site.plugin.generated.GeneratedPages] | provenance, computation times, claims |
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from gpnn.site.plugin import config as settings
from gpnn.site.plugin.api import ApiPages
from gpnn.site.plugin.assets import Assets
from gpnn.site.plugin.execution import NotebookPages
from gpnn.site.plugin.generated import GeneratedPages
from gpnn.site.plugin.live import LivePages
from gpnn.site.plugin.maths import Maths
from gpnn.site.plugin.reading import ReadingAids
from gpnn.site.plugin.search import SearchIndex
from gpnn.site.plugin.service import JobService
from gpnn.site.plugin.state import BuildState, git_commit

PACKAGE_DIR = Path(__file__).resolve().parents[2]
"""The `gpnn` folder whose modules the API reference documents and the page keys follow."""


class GpnnPlugin(BasePlugin[settings.GpnnConfig]):
    """Build the gpnn site: execute its pages with caching, and finish them for the reader.

    Attributes
    ----------
    state : BuildState
        What the parts share.
    service : JobService
        The build's job service for training runs.
    api : ApiPages
        The API reference's pages.
    notebooks : NotebookPages
        The notebook pages' execution.
    live : LivePages
        The Markdown pages' live code.
    reading : ReadingAids
        Figure numbers, citations, used-in links, downloads.
    assets : Assets
        Figures as files, shared styles, the Vega bundle.
    maths : Maths
        The formulas, typeset with KaTeX.
    search : SearchIndex
        The search index's finishing.
    generated : GeneratedPages
        Provenance, computation times and claims.
    """

    def __init__(self) -> None:
        self.state = BuildState()
        self.service = JobService()
        self._parts_ready = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Set the parts up from the settings; put the API pages into the navigation.

        Also keeps the build's log to what a person follows: mkdocs-jupyter reports every file it
        converts at INFO; this plugin reports each page as it finishes. With `--verbose` (DEBUG)
        everything is shown as before.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        MkDocsConfig
            The configuration, its navigation holding the API pages.
        """
        if logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG:
            for name in ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter"):
                logging.getLogger(name).setLevel(logging.WARNING)
        try:
            self.service.workers = settings.workers(self.config)
            self.service.scheduler = settings.scheduler(self.config)
        except ValueError as error:
            raise PluginError(str(error)) from None
        self.api = ApiPages(PACKAGE_DIR, list(self.config.api_modules))
        self.notebooks = NotebookPages(self.state, self.service)
        self.live = LivePages(self.state, self.service)
        self.reading = ReadingAids(self.state, self.api)
        self.assets = Assets(self.state)
        self.maths = Maths(self.state)
        self.search = SearchIndex()
        self.generated = GeneratedPages(self.state, self.config.budget)
        self.api.on_config(config)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        """Find the cache and the commit; prepare the job service (it starts on first need).

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        state = self.state
        state.root = Path(config.config_file_path).resolve().parent
        state.no_cache = settings.no_cache(self.config)
        temporary = Path(tempfile.mkdtemp(prefix="gpnn-build-")) if state.no_cache else None
        state.cache = temporary or settings.cache_root(self.config, config.config_file_path)
        state.commit = git_commit(state.root)
        state.executed = []
        state.training = {}
        # No thread-count variables are set for the kernels: OpenBLAS's thread count changes the
        # rounding of its Cholesky factorisation, hence the simulated data themselves. Pages compute
        # what a reader running the same code in a plain Python session gets.
        self.service.begin(state.cache / "experiments")
        self.assets.on_pre_build()
        self.maths.on_pre_build()

    @event_priority(100)  # before mkdocs-jupyter claims the files
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Execute the stale notebook pages; add the generated pages, the API pages and the archive.

        Parameters
        ----------
        files : Files
            The site's files.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        Files
            The files to build.
        """
        files = self.notebooks.on_files(files, config)
        files = self.api.on_files(files, config)
        files = self.generated.on_files(files, config)
        files = self.reading.on_files(files, config)
        for file in files:
            if file.src_uri.endswith(".md") and file.abs_src_path and not file.generated_by:
                if self.live.stale(Path(file.abs_src_path).read_text(encoding="utf-8")):
                    file.is_modified = lambda: True  # type: ignore[method-assign]
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Run (or replay) a Markdown page's live code; add the module table to the API overview.

        Parameters
        ----------
        markdown : str
            The page's Markdown.
        page : Page
            The page.
        config : MkDocsConfig
            The site's configuration.
        files : Files
            The site's files.

        Returns
        -------
        str
            The Markdown to convert.
        """
        markdown = self.live.on_page_markdown(markdown, page.file.src_uri)
        return self.api.on_page_markdown(markdown, page.file.src_uri)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Finish a page's HTML: reading aids, lighter assets, provenance.

        Parameters
        ----------
        html : str
            The page's HTML.
        page : Page
            The page.
        config : MkDocsConfig
            The site's configuration.
        files : Files
            The site's files.

        Returns
        -------
        str
            The finished HTML.
        """
        html = self.reading.on_page_content(html, page, config)
        html = self.assets.on_page_content(html, page)
        html = self.generated.on_page_content(html, page)
        return html

    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        """Point a notebook page's edit link at its real source, the jupytext file.

        Parameters
        ----------
        context : dict
            The template context.
        page : Page
            The page.
        config : MkDocsConfig
            The site's configuration.
        nav : Navigation
            The site's navigation.

        Returns
        -------
        dict
            The context, unchanged.
        """
        page.edit_url = self.notebooks.edit_url(page.file.src_uri, page.edit_url)
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Finish a page's whole document: its maths typeset, KaTeX's styles linked if it has any.

        Parameters
        ----------
        output : str
            The page's HTML document.
        page : Page
            The page.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        str
            The document.
        """
        return self.maths.on_post_page(output, page)

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Stop the job service; write the assets; fill in the generated pages; finish the search index.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        self.state.training = self.service.close()
        self.assets.on_post_build(config)
        self.maths.on_post_build(config)
        self.reading.on_post_build(config)
        self.generated.on_post_build(config)
        self.search.on_post_build(config)
        if self.state.no_cache:
            shutil.rmtree(self.state.cache, ignore_errors=True)

    def on_build_error(self, error: Exception) -> None:
        """Stop the job service after a failed build.

        Parameters
        ----------
        error : Exception
            What failed.
        """
        self.service.close()
        if self.state.no_cache:
            shutil.rmtree(self.state.cache, ignore_errors=True)
