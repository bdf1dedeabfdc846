"""Published layouts read unchanged (issue 16): CBS typed data, DUO vsv, DUO (v)so/sbo, old BRIN layout."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.errors import DataError
from josanalysis.sources.cbs import load_cbs_youthcare, unit_factor
from josanalysis.sources.duo import load_duo_pupils, load_duo_special_pupils, load_duo_vsv

DATA = Path(__file__).resolve().parent / "data"


def _cell(df, code, year, measure, **dims):
    sel = (df["municipality_code"] == code) & (df["year"] == year) & (df["measure"] == measure)
    for k, v in dims.items():
        sel &= df[k] == v
    return df.loc[sel].iloc[0]


def test_cbs_85099NED_typed_csv_measure_and_care_form_dimension():
    df = load_cbs_youthcare(DATA / "cbs" / "85099NED.csv")
    assert set(df["measure"]) == {"JongerenMetJeugdzorg"}
    assert "VormenVanJeugdzorg" in df.columns
    assert set(df["VormenVanJeugdzorg"]) == {"A045561", "A027918"}  # trailing spaces stripped
    assert _cell(df, "GM0361", 2022, "JongerenMetJeugdzorg", VormenVanJeugdzorg="A045561")["value"] == 2585
    supp = _cell(df, "GM0416", 2021, "JongerenMetJeugdzorg", VormenVanJeugdzorg="A027918")
    assert math.isnan(supp["value"]) and supp["suppressed"]


def test_cbs_85098NED_typed_json_percentages_as_published():
    df = load_cbs_youthcare(DATA / "cbs" / "85098NED.json")
    assert _cell(df, "GM0014", 2022, "JongerenMetJeugdhulpInNatura")["value"] == pytest.approx(15.4)
    assert _cell(df, "GM0047", 2022, "JeugdbeschEnJeugdhMetVerblInNat")["value"] == pytest.approx(56.3)
    ameland = _cell(df, "GM0060", 2022, "JongerenMetJeugdhMetVerblInNat")
    assert math.isnan(ameland["value"]) and ameland["suppressed"]
    assert len(set(df["measure"])) == 5


def test_cbs_83454NED_costs_in_thousands_become_euros():
    df = load_cbs_youthcare(DATA / "cbs" / "83454NED.csv")
    cost = _cell(df, "GM0361", 2022, "GerealiseerdeKosten", VormenVanJeugdzorg="A045561")["value"]
    assert cost == 41_560_000.0  # published 41560 x EUR 1,000
    assert unit_factor("GerealiseerdeKosten", "83454NED") == 1000.0
    assert unit_factor("GerealiseerdeKosten", "99999NED") == 1.0


def test_cbs_units_from_fetched_data_properties(tmp_path):
    f = tmp_path / "kosten.json"
    f.write_text(json.dumps({
        "value": [{"ID": 0, "RegioS": "GM0361  ", "Perioden": "2022JJ00", "GerealiseerdeKosten_2": 12.5}],
        "DataProperties": [{"Key": "GerealiseerdeKosten_2", "Type": "Topic", "Unit": "x 1 000 euro"}],
    }), encoding="utf-8")
    assert load_cbs_youthcare(f)["value"].item() == 12_500.0


def test_cbs_text_in_a_measure_is_refused_with_file_row_and_column(tmp_path):
    f = tmp_path / "85099NED.csv"
    text = (DATA / "cbs" / "85099NED.csv").read_text(encoding="utf-8").replace('"2585"', '"onbekend"')
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_cbs_youthcare(f)
    err = info.value
    assert err.file == "85099NED.csv" and err.rows == [8] and err.column == "JongerenMetJeugdzorg_1"
    assert "onbekend" in str(err)


def test_duo_public_vsv_with_plain_year_and_profile():
    df = load_duo_vsv(DATA / "duo" / "vsv-vo-per-instelling-public.csv")
    assert set(df["school_year"]) == {"2011-2012", "2012-2013"}
    pcc = df[(df["instelling"] == "02QX") & (df["school_year"] == "2011-2012")]
    assert len(pcc) == 3 and int(pcc["early_leavers"].sum()) == 19
    assert "VMBO bovenbouw / TECHNIEK" in set(pcc["education_structure"])
    assert int(pcc["participants"].max()) == 1204  # "1.204": thousands separator
    assert df["school_id"].isna().all()  # per instelling
    focus12 = df[(df["instelling"] == "08UV") & (df["school_year"] == "2012-2013")].iloc[0]
    assert focus12["suppressed"] and pd.isna(focus12["early_leavers"])


def test_duo_vsv_per_vestiging():
    df = load_duo_vsv(DATA / "duo" / "vsv-vo-per-vestiging.csv")
    assert df["school_id"].tolist() == ["02QX00", "02QX01", "02QX03"]
    assert df["school_year"].unique().tolist() == ["2022-2023"]
    assert int(df.set_index("school_id").loc["02QX01", "early_leavers"]) == 6


def test_duo_special_education_pupils_per_vestiging():
    df = load_duo_special_pupils(DATA / "duo" / "leerlingen-so-vso-per-vestiging-2023.csv").set_index("school_id")
    assert int(df.loc["99XA00", "vso_pupils"]) == 231 and bool(df.loc["99XA00", "pupils_suppressed"])
    assert int(df.loc["99XA00", "pupils"]) == 231  # the '<5' row is missing, never zero, and flagged
    assert int(df.loc["99XB01", "sbo_pupils"]) == 142 and int(df.loc["99XB01", "pupils"]) == 142
    assert df.loc["99XB01", "municipality_code"] == "GM1980"
    assert str(df.loc["99XC00", "reference_date"].date()) == "2023-10-01"


def test_duo_special_without_count_columns_is_refused(tmp_path):
    f = tmp_path / "leerlingen-so-vso-per-vestiging-2023.csv"
    f.write_text("BRIN NUMMER;VESTIGINGSNUMMER;AANTAL\n99XA;00;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="SBAO, SO and VSO"):
        load_duo_special_pupils(f)


def test_duo_old_brin_and_vestigingsnummer_layout():
    df = load_duo_pupils(DATA / "duo" / "leerlingen-vo-per-vestiging-2019-oud-layout.csv").set_index("school_id")
    assert sorted(df.index) == ["02TD00", "02TD04", "08UV00"]  # '4' -> '04', prefixed with the BRIN
    assert int(df.loc["02TD00", "pupils"]) == 1702
    assert df.loc["08UV00", "municipality_code"] == "GM0398"
    assert str(df.loc["08UV00", "reference_date"].date()) == "2019-10-01"


def test_special_school_pupils_reach_the_panel(tmp_path):
    import datetime as dt
    import shutil

    from josanalysis.core.config import load_region
    from josanalysis.panel.build import build_panel, pupils_with_special
    from josanalysis.sources import load_region_data

    (tmp_path / "duo").mkdir()
    shutil.copy(DATA / "duo" / "leerlingen-so-vso-per-vestiging-2023.csv", tmp_path / "duo")
    data = load_region_data(tmp_path, required=False)
    assert set(data.duo_special_pupils["school_id"]) == {"99XA00", "99XB01", "99XC00"}
    pupils = pupils_with_special(None, data.duo_special_pupils)
    region = load_region("regio-alkmaar")
    region = type(region)(**{**region.__dict__, "schools": tuple(
        type(s)(**{**s.__dict__, "school_id": "99XA00"}) for s in region.schools[:1])})
    panel = build_panel(region, attendance=None, pupils=pupils)
    yearly = panel.yearly("99XA00")
    assert int(yearly["pupils"].iloc[0]) == 231 and yearly["year_start"].iloc[0] == dt.datetime(2023, 8, 1)


class _FakeCbsodata:
    """Stands in for the cbsodata package (no network in tests): what download_data returns."""

    def __init__(self, payload=None, error=None):
        self.payload, self.error, self.calls = payload, error, []

    def download_data(self, table, typed=False, filters=None):
        self.calls.append((table, filters))
        if self.error:
            raise self.error
        return self.payload


def _fetched_83454():
    return {"UntypedDataSet": [
        {"ID": 0, "VormenVanJeugdzorg": "A045561 ", "RegioS": "GM0361  ", "Perioden": "2022JJ00",
         "GerealiseerdeKosten_2": "     41560"},
        {"ID": 1, "VormenVanJeugdzorg": "A045561 ", "RegioS": "GM1980  ", "Perioden": "2022JJ00",
         "GerealiseerdeKosten_2": "         ."}],
        "DataProperties": [{"Key": "VormenVanJeugdzorg", "Type": "Dimension"},
                           {"Key": "GerealiseerdeKosten_2", "Type": "Topic", "Unit": "x 1 000 euro"}]}


def test_fetch_cbs_saves_the_table_with_its_units(tmp_path, monkeypatch, capsys):
    import sys

    from josanalysis.runner.cli import main

    fake = _FakeCbsodata(_fetched_83454())
    monkeypatch.setitem(sys.modules, "cbsodata", fake)
    assert main(["fetch-cbs", "83454ned", "--out", str(tmp_path / "cbs"),
                 "--filter", "substringof('GM', RegioS)"]) == 0
    assert fake.calls == [("83454NED", "substringof('GM', RegioS)")]
    saved = tmp_path / "cbs" / "83454NED.json"
    assert sorted(p.name for p in saved.parent.iterdir()) == ["83454NED.json"]
    df = load_cbs_youthcare(saved).set_index("municipality_code")
    assert df.loc["GM0361", "value"] == 41_560_000.0 and bool(df.loc["GM1980", "suppressed"])


def test_fetch_cbs_offline_or_bad_download_is_one_sentence(tmp_path, monkeypatch, capsys):
    import sys

    from josanalysis.runner.cli import main

    monkeypatch.setitem(sys.modules, "cbsodata", _FakeCbsodata(error=OSError("Name or service not known")))
    assert main(["fetch-cbs", "85099NED", "--out", str(tmp_path)]) == 2
    assert "are you online?" in capsys.readouterr().err
    bad = _fetched_83454()
    bad["UntypedDataSet"][0]["GerealiseerdeKosten_2"] = "geheim"
    monkeypatch.setitem(sys.modules, "cbsodata", _FakeCbsodata(bad))
    assert main(["fetch-cbs", "83454NED", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "GerealiseerdeKosten_2" in err and "geheim" in err
    assert not list(tmp_path.glob("*.json"))  # nothing half-written is left
    assert main(["fetch-cbs", "kosten", "--out", str(tmp_path)]) == 2


def test_vsv_per_vestiging_where_published_else_instelling_for_every_vestiging_labelled():
    from josanalysis.core.indicators import get_indicator
    from josanalysis.panel.build import vsv_per_school

    per_inst = load_duo_vsv(DATA / "duo" / "vsv-vo-per-instelling-public.csv")
    per_vest = load_duo_vsv(DATA / "duo" / "vsv-vo-per-vestiging.csv")
    both = pd.concat([per_inst, per_vest], ignore_index=True)
    ids = ["08UV00", "02QX00", "02QX01", "02QX03", "02QX07"]
    out = vsv_per_school(both, ids).set_index(["school_id", "school_year"])
    # per vestiging where DUO publishes it (2022)
    assert out.loc[("02QX01", "2022-2023"), "level"] == "vestiging"
    assert int(out.loc[("02QX01", "2022-2023"), "early_leavers"]) == 6
    # 2011: only the instelling's figure; shown at each of its vestigingen, labelled, not split
    for sid in ("02QX00", "02QX01", "02QX03", "02QX07"):
        assert out.loc[(sid, "2011-2012"), "level"] == "instelling"
        assert int(out.loc[(sid, "2011-2012"), "early_leavers"]) == 19
    assert ("02QX07", "2022-2023") not in out.index  # no figure of its own, and DUO's is per vestiging
    # an instelling with one vestiging in the region: its figure is that school's
    assert out.loc[("08UV00", "2011-2012"), "level"] == "vestiging"
    assert "hele instelling" in get_indicator("early_leavers_instelling").label
