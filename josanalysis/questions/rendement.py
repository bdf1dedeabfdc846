"""The return ("rendement") of JOS: a fixed indicator set per school and region, with trends.

The Holland Rijnland factsheet (DSP-groep/Oberon, advice 3 "Breng het rendement beter in
beeld") asks regions to follow, year after year, a fixed set of quantitative and qualitative
indicators: thuiszitters, in-, door- and uitstroom of pupils, fewer procedures and less
administrative burden, staff sick leave, teacher shortage and turnover, job satisfaction, and
the help pupils receive outside school.
:data:`josanalysis.core.indicators.RENDEMENT_INDICATORS` (the one indicator registry) fixes that
set (keys, Dutch labels, units, expected direction and the file that supplies each); the care
provider's registration adds trajectories by type per 100 pupils, referrals to the second line,
outflow, satisfaction and relapse (:mod:`josanalysis.questions.provider`). The protected report
tables are made in :mod:`josanalysis.questions.rendement_tables`.

Inputs are canonical frames, never raw files:

* the long indicator frame ``[school_id, school_year, indicator, value]`` (build it with
  :func:`long_from_frame` from the data layer's frames, or read the schools' own
  ``rendement/rendement-indicatoren.csv`` through the data layer);
* the provider summary ``[school_id, school_year, n_<type>..., share_referred_second_line,
  share_stayed, share_dropped_out, mean_satisfaction, n_monitor, n_relapse]``.

A missing source is not an error: :func:`josanalysis.questions.missing.missing_source_message`
gives the Dutch sentence that
names the file to supply, and :class:`RendementResult` lists such sentences per indicator.

Trends are descriptive: the change between the first and last school year with data and the
slope per year; no significance and no attribution (the ITS modules and the caveats do that).

Examples
--------
>>> import pandas as pd
>>> long = pd.DataFrame({"school_id": "A", "school_year": ["2021-2022", "2022-2023", "2023-2024"],
...                      "indicator": "thuiszitters", "value": [12.0, 10.0, 8.0]})
>>> res = rendement_table(long)
>>> res.per_school.loc[0, ["direction", "as_expected"]].tolist()
['daalt', 'ja']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.config import Region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.indicators import RENDEMENT_BY_KEY
from josanalysis.core.schoolcalendar import school_year_of
from josanalysis.questions.missing import missing_source_message

__all__ = [
    "RendementResult",
    "rendement_table",
    "long_from_frame",
    "qualitative_notes",
    "DUTCH_HEADERS",
]


_DIRECTION_WORD = {1: "stijgt", -1: "daalt", 0: "gelijk"}

#: Dutch headers for report tables.
DUTCH_HEADERS: dict[str, str] = {
    "school_id": "vestiging",
    "school": "school",
    "indicator": "indicator",
    "label": "indicator",
    "unit": "eenheid",
    "expected": "verwachte richting",
    "n_years": "aantal jaren",
    "first_year": "eerste jaar",
    "last_year": "laatste jaar",
    "change": "verschil",
    "slope_per_year": "trend per jaar",
    "direction": "richting",
    "as_expected": "in verwachte richting",
    "n_schools": "aantal scholen",
    "school_year": "schooljaar",
    "pupils": "leerlingen",
    "n_trajectories": "trajecten totaal",
    "trajectories_per_100": "alle trajecten per 100 lln",
    "share_referred_second_line": "verwezen tweede lijn (%)",
    "share_stayed": "op school gebleven (%)",
    "share_dropped_out": "uitgevallen (%)",
    "mean_satisfaction": "tevredenheid (gem.)",
    "n_monitor": "monitortrajecten",
    "n_closed": "afgesloten trajecten",
    "n_satisfaction": "ingevulde vragenlijsten",
    "n_relapse": "terugval",
    "relapse_pct": "terugval (% van monitortrajecten)",
}

_EXPECTED_WORD = {"down": "omlaag", "up": "omhoog", None: "–"}


@dataclass(frozen=True)
class RendementResult:
    """The return panel.

    Attributes
    ----------
    per_school
        One row per school and indicator: ``school_id, indicator, label, unit, expected``, one
        column per school year, then ``n_years, first_year, last_year, change, slope_per_year,
        direction, as_expected``.
    region
        The same per indicator for the region: counts summed over the schools that report
        (``n_schools`` per year in ``region_coverage``), rates and scores averaged unweighted.
        The region's trend columns use only the school years in which every school that reports
        the indicator at all does so (a sum over fewer schools is no trend).
    region_coverage
        Schools reporting per indicator and school year.
    missing
        Dutch sentence per indicator without any data, naming the file to supply.
    school_years
        The school-year columns, in order.
    """

    per_school: pd.DataFrame
    region: pd.DataFrame
    region_coverage: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)
    school_years: tuple[str, ...] = ()

    def count_columns(self) -> list[str]:
        """School-year columns (they hold pupil counts for ``kind == "count"`` rows)."""
        return list(self.school_years)


def long_from_frame(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    school_column: str = "school_id",
    period_column: str = "school_year",
    agg: str = "sum",
) -> pd.DataFrame:
    """Turn a canonical frame of the data layer into the long indicator frame.

    Parameters
    ----------
    frame
        For example the monthly thuiszitters stock ``[school_id, month, thuiszitters]`` or the
        municipality's youth care per school and school year.
    columns
        ``{indicator key: column in frame}``; several columns summed into one indicator can be
        given as ``"col_a+col_b"``.
    school_column, period_column
        Where the school id and the period are. A period that is a date (a month) is mapped to
        its school year (1 August - 31 July).
    agg
        How values within a school year are combined: ``"sum"``, ``"mean"`` (e.g. the mean
        monthly stock of thuiszitters) or ``"last"``.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, indicator, value``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"school_id": "A", "month": pd.to_datetime(["2022-09-01", "2022-10-01"]),
    ...                   "thuiszitters": [4, 6]})
    >>> long_from_frame(m, {"thuiszitters": "thuiszitters"}, period_column="month", agg="mean")["value"].tolist()
    [5.0]
    """
    if agg not in {"sum", "mean", "last"}:
        raise ConfigError(f"agg is {agg!r}; expected 'sum', 'mean' or 'last'.")
    for col in (school_column, period_column):
        if col not in frame.columns:
            raise DataError(f"the frame has no column '{col}' (columns: {', '.join(map(str, frame.columns))}).")
    unknown = [k for k in columns if k not in RENDEMENT_BY_KEY]
    if unknown:
        raise ConfigError(f"unknown return indicator(s) {', '.join(unknown)}; known: {', '.join(RENDEMENT_BY_KEY)}.")
    period = frame[period_column]
    if pd.api.types.is_datetime64_any_dtype(period):
        years = period.map(lambda d: school_year_of(d) if pd.notna(d) else None)
    else:
        years = period.astype(str)
    parts = []
    for key, spec_ in columns.items():
        cols = [c.strip() for c in spec_.split("+")]
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise DataError(f"indicator '{key}' needs column(s) {', '.join(absent)}, absent from the frame.")
        vals = sum((pd.to_numeric(frame[c], errors="coerce").astype("float64") for c in cols),
                   start=pd.Series(0.0, index=frame.index))
        # a value is missing when any part is missing (e.g. suppressed)
        anymissing = np.logical_or.reduce([frame[c].isna().to_numpy() for c in cols])
        vals = vals.mask(anymissing)
        d = pd.DataFrame({"school_id": frame[school_column].astype(str), "school_year": years, "value": vals})
        g = d.groupby(["school_id", "school_year"], sort=True)["value"]
        v = {"sum": g.sum(min_count=1), "mean": g.mean(), "last": g.last()}[agg]
        v = v.reset_index()
        v.insert(2, "indicator", key)
        parts.append(v)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["school_id", "school_year", "indicator", "value"])


def _trend(row: pd.Series, years: list[str], expected: str | None) -> dict[str, Any]:
    vals = pd.to_numeric(row[years], errors="coerce").astype("float64")
    have = vals.dropna()
    out: dict[str, Any] = {"n_years": int(have.size), "first_year": None, "last_year": None, "change": np.nan,
                           "slope_per_year": np.nan, "direction": "–", "as_expected": "–"}
    if have.size == 0:
        return out
    out["first_year"], out["last_year"] = have.index[0], have.index[-1]
    if have.size < 2:
        return out
    change = round(float(have.iloc[-1] - have.iloc[0]), 10)
    x = np.array([int(str(y)[:4]) for y in have.index], dtype=float)
    slope = float(np.polyfit(x, have.to_numpy(), 1)[0]) if have.size >= 3 else change / (x[-1] - x[0])
    slope = round(slope, 10)
    sign = int(np.sign(round(change, 10)))
    out.update(change=change, slope_per_year=slope, direction=_DIRECTION_WORD[sign])
    if expected is not None and sign != 0:
        out["as_expected"] = "ja" if (sign < 0) == (expected == "down") else "nee"
    return out


def rendement_table(
    long: pd.DataFrame | None,
    *,
    schools: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    data_dir: str | Path | None = None,
) -> RendementResult:
    """The return panel per school and for the region, with descriptive trends.

    Parameters
    ----------
    long
        ``school_id, school_year, indicator, value`` (indicator keys of
        :data:`RENDEMENT_INDICATORS`); ``None`` or empty when no source is available.
    schools
        Limit to these schools (default: all in ``long``).
    indicators
        Indicator keys to show (default: the whole fixed set).
    data_dir
        The region's data folder, for the "supply this file" sentences.

    Returns
    -------
    RendementResult
        Indicators without data appear in ``missing`` with the file to supply, not as errors.

    Raises
    ------
    DataError
        Missing columns, unknown indicator keys, non-numeric values, duplicated school-year
        rows for an indicator.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"school_id": "A", "school_year": ["2022-2023", "2023-2024"],
    ...                      "indicator": "werkplezier", "value": [6.8, 7.2]})
    >>> rendement_table(long).per_school["as_expected"].tolist()
    ['ja']
    """
    keys = list(indicators) if indicators is not None else list(RENDEMENT_BY_KEY)
    unknown = [k for k in keys if k not in RENDEMENT_BY_KEY]
    if unknown:
        raise ConfigError(f"unknown return indicator(s) {', '.join(unknown)}; known: {', '.join(RENDEMENT_BY_KEY)}.")
    df = _validated_long(long)
    if schools is not None:
        df = df[df["school_id"].isin([str(s) for s in schools])]
    df = df[df["indicator"].isin(keys)]
    years = sorted(df["school_year"].unique())

    missing = {}
    for k in keys:
        if not (df["indicator"] == k).any() or df.loc[df["indicator"] == k, "value"].isna().all():
            ind = RENDEMENT_BY_KEY[k]
            missing[k] = missing_source_message(ind.source, data_dir, what=f"'{ind.label}'")

    meta_cols = ["indicator", "label", "unit", "expected"]
    trend_cols = ["n_years", "first_year", "last_year", "change", "slope_per_year", "direction", "as_expected"]
    if df.empty:
        empty = pd.DataFrame(columns=["school_id", *meta_cols, *trend_cols])
        return RendementResult(empty, empty.drop(columns="school_id"), pd.DataFrame(), missing, ())

    wide = df.pivot_table(index=["school_id", "indicator"], columns="school_year", values="value",
                          aggfunc="first", dropna=False).reindex(columns=years)
    wide.columns.name = None
    wide = wide.reset_index()
    order = {k: i for i, k in enumerate(keys)}
    wide = wide.sort_values(["school_id", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c)
    per_school = _decorate(wide, years)
    region, coverage = _region_rows(df, keys, years)
    return RendementResult(per_school.reset_index(drop=True), region.reset_index(drop=True), coverage, missing,
                           tuple(years))


def _validated_long(long: pd.DataFrame | None) -> pd.DataFrame:
    """The long frame with string keys and float values, checked (no unknown keys, no duplicates)."""
    if long is None:
        long = pd.DataFrame(columns=["school_id", "school_year", "indicator", "value"])
    need = ["school_id", "school_year", "indicator", "value"]
    missing_cols = [c for c in need if c not in long.columns]
    if missing_cols:
        raise DataError(f"the return indicator table lacks column(s) {', '.join(missing_cols)} "
                        f"(expected {', '.join(need)}).")
    df = long[need].copy()
    df["school_id"] = df["school_id"].astype(str)
    df["school_year"] = df["school_year"].astype(str)
    df["indicator"] = df["indicator"].astype(str)
    bad_keys = sorted(set(df["indicator"]) - set(RENDEMENT_BY_KEY))
    if bad_keys:
        raise DataError(f"unknown indicator(s) {', '.join(bad_keys)}; expected keys of the fixed return set "
                        f"({', '.join(RENDEMENT_BY_KEY)}).", column="indicator")
    values = pd.to_numeric(df["value"], errors="coerce")
    text = df["value"].notna() & values.isna()
    if text.any():
        raise DataError("a value is not a number.", rows=(np.flatnonzero(text.to_numpy()) + 2).tolist(), column="value")
    df["value"] = values.astype("float64")
    dup = df.duplicated(["school_id", "school_year", "indicator"])
    if dup.any():
        raise DataError("a school, school year and indicator occur more than once.",
                        rows=(np.flatnonzero(dup.to_numpy()) + 2).tolist())
    return df


def _region_rows(df: pd.DataFrame, keys: list[str], years: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The region per indicator (counts summed, rates and scores averaged) and its coverage."""
    rows, cover, trend_rows = [], [], []
    for k in keys:
        sub = df[(df["indicator"] == k) & df["value"].notna()]
        if sub.empty:
            continue
        g = sub.groupby("school_year")["value"]
        agg = g.sum() if RENDEMENT_BY_KEY[k].kind == "count" else g.mean()
        n = g.size()
        rows.append({"indicator": k, **{y: agg.get(y, np.nan) for y in years}})
        cover.append({"indicator": k, **{y: int(n.get(y, 0)) for y in years}})
        # the region's trend uses only the years in which all schools that ever report do so
        full = {y: (agg.get(y, np.nan) if n.get(y, 0) == sub["school_id"].nunique() else np.nan) for y in years}
        trend_rows.append({"indicator": k, **full})
    region = _decorate(pd.DataFrame(rows, columns=["indicator", *years]), years,
                       trend_from=pd.DataFrame(trend_rows, columns=["indicator", *years]))
    return region, pd.DataFrame(cover, columns=["indicator", *years])


