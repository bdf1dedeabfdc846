"""Power: the minimum detectable effect (MDE) of the pre-specified model on this series.

Two methods, one entry point (:func:`minimum_detectable_effect`):

* ``"analytic"`` (the default of the analysis plan): for gaussian models the standard rule
  ``MDE = (z_{1-alpha/2} + z_power) x SE`` with the standard error of the fitted model itself
  (its AR error structure) and -- for the whole verdict rule -- the placebo threshold the change
  must also exceed; for counts the power of that rule summed over the possible post-period
  counts (:mod:`~josanalysis.methods.robustness.count_power`: the estimate and its standard
  error both follow the realised count). No refit.
* ``"simulation"``: series like the observed one (its length, gaps, seasonality, noise and
  autocorrelation) are simulated without an effect and refitted with the same method; the
  smallest change detected with the requested power follows from the shift argument.

``benchmarks/mde.py`` prints both on the demo schools (docs/methods.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.signal import lfilter
from statsmodels.tsa.arima_process import arma_acf, arma_acovf

from josanalysis.core import formatting as nl
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.methods.its import ItsFit, ItsSpec, fit_count, fit_gaussian, fit_its, unbounded_log_ratio
from josanalysis.methods.its.estimator import marginal_dispersion
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED
from josanalysis.methods.robustness.count_power import count_rule_power, nb2_alpha, observed_expected_rule
from josanalysis.methods.robustness.count_simulation import CountProcess

__all__ = ["MdeResult", "minimum_detectable_effect", "simulated_power", "MDE_METHODS"]

#: The ways :func:`minimum_detectable_effect` can compute the MDE.
MDE_METHODS = ("analytic", "simulation")

#: A rate ratio below which a decrease is reported as not detectable at all (a 90% decrease):
#: with few events left after such a decrease, the interval widens faster than the effect grows.
UNDETECTABLE_RATIO = 0.1


class _Unbounded(ValueError):
    """A simulated count series whose refit has no finite interval for the term."""


_SIMULATION_FAILURES = (np.linalg.LinAlgError, ValueError, FloatingPointError)


@dataclass(frozen=True)
class MdeResult:
    """Result of :func:`minimum_detectable_effect`.

    Attributes
    ----------
    mde_decrease, mde_increase
        The smallest decrease / increase of ``term`` detected with probability ``power`` at
        ``alpha`` (two-sided), in the effect's scale: outcome units for ``"difference"``
        (negative / positive), rate ratios for ``"ratio"`` (< 1 / > 1).
    scale
        ``"difference"`` or ``"ratio"``.
    term
        ``"level"`` or ``"slope"``.
    power, alpha, n_simulations
        The settings used (``n_simulations``: the simulated series that could be fitted; 0
        for the analytic method).
    achieved_power
        Power re-measured by simulating series *with* the decrease built in (count families
        only; for gaussian models the shift argument is exact, see docs/methods.md).
    median_se
        Standard error of the term (link scale): the median over the simulations, or the fitted
        model's own for the analytic method.
    simulation
        Per simulation: ``estimate`` and ``se`` (link scale) under no effect, and ``crit``
        (empty for the analytic method).
    notes
        Simulations that could not be fitted, a rough shift approximation, the placebo rule.
    method
        ``"analytic"`` or ``"simulation"``.
    threshold
        The placebo threshold (link scale) the MDE includes, or None.
    """

    mde_decrease: float
    mde_increase: float
    scale: str
    term: str
    power: float
    alpha: float
    n_simulations: int
    median_se: float
    achieved_power: float | None
    simulation: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = field(default_factory=tuple)
    method: str = "simulation"
    threshold: float | None = None

    def summary_nl(self, percent_points: bool = False) -> str:
        """Dutch sentence for the report (next to the estimate)."""
        what = "niveauverandering" if self.term == "level" else "trendverandering per maand"
        if self.scale == "ratio" and self.mde_decrease < UNDETECTABLE_RATIO:
            return (f"Met deze reeks (lengte, ruis, samenhang in de tijd en aantallen) wordt zelfs een daling "
                    f"van {nl.number(100 * (1 - UNDETECTABLE_RATIO), 0)}% in minder dan "
                    f"{nl.number(100 * self.power, 0)}% van de gevallen opgemerkt: een daling is hier alleen "
                    "aantoonbaar als de aantallen na de start tot (bijna) nul dalen.")
        if self.scale == "ratio":
            dec = nl.number(100 * (1 - self.mde_decrease))
            inc = nl.number(100 * (self.mde_increase - 1))
            size = f"een daling van {dec}% of een stijging van {inc}%"
        else:
            f, unit = (100.0, " procentpunt") if percent_points else (1.0, "")
            size = f"een {what} van ongeveer {nl.number(abs(self.mde_decrease) * f, 2)}{unit}"
        return (
            f"Met deze reeks (lengte, ruis en samenhang in de tijd) wordt {size} in "
            f"{nl.number(100 * self.power, 0)}% van de gevallen opgemerkt; kleinere effecten kunnen "
            "onopgemerkt blijven."
        )


def ar_noise(rng: np.random.Generator, n: int, rho: np.ndarray, sd: float, burn: int = 50) -> np.ndarray:
    """AR(p) noise of length ``n`` with coefficients ``rho`` and marginal standard deviation ``sd``."""
    rho = np.asarray(rho, dtype=float)
    e = rng.standard_normal(n + burn)
    x = lfilter([1.0], np.r_[1.0, -rho], e)[burn:]
    return sd * x / _ar_marginal_sd(rho)


def _ar_marginal_sd(rho: np.ndarray) -> float:
    return float(math.sqrt(arma_acovf(np.r_[1.0, -np.asarray(rho)], [1.0], nobs=1)[0]))


def _stationary(rho: np.ndarray) -> np.ndarray:
    """``rho`` if the AR process is stationary, else its first coefficient clipped to +-0.95."""
    rho = np.asarray(rho, dtype=float)
    roots = np.roots(np.r_[1.0, -rho][::-1]) if len(rho) else np.array([])
    if len(rho) and np.any(np.abs(roots) <= 1.0001):
        return np.clip(rho[:1], -0.95, 0.95)
    return rho


@dataclass(frozen=True)
class _Simulator:
    """Series like the fitted one with an effect ``delta`` on the link scale (``draw(rng,
    delta)``), their refit (``(estimate, se, critical value)`` of the term), and how the report
    judges a count refit without a finite interval (``unbounded(y, threshold)``: the exact
    observed/expected rule; None for gaussian series)."""

    draw: Callable[[np.random.Generator, float], np.ndarray]
    refit: Callable[[np.ndarray], tuple[float, float, float]]
    rng: np.random.Generator
    unbounded: Callable[[np.ndarray, float], bool] | None = None

    def detects(self, y: np.ndarray, threshold: float) -> bool:
        """Whether the rule claims a change on the series ``y``: its interval excludes 0 and the
        change exceeds ``threshold``; a count refit without a finite interval is judged as the
        report judges it (observed against expected). ValueError when it cannot be judged."""
        try:
            est, se, crit = self.refit(y)
        except _Unbounded:
            if self.unbounded is None:
                raise ValueError("simulated series without a finite interval") from None
            return self.unbounded(y, threshold)
        return abs(est) / se > crit and abs(est) > threshold

    def simulate(self, delta: float) -> np.ndarray:
        """One series with effect ``delta``, from this simulator's random numbers."""
        return self.draw(self.rng, delta)


