"""School attendance registrations -> monthly absence per school, aggregated in DuckDB.

The input is large (a region: millions of pupil x lesson-date rows), so rows never enter
pandas: DuckDB reads the CSV files (``.csv`` or ``.csv.gz``, ``;`` or ``,``), checks every row
and aggregates to school x month in one pass per layout. Only when a check fails is the file
read a second time, single-threaded, to find the spreadsheet row numbers for the error message.

Two layouts are read side by side, told apart by the header
(:mod:`josanalysis.sources.attendance_layout`): hours already split into geoorloofd and
ongeoorloofd, or hours per absence reason code as Somtoday and Magister export them. Reason
codes are mapped per school (:mod:`josanalysis.core.absence_reasons`, ``absence_reasons:`` in
the school and region parameter files) inside the DuckDB pass; a code the school's mapping does
not hold is refused with the file, the school, the code, its rows and where to add it. A row
that repeats a pupil, date (lesuur, reason code) is refused: it would be counted twice.

Pupil identifiers stay inside DuckDB: the school x month frame only carries the number of
distinct pupils; :func:`load_attendance_pupil_months` keeps pupil-level rows with the identifier
replaced by its keyed hash computed in SQL (same value as
:func:`josanalysis.sources.pseudonymise`).

Examples
--------
>>> from josanalysis.sources import load_attendance
>>> df = load_attendance("data/demo/verzuim/*.csv.gz")   # doctest: +SKIP
>>> df.columns.tolist()[:3]                              # doctest: +SKIP
['school_id', 'month', 'n_pupils']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.absence_reasons import AbsenceReasons
from josanalysis.core.errors import DataError
from josanalysis.sources.attendance_layout import (
    AttendanceHeader,
    attendance_files,
    csv_copies,
    num_sql,
    read_header,
    reasons_table_sql,
    rows_sql,
)
from josanalysis.sources.reading.pseudonyms import hmac_sql
from josanalysis.sources.reading.schema import validate

__all__ = ["load_attendance", "load_attendance_pupil_months", "ATTENDANCE_COLUMNS", "attendance_files"]

ATTENDANCE_COLUMNS = [
    "school_id", "month", "n_pupils", "scheduled_hours", "absent_authorised_hours",
    "absent_unauthorised_hours", "absent_hours", "absence_rate", "unauthorised_rate",
]

Reasons = Mapping[str, AbsenceReasons]


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar=false")
    except duckdb.Error:
        pass  # inside Jupyter without ipywidgets DuckDB refuses to touch this setting; no bar then

    if threads != 1:
        con.execute("SET preserve_insertion_order=false")  # less memory; output is sorted later
    if threads:
        con.execute(f"SET threads={int(threads)}")
    return con


_DATE = "COALESCE(TRY_CAST(trim(datum) AS DATE), TRY_STRPTIME(trim(datum), '%d-%m-%Y')::DATE)"


def _rows(files: Sequence[tuple[int, Path]], layout: str, reasons_sql: str, *, typed: bool,
          row_numbers: bool = False) -> str:
    """Rows of one layout with numbers: ``d`` (date), ``g`` (scheduled), ``a1``/``a2`` (authorised /
    unauthorised absent hours; from the school's mapping in the ``reasons`` layout), ``ab``
    (absent hours of the row's reason code)."""
    src = rows_sql(files, reasons_sql, typed=typed, row_numbers=row_numbers)
    if typed:
        d, g, ab, au, un = "datum", "scheduled", "absent", "authorised", "unauthorised"
    else:
        d, g, ab, au, un = _DATE, num_sql("scheduled"), num_sql("absent"), num_sql("authorised"), num_sql("unauthorised")
    if layout == "reasons":
        au = f"CASE WHEN category = 'geoorloofd' THEN {ab} ELSE 0 END"
        un = f"CASE WHEN category = 'ongeoorloofd' THEN {ab} ELSE 0 END"
    return (f"SELECT file_no, pupil, upper(trim(school)) AS school, datum AS datum_txt, {d} AS d, period, "
            f"reason, reason_txt, category, {g} AS g, {ab} AS ab, {au} AS a1, {un} AS a2, scheduled, "
            f"authorised, unauthorised, absent{', rownr' if row_numbers else ''} FROM ({src})")


#: row checks of the ``split`` layout: name -> row condition (counted per group of ``select``)
_SPLIT_CHECKS: dict[str, str] = {
    "no_pupil": "pupil IS NULL OR trim(pupil) = ''", "bad_date": "d IS NULL", "bad_scheduled": "g IS NULL",
    "bad_authorised": "a1 IS NULL", "bad_unauthorised": "a2 IS NULL",
}
#: row checks of the ``reasons`` layout: name -> row condition, carried through the slots as bits
_REASON_CHECKS: dict[str, str] = {
    "no_pupil": "pupil IS NULL OR trim(pupil) = ''", "bad_date": "d IS NULL", "bad_scheduled": "g IS NULL",
    "bad_absent": "ab IS NULL", "no_reason": "reason IS NULL AND ab > 0",
    "unmapped_reason": "reason IS NOT NULL AND category IS NULL",
}
_ROW_CHECKS = tuple(dict.fromkeys([*_SPLIT_CHECKS, *_REASON_CHECKS]))
_MINIMA = ("min_g", "min_a1", "min_a2", "min_ab")


def _slots(files: Sequence[tuple[int, Path]], reasons_sql: str, typed: bool) -> str:
    """Files of the ``reasons`` layout as one row per file x pupil x school x date x lesuur (a
    "slot"), with the failed row checks as bits of ``flags`` (bit i: ``_REASON_CHECKS``' i-th).

    A slot has a row per reason code: the scheduled hours repeat on each and are counted once
    (``g_min`` differs from ``g`` when they disagree), the absent hours add up over the codes
    after the school's mapping, and ``n_dup`` counts rows that repeat a slot's reason code. Few
    columns per group: the slots of a large export are as many as its rows.
    """
    rows = _rows(files, "reasons", reasons_sql, typed=typed)
    flags = " | ".join(f"(COALESCE(({cond})::INTEGER, 0) << {i})" for i, cond in enumerate(_REASON_CHECKS.values()))
    key = (f"SELECT file_no, pupil, school, d, period, reason, count(*) AS n, max(g) AS g, min(g) AS g_min, "
           f"sum(a1) AS a1, sum(a2) AS a2, min(ab) AS min_ab, bit_or({flags}) AS flags FROM ({rows}) GROUP BY ALL")
    return (f"SELECT file_no, pupil, school, d, period, max(g) AS g, min(g_min) AS g_min, sum(a1) AS a1, "
            f"sum(a2) AS a2, sum(n - 1) AS n_dup, min(min_ab) AS min_ab, bit_or(flags) AS flags "
            f"FROM ({key}) GROUP BY ALL")


_EXTREMA = "max(d) AS max_d, min(d) AS min_d, max(a1 + a2 - g) AS max_excess"
#: the checks summarised per group of ``select`` (``chk_<name>`` > 0: the check failed): over
#: rows (``split``: a pupil-date's rows are told apart by a 64-bit hash of pupil, date and
#: lesuur, so a repeated row costs no pupil-level aggregation) or over slots (``reasons``)
_AGG = {
    "split": (", ".join(f"count_if({_SPLIT_CHECKS[n]}) AS chk_{n}" if n in _SPLIT_CHECKS else f"0 AS chk_{n}"
                        for n in _ROW_CHECKS) +
              ", count(*) - count(DISTINCT hash(pupil, d, period)) AS chk_duplicate, 0 AS chk_mixed_scheduled, "
              "min(g) AS min_g, min(a1) AS min_a1, min(a2) AS min_a2, NULL::DOUBLE AS min_ab, " + _EXTREMA),
    "reasons": (", ".join(f"count_if(flags & {1 << list(_REASON_CHECKS).index(n)} <> 0) AS chk_{n}"
                          if n in _REASON_CHECKS else f"0 AS chk_{n}" for n in _ROW_CHECKS) +
                ", sum(n_dup) AS chk_duplicate, count_if(g_min <> g) AS chk_mixed_scheduled, min(g_min) AS min_g, "
                "NULL::DOUBLE AS min_a1, NULL::DOUBLE AS min_a2, min(min_ab) AS min_ab, " + _EXTREMA),
}


def _aggregate(con: duckdb.DuckDBPyConnection, files: Sequence[Path], select: str, reasons_sql: str,
               typed: bool) -> pd.DataFrame:
    """``select`` with the checks, one query per layout (files are numbered in ``files`` order)."""
    frames = []
    for layout in ("split", "reasons"):
        mine = [(i, f) for i, f in enumerate(files) if read_header(f).layout == layout]
        if not mine:
            continue
        source = (_rows(mine, layout, reasons_sql, typed=typed) if layout == "split"
                  else _slots(mine, reasons_sql, typed))
        frames.append(con.sql(f"SELECT {select}, {_AGG[layout]} FROM ({source}) GROUP BY ALL").df())
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


#: (name, layouts, row-level SQL condition, column key, expectation), in reporting order. The
#: aggregate pass only counts/extrema per group (cheap); the conditions locate the rows for the
#: message (``w_*`` are window columns over the rows of one pupil and date, see :func:`_explain`).
_CHECKS: list[tuple[str, tuple[str, ...], str, str, str]] = [
    ("no_pupil", ("split", "reasons"), "pupil IS NULL OR trim(pupil) = ''", "pupil", "empty (expected a pupil number)"),
    ("bad_school", ("split", "reasons"), "NOT regexp_full_match(COALESCE(school, ''), '[0-9A-Z]{4}[0-9]{2}')",
     "school", "a vestigingscode (expected 4 characters + 2 digits, e.g. 08UV00)"),
    ("bad_date", ("split", "reasons"), "d IS NULL", "datum", "a date (expected YYYY-MM-DD)"),
    ("future_date", ("split", "reasons"), "d > DATE '{today}'", "datum",
     "in the past (expected a date not after {today})"),
    ("old_date", ("split", "reasons"), "d < DATE '2000-01-01'", "datum", "a plausible date (expected 2000-01-01 or later)"),
    ("bad_scheduled", ("split", "reasons"), "g IS NULL", "scheduled", "a number of hours (expected e.g. 6 or 5,5)"),
    ("bad_authorised", ("split",), "a1 IS NULL", "authorised", "a number of hours (expected e.g. 0 or 1,5)"),
    ("bad_unauthorised", ("split",), "a2 IS NULL", "unauthorised", "a number of hours (expected e.g. 0 or 1,5)"),
    ("bad_absent", ("reasons",), "ab IS NULL", "absent", "a number of hours (expected e.g. 0 or 1,5)"),
    ("neg_scheduled", ("split", "reasons"), "g < 0", "scheduled", "0 or more hours (negative hours are impossible)"),
    ("neg_authorised", ("split",), "a1 < 0", "authorised", "0 or more hours (negative hours are impossible)"),
    ("neg_unauthorised", ("split",), "a2 < 0", "unauthorised", "0 or more hours (negative hours are impossible)"),
    ("neg_absent", ("reasons",), "ab < 0", "absent", "0 or more hours (negative hours are impossible)"),
    ("no_reason", ("reasons",), "reason IS NULL AND ab > 0", "reason", ""),
    ("duplicate", ("split", "reasons"), "w_n > 1", "datum", ""),
    ("mixed_scheduled", ("reasons",), "w_g_lo <> w_g_hi", "scheduled", ""),
    ("absent_gt_scheduled", ("split",), "a1 + a2 > g + 1e-9", "scheduled", ""),
    ("absent_gt_scheduled", ("reasons",), "w_abs > w_g_hi + 1e-9", "scheduled", ""),
    ("unknown_school", ("split", "reasons"), "school NOT IN ({ids})", "school",
     "a school of this region (expected a code from params/schools)"),
    ("unmapped_reason", ("reasons",), "reason IS NOT NULL AND category IS NULL", "reason", ""),
]
_ORDER = list(dict.fromkeys(name for name, *_ in _CHECKS))


def _failed(res: pd.DataFrame, school_ids: Iterable[str] | None, today: dt.date) -> set[str]:
    """The checks that the aggregate pass found failing."""
    failed = {name for name in (*_ROW_CHECKS, "duplicate", "mixed_scheduled") if res[f"chk_{name}"].sum() > 0}
    schools = res["school_id"].dropna().astype(str)
    if res["school_id"].isna().any() or (~schools.str.fullmatch(r"[0-9A-Z]{4}[0-9]{2}")).any():
        failed.add("bad_school")
    if school_ids is not None and (~schools.isin(set(school_ids))).any():
        failed.add("unknown_school")
    if pd.to_datetime(res["max_d"]).max() > pd.Timestamp(today):
        failed.add("future_date")
    if pd.to_datetime(res["min_d"]).min() < pd.Timestamp("2000-01-01"):
        failed.add("old_date")
    for name, col in (("neg_scheduled", "min_g"), ("neg_authorised", "min_a1"), ("neg_unauthorised", "min_a2"),
                      ("neg_absent", "min_ab")):
        if res[col].min() < 0:
            failed.add(name)
    if res["max_excess"].max() > 1e-9:
        failed.add("absent_gt_scheduled")
    return failed


def _run_checked(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    select: str,
    school_ids: Iterable[str] | None,
    today: dt.date,
    reasons: Reasons | None,
) -> pd.DataFrame:
    """Run ``select`` over the pupil-date slots grouped by its keys, all checks summarised in the pass.

    Fast path: DuckDB parses dates and hours itself (when a sample of every file shows ISO
    dates and decimal points). If that fails on some cell, or the files use decimal commas,
    every cell is read as text and cast per row, so that bad cells become located errors.
    """
    reasons_sql = reasons_table_sql(reasons)
    res = None
    if all(read_header(f).plain for f in files):
        try:
            res = _aggregate(con, files, select, reasons_sql, typed=True)
        except duckdb.Error:
            res = None  # a cell DuckDB cannot parse: take the text path to locate it
    if res is None:
        try:
            res = _aggregate(con, files, select, reasons_sql, typed=False)
        except duckdb.Error as exc:
            raise _duckdb_error(exc, files) from None
    failed = _failed(res, school_ids, today)
    for name in (n for n in _ORDER if n in failed):
        _explain(files, name, school_ids, today, reasons)  # raises with the rows it finds
        if name != "duplicate":  # a 64-bit hash collision is the only way to find no repeated row
            raise DataError(f"check '{name}' failed but the rows could not be located.", file=files[0])
    return res.drop(columns=[c for c in res.columns if c.startswith("chk_")]
                    + ["max_d", "min_d", "max_excess", *_MINIMA])


def _duckdb_error(exc: Exception, files: Sequence[Path]) -> DataError:
    """Translate a DuckDB CSV error (never echoing the offending line: it holds a pupil id)."""
    text = str(exc)
    m = re.search(r"[Ll]ine:?\s*(\d+)", text)
    rows = [int(m.group(1))] if m else None
    fm = re.search(r"file = (.+)", text)
    fname = next((f for f in files if fm and str(f) == fm.group(1).strip()),
                 files[0] if len(files) == 1 else None)
    cm = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if cm:
        expected, found = int(cm.group(1)), int(cm.group(2))
        return DataError(
            f"the row has {found} fields but the header has {expected} columns (expected one value "
            "per column; is there an unquoted delimiter in a value, or a missing value?).",
            file=fname, rows=rows,
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return DataError(f"the file cannot be read as CSV ({first}).", file=fname, rows=rows)


_WINDOWS = (", count(*) OVER (PARTITION BY pupil, school, d, period, reason) AS w_n, "
            "min(g) OVER slot AS w_g_lo, max(g) OVER slot AS w_g_hi, sum(a1 + a2) OVER slot AS w_abs")
_SLOT_WINDOW = " WINDOW slot AS (PARTITION BY pupil, school, d, period)"
_RAW = {"pupil": "pupil", "school": "school", "datum": "datum_txt", "scheduled": "scheduled",
        "authorised": "authorised", "unauthorised": "unauthorised", "absent": "absent", "reason": "reason_txt"}


def _explain(files: Sequence[Path], name: str, school_ids, today: dt.date, reasons: Reasons | None) -> None:
    """Find the spreadsheet rows failing check ``name`` (single-threaded, ordered) and raise;
    return when no row fails it."""
    con = _connect(threads=1)
    con.execute("SET preserve_insertion_order=true")
    try:
        for i, f in enumerate(files):
            header = read_header(f)
            check = next((c for c in _CHECKS if c[0] == name and header.layout in c[1]), None)
            if check is None:
                continue
            rows = _rows([(i, f)], header.layout, reasons_table_sql(reasons), typed=False, row_numbers=True)
            if name == "unmapped_reason":
                _explain_unmapped(con, f, rows, header.column("reason"), reasons)
                continue
            _, _, cond, key, expected = check
            if school_ids is not None:
                cond = cond.replace("{ids}", ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(set(school_ids))))
            cond = cond.replace("{today}", today.isoformat())
            windowed = name in ("duplicate", "mixed_scheduled") or cond.startswith("w_")
            table = f"(SELECT *{_WINDOWS} FROM ({rows}){_SLOT_WINDOW})" if windowed else f"({rows})"
            bad = con.sql(f"SELECT rownr, {_shown_sql(name, header.layout, key)} FROM {table} "
                          f"WHERE {cond} ORDER BY rownr LIMIT 50").fetchall()
            if bad:
                vals = list(dict.fromkeys(str(r[-1]) if r[-1] is not None else "(empty)" for r in bad))[:3]
                msg = _message(name, header, vals, expected.replace("{today}", today.isoformat()))
                raise DataError(msg, file=f, rows=[int(r[0]) for r in bad], column=header.column(key))
    finally:
        con.close()


def _shown_sql(name: str, layout: str, key: str) -> str:
    if name == "absent_gt_scheduled":
        return ("authorised || ' + ' || unauthorised || ' > ' || scheduled" if layout == "split"
                else "w_abs::VARCHAR || ' > ' || w_g_hi::VARCHAR")
    if name == "mixed_scheduled":
        return "w_g_lo::VARCHAR || ' and ' || w_g_hi::VARCHAR"
    return _RAW[key]


def _message(name: str, header: AttendanceHeader, vals: list[str], expected: str) -> str:
    shown, layout = ", ".join(repr(v) for v in vals), header.layout
    parts = ["pupil", "date"] + ["lesuur"] * ("period" in header.canon) + ["reason code"] * (layout == "reasons")
    key = ", ".join(parts[:-1]) + " and " + parts[-1]
    special = {
        "absent_gt_scheduled": (f"absent hours exceed the scheduled hours ({shown}); expected authorised + "
                                "unauthorised <= scheduled." if layout == "split" else
                                f"the absent hours of one pupil and date add up over its reason codes to more "
                                f"than its scheduled hours ({shown}); expected their sum <= scheduled."),
        "no_pupil": "the pupil number is empty (expected a pupil number in every row).",
        "no_reason": "absent hours without a reason code (expected a reason code in every row with absent hours; "
                     "a row without absence has 0 hours).",
        "duplicate": f"these rows repeat the same {key} (dates {shown}); expected one row per {key}: a repeated "
                     "row would be counted twice (is the export appended twice?).",
        "mixed_scheduled": f"the scheduled hours of one pupil and date differ between its rows ({shown}); expected "
                           "the same lesuren_gepland on every row of a pupil and date (it is counted once).",
    }
    if name in special:
        return special[name]
    return f"{shown} {'is' if len(vals) == 1 else 'are'} not {expected}."


def _explain_unmapped(con: duckdb.DuckDBPyConnection, f: Path, rows: str, column: str,
                      reasons: Reasons | None) -> None:
    """Raise for the first reason code of ``f`` that its school's mapping does not hold."""
    found = con.sql(
        f"SELECT school, any_value(reason_txt) AS code, count(*) AS n, list(rownr ORDER BY rownr)[1:50] AS rownrs "
        f"FROM ({rows}) WHERE reason IS NOT NULL AND category IS NULL GROUP BY school, reason "
        "ORDER BY min(rownr)").fetchall()
    if not found:
        return
    school, code, n, rownrs = found[0]
    mapping = (reasons or {}).get(school) or AbsenceReasons(str(school))
    others = [repr(str(r[1])) for r in found[1:] if r[0] == school]
    more = f" The school's rows have {len(others)} other unmapped code(s): {', '.join(others[:5])}." if others else ""
    none = "" if reasons else " (no mapping was given at all: check-data and the reports take it from the region's parameters)"
    raise DataError(
        f"school {school} uses absence reason code {str(code)!r} in {n} row(s), but its mapping of reason codes "
        f"does not hold it{none}; add {str(code)!r} with geoorloofd, ongeoorloofd or niet_meetellen "
        f"{mapping.where_to_add()}. A code is never guessed or dropped.{more}",
        file=f, rows=[int(r) for r in rownrs], column=column)


def _one_file_per_month(res: pd.DataFrame, files: Sequence[Path]) -> pd.DataFrame:
    """Refuse a school-month that occurs in two files (it would be counted twice)."""
    if len(files) > 1:
        spread = res.groupby(["school_id", "month"])["file_no"].nunique()
        both = spread[spread > 1]
        if len(both):
            school, month = both.index[0]
            nos = sorted(res.loc[(res["school_id"] == school) & (res["month"] == month), "file_no"].unique())
            names = " and ".join(files[int(i)].name for i in nos)
            raise DataError(
                f"school {school}, month {pd.Timestamp(month):%Y-%m} occurs in {names} "
                f"({len(both)} school-month(s) in more than one file); expected each school-month "
                "in one file only, else its hours are counted twice.",
                file=files[int(nos[0])], column="datum",
            )
    return res.drop(columns="file_no")


def load_attendance(
    paths: str | Path | Iterable[str | Path],
    *,
    school_ids: Iterable[str] | None = None,
    today: dt.date | None = None,
    threads: int | None = None,
    reasons: Reasons | None = None,
) -> pd.DataFrame:
    """Aggregate attendance registrations to school x month with DuckDB.

    Parameters
    ----------
    paths
        A file, a glob pattern (``verzuim/*.csv.gz``), a directory, or a list of those.
        ``.csv`` or ``.csv.gz``; ``;`` or ``,``; UTF-8 or Windows-1252; decimal comma allowed;
        or a filled-in ``.xlsx`` template (its data sheet, copied to CSV first: slower).
        Rows are pupil x lesson date (x lesuur), or pupil x month summaries with the same
        columns; hours already split (``lesuren_afwezig_geoorloofd``/``_ongeoorloofd``) or per
        reason code (``reden``, ``lesuren_afwezig``), told apart by the header.
    school_ids
        When given, rows of other schools are refused (DataError naming the rows).
    today
        Dates after this are refused (default: today).
    threads
        DuckDB threads (default: DuckDB's choice).
    reasons
        School id -> its :class:`~josanalysis.core.absence_reasons.AbsenceReasons`
        (``Region.absence_reason_maps()``); needed for files with a reason-code column. A code
        the school's mapping does not hold is refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, month, n_pupils, scheduled_hours, absent_authorised_hours,
        absent_unauthorised_hours, absent_hours, absence_rate, unauthorised_rate``; month is the
        first of the month; rates are absent / scheduled hours (NaN when nothing was scheduled).

    Raises
    ------
    DataError
        Unknown or missing columns, text in hours, negative hours, absent > scheduled hours,
        impossible or future dates, bad or unknown school codes, a repeated pupil and date (and
        lesuur, reason code), an unmapped reason code -- with file, row and column.

    Examples
    --------
    >>> df = load_attendance("data/examples/verzuim-2023-2024.csv")   # doctest: +SKIP
    >>> df[["school_id", "month", "absence_rate"]].head()              # doctest: +SKIP
    """
    files = attendance_files(paths)
    today = today or dt.date.today()
    con = _connect(threads)
    select = (
        "file_no, school AS school_id, date_trunc('month', d) AS month, "
        "count(DISTINCT pupil) AS n_pupils, sum(g) AS scheduled_hours, "
        "sum(a1) AS absent_authorised_hours, sum(a2) AS absent_unauthorised_hours"
    )
    with csv_copies(files) as readable:
        res = _run_checked(con, readable, select, school_ids, today, reasons)
    con.close()
    res = _one_file_per_month(res, files)
    res = res.sort_values(["school_id", "month"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({
        "school_id": res["school_id"].astype("str"),
        "month": pd.to_datetime(res["month"]).astype("datetime64[ns]"),
        "n_pupils": res["n_pupils"].astype("Int64"),
        "scheduled_hours": res["scheduled_hours"].astype("float64"),
        "absent_authorised_hours": res["absent_authorised_hours"].astype("float64"),
        "absent_unauthorised_hours": res["absent_unauthorised_hours"].astype("float64"),
    })
    out["absent_hours"] = out["absent_authorised_hours"] + out["absent_unauthorised_hours"]
    sched = out["scheduled_hours"].where(out["scheduled_hours"] > 0)
    out["absence_rate"] = out["absent_hours"] / sched
    out["unauthorised_rate"] = out["absent_unauthorised_hours"] / sched
    schema = pa.DataFrameSchema(
        {
            "n_pupils": pa.Column("Int64", pa.Check.ge(0)),
            "absence_rate": pa.Column(float, pa.Check.in_range(0, 1, error="a rate between 0 and 1"), nullable=True),
            "unauthorised_rate": pa.Column(float, pa.Check.in_range(0, 1, error="a rate between 0 and 1"), nullable=True),
        },
        unique=["school_id", "month"],
    )
    validate(out, schema, files[0] if len(files) == 1 else Path("attendance files"))
    return out[ATTENDANCE_COLUMNS]


def load_attendance_pupil_months(
    paths: str | Path | Iterable[str | Path],
    *,
    key: bytes | None = None,
    school_ids: Iterable[str] | None = None,
    today: dt.date | None = None,
    reasons: Reasons | None = None,
) -> pd.DataFrame:
    """Pupil x school x month attendance with pseudonymised pupils (library-internal).

    The pupil number is replaced inside DuckDB by its keyed hash (see
    :func:`josanalysis.sources.pseudonymise`); raw numbers never reach pandas.

    Returns
    -------
    pandas.DataFrame
        ``pupil_key, school_id, month, scheduled_hours, absent_authorised_hours,
        absent_unauthorised_hours``.
    """
    files = attendance_files(paths)
    today = today or dt.date.today()
    con = _connect()
    select = (
        f"file_no, {hmac_sql('pupil', key)} AS pupil_key, school AS school_id, "
        "date_trunc('month', d) AS month, sum(g) AS scheduled_hours, "
        "sum(a1) AS absent_authorised_hours, sum(a2) AS absent_unauthorised_hours"
    )
    with csv_copies(files) as readable:
        res = _run_checked(con, readable, select, school_ids, today, reasons)
    con.close()
    res = _one_file_per_month(res, files)
    res["month"] = pd.to_datetime(res["month"]).astype("datetime64[ns]")
    for c in ("pupil_key", "school_id"):
        res[c] = res[c].astype("str")
    return res.sort_values(["school_id", "month", "pupil_key"], kind="stable").reset_index(drop=True)
