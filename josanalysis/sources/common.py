"""The one shared robust reader behind every loader in :mod:`josanalysis.sources`.

Everything the bodies that supply data do differently is absorbed here, once:

* encoding: UTF-8 (with or without BOM), else Windows-1252; UTF-16, binary and Excel files are
  refused with a sentence saying how to export them;
* delimiter: ``;`` or ``,``, sniffed from the header line (quoted fields are skipped);
* cells are stripped; a single-space cell (DUO address files) is empty;
* header drift: names are normalised (case, accents, spaces, ``-``/``_``) and matched against
  per-loader synonym lists (Dutch and English);
* numbers: quoted or not, decimal comma, ``.`` thousands separators;
* ``<5``, ``.`` and empty cells become missing with a ``*_suppressed`` flag, never zero;
* codes are kept as strings (leading zeros survive);
* validation with pandera, whose failures are translated into one
  :class:`~josanalysis.core.errors.DataError` naming file, spreadsheet rows (header = row 1),
  column and what was expected;
* pseudonymisation of pupil identifiers with a keyed hash (HMAC-SHA256).

Loaders keep the spreadsheet row number of every record in a column ``_row`` while they work and
drop it before returning.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import hmac
import io
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import ConfigError, DataError

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "RawTable",
    "ColumnSpec",
    "read_table",
    "normalise_name",
    "select_columns",
    "parse_count",
    "parse_number",
    "parse_date",
    "parse_school_year",
    "parse_code",
    "normalise_school_id",
    "municipality_code",
    "check_school_ids",
    "validate",
    "pseudonymise",
    "pseudonym_key",
    "hmac_sql",
    "school_year_of",
    "raise_bad_rows",
]

#: Environment variable holding the pseudonymisation key (any string; its UTF-8 bytes are used).
PSEUDONYM_KEY_ENV = "JOSANALYSIS_PSEUDONYM_KEY"

_SUPPRESSION_STRICT = re.compile(r"^(<\s*\d+|\.)?$")
_INT_PLAIN = re.compile(r"^[+-]?\d+$")
_INT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_NUM_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_NUM_DOT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_SCHOOL_ID = re.compile(r"^[0-9A-Z]{4}[0-9]{2}$")


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


@dataclass
class RawTable:
    """A delimited file read as text.

    Attributes
    ----------
    path
        The file read.
    data
        All cells as stripped strings (empty string for empty cells), columns named by their
        normalised header; column ``_row`` holds the spreadsheet row number (header = row 1).
    original
        Normalised column name -> header text as written in the file (for messages).
    delimiter, encoding
        What was detected.
    """

    path: Path
    data: pd.DataFrame
    original: dict[str, str] = field(default_factory=dict)
    delimiter: str = ";"
    encoding: str = "utf-8"

    @property
    def name(self) -> str:
        return self.path.name

    def col(self, canonical_or_norm: str) -> str:
        """Header text of a column as the analyst sees it in the file."""
        return self.original.get(canonical_or_norm, canonical_or_norm)


def normalise_name(name: str) -> str:
    """Normalise a header for matching: lower case, no accents, runs of other chars -> ``_``.

    >>> normalise_name(' LEER- OF VERBLIJFSJAAR 1')
    'leer_of_verblijfsjaar_1'
    >>> normalise_name('Cliënttraject')
    'clienttraject'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def read_bytes(path: str | Path) -> tuple[Path, bytes]:
    """Read a file's bytes, un-gzipping ``.gz``; DataError if missing."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found (check the path and the file name).", file=path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"the gzip file is damaged or incomplete ({exc}).", file=path) from None
    return path, raw


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed) or Windows-1252; refuse UTF-16, Excel and binary."""
    if raw[:4] == b"PK\x03\x04":
        raise DataError(
            "this is an Excel workbook (or another zip file), not a CSV text file; "
            "save it as 'CSV (puntkomma-gescheiden)' and try again.",
            file=path,
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise DataError(
            "the file is UTF-16 encoded or binary, not a CSV text file "
            "(expected UTF-8 or Windows-1252 text; in Excel choose 'CSV UTF-8').",
            file=path,
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(header_line: str, path: Path) -> str:
    """Choose ``;`` or ``,`` by counting them outside quotes in the header line."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    n_semi, n_comma = outside.count(";"), outside.count(",")
    if n_semi == 0 and n_comma == 0:
        for other, label in (("\t", "tab"), ("|", "'|'")):
            if other in outside:
                raise DataError(
                    f"the columns are separated by {label}; expected ';' or ',' as delimiter.",
                    file=path,
                    rows=[1],
                )
        return ";"  # a single column; the column check will say what is missing
    return ";" if n_semi >= n_comma else ","


def read_table(path: str | Path, *, text: str | None = None) -> RawTable:
    """Read a delimited text file with every cell as a stripped string.

    Parameters
    ----------
    path
        CSV file (``.csv`` or ``.csv.gz``).
    text
        Already decoded content (for tests); read from ``path`` when None.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        Empty file, header without data rows, ragged rows, duplicated or empty column names,
        wrong delimiter, wrong encoding.

    Examples
    --------
    >>> t = read_table("data/examples/swv-verwijzingen.csv")   # doctest: +SKIP
    >>> list(t.data.columns)[:3]                                # doctest: +SKIP
    ['vestigingscode', 'schooljaar', 'tlv_vso_cluster4']
    """
    encoding = "utf-8"
    if text is None:
        path, raw = read_bytes(path)
        text, encoding = decode_text(raw, path)
    else:
        path = Path(path)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DataError("the file is empty (expected a header row and data rows).", file=path)
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = sniff_delimiter(first_line, path)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'))
    except csv.Error as exc:
        raise DataError(f"the file is not valid CSV ({exc}).", file=path) from None
    # spreadsheet row numbers: row 1 is the header (after leading blank lines)
    numbered = [(i + 1, r) for i, r in enumerate(rows)]
    while numbered and not any(c.strip() for c in numbered[0][1]):
        numbered.pop(0)
    header_no, header = numbered[0]
    offset = header_no - 1
    header = [h.strip() for h in header]
    body = [(n - offset, r) for n, r in numbered[1:] if any(c.strip() for c in r)]
    # a trailing delimiter gives an empty last header cell: drop it when its cells are empty
    while header and header[-1] == "" and all(
        len(r) < len(header) or not r[len(header) - 1].strip() for _, r in body
    ):
        header.pop()
    if any(h == "" for h in header):
        pos = [i + 1 for i, h in enumerate(header) if h == ""]
        raise DataError(f"column number(s) {pos} have no name in the header row.", file=path, rows=[1])
    norm = [normalise_name(h) for h in header]
    dupes = sorted({h for h in norm if norm.count(h) > 1})
    if dupes:
        raise DataError(
            f"the header names column(s) {dupes} more than once (expected each column once).",
            file=path,
            rows=[1],
        )
    if not body:
        raise DataError("the file has a header row but no data rows.", file=path, rows=[1])
    width = len(header)
    ragged = []
    cells = []
    for n, r in body:
        if len(r) > width and any(c.strip() for c in r[width:]):
            ragged.append(n)
            continue
        r = r[:width] + [""] * (width - len(r)) if len(r) < width else r[:width]
        cells.append([c.strip() for c in r])
    if ragged:
        raise DataError(
            f"these rows have more fields than the header has columns ({width}); "
            f"is there an unquoted '{delimiter}' in a value?",
            file=path,
            rows=ragged,
        )
    frame = pd.DataFrame(cells, columns=norm, dtype="str")
    frame.insert(0, "_row", np.array([n for n, _ in body], dtype=np.int64))
    return RawTable(
        path=path,
        data=frame,
        original=dict(zip(norm, header, strict=True)),
        delimiter=delimiter,
        encoding=encoding,
    )


# --------------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is found in a file.

    Attributes
    ----------
    name
        Canonical name.
    synonyms
        Header names accepted (compared after :func:`normalise_name`).
    required
        Refuse the file when no synonym is present.
    """

    name: str
    synonyms: tuple[str, ...]
    required: bool = True


def spec(name: str, *synonyms: str, required: bool = True) -> ColumnSpec:
    """Shorthand for :class:`ColumnSpec`.

    The first synonym is the documented (Dutch) header, used in messages; the canonical name
    is always accepted as well.
    """
    syn = tuple(dict.fromkeys(normalise_name(s) for s in (*synonyms, name)))
    return ColumnSpec(name, syn, required)


def select_columns(
    table: RawTable,
    specs: Sequence[ColumnSpec],
    *,
    what: str,
    allow_unknown: bool = True,
) -> pd.DataFrame:
    """Rename the file's columns to canonical names; refuse missing required columns.

    Returns a frame with ``_row`` and one column per spec found (absent optional columns are
    not added). ``table.original`` gains canonical-name entries for messages.
    """
    data = table.data
    present = [c for c in data.columns if c != "_row"]
    mapping: dict[str, str] = {}
    # header drift: also match with the separators removed ("School jaar" ~ "schooljaar")
    squashed: dict[str, str] = {}
    for c in present:
        squashed.setdefault(c.replace("_", ""), c)
    for sp in specs:
        hit = next((s for s in sp.synonyms if s in present and s not in mapping), None)
        if hit is None:
            hit = next((squashed[s.replace("_", "")] for s in sp.synonyms
                        if s.replace("_", "") in squashed and squashed[s.replace("_", "")] not in mapping), None)
        if hit is not None:
            mapping[hit] = sp.name
            table.original.setdefault(sp.name, table.original.get(hit, hit))
    missing = [sp for sp in specs if sp.required and sp.name not in mapping.values()]
    if missing:
        names = ", ".join(f"'{sp.synonyms[0] if sp.synonyms else sp.name}'" for sp in missing)
        found = ", ".join(f"'{table.original.get(c, c)}'" for c in present[:12])
        hint = ""
        if len(present) == 1 and table.delimiter == ";" and "," not in present[0]:
            hint = " (only one column was found: is the delimiter ';' or ','?)"
        raise DataError(
            f"required column(s) {names} missing for a {what} file; the header has {found}{hint}.",
            file=table.path,
            rows=[1],
            column=missing[0].synonyms[0] if len(missing) == 1 else None,
        )
    if not allow_unknown:
        unknown = [c for c in present if c not in mapping]
        if unknown:
            raise DataError(
                f"unknown column(s) {[table.original.get(c, c) for c in unknown]} in a {what} file "
                f"(expected only {[sp.synonyms[0] for sp in specs]}).",
                file=table.path,
                rows=[1],
                column=table.original.get(unknown[0], unknown[0]),
            )
    out = data[["_row", *mapping]].rename(columns=mapping)
    # original header text under the canonical name, for messages
    for norm, canon in mapping.items():
        table.original[canon] = table.original.get(norm, norm)
    return out


# --------------------------------------------------------------------------------------------
# cell parsers
# --------------------------------------------------------------------------------------------


def raise_bad_rows(
    table: RawTable | Path | str,
    mask: pd.Series | np.ndarray,
    rows: pd.Series,
    column: str,
    values: pd.Series,
    expected: str,
) -> None:
    """Raise one DataError for the rows where ``mask`` is true (if any)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    bad_rows = np.asarray(rows)[mask]
    bad_vals = [v if v.strip() else "(empty)" for v in pd.Series(values).astype(str).to_numpy()[mask]]
    shown = ", ".join(v if v == "(empty)" else repr(v) for v in list(dict.fromkeys(bad_vals))[:3])
    verb = "is" if len(set(bad_vals)) == 1 else "are"
    if isinstance(table, RawTable):
        file, col = table.path, table.col(column)
    else:
        file, col = Path(table), column
    raise DataError(f"{shown} {verb} not {expected}.", file=file, rows=list(bad_rows), column=col)


def _suppressed_mask(s: pd.Series) -> np.ndarray:
    """``<5``, ``<10``, ``.`` and empty cells: suppressed (missing, never zero)."""
    return s.astype(str).str.fullmatch(_SUPPRESSION_STRICT.pattern).fillna(False).to_numpy(dtype=bool)


def parse_count(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    allow_suppressed: bool = True,
) -> tuple[pd.Series, pd.Series]:
    """Parse a count column: integers with optional ``.`` thousands separators.

    Returns ``(values as Int64, suppressed flags as bool)``. ``<5``, ``<10``, ``.`` and empty
    cells become missing and flagged; text, decimals and other markers raise DataError.
    """
    s = frame[column].astype(str).str.replace('"', "", regex=False).str.strip()
    s = s.str.replace(" ", "", regex=False)
    supp = _suppressed_mask(s)
    ok_int = s.str.fullmatch(_INT_PLAIN.pattern).to_numpy(dtype=bool)
    ok_thou = s.str.fullmatch(_INT_THOUSANDS.pattern).to_numpy(dtype=bool)
    bad = ~(supp | ok_int | ok_thou)
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a whole number (expected a count such as 12 or 1.545, or '<5' / '.' when suppressed)")
    if not allow_suppressed:
        raise_bad_rows(table, supp, frame["_row"], column, frame[column], "allowed here (expected a number)")
    clean = s.where(~supp, None).str.replace(".", "", regex=False)
    values = pd.array(pd.to_numeric(clean, errors="coerce"), dtype="Int64")
    return pd.Series(values, index=frame.index), pd.Series(supp, index=frame.index)


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
    Returns ``(float values, suppressed flags)``.
    """
    s = frame[column].astype(str).str.replace('"', "", regex=False).str.strip()
    s = s.str.replace(" ", "", regex=False).str.replace("\u20ac", "", regex=False)
    markers = {normalise_name(m) for m in na_markers}
    is_marker = s.map(lambda v: normalise_name(v) in markers if v else False).to_numpy(dtype=bool)
    supp = _suppressed_mask(s) & ~is_marker
    rest = ~(supp | is_marker)
    if s[rest].str.contains(",", regex=False).any():
        ok = s.str.fullmatch(_NUM_COMMA.pattern).to_numpy(dtype=bool)
        clean = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        ok = s.str.fullmatch(_NUM_DOT.pattern).to_numpy(dtype=bool) & s.str.contains(r"\d").to_numpy(dtype=bool)
        dotted = s[rest & s.str.contains(".", regex=False).to_numpy(dtype=bool)]
        if thousands and len(dotted) and dotted.str.fullmatch(_INT_THOUSANDS.pattern).all():
            clean = s.str.replace(".", "", regex=False)
        else:
            clean = s.str.replace(",", "", regex=False)
    bad = rest & ~ok
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a number (expected e.g. 1234,50 or 0.8, or '.' when suppressed)")
    if not allow_suppressed:
        raise_bad_rows(table, supp & (s != "").to_numpy(dtype=bool), frame["_row"], column,
                       frame[column], "allowed here (expected a number)")
    values = pd.to_numeric(clean.where(rest, None), errors="coerce").astype("float64")
    return pd.Series(values.to_numpy(), index=frame.index), pd.Series(supp, index=frame.index)


def parse_date(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    required: bool = True,
) -> pd.Series:
    """Parse ``YYYY-MM-DD`` dates (``DD-MM-YYYY`` and ``YYYY/MM/DD`` also accepted).

    Empty cells are NaT when ``required`` is false, else refused. Impossible dates such as
    ``2023-13-01`` are refused with the row number.
    """
    s = frame[column].astype(str).str.strip()
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        todo = out.isna() & (s != "")
        if not todo.any():
            break
        out = out.where(~todo, pd.to_datetime(s.where(todo, None), format=fmt, errors="coerce"))
    empty = (s == "").to_numpy(dtype=bool)
    if required:
        raise_bad_rows(table, empty, frame["_row"], column, frame[column], "allowed to be empty (expected a date YYYY-MM-DD)")
    bad = (out.isna().to_numpy(dtype=bool)) & ~empty
    raise_bad_rows(table, bad, frame["_row"], column, frame[column], "a date (expected YYYY-MM-DD)")
    return out.astype("datetime64[ns]")


def check_date_range(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    values: pd.Series,
    *,
    earliest: str = "2000-01-01",
    today: pd.Timestamp | None = None,
) -> None:
    """Refuse dates in the future or before ``earliest`` (plausible school years)."""
    today = pd.Timestamp(dt.date.today()) if today is None else today
    v = pd.Series(values)
    raise_bad_rows(table, (v > today).fillna(False).to_numpy(dtype=bool), frame["_row"], column,
                   frame[column], f"in the past (expected a date not after today, {today.date()})")
    raise_bad_rows(table, (v < pd.Timestamp(earliest)).fillna(False).to_numpy(dtype=bool), frame["_row"],
                   column, frame[column], f"a plausible date (expected {earliest} or later)")


_SY = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4}|\d{2})$")


