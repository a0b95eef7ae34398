"""What helps a reader find their way: figure numbers, citations, links to the API, downloads.

* **Figures** are numbered in page order ("Figure 3."), and a Markdown link `[Figure](#fig-NAME)`
  (on the same page or another) reads as the number of the figure it points to.
* **Citations** `[@key]` or `[@key, chapter 2]` link to the References page, generated from
  `docs/references.yml`; an unknown key fails the build, naming the page.
* **Used in**: the pages' code is read (not run) for the package objects it uses; each page ends
  with links to them in the API reference, and each API entry lists the pages that use it.
* **Downloads**: every executed notebook, with a short README, in one archive.
"""

from __future__ import annotations

import ast
import html
import io
import json
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from gpnn.site.plugin import keys
from gpnn.site.plugin.api import ApiPages
from gpnn.site.plugin.execution import notebook_code
from gpnn.site.plugin.live import live_code
from gpnn.site.plugin.state import BuildState, digest

REFERENCES_PAGE = "references.md"
"""The generated References page."""

ARCHIVE = "assets/gpnn-notebooks.zip"
"""The archive of every executed notebook."""

_MARKER = "<!-- gpnn:cited-on -->"
_CITATION = re.compile(r"\[@(?P<key>[A-Za-z0-9_-]+)(?:,\s*(?P<note>[^\]]+))?\]")
_CODE = re.compile(r"(<code\b.*?</code>|<pre\b.*?</pre>)", re.DOTALL)
_FIGURE = re.compile(r'<figure(?P<attrs>[^>]*\bclass="gpnn-(?:figure|chart)\b[^"]*"[^>]*)>')
_ID = re.compile(r'\bid="(fig-[a-z0-9-]+)"')
_NUMBER = '<span class="gpnn-figure-number"></span>'
_REFERENCE = re.compile(r'<a href="(?P<page>[^"#]*)#(?P<id>fig-[a-z0-9-]+)"(?P<attrs>[^>]*)>Figure</a>')
_API_HEADING = re.compile(r'<h(?P<level>[2-6]) id="(?P<id>gpnn[\w.]*)"[^>]*>.*?</h(?P=level)>', re.DOTALL)


