"""Helpers for the website's executed pages: figures, numbers and source code as HTML.

Pages print what these return (Markdown pages' live blocks) or display it (notebook pages,
through `_repr_html_`). Every number a page states goes through [`number`][gpnn.site.html.number],
which keeps the full value in a `data-value` attribute so tests can compare it with the library.

Text is escaped by default, as Jinja and MkDocs escape it: what these helpers write is
`markupsafe.Markup`, and an alternative text, a caption, a table's label or value is escaped
unless it is `Markup` itself (see [`as_html`][gpnn.site.html.as_html]).
"""

from __future__ import annotations

import ast
import base64
import inspect
import io
import numbers
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from gpnn._validation import check_real
from gpnn.site.claims import formatted

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class HTML(Markup):
    """HTML that notebooks display as HTML and live blocks print verbatim: `markupsafe.Markup`, displayable.

    Being `Markup`, it is inserted as it is where text would be escaped, and escapes what is
    added to it or formatted into it (`HTML("<b>{}</b>").format("a & b")`).

    Parameters
    ----------
    object : object, default ""
        The HTML, trusted as it is; an object with `__html__` gives what that returns.
    encoding : str, optional
        The encoding of `object` if it is bytes.
    errors : str, default "strict"
        How to handle bytes that do not decode.
    """

    __slots__ = ()

    def __init__(self, object: Any = "", encoding: str | None = None, errors: str = "strict") -> None:
        # Markup makes the string in __new__; this states its parameters, for the API reference.
        super().__init__()

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        # The string itself, as before it was Markup: a notebook's plain-text output stays the same.
        return str.__repr__(self)


NARROW_SCREEN = 600
"""Widest screen, in CSS pixels, that gets a figure's narrow layout ([`gpnn.plots.narrow_layout`][])."""

_OWN_SPAN = re.compile(r'<span class="gpnn-(?:number|claim)"(?: (?:id|data-[a-z]+)="[^"<>]*")*>[^<>]*</span>')
"""A number's span from [`number`][gpnn.site.html.number] or a claim's, as written into a plain string."""


def as_html(text: object) -> HTML:
    """Text as HTML: `Markup` as it is, anything else escaped except the spans of numbers and claims.

    An f-string makes a plain string even of `Markup` parts, so a value written as
    `f"{number(a)} → {number(b)}"` would lose its numbers to escaping. The spans that
    [`number`][gpnn.site.html.number] and a claim's `html` format write are therefore kept: they
    carry no markup but a `<span>` with a `gpnn-number` or `gpnn-claim` class, `id` and `data-`
    attributes, and text. Everything else (`<`, `>`, `&`, quotes) is escaped.

    Parameters
    ----------
    text : object
        `Markup` (anything with `__html__`), or anything else, which is made a string.

    Returns
    -------
    HTML
        The text, safe to insert into HTML.

    Examples
    --------
    >>> str(as_html("a < b & c")), str(as_html(Markup("<em>d</em>")))
    ('a &lt; b &amp; c', '<em>d</em>')
    >>> str(as_html(f"x {number(1.5, '.1f')}"))
    'x <span class="gpnn-number" data-value="1.5">1.5</span>'
    """
    if hasattr(text, "__html__"):
        return HTML(text.__html__())
    plain = str(text)
    parts: list[Markup] = []
    start = 0
    for match in _OWN_SPAN.finditer(plain):
        parts += [escape(plain[start : match.start()]), Markup(match.group(0))]
        start = match.end()
    parts.append(escape(plain[start:]))
    return HTML("").join(parts)


