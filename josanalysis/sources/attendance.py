"""School attendance registrations -> monthly absence per school, aggregated in DuckDB.

The input is large (a region: millions of pupil x lesson-date rows), so rows never enter
pandas: DuckDB reads the CSV files (``.csv`` or ``.csv.gz``, ``;`` or ``,``), checks every row
and aggregates to school x month in one pass. Only when a check fails is the file read a second
time, single-threaded, to find the spreadsheet row numbers for the error message.

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

import codecs
import datetime as dt
import glob
import gzip
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources.reading.files import GZIP_MAGIC, refuse_non_text, sniff_delimiter
from josanalysis.sources.reading.pseudonyms import hmac_sql
from josanalysis.sources.reading.schema import validate
from josanalysis.sources.reading.table import normalise_name

__all__ = ["load_attendance", "load_attendance_pupil_months", "ATTENDANCE_COLUMNS", "attendance_files"]

ATTENDANCE_COLUMNS = [
    "school_id", "month", "n_pupils", "scheduled_hours", "absent_authorised_hours",
    "absent_unauthorised_hours", "absent_hours", "absence_rate", "unauthorised_rate",
]

#: canonical column -> accepted (normalised) header names
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pupil": ("leerling_id", "leerlingnummer", "leerling", "pupil_id", "pupil", "student_id", "llnr"),
    "school": ("vestigingscode", "school_id", "vestiging", "school", "brin_vestiging"),
    "datum": ("datum", "date", "lesdatum", "dag"),
    "scheduled": ("lesuren_gepland", "geplande_lesuren", "scheduled_hours", "lesuren", "gepland"),
    "authorised": ("lesuren_afwezig_geoorloofd", "afwezig_geoorloofd", "geoorloofd_afwezig",
                   "absent_authorised_hours", "authorised_absent_hours", "geoorloofd"),
    "unauthorised": ("lesuren_afwezig_ongeoorloofd", "afwezig_ongeoorloofd", "ongeoorloofd_afwezig",
                     "absent_unauthorised_hours", "unauthorised_absent_hours", "ongeoorloofd"),
}
_SHOWN = {"pupil": "leerling_id", "school": "vestigingscode", "datum": "datum",
          "scheduled": "lesuren_gepland", "authorised": "lesuren_afwezig_geoorloofd",
          "unauthorised": "lesuren_afwezig_ongeoorloofd"}


def attendance_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Resolve a file, a glob pattern, a directory or a list of those to existing files."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise ConfigError("no attendance files given.")
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(list(p.glob("*.csv")) + list(p.glob("*.csv.gz")))
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(item)))
        else:
            found = [p]
        if not found:
            raise DataError(f"no attendance files match '{item}' (expected .csv or .csv.gz files).",
                            file=p)
        for f in found:
            if not f.is_file():
                raise DataError("file not found (check the path and the file name).", file=f)
        out.extend(found)
    return out


def _header(path: Path) -> tuple[str, str, list[str], list[str], bool]:
    """Read the first bytes: (delimiter, duckdb encoding, header cells, canonical names, decimal comma)."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == GZIP_MAGIC else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise DataError(f"the gzip file is damaged ({exc}).", file=path) from None
    if not head.strip():
        raise DataError("the file is empty (expected a header row and data rows).", file=path)
    refuse_non_text(head, path)
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = head.decode("latin-1"), "latin-1"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    delim = sniff_delimiter(lines[0], path)
    cells = [c.strip().strip('"').strip() for c in lines[0].split(delim)]
    if len(lines) < 2:
        raise DataError("the file has a header row but no data rows.", file=path, rows=[1])
    canon: list[str] = []
    for c in cells:
        n = normalise_name(c)
        hit = next((k for k, syn in _SYNONYMS.items() if n in syn), None)
        if hit is None:
            raise DataError(
                f"unknown column '{c}' in an attendance file (expected only "
                f"{', '.join(_SHOWN.values())}).",
                file=path, rows=[1], column=c,
            )
        if hit in canon:
            raise DataError(f"column '{c}' appears twice (expected each column once).",
                            file=path, rows=[1], column=c)
        canon.append(hit)
    missing = [k for k in _SYNONYMS if k not in canon]
    if missing:
        raise DataError(
            f"required column(s) {', '.join(repr(_SHOWN[k]) for k in missing)} missing in an "
            f"attendance file; the header has {cells}.",
            file=path, rows=[1], column=_SHOWN[missing[0]],
        )
    sample = "\n".join(lines[1:200])
    # fast typed read only when the sample shows ISO dates and decimal points
    plain = not re.search(r"\d,\d", sample) and not re.search(r"(?<!\d)\d{1,2}-\d{1,2}-\d{4}", sample)
    return delim, encoding, cells, canon, plain


_FAST_TYPES = {"pupil": "VARCHAR", "school": "VARCHAR", "datum": "DATE", "scheduled": "DOUBLE",
               "authorised": "DOUBLE", "unauthorised": "DOUBLE"}


