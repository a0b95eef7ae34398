"""The built site in a real browser: a Chrome or Chromium found by tests/browsers.py, driven by Playwright.

The site is served on 127.0.0.1 under the path of its ``site_url`` (as GitHub Pages serves a
project site), with every other host blocked. Screenshots of every page in both colour schemes
go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .shared import ARTIFACTS, once_per_run

SCREENSHOTS = ARTIFACTS / "screenshots"
PREFIX = "/gpnn/"  # the path of the default site_url, where a project site is served
NOTEBOOK_PAGES = [
    "simulating-data/",
    "network/",
    "training/",
    "best-fit/",
    "uncertainty/",
    "advice/",
    "fiddling/",
    "backpropagation/",
    "established/",
]
# The API reference first: by far the longest page to load and capture, so that its first visit
# does not come last in a test process's queue.
PAGES = ["api/", "", *NOTEBOOK_PAGES, "references/", "computation-times/", "claims/"]
MATH_PAGES = {"simulating-data/", "network/", "training/", "best-fit/", "backpropagation/", "uncertainty/"}

# No xdist group: every test process may take these visits once the one build of the site is done
# (tests/conftest.py runs them last).
pytestmark = [pytest.mark.slow]
pytest.importorskip("playwright.sync_api")


class _ProjectSiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under PREFIX, and 404.html for anything missing, as GitHub Pages does."""

    def translate_path(self, path):
        path = urlparse(path).path
        return super().translate_path("/" + path[len(PREFIX) :] if path.startswith(PREFIX) else "/missing/")

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


# Session-scoped, like the site they serve: one server per test process.
@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_ProjectSiteHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


class Visit:
    """One page load with every request, console message and page error recorded."""

    def __init__(self, browser, base_url: str, path: str, scheme: str | None = None, width: int = 1280):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme or "light")
        self.page = self.context.new_page()
        self.local_host = urlparse(base_url).netloc
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.requested: list[str] = []
        # Every host but the local server is blocked, and counted.
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.response = self.page.goto(base_url + path, wait_until="load")
        # Ready when the fonts are loaded (the formulas' among them) and every explorable figure drawn.
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.gpnn-chart')].every(c => c.querySelector('svg.marks'))"
        )

    def _route(self, route):
        if urlparse(route.request.url).netloc == self.local_host or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture(scope="session")
def screenshots(run_id):
    """A folder for this run's screenshots, emptied once per run (every test process writes to it)."""

    def empty() -> str:
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
        SCREENSHOTS.mkdir(parents=True)
        return "emptied"

    once_per_run("screenshots", run_id, empty)
    return SCREENSHOTS


def _screenshot(visit, folder: Path, path: str, name: str) -> None:
    target = folder / f"{(path.strip('/') or 'home')}-{name}.png"
    visit.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_with_everything_from_the_site(browser, base_url, path, screenshots):
    visit = Visit(browser, base_url, path)
    try:
        assert visit.page.get_attribute("body", "data-md-color-scheme") == "default"
        # Checked before the screenshot: a full-page capture changes the emulated screen for a
        # moment, which may start, then cancel, a picture's narrow variant.
        assert visit.foreign == [], "requests to other hosts"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
        _screenshot(visit, screenshots, path, "light")
        undecoded = visit.page.evaluate(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.alt || i.src.slice(0, 60))"
        )
        assert undecoded == []
        page_text = visit.page.inner_text("article")
        assert "$$" not in page_text and "\\(" not in page_text, "untypeset maths"
        if path in MATH_PAGES:
            typeset = visit.page.evaluate(
                """() => ({
                    drawn: [...document.querySelectorAll('article .katex-html')]
                        .filter((f) => f.getBoundingClientRect().width > 0).length,
                    fonts: [...document.fonts].filter((f) => f.family.includes('KaTeX') && f.status === 'loaded')
                        .length,
                })"""
            )
            assert typeset["drawn"] >= 3 and typeset["fonts"] >= 1, typeset
        if visit.page.locator("article pre > code").count():
            # Material's copy button on code blocks; mkdocs-jupyter's own on notebook input cells.
            copy = "article .md-code__button[title*='Copy'], article button.md-clipboard, article clipboard-copy"
            assert visit.page.locator(copy).count() > 0
    finally:
        visit.close()


def test_math_renders_in_markdown_pages_too(browser, base_url):
    # The home page's prose maths is in arithmatex spans, typeset when the site was built.
    visit = Visit(browser, base_url, "")
    try:
        spans = visit.page.locator(".arithmatex").count()
        typeset = visit.page.locator(".arithmatex > .katex").count()
        assert spans > 0 and typeset == spans
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


