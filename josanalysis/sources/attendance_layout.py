"""The two layouts of an attendance file, told apart by the header, as DuckDB SQL over the raw CSV.

``split`` (the project's template)
    ``leerling_id, vestigingscode, datum, lesuren_gepland, lesuren_afwezig_geoorloofd,
    lesuren_afwezig_ongeoorloofd`` -- the hours already split by the school.
``reasons`` (as Somtoday and Magister export absence)
    ``leerling_id, vestigingscode, datum, lesuren_gepland, reden, lesuren_afwezig`` -- one row per
    pupil x date (x lesuur) x reason code; the school's own mapping of its codes
    (:mod:`josanalysis.core.absence_reasons`) is joined inside the DuckDB pass.

Both take an optional ``lesuur`` column (rows per lesson). :func:`rows_sql` gives every file of
one layout as one relation with the same columns, so the aggregation in
:mod:`josanalysis.sources.attendance` treats them alike. Pupil identifiers stay inside DuckDB.

Examples
--------
>>> sql = reasons_table_sql({})
>>> "WHERE false" in sql
True
"""

from __future__ import annotations

import codecs
import glob
import gzip
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from josanalysis.core.absence_reasons import REASON_CATEGORIES, AbsenceReasons
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources.reading.files import GZIP_MAGIC, refuse_non_text, sniff_delimiter
from josanalysis.sources.reading.table import normalise_name
from josanalysis.sources.reading.workbook import workbook_to_csv

__all__ = ["AttendanceHeader", "LAYOUTS", "SHOWN", "attendance_files", "csv_copies", "read_header", "rows_sql",
           "reasons_table_sql", "num_sql"]

#: canonical column -> accepted (normalised) header names
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pupil": ("leerling_id", "leerlingnummer", "leerling", "pupil_id", "pupil", "student_id", "llnr"),
    "school": ("vestigingscode", "school_id", "vestiging", "school", "brin_vestiging"),
    "datum": ("datum", "date", "lesdatum", "dag"),
    "period": ("lesuur", "uur", "period", "lesson_period"),
    "scheduled": ("lesuren_gepland", "geplande_lesuren", "scheduled_hours", "lesuren", "gepland"),
    "authorised": ("lesuren_afwezig_geoorloofd", "afwezig_geoorloofd", "geoorloofd_afwezig",
                   "absent_authorised_hours", "authorised_absent_hours", "geoorloofd"),
    "unauthorised": ("lesuren_afwezig_ongeoorloofd", "afwezig_ongeoorloofd", "ongeoorloofd_afwezig",
                     "absent_unauthorised_hours", "unauthorised_absent_hours", "ongeoorloofd"),
    "reason": ("reden", "absentiereden", "verzuimreden", "redencode", "absentiecode", "reason",
               "reason_code", "absence_reason"),
    "absent": ("lesuren_afwezig", "uren_afwezig", "afwezig", "absent_hours"),
}

#: canonical column -> the header name documented in docs/data-formats.md
SHOWN = {"pupil": "leerling_id", "school": "vestigingscode", "datum": "datum", "period": "lesuur",
         "scheduled": "lesuren_gepland", "authorised": "lesuren_afwezig_geoorloofd",
         "unauthorised": "lesuren_afwezig_ongeoorloofd", "reason": "reden", "absent": "lesuren_afwezig"}

#: layout -> its required columns (``lesuur`` is optional in both)
LAYOUTS: dict[str, tuple[str, ...]] = {
    "split": ("pupil", "school", "datum", "scheduled", "authorised", "unauthorised"),
    "reasons": ("pupil", "school", "datum", "scheduled", "reason", "absent"),
}

_TYPES = {"pupil": "VARCHAR", "school": "VARCHAR", "datum": "DATE", "period": "VARCHAR", "scheduled": "DOUBLE",
          "authorised": "DOUBLE", "unauthorised": "DOUBLE", "reason": "VARCHAR", "absent": "DOUBLE"}


@dataclass(frozen=True)
class AttendanceHeader:
    """What the first bytes of an attendance file tell.

    Attributes
    ----------
    delimiter, encoding
        For DuckDB's ``read_csv``.
    cells, canon
        The header cells as written and their canonical names (same order).
    plain
        Whether a sample shows ISO dates and decimal points (then DuckDB parses the types itself).
    layout
        ``"split"`` or ``"reasons"``.
    """

    delimiter: str
    encoding: str
    cells: tuple[str, ...]
    canon: tuple[str, ...]
    plain: bool
    layout: str

    def column(self, key: str) -> str:
        """The header cell of canonical column ``key`` as the file writes it."""
        return self.cells[self.canon.index(key)] if key in self.canon else SHOWN[key]


