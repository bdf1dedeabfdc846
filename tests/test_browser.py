"""The reports in a real browser: headless Chromium (the system's) driven by Playwright.

Runs `josanalysis run --region demoregio --only DM0200 DM1100 --pdf` once (a JOS school, a
comparison school, the region and the budget report) into a temporary folder, then opens the
index and one report of each kind from ``file://`` URLs, as a reader does: no console errors,
every image loaded, every link resolves, ``lang="nl"``; and prints each to A4 to count pages
against the targets of issue 14. Skipped, with the reason, when Chromium or Playwright is
missing (``make test`` installs Chromium; see the Makefile).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from josanalysis.runner.pdf import CHROMIUM_ARGS, chromium_path, count_pdf_pages

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                               "(pip install -e .[test])")

pytestmark = [
    pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("batch"),
    pytest.mark.skipif(chromium_path() is None, reason="no system Chromium: install it with "
                       "'sudo apt-get install chromium' (make test does it as root)"),
]

JOS_SCHOOL, COMPARISON_SCHOOL = "DM0200", "DM1100"
PAGES = {  # report -> (path under outputs/<region>/, printed A4 pages at most; None: no target)
    "index": ("index.html", None),
    # Issue 14 set 8 (school) and 10 (region). Issues 15 and 19 added required sections (the
    # region's pooled school-year estimates, Theoretisch kader, Kwalitatieve metingen): measured
    # 12 and 14 pages on main. Since tables may break between rows (runner/export.py), the
    # region report prints 13 and the budget report 11 pages (2026-12-03); these limits keep
    # them from growing further until the layout is tightened again (noted on issues 15 and 19).
    "school": (f"schools/{JOS_SCHOOL}/report.html", 12),
    "comparison": (f"schools/{COMPARISON_SCHOOL}/report.html", None),
    "region": ("region/report.html", 13),
    "budget": ("budget/report.html", 11),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from josanalysis.runner.batch import run_region

    out = tmp_path_factory.mktemp("outputs")
    result = run_region("demoregio", only=[JOS_SCHOOL, COMPARISON_SCHOOL], workers=2,
                        output_root=out, progress=False, pdf=True)
    assert result.ok, [(o.key, o.error) for o in result.failed]
    return result


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                               args=list(CHROMIUM_ARGS))
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(run, browser):
    """Each page opened once: what the browser saw, and its A4 print."""
    seen = {}
    for name, (rel, _) in PAGES.items():
        path = run.output_dir / rel
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
        page.on("requestfailed", lambda r, e=errors: e.append(f"request failed: {r.url}"))
        page.goto(path.as_uri(), wait_until="load")
        seen[name] = {
            "path": path,
            "errors": errors,
            "lang": page.evaluate("document.documentElement.lang"),
            "title": page.title(),
            "images": page.evaluate(
                "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])"),
            "links": page.evaluate(
                "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"),
            "ids": set(page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")),
            "stderr": page.evaluate(
                "document.querySelectorAll('[data-mime-type=\"application/vnd.jupyter.stderr\"]').length"),
            "pdf": page.pdf(format="A4"),
        }
        # A4 less 15 mm margins is 180 mm = 680 CSS pixels (the stylesheet's 12 mm leaves a little spare)
        page.set_viewport_size({"width": 680, "height": 1000})
        page.emulate_media(media="print")
        seen[name]["too_wide"] = page.evaluate(
            "Array.from(document.querySelectorAll('table, img')).filter("
            "e => e.getBoundingClientRect().width > 681).map(e => e.tagName)")
        page.close()
    return seen


@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_in_dutch_without_errors(pages, name):
    p = pages[name]
    assert p["errors"] == [], f"{name}: console errors {p['errors'][:5]}"
    assert p["lang"] == "nl", f"{name}: html lang is {p['lang']!r}"
    assert p["title"].strip(), f"{name}: no <title>"
    assert p["stderr"] == 0, f"{name}: stderr output reaches the reader"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_image_loads(pages, name):
    broken = [alt for alt, ok in pages[name]["images"] if not ok]
    assert not broken, f"{name}: images that did not load: {broken[:5]}"
    if name in ("school", "region"):
        assert pages[name]["images"], f"{name}: a report without figures"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_link_resolves(pages, name):
    p = pages[name]
    bad = []
    for href in p["links"]:
        url = urlparse(href)
        if url.scheme in ("http", "https", "mailto"):
            continue
        if not url.path:  # an anchor on the same page
            if url.fragment and not {url.fragment, unquote(url.fragment)} & p["ids"]:
                bad.append(href)
            continue
        target = (p["path"].parent / unquote(url.path)).resolve()
        if url.scheme == "file":
            target = Path(unquote(url.path))
        if not target.exists():
            bad.append(href)
    assert not bad, f"{name}: links that resolve to nothing: {bad[:5]}"


@pytest.mark.parametrize("name", [n for n in PAGES if n != "index"])
def test_printed_tables_and_figures_fit_the_page(pages, name):
    assert pages[name]["too_wide"] == [], f"{name}: wider than A4: {pages[name]['too_wide']}"


def test_index_marks_comparison_schools_and_shows_verdicts(pages):
    html = pages["index"]["path"].read_text(encoding="utf-8")
    assert "Vergelijkingsscholen" in html and "vergelijkingsschool" in html
    assert "Legenda" in html and 'class="oordeel"' in html
    for href in ("region/report.html", "budget/report.html", "summary.xlsx", "summary.csv"):
        assert f'href="{href}"' in html, href
    assert re.search(r"Start JOS</th>", html)


def test_run_pdf_writes_a_pdf_beside_each_report(run):
    for name, (rel, _) in PAGES.items():
        if name == "index":
            continue
        pdf = (run.output_dir / rel).with_suffix(".pdf")
        assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", rel
        assert count_pdf_pages(pdf.read_bytes()) >= 1
    assert "pdf" in run.phases


@pytest.mark.parametrize("name", ["school", "region", "budget"])
def test_printed_report_within_page_target(pages, name):
    n = count_pdf_pages(pages[name]["pdf"])
    assert n <= PAGES[name][1], f"{name}: {n} printed pages, target {PAGES[name][1]}"


def test_every_report_prints(pages):
    for name, p in pages.items():
        assert p["pdf"][:5] == b"%PDF-" and count_pdf_pages(p["pdf"]) >= 1, name


def test_chromium_is_the_system_one():
    assert os.path.isabs(chromium_path() or "")