def _source_sql(files: Sequence[Path], *, row_numbers: bool = False, typed: bool = False) -> str:
    parts = []
    for i, f in enumerate(files):
        delim, enc, cells, canon, _ = _header(f)
        cols = "{" + ", ".join(f"'{c}': '{_FAST_TYPES[c] if typed else 'VARCHAR'}'" for c in canon) + "}"
        fpath = str(f).replace("'", "''")
        rn = ", row_number() OVER () + 1 AS rownr" if row_numbers else ""
        parts.append(
            f"SELECT {i} AS file_no, pupil, school, datum, scheduled, authorised, unauthorised{rn} "
            f"FROM read_csv('{fpath}', delim='{delim}', header=true, quote='\"', escape='\"', "
            f"columns={cols}, encoding='{enc}', auto_detect=false, strict_mode=true"
            + (", dateformat='%Y-%m-%d')" if typed else ")")
        )
    return " UNION ALL ".join(parts)


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


def _num(col: str) -> str:
    # plain cast first; decimal comma only for the rows that need it (COALESCE is lazy)
    return (f"COALESCE(TRY_CAST(trim({col}) AS DOUBLE), "
            f"TRY_CAST(replace(replace(trim({col}), '.', ''), ',', '.') AS DOUBLE))")


_TYPED = """
SELECT file_no, pupil, upper(trim(school)) AS school, datum AS datum_txt,
       COALESCE(TRY_CAST(trim(datum) AS DATE), TRY_STRPTIME(trim(datum), '%d-%m-%Y')::DATE) AS d,
       {g} AS g, {a1} AS a1, {a2} AS a2,
       scheduled, authorised, unauthorised {extra}
FROM ({src})
"""

#: (name, row-level SQL condition, column key, expectation), in reporting order. The aggregate
#: pass only counts/extrema per group (cheap); the row conditions locate rows for the message.
_CHECKS: list[tuple[str, str, str, str]] = [
    ("no_pupil", "pupil IS NULL OR trim(pupil) = ''", "pupil", "empty (expected a pupil number)"),
    ("bad_school", "NOT regexp_full_match(COALESCE(school, ''), '[0-9A-Z]{4}[0-9]{2}')", "school",
     "a vestigingscode (expected 4 characters + 2 digits, e.g. 08UV00)"),
    ("bad_date", "d IS NULL", "datum", "a date (expected YYYY-MM-DD)"),
    ("future_date", "d > DATE '{today}'", "datum", "in the past (expected a date not after {today})"),
    ("old_date", "d < DATE '2000-01-01'", "datum", "a plausible date (expected 2000-01-01 or later)"),
    ("bad_scheduled", "g IS NULL", "scheduled", "a number of hours (expected e.g. 6 or 5,5)"),
    ("bad_authorised", "a1 IS NULL", "authorised", "a number of hours (expected e.g. 0 or 1,5)"),
    ("bad_unauthorised", "a2 IS NULL", "unauthorised", "a number of hours (expected e.g. 0 or 1,5)"),
    ("neg_scheduled", "g < 0", "scheduled", "0 or more hours (negative hours are impossible)"),
    ("neg_authorised", "a1 < 0", "authorised", "0 or more hours (negative hours are impossible)"),
    ("neg_unauthorised", "a2 < 0", "unauthorised", "0 or more hours (negative hours are impossible)"),
    ("absent_gt_scheduled", "a1 + a2 > g + 1e-9", "authorised", ""),
    ("unknown_school", "school NOT IN ({ids})", "school",
     "a school of this region (expected a code from params/schools)"),
]

_AGG = (
    "count(*) - count(pupil) + count_if(trim(pupil) = '') AS chk_no_pupil, "
    "count(*) - count(d) AS chk_bad_date, max(d) AS max_d, min(d) AS min_d, "
    "count(*) - count(g) AS chk_bad_scheduled, count(*) - count(a1) AS chk_bad_authorised, "
    "count(*) - count(a2) AS chk_bad_unauthorised, min(g) AS min_g, min(a1) AS min_a1, "
    "min(a2) AS min_a2, max(a1 + a2 - g) AS max_excess"
)


