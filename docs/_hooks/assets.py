"""MkDocs hook: the site's shared assets, served once instead of inlined into every page.

mkdocs-jupyter inlines the JupyterLab styles into every notebook page and loads MathJax 2 from
a CDN. This hook moves the styles into one shared file, drops that MathJax loader, and serves
MathJax 3 from the ``django-static-mathjax`` package instead, so no page requests anything from
another host. Figures, which pages embed as ``data:`` URLs (so that a downloaded notebook holds
them), become files named by their content, so that pages stay light and a figure shared by
pages is fetched once. Files are written only when their content changes.
"""

from __future__ import annotations

import base64
import filecmp
import hashlib
import posixpath
import re
import shutil
from pathlib import Path

from gpnn_build import STATE, write_if_changed
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

#: What mkdocs-jupyter is told to load for math; removed here (the site serves MathJax 3).
MATHJAX_PLACEHOLDER = "gpnn-local-mathjax"
NOTEBOOK_CSS = "assets/stylesheets/notebooks.css"
FIGURES = "assets/figures"
_EMBEDDED = re.compile(r'src="data:image/(svg\+xml|png);base64,([A-Za-z0-9+/=]+)"')
_SUFFIX = {"svg+xml": "svg", "png": "png"}
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_MATHJAX2 = re.compile(
    r'<script src="' + MATHJAX_PLACEHOLDER + r'">\s*</script>|<script type="text/x-mathjax-config">.*?</script>',
    re.DOTALL,
)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Lighten a page: figures become files; a notebook page's styles go to the shared file."""
    html = _EMBEDDED.sub(lambda match: _figure_file(match, page), html)
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _fold(html)
    html = _MATHJAX2.sub("", html)
    for css in _STYLE.findall(html):
        STATE.styles.setdefault(hashlib.sha256(css.encode()).hexdigest(), css)
    html = _STYLE.sub("", html)
    href = posixpath.relpath(NOTEBOOK_CSS, posixpath.dirname(page.file.dest_uri))
    return f'<link rel="stylesheet" href="{href}">\n{html}'


_FOLDED = re.compile(r'<div class="jp-Cell [^"]*\bcelltag_fold\b[^"]*"[^>]*>')
_INPUT, _OUTPUT = '<div class="jp-Cell-inputWrapper"', '<div class="jp-Cell-outputWrapper">'


def _fold(html: str) -> str:
    """Fold the code of cells tagged ``fold`` (plotting) behind a control; their figures stay in view."""
    parts, last = [], 0
    for match in _FOLDED.finditer(html):
        start = html.find(_INPUT, match.end())
        end = html.find(_OUTPUT, start)
        # mkdocs-jupyter wraps each cell in two divs that both carry its tags: fold its input once.
        if start < last or start < 0 or end < 0:
            continue
        parts += [
            html[last:start],
            '<details class="gpnn-fold"><summary>Show the plotting code</summary>',
            html[start:end],
            "</details>\n",
        ]
        last = end
    parts.append(html[last:])
    return "".join(parts)


def _figure_file(match: re.Match[str], page: Page) -> str:
    data = base64.b64decode(match.group(2))
    name = f"{hashlib.sha256(data).hexdigest()[:20]}.{_SUFFIX[match.group(1)]}"
    STATE.figures[name] = data
    return f'src="{posixpath.relpath(f"{FIGURES}/{name}", posixpath.dirname(page.file.dest_uri))}"'


def on_post_build(config: MkDocsConfig) -> None:
    """Write the figures and the notebooks' shared styles, and copy MathJax 3 into the site."""
    site = Path(config.site_dir)
    for name, data in STATE.figures.items():
        write_if_changed(site / FIGURES / name, data)
    styles = STATE.styles
    write_if_changed(site / NOTEBOOK_CSS, "\n".join(styles[key] for key in sorted(styles)).encode())

    import mathjax  # the django-static-mathjax distribution: MathJax 3 as package data

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = site / "assets" / "mathjax"
    _copy(source / "tex-chtml.js", target / "tex-chtml.js")
    fonts = source / "output" / "chtml" / "fonts" / "woff-v2"
    for font in sorted(fonts.iterdir()):
        _copy(font, target / "output" / "chtml" / "fonts" / "woff-v2" / font.name)


def _copy(source: Path, target: Path) -> None:
    if target.exists() and filecmp.cmp(source, target, shallow=True):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
