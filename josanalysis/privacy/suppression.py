"""Primary suppression of pupil counts and rates, with the secondary suppression of
:mod:`josanalysis.privacy.disclosure` behind it.

The rules (see ``docs/privacy.md``):

* **Primary suppression.** A pupil count of 1 up to ``min_count - 1`` (default 1–4) is not
  shown. A zero is shown, as CBS and DUO do: "no pupil" identifies nobody.
* **Secondary (complementary) suppression.** Extra cells are hidden until no hidden cell can be
  recomputed from the row and column totals a reader knows
  (:func:`josanalysis.privacy.disclosure.complementary_suppression`).
* **Rounding** (optional, as CBS does): shown counts are rounded to multiples of ``rounding``.
* **Rates** are not shown when their denominator is below ``min_denominator``, nor when the
  pupil count in their numerator is suppressed (rate × a public denominator would reveal it).

Suppressed cells are missing values (``<NA>``) in frames and results files (an empty CSV cell, a
JSON ``null``); :func:`josanalysis.privacy.format_for_report` renders them as the marker ``•``.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"jongens": [3, 12, 20], "meisjes": [9, 14, 25]},
...                  index=["school A", "school B", "school C"])
>>> st = suppress_counts(t, min_count=5)
>>> int(st.suppressed.sum().sum())        # one small cell needs three partners here
4
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.privacy.disclosure import complementary_suppression
from josanalysis.privacy.protected import ProtectedTable, protect
from josanalysis.privacy.rendering import MARKER, MISSING_MARKER, render_cells

__all__ = ["TOTAL_LABELS", "SuppressedTable", "suppress_counts", "suppress_rates", "check_threshold"]

#: Row / column labels recognised as the totals line of a table (case-insensitive).
TOTAL_LABELS = ("totaal", "total", "totalen", "totals", "alle scholen", "regio totaal")

Totals = Literal["both", "rows", "columns", "none"]


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after suppression.

    Not itself shareable: ``primary`` tells which hidden cells are the small ones. Show
    ``table`` or :meth:`format`.

    Attributes
    ----------
    table
        The table with suppressed cells set to ``<NA>`` (nullable ``Int64`` count columns) and,
        with rounding, shown counts rounded; a :class:`~josanalysis.privacy.ProtectedTable`.
        Columns that are not count columns are untouched.
    primary
        Boolean frame (count columns only): cells hidden because they are small (1 to
        ``min_count - 1``) or were already missing in the input (treated as unknown).
    secondary
        Boolean frame: cells hidden only to protect a primary cell.
    count_columns
        The columns treated as pupil counts.
    min_count, rounding
        The rules applied.
    total_row, total_column
        Labels of a totals row / column found in the table, if any.
    unprotected
        ``(row label, column)`` of cells that could not be protected (only possible when every
        other cell of their lines is already hidden); empty in normal use.
    """

    table: ProtectedTable
    primary: pd.DataFrame
    secondary: pd.DataFrame
    count_columns: tuple[Hashable, ...]
    min_count: int
    rounding: int | None = None
    total_row: Hashable | None = None
    total_column: Hashable | None = None
    unprotected: tuple[tuple[Hashable, Hashable], ...] = ()
    input_missing: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def suppressed(self) -> pd.DataFrame:
        """Boolean frame: every hidden cell (primary or secondary)."""
        return self.primary | self.secondary

    def hidden_positions(self) -> dict[Hashable, set[int]]:
        """Row positions per count column hidden for privacy (not those missing in the input)."""
        hidden = self.suppressed
        if self.input_missing is None:
            return {c: set(np.flatnonzero(hidden[c].to_numpy())) for c in self.count_columns}
        return {c: set(np.flatnonzero(hidden[c].to_numpy() & ~self.input_missing[c].to_numpy()))
                for c in self.count_columns}

    def to_frame(self) -> ProtectedTable:
        """The suppressed table (hidden cells ``<NA>``), for results files."""
        return protect(self.table)

    def format(self, *, marker: str = MARKER, missing: str = MISSING_MARKER,
               decimals: int = 1) -> ProtectedTable:
        """The table as Dutch text (see :func:`josanalysis.privacy.format_for_report`)."""
        text = render_cells(self.table, self.hidden_positions(), marker=marker, missing=missing,
                            decimals=decimals)
        return protect(text)


def check_threshold(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int if it is a whole number of at least ``minimum``, else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} is {value!r}; expected a whole number of at least {minimum}.")
    return int(value)


def _check_rounding(rounding: Any) -> int | None:
    if rounding is None:
        return None
    return check_threshold(rounding, "rounding", 2)


def _find_total_label(labels: Iterable[Hashable]) -> Hashable | None:
    found = [lab for lab in labels if isinstance(lab, str) and lab.strip().lower() in TOTAL_LABELS]
    if len(found) > 1:
        raise ConfigError(
            f"The table has more than one totals line ({', '.join(map(str, found))}); "
            "pass total_row= / total_column= explicitly."
        )
    return found[0] if found else None


