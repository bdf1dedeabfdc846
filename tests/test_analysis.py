"""The pre-specified analysis as the reports run it."""

from __future__ import annotations

from pathlib import Path

import dataclasses

import numpy as np
import pandas as pd
import pytest

from josanalysis.methods import ItsSpec
from josanalysis.assessment import (CAVEAT_TITLES_NL, CAVEATS, RESULT_COLUMNS, analyse_indicator, comparison_series,
                                    load_context, model_spec, pretrend_divergence_p, results_frame,
                                    yearly_assessments)
from josanalysis.core.errors import ConfigError
from josanalysis.reporting.tables import (diagnostics_nl, effects_nl, school_estimates_nl, school_overview,
                                         sensitivity_nl, yearly_assessments_nl, yearly_table)


@pytest.fixture(scope="module")
def ctx():
    return load_context("demoregio")


def test_model_spec_follows_the_plan(ctx):
    o = model_spec(ctx.plan, "absence_rate")
    assert isinstance(o, ItsSpec), "the plan's model travels as one typed, frozen spec"
    assert o.family == "gaussian" and o.autocorrelation == "ar1" and o.exclude == "covid"
    assert o.seasonality == "month" and o.slope_change and o.level_change and o.lag == 0
    c = model_spec(ctx.plan, "thuiszitters")
    assert c.family == "quasipoisson" and c.offset == "pupils" and c.seasonality is None
    co = dataclasses.replace(ctx.plan, covid_handling="co-intervention")
    assert model_spec(co, "absence_rate").covariates == ("covid",)
    with pytest.raises(ConfigError, match="'early_leavers' is not in the analysis plan"):
        model_spec(ctx.plan, "early_leavers")


def test_comparison_school_gets_no_estimate_and_no_caveats(ctx):
    a = analyse_indicator(ctx, "DM1100", "absence_rate", robustness=False)
    assert a.result is None and a.assessment.verdict_key == "not_assessable"
    assert not a.assessment.caveats and "vergelijkingsschool" in a.problem


def test_analysis_of_a_jos_school_has_everything_the_report_shows(ctx):
    a = analyse_indicator(ctx, "DM0900", "absence_rate")
    assert a.controlled is not None, "controlled ITS against the comparison schools"
    assert a.placebo is not None and a.sensitivity is not None and a.mde is not None
    keys = {c.key for c in a.assessment.caveats}
    assert "short_post" in keys, "a one-year post-period is flagged"
    assert a.assessment.evidence.comparison_pretrend_p is not None
    table = effects_nl(a)
    assert "Oordeel" in table and table["Schatting"].str.contains("procentpunt").all()
    # the verdict stands next to the plan's primary estimate only; the other rows are secondary
    assert (table["Oordeel"] == a.assessment.verdict).sum() == 1
    assert table["Oordeel"].str.startswith("secundair").sum() == len(table) - 1
    assert (sensitivity_nl(a, ctx.plan)["Vooraf vastgelegd"] == "ja").sum() == 1
    diag = diagnostics_nl(a).set_index("Diagnose")["Waarde"]
    assert diag["Lesmaanden vóór de start (in model)"] == str(a.result.n_pre)
    assert "," in diag["Durbin-Watson"] and "−" not in "".join(table["Schatting"])
    rows = results_frame(ctx, [a])
    assert list(rows.columns) == RESULT_COLUMNS and set(rows["term"]) >= {"level", "slope"}


def test_covid_overlap_fires_for_the_early_pilot(ctx):
    a = analyse_indicator(ctx, "DM1300", "absence_rate", robustness=False)
    assert "covid_overlap" in {c.key for c in a.assessment.caveats}


def test_underpowered_small_school(ctx):
    a = analyse_indicator(ctx, "DM0200", "absence_rate")
    assert a.assessment.verdict_key == "underpowered"
    assert abs(a.mde.mde_decrease) > 0.01, "a small school cannot detect a realistic 1-point change"


def test_first_year_referral_rise_is_explained_not_judged(ctx):
    found = [c for a in yearly_assessments(ctx, "DM0400") for c in a.caveats if c.key == "early_rise"]
    assert found and "eerder" in found[0].text_nl


def test_pretrend_divergence_detects_a_drift():
    months = pd.date_range("2016-09-01", periods=60, freq="MS")
    rng = np.random.default_rng(1)
    treated = pd.DataFrame({"month": months, "absence_rate": 0.08 + 0.0005 * np.arange(60) + rng.normal(0, 0.001, 60),
                            "covid": False})
    comp = pd.DataFrame({"month": months, "absence_rate": 0.08 + rng.normal(0, 0.001, 60)})
    assert pretrend_divergence_p(treated, comp, "absence_rate", pd.Timestamp("2022-01-01")) < 0.01
    parallel = treated.assign(absence_rate=comp["absence_rate"] + 0.01 + rng.normal(0, 0.001, 60))
    assert pretrend_divergence_p(parallel, comp, "absence_rate", pd.Timestamp("2022-01-01")) > 0.01


def test_result_columns_have_one_home():
    root = Path(__file__).resolve().parents[1] / "josanalysis"
    homes = [p for p in root.rglob("*.py") if "RESULT_COLUMNS =" in p.read_text(encoding="utf-8")]
    assert [p.relative_to(root).as_posix() for p in homes] == ["assessment/results.py"]


def test_comparison_series_is_hours_weighted(ctx):
    c = comparison_series(ctx, "absence_rate")
    w = ctx.panel.monthly()
    w = w[w["school_id"].isin(["DM1100", "DM1200"]) & (w["month"] == c["month"].iloc[0])]
    expected = (w["absence_rate"] * w["scheduled_hours"]).sum() / w["scheduled_hours"].sum()
    assert c["absence_rate"].iloc[0] == pytest.approx(expected)


def test_yearly_table_suppresses_small_pupil_counts(ctx):
    y = yearly_table(ctx, "DM0200")
    counts = y["tlv_vso_cluster4"].dropna()
    assert not counts.between(1, 4).any()
    assert y.attrs["privacy_suppressed"], "small counts of a praktijkschool were hidden"


def test_every_caveat_has_a_dutch_title(ctx):
    assert set(CAVEAT_TITLES_NL) == set(CAVEATS)
    a = analyse_indicator(ctx, "DM0900", "absence_rate", robustness=False)
    assert not any("_" in cell for cell in school_estimates_nl([a])["Kanttekeningen"])


def test_dutch_tables_of_the_region_and_the_school_years(ctx):
    overview = school_overview(ctx)
    assert list(overview.columns) == ["School", "Vestiging", "Schooltype", "JOS", "Leerlingen"]
    assert len(overview) == len(ctx.region.schools) and "vergelijkingsschool" in set(overview["JOS"])
    yearly = yearly_assessments_nl(yearly_assessments(ctx, "DM0400"))
    assert list(yearly.columns) == ["Indicator", "Oordeel", "Toelichting", "Kanttekeningen"] and len(yearly)
    # per school a descriptive trend, with the region's pooled estimate beside it
    tlv = yearly.set_index("Indicator").loc["Verwijzingen vso cluster 4 (TLV)", "Toelichting"] \
        if "Verwijzingen vso cluster 4 (TLV)" in set(yearly["Indicator"]) else " ".join(yearly["Toelichting"])
    assert "Alle JOS-scholen van de regio samen" in tlv and "95%-BI" in tlv
