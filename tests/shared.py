"""Work that the test processes of one run share: done by the first to ask, read by the others.

Apart from ``conftest.py``, which imports torch, so that a process started only to take part in
this (as ``tests/test_harness.py`` starts several) is quick to start. One test run at a time per
checkout: the shared results live in ``test-artifacts/`` under fixed names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


class SharedWorkError(RuntimeError):
    """The shared work raised in the test process that did it."""


def once_per_run(name: str, run: str, action: Callable[[], str], folder: Path = ARTIFACTS) -> str:
    """Call ``action`` once in test run ``run``, in whichever test process asks first.

    The test processes of one run share its id (the ``run_id`` fixture). The first to take the
    lock ``<folder>/<name>.lock`` calls ``action`` and records its result under the run's id in
    ``<folder>/<name>.run``; the others wait for the lock and read that result. If ``action``
    raises, that is recorded too: the others raise :class:`SharedWorkError` with its message at
    once instead of trying again (a build that timed out is not started a second time).
    """
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / f"{name}.run"
    with FileLock(folder / f"{name}.lock"):
        done = _read(record)
        if done.get("run") != run:
            try:
                result = action()
            except Exception as error:
                record.write_text(json.dumps({"run": run, "error": f"{type(error).__name__}: {error}"}))
                raise
            record.write_text(json.dumps({"run": run, "result": result}))
            return result
    if "error" in done:
        raise SharedWorkError(f"{name} failed in another test process of this run: {done['error']}")
    return done["result"]


def _read(record: Path) -> dict[str, str]:
    """The record, or nothing if there is none or it is not one (left by another version of this file)."""
    try:
        done = json.loads(record.read_text())
    except (OSError, ValueError):
        return {}
    return done if isinstance(done, dict) else {}
