r"""Maths typeset when the site is built: KaTeX's HTML in the page, no script in the reader's browser.

A page's formulas come in two forms: arithmatex's elements (Markdown pages and docstrings,
`<span class="arithmatex">\\(...\\)</span>` and `<div class="arithmatex">\\[...\\]</div>`) and
TeX delimiters in the prose of notebook pages (`$...$`, `$$...$$`). Each is typeset here, once
per build and formula, by KaTeX running inside the build (the `quickjs` package's JavaScript
engine; no Node.js), and replaced by KaTeX's HTML, which carries a MathML copy for screen
readers. A page with maths then needs KaTeX's stylesheet and the few fonts its formulas use, not
a typesetting script: a formula is drawn as soon as the page is, and never moves the text around
it. Pages without maths load nothing for maths (`benchmarks/page-weight.md` gives the bytes).

KaTeX 0.16.47 comes with the package (`gpnn/site/plugin/katex/`: the npm package's `dist/`
files `katex.min.js` and `katex.min.css`, its WOFF2 fonts, and its MIT licence); the site gets
the stylesheet, with its font list cut to the WOFF2 files, and the fonts. A formula KaTeX cannot
typeset fails the build, naming the page and the formula. Typeset formulas are kept in the build
cache, keyed by KaTeX's version, the formula and its mode.
"""

from __future__ import annotations

import html as html_lib
import json
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

from gpnn.site.plugin.state import BuildState, read_json, write_if_changed

KATEX_VERSION = "0.16.47"
"""The version of the KaTeX files in `gpnn/site/plugin/katex/`."""

SOURCE = Path(__file__).with_name("katex")
"""Where KaTeX's files are, in the package."""

TARGET = "assets/katex"
"""Where KaTeX's stylesheet and fonts go, in the site."""

STYLESHEET = f"{TARGET}/katex.min.css"
"""KaTeX's stylesheet, in the site: linked from the pages with maths only."""

OPTIONS = {"throwOnError": True, "output": "htmlAndMathml", "strict": "error", "trust": False}
"""KaTeX's options: an error for anything it cannot typeset or that is not plain LaTeX."""

# Code, scripts, styles, form fields and the title hold no maths; their text is left as it is.
_VERBATIM = re.compile(r"<(pre|code|script|style|textarea|title)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
# One pass over the HTML, so that nothing typeset is read again: arithmatex's elements; any
# other tag, kept as it is (attributes hold no maths); in text, $$display$$ and $inline$ (an
# inline formula neither starts nor ends with a space, and neither spans an element); a dollar
# sign escaped as \$, which is a dollar sign.
_MATHS = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<element>.*?)</(?P=tag)>'
    r"|(?P<other><[^>]*>)"
    r"|(?<!\\)\$\$(?P<display>[^<]+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?![\s$])(?P<inline>[^<]+?)(?<![\s\\])\$(?!\d)"
    r"|(?P<dollar>\\\$)",
    re.DOTALL,
)
_DELIMITED = re.compile(r"^\s*\\[(\[](.*)\\[)\]]\s*$", re.DOTALL)
_FONT_FALLBACKS = re.compile(r',url\([^)]*\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')
_HEAD_END = "</head>"


