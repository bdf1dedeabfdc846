"""The event-study panel: checked rows, each school's start, and event time in years."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.methods.its import window_indicator

__all__ = ["NEVER", "EventPanel", "prepare_panel", "school_starts"]

NEVER = -1000  # event-year code of never-treated school-months (reference, not reported)


@dataclass(frozen=True)
class EventPanel:
    """The rows of an event study, sorted by school and month.

    Attributes
    ----------
    df
        Columns ``unit``, ``time``, the outcome, and ``_y`` (outcome as float), ``_start``,
        ``_treat`` (1 from the school's start on), ``_rel`` (years since the start; early
        leads and never-treated rows coded :data:`NEVER`) and ``_period`` (month number).
    unit, time
        The column names of school and month.
    starts
        Start per school (NaT: never treated within the data).
    units
        The schools, in order of appearance.
    single
        Schools left out because they have one point only: their own fixed effect absorbs it, so
        they carry no information (and pyfixest's first stage would drop them unannounced).
    """

    df: pd.DataFrame
    unit: str
    time: str
    starts: pd.Series
    units: np.ndarray
    single: tuple[str, ...] = ()

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_never(self) -> int:
        return int(self.starts.isna().sum())

    @property
    def n_treated(self) -> int:
        return int(self.starts.notna().sum())

    @property
    def untreated(self) -> np.ndarray:
        return self.df["_treat"].to_numpy() == 0


def _month_index(ts: pd.Series) -> pd.Series:
    return ts.dt.year * 12 + ts.dt.month


def school_starts(panel: pd.DataFrame, unit: str, start: str | Mapping[Any, Any]) -> pd.Series:
    """Each school's start date from a start column or a mapping school -> date (None = never).

    Raises
    ------
    DataError
        The start column is missing or differs within a school.
    ConfigError
        A mapping without an entry for every school, or values that are not dates.
    """
    if isinstance(start, str):
        if start not in panel.columns:
            raise DataError(f"panel has no start column '{start}'.", column=start)
        per_unit = panel.groupby(unit, sort=False)[start].nunique(dropna=False)
        bad = per_unit[per_unit > 1]
        if len(bad):
            raise DataError(
                f"the start date must be the same in every row of a school; it differs for "
                f"{', '.join(map(str, bad.index[:5]))}.",
                column=start,
            )
        s = panel.groupby(unit, sort=False)[start].first()
    elif isinstance(start, Mapping):
        s = pd.Series(dict(start))
        missing = set(panel[unit].unique()) - set(s.index)
        if missing:
            raise ConfigError(f"start has no entry for school(s) {', '.join(map(str, sorted(missing)))}; use None for never.")
    else:
        raise ConfigError("start must be a column name or a mapping school -> start date (None = never).")
    try:
        return pd.to_datetime(s, errors="raise")
    except (TypeError, ValueError):
        raise ConfigError("start values must be dates (or empty/None for schools that never start).") from None


def prepare_panel(panel: pd.DataFrame, outcome: str, *, unit: str, time: str, start: str | Mapping[Any, Any],
                  exclude: Any, max_lead: int, max_lag: int | None) -> EventPanel:
    """Check the panel and code event time (arguments as for ``event_study``).

    Raises
    ------
    DataError
        Missing columns, non-date months, missing outcomes, duplicate school-months, fewer than
        3 schools, no school that starts, a school without months before its start, or a month
        without an untreated school.
    ConfigError
        Bad starts.
    """
    for col in (outcome, unit, time):
        if col not in panel.columns:
            raise DataError(f"panel has no column '{col}'.", column=col)
    if not pd.api.types.is_datetime64_any_dtype(panel[time]):
        raise DataError(f"time column '{time}' must hold month dates.", column=time)
    starts = school_starts(panel, unit, start)
    df = _checked_rows(panel, outcome, unit, time, exclude)
    counts = df[unit].value_counts()
    single = tuple(str(u) for u in counts.index[counts < 2])
    df = df[~df[unit].isin(counts.index[counts < 2])].reset_index(drop=True)
    last = df[time].max()
    st = starts.reindex(df[unit].unique())
    st = st.where(st <= last)  # starts after the data: never treated within the data
    df["_start"] = df[unit].map(st)
    _code_event_time(df, time, max_lead, max_lag)
    ep = EventPanel(df=df, unit=unit, time=time, starts=st, units=df[unit].unique(), single=single)
    _check_support(ep)
    return ep


def _checked_rows(panel: pd.DataFrame, outcome: str, unit: str, time: str, exclude: Any) -> pd.DataFrame:
    """The rows used (exclusions applied), sorted, with the outcome as float ``_y``."""
    df = panel[[unit, time, outcome]].copy()
    if exclude is not None:
        if isinstance(exclude, str):
            mask = panel[exclude].fillna(False).to_numpy(dtype=bool)
        else:
            mask = window_indicator(panel[time], exclude).to_numpy(dtype=bool)
        df = df.loc[~mask]
    y = pd.to_numeric(df[outcome], errors="coerce")
    if y.isna().any():
        raise DataError(f"outcome '{outcome}' has missing or non-numeric values in {int(y.isna().sum())} rows.", column=outcome)
    dup = df.duplicated([unit, time])
    if dup.any():
        raise DataError(f"{int(dup.sum())} duplicate school-month rows (each school once per month).", column=time)
    df = df.sort_values([unit, time]).reset_index(drop=True)
    df["_y"] = pd.to_numeric(df[outcome]).to_numpy(dtype=float)
    return df


def _code_event_time(df: pd.DataFrame, time: str, max_lead: int, max_lag: int | None) -> None:
    """Add ``_treat``, ``_rel`` (years since start, binned) and ``_period`` to ``df``."""
    mi = _month_index(df[time])
    si = _month_index(df["_start"])
    df["_treat"] = (df[time] >= df["_start"]).fillna(False).astype(int)
    rel = np.floor((mi - si) / 12.0)  # NaN for never-treated schools
    if max_lag is not None:
        # later years into the last bin; clip keeps the NaN of never-treated rows (a ``where``
        # on ``rel <= max_lag`` put them into the last bin, as if they had been treated)
        rel = rel.clip(upper=max_lag)
    rel = rel.where(~(rel < -max_lead), NEVER)  # early leads: part of the reference
    df["_rel"] = rel.fillna(NEVER).astype(int)
    df["_period"] = mi.astype(int)


def _check_support(ep: EventPanel) -> None:
    """Enough schools, a school that starts, and untreated rows for every school and month."""
    df, unit = ep.df, ep.unit
    if ep.n_units < 3:
        raise DataError(f"an event study needs at least 3 schools; got {ep.n_units}.")
    if ep.n_treated == 0:
        raise DataError("no school starts within the data: there is no effect to estimate.")
    untreated = ep.untreated
    per_unit_untreated = df.loc[untreated].groupby(unit).size().reindex(ep.units, fill_value=0)
    no_pre = per_unit_untreated[per_unit_untreated == 0]
    if len(no_pre):
        raise DataError(
            f"school(s) {', '.join(map(str, no_pre.index))} have no months before their start; "
            "their untreated level cannot be estimated (drop them or add earlier months)."
        )
    lacking = sorted(set(df["_period"]) - set(df.loc[untreated, "_period"]))
    if lacking:
        raise DataError(
            f"{len(lacking)} month(s) have no untreated school (no never- or not-yet-treated "
            "comparison), so the common month effect cannot be estimated.",
            column=ep.time,
        )
