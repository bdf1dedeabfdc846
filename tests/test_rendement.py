"""The return panel (fixed indicator set, trends, missing sources) and provider figures."""

from __future__ import annotations

import pandas as pd
import pytest

from josanalysis.core.config import PrivacyRules
from josanalysis.core.errors import DataError
from josanalysis.core.indicators import RENDEMENT_INDICATORS
from josanalysis.questions.missing import missing_source_message
from josanalysis.questions.provider import provider_figures, provider_report_table
from josanalysis.questions.rendement import long_from_frame, rendement_table
from josanalysis.questions.rendement_tables import report_tables

YEARS = ["2021-2022", "2022-2023", "2023-2024"]


def _long() -> pd.DataFrame:
    rows = []
    for y, a, b in zip(YEARS, [12, 10, 7], [3, 4, 9]):
        rows += [("A", y, "thuiszitters", a), ("B", y, "thuiszitters", b)]
    rows += [("A", "2023-2024", "werkplezier", 7.0), ("B", "2023-2024", "werkplezier", 6.0),
             ("A", "2022-2023", "werkplezier", 6.5)]
    return pd.DataFrame(rows, columns=["school_id", "school_year", "indicator", "value"])


def test_factsheet_indicator_set_is_fixed_and_complete():
    keys = {i.key for i in RENDEMENT_INDICATORS}
    # factsheet advice 3: thuiszitters, in/door/uitstroom, procedures + admin, sick leave,
    # teacher shortage/turnover, job satisfaction, help outside school
    for k in ["thuiszitters", "instroom", "doorstroom_pct", "vsv", "procedures", "administratie_uren",
              "ziekteverzuim_pct", "verloop_leraren_pct", "werkplezier", "jeugdhulp_buiten_school"]:
        assert k in keys


def test_school_trend_hand_computed():
    res = rendement_table(_long())
    a = res.per_school.query("school_id == 'A' and indicator == 'thuiszitters'").iloc[0]
    assert a["change"] == pytest.approx(-5)
    assert a["slope_per_year"] == pytest.approx(-2.5)      # OLS slope of 12, 10, 7
    assert (a["direction"], a["as_expected"]) == ("daalt", "ja")
    b = res.per_school.query("school_id == 'B' and indicator == 'thuiszitters'").iloc[0]
    assert (b["direction"], b["as_expected"]) == ("stijgt", "nee")


def test_region_sums_counts_averages_scores_and_trends_only_full_years():
    res = rendement_table(_long())
    reg = res.region.set_index("indicator")
    assert [reg.loc["thuiszitters", y] for y in YEARS] == [15, 14, 16]
    assert reg.loc["werkplezier", "2023-2024"] == pytest.approx(6.5)       # unweighted mean
    # werkplezier: only 2023-2024 has both schools -> no regional trend from one year
    assert reg.loc["werkplezier", "n_years"] == 1 and reg.loc["werkplezier", "direction"] == "–"
    cov = res.region_coverage.set_index("indicator")
    assert cov.loc["werkplezier", "2022-2023"] == 1


def test_missing_sources_are_sentences_naming_the_file():
    res = rendement_table(None, data_dir="data/regio-alkmaar")
    assert set(res.missing) == {i.key for i in RENDEMENT_INDICATORS}
    assert "leerplicht-registraties.csv" in res.missing["thuiszitters"]
    assert "data/" not in res.missing["thuiszitters"], "a report names no paths"
    assert res.missing["thuiszitters"].startswith("Voor ")
    assert "zio-budget.csv" in missing_source_message("budget", "data/x")
    partial = rendement_table(_long())
    assert "thuiszitters" not in partial.missing and "ziekteverzuim_pct" in partial.missing


