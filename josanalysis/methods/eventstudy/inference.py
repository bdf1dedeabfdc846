"""Inference for the event study: the estimator as a linear map of the outcome, the wild
cluster bootstrap with the null imposed (inverted for intervals) and randomization inference."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from josanalysis.methods.eventstudy.data import EventPanel
from josanalysis.methods.eventstudy.firststage import FirstStage, fe_design, first_stage_predict, residuals

__all__ = ["LinearEstimator", "BootstrapIntervals", "wild_cluster_bootstrap", "ri_pvalue"]


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

    def per_school(self, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        """w' A (r[:, j] * 1[school g]) for every column j of r and school g: shape (ncol, G)."""
        n, m = r.shape
        G = self.n_units
        R = np.zeros((n, m * G))
        for j in range(m):
            R[np.arange(n), j * G + self.u_code] = r[:, j]
        Rt = R - self.first_stage.predict(R)
        return (w @ self.second_stage(Rt)[:-1]).reshape(m, G)


@dataclass(frozen=True)
class BootstrapIntervals:
    """Bootstrap p-values and intervals for the event years and then the pooled ATT."""

    p_values: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    kind: str


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
    for _ in range(50):
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


def wild_cluster_bootstrap(est: LinearEstimator, theta_hat: np.ndarray, w_att: np.ndarray, alpha: float,
                           n_boot: int, rng: np.random.Generator) -> BootstrapIntervals:
    """Wild cluster bootstrap by school with the null imposed (WCR), intervals by test inversion.

    Because the estimator is linear in the outcome, each bootstrap statistic is a sign pattern
    times the per-school contributions of the restricted residuals: exact and fast.
    """
    V, kind = _sign_patterns(est.n_units, n_boot, rng)
    years = est.years
    F = fe_design(est.u_code, est.p_code)
    bins = np.column_stack([(est.rel == e).astype(float) for e in years])
    post_idx = [i for i, e in enumerate(years) if e >= 0]
    targets = [np.eye(len(years))[i] for i in range(len(years))] + [w_att]
    q_lo, q_hi, pvals = [], [], []
    for j, w in enumerate(targets):
        theta_j = float(w @ theta_hat[:-1])
        Xr, z = _restricted_problem(est, j, w, F, bins, post_idx)
        c, d = est.per_school(residuals(Xr, np.column_stack([est.y, z])), w)

        def pval(tau0: float, c=c, d=d, theta_j=theta_j) -> float:
            dev = np.abs(V @ (c - tau0 * d))
            return float((1 + np.sum(dev >= abs(theta_j - tau0) - 1e-15)) / (1 + len(V)))

        scale = float(np.abs(V @ c).max()) or 1e-12
        pvals.append(pval(0.0))
        q_lo.append(invert(pval, theta_j, -scale, alpha))
        q_hi.append(invert(pval, theta_j, scale, alpha))
    return BootstrapIntervals(np.array(pvals), np.array(q_lo), np.array(q_hi), kind)


def ri_pvalue(ep: EventPanel, est: LinearEstimator, att_hat: float, n_permutations: int,
              rng: np.random.Generator) -> float:
    """Randomization inference: reassign the start dates among schools, recompute the ATT."""
    u_code, p_code, yv = est.u_code, est.p_code, est.y
    units = ep.df[ep.unit].unique()
    starts = ep.starts.reindex(units).to_numpy()
    months = pd.Series(ep.df[ep.time].to_numpy())
    stats_ = []
    for _ in range(n_permutations):
        perm = rng.permutation(starts)
        s_row = pd.Series(pd.to_datetime(perm[u_code]))
        treat = (months >= s_row).to_numpy()  # NaT (never) compares False
        untreated = ~treat
        if not treat.any():
            continue
        # every unit needs untreated months; every period an untreated school
        if len(np.unique(u_code[untreated])) < len(units) or len(np.unique(p_code[untreated])) < p_code.max() + 1:
            continue
        ytil = yv - first_stage_predict(yv[:, None], u_code, p_code, untreated)[:, 0]
        stats_.append(ytil[treat].mean())
    stats_ = np.asarray(stats_)
    return float((1 + np.sum(np.abs(stats_) >= abs(att_hat))) / (1 + len(stats_)))
