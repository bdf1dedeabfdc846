"""Header drift: find each canonical column of a loader among the file's headers.

Header names are compared after :func:`~josanalysis.sources.reading.table.normalise_name`, then
with the separators removed (``School jaar`` ~ ``schooljaar``), against per-loader synonym lists
(Dutch and English).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.table import RawTable, normalise_name

__all__ = ["ColumnSpec", "spec", "select_columns"]


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

    >>> spec("school_year", "schooljaar", "School jaar").synonyms
    ('schooljaar', 'school_jaar', 'school_year')
    """
    syn = tuple(dict.fromkeys(normalise_name(s) for s in (*synonyms, name)))
    return ColumnSpec(name, syn, required)


def _match_headers(present: list[str], specs: Sequence[ColumnSpec]) -> dict[str, str]:
    """File column (normalised) -> canonical name, first exact synonym, then without separators."""
    mapping: dict[str, str] = {}
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
    return mapping


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
    mapping = _match_headers(present, specs)
    for hit, canon in mapping.items():
        table.original.setdefault(canon, table.original.get(hit, hit))
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