def _count_columns(table: pd.DataFrame, count_columns: Sequence[Hashable] | None) -> list[Hashable]:
    """The named count columns (checked), or every numeric non-boolean column."""
    if count_columns is None:
        cols = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])
                and not pd.api.types.is_bool_dtype(table[c])]
        if not cols:
            raise ConfigError(
                "The table has no numeric columns to treat as pupil counts; name them with "
                "count_columns=[...]."
            )
        return cols
    cols = list(count_columns)
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ConfigError(
            f"count column(s) {', '.join(map(repr, missing))} not in the table "
            f"(columns: {', '.join(map(str, table.columns))})."
        )
    return cols


def _total_labels(table: pd.DataFrame, cols: list[Hashable], total_row: Any,
                  total_column: Any) -> tuple[Hashable | None, Hashable | None]:
    """The totals row / column labels: found (``"auto"``), checked, or None."""
    if total_row == "auto":
        total_row = _find_total_label(table.index)
    elif total_row is not None and total_row not in table.index:
        raise ConfigError(f"total_row {total_row!r} is not a row label of the table.")
    if total_column == "auto":
        total_column = _find_total_label(cols)
    elif total_column is not None and total_column not in cols:
        raise ConfigError(f"total_column {total_column!r} is not one of the count columns.")
    return total_row, total_column


def _count_values(table: pd.DataFrame, columns: Sequence[Hashable]) -> np.ndarray:
    """Validated counts as a float array (NaN = missing)."""
    out = np.empty((len(table), len(columns)), dtype=float)
    for j, col in enumerate(columns):
        s = table[col]
        if pd.api.types.is_bool_dtype(s):
            raise DataError(f"count column '{col}' holds True/False; expected numbers of pupils.",
                            column=str(col))
        num = pd.to_numeric(s, errors="coerce")
        text = s.notna().to_numpy(dtype=bool) & num.isna().to_numpy(dtype=bool)
        if text.any():
            raise DataError(
                f"count column '{col}' holds text ({s[text].iloc[0]!r}); expected numbers of pupils.",
                rows=[i + 2 for i in np.flatnonzero(text)],
                column=str(col),
            )
        v = num.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(v) & ((v < 0) | (np.abs(v - np.round(v)) > 1e-9))
        if bad.any():
            rows = [i + 2 for i in np.flatnonzero(bad)]
            raise DataError(
                f"count column '{col}' has {v[bad][0]:g}; pupil counts must be whole numbers >= 0.",
                rows=rows,
                column=str(col),
            )
        out[:, j] = v
    return out


def _shown_counts(table: pd.DataFrame, cols: list[Hashable], values: np.ndarray,
                  hidden: np.ndarray, rounding: int | None) -> pd.DataFrame:
    """A copy of ``table`` with the count columns rounded and their hidden cells ``<NA>``."""
    out = table.copy()
    for j, col in enumerate(cols):
        v = values[:, j].copy()
        if rounding:
            v = rounding * np.floor(v / rounding + 0.5)
        v[hidden[:, j]] = np.nan
        out[col] = pd.array(np.where(np.isnan(v), None, v), dtype="Float64").astype("Int64")
    return out


def _forced(also_hide: pd.DataFrame | None, table: pd.DataFrame, cols: list[Hashable]) -> np.ndarray:
    """The cells ``also_hide`` marks, as a mask over ``table[cols]`` (all False without it)."""
    if also_hide is None:
        return np.zeros((len(table), len(cols)), dtype=bool)
    return also_hide.reindex(index=table.index, columns=cols).fillna(False).astype(bool).to_numpy()


