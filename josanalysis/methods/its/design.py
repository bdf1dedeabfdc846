"""The segmented-regression design: which rows are used, and the design matrix.

``time`` counts from the first point, ``level`` is 1 from the first month with an effect
(start + lag) on and ``slope`` counts months from then on (1 in that first month), so ``level``
is the step change and ``slope`` the change in the monthly trend; see the package docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError
from josanalysis.methods.its.spec import MIN_POST, MIN_PRE, ItsSpec
from josanalysis.methods.its.validation import ValidatedSeries

__all__ = ["Segments", "segments", "design_matrix", "model_rows", "stack_comparison", "ModelData"]


@dataclass(frozen=True)
class Segments:
    """Where a series stands relative to the start.

    Attributes
    ----------
    effect_t
        First time point with an effect (start + lag, on the model's time scale).
    phase_in
        True in the phase-in months (start .. start + lag - 1), left out of the fit.
    used
        True for rows in the fit (not excluded, not phase-in).
    pre, post
        Used rows before the start and from start + lag on.
    """

    effect_t: float
    phase_in: np.ndarray
    used: np.ndarray
    pre: np.ndarray
    post: np.ndarray

    @property
    def n_pre(self) -> int:
        return int(self.pre.sum())

    @property
    def n_post(self) -> int:
        return int(self.post.sum())


def segments(s: ValidatedSeries, lag: int) -> Segments:
    """The segments of ``s`` for a phase-in of ``lag`` months.

    Raises
    ------
    DataError
        Fewer than :data:`MIN_PRE` used points before the start or :data:`MIN_POST` after it.
    """
    effect_t = s.start_t + lag
    phase_in = (s.t >= s.start_t) & (s.t < effect_t)
    used = ~s.exclude & ~phase_in
    seg = Segments(effect_t=effect_t, phase_in=phase_in, used=used,
                   pre=used & (s.t < s.start_t), post=used & (s.t >= effect_t))
    if seg.n_pre < MIN_PRE:
        raise DataError(
            f"too few points before the start: {seg.n_pre} used (after exclusions), at least {MIN_PRE} needed."
        )
    if seg.n_post < MIN_POST:
        raise DataError(
            f"too few points after the start{' + lag' if lag else ''}: {seg.n_post} used (after "
            f"exclusions), at least {MIN_POST} needed."
        )
    return seg


def design_matrix(s: ValidatedSeries, spec: ItsSpec, seg: Segments) -> pd.DataFrame:
    """Design matrix for every row of ``s``: constant, time, impact terms, season, covariates.

    Month seasonality gets a dummy for every month seen in the used rows but the first;
    harmonic seasonality ``sin``/``cos`` pairs of ``spec.period_used``.
    """
    n = len(s.y)
    effect_t = seg.effect_t
    cols: dict[str, np.ndarray] = {"const": np.ones(n), "time": s.t - s.t[0]}
    post = (s.t >= effect_t).astype(float)
    if spec.level_change:
        cols["level"] = post
    if spec.slope_change:
        cols["slope"] = post * (s.t - effect_t + 1.0)
    if spec.seasonality == "month":
        levels = sorted(set(s.season_key[seg.used].tolist()))
        for lev in levels[1:]:
            cols[f"season_{lev}"] = (s.season_key == lev).astype(float)
    elif spec.seasonality == "harmonic":
        period = spec.period_used or 12
        for k in range(1, int(spec.harmonics_used) + 1):
            cols[f"sin{k}"] = np.sin(2 * np.pi * k * s.t / period)
            cols[f"cos{k}"] = np.cos(2 * np.pi * k * s.t / period)
    if s.covariates is not None:
        for c in s.covariates.columns:
            cols[f"cov_{c}"] = s.covariates[c].to_numpy()
    return pd.DataFrame(cols)


@dataclass(frozen=True)
class ModelData:
    """What a regression is fitted to: the used rows, possibly stacked with a comparison.

    Attributes
    ----------
    X
        Design of the fitted rows (columns that are all zero in the used rows dropped).
    y
        The response (the treated-minus-comparison difference for a gaussian comparison).
    offset
        Log offset of the fitted rows, or None.
    groups
        1 for treated, 0 for comparison rows of a stacked count design, else None.
    effect_names
        Impact term -> design column (``g_level``/``g_slope`` in a stacked design).
    y_model
        The modelled series for every input row (treated, or the difference).
    """

    X: pd.DataFrame
    y: np.ndarray
    offset: np.ndarray | None
    groups: np.ndarray | None
    effect_names: dict[str, str]
    y_model: np.ndarray


def model_rows(X: pd.DataFrame, s: ValidatedSeries, comp: ValidatedSeries | None, spec: ItsSpec,
               used: np.ndarray) -> ModelData:
    """The data of the regression: used rows of the treated series, its difference with the
    comparison (gaussian) or both series stacked (counts).

    Raises
    ------
    DataError
        More terms than the points support, or a comparison with missing outcome values in
        used months.
    """
    stacked = comp is not None and spec.family != "gaussian"
    if X.shape[1] + 3 > int(used.sum()) * (2 if stacked else 1):
        raise DataError(
            f"too few points ({int(used.sum())}) for a model with {X.shape[1]} terms; use fewer "
            "terms (e.g. harmonic instead of month seasonality)."
        )
    A = X.to_numpy(dtype=float)[used]
    keep = (A != 0).any(axis=0) | (X.columns == "const")
    Xu = pd.DataFrame(A[:, keep], columns=X.columns[keep])
    offs = s.offset[used] if s.offset is not None else None
    plain = {"level": "level", "slope": "slope"}
    if comp is None:
        return ModelData(Xu, s.y[used], offs, None, plain, s.y)
    if not stacked:
        y_model = s.y - comp.y
        yu = y_model[used]
        if not np.isfinite(yu).all():
            raise DataError("the comparison series has missing outcome values in months that are used.")
        return ModelData(Xu, yu, offs, None, plain, y_model)
    Xs, ys, offs, groups = stack_comparison(Xu, s, comp, used)
    return ModelData(Xs, ys, offs, groups, {"level": "g_level", "slope": "g_slope"}, s.y)


def stack_comparison(Xu: pd.DataFrame, s: ValidatedSeries, c: ValidatedSeries, used: np.ndarray):
    """Stacked design for a controlled count ITS: every term also interacted with the group.

    Returns the design, the response, the log offset (or None) and the group (1 = treated).
    """
    n = len(Xu)
    base = pd.concat([Xu, Xu], ignore_index=True)
    g = np.r_[np.ones(n), np.zeros(n)]
    inter = base.mul(g, axis=0).add_prefix("g_")
    Xs = pd.concat([base, inter], axis=1)
    ys = np.r_[s.y[used], c.y[used]]
    if not np.isfinite(ys).all():
        raise DataError("the comparison series has missing outcome values in months that are used.")
    offs = None
    if s.offset is not None:
        offs = np.r_[s.offset[used], c.offset[used]]
    return Xs, ys, offs, g.astype(int)