class ReadingAids:
    """Numbers figures, links citations and API entries, and packs the notebooks for download.

    Parameters
    ----------
    state : BuildState
        The build's shared state.
    api : ApiPages
        Where each documented object's API entry is.

    Attributes
    ----------
    figure_numbers : dict
        Per built page (its destination path), each figure anchor's number.
    references : dict
        The entries of `docs/references.yml`, by key.
    citations : dict
        Per reference key, the pages that cite it, as `(url, title)`.
    uses : dict
        Per page (source path of its rendered file), the documented objects its code uses.
    used_by : dict
        Per documented object, the pages that use it, as `(source path, title)`.
    """

    def __init__(self, state: BuildState, api: ApiPages) -> None:
        self._state = state
        self._api = api
        self.figure_numbers: dict[str, dict[str, int]] = {}
        self.references: dict[str, dict[str, str]] = {}
        self.citations: dict[str, set[tuple[str, str]]] = {}
        self.uses: dict[str, list[str]] = {}
        self.used_by: dict[str, list[tuple[str, str]]] = {}

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the References page and the notebook archive; read every page's code for what it uses.

        Parameters
        ----------
        files : Files
            The site's files, notebook pages already rendered.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        Files
            The files, with the References page and the archive.
        """
        references = self._read_references(config)
        self.citations = {}
        lines = ["# References", "", "The works the pages cite, with the pages that cite them.", ""]
        for key in sorted(references, key=lambda k: references[k]["short"].lower()):
            entry = references[key]
            link = f' <a href="{entry["url"]}">{html.escape(entry["url"])}</a>' if entry.get("url") else ""
            lines += [
                f'<p id="ref-{key}" class="gpnn-reference">{html.escape(entry["full"])}{link}',
                f'<span class="gpnn-cited-on" data-reference="{key}">{_MARKER}</span></p>',
                "",
            ]
        generated = File.generated(config, REFERENCES_PAGE, content="\n".join(lines))
        generated.is_modified = lambda: True  # type: ignore[method-assign]
        files.append(generated)
        self.uses = self._read_uses(files, config)
        files.append(File.generated(config, ARCHIVE, content=self._archive(files)))
        return files

    def on_page_content(self, html_text: str, page: Page, config: MkDocsConfig) -> str:
        """Number the page's figures, link its citations, and list the package objects it uses.

        Parameters
        ----------
        html_text : str
            The page's HTML.
        page : Page
            The page.
        config : MkDocsConfig
            The site's configuration.

        Returns
        -------
        str
            The page's HTML with the reading aids.
        """
        html_text = self._number_figures(html_text, page)
        html_text = self._cite(html_text, page)
        if self._api.is_api_page(page.file.src_uri):
            return self._used_in(html_text, page, config)
        used = self.uses.get(page.file.src_uri, [])
        if not used:
            return html_text
        links = ", ".join(
            f'<a href="{_relative(page.file.url, self._api.url_of(name))}"><code>{name}</code></a>' for name in used
        )
        used_here = f'<div class="gpnn-used" data-search-exclude><p>From the package on this page: {links}.</p></div>'
        return html_text + used_here

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Links to other pages' figures read as numbers; the References page lists who cites what.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        site = Path(config.site_dir)
        self._cross_page_references(site, config.use_directory_urls)
        path = site / ("references/index.html" if config.use_directory_urls else "references.html")
        if path.exists():
            text = path.read_text(encoding="utf-8")
            for key, pages in self.citations.items():
                cited = ", ".join(
                    f'<a href="{_relative("references/", uri)}">{html.escape(title)}</a>'
                    for uri, title in sorted(pages)
                )
                text = text.replace(f'data-reference="{key}">{_MARKER}', f'data-reference="{key}"> Cited on: {cited}.')
            path.write_text(text.replace(_MARKER, ""), encoding="utf-8")

    # Figures --------------------------------------------------------------------------------

    def _number_figures(self, html_text: str, page: Page) -> str:
        """Number the page's figures in order ("Figure 3."), and let links to them read as their numbers."""
        numbers: dict[str, int] = {}
        parts, last = [], 0
        for count, match in enumerate(_FIGURE.finditer(html_text), start=1):
            attrs = match.group("attrs")
            found = _ID.search(attrs)
            anchor = found.group(1) if found else f"fig-{count}"
            numbers[anchor] = count
            if not found:
                attrs += f' id="{anchor}"'
            end = html_text.find("</figure>", match.end())
            body = html_text[match.end() : end].replace(
                _NUMBER, f'<span class="gpnn-figure-number">Figure {count}.</span> ', 1
            )
            parts += [html_text[last : match.start()], f"<figure{attrs}>", body]
            last = end
        parts.append(html_text[last:])
        self.figure_numbers[page.file.dest_uri] = numbers
        return _REFERENCE.sub(lambda ref: _reference(ref, numbers, same_page=True), "".join(parts))

    def _cross_page_references(self, site: Path, use_directory_urls: bool) -> None:
        """Links to another page's figure read as that figure's number too."""
        for dest_uri in self.figure_numbers:
            path = site / dest_uri
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")

            def resolve(match: re.Match[str], dest_uri: str = dest_uri) -> str:
                if not match.group("page"):
                    return match.group(0)
                target = posixpath.normpath(posixpath.join(posixpath.dirname(dest_uri), match.group("page")))
                target = target + "/index.html" if use_directory_urls and not target.endswith(".html") else target
                return _reference(match, self.figure_numbers.get(target.lstrip("./"), {}), same_page=False)

            updated = _REFERENCE.sub(resolve, text)
            if updated != text:
                path.write_text(updated, encoding="utf-8")

    # Citations ------------------------------------------------------------------------------

    def _read_references(self, config: MkDocsConfig) -> dict[str, dict[str, str]]:
        path = Path(config.docs_dir) / "references.yml"
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, entry in entries.items():
            if not {"short", "full"} <= set(entry):
                raise PluginError(f"Reference '{key}' in {path} needs a 'short' and a 'full' entry.")
        self.references = entries
        return self.references

    def _cite(self, html_text: str, page: Page) -> str:
        def link(match: re.Match[str]) -> str:
            key, note = match.group("key"), match.group("note")
            entry = self.references.get(key)
            if entry is None:
                raise PluginError(f"Page '{page.file.src_uri}' cites '{key}', which docs/references.yml does not list.")
            self.citations.setdefault(key, set()).add((page.file.url, page.title or page.file.src_uri))
            href = f"{_relative(page.file.url, 'references/')}#ref-{key}"
            tail = f", {note}" if note else ""
            return f'(<a class="gpnn-cite" href="{href}">{html.escape(entry["short"])}</a>{tail})'

        # Code shows citations as they are written: `[@key]` in a code span is not one.
        parts = _CODE.split(html_text)
        return "".join(part if number % 2 else _CITATION.sub(link, part) for number, part in enumerate(parts))

    # Used in --------------------------------------------------------------------------------

    def _read_uses(self, files: Files, config: MkDocsConfig) -> dict[str, list[str]]:
        """Per page (by source path of the rendered file), the documented package objects its code names.

        Kept in the build cache under a key over the pages' code and the package, since reading
        the package's syntax trees is most of a no-change build's work here.
        """
        package = Path(keys.__file__).resolve().parents[2]
        sources = {file.src_uri: source for file in files if (source := self._code_of_page(file, config)) is not None}
        key = digest({"sources": sources, "package": _package_digest(package), "format": 2})
        cached = self._state.cached_bytes(
            self._state.cache / "reading" / f"uses-{key[:32]}",
            lambda: json.dumps(_compute_uses(sources, package), sort_keys=True).encode(),
        )
        uses: dict[str, list[str]] = json.loads(cached)
        self.used_by = {}
        titles = _titles(config)
        for uri, names in uses.items():
            for name in names:
                self.used_by.setdefault(name, []).append((uri, titles.get(uri, uri)))
        return uses

    def _code_of_page(self, file: File, config: MkDocsConfig) -> str | None:
        """A page's executable code: a notebook's code cells, or a Markdown page's live blocks."""
        if file.src_uri in self._state.sources:  # a notebook page, from its jupytext source
            text = (Path(config.docs_dir) / self._state.sources[file.src_uri]).read_text(encoding="utf-8")
            return notebook_code(text)
        if file.src_uri.endswith(".md") and file.abs_src_path:
            return live_code(Path(file.abs_src_path).read_text(encoding="utf-8"))
        return None

    def _used_in(self, html_text: str, page: Page, config: MkDocsConfig) -> str:
        """After each API entry's heading, the pages that use the object."""

        def insert(match: re.Match[str]) -> str:
            pages = self.used_by.get(match.group("id"))
            if not pages:
                return match.group(0)
            links = ", ".join(
                f'<a href="{_relative(page.file.url, _url_of(uri, config))}">{html.escape(title)}</a>'
                for uri, title in pages
            )
            return match.group(0) + f'<p class="gpnn-used-in">Used in: {links}.</p>'

        return _API_HEADING.sub(insert, html_text)

    # Downloads ------------------------------------------------------------------------------

    def _archive(self, files: Files) -> bytes:
        """Every executed notebook page and a README, zipped with fixed dates: the same bytes at every build."""
        notebooks = {
            file.src_uri: Path(file.abs_src_path).read_bytes()
            for file in files
            if file.src_uri.endswith(".ipynb") and file.abs_src_path
        }
        key = digest({uri: digest(data) for uri, data in notebooks.items()} | {"": digest(_ARCHIVE_README)})
        return self._state.cached_bytes(self._state.cache / "reading" / f"archive-{key[:32]}", lambda: _zip(notebooks))


