"""Municipal reorganisations: one code per municipality across a merger (the boundaries of a chosen year).

Dijk en Waard (GM1980) was formed on 1 January 2022 from Heerhugowaard (GM0398) and Langedijk
(GM0416), in the Alkmaar region itself: a series keyed by municipality breaks there unless the
old codes are mapped onto the new one. The mapping is a documented table,
``params/municipalities/reorganisations.csv`` (from CBS's yearly overview of herindelingen), one
row per old code with the date the new municipality started.

Boundaries "of year Y" are those on 1 January of Y (CBS's convention): a reorganisation that took
effect on or before that date is applied, later ones are not. Mergers can only be applied
forwards: figures of a merged municipality cannot be split over the former ones.

Examples
--------
>>> mapping = code_map(2025)
>>> mapping["GM0398"], mapping["GM0416"]
('GM1980', 'GM1980')
>>> "GM0398" in code_map(2021)
False
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from josanalysis.core.config import PARAMS_DIR
from josanalysis.core.errors import ConfigError

__all__ = ["Reorganisation", "REORGANISATIONS_FILE", "load_reorganisations", "code_map", "new_names"]

REORGANISATIONS_FILE = PARAMS_DIR / "municipalities" / "reorganisations.csv"
_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class Reorganisation:
    """One old municipality code that became part of (or was renamed to) a new one."""

    effective: dt.date
    old_code: str
    old_name: str
    new_code: str
    new_name: str


@lru_cache(maxsize=8)
def load_reorganisations(path: str | Path = REORGANISATIONS_FILE) -> tuple[Reorganisation, ...]:
    """Read and check the mapping table (``#`` lines are comments).

    Raises
    ------
    ConfigError
        A missing file or column, a code that is not ``GM`` + 4 digits, a bad date, an old code
        listed twice, or a code mapped onto itself (each named with its line).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"the table of municipal reorganisations {path} does not exist.")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    need = {"effective", "old_code", "old_name", "new_code", "new_name"}
    if not rows or not need <= set(rows[0]):
        raise ConfigError(f"{path.name}: expected the columns {', '.join(sorted(need))}.")
    out: list[Reorganisation] = []
    seen: set[str] = set()
    for i, r in enumerate(rows, start=2):
        where = f"{path.name}, row {i} (after comments)"
        old, new = r["old_code"].strip(), r["new_code"].strip()
        if not (_CODE.match(old) and _CODE.match(new)):
            raise ConfigError(f"{where}: '{old}' -> '{new}' is not a pair of CBS codes (expected e.g. GM0398).")
        if old == new or old in seen:
            raise ConfigError(f"{where}: {old} is mapped onto itself or listed twice.")
        try:
            effective = dt.date.fromisoformat(r["effective"].strip())
        except ValueError:
            raise ConfigError(f"{where}: '{r['effective']}' is not a date (expected YYYY-MM-DD).") from None
        seen.add(old)
        out.append(Reorganisation(effective, old, r["old_name"].strip(), new, r["new_name"].strip()))
    return tuple(out)


def code_map(year: int | None = None,
             reorganisations: tuple[Reorganisation, ...] | None = None) -> dict[str, str]:
    """Old code -> the code in the boundaries of 1 January of ``year`` (None: the latest).

    Chains (A -> B, later B -> C) end at the last code in force.
    """
    reorgs = load_reorganisations() if reorganisations is None else reorganisations
    cutoff = dt.date.max if year is None else dt.date(int(year), 1, 1)
    step = {r.old_code: r.new_code for r in reorgs if r.effective <= cutoff}
    out = {}
    for old in step:
        code, hops = old, 0
        while code in step:
            code, hops = step[code], hops + 1
            if hops > len(step):
                raise ConfigError(f"the municipal reorganisations loop at {old}.")
        out[old] = code
    return out


def new_names(reorganisations: tuple[Reorganisation, ...] | None = None) -> dict[str, str]:
    """New code -> its name, from the table."""
    reorgs = load_reorganisations() if reorganisations is None else reorganisations
    return {r.new_code: r.new_name for r in reorgs}
