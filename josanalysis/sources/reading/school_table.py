"""The common start of a school-level project template: read, map the header, check the schools.

The project's own school-level inputs (rendement indicators, the team questionnaire, the pupil
survey, the exit questionnaire, the stories) begin alike: read the file
(:func:`~josanalysis.sources.reading.table.read_table`), map the header's synonyms
(:func:`~josanalysis.sources.reading.columns.select_columns`), normalise the vestigingscodes and
refuse codes outside the region, then parse the school year or the date of every row.
:func:`read_school_table` does that once; a loader adds its own columns to
:attr:`SchoolTable.rows` and checks them.

Examples
--------
>>> from josanalysis.sources.reading.columns import spec
>>> t = read_school_table("data/examples/rendement-indicatoren.csv",
...                       [spec("school_id", "vestigingscode"), spec("school_year", "schooljaar"),
...                        spec("indicator", "indicator"), spec("value", "waarde")],
...                       what="return indicators", period="school_year")   # doctest: +SKIP
>>> list(t.rows.columns)                                                   # doctest: +SKIP
['_row', 'school_id', 'school_year']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from josanalysis.sources.reading.codes import check_school_ids, normalise_school_id
from josanalysis.sources.reading.columns import ColumnSpec, select_columns
from josanalysis.sources.reading.dates import check_date_range, parse_date, parse_school_year
from josanalysis.sources.reading.table import RawTable, read_table

__all__ = ["SchoolTable", "read_school_table"]


@dataclass(frozen=True)
class SchoolTable:
    """A school-level template read up to its own columns.

    Attributes
    ----------
    table
        The file as read (for the loader's messages: file, rows, original column names).
    cells
        The selected columns as text, with ``_row`` (the spreadsheet row).
    rows
        The start of the loader's frame: ``_row``, ``school_id`` (checked) and, when asked,
        ``school_year`` (``"2023-2024"``) or ``date`` (not in the future, not before 2010).
    """

    table: RawTable
    cells: pd.DataFrame
    rows: pd.DataFrame


def read_school_table(
    path: str | Path | RawTable,
    columns: Sequence[ColumnSpec],
    *,
    what: str,
    school_ids: Iterable[str] | None = None,
    period: Literal["school_year", "date"] | None = None,
    today: dt.date | None = None,
) -> SchoolTable:
    """Read a school-level template: header synonyms, school codes, and its school year or date.

    Parameters
    ----------
    path
        The CSV or ``.xlsx`` file, or a table already read (and reshaped by the loader).
    columns
        The loader's columns; one must be ``school_id`` and, with ``period``, one of that name.
    what
        What the file holds, for the message about missing columns.
    school_ids
        When given, codes outside this set are refused.
    period
        ``"school_year"`` or ``"date"``: parse that column into ``rows``.
    today
        Dates after this are refused (default: today).

    Raises
    ------
    DataError
        Missing columns, bad or unknown school codes, bad school years or dates (file, rows and
        column named).
    """
    table = path if isinstance(path, RawTable) else read_table(path)
    cells = select_columns(table, columns, what=what)
    rows = pd.DataFrame({"_row": cells["_row"]})
    rows["school_id"] = normalise_school_id(table, cells, "school_id")
    check_school_ids(table, rows, "school_id", school_ids)
    if period == "school_year":
        rows["school_year"] = parse_school_year(table, cells, "school_year")
    elif period == "date":
        rows["date"] = parse_date(table, cells, "date")
        check_date_range(table, cells, "date", rows["date"], earliest="2010-01-01",
                         today=pd.Timestamp(today or dt.date.today()))
    return SchoolTable(table, cells, rows)
