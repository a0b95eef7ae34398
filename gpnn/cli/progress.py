"""Training progress on a text stream: a bar redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import IO


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _loss_text(loss: float) -> str:
    return f"{loss:.4f}" if abs(loss) < 1e5 else f"{loss:.3e}"


class Progress:
    """Training progress on a text stream, called as `progress(epoch, loss)` after each epoch.

    On a terminal, a one-line bar redrawn in place (carriage return) at most every `redraw`
    seconds and at the last epoch: epoch out of total, loss, elapsed time and an estimate of the
    time left from the average time per epoch so far. Anywhere else (a file, a pipe, a CI log),
    carriage-return frames would pile up as garbage, so it writes a plain line at most every
    `interval` seconds, and one at the last epoch.

    Parameters
    ----------
    total : int
        Number of epochs, >= 1.
    stream : text stream
        Where to write, usually `sys.stderr`; its `isatty()` chooses the form.
    clock : callable, default time.monotonic
        Seconds as a float; injectable so tests need not sleep.
    interval : float, default 5.0
        Seconds between lines when `stream` is not a terminal.
    redraw : float, default 0.1
        Seconds between frames on a terminal: redrawing every epoch would slow training down.
    columns : int, optional
        Terminal width; by default `shutil.get_terminal_size`'s.

    Attributes
    ----------
    total : int
        Number of epochs.
    stream : text stream
        Where the progress is written.
    clock : callable
        The clock that times the run.
    interval : float
        Seconds between lines when `stream` is not a terminal.
    redraw : float
        Seconds between frames on a terminal.
    terminal : bool
        Whether `stream` is a terminal, so the bar is redrawn in place.
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
        """Report that `epoch` (counting from 1) ended with training loss `loss`."""
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
