from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch

from .shared import ARTIFACTS, ROOT, once_per_run

_UNGROUPED = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Put the tests that read the built site but belong to no group last; mark split groups.

    One test process builds the site (the ``site`` group: pytest-xdist sends the largest group
    first; were another larger, the build would start later, not go wrong); the others run
    everything else meanwhile. The ungrouped site tests (the browser
    visits) come last, so whichever processes are free when the build ends share them.

    pytest-xdist keeps a group on one worker by appending the ``xdist_group`` name to its node
    ids. Where that has no effect (pytest 9.2 with pytest-xdist 3.8), the groups split silently;
    such tests are marked here and fail with the reason.
    """
    items.sort(key=lambda item: "site" in getattr(item, "fixturenames", ()) and not _group(item))
    if getattr(config.option, "loadgroup", False):
        for item in items:
            if _group(item) and "@" not in item.nodeid:
                item.stash[_UNGROUPED] = True


def _group(item: pytest.Item) -> pytest.Mark | None:
    return item.get_closest_marker("xdist_group")


_SPLIT = (
    "--dist loadgroup did not keep the xdist_group tests together with this pytest and pytest-xdist; "
    "install the versions pinned in requirements/constraints.txt"
)


@pytest.fixture(autouse=True)
def _grouped_as_marked(request):
    if request.node.stash.get(_UNGROUPED, False):
        pytest.fail(_SPLIT, pytrace=False)


@pytest.fixture
def global_rng_guard():
    """Restore numpy's and torch's global random state after a test that uses them on purpose."""
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    yield
    np.random.set_state(np_state)
    torch.set_rng_state(torch_state)


@pytest.fixture
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def run_id(request) -> str:
    """This test run's id, the same in every test process: pytest-xdist hands its workers one."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["testrunuid"] if workerinput else uuid.uuid4().hex


@pytest.fixture(scope="session")
def reference_run():
    """The independent restatement of the reference procedure, all 8000 epochs, once per session."""
    from . import reference

    np_state, torch_state, threads = np.random.get_state(), torch.get_rng_state(), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return reference.experiment()
    finally:
        np.random.set_state(np_state)
        torch.set_rng_state(torch_state)
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def reference_result(run_id):
    """``gpnn.run_experiment()`` with the readable autograd trainer, once per test run.

    The first test process to ask runs it; the others read its result from
    ``test-artifacts/reference-result.pickle``.
    """
    import gpnn

    path = ARTIFACTS / "reference-result.pickle"

    def run() -> str:
        path.write_bytes(pickle.dumps(gpnn.run_experiment(gpnn.ExperimentConfig())))
        return "written"

    once_per_run("reference-result", run_id, run)
    return pickle.loads(path.read_bytes())


# Material's notice about MkDocs 2.0, printed when the theme loads; its documented switch.
QUIET = {"NO_MKDOCS_2_WARNING": "1"}


def build(config_dir: Path, site_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` in ``config_dir`` into ``site_dir``."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=config_dir,
        env={**os.environ, **QUIET, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def site(request, run_id) -> Path:
    """The website, built once per test run into ``test-artifacts/site`` (kept for inspection).

    Every test process that asks gets the same build: the first builds, the others wait for it.
    """
    # Session fixtures are set up before the check above would run: refuse here, before building.
    if any(item.stash.get(_UNGROUPED, False) for item in request.session.items):
        pytest.fail(_SPLIT, pytrace=False)
    site_dir, log = ARTIFACTS / "site", ARTIFACTS / "site-build.log"

    def build_site() -> str:
        start = time.perf_counter()
        completed = build(ROOT, site_dir)
        seconds = time.perf_counter() - start  # the suite's time less this is what the tests themselves cost
        log.write_text(f"built in {seconds:.1f} s\n{completed.stderr}")
        return str(completed.returncode)

    returncode = once_per_run("site-build", run_id, build_site)
    assert returncode == "0", f"mkdocs build exited with {returncode}:\n{log.read_text()[-5000:]}"
    return site_dir


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process, shared by every browser test.

    Playwright's synchronous API runs one event loop per thread, so two browser modules in one
    process must share a single Playwright. The browser is found before Playwright starts: the
    finder asks Playwright where its own one is.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    from .browsers import LAUNCH_ARGS, BrowserNotFound, find_browser

    try:
        executable = find_browser()
    except BrowserNotFound as error:
        pytest.fail(str(error), pytrace=False)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()
