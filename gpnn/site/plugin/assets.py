"""The site's shared assets, served once instead of inlined into every page, and only where needed.

mkdocs-jupyter writes, into every notebook page, JupyterLab's 596 KB of styles, a clipboard
script, a Mermaid loader and a MathJax 2 loader from a CDN. Here all of that is dropped: a
notebook page's code cells become code blocks like those of the Markdown pages (Material styles
them and gives each its copy button), and the site's own small stylesheet,
`stylesheets/notebooks.css`, lays the cells out. Maths is typeset when the site is built
([`gpnn.site.plugin.maths`][gpnn.site.plugin.maths]). No page requests anything from another
host. Figures, which pages embed as `data:` URLs (so that a downloaded notebook holds
them), become files named by their content, so that pages stay light and a figure shared by
pages is fetched once. Pages with explorable figures get Vega, Vega-Lite and vega-embed as one
ES-module file, `javascripts/vega.js`, made from the `vl-convert-python` package (no npm, no
request to another host), which `javascripts/charts.js` imports only where a chart is. Files
are written only when their content changes.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from importlib.metadata import version
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

from gpnn.site.plugin.state import BuildState, write_if_changed

FIGURES = "assets/figures"
"""Where figures go, named by their content."""

VEGA_LITE_VERSION = "6.4"
"""The Vega-Lite version of the bundle: the one Altair's specs are written for.

[`gpnn.site.charts.VEGA_LITE_VERSION`][gpnn.site.charts.VEGA_LITE_VERSION]; a test keeps the two equal.
"""

BUNDLE = "javascripts/vega.js"
"""The Vega bundle, in the site."""

LICENSES = "javascripts/vega-licenses.txt"
"""The bundle's licences, beside it."""

_CHART = 'class="gpnn-chart"'
# mkdocstrings' folded source code: shown on the page, left out of the search index, which every
# page loads (Material's search plugin skips an element marked data-search-exclude).
_SOURCE = '<details class="mkdocstrings-source">'
_EMBEDDED = re.compile(r'(src|srcset)="data:image/(svg\+xml|png);base64,([A-Za-z0-9+/=]+)"')
_SUFFIX = {"svg+xml": "svg", "png": "png"}
# mkdocs-jupyter's code cells: Pygments' <pre> inside its own wrapper, with a copy button of its
# own and a hidden copy of the code for that button. Material's code blocks are
# <div class="language-python highlight"><pre><span></span><code>...</code></pre></div>.
_NOTEBOOK_HEAD = '<div class="jupyter-wrapper">'
_STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
_CODE_CELL = re.compile(r'<div class="highlight-ipynb hl-([\w+-]+)"><pre>(<span></span>)?(.*?)</pre></div>', re.DOTALL)
_CLIPBOARD = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\n?'
    r'|<div class="clipboard-copy-txt" id="[^"]*">.*?</div>\n?',
    re.DOTALL,
)
_FOLDED = re.compile(r'<div class="jp-Cell [^"]*\bcelltag_fold\b[^"]*"[^>]*>')
_INPUT, _OUTPUT = '<div class="jp-Cell-inputWrapper"', '<div class="jp-Cell-outputWrapper">'
FOLD_SUMMARY = "Show the plotting code"
"""The label of the control that shows a folded cell's code."""


class Assets:
    """Figures as files, notebook pages like the others, the Vega bundle where there are charts.

    Parameters
    ----------
    state : BuildState
        The build's shared state.

    Attributes
    ----------
    figures : dict of str to bytes
        Every figure of the build, by its file name.
    chart_pages : set of str
        The pages that hold an explorable figure.
    """

    def __init__(self, state: BuildState) -> None:
        self._state = state
        self.figures: dict[str, bytes] = {}
        self.chart_pages: set[str] = set()

    def on_pre_build(self) -> None:
        """Forget the previous build's chart pages."""
        self.chart_pages.clear()

    def on_page_content(self, html: str, page: Page) -> str:
        """Lighten a page: figures become files; a notebook page loses mkdocs-jupyter's extras.

        Source code folded in the API pages stays out of the search index.

        Parameters
        ----------
        html : str
            The page's HTML.
        page : Page
            The page.

        Returns
        -------
        str
            The lighter HTML.
        """
        if _CHART in html:
            self.chart_pages.add(page.file.src_uri)
        html = _EMBEDDED.sub(lambda match: self._figure_file(match, page), html)
        if page.file.src_uri.endswith(".ipynb"):
            html = fold(notebook_html(html))
        return html.replace(_SOURCE, _SOURCE[:-1] + " data-search-exclude>")

    def _figure_file(self, match: re.Match[str], page: Page) -> str:
        attribute, kind, data = match.group(1), match.group(2), base64.b64decode(match.group(3))
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.{_SUFFIX[kind]}"
        self.figures[name] = data
        return f'{attribute}="{posixpath.relpath(f"{FIGURES}/{name}", posixpath.dirname(page.file.dest_uri))}"'

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Write the figures and, if needed, the Vega bundle.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        site = Path(config.site_dir)
        for name, data in self.figures.items():
            write_if_changed(site / FIGURES / name, data)
        if self.chart_pages:
            write_if_changed(site / BUNDLE, self.bundle())
            write_if_changed(site / LICENSES, _LICENSES.encode())

    def bundle(self) -> bytes:
        """Vega, Vega-Lite and vega-embed as one ES module, from the build cache when it has them.

        Returns
        -------
        bytes
            The module's text.
        """
        package = version("vl-convert-python")
        path = self._state.cache / "charts" / f"vega-{package}-vl{VEGA_LITE_VERSION}.js"
        return self._state.cached_bytes(path, lambda: _bundle(package))


