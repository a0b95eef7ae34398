"""The API reference: one page per module, generated, in the navigation, the science first.

Each public module of `gpnn` gets a page, `api/NAME/` (`api/kernels/`, `api/site/html/`), that
mkdocstrings renders from the module's docstrings. The page `api.md` is the overview: its prose,
then a table of every module with its summary, generated here. The navigation entry that points
at `api.md` becomes a section: the overview, the science's modules, then the site's machinery
(`gpnn.site`, without folded source code: it would add only weight).

Under `mkdocs serve --dirty`, a module's page is rendered again when its source file changed.
"""

from __future__ import annotations

import ast
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

OVERVIEW = "api.md"
"""The API reference's overview page."""

FOLDER = "api"
"""Where the module pages go."""

_SCIENCE, _SITE = "The science", "The site's machinery"


@dataclass(frozen=True)
class Module:
    """One documented module and its page."""

    name: str
    """Its dotted name, `gpnn.site.html`."""
    path: Path
    """Its source file."""
    summary: str
    """The first line of its docstring."""

    @property
    def uri(self) -> str:
        """The page's source path, `api/site/html.md`."""
        return posixpath.join(FOLDER, *self.name.split(".")[1:]) + ".md"

    @property
    def section(self) -> str:
        """The navigation section it belongs to."""
        return _SITE if self.name.startswith("gpnn.site") else _SCIENCE


def public_modules(package_dir: Path, only: list[str] | None = None) -> list[Module]:
    """The package's public modules, the science first, each group in the order of its files.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.
    only : list of str, optional
        Dotted names to keep; every public module if empty or `None`.

    Returns
    -------
    list of Module
        The modules to document.
    """
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if any(part.startswith("_") for part in parts if part != "__init__"):
            continue
        name = ".".join(part for part in parts if part != "__init__")
        if name == package_dir.name or (only and name not in only):
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found.append(Module(name, path, docstring.strip().split("\n")[0]))
    return sorted(found, key=lambda module: (module.section != _SCIENCE, module.name))


class ApiPages:
    """Generates the API reference's pages and knows where each object is documented.

    Parameters
    ----------
    package_dir : Path
        The `gpnn` folder.
    only : list of str
        The modules to document; all public ones if empty.

    Attributes
    ----------
    modules : list of Module
        The documented modules.
    """

    def __init__(self, package_dir: Path, only: list[str]) -> None:
        self._package_dir = package_dir
        self.modules = public_modules(package_dir, only)
        self._by_name = {module.name: module for module in self.modules}

    def on_config(self, config: MkDocsConfig) -> None:
        """Put the module pages into the navigation, under the entry that points at the overview.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration; its `nav` is changed in place.
        """
        sections: dict[str, list[dict[str, str]]] = {}
        for module in self.modules:
            sections.setdefault(module.section, []).append({module.name: module.uri})
        children: list[Any] = [OVERVIEW, *({title: pages} for title, pages in sections.items())]

        def walk(items: Any) -> None:
            for item in items or []:
                if isinstance(item, dict):
                    for title, value in item.items():
                        if value == OVERVIEW:
                            item[title] = children
                        elif isinstance(value, list):
                            walk(value)

        walk(config.nav)

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add a page per module.

        Parameters
        ----------
        files : Files
            The site's files.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        Files
            The files with the module pages.
        """
        for module in self.modules:
            options = "" if module.section == _SCIENCE else "\n    options:\n      show_source: false"
            content = f"# `{module.name}`\n\n::: {module.name}{options}\n"
            file = File.generated(config, module.uri, content=content)
            file.is_modified = _modified_since(file, module.path)  # type: ignore[method-assign]
            files.append(file)
        return files

    def on_page_markdown(self, markdown: str, src_uri: str) -> str:
        """The overview's Markdown with the table of modules appended.

        Parameters
        ----------
        markdown : str
            The page's Markdown.
        src_uri : str
            The page's source path.

        Returns
        -------
        str
            The Markdown, with the table on the overview page.
        """
        if src_uri != OVERVIEW:
            return markdown
        lines = [markdown.rstrip(), ""]
        for section in (_SCIENCE, _SITE):
            modules = [module for module in self.modules if module.section == section]
            if modules:
                lines += [f"## {section}", "", "| module | what it holds |", "| --- | --- |"]
                lines += [f"| [`{m.name}`]({m.uri}) | {m.summary} |" for m in modules]
                lines.append("")
        return "\n".join(lines)

    def is_api_page(self, src_uri: str) -> bool:
        """Whether a page is a module page of the API reference.

        Parameters
        ----------
        src_uri : str
            The page's source path.

        Returns
        -------
        bool
            True for a module page.
        """
        return src_uri.startswith(f"{FOLDER}/") and src_uri.endswith(".md")

    def url_of(self, name: str) -> str:
        """Where an object is documented: its module's page and its anchor.

        Parameters
        ----------
        name : str
            A dotted name, `gpnn.site.html.figure`.

        Returns
        -------
        str
            Like `api/site/html/#gpnn.site.html.figure`.
        """
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            module = self._by_name.get(".".join(parts[:end]))
            if module is not None:
                return posixpath.splitext(module.uri)[0] + f"/#{name}"
        return f"{posixpath.splitext(OVERVIEW)[0]}/"


def _modified_since(file: File, source: Path) -> Any:
    """`is_modified` for a generated page: its module's source is newer than the built page."""

    def is_modified() -> bool:
        try:
            return os.path.getmtime(file.abs_dest_path) < os.path.getmtime(source)
        except OSError:
            return True

    return is_modified
