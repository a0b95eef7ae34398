"""Maths typeset at build time: which text is maths, what KaTeX makes of it, and its errors."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from gpnn.site.plugin import maths
from gpnn.site.plugin.state import BuildState

pytest.importorskip("quickjs")


@pytest.fixture
def typesetter(tmp_path) -> maths.Maths:
    typesetter = maths.Maths(BuildState(cache=tmp_path))
    typesetter.on_pre_build()
    return typesetter


def _sources(output: str) -> list[str]:
    # KaTeX keeps each formula's TeX in its MathML copy, which screen readers read.
    sources = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', output)
    return [html.unescape(tex) for tex in sources]


def test_every_form_of_maths_is_typeset_and_keeps_its_tex(typesetter):
    page = (
        '<p>Inline <span class="arithmatex">\\(h_\\ell = \\operatorname{ReLU}(z_\\ell)\\)</span>.</p>\n'
        '<div class="arithmatex">\\[\\hat y = \\sqrt{\\tfrac{1}{n}\\sum_i r_i^2}\\]</div>\n'
        "<p>A notebook's $x W_1 + b_1$ and\n$$\\tilde x_i = \\frac{x_i - \\bar x}{s_x}.$$</p>"
    )
    output, count = typesetter.typeset(page)
    assert count == 4
    assert _sources(output) == [
        "h_\\ell = \\operatorname{ReLU}(z_\\ell)",
        "\\hat y = \\sqrt{\\tfrac{1}{n}\\sum_i r_i^2}",
        "x W_1 + b_1",
        "\\tilde x_i = \\frac{x_i - \\bar x}{s_x}.",
    ]
    assert output.count('class="katex-display"') == 2  # the \[ \] and the $$ $$ formulas
    assert "\\(" not in output and "$" not in output


def test_an_environment_without_delimiters_is_typeset_as_display(typesetter):
    aligned = "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}"
    output, count = typesetter.typeset(f'<div class="arithmatex">{aligned}</div>')
    assert count == 1 and 'class="katex-display"' in output


def test_code_attributes_titles_and_prices_are_not_maths(typesetter):
    page = (
        "<title>$a$ in a title</title>"
        '<img alt="costs $a$">'
        "<pre><code>x = f'$y$'</code></pre><code>$z$</code>"
        "<script>const s = '$w$';</script>"
        "<p>It costs $5 and $6, or \\$7.</p>"
    )
    output, count = typesetter.typeset(page)
    assert count == 0
    assert output == page.replace("\\$7", "$7")


def test_entities_are_read_as_the_characters_they_stand_for(typesetter):
    output, count = typesetter.typeset("<p>When $a &lt; b$ and $c &gt; d$ hold.</p>")
    assert count == 2
    assert _sources(output) == ["a < b", "c > d"]


def test_a_formula_katex_cannot_typeset_names_the_page_and_the_formula(typesetter):
    with pytest.raises(PluginError, match=r"KaTeX cannot typeset a formula on training\.ipynb: '\\\\frac\{1\}\{'"):
        typesetter.typeset("<p>Broken: $\\frac{1}{$ here.</p>", "training.ipynb")


def test_a_later_build_reads_typeset_formulas_from_the_cache(tmp_path, typesetter):
    first, _ = typesetter.typeset("<p>$\\eta \\rho$</p>")
    typesetter.on_post_build(SimpleNamespace(site_dir=str(tmp_path / "site")))  # type: ignore[arg-type]
    later = maths.Maths(BuildState(cache=tmp_path))
    later.on_pre_build()
    later._renderer = lambda: pytest.fail("typeset again instead of read from the cache")  # type: ignore[method-assign]
    assert later.typeset("<p>$\\eta \\rho$</p>")[0] == first


def test_only_pages_with_maths_link_the_stylesheet_which_only_the_site_with_maths_gets(tmp_path, typesetter):
    def page(dest: str) -> SimpleNamespace:
        return SimpleNamespace(file=SimpleNamespace(src_uri=dest.replace("/index.html", ".md"), dest_uri=dest))

    document = "<html><head><title>t</title></head><body>{}</body></html>"
    plain = document.format("<p>No maths.</p>")
    assert typesetter.on_post_page(plain, page("references/index.html")) == plain  # type: ignore[arg-type]
    nested = typesetter.on_post_page(document.format("<p>$x$</p>"), page("api/site/jobs/index.html"))  # type: ignore[arg-type]
    assert '<link rel="stylesheet" href="../../../assets/katex/katex.min.css">\n</head>' in nested
    assert typesetter.pages == {"api/site/jobs.md"}
    site = tmp_path / "site"
    typesetter.on_post_build(SimpleNamespace(site_dir=str(site)))  # type: ignore[arg-type]
    fonts = set(re.findall(r"url\(fonts/([^)]+)\)", (site / maths.STYLESHEET).read_text()))
    assert fonts and all(name.endswith(".woff2") for name in fonts)
    assert fonts == {path.name for path in (site / maths.TARGET / "fonts").iterdir()}


def test_a_site_without_maths_gets_no_katex_files(tmp_path, typesetter):
    typesetter.on_post_build(SimpleNamespace(site_dir=str(tmp_path / "site")))  # type: ignore[arg-type]
    assert not (tmp_path / "site" / maths.TARGET).exists()
