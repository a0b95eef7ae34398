"""Build the website and check what a reader gets: pages, figures, numbers, API, failures."""

from __future__ import annotations

import hashlib
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gpnn

ROOT = Path(__file__).resolve().parents[1]
# page: figures it draws at least
NOTEBOOK_PAGES = {
    "simulating-data": 4,
    "network": 2,
    "training": 2,
    "best-fit": 2,
    "uncertainty": 3,
    "prior": 5,
    "advice": 5,
    "fiddling": 2,
    "backpropagation": 1,
    "established": 1,
}
SITE_PATH = "/gpnn/"  # the path of the default site_url
EXPLORABLE = {"best-fit": "gp-explorer", "training": "training-scrubber", "uncertainty": "ensemble-picker"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]


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
        images = [img for img in parse(page).images if (img.get("src") or "").endswith(".svg")]
        assert len(images) >= minimum, f"{name}: {len(images)} figures"
        assert all((img.get("alt") or "").strip() for img in images), f"{name}: a figure has no alt text"
        for img in images:  # each figure a file named by its content
            path = (page.parent / img["src"]).resolve()
            assert path.parent == (site / "assets" / "figures").resolve(), img["src"]
            assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(path.stem), img["src"]
            assert path.read_bytes().lstrip().startswith((b"<?xml", b"<svg")), img["src"]
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text and "ename" not in text, name


def test_notebook_pages_are_light(site):
    # Shared styles and figures are served once, as files, so a notebook page's HTML is its text,
    # highlighted code and its formulas typeset at build time (KaTeX's HTML with a MathML copy,
    # which replaces a maths script); one with an explorable figure, its data included, stays
    # under 400 KB.
    for name in NOTEBOOK_PAGES:
        html = (site / name / "index.html").read_text(encoding="utf-8")
        assert 'src="data:image/' not in html and 'srcset="data:image/' not in html, name
        assert len(html.encode()) < (400_000 if name in EXPLORABLE else 350_000), name
        assert "<style" not in html.split("<article")[1], name


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
    assert int(best["n_data_sets"]) >= 20
    assert int(parse(site / "fiddling" / "index.html").numbers["n_seed_runs"]) >= 20
    established = parse(site / "established" / "index.html").numbers
    assert float(established["sgd_max_gap"]) < 1.0


def _api_ids(site: Path) -> list[str]:
    """The anchors of every module page of the API reference."""
    return [i for page in sorted((site / "api").rglob("index.html")) for i in parse(page).ids]


def test_api_page_lists_every_public_name(site):
    ids = _api_ids(site)
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
            if url.path.startswith("/"):  # the 404 page links from the root of the site's URL
                target = (site / unquote(url.path).removeprefix(SITE_PATH).lstrip("/")).resolve()
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


def test_the_training_page_says_what_its_numbers_say(site):
    from .test_build import BELOW_THE_NOISE

    # The sentence the claim-flip test sees change when the defaults change.
    assert BELOW_THE_NOISE in (site / "training" / "index.html").read_text(encoding="utf-8")