def figure(fig: Figure, alt: str, caption: str | None = None, *, name: str | None = None) -> HTML:
    """Render a matplotlib figure as an SVG `<img>` with alternative text and a caption, and close it.

    The figure is checked first ([`gpnn.plots.figure_problems`][]): text that overlaps other
    text, or a colour outside the site's roles, is an error. The SVG carries no date and fixed
    element ids (`svg.hashsalt`), so the same figure gives the same bytes at every build. The
    site numbers figures in page order ("Figure 3"), and a Markdown link `[Figure](#fig-NAME)`
    to a figure's `name` reads as its number. Screens up to `NARROW_SCREEN` pixels wide get the
    figure laid out again for them ([`gpnn.plots.narrow_layout`][]), where it can be, through
    `<picture>`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show; closed afterwards.
    alt : str
        What the figure shows, for readers who cannot see it. Must not be empty.
        Escaped unless it is `Markup`.
    caption : str, optional
        Visible caption, escaped as by [`as_html`][gpnn.site.html.as_html]: `Markup` for HTML.
    name : str, optional
        Anchor of the figure (`id="fig-NAME"`), for references; letters, digits and hyphens.

    Returns
    -------
    HTML
        `<figure>` with the image and caption.

    Raises
    ------
    ValueError
        If `alt` is empty, `name` is malformed, or the figure breaks the site's rules.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"Argument 'alt' must describe the figure, but alt = {alt!r}.")
    if name is not None and not (isinstance(name, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)):
        raise ValueError(f"Argument 'name' must be lower-case words joined by hyphens, but name = {name!r}.")
    import matplotlib.pyplot as plt

    from gpnn.plots import figure_problems, narrow_layout

    problems = figure_problems(fig)
    if problems:
        plt.close(fig)
        raise ValueError("The figure breaks the site's rules:\n" + "\n".join(f"- {line}" for line in problems))
    data = svg_data_url(fig)
    # Phones get the figure laid out again, narrower, so that its text stays legible.
    narrow = svg_data_url(fig) if narrow_layout(fig) else None
    plt.close(fig)
    anchor = f' id="fig-{name}"' if name else ""
    source = f'<source media="(max-width: {NARROW_SCREEN}px)" srcset="{narrow}">' if narrow else ""
    return HTML(
        f'<figure class="gpnn-figure"{anchor}><picture>{source}<img alt="{escape(alt)}" src="{data}"></picture>'
        f'<figcaption><span class="gpnn-figure-number"></span>{as_html(caption or "")}</figcaption>'
        "</figure>"
    )


def svg_data_url(fig: Figure) -> str:
    """A `data:` URL of the figure as SVG, the same bytes for the same figure at every build.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to encode; left open.

    Returns
    -------
    str
        The URL: `data:image/svg+xml;base64,` followed by the SVG in base 64.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # A fixed salt makes matplotlib's SVG element ids depend on content only, not on chance.
    with plt.rc_context({"svg.hashsalt": "gpnn"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def number(value: float, fmt: str = ".3f", key: str | None = None) -> HTML:
    """A number for prose: formatted for reading, with the exact value kept in `data-value`.

    Parameters
    ----------
    value : float
        The value, straight from a computation.
    fmt : str, default ".3f"
        Format specification for display, or one said in words: `"ordinal"` for a whole number
        as a place ("1st", "22nd"), `"times"` for a factor ([`formatted`][gpnn.site.claims.formatted]).
    key : str, optional
        A name (`data-key`) by which tests find the number on the page.

    Returns
    -------
    HTML
        A `<span class="gpnn-number">` showing the formatted number, with `data-value`
        holding `repr` of the value (an integer for integral input) and `data-key` the key.
    """
    checked: float | int = check_real("value", value)
    if isinstance(value, numbers.Integral):
        checked = int(value)  # integers keep integer formats such as "d"
    key_attr = f' data-key="{escape(key)}"' if key else ""
    return HTML(f'<span class="gpnn-number"{key_attr} data-value="{checked!r}">{formatted(checked, fmt)}</span>')


def source(obj: Callable[..., Any] | type, docstrings: bool = False, checks: bool = False) -> HTML:
    """The source code of a function, method or class of this package, highlighted.

    Pages show the tested implementation itself this way, never a copy of it. By default the
    code is shown as mathematics: without its docstrings, which the page's prose replaces, and
    without its argument checks (`if ...: raise ...` blocks and calls of `check_*`
    helpers), which a comment line stands in for; the API reference's source view keeps both.

    Parameters
    ----------
    obj : function, method or class
        Defined in `gpnn`.
    docstrings : bool, default False
        Keep the docstrings.
    checks : bool, default False
        Keep the argument checks.

    Returns
    -------
    HTML
        A `<div class="gpnn-source">` holding the highlighted code, with `data-object`
        naming the object by its qualified name.

    Raises
    ------
    ValueError
        If `obj` is not defined in `gpnn`.
    """
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("gpnn"):
        raise ValueError(f"Argument 'obj' must be defined in gpnn, but obj = {obj!r} comes from {module!r}.")
    code = textwrap.dedent(inspect.getsource(obj))
    if not docstrings:
        code = _without_docstrings(code)
    if not checks:
        code = _without_checks(code)
    # Type-checker pragmas say nothing to a reader.
    code = re.sub(r"  # type: ignore\[[^\]]*\]", "", code)
    name = f"{module}.{getattr(obj, '__qualname__', '')}"
    formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
    body = highlight(code, PythonLexer(), formatter)
    return HTML(f'<div class="gpnn-source" data-object="{escape(name)}">{body}</div>')


def _without_docstrings(code: str) -> str:
    """`code` with the docstring lines of every function and class removed."""
    drop: set[int] = set()
    for node in ast.walk(ast.parse(code)):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and ast.get_docstring(node) is not None
        ):
            first = node.body[0]
            drop.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return "".join(line for number, line in enumerate(code.splitlines(keepends=True), start=1) if number not in drop)


def _is_check(node: ast.stmt) -> bool:
    """Whether a statement only checks arguments: raises when they are bad, or calls a `check_*` helper."""
    if isinstance(node, ast.If):
        return all(isinstance(s, ast.Raise) or _is_check(s) for s in node.body) and not node.orelse
    if isinstance(node, ast.For):
        return all(_is_check(s) for s in node.body) and not node.orelse
    call = node.value if isinstance(node, ast.Assign | ast.Expr) else None
    if isinstance(call, ast.Call):
        function = call.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
        return name.startswith(("check_", "_check"))
    return False


def _without_checks(code: str) -> str:
    """`code` with its argument checks replaced by one comment line per block of them."""
    lines = code.splitlines(keepends=True)
    replaced: dict[int, tuple[int, int]] = {}  # first line -> (last line, indent)
    for node in ast.walk(ast.parse(code)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        run: list[ast.stmt] = []
        for statement in [*body, None]:
            if statement is not None and isinstance(statement, ast.stmt) and _is_check(statement):
                run.append(statement)
                continue
            if run:
                replaced[run[0].lineno] = (run[-1].end_lineno or run[-1].lineno, run[0].col_offset)
            run = []
    out, skip_to = [], 0
    for number, line in enumerate(lines, start=1):
        if number <= skip_to:
            continue
        if number in replaced:
            skip_to, indent = replaced[number]
            out.append(" " * indent + "# (checks of the arguments: see the API reference)\n")
            continue
        out.append(line)
    return "".join(out)


def table(rows: list[tuple[str, Any]], header: tuple[str, str] = ("", "")) -> HTML:
    """A two-column table from `(label, value)` rows; values may hold numbers from [`number`][gpnn.site.html.number].

    Every cell is escaped as by [`as_html`][gpnn.site.html.as_html]: `Markup` stays HTML, and
    so do numbers and claims in a plain string; anything else is text.

    Parameters
    ----------
    rows : list of (str, object)
        Label and value of each row.
    header : (str, str), default ("", "")
        Column headings.

    Returns
    -------
    HTML
        A `<table>` with a `<thead>` and one `<tr>` per row.
    """
    head = "".join(f"<th>{as_html(h)}</th>" for h in header)
    body = "".join(f"<tr><td>{as_html(label)}</td><td>{as_html(value)}</td></tr>" for label, value in rows)
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


class Prose(str):
    """Markdown text: notebooks render it as Markdown, live blocks print it into the page."""

    def _repr_markdown_(self) -> str:
        return str(self)


def prose(text: str) -> Prose:
    """Mark `text` (Markdown, with numbers from [`number`][gpnn.site.html.number]) as prose to render.

    Parameters
    ----------
    text : str
        Markdown.

    Returns
    -------
    Prose
        The same text, which notebooks render as Markdown.

    Raises
    ------
    TypeError
        If `text` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"Argument 'text' must be a str, but text = {text!r}.")
    return Prose(text)