def attendance_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Resolve a file, a glob pattern, a directory or a list of those to existing files."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise ConfigError("no attendance files given.")
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(list(p.glob("*.csv")) + list(p.glob("*.csv.gz")) + list(p.glob("*.xlsx")))
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(item)))
        else:
            found = [p]
        if not found:
            raise DataError(f"no attendance files match '{item}' (expected .csv, .csv.gz or .xlsx files).",
                            file=p)
        for f in found:
            if not f.is_file():
                raise DataError("file not found (check the path and the file name).", file=f)
        out.extend(found)
    return out


@contextmanager
def csv_copies(files: Sequence[Path]) -> Iterator[list[Path]]:
    """``files`` with every ``.xlsx`` workbook replaced by a CSV copy of its data sheet.

    The copy has the workbook's file name (in a temporary folder removed afterwards), so that
    messages name the file the analyst has and its rows are the workbook's rows.
    """
    if not any(f.suffix.lower() == ".xlsx" for f in files):
        yield list(files)
        return
    with tempfile.TemporaryDirectory(prefix="josanalysis-verzuim-") as tmp:
        out = []
        for i, f in enumerate(files):
            if f.suffix.lower() == ".xlsx":
                (Path(tmp) / str(i)).mkdir()
                f = workbook_to_csv(f, Path(tmp) / str(i) / f.name)
            out.append(f)
        yield out


def _head_text(path: Path) -> tuple[str, str]:
    """The first 64 KiB of a (gzipped) text file, decoded: (text, duckdb encoding)."""
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
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False), "utf-8"
    except UnicodeDecodeError:
        return head.decode("latin-1"), "latin-1"


def _canonical(cells: list[str], path: Path) -> list[str]:
    """The canonical name of every header cell; unknown or repeated columns are refused."""
    canon: list[str] = []
    known = ", ".join(dict.fromkeys(SHOWN[k] for cols in LAYOUTS.values() for k in cols))
    for c in cells:
        n = normalise_name(c)
        hit = next((k for k, syn in _SYNONYMS.items() if n in syn), None)
        if hit is None:
            raise DataError(f"unknown column '{c}' in an attendance file (expected only {known}, and "
                            "optionally lesuur).", file=path, rows=[1], column=c)
        if hit in canon:
            raise DataError(f"column '{c}' appears twice (expected each column once).",
                            file=path, rows=[1], column=c)
        canon.append(hit)
    return canon


def _layout(canon: list[str], cells: list[str], path: Path) -> str:
    """``reasons`` when the header has a reason-code column or absent hours without a split."""
    split = {"authorised", "unauthorised"} & set(canon)
    reasons = {"reason", "absent"} & set(canon)
    if split and reasons:
        raise DataError(
            f"the header has columns of both attendance layouts ({', '.join(SHOWN[k] for k in sorted(split | reasons))}); "
            "expected either lesuren_afwezig_geoorloofd + lesuren_afwezig_ongeoorloofd (hours already split) "
            "or reden + lesuren_afwezig (hours per reason code, mapped per school).",
            file=path, rows=[1])
    layout = "reasons" if reasons else "split"
    missing = [k for k in LAYOUTS[layout] if k not in canon]
    if missing:
        raise DataError(
            f"required column(s) {', '.join(repr(SHOWN[k]) for k in missing)} missing in an "
            f"attendance file; the header has {cells}.",
            file=path, rows=[1], column=SHOWN[missing[0]],
        )
    return layout