def test_every_claim_is_listed_with_its_values_and_holds(site):
    from gpnn.site import claims

    table = (site / "claims" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-claim="([^"]+)"><td><a href="([^"]+)">([^<]+)</a></td>(.*?)</tr>', table, re.DOTALL)
    assert len(rows) >= 30, len(rows)
    pages = {page for _, _, page, _ in rows}
    assert {"best-fit.ipynb", "uncertainty.ipynb", "advice.ipynb", "fiddling.ipynb"} <= pages
    multi_seed = 0
    for name, _, page, cells in rows:
        _text, condition, values, seeds, status = re.findall(r"<td>(.*?)</td>", cells, re.DOTALL)
        assert status == "holds", (page, name)
        import html as html_lib

        condition = html_lib.unescape(re.sub(r"</?code>", "", condition))
        values = dict(
            (key.strip(), float(value))
            for key, value in (item.split(" = ") for item in html_lib.unescape(values).split(", ") if item)
        )
        # Re-evaluated here from the printed values (rounded to six digits), the condition still holds.
        assert claims.evaluate(condition, values), (page, name, condition, values)
        multi_seed += int(seeds) > 1
    assert multi_seed >= 15  # most verdicts rest on many seeds, not one draw


def test_figures_are_numbered_and_references_read_as_numbers(site):
    for name in NOTEBOOK_PAGES:
        text = (site / name / "index.html").read_text(encoding="utf-8")
        numbers = [int(n) for n in re.findall(r'<span class="gpnn-figure-number">Figure (\d+)\.</span>', text)]
        assert numbers == list(range(1, len(numbers) + 1)) and numbers, name
        for anchor, label in re.findall(r'<a href="#(fig-[a-z0-9-]+)"[^>]*>([^<]*)</a>', text):
            assert re.fullmatch(r"Figure \d+", label), (name, anchor, label)
            assert f'id="{anchor}"' in text, (name, anchor)


def test_citations_link_to_the_references_and_back(site):
    training = (site / "training" / "index.html").read_text(encoding="utf-8")
    assert '<a class="gpnn-cite" href="../references/#ref-he2015">He et al., 2015</a>' in training
    assert "[@" not in training
    references = (site / "references" / "index.html").read_text(encoding="utf-8")
    for key in ("rasmussen2006", "he2015", "lakshminarayanan2017", "gortler2019", "source"):
        entry = re.search(rf'<p id="ref-{key}".*?</p>', references, re.DOTALL)
        assert entry and "Cited on:" in entry.group(0), key


def test_pages_and_api_entries_link_each_other(site):
    training = (site / "training" / "index.html").read_text(encoding="utf-8")
    used = re.search(r'<div class="gpnn-used".*?</div>', training, re.DOTALL).group(0)
    assert 'href="../api/training/#gpnn.training.GradientDescent.epoch"' in used
    assert 'href="../api/simulate/#gpnn.simulate.sample_gp"' in used
    assert 'href="../api/site/charts/scrubber/#gpnn.site.charts.scrubber.training_scrubber"' in used
    api = (site / "api" / "posterior" / "index.html").read_text(encoding="utf-8")
    entry = re.search(r'id="gpnn.posterior.gp_posterior".*?<p class="gpnn-used-in">(.*?)</p>', api, re.DOTALL)
    assert entry and "../../best-fit/" in entry.group(1) and "../../uncertainty/" in entry.group(1)


def test_the_api_reference_has_a_page_per_module_in_the_navigation(site):
    from gpnn.site.plugin.api import public_modules

    overview = (site / "api" / "index.html").read_text(encoding="utf-8")
    for module in public_modules(Path(gpnn.__file__).parent):
        page = site / module.uri.removesuffix(".md") / "index.html"
        assert page.is_file(), module.name
        assert f'id="{module.name}"' in page.read_text(encoding="utf-8"), module.name
        assert module.uri.removesuffix(".md").removeprefix("api/") + "/" in overview, module.name
        assert page.stat().st_size < 300_000, f"{module.name}: {page.stat().st_size} bytes"


def test_one_archive_holds_every_notebook_and_a_readme(site):
    import io
    import zipfile

    data = (site / "assets" / "gpnn-notebooks.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {f"gpnn-notebooks/{name}.ipynb" for name in NOTEBOOK_PAGES} | {"gpnn-notebooks/README.txt"} == names
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    assert "assets/gpnn-notebooks.zip" in (site / "index.html").read_text(encoding="utf-8")


def test_edit_links_point_to_each_pages_real_source(site):
    training = (site / "training" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*/edit/main/docs/training\.py"', training)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*/edit/main/docs/index\.md"', home)


def test_explorable_pages_stay_light(site):
    for name, key in EXPLORABLE.items():
        html = (site / name / "index.html").read_text(encoding="utf-8")
        assert f'data-chart="{key}"' in html, name
        assert len(html.encode()) < 400_000, (name, len(html.encode()))


def test_no_page_has_none_or_empty_values_in_its_head_or_the_sitemap(site):
    for path in [site / "index.html", *(site / name / "index.html" for name in NOTEBOOK_PAGES), site / "404.html"]:
        head = path.read_text(encoding="utf-8").split("</head>")[0]
        assert not re.search(r'(content|href|src)="(None|)"', head), (path, re.findall(r'\w+="(?:None|)"', head))
        assert ">None<" not in head
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "None" not in sitemap and "<loc></loc>" not in sitemap
    assert "<loc>https://gpnn.github.io/gpnn/training/</loc>" in sitemap


# --- what the pages say: claims read as sentences, and judgements are claims ----------------------

# A judgement compares computed values: a comparative, or a word that ranks or counts seeds.
_JUDGING = re.compile(
    r"\b(?:better|worse|lower than|higher than|above|below|closer|further|narrower|wider|more than|less than|"
    r"outperform\w*|beats?|luckiest|hardest|best|worst|(?<!at )most|every one)\b",
    re.IGNORECASE,
)


def _claim_extents(html: str) -> list[tuple[int, int]]:
    """Where each claim's span starts and ends in `html`, its nested number spans included."""
    extents = []
    for start in (m.start() for m in re.finditer(r'<span class="gpnn-claim"', html)):
        depth, end = 0, start
        for tag in re.finditer(r"<(/?)span\b[^>]*>", html[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = start + tag.end()
                break
        extents.append((start, end))
    return extents


def _claim_spans(html: str) -> list[tuple[dict[str, str], str]]:
    """Each claim on a page: its attributes and its sentence as plain text (numbers included)."""
    spans = []
    for start, end in _claim_extents(html):
        element = html[start:end]
        attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', element.split(">", 1)[0]))
        spans.append((attributes, _plain(element)))
    return spans


def claim_sentence_problems(site: Path) -> list[str]:
    """Claims with a double negative or an equal-ended range, and pages whose text has such a range."""
    from gpnn.site import claims

    problems = []
    pages = [site / "index.html", *(site / name / "index.html" for name in NOTEBOOK_PAGES)]
    for path in sorted(site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for _attributes, text in _claim_spans(html):
            problems += [f"{path.relative_to(site)}: {line} in {text!r}" for line in claims.wording_problems(text)]
        if path not in pages:
            continue  # the API reference describes this very check
        article = html.split("<article", 1)[-1].split("</article>", 1)[0]
        problems += [
            f"{path.relative_to(site)}: {line}"
            for line in claims.wording_problems(_plain(article))
            if line.startswith("a range")
        ]
    return problems


def claim_anchor_problems(site: Path) -> list[str]:
    """Claims of the Claims page that their page does not print, or prints without a unique anchor."""
    import html as html_lib

    table = (site / "claims" / "index.html").read_text(encoding="utf-8")
    listed: dict[str, list[str]] = {}
    for name, page in re.findall(r'<tr data-claim="([^"]+)"><td><a href="[^"]+">([^<]+)</a></td>', table):
        listed.setdefault(page, []).append(name)
    problems = []
    for page, names in listed.items():
        html_path = site / ("index.html" if page == "index.md" else f"{page.rsplit('.', 1)[0]}/index.html")
        shown = _claim_spans(html_path.read_text(encoding="utf-8"))
        anchors = [attributes.get("id", "") for attributes, _ in shown]
        if len(set(anchors)) != len(anchors) or not all(a.startswith("claim-") for a in anchors):
            problems.append(f"{page}: claim anchors missing or repeated: {anchors}")
        printed = {html_lib.unescape(attributes.get("data-claim", "")) for attributes, _ in shown}
        missing = sorted(set(names) - printed)
        problems += [f"{page}: the claim {name!r} is listed but not printed as a claim" for name in missing]
    return problems


def unguarded_judgements(site: Path) -> list[str]:
    """Sentences of the pages' computed prose that compare computed numbers outside any claim.

    A heuristic: a sentence of an executed page's output that quotes two or more computed numbers
    (`gpnn-number` spans outside a claim) and uses a comparative or ranking word is a judgement,
    and a judgement must be a claim. Tables, captions and headings are not prose and are skipped.
    """
    found = []
    for name in ["", *NOTEBOOK_PAGES]:
        html = (site / name / "index.html").read_text(encoding="utf-8")
        article = html.split("<article", 1)[-1].split("</article>", 1)[0]
        for paragraph in re.findall(r"<p>(.*?)</p>", article, re.DOTALL):
            if "gpnn-number" not in paragraph:
                continue  # prose typed on the page, not computed
            without_claims = paragraph
            for start, end in reversed(_claim_extents(paragraph)):
                without_claims = without_claims[:start] + " CLAIM " + without_claims[end:]
            marked = re.sub(r'<span class="gpnn-number"[^>]*>[^<]*</span>', " NUMBER ", without_claims)
            for sentence in re.split(r"(?<=[.;:])\s+(?=[A-Z])", _plain(marked)):
                if "CLAIM" in sentence or sentence.count("NUMBER") < 2:
                    continue
                if _JUDGING.search(sentence):
                    found.append(f"{name or 'home'}: {sentence}")
    return found


def test_claims_read_as_sentences(site):
    assert claim_sentence_problems(site) == []


def test_every_listed_claim_is_anchored_on_its_page(site):
    assert claim_anchor_problems(site) == []


def test_judgements_between_computed_numbers_are_claims(site):
    assert unguarded_judgements(site) == []


def test_the_site_checks_find_what_they_look_for(tmp_path):
    # The checks above must be able to fail: a small site with each fault is caught.
    (tmp_path / "claims").mkdir()
    (tmp_path / "training").mkdir()
    page = (
        '<article><p><span class="gpnn-claim" id="claim-a" data-claim="a">It does not widen less than '
        '<span class="gpnn-number" data-value="0.8">0.8</span></span>. Small weights: median 3.240, from '
        '3.240 to 3.240.</p><p>The network scores <span class="gpnn-number" data-value="0.62">0.62</span>, lower '
        'than the posterior mean\'s <span class="gpnn-number" data-value="0.64">0.64</span>.</p></article>'
    )
    (tmp_path / "training" / "index.html").write_text(page, encoding="utf-8")
    (tmp_path / "claims" / "index.html").write_text(
        '<tr data-claim="a"><td><a href="../training/">training.ipynb</a></td></tr>'
        '<tr data-claim="b"><td><a href="../training/">training.ipynb</a></td></tr>',
        encoding="utf-8",
    )
    sentences = claim_sentence_problems(tmp_path)
    assert any("double negative" in line for line in sentences)
    assert any("3.240 to 3.240" in line for line in sentences)
    assert claim_anchor_problems(tmp_path) == ["training.ipynb: the claim 'b' is listed but not printed as a claim"]
    for name in ["", *NOTEBOOK_PAGES]:
        (tmp_path / name).mkdir(exist_ok=True)
        if name != "training":
            (tmp_path / name / "index.html").write_text("<article></article>", encoding="utf-8")
    assert unguarded_judgements(tmp_path) == [
        "training: The network scores NUMBER , lower than the posterior mean's NUMBER ."
    ]
