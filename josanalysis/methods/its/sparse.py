"""Counts that (nearly) vanish after the start: an exact observed/expected interval.

When the events of a count series stop after the start, the count model's likelihood has no
finite maximum for the post-period terms (quasi-separation): the level change runs to minus
infinity and its Wald interval has no upper end. The data are then not uninformative -- a
series that had 5 events a month and has none since reads as a clear decrease -- but the
question the model can answer changes. This module answers it directly:

1. the pre-specified model *without* the impact terms is fitted to the points before the start
   (same family, offset, seasonality and error model); its prediction over the used post-period
   months is the expected count ``E`` without a change, with the standard error ``s`` of
   ``log E`` from the fitted covariance (dispersion and AR(1) errors included);
2. the observed post-period count ``O`` is compared with ``E``: the rate ratio
   ``R = O / E`` (0 when no event remains) gets the exact (Garwood) Poisson interval, on the
   scale of the fitted dispersion: ``O / phi`` ~ Poisson(``R E / phi``), where ``phi`` is the
   variance of the post-period sum over its mean under the fitted model -- the marginal
   dispersion times the AR(1) inflation ``sqrt(mu)' R_ar sqrt(mu) / sum(mu)``;
3. the uncertainty of ``E`` is included by averaging the exact tail probabilities over
   ``log E ~ N(log E_hat, s^2)`` (Gauss-Hermite quadrature): the interval holds every ``R`` whose
   averaged one-sided tail probability exceeds ``alpha / 2``.

With ``s = 0`` and ``phi = 1`` this is the exact Poisson interval: for ``O = 0`` the upper end is
``-log(alpha / 2) / E`` (3.69 / E at alpha 0.05). ``docs/methods.md`` §2 gives the reasons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, special

from josanalysis.core.errors import DataError
from josanalysis.methods.its.counts import fit_count
from josanalysis.methods.its.design import ModelData, Segments
from josanalysis.methods.its.effects import MAX_LOG_RATIO
from josanalysis.methods.its.estimator import RegressionFit, marginal_dispersion
from josanalysis.methods.its.spec import ItsSpec
from josanalysis.methods.its.validation import ValidatedSeries

__all__ = ["OBSERVED_EXPECTED", "RatioInterval", "observed_expected_interval", "ObservedExpectedFit",
           "observed_expected_fit"]

#: The ``interval`` of a fit whose primary estimate is the observed/expected ratio of this module.
OBSERVED_EXPECTED = "observed_expected"

_NODES, _WEIGHTS = hermegauss(40)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True)
class RatioInterval:
    """A rate ratio observed/expected with its exact interval and two-sided p-value (at 1)."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


