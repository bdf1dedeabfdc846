"""Checks of one series before an ITS fit, and the validated series they produce.

:func:`validate_series` turns a data frame, its column roles and an :class:`ItsSpec` into a
:class:`ValidatedSeries` (numbers the design and the fit can use), or raises a sentence that
names the rows and the column at fault (spreadsheet row numbers: the header is row 1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.schoolcalendar import in_windows
from josanalysis.methods.its.spec import ItsSpec

__all__ = ["ValidatedSeries", "at_start", "validate_series", "align_comparison", "exclusion_mask", "window_indicator"]


@dataclass(frozen=True)
class ValidatedSeries:
    """A validated series: everything the design and the fit need, in the original row order.

    Attributes
    ----------
    y
        The outcome (NaN only in excluded rows).
    t
        Calendar months since the first observation (dates), or the numeric time as given.
    tvalue
        The original time values.
    is_datetime
        Whether the time column holds dates.
    start_t
        The start on the ``t`` scale.
    season_key
        Month of the year (dates) or ``t`` modulo the period; None without a period.
    offset
        Log of the denominator (count families with an offset), else None.
    exclude
        True for rows the user left out of the fit.
    covariates
        The covariate columns as floats, or None.
    """

    y: np.ndarray
    t: np.ndarray
    tvalue: pd.Series
    is_datetime: bool
    start_t: float
    season_key: np.ndarray | None
    offset: np.ndarray | None
    exclude: np.ndarray
    covariates: pd.DataFrame | None


def validate_series(data: pd.DataFrame, outcome: str, time: str, start: Any, spec: ItsSpec, *,
                    exclude: Any = None, what: str = "data") -> ValidatedSeries:
    """Check ``data`` for an ITS fit under ``spec`` and return the validated series.

    Parameters
    ----------
    data, outcome, time, start
        As for :func:`~josanalysis.methods.its.fit_its`.
    spec
        The model specification (family, offset, covariates, seasonality period).
    exclude
        The exclusion to apply (``spec.exclude`` for the treated series, none for a comparison).
    what
        How the series is named in error sentences (``"data"``, ``"comparison"``).

    Raises
    ------
    DataError
        A missing column, no rows, missing or non-increasing time, a non-numeric outcome,
        negative counts, a bad denominator, missing outcome or covariate values.
    ConfigError
        A start that is not a date or lies outside the series.
    """
    _check_columns(data, outcome, time, spec, what)
    tcol = data[time]
    is_datetime = pd.api.types.is_datetime64_any_dtype(tcol)
    t, start_t = _time_axis(tcol, time, start, is_datetime)
    y = _outcome_values(data[outcome], outcome, spec.family if spec.is_count else None)
    off = _log_offset(data, spec.offset) if spec.offset is not None else None
    excl = exclusion_mask(data, exclude, tcol, is_datetime)
    miss = ~np.isfinite(y) & ~excl
    if miss.any():
        raise DataError(
            f"outcome '{outcome}' is missing in {int(miss.sum())} month(s) that are not excluded; "
            "drop those months (the series may have gaps) or mark them with exclude=.",
            rows=_rows(miss),
            column=outcome,
        )
    return ValidatedSeries(
        y=y,
        t=t,
        tvalue=tcol.reset_index(drop=True),
        is_datetime=is_datetime,
        start_t=start_t,
        season_key=_season_key(tcol, t, is_datetime, spec.season_period),
        offset=off,
        exclude=excl,
        covariates=_covariate_values(data, spec.covariates, excl),
    )


def _rows(mask: np.ndarray) -> list[int]:
    """Spreadsheet-style row numbers (header = row 1) of the True positions."""
    return [int(i) + 2 for i in np.flatnonzero(mask)]


def month_index(ts: pd.Series) -> np.ndarray:
    """Months counted from year 0 (``year * 12 + month``) as floats: differences are months."""
    years = ts.dt.year.to_numpy()
    months = ts.dt.month.to_numpy()
    return (years * 12 + months).astype(float)


def to_timestamp(value: Any, what: str) -> pd.Timestamp:
    """``value`` as a Timestamp, or a :class:`ConfigError` naming ``what``."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} {value!r} is not a date (expected e.g. '2022-08-01').") from None
    if pd.isna(ts):
        raise ConfigError(f"{what} is missing.")
    return ts