def _search_results(visit, query: str) -> list[str]:
    """The pages a search lists, best first, once the results for the whole query have settled."""
    visit.page.click("input.md-search__input")
    visit.page.type("input.md-search__input", query, delay=100)
    visit.page.wait_for_selector(".md-search-result__item", timeout=90000)
    # Each keystroke is a query; the worker answers them in order, so the list that stops
    # changing is the answer to the last.
    pages, unchanged = [], 0
    while unchanged < 3:
        visit.page.wait_for_timeout(500)
        now = visit.page.eval_on_selector_all(
            ".md-search-result__item", "items => items.map(item => item.querySelector('a').href)"
        )
        unchanged = unchanged + 1 if now == pages else 0
        pages = now
    return [urlparse(page).path.removeprefix(PREFIX) for page in pages]


@pytest.mark.parametrize(
    ("query", "topics"),
    [
        ("posterior", ("best-fit/", "uncertainty/")),
        ("ensemble", ("uncertainty/",)),
        ("backpropagation", ("backpropagation/",)),
    ],
)
def test_search_for_a_topic_lists_its_page_before_the_api(browser, base_url, query, topics):
    visit = Visit(browser, base_url, "")
    try:
        pages = _search_results(visit, query)
        assert pages[0] in topics and not pages[0].startswith("api/"), pages
    finally:
        visit.close()


@pytest.mark.parametrize(("name", "page"), [("sample_gp", "api/simulate/"), ("run_experiment", "api/experiment/")])
def test_search_for_a_name_lists_its_api_page_first(browser, base_url, name, page):
    visit = Visit(browser, base_url, "")
    try:
        pages = _search_results(visit, name)
        assert pages[0] == page, pages
    finally:
        visit.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_the_dark_scheme(browser, base_url, path, screenshots):
    visit = Visit(browser, base_url, path, scheme="dark")
    try:
        assert visit.page.get_attribute("body", "data-md-color-scheme") == "slate"
        assert visit.errors == [] and visit.failed == []
        _screenshot(visit, screenshots, path, "dark")
    finally:
        visit.close()


def test_the_palette_toggle_has_three_states(browser, base_url):
    visit = Visit(browser, base_url, "")
    try:
        # Three states: follow the system (light here), then light, then dark, then the system again.
        body = visit.page.locator("body")
        assert body.get_attribute("data-md-color-media") == "(prefers-color-scheme)"
        assert body.get_attribute("data-md-color-scheme") == "default"
        seen = []
        for _ in range(3):
            visible = visit.page.locator("form[data-md-component=palette] label:visible")
            assert visible.count() == 1
            visible.click()
            visit.page.wait_for_timeout(100)
            seen.append((body.get_attribute("data-md-color-media"), body.get_attribute("data-md-color-scheme")))
        assert seen == [
            ("(prefers-color-scheme: light)", "default"),
            ("(prefers-color-scheme: dark)", "slate"),
            ("(prefers-color-scheme)", "default"),
        ]
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["api/", "", "training/", "best-fit/", "uncertainty/", "backpropagation/"])
def test_on_a_phone_nothing_is_clipped_and_nothing_widens_the_page(browser, base_url, path, screenshots):
    visit = Visit(browser, base_url, path, width=390)
    try:
        assert visit.errors == []
        page_width = visit.page.evaluate("() => document.documentElement.scrollWidth")
        assert page_width <= 390, f"the page scrolls sideways: {page_width} px wide"
        # Every equation, table and code block fits in the article, or scrolls inside its own box;
        # figures may use the whole width of the screen (extra.css), not more.
        clipped = visit.page.evaluate(
            """() => {
                const text = document.querySelector('article').getBoundingClientRect();
                const screen = {left: 0, right: window.innerWidth};
                const selector = '.katex-display, table, pre, figure, img';
                const scrollsInOwnBox = (el) => {
                    for (let box = el; box && box.tagName !== 'ARTICLE'; box = box.parentElement) {
                        if (/(auto|scroll)/.test(getComputedStyle(box).overflowX)) return true;
                    }
                    return false;
                };
                return [...document.querySelectorAll('article ' + selector)]
                    .filter((el) => {
                        const r = el.getBoundingClientRect();
                        const box = el.closest('figure') ? screen : text;
                        return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
                    })
                    .filter((el) => !scrollsInOwnBox(el))
                    .map((el) => `${el.tagName} ${el.className} ${Math.round(el.getBoundingClientRect().width)}px`);
            }"""
        )
        assert clipped == [], clipped
        visit.page.screenshot(path=str(screenshots / f"phone-{(path.strip('/') or 'home')}.png"))
    finally:
        visit.close()