def _tails(ratio: float, k: float, e: float, s: float) -> tuple[float, float]:
    """``P(Y <= k)`` and ``P(Y >= k)`` for ``Y ~ Poisson(ratio * E')``, ``log E' ~ N(log e, s^2)``.

    ``k`` may be fractional (a count on the dispersion scale): the regularised incomplete gamma
    functions continue the Poisson distribution function.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        lam = np.minimum(ratio * e * np.exp(np.minimum(s * _NODES, 700.0)), np.finfo(float).max)
    below = float(_WEIGHTS @ special.gammaincc(k + 1.0, lam))
    above = 1.0 if k <= 0 else float(_WEIGHTS @ special.gammainc(k, lam))
    return below, above


def _solve(f, target: float) -> float:
    """The log ratio where the monotone ``f(log ratio)`` crosses ``target`` (bracket widened up to
    +-:data:`~josanalysis.methods.its.effects.MAX_LOG_RATIO`).

    Raises
    ------
    DataError
        When it does not cross there: the interval has no finite end (the expected count is too
        uncertain, e.g. a steep trend extrapolated far beyond a short pre-period).
    """
    lo, hi = -5.0, 5.0
    while (f(lo) - target) * (f(hi) - target) > 0:
        if hi >= MAX_LOG_RATIO:
            raise DataError("the observed/expected ratio has no finite interval: the expected count after the "
                            "start is too uncertain (the pre-period model's trend cannot be extrapolated that far).")
        lo, hi = max(lo - 15.0, -MAX_LOG_RATIO), min(hi + 15.0, MAX_LOG_RATIO)
    return optimize.brentq(lambda x: f(x) - target, lo, hi, xtol=1e-10)


def observed_expected_interval(observed: float, expected: float, *, log_se: float = 0.0,
                               dispersion: float = 1.0, alpha: float = 0.05) -> RatioInterval:
    """The rate ratio observed/expected with an exact interval that includes the uncertainty of
    the expected count.

    Parameters
    ----------
    observed
        Events counted (``O`` >= 0).
    expected
        Events expected without a change (``E`` > 0).
    log_se
        Standard error of ``log E`` (0: ``E`` known exactly).
    dispersion
        Variance over mean of ``O`` under the model (1: Poisson); counts are divided by it.
    alpha
        Two-sided level: a (1 - alpha) interval.

    Returns
    -------
    RatioInterval
        ``estimate = O / E`` (0 when ``O = 0``), the interval (lower end 0 when ``O = 0``) and the
        two-sided p-value of ``R = 1`` (twice the smaller tail, at most 1).

    Raises
    ------
    DataError
        When ``expected`` is not positive or ``observed`` is negative.

    Examples
    --------
    No event where 20 were expected: the upper end is -log(0.025) / 20.

    >>> r = observed_expected_interval(0, 20.0)
    >>> r.estimate, r.ci_low, round(r.ci_high, 4), round(-math.log(0.025) / 20, 4)
    (0.0, 0.0, 0.1844, 0.1844)
    """
    if not (np.isfinite(expected) and expected > 0):
        raise DataError(f"the expected count is {expected!r}; an observed/expected ratio needs a positive "
                        "expected count (are there events before the start?).")
    if not (np.isfinite(observed) and observed >= 0):
        raise DataError(f"the observed count is {observed!r}; it must be a count of 0 or more.")
    phi = max(float(dispersion), 1e-9)
    k, e, s = observed / phi, expected / phi, max(float(log_se), 0.0)
    hi = math.exp(_solve(lambda x: _tails(math.exp(x), k, e, s)[0], alpha / 2))
    lo = 0.0 if k <= 0 else math.exp(_solve(lambda x: _tails(math.exp(x), k, e, s)[1], alpha / 2))
    below, above = _tails(1.0, k, e, s)
    return RatioInterval(estimate=observed / expected, ci_low=lo, ci_high=hi,
                         p_value=min(1.0, 2.0 * min(below, above)))


@dataclass(frozen=True)
class ObservedExpectedFit:
    """The pre-period fit and the observed/expected ratio of the post-period.

    Attributes
    ----------
    core
        The model without impact terms, fitted to the points before the start.
    X
        Its design for every input row (the columns the pre-period supports).
    ratio
        The observed/expected ratio with its interval.
    observed, expected, log_se, dispersion
        ``O``, ``E``, the standard error of ``log E`` and the dispersion of the post-period sum.
    """

    core: RegressionFit
    X: pd.DataFrame
    ratio: RatioInterval
    observed: float
    expected: float
    log_se: float
    dispersion: float


def _ar_inflation(mu: np.ndarray, rho: float) -> float:
    """``sqrt(mu)' R sqrt(mu) / sum(mu)`` with ``R`` the AR(1) correlation of consecutive points
    (``rho`` below 0 counts as 0: the interval is never narrowed for it)."""
    r = min(max(rho, 0.0), 0.99)
    idx = np.arange(len(mu))
    R = r ** np.abs(idx[:, None] - idx[None, :])
    sq = np.sqrt(mu)
    return float(sq @ R @ sq / np.sum(mu))


def observed_expected_fit(X: pd.DataFrame, md: ModelData, s: ValidatedSeries, seg: Segments,
                          spec: ItsSpec) -> ObservedExpectedFit:
    """Fit the model without impact terms to the pre-period and compare the post-period with it.

    Parameters
    ----------
    X
        The full design matrix (every input row) of :func:`~josanalysis.methods.its.design.design_matrix`.
    md
        The model data of the uncontrolled count fit (used rows).
    s, seg
        The validated series and its segments.
    spec
        The model (count family).

    Returns
    -------
    ObservedExpectedFit

    Raises
    ------
    DataError
        When the pre-period has no events or the model cannot be fitted to it.
    """
    t_used = s.t[seg.used]
    pre, post = t_used < s.start_t, t_used >= seg.effect_t
    if float(np.sum(md.y[pre])) == 0.0:
        raise DataError("there are no events before the start: without them there is no expected count to "
                        "compare the period after the start with.")
    impact = set(md.effect_names.values())
    Xpre = md.X.loc[pre, [c for c in md.X.columns if c not in impact]]
    Xpre = Xpre.loc[:, (Xpre != 0).any(axis=0) | (Xpre.columns == "const")].reset_index(drop=True)
    off = md.offset
    core = fit_count(md.y[pre], Xpre, spec.family, None if off is None else off[pre], spec.autocorrelation,
                     rho=spec.ar_coefficient)
    Xpost = md.X.loc[post, list(Xpre.columns)].to_numpy(dtype=float)
    b, V = core.params.to_numpy(), core.cov.to_numpy()
    with np.errstate(over="ignore"):   # an exploding extrapolated trend is refused just below
        mu = np.exp(Xpost @ b + (0.0 if off is None else off[post]))
    expected = float(np.sum(mu))
    if not (np.isfinite(expected) and expected > 0):
        raise DataError(f"the pre-period model expects {expected!r} events after the start: its trend cannot be "
                        "extrapolated over the period after the start.")
    grad = Xpost.T @ mu / expected
    log_se = float(math.sqrt(max(grad @ V @ grad, 0.0)))
    phi = marginal_dispersion(spec.family, core)
    if spec.family == "negbin":
        phi = 1.0 + float(core.extra.get("negbin_alpha", 0.0)) * float(np.sum(mu**2) / expected)
    if spec.autocorrelation in ("ar1", "ar2") and len(core.rho):
        phi *= _ar_inflation(mu, float(core.rho[0]))
    observed = float(np.sum(md.y[post]))
    ratio = observed_expected_interval(observed, expected, log_se=log_se, dispersion=phi, alpha=spec.alpha)
    return ObservedExpectedFit(core=core, X=X.loc[:, list(Xpre.columns)], ratio=ratio, observed=observed,
                               expected=expected, log_se=log_se, dispersion=phi)