def _simulator(res: ItsFit, term: str, rng: np.random.Generator) -> _Simulator:
    """Simulate from the fitted model without its effects: gaussian AR(p) errors; for counts,
    whole counts with the fitted mean, the variance ``phi mu (1 + alpha mu)`` and the fitted lag-1
    correlation of the Pearson residuals (a stock process,
    :class:`~josanalysis.methods.robustness.count_simulation.CountProcess`), so that the simulated
    series has the autocorrelation and dispersion the fitted model found, and can empty."""
    des = res.design
    col = des.effect_names[term]
    X: pd.DataFrame = des.X
    eta0 = des.counterfactual_eta()
    n, j = len(X), list(X.columns).index(col)
    rho = _stationary(np.asarray(des.rho, dtype=float))
    family, ac, alpha = res.spec["family"], res.spec["autocorrelation"], res.spec["alpha"]
    if ac in ("hac", "none"):
        rho = np.clip(rho[:1], -0.95, 0.95)
    x_term = X[col].to_numpy()
    if family == "gaussian":
        sd = float(np.std(des.y - X.to_numpy() @ des.params.to_numpy(), ddof=X.shape[1]))

        def refit(y: np.ndarray) -> tuple[float, float, float]:
            core = fit_gaussian(y, X, ac)
            crit = stats.t.ppf(1 - alpha / 2, core.df)
            return float(core.params.iloc[j]), float(math.sqrt(core.cov.iat[j, j])), crit

        return _Simulator(lambda g, delta: eta0 + delta * x_term + ar_noise(g, n, rho, sd), refit, rng)
    offset = des.offset
    mu0 = np.exp(eta0)
    # the dispersion as the analytic MDE reads it (count_power.nb2_alpha): NB2 over-dispersion,
    # for quasi-Poisson phi = 1 + alpha mean(mu) at the fitted means; phi V(mu) when phi <= 1
    nb = nb2_alpha(res)
    phi = marginal_dispersion(family, des) if nb == 0.0 else 1.0

    processes: dict[float, CountProcess] = {}
    # the lag-1 correlation of the fitted AR process (for AR(1): its coefficient)
    lag1 = float(rho[0]) if len(rho) == 1 else float(arma_acf(np.r_[1.0, -rho], [1.0], lags=2)[1]) if len(rho) else 0.0

    def draw(g: np.random.Generator, delta: float) -> np.ndarray:
        # whole counts with mean mu, variance phi mu (1 + alpha mu) and the fitted lag-1 correlation
        if delta not in processes:
            mu = mu0 * np.exp(delta * x_term)
            processes[delta] = CountProcess.build(mu, phi * mu * (1.0 + nb * mu), lag1)
        return processes[delta].draw(g)[0]

    def refit_count(y: np.ndarray) -> tuple[float, float, float]:
        try:
            core = fit_count(y, X, family, offset, ac)
        except DataError as exc:   # e.g. no events left where the term applies: as fit_its, observed/expected
            raise _Unbounded(str(exc)) from None
        est_, se_ = float(core.params.iloc[j]), float(math.sqrt(core.cov.iat[j, j]))
        crit_ = stats.t.ppf(1 - alpha / 2, core.df) if core.df is not None else stats.norm.ppf(1 - alpha / 2)
        if not se_ > 0 or unbounded_log_ratio(est_, se_, crit_):   # as fit_its: no finite interval
            raise _Unbounded("simulated series without a finite rate-ratio interval")
        return est_, se_, crit_

    # such a refit is judged as the report judges it: the post-period count against the count the
    # fitted model expects (before, these series were left out, and large decreases looked rarer
    # to detect than they are)
    oe = observed_expected_rule(res, col)
    post = X[col].to_numpy() != 0

    def observed_expected(y: np.ndarray, threshold: float) -> bool:
        return oe.claims(float(np.sum(y[post])), threshold)

    return _Simulator(draw, refit_count, rng, observed_expected)


