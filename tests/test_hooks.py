"""The build hooks' pieces that can be tested without a build."""

import importlib
import logging
import sys
import threading

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def execute_hook():
    sys.path.insert(0, str(ROOT / "docs" / "_hooks"))
    try:
        yield importlib.import_module("execute")
    finally:
        sys.path.remove(str(ROOT / "docs" / "_hooks"))


def test_live_code_counts_the_building_threads_warnings_only(execute_hook):
    # Under `mkdocs serve` the web server logs a warning for every redirect from its own thread;
    # one arriving while a Markdown page's live code runs must not fail that page.
    handler = execute_hook._Warnings()
    logger = logging.getLogger("mkdocs.test-hooks")
    logger.addHandler(handler)
    try:
        server = threading.Thread(target=logger.warning, args=('"GET / HTTP/1.1" code 302',))
        server.start()
        server.join()
        assert handler.count == 0
        logger.warning("Execution of python code block exited with errors")
        assert handler.count == 1
    finally:
        logger.removeHandler(handler)


def test_a_folded_cell_shows_its_code_once_though_two_divs_carry_its_tag():
    sys.path.insert(0, str(ROOT / "docs" / "_hooks"))
    try:
        assets = importlib.import_module("assets")
    finally:
        sys.path.remove(str(ROOT / "docs" / "_hooks"))
    cell = (
        '<div class="jp-Cell jp-CodeCell celltag_fold">\n<div class="jp-Cell jp-CodeCell celltag_fold" id="c">'
        '<div class="jp-Cell-inputWrapper">CODE</div><div class="jp-Cell-outputWrapper">FIGURE</div></div></div>'
    )
    folded = assets._fold(cell + cell)
    assert folded.count("<details") == 2 and folded.count("CODE") == 2 and folded.count("FIGURE") == 2
