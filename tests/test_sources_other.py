"""CBS, Leerplicht, municipality, SWV, provider, capacity and budget loaders: known truths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from josanalysis.core.errors import ConfigError
from josanalysis.sources import (
    PSEUDONYM_KEY_ENV,
    load_budget,
    load_capacity,
    load_cbs_youthcare,
    load_leerplicht_cases,
    load_municipality_youthcare,
    load_provider_trajectories,
    load_swv_referrals,
    load_thuiszitters,
    pseudonymise,
    summarise_trajectories,
)

EX = Path(__file__).resolve().parents[1] / "data" / "examples"


def test_cbs_json_and_csv_versions_agree():
    js = load_cbs_youthcare(EX / "cbs-85099NED.json")
    cs = load_cbs_youthcare(EX / "cbs-85099NED.csv")  # other table version: suffixes _3/_4
    pd.testing.assert_frame_equal(js.sort_values(list(js.columns[:3])).reset_index(drop=True),
                                  cs.sort_values(list(cs.columns[:3])).reset_index(drop=True))
    assert set(js["measure"]) == {"JongerenMetJeugdhulp", "JongerenMetJeugdhulpMetVerblijf"}
    assert set(js["municipality_code"]) == {"GM9901", "GM9902"}  # trailing spaces stripped
    cell = js[(js["municipality_code"] == "GM9902") & (js["year"] == 2021)
              & (js["measure"] == "JongerenMetJeugdhulpMetVerblijf")].iloc[0]
    assert np.isnan(cell["value"]) and cell["suppressed"]
    assert js.loc[(js["municipality_code"] == "GM9901") & (js["year"] == 2022)
                  & (js["measure"] == "JongerenMetJeugdhulp"), "value"].item() == 1585


def test_thuiszitters_stock_on_first_of_month():
    df = load_thuiszitters(EX / "leerplicht-registraties.csv", start="2022-08-01", end="2023-04-01")
    t = df.set_index(["school_id", "month"])
    # DM0100: langdurig 2022-09-12..2023-01-20 (open on Oct 1 .. Jan 1), absoluut from 2022-11-01
    assert t.loc[("DM0100", pd.Timestamp("2022-09-01")), "thuiszitters"] == 0
    assert t.loc[("DM0100", pd.Timestamp("2022-10-01")), "thuiszitters"] == 1
    # Bijlage 2: thuiszitters are langdurig relatief verzuim only; absoluut verzuim is its own series
    assert t.loc[("DM0100", pd.Timestamp("2022-11-01")), "thuiszitters"] == 1
    assert t.loc[("DM0100", pd.Timestamp("2022-11-01")), "absoluut_verzuim"] == 1
    assert t.loc[("DM0100", pd.Timestamp("2023-02-01")), "langdurig_relatief_verzuim"] == 0
    assert t.loc[("DM0100", pd.Timestamp("2023-04-01")), "absoluut_verzuim"] == 1  # still open
    # DM0200: one pupil moves from langdurig to absoluut on 2022-12-01: counted once
    dec = t.loc[("DM0200", pd.Timestamp("2022-12-01"))]
    assert dec["thuiszitters"] == 1 and dec["absoluut_verzuim"] == 1 and dec["langdurig_relatief_verzuim"] == 1
    # relatief verzuim and vrijstelling are not thuiszitters
    assert t.loc[("DM0200", pd.Timestamp("2023-04-01")), "thuiszitters"] == 0
    assert len(df) == 2 * 9 and df["thuiszitters"].dtype == "Int64"


def test_thuiszitters_bad_window():
    with pytest.raises(ConfigError):
        load_thuiszitters(EX / "leerplicht-registraties.csv", start="2023-05-02", end="2023-05-20")


def test_pseudonymisation_key_and_cases(monkeypatch):
    ids = pd.Series(["100001", "100002", "100001"])
    a = pseudonymise(ids, key=b"k1")
    assert a.iloc[0] == a.iloc[2] != a.iloc[1]
    assert a.str.fullmatch(r"ll-[0-9a-f]{16}").all()
    assert (pseudonymise(ids, key=b"k2") != a).all()
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "k1")
    pd.testing.assert_series_equal(pseudonymise(ids), a)
    cases = load_leerplicht_cases(EX / "leerplicht-registraties.csv")
    assert "100001" not in set(cases["pupil_key"]) and cases["pupil_key"].iloc[0] == a.iloc[0]
    assert list(cases.columns) == ["pupil_key", "school_id", "type", "start", "end"]


def test_municipality_youthcare_values_and_flags():
    df = load_municipality_youthcare(EX / "gemeente-jeugdhulp-per-school.csv")
    r = df.set_index(["school_id", "school_year"]).loc[("DM0100", "2022-2023")]
    assert r["cost_ambulant"] == pytest.approx(450120.75) and r["duration_months"] == pytest.approx(8.7)
    assert pd.isna(r["youthcare_residential"]) and r["youthcare_residential_suppressed"]
    assert np.isnan(r["cost_residential"]) and r["cost_residential_suppressed"]
    assert df["youthcare_ambulant"].dtype == "Int64" and df["cost_ambulant"].dtype == "float64"


def test_swv_referrals():
    df = load_swv_referrals(EX / "swv-verwijzingen.csv", school_ids=["DM0100", "DM0200"])
    assert df["tlv_vso_cluster4"].tolist()[0] == 7 and df["tlv_vso_cluster4_suppressed"].tolist() == [False, True, False]


def test_provider_trajectories_and_summary():
    tr = load_provider_trajectories(EX / "aanbieder-trajecten.csv")
    assert set(tr["type"]) == {"clienttraject", "eenmalig_contact", "monitortraject"}
    assert tr["relapse"].dtype == "boolean" and tr.loc[5, "relapse"]
    s = summarise_trajectories(tr).set_index(["school_id", "school_year"])
    a = s.loc[("DM0100", "2022-2023")]
    assert a["n_trajectories"] == 4 and a["n_clienttraject"] == 2 and a["n_closed"] == 4
    assert a["share_referred_second_line"] == pytest.approx(0.25) and a["share_stayed"] == pytest.approx(0.75)
    assert a["mean_satisfaction"] == pytest.approx((8 + 6.5 + 9) / 3)
    b = s.loc[("DM0200", "2022-2023")]
    assert b["n_closed"] == 1 and b["share_dropped_out"] == 1.0 and b["n_monitor"] == 1 and b["n_relapse"] == 1
    assert pd.isna(b["mean_satisfaction"])


def test_capacity_nvt_is_not_deployed_and_wide_layout(tmp_path):
    cap = load_capacity(EX / "capaciteit-fte.csv").set_index(["school_id", "function"])
    paj = cap.loc[("DM0100", "PAJ")]
    assert not paj["deployed"] and np.isnan(paj["fte_during"]) and np.isnan(paj["fte_before"])
    gw = cap.loc[("DM0200", "GW")]
    assert gw["deployed"] and gw["fte_during"] == pytest.approx(0.2) and np.isnan(gw["fte_before"])
    wide = tmp_path / "fte.csv"
    wide.write_text("vestigingscode;school;GW fte eerder;GW fte tijdens;JGC fte eerder;JGC fte tijdens\n"
                    "DM0100;Duinwijk College;0,2;0,4;0,8;1,0\n", encoding="utf-8")
    w = load_capacity(wide).set_index("function")
    assert w.loc["JGC", "fte_during"] == pytest.approx(1.0) and set(w.index) == {"GW", "JGC"}


def test_budget_decimal_comma_and_thousands():
    b = load_budget(EX / "zio-budget.csv")
    assert b["budget_eur"].tolist() == [125000.0, 131250.0, 87500.5]
    assert b["year"].dtype == "Int64"


def test_cbs_extra_dimension_kept_as_text(tmp_path):
    import json

    f = tmp_path / "83454NED.json"
    f.write_text(json.dumps({"value": [
        {"ID": 0, "Leeftijd": "10000", "RegioS": "GM0361 ", "Perioden": "2022JJ00", "Jongeren_12": 5},
        {"ID": 1, "Leeftijd": "20000", "RegioS": "GM0361 ", "Perioden": "2022JJ00", "Jongeren_12": None},
    ]}), encoding="utf-8")
    df = load_cbs_youthcare(f)
    assert list(df.columns) == ["municipality_code", "year", "measure", "value", "suppressed", "Leeftijd"]
    assert df["Leeftijd"].tolist() == ["10000", "20000"] and df["measure"].eq("Jongeren").all()
    assert df["suppressed"].tolist() == [False, True]
