"""Attendance: DuckDB aggregation equals a direct computation; variants of the format load."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from josanalysis.sources import load_attendance, load_attendance_pupil_months, pseudonymise

HEADER = "leerling_id;vestigingscode;datum;lesuren_gepland;lesuren_afwezig_geoorloofd;lesuren_afwezig_ongeoorloofd"


def _registrations(seed: int = 7, n_pupils: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2023-09-01", "2023-12-22")
    pupils = [f"{100000 + i}" for i in range(n_pupils)]
    schools = np.where(np.arange(n_pupils) % 3 == 0, "DM0100", "0AB201")  # leading zero kept
    df = pd.DataFrame(
        [(p, s, d) for p, s in zip(pupils, schools, strict=True) for d in days],
        columns=["leerling_id", "vestigingscode", "datum"],
    )
    g = rng.integers(4, 9, len(df)).astype(float)
    a1 = np.minimum(g, rng.binomial(3, 0.05, len(df)))
    a2 = np.minimum(g - a1, rng.binomial(2, 0.03, len(df)) * 1.5)
    df["lesuren_gepland"], df["lesuren_afwezig_geoorloofd"], df["lesuren_afwezig_ongeoorloofd"] = g, a1, a2
    return df


def _expected(df: pd.DataFrame) -> pd.DataFrame:
    d = df.assign(month=pd.to_datetime(df["datum"]).dt.to_period("M").dt.to_timestamp())
    out = d.groupby(["vestigingscode", "month"]).agg(
        n_pupils=("leerling_id", "nunique"), scheduled_hours=("lesuren_gepland", "sum"),
        absent_authorised_hours=("lesuren_afwezig_geoorloofd", "sum"),
        absent_unauthorised_hours=("lesuren_afwezig_ongeoorloofd", "sum"),
    ).reset_index().rename(columns={"vestigingscode": "school_id"})
    return out


def test_aggregation_matches_direct_computation(tmp_path):
    df = _registrations()
    f = tmp_path / "verzuim-2023-2024.csv"
    df.to_csv(f, sep=";", index=False)
    got = load_attendance(f)
    exp = _expected(df)
    assert list(got["school_id"].unique()) == ["0AB201", "DM0100"]
    merged = got.merge(exp, on=["school_id", "month"], suffixes=("", "_exp"), validate="1:1")
    assert len(merged) == len(exp) == len(got)
    for c in ("n_pupils", "scheduled_hours", "absent_authorised_hours", "absent_unauthorised_hours"):
        assert np.allclose(merged[c].astype(float), merged[f"{c}_exp"].astype(float)), c
    rate = (merged["absent_authorised_hours_exp"] + merged["absent_unauthorised_hours_exp"]) / merged["scheduled_hours_exp"]
    assert np.allclose(merged["absence_rate"], rate)
    assert np.allclose(merged["unauthorised_rate"], merged["absent_unauthorised_hours_exp"] / merged["scheduled_hours_exp"])
    assert got["month"].dt.day.eq(1).all() and got["n_pupils"].dtype == "Int64"


def test_split_gzip_files_glob_and_list_give_same_result(tmp_path):
    df = _registrations(seed=3)
    whole = tmp_path / "all.csv"
    df.to_csv(whole, sep=";", index=False)
    parts = tmp_path / "verzuim"
    parts.mkdir()
    oct_ = pd.to_datetime(df["datum"]) < "2023-11-01"
    with gzip.open(parts / "verzuim-a.csv.gz", "wt", encoding="utf-8") as fh:
        df[oct_].to_csv(fh, sep=";", index=False)
    # second part: comma-separated, English headers, other column order
    df[~oct_].rename(columns={"leerling_id": "pupil_id", "vestigingscode": "school_id", "datum": "date",
                              "lesuren_gepland": "scheduled_hours",
                              "lesuren_afwezig_geoorloofd": "absent_authorised_hours",
                              "lesuren_afwezig_ongeoorloofd": "absent_unauthorised_hours"}
                     )[["date", "school_id", "pupil_id", "scheduled_hours", "absent_authorised_hours",
                        "absent_unauthorised_hours"]].to_csv(parts / "verzuim-b.csv", index=False)
    ref = load_attendance(whole)
    for arg in (str(parts / "verzuim-*"), [parts / "verzuim-a.csv.gz", parts / "verzuim-b.csv"], parts):
        got = load_attendance(arg)
        pd.testing.assert_frame_equal(got, ref)


def test_decimal_comma_cp1252_and_month_summaries(tmp_path):
    f = tmp_path / "verzuim.csv"
    text = (HEADER + "\n"
            "\"Zoë-1\";DM0100;2023-09-01;110,5;10,5;2\n"
            "Zoë-2;DM0100;01-09-2023;120;0;0\n"
            "Zoë-1;DM0100;2023-10-02;100;5;5\n")
    f.write_bytes(text.encode("cp1252"))
    got = load_attendance(f).set_index("month")
    sep = got.loc[pd.Timestamp("2023-09-01")]
    assert sep["n_pupils"] == 2 and sep["scheduled_hours"] == pytest.approx(230.5)
    assert sep["absence_rate"] == pytest.approx(12.5 / 230.5)
    assert got.loc[pd.Timestamp("2023-10-01"), "unauthorised_rate"] == pytest.approx(0.05)


def test_pupil_months_are_pseudonymised_in_duckdb(tmp_path):
    df = _registrations(n_pupils=6)
    f = tmp_path / "verzuim.csv"
    df.to_csv(f, sep=";", index=False)
    key = b"test-key"
    got = load_attendance_pupil_months(f, key=key)
    raw_ids = set(df["leerling_id"])
    assert not set(got["pupil_key"]) & raw_ids
    expected = set(pseudonymise(pd.Series(sorted(raw_ids)), key=key))
    assert set(got["pupil_key"]) == expected  # SQL HMAC equals the Python HMAC
    assert got.groupby("month")["scheduled_hours"].sum().sum() == pytest.approx(df["lesuren_gepland"].sum())


def test_same_school_month_in_two_files_is_refused(tmp_path):
    from josanalysis.core.errors import DataError

    a, b = tmp_path / "verzuim-a.csv", tmp_path / "verzuim-b.csv"
    a.write_text(HEADER + "\n1;DM0100;2023-09-04;6;0;0\n", encoding="utf-8")
    b.write_text(HEADER + "\n2;DM0100;2023-09-05;6;0;0\n", encoding="utf-8")
    with pytest.raises(DataError, match="verzuim-a.csv and verzuim-b.csv") as info:
        load_attendance([a, b])
    assert "2023-09" in str(info.value) and info.value.column == "datum"
