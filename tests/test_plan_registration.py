"""Per-region analysis plan (issue 16): the region's own registration date, or "niet vooraf vastgelegd"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest

from josanalysis.assessment import analyse_indicator, load_context
from josanalysis.core.config import PARAMS_DIR, PlanChange, load_region, load_region_plan
from josanalysis.core.errors import ConfigError
from josanalysis.reporting.presentation import plan_caption
from josanalysis.reporting.report_parts import plan_section
from josanalysis.reporting.school_report import build_school_report
from josanalysis.reporting.tables import sensitivity_nl

SCHOOL = "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\njos_start: 2022-08-01\n"


def _region(tmp_path, plan_block: str):
    (tmp_path / "regions").mkdir()
    (tmp_path / "schools" / "r").mkdir(parents=True)
    shutil.copy(PARAMS_DIR / "analysis_plan.yaml", tmp_path / "analysis_plan.yaml")
    (tmp_path / "regions" / "r.yaml").write_text(
        f"region_id: r\nname: R\nschools: [AA0100]\n{plan_block}", encoding="utf-8")
    (tmp_path / "schools" / "r" / "AA0100.yaml").write_text(SCHOOL, encoding="utf-8")
    return load_region("r", tmp_path)


def test_real_region_without_a_date_is_not_registered_in_advance():
    plan = load_region_plan(load_region("regio-alkmaar"))
    assert plan.registered == ""
    assert plan_caption(plan) == "Analyseplan versie 1.0, niet vooraf vastgelegd"
    section = str(plan_section(plan))
    assert "niet vooraf vastgelegd" in section and "2022" not in section
    assert "Het vooraf vastgelegde analyseplan" not in section


def test_no_report_of_regio_alkmaar_prints_a_date_it_did_not_give():
    text = str(build_school_report("regio-alkmaar", "08UV00").document)
    assert "niet vooraf vastgelegd" in text
    assert "vastgelegd op" not in text and "1 juli 2022" not in text


def test_demo_region_gives_its_own_date():
    plan = load_region_plan(load_region("demoregio"))
    assert plan.registered == "2022-07-01"
    assert plan_caption(plan).startswith("Analyseplan versie 1.0, vastgelegd op 1 juli 2022")


def test_a_plan_changed_after_results_says_so(tmp_path):
    region = _region(tmp_path, "analysis_plan:\n  registered: 2022-06-15\n  where: OSF\n  changes:\n"
                               "    - {date: 2024-03-01, after_results: true, what: AR(2) in plaats van AR(1)}\n"
                               "    - {date: 2022-07-20, after_results: false, what: tikfout}\n")
    plan = load_region_plan(region)
    assert region.plan.registered == dt.date(2022, 6, 15)
    caption = plan_caption(plan)
    assert caption.startswith("Analyseplan versie 1.0, vastgelegd op 15 juni 2022 (OSF)")
    assert "gewijzigd nadat resultaten bekend waren: 1 maart 2024: AR(2) in plaats van AR(1)" in caption
    assert "tikfout" not in caption
    assert "gewijzigd nadat resultaten bekend waren" in str(plan_section(plan))


def test_plan_registration_is_checked(tmp_path):
    with pytest.raises(ConfigError, match="analysis_plan.registered"):
        load_region("r", _write_and_path(tmp_path, "analysis_plan:\n  registered: 2022-13-45\n"))


def test_unknown_plan_file_is_one_sentence(tmp_path):
    region = _region(tmp_path, "analysis_plan:\n  file: ander-plan.yaml\n")
    with pytest.raises(ConfigError, match="ander-plan.yaml' does not exist"):
        load_region_plan(region)


def _write_and_path(tmp_path, block: str):
    (tmp_path / "regions").mkdir()
    (tmp_path / "schools" / "r").mkdir(parents=True)
    (tmp_path / "regions" / "r.yaml").write_text(f"region_id: r\nname: R\nschools: [AA0100]\n{block}",
                                                 encoding="utf-8")
    (tmp_path / "schools" / "r" / "AA0100.yaml").write_text(SCHOOL, encoding="utf-8")
    return tmp_path


def test_the_sensitivity_table_says_vooraf_vastgelegd_only_for_a_plan_registered_in_advance():
    ctx = load_context("demoregio")
    a = analyse_indicator(ctx, "DM0900", "absence_rate")
    assert a.assessment.evidence.plan_registered is True
    assert (sensitivity_nl(a, ctx.plan)["Vooraf vastgelegd"] == "ja").sum() == 1
    unregistered = dataclasses.replace(ctx.plan, registered="")
    table = sensitivity_nl(a, unregistered)
    assert "Vooraf vastgelegd" not in table.columns
    assert (table["Model van het analyseplan (niet vooraf vastgelegd)"] == "ja").sum() == 1
    changed = dataclasses.replace(ctx.plan, registration=dataclasses.replace(
        ctx.plan.registration, changes=(PlanChange(dt.date(2024, 3, 1), True, "AR(2)"),)))
    assert list(sensitivity_nl(a, changed).columns)[-1] == ("Model van het analyseplan (gewijzigd nadat "
                                                             "resultaten bekend waren)")
    # the evidence of a school in a region without a registration knows it too
    b = analyse_indicator(dataclasses.replace(ctx, plan=unregistered), "DM0900", "absence_rate", robustness=False)
    assert b.assessment.evidence.plan_registered is False
