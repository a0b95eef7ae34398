"""Command line: ``gpnn`` (or ``python -m gpnn``) runs one experiment and reports it.

Every :class:`~gpnn.config.ExperimentConfig` field is an option showing the config's default;
true-or-false settings come as ``--flag`` / ``--no-flag``. ``--out DIR`` writes the figures (PNG)
and ``results.json`` there. Each file is first written in full under a temporary name and then
renamed, ``results.json`` last, so a ``results.json`` in ``DIR`` always belongs to a complete run
whose figures are all in place. A run that diverges or is interrupted during training writes
nothing; one interrupted while writing leaves no partial file.

Exit status: 0 on success, 1 if training diverged or the results could not be written, 2 for a
bad option, 130 if interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import datetime
import functools
import inspect
import io
import json
import math
import os
import re
import secrets
import shutil
import sys
import textwrap
import time
import tokenize
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from matplotlib.axes import Axes

from gpnn import TrainingDivergedError, __version__
from gpnn.config import IMPLEMENTATIONS, ExperimentConfig
from gpnn.experiment import ExperimentResult, run_experiment
from gpnn.network import INIT_SCALES, count_parameters, layer_sizes
from gpnn.provenance import environment

PROG = "gpnn"
"""Program name shown in help and messages when none is given (the console script's name)."""

EXIT_OK = 0
"""Exit status of a successful run."""

EXIT_FAILURE = 1
"""Exit status when training diverged or the results could not be written."""

EXIT_USAGE = 2
"""Exit status for a bad option (argparse's own)."""

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C: 128 + SIGINT, as shells report it."""

_CHOICES: dict[str, tuple[str, ...]] = {"init_scale": tuple(sorted(INIT_SCALES)), "implementation": IMPLEMENTATIONS}
"""Settings whose string values are restricted to a known set."""

_TRUE_WORDS = ("true", "yes", "on", "1")
_FALSE_WORDS = ("false", "no", "off", "0")
_NONE_WORD = "none"
_NEGATIVE = re.compile(r"-\.?\d")  # a value such as -10,20 or -.5


# --- options derived from the config's fields -------------------------------------------------


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
        unavailable (e.g. an installation without ``.py`` files).
    """
    docs: dict[str, str] = {}
    # Base classes first, so that a subclass's text of a field wins.
    for klass in reversed(cls.__mro__[:-1]):
        docs.update(_own_field_docs(klass))
    return docs


def _own_field_docs(cls: type) -> dict[str, str]:
    """:func:`field_docs` of the fields written in ``cls``'s own class body."""
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
    """What Sphinx would show for ``:role:`content```, as plain text."""
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
    """The command-line form of a field of type ``hint``; a TypeError names unsupported types."""
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
    """Parser of ``"a,b,..."`` into a tuple of ``item``, of exactly ``length`` items if given."""
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
    """``parse``, except that ``none`` (any case) gives None."""

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
    """An argument parser that writes to given streams and reads two more forms of arguments.

    Earlier versions took true-or-false settings as ``--standardize-inputs false``; that form is
    still read (``--flag VALUE`` or ``--flag=VALUE`` with true/false, yes/no, on/off or 1/0) so
    existing command lines keep working, though the help shows only ``--flag`` / ``--no-flag``.
    And a value starting with a minus sign that argparse would take for an option, such as
    ``--gap -10,20``, is read as the option's value.
    """

    def __init__(self, *args: Any, stdout: IO[str] | None = None, stderr: IO[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stdout, self.stderr = stdout, stderr
        self.boolean_flags: set[str] = set()
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
        """Parse ``args`` after rewriting ``--flag VALUE`` and ``--option -VALUE`` (see the class)."""
        tokens = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(self._flags_without_values(tokens), namespace)

    def _flags_without_values(self, tokens: list[str]) -> list[str]:
        rewritten: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token == "--":
                rewritten.extend(tokens[index:])
                break
            name, equals, value = token.partition("=")
            if token in self.value_options and index + 1 < len(tokens) and _NEGATIVE.match(tokens[index + 1]):
                # argparse takes "-10,20" for an option, not a value; "--gap=-10,20" is unambiguous.
                token = f"{token}={tokens[index + 1]}"
                index += 1
            elif name in self.boolean_flags and (
                equals or (index + 1 < len(tokens) and not tokens[index + 1].startswith("-"))
            ):
                if not equals:
                    index += 1
                    value = tokens[index]
                word = value.strip().lower()
                if word not in _TRUE_WORDS + _FALSE_WORDS:
                    self.error(f"argument {name}: expected true or false, got {value!r}")
                token = name if word in _TRUE_WORDS else "--no-" + name[2:]
            rewritten.append(token)
            index += 1
        return rewritten


def build_parser(prog: str = PROG, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> _Parser:
    """The argument parser: one option per :class:`ExperimentConfig` field, then the output options.

    Parameters
    ----------
    prog : str, default :data:`PROG`
        Program name shown in usage and error lines.
    stdout, stderr : text streams, optional
        Where help and version (``stdout``) and errors (``stderr``) go; default ``sys.stdout``
        and ``sys.stderr`` at the time of writing.

    Returns
    -------
    argparse.ArgumentParser
        Each setting's destination is the field's name; ``out`` and ``progress`` follow.
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
            parser.boolean_flags.add(option)
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
    parser.boolean_flags.add("--progress")
    output.add_argument("--version", action="version", version=f"gpnn {__version__}")
    return parser


# --- progress -----------------------------------------------------------------------------------


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _loss_text(loss: float) -> str:
    return f"{loss:.4f}" if abs(loss) < 1e5 else f"{loss:.3e}"


class Progress:
    """Training progress on a text stream, called as ``progress(epoch, loss)`` after each epoch.

    On a terminal, a one-line bar redrawn in place (carriage return) at most every ``redraw``
    seconds and at the last epoch: epoch out of total, loss, elapsed time and an estimate of the
    time left from the average time per epoch so far. Anywhere else (a file, a pipe, a CI log),
    carriage-return frames would pile up as garbage, so it writes a plain line at most every
    ``interval`` seconds, and one at the last epoch.

    Parameters
    ----------
    total : int
        Number of epochs, >= 1.
    stream : text stream
        Where to write, usually ``sys.stderr``; its ``isatty()`` chooses the form.
    clock : callable, default :func:`time.monotonic`
        Seconds as a float; injectable so tests need not sleep.
    interval : float, default 5.0
        Seconds between lines when ``stream`` is not a terminal.
    redraw : float, default 0.1
        Seconds between frames on a terminal: redrawing every epoch would slow training down.
    columns : int, optional
        Terminal width; by default :func:`shutil.get_terminal_size`'s.

    Attributes
    ----------
    total : int
        Number of epochs.
    stream : text stream
        Where the progress is written.
    clock : callable
        The clock that times the run.
    interval : float
        Seconds between lines when ``stream`` is not a terminal.
    redraw : float
        Seconds between frames on a terminal.
    terminal : bool
        Whether ``stream`` is a terminal, so the bar is redrawn in place.
    columns : int
        Terminal width.
    width : int
        Characters of the bar itself, fixed on creation so the line does not jump.
    start : float
        The clock's reading on creation, from which elapsed time counts.
    """

    def __init__(
        self,
        total: int,
        stream: IO[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 5.0,
        redraw: float = 0.1,
        columns: int | None = None,
    ) -> None:
        if isinstance(total, bool) or not isinstance(total, int) or total < 1:
            raise ValueError(f"Argument 'total' must be a positive integer, but total = {total!r}.")
        self.total, self.stream, self.clock = total, stream, clock
        self.interval, self.redraw = interval, redraw
        self.terminal = _is_terminal(stream)
        self.columns = shutil.get_terminal_size().columns if columns is None else columns
        # The bar takes what the terminal leaves beside the longest likely text, within limits:
        # a line longer than the terminal wraps, and a carriage return then redraws only its end.
        # Fixed once, so that the bar does not jump as the numbers change length.
        longest_text = len("training [] ") + 2 * len(str(total)) + len("/  loss 12345.6789  0:00:00 elapsed, ETA 0:00")
        self.width = max(10, min(30, self.columns - 1 - longest_text))
        self.start = clock()
        self._last_write: float | None = None
        self._frame_length = 0
        self._line_open = False  # a frame is on screen without its newline

    def __call__(self, epoch: int, loss: float) -> None:
        """Report that ``epoch`` (counting from 1) ended with training loss ``loss``."""
        now = self.clock()
        last = epoch >= self.total
        wait = self.redraw if self.terminal else self.interval
        since = now - (self.start if self._last_write is None else self._last_write)
        first_frame = self.terminal and self._last_write is None
        if not (last or first_frame or since >= wait):
            return
        self._last_write = now
        elapsed = now - self.start
        if last:
            timing = f"{_duration(elapsed)} elapsed, done"
        else:
            timing = f"{_duration(elapsed)} elapsed, ETA {_duration(elapsed / epoch * (self.total - epoch))}"
        count = f"{epoch:>{len(str(self.total))}}/{self.total}"
        if self.terminal:
            self._frame(epoch, f"{count}  loss {_loss_text(loss)}  {timing}", last)
        else:
            percent = 100 * epoch // self.total
            self.stream.write(f"training epoch {count} ({percent}%)  loss {_loss_text(loss)}  {timing}\n")
        self.stream.flush()

    def _frame(self, epoch: int, text: str, last: bool) -> None:
        filled = self.width * epoch // self.total
        # Cut to the terminal's width: a wrapped line cannot be redrawn in place.
        frame = f"training [{'#' * filled}{'-' * (self.width - filled)}] {text}"[: max(1, self.columns - 1)]
        # Spaces blank what remains of a longer previous frame.
        self.stream.write("\r" + frame.ljust(self._frame_length) + ("\n" if last else ""))
        self._frame_length = len(frame)
        self._line_open = not last

    def close(self) -> None:
        """End an unfinished bar's line, so that a message written next starts on a line of its own."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False


# --- results ------------------------------------------------------------------------------------


def summary_rows(result: ExperimentResult) -> list[tuple[str, str]]:
    """The rows of the closing table: what was fitted and how well.

    Parameters
    ----------
    result : ExperimentResult
        The finished run.

    Returns
    -------
    list of (str, str)
        ``(label, value)`` pairs, values formatted for reading: the number of observations,
        the layer sizes, the number of parameters, epochs, learning rate, final RMSE against
        the data and against the latent function, the noise and the training time.
    """
    config = result.config
    sizes = layer_sizes(1, config.hidden_sizes)
    return [
        ("observations", str(result.x.size)),
        ("layer sizes", " -> ".join(map(str, sizes))),
        ("parameters", str(count_parameters(sizes))),
        ("epochs", str(config.n_epochs)),
        ("learning rate", repr(config.learning_rate)),
        ("final RMSE vs data", f"{result.final_rmse:.6f}"),
        ("RMSE vs latent GP", f"{result.rmse_to_latent:.6f}"),
        ("noise sigma", repr(config.sigma)),
        ("training time", f"{result.train_seconds:.2f} s"),
    ]


def provenance(date: datetime.datetime | None = None) -> dict[str, str]:
    """What the results depend on besides the settings, and when they were made.

    Parameters
    ----------
    date : datetime.datetime, optional
        Time of the run, timezone-aware; default now.

    Returns
    -------
    dict of str to str
        ``date`` (UTC, ISO 8601) and everything :func:`gpnn.provenance.environment` reports:
        the versions of gpnn, Python, torch, numpy and scipy, the machine, a fingerprint of the
        processor and the number of BLAS threads.
    """
    when = datetime.datetime.now(datetime.UTC) if date is None else date.astimezone(datetime.UTC)
    return {"date": when.isoformat(timespec="seconds"), **environment()}


def _strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities as None: JSON has no such numbers, and many readers reject them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(item) for item in value]
    return value


def write_outputs(result: ExperimentResult, out: Path, *, date: datetime.datetime | None = None) -> list[Path]:
    """Write the figures and ``results.json`` into ``out``; return the paths written.

    Every file is rendered in full under a temporary name in ``out`` before any is renamed into
    place; an old ``results.json`` is removed before the first rename and the new one renamed
    last. An interruption or error therefore never leaves a truncated file, nor a
    ``results.json`` next to figures of another run; temporary files are removed.

    Parameters
    ----------
    result : ExperimentResult
        The finished run.
    out : pathlib.Path
        Folder, created if missing.
    date : datetime.datetime, optional
        Time of the run, for the provenance; default now.

    Returns
    -------
    list of pathlib.Path
        ``results.json``, then the figures ``data.png``, ``loss.png``, ``fit.png`` and
        ``network.png``; without a single epoch there is no loss or fit to draw, so no
        ``loss.png`` or ``fit.png``.
    """
    from matplotlib.figure import Figure

    from gpnn import plots

    payload = {
        "config": result.config.to_dict(),
        "final_rmse": result.final_rmse,
        "rmse_to_latent": result.rmse_to_latent,
        "train_seconds": result.train_seconds,
        "loss_history": result.loss_history.tolist(),
        "x": result.x.tolist(),
        "latent": result.latent.tolist(),
        "y": result.y.tolist(),
        "predictions": result.predictions.tolist(),
        "provenance": provenance(date),
    }
    trained = result.loss_history.size > 0
    figures: dict[str, Callable[[Axes], Axes]] = {
        "data.png": lambda ax: plots.plot_data(ax, result.x, result.latent, result.y),
        **(
            {
                "loss.png": lambda ax: plots.plot_loss(ax, result.loss_history, sigma=result.config.sigma),
                "fit.png": lambda ax: plots.plot_fit(ax, result.x, result.y, result.latent, result.predictions),
            }
            if trained
            else {}
        ),
        "network.png": lambda ax: plots.plot_network(ax, layer_sizes(1, result.config.hidden_sizes)),
    }
    out.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}  # final path -> temporary path
    try:
        for name, draw in figures.items():
            # A Figure without pyplot: no global backend to set, nothing left open.
            fig = Figure(figsize=(7, 3.6))
            draw(fig.subplots())
            fig.tight_layout()
            staged[out / name] = _staged(out / name, functools.partial(fig.savefig, format="png", dpi=120))
        text = json.dumps(_strict_json(payload), indent=1, allow_nan=False)
        staged[out / "results.json"] = _staged(out / "results.json", lambda handle: handle.write(text.encode()))
        (out / "results.json").unlink(missing_ok=True)
        for final, temporary in staged.items():  # results.json was staged last, so is renamed last
            os.replace(temporary, final)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
    results = out / "results.json"
    return [results, *(path for path in staged if path != results)]


def _staged(path: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write a file next to ``path`` under a fresh hidden name, flushed to disk; return its path."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # Mode "x" refuses an existing file and, unlike mkstemp, keeps the usual permissions.
        with open(temporary, "xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _out_problem(out: Path) -> str | None:
    """Why files could not be written into ``out``, checked before training so no run is wasted."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{str(existing)!r} exists and is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot create files in {str(existing)!r}: permission denied"
    return None


# --- main ---------------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    """An exception's message on one line, starting lower-case to follow ``error:``."""
    text = " ".join(str(error).split()) or type(error).__name__
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def main(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    *,
    prog: str = PROG,
) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.
    stdout : text stream, optional
        For the summary table, the paths written, help and version; default ``sys.stdout``.
    stderr : text stream, optional
        For progress and errors; default ``sys.stderr``.
    prog : str, default :data:`PROG`
        Program name for usage and error lines; ``python -m gpnn`` passes its own.

    Returns
    -------
    int
        0 on success, 1 if training diverged or writing failed, 130 if interrupted.

    Raises
    ------
    SystemExit
        With status 2 for a bad option, 0 after ``--help`` or ``--version``.
    """
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = build_parser(prog, stdout=stdout, stderr=stderr)
    args = vars(parser.parse_args(argv))
    out: Path | None = args.pop("out")
    show_progress: bool = args.pop("progress")
    try:
        config = ExperimentConfig(**args)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    if out is not None and (problem := _out_problem(out)) is not None:
        parser.error(f"argument --out: {problem}")

    progress = Progress(config.n_epochs, stderr) if show_progress and config.n_epochs > 0 else None
    reached = 0

    def fail(message: str, status: int) -> int:
        if progress is not None:
            progress.close()
        stderr.write(f"{prog}: {message}\n")
        stderr.flush()
        return status

    def on_epoch(epoch: int, loss: float) -> None:
        nonlocal reached
        reached = epoch
        if progress is not None:
            progress(epoch, loss)

    date = datetime.datetime.now(datetime.UTC)
    try:
        result = run_experiment(config, callback=on_epoch)
    except TrainingDivergedError as error:
        message = _one_line(error)
        # Say what happened once, whether or not the trainer's message already says it.
        prefix = "" if message.startswith("training diverged") else "training diverged: "
        return fail(f"error: {prefix}{message}", EXIT_FAILURE)
    except KeyboardInterrupt:
        return fail(f"interrupted at epoch {reached} of {config.n_epochs}", EXIT_INTERRUPTED)
    rows = summary_rows(result)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        stdout.write(f"{name:<{width}}  {value}\n")
    stdout.flush()
    if out is not None:
        try:
            written = write_outputs(result, out, date=date)
        except KeyboardInterrupt:
            return fail(f"interrupted while writing the results to {str(out)!r}", EXIT_INTERRUPTED)
        except OSError as error:
            return fail(f"error: cannot write the results to {str(out)!r}: {_one_line(error)}", EXIT_FAILURE)
        for path in written:
            stdout.write(f"wrote {path}\n")
    return EXIT_OK