def notebook_html(html: str) -> str:
    """A notebook page's HTML without mkdocs-jupyter's extras, its code cells as Material's code blocks.

    Drops what mkdocs-jupyter writes before the notebook (JupyterLab's styles, a clipboard
    script, a Mermaid loader, a MathJax 2 loader; the Mermaid loader stays if the notebook has a
    diagram), every `<style>` (Pygments' follow the notebook), and each code cell's own copy
    button with the hidden copy of its code.

    Parameters
    ----------
    html : str
        A notebook page's HTML, as mkdocs-jupyter writes it.

    Returns
    -------
    str
        The lighter HTML.
    """
    start = html.find(_NOTEBOOK_HEAD)
    if start > 0 and 'class="jp-Mermaid' not in html[start:]:
        html = html[start:]
    html = _STYLE.sub("", _CLIPBOARD.sub("", html))  # Pygments' styles also follow the notebook
    return _CODE_CELL.sub(_code_block, html)


def _code_block(match: re.Match[str]) -> str:
    language, code = match.group(1), match.group(3)
    return f'<div class="language-{language} highlight"><pre><span></span><code>{code}</code></pre></div>'


def fold(html: str) -> str:
    """Fold the code of cells tagged `fold` (plotting) behind a control; their figures stay in view.

    Parameters
    ----------
    html : str
        A notebook page's HTML.

    Returns
    -------
    str
        The HTML, each folded cell's input inside one `<details>`.
    """
    parts, last = [], 0
    for match in _FOLDED.finditer(html):
        if match.start() < last:
            continue  # mkdocs-jupyter nests a tagged cell's div in a second one: fold each cell once
        start = html.find(_INPUT, match.end())
        end = html.find(_OUTPUT, start)
        if start < 0 or end < 0:
            continue
        parts += [
            html[last:start],
            f'<details class="gpnn-fold"><summary>{FOLD_SUMMARY}</summary>',
            html[start:end],
            "</details>\n",
        ]
        last = end
    parts.append(html[last:])
    return "".join(parts)


def _bundle(package: str) -> bytes:
    import vl_convert

    header = (
        f"/* Vega {vl_convert.get_vega_version()}, Vega-Lite {VEGA_LITE_VERSION}, vega-embed "
        f"{vl_convert.get_vega_embed_version()}, bundled by vl-convert-python {package}. "
        "Licences: vega-licenses.txt. Load as a module: it declares names at its top level. */\n"
    )
    # The default snippet (the stub's signature omits that it has one) sets window.vegaEmbed.
    text = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)  # type: ignore[call-arg]
    return (header + text).encode()


_BSD3 = """Redistribution and use in source and binary forms, with or without modification, are
permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of
   conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials
   provided with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written
   permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY,
WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY
WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

_LICENSES = f"""vega.js bundles Vega, Vega-Lite and vega-embed (with vega-tooltip and vega-themes), the
d3 modules they use, and lodash.debounce, as packaged by vl-convert-python.

Vega, Vega-Lite, vega-embed, vega-tooltip, vega-themes
Copyright (c) 2015-2024, University of Washington Interactive Data Lab. All rights reserved.
BSD 3-Clause License:

{_BSD3}
d3 modules (d3-array, d3-color, d3-format, d3-geo, d3-interpolate, d3-scale, d3-shape and others)
Copyright 2010-2023 Mike Bostock. ISC License:

Permission to use, copy, modify, and/or distribute this software for any purpose with or without
fee is hereby granted, provided that the above copyright notice and this permission notice
appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS
SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE
AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT,
NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE
OF THIS SOFTWARE.

lodash.debounce
Copyright JS Foundation and other contributors. MIT License.
"""
