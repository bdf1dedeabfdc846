"""Hostile names and notes through the whole batch: nothing a browser or a spreadsheet would run.

The demo region's parameter files are copied with every free text a user types — region,
school, subregion and municipality names, general and per-indicator notes — replaced by markup
and link tricks. One run (a JOS school, a comparison school, the region and the budget report)
must then succeed, its output scan must find nothing, the payloads must be visible as text,
and no page, notebook output or workbook cell may run anything (issue 17).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from josanalysis.core.config import PARAMS_DIR
from josanalysis.privacy.active_content import active_content, runs_no_script
from josanalysis.runner.batch import run_region

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("batch")]

JOS_SCHOOL, COMPARISON_SCHOOL = "DM0200", "DM1100"
PAYLOADS = (
    '<script>alert("naam")</script>',
    '"><img src=x onerror=alert(1)>',
    "[klik hier](javascript:alert(2))",
    "<svg onload=alert(3)>",
    "=HYPERLINK(\"https://evil.example\",\"klik\")",
)


def _evil(label: str) -> str:
    return f"{label} " + " ".join(PAYLOADS)


def _hostile_params(tmp_path: Path) -> Path:
    params = tmp_path / "params"
    shutil.copytree(PARAMS_DIR, params)
    region_file = params / "regions" / "demoregio.yaml"
    region = yaml.safe_load(region_file.read_text(encoding="utf-8"))
    region["name"] = _evil("Regio")
    region["municipalities"] = {code: _evil(name) for code, name in region["municipalities"].items()}
    region["notes"] = {"general": _evil("Regionotitie"), "indicators": {"absence_rate": _evil("Verzuimnotitie")}}
    region_file.write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    for sid in (JOS_SCHOOL, COMPARISON_SCHOOL):
        path = params / "schools" / "demoregio" / f"{sid}.yaml"
        school = yaml.safe_load(path.read_text(encoding="utf-8"))
        school["name"] = _evil(f"School {sid}")
        school["subregion"] = _evil("Subregio")
        school["notes"] = {"general": _evil("Schoolnotitie"),
                           "indicators": {"absence_rate": _evil("Notitie"), "thuiszitters": _evil("Notitie")}}
        path.write_text(yaml.safe_dump(school, allow_unicode=True), encoding="utf-8")
    return params


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    result = run_region("demoregio", only=[JOS_SCHOOL, COMPARISON_SCHOOL], workers=2, params_dir=_hostile_params(tmp),
                        output_root=tmp / "outputs", progress=False)
    return result


def test_the_run_succeeds_and_its_own_scan_finds_nothing(run):
    assert [o.key for o in run.failed] == [], [(o.key, o.error) for o in run.failed]
    assert run.privacy_violations == (), [str(v) for v in run.privacy_violations[:10]]
    assert run.ok


def test_every_page_shows_the_payloads_as_text_and_runs_nothing(run):
    pages = sorted(run.output_dir.rglob("*.html"))
    assert {p.relative_to(run.output_dir).as_posix() for p in pages} >= {
        "index.html", "summary.html", f"schools/{JOS_SCHOOL}/report.html", f"schools/{COMPARISON_SCHOOL}/report.html",
        "region/report.html", "budget/report.html"}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert active_content(html) == [], f"{page}: {active_content(html)[:3]}"
        assert runs_no_script(html), f"{page} has no Content-Security-Policy that runs no script"
        assert "<script" not in html.lower() and "<svg" not in html.lower()
    school = (run.output_dir / "schools" / JOS_SCHOOL / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in school and "onerror=alert(1)" in school, "the payload is shown, as text"
    assert "Schoolnotitie" in school and "Notitie" in school, "the notes reach the report"
    assert 'href="javascript' not in school.lower()


def test_notebooks_hold_no_active_output(run):
    for nb_path in sorted(run.output_dir.rglob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                assert "application/javascript" not in data, nb_path
                html = data.get("text/html")
                if html:
                    html = "".join(html) if isinstance(html, list) else html
                    assert active_content(html) == [], f"{nb_path}: {active_content(html)[:3]}"


def test_workbook_cells_are_never_formulas(run):
    from openpyxl import load_workbook

    wb = load_workbook(run.output_dir / "summary.xlsx")
    formulas = [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
