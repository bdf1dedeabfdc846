"""Codes and categories in data files, kept as strings (leading zeros survive).

Vestigingscodes (``08UV00``), CBS municipality codes (``GM0361``), the region's own school list
and free-text category values mapped to canonical values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from josanalysis.sources.reading.schema import raise_bad_rows
from josanalysis.sources.reading.table import RawTable, normalise_name

__all__ = [
    "parse_code", "normalise_school_id", "municipality_code", "check_region_codes", "check_school_ids",
    "map_values",
]

_SCHOOL_ID = re.compile(r"^[0-9A-Z]{4}[0-9]{2}$")

#: CBS region codes (StatLine ``RegioS``): the country, landsdelen, provinces, COROP areas,
#: municipalities, wijken and buurten, and the 2-digit regional divisions CBS publishes
#: (jeugdzorgregio's, arbeidsmarktregio's, GGD-regio's, RES-regio's, ...). A municipality
#: number is never 0000.
_REGION_CODE = re.compile(
    r"^(NL\d{2}|(LD|PV|CR|JZ|AR|GG|RE|RB|VR|ZW|PP|CP|LG|WG|KV|RP|TR|RM|WR|AM|BK|ES|GR|MK|PO|ZA)\d{2}"
    r"|GM(?!0000)\d{4}|WK\d{6}|BU\d{8})$"
)


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
    ok = digits.str.fullmatch(r"\d{1,4}").to_numpy(dtype=bool) & ~digits.str.fullmatch("0+").to_numpy(dtype=bool)
    raise_bad_rows(table, ~ok, frame["_row"], column, frame[column],
                   "a municipality number (expected e.g. 0361 or GM0361; 0 is no municipality)")
    return ("GM" + digits.str.zfill(4)).astype("str")


def check_region_codes(table: RawTable, frame: pd.DataFrame, column: str) -> None:
    """Refuse values that are not CBS region codes (``GM0361``, ``PV27``, ``NL01``, ...).

    The column holds stripped text (StatLine pads codes with spaces).

    >>> bool(_REGION_CODE.fullmatch("GM0361")), bool(_REGION_CODE.fullmatch("XX0361"))
    (True, False)
    """
    s = frame[column].astype(str).str.strip()
    ok = s.str.fullmatch(_REGION_CODE.pattern).to_numpy(dtype=bool)
    raise_bad_rows(table, ~ok, frame["_row"], column, frame[column],
                   "a CBS region code (expected e.g. GM0361 for a municipality, PV27 or NL01)")


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