def suppress_counts(
    table: pd.DataFrame,
    count_columns: Sequence[Hashable] | None = None,
    *,
    min_count: int = 5,
    secondary: bool = True,
    totals: Totals = "both",
    total_row: Hashable | None | Literal["auto"] = "auto",
    total_column: Hashable | None | Literal["auto"] = "auto",
    rounding: int | None = None,
    also_hide: pd.DataFrame | None = None,
) -> SuppressedTable:
    """Suppress small pupil counts, with secondary suppression against recovery from totals.

    Parameters
    ----------
    table
        A cross table: one row per category (school, school year, …), the count columns hold
        numbers of pupils. A row or column labelled ``Totaal``/``Total`` is recognised as the
        totals line (or name it with ``total_row`` / ``total_column``).
    count_columns
        Columns that hold pupil counts; default: every numeric column.
    min_count
        Counts from 1 to ``min_count - 1`` are hidden. Zero is shown.
    secondary
        Also hide complementary cells so that no hidden cell can be recomputed.
    totals
        Which margins a reader may know even if the table does not print them: ``"both"``
        (default, conservative: row sums over the count columns and column sums over the rows),
        ``"rows"``, ``"columns"`` or ``"none"``. Use ``"columns"`` when the count columns are
        different measures whose row sum means nothing. Totals printed in the table always count.
    total_row, total_column
        Label of the totals row / column, ``"auto"`` to look for ``Totaal``/``Total``, or
        ``None`` for none.
    rounding
        Round shown counts to multiples of this number (CBS: 5). Hidden cells stay hidden.
    also_hide
        Boolean frame (the table's index, some count columns): cells to hide as if they were
        small — because another published table hides the same count — before the partners
        are chosen.

    Returns
    -------
    SuppressedTable
        The table with hidden cells ``<NA>`` plus the masks of what was hidden and why.

    Raises
    ------
    DataError
        If a count column holds text, negative or fractional numbers.
    ConfigError
        If arguments are invalid (unknown column, ``min_count`` < 1, …).

    Examples
    --------
    >>> t = pd.DataFrame({"licht": [2, 10, 8], "zwaar": [7, 6, 11]}, index=["A", "B", "C"])
    >>> st = suppress_counts(t)
    >>> bool(st.primary.loc["A", "licht"]), int(st.suppressed.sum().sum())
    (True, 4)
    """
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"suppress_counts needs a pandas DataFrame, got {type(table).__name__}.")
    min_count = check_threshold(min_count, "min_count", 1)
    rounding = _check_rounding(rounding)
    if totals not in ("both", "rows", "columns", "none"):
        raise ConfigError(f"totals is {totals!r}; expected 'both', 'rows', 'columns' or 'none'.")
    if table.index.has_duplicates or table.columns.has_duplicates:
        raise ConfigError("The table has duplicate row or column labels; make them unique first.")
    cols = _count_columns(table, count_columns)
    total_row, total_column = _total_labels(table, cols, total_row, total_column)

    values = _count_values(table, cols)
    missing_in = np.isnan(values)
    primary = ((values >= 1) & (values < min_count)) | missing_in | _forced(also_hide, table, cols)
    hidden, unprotected = primary.copy(), []
    if secondary and values.size:
        hidden, unprotected = complementary_suppression(
            values, primary,
            total_row=table.index.get_loc(total_row) if total_row is not None else None,
            total_column=cols.index(total_column) if total_column is not None else None,
            row_margins_known=totals in ("both", "rows"),
            col_margins_known=totals in ("both", "columns"),
            min_count=min_count,
        )

    n_cols = len(cols)
    mask = lambda a: pd.DataFrame(a, index=table.index, columns=cols)  # noqa: E731
    return SuppressedTable(
        table=protect(_shown_counts(table, cols, values, hidden, rounding)),
        primary=mask(primary),
        secondary=mask(hidden & ~primary),
        count_columns=tuple(cols),
        min_count=min_count,
        rounding=rounding,
        total_row=total_row,
        total_column=total_column,
        unprotected=tuple((table.index[i // n_cols], cols[i % n_cols]) for i in unprotected),
        input_missing=mask(missing_in),
    )


def suppress_rates(
    df: pd.DataFrame,
    rate_col: Hashable,
    denominator_col: Hashable,
    *,
    min_denominator: int = 10,
    numerator_col: Hashable | None = None,
    min_count: int = 5,
) -> ProtectedTable:
    """Hide rates whose denominator is small (or whose pupil numerator is small).

    Parameters
    ----------
    df
        Frame with the rate and its denominator (for example pupils on 1 October).
    rate_col, denominator_col
        Column names.
    min_denominator
        Rates with a denominator below this (or missing) become ``<NA>``.
    numerator_col
        Optional pupil count behind the rate: when it is 1 to ``min_count - 1`` the rate is
        hidden too, because rate × a public denominator would reveal it.
    min_count
        Threshold for ``numerator_col``.

    Returns
    -------
    ProtectedTable
        A copy with the rate column as nullable ``Float64``. Other columns are untouched: pupil
        counts in them need :func:`josanalysis.privacy.apply_privacy`.

    Examples
    --------
    >>> d = pd.DataFrame({"pct": [2.0, 5.5], "leerlingen": [8, 400]})
    >>> suppress_rates(d, "pct", "leerlingen")["pct"].isna().tolist()
    [True, False]
    """
    min_denominator = check_threshold(min_denominator, "min_denominator", 1)
    for c in (rate_col, denominator_col) + ((numerator_col,) if numerator_col is not None else ()):
        if c not in df.columns:
            raise ConfigError(f"column {c!r} is not in the frame (columns: {', '.join(map(str, df.columns))}).")
    den = pd.to_numeric(df[denominator_col], errors="coerce").astype("Float64")
    hide = (den.isna() | (den < min_denominator)).fillna(True).to_numpy(dtype=bool)
    if numerator_col is not None:
        num = pd.to_numeric(df[numerator_col], errors="coerce").astype("Float64")
        hide |= ((num >= 1) & (num < min_count)).fillna(False).to_numpy(dtype=bool)
    out = df.copy()
    rate = pd.to_numeric(df[rate_col], errors="coerce").astype("Float64")
    out[rate_col] = rate.mask(hide)
    return protect(out)
