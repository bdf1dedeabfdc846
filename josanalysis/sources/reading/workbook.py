"""Excel workbooks (``.xlsx``) read as rows of text cells, like a CSV file.

The project's templates are shipped as workbooks with an instructions sheet
(:mod:`josanalysis.sources.templates`); an analyst may fill one in and save it as ``.xlsx``. The
data are on the first sheet whose name is not an instructions sheet (``Instructies``,
``Toelichting``, ``Instructions``). Cells become text as a CSV export would write them: whole
numbers without ``.0``, decimals with a point, dates as ``YYYY-MM-DD``; row numbers are the
workbook's own, so messages name the row the analyst sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl

from josanalysis.core.errors import DataError

__all__ = ["INSTRUCTION_SHEETS", "workbook_rows", "workbook_to_csv"]

#: Sheet names (lower case) that hold instructions, not data.
INSTRUCTION_SHEETS = ("instructies", "toelichting", "instructions", "uitleg")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def _data_rows(path: str | Path) -> Iterator[Iterator[list[str]]]:
    """The rows of the data sheet as text cells, streamed (the workbook is closed afterwards)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found (check the path and the file name).", file=path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(f"not a readable Excel workbook (.xlsx) ({type(exc).__name__}); save it again "
                        "as 'Excel-werkmap (.xlsx)' or as CSV.", file=path) from None
    try:
        sheets = [ws for ws in book.worksheets if ws.title.strip().lower() not in INSTRUCTION_SHEETS]
        if not sheets:
            raise DataError("the workbook has only an instructions sheet; put the data on a sheet of "
                            "its own (the template's 'Gegevens' sheet).", file=path)
        yield ([_text(v) for v in row] for row in sheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def workbook_rows(path: str | Path) -> list[list[str]]:
    """The rows of the data sheet of a workbook as text cells (row 1 first).

    Raises
    ------
    DataError
        Not a readable ``.xlsx`` workbook, or no sheet besides the instructions.
    """
    with _data_rows(path) as stream:
        rows = list(stream)
    # a sheet's used range may run past the last column with a header: drop such empty columns
    width = max((len(r) - next((i for i, c in enumerate(reversed(r)) if c.strip()), len(r)) for r in rows),
                default=0)
    return [r[:width] for r in rows]


def workbook_to_csv(path: str | Path, out: str | Path) -> Path:
    """Write the data sheet of a workbook to ``out`` as ``;``-separated UTF-8 text, row by row.

    For readers that take only CSV (the attendance loader hands files to DuckDB). Row ``n`` of
    the sheet is line ``n`` of the text (an empty row is a row of empty cells, which the reader
    skips), so row numbers stay the workbook's; columns past the last header cell are kept only
    where a row fills them.

    Examples
    --------
    >>> workbook_to_csv("data/templates/verzuim-sjabloon.xlsx", "/tmp/verzuim.csv")   # doctest: +SKIP
    """
    out = Path(out)
    with _data_rows(path) as stream, out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quotechar='"', lineterminator="\n")
        width = None
        for row in stream:
            if width is None:
                width = len(row) - next((i for i, c in enumerate(reversed(row)) if c.strip()), len(row))
            filled = len(row) - next((i for i, c in enumerate(reversed(row)) if c.strip()), len(row))
            if filled == 0:
                fh.write(";" * max(width - 1, 0) + "\n")  # kept as a row of empty cells: numbering stays
            else:
                writer.writerow(row[:max(width, filled)])
    return out
