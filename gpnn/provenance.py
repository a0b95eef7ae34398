"""What a result depends on besides its settings: the software versions and the machine.

Float32 training over thousands of steps is chaotic, so the last bits of every rounding matter:
another torch build, another processor or another number of BLAS threads (which changes the order of
the sums inside a Cholesky factorisation, hence even the simulated data) ends the same experiment
elsewhere. [`environment`][gpnn.provenance.environment] lists everything of that kind, for the
result store's keys, the pages' provenance and the command line's results file.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("gpnn", "torch", "numpy", "scipy")
"""Libraries whose versions [`environment`][gpnn.provenance.environment] reports by default."""

NUMERIC_ENV = (
    "OPENBLAS_CORETYPE",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "NPY_DISABLE_CPU_FEATURES",
    "ATEN_CPU_CAPABILITY",
)
"""Environment variables that choose which machine instructions numpy, BLAS or torch compute with.

Each changes the order or the precision of some sums, hence results' last bits. Thread counts
matter too, but through what they do: [`blas_threads`][gpnn.provenance.blas_threads] reads the
count in effect (libraries set variables such as `KMP_INIT_AT_FORK` for their own reasons,
which change nothing here).
"""


def environment(libraries: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Versions of Python and of `libraries`, the processor, and the BLAS thread settings.

    Parameters
    ----------
    libraries : tuple of str, default LIBRARIES
        Distributions whose installed versions to report (`"absent"` if not installed); by
        default those of [`LIBRARIES`][gpnn.provenance.LIBRARIES].

    Returns
    -------
    dict of str to str
        `python`, `machine`, `cpu` (a short fingerprint of the processor model and its
        instruction-set flags), `blas_threads` (threads of the loaded BLAS libraries, as
        threadpoolctl reports them), every variable of [`NUMERIC_ENV`][gpnn.provenance.NUMERIC_ENV]
        that is set, and one entry per library.
    """
    if isinstance(libraries, str) or not all(isinstance(name, str) for name in libraries):
        raise TypeError(f"Argument 'libraries' must be a tuple of distribution names, but libraries = {libraries!r}.")
    info = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": cpu_fingerprint(),
        "blas_threads": str(blas_threads()),
    }
    info.update({name: os.environ[name] for name in NUMERIC_ENV if name in os.environ})
    info.update({name: _installed(name) for name in libraries})
    return info


def blas_threads() -> int:
    """Number of threads of the BLAS library numpy calls (the largest if several are loaded).

    Returns
    -------
    int
        0 if no BLAS library is loaded.
    """
    import numpy  # noqa: F401  - loads the BLAS library that threadpoolctl then inspects
    from threadpoolctl import threadpool_info

    counts = [int(pool["num_threads"]) for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts, default=0)


def cpu_fingerprint() -> str:
    """A 16-hex-digit fingerprint of the processor model and its instruction-set flags.

    Returns
    -------
    str
        From `/proc/cpuinfo` on Linux; elsewhere from `platform.processor`.
    """
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # pragma: no cover - not Linux
        text = platform.processor()
    else:
        lines = [
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(("model name", "flags"))
        ]
        text = "\n".join(lines[:2])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def _installed(name: str) -> str:
    # Read once per process: a library's metadata takes milliseconds to find, the store asks for
    # it with every run's key, and the library a process has imported does not change under it.
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"
