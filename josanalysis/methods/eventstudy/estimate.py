"""The event study entry point :func:`event_study`: prepare the panel, estimate with pyfixest's
did2s (the estimator of record), reproduce it as a linear map, bootstrap, and tabulate."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError
from josanalysis.methods.eventstudy.data import NEVER, EventPanel, prepare_panel
from josanalysis.methods.eventstudy.inference import (
    BootstrapIntervals,
    LinearEstimator,
    wild_cluster_bootstrap,
)
from josanalysis.methods.eventstudy.randomization import RandomizationTest, randomization_tests
from josanalysis.methods.eventstudy.result import EventStudyResult

__all__ = ["event_study"]


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit: str,
    time: str,
    start: str | Mapping[Any, Any],
    exclude: Any = None,
    max_lead: int = 3,
    max_lag: int | None = None,
    alpha: float = 0.05,
    n_boot: int = 9999,
    n_permutations: int = 0,
    seed: int = 0,
    pooled_from: int = 0,
) -> EventStudyResult:
    """Event study (effect by year since start) and pooled ATT for a staggered roll-out.

    Parameters
    ----------
    panel
        Long frame, one row per school and month (lesson months only; gaps stay gaps).
    outcome
        A rate or level (linear model). For counts, pass the rate (count / denominator).
    unit
        Column identifying the school.
    time
        Column with the month (Timestamp, month start).
    start
        Column with each school's JOS start date (empty/NaT = never started), or a mapping
        school -> date/None. Schools whose start lies after the last month count as
        never treated within the data.
    exclude
        Rows to leave out (e.g. COVID closures): a boolean column name or a list of
        ``(start, end)`` windows. Usually not needed: month fixed effects absorb common shocks.
    max_lead
        Pre-start years reported as pre-trend checks (-max_lead .. -1); earlier ones stay in the
        untreated model, unreported.
    max_lag
        Years since start reported separately; later years go into the last one.
    alpha
        1 - confidence level.
    n_boot
        Bootstrap draws above 14 schools (otherwise all 2^G sign patterns).
    n_permutations
        If > 0, a randomization test of the pooled effect and the post-start years (columns
        ``ri_*``): the start dates reassigned among the schools this many times, or all distinct
        reassignments when there are at most ``n_permutations + 1``.
    seed
        Random seed.
    pooled_from
        The pooled effect averages the event years from this one on (0: every treated
        school-month; 1: without the first year, whose effect can differ, e.g. a first-year rise
        in referrals from earlier detection).

    Returns
    -------
    EventStudyResult

    Raises
    ------
    DataError
        Missing columns, duplicate school-months, no untreated comparison months, fewer than
        3 schools.
    ConfigError
        Bad arguments.

    Examples
    --------
    >>> res = event_study(panel, "absence_rate", unit="school", time="month",
    ...                   start={"A": "2022-08-01", "B": None, "C": "2024-08-01"})  # doctest: +SKIP
    """
    if not isinstance(panel, pd.DataFrame):
        raise ConfigError("panel must be a pandas DataFrame.")
    if not (0 < alpha < 1):
        raise ConfigError("alpha must lie between 0 and 1.")
    if max_lead < 0 or (max_lag is not None and max_lag < 0):
        raise ConfigError("max_lead and max_lag must be >= 0.")
    ep = prepare_panel(panel, outcome, unit=unit, time=time, start=start, exclude=exclude,
                       max_lead=max_lead, max_lag=max_lag)
    ref = _did2s(ep)
    est = LinearEstimator.from_panel(ep, ref.years)
    theta_hat = est.estimates()
    if pooled_from < 0 or not any(e >= pooled_from for e in ref.years):
        raise ConfigError(f"pooled_from is {pooled_from}; no event year from there on is observed.")
    ref.check(theta_hat, _att_weights(est), est.y)
    w_att = _att_weights(est, pooled_from)
    att_se_pf = float(math.sqrt(max(w_att @ ref.vcov @ w_att, 0.0)))
    # the pooled effect as the weighted mean of the event years (= the ATT at pooled_from 0, checked)
    theta_hat = np.r_[theta_hat[:-1], w_att @ theta_hat[:-1]]
    rng = np.random.default_rng(seed)
    boot = wild_cluster_bootstrap(est, theta_hat, w_att, alpha, n_boot, rng)
    event, att = _tables(ep, est, theta_hat, boot, ref, att_se_pf)
    exact = _add_randomization(event, att, est, randomization_tests(
        ep, est, theta_hat, pooled_from=pooled_from, max_lag=max_lag, n_permutations=n_permutations,
        alpha=alpha, rng=rng)) if n_permutations > 0 else None
    spec = _settings(boot, alpha=alpha, max_lead=max_lead, max_lag=max_lag, n_permutations=n_permutations,
                     randomization_exact=exact, outcome=outcome, pooled_from=pooled_from)
    return EventStudyResult(event=event, att=att, n_units=ep.n_units, n_treated=ep.n_treated,
                            n_never=ep.n_never, spec=spec, notes=tuple(_notes(ep, est)))


def _settings(boot: BootstrapIntervals, **settings: Any) -> dict[str, Any]:
    """The settings recorded in the result (estimator, fixed effects, controls, inference, ...)."""
    return {
        "estimator": "did2s (Gardner 2021 two-stage imputation; pyfixest)",
        "fixed_effects": "school + calendar month",
        "controls": "never-treated and not-yet-treated school-months",
        "inference": (
            f"wild cluster bootstrap by school with the null imposed (WCR; {boot.kind}); "
            "intervals by test inversion"
        ),
        **settings,
    }


@dataclass(frozen=True)
class _Did2sFit:
    """pyfixest's did2s event-study fit: coefficients, cluster SEs and covariance by event year."""

    years: list[int]
    coef: dict[int, float]
    se: dict[int, float]
    vcov: np.ndarray  # in the order of ``years``

    def check(self, theta_hat: np.ndarray, w_att: np.ndarray, y: np.ndarray) -> float:
        """Check that the linear map reproduces pyfixest; return pyfixest's SE of the ATT."""
        es_vec = np.array([self.coef[e] for e in self.years])
        att_pf = float(w_att @ es_vec)
        att_se_pf = float(math.sqrt(max(w_att @ self.vcov @ w_att, 0.0)))
        check = np.r_[es_vec, att_pf]
        # pyfixest demeans iteratively (tolerance ~1e-8), so allow a tiny difference
        if not np.allclose(theta_hat, check, rtol=1e-4, atol=1e-4 * max(float(np.std(y)), 1e-12)):
            raise RuntimeError(f"internal check failed: bootstrap map does not reproduce pyfixest did2s "
                               f"({theta_hat} vs {check}).")
        return att_se_pf


