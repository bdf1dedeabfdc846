"""Data-folder discovery, loading and checking (the layout of docs/data-formats.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources import RegionData, check_data_folder, load_region_data

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "data" / "examples"

LAYOUT = {
    "duo-leerlingen-vo-per-vestiging-2025.csv": "duo/leerlingen-vo-per-vestiging-2025.csv",
    "duo-leerlingen-vo-per-vestiging-2019-oud.csv": "duo/leerlingen-vo-per-vestiging-2019.csv",
    "duo-leerlingen-vo-postcode-leerjaar-2025.csv": "duo/leerlingen-vo-postcode-leerjaar-2025.csv",
    "duo-alle-vestigingen-vo.csv": "duo/alle-vestigingen-vo.csv",
    "duo-vsv-2022.csv": "duo/vsv-2022.csv",
    "cbs-85099NED.json": "cbs/85099NED.json",
    "leerplicht-registraties.csv": "leerplicht/leerplicht-registraties.csv",
    "verzuim-2023-2024.csv": "verzuim/verzuim-2023-2024.csv",
    "gemeente-jeugdhulp-per-school.csv": "gemeente/jeugdhulp-per-school.csv",
    "swv-verwijzingen.csv": "swv/verwijzingen.csv",
    "aanbieder-trajecten.csv": "aanbieder/trajecten.csv",
    "capaciteit-fte.csv": "capaciteit/fte.csv",
    "zio-budget.csv": "budget/zio-budget.csv",
}
SCHOOLS = ["DM0100", "DM0200", "DM0300"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for src, dst in LAYOUT.items():
        target = tmp_path / "region" / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EX / src, target)
    return tmp_path / "region"


def test_example_folder_loads_every_source(folder):
    data = load_region_data(folder, school_ids=SCHOOLS)
    assert isinstance(data, RegionData)
    for name in ("duo_pupils", "duo_pupils_by_postcode", "duo_addresses", "duo_vsv", "cbs_youthcare",
                 "thuiszitters", "attendance", "municipality_youthcare", "swv_referrals",
                 "provider_trajectories", "capacity", "budget"):
        frame = getattr(data, name)
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name
    # two DUO years concatenated
    assert sorted(data.duo_pupils["reference_date"].dt.year.unique()) == [2019, 2025]
    assert [p.name for p in data.files["duo_pupils"]] == [
        "leerlingen-vo-per-vestiging-2019.csv", "leerlingen-vo-per-vestiging-2025.csv"]
    table = check_data_folder(folder, school_ids=SCHOOLS)
    assert list(table.columns) == ["source", "file", "status", "problem"]
    assert (table["status"] == "OK").all(), table
    assert len(table) == len(LAYOUT)


def test_optional_sources_absent_are_none(folder):
    shutil.rmtree(folder / "cbs")
    (folder / "budget" / "zio-budget.csv").unlink()
    data = load_region_data(folder)
    assert data.cbs_youthcare is None and data.budget is None and "budget" not in data.files


def test_missing_required_source(folder):
    shutil.rmtree(folder / "verzuim")
    with pytest.raises(DataError, match=r"verzuim/\*\.csv"):
        load_region_data(folder)
    table = check_data_folder(folder, complete=True)
    bad = table[table["status"] == "FOUT"]
    assert len(bad) == 1 and "required file missing" in bad["problem"].iloc[0]
    # partial data (issue 16): by default a missing source is not an error, the coverage lists it
    assert (check_data_folder(folder)["status"] == "OK").all()


def test_unknown_school_refused_and_reported(folder):
    swv = folder / "swv" / "verwijzingen.csv"
    swv.write_text(swv.read_text(encoding="utf-8") + "ZZ9900;2022-2023;1;1\n", encoding="utf-8")
    table = check_data_folder(folder, school_ids=SCHOOLS)
    bad = table[table["status"] == "FOUT"]
    assert bad["file"].tolist() == ["swv/verwijzingen.csv"]
    assert "row 5" in bad["problem"].iloc[0] and "ZZ9900" in bad["problem"].iloc[0]


def test_check_reports_every_bad_file_and_never_raises(folder):
    (folder / "gemeente" / "jeugdhulp-per-school.csv").write_text("", encoding="utf-8")
    (folder / "verzuim" / "verzuim-2024-2025.csv").write_text(
        "leerling_id;vestigingscode;datum;lesuren_gepland;lesuren_afwezig_geoorloofd;lesuren_afwezig_ongeoorloofd\n"
        "1;DM0100;2024-09-02;6;7;0\n", encoding="utf-8")
    (folder / "swv" / "verwijzingen.xlsx").write_bytes(b"PK\x03\x04")
    table = check_data_folder(folder)
    bad = table[table["status"] == "FOUT"].set_index("file")
    assert set(bad.index) == {"gemeente/jeugdhulp-per-school.csv", "verzuim/verzuim-2024-2025.csv",
                              "swv/verwijzingen.xlsx"}
    assert "empty" in bad.loc["gemeente/jeugdhulp-per-school.csv", "problem"]
    assert "row 2" in bad.loc["verzuim/verzuim-2024-2025.csv", "problem"]
    # a filled-in template may be .xlsx (issue 16); a broken workbook is one sentence
    assert "not a readable Excel workbook" in bad.loc["swv/verwijzingen.xlsx", "problem"]


def test_same_record_in_two_files_is_refused(folder):
    shutil.copy(folder / "duo" / "vsv-2022.csv", folder / "duo" / "vsv-2022-kopie.csv")
    with pytest.raises(DataError, match="more than one file"):
        load_region_data(folder)


@pytest.mark.parametrize("subfolder, name, copy", [
    ("leerplicht", "leerplicht-registraties.csv", "leerplicht-kopie.csv"),
    ("cbs", "85099NED.json", "85099NED-kopie.json"),
    ("verzuim", "verzuim-2023-2024.csv", "verzuim-2023-2024-kopie.csv"),
    ("duo", "vsv-2022.csv", "vsv-2022-kopie.csv"),
])
def test_same_source_in_two_files_is_refused_and_reported(folder, subfolder, name, copy):
    """The same register twice would duplicate panel rows: load refuses it, check-data reports it."""
    shutil.copy(folder / subfolder / name, folder / subfolder / copy)
    with pytest.raises(DataError) as info:
        load_region_data(folder)
    text = str(info.value)
    assert "more than one file" in text and name in text and copy in text, text
    assert "pupil_key=" not in text and "ll-" not in text  # no pseudonym in a message
    table = check_data_folder(folder)
    bad = table[table["status"] == "FOUT"]
    assert bad["file"].tolist() == [f"{subfolder}/"], bad.to_string()
    assert copy in bad["problem"].iloc[0] and "more than one file" in bad["problem"].iloc[0]


def test_leerplicht_register_split_over_two_files_counts_each_case_once(folder):
    """Two registers (e.g. two municipalities) for one school give one row per school-month."""
    path = folder / "leerplicht" / "leerplicht-registraties.csv"
    whole = load_region_data(folder).thuiszitters
    lines = path.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    path.write_text("\n".join([header, *body[::2]]) + "\n", encoding="utf-8")
    (path.parent / "leerplicht-tweede-gemeente.csv").write_text(
        "\n".join([header, *body[1::2]]) + "\n", encoding="utf-8")
    split = load_region_data(folder).thuiszitters
    assert not split.duplicated(["school_id", "month"]).any()
    pd.testing.assert_frame_equal(split.reset_index(drop=True), whole.reset_index(drop=True))


def test_folder_must_exist(tmp_path):
    with pytest.raises(ConfigError):
        check_data_folder(tmp_path / "nope")
    with pytest.raises(ConfigError):
        load_region_data(tmp_path / "nope")


def test_demo_folder_checks_ok():
    region = load_region("demoregio")
    table = check_data_folder(region.data_dir, school_ids=region.school_ids)
    assert len(table) > 0 and (table["status"] == "OK").all(), table[table["status"] != "OK"].to_string()
