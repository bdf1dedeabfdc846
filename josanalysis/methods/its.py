"""Interrupted time series (ITS) for one school's monthly series.

One public entry point, :func:`fit_its`, fits a segmented regression (level change and/or slope
change at a pre-specified start) with seasonality, autocorrelated errors and, for counts, a log
offset for the denominator. It returns an :class:`ItsResult` with the effects and their
confidence intervals, the fitted and counterfactual series with bands, the numbers of points
before and after the start, residual diagnostics and a plain-language Dutch summary.

Model (Lopez Bernal, Cummins & Gasparrini 2017)::

    g(E[y_t]) = b0 + b1*t + b2*level_t + b3*slope_t + season_t + covariates_t (+ log offset_t)

``t`` counts calendar months since the first observation (gaps such as the summer holiday stay
gaps), ``level_t = 1`` from the first month with an effect (start + lag) on, and
``slope_t = t - (start + lag) + 1`` from then on (1 in the first month with an effect, as in the
tutorial's ``time - 36`` coding). So ``b2`` is the step change and ``b3`` the change in the
monthly trend; the modelled effect in the first post month is ``b2 + b3`` (difference scale) or
``exp(b2 + b3)`` (ratio scale), and the effect at the end of the series is reported as the
``"end"`` term. See ``docs/methods.md`` for every choice and the reasons.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from josanalysis.methods.its import fit_its
>>> rng = np.random.default_rng(1)
>>> months = pd.date_range("2014-09-01", periods=120, freq="MS")
>>> months = months[months.month != 8]                      # no lessons in August
>>> y = 0.06 + 0.01 * (months >= "2022-08-01") + rng.normal(0, 0.004, len(months))
>>> res = fit_its(pd.DataFrame({"month": months, "absence_rate": y}),
...               "absence_rate", "month", "2022-08-01", seasonality="month")
>>> float(round(res.effects.loc["level", "estimate"], 2))
0.01
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import statsmodels.api as sm
from scipy import stats
from scipy.optimize import minimize_scalar
from statsmodels.regression.linear_model import yule_walker
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tsa.arima_process import arma_acf

from josanalysis.core.errors import ConfigError, DataError

__all__ = [
    "FAMILIES",
    "AUTOCORRELATION_METHODS",
    "MIN_PRE",
    "MIN_POST",
    "ItsResult",
    "fit_its",
    "window_indicator",
]

FAMILIES = ("gaussian", "poisson", "quasipoisson", "negbin")
COUNT_FAMILIES = ("poisson", "quasipoisson", "negbin")
AUTOCORRELATION_METHODS = ("ar1", "ar2", "ar1_fgls", "hac", "none")
SEASONALITY = (None, "month", "harmonic")
#: Minimum number of used (not excluded) points before the start and from start + lag on.
MIN_PRE = 8
MIN_POST = 4

HAC_NOTE = (
    "Newey-West (HAC) intervals under-cover on short monthly series: in simulations with "
    "~110 months and AR(1) errors (rho 0.2-0.5) the 95% interval held the truth in only about "
    "77-88% of runs (docs/methods.md). Prefer autocorrelation='ar1' (the pre-specified default)."
)


# --------------------------------------------------------------------------------------------
# result object
# --------------------------------------------------------------------------------------------


@dataclass
class ItsResult:
    """The result of :func:`fit_its`.

    Attributes
    ----------
    effects
        DataFrame indexed by term: ``"level"`` (step change in the first month with an
        effect, tutorial coding: see module docstring), ``"slope"`` (change in the monthly
        trend) and ``"end"`` (modelled effect in the last post month, level + slope x months).
        Columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale`` and ``se`` (the
        standard error on the link scale: outcome units, or log rate ratio). With
        ``scale == "ratio"`` (count families) the three numbers are rate ratios; with
        ``"difference"`` they are in the outcome's own units (a rate in [0, 1] stays a
        proportion; the report formats percentage points).
    fitted
        One row per input row: ``time`` (the model's time index), the original time value
        (``month`` for dates), ``observed``, ``fitted``, ``fit_low``, ``fit_high``,
        ``counterfactual``, ``cf_low``, ``cf_high`` (bands for the modelled mean, not
        prediction intervals), ``segment`` (``"pre"``, ``"phase_in"``, ``"post"``) and
        ``excluded`` (True for rows left out of the fit: excluded windows and phase-in months).
        For count families the fitted values are expected counts (offset included).
    n_pre, n_post
        Points used in the fit before the start and from start + lag on.
    diagnostics
        ``durbin_watson``, ``ljung_box_p`` and ``ljung_box_lags`` (on the standardised
        residuals: whitened for AR models, Pearson for counts), ``rho`` (AR coefficients
        estimated; for other methods the lag-1 autocorrelation of the residuals),
        ``overdispersion`` (Pearson chi2 / df, counts only), ``residual_autocorrelation``
        (True if Ljung-Box p < 0.05) and ``negbin_alpha`` for the negative binomial.
    spec
        The model specification as a dict (family, autocorrelation, seasonality, lag, ...).
    notes
        Warnings a reader should see (e.g. HAC under-coverage).
    model
        The underlying statsmodels results object (for experts).
    design
        What was fitted (for experts and the simulations in :mod:`josanalysis.methods.robustness`):
        ``X`` (design of the used rows), ``y``, ``offset`` (log), ``groups``, ``effect_names``
        (term -> design column), ``params``, ``cov``, ``rho``, ``scale``, ``df``.
    """

    effects: pd.DataFrame
    fitted: pd.DataFrame
    n_pre: int
    n_post: int
    diagnostics: dict[str, Any]
    spec: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    model: Any = field(default=None, repr=False)
    design: dict[str, Any] = field(default_factory=dict, repr=False)

    def summary_nl(self, label: str | None = None, percent_points: bool | None = None) -> str:
        """Plain-language Dutch summary of the level (and slope) change.

        Never states causation: it says how the series relates to the continued trend.

        Parameters
        ----------
        label
            Dutch name of the indicator (default: the outcome column name).
        percent_points
            Show differences in percentage points (x100). Default: True when the family is
            gaussian and every observed value lies in [0, 1] (a rate).

        Examples
        --------
        >>> res.summary_nl("het verzuim")          # doctest: +SKIP
        'Na de start ligt het verzuim 0,8 procentpunt lager dan de voortgezette trend (95%-BI ...'
        """
        label = label or str(self.spec.get("outcome", "de uitkomst"))
        conf = int(round(100 * (1 - self.spec["alpha"])))
        if percent_points is None:
            obs = self.fitted["observed"].dropna()
            percent_points = self.spec["family"] == "gaussian" and bool(
                len(obs) and obs.between(0, 1).all()
            )
        sentences: list[str] = []
        eff = self.effects
        if "level" in eff.index:
            sentences.append(_sentence_level(eff.loc["level"], label, conf, percent_points))
        if "slope" in eff.index:
            sentences.append(_sentence_slope(eff.loc["slope"], conf, percent_points))
        sentences.append(
            f"Gebruikt: {self.n_pre} maanden voor en {self.n_post} maanden na de start"
            + (f" (met {self.spec['lag']} maanden aanlooptijd)" if self.spec.get("lag") else "")
            + "."
        )
        if self.spec.get("comparison"):
            sentences.append("Het verschil is gemeten ten opzichte van de vergelijkingsreeks.")
        sentences.append(
            "Dit laat zien hoe de reeks afwijkt van de voortgezette trend; of JOS de oorzaak is, "
            "kan dit ontwerp niet vaststellen."
        )
        if self.diagnostics.get("residual_autocorrelation"):
            sentences.append(
                "Let op: de residuen vertonen nog samenhang in de tijd, de onzekerheid kan groter zijn."
            )
        if self.spec.get("autocorrelation") == "hac":
            sentences.append(
                "Let op: de intervallen zijn berekend met Newey-West; bij korte reeksen zijn die "
                "vaak te smal."
            )
        return " ".join(sentences)


def _nl_num(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _sentence_level(row: pd.Series, label: str, conf: int, pp: bool) -> str:
    est, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
    if row["scale"] == "ratio":
        pct = (est - 1) * 100
        direction = "lager" if pct < 0 else "hoger"
        text = (
            f"Na de start ligt {label} {_nl_num(abs(pct))}% {direction} dan de voortgezette trend "
            f"(rate ratio {_nl_num(est, 3)}; {conf}%-BI {_nl_num(lo, 3)} tot {_nl_num(hi, 3)})."
        )
        no_change = lo <= 1 <= hi
    else:
        f, unit = (100.0, " procentpunt") if pp else (1.0, "")
        direction = "lager" if est < 0 else "hoger"
        digits = 1 if pp else 2
        text = (
            f"Na de start ligt {label} {_nl_num(abs(est) * f, digits)}{unit} {direction} dan de "
            f"voortgezette trend ({conf}%-BI {_nl_num(lo * f, digits)} tot "
            f"{_nl_num(hi * f, digits)}{unit})."
        )
        no_change = lo <= 0 <= hi
    if no_change:
        text += " Het interval omvat geen verandering: de gegevens zijn ook verenigbaar met geen verschil."
    return text


def _sentence_slope(row: pd.Series, conf: int, pp: bool) -> str:
    # per school year (12 months) reads better than per month
    est, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
    if row["scale"] == "ratio":
        e, l, h = ((v**12 - 1) * 100 for v in (est, lo, hi))
        return (
            f"Daarna verandert de trend met {_nl_num(e)}% per jaar ten opzichte van de "
            f"voortgezette trend ({conf}%-BI {_nl_num(l)} tot {_nl_num(h)}%)."
        )
    f, unit = (100.0, " procentpunt") if pp else (1.0, "")
    digits = 2 if pp else 3
    e, l, h = (12 * v * f for v in (est, lo, hi))
    return (
        f"Daarna verandert de trend met {_nl_num(e, digits)}{unit} per jaar ten opzichte van de "
        f"voortgezette trend ({conf}%-BI {_nl_num(l, digits)} tot {_nl_num(h, digits)}{unit})."
    )


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _rows(mask: np.ndarray) -> list[int]:
    """Spreadsheet-style row numbers (header = row 1) of the True positions."""
    return [int(i) + 2 for i in np.flatnonzero(mask)]


def _month_index(ts: pd.Series) -> np.ndarray:
    years = ts.dt.year.to_numpy()
    months = ts.dt.month.to_numpy()
    return (years * 12 + months).astype(float)


def _to_timestamp(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} {value!r} is not a date (expected e.g. '2022-08-01').") from None
    if pd.isna(ts):
        raise ConfigError(f"{what} is missing.")
    return ts


@dataclass
class _Series:
    """A validated series: everything the design and the fit need, in the original row order."""

    y: np.ndarray
    t: np.ndarray  # calendar months since the first observation (float)
    tvalue: pd.Series  # the original time values
    is_datetime: bool
    start_t: float  # start on the t scale
    season_key: np.ndarray | None  # month-of-year (dates) or t mod period
    offset: np.ndarray | None  # log denominator
    exclude: np.ndarray  # bool, user exclusions
    covariates: pd.DataFrame | None


def _validate_series(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    *,
    family: str,
    offset: str | None,
    exclude: Any,
    covariates: Sequence[str] | None,
    period: int | None,
    what: str = "data",
) -> _Series:
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    for col, role in [(outcome, "outcome"), (time, "time")] + (
        [(offset, "offset (denominator)")] if isinstance(offset, str) else []
    ) + [(c, "covariate") for c in (covariates or [])]:
        if col not in data.columns:
            raise DataError(
                f"{what} has no {role} column '{col}' (columns: {', '.join(map(str, data.columns))}).",
                column=str(col),
            )
    if len(data) == 0:
        raise DataError(f"{what} has no rows.")

    # time
    tcol = data[time]
    is_datetime = pd.api.types.is_datetime64_any_dtype(tcol)
    if is_datetime:
        if tcol.isna().any():
            raise DataError("time has missing values.", rows=_rows(tcol.isna().to_numpy()), column=time)
        mi = _month_index(tcol)
        t = mi - mi[0]
        start_ts = _to_timestamp(start, "start")
        start_t = float(start_ts.year * 12 + start_ts.month - mi[0])
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
        start_t = float(start)
    diffs = np.diff(t)
    if (diffs <= 0).any():
        bad = np.flatnonzero(diffs <= 0) + 1
        raise DataError(
            "time must be strictly increasing (sorted, no duplicate months); "
            f"it does not increase at {len(bad)} row(s).",
            rows=[int(i) + 2 for i in bad],
            column=time,
        )
    if not (t[0] < start_t <= t[-1]):
        first, last = tcol.iloc[0], tcol.iloc[-1]
        raise ConfigError(
            f"start {start} lies outside the series: it must be after the first time point "
            f"({first}) and no later than the last ({last})."
        )

    # outcome
    ycol = data[outcome]
    if not pd.api.types.is_numeric_dtype(ycol) or pd.api.types.is_bool_dtype(ycol):
        raise DataError(f"outcome '{outcome}' must be numeric, got {ycol.dtype}.", column=outcome)
    y = ycol.to_numpy(dtype=float)
    if family in COUNT_FAMILIES:
        neg = y < 0
        if neg.any():
            raise DataError(
                f"outcome '{outcome}' has negative counts; family '{family}' needs counts >= 0.",
                rows=_rows(neg),
                column=outcome,
            )

    off = None
    if offset is not None:
        if family not in COUNT_FAMILIES:
            raise ConfigError(
                "offset (a denominator) only applies to count families (poisson, quasipoisson, "
                "negbin); for a rate with family='gaussian' pass the rate itself as the outcome."
            )
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
        off = np.log(oval)

    excl = _exclusion_mask(data, exclude, tcol, is_datetime)

    # missing outcome values are only allowed in excluded rows
    miss = ~np.isfinite(y) & ~excl
    if miss.any():
        raise DataError(
            f"outcome '{outcome}' is missing in {int(miss.sum())} month(s) that are not excluded; "
            "drop those months (the series may have gaps) or mark them with exclude=.",
            rows=_rows(miss),
            column=outcome,
        )

    cov = None
    if covariates:
        cov = data[list(covariates)].apply(pd.to_numeric, errors="coerce").astype(float)
        cov.index = range(len(cov))
        missing_cov = cov.isna().any(axis=1).to_numpy() & ~excl
        if missing_cov.any():
            raise DataError(
                "covariates have missing or non-numeric values.",
                rows=_rows(missing_cov),
                column=", ".join(covariates),
            )

    if is_datetime:
        season_key = tcol.dt.month.to_numpy()
    elif period:
        season_key = (np.round(t).astype(int) - 1) % int(period) + 1
    else:
        season_key = None

    return _Series(
        y=y,
        t=t,
        tvalue=tcol.reset_index(drop=True),
        is_datetime=is_datetime,
        start_t=start_t,
        season_key=season_key,
        offset=off,
        exclude=excl,
        covariates=cov,
    )


def _exclusion_mask(data: pd.DataFrame, exclude: Any, tcol: pd.Series, is_datetime: bool) -> np.ndarray:
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
    16 March to 1 June marks March, April, May and June). For numeric time, ``start <= t <= end``.
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
            lo = _to_timestamp(w[0], "window start")
            hi = _to_timestamp(w[1], "window end")
            if hi < lo:
                raise ConfigError(f"window {w!r} ends before it starts.")
            mstart = time.dt.to_period("M").dt.start_time
            mend = time.dt.to_period("M").dt.end_time
            out |= ((mstart <= hi) & (mend >= lo)).to_numpy()
        else:
            lo, hi = float(w[0]), float(w[1])
            out |= ((time >= lo) & (time <= hi)).to_numpy()
    return pd.Series(out, index=time.index, name="in_window")


# --------------------------------------------------------------------------------------------
# design
# --------------------------------------------------------------------------------------------


def _design(
    s: _Series,
    *,
    effect_t: float,
    level_change: bool,
    slope_change: bool,
    seasonality: str | None,
    harmonics: int | None,
    period: int | None,
    used: np.ndarray,
) -> pd.DataFrame:
    n = len(s.y)
    cols: dict[str, np.ndarray] = {"const": np.ones(n), "time": s.t - s.t[0]}
    post = (s.t >= effect_t).astype(float)
    if level_change:
        cols["level"] = post
    if slope_change:
        cols["slope"] = post * (s.t - effect_t + 1.0)
    if seasonality == "month":
        levels = sorted(set(s.season_key[used].tolist()))
        for lev in levels[1:]:
            cols[f"season_{lev}"] = (s.season_key == lev).astype(float)
    elif seasonality == "harmonic":
        for k in range(1, int(harmonics) + 1):
            cols[f"sin{k}"] = np.sin(2 * np.pi * k * s.t / period)
            cols[f"cos{k}"] = np.cos(2 * np.pi * k * s.t / period)
    if s.covariates is not None:
        for c in s.covariates.columns:
            cols[f"cov_{c}"] = s.covariates[c].to_numpy()
    X = pd.DataFrame(cols)
    return X


# --------------------------------------------------------------------------------------------
# core fits
# --------------------------------------------------------------------------------------------


@dataclass
class _Core:
    params: pd.Series
    cov: pd.DataFrame
    df: float | None  # t degrees of freedom; None -> normal quantiles
    link: str  # "identity" or "log"
    std_resid: np.ndarray  # for diagnostics
    rho: np.ndarray
    overdispersion: float | None
    scale: float
    model: Any
    extra: dict[str, Any]


def _hac_lags(n: int) -> int:
    return max(1, int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0))))


def _ar_order(autocorrelation: str) -> int:
    return {"ar1": 1, "ar1_fgls": 1, "ar2": 2}.get(autocorrelation, 0)


def _prais_winsten(a: np.ndarray, rho: float) -> np.ndarray:
    """AR(1) whitening that keeps the first observation (Prais-Winsten)."""
    out = np.empty_like(a, dtype=float)
    out[0] = math.sqrt(1.0 - rho * rho) * a[0]
    out[1:] = a[1:] - rho * a[:-1]
    return out


def _reml_ar1_rho(y: np.ndarray, X: np.ndarray) -> float:
    """REML estimate of the AR(1) coefficient of the errors of y = X b + e.

    Maximises the restricted likelihood
    ``-1/2 [(n-k) log(RSS*(rho)/(n-k)) - log(1-rho^2) + log det(X*'X*)]`` over rho, where
    ``*`` marks Prais-Winsten-whitened data. Unlike Yule-Walker on OLS residuals (GLSAR), REML
    accounts for the k regression terms, so rho is nearly unbiased on short series.
    """
    n, k = X.shape

    def nll(rho: float) -> float:
        ys = _prais_winsten(y, rho)
        Xs = _prais_winsten(X, rho)
        b, *_ = np.linalg.lstsq(Xs, ys, rcond=None)
        r = ys - Xs @ b
        rss = float(r @ r)
        _, logdet = np.linalg.slogdet(Xs.T @ Xs)
        return 0.5 * ((n - k) * math.log(max(rss, 1e-300) / (n - k)) - math.log(1 - rho * rho) + logdet)

    opt = minimize_scalar(nll, bounds=(-0.98, 0.98), method="bounded", options={"xatol": 1e-4})
    return float(opt.x)


#: Largest absolute log rate ratio (or interval end) reported: exp(+-50) ~ 5e21 or 2e-22 is no
#: finding but a likelihood without a finite maximum (beyond about 709 ``math.exp`` overflows).
_MAX_LOG_RATIO = 50.0


def _unbounded_log_ratio(est: float, se: float, q: float) -> bool:
    """True when a log-scale estimate or its interval ``est +- q se`` leaves +-:data:`_MAX_LOG_RATIO`
    (quasi-separation: counts of zero, or nearly so, on one side of the start)."""
    return abs(est) + q * se > _MAX_LOG_RATIO


def _estimable(fit):
    """Turn a numerical breakdown of a fit into a :class:`DataError` sentence.

    On very short or nearly constant series (a small school's counts of mostly zero) the
    linear algebra can fail; that is "not estimable on these data", not a crash.
    """
    import functools

    @functools.wraps(fit)
    def wrapper(*args, **kwargs):
        try:
            with np.errstate(all="ignore"):
                core = fit(*args, **kwargs)
        except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError) as exc:
            raise DataError(f"the model cannot be estimated on this series ({exc}); the series is "
                            "too short or too uniform for it.") from None
        if not np.all(np.isfinite(np.asarray(core.params, dtype=float))):
            raise DataError("the model cannot be estimated on this series (non-finite coefficients); "
                            "the series is too short or too uniform for it.")
        return core

    return wrapper


@_estimable
def _fit_gaussian(y: np.ndarray, X: pd.DataFrame, autocorrelation: str) -> _Core:
    if autocorrelation == "ar1":
        # feasible GLS with the AR(1) coefficient estimated by REML
        Xa = X.to_numpy(dtype=float)
        rho_hat = _reml_ar1_rho(y, Xa)
        res = sm.OLS(_prais_winsten(y, rho_hat), _prais_winsten(Xa, rho_hat)).fit()
        rho = np.array([rho_hat])
        std_resid = np.asarray(res.resid)
    elif autocorrelation in ("ar2", "ar1_fgls"):
        # feasible GLS, Yule-Walker on the residuals, iterated (statsmodels GLSAR)
        model = sm.GLSAR(y, X, rho=2 if autocorrelation == "ar2" else 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.iterative_fit(maxiter=10)
        rho = np.atleast_1d(np.asarray(model.rho, dtype=float))
        std_resid = np.asarray(res.wresid)
    else:
        res = sm.OLS(y, X).fit()
        if autocorrelation == "hac":
            res = res.get_robustcov_results(
                cov_type="HAC", maxlags=_hac_lags(len(y)), use_correction=True
            )
        std_resid = np.asarray(res.resid)
        rho = np.array([_lag1(std_resid)])
    params = pd.Series(np.asarray(res.params), index=X.columns)
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=X.columns, columns=X.columns)
    return _Core(
        params=params,
        cov=cov,
        df=float(res.df_resid),
        link="identity",
        std_resid=std_resid,
        rho=rho,
        overdispersion=None,
        scale=float(res.scale),
        model=res,
        extra={},
    )


def _lag1(r: np.ndarray) -> float:
    r = np.asarray(r, dtype=float) - np.mean(r)
    den = float(np.sum(r * r))
    return float(np.sum(r[1:] * r[:-1]) / den) if den > 0 else 0.0


def _ar_corr(rho: np.ndarray, n: int) -> np.ndarray:
    """Correlation matrix of a stationary AR(p) process observed at n consecutive points."""
    ar = np.r_[1.0, -np.asarray(rho, dtype=float)]
    acf = arma_acf(ar, [1.0], lags=n)
    return scipy.linalg.toeplitz(acf)


@_estimable
def _fit_count(
    y: np.ndarray,
    X: pd.DataFrame,
    family: str,
    offset: np.ndarray | None,
    autocorrelation: str,
    groups: np.ndarray | None = None,
) -> _Core:
    extra: dict[str, Any] = {}
    if family == "negbin":
        alpha = _negbin_alpha(y, X, offset)
        fam = sm.families.NegativeBinomial(alpha=alpha)
        extra["negbin_alpha"] = alpha
    else:
        fam = sm.families.Poisson()
    model = sm.GLM(y, X, family=fam, offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(scale="X2" if family == "quasipoisson" else None)
    mu = np.asarray(res.mu)
    pearson = (y - mu) / np.sqrt(fam.variance(mu))
    dispersion = float(np.sum(pearson**2) / res.df_resid)
    params = pd.Series(np.asarray(res.params), index=X.columns)
    order = _ar_order(autocorrelation)
    scale = float(res.scale)
    if autocorrelation == "hac":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res_h = model.fit(cov_type="HAC", cov_kwds={"maxlags": _hac_lags(len(y))})
        cov = np.asarray(res_h.cov_params())
        rho = np.array([_lag1(pearson)])
    elif autocorrelation == "ar1" and groups is None:
        # AR(1) errors on the linearised (IRLS working) scale: REML for rho, then GLS, iterated
        params, cov, rho, std_resid, scale, df = _count_ar1_reml(y, X, fam, offset, family, params)
        mu = np.exp(X.to_numpy() @ params.to_numpy() + (offset if offset is not None else 0.0))
        pearson = (y - mu) / np.sqrt(fam.variance(mu))
        dispersion = float(np.sum(pearson**2) / (len(y) - X.shape[1]))
        return _Core(
            params=params,
            cov=pd.DataFrame(cov, index=X.columns, columns=X.columns),
            df=df,
            link="log",
            std_resid=std_resid,
            rho=np.array([rho]),
            overdispersion=dispersion,
            scale=scale,
            model=res,
            extra={**extra, "count_ar_method": "REML-GLS on the IRLS working model"},
        )
    elif order:
        # Working-independence GLM estimate with an AR(p)-corrected sandwich variance:
        # Var(b) = phi * B^-1 (X' W^1/2 R W^1/2 X) B^-1, with R the AR(p) correlation of the
        # Pearson residuals (estimated by Yule-Walker on the observed sequence, per group).
        rho, _ = yule_walker(pearson, order=order, result_object=False)
        rho = np.atleast_1d(np.clip(rho, -0.95, 0.95))
        # IRLS weights for a log link: mu^2 / V(mu)
        w = mu**2 / fam.variance(mu)
        Xa = X.to_numpy()
        B = Xa.T @ (w[:, None] * Xa)
        Binv = np.linalg.inv(B)
        sw = np.sqrt(w)
        Z = sw[:, None] * Xa
        if groups is None:
            R = _ar_corr(rho, len(y))
            meat = Z.T @ R @ Z
        else:
            meat = np.zeros_like(B)
            for g in np.unique(groups):
                m = groups == g
                meat += Z[m].T @ _ar_corr(rho, int(m.sum())) @ Z[m]
        phi = scale if family == "quasipoisson" else 1.0
        cov = phi * Binv @ meat @ Binv
    else:
        cov = np.asarray(res.cov_params())
        rho = np.array([_lag1(pearson)])
    cov = pd.DataFrame(cov, index=X.columns, columns=X.columns)
    return _Core(
        params=params,
        cov=cov,
        df=None,
        link="log",
        std_resid=pearson,
        rho=np.asarray(rho, dtype=float),
        overdispersion=dispersion,
        scale=scale,
        model=res,
        extra=extra,
    )


def _count_ar1_reml(
    y: np.ndarray,
    X: pd.DataFrame,
    fam: Any,
    offset: np.ndarray | None,
    family: str,
    start: pd.Series,
    iterations: int = 4,
) -> tuple[pd.Series, np.ndarray, float, np.ndarray, float, float | None]:
    """Count model with AR(1) errors on the IRLS working scale.

    Each iteration forms the working response ``z = eta + (y - mu)/mu`` (log link, offset
    removed) and weights ``w = mu^2 / V(mu)``, estimates rho by REML on ``sqrt(w) z`` against
    ``sqrt(w) X`` and refits by GLS (Prais-Winsten). The marginal variance of the weighted
    working errors is the dispersion: estimated for quasi-Poisson (t intervals), fixed at 1 for
    Poisson and negative binomial (normal intervals).
    """
    Xa = X.to_numpy(dtype=float)
    off = offset if offset is not None else 0.0
    b = start.to_numpy(dtype=float)
    rho = 0.0
    for _ in range(iterations):
        eta = Xa @ b + off
        mu = np.exp(np.clip(eta, -700, 700))
        mu = np.maximum(mu, 1e-10)
        z = eta - off + (y - mu) / mu
        w = mu**2 / fam.variance(mu)
        sw = np.sqrt(w)
        yt, Xt = sw * z, sw[:, None] * Xa
        if not (np.all(np.isfinite(yt)) and np.all(np.isfinite(Xt))):
            # a term separated by all-zero counts drove the GLM start to +-inf; LAPACK would
            # only print a warning and return NaN, so stop here (_estimable turns it into a
            # "not estimable" sentence)
            raise FloatingPointError("the working response of the count model is not finite")
        rho = _reml_ar1_rho(yt, Xt)
        ols = sm.OLS(_prais_winsten(yt, rho), _prais_winsten(Xt, rho)).fit()
        b_new = np.asarray(ols.params)
        done = np.max(np.abs(b_new - b)) < 1e-8
        b = b_new
        if done:
            break
    XtX_inv = np.asarray(ols.normalized_cov_params)
    if family == "quasipoisson":
        scale = float(ols.scale)
        df: float | None = float(ols.df_resid)
    else:
        scale = 1.0 - rho * rho  # innovation variance when the marginal dispersion is 1
        df = None
    cov = scale * XtX_inv
    std_resid = np.asarray(ols.resid) / math.sqrt(max(scale, 1e-12))
    return pd.Series(b, index=X.columns), cov, float(rho), std_resid, scale, df


def _negbin_alpha(y: np.ndarray, X: pd.DataFrame, offset: np.ndarray | None) -> float:
    """Maximum-likelihood NB2 dispersion alpha (statsmodels NegativeBinomial)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = None
        try:
            pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
            start = np.r_[np.asarray(pois.params), 0.1]
        except Exception:  # pragma: no cover - fall back to default start values
            pass
        try:
            nb = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                start_params=start, disp=0, maxiter=200, method="bfgs"
            )
            alpha = float(np.asarray(nb.params)[-1])
        except Exception:
            alpha = float("nan")
    if not np.isfinite(alpha) or alpha <= 0:
        alpha = 1e-8  # no overdispersion detectable: NB reduces to Poisson
    return alpha


# --------------------------------------------------------------------------------------------
# the entry point
# --------------------------------------------------------------------------------------------


def _check_options(
    family: str,
    autocorrelation: str,
    seasonality: str | None,
    harmonics: int | None,
    period: int | None,
    lag: int,
    alpha: float,
    level_change: bool,
    slope_change: bool,
) -> tuple[int | None, int | None]:
    if family not in FAMILIES:
        raise ConfigError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}.")
    if autocorrelation not in AUTOCORRELATION_METHODS:
        raise ConfigError(
            f"autocorrelation must be one of {', '.join(AUTOCORRELATION_METHODS)}; got {autocorrelation!r}."
        )
    if seasonality not in SEASONALITY:
        raise ConfigError(f"seasonality must be None, 'month' or 'harmonic'; got {seasonality!r}.")
    if seasonality == "harmonic":
        harmonics = 2 if harmonics is None else harmonics
        period = 12 if period is None else period
        if not isinstance(harmonics, (int, np.integer)) or harmonics < 1:
            raise ConfigError(f"harmonics must be a whole number >= 1; got {harmonics!r}.")
        if not isinstance(period, (int, float, np.integer)) or period <= 0 or 2 * harmonics > period:
            raise ConfigError(f"period must be a positive number >= 2 x harmonics; got {period!r}.")
    elif harmonics is not None:
        raise ConfigError("harmonics is only used with seasonality='harmonic'.")
    if not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ConfigError(f"lag must be a whole number of months >= 0; got {lag!r}.")
    if not (0 < alpha < 1):
        raise ConfigError(f"alpha must lie between 0 and 1; got {alpha!r}.")
    if not (level_change or slope_change):
        raise ConfigError("at least one of level_change and slope_change must be True.")
    return harmonics, period


def fit_its(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    *,
    family: str = "gaussian",
    offset: str | None = None,
    slope_change: bool = True,
    level_change: bool = True,
    lag: int = 0,
    seasonality: str | None = None,
    harmonics: int | None = None,
    period: int | None = None,
    exclude: Any = None,
    covariates: Sequence[str] | None = None,
    autocorrelation: str = "ar1",
    alpha: float = 0.05,
    comparison: pd.DataFrame | None = None,
) -> ItsResult:
    """Fit an interrupted time series (segmented regression) to one monthly series.

    Parameters
    ----------
    data
        One row per observed time point, sorted by time. Months without lessons are simply
        absent (never zero-filled).
    outcome
        Column with the outcome: a rate/level for ``family="gaussian"``, a count otherwise.
    time
        Column with the time: monthly dates (month starts; the model's time index counts
        calendar months since the first row, so gaps stay gaps) or numbers (used as they are).
    start
        When the intervention starts: a date if ``time`` holds dates, else a number on the same
        scale. The first point at or after ``start`` is the first post point.
    family
        ``"gaussian"`` (linear model), ``"poisson"``, ``"quasipoisson"`` (Poisson with
        dispersion = Pearson chi2 / df_resid, as R) or ``"negbin"`` (NB2, alpha by maximum
        likelihood). Count families use a log link; effects are then rate ratios.
    offset
        Count families only: column with the denominator (e.g. ``"pupils"``); its log is the
        offset, so the model is for the rate per pupil. Must be > 0.
    slope_change, level_change
        Which impact terms to include (pre-specify them in the analysis plan).
    lag
        Phase-in months: the months ``start .. start + lag - 1`` are left out of the fit
        (flagged ``segment == "phase_in"``) and effects are modelled from ``start + lag``.
    seasonality
        ``None``, ``"month"`` (month-of-year fixed effects for the months present; with numeric
        time, ``period`` defines the month) or ``"harmonic"`` (``harmonics`` sine/cosine pairs
        of period ``period``, default 2 pairs of 12).
    exclude
        Rows to leave out of the fit but keep in the output (e.g. COVID closures): a boolean
        column name, a boolean Series/array, or a list of ``(start, end)`` windows.
    covariates
        Extra columns for the model (e.g. a COVID co-intervention indicator).
    autocorrelation
        ``"ar1"`` (default): AR(1) errors, rho by REML, then GLS (Prais-Winsten);
        ``"ar2"``: AR(2) errors by feasible GLS (statsmodels ``GLSAR``, Yule-Walker, iterated);
        ``"ar1_fgls"``: the same GLSAR with AR(1) (for comparison). For count families
        ``"ar1"`` fits AR(1) errors on the IRLS working scale (REML rho, GLS, iterated);
        ``"ar2"`` gives an AR(2)-corrected sandwich variance around the GLM estimate (also used
        for ``"ar1"`` with a stacked comparison series). ``"hac"``: Newey-West (flagged in ``notes``: under-covers on short
        series). ``"none"``: independent errors. AR models treat the observed points as
        consecutive (a summer gap counts as one step).
    alpha
        1 - confidence level of the intervals.
    comparison
        Optional comparison series (a control school or the region without JOS) with the same
        ``time``, ``outcome`` (and ``offset``, ``covariates``) columns covering every time point
        of ``data``. Gaussian: the model is fitted to the difference treated - comparison.
        Count families: both series are stacked with group interactions on every term; the
        effects are the treated-minus-comparison changes (ratio of rate ratios).

    Returns
    -------
    ItsResult

    Raises
    ------
    DataError
        Missing column, non-increasing time, negative counts, offset <= 0, missing values, too
        few points before or after the start.
    ConfigError
        Unknown option, start outside the series, inconsistent arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.read_csv("sicily.csv")                                 # doctest: +SKIP
    >>> res = fit_its(d, "aces", "time", 37, family="quasipoisson", offset="stdpop",
    ...               slope_change=False, seasonality="harmonic", harmonics=2, period=12,
    ...               autocorrelation="none")                           # doctest: +SKIP
    >>> res.effects.loc["level", ["estimate", "ci_low", "ci_high"]].round(3).tolist()  # doctest: +SKIP
    [0.885, 0.839, 0.933]
    """
    harmonics, period = _check_options(
        family, autocorrelation, seasonality, harmonics, period, lag, alpha, level_change, slope_change
    )
    if (
        seasonality == "month"
        and period is None
        and isinstance(data, pd.DataFrame)
        and time in data.columns
        and not pd.api.types.is_datetime64_any_dtype(data[time])
    ):
        raise ConfigError(
            "seasonality='month' with a numeric time column needs period= (e.g. 12) to know "
            "which month each point is."
        )
    season_period = (period or 12) if seasonality else None
    s = _validate_series(
        data, outcome, time, start, family=family, offset=offset, exclude=exclude,
        covariates=covariates, period=season_period,
    )
    effect_t = s.start_t + lag
    phase_in = (s.t >= s.start_t) & (s.t < effect_t)
    used = ~s.exclude & ~phase_in
    pre = used & (s.t < s.start_t)
    post = used & (s.t >= effect_t)
    n_pre, n_post = int(pre.sum()), int(post.sum())
    if n_pre < MIN_PRE:
        raise DataError(
            f"too few points before the start: {n_pre} used (after exclusions), at least {MIN_PRE} needed."
        )
    if n_post < MIN_POST:
        raise DataError(
            f"too few points after the start{' + lag' if lag else ''}: {n_post} used (after "
            f"exclusions), at least {MIN_POST} needed."
        )

    X = _design(
        s, effect_t=effect_t, level_change=level_change, slope_change=slope_change,
        seasonality=seasonality, harmonics=harmonics, period=period or 12, used=used,
    )
    y_model = s.y
    groups = None
    comp_s = None
    if comparison is not None:
        comp_s = _align_comparison(
            comparison, s, outcome, time, start, family=family, offset=offset,
            covariates=covariates, period=season_period,
        )
    if X.shape[1] + 3 > int(used.sum()) * (2 if (comp_s is not None and family != "gaussian") else 1):
        raise DataError(
            f"too few points ({int(used.sum())}) for a model with {X.shape[1]} terms; use fewer "
            "terms (e.g. harmonic instead of month seasonality)."
        )

    Xu = X.loc[used].reset_index(drop=True)
    Xu = Xu.loc[:, (Xu != 0).any(axis=0) | (Xu.columns == "const")]
    offs = s.offset[used] if s.offset is not None else None
    if comp_s is None:
        Xf, yu = Xu, s.y[used]
        if family == "gaussian":
            core = _fit_gaussian(yu, Xu, autocorrelation)
        else:
            core = _fit_count(yu, Xu, family, offs, autocorrelation)
        effect_names = {"level": "level", "slope": "slope"}
    elif family == "gaussian":
        y_model = s.y - comp_s.y
        Xf, yu = Xu, y_model[used]
        if not np.isfinite(yu).all():
            raise DataError("the comparison series has missing outcome values in months that are used.")
        core = _fit_gaussian(yu, Xu, autocorrelation)
        effect_names = {"level": "level", "slope": "slope"}
    else:
        Xf, yu, offs, groups = _stack(Xu, s, comp_s, used)
        core = _fit_count(yu, Xf, family, offs, autocorrelation, groups=groups)
        effect_names = {"level": "g_level", "slope": "g_slope"}

    # effects
    q = stats.norm.ppf(1 - alpha / 2) if core.df is None else stats.t.ppf(1 - alpha / 2, core.df)
    rows = {}
    post_t = s.t[post]
    k_end = float(post_t.max() - effect_t + 1.0)
    terms = []
    if level_change:
        terms.append(("level", {effect_names["level"]: 1.0}))
    if slope_change:
        terms.append(("slope", {effect_names["slope"]: 1.0}))
    end_w = {}
    if level_change:
        end_w[effect_names["level"]] = 1.0
    if slope_change:
        end_w[effect_names["slope"]] = k_end
    terms.append(("end", end_w))
    pnames = list(core.params.index)
    b_arr = core.params.to_numpy()
    V_arr = core.cov.to_numpy()
    for name, weights in terms:
        c = np.zeros(len(pnames))
        for k, v in weights.items():
            c[pnames.index(k)] = v
        est = float(c @ b_arr)
        se = float(np.sqrt(max(c @ V_arr @ c, 0.0)))
        zt = est / se if se > 0 else np.nan
        p = 2 * (stats.norm.sf(abs(zt)) if core.df is None else stats.t.sf(abs(zt), core.df))
        lo, hi = est - q * se, est + q * se
        if core.link == "log":
            if _unbounded_log_ratio(est, se, q):
                # quasi-separation (e.g. counts of zero on one side of the start): the
                # likelihood has no finite maximum and the interval no upper end
                raise DataError(
                    f"the model cannot be estimated on this series: the {name} rate ratio has "
                    "no finite interval (the counts are zero or nearly so on one side of the "
                    "start); the series is too sparse for a count model.")
            est, lo, hi = math.exp(est), math.exp(lo), math.exp(hi)
        rows[name] = {
            "estimate": est,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": float(p),
            "scale": "ratio" if core.link == "log" else "difference",
            "se": se,
        }
    effects = pd.DataFrame.from_dict(rows, orient="index")
    effects.index.name = "term"

    # fitted and counterfactual for every input row (treated series / modelled series)
    fitted = _fitted_frame(s, X, core, q, used, phase_in, effect_t, y_model, comp_s, time, effect_names)

    lb_lags = int(min(12, max(1, len(core.std_resid) // 5)))
    lb = acorr_ljungbox(core.std_resid, lags=[lb_lags])
    lb_p = float(np.asarray(lb["lb_pvalue"])[0])
    diagnostics: dict[str, Any] = {
        "durbin_watson": float(durbin_watson(core.std_resid)),
        "ljung_box_p": lb_p,
        "ljung_box_lags": lb_lags,
        "rho": [float(r) for r in core.rho],
        "overdispersion": core.overdispersion,
        "residual_autocorrelation": bool(lb_p < 0.05),
        "residual_sd": float(np.sqrt(core.scale)) if core.link == "identity" else None,
    }
    diagnostics.update(core.extra)
    notes: list[str] = []
    if autocorrelation == "hac":
        notes.append(HAC_NOTE)
    if family == "poisson" and core.overdispersion is not None and core.overdispersion > 1.5:
        notes.append(
            f"The counts are overdispersed (Pearson chi2/df = {core.overdispersion:.2f}); Poisson "
            "intervals are too narrow. Use quasipoisson or negbin."
        )
    if diagnostics["residual_autocorrelation"]:
        notes.append(
            f"Residual autocorrelation remains (Ljung-Box p = {lb_p:.3f} at {lb_lags} lags): "
            "intervals may be too narrow."
        )
    if family in COUNT_FAMILIES and autocorrelation in ("ar1", "ar2"):
        if "count_ar_method" in core.extra:
            notes.append(
                "Count model with AR(1) errors on the linearised (IRLS working) scale: rho by "
                "REML, then GLS, iterated; see docs/methods.md."
            )
        else:
            notes.append(
                "Count model: the estimate is the GLM estimate; its variance is corrected for AR "
                "errors estimated from the Pearson residuals (sandwich), see docs/methods.md."
            )
    if int(s.exclude.sum()):
        notes.append(f"{int(s.exclude.sum())} month(s) excluded from the fit (e.g. COVID closures).")

    spec = {
        "outcome": outcome,
        "time": time,
        "start": str(start),
        "family": family,
        "offset": offset if isinstance(offset, str) else (None if offset is None else "given"),
        "level_change": level_change,
        "slope_change": slope_change,
        "lag": int(lag),
        "seasonality": seasonality,
        "harmonics": harmonics,
        "period": period,
        "covariates": list(covariates) if covariates else [],
        "autocorrelation": autocorrelation,
        "alpha": alpha,
        "comparison": comparison is not None,
        "comparison_model": (
            None if comparison is None else ("difference" if family == "gaussian" else "stacked")
        ),
        "n_excluded": int(s.exclude.sum()),
        "interval": "t" if core.df is not None else "normal",
    }
    return ItsResult(
        effects=effects,
        fitted=fitted,
        n_pre=n_pre,
        n_post=n_post,
        diagnostics=diagnostics,
        spec=spec,
        notes=notes,
        model=core.model,
        design={
            "X": Xf,
            "y": yu,
            "offset": offs,
            "groups": groups,
            "effect_names": {k: v for k, v in effect_names.items() if v in Xf.columns},
            "params": core.params,
            "cov": core.cov,
            "rho": core.rho,
            "scale": core.scale,
            "df": core.df,
            "overdispersion": core.overdispersion,
            "negbin_alpha": core.extra.get("negbin_alpha"),
        },
    )


def _align_comparison(
    comparison: pd.DataFrame,
    s: _Series,
    outcome: str,
    time: str,
    start: Any,
    *,
    family: str,
    offset: str | None,
    covariates: Sequence[str] | None,
    period: int | None,
) -> _Series:
    if not isinstance(comparison, pd.DataFrame):
        raise ConfigError("comparison must be a DataFrame with the same columns as data.")
    for col in [outcome, time] + ([offset] if isinstance(offset, str) else []):
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
    cs = _validate_series(
        comp, outcome, time, start, family=family, offset=offset, exclude=None,
        covariates=covariates, period=period, what="comparison",
    )
    return cs


def _stack(Xu: pd.DataFrame, s: _Series, c: _Series, used: np.ndarray):
    """Stacked design for a controlled count ITS: every term also interacted with the group."""
    n = len(Xu)
    base = pd.concat([Xu, Xu], ignore_index=True)
    g = np.r_[np.ones(n), np.zeros(n)]
    inter = base.mul(g, axis=0).add_prefix("g_")
    Xs = pd.concat([base, inter], axis=1)
    ys = np.r_[s.y[used], c.y[used]]
    if not np.isfinite(ys).all():
        raise DataError("the comparison series has missing outcome values in months that are used.")
    offs = None
    if s.offset is not None:
        offs = np.r_[s.offset[used], c.offset[used]]
    return Xs, ys, offs, g.astype(int)


def _fitted_frame(
    s: _Series,
    X: pd.DataFrame,
    core: _Core,
    q: float,
    used: np.ndarray,
    phase_in: np.ndarray,
    effect_t: float,
    y_model: np.ndarray,
    comp_s: _Series | None,
    time: str,
    effect_names: dict[str, str],
) -> pd.DataFrame:
    params = core.params
    cols = list(params.index)
    if comp_s is not None and core.link == "log":
        # treated rows of the stacked design: base terms + g_ terms
        Xt = pd.concat([X, X.add_prefix("g_")], axis=1)
        offset = s.offset
    else:
        Xt = X
        offset = s.offset if comp_s is None else None
    Xt = Xt.reindex(columns=cols, fill_value=0.0)
    # rows whose season level was never seen in the fit: predictions are not defined
    season_cols = [c for c in X.columns if c.startswith("season_")]
    unseen = np.zeros(len(s.y), dtype=bool)
    if season_cols and s.season_key is not None:
        seen = set(s.season_key[used].tolist())
        unseen = ~np.isin(s.season_key, list(seen))
    Xcf = Xt.copy()
    for term in ("level", "slope"):
        for name in (term, f"g_{term}"):
            if name in Xcf.columns and name in (effect_names["level"], effect_names["slope"]):
                Xcf[name] = 0.0
    V = core.cov.to_numpy()
    b = params.to_numpy()

    def band(M: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        A = M.to_numpy()
        eta = A @ b
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", A, V, A), 0.0))
        lo, hi = eta - q * se, eta + q * se
        if core.link == "log":
            off = offset if offset is not None else 0.0
            eta, lo, hi = np.exp(eta + off), np.exp(lo + off), np.exp(hi + off)
        for arr in (eta, lo, hi):
            arr[unseen] = np.nan
        return eta, lo, hi

    fit, fit_lo, fit_hi = band(Xt)
    cf, cf_lo, cf_hi = band(Xcf)
    segment = np.where(s.t < s.start_t, "pre", np.where(phase_in, "phase_in", "post"))
    out = pd.DataFrame(
        {
            "time": s.t,
            time if time != "time" else "time_value": s.tvalue.to_numpy(),
            "observed": y_model if comp_s is not None and core.link == "identity" else s.y,
            "fitted": fit,
            "fit_low": fit_lo,
            "fit_high": fit_hi,
            "counterfactual": cf,
            "cf_low": cf_lo,
            "cf_high": cf_hi,
            "segment": segment,
            "excluded": ~used,
        }
    )
    if comp_s is not None:
        out["comparison_observed"] = comp_s.y
    return out
