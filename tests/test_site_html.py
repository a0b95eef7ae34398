import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import gpnn
from gpnn import plots, site


def _svg(html):
    match = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    return base64.b64decode(match.group(1))


def _draw():
    with plt.rc_context(plots.SITE_STYLE):
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [1, 0, 1], label="a")
        ax.legend()
    return fig


def test_figure_is_an_img_with_alt_text_and_deterministic_svg():
    first, second = site.figure(_draw(), alt='A "V" shape'), site.figure(_draw(), alt='A "V" shape')
    assert first == second
    assert 'alt="A &quot;V&quot; shape"' in first
    svg = _svg(first)
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<dc:date>" not in svg
    assert first._repr_html_() == str(first)
    assert '<figcaption><span class="gpnn-figure-number"></span>cap</figcaption>' in site.figure(
        _draw(), alt="x", caption="cap"
    )
    assert plt.get_fignums() == []


def test_figure_requires_alt_text():
    fig = _draw()
    with pytest.raises(ValueError, match="'alt' must describe the figure, but alt = '  '"):
        site.figure(fig, alt="  ")
    plt.close(fig)


def test_number_keeps_the_exact_value():
    html = site.number(0.6208983030556345, ".4f", key="final_rmse")
    assert html == ('<span class="gpnn-number" data-key="final_rmse" data-value="0.6208983030556345">0.6209</span>')
    assert site.number(8000, "d").endswith(">8000</span>")
    with pytest.raises(ValueError, match="'value' must be finite"):
        site.number(float("nan"))
    with pytest.raises(TypeError, match="'value' must be a real number"):
        site.number("1")


def test_source_shows_the_code_without_docstrings_or_pragmas():
    html = site.source(gpnn.GradientDescent.adjust)
    text = re.sub(r"<[^>]+>", "", html)
    assert "def adjust(self)" in text and "W -= W.grad * self.lr" in text
    assert "Step 3" not in text and "type: ignore" not in text
    assert 'data-object="gpnn.training.GradientDescent.adjust"' in html
    assert "Step 3" in re.sub(r"<[^>]+>", "", site.source(gpnn.GradientDescent.adjust, docstrings=True))
    with pytest.raises(ValueError, match="'obj' must be defined in gpnn"):
        site.source(re.sub)


def test_table_and_prose():
    html = site.table([("a<b", site.number(1, "d"))], header=("x", "y"))
    assert "<td>a&lt;b</td>" in html and "<th>y</th>" in html
    text = site.prose("**bold**")
    assert text._repr_markdown_() == "**bold**"
    with pytest.raises(TypeError, match="'text' must be a str"):
        site.prose(3)
