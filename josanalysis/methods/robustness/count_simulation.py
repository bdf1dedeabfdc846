"""Integer count series with a given mean, variance and AR(1) autocorrelation: a stock that persists.

The simulated MDE of a count indicator (:mod:`~josanalysis.methods.robustness.power`) needs series
a school could have: whole counts, with the fitted model's mean ``mu_t`` in every month, its
variance ``v_t`` and the AR(1) coefficient ``rho`` its fit found between consecutive Pearson
residuals ``(y_t - mu_t) / sqrt(mu_t)`` (the working scale of the count AR(1) fit). A stock of
pupils (thuiszitters, absoluut verzuim) is exactly such a process: some pupils of last month are
still there (binomial thinning), new ones arrive. :class:`CountProcess` is that process with
time-varying parameters,

``y_t = Binomial(y_{t-1}, a_t) + e_t``,

with the survival ``a_t = rho sqrt(v_t / v_{t-1})`` (then ``Corr(y_t, y_{t-1}) = rho`` and, the
process being Markov, ``rho^k`` at lag ``k``) and new arrivals ``e_t`` independent of the past
with mean ``mu_t - a_t mu_{t-1}`` and variance ``v_t - a_t^2 v_{t-1} - a_t (1 - a_t) mu_{t-1}``:
negative binomial when that is above the mean, Poisson when equal, binomial when below. So every
month has exactly the mean ``mu_t`` and variance ``v_t`` (a binomial below the Poisson variance
rounds its number of trials up: a little more variance, never less mean).

Where the mean falls faster than a stock can empty (a step decrease below about ``rho^2`` of last
month), no thinning reaches the correlation ``rho`` (:func:`feasible_survival`: the arrivals would
need a negative mean). The fitted model still says that month's Pearson residual follows last
month's with the coefficient ``rho`` -- and a GLS fit with strong autocorrelation reads a level
change mostly from exactly that step -- so that month is drawn from its own marginal (the
distribution of the arrivals above, with the month's mean and variance) coupled to last month's
count by a gaussian copula (last month's count through its randomised probability integral
transform), whose latent correlation is calibrated once (4,000 simulated pairs) so that the two
counts correlate ``rho``, or as closely as whole counts allow. Without it the step month would be
nearly independent of the month before, and a level change of a persistent series would look much
harder to detect than the fitted model says (docs/methods.md §2a). A negative ``rho`` gives
independent months (a stock cannot alternate).

Examples
--------
>>> import numpy as np
>>> p = CountProcess.build(np.full(400, 6.0), np.full(400, 6.0), 0.8)
>>> y = p.draw(np.random.default_rng(1), 200)
>>> y.shape, bool(np.all(y == np.round(y)))
((200, 400), True)
>>> round(float(y.mean()), 1), round(float(np.corrcoef(y[:, 1:].ravel(), y[:, :-1].ravel())[0, 1]), 2)
(6.0, 0.8)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

__all__ = ["CountProcess", "feasible_survival", "moment_matched"]


def feasible_survival(target: float, mu_prev: float, v_prev: float, mu: float, v: float) -> float:
    """The survival ``a`` closest to ``target`` (and not above it) for which the new arrivals have a
    mean and a variance that are not negative: ``mu - a mu_prev >= 0`` and ``v - a^2 v_prev -
    a (1 - a) mu_prev >= 0``.

    Examples
    --------
    >>> feasible_survival(0.8, 10.0, 10.0, 10.0, 10.0)
    0.8
    >>> feasible_survival(0.8, 10.0, 10.0, 2.0, 2.0)      # a 80% step down: at most 2 of 10 stay
    0.2
    """
    a = min(max(target, 0.0), 1.0, mu / mu_prev if mu_prev > 0 else 0.0)
    # the arrivals' variance v - a mu_prev - a^2 (v_prev - mu_prev) is concave or linear in a and
    # non-negative at a = 0: above its positive root it is negative
    c2, c1 = v_prev - mu_prev, mu_prev
    if c2 > 1e-12:
        root = (-c1 + math.sqrt(c1 * c1 + 4.0 * c2 * v)) / (2.0 * c2)
    elif c2 < -1e-12:
        disc = c1 * c1 + 4.0 * c2 * v
        root = math.inf if disc < 0 else (-c1 + math.sqrt(disc)) / (2.0 * c2)
        root = root if root > 0 else math.inf
    else:
        root = v / c1 if c1 > 0 else math.inf
    return float(max(0.0, min(a, root)))


#: Simulated series with which the copula of a step month is calibrated.
_CALIBRATION_SERIES = 4000


def moment_matched(mean: float, var: float):
    """The count distribution with this mean and variance: negative binomial above the Poisson
    variance, Poisson at it, binomial below it (its number of trials rounded up: a little more
    variance, never less mean); a point mass at 0 for a mean of 0 (a frozen scipy distribution).

    Examples
    --------
    >>> d = moment_matched(4.0, 6.0)
    >>> round(float(d.mean()), 6), round(float(d.var()), 6)
    (4.0, 6.0)
    """
    if mean <= 0:
        return stats.poisson(0.0)
    if var > mean * (1.0 + 1e-9):
        r = mean * mean / (var - mean)
        return stats.nbinom(r, r / (r + mean))
    if var < mean * (1.0 - 1e-9):
        trials = max(math.ceil(mean / max(1.0 - var / mean, 1e-12) - 1e-9), math.ceil(mean))
        return stats.binom(trials, min(mean / trials, 1.0))
    return stats.poisson(mean)


@dataclass(frozen=True)
class _Coupling:
    """A month drawn from its own marginal, tied to last month's count by a gaussian copula."""

    latent_rho: float
    prev_cdf: np.ndarray          # P(last month's count <= k), k = 0, 1, ...
    marginal: Any                 # this month's distribution (frozen scipy)

    def draw(self, rng: np.random.Generator, prev: np.ndarray) -> np.ndarray:
        k = np.minimum(prev.astype(np.int64), len(self.prev_cdf) - 1)
        below = np.where(k > 0, self.prev_cdf[np.maximum(k - 1, 0)], 0.0)
        u = below + rng.random(len(prev)) * (self.prev_cdf[k] - below)
        z = stats.norm.ppf(np.clip(u, 1e-12, 1.0 - 1e-12))
        w = self.latent_rho * z + math.sqrt(1.0 - self.latent_rho**2) * rng.standard_normal(len(prev))
        return np.asarray(self.marginal.ppf(stats.norm.cdf(w)), dtype=float)