def _reference(match: re.Match[str], numbers: dict[str, int], same_page: bool) -> str:
    if same_page and match.group("page"):
        return match.group(0)  # another page's figure: numbered once every page is
    number = numbers.get(match.group("id"))
    if number is None:
        return match.group(0)
    return f'<a href="{match.group("page")}#{match.group("id")}"{match.group("attrs")}>Figure {number}</a>'


def _relative(from_url: str, to_url: str) -> str:
    target, _, anchor = to_url.partition("#")
    relative = posixpath.relpath(target or ".", posixpath.dirname(from_url) or ".") + (
        "/" if target.endswith("/") else ""
    )
    return relative + (f"#{anchor}" if anchor else "")


def _package_digest(package_dir: Path) -> str:
    """SHA-256 of every `.py` file of the package (docstrings included: they decide what is documented)."""
    return digest(
        {
            path.relative_to(package_dir).as_posix(): digest(path.read_bytes())
            for path in sorted(package_dir.rglob("*.py"))
        }
    )


def _compute_uses(sources: dict[str, str], package: Path) -> dict[str, list[str]]:
    documented = _documented(package)
    table = keys.homes(package)
    return {
        uri: sorted(name for name in keys.used_names(source, table) if name in documented)
        for uri, source in sources.items()
    }


def _documented(package: Path) -> set[str]:
    """The objects the API reference documents: public modules' public functions, classes and methods."""
    names = set()
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if any(part.startswith("_") for part in parts if part != "__init__"):
            continue
        module = ".".join(part for part in parts if part != "__init__")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                names.add(f"{module}.{node.name}")
                if isinstance(node, ast.ClassDef):
                    names.update(
                        f"{module}.{node.name}.{item.name}"
                        for item in node.body
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
                    )
    return names


def _titles(config: MkDocsConfig) -> dict[str, str]:
    titles = {}

    def walk(items: Any) -> None:
        for item in items or []:
            if isinstance(item, dict):
                for title, value in item.items():
                    if isinstance(value, str):
                        titles[value] = title
                    else:
                        walk(value)

    walk(config.nav)
    return titles


def _url_of(src_uri: str, config: MkDocsConfig) -> str:
    stem = posixpath.splitext(src_uri)[0]
    if stem == "index":
        return ""
    return f"{stem}/" if config.use_directory_urls else f"{stem}.html"


_ARCHIVE_README = """Every page of the gpnn site that runs code, as a Jupyter notebook.

To run them, install the gpnn package (from a clone of its repository: pip install -e ".[docs]")
and open a notebook with Jupyter. The pages that train many networks run them in parallel
processes and keep their results in a folder if GPNN_CACHE_DIR names one; without it, each run
is computed anew, which for the pages that train a hundred networks takes some minutes.
"""


def _zip(notebooks: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = {"gpnn-notebooks/README.txt": _ARCHIVE_README.encode()}
        for uri, data in notebooks.items():
            notebook = json.loads(data)
            for clock in ("seconds", "executed_at"):  # when it ran, not what it holds
                notebook.get("metadata", {}).get("gpnn", {}).pop(clock, None)
            entries[f"gpnn-notebooks/{uri}"] = (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode()
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()