class Maths:
    """Typesets every page's maths with KaTeX at build time and links KaTeX's styles where needed.

    Parameters
    ----------
    state : BuildState
        The build's shared state (its cache folder).

    Attributes
    ----------
    pages : set of str
        The pages with maths in this build (by their source path).
    """

    def __init__(self, state: BuildState) -> None:
        self._state = state
        self._render: Any = None
        self._typeset: dict[str, str] = {}
        self._kept = 0
        self.pages: set[str] = set()

    @property
    def _cache(self) -> Path:
        return self._state.cache / "maths" / f"katex-{KATEX_VERSION}.json"

    def on_pre_build(self) -> None:
        """Read the formulas typeset by earlier builds; forget the pages with maths."""
        self.pages.clear()
        if not self._typeset and not self._state.no_cache:
            self._typeset = {str(k): str(v) for k, v in read_json(self._cache).items()}
        self._kept = len(self._typeset)

    def on_post_page(self, output: str, page: Page) -> str:
        """Typeset the maths of a page's whole document, and link KaTeX's stylesheet if it has any.

        Parameters
        ----------
        output : str
            The page's HTML document.
        page : Page
            The page.

        Returns
        -------
        str
            The document with KaTeX's HTML for each formula.

        Raises
        ------
        PluginError
            If KaTeX cannot typeset one of the page's formulas.
        """
        typeset, count = self.typeset(output, page.file.src_uri)
        if not count:
            return output
        self.pages.add(page.file.src_uri)
        href = posixpath.relpath(STYLESHEET, posixpath.dirname(page.file.dest_uri))
        link = f'<link rel="stylesheet" href="{href}">\n'
        return typeset.replace(_HEAD_END, link + _HEAD_END, 1)

    def typeset(self, document: str, where: str = "a page") -> tuple[str, int]:
        """An HTML document with every formula typeset, and how many there were.

        Parameters
        ----------
        document : str
            HTML.
        where : str, default "a page"
            What holds it, for error messages.

        Returns
        -------
        tuple of (str, int)
            The HTML and the number of formulas typeset.
        """
        count = 0

        def formula(tex: str, display: bool) -> str:
            nonlocal count
            count += 1
            return self.render(html_lib.unescape(tex), display, where)

        def replace(match: re.Match[str]) -> str:
            found = match.groupdict()
            if found["element"] is not None:
                delimited = _DELIMITED.match(found["element"])
                tex = delimited.group(1) if delimited else found["element"]  # \begin{...} comes bare
                return f'<{found["tag"]} class="arithmatex">{formula(tex, found["tag"] == "div")}</{found["tag"]}>'
            if found["display"] is not None:
                return f'<span class="arithmatex arithmatex--display">{formula(found["display"], True)}</span>'
            if found["inline"] is not None:
                return f'<span class="arithmatex">{formula(found["inline"], False)}</span>'
            return "$" if found["dollar"] is not None else match.group(0)

        def prose(text: str) -> str:
            return _MATHS.sub(replace, text)

        parts, last = [], 0
        for match in _VERBATIM.finditer(document):
            parts += [prose(document[last : match.start()]), match.group(0)]
            last = match.end()
        parts.append(prose(document[last:]))
        return "".join(parts), count

    def render(self, tex: str, display: bool, where: str = "a page") -> str:
        """KaTeX's HTML for one formula.

        Parameters
        ----------
        tex : str
            The formula, in TeX.
        display : bool
            Whether it is displayed on a line of its own.
        where : str, default "a page"
            What holds it, for error messages.

        Returns
        -------
        str
            The formula's HTML (with its MathML).

        Raises
        ------
        PluginError
            If KaTeX cannot typeset it.
        """
        key = f"{'display' if display else 'inline'}:{tex}"
        html = self._typeset.get(key)
        if html is None:
            try:
                html = self._renderer()(tex, display)
            except Exception as error:  # quickjs.JSException: KaTeX's ParseError, first line
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise PluginError(f"KaTeX cannot typeset a formula on {where}: {tex!r}\n{reason}") from None
            self._typeset[key] = html
        return html

    def _renderer(self) -> Any:
        if self._render is None:
            import quickjs

            script = (SOURCE / "katex.min.js").read_text(encoding="utf-8")
            self._render = quickjs.Function(
                "render",
                f"{script}\nfunction render(tex, display) {{\n"
                f"  return katex.renderToString(tex, Object.assign({{displayMode: display}}, {json.dumps(OPTIONS)}));\n"
                "}",
            )
        return self._render

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Write KaTeX's stylesheet and fonts if a page has maths; keep the formulas typeset.

        Parameters
        ----------
        config : MkDocsConfig
            The site's configuration.
        """
        if len(self._typeset) != self._kept and not self._state.no_cache:
            data = json.dumps(self._typeset, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            write_if_changed(self._cache, data.encode())
            self._kept = len(self._typeset)
        if not self.pages:
            return
        site = Path(config.site_dir)
        write_if_changed(site / STYLESHEET, stylesheet().encode())
        for font in sorted((SOURCE / "fonts").glob("*.woff2")):
            write_if_changed(site / TARGET / "fonts" / font.name, font.read_bytes())
        write_if_changed(site / TARGET / "LICENSE", (SOURCE / "LICENSE").read_bytes())


def stylesheet() -> str:
    """KaTeX's stylesheet with its fonts as WOFF2 only (which every current browser reads).

    Returns
    -------
    str
        The stylesheet; its font URLs are relative to it, as in KaTeX's `dist/`.
    """
    text = (SOURCE / "katex.min.css").read_text(encoding="utf-8")
    return f"/* KaTeX {KATEX_VERSION}, MIT licence (LICENSE beside this file). */\n" + _FONT_FALLBACKS.sub("", text)
