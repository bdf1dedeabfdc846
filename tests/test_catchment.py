"""Catchment estimate of youth care among a school's pupils (Bijlage 2, last row; issue 16)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import DataError
from josanalysis.questions.budget_inputs import BudgetSources, budget_report_data
from josanalysis.questions.catchment import estimate_youthcare
from josanalysis.sources.cbs import load_cbs_youthcare

DATA = Path(__file__).resolve().parent / "data"


def _pupils(rows, date="2022-10-01"):
    return pd.DataFrame([{"reference_date": pd.Timestamp(date), "school_id": s, "home_municipality_code": m,
                          "pupils": n, "suppressed": n is None} for s, m, n in rows])


def test_estimate_is_pupils_times_the_municipal_share():
    cbs = load_cbs_youthcare(DATA / "cbs" / "85098NED.json")  # real 2022 shares: Groningen 15.4, Veendam 19.6
    pupils = _pupils([("S1", "GM0014", 300.0), ("S1", "GM0047", 100.0), ("S1", "GM0060", None),
                      ("S1", "GM9999", 50.0), ("S2", "GM0047", 40.0)])
    est = estimate_youthcare(pupils, cbs).per_school.set_index("school_id")
    assert est.loc["S1", "estimated"] == pytest.approx(300 * 0.154 + 100 * 0.196)
    assert est.loc["S1", "pupils_with_share"] == 400 and est.loc["S1", "pupils_without_share"] == 50
    assert est.loc["S1", "cells_suppressed"] == 1
    assert est.loc["S1", "share_percent"] == pytest.approx(100 * (300 * 0.154 + 100 * 0.196) / 400)
    assert est.loc["S2", "share_percent"] == pytest.approx(19.6)


def test_latest_cbs_year_up_to_the_pupils_year():
    cbs = pd.DataFrame({"municipality_code": "GM0361", "year": [2021, 2022, 2023],
                        "measure": "JongerenMetJeugdhulpInNatura", "value": [10.0, 12.0, 14.0], "suppressed": False})
    est = estimate_youthcare(_pupils([("S1", "GM0361", 100.0)]), cbs)
    assert est.cbs_year == 2022 and est.per_school["estimated"].item() == pytest.approx(12.0)


def test_counts_with_a_care_form_dimension_are_not_a_share():
    cbs = load_cbs_youthcare(DATA / "cbs" / "85099NED.csv")
    with pytest.raises(DataError, match="JongerenMetJeugdhulpInNatura"):
        estimate_youthcare(_pupils([("S1", "GM0361", 100.0)]), cbs)


def test_budget_report_section_shows_the_estimate_through_privacy():
    from josanalysis.reporting.budget_report import _catchment_section, _Context

    region = load_region("regio-alkmaar")
    cbs = pd.DataFrame({"municipality_code": ["GM0361", "GM1980"], "year": 2022,
                        "measure": "JongerenMetJeugdhulpInNatura", "value": [12.0, 10.0], "suppressed": False})
    home = _pupils([("08UV00", "GM1980", 150.0), ("08UV00", "GM0361", 45.0), ("19ZQ00", "GM0361", 3.0)])
    data = budget_report_data(region, BudgetSources(pupils_by_home=home, cbs_youthcare=cbs))
    ctx = _Context(region=region, data=data, names={s.school_id: s.name for s in region.schools},
                   jos_ids=[s.school_id for s in region.jos_schools])
    section = _catchment_section(ctx)
    table = ctx.tables["jeugdhulp_schatting"].set_index("vestiging")
    assert table.loc["08UV00", "geschat aantal leerlingen met jeugdhulp"] == round(150 * 0.10 + 45 * 0.12)
    assert pd.isna(table.loc["19ZQ00", "leerlingen"])  # 3 pupils: below the region's min_count, suppressed
    assert "schatting" in str(section) and "85098NED, 2022" in str(section)