def _null_simulations(sim: _Simulator, n_simulations: int) -> pd.DataFrame:
    """Refits of ``n_simulations`` series without an effect (those that fail are skipped)."""
    sims = []
    for _ in range(n_simulations):
        try:
            sims.append(sim.refit(sim.simulate(0.0)))
        except _SIMULATION_FAILURES:
            continue
    return pd.DataFrame(sims, columns=["estimate", "se", "crit"])


def _shift_mde(null: pd.DataFrame, power: float, threshold: float = 0.0) -> tuple[float, float]:
    """The decrease (negative) and increase detected with ``power`` by the shift argument.

    A change counts when its interval excludes 0 and, with ``threshold`` > 0, when its size
    also exceeds ``threshold`` (the placebo rule of the verdict, on the link scale).
    """
    est, se, crit = null["estimate"].to_numpy(), null["se"].to_numpy(), null["crit"].to_numpy()

    def pw(delta: float) -> float:
        shifted = np.abs(est + delta)
        return float(np.mean((shifted / se > crit) & (shifted > threshold)))

    hi = float(np.max(np.abs(est)) + 10 * np.max(se * crit) + 2 * threshold)
    if pw(0) >= power:
        return 0.0, 0.0
    d_inc = optimize.brentq(lambda d: pw(d) - power, 0.0, hi, xtol=1e-10 * max(hi, 1e-12))
    d_dec = -optimize.brentq(lambda d: pw(-d) - power, 0.0, hi, xtol=1e-10 * max(hi, 1e-12))
    return d_dec, d_inc


