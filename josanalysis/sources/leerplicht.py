"""Leerplicht (compulsory-education office) case records -> monthly stock of thuiszitters.

A case record (melding) is one pupil, one school, one type (absoluut verzuim, relatief verzuim,
langdurig relatief verzuim, vrijstelling), a start date and an end date (empty while open). The
pupil number is pseudonymised on load (keyed hash) and never leaves the library.

Thuiszitters on a date are, as Bijlage 2 of the Oberon monitor defines them, the distinct
pupils with an open case of type *langdurig relatief verzuim* (enrolled, but absent for more than
4 weeks). *Absoluut verzuim* (not enrolled anywhere) is counted as a separate series
(``absoluut_verzuim``), not as thuiszitters. A case
is open on date ``d`` when ``startdatum <= d`` and (``einddatum`` is empty or
``einddatum >= d``). The stock is counted on the 1st of each month.

Examples
--------
>>> from josanalysis.sources import load_thuiszitters
>>> df = load_thuiszitters("data/examples/leerplicht-registraties.csv")   # doctest: +SKIP
>>> df.groupby("month")["thuiszitters"].sum()                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources.reading.codes import check_school_ids, map_values, normalise_school_id
from josanalysis.sources.reading.columns import select_columns, spec
from josanalysis.sources.reading.dates import check_date_range, parse_date
from josanalysis.sources.reading.pseudonyms import pseudonymise
from josanalysis.sources.reading.schema import finish, raise_bad_rows, validate
from josanalysis.sources.reading.table import read_table

__all__ = ["load_leerplicht_cases", "load_thuiszitters", "LEERPLICHT_TYPES", "THUISZITTERS_COLUMNS"]

THUISZITTERS_COLUMNS = ["school_id", "month", "thuiszitters", "absoluut_verzuim", "langdurig_relatief_verzuim"]

#: normalised spelling -> canonical type
LEERPLICHT_TYPES: dict[str, str] = {
    "absoluut_verzuim": "absoluut verzuim",
    "absoluut": "absoluut verzuim",
    "absolute_absence": "absoluut verzuim",
    "relatief_verzuim": "relatief verzuim",
    "relatief": "relatief verzuim",
    "relative_absence": "relatief verzuim",
    "langdurig_relatief_verzuim": "langdurig relatief verzuim",
    "langdurig_relatief": "langdurig relatief verzuim",
    "long_term_relative_absence": "langdurig relatief verzuim",
    "long_term_absence": "langdurig relatief verzuim",
    "vrijstelling": "vrijstelling",
    "exemption": "vrijstelling",
}


def load_leerplicht_cases(
    path: str | Path,
    *,
    school_ids: Iterable[str] | None = None,
    key: bytes | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Load Leerplicht case records with pseudonymised pupils (library-internal).

    Parameters
    ----------
    path
        CSV with ``leerling_id, vestigingscode, type, startdatum, einddatum`` (English synonyms
        ``pupil_id, school_id, case_type, start_date, end_date`` accepted).
    school_ids
        When given, codes outside this set are refused.
    key
        Pseudonymisation key (default: see :func:`~josanalysis.sources.pseudonymise`).
    today
        Dates after this are refused (default: today).

    Returns
    -------
    pandas.DataFrame
        ``pupil_key, school_id, type, start, end`` (``end`` NaT while open).

    Examples
    --------
    >>> cases = load_leerplicht_cases("data/examples/leerplicht-registraties.csv")  # doctest: +SKIP
    """
    table = read_table(path)
    df = select_columns(
        table,
        [
            spec("pupil", "leerling_id", "leerlingnummer", "leerling", "pupil_id", "student_id", "bsn"),
            spec("school_id", "vestigingscode", "vestiging", "school", "school_id"),
            spec("type", "type", "soort", "verzuimsoort", "soort_verzuim", "case_type", "categorie"),
            spec("start", "startdatum", "begindatum", "datum_melding", "start_date", "start"),
            spec("end", "einddatum", "datum_einde", "end_date", "end", required=False),
        ],
        what="Leerplicht case records",
    )
    out = pd.DataFrame({"_row": df["_row"]})
    pupil = df["pupil"].astype(str).str.strip()
    raise_bad_rows(table, (pupil == "").to_numpy(dtype=bool), df["_row"], "pupil", pupil,
                   "a pupil number (expected a value in every row)")
    out["pupil_key"] = pseudonymise(pupil, key)
    out["school_id"] = normalise_school_id(table, df, "school_id")
    check_school_ids(table, out, "school_id", school_ids)
    out["type"] = map_values(table, df, "type", LEERPLICHT_TYPES)
    out["start"] = parse_date(table, df, "start")
    out["end"] = parse_date(table, df, "end", required=False) if "end" in df else pd.NaT
    out["end"] = out["end"].astype("datetime64[ns]")
    today_ts = pd.Timestamp(today or dt.date.today())
    check_date_range(table, df, "start", out["start"], today=today_ts)
    if "end" in df:
        check_date_range(table, df, "end", out["end"], today=today_ts)
    schema = pa.DataFrameSchema(
        checks=[pa.Check(lambda d: ~(d["end"] < d["start"]).fillna(False),
                         error="an end date on or after the start date", element_wise=False)],
        unique=["pupil_key", "school_id", "type", "start"],
    )
    try:
        validate(out, schema, table)
    except DataError as exc:  # name the end-date column for the date-order check
        if exc.column is None and "end date" in exc.message:
            raise DataError(exc.message, file=table.path, rows=exc.rows, column=table.col("end")) from None
        raise
    return finish(out, ["pupil_key", "school_id", "type", "start", "end"])


