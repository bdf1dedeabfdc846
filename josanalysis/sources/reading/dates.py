"""Dates and school years in data files.

School-year arithmetic itself (which year a date falls in, the forms a year may be written in)
lives in :mod:`josanalysis.core.schoolcalendar`; this module turns file columns into dates and
school years and refuses what cannot be one, with the row number.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from josanalysis.core.schoolcalendar import normalise_school_year
from josanalysis.sources.reading.schema import raise_bad_rows
from josanalysis.sources.reading.table import RawTable

__all__ = ["parse_date", "check_date_range", "parse_school_year", "parse_data_year"]

_OTHER_DATE_FORMATS = ("%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

#: The earliest first calendar year of a school year accepted in a data file.
EARLIEST_SCHOOL_YEAR = 1990


def parse_date(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    required: bool = True,
) -> pd.Series:
    """Parse ``YYYY-MM-DD`` dates (``DD-MM-YYYY`` and ``YYYY/MM/DD`` also accepted).

    Empty cells are NaT when ``required`` is false, else refused. Impossible dates such as
    ``2023-13-01`` are refused with the row number.
    """
    s = frame[column].astype(str).str.strip()
    out = _to_dates(s)
    empty = (s == "").to_numpy(dtype=bool)
    if required:
        raise_bad_rows(table, empty, frame["_row"], column, frame[column], "allowed to be empty (expected a date YYYY-MM-DD)")
    bad = (out.isna().to_numpy(dtype=bool)) & ~empty
    raise_bad_rows(table, bad, frame["_row"], column, frame[column], "a date (expected YYYY-MM-DD)")
    return out.astype("datetime64[ns]")


def _to_dates(s: pd.Series) -> pd.Series:
    """Stripped text to dates (NaT where no accepted form fits, e.g. month 13)."""
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    for fmt in _OTHER_DATE_FORMATS:
        todo = out.isna() & (s != "")
        if not todo.any():
            break
        out = out.where(~todo, pd.to_datetime(s.where(todo, None), format=fmt, errors="coerce"))
    return out


def check_date_range(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    values: pd.Series,
    *,
    earliest: str = "2000-01-01",
    today: pd.Timestamp | None = None,
) -> None:
    """Refuse dates in the future or before ``earliest`` (plausible school years)."""
    today = pd.Timestamp(dt.date.today()) if today is None else today
    v = pd.Series(values)
    raise_bad_rows(table, (v > today).fillna(False).to_numpy(dtype=bool), frame["_row"], column,
                   frame[column], f"in the past (expected a date not after today, {today.date()})")
    raise_bad_rows(table, (v < pd.Timestamp(earliest)).fillna(False).to_numpy(dtype=bool), frame["_row"],
                   column, frame[column], f"a plausible date (expected {earliest} or later)")


def _plausible_school_year(text: str, last_first_year: int) -> str | None:
    """The normalised school year, or None when it is not one or outside the plausible years."""
    try:
        year = normalise_school_year(text)
    except ValueError:
        return None
    return year if EARLIEST_SCHOOL_YEAR <= int(year[:4]) <= last_first_year else None


def parse_school_year(table: RawTable, frame: pd.DataFrame, column: str) -> pd.Series:
    """Parse school years ``2019-2020`` (also ``2019/2020``, ``2019-20``) to ``"2019-2020"``.

    Years that start before 1990 or after the current calendar year are refused.
    """
    s = frame[column].astype(str).str.strip()
    this_year = dt.date.today().year
    out = s.map(lambda v: _plausible_school_year(v, this_year))
    raise_bad_rows(table, out.isna().to_numpy(dtype=bool), frame["_row"], column, frame[column],
                   "a school year (expected e.g. 2019-2020, not in the future)")
    return out.astype("str")


_YEAR_ONLY = r"(?:19|20)\d{2}"


def parse_data_year(table: RawTable, frame: pd.DataFrame, column: str) -> pd.Series:
    r"""The calendar year of a year-or-date column (DUO ``PEILDATUM`` / ``JAAR``), as int64.

    A cell is a year (``2025``), a date in one of the forms :func:`parse_date` accepts
    (``2025-10-01``, ``01-10-2025``), a compact date ``20251001`` or a school year
    (``2025-2026`` gives its first year). Anything else, including impossible dates such as
    ``2025-13-01``, is refused with the row number.

    Examples
    --------
    >>> from josanalysis.sources.reading.table import read_table
    >>> t = read_table("x.csv", text="PEILDATUM;n\n2025-10-01;1\n2024;2\n20231001;3\n")
    >>> parse_data_year(t, t.data, "peildatum").tolist()
    [2025, 2024, 2023]
    """
    s = frame[column].astype(str).str.strip()
    year_only = s.str.fullmatch(_YEAR_ONLY)
    compact = s.str.fullmatch(r"\d{8}")
    text = s.where(~compact, s.str[:4] + "-" + s.str[4:6] + "-" + s.str[6:])
    dates = _to_dates(text.where(~year_only, ""))
    school_year = s.map(lambda v: _plausible_school_year(v, 9999)).where(dates.isna() & ~year_only, None)
    bad = (~year_only & dates.isna() & school_year.isna()).to_numpy(dtype=bool)
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a year or a possible date (expected e.g. 2025 or 2025-10-01)")
    years = pd.to_numeric(s.where(year_only, None), errors="coerce").fillna(dates.dt.year)
    years = years.fillna(pd.to_numeric(school_year.str[:4], errors="coerce"))
    return pd.Series(years.to_numpy(dtype=np.int64), index=frame.index)
