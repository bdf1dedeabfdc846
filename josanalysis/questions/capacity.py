"""JOS capacity: FTE per function per school, before and during JOS.

The Oberon monitor report for regio Alkmaar (Bijlage 5) lists, per pilot school, the FTE of the
three JOS functions before and during the project:

* ``GW``  -- gedragswetenschapper JGGZ-VO,
* ``JGC`` -- jeugd- en gezinscoach VO,
* ``PAJ`` -- preventief ambulant jeugdhulpverlener VO (Noord-Kennemerland only; "n.v.t." in
  Midden-Kennemerland).

This module turns such a table into the figures a region asks for: FTE per function before and
during, the change, FTE per 100 pupils, hours per week, schools under a minimum per function,
and the spread across schools (minimum, maximum, coefficient of variation).

Two conventions matter:

* A function that is not deployed at a school ("n.v.t.", ``None`` in the school YAML) is **not**
  the same as 0 FTE. It has missing FTE and ``deployed = False``, and it is left out of the
  spread and the minimum check (so is a function with 0 FTE during JOS). A recorded 0 (for
  example PAJ *before* JOS in Noord-Kennemerland) is a real zero.
* Capacity differs between schools for historical reasons, not need (Oberon report, Bijlage 5;
  DESIGN §5 caveat 5). The spread is shown to make that visible, never to rank schools.

Examples
--------
>>> import pandas as pd
>>> fte = pd.DataFrame({"school_id": ["08UV00"] * 3, "function": ["GW", "JGC", "PAJ"],
...                     "fte_before": [0.055, 0.11, 0.0], "fte_during": [0.165, 0.16, 1.0],
...                     "deployed": [True, True, True]})
>>> res = capacity_table(fte, pd.Series({"08UV00": 195}))
>>> round(float(res.per_school.loc[0, "fte_per_100_during"]), 3)   # 1.325 FTE for 195 pupils
0.679
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.config import FUNCTIONS, Region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.fte import fte_per_100_pupils
from josanalysis.questions.pupils import pupils_from_region, pupils_series

__all__ = [
    "CapacityResult",
    "capacity_table",
    "fte_from_region",
    "pupils_from_region",
    "minimum_fte_from_region",
    "capacity_assumptions_text",
    "DUTCH_HEADERS",
]

#: Dutch column headers for report tables.
DUTCH_HEADERS: dict[str, str] = {
    "school_id": "vestiging",
    "school": "school",
    "function": "functie",
    "pupils": "leerlingen",
    "deployed": "ingezet",
    "fte_before": "fte eerder",
    "fte_during": "fte tijdens",
    "fte_change": "verschil fte",
    "hours_before": "uur/week eerder",
    "hours_during": "uur/week tijdens",
    "fte_per_100_before": "fte per 100 lln eerder",
    "fte_per_100_during": "fte per 100 lln tijdens",
    "minimum_fte": "minimum fte",
    "below_minimum": "onder minimum",
    "n_below_minimum": "functies onder minimum",
    "measure": "maat",
    "n_schools": "aantal scholen",
    "min": "minimum",
    "max": "maximum",
    "mean": "gemiddelde",
    "cv": "variatiecoëfficiënt",
}

_MEASURE_LABELS = {
    "fte_during": "fte tijdens",
    "fte_per_100_during": "fte per 100 leerlingen tijdens",
}

_REQUIRED = ("school_id", "function", "fte_before", "fte_during")


@dataclass(frozen=True)
class CapacityResult:
    """Capacity figures for a set of schools.

    Attributes
    ----------
    table
        One row per school and function: ``school_id, function, deployed, pupils, fte_before,
        fte_during, fte_change, hours_before, hours_during, fte_per_100_before,
        fte_per_100_during, minimum_fte, below_minimum`` (``below_minimum`` is missing where the
        function is not deployed or no minimum is set).
    per_school
        One row per school with the JOS functions summed (not-deployed functions count as
        nothing): ``school_id, pupils, fte_before, fte_during, fte_change, hours_before,
        hours_during, fte_per_100_before, fte_per_100_during, n_below_minimum``.
    spread
        Spread across schools per function and for the total (``function == "totaal"``):
        ``function, measure, n_schools, min, max, mean, cv``. The coefficient of variation is
        the population standard deviation (``ddof=0``: the schools are the whole group
        described, not a sample) divided by the mean.
    hours_per_fte
        Hours per week of one FTE used for the hour columns.
    minimum_fte
        Minimum FTE per function used for the flags (empty: no check).
    """

    table: pd.DataFrame
    per_school: pd.DataFrame
    spread: pd.DataFrame
    hours_per_fte: float
    minimum_fte: dict[str, float] = field(default_factory=dict)

    @property
    def below_minimum(self) -> pd.DataFrame:
        """The school-function rows under the configured minimum."""
        return self.table[self.table["below_minimum"].fillna(False).astype(bool)].reset_index(drop=True)

    def to_report(self, names: Mapping[str, str] | None = None, *, which: str = "table") -> pd.DataFrame:
        """A copy of one table with Dutch headers, ready for :mod:`josanalysis.privacy.suppression`.

        Parameters
        ----------
        names
            Optional school names by ``school_id``; added as column ``school``.
        which
            ``"table"``, ``"per_school"`` or ``"spread"``.
        """
        if which not in {"table", "per_school", "spread"}:
            raise ConfigError(f"which is {which!r}; expected 'table', 'per_school' or 'spread'.")
        df = getattr(self, which).copy()
        if which == "spread":
            df["measure"] = df["measure"].map(_MEASURE_LABELS).fillna(df["measure"])
        else:
            if names is not None:
                df.insert(1, "school", df["school_id"].map(dict(names)))
            if "deployed" in df:
                df["deployed"] = df["deployed"].map({True: "ja", False: "n.v.t."})
            if "below_minimum" in df:
                df["below_minimum"] = df["below_minimum"].map({True: "ja", False: "nee"}).fillna("")
        return df.rename(columns=DUTCH_HEADERS)


def _validate_fte(fte: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(fte, pd.DataFrame):
        raise ConfigError("fte should be a DataFrame with school_id, function, fte_before, fte_during, deployed.")
    missing = [c for c in _REQUIRED if c not in fte.columns]
    if missing:
        raise DataError(f"the FTE table lacks column(s) {', '.join(missing)} "
                        f"(expected {', '.join(_REQUIRED)}, deployed).")
    df = fte.copy()
    df["school_id"] = df["school_id"].astype(str)
    df["function"] = df["function"].astype(str)
    unknown = sorted(set(df["function"]) - set(FUNCTIONS))
    if unknown:
        raise DataError(f"unknown function(s) {', '.join(unknown)}; expected one of {', '.join(FUNCTIONS)}.",
                        column="function")
    dup = df.duplicated(["school_id", "function"])
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2).tolist()
        raise DataError("a school and function occur more than once.", rows=rows, column="function")
    for col in ("fte_before", "fte_during"):
        values = pd.to_numeric(df[col], errors="coerce")
        text = df[col].notna() & values.isna()
        if text.any():
            raise DataError(f"'{col}' holds text that is not a number.", rows=(np.flatnonzero(text.to_numpy()) + 2).tolist(),
                            column=col)
        if (values < 0).any():
            raise DataError(f"'{col}' is negative.", rows=(np.flatnonzero((values < 0).to_numpy()) + 2).tolist(), column=col)
        df[col] = values.astype("float64")
    if "deployed" not in df.columns:
        df["deployed"] = df["fte_during"].notna()
    df["deployed"] = df["deployed"].fillna(False).astype(bool)
    return df


def capacity_table(
    fte: pd.DataFrame,
    pupils: pd.Series | pd.DataFrame | Mapping[str, float],
    *,
    hours_per_fte: float = 36.0,
    minimum_fte: Mapping[str, float] | None = None,
) -> CapacityResult:
    """FTE per function before/during JOS, per 100 pupils, in hours, with minimum flags and spread.

    Parameters
    ----------
    fte
        One row per school and function: ``school_id, function`` (GW, JGC, PAJ),
        ``fte_before, fte_during`` (FTE, missing where not deployed) and ``deployed`` (bool;
        derived from ``fte_during`` when absent). See :func:`fte_from_region`.
    pupils
        Pupils per school: a Series indexed by ``school_id``, a DataFrame with ``school_id`` and
        ``pupils``, or a mapping. Schools without a count get missing FTE per 100 pupils.
    hours_per_fte
        Working hours per week of one FTE (Bijlage 5 uses 1 fte = 36 uur).
    minimum_fte
        Minimum FTE per function during JOS (for example ``{"PAJ": 0.5}``); a deployed function
        below it is flagged. Functions not named are not checked. The Oberon report says a
        minimum is needed but gives no number, so any value is an assumption of the region.

    Returns
    -------
    CapacityResult

    Raises
    ------
    DataError
        Missing columns, unknown functions, duplicated school-function rows, negative or
        non-numeric FTE, negative pupil counts.
    ConfigError
        A non-positive ``hours_per_fte`` or an unknown function / negative value in
        ``minimum_fte``.

    Examples
    --------
    >>> import pandas as pd
    >>> fte = pd.DataFrame({"school_id": ["A", "A"], "function": ["GW", "PAJ"],
    ...                     "fte_before": [0.0, None], "fte_during": [0.11, None],
    ...                     "deployed": [True, False]})
    >>> res = capacity_table(fte, {"A": 1000}, minimum_fte={"GW": 0.2})
    >>> res.table["hours_during"].tolist()
    [4.0, nan]
    >>> res.below_minimum["function"].tolist()
    ['GW']
    """
    minimum = _checked_options(hours_per_fte, minimum_fte)
    pup = pupils_series(pupils)
    table = _function_table(_validate_fte(fte), pup, hours_per_fte, minimum)
    per_school = _school_table(table, hours_per_fte)
    return CapacityResult(table=table, per_school=per_school, spread=_spread_table(table, per_school),
                          hours_per_fte=float(hours_per_fte), minimum_fte=minimum)


def _checked_options(hours_per_fte: float, minimum_fte: Mapping[str, float] | None) -> dict[str, float]:
    """The minimum per function, after checking it and the hours per FTE."""
    if not isinstance(hours_per_fte, (int, float)) or not hours_per_fte > 0:
        raise ConfigError(f"hours_per_fte is {hours_per_fte!r}; expected a positive number of hours per week.")
    minimum = dict(minimum_fte or {})
    for func, value in minimum.items():
        if func not in FUNCTIONS:
            raise ConfigError(f"minimum_fte names function {func!r}; expected one of {', '.join(FUNCTIONS)}.")
        if not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"minimum_fte[{func!r}] is {value!r}; expected an FTE >= 0.")
    return minimum


def _function_table(df: pd.DataFrame, pup: pd.Series, hours_per_fte: float,
                    minimum: dict[str, float]) -> pd.DataFrame:
    """One row per school and function: hours, FTE per 100 pupils and the minimum flag."""
    df["pupils"] = df["school_id"].map(pup)
    df["fte_change"] = df["fte_during"] - df["fte_before"]
    df["hours_before"] = (df["fte_before"] * hours_per_fte).round(1)
    df["hours_during"] = (df["fte_during"] * hours_per_fte).round(1)
    df["fte_per_100_before"] = fte_per_100_pupils(df["fte_before"], df["pupils"])
    df["fte_per_100_during"] = fte_per_100_pupils(df["fte_during"], df["pupils"])
    df["minimum_fte"] = df["function"].map(minimum).astype("float64")
    flag = pd.Series(pd.NA, index=df.index, dtype="boolean")
    check = df["deployed"] & df["minimum_fte"].notna() & df["fte_during"].notna()
    flag[check] = (df.loc[check, "fte_during"] < df.loc[check, "minimum_fte"] - 1e-12).to_numpy()
    df["below_minimum"] = flag
    order = {f: i for i, f in enumerate(FUNCTIONS)}
    school_order = {s: i for i, s in enumerate(dict.fromkeys(df["school_id"]))}
    df = df.sort_values(["school_id", "function"], key=lambda c: c.map(school_order if c.name == "school_id" else order))
    return df[["school_id", "function", "deployed", "pupils", "fte_before", "fte_during", "fte_change",
               "hours_before", "hours_during", "fte_per_100_before", "fte_per_100_during",
               "minimum_fte", "below_minimum"]].reset_index(drop=True)


def _school_table(table: pd.DataFrame, hours_per_fte: float) -> pd.DataFrame:
    """One row per school, the JOS functions summed (not-deployed functions count as nothing)."""
    grouped = table.groupby("school_id", sort=False)
    per_school = pd.DataFrame({
        "pupils": grouped["pupils"].first(),
        "fte_before": grouped["fte_before"].sum(min_count=1),
        "fte_during": grouped["fte_during"].sum(min_count=1),
        "n_below_minimum": grouped["below_minimum"].sum(),
    })
    per_school["fte_change"] = per_school["fte_during"] - per_school["fte_before"]
    per_school["hours_before"] = (per_school["fte_before"] * hours_per_fte).round(1)
    per_school["hours_during"] = (per_school["fte_during"] * hours_per_fte).round(1)
    per_school["fte_per_100_before"] = fte_per_100_pupils(per_school["fte_before"], per_school["pupils"])
    per_school["fte_per_100_during"] = fte_per_100_pupils(per_school["fte_during"], per_school["pupils"])
    per_school["n_below_minimum"] = per_school["n_below_minimum"].astype("int64")
    return per_school.reset_index()[["school_id", "pupils", "fte_before", "fte_during", "fte_change",
                                     "hours_before", "hours_during", "fte_per_100_before",
                                     "fte_per_100_during", "n_below_minimum"]]


def _spread_table(table: pd.DataFrame, per_school: pd.DataFrame) -> pd.DataFrame:
    """Spread across schools per deployed function and for the total."""
    rows = []
    for func, sub in list(table.groupby("function", sort=False)) + [("totaal", per_school)]:
        sub = sub if func == "totaal" else sub[sub["deployed"]]
        for measure in ("fte_during", "fte_per_100_during"):
            rows.append({"function": func, "measure": measure, **_spread(sub[measure])})
    return pd.DataFrame(rows, columns=["function", "measure", "n_schools", "min", "max", "mean", "cv"])


def _spread(values: pd.Series) -> dict[str, float]:
    v = values.dropna().astype("float64")
    if v.empty:
        return {"n_schools": 0, "min": np.nan, "max": np.nan, "mean": np.nan, "cv": np.nan}
    mean = float(v.mean())
    cv = float(v.std(ddof=0) / mean) if mean > 0 else np.nan
    return {"n_schools": int(v.size), "min": float(v.min()), "max": float(v.max()), "mean": mean, "cv": cv}


def fte_from_region(region: Region, *, jos_only: bool = True) -> pd.DataFrame:
    """The FTE table of a region's schools, from ``fte.before`` / ``fte.during`` in their YAML.

    Parameters
    ----------
    region
        A :class:`josanalysis.core.config.Region`.
    jos_only
        Only schools that start JOS (default). Comparison schools seldom have FTE recorded.

    Returns
    -------
    pandas.DataFrame
        ``school_id, function, fte_before, fte_during, deployed``; one row per function that the
        school's YAML names. ``null`` during JOS ("n.v.t.", FTE missing) or 0 FTE during JOS gives
        ``deployed = False``, as :func:`josanalysis.sources.load_capacity` does. Schools whose YAML
        records no FTE at all are left out.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> fte = fte_from_region(load_region("regio-alkmaar"))           # doctest: +SKIP
    >>> fte.query("school_id == '08UV00'")["fte_during"].tolist()      # doctest: +SKIP
    [0.165, 0.16, 1.0]
    """
    rows = []
    for school in region.schools:
        if jos_only and not school.is_jos:
            continue
        for func in FUNCTIONS:
            if func not in school.fte_before and func not in school.fte_during:
                continue
            before = school.fte_before.get(func)
            during = school.fte_during.get(func)
            rows.append({
                "school_id": school.school_id,
                "function": func,
                "fte_before": np.nan if before is None else float(before),
                "fte_during": np.nan if during is None else float(during),
                "deployed": during is not None and during > 0,
            })
    return pd.DataFrame(rows, columns=["school_id", "function", "fte_before", "fte_during", "deployed"]).astype(
        {"fte_before": "float64", "fte_during": "float64", "deployed": "bool"})


def minimum_fte_from_region(region: Region) -> tuple[dict[str, float], float]:
    """Minimum FTE per function and hours per FTE from the region YAML's ``capacity:`` block.

    Returns ``({}, 36.0)`` when the region has no ``capacity:`` block.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> minimum_fte_from_region(load_region("regio-alkmaar"))      # doctest: +SKIP
    ({'GW': 0.1, 'JGC': 0.2, 'PAJ': 0.5}, 36.0)
    """
    block = region.extra.get("capacity") or {}
    if not isinstance(block, dict):
        raise ConfigError(f"{region.path.name}: key 'capacity' should be a mapping.")
    minimum = block.get("minimum_fte") or {}
    if not isinstance(minimum, dict):
        raise ConfigError(f"{region.path.name}: 'capacity.minimum_fte' should map functions to FTE.")
    for func, value in minimum.items():
        if func not in FUNCTIONS or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{region.path.name}: 'capacity.minimum_fte.{func}' is {value!r}; "
                              f"expected a function in {', '.join(FUNCTIONS)} with FTE >= 0.")
    hours = block.get("hours_per_fte", 36.0)
    if not isinstance(hours, (int, float)) or hours <= 0:
        raise ConfigError(f"{region.path.name}: 'capacity.hours_per_fte' is {hours!r}; expected hours > 0.")
    return {str(k): float(v) for k, v in minimum.items()}, float(hours)


def capacity_assumptions_text(region: Region) -> str:
    """The capacity assumptions of a region in Dutch (minimum per function, hours per FTE).

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> capacity_assumptions_text(load_region("demoregio"))[:32]    # doctest: +SKIP
    'Er is geen minimum per functie i'
    """
    minimum, hours = minimum_fte_from_region(region)
    block = region.extra.get("capacity") or {}
    if minimum:
        parts = ", ".join(f"{f} {nl.number(v, 2)} fte (± {nl.number(v * hours, 0)} uur/week)"
                          for f, v in minimum.items())
        text = (f"Minimum per functie (aanname in de parameters van de regio): {parts}. "
                f"Uren per week = fte × {nl.number(hours, 1)}.")
    else:
        text = (f"De regio heeft geen minimale inzet per functie opgegeven, dus er wordt geen school gemarkeerd. "
                f"Uren per week = fte × {nl.number(hours, 1)}.")
    notes = str(block.get("notes") or "").strip() if isinstance(block, dict) else ""
    return f"{text} {notes}".strip()
