"""Exceptions whose messages are sentences for analysts.

Every refusal of bad input is one of these. The message names the file, the row(s) and the
column where known, and says what was expected, for example::

    leerplicht.csv, row 17, column 'einddatum': 2023-13-01 is not a date (expected YYYY-MM-DD)

Rows are counted as an analyst sees them in a spreadsheet: the header is row 1, the first data
row is row 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["JosError", "DataError", "ConfigError", "format_rows"]


class JosError(Exception):
    """Base class of all errors josanalysis raises on purpose."""


def format_rows(rows: Iterable[int], limit: int = 5) -> str:
    """Render row numbers as ``"row 17"`` or ``"rows 3, 8, 12 and 4 more"``."""
    rows = sorted(set(int(r) for r in rows))
    if not rows:
        return ""
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    extra = len(rows) - limit
    return f"rows {shown}" + (f" and {extra} more" if extra > 0 else "")


class DataError(JosError, ValueError):
    """An input data file cannot be used as it is.

    Parameters
    ----------
    message
        What is wrong and what was expected, as one sentence.
    file
        The file concerned (only its name is shown).
    rows
        Spreadsheet row numbers concerned (header = row 1).
    column
        The column concerned.

    Examples
    --------
    >>> str(DataError("2023-13-01 is not a date (expected YYYY-MM-DD)",
    ...               file="leerplicht.csv", rows=[17], column="einddatum"))
    "leerplicht.csv, row 17, column 'einddatum': 2023-13-01 is not a date (expected YYYY-MM-DD)"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        rows: Sequence[int] | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = Path(file).name if file is not None else None
        self.rows = list(rows) if rows is not None else []
        self.column = column
        where = []
        if self.file:
            where.append(self.file)
        if self.rows:
            where.append(format_rows(self.rows))
        if column:
            where.append(f"column '{column}'")
        text = (", ".join(where) + ": " + message) if where else message
        super().__init__(text)


class ConfigError(JosError, ValueError):
    """A parameter file (region, school, analysis plan) or argument is wrong.

    The message names the YAML file or the identifier that is unknown.
    """
