"""Absence reason codes of a school mapped to geoorloofd, ongeoorloofd or niet_meetellen.

Somtoday and Magister let every school define its own absence reason codes ("ziek",
"tandarts", "spijbelen", "TL", ...), so the meaning of a code belongs to the school. A region
file may give a default mapping (``absence_reasons:`` in ``params/regions/<region>.yaml``); a
school file (``absence_reasons:`` in ``params/schools/<region>/<id>.yaml``) adds codes and
overrides the region's meaning of a code. The attendance loader
(:mod:`josanalysis.sources.attendance`) applies the mapping of each school inside its DuckDB pass
and refuses a code that the mapping does not hold.

Categories:

``geoorloofd``
    authorised absence (illness, a doctor's visit, leave granted by the school);
``ongeoorloofd``
    unauthorised absence (truancy, "TL" in many schools);
``niet_meetellen``
    not absence: the pupil was at school or at a school activity (``te laat``, excursie,
    stage). Its hours count as present; lateness is not counted as absence.

Codes are matched without regard to case and surrounding spaces (``"Ziek "`` is ``ziek``).

Examples
--------
>>> reasons = merge_reasons("DM0100", region={"ziek": "geoorloofd", "TL": "ongeoorloofd"},
...                         school={"tl": "geoorloofd"})
>>> reasons.category("TL"), reasons.category(" Ziek"), reasons.category("spijbelen")
('geoorloofd', 'geoorloofd', None)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["REASON_CATEGORIES", "AbsenceReasons", "normalise_code", "check_reason_codes", "merge_reasons"]

#: The categories a reason code can be mapped to.
REASON_CATEGORIES: tuple[str, ...] = ("geoorloofd", "ongeoorloofd", "niet_meetellen")


def normalise_code(code: object) -> str:
    """A reason code as it is matched: trimmed and lower case (the SQL is ``lower(trim(code))``).

    Examples
    --------
    >>> normalise_code("  TL ")
    'tl'
    """
    return str(code).strip(" ").lower()


def check_reason_codes(raw: Any, key: str) -> dict[str, str]:
    """Validate an ``absence_reasons:`` block: code -> category, as sentences on error.

    Parameters
    ----------
    raw
        The block as read from YAML (None or a mapping).
    key
        Where the block is (``absence_reasons``), for the messages.

    Returns
    -------
    dict
        Normalised code -> category.

    Raises
    ------
    ValueError
        Not a mapping, an unquoted YAML word read as true/false, an empty code, a category that is
        not one of :data:`REASON_CATEGORIES`, or two codes that are the same code once case and
        spaces are ignored.

    Examples
    --------
    >>> check_reason_codes({"Ziek": "geoorloofd", 12: "ongeoorloofd"}, "absence_reasons")
    {'ziek': 'geoorloofd', '12': 'ongeoorloofd'}
    >>> check_reason_codes({"ziek": "ziek"}, "absence_reasons")
    Traceback (most recent call last):
    ...
    ValueError: absence_reasons: code 'ziek' is mapped to 'ziek'; expected geoorloofd, ongeoorloofd or niet_meetellen
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{key} should map each absence reason code to geoorloofd, ongeoorloofd or "
                         f"niet_meetellen, got {raw!r}")
    out: dict[str, str] = {}
    seen: dict[str, object] = {}
    expected = f"{', '.join(REASON_CATEGORIES[:-1])} or {REASON_CATEGORIES[-1]}"
    for code, category in raw.items():
        if isinstance(code, bool) or code is None:
            raise ValueError(f"{key}: a code was read by YAML as {code!r} (words such as ON, NO, yes, null); "
                             "put the code in quotes, for example 'ON': ongeoorloofd")
        norm = normalise_code(code)
        if not norm:
            raise ValueError(f"{key}: an empty code is mapped to {category!r}; expected a reason code")
        if category not in REASON_CATEGORIES:
            raise ValueError(f"{key}: code {str(code)!r} is mapped to {category!r}; expected {expected}")
        if norm in seen:
            raise ValueError(f"{key}: codes {str(seen[norm])!r} and {str(code)!r} are the same code "
                             "(case and spaces are ignored); give it once")
        seen[norm] = code
        out[norm] = str(category)
    return out


@dataclass(frozen=True)
class AbsenceReasons:
    """The reason codes of one school with their category, and the files that define them.

    Attributes
    ----------
    school_id
        The school.
    codes
        Normalised code -> category (read-only).
    school_file, region_file
        The parameter files where a code is added (named in the loader's error sentence).
    """

    school_id: str
    codes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    school_file: Path | None = None
    region_file: Path | None = None

    def category(self, code: object) -> str | None:
        """The category of ``code`` (None when the mapping does not hold it)."""
        return self.codes.get(normalise_code(code))

    def where_to_add(self) -> str:
        """Where an analyst adds a missing code, as part of a sentence."""
        school = (f"under absence_reasons in {_shown(self.school_file)}" if self.school_file is not None
                  else f"under absence_reasons in the parameter file of school {self.school_id}")
        region = (f", or for every school of the region under absence_reasons in {_shown(self.region_file)}"
                  if self.region_file is not None else "")
        return school + region


def _shown(path: Path) -> str:
    """A parameter file as ``params/...`` when it is under a params folder, else its name."""
    parts = path.parts
    return "/".join(parts[parts.index("params"):]) if "params" in parts else path.name


def merge_reasons(school_id: str, *, region: Mapping[str, str] | None = None,
                  school: Mapping[str, str] | None = None, school_file: Path | None = None,
                  region_file: Path | None = None) -> AbsenceReasons:
    """The mapping of one school: the region's default, overridden and extended by the school's own.

    Examples
    --------
    >>> merge_reasons("X", region={"ziek": "geoorloofd"}).category("ZIEK")
    'geoorloofd'
    """
    codes = {normalise_code(k): v for k, v in (region or {}).items()}
    codes.update({normalise_code(k): v for k, v in (school or {}).items()})
    return AbsenceReasons(school_id, MappingProxyType(codes), school_file, region_file)
