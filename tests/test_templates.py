"""Project templates as .xlsx with an instructions sheet, read like the CSV (issue 16)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import DataError
from josanalysis.sources.folder import SOURCES
from josanalysis.sources.templates import EXAMPLES_DIR, TEMPLATES, write_template

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "templates"


def _loader(folder: str):
    return next(s.loader for s in SOURCES if s.patterns[0].startswith(folder + "/"))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_shipped_template_has_instructions_and_loads_like_the_csv(name):
    t = TEMPLATES[name]
    shipped = SHIPPED / t.file_name
    book = openpyxl.load_workbook(shipped, read_only=True)
    assert book.sheetnames == ["Instructies", "Gegevens"]
    text = " ".join(str(c) for row in book["Instructies"].iter_rows(values_only=True) for c in row if c)
    assert f"submap '{t.folder}'" in text and all(col in text for col, _ in t.columns)
    book.close()
    load = _loader(t.folder)
    # the reason codes of the attendance example are those of the demo region's mapping
    kwargs = {"reasons": load_region("demoregio").absence_reason_maps()} if t.folder == "verzuim" else {}
    pd.testing.assert_frame_equal(load(shipped, **kwargs), load(EXAMPLES_DIR / t.example, **kwargs))


def test_every_template_is_shipped_and_nothing_else():
    assert sorted(p.name for p in SHIPPED.glob("*.xlsx")) == sorted(t.file_name for t in TEMPLATES.values())


def test_an_attendance_workbook_names_its_own_rows(tmp_path):
    path = write_template("verzuim-redenen", tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["Gegevens"]
    ws.append([])  # an empty row in the sheet is skipped, the numbering stays the workbook's
    ws.append(["100009", "DM0100", "2023-09-04", 1, 1, "excursion", 1])
    book.save(path)
    with pytest.raises(DataError) as info:
        _loader("verzuim")(path, reasons=load_region("demoregio").absence_reason_maps())
    assert str(info.value).startswith(f"verzuim-redenen-sjabloon.xlsx, row {ws.max_row}, column 'reden': "
                                      "school DM0100 uses absence reason code 'excursion'")


def test_a_filled_in_workbook_with_numbers_and_dates_is_read(tmp_path):
    path = write_template("leerplicht", tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["Gegevens"]
    import datetime as dt
    ws.append([100099, "DM0100", "langdurig relatief verzuim", dt.datetime(2023, 2, 1), None])
    book.save(path)
    load = _loader("leerplicht")
    df = load(path, start="2023-02-01", end="2023-02-01")
    assert len(df) and df["thuiszitters"].sum() >= 1


def test_a_bad_cell_in_a_workbook_names_its_row(tmp_path):
    path = write_template("budget", tmp_path)
    book = openpyxl.load_workbook(path)
    book["Gegevens"].append(["DM0100", 2024, "veel"])
    book.save(path)
    n = book["Gegevens"].max_row
    with pytest.raises(DataError) as info:
        _loader("budget")(path)
    assert info.value.rows == [n] and "budget_eur" in str(info.value)


def test_not_a_workbook_is_one_sentence(tmp_path):
    bad = tmp_path / "zio-budget.xlsx"
    bad.write_text("geen excel", encoding="utf-8")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        _loader("budget")(bad)
