"""Options derived from the experiment's settings: one per field of the config, its help from the field's docstring.

Every [`ExperimentConfig`][gpnn.config.ExperimentConfig] field is an option showing the config's
default; true-or-false settings come as `--flag` / `--no-flag`. A field's help text is read from
its source ([`field_docs`][gpnn.cli.field_docs]), so a field documented in the class is documented
on the command line too, and a new field becomes an option without a line of code here.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import io
import re
import sys
import textwrap
import tokenize
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from gpnn import __version__
from gpnn.config import IMPLEMENTATIONS, ExperimentConfig
from gpnn.network import INIT_SCALES

PROG = "gpnn"
"""Program name shown in help and messages when none is given (the console script's name)."""

_CHOICES: dict[str, tuple[str, ...]] = {"init_scale": tuple(sorted(INIT_SCALES)), "implementation": IMPLEMENTATIONS}
"""Settings whose string values are restricted to a known set."""

_NONE_WORD = "none"
_NEGATIVE = re.compile(r"-\.?\d")  # a value such as -10,20 or -.5


def field_docs(cls: type) -> dict[str, str]:
    """One-paragraph help text of each field of a dataclass, read from its source.

    A field's text is its attribute docstring (the string literal right under it) or, failing
    that, the comment at the end of its line. Reading the source rather than keeping a second list
    of texts means a field documented in the class is documented on the command line too.

    Parameters
    ----------
    cls : type
        A class defined in a Python source file; fields inherited from base classes are read
        from theirs.

    Returns
    -------
    dict of str to str
        Field name to text, for the fields that have one; none for a class whose source is
        unavailable (e.g. an installation without `.py` files).
    """
    docs: dict[str, str] = {}
    # Base classes first, so that a subclass's text of a field wins.
    for klass in reversed(cls.__mro__[:-1]):
        docs.update(_own_field_docs(klass))
    return docs


def _own_field_docs(cls: type) -> dict[str, str]:
    """[`field_docs`][gpnn.cli.field_docs] of the fields written in `cls`'s own class body."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
        tree = ast.parse(source)
        comments = {
            token.start[0]: token.string.lstrip("#").strip()
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        }
    except (OSError, TypeError, SyntaxError, tokenize.TokenError):
        return {}
    body = next((node.body for node in tree.body if isinstance(node, ast.ClassDef)), [])
    docs = {}
    for statement, following in zip(body, [*body[1:], None], strict=True):
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            text = _plain(following.value.value)
        else:
            text = comments.get(statement.end_lineno or statement.lineno, "")
        if text:
            docs[statement.target.id] = text
    return docs


def _plain(docstring: str) -> str:
    """First paragraph of a docstring on one line, reStructuredText roles reduced to their text."""
    paragraph = inspect.cleandoc(docstring).split("\n\n", 1)[0]
    paragraph = re.sub(r":([\w:]+):`([^`]*)`", _role_text, paragraph)
    # Markdown: an autorefs cross-reference shows its text, and $maths$ reads as a math role does.
    paragraph = re.sub(r"\[`([^`]*)`\]\[[^\]]*\]", r"\1", paragraph)
    paragraph = re.sub(
        r"``([^`]*)``|`([^`]*)`|\$([^$]+)\$",
        lambda match: match.group(1) or match.group(2) or _latex_text(match.group(3) or ""),
        paragraph,
    )
    return " ".join(paragraph.split())


def _role_text(match: re.Match[str]) -> str:
    """What Sphinx would show for a reStructuredText role (its name, then its content in backquotes), as plain text."""
    role, content = match.group(1), match.group(2)
    if role.endswith("math"):
        return _latex_text(content)
    content = re.sub(r"\s*<[^>]*>$", "", content)  # `text <target>` shows the text
    # `~module.Name` shows the last component only.
    return content[1:].rsplit(".", 1)[-1] if content.startswith("~") else content


def _latex_text(latex: str) -> str:
    r"""Enough LaTeX for a terminal: `\text{a}` is a, `\sqrt{a}` is sqrt(a), `\eta` is eta."""
    latex = re.sub(r"\\text\{([^{}]*)\}", r"\1", latex)
    latex = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", latex)
    return latex.replace("\\", "").replace("{", "").replace("}", "")


@dataclasses.dataclass(frozen=True)
class _Kind:
    """How one field is read from the command line and shown in the help."""

    parse: Callable[[str], Any] | None
    """Reads a value from its text; None for a true-or-false flag."""
    form: str
    """How a value is written, for the help text ("" if obvious)."""
    choices: tuple[Any, ...] | None = None
    """The allowed values, if restricted."""


def _kind(name: str, hint: Any) -> _Kind:
    """The command-line form of a field of type `hint`; a TypeError names unsupported types."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args and len(args) == 2:
        inner = _kind(name, next(arg for arg in args if arg is not type(None)))
        if inner.parse is not None and inner.choices is None:
            parse = inner.parse
            return _Kind(_or_none(parse), f"{inner.form or 'a value'}, or {_NONE_WORD}")
    elif hint is bool:
        return _Kind(None, "")
    elif hint in (int, float, str):
        return _Kind(_SCALARS[hint], "", _CHOICES.get(name))
    elif origin is Literal and args and len({type(arg) for arg in args}) == 1 and type(args[0]) in _SCALARS:
        return _Kind(_SCALARS[type(args[0])], "", tuple(args))
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (int, float):
        return _Kind(_tuple_of(args[0], None), f"comma-separated {_NOUNS[args[0]]}s")
    elif origin is tuple and args and Ellipsis not in args and len(set(args)) == 1 and args[0] in (int, float):
        return _Kind(_tuple_of(args[0], len(args)), f"{len(args)} comma-separated {_NOUNS[args[0]]}s")
    raise TypeError(f"Field {name!r} has type {hint!r}, which the command line cannot read.")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _parse_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


_SCALARS: dict[type, Callable[[str], Any]] = {int: _parse_int, float: _parse_float, str: str}
_NOUNS = {int: "integer", float: "number"}


def _tuple_of(item: type, length: int | None) -> Callable[[str], tuple[Any, ...]]:
    """Parser of `"a,b,..."` into a tuple of `item`, of exactly `length` items if given."""
    expected = f"{'' if length is None else f'{length} '}comma-separated {_NOUNS[item]}s"

    def parse(text: str) -> tuple[Any, ...]:
        try:
            values = tuple(item(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if length is not None and len(values) != length:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return values

    return parse


def _or_none(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse`, except that `none` (any case) gives None."""

    def parse_or_none(text: str) -> Any:
        return None if text.strip().lower() == _NONE_WORD else parse(text)

    return parse_or_none


def _show(value: Any) -> str:
    """A default as it would be typed on the command line."""
    if value is None:
        return _NONE_WORD
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


class _Parser(argparse.ArgumentParser):
    """An argument parser that writes to given streams and reads negative values as values.

    A value starting with a minus sign that argparse would take for an option, such as
    `--gap -10,20`, is read as the option's value.
    """

    def __init__(self, *args: Any, stdout: IO[str] | None = None, stderr: IO[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stdout, self.stderr = stdout, stderr
        self.value_options: set[str] = set()

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse prints help, version and errors to sys.stdout or sys.stderr; send them to the
        # streams main() was given, so that callers capturing output see everything.
        if file is None or file is sys.stderr:
            file = self.stderr or sys.stderr
        elif file is sys.stdout:
            file = self.stdout or sys.stdout
        super()._print_message(message, file)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse `args` after rewriting `--option -VALUE` as `--option=-VALUE` (see the class)."""
        tokens = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(self._negative_values(tokens), namespace)

    def _negative_values(self, tokens: list[str]) -> list[str]:
        rewritten: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token == "--":
                rewritten.extend(tokens[index:])
                break
            if token in self.value_options and index + 1 < len(tokens) and _NEGATIVE.match(tokens[index + 1]):
                # argparse takes "-10,20" for an option, not a value; "--gap=-10,20" is unambiguous.
                token = f"{token}={tokens[index + 1]}"
                index += 1
            rewritten.append(token)
            index += 1
        return rewritten


def build_parser(prog: str = PROG, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> _Parser:
    """The argument parser: one option per field of the experiment's settings, then the output options.

    Parameters
    ----------
    prog : str, default PROG
        Program name shown in usage and error lines.
    stdout, stderr : text streams, optional
        Where help and version (`stdout`) and errors (`stderr`) go; default `sys.stdout`
        and `sys.stderr` at the time of writing.

    Returns
    -------
    argparse.ArgumentParser
        Each setting's destination is the field's name; `out` and `progress` follow.
    """
    parser = _Parser(
        prog=prog,
        description="Simulate data from a Gaussian process and fit a from-scratch ReLU network to it.",
        epilog=(
            "Exit status: 0 on success, 1 if training diverged or the results could not be written, "
            "2 for a bad option, 130 if interrupted."
        ),
        stdout=stdout,
        stderr=stderr,
    )
    settings = parser.add_argument_group("experiment settings (defaults: the reference experiment)")
    defaults = ExperimentConfig()
    docs = field_docs(ExperimentConfig)
    hints = typing.get_type_hints(ExperimentConfig)
    for field in dataclasses.fields(ExperimentConfig):
        option = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        kind = _kind(field.name, hints[field.name])
        text = docs.get(field.name) or f"the experiment setting {field.name}"
        if kind.parse is None:
            action = settings.add_argument(
                option, dest=field.name, action=argparse.BooleanOptionalAction, default=default
            )
            shown = "on" if default else "off"
        else:
            action = settings.add_argument(
                option,
                dest=field.name,
                type=kind.parse,
                default=default,
                choices=kind.choices,
                metavar=None if kind.choices else field.name.upper(),
            )
            parser.value_options.add(option)
            shown = _show(default)
        form = f"{kind.form}; " if kind.form else ""
        # Help strings are %-format templates in argparse: a literal percent sign must be doubled.
        action.help = f"{text} ({form}default: {shown})".replace("%", "%%")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out", type=Path, metavar="DIR", help="folder for the figures and results.json (default: write no files)"
    )
    output.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            "show training progress on stderr: a bar on a terminal, otherwise a line every few seconds (default: on)"
        ),
    )
    output.add_argument("--version", action="version", version=f"gpnn {__version__}")
    return parser