def test_long_from_monthly_frame_means_per_school_year():
    m = pd.DataFrame({"school_id": "A", "month": pd.to_datetime(["2022-07-01", "2022-09-01", "2022-10-01"]),
                      "n": [9, 4, 6]})
    out = long_from_frame(m, {"thuiszitters": "n"}, period_column="month", agg="mean")
    assert out.set_index("school_year")["value"].to_dict() == {"2021-2022": 9.0, "2022-2023": 5.0}
    yc = pd.DataFrame({"school_id": ["A"], "school_year": ["2022-2023"], "amb": [10], "verbl": [2]})
    out = long_from_frame(yc, {"jeugdhulp_buiten_school": "amb+verbl"})
    assert out["value"].tolist() == [12.0]


@pytest.mark.parametrize("mutate", [
    lambda d: d.drop(columns="value"),
    lambda d: d.assign(indicator="geluk"),
    lambda d: pd.concat([d, d.iloc[[0]]]),
    lambda d: d.assign(value=d["value"].astype(object).where(d.index != 0, "veel")),
])
def test_bad_long_frames_are_refused(mutate):
    with pytest.raises(DataError):
        rendement_table(mutate(_long()))


def test_report_tables_suppress_small_counts_and_their_trends():
    res = rendement_table(_long())
    tables = report_tables(res, PrivacyRules(min_count=5), names={"A": "School A", "B": "School B"})
    t = tables["thuiszitters"]
    for y in YEARS:
        v = pd.to_numeric(t[y], errors="coerce")
        assert not ((v >= 1) & (v < 5)).any()
    b = t[t["school"] == "School B"].iloc[0]
    assert pd.isna(b["verschil"]) and pd.isna(b["trend per jaar"])   # a hidden year hides the change
    # secondary suppression: B's 3 and 4 hidden -> A's values of those years hidden too (column totals)
    assert t[YEARS[0]].isna().all() and t[YEARS[1]].isna().all()
    assert "regio" in tables and "werkplezier" in tables


def _summary() -> pd.DataFrame:
    return pd.DataFrame({
        "school_id": ["A", "B"], "school_year": ["2023-2024"] * 2,
        "n_eenmalig_contact": [30, 3], "n_clienttraject": [12, 8], "n_monitortraject": [8, 6],
        "share_referred_second_line": [0.25, 0.1], "share_stayed": [0.7, 0.8], "share_dropped_out": [0.05, 0.1],
        "mean_satisfaction": [7.9, 7.0], "n_monitor": [8, 6], "n_relapse": [2, 0],
    })


def test_provider_figures_hand_computed():
    f = provider_figures(_summary(), {"A": 500, "B": 340}).set_index("school_id")
    assert f.loc["A", "n_trajectories"] == 50
    assert f.loc["A", "trajectories_per_100"] == pytest.approx(10.0)
    assert f.loc["B", "clienttraject_per_100"] == pytest.approx(8 / 340 * 100)
    assert f.loc["A", "share_referred_second_line"] == pytest.approx(25.0)
    assert f.loc["A", "relapse_pct"] == pytest.approx(25.0)
    by_year = pd.DataFrame({"school_id": ["A", "B"], "school_year": ["2023-2024"] * 2, "pupils": [1000, 100]})
    assert provider_figures(_summary(), by_year).set_index("school_id").loc["A", "trajectories_per_100"] == 5.0


def test_provider_figures_refuse_impossible_values_and_tables_are_suppressed():
    with pytest.raises(DataError):
        provider_figures(_summary().assign(n_relapse=[9, 0]), {"A": 1, "B": 1})
    with pytest.raises(DataError):
        provider_figures(_summary().assign(share_stayed=[70, 80]), {"A": 1, "B": 1})
    t = provider_report_table(provider_figures(_summary(), {"A": 500, "B": 340}), PrivacyRules(min_count=5))
    for col in ["eenmalig contact", "cliënttraject", "monitortraject", "trajecten totaal", "terugval"]:
        v = pd.to_numeric(t[col], errors="coerce")
        assert not ((v >= 1) & (v < 5)).any(), col
    # the relapse percentage of A (2 of 8) would reveal the hidden relapse count
    assert pd.isna(t.loc[0, "terugval (% van monitortrajecten)"])
    # per-100 rate of a hidden count is hidden too
    assert pd.isna(t.loc[1, "eenmalig contact per 100 lln"])