@dataclass(frozen=True)
class CountProcess:
    """A stock process of whole counts with given monthly means, variances and lag-1 correlation
    (see the module docstring). Build it with :meth:`build`; draw series with :meth:`draw`.

    Attributes
    ----------
    survival
        ``a_t``: the chance that a unit of month ``t - 1`` is still counted in month ``t`` (0 for the
        first month).
    arrival_mean, arrival_var
        Mean and variance of the new arrivals ``e_t`` (the first month: the whole count).
    couplings
        The months where no thinning reaches the correlation (a steep step down), each drawn from
        its marginal through a calibrated gaussian copula with last month's count.

    Examples
    --------
    Ten pupils a month, then two: at most two of ten can stay, so the step month is coupled.

    >>> mu = np.r_[np.full(5, 10.0), np.full(5, 2.0)]
    >>> p = CountProcess.build(mu, mu, 0.8)
    >>> list(p.couplings), p.draw(np.random.default_rng(0), 3).shape
    ([5], (3, 10))
    """

    survival: np.ndarray
    arrival_mean: np.ndarray
    arrival_var: np.ndarray
    couplings: dict[int, _Coupling] = field(default_factory=dict)

    @classmethod
    def build(cls, mu: np.ndarray, v: np.ndarray, rho: float, seed: int = 0) -> "CountProcess":
        """The process with means ``mu``, variances ``v`` and lag-1 correlation ``rho``; ``seed``
        fixes the calibration of the copula of a step month (if any)."""
        mu, v = np.asarray(mu, dtype=float), np.asarray(v, dtype=float)
        a, steep = np.zeros(len(mu)), []
        for t in range(1, len(mu)):
            target = max(rho, 0.0) * math.sqrt(v[t] / v[t - 1]) if v[t - 1] > 0 else 0.0
            a[t] = feasible_survival(target, mu[t - 1], v[t - 1], mu[t], v[t])
            if a[t] < target - 1e-9:
                steep.append(t)
        prev_mu, prev_v = np.r_[0.0, mu[:-1]], np.r_[0.0, v[:-1]]
        e_mean = np.maximum(mu - a * prev_mu, 0.0)
        e_var = np.maximum(v - a * a * prev_v - a * (1.0 - a) * prev_mu, 0.0)
        process = cls(a, e_mean, e_var)
        rng = np.random.default_rng(seed)
        for t in steep:
            prev = process.draw(rng, _CALIBRATION_SERIES)[:, t - 1]
            coupling = _calibrate(prev, moment_matched(mu[t], v[t]), rho, rng)
            process = dataclasses.replace(process, couplings={**process.couplings, t: coupling})
        return process

    def _arrivals(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """New arrivals of every month for ``size`` series (:func:`moment_matched` distributions)."""
        m, s = self.arrival_mean, self.arrival_var
        out = np.zeros((size, len(m)))
        over = (s > m * (1.0 + 1e-9)) & (m > 0)
        under = (s < m * (1.0 - 1e-9)) & (m > 0)
        pois = ~over & ~under & (m > 0)
        if pois.any():
            out[:, pois] = rng.poisson(m[pois], size=(size, int(pois.sum())))
        if over.any():
            r = m[over] ** 2 / (s[over] - m[over])
            out[:, over] = rng.negative_binomial(r, r / (r + m[over]), size=(size, int(over.sum())))
        if under.any():
            trials = np.maximum(np.ceil(m[under] / np.maximum(1.0 - s[under] / m[under], 1e-12) - 1e-9),
                                np.ceil(m[under]))
            out[:, under] = rng.binomial(trials.astype(np.int64), np.minimum(m[under] / trials, 1.0),
                                         size=(size, int(under.sum())))
        return out

    def draw(self, rng: np.random.Generator, size: int = 1) -> np.ndarray:
        """``size`` series (rows) of whole counts, as floats."""
        y = self._arrivals(rng, size)
        for t in range(1, y.shape[1]):
            if t in self.couplings:
                y[:, t] = self.couplings[t].draw(rng, y[:, t - 1])
            elif self.survival[t] > 0:
                y[:, t] += rng.binomial(y[:, t - 1].astype(np.int64), self.survival[t])
        return y


def _calibrate(prev: np.ndarray, marginal: Any, rho: float, rng: np.random.Generator) -> _Coupling:
    """The copula whose counts correlate ``rho`` with the simulated counts ``prev`` of last month
    (the largest latent correlation below 1 if even that falls short)."""
    cdf = np.cumsum(np.bincount(prev.astype(np.int64))) / len(prev)
    state = rng.bit_generator.state

    def corr(latent: float) -> float:
        rng.bit_generator.state = state                   # the same random numbers for every latent
        now = _Coupling(latent, cdf, marginal).draw(rng, prev)
        if np.std(now) == 0 or np.std(prev) == 0:
            return 0.0
        return float(np.corrcoef(prev, now)[0, 1])

    top = 0.999
    latent = top if corr(top) <= rho else optimize.brentq(lambda r: corr(r) - rho, 0.0, top, xtol=1e-4)
    return _Coupling(latent, cdf, marginal)
