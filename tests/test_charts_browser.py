"""The explorable figures in a real browser: a small site with all three, served on 127.0.0.1.

The site is built once for the module from the real configuration and hooks with one notebook
page that calls the three builders of ``gpnn.site.charts`` on small synthetic inputs. Every host
but the local server is blocked, and every request to another one is counted.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

import gpnn
from gpnn.posterior import gp_posterior, log_marginal_likelihood

from .conftest import ROOT, build
from .test_build import _normalised, make_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("charts")]
pytest.importorskip("playwright.sync_api")

SHOTS = ROOT / "test-artifacts" / "charts"

PAGE = """# %% [markdown]
# # Charts
#
# Three explorable figures.

# %%
import numpy as np

import gpnn
from gpnn.posterior import fit_hyperparameters, gp_posterior
from gpnn.site.charts import ensemble_picker, gp_explorer, training_scrubber

x = np.linspace(-30, 30, 60)
draw = gpnn.sample_gp(x, 2.0, 6.0, 0.5, seed=4)
fitted = fit_hyperparameters(x, draw.y)
gp_explorer(x, draw.y, truth=(2.0, 6.0, 0.5), fitted=fitted[:3], caption="The posterior, recomputed.")

# %%
rng = np.random.default_rng(1)
epochs = np.arange(10, 301, 10)
snapshots = draw.latent[None, :] * (1 - np.exp(-epochs[:, None] / 80)) + rng.normal(0, 0.05, (epochs.size, x.size))
loss = 2 * np.exp(-np.arange(1, 301) / 60) + 0.5
training_scrubber(x, draw.y, draw.latent, epochs, snapshots, loss, caption="Training, epoch by epoch.")

# %%
grid = np.linspace(-45, 45, 181)
posterior = gp_posterior(x, draw.y, grid, *fitted[:3])
members = posterior.mean[None, :] + rng.normal(0, 0.3, (8, grid.size)).cumsum(axis=1) * 0.1
ensemble_picker(grid, members, gp_mean=posterior.mean, gp_sd=posterior.sd, observed_x=x, observed_y=draw.y,
                latent=draw.latent, caption="An ensemble, member by member.")
"""
HOME = """# Home

A chart on a Markdown page, from live code.

```python exec="on" session="home"
import altair as alt

from gpnn.site.charts import chart

rows = [{"x": i, "y": i * i} for i in range(10)]
parabola = alt.Chart(alt.Data(values=rows)).mark_line().encode(x="x:Q", y="y:Q").properties(width="container")
print(chart(parabola, "A parabola through ten points.", key="parabola", caption="A parabola."))
```
"""
KEYS = ("gp-explorer", "training-scrubber", "ensemble-picker")
# mkdocs-jupyter writes a notebook's HTML output anew: attributes may change places.
SPEC = re.compile(r'data-chart="([a-z-]+)"[^>]*>.*?<script [^>]*class="gpnn-chart-spec"[^>]*>(.*?)</script>')

# The data behind the items of every mark named NAME in a chart, as [[datum[field] ...] ...].
MARKS = """([key, name, fields]) => {
  const out = [];
  const walk = (node) => {
    if (!node) return;
    if (node.marktype && node.name === name) {
      for (const item of node.items) out.push(fields.map((f) => item.datum[f]));
      return;
    }
    for (const item of node.items || []) walk(item);
  };
  walk(window.gpnnCharts[key].scenegraph().root);
  return out;
}"""
READY = "() => [...document.querySelectorAll('figure.gpnn-chart')].every((f) => f.dataset.ready || f.dataset.error)"
# The GP explorer has recomputed for the current slider values.
COMPUTED = """() => {
  const view = window.gpnnCharts['gp-explorer'];
  const now = [view.signal('eta'), view.signal('rho'), view.signal('sigma'), Boolean(view.signal('prior'))];
  return document.querySelector('figure[data-chart="gp-explorer"]').dataset.computed === JSON.stringify(now);
}"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("charts")
    project = make_project(folder, {"charts": PAGE}, home=HOME)
    completed = build(project, folder / "site", {"GPNN_CACHE_ROOT": str(folder / "cache")})
    assert completed.returncode == 0, completed.stderr[-5000:]
    return folder


