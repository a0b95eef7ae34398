"""MkDocs hook: what helps a reader find their way: figure numbers, citations, links to the API.

* **Figures** are numbered in page order ("Figure 3."), and a Markdown link ``[Figure](#fig-NAME)``
  (on the same page or another) reads as the number of the figure it points to.
* **Citations** ``[@key]`` or ``[@key, chapter 2]`` link to the References page, generated from
  ``docs/references.yml``; an unknown key fails the build, naming the page.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from gpnn_build import STATE, cached_bytes, digest, package_digest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

REFERENCES_PAGE = "references.md"
ARCHIVE = "assets/gpnn-notebooks.zip"
_MARKER = "<!-- gpnn:cited-on -->"
_CITATION = re.compile(r"\[@(?P<key>[A-Za-z0-9_-]+)(?:,\s*(?P<note>[^\]]+))?\]")
_API_PAGE = "api.md"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the References page and the notebook archive; read every page's code for what it uses."""
    references = _references(config)
    STATE.citations = {}
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
    STATE.uses = _uses(files, config)
    archive = File.generated(config, ARCHIVE, content=_archive(files))
    files.append(archive)
    return files


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    html_text = _number_figures(html_text, page)
    html_text = _cite(html_text, page)
    if page.file.src_uri == _API_PAGE:
        return _used_in(html_text, page, config)
    used = STATE.uses.get(page.file.src_uri, [])
    if not used:
        return html_text
    api = _relative(page.file.url, "api/")
    links = ", ".join(f'<a href="{api}#{name}"><code>{name}</code></a>' for name in used)
    used_here = f'<div class="gpnn-used" data-search-exclude><p>From the package on this page: {links}.</p></div>'
    return html_text + used_here


def on_post_build(config: MkDocsConfig) -> None:
    """Links to other pages' figures read as numbers; the References page lists who cites what."""
    site = Path(config.site_dir)
    _cross_page_references(site, config.use_directory_urls)
    path = site / ("references/index.html" if config.use_directory_urls else "references.html")
    if path.exists():
        text = path.read_text(encoding="utf-8")
        for key, pages in STATE.citations.items():
            cited = ", ".join(
                f'<a href="{_relative("references/", uri)}">{html.escape(title)}</a>' for uri, title in sorted(pages)
            )
            text = text.replace(f'data-reference="{key}">{_MARKER}', f'data-reference="{key}"> Cited on: {cited}.')
        path.write_text(text.replace(_MARKER, ""), encoding="utf-8")


# Figures ------------------------------------------------------------------------------------

_FIGURE = re.compile(r'<figure(?P<attrs>[^>]*\bclass="gpnn-(?:figure|chart)\b[^"]*"[^>]*)>')
_ID = re.compile(r'\bid="(fig-[a-z0-9-]+)"')
_NUMBER = '<span class="gpnn-figure-number"></span>'
_REFERENCE = re.compile(r'<a href="(?P<page>[^"#]*)#(?P<id>fig-[a-z0-9-]+)"(?P<attrs>[^>]*)>Figure</a>')


def _number_figures(html_text: str, page: Page) -> str:
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
    STATE.figure_numbers[page.file.dest_uri] = numbers
    return _REFERENCE.sub(lambda ref: _reference(ref, numbers, same_page=True), "".join(parts))


def _reference(match: re.Match[str], numbers: dict[str, int], same_page: bool) -> str:
    if same_page and match.group("page"):
        return match.group(0)  # another page's figure: numbered once every page is
    number = numbers.get(match.group("id"))
    if number is None:
        return match.group(0)
    return f'<a href="{match.group("page")}#{match.group("id")}"{match.group("attrs")}>Figure {number}</a>'


