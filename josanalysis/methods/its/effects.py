"""From fitted coefficients to what a reader sees: the effects and the fitted/counterfactual
series with their bands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special, stats

from josanalysis.core.errors import DataError
from josanalysis.methods.its.design import Segments
from josanalysis.methods.its.estimator import RegressionFit
from josanalysis.methods.its.spec import ItsSpec
from josanalysis.methods.its.validation import ValidatedSeries

__all__ = ["MAX_LOG_RATIO", "unbounded_log_ratio", "critical_value", "effects_table", "fitted_frame"]

#: Largest absolute log rate ratio (or interval end) reported: exp(+-50) ~ 5e21 or 2e-22 is no
#: finding but a likelihood without a finite maximum (beyond about 709 ``math.exp`` overflows).
MAX_LOG_RATIO = 50.0


def unbounded_log_ratio(est: float, se: float, q: float) -> bool:
    """True when a log-scale estimate or its interval ``est +- q se`` leaves +-:data:`MAX_LOG_RATIO`.

    That is quasi-separation (counts of zero, or nearly so, on one side of the start): the
    likelihood has no finite maximum and the interval no upper end.

    Examples
    --------
    >>> unbounded_log_ratio(-0.2, 0.1, 1.96), unbounded_log_ratio(-30.0, 12.0, 1.96)
    (False, True)
    """
    return abs(est) + q * se > MAX_LOG_RATIO


def critical_value(core: RegressionFit, alpha: float) -> float:
    """The two-sided quantile of the intervals: t with ``core.df`` degrees of freedom, else normal."""
    return stats.norm.ppf(1 - alpha / 2) if core.df is None else stats.t.ppf(1 - alpha / 2, core.df)


def _contrasts(spec: ItsSpec, effect_names: dict[str, str], k_end: float) -> list[tuple[str, dict[str, float]]]:
    """Each reported term as weights on design columns: level, slope, and the effect at the end."""
    terms = []
    if spec.level_change:
        terms.append(("level", {effect_names["level"]: 1.0}))
    if spec.slope_change:
        terms.append(("slope", {effect_names["slope"]: 1.0}))
    end_w = {}
    if spec.level_change:
        end_w[effect_names["level"]] = 1.0
    if spec.slope_change:
        end_w[effect_names["slope"]] = k_end
    terms.append(("end", end_w))
    return terms


def effects_table(core: RegressionFit, spec: ItsSpec, s: ValidatedSeries, seg: Segments,
                  effect_names: dict[str, str], q: float) -> pd.DataFrame:
    """The effects: ``level``, ``slope`` and ``end`` with interval, p-value, scale and SE.

    Raises
    ------
    DataError
        A rate ratio without a finite interval (:func:`unbounded_log_ratio`).
    """
    k_end = float(s.t[seg.post].max() - seg.effect_t + 1.0)
    pnames = list(core.params.index)
    b_arr = core.params.to_numpy()
    V_arr = core.cov.to_numpy()
    rows = {}
    for name, weights in _contrasts(spec, effect_names, k_end):
        c = np.zeros(len(pnames))
        for k, v in weights.items():
            c[pnames.index(k)] = v
        est = float(c @ b_arr)
        se = float(np.sqrt(max(c @ V_arr @ c, 0.0)))
        zt = est / se if se > 0 else np.nan
        # the survival functions of scipy.stats.norm / t, without their per-call argument checks
        p = 2 * (special.ndtr(-abs(zt)) if core.df is None else special.stdtr(core.df, -abs(zt)))
        lo, hi = est - q * se, est + q * se
        if core.link == "log":
            if unbounded_log_ratio(est, se, q):
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
    return effects


def _prediction_designs(s: ValidatedSeries, X: pd.DataFrame, core: RegressionFit, comp: ValidatedSeries | None,
                        effect_names: dict[str, str]):
    """Design of the (treated) modelled series for every row, its counterfactual, and the offset."""
    if comp is not None and core.link == "log":
        # treated rows of the stacked design: base terms + g_ terms
        Xt = pd.concat([X, X.add_prefix("g_")], axis=1)
        offset = s.offset
    else:
        Xt = X
        offset = s.offset if comp is None else None
    Xt = Xt.reindex(columns=list(core.params.index), fill_value=0.0)
    Xcf = Xt.copy()
    for term in ("level", "slope"):
        for name in (term, f"g_{term}"):
            if name in Xcf.columns and name in (effect_names["level"], effect_names["slope"]):
                Xcf[name] = 0.0
    return Xt, Xcf, offset


def _unseen_seasons(s: ValidatedSeries, X: pd.DataFrame, used: np.ndarray) -> np.ndarray:
    """Rows whose season level was never seen in the fit: predictions are not defined there."""
    season_cols = [c for c in X.columns if c.startswith("season_")]
    unseen = np.zeros(len(s.y), dtype=bool)
    if season_cols and s.season_key is not None:
        seen = set(s.season_key[used].tolist())
        unseen = ~np.isin(s.season_key, list(seen))
    return unseen


def fitted_frame(s: ValidatedSeries, X: pd.DataFrame, core: RegressionFit, q: float, seg: Segments,
                 y_model: np.ndarray, comp: ValidatedSeries | None, time: str,
                 effect_names: dict[str, str]) -> pd.DataFrame:
    """One row per input row: observed, fitted and counterfactual with bands, segment, excluded.

    The bands are for the modelled mean (not prediction intervals); count families give
    expected counts (offset included).
    """
    Xt, Xcf, offset = _prediction_designs(s, X, core, comp, effect_names)
    unseen = _unseen_seasons(s, X, seg.used)
    V = core.cov.to_numpy()
    b = core.params.to_numpy()

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
    segment = np.where(s.t < s.start_t, "pre", np.where(seg.phase_in, "phase_in", "post"))
    out = pd.DataFrame(
        {
            "time": s.t,
            time if time != "time" else "time_value": s.tvalue.to_numpy(),
            "observed": y_model if comp is not None and core.link == "identity" else s.y,
            "fitted": fit,
            "fit_low": fit_lo,
            "fit_high": fit_hi,
            "counterfactual": cf,
            "cf_low": cf_lo,
            "cf_high": cf_hi,
            "segment": segment,
            "excluded": ~seg.used,
        }
    )
    if comp is not None:
        out["comparison_observed"] = comp.y
    return out