@pytest.fixture(scope="module")
def specs(built) -> dict[str, dict]:
    page = (built / "site" / "charts" / "index.html").read_text(encoding="utf-8")
    found = {key: json.loads(text) for key, text in SPEC.findall(page)}
    assert sorted(found) == sorted(KEYS)
    return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def base_url(built):
    handler = functools.partial(_QuietHandler, directory=str(built / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Visit:
    """One page load with every request, console message and page error recorded."""

    def __init__(self, browser, base_url: str, path: str = "charts/", scheme: str = "light", script: bool = True):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, color_scheme=scheme, java_script_enabled=script
        )
        self.page = self.context.new_page()
        self.local_host = urlparse(base_url).netloc
        self.foreign: list[str] = []
        self.requested: list[str] = []
        self.failed: list[str] = []
        self.messages: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.goto(base_url + path, wait_until="networkidle")
        if script and path == "charts/":
            self.page.wait_for_function(READY, timeout=60_000)

    def _route(self, route):
        url = route.request.url
        if urlparse(url).netloc == self.local_host or url.startswith("data:"):
            self.requested.append(urlparse(url).path)
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.messages.append(f"{message.type}: {message.text}")

    def assert_clean(self):
        assert self.foreign == [], "requests to other hosts"
        assert self.failed == [], "failed requests"
        assert self.messages == [], "console errors or warnings"

    def marks(self, key: str, name: str, fields: list[str]) -> list[list]:
        return self.page.evaluate(MARKS, [key, name, fields])

    def path(self, key: str, mark: str) -> str:
        return self.page.locator(f'figure[data-chart="{key}"] .{mark} path').first.get_attribute("d")

    def settle(self, key: str, signal: str, value) -> None:
        self.page.wait_for_function(
            "([key, name, value]) => window.gpnnCharts[key].signal(name) === value", arg=[key, signal, value]
        )
        self.page.evaluate("(key) => window.gpnnCharts[key].runAsync().then(() => null)", key)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    opened = Visit(browser, base_url)
    yield opened
    opened.close()


# Loading -------------------------------------------------------------------------------------


def test_the_charts_draw_from_the_site_alone_with_a_clean_console(visit, specs):
    visit.assert_clean()
    for key in KEYS:
        figure = visit.page.locator(f'figure[data-chart="{key}"]')
        assert figure.get_attribute("data-ready") == "true" and figure.get_attribute("data-error") is None
        graphic = figure.locator('.gpnn-chart-view[role="graphics-document"]')
        assert graphic.get_attribute("aria-label") == specs[key]["description"]
        assert figure.locator(".gpnn-chart-view svg").bounding_box()["width"] > 500
    assert visit.requested.count("/javascripts/vega.js") == 1
    assert "/javascripts/gp-explorer.js" in visit.requested
    assert not [path for path in visit.requested if path.startswith("/assets/figures/")]  # the fallbacks
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SHOTS / "charts-light.png"), full_page=True)


def test_a_page_without_charts_does_not_load_vega(browser, base_url):
    plain = Visit(browser, base_url, "api/")
    try:
        plain.assert_clean()
        assert "/javascripts/charts.js" in plain.requested
        assert "/javascripts/vega.js" not in plain.requested
    finally:
        plain.close()


