"""Build the website and check what a reader gets: pages, figures, numbers, API, failures."""

from __future__ import annotations

import itertools
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gpnn

from .conftest import build

ROOT = Path(__file__).resolve().parents[1]
# page: figures it draws at least
NOTEBOOK_PAGES = {
    "simulating-data": 4,
    "network": 2,
    "training": 2,
    "best-fit": 1,
    "advice": 4,
    "fiddling": 2,
    "backpropagation": 1,
    "established": 1,
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def reference_result() -> gpnn.ExperimentResult:
    # Computed here, directly, not read from the build's store.
    return gpnn.run_experiment(gpnn.ExperimentConfig())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.numbers: dict[str, str] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        if attributes.get("data-key") and attributes.get("data-value"):
            self.numbers[attributes["data-key"]] = attributes["data-value"]
        if attributes.get("id"):
            self.ids.add(attributes["id"])


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def test_every_page_exists(site):
    for page in ["index.html", "api/index.html", *(f"{name}/index.html" for name in NOTEBOOK_PAGES)]:
        assert (site / page).is_file(), page
    for name in NOTEBOOK_PAGES:
        assert (site / name / f"{name}.ipynb").is_file(), f"no .ipynb download for {name}"


def test_notebook_pages_hold_their_figures_and_no_errors(site):
    for name, minimum in NOTEBOOK_PAGES.items():
        page = site / name / "index.html"
        images = [img for img in parse(page).images if (img.get("src") or "").startswith("data:image/svg+xml")]
        assert len(images) >= minimum, f"{name}: {len(images)} figures"
        assert all((img.get("alt") or "").strip() for img in images), f"{name}: a figure has no alt text"
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text and "ename" not in text, name


def test_notebook_pages_are_light(site):
    # Shared styles are served once; a notebook page's own HTML, figures aside, stays small.
    for name in NOTEBOOK_PAGES:
        html = (site / name / "index.html").read_text(encoding="utf-8")
        without_figures = re.sub(r'src="data:image/[^"]+"', 'src=""', html)
        assert len(without_figures.encode()) < 150_000, name
        assert "<style" not in without_figures.split("<article")[1], name


def test_downloaded_notebooks_are_executed(site):
    import nbformat

    for name in NOTEBOOK_PAGES:
        nb = nbformat.read(site / name / f"{name}.ipynb", as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert code and all(cell.execution_count is not None for cell in code), name


def test_numbers_equal_the_library(site, reference_result):
    config = gpnn.ExperimentConfig()
    expected = {
        "final_rmse": reference_result.final_rmse,
        "rmse_to_latent": reference_result.rmse_to_latent,
        "n_epochs": config.n_epochs,
    }
    for page in ("index.html", "training/index.html"):
        numbers = parse(site / page).numbers
        for key, value in expected.items():
            assert float(numbers[key]) == value, (page, key)
    home = parse(site / "index.html").numbers
    assert int(home["n_params"]) == gpnn.count_parameters(gpnn.layer_sizes(1, config.hidden_sizes))
    assert int(home["n"]) == config.x().size
    assert float(parse(site / "network/index.html").numbers["n_params"]) == float(home["n_params"])


def test_beyond_pages_report_what_they_claim(site, reference_result):
    backprop = parse(site / "backpropagation" / "index.html").numbers
    assert float(backprop["max_grad_difference"]) == 0.0  # hand gradients equal autograd's
    assert float(backprop["torch_hand_gap"]) == 0.0
    best = parse(site / "best-fit" / "index.html").numbers
    assert float(best["network_data"]) == pytest.approx(reference_result.final_rmse, rel=1e-12)
    assert float(best["network_latent"]) == reference_result.rmse_to_latent
    assert float(best["gp_latent"]) < float(best["network_latent"])
    assert int(parse(site / "fiddling" / "index.html").numbers["n_seed_runs"]) >= 20
    established = parse(site / "established" / "index.html").numbers
    assert float(established["sgd_max_gap"]) < 1.0


def test_api_page_lists_every_public_name(site):
    ids = parse(site / "api" / "index.html").ids
    missing = [name for name in gpnn.__all__ if not any(i.endswith(f".{name}") for i in ids)]
    assert missing == []
    for name in ("plot_data", "plot_kernel", "plot_loss", "plot_fit", "plot_network", "cached_experiment"):
        assert any(i.endswith(f".{name}") for i in ids), name


def _plain(html: str) -> str:
    import html as html_lib

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_pages_show_the_package_source(site):
    from gpnn.site import source

    text = _plain((site / "training" / "index.html").read_text(encoding="utf-8"))
    for obj in (gpnn.GradientDescent.compute_loss, gpnn.GradientDescent.adjust, gpnn.init_params):
        # The code on the page is the package's current source, rendered at build time.
        assert _plain(source(obj)) in text, obj.__qualname__
    assert _plain(source(gpnn.network._forward)) in _plain((site / "network" / "index.html").read_text())


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", project / "docs")
    (project / "gpnn").symlink_to(ROOT / "gpnn")
    return project


@pytest.mark.parametrize(
    ("page", "source", "message"),
    [
        (
            "broken-page.py",
            "# %% [markdown]\n# # Broken\n\n# %%\nraise RuntimeError('deliberate failure in a page')\n",
            "deliberate failure in a page",
        ),
        (
            "broken-block.md",
            '# Broken\n\n```python exec="on"\nraise ValueError("deliberate failure in a block")\n```\n',
            None,
        ),
    ],
    ids=["notebook cell", "live block"],
)
def test_a_raising_page_fails_the_build_naming_the_page(tmp_path, page, source, message):
    project = _copy_project(tmp_path)
    (project / "docs" / page).write_text(source)
    completed = build(project, tmp_path / "site", env={"GPNN_CACHE_ROOT": str(ROOT / ".cache")})
    assert completed.returncode != 0
    assert page in completed.stderr
    if message is not None:
        assert message in completed.stderr


def _small_project(tmp_path: Path, pages: list[str]) -> Path:
    """A copy of the site with only ``pages`` (and the home page) in it, and a copy of gpnn."""
    import yaml

    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["nav"] = [
        {"Home": "index.md"},
        *({page: f"{page}.ipynb"} for page in pages),
        {"API": "api.md"},
        {"Computation times": "computation-times.md"},
    ]
    (project / "docs" / "api.md").write_text("# API\n\nLeft out of this copy.\n")
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config))
    for name in ["index.md", "_hooks", "javascripts", "stylesheets", *(f"{page}.py" for page in pages)]:
        source = ROOT / "docs" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / "docs" / name)
    shutil.copytree(ROOT / "gpnn", project / "gpnn", ignore=shutil.ignore_patterns("__pycache__"))
    return project