def read_header(path: Path) -> AttendanceHeader:
    """Read the first bytes of an attendance file: delimiter, encoding, columns and layout."""
    text, encoding = _head_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    delim = sniff_delimiter(lines[0], path)
    cells = [c.strip().strip('"').strip() for c in lines[0].split(delim)]
    if len(lines) < 2:
        raise DataError("the file has a header row but no data rows.", file=path, rows=[1])
    canon = _canonical(cells, path)
    layout = _layout(canon, cells, path)
    sample = "\n".join(lines[1:200])
    # fast typed read only when the sample shows ISO dates and decimal points
    plain = not re.search(r"\d,\d", sample) and not re.search(r"(?<!\d)\d{1,2}-\d{1,2}-\d{4}", sample)
    return AttendanceHeader(delim, encoding, tuple(cells), tuple(canon), plain, layout)


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def reasons_table_sql(reasons: Mapping[str, AbsenceReasons] | None) -> str:
    """The mapping of every school as an SQL relation ``(school, code, category)``.

    Examples
    --------
    >>> from josanalysis.core.absence_reasons import merge_reasons
    >>> reasons_table_sql({"DM0100": merge_reasons("DM0100", school={"TL": "ongeoorloofd"})})
    "SELECT * FROM (VALUES ('DM0100', 'tl', 'ongeoorloofd')) m(school, code, category)"
    """
    rows = [f"({_quote(sid.upper())}, {_quote(code)}, {_quote(cat)})"
            for sid, m in sorted((reasons or {}).items()) for code, cat in sorted(m.codes.items())
            if cat in REASON_CATEGORIES]
    if not rows:
        return ("SELECT NULL::VARCHAR AS school, NULL::VARCHAR AS code, NULL::VARCHAR AS category WHERE false")
    return f"SELECT * FROM (VALUES {', '.join(rows)}) m(school, code, category)"


def num_sql(col: str) -> str:
    """A text cell as a number: a plain cast first, a decimal comma only where needed (lazy COALESCE)."""
    return (f"COALESCE(TRY_CAST(trim({col}) AS DOUBLE), "
            f"TRY_CAST(replace(replace(trim({col}), '.', ''), ',', '.') AS DOUBLE))")


def _read_csv(path: Path, header: AttendanceHeader, typed: bool, row_numbers: bool) -> str:
    cols = "{" + ", ".join(f"'{c}': '{_TYPES[c] if typed else 'VARCHAR'}'" for c in header.canon) + "}"
    rn = ", row_number() OVER () + 1 AS rownr" if row_numbers else ""
    empty = " AND ".join(f"{c} IS NULL" for c in header.canon)  # a row of empty cells (Excel writes them)
    return (f"(SELECT * FROM (SELECT *{rn} FROM read_csv({_quote(str(path))}, delim={_quote(header.delimiter)}, "
            f"header=true, quote='\"', escape='\"', columns={cols}, encoding='{header.encoding}', "
            "auto_detect=false, strict_mode=true" + (", dateformat='%Y-%m-%d'" if typed else "") +
            f")) WHERE NOT ({empty}))")


def rows_sql(files: Sequence[tuple[int, Path]], reasons_sql: str, *, typed: bool = False,
             row_numbers: bool = False) -> str:
    """Files of one layout as one relation of text (or typed) cells with the same columns.

    Columns: ``file_no, pupil, school, datum, period, scheduled, authorised, unauthorised,
    reason (normalised code or NULL), reason_txt, absent, category`` (and ``rownr``, the
    spreadsheet row, when asked). ``category`` is the school's meaning of the row's code (NULL
    when unmapped or in the ``split`` layout).
    """
    parts = []
    for no, path in files:
        h = read_header(path)
        src = _read_csv(path, h, typed, row_numbers)
        period = "NULLIF(trim(r.period), '')" if "period" in h.canon else "NULL::VARCHAR"
        rn = ", r.rownr" if row_numbers else ""
        if h.layout == "split":
            none = "NULL::DOUBLE" if typed else "NULL::VARCHAR"
            parts.append(
                f"SELECT {no} AS file_no, r.pupil, r.school, r.datum, {period} AS period, r.scheduled, "
                f"r.authorised, r.unauthorised, NULL::VARCHAR AS reason, NULL::VARCHAR AS reason_txt, "
                f"{none} AS absent, NULL::VARCHAR AS category{rn} FROM {src} r")
        else:
            none = "NULL::DOUBLE" if typed else "NULL::VARCHAR"
            parts.append(
                f"SELECT {no} AS file_no, r.pupil, r.school, r.datum, {period} AS period, r.scheduled, "
                f"{none} AS authorised, {none} AS unauthorised, NULLIF(lower(trim(r.reason)), '') AS reason, "
                f"trim(r.reason) AS reason_txt, r.absent, m.category{rn} FROM {src} r "
                f"LEFT JOIN ({reasons_sql}) m ON m.school = upper(trim(r.school)) "
                "AND m.code = lower(trim(r.reason))")
    return " UNION ALL ".join(parts)
