"""The second real region, Holland Rijnland, from what its factsheet gives (issue 16)."""

from __future__ import annotations

import pytest

from josanalysis.core.config import load_region, load_region_plan
from josanalysis.questions.budget_assumptions import budget_config_from_region
from josanalysis.reporting.budget_report import build_budget_report
from josanalysis.reporting.region_report import build_region_report


@pytest.fixture(scope="module")
def region():
    return load_region("holland-rijnland")


def test_facts_from_the_factsheet_and_nothing_invented(region):
    assert not region.synthetic
    assert len(region.municipalities) == 13 and region.municipalities["GM0546"] == "Leiden"
    # the factsheet names no schools: none are made up
    assert region.schools == () and region.comparison_ids == ()
    assert "vijftien scholen" in region.notes and "2019-2020" in region.notes
    cfg = budget_config_from_region(region)
    assert cfg.budget_neutral and cfg.years == 2


def test_reports_run_on_partial_data_and_name_what_is_missing(region):
    if region.data_dir.exists():  # pragma: no cover - a developer put real files there
        pytest.skip("data/holland-rijnland exists on this machine")
    budget = str(build_budget_report("holland-rijnland").document)
    assert "ontbreken gegevens" in budget and "Holland Rijnland" in budget
    report = build_region_report("holland-rijnland")
    text = str(report.document)
    assert "Bron ontbreekt: Verzuimregistratie scholen" in text
    assert "niet vooraf vastgelegd" in text
    assert load_region_plan(region).registered == ""
