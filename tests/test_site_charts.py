"""The explorable figures' HTML and specs (gpnn.site.charts), without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gpnn
from gpnn.kernels import kernel_matrix
from gpnn.posterior import gp_posterior, log_marginal_likelihood
from gpnn.simulate import JITTER
from gpnn.site import charts

alt = pytest.importorskip("altair")
ROOT = Path(__file__).resolve().parents[1]
SCRIPT = re.compile(r'<script type="application/json" class="gpnn-chart-spec">(.*?)</script>')
IMAGE = re.compile(
    r'<noscript><img class="gpnn-chart-fallback" alt="([^"]*)" src="data:image/svg\+xml;base64,([^"]+)">'
)


def spec_of(figure: str) -> dict:
    return json.loads(SCRIPT.search(figure).group(1))


def small_chart():
    rows = [{"x": i / 3, "y": math.sin(i / 3)} for i in range(20)]
    return alt.Chart(alt.Data(values=rows)).mark_line().encode(x="x:Q", y="y:Q").properties(width="container")


# Small versions of the page's inputs ----------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    x = np.linspace(-30, 30, 60)
    draw = gpnn.sample_gp(x, 2.0, 6.0, 0.5, seed=4)
    return x, draw.y, draw.latent


@pytest.fixture(scope="module")
def explorer(data):
    x, y, _ = data
    return charts.gp_explorer(x, y, truth=(2.0, 6.0, 0.5), fitted=(1.5, 5.0, 0.45))


def scrubber_inputs(x, latent, k=30, n_epochs=300):
    rng = np.random.default_rng(1)
    epochs = np.linspace(n_epochs / k, n_epochs, k).astype(np.int64)
    snapshots = latent[None, :] * (1 - np.exp(-epochs[:, None] / 80)) + rng.normal(0, 0.05, (k, x.size))
    loss = 2 * np.exp(-np.arange(1, n_epochs + 1) / 60) + 0.5
    return epochs, snapshots, loss


def ensemble_inputs(x, y, members=8, points=181):
    grid = np.linspace(-45, 45, points)
    posterior = gp_posterior(x, y, grid, 2.0, 6.0, 0.5)
    rng = np.random.default_rng(2)
    stack = posterior.mean[None, :] + rng.normal(0, 0.3, (members, grid.size)).cumsum(axis=1) * 0.1
    return grid, stack, posterior


# chart() --------------------------------------------------------------------------------------


def test_a_chart_is_one_figure_with_the_spec_as_canonical_json_an_image_and_a_caption():
    figure = charts.chart(small_chart(), "A sine curve.", key="sine", caption=gpnn.site.Markup("The <em>sine</em>."))
    assert isinstance(figure, gpnn.site.HTML) and figure._repr_html_() == str(figure)
    assert figure.startswith('<figure class="gpnn-chart" data-chart="sine" id="fig-sine">')
    assert figure.endswith("</figure>") and "\n" not in figure  # one raw-HTML block in Markdown
    text = SCRIPT.search(figure).group(1)
    spec = json.loads(text)
    assert charts.spec_json(spec) == text  # compact, keys sorted
    assert json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == text
    assert spec["description"] == "A sine curve."
    assert spec["width"] == "container" and spec["config"]["background"] == "transparent"
    assert "continuousWidth" not in spec["config"]["view"]
    alt_text, image = IMAGE.search(figure).groups()
    assert alt_text == "A sine curve."
    svg = base64.b64decode(image).decode()
    assert svg.startswith("<svg") and 'width="6' in svg  # drawn at the static width, not "container"
    assert '<figcaption><span class="gpnn-figure-number"></span>The <em>sine</em>.</figcaption>' in figure


def test_a_chart_escapes_its_caption_and_alt_text_unless_they_are_markup():
    hostile = "<script>alert(1)</script> & Co"
    figure = charts.chart(small_chart(), hostile, key="sine", caption=hostile)
    assert "<script>alert" not in figure
    caption = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"
    assert f'<figcaption><span class="gpnn-figure-number"></span>{caption}</figcaption>' in figure
    assert IMAGE.search(figure).group(1) == caption
    assert spec_of(figure)["description"] == hostile  # text for the aria-label, safe in the JSON
    # Markup is HTML already: inserted as it is, and its text (not its tags) describes the chart.
    marked = charts.chart(
        small_chart(), gpnn.site.Markup("A <em>sine</em> &amp; more"), key="sine", caption=gpnn.site.Markup("<b>B</b>")
    )
    assert "</span><b>B</b></figcaption>" in marked
    assert IMAGE.search(marked).group(1) == "A sine &amp; more"
    assert spec_of(marked)["description"] == "A sine & more"


def test_data_are_rounded_and_what_the_page_computes_with_is_not():
    rows = [{"x": 1 / 3, "y": [2 / 3, 123456.789, -0.000123456], "n": 7, "s": "a", "b": True, "z": float("nan")}]
    spec = {
        "$schema": alt.SCHEMA_URL,
        "data": {"values": rows},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
        "usermeta": {"gpnn": {"x": [1 / 3]}},
    }
    shipped = spec_of(charts.chart(spec, "Points.", key="points"))
    assert shipped["data"]["values"] == [
        {"x": 0.3333, "y": [0.6667, 123500, -0.0001235], "n": 7, "s": "a", "b": True, "z": None}
    ]
    assert shipped["usermeta"]["gpnn"]["x"] == [1 / 3]
    layered = alt.layer(small_chart()).properties(datasets={"d": [{"v": np.float64(2 / 3)}]})
    assert spec_of(charts.chart(layered, "Layers.", key="layers", digits=2))["datasets"]["d"] == [{"v": 0.67}]
    assert [charts.significant(v) for v in (0.0, -0.0, 2.0, 1e20, math.inf, 12345.6)] == [0, 0, 2, 1e20, None, 12350]
    assert charts.exact(np.array([0.1, 1 / 3])) == [0.1, 1 / 3]


def test_specs_are_validated_and_never_point_to_another_host():
    spec = {"$schema": alt.SCHEMA_URL, "data": {"values": [{"a": 1}]}, "mark": "point"}
    assert spec_of(charts.chart({**spec, "encoding": {"x": {"field": "a", "type": "quantitative"}}}, "P.", key="p"))
    with pytest.raises(ValueError, match=r"not valid Vega-Lite 6\.4.*colr"):
        charts.chart({**spec, "encoding": {"colr": {"field": "a", "type": "nominal"}}}, "P.", key="p")
    with pytest.raises(ValueError, match="another host"):
        charts.chart({**spec, "data": {"url": "https://cdn.example.org/data.json"}}, "P.", key="p")
    without = {k: v for k, v in spec.items() if k != "$schema"} | {"encoding": {}}
    assert spec_of(charts.chart(without, "P.", key="p"))["$schema"] == alt.SCHEMA_URL
    with pytest.raises(TypeError, match="Altair chart or a dict"):
        charts.chart("not a chart", "P.", key="p")


@pytest.mark.parametrize(
    ("alt_text", "key", "message"),
    [("", "a", "'alt'"), ("   ", "a", "'alt'"), ("A.", "Bad Key", "'key'"), ("A.", "a--b", "'key'")],
)
def test_a_chart_needs_a_description_and_a_well_formed_key(alt_text, key, message):
    with pytest.raises(ValueError, match=message):
        charts.chart(small_chart(), alt_text, key=key)


def test_a_matplotlib_figure_can_stand_in_for_the_chart_without_javascript():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    figure = charts.chart(small_chart(), "A line.", key="line", fallback=fig)
    svg = base64.b64decode(IMAGE.search(figure).group(2)).decode()
    assert "Matplotlib" in svg or "matplotlib" in svg
    assert not plt.fignum_exists(fig.number)  # closed, like gpnn.site.figure closes it


def test_the_three_figures_hold_no_address_of_another_host(explorer, data):
    x, y, latent = data
    epochs, snapshots, loss = scrubber_inputs(x, latent)
    grid, stack, posterior = ensemble_inputs(x, y)
    figures = [
        explorer,
        charts.training_scrubber(x, y, latent, epochs, snapshots, loss),
        charts.ensemble_picker(grid, stack, gp_mean=posterior.mean, gp_sd=posterior.sd, observed_x=x, observed_y=y),
    ]
    for figure in figures:
        text = figure + base64.b64decode(IMAGE.search(figure).group(2)).decode()
        assert not re.search(r"cdn|jsdelivr|unpkg|googleapis", text, re.IGNORECASE)
        addresses = set(re.findall(r"https?://[^\s\"'<>)]+", figure))
        assert addresses <= {alt.SCHEMA_URL}, addresses  # parsed by vega-embed, never requested
    for script in ("charts.js", "gp-explorer.js"):
        assert not re.search(r"https?://", (ROOT / "docs" / "javascripts" / script).read_text())


def test_same_inputs_give_the_same_bytes_in_another_process(explorer, data):
    x, y, _ = data
    assert charts.gp_explorer(x, y, truth=(2.0, 6.0, 0.5), fitted=(1.5, 5.0, 0.45)) == explorer
    code = (
        "import hashlib, numpy as np, gpnn\n"
        "from gpnn.site import charts\n"
        "x = np.linspace(-30, 30, 60)\n"
        "y = gpnn.sample_gp(x, 2.0, 6.0, 0.5, seed=4).y\n"
        "html = charts.gp_explorer(x, y, truth=(2.0, 6.0, 0.5), fitted=(1.5, 5.0, 0.45))\n"
        "print(hashlib.sha256(html.encode()).hexdigest())\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert other.stdout.strip() == hashlib.sha256(explorer.encode()).hexdigest()


# The GP explorer ------------------------------------------------------------------------------


def test_the_gp_explorer_ships_the_data_and_the_draws_of_sample_gp_in_full(explorer, data):
    x, y, _ = data
    spec = spec_of(explorer)
    gp = spec["usermeta"]["gpnn"]["gp"]
    assert gp["x"] == x.tolist() and gp["y"] == y.tolist()
    assert gp["seeds"] == [0, 1, 2] and gp["jitter"] == JITTER
    for seed in (0, 1, 2):
        z = np.array(gp["z"][str(seed)])
        assert z.tolist() == np.random.RandomState(seed).normal(size=x.size).tolist()
        # These z are the ones sample_gp draws its latent function from: f = L z.
        L = np.linalg.cholesky(kernel_matrix(x, 2.0, 6.0, jitter=JITTER))
        np.testing.assert_array_equal(gpnn.sample_gp(x, 2.0, 6.0, 0.0, seed=seed).latent, L @ z)
    assert gp["lml"] == {
        "truth": log_marginal_likelihood(x, y, 2.0, 6.0, 0.5),
        "fitted": log_marginal_likelihood(x, y, 1.5, 5.0, 0.45),
    }


def test_the_gp_explorer_starts_at_the_estimate_with_the_packages_posterior(explorer, data):
    x, y, _ = data
    spec = spec_of(explorer)
    assert {p["name"]: p["value"] for p in spec["params"]} == {"eta": 1.5, "rho": 5.0, "sigma": 0.45, "prior": False}
    post = spec["datasets"]["post"]
    expected = gp_posterior(x, y, x, 1.5, 5.0, 0.45)
    assert [row["m"] for row in post] == [charts.significant(v) for v in expected.mean]
    assert [row["hi"] for row in post] == [
        charts.significant(m + 1.959963984540054 * s) for m, s in zip(expected.mean, expected.sd, strict=True)
    ]
    assert spec["datasets"]["prior"] == []
    assert [row["y"] for row in spec["datasets"]["obs"]] == [charts.significant(v) for v in y]


def test_the_gp_explorers_sliders_mark_both_settings_and_reach_them(explorer):
    meta = spec_of(explorer)["usermeta"]["gpnn"]
    assert meta["controller"] == "gp-explorer"
    sliders = {c["param"]: c for c in meta["controls"] if c.get("type") != "checkbox"}
    assert list(sliders) == ["eta", "rho", "sigma"]
    truth, fitted = dict(eta=2.0, rho=6.0, sigma=0.5), dict(eta=1.5, rho=5.0, sigma=0.45)
    for name, slider in sliders.items():
        assert 0 < slider["min"] < min(truth[name], fitted[name]) and max(truth[name], fitted[name]) < slider["max"]
        assert slider["step"] <= slider["min"] and (slider["max"] - slider["min"]) / slider["step"] <= 1000
        assert slider["marks"] == [
            {"value": truth[name], "label": "true"},
            {"value": fitted[name], "label": "estimate"},
        ]
        assert slider["label"]
    assert [p["values"] for p in meta["presets"]] == [truth, fitted]
    assert meta["presets"][0]["label"].startswith("True values") and "η 2" in meta["presets"][0]["label"]
    assert next(c for c in meta["controls"] if c.get("type") == "checkbox")["param"] == "prior"


def test_the_gp_explorer_checks_its_arguments(data):
    x, y, _ = data
    with pytest.raises(ValueError, match="'truth'"):
        charts.gp_explorer(x, y, truth=(2.0, 6.0), fitted=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="fitted"):
        charts.gp_explorer(x, y, truth=(2.0, 6.0, 0.5), fitted=(1.0, -1.0, 1.0))
    with pytest.raises(ValueError, match="same length"):
        charts.gp_explorer(x, y[:-1], truth=(2.0, 6.0, 0.5), fitted=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="range of 'rho'"):
        charts.gp_explorer(x, y, truth=(2.0, 6.0, 0.5), fitted=(1.0, 1.0, 1.0), ranges={"rho": (5.0, 1.0, 0.1)})
    plain = spec_of(charts.gp_explorer(x, y, truth=(2, 6, 0.5), fitted=(1, 1, 1), prior_seeds=()))
    assert [c["param"] for c in plain["usermeta"]["gpnn"]["controls"]] == ["eta", "rho", "sigma"]
    spec = spec_of(charts.gp_explorer(x, y, truth=(2, 6, 0.5), fitted=(1, 1, 1), ranges={"rho": (0.5, 30, 0.5)}))
    assert spec["usermeta"]["gpnn"]["controls"][1] | {"marks": None} == {
        "param": "rho",
        "label": "ρ, length scale",
        "min": 0.5,
        "max": 30,
        "step": 0.5,
        "marks": None,
    }


# The training scrubber ------------------------------------------------------------------------


def test_the_scrubber_ships_every_snapshot_and_the_loss_at_every_snapshot_epoch(data):
    x, y, latent = data
    epochs, snapshots, loss = scrubber_inputs(x, latent, k=30, n_epochs=3000)
    spec = spec_of(charts.training_scrubber(x, y, latent, epochs, snapshots, loss, loss_points=100))
    fit = spec["datasets"]["fit"]
    assert [row["x"] for row in fit] == [charts.significant(v) for v in x]
    for i in (0, 17, 29):
        assert [row["p"][i] for row in fit] == [charts.significant(v) for v in snapshots[i]]
    drawn = {row["e"]: row["l"] for row in spec["datasets"]["loss"]}
    assert 100 <= len(drawn) <= 130 and min(drawn) == 1 and max(drawn) == 3000
    for e in epochs:
        assert drawn[int(e)] == charts.significant(loss[e - 1])  # the marker sits on the curve
    assert spec["datasets"]["snaps"] == [
        {"i": i, "e": int(e), "l": charts.significant(loss[e - 1])} for i, e in enumerate(epochs)
    ]
    meta = spec["usermeta"]["gpnn"]
    assert meta["controls"] == [
        {"param": "snap", "label": "Epoch", "min": 0, "max": 29, "step": 1, "values": epochs.tolist()}
    ]
    shown = np.array([[row["p"][i] for row in fit] for i in range(30)])
    shown_latent = np.array([row["f"] for row in fit])
    assert meta["readouts"][1]["values"] == [
        charts.significant(v) for v in np.sqrt(np.mean((shown - shown_latent) ** 2, axis=1))
    ]
    assert {p["name"]: p["value"] for p in spec["params"]} == {"snap": 29}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"snapshot_epochs": np.array([5, 5])}, "increase"),
        ({"snapshot_epochs": np.array([0, 10])}, "increase"),
        ({"snapshot_epochs": np.array([10.0, 20.0])}, "array of int"),
        ({"snapshots": np.zeros((2, 3))}, "shape"),
        ({"loss_history": np.zeros((2, 2))}, "1-D"),
        ({"loss_history": np.zeros(30)}, "positive finite"),
    ],
)
def test_the_scrubber_checks_its_arguments(data, change, message):
    x, y, latent = data
    arguments = {"snapshot_epochs": np.array([10, 20]), "snapshots": np.zeros((2, x.size)), "loss_history": np.ones(30)}
    arguments |= change
    with pytest.raises(ValueError, match=message):
        charts.training_scrubber(x, y, latent, **arguments)


# The ensemble picker --------------------------------------------------------------------------


def test_the_ensemble_picker_ships_every_member_and_the_gp(data):
    x, y, latent = data
    grid, stack, posterior = ensemble_inputs(x, y)
    spec = spec_of(
        charts.ensemble_picker(
            grid, stack, gp_mean=posterior.mean, gp_sd=posterior.sd, observed_x=x, observed_y=y, latent=latent
        )
    )
    rows = spec["datasets"]["grid"]
    assert [row["v"] for row in rows] == [[charts.significant(v) for v in column] for column in stack.T]
    assert [row["g"] for row in rows] == [charts.significant(v) for v in posterior.mean]
    assert {p["name"]: p["value"] for p in spec["params"]} == {"k": 8, "members": False}
    assert spec["usermeta"]["gpnn"]["controls"][0] == {
        "param": "k",
        "label": "Members averaged",
        "min": 1,
        "max": 8,
        "step": 1,
    }
    obs = spec["datasets"]["obs"]
    assert [row["f"] for row in obs] == [charts.significant(v) for v in latent]
    names = [layer.get("name") for layer in spec["layer"]]
    assert names == ["gpband", "ensband", "members", "gpmean", "obs", "latent", "ensmean"]


def test_the_latent_line_breaks_at_gaps_and_is_optional(data):
    x, y, latent = data
    keep = (x < -5) | (x > 5)
    grid, stack, posterior = ensemble_inputs(x, y, members=3, points=41)
    kwargs = dict(gp_mean=posterior.mean, gp_sd=posterior.sd, observed_x=x[keep], observed_y=y[keep])
    spec = spec_of(charts.ensemble_picker(grid, stack, latent=latent[keep], **kwargs))
    assert sorted({row["c"] for row in spec["datasets"]["obs"]}) == [0, 1]
    plain = spec_of(charts.ensemble_picker(grid, stack, **kwargs))
    assert "latent" not in [layer.get("name") for layer in plain["layer"]]
    with pytest.raises(ValueError, match="members"):
        charts.ensemble_picker(grid, stack[:, :-1], **kwargs)
    with pytest.raises(ValueError, match="distinct"):
        charts.ensemble_picker(np.linspace(1000, 1000.01, 41), stack, **kwargs)


# Sizes, versions, colours ---------------------------------------------------------------------


def embedded(figure: str) -> tuple[int, int]:
    """Bytes of the figure in the page (its image moves to a file when the site is built) and of its spec."""
    in_page = IMAGE.sub("", figure)
    return len(in_page.encode()), len(SCRIPT.search(figure).group(1).encode())


def test_figures_at_the_reference_sizes_stay_light(capsys):
    config = gpnn.ExperimentConfig()
    x = config.x()
    draw = gpnn.sample_gp(x, config.eta, config.rho, config.sigma, seed=config.data_seed)
    explorer = charts.gp_explorer(x, draw.y, truth=(3.0, 10.0, 0.7), fitted=(2.8, 9.5, 0.68))
    rng = np.random.default_rng(0)
    epochs = np.arange(200, 8001, 200)  # 40 snapshots
    snapshots = draw.latent + rng.normal(0, 0.3, (epochs.size, x.size))
    loss = 3 * np.exp(-np.arange(1, 8001) / 900) + 0.6
    scrubber = charts.training_scrubber(x, draw.y, draw.latent, epochs, snapshots, loss)
    grid = np.linspace(-80, 80, 321)
    posterior = gp_posterior(x, draw.y, grid, 3.0, 10.0, 0.7)
    members = posterior.mean + rng.normal(0, 0.5, (10, grid.size))
    picker = charts.ensemble_picker(
        grid, members, gp_mean=posterior.mean, gp_sd=posterior.sd, observed_x=x, observed_y=draw.y
    )
    sizes = {name: embedded(f) for name, f in (("gp", explorer), ("scrubber", scrubber), ("ensemble", picker))}
    with capsys.disabled():
        print("\nembedded bytes (figure in page, spec):", sizes)
    assert all(page < 150_000 for page, _ in sizes.values())
    assert sum(page for page, _ in sizes.values()) < 300_000


def test_the_bundle_is_the_vega_lite_version_the_specs_are_written_for():
    from gpnn.site.plugin import assets

    assert assets.VEGA_LITE_VERSION == charts.VEGA_LITE_VERSION
    assert alt.SCHEMA_VERSION.startswith(f"v{charts.VEGA_LITE_VERSION}.")
