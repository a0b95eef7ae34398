"""The site plugin's parts that can be tested without a build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from gpnn.site.plugin import api, config, keys, live, search
from gpnn.site.plugin.execution import notebook_code, page_context
from gpnn.site.plugin.service import JobService
from gpnn.site.plugin.state import BuildState

from .conftest import ROOT

PACKAGE = ROOT / "gpnn"


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the package to edit."""
    copy = tmp_path / "gpnn"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_modules_are_followed_through_imports_and_re_exports():
    table = keys.homes(PACKAGE)
    assert table["gpnn.rmse"] == "gpnn.loss.rmse"
    assert table["gpnn.site.prose"] == "gpnn.site.html.prose"
    code = "import gpnn\nfrom gpnn.site import prose\nx = gpnn.posterior.gp_posterior\ny = gpnn.rmse\n"
    assert keys.imported_modules(code, PACKAGE) == {
        "gpnn",
        "gpnn.posterior",
        "gpnn.loss",
        "gpnn.site",
        "gpnn.site.html",
    }
    closure = keys.module_closure({"gpnn.site.claims"}, PACKAGE)
    assert {"gpnn", "gpnn.site", "gpnn.site.html", "gpnn._validation"} <= set(closure)
    assert "gpnn.posterior" not in closure
    # The closure of the training code is what the result store keys runs on.
    from gpnn.site import store

    assert keys.module_closure({"gpnn.sweep"}, PACKAGE) == store.computation_modules()


def test_a_page_key_ignores_docstrings_and_comments_and_follows_code_transitively(package):
    page = "from gpnn.site.runs import experiment\n"
    other = "print(1)\n"
    before = page_context(page, package), page_context(other, package)
    network = package / "network.py"
    source = network.read_text()
    network.write_text(source.replace('"""', '"""Edited. ', 1) + "\n# a comment\n")
    assert (page_context(page, package), page_context(other, package)) == before
    # network.py is imported by gpnn.experiment, which gpnn.site.runs imports: only that page changes.
    network.write_text(source + "\nEDITED = 1\n")
    assert page_context(page, package) != before[0]
    assert page_context(other, package) == before[1]


def test_relative_imports_are_followed(package):
    (package / "site" / "extra.py").write_text("from .html import prose\n")
    assert "gpnn.site.html" in keys.module_closure({"gpnn.site.extra"}, package)


def test_notebook_code_keeps_code_cells_only():
    text = "# %% [markdown]\n# # Title\n\n# %%\nx = 1\n\n# %% tags=['fold']\ny = 2\n"
    code = notebook_code(text)
    assert "x = 1" in code and "y = 2" in code and "Title" not in code


@pytest.fixture
def service(tmp_path):
    jobs = JobService(workers=1)
    jobs.begin(tmp_path / "experiments")
    yield jobs
    jobs.close()


def _live_pages(tmp_path, service):
    state = BuildState(cache=tmp_path / "cache")
    return state, live.LivePages(state, service)


def test_live_blocks_are_replaced_by_their_output_and_replayed(tmp_path, service):
    state, pages = _live_pages(tmp_path, service)
    markdown = (
        '# Home\n\n```python exec="on" session="s"\nx = 41\nprint(\'**bold**\')\n```\n\n'
        '```python exec="on" session="s" html="1"\nprint(f\'<b>{x + 1}</b>\')\n```\n\nEnd.\n'
    )
    out = pages.on_page_markdown(markdown, "index.md")
    assert "**bold**" in out and "exec=" not in out and "\n<b>42</b>\n" in out
    assert state.runs["index.md"].now
    # The second time it is replayed from the cache, running nothing.
    state.runs.clear()
    assert pages.on_page_markdown(markdown, "index.md") == out and not state.runs["index.md"].now
    assert not pages.stale(markdown)


def test_a_raising_live_block_names_the_page(tmp_path, service):
    _, pages = _live_pages(tmp_path, service)
    with pytest.raises(PluginError, match=r"(?s)page 'index\.md'.*block 1.*ValueError: deliberate"):
        pages.on_page_markdown('```python exec="on"\nraise ValueError("deliberate")\n```\n', "index.md")
    assert not list((tmp_path / "cache").rglob("*.json"))  # a failed page is not cached as if it had worked


def test_api_pages_one_per_module_science_first():
    modules = api.public_modules(PACKAGE)
    names = [module.name for module in modules]
    assert "gpnn.kernels" in names and "gpnn.site.html" in names and "gpnn._validation" not in names
    sections = [module.section for module in modules]
    assert sections == sorted(sections, key=lambda s: s != "The science")
    pages = api.ApiPages(PACKAGE, [])
    assert pages.url_of("gpnn.site.html.figure") == "api/site/html/#gpnn.site.html.figure"
    assert pages.url_of("gpnn.loss.rmse") == "api/loss/#gpnn.loss.rmse"
    assert pages.is_api_page("api/loss.md") and not pages.is_api_page("api.md")