def parse_school_year(table: RawTable, frame: pd.DataFrame, column: str) -> pd.Series:
    """Parse school years ``2019-2020`` (also ``2019/2020``, ``2019-20``) to ``"2019-2020"``."""
    s = frame[column].astype(str).str.strip()

    def one(v: str) -> str | None:
        m = _SY.match(v)
        if not m:
            return None
        a, b = int(m.group(1)), m.group(2)
        b = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
        if b != a + 1 or not 1990 <= a <= dt.date.today().year:
            return None
        return f"{a}-{b}"

    out = s.map(one)
    raise_bad_rows(table, out.isna().to_numpy(dtype=bool), frame["_row"], column, frame[column],
                   "a school year (expected e.g. 2019-2020, not in the future)")
    return out.astype("str")


def school_year_of(dates: pd.Series) -> pd.Series:
    """School year (1 August - 31 July) of each date as ``"2022-2023"``; missing stays missing."""
    d = pd.to_datetime(pd.Series(dates))
    start = d.dt.year - (d.dt.month < 8).astype("Int64")
    out = start.astype("Int64").astype(str) + "-" + (start + 1).astype("Int64").astype(str)
    return out.where(d.notna(), None).astype("str")


def parse_code(frame: pd.DataFrame, column: str) -> pd.Series:
    """A code column as upper-case strings, quotes and spaces removed (leading zeros kept)."""
    return frame[column].astype(str).str.replace('"', "", regex=False).str.strip().str.upper()