def test_editing_the_package_rebuilds_what_depends_on_it(tmp_path):
    # A private copy of the package, imported first by the build and by its kernels.
    project = _small_project(tmp_path, ["simulating-data", "network", "training"])
    env = {"PYTHONPATH": str(project), "GPNN_CACHE_ROOT": str(tmp_path / "cache")}
    every = "Notebook pages executed this build: network.py, simulating-data.py, training.py"

    first = build(project, tmp_path / "site1", env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert every in first.stderr

    unchanged = build(project, tmp_path / "site2", env)
    assert unchanged.returncode == 0, unchanged.stderr[-3000:]
    assert "Notebook pages executed this build: none" in unchanged.stderr

    # A truncated cache entry is recomputed, never served.
    (cached,) = (tmp_path / "cache" / "notebooks").glob("*/training.ipynb")
    cached.write_bytes(cached.read_bytes()[:1000])
    repaired = build(project, tmp_path / "site2b", env)
    assert repaired.returncode == 0, repaired.stderr[-3000:]
    assert "Notebook pages executed this build: training.py" in repaired.stderr

    def untimed(site_dir: Path) -> str:
        html = (site_dir / "training" / "index.html").read_text()
        return re.sub(r'<span class="gpnn-time">[^<]*</span>', "", html)

    assert untimed(tmp_path / "site2b") == untimed(tmp_path / "site2")

    helpers = project / "gpnn" / "site.py"
    helpers.write_text(helpers.read_text().replace('class="gpnn-number"', 'class="gpnn-number edited"'))
    edited = build(project, tmp_path / "site3", env)
    assert edited.returncode == 0, edited.stderr[-3000:]
    assert every in edited.stderr
    for page in ("index.html", "training/index.html", "network/index.html"):
        assert 'class="gpnn-number edited"' in (tmp_path / "site3" / page).read_text(), page
        assert 'class="gpnn-number edited"' not in (tmp_path / "site2" / page).read_text(), page


def test_executed_pages_end_with_provenance_and_are_timed(site):
    # Like a check that tutorials really ran: every executed page reports a run time.
    pages = {"index.md": "index.html", **{f"{name}.ipynb": f"{name}/index.html" for name in NOTEBOOK_PAGES}}
    for html in pages.values():
        text = (site / html).read_text(encoding="utf-8")
        footer = re.search(r'<div class="gpnn-provenance" data-search-exclude>(.*?)</div>', text, re.DOTALL)
        assert footer, html
        seconds = float(re.search(r"code ran for <span[^>]*>([0-9.]+) s", footer.group(1)).group(1))
        assert seconds > 0, html
        for word in ("gpnn 0.", "commit", "torch", "numpy", "scipy", "matplotlib", "python", "Seeds: data 33"):
            assert word in footer.group(1), (html, word)
    times = (site / "computation-times" / "index.html").read_text(encoding="utf-8")
    for src in pages:
        assert f">{src}</a>" in times, src


def _normalised(site_dir: Path) -> dict[str, bytes]:
    """Every file of a built site, with the build's clock readings blanked out."""
    import json

    out = {}
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("sitemap.xml"):
            continue
        data = path.read_bytes()
        if path.suffix == ".html":
            data = re.sub(rb'<span class="gpnn-time">[^<]*</span>', b"", data)
            data = re.sub(rb'<td class="gpnn-time">[^<]*</td>', b"", data)
            data = data.replace(b"this build", b"cached")
        elif path.suffix == ".ipynb":
            nb = json.loads(data)
            nb["metadata"]["gpnn"].pop("seconds")
            nb["metadata"]["gpnn"].pop("executed_at")
            data = json.dumps(nb, sort_keys=True).encode()
        out[str(path.relative_to(site_dir))] = data
    return out


def test_build_without_cache_equals_the_cached_build(site, tmp_path):
    fresh = tmp_path / "fresh"
    completed = build(ROOT, fresh, env={"GPNN_NO_CACHE": "1", "SOURCE_DATE_EPOCH": "1700000000"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Notebook pages executed this build: advice.py, backpropagation.py" in completed.stderr
    # The build date honours SOURCE_DATE_EPOCH.
    assert (
        'Built <span class="gpnn-time">2023-11-14 22:13 UTC</span>' in (fresh / "training" / "index.html").read_text()
    )
    cached, uncached = _normalised(site), _normalised(fresh)
    assert sorted(cached) == sorted(uncached)
    differing = [name for name in cached if cached[name] != uncached[name]]
    details = []
    for name in differing:
        a, b = cached[name], uncached[name]
        at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        details.append(f"{name} at byte {at}: {a[max(0, at - 200) : at + 200]!r} vs {b[max(0, at - 200) : at + 200]!r}")
    assert differing == [], "\n".join(details)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[int] = []
        self.in_article = 0
        self.images_without_alt = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "article":
            self.in_article += 1
        if self.in_article and re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if self.in_article and tag == "img" and not (attributes.get("alt") or "").strip():
            self.images_without_alt += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article -= 1


def _pages(site: Path) -> dict[Path, _Anchors]:
    out = {}
    for path in sorted(site.rglob("*.html")):
        parser = _Anchors()
        parser.feed(path.read_text(encoding="utf-8"))
        out[path] = parser
    return out


def test_every_internal_link_and_anchor_resolves(site):
    from urllib.parse import unquote, urlparse

    pages = _pages(site)
    broken = []
    checked = 0
    for path, parser in pages.items():
        for href in parser.links:
            url = urlparse(href)
            if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            if url.path.startswith("/"):  # the 404 page links from the site root
                target = (site / unquote(url.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: {href} (no file)")
            elif url.fragment and target.suffix == ".html":
                if unquote(url.fragment) not in pages[target].ids:
                    broken.append(f"{path.relative_to(site)}: {href} (no anchor)")
    assert checked > 100
    assert broken == [], "\n".join(broken)


def test_figures_have_alt_text_and_headings_go_in_order(site):
    for path, parser in _pages(site).items():
        if path.name == "404.html":
            continue
        name = str(path.relative_to(site))
        assert parser.images_without_alt == 0, name
        levels = parser.headings
        assert levels and levels[0] == 1 and levels.count(1) == 1, (name, levels)
        skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        assert skips == [], (name, skips)