def _run_checked(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    select: str,
    school_ids: Iterable[str] | None,
    today: dt.date,
) -> pd.DataFrame:
    """Run ``select`` grouped by its keys with all row checks summarised in the same pass.

    Fast path: DuckDB parses dates and hours itself (when a sample of every file shows ISO
    dates and decimal points). If that fails on some cell, or the files use decimal commas,
    every cell is read as text and cast per row, so that bad cells become located errors.
    """
    res = None
    if all(_header(f)[4] for f in files):
        fast = ("SELECT file_no, pupil, upper(trim(school)) AS school, datum AS d, scheduled AS g, "
                f"authorised AS a1, unauthorised AS a2 FROM ({_source_sql(files, typed=True)})")
        try:
            res = con.sql(f"SELECT {select}, {_AGG} FROM ({fast}) GROUP BY ALL").df()
        except duckdb.Error:
            res = None  # a cell DuckDB cannot parse: take the text path to locate it
    if res is None:
        typed = _TYPED.format(g=_num("scheduled"), a1=_num("authorised"), a2=_num("unauthorised"),
                              extra="", src=_source_sql(files))
        sql = f"SELECT {select}, {_AGG} FROM ({typed}) GROUP BY ALL"
        try:
            res = con.sql(sql).df()
        except duckdb.Error as exc:
            raise _duckdb_error(exc, files) from None
    failed: set[str] = set()
    for name in ("no_pupil", "bad_date", "bad_scheduled", "bad_authorised", "bad_unauthorised"):
        if res[f"chk_{name}"].sum() > 0:
            failed.add(name)
    schools = res["school_id"].dropna().astype(str)
    if res["school_id"].isna().any() or (~schools.str.fullmatch(r"[0-9A-Z]{4}[0-9]{2}")).any():
        failed.add("bad_school")
    if school_ids is not None and (~schools.isin(set(school_ids))).any():
        failed.add("unknown_school")
    today_ts = pd.Timestamp(today)
    if pd.to_datetime(res["max_d"]).max() > today_ts:
        failed.add("future_date")
    if pd.to_datetime(res["min_d"]).min() < pd.Timestamp("2000-01-01"):
        failed.add("old_date")
    for name, col in (("neg_scheduled", "min_g"), ("neg_authorised", "min_a1"), ("neg_unauthorised", "min_a2")):
        if res[col].min() < 0:
            failed.add(name)
    if res["max_excess"].max() > 1e-9:
        failed.add("absent_gt_scheduled")
    if failed:
        first = next(n for n, *_ in _CHECKS if n in failed)
        _explain(files, first, school_ids, today)
    return res.drop(columns=[c for c in res.columns if c.startswith("chk_")]
                    + ["max_d", "min_d", "min_g", "min_a1", "min_a2", "max_excess"])


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


def _explain(files: Sequence[Path], name: str, school_ids, today: dt.date) -> None:
    """Find the spreadsheet rows failing check ``name`` (single-threaded, ordered) and raise."""
    cond, key, expected = next((c, k, e) for n, c, k, e in _CHECKS if n == name)
    if school_ids is not None:
        cond = cond.replace("{ids}", ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(set(school_ids))))
    cond = cond.replace("{today}", today.isoformat())
    expected = expected.replace("{today}", today.isoformat())
    con = _connect(threads=1)
    con.execute("SET preserve_insertion_order=true")
    raw = {"pupil": "pupil", "school": "school", "datum": "datum_txt", "scheduled": "scheduled",
           "authorised": "authorised", "unauthorised": "unauthorised"}[key]
    for i, f in enumerate(files):
        typed = _TYPED.format(g=_num("scheduled"), a1=_num("authorised"), a2=_num("unauthorised"),
                              extra=", rownr", src=_source_sql([f], row_numbers=True))
        shown = f"{raw}, authorised || ' + ' || unauthorised || ' > ' || scheduled" if name == "absent_gt_scheduled" else raw
        sql = f"SELECT rownr, {shown} FROM ({typed}) WHERE {cond} ORDER BY rownr LIMIT 50"
        bad = con.sql(sql).fetchall()
        if bad:
            rows = [int(r[0]) for r in bad]
            vals = list(dict.fromkeys(str(r[-1]) if r[-1] is not None else "(empty)" for r in bad))[:3]
            header = _header(f)
            col = header[2][header[3].index(key)]
            shown_vals = ", ".join(repr(v) for v in vals)
            if name == "absent_gt_scheduled":
                msg = f"absent hours exceed the scheduled hours ({shown_vals}); expected authorised + unauthorised <= scheduled."
                col = header[2][header[3].index("scheduled")]
            elif name == "no_pupil":
                msg = "the pupil number is empty (expected a pupil number in every row)."
            else:
                verb = "is" if len(vals) == 1 else "are"
                msg = f"{shown_vals} {verb} not {expected}."
            con.close()
            raise DataError(msg, file=f, rows=rows, column=col)
    con.close()
    raise DataError(f"check '{name}' failed but the rows could not be located.", file=files[0])


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
) -> pd.DataFrame:
    """Aggregate attendance registrations to school x month with DuckDB.

    Parameters
    ----------
    paths
        A file, a glob pattern (``verzuim/*.csv.gz``), a directory, or a list of those.
        ``.csv`` or ``.csv.gz``; ``;`` or ``,``; UTF-8 or Windows-1252; decimal comma allowed.
        Rows are pupil x lesson date (or pupil x month summaries with the same columns).
    school_ids
        When given, rows of other schools are refused (DataError naming the rows).
    today
        Dates after this are refused (default: today).
    threads
        DuckDB threads (default: DuckDB's choice).

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
        impossible or future dates, bad or unknown school codes -- with file, row and column.

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
    res = _run_checked(con, files, select, school_ids, today)
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
    res = _run_checked(con, files, select, school_ids, today)
    con.close()
    res = _one_file_per_month(res, files)
    res["month"] = pd.to_datetime(res["month"]).astype("datetime64[ns]")
    for c in ("pupil_key", "school_id"):
        res[c] = res[c].astype("str")
    return res.sort_values(["school_id", "month", "pupil_key"], kind="stable").reset_index(drop=True)
