"""Bytes and text of a data file: gzip, encodings, file type refusals and the delimiter.

The one delimiter sniffer of the package lives here (:func:`detect_delimiter`); the loaders use
it through :func:`sniff_delimiter`, which also refuses tab- and ``|``-separated files, and the
privacy output scan uses it directly.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from pathlib import Path

from josanalysis.core.errors import DataError

__all__ = [
    "GZIP_MAGIC",
    "read_bytes",
    "refuse_non_text",
    "decode_text",
    "detect_delimiter",
    "sniff_delimiter",
    "year_from_name",
]

#: The first two bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"

_QUOTED = re.compile(r'"[^"]*"')


def read_bytes(path: str | Path) -> tuple[Path, bytes]:
    """Read a file's bytes, un-gzipping ``.gz``; DataError if missing."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found (check the path and the file name).", file=path)
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"the gzip file is damaged or incomplete ({exc}).", file=path) from None
    return path, raw


def refuse_non_text(head: bytes, path: Path) -> None:
    """Refuse an Excel workbook (or other zip file), UTF-16 text and binary files.

    ``head`` is the start of the (un-gzipped) content; the first 4 KiB are enough.
    """
    if head[:4] == b"PK\x03\x04":
        raise DataError(
            "this is an Excel workbook (or another zip file), not a CSV text file; "
            "save it as 'CSV (puntkomma-gescheiden)' and try again.",
            file=path,
        )
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4096]:
        raise DataError(
            "the file is UTF-16 encoded or binary, not a CSV text file "
            "(expected UTF-8 or Windows-1252 text; in Excel choose 'CSV UTF-8').",
            file=path,
        )


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed) or Windows-1252; refuse UTF-16, Excel and binary.

    Returns ``(text, encoding)``.
    """
    refuse_non_text(raw, path)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def detect_delimiter(header_line: str, candidates: Sequence[str] = (";", ",")) -> str | None:
    """The candidate that separates a header line's columns, or None when none occurs.

    Delimiters are counted outside double-quoted fields; the most frequent wins, and a tie goes
    to the one listed first (so ``;``, the Dutch Excel export, before ``,``).

    Examples
    --------
    >>> detect_delimiter('vestigingscode;"naam, plaats";schooljaar')
    ';'
    >>> detect_delimiter("a\\tb", candidates=(";", ",", "\\t"))
    '\\t'
    >>> detect_delimiter("one_column") is None
    True
    """
    outside = _QUOTED.sub("", header_line)
    counts = [outside.count(c) for c in candidates]
    best = max(range(len(candidates)), key=lambda i: (counts[i], -i))
    return candidates[best] if counts[best] else None


def sniff_delimiter(header_line: str, path: Path) -> str:
    """Choose ``;`` or ``,`` for a data file; refuse tab- and ``|``-separated files.

    A header without either delimiter is read as a single ``;`` column (the column check then
    says what is missing).
    """
    found = detect_delimiter(header_line, (";", ","))
    if found is not None:
        return found
    for other, label in (("\t", "tab"), ("|", "'|'")):
        if other in _QUOTED.sub("", header_line):
            raise DataError(
                f"the columns are separated by {label}; expected ';' or ',' as delimiter.",
                file=path,
                rows=[1],
            )
    return ";"


def year_from_name(path: Path) -> int | None:
    """A data year in a file name (``...-2025...``), or None.

    >>> year_from_name(Path("leerlingen-vo-per-vestiging-2025.csv"))
    2025
    """
    found = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.name)
    return int(found[0]) if found else None
