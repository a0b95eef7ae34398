"""The built site in a real browser: Debian's Chromium driven by Playwright, served on 127.0.0.1.

Screenshots of every page in both colour schemes go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PAGES = [
    "",
    "simulating-data/",
    "network/",
    "training/",
    "best-fit/",
    "advice/",
    "fiddling/",
    "backpropagation/",
    "established/",
    "api/",
    "computation-times/",
]
MATH_PAGES = {"simulating-data/", "network/", "training/", "best-fit/", "backpropagation/"}

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: tools/install-browser.sh installs Debian's chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Visit:
    """One page load with every request, console message and page error recorded."""

    def __init__(self, browser, base_url: str, path: str, scheme: str | None = None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme or "light")
        self.page = self.context.new_page()
        self.local_host = urlparse(base_url).netloc
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        # Every host but the local server is blocked, and counted.
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.goto(base_url + path, wait_until="networkidle")
        self.page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        self.page.evaluate("() => document.fonts.ready.then(() => true)")

    def _route(self, route):
        if urlparse(route.request.url).netloc == self.local_host or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_with_everything_from_the_site(browser, base_url, path):
    visit = Visit(browser, base_url, path)
    try:
        assert visit.foreign == [], "requests to other hosts"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
        undecoded = visit.page.evaluate(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.alt || i.src.slice(0, 60))"
        )
        assert undecoded == []
        page_text = visit.page.inner_text("article")
        assert "$$" not in page_text, "untypeset display math"
        if path in MATH_PAGES:
            typeset = visit.page.evaluate(
                """() => [...document.querySelectorAll('mjx-container')].filter(c => {
                    const glyph = c.querySelector('mjx-c');
                    const content = glyph ? getComputedStyle(glyph, '::before').content : 'none';
                    return c.getBoundingClientRect().width > 0 && content !== 'none' && content !== '';
                }).length"""
            )
            assert typeset >= 3, "formulas rendered with visible glyphs"
        if visit.page.locator("article pre > code").count():
            # Material's copy button on code blocks; mkdocs-jupyter's own on notebook input cells.
            copy = "article .md-code__button[title*='Copy'], article button.md-clipboard, article clipboard-copy"
            assert visit.page.locator(copy).count() > 0
    finally:
        visit.close()


def test_math_renders_in_markdown_pages_too(browser, base_url):
    # The API reference's docstrings hold no $ math; the home page's prose math is in arithmatex spans.
    visit = Visit(browser, base_url, "")
    try:
        spans = visit.page.locator(".arithmatex").count()
        containers = visit.page.locator(".arithmatex mjx-container").count()
        assert spans > 0 and containers == spans
    finally:
        visit.close()


def test_search_for_kernel_finds_the_gp_page(browser, base_url):
    visit = Visit(browser, base_url, "")
    try:
        visit.page.click("input.md-search__input")
        # Material's search runs in a worker that first loads the whole index, which takes a
        # while on a busy machine; the query runs once it is ready.
        visit.page.type("input.md-search__input", "kernel", delay=100)
        visit.page.wait_for_selector(".md-search-result__item", timeout=90000)
        links = visit.page.eval_on_selector_all(".md-search-result__item a", "els => els.map(a => a.href)")
        assert any("simulating-data" in link for link in links), links
    finally:
        visit.close()


def test_dark_palette_and_screenshots_of_both_schemes(browser, base_url):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    visit = Visit(browser, base_url, "")
    try:
        assert visit.page.get_attribute("body", "data-md-color-scheme") == "default"
        visit.page.click("label[for=__palette_1]")
        visit.page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    finally:
        visit.close()
    for scheme, name in (("light", "light"), ("dark", "dark")):
        for path in PAGES:
            visit = Visit(browser, base_url, path, scheme=scheme)
            try:
                expected = "slate" if scheme == "dark" else "default"
                assert visit.page.get_attribute("body", "data-md-color-scheme") == expected
                target = ARTIFACTS / f"{(path.strip('/') or 'home')}-{name}.png"
                visit.page.screenshot(path=str(target), full_page=True)
                assert target.stat().st_size > 10_000
            finally:
                visit.close()