def thuiszitters_from_cases(
    cases: pd.DataFrame,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Monthly stock (on the 1st) of thuiszitters per school from case records."""
    first = pd.Timestamp(start) if start is not None else cases["start"].min()
    last = pd.Timestamp(end) if end is not None else max(
        cases["start"].max(), cases["end"].max() if cases["end"].notna().any() else cases["start"].max()
    )
    if pd.isna(first) or pd.isna(last):
        raise ConfigError("cannot determine the months to count (no dates).")
    # an explicit start counts from the first 1st-of-month on or after it; by default the
    # month of the first case start is included
    origin = first.to_period("M").to_timestamp()
    if start is not None and origin < first:
        origin = origin + pd.offsets.MonthBegin(1)
    months = pd.date_range(origin, last, freq="MS")
    if len(months) == 0:
        raise ConfigError(f"no month start between start={first.date()} and end={last.date()}.")
    schools = sorted(cases["school_id"].unique())
    rel = cases[cases["type"].isin(["absoluut verzuim", "langdurig relatief verzuim"])]
    # month starts m with start <= m <= end, as integer months (year * 12 + month - 1);
    # open cases run to the last month counted
    def mi(d: pd.Series) -> np.ndarray:
        return (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype=np.int64)

    lo, hi = months[0].year * 12 + months[0].month - 1, months[-1].year * 12 + months[-1].month - 1
    first_i = np.maximum(mi(rel["start"]) + (rel["start"].dt.day > 1).to_numpy(dtype=np.int64), lo)
    last_i = np.minimum(mi(rel["end"].fillna(months[-1])), hi)
    n = np.maximum(last_i - first_i + 1, 0)
    idx = np.repeat(np.arange(len(rel)), n)
    month_i = np.repeat(first_i, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    long = pd.DataFrame({
        "school_id": rel["school_id"].to_numpy()[idx],
        "pupil_key": rel["pupil_key"].to_numpy()[idx],
        "type": rel["type"].to_numpy()[idx],
        "month": pd.to_datetime({"year": month_i // 12, "month": month_i % 12 + 1, "day": 1})
        if len(idx) else pd.Series([], dtype="datetime64[ns]"),
    })
    counts = pd.DataFrame({
        "thuiszitters": long[long["type"] == "langdurig relatief verzuim"].groupby(
            ["school_id", "month"])["pupil_key"].nunique(),
        "absoluut_verzuim": long[long["type"] == "absoluut verzuim"].groupby(["school_id", "month"])["pupil_key"].nunique(),
        "langdurig_relatief_verzuim": long[long["type"] == "langdurig relatief verzuim"].groupby(
            ["school_id", "month"])["pupil_key"].nunique(),
    }).reset_index()
    grid = pd.MultiIndex.from_product([schools, months], names=["school_id", "month"]).to_frame(index=False)
    out = grid.merge(counts, on=["school_id", "month"], how="left")
    for c in THUISZITTERS_COLUMNS[2:]:
        out[c] = out[c].fillna(0).astype("Int64")
    out["school_id"] = out["school_id"].astype("str")
    out["month"] = out["month"].astype("datetime64[ns]")
    return out[THUISZITTERS_COLUMNS]


def load_thuiszitters(
    path: str | Path,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    school_ids: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Monthly stock of thuiszitters per school from Leerplicht case records.

    Parameters
    ----------
    path
        Leerplicht case records (see :func:`load_leerplicht_cases`).
    start, end
        First and last month to count (default: the first case start to the last date in the
        file). Months are counted on their 1st day.
    school_ids
        When given, codes outside this set are refused.
    today
        Dates after this are refused (default: today).

    Returns
    -------
    pandas.DataFrame
        ``school_id, month, thuiszitters, absoluut_verzuim, langdurig_relatief_verzuim``: one
        row per school in the file and month (0 where no case was open: the records are the
        full register, so 0 is a true zero). ``thuiszitters`` counts distinct pupils.

    Examples
    --------
    >>> df = load_thuiszitters("data/examples/leerplicht-registraties.csv",
    ...                        start="2022-08-01", end="2023-07-01")     # doctest: +SKIP
    """
    cases = load_leerplicht_cases(path, school_ids=school_ids, today=today)
    return thuiszitters_from_cases(cases, start=start, end=end)
