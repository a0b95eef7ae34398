"""The site's build on a small project: what it executes, what it caches, how it fails.

A copy of the real ``mkdocs.yml`` (and so the site's plugin) with two tiny notebook pages and a
Markdown page with live code, so each build takes seconds while exercising everything the full
site uses: the executed-notebook cache keyed on the code each page uses, prose merged at render,
the job service for training runs, the live-code replay, provenance and the generated pages.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("builds")]

PAGE_A = """# %% [markdown]
# # Page A
#
# Opening prose of page A.

# %%
import gpnn
from gpnn.site import number, prose
from gpnn.site.runs import experiments

runs = experiments([gpnn.ExperimentConfig(n_epochs=30, hidden_sizes=(4,), init_seed=seed) for seed in range(3)])
prose(f"The first run ends at {number(runs[0].final_rmse, '.6f', key='a_final')}.")

# %% [markdown]
# Closing prose of page A.

# %%
import matplotlib.pyplot as plt

from gpnn import plots
from gpnn.site import figure

fig, ax = plt.subplots()
ax.plot([run.final_rmse for run in runs], color=plots.NETWORK_COLOR)
figure(fig, alt=f"A line through {len(runs)} points.")
"""

PAGE_B = """# %% [markdown]
# # Page B

# %%
first = 1
print("first cell")

# %%
second = 2
print("second cell")
"""

HOME = """# Home

Prose of the home page.

