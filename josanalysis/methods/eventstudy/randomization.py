"""Randomization inference for the event study: the observed start dates reassigned among the
schools, the estimates recomputed for every reassignment.

Under the sharp null of no effect at any school, any reassignment of the observed start dates
(never-treated included) is as likely as the observed one, so the share of reassignments whose
estimate is at least as far from zero as the real one is a p-value that does not rest on the
bootstrap's large-sample arguments (Fisher; MacKinnon & Webb 2020 for few clusters). When the
schools and cohorts allow few distinct reassignments, all of them are enumerated; otherwise
``n_permutations`` are drawn at random.

Every reassignment needs its own first stage (the untreated rows change); the school + month
fixed-effects normal equations are built from counts (``np.bincount``) and solved with the
months eliminated first, which costs well under a millisecond per reassignment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from josanalysis.methods.eventstudy.data import EventPanel
from josanalysis.methods.eventstudy.inference import LinearEstimator
from josanalysis.methods.robustness.placebo import allowed_as_large

__all__ = ["RandomizationTest", "randomization_tests", "n_assignments"]


@dataclass(frozen=True)
class RandomizationTest:
    """Randomization p-values of the post-start event years and the pooled effect.

    Attributes
    ----------
    p_value, n_as_large, n_permutations, threshold
        One entry per target (the post-start event years, then the pooled effect): the p-value
        ``(1 + n_as_large) / (n_permutations + 1)``; the reassignments whose estimate is at
        least as far from zero as the real one; the usable reassignments; and the size an
        estimate must exceed for ``p <= alpha`` (or, when alpha is out of reach, for the
        smallest reachable p), from the reassignments of the outcome with the estimated effect
        of every event year removed (so that it does not grow with a true effect).
    exact
        Whether every distinct reassignment was enumerated (else random draws).
    """

    p_value: np.ndarray
    n_as_large: np.ndarray
    n_permutations: np.ndarray
    threshold: np.ndarray
    exact: bool


def n_assignments(starts: list) -> int:
    """The number of distinct reassignments of the start dates among the schools (a multinomial
    coefficient: schools with the same start, or both never, are interchangeable).

    >>> n_assignments(["2020-08-01", "2020-08-01", None, "2022-08-01"])
    12
    """
    counts = Counter(starts)
    return math.factorial(len(starts)) // math.prod(math.factorial(c) for c in counts.values())


def _distinct_assignments(values: list) -> Iterator[tuple]:
    """Every distinct ordering of ``values`` (a multiset), each once."""
    counts = Counter(values)
    keys = list(counts)
    out: list = []

    def rec() -> Iterator[tuple]:
        if len(out) == len(values):
            yield tuple(out)
            return
        for k in keys:
            if counts[k]:
                counts[k] -= 1
                out.append(k)
                yield from rec()
                out.pop()
                counts[k] += 1

    yield from rec()


class _Reassigner:
    """The event-year codes and first-stage residuals of a panel under reassigned starts."""

    def __init__(self, ep: EventPanel, est: LinearEstimator, max_lag: int | None, Y: np.ndarray) -> None:
        self.u, self.p, self.Y = est.u_code, est.p_code, Y
        self.G, self.P = int(self.u.max()) + 1, int(self.p.max()) + 1
        self.month = ep.df["_period"].to_numpy()
        self.max_lag = max_lag

    def codes(self, start_month: np.ndarray) -> np.ndarray:
        """Years since the start per row (-1 before the start and for never-treated schools)."""
        s = start_month[self.u]
        treated = self.month >= s
        rel = np.floor((self.month - s) / 12.0)
        if self.max_lag is not None:
            rel = np.minimum(rel, self.max_lag)
        return np.where(treated, rel, -1).astype(int)

    def residuals(self, untreated: np.ndarray) -> np.ndarray | None:
        """First-stage residuals of the columns of ``Y``; None when a school or month has no
        untreated row (the assignment cannot be estimated).

        The normal equations of school + month effects (month 0 dropped) have a diagonal month
        block, so the months are eliminated first (Schur complement) and only a system of the
        size of the number of schools is solved.
        """
        u0, p0, Y0 = self.u[untreated], self.p[untreated], self.Y[untreated]
        nu = np.bincount(u0, minlength=self.G).astype(float)
        npp = np.bincount(p0, minlength=self.P).astype(float)
        if (nu == 0).any() or (npp == 0).any():
            return None
        C = np.bincount(u0 * self.P + p0, minlength=self.G * self.P).reshape(self.G, self.P).astype(float)
        C[:, 0] = 0.0  # month 0 is the reference
        ru = np.stack([np.bincount(u0, Y0[:, j], self.G) for j in range(Y0.shape[1])], 1)
        rp = np.stack([np.bincount(p0, Y0[:, j], self.P) for j in range(Y0.shape[1])], 1)
        rp[0] = 0.0
        inv_p = 1.0 / npp
        inv_p[0] = 0.0
        try:
            a = scipy.linalg.solve(np.diag(nu) - (C * inv_p) @ C.T, ru - (C * inv_p) @ rp, assume_a="pos")
        except (np.linalg.LinAlgError, ValueError):  # untreated rows that do not connect schools and months
            return None
        b = inv_p[:, None] * (rp - C.T @ a)
        return self.Y - a[self.u] - b[self.p]


def _target_means(R: np.ndarray, rel: np.ndarray, years: list[int], pooled_from: int) -> np.ndarray:
    """Mean residual per post-start event year and over the years from ``pooled_from`` on
    (rows: targets; columns: the columns of ``R``); NaN where a target has no rows."""
    rows = [R[rel == e].mean(axis=0) if (rel == e).any() else np.full(R.shape[1], np.nan) for e in years]
    m = rel >= pooled_from
    rows.append(R[m].mean(axis=0) if m.any() else np.full(R.shape[1], np.nan))
    return np.vstack(rows)


def randomization_tests(ep: EventPanel, est: LinearEstimator, theta_hat: np.ndarray, *, pooled_from: int,
                        max_lag: int | None, n_permutations: int, alpha: float,
                        rng: np.random.Generator) -> RandomizationTest:
    """Randomization inference for the post-start event years and the pooled effect.

    Parameters
    ----------
    ep, est
        The event panel and its linear estimator (from :func:`event_study`).
    theta_hat
        The event-year estimates (in the order of ``est.years``) followed by the pooled effect.
    pooled_from, max_lag
        As in :func:`event_study`.
    n_permutations
        Random reassignments; when the schools allow at most ``n_permutations + 1`` distinct
        ones, all are enumerated instead (the observed one is then left out of the count).
    alpha
        The level the threshold is computed for.
    rng
        Random generator.

    Returns
    -------
    RandomizationTest

    Examples
    --------
    >>> rt = randomization_tests(ep, est, theta_hat, pooled_from=0, max_lag=None,
    ...                          n_permutations=199, alpha=0.05, rng=rng)   # doctest: +SKIP
    >>> rt.p_value[-1]                                                     # doctest: +SKIP
    """
    post = [i for i, e in enumerate(est.years) if e >= 0]
    years = [est.years[i] for i in post]
    targets = np.r_[theta_hat[post], theta_hat[-1]]
    # the outcome with every event year's estimated effect removed: the threshold's null
    effect = np.zeros(len(est.y))
    for i in post:
        effect[est.rel == est.years[i]] = theta_hat[i]
    re = _Reassigner(ep, est, max_lag, np.column_stack([est.y, est.y - effect]))
    starts = ep.starts.reindex(ep.df[ep.unit].unique())
    start_month = (starts.dt.year * 12 + starts.dt.month).to_numpy(dtype=float)
    start_month = np.where(np.isnan(start_month), np.inf, start_month)
    exact = n_assignments(list(start_month)) <= n_permutations + 1
    if exact:
        observed = tuple(start_month)
        draws = (np.array(a) for a in _distinct_assignments(list(start_month)) if a != observed)
    else:
        draws = (rng.permutation(start_month) for _ in range(n_permutations))
    stats = []
    for sm in draws:
        rel = re.codes(sm)
        R = re.residuals(rel < 0)
        if R is not None and (rel >= 0).any():
            stats.append(_target_means(R, rel, years, pooled_from))
    S = np.stack(stats) if stats else np.full((0, len(targets), 2), np.nan)
    real, null = np.abs(S[:, :, 0]), np.abs(S[:, :, 1])
    usable = ~np.isnan(real)
    n = usable.sum(axis=0)
    k = np.sum(usable & (real >= np.abs(targets) * (1 - 1e-12)), axis=0)
    threshold = np.array([np.sort(null[usable[:, j], j])[::-1][allowed_as_large(int(n[j]), alpha)]
                          if n[j] > allowed_as_large(int(n[j]), alpha) else np.inf for j in range(len(targets))])
    return RandomizationTest((1 + k) / (n + 1), k, n, threshold, exact)