def test_load_schools_own_indicator_file(tmp_path):
    from josanalysis.sources import load_rendement_indicators

    f = tmp_path / "rendement-indicatoren.csv"
    f.write_text("vestigingscode;schooljaar;indicator;waarde\n"
                 "08UV00;2023-2024;ziekteverzuim_pct;6,1\n"
                 "08UV00;2023-2024;Werkplezier en tevredenheid personeel;7,4\n"
                 "08UV00;2022-2023;instroom;52\n", encoding="utf-8")
    df = load_rendement_indicators(f, school_ids=["08UV00"])
    assert df.set_index("indicator")["value"].to_dict() == {"ziekteverzuim_pct": 6.1, "werkplezier": 7.4,
                                                            "instroom": 52.0}
    res = rendement_table(df)
    assert "werkplezier" not in res.missing and "thuiszitters" in res.missing


@pytest.mark.parametrize("row, column", [
    ("08UV00;2023-2024;geluk;7", "indicator"),                 # unknown indicator
    ("08UV00;2023-2024;ziekteverzuim_pct;160", "waarde"),      # percentage above 100
    ("08UV00;2023-2024;instroom;12,5", "waarde"),              # fractional pupil count
    ("08UV00;2023-2024;werkplezier;veel", "waarde"),           # text
    ("XXXX;2023-2024;werkplezier;7", "vestigingscode"),        # not a vestigingscode
    ("02TD00;2023-2024;werkplezier;7", "vestigingscode"),      # not a school of the region
])
def test_malformed_indicator_files_are_refused_with_row_and_column(tmp_path, row, column):
    from josanalysis.sources import load_rendement_indicators

    f = tmp_path / "rendement-indicatoren.csv"
    f.write_text("vestigingscode;schooljaar;indicator;waarde\n08UV00;2022-2023;werkplezier;7\n" + row + "\n",
                 encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_rendement_indicators(f, school_ids=["08UV00"])
    assert "row 3" in str(err.value) and column in str(err.value)


def test_provider_share_hidden_when_the_pupils_behind_it_are_few():
    s = _summary().assign(n_closed=[40, 30], n_satisfaction=[30, 6],
                          share_dropped_out=[0.05, 0.1])    # 2 of 40 and 3 of 30 pupils dropped out
    t = provider_report_table(provider_figures(s, {"A": 500, "B": 340}), PrivacyRules(min_count=5))
    assert t["uitgevallen (%)"].isna().all()
    # the outflow shares add up to 100%: with only "uitgevallen" hidden it would be 100 minus the
    # others, so a second share is hidden too (issue 17)
    shares = t[["verwezen tweede lijn (%)", "op school gebleven (%)", "uitgevallen (%)"]]
    assert (shares.isna().sum(axis=1) >= 2).all()
    assert t.loc[0, "verwezen tweede lijn (%)"] is pd.NA or pd.isna(t.loc[0, "verwezen tweede lijn (%)"])
    assert pd.isna(t.loc[1, "tevredenheid (gem.)"])                              # 6 questionnaires < 10
    assert not any(c.startswith("_n_") for c in t.columns)


def test_provider_outflow_shares_never_recomputable_from_100_percent():
    """Hidden outflow shares can never be recomputed as 100% minus the shown ones, and hidden
    shares that together stand for a small number of pupils are all hidden (issue 17)."""
    s = _summary().assign(n_closed=[17, 40], n_satisfaction=[17, 40],
                          share_referred_second_line=[2 / 17, 0.5], share_stayed=[13 / 17, 0.45],
                          share_dropped_out=[2 / 17, 0.05])
    t = provider_report_table(provider_figures(s, {"A": 500, "B": 340}), PrivacyRules(min_count=5))
    shares = t[["verwezen tweede lijn (%)", "op school gebleven (%)", "uitgevallen (%)"]]
    assert shares.iloc[0].isna().all(), "2 + 2 of 17 pupils: hidden together they are still small"
    assert shares.iloc[1].isna().sum() == 2 and shares.iloc[1].notna().sum() == 1
