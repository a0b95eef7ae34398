"""MkDocs hook: the JavaScript that draws the explorable figures, served by the site itself.

Pages hold their charts as Vega-Lite specs (``gpnn.site.charts``); ``javascripts/charts.js``
draws them with Vega, Vega-Lite and vega-embed, which this hook writes into the site as one
ES-module file, ``javascripts/vega.js``, with their licences beside it. The file comes from the
``vl-convert-python`` package (no npm, no request to another host); ``charts.js`` imports it only
on pages that hold a chart, and the site gets it only if some page does. Making it takes a few
seconds, so it is kept in the build cache, keyed on the package's version.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from gpnn_build import STATE, cached_bytes, write_if_changed
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

#: The Vega-Lite version of the bundle: the one Altair's specs are written for
#: (``gpnn.site.charts.VEGA_LITE_VERSION``; a test keeps the two equal).
VEGA_LITE_VERSION = "6.4"
BUNDLE = "javascripts/vega.js"
LICENSES = "javascripts/vega-licenses.txt"
_MARKER = 'class="gpnn-chart"'

_chart_pages: set[str] = set()


def on_pre_build(config: MkDocsConfig) -> None:
    _chart_pages.clear()


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Note whether the page holds a chart."""
    if _MARKER in html:
        _chart_pages.add(page.file.src_uri)
    return html


def on_post_build(config: MkDocsConfig) -> None:
    """Write the Vega bundle and its licences, if a page holds a chart."""
    if not _chart_pages:
        return
    site = Path(config.site_dir)
    write_if_changed(site / BUNDLE, bundle())
    write_if_changed(site / LICENSES, _LICENSES.encode())


def bundle() -> bytes:
    """Vega, Vega-Lite and vega-embed as one ES module, from the build cache when it has them."""
    package = version("vl-convert-python")
    return cached_bytes(STATE.cache / "charts" / f"vega-{package}-vl{VEGA_LITE_VERSION}.js", lambda: _bundle(package))


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
