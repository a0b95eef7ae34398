"""Command line: `gpnn` (or `python -m gpnn`) runs one experiment and reports it.

Every [`ExperimentConfig`][gpnn.config.ExperimentConfig] field is an option showing the config's
default; true-or-false settings come as `--flag` / `--no-flag`. `--out DIR` writes the figures (PNG)
and `results.json` there. Each file is first written in full under a temporary name and then
renamed, `results.json` last, so a `results.json` in `DIR` always belongs to a complete run
whose figures are all in place. A run that diverges or is interrupted during training writes
nothing; one interrupted while writing leaves no partial file.

Exit status: 0 on success, 1 if training diverged or the results could not be written, 2 for a
bad option, 130 if interrupted (Ctrl-C).

The parts, one job each: `options.py` derives the options from the settings' docstrings,
`progress.py` draws the progress, `output.py` writes the results; [`main`][gpnn.cli.main] runs them.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from gpnn import TrainingDivergedError
from gpnn.config import ExperimentConfig
from gpnn.experiment import run_experiment

# The API reference lists the names in the order of these lines: options, progress, output.
# isort: off
from gpnn.cli.options import PROG, field_docs, build_parser
from gpnn.cli.progress import Progress
from gpnn.cli.output import summary_rows, provenance, write_outputs, _out_problem

# isort: on

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "Progress",
    "build_parser",
    "field_docs",
    "main",
    "provenance",
    "summary_rows",
    "write_outputs",
]


EXIT_OK = 0
"""Exit status of a successful run."""

EXIT_FAILURE = 1
"""Exit status when training diverged or the results could not be written."""

EXIT_USAGE = 2
"""Exit status for a bad option (argparse's own)."""

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C: 128 + SIGINT, as shells report it."""


def _one_line(error: BaseException) -> str:
    """An exception's message on one line, starting lower-case to follow `error:`."""
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
        Arguments without the program name; default `sys.argv[1:]`.
    stdout : text stream, optional
        For the summary table, the paths written, help and version; default `sys.stdout`.
    stderr : text stream, optional
        For progress and errors; default `sys.stderr`.
    prog : str, default PROG
        Program name for usage and error lines; `python -m gpnn` passes its own.

    Returns
    -------
    int
        0 on success, 1 if training diverged or writing failed, 130 if interrupted.

    Raises
    ------
    SystemExit
        With status 2 for a bad option, 0 after `--help` or `--version`.
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