def _decorate(wide: pd.DataFrame, years: list[str], trend_from: pd.DataFrame | None = None) -> pd.DataFrame:
    wide = wide.copy()
    basis = wide if trend_from is None else trend_from.set_index(wide.index)
    wide["label"] = wide["indicator"].map(lambda k: RENDEMENT_BY_KEY[k].label)
    wide["unit"] = wide["indicator"].map(lambda k: RENDEMENT_BY_KEY[k].unit)
    wide["expected"] = wide["indicator"].map(lambda k: _EXPECTED_WORD[RENDEMENT_BY_KEY[k].expected])
    trends = pd.DataFrame([_trend(r, years, RENDEMENT_BY_KEY[r["indicator"]].expected) for _, r in basis.iterrows()],
                          index=wide.index, columns=["n_years", "first_year", "last_year", "change",
                                                     "slope_per_year", "direction", "as_expected"])
    lead = [c for c in ("school_id",) if c in wide.columns]
    return pd.concat([wide[lead + ["indicator", "label", "unit", "expected"] + years], trends], axis=1)


def qualitative_notes(region: Region, keys: Iterable[str] | None = None) -> pd.DataFrame:
    """The qualitative notes ("het verhaal bij de cijfers") for the return indicators.

    Parameters
    ----------
    region
        The region; notes come from ``notes.indicators`` in the region and school YAML files.
    keys
        Indicator keys (default: the fixed return set plus ``"capaciteit"``, ``"budget"`` and
        ``"herkomst"``).

    Returns
    -------
    pandas.DataFrame
        ``niveau, school, indicator, toelichting`` (Dutch headers); empty when none are given.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> qualitative_notes(load_region("regio-alkmaar"))["indicator"].tolist()   # doctest: +SKIP
    ['Capaciteit (fte)']
    """
    keys = list(keys) if keys is not None else [*(RENDEMENT_BY_KEY), "capaciteit", "budget", "herkomst", "aanbieder"]
    rows = []
    for k, text in region.indicator_notes.items():
        if k in keys and text:
            rows.append({"niveau": "regio", "school": region.name, "indicator": _label(k), "toelichting": text})
    for s in region.schools:
        for k, text in s.indicator_notes.items():
            if k in keys and text:
                rows.append({"niveau": "school", "school": s.name, "indicator": _label(k), "toelichting": text})
    return pd.DataFrame(rows, columns=["niveau", "school", "indicator", "toelichting"])


def _label(key: str) -> str:
    extra = {"capaciteit": "Capaciteit (fte)", "budget": "ZiO-budget", "herkomst": "Leerlingen van buiten de regio",
             "aanbieder": "Registratie aanbieder"}
    return RENDEMENT_BY_KEY[key].label if key in RENDEMENT_BY_KEY else extra.get(key, key)


