"""Numbers in data files: counts and decimals, Dutch or English notation, suppressed cells.

Quoted or not; a decimal comma with ``.`` thousands separators (``1.234,50``) or a decimal
point; ``<5``, ``<10``, ``.`` and empty cells are suppressed: missing with a flag, never zero.
Any other marker (``*``, ``x``, ``-``, ``<0``) is refused, and so is a negative count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from josanalysis.sources.reading.schema import raise_bad_rows
from josanalysis.sources.reading.table import RawTable, normalise_name

__all__ = ["suppressed_mask", "parse_count", "parse_number"]

_SUPPRESSION = re.compile(r"^(<\s*0*[1-9]\d*|\.)?$")
_INT_PLAIN = re.compile(r"^[+-]?\d+$")
_INT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_NUM_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_NUM_DOT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def suppressed_mask(s: pd.Series) -> np.ndarray:
    """``<5``, ``<10``, ``.`` and empty cells: suppressed (missing, never zero).

    ``<0`` is not a suppression threshold (nothing is below zero) and is not suppressed.

    >>> suppressed_mask(pd.Series(["<5", ".", "", "0", "12", "<0"])).tolist()
    [True, True, True, False, False, False]
    """
    return s.astype(str).str.fullmatch(_SUPPRESSION.pattern).fillna(False).to_numpy(dtype=bool)


def _cleaned(frame: pd.DataFrame, column: str) -> pd.Series:
    """Cell text without quotes and spaces."""
    s = frame[column].astype(str).str.replace('"', "", regex=False).str.strip()
    return s.str.replace(" ", "", regex=False)


def parse_count(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    allow_suppressed: bool = True,
    allow_negative: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """Parse a count column: integers with optional ``.`` thousands separators.

    Returns ``(values as Int64, suppressed flags as bool)``. ``<5``, ``<10``, ``.`` and empty
    cells become missing and flagged; text, decimals, other markers and (unless
    ``allow_negative``) negative numbers raise DataError.
    """
    s = _cleaned(frame, column)
    supp = suppressed_mask(s)
    ok_int = s.str.fullmatch(_INT_PLAIN.pattern).to_numpy(dtype=bool)
    ok_thou = s.str.fullmatch(_INT_THOUSANDS.pattern).to_numpy(dtype=bool)
    bad = ~(supp | ok_int | ok_thou)
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a whole number (expected a count such as 12 or 1.545, or '<5' / '.' when suppressed)")
    if not allow_suppressed:
        raise_bad_rows(table, supp, frame["_row"], column, frame[column], "allowed here (expected a number)")
    if not allow_negative:
        raise_bad_rows(table, s.str.startswith("-").to_numpy(dtype=bool), frame["_row"], column,
                       frame[column], "a count of 0 or more (negative values are impossible)")
    clean = s.where(~supp, None).str.replace(".", "", regex=False)
    values = pd.array(pd.to_numeric(clean, errors="coerce"), dtype="Int64")
    return pd.Series(values, index=frame.index), pd.Series(supp, index=frame.index)


def _decimal_text(s: pd.Series, rest: np.ndarray, thousands: bool) -> tuple[np.ndarray, pd.Series]:
    """(well-formed mask, text with a decimal point and no grouping) for the cells in ``rest``.

    The decimal separator is decided per column: if any cell holds a comma, the comma is the
    decimal mark and dots group thousands; otherwise a dot is the decimal mark, except when
    ``thousands`` is true and every dotted cell looks like ``1.234``.
    """
    if s[rest].str.contains(",", regex=False).any():
        ok = s.str.fullmatch(_NUM_COMMA.pattern).to_numpy(dtype=bool)
        return ok, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    ok = s.str.fullmatch(_NUM_DOT.pattern).to_numpy(dtype=bool) & s.str.contains(r"\d").to_numpy(dtype=bool)
    dotted = s[rest & s.str.contains(".", regex=False).to_numpy(dtype=bool)]
    if thousands and len(dotted) and dotted.str.fullmatch(_INT_THOUSANDS.pattern).all():
        return ok, s.str.replace(".", "", regex=False)
    return ok, s.str.replace(",", "", regex=False)


def parse_number(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    allow_suppressed: bool = True,
    thousands: bool = False,
    na_markers: Iterable[str] = (),
) -> tuple[pd.Series, pd.Series]:
    """Parse a decimal column (money, FTE, months, scores) as float.

    The decimal separator is decided per column: if any cell holds a comma, the comma is the
    decimal mark and dots group thousands (``1.234,50``); otherwise a dot is the decimal mark,
    except when ``thousands`` is true (money) and every dotted cell looks like ``1.234``.
    A euro sign is ignored; cells equal to one of ``na_markers`` (normalised) are missing but
    not suppressed. Returns ``(float values, suppressed flags)``.
    """
    s = _cleaned(frame, column).str.replace("\u20ac", "", regex=False)
    markers = {normalise_name(m) for m in na_markers}
    is_marker = s.map(lambda v: normalise_name(v) in markers if v else False).to_numpy(dtype=bool)
    supp = suppressed_mask(s) & ~is_marker
    rest = ~(supp | is_marker)
    ok, clean = _decimal_text(s, rest, thousands)
    raise_bad_rows(table, rest & ~ok, frame["_row"], column, frame[column],
                   "a number (expected e.g. 1234,50 or 0.8, or '.' when suppressed)")
    if not allow_suppressed:
        raise_bad_rows(table, supp & (s != "").to_numpy(dtype=bool), frame["_row"], column,
                       frame[column], "allowed here (expected a number)")
    values = pd.to_numeric(clean.where(rest, None), errors="coerce").astype("float64")
    return pd.Series(values.to_numpy(), index=frame.index), pd.Series(supp, index=frame.index)