def normalise_school_id(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    *,
    instelling: pd.Series | None = None,
) -> pd.Series:
    """Canonical 6-character vestigingscode.

    A 2-character (or 1-digit) vestigingsnummer is prefixed with the 4-character
    ``instelling`` code when given (``08UV`` + ``0`` -> ``08UV00``).
    """
    s = parse_code(frame, column)
    if instelling is not None:
        short = s.str.len() <= 2
        s = s.where(~short, instelling.astype(str).str.strip().str.upper() + s.str.zfill(2))
    bad = ~s.str.fullmatch(_SCHOOL_ID.pattern).to_numpy(dtype=bool)
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a vestigingscode (expected 4 characters + 2 digits, e.g. 08UV00)")
    return s


def municipality_code(table: RawTable, frame: pd.DataFrame, column: str) -> pd.Series:
    """CBS municipality code ``GM0361`` from ``361``, ``0361`` or ``GM0361``."""
    s = parse_code(frame, column)
    digits = s.str.replace(r"^GM", "", regex=True)
    ok = digits.str.fullmatch(r"\d{1,4}").to_numpy(dtype=bool)
    raise_bad_rows(table, ~ok, frame["_row"], column, frame[column],
                   "a municipality number (expected e.g. 0361 or GM0361)")
    return ("GM" + digits.str.zfill(4)).astype("str")


