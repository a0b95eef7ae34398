"""Thread settings for training: one torch thread is fastest for matrices this small."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the enclosed torch code on one intra-op thread, then restore the previous count.

    For matrices of a few dozen columns, splitting work across threads costs more than it saves,
    and on a busy machine two threads wait on each other.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
