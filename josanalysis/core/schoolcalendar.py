"""Dutch school calendar facts used across the package.

A school year runs 1 August – 31 July and is written ``"2022-2023"``. DUO counts pupils on
1 October (the *teldatum*). Lessons stop for the summer holiday, so a monthly series has no
observation for August (and only a partial July): those months are *absent*, never zero.
VO schools were closed for COVID-19 in spring 2020 and moved to distance learning in winter
2020-2021.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = [
    "school_year_starts",
    "school_year_label_starts",
    "COVID_CLOSURES",
    "school_year_of",
    "school_years_of",
    "normalise_school_year",
    "school_year_start",
    "school_years",
    "lesson_months",
    "teldatum",
    "in_windows",
]

#: VO school closures in the Netherlands (first and last closed day).
COVID_CLOSURES: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2020, 3, 16), dt.date(2020, 6, 1)),
    (dt.date(2020, 12, 16), dt.date(2021, 2, 28)),
)


def school_year_of(date: dt.date | pd.Timestamp) -> str:
    """The school year (``"2022-2023"``) a date falls in (years start 1 August).

    Examples
    --------
    >>> school_year_of(dt.date(2022, 8, 1)), school_year_of(dt.date(2023, 7, 31))
    ('2022-2023', '2022-2023')
    """
    y = date.year if date.month >= 8 else date.year - 1
    return f"{y}-{y + 1}"


def school_year_starts(dates: Iterable[Any] | pd.Series) -> pd.Series:
    """1 August of the school year each date falls in, for a column of dates.

    Examples
    --------
    >>> school_year_starts(["2023-07-31", "2023-08-01"]).dt.strftime("%Y-%m-%d").tolist()
    ['2022-08-01', '2023-08-01']
    """
    ts = pd.to_datetime(pd.Series(list(dates) if not isinstance(dates, pd.Series) else dates))
    first = ts.dt.year - (ts.dt.month < 8).astype(int)
    return pd.to_datetime(first.astype(str) + "-08-01").set_axis(ts.index)


def school_year_label_starts(school_years: pd.Series) -> pd.Series:
    """1 August of school years given as labels (``"2022-2023"``), for a column of labels."""
    return pd.to_datetime(school_years.astype(str).str.slice(0, 4) + "-08-01")


def school_years_of(dates: pd.Series) -> pd.Series:
    """:func:`school_year_of` for a whole column of dates; missing stays missing.

    Examples
    --------
    >>> school_years_of(pd.Series(["2022-07-31", "2022-08-01", None])).tolist()
    ['2021-2022', '2022-2023', nan]
    """
    d = pd.to_datetime(pd.Series(dates))
    start = d.dt.year - (d.dt.month < 8).astype("Int64")
    out = start.astype("Int64").astype(str) + "-" + (start + 1).astype("Int64").astype(str)
    return out.where(d.notna(), None).astype("str")


_SCHOOL_YEAR_TEXT = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4}|\d{2})$")


def normalise_school_year(text: str) -> str:
    """A school year as written in a data file (``2019-2020``, ``2019/2020``, ``2019-20``) as
    ``"2019-2020"``.

    Raises
    ------
    ValueError
        Not of that form, or the second year does not follow the first.

    Examples
    --------
    >>> normalise_school_year("2019/20"), normalise_school_year(" 2019 - 2020")
    ('2019-2020', '2019-2020')
    """
    m = _SCHOOL_YEAR_TEXT.match(str(text).strip())
    if m:
        first, second = int(m.group(1)), m.group(2)
        # a two-digit second year is the last two digits of the next year (1999-00 too)
        last = int(second) if len(second) == 4 else first + 1 - (first + 1) % 100 + int(second)
        if last == first + 1:
            return f"{first}-{last}"
    raise ValueError(f"{text!r} is not a school year (expected e.g. '2022-2023')")


def school_year_start(school_year: str) -> dt.date:
    """1 August of a school year given as ``"2022-2023"``."""
    try:
        first, second = (int(p) for p in str(school_year).split("-"))
    except ValueError:
        raise ValueError(f"{school_year!r} is not a school year (expected e.g. '2022-2023')") from None
    if second != first + 1:
        raise ValueError(f"{school_year!r} is not a school year (expected e.g. '2022-2023')")
    return dt.date(first, 8, 1)


def school_years(first: int, last: int) -> list[str]:
    """School years whose first calendar year runs from ``first`` to ``last`` inclusive."""
    return [f"{y}-{y + 1}" for y in range(first, last + 1)]


def teldatum(year: int) -> dt.date:
    """DUO's pupil count date: 1 October of ``year``."""
    return dt.date(year, 10, 1)


def lesson_months(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Month starts between ``start`` and ``end`` that have lessons (all but August)."""
    months = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(),
                           pd.Timestamp(end), freq="MS")
    return months[months.month != 8]


def in_windows(months: Iterable[pd.Timestamp] | pd.Series,
               windows: Iterable[tuple[dt.date, dt.date]]) -> pd.Series:
    """Whether each month overlaps any of the date windows (for COVID exclusion).

    A month counts as affected when any of its days lies inside a window.
    """
    m = pd.Series(pd.to_datetime(pd.Series(list(months) if not isinstance(months, pd.Series) else months)))
    first = m.dt.to_period("M").dt.start_time
    last = m.dt.to_period("M").dt.end_time
    hit = pd.Series(False, index=m.index)
    for a, b in windows:
        hit |= (first <= pd.Timestamp(b)) & (last >= pd.Timestamp(a))
    return hit
