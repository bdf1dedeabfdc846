"""Attendance with reason codes mapped per school, and repeated rows refused (issue 16).

The fixtures under tests/data/attendance/ are one registration in the two layouts: per reason
code and lesuur (as Somtoday/Magister export absence) and with the hours already split. The
region ``redenregio`` (tests/data/attendance/params) maps the codes: a region default, and
DM0200 reads TL as geoorloofd where the region (and DM0100) read it as ongeoorloofd.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources import check_data_folder, load_attendance, load_region_data

HERE = Path(__file__).resolve().parent / "data" / "attendance"
REASONS = HERE / "verzuim-redenen-2023-2024.csv"
SPLIT = HERE / "verzuim-gesplitst-2023-2024.csv"
PARAMS = HERE / "params"
SPLIT_HEADER = "leerling_id;vestigingscode;datum;lesuren_gepland;lesuren_afwezig_geoorloofd;lesuren_afwezig_ongeoorloofd"
REASON_HEADER = "leerling_id;vestigingscode;datum;lesuur;lesuren_gepland;reden;lesuren_afwezig"


@pytest.fixture(scope="module")
def region():
    return load_region("redenregio", PARAMS)


def _totals(df: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, float, int]]:
    return {(r.school_id, f"{r.month:%Y-%m}"): (r.scheduled_hours, r.absent_authorised_hours,
                                                 r.absent_unauthorised_hours, int(r.n_pupils))
            for r in df.itertuples()}


def test_reason_codes_give_the_known_totals(region):
    got = _totals(load_attendance(REASONS, reasons=region.absence_reason_maps(), school_ids=region.school_ids))
    # worked out by hand from the fixture: 'te laat' is not absence; the scheduled hour of
    # DM0200's lesuur 3 (ziek 0,5 + TL 0,5) is counted once
    assert got == {
        ("DM0100", "2023-09"): (8.0, 3.0, 1.0, 2),
        ("DM0100", "2023-10"): (3.0, 0.0, 2.0, 1),
        ("DM0200", "2023-09"): (4.0, 2.0, 0.0, 1),
    }


def test_both_layouts_of_one_registration_load_alike(region):
    by_reason = load_attendance(REASONS, reasons=region.absence_reason_maps())
    pd.testing.assert_frame_equal(by_reason, load_attendance(SPLIT))


def test_the_same_code_means_what_each_school_says(tmp_path, region):
    f = tmp_path / "verzuim.csv"
    f.write_text(REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;TL;1\n2;DM0200;2023-09-04;1;1;TL;1\n", encoding="utf-8")
    got = load_attendance(f, reasons=region.absence_reason_maps()).set_index("school_id")
    assert got.loc["DM0100", ["absent_authorised_hours", "absent_unauthorised_hours"]].tolist() == [0.0, 1.0]
    assert got.loc["DM0200", ["absent_authorised_hours", "absent_unauthorised_hours"]].tolist() == [1.0, 0.0]
    assert (got["absence_rate"] == 1.0).all()


def test_an_unmapped_code_names_file_school_code_rows_and_where_to_add_it(tmp_path, region):
    f = tmp_path / "verzuim-2023.csv"
    f.write_text(REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;1\n1;DM0100;2023-09-04;2;1;EXC;1\n"
                 "2;DM0100;2023-09-05;1;1;exc ;1\n2;DM0100;2023-09-05;2;1;stage;1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_attendance(f, reasons=region.absence_reason_maps())
    text = str(info.value)
    assert text.startswith("verzuim-2023.csv, rows 3, 4, column 'reden': school DM0100 uses absence reason code 'EXC' "
                           "in 2 row(s)")
    assert "params/schools/redenregio/DM0100.yaml" in text and "params/regions/redenregio.yaml" in text
    assert "geoorloofd, ongeoorloofd or niet_meetellen" in text and "'stage'" in text


def test_a_reason_file_without_any_mapping_is_refused_not_guessed():
    with pytest.raises(DataError, match="uses absence reason code 'ziek'.*no mapping was given at all"):
        load_attendance(REASONS)


def test_a_data_folder_passes_the_mapping_and_check_data_reports_a_missing_one(tmp_path, region):
    (tmp_path / "verzuim").mkdir()
    (tmp_path / "verzuim" / REASONS.name).write_bytes(REASONS.read_bytes())
    data = load_region_data(tmp_path, school_ids=region.school_ids, required=False,
                            absence_reasons=region.absence_reason_maps())
    assert data.attendance["absent_unauthorised_hours"].sum() == 3.0
    assert (check_data_folder(tmp_path, absence_reasons=region.absence_reason_maps())["status"] == "OK").all()
    row = check_data_folder(tmp_path).iloc[0]
    assert row["status"] == "FOUT" and "uses absence reason code" in row["problem"]


@pytest.mark.parametrize("rows, where, words", [
    # the same pupil and date twice in the split layout
    (SPLIT_HEADER + "\n1;DM0100;2023-09-04;6;0;0\n2;DM0100;2023-09-04;6;1;0\n1;DM0100;2023-09-04;6;0;0\n",
     "rows 2, 4, column 'datum'", "repeat the same pupil and date"),
    # the same pupil, date, lesuur and reason twice
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;1\n1;DM0100;2023-09-04;1;1;Ziek;1\n",
     "rows 2, 3, column 'datum'", "repeat the same pupil, date, lesuur and reason code"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;0,5\n1;DM0100;2023-09-04;1;2;TL;0,5\n",
     "rows 2, 3, column 'lesuren_gepland'", "differ between its rows"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;1\n1;DM0100;2023-09-04;1;1;TL;0,5\n",
     "rows 2, 3, column 'lesuren_gepland'", "add up over its reason codes"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;;1\n", "row 2, column 'reden'", "without a reason code"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;veel\n", "row 2, column 'lesuren_afwezig'", "'veel' is not"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;1;ziek;1\n1;DM0100;2023-09-04;2;1;ziek;-1\n",
     "row 3, column 'lesuren_afwezig'", "'-1' is not 0 or more hours"),
    (REASON_HEADER + "\n1;DM0100;2023-09-04;1;-1;;0\n", "row 2, column 'lesuren_gepland'", "'-1' is not 0 or more"),
])
def test_bad_rows_are_refused_with_their_rows(tmp_path, region, rows, where, words):
    f = tmp_path / "verzuim.csv"
    f.write_text(rows, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_attendance(f, reasons=region.absence_reason_maps())
    assert str(info.value).startswith(f"verzuim.csv, {where}: ") and words in str(info.value)


def test_rows_per_lesson_are_not_repeats(tmp_path):
    f = tmp_path / "verzuim.csv"
    f.write_text(SPLIT_HEADER.replace("datum;", "datum;lesuur;") +
                 "\n1;DM0100;2023-09-04;1;1;0;1\n1;DM0100;2023-09-04;2;1;1;0\n", encoding="utf-8")
    got = load_attendance(f)
    assert got[["scheduled_hours", "absent_hours"]].iloc[0].tolist() == [2.0, 2.0]


def test_a_header_with_both_layouts_is_refused(tmp_path):
    f = tmp_path / "verzuim.csv"
    f.write_text(SPLIT_HEADER + ";reden\n1;DM0100;2023-09-04;6;0;0;ziek\n", encoding="utf-8")
    with pytest.raises(DataError, match="columns of both attendance layouts"):
        load_attendance(f)


@pytest.mark.parametrize("block, words", [
    ("absence_reasons:\n  ziek: ziekte\n", "code 'ziek' is mapped to 'ziekte'; expected geoorloofd, ongeoorloofd or "
                                          "niet_meetellen"),
    ("absence_reasons:\n  ON: ongeoorloofd\n", "read by YAML as True"),
    ("absence_reasons:\n  TL: geoorloofd\n  'tl ': ongeoorloofd\n", "'TL' and 'tl ' are the same code"),
    ("absence_reasons: ziek\n", "should map each absence reason code"),
])
def test_a_bad_mapping_in_a_school_file_is_a_sentence(tmp_path, block, words):
    params = tmp_path / "params"
    (params / "regions").mkdir(parents=True)
    (params / "schools" / "r").mkdir(parents=True)
    (params / "regions" / "r.yaml").write_text("region_id: r\nname: R\nschools: [DM0100]\n", encoding="utf-8")
    (params / "schools" / "r" / "DM0100.yaml").write_text(
        "school_id: DM0100\nname: S\ntype: vmbo\nregion: r\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_region("r", params)
    assert str(info.value).startswith("DM0100.yaml: absence_reasons") and words in str(info.value)


def test_a_school_overrides_the_region_default(region):
    maps = region.absence_reason_maps()
    assert maps["DM0100"].category("tl") == "ongeoorloofd" and maps["DM0200"].category("TL") == "geoorloofd"
    assert maps["DM0200"].category("spijbelen") == "ongeoorloofd"  # the region default still holds


def test_rows_of_empty_cells_are_skipped_and_rows_keep_their_numbers(tmp_path):
    f = tmp_path / "verzuim.csv"
    f.write_text(SPLIT_HEADER + "\n1;DM0100;2023-09-04;6;0;0\n;;;;;\n2;DM0100;2023-09-04;6;9;0\n;;;;;\n",
                 encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_attendance(f)
    assert str(info.value).startswith("verzuim.csv, row 4, column 'lesuren_gepland': absent hours exceed")
