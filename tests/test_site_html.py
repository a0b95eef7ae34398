import base64
import re
from html.parser import HTMLParser

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
    assert 'alt="A &#34;V&#34; shape"' in first
    svg = _svg(first)
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<dc:date>" not in svg
    assert first._repr_html_() == str(first)
    assert '<figcaption><span class="gpnn-figure-number"></span>cap</figcaption>' in site.figure(
        _draw(), alt="x", caption="cap"
    )
    assert plt.get_fignums() == []


def test_a_wide_figure_has_a_narrow_layout_for_phones_through_picture():
    html = site.figure(_draw(), alt="V")
    source = r'<picture><source media="\(max-width: 600px\)" srcset="data:image/svg\+xml;base64,([^"]+)">'
    match = re.search(source, html)
    narrow = base64.b64decode(match.group(1))
    wide = _svg(html)

    def width(svg: bytes) -> float:
        return float(re.search(rb'<svg [^>]*width="([\d.]+)pt"', svg).group(1))

    assert width(narrow) < 0.7 * width(wide)  # the default figure is 7 inches wide, the narrow one 4.4
    with plt.rc_context(plots.SITE_STYLE):
        fig, ax = plt.subplots(figsize=(4.4, 3))
        ax.plot([0, 1], [0, 1])
    assert "<source" not in site.figure(fig, alt="already narrow")


def test_figure_requires_alt_text():
    fig = _draw()
    with pytest.raises(ValueError, match="'alt' must describe the figure, but alt = '  '"):
        site.figure(fig, alt="  ")
    plt.close(fig)


def test_number_keeps_the_exact_value():
    html = site.number(0.6208983030556345, ".4f", key="final_rmse")
    assert html == ('<span class="gpnn-number" data-key="final_rmse" data-value="0.6208983030556345">0.6209</span>')
    assert site.number(8000, "d").endswith(">8000</span>")
    assert site.number(23, "ordinal", key="p") == '<span class="gpnn-number" data-key="p" data-value="23">23rd</span>'
    assert site.number(1.89999, "times").endswith(">about 1.9 times</span>")
    with pytest.raises(ValueError, match="'place' must be a whole number"):
        site.number(42.5, "ordinal")
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


class Parsed(HTMLParser):
    """What a browser's parser makes of HTML: the tags it opens, and the text of each element."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.texts, self._open = [], [], {}, []
        self.feed(str(html))  # a plain string: Markup would escape what the parser adds to it
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.append(dict(attrs))
        self._open.append(tag)

    def handle_endtag(self, tag):
        self._open.pop()

    def handle_data(self, data):
        for tag in self._open:
            self.texts[tag] = self.texts.get(tag, "") + data


HOSTILE = '<script>alert("&")</script> & <b>bold</b>'


def test_cells_captions_and_alt_texts_are_escaped():
    figure = site.figure(_draw(), alt=HOSTILE, caption=HOSTILE)
    table = site.table([(HOSTILE, HOSTILE)], header=(HOSTILE, "value"))
    for html in (figure, table):
        assert "<script>" not in html and "<b>" not in html
        parsed = Parsed(html)
        assert "script" not in parsed.tags and "b" not in parsed.tags
    # The reader sees the text exactly as it was given.
    assert Parsed(figure).texts["figcaption"] == HOSTILE
    assert next(a for a in Parsed(figure).attributes if "alt" in a)["alt"] == HOSTILE
    assert Parsed(table).texts["td"] == HOSTILE + HOSTILE
    assert Parsed(table).texts["th"] == HOSTILE + "value"
    assert "<td>&lt;script&gt;alert(&#34;&amp;&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</td>" in table


def test_markup_passes_through():
    marked = site.Markup("<em>x</em> &amp; y")
    figure = site.figure(_draw(), alt=marked, caption=marked)
    assert '<img alt="<em>x</em> &amp; y"' in figure
    assert '<span class="gpnn-figure-number"></span><em>x</em> &amp; y</figcaption>' in figure
    table = site.table([(marked, marked)], header=(marked, marked))
    assert table.count("<em>x</em> &amp; y") == 4
    # What the helpers return is Markup too, and escapes what is added to it.
    number = site.number(2, "d")
    assert isinstance(number, site.Markup) and isinstance(figure, site.Markup)
    assert number + " & z" == str(number) + " &amp; z"
    assert repr(number) == repr(str(number))  # a notebook's plain-text output is the string


def test_numbers_and_claims_in_a_plain_string_stay_html_and_nothing_else_does():
    claim = '<span class="gpnn-claim" data-claim="bigger">a is bigger &amp; b</span>'  # as a claim's "html" format
    cell = f"{site.number(1.5, '.1f', key='a')} → {site.number(3, 'd')} & {claim}"
    table = site.table([("row", cell)])
    assert f"<td>{site.number(1.5, '.1f', key='a')} → {site.number(3, 'd')} &amp; {claim}</td>" in table
    assert Parsed(table).tags.count("span") == 3
    caption = site.figure(_draw(), alt="x", caption=cell)
    assert f"</span>{site.number(1.5, '.1f', key='a')} → {site.number(3, 'd')} &amp; {claim}</figcaption>" in caption
    # Anything but the spans those helpers write is text, even when it looks like one of them.
    for forged in (
        '<span class="gpnn-number" onclick="steal()">1</span>',
        '<span class="gpnn-number" data-value="1"><img src=x onerror="steal()"></span>',
        '<span class="gpnn-other" data-value="1">1</span>',
    ):
        parsed = Parsed(site.table([("row", forged)]))
        assert "span" not in parsed.tags and "img" not in parsed.tags
        assert parsed.texts["td"] == "row" + forged
