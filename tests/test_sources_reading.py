"""The shared reading layer: the one delimiter sniffer and school years from core.schoolcalendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.errors import DataError
from josanalysis.core.schoolcalendar import normalise_school_year, school_year_of, school_years_of
from josanalysis.sources.reading.dates import parse_school_year
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.files import detect_delimiter, sniff_delimiter
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import read_table


@pytest.mark.parametrize(
    ("line", "candidates", "expected"),
    [
        ("a;b;c", (";", ","), ";"),
        ("a,b,c", (";", ","), ","),
        ('a;"b,c,d";e', (";", ","), ";"),  # delimiters inside quotes do not count
        ("a;b,c", (";", ","), ";"),  # a tie goes to the first candidate
        ("a\tb\tc", (";", ",", "\t"), "\t"),
        ("one_column", (";", ","), None),
    ],
)
def test_detect_delimiter(line, candidates, expected):
    assert detect_delimiter(line, candidates) == expected


def test_sniff_delimiter_refuses_tabs_and_pipes_but_reads_one_column():
    for line, label in (("a\tb", "tab"), ("a|b", "'|'")):
        with pytest.raises(DataError, match=label) as err:
            sniff_delimiter(line, Path("x.csv"))
        assert err.value.rows == [1]
    assert sniff_delimiter("vestigingscode", Path("x.csv")) == ";"


def test_read_table_drops_trailing_delimiter_and_numbers_rows_after_blank_lines():
    t = read_table("x.csv", text="\n\na;b;\n1;2;\n\n3;4;\n")
    assert list(t.data.columns) == ["_row", "a", "b"]
    assert t.data["_row"].tolist() == [2, 4]
    assert t.data["a"].tolist() == ["1", "3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019-2020", "2019-2020"), ("2019/2020", "2019-2020"), ("2019-20", "2019-2020"),
     (" 2019 - 2020 ", "2019-2020"), ("1999-00", "1999-2000")],
)
def test_normalise_school_year(text, expected):
    assert normalise_school_year(text) == expected


@pytest.mark.parametrize("text", ["2019-2021", "2019", "19-20", "2019-2020-2021", ""])
def test_normalise_school_year_refuses(text):
    with pytest.raises(ValueError, match="not a school year"):
        normalise_school_year(text)


def test_school_years_of_agrees_with_school_year_of():
    dates = pd.Series(pd.to_datetime(["2022-07-31", "2022-08-01", "2023-07-31", None, "2020-01-15"]))
    got = school_years_of(dates)
    assert got.tolist()[:3] == ["2021-2022", "2022-2023", "2022-2023"]
    assert pd.isna(got.iloc[3])
    assert got.iloc[4] == school_year_of(dates.iloc[4]) == "2019-2020"


def test_parse_school_year_refuses_implausible_years_with_rows():
    t = read_table("swv.csv", text="schooljaar\n2019/20\n1985-1986\n2019-2021\n")
    with pytest.raises(DataError, match="not a school year") as err:
        parse_school_year(t, t.data, "schooljaar")
    assert err.value.rows == [3, 4]
    ok = read_table("swv.csv", text="schooljaar\n2019/20\n2020-2021\n")
    assert parse_school_year(ok, ok.data, "schooljaar").tolist() == ["2019-2020", "2020-2021"]


def test_read_school_table_is_the_common_start_of_the_school_templates(tmp_path):
    f = tmp_path / "verhalen.csv"
    f.write_text("Vestiging;Datum;tekst\n dm0100 ;14-02-2024;a\nDM0200;2024-03-01;b\n", encoding="utf-8")
    columns = [spec("school_id", "vestigingscode", "vestiging"), spec("date", "datum"), spec("text", "tekst")]
    t = read_school_table(f, columns, what="stories", period="date")
    assert t.rows["school_id"].tolist() == ["DM0100", "DM0200"] and t.rows["_row"].tolist() == [2, 3]
    assert t.rows["date"].tolist() == [pd.Timestamp("2024-02-14"), pd.Timestamp("2024-03-01")]
    assert t.cells["text"].tolist() == ["a", "b"]
    # a table the loader already reshaped is taken as it is
    assert read_school_table(read_table(f), columns, what="stories").rows.columns.tolist() == ["_row", "school_id"]
    with pytest.raises(DataError) as info:
        read_school_table(f, columns, what="stories", school_ids=["DM0100"])
    assert info.value.rows == [3] and "DM0200" in str(info.value)
    with pytest.raises(DataError, match="in the past|future|not after"):
        read_school_table(f, columns, what="stories", period="date", today=dt.date(2024, 2, 20))