def _cross_page_references(site: Path, use_directory_urls: bool) -> None:
    """Links to another page's figure read as that figure's number too."""
    for dest_uri in STATE.figure_numbers:
        path = site / dest_uri
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")

        def resolve(match: re.Match[str], dest_uri: str = dest_uri) -> str:
            if not match.group("page"):
                return match.group(0)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(dest_uri), match.group("page")))
            target = target + "/index.html" if use_directory_urls and not target.endswith(".html") else target
            return _reference(match, STATE.figure_numbers.get(target.lstrip("./"), {}), same_page=False)

        updated = _REFERENCE.sub(resolve, text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")


# Citations ----------------------------------------------------------------------------------


def _references(config: MkDocsConfig) -> dict[str, dict[str, str]]:
    path = Path(config.docs_dir) / "references.yml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, entry in entries.items():
        if not {"short", "full"} <= set(entry):
            raise PluginError(f"Reference '{key}' in {path} needs a 'short' and a 'full' entry.")
    STATE.references = entries
    return entries  # type: ignore[no-any-return]


def _cite(html_text: str, page: Page) -> str:
    def link(match: re.Match[str]) -> str:
        key, note = match.group("key"), match.group("note")
        entry = STATE.references.get(key)
        if entry is None:
            raise PluginError(f"Page '{page.file.src_uri}' cites '{key}', which docs/references.yml does not list.")
        STATE.citations.setdefault(key, set()).add((page.file.url, page.title or page.file.src_uri))
        href = f"{_relative(page.file.url, 'references/')}#ref-{key}"
        tail = f", {note}" if note else ""
        return f'(<a class="gpnn-cite" href="{href}">{html.escape(entry["short"])}</a>{tail})'

    return _CITATION.sub(link, html_text)


def _relative(from_url: str, to_url: str) -> str:
    return posixpath.relpath(to_url or ".", posixpath.dirname(from_url) or ".") + ("/" if to_url.endswith("/") else "")


# Used in ------------------------------------------------------------------------------------


def _uses(files: Files, config: MkDocsConfig) -> dict[str, list[str]]:
    """Per page (by source path of the rendered file), the documented package objects its code names.

    Kept in the build cache under a key over the pages' code, the package and this hook, since
    reading the package's syntax trees is most of a no-change build's work here.
    """
    package = Path(__import__("gpnn").__file__).parent
    sources = {file.src_uri: source for file in files if (source := _code_of_page(file, config)) is not None}
    key = digest({"sources": sources, "package": package_digest(package), "hook": digest(Path(__file__).read_bytes())})
    cached = _cached("uses", key, lambda: json.dumps(_compute_uses(sources, package), sort_keys=True).encode())
    uses: dict[str, list[str]] = json.loads(cached)
    STATE.used_by = {}
    titles = _titles(config)
    for uri, names in uses.items():
        for name in names:
            STATE.used_by.setdefault(name, []).append((uri, titles.get(uri, uri)))
    return uses


def _compute_uses(sources: dict[str, str], package: Path) -> dict[str, list[str]]:
    documented = _documented(package)
    homes = _homes(package)
    return {
        uri: sorted(name for name in _names(source, homes) if name in documented) for uri, source in sources.items()
    }


def _cached(kind: str, key: str, compute: Callable[[], bytes]) -> bytes:
    return cached_bytes(STATE.cache / "reading" / f"{kind}-{key[:32]}", compute)


def _code_of_page(file: File, config: MkDocsConfig) -> str | None:
    """A page's executable code: a notebook's code cells, or a Markdown page's live blocks."""
    if file.src_uri in STATE.sources:  # a notebook page, from its jupytext source
        text = (Path(config.docs_dir) / STATE.sources[file.src_uri]).read_text(encoding="utf-8")
        cells = re.split(r"(?m)^# %%.*$", text)
        headers = re.findall(r"(?m)^# %%.*$", text)
        return "\n".join(cell for header, cell in zip(headers, cells[1:], strict=True) if "[markdown]" not in header)
    if file.src_uri.endswith(".md") and file.abs_src_path:
        text = Path(file.abs_src_path).read_text(encoding="utf-8")
        return "\n".join(re.findall(r'(?ms)^```python[^\n]*exec="on"[^\n]*\n(.*?)^```', text))
    return None


def _names(source: str, homes: dict[str, str]) -> set[str]:
    """Qualified names of ``gpnn`` objects a piece of code uses, through its imports."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> qualified name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "gpnn":
                    continue
                if alias.asname:  # import gpnn.posterior as post
                    aliases[alias.asname] = alias.name
                else:  # import gpnn, import gpnn.posterior: both bind the name gpnn
                    aliases["gpnn"] = "gpnn"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gpnn":
            for alias in node.names:
                aliases[alias.asname or alias.name] = _resolve(f"{node.module}.{alias.name}", homes)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            chain = _chain(node)
            if chain and chain[0] in aliases:
                used.add(_resolve(".".join([aliases[chain[0]], *chain[1:]]), homes))
    # Every prefix counts too: gpnn.training.GradientDescent.epoch uses gpnn.training.GradientDescent.
    return {".".join(name.split(".")[:end]) for name in used for end in range(2, name.count(".") + 2)}


def _resolve(qualified: str, homes: dict[str, str]) -> str:
    """The name where an object is defined, replacing the longest re-exported prefix by its home."""
    parts = qualified.split(".")
    for end in range(len(parts), 1, -1):
        prefix = ".".join(parts[:end])
        if prefix in homes:
            return ".".join([homes[prefix], *parts[end:]])
    return qualified


def _chain(node: ast.AST) -> list[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else []


def _homes(package: Path) -> dict[str, str]:
    """Where names re-exported by ``gpnn`` and ``gpnn.site`` are defined."""
    homes = {}
    init = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_HOMES" for t in node.targets):
            for key, value in zip(node.value.keys, node.value.values, strict=True):  # type: ignore[attr-defined]
                homes[f"gpnn.{key.value}"] = f"{value.value}.{key.value}"
    site = ast.parse((package / "site" / "__init__.py").read_text(encoding="utf-8"))
    for node in site.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                homes[f"gpnn.site.{alias.name}"] = f"{node.module}.{alias.name}"
    return homes


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


def _used_in(html_text: str, page: Page, config: MkDocsConfig) -> str:
    """After each API entry's heading, the pages that use the object."""

    def insert(match: re.Match[str]) -> str:
        name = match.group("id")
        pages = STATE.used_by.get(name)
        if not pages:
            return match.group(0)
        links = ", ".join(
            f'<a href="{_relative(page.file.url, _url_of(uri, config))}">{html.escape(title)}</a>'
            for uri, title in pages
        )
        return match.group(0) + f'<p class="gpnn-used-in">Used in: {links}.</p>'

    heading = r'<h(?P<level>[2-6]) id="(?P<id>gpnn[\w.]*)"[^>]*>.*?</h(?P=level)>'
    return re.sub(heading, insert, html_text, flags=re.DOTALL)


def _url_of(src_uri: str, config: MkDocsConfig) -> str:
    stem = posixpath.splitext(src_uri)[0]
    if stem == "index":
        return ""
    return f"{stem}/" if config.use_directory_urls else f"{stem}.html"


# Downloads ----------------------------------------------------------------------------------

_ARCHIVE_README = """Every page of the gpnn site that runs code, as a Jupyter notebook.

To run them, install the gpnn package (from a clone of its repository: pip install -e ".[docs]")
and open a notebook with Jupyter. The pages that train many networks run them in parallel
processes and keep their results in a folder if GPNN_CACHE_DIR names one; without it, each run
is computed anew, which for the pages that train a hundred networks takes some minutes.
"""


def _archive(files: Files) -> bytes:
    """Every executed notebook page and a README, zipped with fixed dates: the same bytes at every build."""
    notebooks = {
        file.src_uri: Path(file.abs_src_path).read_bytes()
        for file in files
        if file.src_uri.endswith(".ipynb") and file.abs_src_path
    }
    key = digest({uri: digest(data) for uri, data in notebooks.items()} | {"": digest(Path(__file__).read_bytes())})
    return _cached("archive", key, lambda: _zip(notebooks))


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