def check_school_ids(
    table: RawTable | Path | str,
    frame: pd.DataFrame,
    column: str,
    school_ids: Iterable[str] | None,
) -> None:
    """Refuse school codes that are not in the region's parameters (``params/schools``)."""
    if school_ids is None:
        return
    known = set(school_ids)
    bad = ~frame[column].isin(known).to_numpy(dtype=bool)
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   "a school of this region (expected one of the codes in params/schools, e.g. "
                   + ", ".join(sorted(known)[:3]) + ")")


# --------------------------------------------------------------------------------------------
# pandera glue
# --------------------------------------------------------------------------------------------


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
        fc = exc.failure_cases
        first = fc.iloc[0]
        same = fc[(fc["check"] == first["check"]) & (fc["column"] == first["column"])]
        column = first["column"] if isinstance(first["column"], str) else None
        rows: list[int] = []
        if "_row" in df.columns:
            idx = pd.to_numeric(same["index"], errors="coerce").dropna().astype(int)
            idx = [i for i in idx if i in df.index]
            rows = sorted(set(df.loc[idx, "_row"].astype(int)))
        values = ", ".join(repr(str(v)) for v in list(dict.fromkeys(same["failure_case"].astype(str)))[:3])
        check = str(first["check"])
        frame_level = first.get("schema_context") == "DataFrameSchema"
        if frame_level and "uniqueness" not in check:
            same = fc[fc["check"] == first["check"]]
            idx = pd.to_numeric(same["index"], errors="coerce").dropna().astype(int)
            rows = sorted(set(df.loc[[i for i in idx if i in df.index], "_row"].astype(int))) if "_row" in df else []
            message = f"expected {check}"
            column = None
        elif "multiple_fields_uniqueness" in check or check == "field_uniqueness":
            keys = list(schema.unique) if schema.unique else [column]
            if isinstance(table, RawTable):
                keys = [table.col(k) for k in keys]
            message = f"the combination {keys} occurs more than once (expected one row per key)"
            column = None
        elif check.startswith("column_in_dataframe"):
            message = f"column missing (expected {first['failure_case']})"
        elif check.startswith("coerce_dtype") or check.startswith("dtype"):
            message = f"{values} has the wrong type ({check})"
        elif check == "not_nullable":
            message = "empty cell(s) where a value is required"
        else:
            message = f"{values} fails the check: expected {check}"
        if isinstance(table, RawTable):
            file = table.path
            colname = table.col(column) if column else None
        else:
            file, colname = Path(table), column
        raise DataError(message + ".", file=file, rows=rows, column=colname) from None


