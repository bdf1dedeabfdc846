"""Properties of the shared reading layer (sources/reading), checked with hypothesis.

What every loader relies on: a table written in any accepted form (``;`` or ``,``, quoted or
not, BOM, CRLF, UTF-8 or Windows-1252) reads back cell for cell with its spreadsheet row
numbers; a row cut off is refused at its row and first missing column; counts and decimals in
Dutch or English notation read back to their value; suppression markers are missing, never zero;
negative counts, impossible dates and bad municipality numbers are refused with a sentence.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.codes import municipality_code
from josanalysis.sources.reading.dates import parse_data_year, parse_date
from josanalysis.sources.reading.files import decode_text, detect_delimiter
from josanalysis.sources.reading.numbers import parse_count, parse_number
from josanalysis.sources.reading.table import RawTable, normalise_name, read_table

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# letters whose Windows-1252 bytes can never form valid UTF-8 by accident
_CHARS = st.sampled_from(list("abcXYZ019 .-_/'\"éëïü") + [";", ","])
_CELL = st.text(_CHARS, max_size=8)
_HEADER = ["code", "naam", "waarde", "opmerking"]


def _one_column(values: list[str], name: str = "x") -> tuple[RawTable, pd.DataFrame]:
    text = name + "\n" + "\n".join(f'"{v}"' for v in values) + "\n"
    table = read_table("prop.csv", text=text)
    return table, table.data


@SETTINGS
@given(
    rows=st.lists(st.tuples(st.text("ABC0123456789", min_size=1, max_size=6), _CELL, _CELL, _CELL),
                  min_size=1, max_size=12),
    delimiter=st.sampled_from([";", ","]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_written_table_reads_back_cell_for_cell(rows, delimiter, quoting, newline, encoding):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline).writerows([_HEADER, *rows])
    raw = buf.getvalue().encode(encoding)
    text, _ = decode_text(raw, Path("prop.csv"))
    table = read_table("prop.csv", text=text)
    assert table.delimiter == delimiter
    assert list(table.data.columns) == ["_row", *_HEADER]
    assert table.data["_row"].tolist() == list(range(2, len(rows) + 2))
    expected = [[c.strip() for c in r] for r in rows]
    assert table.data[_HEADER].to_numpy().tolist() == expected


@SETTINGS
@given(
    width=st.integers(2, 7),
    n_rows=st.integers(1, 8),
    data=st.data(),
    delimiter=st.sampled_from([";", ","]),
)
def test_a_row_cut_off_is_refused_at_its_row_and_first_missing_column(width, n_rows, data, delimiter):
    header = [f"kolom{i}" for i in range(width)]
    rows = [[f"v{r}{c}" for c in range(width)] for r in range(n_rows)]
    victim = data.draw(st.integers(0, n_rows - 1))
    keep = data.draw(st.integers(1, width - 1))
    rows[victim] = rows[victim][:keep]
    text = "\n".join(delimiter.join(r) for r in [header, *rows]) + "\n"
    with pytest.raises(DataError) as info:
        read_table("cut.csv", text=text)
    assert info.value.rows == [victim + 2]
    assert info.value.column == header[keep]
    assert "cut off" in str(info.value) and str(info.value).startswith(f"cut.csv, row {victim + 2}, column")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@SETTINGS
@given(values=st.lists(st.integers(0, 10**9), min_size=1, max_size=10), style=st.sampled_from(["plain", "dots"]))
def test_counts_read_back_exactly(values, style):
    cells = [str(v) if style == "plain" else _thousands(v) for v in values]
    table, frame = _one_column(cells)
    got, supp = parse_count(table, frame, "x")
    assert got.tolist() == values and not supp.any()


@SETTINGS
@given(values=st.lists(st.integers(0, 10**6), min_size=1, max_size=6), negative=st.integers(1, 10**6),
       where=st.integers(0, 5))
def test_a_negative_count_is_refused_at_its_row(values, negative, where):
    where = min(where, len(values))
    cells = [str(v) for v in values]
    cells.insert(where, f"-{negative}")
    table, frame = _one_column(cells)
    with pytest.raises(DataError, match="negative") as info:
        parse_count(table, frame, "x")
    assert info.value.rows == [where + 2] and info.value.column == "x"


@SETTINGS
@given(markers=st.lists(st.one_of(st.just("."), st.just(""), st.integers(1, 100).map(lambda k: f"<{k}"),
                                  st.integers(1, 100).map(lambda k: f"< {k}")), min_size=1, max_size=8))
def test_suppression_markers_are_missing_never_zero(markers):
    table, frame = _one_column([*markers, "0"])
    got, supp = parse_count(table, frame, "x")
    assert got.iloc[:-1].isna().all() and supp.iloc[:-1].all()
    assert got.iloc[-1] == 0 and not supp.iloc[-1]


def _is_count_or_documented_marker(cell: str) -> bool:
    """A whole number, or a documented suppression marker (``<n`` with n >= 1, ``.``, empty)."""
    cleaned = cell.replace(" ", "")
    return cleaned.isdigit() or re.fullmatch(r"(<0*[1-9]\d*|\.)?", cleaned) is not None


@SETTINGS
@given(marker=st.text(st.sampled_from(list("*x?-<0nvtNB/ 5")), min_size=1, max_size=4)
       .filter(lambda m: not _is_count_or_documented_marker(m)))
def test_any_other_marker_in_a_count_is_refused(marker):
    table, frame = _one_column(["3", marker])
    with pytest.raises(DataError) as info:
        parse_count(table, frame, "x")
    assert info.value.rows == [3]


@SETTINGS
@given(cents=st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=8),
       notation=st.sampled_from(["dutch", "dutch-grouped", "english"]))
def test_decimals_read_back_in_dutch_and_english_notation(cents, notation):
    def fmt(c: int) -> str:
        sign, c = ("-" if c < 0 else ""), abs(c)
        whole, frac = divmod(c, 100)
        if notation == "english":
            return f"{sign}{whole}.{frac:02d}"
        w = _thousands(whole) if notation == "dutch-grouped" else str(whole)
        return f"{sign}{w},{frac:02d}"
    table, frame = _one_column([fmt(c) for c in cents])
    got, _ = parse_number(table, frame, "x")
    assert got.tolist() == pytest.approx([c / 100 for c in cents])


_DATES = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))


@SETTINGS
@given(dates=st.lists(_DATES, min_size=1, max_size=6),
       fmt=st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y"]))
def test_dates_read_back_in_every_accepted_form(dates, fmt):
    table, frame = _one_column([d.strftime(fmt) for d in dates])
    got = parse_date(table, frame, "x")
    assert [t.date() for t in got] == dates


@SETTINGS
@given(year=st.integers(2000, 2030), month=st.integers(13, 99), day=st.integers(1, 28),
       form=st.sampled_from(["iso", "compact"]))
def test_impossible_peildatum_is_refused(year, month, day, form):
    bad = f"{year}-{month:02d}-{day:02d}" if form == "iso" else f"{year}{month:02d}{day:02d}"
    table, frame = _one_column([f"{year}-10-01", bad], name="PEILDATUM")
    with pytest.raises(DataError, match="possible date") as info:
        parse_data_year(table, frame, "peildatum")
    assert info.value.rows == [3] and info.value.column == "PEILDATUM"


@SETTINGS
@given(date=_DATES, form=st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%Y%m%d", "%Y"]))
def test_peildatum_gives_its_year(date, form):
    table, frame = _one_column([date.strftime(form)], name="PEILDATUM")
    assert parse_data_year(table, frame, "peildatum").tolist() == [date.year]


@SETTINGS
@given(number=st.integers(1, 9999), form=st.sampled_from(["plain", "padded", "GM"]))
def test_municipality_numbers_in_every_form(number, form):
    text = {"plain": str(number), "padded": f"{number:04d}", "GM": f"GM{number:04d}"}[form]
    table, frame = _one_column([text])
    assert municipality_code(table, frame, "x").tolist() == [f"GM{number:04d}"]


@SETTINGS
@given(names=st.lists(st.text("abcdefghij", min_size=1, max_size=6), min_size=2, max_size=6, unique=True),
       delimiter=st.sampled_from([";", ","]))
def test_delimiter_found_even_with_the_other_one_inside_quotes(names, delimiter):
    other = "," if delimiter == ";" else ";"
    line = delimiter.join(f'"{n}{other}{n}"' if i % 2 else n for i, n in enumerate(names))
    assert detect_delimiter(line) == delimiter


@SETTINGS
@given(name=st.text(max_size=20))
def test_normalised_header_names_are_stable(name):
    once = normalise_name(name)
    assert normalise_name(once) == once and (once == "" or once[0] != "_")
