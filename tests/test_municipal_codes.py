"""Municipal code harmonisation (issue 16): Dijk en Waard (GM1980) from GM0398 + GM0416 in every source."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError
from josanalysis.core.municipalities import code_map, load_reorganisations
from josanalysis.sources import load_region_data
from josanalysis.sources.cbs import load_cbs_youthcare
from josanalysis.sources.harmonise import harmonise_cbs

DATA = Path(__file__).resolve().parent / "data"


def test_mapping_table_dijk_en_waard_from_2022():
    assert code_map(2022)["GM0398"] == "GM1980" and code_map(2022)["GM0416"] == "GM1980"
    assert "GM0398" not in code_map(2021)  # boundaries of 1 January 2021: Heerhugowaard still existed
    assert "GM0457" not in code_map(2022) and code_map(2023)["GM0457"] == "GM0363"  # Weesp: 24 March 2022
    assert code_map(None)["GM0398"] == "GM1980"


def test_mapping_table_is_checked(tmp_path):
    bad = tmp_path / "reorganisations.csv"
    bad.write_text("# comment\neffective,old_code,old_name,new_code,new_name\n2022-01-01,0398,H,GM1980,D\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="row 2 .* not a pair of CBS codes"):
        load_reorganisations(bad)
    bad.write_text("effective,old_code,old_name,new_code,new_name\n2022-13-01,GM0398,H,GM1980,D\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a date"):
        load_reorganisations(bad)


def test_a_duo_series_keeps_one_code_across_the_merger(tmp_path):
    (tmp_path / "duo").mkdir()
    shutil.copy(DATA / "duo" / "leerlingen-vo-per-vestiging-2019-oud-layout.csv",
                tmp_path / "duo" / "leerlingen-vo-per-vestiging-2019.csv")
    shutil.copy(DATA / "duo" / "leerlingen-vo-per-vestiging-2025-subset.csv",
                tmp_path / "duo" / "leerlingen-vo-per-vestiging-2025.csv")
    data = load_region_data(tmp_path, required=False)
    focus = data.duo_pupils[data.duo_pupils["school_id"] == "08UV00"].sort_values("reference_date")
    assert focus["municipality_code"].tolist() == ["GM1980", "GM1980"]
    assert focus["municipality_name"].iloc[0] == "Dijk en Waard"
    assert focus["pupils"].tolist() == [201, 195]
    # the boundaries of 2021 keep the old code
    old = load_region_data(tmp_path, required=False, boundaries_year=2021).duo_pupils
    assert old.set_index(["school_id", "reference_date"]).loc[("08UV00", pd.Timestamp("2019-10-01")),
                                                             "municipality_code"] == "GM0398"


def test_cbs_counts_of_merged_municipalities_add_up():
    cbs = load_cbs_youthcare(DATA / "cbs" / "85099NED.csv")
    out = harmonise_cbs(cbs, None)
    assert not out["municipality_code"].isin(["GM0398", "GM0416"]).any()
    row = out[(out["municipality_code"] == "GM1980") & (out["year"] == 2021)].set_index("VormenVanJeugdzorg")
    assert row.loc["A045561", "value"] == 1525 + 640
    assert math.isnan(row.loc["A027918", "value"]) and row.loc["A027918", "suppressed"]  # 110 + '.'
    later = out[(out["municipality_code"] == "GM1980") & (out["year"] == 2022)].set_index("VormenVanJeugdzorg")
    assert later.loc["A045561", "value"] == 2240


def test_cbs_shares_of_merged_municipalities_are_not_added():
    shares = pd.DataFrame({"municipality_code": ["GM0398", "GM0416"], "year": [2021, 2021],
                           "measure": ["JongerenMetJeugdhulpInNatura"] * 2, "value": [12.0, 10.0],
                           "suppressed": [False, False]})
    out = harmonise_cbs(shares, None)
    assert len(out) == 1 and out["municipality_code"].item() == "GM1980"
    assert math.isnan(out["value"].item()) and not out["suppressed"].item()


def test_region_file_chooses_the_boundaries(tmp_path):
    region = load_region("regio-alkmaar")
    assert region.boundaries_year is None and "GM1980" in region.municipalities