def _rule_threshold(threshold: float | None) -> float:
    """The placebo threshold a change must exceed (0: no placebo rule, or none usable)."""
    return float(threshold) if threshold is not None and np.isfinite(threshold) and threshold > 0 else 0.0


def _analytic_mde(fit: ItsFit, term: str, power: float, threshold: float | None) -> MdeResult:
    """The analytic MDE of ``term`` from the fitted model (see :func:`minimum_detectable_effect`)."""
    des = fit.design
    col = des.effect_names[term]
    alpha = fit.spec["alpha"]
    if des.df is not None:
        crit, z_power = float(stats.t.ppf(1 - alpha / 2, des.df)), float(stats.t.ppf(power, des.df))
    else:
        crit, z_power = float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    thr = _rule_threshold(threshold)
    if fit.spec["family"] == "gaussian":
        # the shift leaves a gaussian model's SE unchanged: the estimate ~ N(delta, SE^2) clears
        # max(crit SE, threshold) with probability ``power`` at this size
        se_fit = float(math.sqrt(des.cov.at[col, col]))
        size = max(crit * se_fit, thr) + z_power * se_fit
        d_dec, d_inc, se_dec, se_null = -size, size, se_fit, se_fit
    else:
        rule = count_rule_power(fit, col, crit, des.df, thr)
        d_dec, d_inc = rule.mde(-1.0, power), rule.mde(1.0, power)
        se_dec, se_null = rule.se(d_dec), rule.se(0.0)
    notes: list[str] = []
    if thr > 0 and thr > crit * se_dec:
        notes.append("The MDE includes the placebo rule: the change must also exceed the placebo threshold.")
    scale = fit.effects.loc[term, "scale"]
    if scale == "ratio":
        d_dec, d_inc = math.exp(d_dec), math.exp(d_inc)
    return MdeResult(mde_decrease=d_dec, mde_increase=d_inc, scale=scale, term=term, power=power, alpha=alpha,
                     n_simulations=0, median_se=se_null, achieved_power=None,
                     simulation=pd.DataFrame(columns=["estimate", "se", "crit"]), notes=tuple(notes),
                     method="analytic", threshold=thr or None)


def _achieved_power(sim: _Simulator, delta: float, n_checks: int, threshold: float = 0.0,
                    seed: int | None = None) -> float | None:
    """Share of series simulated with effect ``delta`` whose fit detects it: the interval excludes
    0 and the change exceeds ``threshold`` (None if none fit). With ``seed`` the same random
    numbers are drawn for every ``delta`` (common random numbers, so power is smooth in delta)."""
    if seed is not None:
        sim = dataclasses.replace(sim, rng=np.random.default_rng(seed))
    checks = []
    for _ in range(n_checks):
        try:
            checks.append(sim.detects(sim.simulate(delta), threshold))
        except _SIMULATION_FAILURES:
            continue
    return float(np.mean(checks)) if checks else None


def _simulated_shift(sim: _Simulator, guess: float, power: float, n_checks: int, threshold: float,
                     seed: int) -> float:
    """The effect (link scale, sign of ``guess``) detected with ``power`` when series are simulated
    *with* it: bisection on the simulated power (common random numbers), starting from the
    shift-argument ``guess``. For counts the shift argument alone ignores that a decrease leaves
    fewer events and a wider interval."""
    def pw(d: float) -> float:
        return _achieved_power(sim, d, n_checks, threshold, seed) or 0.0

    lo, hi = 0.0, guess
    for _ in range(6):                       # widen until the power is reached
        if pw(hi) >= power:
            break
        lo, hi = hi, 2.0 * hi
    else:
        return hi
    for _ in range(6):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if pw(mid) >= power else (mid, hi)
    return 0.5 * (lo + hi)