def test_a_missing_page_two_folders_deep_shows_the_styled_404_with_working_links(browser, base_url):
    visit = Visit(browser, base_url, "no/such/page/")
    try:
        assert visit.response.status == 404
        assert visit.foreign == []
        # The site's own styles were applied (Material's header), and nothing it loads is missing.
        assert visit.page.locator("header.md-header").is_visible()
        assert visit.page.evaluate("() => getComputedStyle(document.querySelector('header.md-header')).position") in (
            "sticky",
            "fixed",
        )
        assert [url for url in visit.failed if "no/such/page" not in url] == []
        home = visit.page.locator("a.md-header__button.md-logo")
        home.click()
        visit.page.wait_for_load_state("load")
        assert visit.page.url == base_url
        assert visit.page.locator("article h1").inner_text().startswith("A neural network")
    finally:
        visit.close()


# What is clipped inside figures and equations: an element that reaches past a box that hides its
# overflow (any box between it and the article), unless that box scrolls sideways and the element
# only reaches past its sides; text that Vega shortened with an ellipsis; and axis labels of one
# axis that overlap.
_CLIPPED = """() => {
    const article = document.querySelector('article');
    const name = (el) => `${el.tagName.toLowerCase()}.${(el.getAttribute('class') || '').split(' ')[0]}`
        + ` "${(el.textContent || '').trim().slice(0, 30)}"`;
    const clipped = [];
    const inside = 'figure *, .katex-display *, .gpnn-chart-controls *';
    for (const el of article.querySelectorAll(inside)) {
        if (el.closest('.katex-mathml')) continue;  // clipped on purpose: read by screen readers only
        if (el.closest('.katex svg')) continue;  // KaTeX's stretchy glyphs: long paths cut to size on purpose
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        for (let box = el.parentElement; box && box !== article; box = box.parentElement) {
            const style = getComputedStyle(box);
            if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
            const q = box.getBoundingClientRect();
            const sideways = r.left < q.left - 1 || r.right > q.right + 1;
            const vertically = r.top < q.top - 1 || r.bottom > q.bottom + 1;
            if (vertically || (sideways && !/(auto|scroll)/.test(style.overflowX))) {
                clipped.push(`${name(el)} in ${name(box)}`);
            }
            if (sideways || vertically) break;
        }
    }
    for (const text of article.querySelectorAll('.gpnn-chart svg text')) {
        if (text.textContent.includes('…')) clipped.push(`shortened: "${text.textContent}"`);
    }
    for (const axis of article.querySelectorAll('.gpnn-chart g.role-axis')) {
        const labels = [...axis.querySelectorAll('g.role-axis-label text')]
            .filter((t) => Number(t.getAttribute('opacity') ?? 1) > 0)
            .map((t) => [t.textContent, t.getBoundingClientRect()]);
        labels.forEach(([a, p], i) => labels.slice(i + 1).forEach(([b, q]) => {
            const overlap = p.left < q.right - 0.5 && q.left < p.right - 0.5
                && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5;
            if (overlap) clipped.push(`axis labels overlap: ${a} ${b}`);
        }));
    }
    return clipped;
}"""

# Every display equation fits its box; one wider than its box scrolls sideways and shows it: a
# shadow at the edge with more formula beyond (extra.css); none scrolls or is cut vertically.
_EQUATIONS_UNFIT = """() => [...document.querySelectorAll('article .katex-display')]
    .filter((m) => {
        const style = getComputedStyle(m);
        const taller = m.scrollHeight > m.clientHeight + 1;
        const wider = m.scrollWidth > m.clientWidth + 1;
        const scrollsVisibly = /(auto|scroll)/.test(style.overflowX) && style.backgroundImage.includes('gradient');
        return taller || (wider && !scrollsVisibly);
    })
    .map((m) => `${m.textContent.slice(0, 40)}: ${m.clientWidth}x${m.clientHeight} box, `
        + `${m.scrollWidth}x${m.scrollHeight} content`)"""

FIGURE_PAGES = ["", "simulating-data/", "network/", "training/", "best-fit/", "uncertainty/", "advice/", "fiddling/"]


