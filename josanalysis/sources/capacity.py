"""Capacity (FTE per JOS function per school, Bijlage 5 layout) and the ZiO budget per school.

Capacity: ``vestigingscode;school;functie;fte_eerder;fte_tijdens;uren_per_week_tijdens`` with
``functie`` in GW, JGC, PAJ, decimal comma, and ``n.v.t.`` where a function is not deployed.
A wide variant with one row per school and columns ``<functie>_fte_eerder``,
``<functie>_fte_tijdens``, ``<functie>_uren_per_week_tijdens`` is accepted as well.

Budget: ``vestigingscode;jaar;budget_eur`` (euro amounts, decimal comma allowed).

Examples
--------
>>> from josanalysis.sources import load_capacity, load_budget
>>> cap = load_capacity("data/examples/capaciteit-fte.csv")   # doctest: +SKIP
>>> bud = load_budget("data/examples/zio-budget.csv")          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.config import FUNCTIONS
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_count, parse_number
from josanalysis.sources.reading.schema import finish, nonneg, raise_bad_rows, validate
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import normalise_name, RawTable, read_table

__all__ = ["load_capacity", "load_budget", "CAPACITY_COLUMNS", "BUDGET_COLUMNS"]

CAPACITY_COLUMNS = ["school_id", "school_name", "function", "fte_before", "fte_during",
                    "hours_per_week_during", "deployed"]
BUDGET_COLUMNS = ["school_id", "year", "budget_eur"]
_NVT = ("n.v.t.", "nvt", "n.v.t", "n/a", "na", "not applicable", "niet ingezet")
_FUNCTION_NAMES = {normalise_name(k): k for k in FUNCTIONS} | {
    normalise_name(v): k for k, v in FUNCTIONS.items()
} | {"gedragswetenschapper": "GW", "jeugd_en_gezinscoach": "JGC", "jgc_vo": "JGC",
     "paj": "PAJ", "preventief_ambulant_jeugdhulpverlener": "PAJ", "gw_jggz": "GW"}


def _wide_to_long(table: RawTable) -> RawTable:
    """Turn one-row-per-school (``gw_fte_eerder`` ...) into the long Bijlage 5 layout."""
    data = table.data
    rows = []
    for f in FUNCTIONS:
        k = f.lower()
        cols = {c: f"{k}_{c}" for c in ("fte_eerder", "fte_tijdens", "uren_per_week_tijdens")}
        if not any(v in data.columns for v in cols.values()):
            continue
        part = pd.DataFrame({"_row": data["_row"]})
        for c in ("vestigingscode", "school"):
            part[c] = data[c] if c in data.columns else ""
        part["functie"] = f
        for c, src in cols.items():
            part[c] = data[src] if src in data.columns else ""
        rows.append(part)
    if not rows:
        return table
    long = pd.concat(rows, ignore_index=True)
    original = dict(table.original)
    return RawTable(path=table.path, data=long, original=original, delimiter=table.delimiter)


def load_capacity(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load FTE per JOS function per school, before and during JOS (Bijlage 5 layout).

    Parameters
    ----------
    path
        CSV (long or wide layout, see the module docstring).
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_name, function (GW/JGC/PAJ), fte_before, fte_during,
        hours_per_week_during, deployed``. ``n.v.t.`` means the function is not deployed:
        ``deployed`` is False and the FTE is missing (not 0).

    Examples
    --------
    >>> cap = load_capacity("data/examples/capaciteit-fte.csv")                 # doctest: +SKIP
    >>> cap.pivot(index="school_id", columns="function", values="fte_during")   # doctest: +SKIP
    """
    st = read_school_table(_wide_to_long(read_table(path)), [
        spec("school_id", "vestigingscode", "vestiging", "school_id"),
        spec("school_name", "school", "schoolnaam", "naam", required=False),
        spec("function", "functie", "function", "discipline"),
        spec("fte_before", "fte_eerder", "fte_voor", "fte_voorheen", "fte_before"),
        spec("fte_during", "fte_tijdens", "fte_nu", "fte_during"),
        spec("hours_per_week_during", "uren_per_week_tijdens", "uren_per_week", "uren_tijdens",
             "hours_per_week", required=False),
    ], what="capacity (FTE, Bijlage 5)", school_ids=school_ids)
    table, df, out = st.table, st.cells, st.rows
    name = df["school_name"].astype(str).str.strip() if "school_name" in df else pd.Series("", index=df.index)
    out["school_name"] = name.where(name != "", None).astype("str")
    fn = df["function"].astype(str).map(normalise_name).map(_FUNCTION_NAMES)
    raise_bad_rows(table, fn.isna().to_numpy(dtype=bool), df["_row"], "function", df["function"],
                   f"a JOS function (expected one of {sorted(FUNCTIONS)})")
    out["function"] = fn.astype("str")
    nvt = pd.Series(False, index=df.index)
    for c in ("fte_before", "fte_during", "hours_per_week_during"):
        if c in df:
            marker = df[c].astype(str).str.strip().str.lower().isin(_NVT)
            if c == "fte_during":
                nvt = marker
            out[c], _ = parse_number(table, df, c, na_markers=_NVT)
        else:
            out[c] = float("nan")
    out["deployed"] = (~nvt.to_numpy()) & (out["fte_during"].fillna(0) > 0).to_numpy()
    schema = pa.DataFrameSchema(
        {
            "fte_before": pa.Column(float, pa.Check.in_range(0, 20, error="an FTE of 0-20"), nullable=True),
            "fte_during": pa.Column(float, pa.Check.in_range(0, 20, error="an FTE of 0-20"), nullable=True),
            "hours_per_week_during": pa.Column(float, pa.Check.in_range(0, 40 * 20, error="0 or more hours"),
                                               nullable=True),
        },
        unique=["school_id", "function"],
    )
    validate(out, schema, table)
    return finish(out, CAPACITY_COLUMNS)


def load_budget(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load the collective ZiO budget per school and year.

    Parameters
    ----------
    path
        CSV ``vestigingscode;jaar;budget_eur`` (``school_id, year, budget`` accepted; euro
        amounts with decimal comma and ``.`` thousands separators allowed).
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, year (Int64), budget_eur (float)``.

    Examples
    --------
    >>> bud = load_budget("data/examples/zio-budget.csv")   # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("year", "jaar", "kalenderjaar", "budgetjaar"),
        spec("budget_eur", "budget", "budget_euro", "zio_budget", "bedrag", "budget_in_euro"),
    ], what="ZiO budget", school_ids=school_ids)
    table, df, out = st.table, st.cells, st.rows
    out["year"], _ = parse_count(table, df, "year", allow_suppressed=False)
    out["budget_eur"], _ = parse_number(table, df, "budget_eur", allow_suppressed=False, thousands=True)
    this_year = dt.date.today().year + 1  # budgets are set a year ahead
    schema = pa.DataFrameSchema(
        {
            "year": pa.Column("Int64", pa.Check.in_range(2000, this_year,
                                                         error=f"a year from 2000 to {this_year}")),
            "budget_eur": pa.Column(float, nonneg("an amount")),
        },
        unique=["school_id", "year"],
    )
    validate(out, schema, table)
    return finish(out, BUDGET_COLUMNS)