def simulated_power(fit: ItsFit, effect: float, *, term: str = "level", threshold: float | None = None,
                    n_simulations: int = 200, seed: int = 0) -> float | None:
    """The share of series simulated from ``fit`` with ``effect`` built in that the whole verdict
    rule detects: the check of a printed MDE ("detected in about 80% of series like this one").

    Series are drawn as :func:`minimum_detectable_effect` with ``method="simulation"`` draws them
    (gaussian AR errors; for counts whole counts with the fitted mean, dispersion and AR(1)
    correlation, :class:`~josanalysis.methods.robustness.count_simulation.CountProcess`) and judged
    by the report's rule: the refit's interval excludes the null and the change exceeds
    ``threshold``; a count refit without a finite interval by the exact observed/expected rule.

    Parameters
    ----------
    fit
        The pre-specified fit (:func:`~josanalysis.methods.its.fit_its`), not an observed/expected one.
    effect
        The true change, in the term's scale: a difference, or a rate ratio for count families.
    term, threshold, n_simulations, seed
        As for :func:`minimum_detectable_effect`.

    Returns
    -------
    float or None
        None when no simulated series could be judged.

    Examples
    --------
    A decrease of about seven standard errors is nearly always detected:

    >>> import numpy as np, pandas as pd
    >>> from josanalysis.methods.its import fit_its
    >>> noise = 0.008 * np.random.default_rng(4).standard_normal(48)
    >>> d = pd.DataFrame({"month": pd.date_range("2018-09-01", periods=48, freq="MS"), "y": 0.05 + noise})
    >>> f = fit_its(d, "y", "month", "2021-09-01", slope_change=False)
    >>> simulated_power(f, -0.02, n_simulations=50) > 0.9
    True
    """
    if fit.spec["interval"] == OBSERVED_EXPECTED:
        raise DataError("an observed/expected fit has no model to simulate a change from.")
    if term not in fit.design.effect_names:
        raise ConfigError(f"term {term!r} is not in the model (terms: {', '.join(fit.design.effect_names)}).")
    ratio = fit.effects.loc[term, "scale"] == "ratio"
    if ratio and not (np.isfinite(effect) and effect > 0):
        raise ConfigError(f"effect is {effect!r}; for a count model give a rate ratio above 0 (0.7 is a 30% decrease).")
    delta = math.log(effect) if ratio else float(effect)
    thr = _rule_threshold(threshold)
    return _achieved_power(_simulator(fit, term, np.random.default_rng(seed)), delta, n_simulations, thr)