```python exec="on" session="home"
import gpnn
from gpnn.site import number, prose

print(prose(f"Epochs by default: {number(gpnn.ExperimentConfig().n_epochs, 'd', key='home_epochs')}."))
```
"""


BELOW_THE_NOISE = "below even the root mean square of the noise actually drawn"
API = "# API\n\nThe package's modules.\n"


def make_project(folder: Path, pages: dict[str, str], home: str = HOME, package: bool = False, api: str = API) -> Path:
    """A small site: the real configuration, the given notebook pages, and a home page.

    With ``package``, the project holds its own copy of ``gpnn``, which the build, its kernels
    and its workers import first (``PYTHONPATH``).
    """
    project = folder / "project"
    docs = project / "docs"
    docs.mkdir(parents=True)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!ENV", ""))
    config["nav"] = [
        {"Home": "index.md"},
        *({name: f"{name}.ipynb"} for name in pages),
        {"API": "api.md"},
        {"References": "references.md"},
        {"Computation times": "computation-times.md"},
        {"Claims": "claims.md"},
    ]
    for key in ("site_url", "edit_uri"):  # !ENV values, read by MkDocs only
        config.pop(key, None)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "gpnn" in plugin:
            plugin["gpnn"]["api_modules"] = ["gpnn.loss"]  # one API page: the builds stay quick
    if not package:
        config.pop("watch", None)
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config))
    for name in ("javascripts", "stylesheets"):
        shutil.copytree(ROOT / "docs" / name, docs / name, ignore=shutil.ignore_patterns("__pycache__"))
    (docs / "api.md").write_text(api)
    shutil.copy(ROOT / "docs" / "references.yml", docs / "references.yml")
    (docs / "index.md").write_text(home)
    for name, source in pages.items():
        (docs / f"{name}.py").write_text(source)
    if package:
        shutil.copytree(ROOT / "gpnn", project / "gpnn", ignore=shutil.ignore_patterns("__pycache__"))
    return project


def executed(completed) -> str:
    match = re.search(r"Notebook pages executed this build: (.*)", completed.stderr)
    assert match, completed.stderr[-3000:]
    return match.group(1).strip()


def computed_runs(completed) -> int | None:
    match = re.search(r"Training runs: (\d+) computed", completed.stderr)
    return int(match.group(1)) if match else None


def text(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def home_status(site: Path) -> str:
    times = (site / "computation-times" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<a href="../">index.md</a>.*?</tr>', times, re.DOTALL)
    assert row, times
    return "cached" if ">cached<" in row.group(0) else "this build"


def ok(completed):
    assert completed.returncode == 0, completed.stderr[-5000:]
    return completed


def test_prose_edits_execute_nothing_and_code_edits_only_their_page(tmp_path):
    project = make_project(tmp_path, {"a": PAGE_A, "b": PAGE_B}, package=True)
    env = {"PYTHONPATH": str(project), "GPNN_CACHE_ROOT": str(tmp_path / "cache")}
    docs = project / "docs"

    first = ok(build(project, tmp_path / "site1", env))
    assert executed(first) == "a.py, b.py" and computed_runs(first) == 3
    assert home_status(tmp_path / "site1") == "this build"
    value = re.search(r'data-key="a_final" data-value="([^"]+)"', text(tmp_path / "site1", "a")).group(1)

    # Nothing changed: nothing runs, the live code of the home page included.
    second = ok(build(project, tmp_path / "site2", env))
    assert executed(second) == "none" and computed_runs(second) is None
    assert home_status(tmp_path / "site2") == "cached"
    assert "Epochs by default" in text(tmp_path / "site2", "")

    # A prose edit of A and a reordering of B's code cells: only B runs; A shows its new prose.
    (docs / "a.py").write_text(PAGE_A.replace("Closing prose of page A.", "Edited closing prose."))
    cells = PAGE_B.split("\n# %%\n")
    (docs / "b.py").write_text("\n# %%\n".join([cells[0], cells[2], cells[1]]))
    third = ok(build(project, tmp_path / "site3", env))
    assert executed(third) == "b.py"
    page_a = text(tmp_path / "site3", "a")
    assert "Edited closing prose." in page_a and "Closing prose of page A." not in page_a
    assert f'data-value="{value}"' in page_a
    page_b = text(tmp_path / "site3", "b")
    assert page_b.index("second cell") < page_b.index("first cell")

    # A code edit of A runs A, its training runs come back from the store; damaged cache
    # entries of B are recomputed, never served.
    (docs / "a.py").write_text(PAGE_A.replace("ax.plot(", "ax.plot([0.0] + "))
    for cached in [*(tmp_path / "cache" / "notebooks").glob("*/b.ipynb"), tmp_path / "cache" / "render" / "b.ipynb"]:
        cached.write_bytes(cached.read_bytes()[:500])
    fourth = ok(build(project, tmp_path / "site4", env))
    assert executed(fourth) == "a.py, b.py" and computed_runs(fourth) == 0
    assert "second cell" in text(tmp_path / "site4", "b")

    # A docstring or a comment edit anywhere in the package executes nothing.
    network = project / "gpnn" / "network.py"
    original = network.read_text()
    network.write_text(original.replace('"""', '"""Edited. ', 1) + "\n# An edited comment.\n")
    fifth = ok(build(project, tmp_path / "site5", env))
    assert executed(fifth) == "none" and computed_runs(fifth) is None
    assert home_status(tmp_path / "site5") == "cached"

    # Editing a page helper's code executes the pages that import it (A and the home page, not B),
    # and no training run; editing what the training code does invalidates the runs too.
    helpers = project / "gpnn" / "site" / "html.py"
    helpers.write_text(helpers.read_text().replace('class="gpnn-number"', 'class="gpnn-number edited"'))
    sixth = ok(build(project, tmp_path / "site6", env))
    assert executed(sixth) == "a.py" and computed_runs(sixth) == 0
    assert home_status(tmp_path / "site6") == "this build"
    for page in ("", "a"):
        assert 'class="gpnn-number edited"' in text(tmp_path / "site6", page), page
    trainer = project / "gpnn" / "training.py"
    trainer.write_text(trainer.read_text().replace("W -= W.grad * self.lr", "W -= self.lr * W.grad"))
    seventh = ok(build(project, tmp_path / "site7", env))
    assert executed(seventh) == "a.py" and computed_runs(seventh) == 3


def _normalised(site_dir: Path) -> dict[str, bytes]:
    """Every file of a built site, with the build's clock readings blanked out."""
    out = {}
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("sitemap.xml"):
            continue
        data = path.read_bytes()
        if path.suffix == ".html":
            data = re.sub(rb'<span class="gpnn-time">[^<]*</span>', b"", data)
            data = re.sub(rb'<td class="gpnn-time">[^<]*</td>', b"", data)
            data = re.sub(rb'<p class="gpnn-training">.*?</p>', b"", data, flags=re.DOTALL)
            data = data.replace(b"this build", b"cached")
        elif path.suffix == ".ipynb":
            nb = json.loads(data)
            nb["metadata"]["gpnn"].pop("seconds")
            nb["metadata"]["gpnn"].pop("executed_at")
            data = json.dumps(nb, sort_keys=True).encode()
        out[str(path.relative_to(site_dir))] = data
    return out