@pytest.mark.parametrize("path", FIGURE_PAGES)
def test_on_a_phone_nothing_inside_a_figure_or_an_equation_is_clipped(browser, base_url, path):
    visit = Visit(browser, base_url, path, width=390)
    try:
        assert visit.page.evaluate(_CLIPPED) == []
        assert visit.page.evaluate(_EQUATIONS_UNFIT) == []
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["prior/", "network/", "advice/"])
def test_on_a_phone_static_figures_show_their_narrow_layout_near_its_own_size(browser, base_url, path):
    # Text in a figure is as large as its layout made it times the figure's scale on the screen:
    # the narrow layout (gpnn.plots.narrow_layout) is drawn at nearly its own size on a phone,
    # the wide one on a wide screen.
    scales = """() => [...document.querySelectorAll('article figure.gpnn-figure picture:has(source)')].map((p) => {
        const img = p.querySelector('img');
        return {narrow: img.currentSrc === new URL(p.querySelector('source').srcset, location).href,
                scale: img.clientWidth / img.naturalWidth};
    })"""
    sources = "() => [...document.querySelectorAll('article figure.gpnn-figure img')].map((i) => ({src: i.currentSrc}))"
    for width, narrow in ((390, True), (1280, False)):
        visit = Visit(browser, base_url, path, width=width)
        try:
            shown = visit.page.evaluate(scales)
            assert shown and all(figure["narrow"] == narrow for figure in shown), (width, shown)
            # A reader downloads the variant shown and not the other one.
            fetched = {url for url in visit.requested if "/assets/figures/" in url}
            assert fetched == {figure["src"] for figure in visit.page.evaluate(sources)}, width
            if narrow:
                assert all(figure["scale"] >= 0.8 for figure in shown), shown  # 10-point text: 10.7 px or more
        finally:
            visit.close()


@pytest.mark.parametrize("path", ["training/", "best-fit/", "uncertainty/"])
def test_on_wider_screens_nothing_inside_an_explorable_figure_is_clipped_and_no_labels_overlap(browser, base_url, path):
    for width in (768, 1280):
        visit = Visit(browser, base_url, path, width=width)
        try:
            assert visit.page.evaluate(_CLIPPED) == [], width
        finally:
            visit.close()


@pytest.mark.parametrize("path", sorted(MATH_PAGES | {"", "api/posterior/", "api/kernels/"}))
def test_every_display_equation_fits_its_box_or_scrolls_visibly(browser, base_url, path):
    for width in (1280, 390):
        visit = Visit(browser, base_url, path, width=width)
        try:
            equations = visit.page.locator("article .katex-display").count()
            assert equations > 0 or path.startswith("api/") or path == ""
            assert visit.page.evaluate(_EQUATIONS_UNFIT) == [], width
        finally:
            visit.close()


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_one_fold_per_folded_cell(browser, base_url, path):
    from .shared import ROOT

    source = (ROOT / "docs" / f"{path.strip('/')}.py").read_text(encoding="utf-8")
    tagged = sum(1 for line in source.splitlines() if line.startswith("# %%") and '"fold"' in line)
    visit = Visit(browser, base_url, path)
    try:
        folds = visit.page.evaluate(
            """() => ({
                folds: document.querySelectorAll('article details.gpnn-fold').length,
                nested: document.querySelectorAll('article details.gpnn-fold details.gpnn-fold').length,
                perCell: [...document.querySelectorAll('article .celltag_fold')]
                    .filter((cell) => !cell.parentElement.closest('.celltag_fold'))
                    .map((cell) => cell.querySelectorAll('details.gpnn-fold').length),
                code: [...document.querySelectorAll('article details.gpnn-fold')]
                    .map((fold) => fold.querySelectorAll('pre > code').length),
            })"""
        )
        assert folds["folds"] == tagged, folds
        assert folds["nested"] == 0
        assert folds["perCell"] == [1] * tagged
        assert folds["code"] == [1] * tagged, "each fold holds its cell's code once"
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["", "claims/", "references/", "computation-times/", "fiddling/", "training/"])
def test_katex_styles_load_only_on_pages_with_maths_and_no_page_loads_a_maths_script(browser, base_url, path):
    visit = Visit(browser, base_url, path)
    try:
        resources = visit.page.evaluate("() => performance.getEntriesByType('resource').map((r) => r.name)")
        loaded = any("/assets/katex/" in name for name in resources)
        maths = visit.page.locator("article .katex").count()
        assert loaded == (maths > 0), (loaded, maths)
        assert loaded == (path in MATH_PAGES or path == ""), loaded
        scripts = [name for name in resources if name.endswith(".js")]
        assert not [name for name in scripts if "mathjax" in name.lower() or "katex" in name.lower()], scripts
    finally:
        visit.close()


def test_code_at_80_columns_fits_the_column_beside_both_sidebars(browser, base_url):
    visit = Visit(browser, base_url, "training/", width=1280)
    try:
        assert visit.page.locator(".md-sidebar--primary").is_visible()
        assert visit.page.locator(".md-sidebar--secondary").is_visible()
        spare = visit.page.evaluate(
            """() => {
                const code = document.querySelector('article pre > code');
                const line = document.createElement('span');
                line.textContent = 'x'.repeat(80);
                code.prepend(line);
                const room = code.getBoundingClientRect().right - line.getBoundingClientRect().right;
                line.remove();
                return room;
            }"""
        )
        # Past the 80th column, room for Material's copy button (about 1.5 em) on the first line.
        assert spare > 32, spare
        assert visit.page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    finally:
        visit.close()