def test_a_markdown_page_with_live_code_holds_a_chart_too(browser, base_url, built):
    home = Visit(browser, base_url, "")
    try:
        home.page.wait_for_function(READY)
        home.assert_clean()
        figure = home.page.locator('figure[data-chart="parabola"]')
        assert figure.get_attribute("data-ready") == "true"
        assert figure.locator('.gpnn-chart-view[role="graphics-document"]').get_attribute("aria-label") == (
            "A parabola through ten points."
        )
        assert len(home.marks("parabola", "marks", ["x", "y"])) == 10
        assert figure.locator("figcaption").inner_text().endswith("A parabola.")
    finally:
        home.close()
    html = (built / "site" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<noscript><img [^>]*src="assets/figures/[0-9a-f]+\.svg"', html)


def test_without_javascript_each_chart_is_its_static_image(browser, base_url, specs):
    plain = Visit(browser, base_url, script=False)
    try:
        plain.assert_clean()
        assert "/javascripts/vega.js" not in plain.requested
        for key in KEYS:
            image = plain.page.locator(f'figure[data-chart="{key}"] img.gpnn-chart-fallback')
            assert image.is_visible()
            assert image.get_attribute("alt") == specs[key]["description"]
            assert image.get_attribute("src").startswith("../assets/figures/")  # a file, not in the page
            assert image.evaluate("(img) => img.complete && img.naturalWidth") > 500
        SHOTS.mkdir(parents=True, exist_ok=True)
        plain.page.screenshot(path=str(SHOTS / "charts-no-javascript.png"), full_page=True)
    finally:
        plain.close()


def test_the_page_with_three_charts_stays_light(built, capsys):
    page = (built / "site" / "charts" / "index.html").read_bytes()
    sizes = {key: len(text.encode()) for key, text in SPEC.findall(page.decode())}
    with capsys.disabled():
        print(f"\ncharts page: {len(page)} bytes; specs: {sizes}")
    assert len(page) < 400_000
    assert b'src="data:image/svg+xml' not in page  # the static images are files
    figures = re.findall(rb'<figure class="gpnn-chart".*?</figure>', page, re.DOTALL)
    assert len(figures) == 3
    assert not [f for f in figures if re.search(rb"cdn|jsdelivr|unpkg|https?://(?!vega\.github\.io/schema/)", f)]


def test_a_build_without_cache_gives_the_same_files(built, tmp_path):
    project = built / "project"
    fresh = build(project, tmp_path / "fresh", {"GPNN_NO_CACHE": "1"})
    assert fresh.returncode == 0, fresh.stderr[-5000:]
    first, second = _normalised(built / "site"), _normalised(tmp_path / "fresh")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert "javascripts/vega.js" in first and "javascripts/vega-licenses.txt" in first


# The GP explorer ------------------------------------------------------------------------------


def _gp_matches_the_package(visit, x, y) -> tuple[float, float, float]:
    visit.page.wait_for_function(COMPUTED)
    state = visit.page.evaluate(
        """() => {
          const view = window.gpnnCharts['gp-explorer'];
          const output = document.querySelector('output[data-key="gp-explorer-lml"]');
          return {
            params: ['eta', 'rho', 'sigma'].map((name) => view.signal(name)),
            post: view.data('post').map((d) => [d.x, d.m, d.sd, d.lo, d.hi]),
            lml: Number(output.dataset.value),
            text: output.textContent,
          };
        }"""
    )
    eta, rho, sigma = state["params"]
    post = np.array(state["post"])
    expected = gp_posterior(x, y, x, eta, rho, sigma)
    np.testing.assert_array_equal(post[:, 0], x)
    assert np.max(np.abs(post[:, 1] - expected.mean)) <= 1e-9 * np.max(np.abs(expected.mean))
    assert np.max(np.abs(post[:, 2] - expected.sd)) <= 1e-9 * np.max(expected.sd)
    np.testing.assert_allclose(post[:, 3], post[:, 1] - 1.959963984540054 * post[:, 2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(post[:, 4], post[:, 1] + 1.959963984540054 * post[:, 2], rtol=0, atol=1e-12)
    lml = log_marginal_likelihood(x, y, eta, rho, sigma)
    assert abs(state["lml"] - lml) <= 1e-9 * abs(lml)
    assert state["text"] == f"{state['lml']:.2f}"
    # What is drawn is what was computed.
    drawn = visit.marks("gp-explorer", "mean_marks", ["x", "m"])
    assert sorted(map(tuple, drawn)) == sorted(map(tuple, post[:, :2].tolist()))
    band = visit.marks("gp-explorer", "band_marks", ["x", "lo", "hi"])
    assert sorted(map(tuple, band)) == sorted(map(tuple, post[:, [0, 3, 4]].tolist()))
    return eta, rho, sigma


def test_the_gp_explorer_shows_the_packages_posterior_at_every_setting(visit, specs):
    meta = specs["gp-explorer"]["usermeta"]["gpnn"]
    x, y = np.array(meta["gp"]["x"]), np.array(meta["gp"]["y"])
    truth, fitted = (meta["presets"][0]["values"], meta["presets"][1]["values"])
    page = visit.page
    figure = page.locator('figure[data-chart="gp-explorer"]')

    # 1. As loaded: the marginal-likelihood estimate.
    assert _gp_matches_the_package(visit, x, y) == (fitted["eta"], fitted["rho"], fitted["sigma"])
    start = visit.path("gp-explorer", "mean_marks")

    # 2. The button to the true values.
    figure.get_by_role("button", name=re.compile(r"^True values")).click()
    assert _gp_matches_the_package(visit, x, y) == (truth["eta"], truth["rho"], truth["sigma"])
    assert visit.path("gp-explorer", "mean_marks") != start
    assert figure.locator("output[for='gp-explorer-eta']").inner_text() == "2"

    # 3. Typed values (fill sets the slider's value and fires its events).
    eta = figure.get_by_role("slider", name="η, signal sd", exact=True)
    rho = figure.get_by_role("slider", name="ρ, length scale", exact=True)
    before = visit.path("gp-explorer", "mean_marks")
    eta.fill("1.25")
    rho.fill("3.4")
    assert _gp_matches_the_package(visit, x, y) == (1.25, 3.4, truth["sigma"])
    assert visit.path("gp-explorer", "mean_marks") != before
    assert figure.locator("output[for='gp-explorer-rho']").inner_text() == "3.4"

    # 4. The keyboard, as a reader would: two steps up, then the ends of the ranges.
    sigma = figure.get_by_role("slider", name="σ, noise sd", exact=True)
    before = visit.path("gp-explorer", "band_marks")
    sigma.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    step = float(sigma.get_attribute("step"))
    assert _gp_matches_the_package(visit, x, y)[2] == pytest.approx(truth["sigma"] + 2 * step, abs=1e-12)
    assert visit.path("gp-explorer", "band_marks") != before
    rho.focus()
    page.keyboard.press("End")
    sigma.focus()
    page.keyboard.press("Home")
    _, rho_, sigma_ = _gp_matches_the_package(visit, x, y)
    assert (rho_, sigma_) == (float(rho.get_attribute("max")), float(sigma.get_attribute("min")))

    # 5. Back to the estimate, from the keyboard.
    figure.get_by_role("button", name=re.compile(r"^Marginal-likelihood estimate")).focus()
    page.keyboard.press("Enter")
    assert _gp_matches_the_package(visit, x, y) == (fitted["eta"], fitted["rho"], fitted["sigma"])
    # The sliders keep their names as they move.
    assert figure.get_by_role("slider", name="ρ, length scale", exact=True).count() == 1
    visit.assert_clean()


def test_the_gp_explorer_marks_the_true_and_fitted_values_on_its_sliders(visit, specs):
    meta = specs["gp-explorer"]["usermeta"]["gpnn"]
    figure = visit.page.locator('figure[data-chart="gp-explorer"]')
    for control in meta["controls"][:3]:
        slider = figure.locator(f"#gp-explorer-{control['param']}")
        options = slider.evaluate("(input) => [...input.list.options].map((o) => [Number(o.value), o.label])")
        assert options == [[m["value"], m["label"]] for m in control["marks"]]
        row = slider.locator("xpath=ancestor::div[contains(@class, 'gpnn-control')]")
        assert row.locator(".gpnn-slider-mark").all_inner_texts() == ["estimate", "true"]
        description = slider.evaluate(
            "(input) => document.getElementById(input.getAttribute('aria-describedby')).textContent"
        )
        assert description.startswith("true ") and ", estimate " in description
        label = row.locator("label")
        assert label.is_visible() and label.inner_text() == control["label"]
        assert row.locator("output").is_visible()
    assert figure.get_by_role("group", name="Jump to").get_by_role("button").count() == 2


def test_the_gp_explorer_draws_the_prior_draws_of_sample_gp(visit, specs):
    meta = specs["gp-explorer"]["usermeta"]["gpnn"]
    x = np.array(meta["gp"]["x"])
    figure = visit.page.locator('figure[data-chart="gp-explorer"]')
    toggle = figure.get_by_role("checkbox", name=re.compile(r"prior draws"))
    assert visit.marks("gp-explorer", "prior_marks", ["x"]) == []
    toggle.focus()
    visit.page.keyboard.press("Space")
    for rho in (None, "2.5"):
        if rho is not None:
            figure.get_by_role("slider", name="ρ, length scale", exact=True).fill(rho)
        visit.page.wait_for_function(COMPUTED)
        eta, rho_ = visit.page.evaluate("() => ['eta', 'rho'].map((n) => window.gpnnCharts['gp-explorer'].signal(n))")
        rows = visit.marks("gp-explorer", "prior_marks", ["s", "x", "f"])
        assert len(rows) == 3 * x.size
        for seed in (0, 1, 2):
            f = np.array([r[2] for r in sorted(r for r in rows if r[0] == seed)])
            expected = gpnn.sample_gp(x, eta, rho_, 0.0, seed=seed).latent
            # The Cholesky factor of K + 1e-9 I is ill-conditioned: two correct factorisations
            # (the page's loops, LAPACK's blocks) give draws that agree to about 1e-6, not 1e-15.
            assert np.max(np.abs(f - expected)) <= 1e-5 * np.max(np.abs(expected))
    toggle.focus()
    visit.page.keyboard.press("Space")
    visit.page.wait_for_function(COMPUTED)
    assert visit.marks("gp-explorer", "prior_marks", ["x"]) == []
    visit.assert_clean()


# The training scrubber ------------------------------------------------------------------------


def test_the_scrubber_shows_the_snapshot_of_the_chosen_epoch(visit, specs):
    spec = specs["training-scrubber"]
    epochs = spec["usermeta"]["gpnn"]["controls"][0]["values"]
    fit = spec["datasets"]["fit"]
    snaps = spec["datasets"]["snaps"]
    figure = visit.page.locator('figure[data-chart="training-scrubber"]')
    slider = figure.get_by_role("slider", name="Epoch", exact=True)
    shown = figure.locator("output[for='training-scrubber-snap']")
    loss = figure.locator("output[data-key='training-scrubber-readout-0']")

    def check(index: int) -> None:
        visit.settle("training-scrubber", "snap", index)
        drawn = dict(map(tuple, visit.marks("training-scrubber", "net_0_marks", ["x", "q"])))
        assert drawn == {row["x"]: row["p"][index] for row in fit}
        assert visit.marks("training-scrubber", "reference_1_marks", ["e"]) == [[epochs[index]]]
        assert visit.marks("training-scrubber", "referencepoint_1_marks", ["l"]) == [[snaps[index]["l"]]]
        assert shown.inner_text() == str(epochs[index])
        assert slider.get_attribute("aria-valuetext") == f"Epoch {epochs[index]}"
        assert loss.inner_text() == str(spec["usermeta"]["gpnn"]["readouts"][0]["values"][index])

    check(len(epochs) - 1)
    last = visit.path("training-scrubber", "net_0_marks")
    slider.focus()
    visit.page.keyboard.press("Home")
    check(0)
    assert visit.path("training-scrubber", "net_0_marks") != last
    visit.page.keyboard.press("ArrowRight")
    check(1)
    slider.fill("17")
    check(17)
    visit.assert_clean()


# The ensemble picker --------------------------------------------------------------------------


def test_the_ensemble_picker_shows_numpys_mean_and_spread_of_the_first_k(visit, specs):
    rows = specs["ensemble-picker"]["datasets"]["grid"]
    grid = np.array([row["x"] for row in rows])
    members = np.array([row["v"] for row in rows]).T  # (m, g), as shipped
    m = members.shape[0]
    figure = visit.page.locator('figure[data-chart="ensemble-picker"]')
    slider = figure.get_by_role("slider", name="Members averaged", exact=True)

    def check(k: int) -> None:
        visit.settle("ensemble-picker", "k", k)
        assert figure.locator("output[for='ensemble-picker-k']").inner_text() == str(k)
        drawn = np.array(sorted(visit.marks("ensemble-picker", "ensmean_marks", ["x", "mean"])))
        np.testing.assert_array_equal(drawn[:, 0], grid)
        mean = members[:k].mean(axis=0)
        # Vega averages with a running mean, numpy with a sum: they agree to rounding.
        assert np.max(np.abs(drawn[:, 1] - mean)) <= 1e-12 * np.max(np.abs(mean))
        band = sorted(visit.marks("ensemble-picker", "ensband_marks", ["x", "lo", "hi"]))
        if k == 1:
            assert band == []
            return
        band = np.array(band)
        sd = members[:k].std(axis=0, ddof=1)
        assert np.max(np.abs(band[:, 1] - (mean - 2 * sd))) <= 1e-12 * np.max(np.abs(mean) + 2 * sd)
        assert np.max(np.abs(band[:, 2] - (mean + 2 * sd))) <= 1e-12 * np.max(np.abs(mean) + 2 * sd)

    check(m)
    full = visit.path("ensemble-picker", "ensmean_marks")
    slider.focus()
    visit.page.keyboard.press("Home")
    check(1)
    visit.page.keyboard.press("ArrowRight")
    check(2)
    assert visit.path("ensemble-picker", "ensmean_marks") != full
    slider.fill("5")
    check(5)
    figure.get_by_role("checkbox", name="Show the members", exact=True).check()
    visit.settle("ensemble-picker", "members", True)
    lines = visit.marks("ensemble-picker", "members_marks", ["j", "x", "w"])
    assert sorted({row[0] for row in lines}) == [1, 2, 3, 4, 5]
    first = sorted((row[1], row[2]) for row in lines if row[0] == 1)
    assert [w for _, w in first] == members[0].tolist()
    slider.focus()
    visit.page.keyboard.press("End")
    check(m)
    visit.assert_clean()


# Colour schemes -------------------------------------------------------------------------------

COLOURS = """() => {
  const style = (selector, property) => {
    const element = document.querySelector(selector);
    return element ? getComputedStyle(element)[property] : null;
  };
  const gp = 'figure[data-chart="gp-explorer"] ';
  return {
    background: getComputedStyle(document.body).backgroundColor,
    text: {
      axisLabel: style(gp + '.role-axis-label text', 'fill'),
      axisTitle: style(gp + '.role-axis-title text', 'fill'),
      legendLabel: style(gp + '.role-legend-label text', 'fill'),
      controlLabel: style(gp + '.gpnn-control label', 'color'),
      controlValue: style(gp + '.gpnn-control output', 'color'),
      button: style(gp + '.gpnn-chart-presets button', 'color'),
      readout: style(gp + '.gpnn-chart-readout output', 'color'),
    },
    lines: {
      axisDomain: style(gp + '.role-axis-domain line', 'stroke'),
      axisTick: style(gp + '.role-axis-tick line', 'stroke'),
      gpMean: style(gp + '.mean_marks path', 'stroke'),
      network: style('figure[data-chart="training-scrubber"] .net_0_marks path', 'stroke'),
      latent: style('figure[data-chart="training-scrubber"] .latent_0_marks path', 'stroke'),
      epoch: style('figure[data-chart="training-scrubber"] .reference_1_marks line', 'stroke'),
      ensemble: style('figure[data-chart="ensemble-picker"] .ensmean_marks path', 'stroke'),
      observations: style(gp + '.obs_marks path', 'fill'),
    },
  };
}"""


def _rgba(text: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", text)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)  # type: ignore[return-value]


def _contrast(colour: str, background: str) -> float:
    r, g, b, a = _rgba(colour)
    br, bg, bb, _ = _rgba(background)
    mixed = [a * c + (1 - a) * k for c, k in ((r, br), (g, bg), (b, bb))]

    def luminance(rgb) -> float:
        linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(mixed), luminance((br, bg, bb))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _readable(colours: dict) -> None:
    background = colours["background"]
    assert _rgba(background)[3] == 1.0, background
    for name, colour in colours["text"].items():
        assert colour is not None, name
        assert _contrast(colour, background) >= 4.5, (name, colour, background)
    for name, colour in colours["lines"].items():
        assert colour is not None, name
        assert _contrast(colour, background) >= 3.0, (name, colour, background)


def test_text_axes_and_lines_read_in_both_colour_schemes_and_follow_the_toggle(browser, base_url):
    light = Visit(browser, base_url)
    try:
        assert light.page.get_attribute("body", "data-md-color-scheme") == "default"
        before = light.page.evaluate(COLOURS)
        _readable(before)
        # The toggle cycles through following the system, light and dark: click until dark.
        for _ in range(3):
            if light.page.get_attribute("body", "data-md-color-scheme") == "slate":
                break
            light.page.locator("form[data-md-component=palette] label:visible").click()
            light.page.wait_for_timeout(100)
        light.page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
        after = light.page.evaluate(COLOURS)
        _readable(after)
        for group in ("text", "lines"):
            for name in ("axisLabel", "axisTitle", "legendLabel", "controlLabel", "axisDomain", "epoch"):
                if name in before[group]:
                    assert before[group][name] != after[group][name], name  # the page's colours, live
        SHOTS.mkdir(parents=True, exist_ok=True)
        light.page.screenshot(path=str(SHOTS / "charts-toggled-dark.png"), full_page=True)
        light.assert_clean()
    finally:
        light.close()
    dark = Visit(browser, base_url, scheme="dark")
    try:
        assert dark.page.get_attribute("body", "data-md-color-scheme") == "slate"
        _readable(dark.page.evaluate(COLOURS))
        dark.page.screenshot(path=str(SHOTS / "charts-dark.png"), full_page=True)
        dark.assert_clean()
    finally:
        dark.close()
