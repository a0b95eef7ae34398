"""What each built page costs a new reader: bytes transferred and load time, in headless Chromium.

Run: python benchmarks/page_weight.py SITE_DIR [--json OUT.json] [--markdown OUT.md] [--label NAME]

Serves the built site (``mkdocs build -d SITE_DIR``) on 127.0.0.1 under the path of its default
``site_url`` (``/gpnn/``, as GitHub Pages serves a project site), then loads every page (every
``index.html`` of the site, the 404 page left out) in a fresh browser context, so with an empty
cache, as a first-time reader would, at 1280 px. A page counts as loaded when its ``load`` event
has fired, its fonts are loaded (the formulas' among them), its explorable figures are drawn and
the network has been idle for half a second; everything the page requested until then counts.
Requests to any other host are blocked (the site requests none).

Bytes are response bodies as the server sends them, uncompressed (the local server does not
compress; GitHub Pages would gzip text). For each page the table gives the total, the page's own
HTML, and the bytes by kind (scripts, styles, fonts, images, JSON such as the search index);
the load time is the navigation's ``loadEventEnd``, and ``ready`` the time until the page was
typeset and drawn. For the API reference's pages it adds a warm reload (the cache filled).

The targets of the site's reading budget are checked and reported, never asserted: the median
page transfers at most 1.4 MB (half of the 2.8 MB measured before the pages were lightened),
no page without an explorable figure transfers over 1.5 MB, and each API page's HTML is under
300 KB.

The browser is the one the tests use (``tests/browsers.py``: ``$GPNN_BROWSER``, Chromium or
Chrome on the ``PATH``, Playwright's own Chromium, Debian's ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/gpnn/"
MEDIAN_TARGET = 1_400_000
PAGE_TARGET = 1_500_000
API_HTML_TARGET = 300_000
KINDS = {
    "script": "js",
    "stylesheet": "css",
    "font": "fonts",
    "image": "images",
    "document": "html",
    "fetch": "json",
    "xhr": "json",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under PREFIX; 404 for anything else."""

    def translate_path(self, path: str) -> str:
        path = urlparse(path).path
        return super().translate_path("/" + path[len(PREFIX) :] if path.startswith(PREFIX) else "/missing/")

    def log_message(self, format: str, *args: object) -> None:
        pass


def kind_is_text(response: Any) -> bool:
    """Whether a server would compress this response (GitHub Pages gzips text, not fonts or PNGs)."""
    kind = response.headers.get("content-type", "")
    return kind.startswith(("text/", "application/javascript", "application/json", "image/svg"))


def pages(site: Path) -> list[str]:
    """Every page of the site as a path under PREFIX: `""` for the home page, `"api/kernels/"`."""
    found = []
    for html in sorted(site.rglob("index.html")):
        relative = html.parent.relative_to(site).as_posix()
        found.append("" if relative == "." else f"{relative}/")
    return found


def _browser_path() -> str:
    sys.path.insert(0, str(ROOT))
    from tests.browsers import find_browser

    return find_browser()


_READY = """async () => {
    await document.fonts.ready;
    const charts = [...document.querySelectorAll('figure.gpnn-chart')];
    while (!charts.every((c) => c.dataset.ready || c.dataset.error)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return performance.now();
}"""

_TIMING = """() => {
    const [nav] = performance.getEntriesByType('navigation');
    return {load: nav.loadEventEnd, dom: document.getElementsByTagName('*').length,
            height: document.documentElement.scrollHeight};
}"""