def _did2s(ep: EventPanel) -> _Did2sFit:
    """Point estimates and reference SEs with pyfixest (the estimator of record)."""
    import pyfixest as pf  # slow to import: only when an event study runs

    fdf = ep.df.rename(columns={ep.unit: "_unit"})[["_unit", "_period", "_y", "_treat", "_rel"]].copy()
    fdf["_unit"] = fdf["_unit"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_es = pf.did2s(
            fdf, yname="_y", first_stage="~ 0 | _unit + _period",
            second_stage=f"~ i(_rel, ref={NEVER})", treatment="_treat", cluster="_unit",
        )
    es_coef = fit_es.coef()
    es_se = fit_es.se()
    years = sorted(int(float(str(k).split("::")[1])) for k in es_coef.index)
    key = {int(float(str(k).split("::")[1])): k for k in es_coef.index}
    order = [list(es_coef.index).index(key[e]) for e in years]
    return _Did2sFit(years=years, coef={e: es_coef[key[e]] for e in years},
                     se={e: float(es_se[key[e]]) for e in years},
                     vcov=np.asarray(fit_es._vcov)[np.ix_(order, order)])


def _att_weights(est: LinearEstimator, pooled_from: int = 0) -> np.ndarray:
    """The pooled ATT as a weighted mean of the event-year estimates from ``pooled_from`` on.

    With ``pooled_from=0`` the ATT is the mean over treated school-months = the n-weighted mean
    of the post-start event-year estimates (exactly pyfixest's did2s with second stage ~ 0 + treat).
    """
    w_att = np.array([(est.rel == e).sum() if e >= pooled_from else 0 for e in est.years], dtype=float)
    return w_att / w_att.sum()


def _tables(ep: EventPanel, est: LinearEstimator, theta_hat: np.ndarray, boot: BootstrapIntervals,
            ref: _Did2sFit, att_se_pf: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The event-year table and the pooled ATT row."""
    years, rel_arr = est.years, est.rel
    n_obs = {e: int((rel_arr == e).sum()) for e in years}
    n_un = {e: int(ep.df.loc[rel_arr == e, ep.unit].nunique()) for e in years}
    # a bootstrap over schools says nothing about a year observed in one school only
    one = np.array([n_un[e] < 2 for e in years] + [ep.n_treated < 2])
    ci_lo_all = np.where(one, np.nan, boot.ci_low)
    ci_hi_all = np.where(one, np.nan, boot.ci_high)
    pvals = np.where(one, np.nan, boot.p_values)
    event = pd.DataFrame(
        {
            "estimate": theta_hat[:-1],
            "ci_low": ci_lo_all[:-1],
            "ci_high": ci_hi_all[:-1],
            "p_value": pvals[:-1],
            "se_cluster": [ref.se[e] for e in years],
            "n_obs": [n_obs[e] for e in years],
            "n_units": [n_un[e] for e in years],
        },
        index=pd.Index(years, name="event_year"),
    )
    att = pd.DataFrame(
        {
            "estimate": [theta_hat[-1]],
            "ci_low": [ci_lo_all[-1]],
            "ci_high": [ci_hi_all[-1]],
            "p_value": [pvals[-1]],
            "se_cluster": [att_se_pf],
            "n_obs": [int(est.treat.sum())],
            "n_units": [ep.n_treated],
        },
        index=pd.Index(["att"], name="term"),
    )
    return event, att


def _add_randomization(event: pd.DataFrame, att: pd.DataFrame, est: LinearEstimator, rt: RandomizationTest) -> bool:
    """Add the randomization columns (post-start event years and the pooled effect; NaN for
    leads); return whether every distinct reassignment was enumerated."""
    post = [e for e in est.years if e >= 0]
    for col, values in (("ri_p_value", rt.p_value), ("ri_n_permutations", rt.n_permutations),
                        ("ri_threshold", rt.threshold)):
        event[col] = pd.Series(values[:-1], index=post, dtype=float).reindex(event.index)
        att[col] = [float(values[-1])]
    return rt.exact


def _notes(ep: EventPanel, est: LinearEstimator) -> list[str]:
    """Dutch warnings for the region report: thin event years, few never-treated schools."""
    notes = []
    thin = [e for e in est.years if ep.df.loc[est.rel == e, ep.unit].nunique() < 3]
    if thin:
        notes.append(
            f"Schooljaar/-jaren {', '.join(map(str, thin))} na de start berusten op minder dan 3 scholen: "
            "lees ze met voorzichtigheid (geen interval waar maar één school is waargenomen)."
        )
    if ep.single:
        notes.append(
            f"{', '.join(ep.single)}: maar één meetpunt, dus niet in de schatting (het eigen schoolniveau "
            "neemt dat ene punt volledig op; het draagt niets bij aan de vergelijking)."
        )
    if ep.n_never < 2:
        notes.append(
            "Minder dan 2 scholen zonder JOS: de later startende scholen dragen de vergelijking; de "
            "laatste jaren hebben geen vergelijking meer zodra alle scholen zijn gestart."
        )
    return notes
