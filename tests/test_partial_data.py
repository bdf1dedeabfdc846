"""Partial data (issue 16): a real region runs on whatever sources it has; sections name what is missing."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from josanalysis.core.datasources import SECTION_NEEDS, SOURCE_INFO, missing_sentence_nl, missing_sources
from josanalysis.core.config import load_region
from josanalysis.panel.build import load_panel
from josanalysis.reporting.budget_report import build_budget_report
from josanalysis.reporting.region_report import build_region_report
from josanalysis.reporting.school_report import build_school_report
from josanalysis.runner.cli import main
from josanalysis.sources import source_coverage
from josanalysis.sources.folder import SOURCES


def _text(report) -> str:
    return str(report.document)


def test_every_folder_source_and_section_source_is_described():
    assert {s.attribute for s in SOURCES} == set(SOURCE_INFO)
    for needs in SECTION_NEEDS.values():
        assert set(needs.needs + needs.any_of + needs.uses) <= set(SOURCE_INFO)


def test_missing_sentence_names_the_source_and_what_it_would_show():
    assert missing_sources("school.monthly", {"duo_pupils"}) == ("attendance",)
    assert missing_sentence_nl("school.monthly", {"attendance"}) is None
    text = missing_sentence_nl("budget.herkomst", set())
    assert text.startswith("Bron ontbreekt: DUO leerlingen naar postcode en leerjaar.")
    assert "uit welke gemeenten de leerlingen komen" in text
    # one of several sources is enough for the school-year section
    assert missing_sentence_nl("school.yearly", {"swv_referrals"}) is None


def test_regio_alkmaar_has_no_data_folder_and_its_panel_is_empty():
    region = load_region("regio-alkmaar")
    if region.data_dir.exists():  # pragma: no cover - a developer put real files there
        pytest.skip("data/regio-alkmaar exists on this machine")
    panel = load_panel("regio-alkmaar")
    assert panel.present_sources == frozenset() and len(panel.data) == 0


def test_capacity_from_params_alone_gives_focus_068_fte_per_100_pupils():
    report = build_budget_report("regio-alkmaar")
    table = report.tables["capaciteit_per_school"].set_index("vestiging")
    assert table.loc["08UV00", "fte tijdens"] == pytest.approx(1.325)
    assert int(table.loc["08UV00", "leerlingen"]) == 195
    assert table.loc["08UV00", "fte per 100 lln tijdens"] == pytest.approx(1.325 / 195 * 100)
    assert round(float(table.loc["08UV00", "fte per 100 lln tijdens"]), 2) == 0.68
    assert "0,68 (Focus)" in _text(report)


def test_school_and_region_reports_say_which_source_is_missing():
    school = build_school_report("regio-alkmaar", "08UV00")
    assert school.analyses == () and school.results.empty
    monthly = str(school.section("monthly"))
    text = _text(school)
    assert "Bron ontbreekt: Verzuimregistratie scholen" in text
    assert "het verzuim per lesmaand" in text
    assert "Bron ontbreekt: geen van deze bronnen is aangeleverd" in text
    assert "Bron ontbreekt: Verzuimregistratie scholen" in monthly
    region = build_region_report("regio-alkmaar")
    assert "Bron ontbreekt: Verzuimregistratie scholen" in _text(region)
    comparison = build_school_report("regio-alkmaar", "01XF00")
    assert "Bron ontbreekt: Verzuimregistratie scholen" in _text(comparison)


def test_source_coverage_per_section(tmp_path):
    nothing = source_coverage(None).set_index("section")
    assert nothing.loc["Indicatoren per maand (schoolrapport)", "status"] == "ontbreekt"
    assert nothing.loc["Capaciteit (budgetrapport)", "status"] == "deels"
    (tmp_path / "verzuim").mkdir()
    (tmp_path / "verzuim" / "verzuim.csv").write_text("x\n", encoding="utf-8")
    some = source_coverage(tmp_path).set_index("section")
    row = some.loc["Indicatoren per maand (schoolrapport)"]
    assert row["status"] == "deels" and "Verzuimregistratie scholen" in row["present"]
    assert "Leerplicht (thuiszitters)" in row["missing"]


def test_check_data_of_a_region_without_folder_lists_missing_sources(capsys):
    if load_region("regio-alkmaar").data_dir.exists():  # pragma: no cover
        pytest.skip("data/regio-alkmaar exists on this machine")
    assert main(["check-data", "--region", "regio-alkmaar"]) == 0
    out = capsys.readouterr().out
    assert "every source is missing" in out and "Verzuimregistratie scholen" in out and "ontbreekt" in out


def test_check_data_lists_sources_per_section_after_the_files(tmp_path, capsys):
    folder = tmp_path / "demo"
    shutil.copytree("data/demo", folder)
    shutil.rmtree(folder / "aanbieder")
    main(["check-data", str(folder)])
    out = capsys.readouterr().out
    assert "Sources per report section" in out
    assert "Registratie van de aanbieder (budgetrapport)" in out


@pytest.mark.slow
@pytest.mark.xdist_group("batch")
def test_run_regio_alkmaar_from_its_params_alone(tmp_path, capsys):
    if load_region("regio-alkmaar").data_dir.exists():  # pragma: no cover
        pytest.skip("data/regio-alkmaar exists on this machine")
    code = main(["run", "--region", "regio-alkmaar", "--only", "08UV00", "--output-root", str(tmp_path),
                 "--workers", "1", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    out = tmp_path / "regio-alkmaar"
    capacity = pd.read_csv(out / "budget" / "capaciteit_per_school.csv", sep=";", dtype={"vestiging": str})
    focus = capacity.set_index("vestiging").loc["08UV00"]
    assert round(float(focus["fte per 100 lln tijdens"]), 2) == 0.68
    html = (out / "schools" / "08UV00" / "report.html").read_text(encoding="utf-8")
    assert "Bron ontbreekt: Verzuimregistratie scholen" in html