def minimum_detectable_effect(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    spec: ItsSpec | None = None,
    *,
    power: float = 0.8,
    method: str = "analytic",
    threshold: float | None = None,
    fit: ItsFit | None = None,
    n_simulations: int = 200,
    seed: int = 0,
    term: str = "level",
    comparison: pd.DataFrame | None = None,
    **options: Any,
) -> MdeResult:
    """The minimum detectable effect of the pre-specified model on this series.

    ``method="analytic"`` (default): gaussian models ``MDE = (z_{1-alpha/2} + z_power) x SE``
    with the standard error of the fitted model (its AR error structure; t quantiles where the
    fit uses t intervals); with a placebo ``threshold`` the change must also exceed it (the
    verdict's placebo rule), so the MDE is ``max(crit SE, threshold) + z_power SE``: the effect
    the whole rule detects with ``power``. Counts: the smallest effect whose power, summed over
    the distribution of the post-period count under it (negative binomial with the fitted
    dispersion and AR(1) errors) with the rule -- interval and placebo threshold -- applied at
    each count, reaches ``power``
    (:func:`~josanalysis.methods.robustness.count_power.count_rule_power`): a decrease leaves
    fewer events, and a count that falls short by chance gives a larger estimate *and* a wider
    interval. For many events this is the normal rule with the SE at the alternative.

    ``method="simulation"``: series like the fitted one are simulated without an effect and
    refitted with the same method. Noise: gaussian -- AR(p) errors with the fitted coefficients
    (the lag-1 residual autocorrelation for ``hac``/``none``) and the residual variance; counts
    -- whole counts with the fitted mean and the fitted dispersion read as the analytic MDE
    reads it (NB2 over-dispersion, :func:`~josanalysis.methods.robustness.count_power.nb2_alpha`),
    with the fitted AR(1) correlation from month to month (a stock of pupils who stay and arrive,
    :class:`~josanalysis.methods.robustness.count_simulation.CountProcess`). The estimator is
    shift-equivariant, so power(delta) = share of simulations with ``|est + delta| / se >
    crit`` (and ``|est + delta| > threshold``), and the MDE solves power(delta) = ``power``.
    For counts the power at the MDE is re-measured by simulating with the decrease built in
    (``achieved_power``).

    Parameters
    ----------
    data, outcome, time, start, spec, **options
        As for :func:`~josanalysis.methods.its.fit_its`.
    power
        Required power (default 0.8).
    method
        ``"analytic"`` or ``"simulation"`` (the analysis plan's ``power.method``).
    threshold
        The size (link scale: a difference or ``|log ratio|``) a change must also exceed, e.g.
        :meth:`PlaceboResult.threshold`; None when no placebo rule applies.
    fit
        The fit of exactly this model on ``data`` (from :func:`fit_its`), reused instead of
        refitting.
    n_simulations, seed
        Simulated series (the analysis plan says 200) and their random seed (simulation only).
    term
        ``"level"`` or ``"slope"``.
    comparison
        Not supported (a :class:`ConfigError`): the MDE is that of the uncontrolled model.

    Returns
    -------
    MdeResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from josanalysis.methods.robustness import minimum_detectable_effect
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"month": pd.date_range("2019-01-01", periods=60, freq="MS")})
    >>> d["y"] = 0.06 + 0.01 * rng.standard_normal(60)
    >>> m = minimum_detectable_effect(d, "y", "month", "2022-01-01")
    >>> m.method, bool(-0.02 < m.mde_decrease < 0)
    ('analytic', True)
    """
    if not (0 < power < 1):
        raise ConfigError(f"power must lie between 0 and 1; got {power!r}.")
    if method not in MDE_METHODS:
        raise ConfigError(f"method must be one of {', '.join(MDE_METHODS)}; got {method!r}.")
    if method == "simulation" and n_simulations < 20:
        raise ConfigError("n_simulations must be at least 20.")
    if comparison is not None:
        raise ConfigError("minimum_detectable_effect does not support a comparison series yet.")
    spec = ItsSpec.from_options(spec, caller="minimum_detectable_effect", **options)
    res = fit if fit is not None else fit_its(data, outcome, time, start, spec)
    if res.spec["interval"] == OBSERVED_EXPECTED:
        raise DataError("the count model has no finite estimate of the change at the start (no events after "
                        "it), so its standard error, and with it the minimum detectable effect, is not defined.")
    if term not in res.design.effect_names:
        raise ConfigError(f"term {term!r} is not in the model.")
    if method == "analytic":
        return _analytic_mde(res, term, power, threshold)
    thr = _rule_threshold(threshold)
    return _simulated_mde(res, term, power, n_simulations, seed, thr)


def _simulated_mde(res: ItsFit, term: str, power: float, n_simulations: int, seed: int,
                   thr: float) -> MdeResult:
    """The MDE by simulation from the fitted model (see :func:`minimum_detectable_effect`)."""
    sim = _simulator(res, term, np.random.default_rng(seed))
    null = _null_simulations(sim, n_simulations)
    notes: list[str] = []
    if len(null) < 0.9 * n_simulations:
        notes.append(f"{n_simulations - len(null)} simulated series could not be fitted.")
    d_dec, d_inc = _shift_mde(null, power, thr)
    achieved = None
    if res.effects.loc[term, "scale"] == "ratio":
        n_checks = max(50, n_simulations // 2)
        d_dec = _simulated_shift(sim, d_dec, power, n_checks, thr, seed + 1)
        d_inc = _simulated_shift(sim, d_inc, power, n_checks, thr, seed + 2)
        achieved = _achieved_power(sim, d_dec, n_checks, thr, seed + 3)
        mde_dec, mde_inc, scale = math.exp(d_dec), math.exp(d_inc), "ratio"
    else:
        mde_dec, mde_inc, scale = d_dec, d_inc, "difference"
    return MdeResult(
        mde_decrease=mde_dec,
        mde_increase=mde_inc,
        scale=scale,
        term=term,
        power=power,
        alpha=res.spec["alpha"],
        n_simulations=len(null),
        median_se=float(np.median(null["se"].to_numpy())),
        achieved_power=achieved,
        simulation=null,
        notes=tuple(notes),
        method="simulation",
        threshold=thr or None,
    )