def _check_columns(data: pd.DataFrame, outcome: str, time: str, spec: ItsSpec, what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    offset = spec.offset
    for col, role in [(outcome, "outcome"), (time, "time")] + (
        [(offset, "offset (denominator)")] if isinstance(offset, str) else []
    ) + [(c, "covariate") for c in (spec.covariates or [])]:
        if col not in data.columns:
            raise DataError(
                f"{what} has no {role} column '{col}' (columns: {', '.join(map(str, data.columns))}).",
                column=str(col),
            )
    if len(data) == 0:
        raise DataError(f"{what} has no rows.")


def _time_axis(tcol: pd.Series, time: str, start: Any, is_datetime: bool) -> tuple[np.ndarray, float]:
    """The model's time index and the start on it; checks order and the start's place."""
    if is_datetime:
        if tcol.isna().any():
            raise DataError("time has missing values.", rows=_rows(tcol.isna().to_numpy()), column=time)
        mi = month_index(tcol)
        t = mi - mi[0]
        start_t = _start_on_axis(start, tcol, is_datetime)
    else:
        if not pd.api.types.is_numeric_dtype(tcol):
            raise DataError(
                f"time column '{time}' must hold dates (month starts) or numbers, got {tcol.dtype}.",
                column=time,
            )
        if tcol.isna().any():
            raise DataError("time has missing values.", rows=_rows(tcol.isna().to_numpy()), column=time)
        t = tcol.to_numpy(dtype=float)
        if isinstance(start, (dt.date, pd.Timestamp, str)):
            raise ConfigError(
                f"start {start!r} is a date but time column '{time}' is numeric: give start on "
                "the same numeric scale."
            )
        start_t = _start_on_axis(start, tcol, is_datetime)
    _check_time_order(t, tcol, time, start, start_t)
    return t, start_t


def _start_on_axis(start: Any, tcol: pd.Series, is_datetime: bool) -> float:
    """The start on the model's time axis (months since the first point, or the numeric time)."""
    if not is_datetime:
        return float(start)
    first = tcol.iloc[0]
    start_ts = to_timestamp(start, "start")
    return float(start_ts.year * 12 + start_ts.month - (first.year * 12 + first.month))


def at_start(s: ValidatedSeries, start: Any) -> ValidatedSeries:
    """The validated series ``s`` with another start: what :func:`validate_series` would return
    for the same data at ``start``, without checking the data again (for the many refits of
    the placebo dates).

    Raises
    ------
    ConfigError
        A start that is not a date (date axis), or lies outside the series.

    Examples
    --------
    >>> d = pd.DataFrame({"t": np.arange(10.0), "y": np.arange(10.0)})
    >>> s = validate_series(d, "y", "t", 5, ItsSpec())
    >>> at_start(s, 3).start_t
    3.0
    """
    if not s.is_datetime and isinstance(start, (dt.date, pd.Timestamp, str)):
        raise ConfigError(f"start {start!r} is a date but the time axis is numeric: give start on "
                          "the same numeric scale.")
    start_t = _start_on_axis(start, s.tvalue, s.is_datetime)
    _check_start_within(s.t, s.tvalue, start, start_t)
    return dataclasses.replace(s, start_t=start_t)


def _check_time_order(t: np.ndarray, tcol: pd.Series, time: str, start: Any, start_t: float) -> None:
    diffs = np.diff(t)
    if (diffs <= 0).any():
        bad = np.flatnonzero(diffs <= 0) + 1
        raise DataError(
            "time must be strictly increasing (sorted, no duplicate months); "
            f"it does not increase at {len(bad)} row(s).",
            rows=[int(i) + 2 for i in bad],
            column=time,
        )
    _check_start_within(t, tcol, start, start_t)


def _check_start_within(t: np.ndarray, tcol: pd.Series, start: Any, start_t: float) -> None:
    if not (t[0] < start_t <= t[-1]):
        first, last = tcol.iloc[0], tcol.iloc[-1]
        raise ConfigError(
            f"start {start} lies outside the series: it must be after the first time point "
            f"({first}) and no later than the last ({last})."
        )


def _outcome_values(ycol: pd.Series, outcome: str, count_family: str | None) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(ycol) or pd.api.types.is_bool_dtype(ycol):
        raise DataError(f"outcome '{outcome}' must be numeric, got {ycol.dtype}.", column=outcome)
    y = ycol.to_numpy(dtype=float)
    if count_family is not None:
        neg = y < 0
        if neg.any():
            raise DataError(
                f"outcome '{outcome}' has negative counts; family '{count_family}' needs counts >= 0.",
                rows=_rows(neg),
                column=outcome,
            )
    return y


def _log_offset(data: pd.DataFrame, offset: Any) -> np.ndarray:
    ocol = data[offset] if isinstance(offset, str) else pd.Series(offset, index=data.index)
    oval = pd.to_numeric(ocol, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(oval) | (oval <= 0)
    if bad.any():
        raise DataError(
            "the offset (denominator) must be a positive number in every month; "
            f"{int(bad.sum())} value(s) are missing, zero or negative.",
            rows=_rows(bad),
            column=offset if isinstance(offset, str) else None,
        )
    return np.log(oval)


def _covariate_values(data: pd.DataFrame, covariates: Sequence[str] | None, excl: np.ndarray) -> pd.DataFrame | None:
    if not covariates:
        return None
    cov = data[list(covariates)].apply(pd.to_numeric, errors="coerce").astype(float)
    cov.index = range(len(cov))
    missing_cov = cov.isna().any(axis=1).to_numpy() & ~excl
    if missing_cov.any():
        raise DataError(
            "covariates have missing or non-numeric values.",
            rows=_rows(missing_cov),
            column=", ".join(covariates),
        )
    return cov


def _season_key(tcol: pd.Series, t: np.ndarray, is_datetime: bool, period: int | None) -> np.ndarray | None:
    if is_datetime:
        return tcol.dt.month.to_numpy()
    if period:
        return (np.round(t).astype(int) - 1) % int(period) + 1
    return None


def exclusion_mask(data: pd.DataFrame, exclude: Any, tcol: pd.Series, is_datetime: bool) -> np.ndarray:
    """The rows to leave out of a fit, as a boolean array.

    Parameters
    ----------
    data
        The series.
    exclude
        None, a boolean column name, a boolean Series/array (one value per row), or a list
        of ``(start, end)`` windows (see :func:`window_indicator`).
    tcol
        The time column of ``data``.
    is_datetime
        Whether ``tcol`` holds dates.

    Raises
    ------
    DataError
        The column is missing or not boolean.
    ConfigError
        A mask of the wrong length, or an ``exclude`` of another kind.
    """
    n = len(data)
    if exclude is None:
        return np.zeros(n, dtype=bool)
    if isinstance(exclude, str):
        if exclude not in data.columns:
            raise DataError(f"exclude column '{exclude}' is not in the data.", column=exclude)
        col = data[exclude]
        if not pd.api.types.is_bool_dtype(col):
            raise DataError(f"exclude column '{exclude}' must be True/False.", column=exclude)
        return col.fillna(False).to_numpy(dtype=bool)
    if isinstance(exclude, pd.Series):
        if pd.api.types.is_bool_dtype(exclude):
            if len(exclude) != n:
                raise ConfigError(f"exclude has {len(exclude)} values for {n} rows.")
            return exclude.fillna(False).to_numpy(dtype=bool)
    if isinstance(exclude, np.ndarray) and exclude.dtype == bool:
        if len(exclude) != n:
            raise ConfigError(f"exclude has {len(exclude)} values for {n} rows.")
        return exclude.copy()
    if isinstance(exclude, (list, tuple)):
        return window_indicator(tcol, exclude, is_datetime=is_datetime).to_numpy(dtype=bool)
    raise ConfigError(
        "exclude must be a boolean column name, a boolean Series/array, or a list of "
        "(start, end) windows."
    )


def window_indicator(
    time: pd.Series, windows: Sequence[tuple[Any, Any]], *, is_datetime: bool | None = None
) -> pd.Series:
    """True for time points that fall in any of the (start, end) windows.

    For monthly dates, a month is in a window when it overlaps it (so a closure from
    16 March to 1 June marks March, April, May and June:
    :func:`josanalysis.core.schoolcalendar.in_windows`). For numeric time, ``start <= t <= end``.
    Use it to exclude COVID closures or to build a co-intervention covariate.

    Examples
    --------
    >>> m = pd.Series(pd.date_range("2020-01-01", periods=8, freq="MS"))
    >>> window_indicator(m, [("2020-03-16", "2020-06-01")]).tolist()
    [False, False, True, True, True, True, False, False]
    """
    if is_datetime is None:
        is_datetime = pd.api.types.is_datetime64_any_dtype(time)
    out = np.zeros(len(time), dtype=bool)
    for w in windows:
        if not isinstance(w, (list, tuple)) or len(w) != 2:
            raise ConfigError(f"each exclude window must be a (start, end) pair, got {w!r}.")
        if is_datetime:
            lo = to_timestamp(w[0], "window start")
            hi = to_timestamp(w[1], "window end")
            if hi < lo:
                raise ConfigError(f"window {w!r} ends before it starts.")
            out |= in_windows(time, [(lo, hi)]).to_numpy()
        else:
            lo, hi = float(w[0]), float(w[1])
            out |= ((time >= lo) & (time <= hi)).to_numpy()
    return pd.Series(out, index=time.index, name="in_window")


def align_comparison(comparison: pd.DataFrame, s: ValidatedSeries, outcome: str, time: str, start: Any,
                     spec: ItsSpec) -> ValidatedSeries:
    """The comparison series on the treated series' time points, validated like it.

    Raises
    ------
    ConfigError
        ``comparison`` is not a data frame.
    DataError
        A missing column, or time points of the treated series that the comparison lacks.
    """
    if not isinstance(comparison, pd.DataFrame):
        raise ConfigError("comparison must be a DataFrame with the same columns as data.")
    for col in [outcome, time] + ([spec.offset] if isinstance(spec.offset, str) else []):
        if col not in comparison.columns:
            raise DataError(f"comparison has no column '{col}'.", column=col)
    keys = s.tvalue
    comp = comparison.set_index(time)
    missing = ~keys.isin(comp.index)
    if missing.any():
        raise DataError(
            f"the comparison series lacks {int(missing.sum())} time point(s) of the treated series "
            f"(first: {keys[missing].iloc[0]}).",
            column=time,
        )
    comp = comp.loc[keys.to_numpy()].reset_index()
    return validate_series(comp, outcome, time, start, spec, exclude=None, what="comparison")
