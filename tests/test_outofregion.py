"""Out-of-region pupils: shares and contributions on a hand-made DUO file; privacy on every table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.config import PrivacyRules
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.questions.outofregion import out_of_region, propose_contributions, report_tables
from josanalysis.privacy import format_for_report
from josanalysis.sources.duo import load_duo_pupils_by_postcode

HEADER = ('"PEILDATUM";"VESTIGINGSCODE";"INSTELLINGSNAAM VESTIGING";"POSTCODE LEERLING";'
          '"GEMEENTENUMMER LEERLING";"GEMEENTENAAM LEERLING";"LEER- OF VERBLIJFSJAAR 1";"LEER- OF VERBLIJFSJAAR 2"')
ROWS = [
    # school 11AA00: 40 + (10, <5) in the region; (6, <5) from Beverwijk, (<5, 0) from Heemskerk
    '"2024-10-01";"11AA00";"School Een";"1811";"0361";"Alkmaar";"20";"20"',
    '"2024-10-01";"11AA00";"School Een";"1901";"0383";"Castricum";"10";"<5"',
    '"2024-10-01";"11AA00";"School Een";"1941";"0375";"Beverwijk";"6";"<5"',
    '"2024-10-01";"11AA00";"School Een";"1961";"0396";"Heemskerk";"<5";"0"',
    # school 22BB00: 80 in the region, 20 from Beverwijk
    '"2024-10-01";"22BB00";"School Twee";"1811";"0361";"Alkmaar";"50";"30"',
    '"2024-10-01";"22BB00";"School Twee";"1941";"0375";"Beverwijk";"10";"10"',
]
REGION = {"GM0361": "Alkmaar", "GM0383": "Castricum"}


@pytest.fixture()
def frame(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "leerlingen-vo-postcode-leerjaar-2024.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return load_duo_pupils_by_postcode(path)


def test_shares_hand_computed(frame):
    res = out_of_region(frame, REGION)          # a '<5' cell counts as 2 (range 1..4)
    s = res.by_school.set_index("school_id")
    # school 1: inside 40 + 10 + 2 = 52; outside 6 + 2 (Beverwijk) + 2 (Heemskerk) = 10
    assert s.loc["11AA00", "pupils_total"] == 62
    assert s.loc["11AA00", "pupils_outside"] == 10
    assert (s.loc["11AA00", "pupils_outside_min"], s.loc["11AA00", "pupils_outside_max"]) == (8, 14)
    assert s.loc["11AA00", "share_outside"] == pytest.approx(10 / 62)
    assert s.loc["22BB00", "share_outside"] == pytest.approx(0.2)
    m = res.by_municipality.set_index("home_municipality_code")
    assert list(m.index) == ["GM0375", "GM0396"]              # outside only, most pupils first
    assert m.loc["GM0375", "pupils"] == 28 and m.loc["GM0375", "n_schools"] == 2
    assert (m.loc["GM0396", "pupils_min"], m.loc["GM0396", "pupils_max"]) == (1, 4)
    assert m.loc["GM0375", "share_of_outside"] == pytest.approx(28 / 30)
    assert m.loc["GM0375", "share_of_all"] == pytest.approx(28 / 162)
    assert res.reference_date == pd.Timestamp("2024-10-01")


def test_suppressed_as_changes_point_values_only(frame):
    res = out_of_region(frame, list(REGION), suppressed_as=4)
    s = res.by_school.set_index("school_id")
    assert s.loc["11AA00", "pupils_outside"] == 6 + 4 + 4
    assert s.loc["11AA00", "pupils_outside_min"] == 8


def test_contribution_rules_hand_computed(frame):
    res = out_of_region(frame, REGION)
    per_school = propose_contributions(res, budget={"11AA00": 62_000.0, "22BB00": 100_000.0})
    c = per_school.set_index("home_municipality_code")["contribution_eur"]
    # both schools spend 1,000 euro per pupil: Beverwijk 8 + 20 pupils, Heemskerk 2
    assert c["GM0375"] == pytest.approx(28_000) and c["GM0396"] == pytest.approx(2_000)
    total = propose_contributions(res, budget=162_000.0).set_index("home_municipality_code")["contribution_eur"]
    assert total["GM0375"] == pytest.approx(28_000)
    pp = propose_contributions(res, rule="per_pupil", per_pupil=500, min_pupils=5)
    pp = pp.set_index("home_municipality_code")["contribution_eur"]
    assert pp["GM0375"] == pytest.approx(14_000) and pp["GM0396"] == 0


def test_contribution_arguments_are_checked(frame):
    res = out_of_region(frame, REGION)
    with pytest.raises(ConfigError):
        propose_contributions(res, rule="flat")
    with pytest.raises(ConfigError):
        propose_contributions(res)                                   # proportional needs a budget
    with pytest.raises(ConfigError):
        propose_contributions(res, rule="per_pupil")
    with pytest.raises(DataError):
        propose_contributions(res, budget={"11AA00": 1.0})           # 22BB00 has no budget


def test_bad_inputs_are_refused(frame):
    with pytest.raises(ConfigError):
        out_of_region(frame, ["0361"])                               # not a CBS code
    with pytest.raises(ConfigError):
        out_of_region(frame, [])
    with pytest.raises(ConfigError):
        out_of_region(frame, REGION, suppressed_as=2.5)
    with pytest.raises(ConfigError):
        out_of_region(frame, REGION, reference_date="2023-10-01")
    with pytest.raises(DataError):
        out_of_region(frame.drop(columns="home_municipality_code"), REGION)
    with pytest.raises(DataError):
        out_of_region(frame.assign(pupils=frame["pupils"].astype("Float64") * -1), REGION)


def _count_columns(key: str, table: pd.DataFrame) -> list[str]:
    if key == "per_school_gemeente":
        return [c for c in table.columns if c.startswith("School")]
    return [c for c in table.columns if c.startswith("leerlingen") or c.startswith("buiten regio")]


@pytest.mark.parametrize("min_count", [5, 10])
def test_every_table_is_suppressed(frame, min_count):
    res = out_of_region(frame, REGION)
    contrib = propose_contributions(res, budget=162_000.0)
    tables = report_tables(res, PrivacyRules(min_count=min_count), contrib)
    assert set(tables) == {"per_school_gemeente", "per_school", "per_gemeente", "bijdragen"}
    for key, table in tables.items():
        shown = format_for_report(table)
        cols = _count_columns(key, table)
        assert cols, key
        for col in cols:
            values = pd.to_numeric(table[col], errors="coerce")
            assert not ((values >= 1) & (values < min_count)).any(), (key, col)
        # a hidden pupil count also hides the euros or share computed from it
        if key == "bijdragen":
            hidden = table["leerlingen"].isna()
            assert hidden.any() and table.loc[hidden, "voorgestelde bijdrage (€)"].isna().all()
            assert (shown.loc[hidden, "voorgestelde bijdrage (€)"] == "•").all()
    cross = tables["per_school_gemeente"]
    # Heemskerk from School Een (2 pupils) is hidden, and never alone in its row or column
    heemskerk = cross[cross["woongemeente"] == "Heemskerk"]
    assert heemskerk["School Een"].isna().all()
    school_cols = [c for c in cross.columns if c.startswith("School")]
    hidden = cross[school_cols].isna()
    assert (hidden.sum(axis=1) != 1).all() and (hidden.sum(axis=0) != 1).all()