def nonneg(what: str = "a count") -> pa.Check:
    """pandera check: value >= 0 (missing allowed)."""
    return pa.Check.ge(0, error=f"{what} of 0 or more (negative values are impossible)", ignore_na=True)


def finish(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Drop ``_row``, order columns, reset the index."""
    return df[list(columns)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# pseudonymisation
# --------------------------------------------------------------------------------------------

_PROCESS_KEY = secrets.token_bytes(32)
#: Every pseudonym starts with this, so that an output scan can recognise one by its shape
#: (``ll-`` + 16 hex digits) without mistaking other hex strings or long numbers for it.
PSEUDONYM_PREFIX = "ll-"


def pseudonym_key(key: bytes | str | None = None) -> bytes:
    """The pseudonymisation key: ``key``, else env ``JOSANALYSIS_PSEUDONYM_KEY``, else a random
    key made once per process (pseudonyms then differ between runs; they still link records
    within one run, which is all the library needs)."""
    if key is None:
        env = os.environ.get(PSEUDONYM_KEY_ENV)
        if env:
            return env.encode("utf-8")
        return _PROCESS_KEY
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or not key:
        raise ConfigError("the pseudonymisation key must be non-empty bytes or text.")
    return key


def pseudonymise(ids: pd.Series, key: bytes | None = None) -> pd.Series:
    """Replace pupil identifiers by a keyed hash (``ll-`` + HMAC-SHA256 in hex, first 16 characters).

    Parameters
    ----------
    ids
        Identifiers (converted to stripped text; missing stays missing).
    key
        Secret key; default from env ``JOSANALYSIS_PSEUDONYM_KEY``, else a random per-process key.

    Returns
    -------
    pandas.Series
        Pseudonyms (str), same index.

    Examples
    --------
    >>> pseudonymise(pd.Series(["123456"]), key=b"secret").iloc[0]
    'll-4a83854cf6f0112b'
    """
    k = pseudonym_key(key)
    s = pd.Series(ids)
    text = s.astype(str).str.strip()
    out = [
        PSEUDONYM_PREFIX + hmac.new(k, v.encode("utf-8"), hashlib.sha256).hexdigest()[:16] if ok else None
        for v, ok in zip(text, s.notna() & (text != ""), strict=True)
    ]
    return pd.Series(out, index=s.index, dtype="str")


def hmac_sql(expr: str, key: bytes | None = None) -> str:
    """A DuckDB SQL expression computing the same pseudonym as :func:`pseudonymise`.

    HMAC-SHA256 written out with DuckDB's ``sha256`` on blobs:
    ``sha256((K ^ opad) || sha256((K ^ ipad) || m))``, keys padded to 64 bytes.
    """
    k = pseudonym_key(key)
    if len(k) > 64:
        k = hashlib.sha256(k).digest()
    k = k.ljust(64, b"\x00")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    return (
        f"'{PSEUDONYM_PREFIX}' || left(sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || "
        f"encode(trim(CAST({expr} AS VARCHAR)))))), 16)"
    )


def year_from_name(path: Path) -> int | None:
    """A data year in a file name (``...-2025...``), or None."""
    found = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.name)
    return int(found[0]) if found else None


def map_values(
    table: RawTable,
    frame: pd.DataFrame,
    column: str,
    mapping: Mapping[str, str],
    *,
    required: bool = True,
) -> pd.Series:
    """Map free-text category values (normalised) to canonical values; refuse unknown ones."""
    norm = frame[column].astype(str).map(normalise_name)
    out = norm.map(lambda v: mapping.get(v))
    empty = (norm == "").to_numpy(dtype=bool)
    bad = out.isna().to_numpy(dtype=bool) & (~empty if not required else np.ones(len(out), bool))
    allowed = sorted(set(mapping.values()))
    raise_bad_rows(table, bad, frame["_row"], column, frame[column],
                   f"a known value (expected one of {allowed})")
    return out.astype("str")