def test_search_index_trims_and_lowers_the_api_entries(tmp_path):
    (tmp_path / "search").mkdir()
    function = {
        "location": "api/kernels/#gpnn.kernels.kernel_matrix",
        "title": "kernel_matrix",
        "text": "<p>Used in: Home.</p> <pre><code>kernel_matrix(\n    x: ArrayLike, eta: float\n) -&gt; NDArray\n"
        "</code></pre> <p>Covariance matrix of the latent function.</p> <p>Parameters:</p> Name Type "
        "<code>x</code> <p>Locations.</p> required",
    }
    attribute = {
        "location": "api/plots/#gpnn.plots.ENSEMBLE_COLOR",
        "title": "ENSEMBLE_COLOR  <code>module-attribute</code>",
        "text": "<pre><code>ENSEMBLE_COLOR = '#b279a2'\n</code></pre> <p>An ensemble of networks.</p>",
    }
    topic = {
        "location": "uncertainty/",
        "title": "What the network does not know",
        "text": "<pre><code>import gpnn\n</code></pre> Show the plotting code fold <pre><code>fig, ax = plt.subplots()"
        "\n</code></pre> Figure 1. The ensemble. <p>Inside the data the bands agree.</p>",
    }
    overview = {"location": "api/#the-science", "title": "The science", "text": "module what it holds"}
    index = {"config": {}, "docs": [function, attribute, topic, overview]}
    (tmp_path / "search" / "search_index.json").write_text(json.dumps(index))

    class Config:
        site_dir = str(tmp_path)

    search.SearchIndex().on_post_build(Config())  # type: ignore[arg-type]
    docs = json.loads((tmp_path / "search" / "search_index.json").read_text())["docs"]
    function, attribute, topic, overview = docs
    assert function["text"] == "<p>Covariance matrix of the latent function.</p>"  # no signature, use, table
    assert attribute == {**attribute, "title": "ENSEMBLE_COLOR", "text": "<p>An ensemble of networks.</p>"}
    assert function["boost"] == attribute["boost"] == search.API_BOOST < 1
    assert topic["text"] == "Figure 1. The ensemble. <p>Inside the data the bands agree.</p>" and "boost" not in topic
    assert overview == {"location": "api/#the-science", "title": "The science", "text": "module what it holds"}


def test_search_weight_keeps_api_scores_above_lunrs_rounding():
    # Material weighs a title 1000 times a text; lunr rounds each term's score to three decimals.
    title, text = 1000 * search.API_BOOST, 1 * search.API_BOOST
    assert 2 * title > 5 * 1 and round(text, 3) > 0  # a name's own entry (a section) beats one mention in a page


def test_environment_overrides_the_settings(monkeypatch, tmp_path):
    settings = config.GpnnConfig()
    settings.load_dict({"cache_dir": "elsewhere", "no_cache": False, "workers": 3})
    assert not settings.validate()[0]
    monkeypatch.delenv("GPNN_CACHE_ROOT", raising=False)
    monkeypatch.delenv("GPNN_NO_CACHE", raising=False)
    monkeypatch.delenv("GPNN_WORKERS", raising=False)
    assert config.cache_root(settings, str(tmp_path / "mkdocs.yml")) == tmp_path / "elsewhere"
    assert not config.no_cache(settings) and config.workers(settings) == 3
    monkeypatch.setenv("GPNN_CACHE_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("GPNN_NO_CACHE", "1")
    monkeypatch.setenv("GPNN_WORKERS", "2")
    assert config.cache_root(settings, "mkdocs.yml") == tmp_path / "root"
    assert config.no_cache(settings) and config.workers(settings) == 2
    monkeypatch.setenv("GPNN_WORKERS", "many")
    with pytest.raises(ValueError, match="GPNN_WORKERS = 'many'"):
        config.workers(settings)


def test_a_folded_cell_is_folded_once_even_when_its_div_is_nested():
    from gpnn.site.plugin.assets import fold

    cell = (
        '<div class="jp-Cell jp-CodeCell celltag_fold">\n<div class="jp-Cell jp-CodeCell celltag_fold" id="c">\n'
        '<div class="jp-Cell-inputWrapper">code</div>\n<div class="jp-Cell-outputWrapper">figure</div></div></div>'
    )
    folded = fold(cell + cell.replace('id="c"', 'id="d"'))
    assert folded.count("<details") == 2 and folded.count(">code<") == 2 and folded.count(">figure<") == 2


def test_the_budget_pays_once_per_run_and_for_extra_epochs_only():
    from gpnn.site.plugin import budget

    def run(key, cost, family="f", continuable=True, epochs=100):
        return {"key": key, "cost": cost, "family": family, "continuable": continuable, "epochs": epochs}

    pages = {
        "a.py": [run("short", 1.0), run("other", 0.5, family="g")],
        "b.py": [run("short", 1.0), run("long", 2.0, epochs=200), run("adam", 3.0, family="h", continuable=False)],
    }
    # short is a prefix of long: 2.0 for both; other 0.5; adam 3.0.
    assert budget.total_cost(r for records in pages.values() for r in records) == pytest.approx(5.5)
    rows = {row["page"]: row for row in budget.table(pages)}
    assert rows["a.py"] == {"page": "a.py", "runs": 2, "epochs": 200, "cost": 1.5}
    assert rows["b.py"]["cost"] == pytest.approx(5.0) and rows["b.py"]["runs"] == 3
    assert budget.over_budget(pages, 5.5) is None
    message = budget.over_budget(pages, 5.0)
    assert "needs 5.5 deep-run equivalents, over its budget of 5" in message
    assert message.index("b.py 5.0") < message.index("a.py 1.5")
