"""DUO loaders: the real open-data files load unchanged, older layouts and variants too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.errors import DataError
from josanalysis.sources import (
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
)

SHARED = Path(__file__).resolve().parent / "data" / "duo"
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
PUPILS = SHARED / "leerlingen-vo-per-vestiging-2025-subset.csv"
ADDRESSES = SHARED / "alle-vestigingen-vo-subset-regio-alkmaar.csv"


@pytest.fixture(scope="module")
def pupils() -> pd.DataFrame:
    return load_duo_pupils(PUPILS)


def test_real_file_published_counts(pupils):
    by_id = pupils.set_index("school_id")
    row = by_id.loc["08UV00"]
    assert row["pupils"] == 195 and row["municipality_code"] == "GM1980"
    assert by_id.loc["20MH00", "pupils"] == 1545
    assert by_id.loc["02TD00", "pupils"] == 1648
    assert by_id.loc["00ZD00", "pupils"] == 1457
    assert by_id.loc["25EF02", "pupils"] == 1018
    assert by_id.loc["19ZQ00", "pupils"] == 805


def test_real_file_shape_and_types(pupils):
    raw = PUPILS.read_text(encoding="utf-8").splitlines()
    assert len(pupils) == len(raw) - 1  # every data row, nothing dropped
    assert pupils["pupils"].dtype == "Int64" and pupils["vavo_pupils"].dtype == "Int64"
    assert pupils["reference_date"].eq(pd.Timestamp("2025-10-01")).all()  # year from file name
    assert pupils["municipality_code"].str.fullmatch(r"GM\d{4}").all()
    assert set(pupils["municipality_code"]) >= {"GM0361", "GM1980", "GM0373", "GM0383", "GM0399"}
    assert pupils["school_id"].is_unique


def test_real_file_vavo_suppressed_is_missing_not_zero(pupils):
    n_marker = PUPILS.read_text(encoding="utf-8").count('"<5"')
    supp = pupils[pupils["vavo_suppressed"]]
    assert len(supp) == n_marker > 0
    assert supp["vavo_pupils"].isna().all()
    assert "19ZX04" in set(supp["school_id"])
    # an explicit "0" stays a real zero, not suppressed
    focus = pupils.set_index("school_id").loc["08UV00"]
    assert focus["vavo_pupils"] == 0 and not focus["vavo_suppressed"]


def test_real_address_file(tmp_path):
    df = load_duo_addresses(ADDRESSES)
    assert len(df) == 28
    row = df.set_index("school_id").loc["08UV00"]
    assert row["municipality_code"] == "GM1980" and row["rmc_name"] == "Noord-Kennemerland"
    # single-space fields are empty (missing), not " "
    assert pd.isna(df.set_index("school_id").loc["19ZX02", "website"])
    assert not df.isin([" "]).any().any()


def test_older_layout_brin_and_vestigingsnummer():
    df = load_duo_pupils(EXAMPLES / "duo-leerlingen-vo-per-vestiging-2019-oud.csv")
    by_id = df.set_index("school_id")
    # VESTIGINGSNUMMER "0" is padded to two digits and prefixed with the BRIN number
    assert list(by_id.index) == ["DM0100", "DM0200", "DM0300"]
    assert by_id.loc["DM0100", "pupils"] == 1198  # "1.198": dot as thousands separator
    assert pd.isna(by_id.loc["DM0300", "pupils"]) and by_id.loc["DM0300", "pupils_suppressed"]
    assert (df["reference_date"] == pd.Timestamp("2019-10-01")).all()


def test_two_character_vestigingscode_is_prefixed(tmp_path):
    f = tmp_path / "leerlingen.csv"
    f.write_text(
        '"INSTELLINGSCODE";"VESTIGINGSCODE";"INSTELLINGSNAAM VESTIGING";"GEMEENTENUMMER";"AANTAL LEERLINGEN"\n'
        '"08UV";"00";"Focus";"1980";195\n"19ZX";"04";"Windmolen";"1980";274\n',
        encoding="utf-8",
    )
    df = load_duo_pupils(f, year=2024)
    assert list(df["school_id"]) == ["08UV00", "19ZX04"]
    assert (df["reference_date"] == pd.Timestamp("2024-10-01")).all()


def test_year_from_column_beats_file_name(tmp_path):
    f = tmp_path / "leerlingen-2020.csv"
    f.write_text('PEILDATUM;VESTIGINGSCODE;GEMEENTENUMMER;AANTAL LEERLINGEN\n2023-10-01;08UV00;1980;190\n',
                 encoding="utf-8")
    assert load_duo_pupils(f)["reference_date"].iloc[0] == pd.Timestamp("2023-10-01")


def test_no_year_anywhere_is_refused(tmp_path):
    f = tmp_path / "leerlingen.csv"
    f.write_text("VESTIGINGSCODE;GEMEENTENUMMER;AANTAL LEERLINGEN\n08UV00;1980;190\n", encoding="utf-8")
    with pytest.raises(DataError, match="year=") as exc:
        load_duo_pupils(f)
    assert exc.value.file == "leerlingen.csv"


def test_pupils_by_postcode_long_and_suppressed():
    df = load_duo_pupils_by_postcode(EXAMPLES / "duo-leerlingen-vo-postcode-leerjaar-2025.csv")
    assert set(df["leerjaar"]) == set(range(1, 7))
    assert len(df) == 3 * 6
    home = df[df["home_municipality_code"] == "GM9901"]
    assert home["pupils"].sum() == 45 + 41 + 39 + 37 + 30 + 22
    small = df[(df["postcode"] == "9902") & (df["leerjaar"] == 2)].iloc[0]
    assert pd.isna(small["pupils"]) and small["suppressed"]
    assert df["postcode"].str.fullmatch(r"\d{4}").all()


def test_vsv_thousands_separator_and_suppression():
    df = load_duo_vsv(EXAMPLES / "duo-vsv-2022.csv")
    first = df.iloc[0]
    assert first["participants"] == 1020 and first["early_leavers"] == 4
    assert df["school_year"].eq("2022-2023").all()
    dm02 = df[df["instelling"] == "DM02"].iloc[0]
    assert pd.isna(dm02["early_leavers"]) and dm02["suppressed"]