def test_a_build_without_cache_equals_the_cached_builds(tmp_path):
    project = make_project(tmp_path, {"a": PAGE_A, "b": PAGE_B})
    cache = {"GPNN_CACHE_ROOT": str(tmp_path / "cache")}
    ok(build(project, tmp_path / "cold", cache))
    ok(build(project, tmp_path / "warm", cache))
    fresh = ok(build(project, tmp_path / "fresh", {"GPNN_NO_CACHE": "1", "SOURCE_DATE_EPOCH": "1700000000"}))
    assert executed(fresh) == "a.py, b.py"
    assert 'Built <span class="gpnn-time">2023-11-14 22:13 UTC</span>' in text(tmp_path / "fresh", "a")
    cold, warm, uncached = (_normalised(tmp_path / name) for name in ("cold", "warm", "fresh"))
    assert 'id="gpnn.loss.rmse"' in warm["api/loss/index.html"].decode()
    assert sorted(cold) == sorted(warm) == sorted(uncached)
    for other in (warm, uncached):
        differing = [name for name in cold if cold[name] != other[name]]
        details = []
        for name in differing:
            a, b = cold[name], other[name]
            at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            context = f"{a[max(0, at - 150) : at + 150]!r} vs {b[max(0, at - 150) : at + 150]!r}"
            details.append(f"{name} at byte {at}: {context}")
        assert differing == [], "\n".join(details)
    # Nothing of the uncached build is kept.
    assert not any(Path(p).name.startswith("gpnn-build-") for p in map(str, tmp_path.iterdir()))


@pytest.mark.parametrize(
    ("page", "source", "message"),
    [
        (
            "broken.py",
            "# %% [markdown]\n# # Broken\n\n# %%\nraise RuntimeError('deliberate failure in a page')\n",
            "deliberate failure in a page",
        ),
        (
            "index.md",
            '# Broken\n\n```python exec="on"\nraise ValueError("deliberate failure in a block")\n```\n',
            "deliberate failure in a block",
        ),
    ],
    ids=["notebook cell", "live block"],
)
def test_a_raising_page_fails_the_build_naming_the_page(tmp_path, page, source, message):
    pages = {"broken": source} if page.endswith(".py") else {}
    project = make_project(tmp_path, pages, home=source if page == "index.md" else HOME)
    completed = build(project, tmp_path / "site", {"GPNN_CACHE_ROOT": str(tmp_path / "cache")})
    assert completed.returncode != 0
    assert page in completed.stderr and message in completed.stderr
    # A failed live page is not cached as if it had worked.
    assert not list((tmp_path / "cache" / "live").glob("*.json"))


def test_a_claim_that_flips_changes_its_words_or_fails_the_build(tmp_path):
    # The training page, with far fewer epochs by default: its verdicts must follow the new numbers.
    # (With the real defaults it says the network ends below the noise; tests/test_site.py checks.)
    project = make_project(tmp_path, {"training": (ROOT / "docs" / "training.py").read_text()}, package=True)
    config = project / "gpnn" / "config.py"
    config.write_text(config.read_text().replace("n_epochs: int = 8000", "n_epochs: int = 150"))
    env = {"PYTHONPATH": str(project), "GPNN_CACHE_ROOT": str(tmp_path / "cache")}
    completed = build(project, tmp_path / "site", env)
    if completed.returncode:
        assert "Claim '" in completed.stderr and "is false" in completed.stderr, completed.stderr[-3000:]
    else:
        page = text(tmp_path / "site", "training")
        assert BELOW_THE_NOISE not in page
        assert "above the root mean square of the noise actually drawn" in page
        claims = (tmp_path / "site" / "claims" / "index.html").read_text()
        assert "not (net &lt; noise)" in claims


def test_a_site_over_its_training_budget_fails_the_strict_build_naming_its_pages(tmp_path):
    project = make_project(tmp_path, {"a": PAGE_A})
    config = yaml.safe_load((project / "mkdocs.yml").read_text())
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "gpnn" in plugin:
            plugin["gpnn"]["budget"] = 1e-6
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config))
    completed = build(project, tmp_path / "site", {"GPNN_CACHE_ROOT": str(tmp_path / "cache")})
    assert completed.returncode != 0
    assert "over its budget of 1e-06" in completed.stderr and "Pages by cost: a.py" in completed.stderr
