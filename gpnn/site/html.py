"""Helpers for the website's executed pages: figures, numbers and source code as HTML.

Pages print what these return (Markdown pages through markdown-exec) or display it (notebook
pages, through ``_repr_html_``). Every number a page states goes through :func:`number`, which
keeps the full value in a ``data-value`` attribute so tests can compare it with the library.
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


def figure(fig: Figure, alt: str, caption: str | None = None) -> HTML:
    """Render a matplotlib figure as an SVG ``<img>`` with alternative text, and close it.

    The SVG carries no date and fixed element ids (``svg.hashsalt``), so the same figure gives
    the same bytes at every build.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        What the figure shows, for readers who cannot see it. Must not be empty.
    caption : str, optional
        Visible caption (HTML allowed).
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"Argument 'alt' must describe the figure, but alt = {alt!r}.")
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # A fixed salt makes matplotlib's SVG element ids depend on content only, not on chance.
    with plt.rc_context({"svg.hashsalt": "gpnn"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    parts = [f'<figure class="gpnn-figure"><img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">']
    if caption:
        parts.append(f"<figcaption>{caption}</figcaption>")
    parts.append("</figure>")
    return HTML("".join(parts))


def number(value: float, fmt: str = ".3f", key: str | None = None) -> HTML:
    """A number for prose: formatted for reading, with the exact value kept in ``data-value``.

    Parameters
    ----------
    value : float
        The value, straight from a computation.
    fmt : str, default ".3f"
        Format specification for display.
    key : str, optional
        A name (``data-key``) by which tests find the number on the page.
    """
    checked: float | int = check_real("value", value)
    if isinstance(value, numbers.Integral):
        checked = int(value)  # integers keep integer formats such as "d"
    key_attr = f' data-key="{html.escape(key)}"' if key else ""
    return HTML(f'<span class="gpnn-number"{key_attr} data-value="{checked!r}">{format(checked, fmt)}</span>')


def source(obj: Callable[..., Any] | type, docstrings: bool = False) -> HTML:
    """The source code of a function, method or class of this package, highlighted.

    Pages show the tested implementation itself this way, never a copy of it.

    Parameters
    ----------
    obj : function, method or class
        Defined in ``gpnn``.
    docstrings : bool, default False
        Keep docstrings; by default they are left out, since the page's prose explains the code.
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
    # Type-checker pragmas say nothing to a reader.
    code = re.sub(r"  # type: ignore\[[^\]]*\]", "", code)
    name = f"{module}.{getattr(obj, '__qualname__', '')}"
    formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
    body = highlight(code, PythonLexer(), formatter)
    return HTML(f'<div class="gpnn-source" data-object="{html.escape(name)}">{body}</div>')


def _without_docstrings(code: str) -> str:
    """``code`` with the docstring lines of every function and class removed."""
    drop: set[int] = set()
    for node in ast.walk(ast.parse(code)):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and ast.get_docstring(node) is not None
        ):
            first = node.body[0]
            drop.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return "".join(line for number, line in enumerate(code.splitlines(keepends=True), start=1) if number not in drop)


def table(rows: list[tuple[str, Any]], header: tuple[str, str] = ("", "")) -> HTML:
    """A two-column HTML table from ``(label, value)`` rows; values may be HTML from :func:`number`."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(f"<tr><td>{html.escape(label)}</td><td>{value}</td></tr>" for label, value in rows)
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


class Prose(str):
    """Markdown text: notebooks render it as Markdown, markdown-exec prints it into the page."""

    def _repr_markdown_(self) -> str:
        return str(self)


def prose(text: str) -> Prose:
    """Mark ``text`` (Markdown, with numbers from :func:`number`) as prose to render."""
    if not isinstance(text, str):
        raise TypeError(f"Argument 'text' must be a str, but text = {text!r}.")
    return Prose(text)
