"""Helpers for the website's executed pages: figures, numbers and source code as HTML.

Pages print what these return (Markdown pages through markdown-exec) or display it (notebook pages,
through `_repr_html_`). Every number a page states goes through [`number`][gpnn.site.html.number],
which keeps the full value in a `data-value` attribute so tests can compare it with the library.
"""

from __future__ import annotations

import ast
import base64
import html
import inspect
import io
import numbers
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gpnn._validation import check_real

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class HTML(str):
    """A string of HTML that notebooks display as HTML and markdown-exec prints verbatim."""

    def _repr_html_(self) -> str:
        return str(self)


def figure(fig: Figure, alt: str, caption: str | None = None, *, name: str | None = None) -> HTML:
    """Render a matplotlib figure as an SVG `<img>` with alternative text and a caption, and close it.

    The figure is checked first ([`gpnn.plots.figure_problems`][]): text that overlaps other
    text, or a colour outside the site's roles, is an error. The SVG carries no date and fixed
    element ids (`svg.hashsalt`), so the same figure gives the same bytes at every build. The
    site numbers figures in page order ("Figure 3"), and a Markdown link `[Figure](#fig-NAME)`
    to a figure's `name` reads as its number.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show; closed afterwards.
    alt : str
        What the figure shows, for readers who cannot see it. Must not be empty.
    caption : str, optional
        Visible caption (HTML allowed).
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

    from gpnn.plots import figure_problems

    problems = figure_problems(fig)
    if problems:
        plt.close(fig)
        raise ValueError("The figure breaks the site's rules:\n" + "\n".join(f"- {line}" for line in problems))
    data = svg_data_url(fig)
    plt.close(fig)
    anchor = f' id="fig-{name}"' if name else ""
    parts = [f'<figure class="gpnn-figure"{anchor}><img alt="{html.escape(alt)}" src="{data}">']
    parts.append(f'<figcaption><span class="gpnn-figure-number"></span>{caption or ""}</figcaption>')
    parts.append("</figure>")
    return HTML("".join(parts))


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
        Format specification for display.
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
    key_attr = f' data-key="{html.escape(key)}"' if key else ""
    return HTML(f'<span class="gpnn-number"{key_attr} data-value="{checked!r}">{format(checked, fmt)}</span>')


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
    return HTML(f'<div class="gpnn-source" data-object="{html.escape(name)}">{body}</div>')


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
    """A two-column HTML table from `(label, value)` rows; values may be HTML from [`number`][gpnn.site.html.number].

    Parameters
    ----------
    rows : list of (str, object)
        Label (escaped) and value (inserted as it is, so HTML stays HTML) of each row.
    header : (str, str), default ("", "")
        Column headings, escaped.

    Returns
    -------
    HTML
        A `<table>` with a `<thead>` and one `<tr>` per row.
    """
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(f"<tr><td>{html.escape(label)}</td><td>{value}</td></tr>" for label, value in rows)
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


class Prose(str):
    """Markdown text: notebooks render it as Markdown, markdown-exec prints it into the page."""

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
