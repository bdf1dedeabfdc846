"""Refusals as sentences: bad cells, pandera validation and the final shape of a loader's frame.

Every refusal is one :class:`~josanalysis.core.errors.DataError` naming the file, the
spreadsheet rows (header = row 1), the column as written in the file and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.table import RawTable

__all__ = ["raise_bad_rows", "validate", "nonneg", "finish"]


def _file_and_column(table: RawTable | Path | str, column: str | None) -> tuple[Path, str | None]:
    """The file and the column as the analyst sees them."""
    if isinstance(table, RawTable):
        return table.path, (table.col(column) if column else None)
    return Path(table), column


def raise_bad_rows(
    table: RawTable | Path | str,
    mask: pd.Series | np.ndarray,
    rows: pd.Series,
    column: str,
    values: pd.Series,
    expected: str,
) -> None:
    """Raise one DataError for the rows where ``mask`` is true (if any).

    The message shows up to three distinct offending values and ends with
    ``not <expected>``, e.g. ``'2023-13-01' is not a date (expected YYYY-MM-DD).``
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    bad_rows = np.asarray(rows)[mask]
    bad_vals = [v if v.strip() else "(empty)" for v in pd.Series(values).astype(str).to_numpy()[mask]]
    shown = ", ".join(v if v == "(empty)" else repr(v) for v in list(dict.fromkeys(bad_vals))[:3])
    verb = "is" if len(set(bad_vals)) == 1 else "are"
    file, col = _file_and_column(table, column)
    raise DataError(f"{shown} {verb} not {expected}.", file=file, rows=list(bad_rows), column=col)


def _rows_of(df: pd.DataFrame, cases: pd.DataFrame) -> list[int]:
    """Spreadsheet rows (``_row``) of pandera failure cases."""
    if "_row" not in df.columns:
        return []
    idx = pd.to_numeric(cases["index"], errors="coerce").dropna().astype(int)
    idx = [i for i in idx if i in df.index]
    return sorted(set(df.loc[idx, "_row"].astype(int)))


def _failure_sentence(
    df: pd.DataFrame, schema: pa.DataFrameSchema, table: RawTable | Path | str, fc: pd.DataFrame
) -> tuple[str, list[int], str | None]:
    """(message, rows, column) for the first failing pandera check."""
    first: Any = fc.iloc[0]
    same = fc[(fc["check"] == first["check"]) & (fc["column"] == first["column"])]
    column = first["column"] if isinstance(first["column"], str) else None
    rows = _rows_of(df, same)
    values = ", ".join(repr(str(v)) for v in list(dict.fromkeys(same["failure_case"].astype(str)))[:3])
    check = str(first["check"])
    if first.get("schema_context") == "DataFrameSchema" and "uniqueness" not in check:
        return f"expected {check}", _rows_of(df, fc[fc["check"] == first["check"]]), None
    if "multiple_fields_uniqueness" in check or check == "field_uniqueness":
        keys = list(schema.unique) if schema.unique else [column]
        if isinstance(table, RawTable):
            keys = [table.col(k) for k in keys]
        return f"the combination {keys} occurs more than once (expected one row per key)", rows, None
    if check.startswith("column_in_dataframe"):
        return f"column missing (expected {first['failure_case']})", rows, column
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        return f"{values} has the wrong type ({check})", rows, column
    if check == "not_nullable":
        return "empty cell(s) where a value is required", rows, column
    return f"{values} fails the check: expected {check}", rows, column


def validate(
    df: pd.DataFrame,
    schema: pa.DataFrameSchema,
    table: RawTable | Path | str,
) -> pd.DataFrame:
    """Validate ``df`` (which carries ``_row``) with pandera and translate failures.

    The first failing check becomes one DataError naming the file, the spreadsheet rows, the
    column (as written in the file) and the check's error text (what was expected).
    """
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        message, rows, column = _failure_sentence(df, schema, table, exc.failure_cases)
        file, colname = _file_and_column(table, column)
        raise DataError(message + ".", file=file, rows=rows, column=colname) from None


def nonneg(what: str = "a count") -> pa.Check:
    """pandera check: value >= 0 (missing allowed)."""
    return pa.Check.ge(0, error=f"{what} of 0 or more (negative values are impossible)", ignore_na=True)


def finish(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Drop ``_row``, order columns, reset the index."""
    return df[list(columns)].reset_index(drop=True)
