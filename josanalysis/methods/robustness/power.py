"""Power: the minimum detectable effect of the pre-specified model on this series, by simulation.

Series like the observed one (its length, gaps, seasonality, noise and autocorrelation) are
simulated without an effect and refitted with the same method; the smallest level (or slope)
change the analysis would detect with the requested power follows from the shift argument
(see :func:`minimum_detectable_effect` and ``docs/methods.md``).
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
from statsmodels.tsa.arima_process import arma_acovf

from josanalysis.core import formatting as nl
from josanalysis.core.errors import ConfigError
from josanalysis.methods.its import ItsFit, ItsSpec, fit_count, fit_gaussian, fit_its, unbounded_log_ratio

__all__ = ["MdeResult", "minimum_detectable_effect", "mde_with_threshold"]

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
        The settings used (``n_simulations``: the simulated series that could be fitted).
    achieved_power
        Power re-measured by simulating series *with* the decrease built in (count families
        only; for gaussian models the shift argument is exact, see docs/methods.md).
    median_se
        Median standard error of the term over the simulations (link scale).
    simulation
        Per simulation: ``estimate`` and ``se`` (link scale) under no effect, and ``crit``.
    notes
        Simulations that could not be fitted, a rough shift approximation.
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

    def summary_nl(self, percent_points: bool = False) -> str:
        """Dutch sentence for the report (next to the estimate)."""
        what = "niveauverandering" if self.term == "level" else "trendverandering per maand"
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
    """Series like the fitted one with an effect ``delta`` on the link scale, and their refit
    (``(estimate, se, critical value)`` of the term)."""

    simulate: Callable[[float], np.ndarray]
    refit: Callable[[np.ndarray], tuple[float, float, float]]


def _simulator(res: ItsFit, term: str, rng: np.random.Generator) -> _Simulator:
    """Simulate from the fitted model without its effects: gaussian AR(p) errors, or Poisson
    counts around a log-normal AR multiplier matching the fitted over-dispersion."""
    des = res.design
    col = des.effect_names[term]
    X: pd.DataFrame = des.X
    b0 = des.params.copy()
    b0[list(des.effect_names.values())] = 0.0
    eta0 = X.to_numpy() @ b0.to_numpy()
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

        return _Simulator(lambda delta: eta0 + delta * x_term + ar_noise(rng, n, rho, sd), refit)
    offset = des.offset
    mu0 = np.exp(eta0 + (offset if offset is not None else 0.0))
    s2 = math.log1p(_extra_variance(family, des, mu0))
    if s2 == 0.0:
        rho = np.array([0.0])

    def simulate(delta: float) -> np.ndarray:
        z = ar_noise(rng, n, rho, math.sqrt(s2)) if s2 > 0 else np.zeros(n)
        lam = mu0 * np.exp(delta * x_term + z - s2 / 2)
        return rng.poisson(lam).astype(float)

    def refit_count(y: np.ndarray) -> tuple[float, float, float]:
        core = fit_count(y, X, family, offset, ac)
        est_, se_ = float(core.params.iloc[j]), float(math.sqrt(core.cov.iat[j, j]))
        crit_ = stats.norm.ppf(1 - alpha / 2)
        if unbounded_log_ratio(est_, se_, crit_):   # as fit_its: no finite interval
            raise ValueError("simulated series without a finite rate-ratio interval")
        return est_, se_, crit_

    return _Simulator(simulate, refit_count)


def _extra_variance(family: str, des: Any, mu0: np.ndarray) -> float:
    """The squared coefficient of variation of the count multiplier (0 for Poisson)."""
    if family == "negbin":
        return float(des.negbin_alpha or 0.0)
    if family == "quasipoisson":
        return max(0.0, (float(des.overdispersion) - 1.0) / float(np.mean(mu0)))
    return 0.0


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


def mde_with_threshold(mde: MdeResult, threshold: float | None) -> MdeResult:
    """The MDE of the whole verdict rule: the interval excludes 0 *and* the change is larger
    than ``threshold`` (e.g. :meth:`PlaceboResult.threshold`, on the link scale: a difference
    or ``|log ratio|``).

    Computed from the same null simulations by the shift argument, so the printed MDE is the
    effect that the full rule (not only the interval) detects with the requested power.
    ``threshold=None`` (no placebo rule applies) returns ``mde`` unchanged.

    Examples
    --------
    >>> m2 = mde_with_threshold(m, placebo.threshold())       # doctest: +SKIP
    >>> abs(m2.mde_decrease) >= abs(m.mde_decrease)            # doctest: +SKIP
    True
    """
    if threshold is None or not np.isfinite(threshold) or threshold <= 0 or not len(mde.simulation):
        return mde
    d_dec, d_inc = _shift_mde(mde.simulation, mde.power, float(threshold))
    if mde.scale == "ratio":
        d_dec, d_inc = math.exp(d_dec), math.exp(d_inc)
    if abs(math.log(d_dec) if mde.scale == "ratio" else d_dec) <= abs(
            math.log(mde.mde_decrease) if mde.scale == "ratio" else mde.mde_decrease):
        return mde
    note = "The MDE includes the placebo rule: the change must also exceed the placebo threshold."
    return dataclasses.replace(mde, mde_decrease=d_dec, mde_increase=d_inc, notes=(*mde.notes, note))


def _achieved_power(sim: _Simulator, delta: float, n_checks: int) -> float | None:
    """Share of series simulated with effect ``delta`` whose fit detects it (None if none fit)."""
    checks = []
    for _ in range(n_checks):
        try:
            e_, s_, c_ = sim.refit(sim.simulate(delta))
        except _SIMULATION_FAILURES:
            continue
        checks.append(abs(e_) / s_ > c_)
    return float(np.mean(checks)) if checks else None


def minimum_detectable_effect(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    spec: ItsSpec | None = None,
    *,
    power: float = 0.8,
    n_simulations: int = 200,
    seed: int = 0,
    term: str = "level",
    comparison: pd.DataFrame | None = None,
    **options: Any,
) -> MdeResult:
    """Simulation-based minimum detectable effect of the pre-specified model on this series.

    The model is fitted to the data; its counterfactual (no effect) is the mean of the
    simulated series, on exactly the used time points. Noise: gaussian -- AR(p) errors with the
    fitted coefficients (the lag-1 residual autocorrelation for ``hac``/``none``) and the
    residual variance; counts -- Poisson counts around a log-normal multiplier whose variance
    matches the fitted over-dispersion (quasi-Poisson phi or NB alpha) and whose log follows
    the fitted AR process. Each simulated series is refitted with the same method.

    The estimator is shift-equivariant: adding an effect ``delta`` to the series moves the
    estimate by ``delta`` and leaves its standard error unchanged (exact for the gaussian
    models, whose AR coefficient is estimated from residuals; approximate on the log scale for
    counts). So power(delta) = share of simulations with ``|est + delta| / se > crit``, and the
    MDE solves power(delta) = ``power``. For counts the power at the MDE is re-measured by
    simulating with the decrease built in (``achieved_power``).

    Parameters
    ----------
    data, outcome, time, start, spec, **options
        As for :func:`~josanalysis.methods.its.fit_its`.
    power
        Required power (default 0.8).
    n_simulations
        Number of simulated series (the analysis plan says 200).
    seed
        Random seed (results are reproducible).
    term
        ``"level"`` or ``"slope"``.
    comparison
        Not supported yet (a :class:`ConfigError`).

    Returns
    -------
    MdeResult

    Examples
    --------
    >>> m = minimum_detectable_effect(d, "absence_rate", "month", "2022-08-01",
    ...                               seasonality="month", n_simulations=100)   # doctest: +SKIP
    >>> m.mde_decrease                                                           # doctest: +SKIP
    -0.0042
    """
    if not (0 < power < 1):
        raise ConfigError(f"power must lie between 0 and 1; got {power!r}.")
    if n_simulations < 20:
        raise ConfigError("n_simulations must be at least 20.")
    if comparison is not None:
        raise ConfigError("minimum_detectable_effect does not support a comparison series yet.")
    spec = ItsSpec.from_options(spec, caller="minimum_detectable_effect", **options)
    res = fit_its(data, outcome, time, start, spec)
    if term not in res.design.effect_names:
        raise ConfigError(f"term {term!r} is not in the model.")
    sim = _simulator(res, term, np.random.default_rng(seed))
    null = _null_simulations(sim, n_simulations)
    notes: list[str] = []
    if len(null) < 0.9 * n_simulations:
        notes.append(f"{n_simulations - len(null)} simulated series could not be fitted.")
    d_dec, d_inc = _shift_mde(null, power)
    achieved = None
    if res.effects.loc[term, "scale"] == "ratio":
        achieved = _achieved_power(sim, d_dec, max(20, n_simulations // 4))
        mde_dec, mde_inc, scale = math.exp(d_dec), math.exp(d_inc), "ratio"
        if achieved is not None and abs(achieved - power) > 0.1:
            notes.append(
                f"Re-simulated power at the MDE is {achieved:.2f} (target {power:.2f}): the "
                "shift approximation is rough for these counts."
            )
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
    )