def measure(browser, base_url: str, path: str, warm: bool = False) -> dict[str, Any]:
    """Load one page in a fresh context; what it transferred, by kind, and how long it took.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        The browser.
    base_url : str
        The site's address, ending in PREFIX.
    path : str
        The page, relative to it.
    warm : bool
        Also reload it once with the cache filled, and time that.

    Returns
    -------
    dict
        ``bytes`` (total), ``by_kind`` (bytes by kind), ``html`` (the page's own HTML),
        ``requests``, ``load_ms``, ``ready_ms``, ``dom_elements``, ``height_px``, and with
        `warm`, ``reload_ms``.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = urlparse(base_url).netloc
    responses = []
    blocked = []

    def route(route):
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        elif route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(base_url + path, wait_until="load")
        ready = page.evaluate(_READY)
        page.wait_for_load_state("networkidle")
        timing = page.evaluate(_TIMING)
        by_kind: dict[str, int] = {}
        resources: list[tuple[str, str, int]] = []
        total = html = gzipped = 0
        for response in responses:
            if response.url.startswith("data:") or response.status >= 300:
                continue
            body = response.body()
            size = len(body)
            gzipped += len(gzip.compress(body, 6)) if kind_is_text(response) else size
            kind = KINDS.get(response.request.resource_type, "other")
            by_kind[kind] = by_kind.get(kind, 0) + size
            resources.append((urlparse(response.url).path.removeprefix(PREFIX), kind, size))
            total += size
            if response.request.resource_type == "document":
                html += size
        result: dict[str, Any] = {
            "bytes": total,
            "html": html,
            "gzip": gzipped,
            "by_kind": by_kind,
            "resources": resources,
            "requests": len(responses),
            "blocked": blocked,
            "load_ms": round(timing["load"]),
            "ready_ms": round(ready),
            "dom_elements": timing["dom"],
            "height_px": timing["height"],
        }
        if warm:
            start = time.perf_counter()
            page.reload(wait_until="load")
            page.evaluate(_READY)
            result["reload_ms"] = round((time.perf_counter() - start) * 1000)
        return result
    finally:
        context.close()


def run(site: Path) -> dict[str, Any]:
    """Measure every page of a built site.

    Parameters
    ----------
    site : Path
        The built site's folder.

    Returns
    -------
    dict
        ``pages`` (each page's measurement, by path) and ``summary``.
    """
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    results: dict[str, dict[str, Any]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=_browser_path(),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            try:
                for path in pages(site):
                    is_api = path.startswith("api/")
                    results[path] = measure(browser, base_url, path, warm=is_api)
                    text = (site / path / "index.html").read_text(encoding="utf-8")
                    results[path]["charts"] = 'class="gpnn-chart"' in text
                    print(f"{path or '(home)'}: {results[path]['bytes']:,} bytes", file=sys.stderr)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"pages": results, "summary": summary(results)}


def summary(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The median and the targets over the measured pages.

    Parameters
    ----------
    results : dict of str to dict
        Each page's measurement, by path.

    Returns
    -------
    dict
        The median bytes, the pages over the page target (those without explorable figures),
        the API pages over the HTML target, and whether each target is met.
    """
    sizes = [int(result["bytes"]) for result in results.values()]
    median = statistics.median(sizes)
    heavy = sorted(path for path, r in results.items() if int(r["bytes"]) > PAGE_TARGET and not r["charts"])
    api = {path: r for path, r in results.items() if path.startswith("api/")}
    big_api = sorted(path for path, r in api.items() if int(r["html"]) >= API_HTML_TARGET)
    topics = [int(r["bytes"]) for path, r in results.items() if not path.startswith("api/")]
    return {
        "pages": len(results),
        "median_bytes": median,
        "median_topic_pages_bytes": statistics.median(topics) if topics else 0,
        "median_met": median <= MEDIAN_TARGET,
        "heavy_pages": heavy,
        "api_pages": len(api),
        "api_html_max": max((int(r["html"]) for r in api.values()), default=0),
        "api_over_html_target": big_api,
    }


def _kb(value: Any) -> str:
    return f"{int(value) / 1000:,.0f}"


def markdown(measured: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    """The measurements as a Markdown table, with the before column when given.

    Parameters
    ----------
    measured : dict
        What [`run`][] returned.
    before : dict, optional
        An earlier measurement, shown beside it.

    Returns
    -------
    str
        The table and the targets.
    """
    pages_ = measured["pages"]
    old = before["pages"] if before else {}
    head = ["page", *(["before kB"] if before else []), "kB", "gzip kB", "HTML kB", "JS kB", "CSS kB", "fonts kB"]
    head += ["images kB", "JSON kB", "load ms", "ready ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    paths = sorted(set(pages_) | set(old), key=lambda p: (p.startswith("api/"), p))
    for path in paths:
        r = pages_.get(path)
        row = [f"`{path or '/'}`" + (" (charts)" if r and r["charts"] else "")]
        if before:
            row.append(_kb(old[path]["bytes"]) if path in old else "–")
        if r is None:
            row += ["–"] * (len(head) - len(row))
        else:
            kinds = r["by_kind"]
            row += [_kb(r["bytes"]), _kb(r.get("gzip", 0)), _kb(r["html"])]
            row += [_kb(kinds.get(kind, 0)) for kind in ("js", "css", "fonts", "images", "json")]
            row += [str(r["load_ms"]), str(r["ready_ms"])]
        lines.append("| " + " | ".join(row) + " |")
    s = measured["summary"]
    lines += [
        "",
        f"Median page: {_kb(s['median_bytes'])} kB (target at most {_kb(MEDIAN_TARGET)} kB: "
        f"{'met' if s['median_met'] else 'not met'}).",
        f"Median of the topic pages (the API reference's left out): {_kb(s.get('median_topic_pages_bytes', 0))} kB.",
        f"Pages over {_kb(PAGE_TARGET)} kB without explorable figures: "
        f"{', '.join(p or '/' for p in s['heavy_pages']) or 'none'}.",
    ]
    api = {p: r for p, r in pages_.items() if p.startswith("api/")}
    if api:
        lines += [
            "",
            "| API page | HTML kB | DOM elements | height px | load ms | warm reload ms |",
            "|---|---|---|---|---|---|",
        ]
        for path, r in sorted(api.items()):
            lines.append(
                f"| `{path}` | {_kb(r['html'])} | {r['dom_elements']:,} | {r['height_px']:,} | "
                f"{r['load_ms']} | {r.get('reload_ms', '–')} |"
            )
        lines.append(
            f"\nLargest API page HTML: {_kb(s['api_html_max'])} kB (target under {_kb(API_HTML_TARGET)} kB: "
            f"{'met' if not s['api_over_html_target'] else 'not met: ' + ', '.join(s['api_over_html_target'])})."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure a built site and write the table; 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="the built site's folder (mkdocs build -d SITE)")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--markdown", type=Path, help="write the table here")
    parser.add_argument("--before", type=Path, help="an earlier --json, shown beside this one")
    parser.add_argument("--from-json", type=Path, help="do not measure: tabulate this earlier --json")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        parser.error(f"site {str(args.site)!r} holds no index.html: build it with mkdocs build -d {args.site}")
    measured = json.loads(args.from_json.read_text()) if args.from_json else run(args.site)
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1) + "\n")
    before = json.loads(args.before.read_text()) if args.before else None
    table = markdown(measured, before)
    if args.markdown:
        args.markdown.write_text(table)
    print(table)
    s = measured["summary"]
    return 0 if s["median_met"] and not s["heavy_pages"] and not s["api_over_html_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
