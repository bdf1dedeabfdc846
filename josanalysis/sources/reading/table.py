"""A delimited data file read as a table of stripped text cells with spreadsheet row numbers.

Cells are stripped; a single-space cell (DUO address files) is empty. Header names are
normalised (case, accents, spaces, ``-``/``_``) for matching; the header as written is kept for
messages. Column ``_row`` holds the spreadsheet row number of every record (header = row 1).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.files import decode_text, read_bytes, sniff_delimiter
from josanalysis.sources.reading.workbook import workbook_rows

__all__ = ["RawTable", "normalise_name", "read_table"]

_Row = tuple[int, list[str]]


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


def read_table(path: str | Path, *, text: str | None = None) -> RawTable:
    """Read a delimited text file with every cell as a stripped string.

    Parameters
    ----------
    path
        CSV file (``.csv`` or ``.csv.gz``), or an Excel workbook (``.xlsx``: its data sheet,
        see :mod:`josanalysis.sources.reading.workbook`).
    text
        Already decoded content (for tests); read from ``path`` when None.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        Empty file, header without data rows, rows with fewer or more fields than the header, duplicated or empty column names,
        wrong delimiter, wrong encoding.

    Examples
    --------
    >>> t = read_table("data/examples/swv-verwijzingen.csv")   # doctest: +SKIP
    >>> list(t.data.columns)[:3]                                # doctest: +SKIP
    ['vestigingscode', 'schooljaar', 'tlv_vso_cluster4']
    """
    encoding = "utf-8"
    if text is None and Path(path).suffix.lower() == ".xlsx":
        rows = workbook_rows(path)
        if not any(any(c.strip() for c in r) for r in rows):
            raise DataError("the workbook's data sheet is empty (expected a header row and data rows).", file=path)
        return _table(Path(path), rows, "xlsx", "xlsx")
    if text is None:
        path, raw = read_bytes(path)
        text, encoding = decode_text(raw, path)
    else:
        path = Path(path)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DataError("the file is empty (expected a header row and data rows).", file=path)
    delimiter = sniff_delimiter(text.lstrip("\r\n").splitlines()[0], path)
    return _table(path, _csv_rows(text, delimiter, path), delimiter, encoding)


def _table(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> RawTable:
    """Header, numbered body and checked names of rows read from a CSV text or a workbook."""
    header, body = _header_and_body(rows)
    norm = _checked_names(header, path)
    if not body:
        raise DataError("the file has a header row but no data rows.", file=path, rows=[1])
    cells = _rectangular_cells(body, header, delimiter, path)
    frame = pd.DataFrame(cells, columns=norm, dtype="str")
    frame.insert(0, "_row", np.array([n for n, _ in body], dtype=np.int64))
    return RawTable(
        path=path,
        data=frame,
        original=dict(zip(norm, header, strict=True)),
        delimiter=delimiter,
        encoding=encoding,
    )


def _csv_rows(text: str, delimiter: str, path: Path) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'))
    except csv.Error as exc:
        raise DataError(f"the file is not valid CSV ({exc}).", file=path) from None


def _header_and_body(rows: list[list[str]]) -> tuple[list[str], list[_Row]]:
    """The stripped header and the non-blank data rows with their spreadsheet row numbers.

    Row 1 is the header (after leading blank lines). A trailing delimiter gives an empty last
    header cell: it is dropped when its cells are empty.
    """
    numbered = [(i + 1, r) for i, r in enumerate(rows)]
    while numbered and not any(c.strip() for c in numbered[0][1]):
        numbered.pop(0)
    header_no, header = numbered[0]
    offset = header_no - 1
    header = [h.strip() for h in header]
    body = [(n - offset, r) for n, r in numbered[1:] if any(c.strip() for c in r)]
    while header and header[-1] == "" and all(
        len(r) < len(header) or not r[len(header) - 1].strip() for _, r in body
    ):
        header.pop()
    return header, body


def _checked_names(header: list[str], path: Path) -> list[str]:
    """Normalised column names; refuse empty and duplicated names."""
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
    return norm


def _rectangular_cells(body: list[_Row], header: list[str], delimiter: str, path: Path) -> list[list[str]]:
    """Stripped cells; refuse rows with fewer or more fields than the header has columns.

    A short row is a row cut off (a truncated export, a lost line break): padding it with
    empty cells would read its missing values as "suppressed", so it is refused. Empty fields
    after the last column (a trailing delimiter) are allowed.
    """
    width = len(header)
    ragged, short = [], []
    cells = []
    for n, r in body:
        if len(r) > width and any(c.strip() for c in r[width:]):
            ragged.append(n)
            continue
        if len(r) < width:
            short.append((n, len(r)))
            continue
        cells.append([c.strip() for c in r[:width]])
    if ragged:
        raise DataError(
            f"these rows have more fields than the header has columns ({width}); "
            f"is there an unquoted '{delimiter}' in a value?",
            file=path,
            rows=ragged,
        )
    if short:
        n_fields = sorted({k for _, k in short})
        raise DataError(
            f"the row has {' or '.join(map(str, n_fields))} field(s) but the header has {width} "
            f"columns: the value of this column and any after it are missing (expected one value "
            f"per column, an empty field when unknown; was the row cut off?).",
            file=path,
            rows=[n for n, _ in short],
            column=header[short[0][1]],
        )
    return cells
