"""The power of the whole verdict rule on a count series, summed over the post-period count.

The normal rule ``MDE = (crit + z_power) x SE`` treats the estimated log rate ratio as normal
with a fixed standard error. A count series that keeps a handful of events after the start
does not behave like that: the estimate and its standard error both follow the realised
post-period count ``M``. When ``M`` falls short by chance the estimate is more negative *and*
its standard error larger (the Wald statistic of a log ratio shrinks for large decreases, the
Hauck-Donner effect), and ``M`` is discrete. :class:`CountRulePower` therefore computes the
power of the rule as a sum over the possible counts:

``power(delta) = sum_k P(M = k | delta) x P(rule claims | M = k)``

* ``M`` -- the events after the start -- is negative binomial with mean ``m(delta)`` (the
  counterfactual means moved by ``delta`` where the term applies) and the variance of the
  post-period sum under the fitted model (its dispersion read as NB2 over-dispersion at the
  alternative, times the AR(1) inflation of a sum of correlated months); Poisson when that is no
  more than ``m(delta)``;
* the fit's own log post-period total ``F`` (a linear function of its estimates) is normal given
  ``M = k`` (``Cov(F, log M) = Var(F)``), and the estimate given ``F`` is ``delta + beta (F - log
  m) + xi`` with ``beta = Cov(estimate, F) / Var(F)`` and ``xi`` normal with the rest of the
  variance ``SE(delta)^2 - beta^2 Var(F)``; the fit reports ``SE(delta_F)``, the standard error at
  the means it fitted (``log m(delta_F) = F``), and the rule claims the change when ``|estimate| >
  max(crit SE(delta_F), threshold)`` in the direction of ``delta``. With independent errors
  ``F = log M`` and, for a level change, ``beta = 1``: the estimate follows the count. With strong
  AR(1) errors the GLS estimate reads a level change mostly from the step at the start and follows
  the count only a little (issue 18);
* with fewer events than the post-period terms the model estimates from them (a level and a
  slope change: 2) the post-period line is not determined (one event fixes no slope): the
  estimate runs off and its interval with it, so such a count is counted as not detected (in
  simulated series of about 3 events a month the rule claimed 27% of the series left with one
  event, the normal approximation said 53%);
* ``M = 0`` has no finite estimate: the fit then compares the post-period with the count the
  pre-period model expects (:func:`~josanalysis.methods.its.sparse.observed_expected_interval`),
  which claims a decrease when its exact interval excludes 1.

For a large expected count ``M`` concentrates at ``m(delta)`` and the sum becomes the normal
rule. Standard errors come from the information of the fit's own estimator (its AR(1) errors
included) re-weighted at each alternative (``docs/methods.md`` §2), computed once on a grid of
``delta``: tens of milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from josanalysis.core.errors import DataError
from josanalysis.methods.its import ItsFit
from josanalysis.methods.its.effects import MAX_LOG_RATIO
from josanalysis.methods.its.estimator import marginal_dispersion
from josanalysis.methods.its.gaussian import prais_winsten
from josanalysis.methods.its.sparse import observed_expected_interval

__all__ = ["CountRulePower", "ObservedExpectedRule", "count_rule_power", "nb2_alpha", "observed_expected_rule"]

#: The post-period counts summed over: the mean +- this many standard deviations.
_SPREAD = 12.0

#: At most this many post-period counts per power (every step-th count beyond).
_MAX_POINTS = 400

#: Points on each side of 0 of the grid of alternatives on which the standard errors are computed.
_GRID = 161

#: Gauss-Hermite nodes and weights (probabilists') for the fit's post-period total given the count.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(8)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def nb2_alpha(fit: ItsFit) -> float:
    """The NB2 over-dispersion ``alpha`` the count MDE re-weights the information with.

    Negative binomial: the fitted ``alpha``. Quasi-Poisson: the fitted marginal dispersion read as
    NB2 over-dispersion at the mean count, ``alpha = (phi - 1) / mean(mu)`` (0 when ``phi <= 1``):
    the extra-Poisson variance of a stock of pupils grows with the square of the mean, so after a
    decrease the counts are relatively less over-dispersed. Poisson: 0.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> nb2_alpha(SimpleNamespace(spec={"family": "poisson"}))
    0.0
    """
    family = fit.spec["family"]
    des = getattr(fit, "design", None)
    if family == "negbin":
        return float(des.negbin_alpha or 0.0)
    if family != "quasipoisson":
        return 0.0
    mean_mu = float(np.mean(np.exp(des.counterfactual_eta())))
    return max(marginal_dispersion("quasipoisson", des) - 1.0, 0.0) / mean_mu


@dataclass(frozen=True)
class CountRulePower:
    """The power of the whole verdict rule on a count series (see the module docstring).

    Attributes
    ----------
    grid
        Alternatives ``delta`` (link scale) on which the moments below are tabulated.
    log_m
        ``log m(delta)``: the expected post-period count.
    log_se2
        ``log SE(delta)^2``: the variance of the term's estimate.
    log_var_m
        ``log Var(log M)``: the variance of the log post-period count ``M`` (the fitted dispersion
        and AR(1) correlation of the counts).
    log_var_fit, fit_slope
        ``log Var(F)`` of the fit's own log post-period total ``F`` (a linear function of the
        estimates), and ``Cov(estimate, F) / Var(F)``. None: the estimate follows the count itself
        (``F = log M``, slope 1), as with independent errors and a level change.
    crit, df
        Critical value of the interval and the degrees of freedom of its t quantile (None: normal).
    threshold
        The placebo threshold (link scale) a change must also exceed; 0 for none.
    zero_claims
        Whether a post-period without any event gets a claimed decrease (exact interval below 1).
    min_events
        The number of post-period terms the model estimates (level and slope change: 2): a
        post-period with at least one but fewer events than this is counted as not detected.
    """

    grid: np.ndarray
    log_m: np.ndarray
    log_se2: np.ndarray
    log_var_m: np.ndarray
    crit: float
    df: float | None
    threshold: float
    zero_claims: bool
    min_events: int = 1
    log_var_fit: np.ndarray | None = None
    fit_slope: np.ndarray | None = None

    def expected_count(self, delta: float) -> float:
        """``m(delta)``, the expected events after the start with a true effect ``delta``."""
        return float(math.exp(np.interp(delta, self.grid, self.log_m)))

    def se(self, delta: float) -> float:
        """The standard error of the estimate when the post-period holds ``m(delta)`` events."""
        return float(math.exp(0.5 * np.interp(delta, self.grid, self.log_se2)))

    def _count_distribution(self, delta: float) -> tuple[np.ndarray, np.ndarray]:
        """The post-period counts worth summing over and their probabilities (at most
        :data:`_MAX_POINTS` of them: far beyond a few hundred events the distribution is smooth
        and every ``step``-th count stands for its neighbours)."""
        m = self.expected_count(delta)
        d = max(m * math.exp(np.interp(delta, self.grid, self.log_var_m)), 1.0)   # variance / mean of M
        sd = math.sqrt(m * d)
        lo, hi = max(0, int(m - _SPREAD * sd)), int(math.ceil(m + _SPREAD * sd + _SPREAD))
        step = max(1, (hi - lo) // _MAX_POINTS)
        k = np.arange(lo, hi + 1, step, dtype=float)
        if d > 1.0 + 1e-9:                         # negative binomial: r = m / (d - 1), p = 1 / d
            r = m / (d - 1.0)
            logp = (special.gammaln(k + r) - special.gammaln(r) - special.gammaln(k + 1.0)
                    - r * math.log(d) + k * math.log1p(-1.0 / d))
        else:                                      # Poisson
            logp = k * math.log(m) - m - special.gammaln(k + 1.0)
        return k, step * np.exp(logp)

    def power(self, delta: float) -> float:
        """The probability that the rule claims a change in the direction of ``delta``.

        Examples
        --------
        A million expected events with the standard error of a Poisson log rate ratio whose
        post-period line is estimated from them (4 / m): the normal rule's MDE has power 0.8.

        >>> g = np.array([-10.0, 10.0])
        >>> p = CountRulePower(grid=g, log_m=np.log(1e6) + g, log_se2=np.log(4e-6) - g,
        ...                    log_var_m=np.log(1e-6) - g, crit=1.96, df=None, threshold=0.0,
        ...                    zero_claims=True)
        >>> round(p.power(-(1.96 + 0.8416) * 2e-3), 2)
        0.8
        """
        if delta == 0.0:
            return 0.0
        sign = 1.0 if delta > 0 else -1.0
        k, pk = self._count_distribution(delta)
        zero = pk[k == 0].sum() if (sign < 0 and self.zero_claims) else 0.0
        k, pk = k[k >= self.min_events], pk[k >= self.min_events]
        if not len(k):
            return float(zero)
        log_m = float(np.interp(delta, self.grid, self.log_m))
        var_m = math.exp(np.interp(delta, self.grid, self.log_var_m))
        se2 = math.exp(np.interp(delta, self.grid, self.log_se2))
        if self.log_var_fit is None or self.fit_slope is None:   # the estimate follows the count
            var_f, slope = var_m, 1.0
        else:
            var_f = min(math.exp(np.interp(delta, self.grid, self.log_var_fit)), var_m)
            slope = float(np.interp(delta, self.grid, self.fit_slope))
        # the fit's log post-period total F given M = k (F - E F, normal; exactly log(k / m) when F = log M)
        f = (var_f / var_m) * (np.log(k) - log_m)[:, None] + math.sqrt(var_f * (1.0 - var_f / var_m)) * _NODES
        d_f = np.interp(log_m + f, self.log_m, self.grid)          # the alternative the fit then sees
        mean = delta + slope * f                                   # the estimate given F, and its rest
        rest = math.sqrt(max(se2 - slope * slope * var_f, 1e-12 * se2))
        # the fit reports the standard error at the means it fitted
        z = (sign * mean - np.maximum(self.crit * np.exp(0.5 * np.interp(d_f, self.grid, self.log_se2)),
                                      self.threshold)) / rest
        claimed = special.stdtr(self.df, z) if self.df is not None else special.ndtr(z)
        return float(zero + pk @ (claimed @ _WEIGHTS))

    def mde(self, sign: float, power: float) -> float:
        """The smallest effect (link scale, with ``sign``) the rule claims with ``power``: the
        first crossing of ``power`` on the way out from 0 (the power of a Wald rule on counts
        need not grow monotonically for very large decreases), or the grid's end when the
        power is never reached there.
        """
        end = float(self.grid[0] if sign < 0 else self.grid[-1])
        prev = 0.0                                                # power(0) is 0 here: a valid bracket end
        for d in end * np.linspace(0.0, 1.0, 121)[1:] ** 2:      # fine near 0, coarse far out
            if self.power(float(d)) >= power:
                return float(optimize.brentq(lambda x: self.power(x) - power, prev, float(d), xtol=1e-10))
            prev = float(d)
        return end


def _moments(Xa: np.ndarray, j: int, eta0: np.ndarray, nb: float, post: np.ndarray,
             deltas: np.ndarray, rho: float = 0.0) -> np.ndarray:
    """Per alternative in ``deltas`` (one row each), at the counterfactual means moved by ``delta``
    where the term applies: ``m(delta)``, ``[I^-1]_jj``, ``c'I^-1 c`` (``c`` the gradient of
    ``log m``: the variance of the fit's log post-period total), ``h'R h / m^2`` (the variance of
    the log post-period count, ``h = mu / sqrt(w)``, ``R`` the AR(1) correlation of the post-period
    months) and ``[I^-1 c]_j`` (the covariance of the estimate with that total), all per unit
    dispersion. ``I = X'W^1/2 R^-1 W^1/2 X`` is the information of the GLS fit with AR(1) errors
    ``rho`` on the working scale (``X'WX`` for ``rho = 0``)."""
    mu = np.exp(np.clip(eta0[None, :] + np.asarray(deltas, dtype=float)[:, None] * Xa[None, :, j], -700, 700))
    w = mu / (1.0 + nb * mu)                                  # mu^2 / V(mu), log link
    z = np.sqrt(w)[:, :, None] * Xa[None, :, :]
    z = np.moveaxis(prais_winsten(np.moveaxis(z, 1, 0), rho), 0, 1)   # whitened along the months
    inv = np.linalg.pinv(np.einsum("gni,gnj->gij", z, z))
    m = mu[:, post].sum(axis=1)
    c = mu[:, post] @ Xa[post] / m[:, None]
    # the post-period count: sum of mu_t (1 + u_t / sqrt(w_t)) with u AR(1) on the observed sequence
    at = np.flatnonzero(post)
    corr = min(max(rho, 0.0), 0.99) ** np.abs(at[:, None] - at[None, :])
    h = mu[:, post] / np.sqrt(w[:, post])
    inv_c = np.einsum("gij,gj->gi", inv, c)
    return np.column_stack([m, inv[:, j, j], np.einsum("gi,gi->g", c, inv_c),
                            np.einsum("gp,pq,gq->g", h, corr, h) / m**2, inv_c[:, j]])


@dataclass(frozen=True)
class ObservedExpectedRule:
    """How a count series is judged when its model has no finite estimate after the start (no
    events left): the exact observed/expected interval of the post-period count against the count
    the pre-period model expects (:func:`~josanalysis.methods.its.sparse.observed_expected_interval`).

    Attributes
    ----------
    expected
        The post-period count the fitted model expects without a change (``m0``).
    log_se
        Standard error of ``log m0`` (the extrapolated pre-period).
    dispersion
        Variance over mean of the post-period count (at least 1).
    alpha
        The interval's level.
    """

    expected: float
    log_se: float
    dispersion: float
    alpha: float

    def claims(self, observed: float, threshold: float = 0.0) -> bool:
        """Whether ``observed`` events after the start give a clear change (the exact interval
        excludes 1) larger than ``threshold`` (link scale: ``|log ratio|``).

        Examples
        --------
        >>> rule = ObservedExpectedRule(expected=40.0, log_se=0.1, dispersion=1.0, alpha=0.05)
        >>> rule.claims(0.0), rule.claims(38.0)
        (True, False)
        """
        try:
            ratio = observed_expected_interval(observed, self.expected, log_se=self.log_se,
                                               dispersion=max(self.dispersion, 1.0), alpha=self.alpha)
        except DataError:
            return False
        size = math.inf if observed <= 0 else abs(math.log(observed / self.expected))
        return (ratio.ci_high < 1.0 or ratio.ci_low > 1.0) and size > threshold


def _observed_expected(fit: ItsFit, Xa: np.ndarray, eta0: np.ndarray, post: np.ndarray, m0: float,
                       dispersion: float) -> ObservedExpectedRule:
    """The observed/expected rule against ``m0``, with the uncertainty of the extrapolated pre-period."""
    des = fit.design
    impact = [list(des.X.columns).index(c) for c in des.effect_names.values()]
    mu = np.exp(eta0[post])
    c0 = mu @ Xa[post] / m0
    c0[impact] = 0.0
    log_se = math.sqrt(max(float(c0 @ des.cov.to_numpy() @ c0), 0.0))
    return ObservedExpectedRule(expected=m0, log_se=log_se, dispersion=max(dispersion, 1.0),
                                alpha=fit.spec["alpha"])


@dataclass(frozen=True)
class _CountDesign:
    """What both rules read from a count fit: the design, the term's column ``j``, the linear
    predictor without the change terms, the NB2 over-dispersion, the post-period rows, and how the
    fitted covariance scales the information at the fitted means (``scale_se``, ``scale_m``)."""

    Xa: np.ndarray
    j: int
    eta0: np.ndarray
    nb: float
    post: np.ndarray
    scale_se: float
    scale_m: float
    rho: float = 0.0
    dispersion: float = 1.0


def _information_rho(fit: ItsFit) -> float:
    """The AR(1) coefficient of the GLS information the count fit's covariance is: the fitted one for
    the REML-GLS AR(1) fit, 0 for a fit whose covariance is the GLM's (or a sandwich around it)."""
    rho = np.asarray(fit.design.rho, dtype=float)
    gls = fit.spec["autocorrelation"] in ("ar1", "ar1_fgls") and fit.design.groups is None and len(rho) == 1
    return float(rho[0]) if gls else 0.0


def _count_design(fit: ItsFit, col: str) -> _CountDesign:
    des = fit.design
    Xa = des.X.to_numpy(dtype=float)
    j = list(des.X.columns).index(col)
    off = des.offset if des.offset is not None else 0.0
    eta0 = des.counterfactual_eta()
    nb = nb2_alpha(fit)
    post = Xa[:, j] != 0
    rho = _information_rho(fit)
    # the fitted covariance (dispersion; AR errors) over the information at the fitted means
    _, v_fit, cvc_fit, _, _ = _moments(Xa, j, Xa @ des.params.to_numpy() + off, nb, post, np.zeros(1), rho)[0]
    cov = des.cov.to_numpy()
    mu_fit = np.exp(Xa @ des.params.to_numpy() + off)
    c_fit = mu_fit[post] @ Xa[post] / float(np.sum(mu_fit[post]))
    scale_se, scale_m = float(cov[j, j]) / v_fit, float(c_fit @ cov @ c_fit) / cvc_fit
    if not (np.isfinite(scale_m) and scale_m > 0):     # a degenerate covariance: the term's own scale
        scale_m = scale_se
    # the marginal dispersion of the weighted working errors: the innovation scale over 1 - rho^2
    dispersion = scale_m / (1.0 - min(max(rho, 0.0), 0.99) ** 2)
    return _CountDesign(Xa, j, eta0, nb, post, scale_se, scale_m, rho, dispersion)


def observed_expected_rule(fit: ItsFit, col: str) -> ObservedExpectedRule:
    """The rule that judges this count fit's series when a refit has no finite estimate after the
    start (:class:`ObservedExpectedRule`; the simulated MDE applies it to such refits, as the report
    does). ``col`` is the design column of the term (``fit.design.effect_names[term]``)."""
    d = _count_design(fit, col)
    m0, _, _, hrh0, _ = _moments(d.Xa, d.j, d.eta0, d.nb, d.post, np.zeros(1), d.rho)[0]
    return _observed_expected(fit, d.Xa, d.eta0, d.post, m0, m0 * d.dispersion * hrh0)


def count_rule_power(fit: ItsFit, col: str, crit: float, df: float | None, threshold: float) -> CountRulePower:
    """The power of the whole verdict rule for the count model term in ``col``.

    Parameters
    ----------
    fit
        A count fit of :func:`~josanalysis.methods.its.fit_its` (its design, covariance and spec).
    col
        The design column of the term (``fit.design.effect_names[term]``).
    crit, df
        The interval's critical value and the degrees of freedom of its t quantiles (None: normal).
    threshold
        The placebo threshold on the link scale (0 for none).

    Returns
    -------
    CountRulePower
        The fitted standard errors (AR errors and dispersion included) scaled by how the
        information changes at each alternative: ``SE(delta)^2 = SE_fit^2 v(delta) / v_fit`` with
        ``v = [I^-1]_jj``, ``I`` the GLS information with the fitted AR(1) errors (``X'WX`` for a
        fit without them) and NB2 weights (:func:`nb2_alpha`); ``Var(F)`` and ``Cov(estimate, F)``
        likewise; ``Var(log M)`` from the fitted dispersion and AR(1) correlation.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from josanalysis.methods.its import fit_its
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"month": pd.date_range("2018-01-01", periods=72, freq="MS"), "pupils": 900.0})
    >>> d["n"] = rng.poisson(4.0, 72).astype(float)
    >>> f = fit_its(d, "n", "month", "2022-01-01", family="poisson", offset="pupils",
    ...             seasonality=None, autocorrelation="none")
    >>> p = count_rule_power(f, f.design.effect_names["level"], 1.96, None, 0.0)
    >>> round(p.power(p.mde(-1.0, 0.8)), 3)
    0.8
    """
    d = _count_design(fit, col)
    Xa, j, eta0, nb, post = d.Xa, d.j, d.eta0, d.nb, d.post
    m0, _, _, hrh0, _ = _moments(Xa, j, eta0, nb, post, np.zeros(1), d.rho)[0]
    reach = float(np.mean(np.abs(Xa[post, j])))               # 1 for a level change
    lo = max((min(math.log(1e-3 / m0), math.log(1e-4)) - 1.0) / reach, -MAX_LOG_RATIO / reach)
    hi = min((max(math.log(1e4), math.log(1e3 * m0)) + 1.0) / reach, MAX_LOG_RATIO / reach)
    grid = np.unique(np.r_[np.linspace(lo, 0.0, _GRID), np.linspace(0.0, hi, _GRID)])
    mom = _moments(Xa, j, eta0, nb, post, grid, d.rho)
    zero = _observed_expected(fit, Xa, eta0, post, m0, m0 * d.dispersion * hrh0).claims(0.0)
    scale_se, scale_m = d.scale_se, d.scale_m
    var_m = d.dispersion * mom[:, 3]
    var_fit = scale_m * mom[:, 2]
    return CountRulePower(grid=grid, log_m=np.log(mom[:, 0]), log_se2=np.log(scale_se * mom[:, 1]),
                          log_var_m=np.log(var_m), crit=crit, df=df, threshold=threshold,
                          zero_claims=zero, min_events=max(len(fit.design.effect_names), 1),
                          log_var_fit=np.log(var_fit), fit_slope=math.sqrt(scale_se * scale_m) * mom[:, 4] / var_fit)
