"""Inference for the event study: the estimator as a linear map of the outcome, the wild
cluster bootstrap with the null imposed (inverted for intervals)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from josanalysis.methods.eventstudy.data import EventPanel
from josanalysis.methods.eventstudy.firststage import FirstStage, fe_design, residuals

__all__ = ["LinearEstimator", "BootstrapIntervals", "wild_cluster_bootstrap"]


@dataclass(frozen=True)
class LinearEstimator:
    """The two-stage imputation estimator as a linear map of the outcome.

    Rows are the school-months of an :class:`EventPanel`; the estimates are the mean first-stage
    residual in each event year (``years``) and over all treated rows (the pooled ATT, last).
    """

    u_code: np.ndarray
    p_code: np.ndarray
    rel: np.ndarray
    treat: np.ndarray
    y: np.ndarray
    years: list[int]
    first_stage: FirstStage
    n_units: int

    @classmethod
    def from_panel(cls, ep: EventPanel, years: list[int]) -> LinearEstimator:
        df = ep.df
        u_code = pd.factorize(df[ep.unit])[0]
        p_code = pd.factorize(df["_period"], sort=True)[0]
        return cls(u_code=u_code, p_code=p_code, rel=df["_rel"].to_numpy(),
                   treat=df["_treat"].to_numpy().astype(bool), y=df["_y"].to_numpy(), years=years,
                   first_stage=FirstStage(u_code, p_code, ep.untreated), n_units=ep.n_units)

    def second_stage(self, resid_matrix: np.ndarray) -> np.ndarray:
        """Mean of each column's residuals per event year, then over the treated rows."""
        rows = [resid_matrix[self.rel == e].mean(axis=0) for e in self.years]
        rows.append(resid_matrix[self.treat].mean(axis=0))
        return np.vstack(rows)

    def estimates(self) -> np.ndarray:
        """Event-year estimates followed by the pooled ATT."""
        ytil = self.y - self.first_stage.predict(self.y[:, None])[:, 0]
        return self.second_stage(ytil[:, None])[:, 0]

    @property
    def school_dummies(self) -> np.ndarray:
        """One column per school: 1 on its rows (n x G)."""
        D = np.zeros((len(self.y), self.n_units))
        D[np.arange(len(self.y)), self.u_code] = 1.0
        return D

    def outcome_weights(self, w: np.ndarray) -> np.ndarray:
        """The weight ``a_i`` of every row's outcome in the estimate ``w' theta`` (so that
        ``w' theta_hat = a @ y``); ``w`` weighs the event years."""
        s = np.zeros(len(self.y))
        for wi, e in zip(w, self.years):
            if wi:
                m = self.rel == e
                s[m] += wi / m.sum()
        fs = self.first_stage
        a = s.copy()
        a[fs.untreated] -= fs.Z0 @ scipy.linalg.cho_solve(fs.cf, fs.Z.T @ s)
        return a

    def unrestricted_residuals(self, Y: np.ndarray) -> np.ndarray:
        """Residuals of the imputation model, columnwise: the first-stage residual, and on a
        treated row its difference from the mean of its event year (Borusyak, Jaravel & Spiess
        2024, section 4.3)."""
        R = Y - self.first_stage.predict(Y)
        for e in self.years:
            if e >= 0:
                m = self.rel == e
                R[m] -= R[m].mean(axis=0)
        return R

    def school_scores(self, a: np.ndarray, R: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each column ``r`` of ``R`` (residuals): the schools' contributions to the estimate,
        ``c_g = sum_{i in g} a_i r_i``, and ``K`` with ``K[g, h]`` school g's score after school
        h's residuals alone are taken as the outcome: a wild-bootstrap draw ``v`` has the estimate
        ``v @ c`` and the cluster-robust standard error ``||K v||``."""
        D = self.school_dummies
        G, m = self.n_units, R.shape[1]
        E = self.unrestricted_residuals(np.hstack([D * R[:, [j]] for j in range(m)]))
        return [(D.T @ (a * R[:, j]), D.T @ (a[:, None] * E[:, j * G:(j + 1) * G])) for j in range(m)]


@dataclass(frozen=True)
class BootstrapIntervals:
    """Bootstrap p-values and intervals for the event years and then the pooled ATT."""

    p_values: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    kind: str


#: Bisection of an interval end stops when the bracket is this fraction of the first step (the
#: bootstrap scale), instead of after 50 halvings: half the p-value evaluations, and on the demo's
#: event studies the ends move by less than 1e-6 of the interval's width (tests.reference_outputs).
INVERT_RTOL = 1e-7


def invert(pval, theta: float, step: float, alpha: float) -> float:
    """The interval end in the direction of step: where the bootstrap p-value drops to alpha."""
    inside = theta
    out = theta + step
    for _ in range(60):
        if pval(out) <= alpha:
            break
        inside, out = out, theta + 2 * (out - theta)
    else:  # pragma: no cover - p never drops: unbounded interval
        return float("inf") if step > 0 else float("-inf")
    tol = INVERT_RTOL * abs(step)
    for _ in range(60):
        if abs(out - inside) <= tol:
            break
        mid = 0.5 * (inside + out)
        if pval(mid) > alpha:
            inside = mid
        else:
            out = mid
    return 0.5 * (inside + out)


def _sign_patterns(G: int, n_boot: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """All 2^G Rademacher sign patterns when G <= 14, else ``n_boot`` random draws."""
    if G <= 14:
        V = np.array(list(itertools.product((-1.0, 1.0), repeat=G)))
        return V, f"all {len(V)} Rademacher sign patterns"
    return rng.choice((-1.0, 1.0), size=(n_boot, G)), f"{n_boot} Rademacher draws"


def _restricted_problem(est: LinearEstimator, j: int, w: np.ndarray, F: np.ndarray, bins: np.ndarray,
                        post_idx: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Design of the model with the null imposed for target ``j``, and the null's direction."""
    years = est.years
    if j < len(years) and years[j] < 0:
        # pre-trend check: H0 lead = tau0, with all post-start bins free
        return np.column_stack([F, bins[:, post_idx]]), bins[:, j]
    kk = int(np.argmax(np.abs(w)))
    others = [i for i in post_idx if i != kk]
    Xr = np.column_stack([F] + [bins[:, i] - (w[i] / w[kk]) * bins[:, kk] for i in others])
    return Xr, bins[:, kk] / w[kk]


def _studentized_pvalue(V: np.ndarray, scores: list[tuple[np.ndarray, np.ndarray]], theta: float,
                        se: float) -> Callable[[float], float]:
    """The bootstrap-t p-value of H0: estimate = tau0, as a function of tau0.

    With restricted residuals ``r(tau0) = r_y - tau0 r_z`` both the bootstrap estimate
    ``v @ c(tau0)`` and its squared standard error ``||K(tau0) v||^2`` are polynomials in tau0,
    so each evaluation costs one pass over the draws.
    """
    (cy, Ky), (cz, Kz) = scores
    ny, nz = V @ cy, V @ cz
    P, Q = V @ Ky.T, V @ Kz.T
    pp, pq, qq = (P * P).sum(axis=1), (P * Q).sum(axis=1), (Q * Q).sum(axis=1)
    se = max(se, 1e-300)

    def pval(tau0: float) -> float:
        num = np.abs(ny - tau0 * nz)
        den = np.sqrt(np.maximum(pp - 2 * tau0 * pq + tau0 * tau0 * qq, 0.0))
        t_star = np.divide(num, den, out=np.where(num > 0, np.inf, 0.0), where=den > 0)
        t_hat = abs(theta - tau0) / se
        return float((1 + np.sum(t_star >= t_hat * (1 - 1e-12))) / (1 + len(V)))

    return pval


def wild_cluster_bootstrap(est: LinearEstimator, theta_hat: np.ndarray, w_att: np.ndarray, alpha: float,
                           n_boot: int, rng: np.random.Generator) -> BootstrapIntervals:
    """Wild cluster bootstrap-t by school with the null imposed (WCR), intervals by test inversion.

    The statistic is studentized: the estimate's distance from the null over its cluster-robust
    standard error, recomputed in every draw from the imputation model's residuals (MacKinnon,
    Nielsen & Webb 2023; Roodman et al. 2019). The unstudentized distance, used before, is not
    pivotal when the schools' contributions differ (two comparison schools carry the late
    comparisons): it rejected a true null in 11.8% of 15-school panels at the 10% level.
    Because the estimator is linear in the outcome, every draw is exact and cheap. (For a lead,
    a pre-start year, the first stage absorbs part of an imposed shift, so there the bootstrap
    under a null other than 0 is an approximation; its p-value at 0 is exact.)
    """
    V, kind = _sign_patterns(est.n_units, n_boot, rng)
    years = est.years
    F = fe_design(est.u_code, est.p_code)
    bins = np.column_stack([(est.rel == e).astype(float) for e in years])
    post_idx = [i for i, e in enumerate(years) if e >= 0]
    targets = [np.eye(len(years))[i] for i in range(len(years))] + [w_att]
    e_hat = est.unrestricted_residuals(est.y[:, None])[:, 0]
    D = est.school_dummies
    q_lo, q_hi, pvals = [], [], []
    for j, w in enumerate(targets):
        a = est.outcome_weights(w)
        theta_j = float(w @ theta_hat[:-1])
        se = float(np.linalg.norm(D.T @ (a * e_hat)))
        Xr, z = _restricted_problem(est, j, w, F, bins, post_idx)
        scores = est.school_scores(a, residuals(Xr, np.column_stack([est.y, z])))
        pval = _studentized_pvalue(V, scores, theta_j, se)
        scale = float(np.abs(V @ scores[0][0]).max()) or 1e-12
        pvals.append(pval(0.0))
        q_lo.append(invert(pval, theta_j, -scale, alpha))
        q_hi.append(invert(pval, theta_j, scale, alpha))
    return BootstrapIntervals(np.array(pvals), np.array(q_lo), np.array(q_hi), kind + ", bootstrap-t")
