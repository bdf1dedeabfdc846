"""Staggered roll-out at region level: event study and pooled effect across schools.

Schools start JOS in different school years, and some never do. Two-way fixed-effects
regressions with a single "treated" dummy are biased under staggered adoption with effects that
change over time (already-treated schools act as controls). We therefore use the imputation /
two-stage estimator of Gardner (2021) (numerically the Borusyak-Jaravel-Spiess imputation
estimator), as implemented by :func:`pyfixest.did2s`:

1. fit ``y ~ school FE + calendar-month FE`` on the *untreated* school-months only -- every
   month of never-treated schools and the months before the start of not-yet-treated schools;
2. subtract the predicted untreated outcome from every school-month and average the
   differences by year since the start (event study) or over all treated school-months
   (pooled ATT).

Calendar-month fixed effects absorb seasonality and shocks common to the region (COVID
closures, national trends); school fixed effects absorb level differences between schools.

Inference: with 8-15 schools, cluster-robust (large-sample) standard errors are unreliable.
We use a wild cluster bootstrap at school level (Rademacher weights; all 2^G sign patterns
when G <= 14, else ``n_boot`` random draws), with the small-sample factor sqrt(G/(G-1)) on
the bootstrap deviations, and symmetric percentile intervals. Because the estimator is linear
in the outcome, the bootstrap is computed exactly from the per-school contributions of the
residuals; the point estimate is cross-checked against pyfixest. Optionally, a randomization
inference p-value for the pooled ATT permutes the start dates among schools.
See ``docs/methods.md`` for the reasons and the simulation check.

Examples
--------
>>> from josanalysis.methods.eventstudy import event_study
>>> res = event_study(panel, "absence_rate", unit="school_id", time="month",
...                   start="jos_start")                              # doctest: +SKIP
>>> res.event[["estimate", "ci_low", "ci_high"]]                      # doctest: +SKIP
>>> res.att                                                           # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.methods.its import window_indicator

__all__ = ["EventStudyResult", "event_study"]

NEVER = -1000  # event-year code of never-treated school-months (reference, not reported)


@dataclass
class EventStudyResult:
    """Result of :func:`event_study`.

    Attributes
    ----------
    event
        Indexed by ``event_year`` (0 = the first 12 months after the start, -1 = the 12 months
        before, ...): ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` (wild cluster
        bootstrap), ``se_cluster`` (pyfixest's large-sample GMM cluster SE, for reference
        only), ``n_obs`` (school-months) and ``n_units`` (schools). Negative years are
        pre-trend checks: near zero if the untreated model fits the schools before their start.
    att
        The pooled average effect over all treated school-months (one-row DataFrame indexed
        ``"att"``), same columns plus ``ri_p_value`` when randomization inference was run.
    n_units, n_treated, n_never
        Schools used; schools that start within the data; schools that never start.
    spec
        Settings used.
    notes
        Warnings a reader should see (Dutch: they are printed in the region report).
    """

    event: pd.DataFrame
    att: pd.DataFrame
    n_units: int
    n_treated: int
    n_never: int
    spec: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def summary_nl(self, label: str = "de uitkomst", percent_points: bool = False) -> str:
        """Dutch summary of the pooled effect (never a causal claim)."""
        row = self.att.iloc[0]
        f, unit = (100.0, " procentpunt") if percent_points else (1.0, "")
        d = 1 if percent_points else 3
        conf = int(round(100 * (1 - self.spec["alpha"])))

        def nl(x: float) -> str:
            return f"{x * f:.{d}f}".replace(".", ",")

        direction = "lager" if row["estimate"] < 0 else "hoger"
        text = (
            f"Gemiddeld over {self.n_treated} JOS-scholen ligt {label} na de start "
            f"{nl(abs(row['estimate']))}{unit} {direction} dan verwacht op grond van de scholen die "
            f"(nog) niet met JOS werkten ({conf}%-BI {nl(row['ci_low'])} tot {nl(row['ci_high'])}{unit}; "
            f"{self.n_never} scholen zonder JOS)."
        )
        if row["ci_low"] <= 0 <= row["ci_high"]:
            text += " Het interval omvat geen verschil."
        text += (
            " Dit is een vergelijking, geen bewijs dat JOS de oorzaak is: andere ontwikkelingen "
            "op dezelfde scholen kunnen meespelen."
        )
        return text


def _month_index(ts: pd.Series) -> pd.Series:
    return ts.dt.year * 12 + ts.dt.month


def _starts(panel: pd.DataFrame, unit: str, start: str | Mapping[Any, Any]) -> pd.Series:
    if isinstance(start, str):
        if start not in panel.columns:
            raise DataError(f"panel has no start column '{start}'.", column=start)
        per_unit = panel.groupby(unit, sort=False)[start].nunique(dropna=False)
        bad = per_unit[per_unit > 1]
        if len(bad):
            raise DataError(
                f"the start date must be the same in every row of a school; it differs for "
                f"{', '.join(map(str, bad.index[:5]))}.",
                column=start,
            )
        s = panel.groupby(unit, sort=False)[start].first()
    elif isinstance(start, Mapping):
        s = pd.Series(dict(start))
        missing = set(panel[unit].unique()) - set(s.index)
        if missing:
            raise ConfigError(f"start has no entry for school(s) {', '.join(map(str, sorted(missing)))}; use None for never.")
    else:
        raise ConfigError("start must be a column name or a mapping school -> start date (None = never).")
    try:
        return pd.to_datetime(s, errors="raise")
    except (TypeError, ValueError):
        raise ConfigError("start values must be dates (or empty/None for schools that never start).") from None


def _fe_design(u_code: np.ndarray, p_code: np.ndarray) -> np.ndarray:
    n_u = u_code.max() + 1
    n_p = p_code.max() + 1
    Z = np.zeros((len(u_code), n_u + n_p - 1))
    Z[np.arange(len(u_code)), u_code] = 1.0
    has_p = p_code > 0
    Z[np.flatnonzero(has_p), n_u + p_code[has_p] - 1] = 1.0
    return Z


def _residuals(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    try:
        b = np.linalg.solve(X.T @ X, X.T @ Y)
    except np.linalg.LinAlgError:
        b, *_ = np.linalg.lstsq(X, Y, rcond=None)
    return Y - X @ b


class _FirstStage:
    """School + month fixed effects fitted on the untreated rows (factorised once)."""

    def __init__(self, u_code: np.ndarray, p_code: np.ndarray, untreated: np.ndarray) -> None:
        import scipy.linalg

        self._la = scipy.linalg
        self.Z = _fe_design(u_code, p_code)
        self.Z0 = self.Z[untreated]
        self.untreated = untreated
        self.cf = scipy.linalg.cho_factor(self.Z0.T @ self.Z0)

    def predict(self, Y: np.ndarray) -> np.ndarray:
        return self.Z @ self._la.cho_solve(self.cf, self.Z0.T @ Y[self.untreated])


def _apply_estimator(r: np.ndarray, w: np.ndarray, u_code: np.ndarray, fs: _FirstStage, G: int,
                     second_stage) -> np.ndarray:
    """w' A (r[:, j] * 1[school g]) for every column j of r and school g: shape (ncol, G)."""
    n, m = r.shape
    R = np.zeros((n, m * G))
    for j in range(m):
        R[np.arange(n), j * G + u_code] = r[:, j]
    Rt = R - fs.predict(R)
    return (w @ second_stage(Rt)[:-1]).reshape(m, G)


def _invert(pval, theta: float, step: float, alpha: float) -> float:
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


def _first_stage_predict(Y: np.ndarray, u_code: np.ndarray, p_code: np.ndarray, untreated: np.ndarray) -> np.ndarray:
    """Predicted untreated outcome (school FE + period FE fitted on untreated rows), columnwise."""
    Z = _fe_design(u_code, p_code)
    Z0 = Z[untreated]
    # normal equations (the design is small and of full rank once one period is dropped);
    # much faster than an SVD-based lstsq when BLAS threads compete
    try:
        theta = np.linalg.solve(Z0.T @ Z0, Z0.T @ Y[untreated])
    except np.linalg.LinAlgError:
        theta, *_ = np.linalg.lstsq(Z0, Y[untreated], rcond=None)
    return Z @ theta


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
        Pre-start years reported as pre-trend checks (-max_lead .. -1). Earlier years remain in
        the untreated model but are not reported.
    max_lag
        Years since start reported separately; later years are pooled into the last one.
    alpha
        1 - confidence level.
    n_boot
        Bootstrap draws when there are more than 14 schools (otherwise all 2^G sign patterns).
    n_permutations
        If > 0, also compute a randomization-inference p-value for the pooled ATT by
        reassigning the observed start dates among the schools this many times.
    seed
        Random seed.

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
    import pyfixest as pf

    if not isinstance(panel, pd.DataFrame):
        raise ConfigError("panel must be a pandas DataFrame.")
    for col in (outcome, unit, time):
        if col not in panel.columns:
            raise DataError(f"panel has no column '{col}'.", column=col)
    if not pd.api.types.is_datetime64_any_dtype(panel[time]):
        raise DataError(f"time column '{time}' must hold month dates.", column=time)
    if not (0 < alpha < 1):
        raise ConfigError("alpha must lie between 0 and 1.")
    if max_lead < 0 or (max_lag is not None and max_lag < 0):
        raise ConfigError("max_lead and max_lag must be >= 0.")
    starts = _starts(panel, unit, start)
    df = panel[[unit, time, outcome]].copy()
    if exclude is not None:
        if isinstance(exclude, str):
            mask = panel[exclude].fillna(False).to_numpy(dtype=bool)
        else:
            mask = window_indicator(panel[time], exclude).to_numpy(dtype=bool)
        df = df.loc[~mask]
    y = pd.to_numeric(df[outcome], errors="coerce")
    if y.isna().any():
        raise DataError(f"outcome '{outcome}' has missing or non-numeric values in {int(y.isna().sum())} rows.", column=outcome)
    dup = df.duplicated([unit, time])
    if dup.any():
        raise DataError(f"{int(dup.sum())} duplicate school-month rows (each school once per month).", column=time)
    df = df.sort_values([unit, time]).reset_index(drop=True)
    df["_y"] = pd.to_numeric(df[outcome]).to_numpy(dtype=float)
    last = df[time].max()
    st = starts.reindex(df[unit].unique())
    st = st.where(st <= last)  # starts after the data: never treated within the data
    df["_start"] = df[unit].map(st)
    mi = _month_index(df[time])
    si = _month_index(df["_start"])
    df["_treat"] = (df[time] >= df["_start"]).fillna(False).astype(int)
    rel = np.floor((mi - si) / 12.0)
    if max_lag is not None:
        rel = rel.where(rel <= max_lag, max_lag)
    rel = rel.where(~(rel < -max_lead), NEVER)  # early leads: part of the reference
    df["_rel"] = rel.fillna(NEVER).astype(int)
    df["_period"] = mi.astype(int)

    units = df[unit].unique()
    G = len(units)
    if G < 3:
        raise DataError(f"an event study needs at least 3 schools; got {G}.")
    never = int(st.isna().sum())
    treated_units = int(st.notna().sum())
    if treated_units == 0:
        raise DataError("no school starts within the data: there is no effect to estimate.")
    untreated = df["_treat"].to_numpy() == 0
    per_unit_untreated = df.loc[untreated].groupby(unit).size().reindex(units, fill_value=0)
    no_pre = per_unit_untreated[per_unit_untreated == 0]
    if len(no_pre):
        raise DataError(
            f"school(s) {', '.join(map(str, no_pre.index))} have no months before their start; "
            "their untreated level cannot be estimated (drop them or add earlier months)."
        )
    periods_untreated = set(df.loc[untreated, "_period"])
    lacking = sorted(set(df["_period"]) - periods_untreated)
    if lacking:
        raise DataError(
            f"{len(lacking)} month(s) have no untreated school (no never- or not-yet-treated "
            "comparison), so the common month effect cannot be estimated.",
            column=time,
        )

    # --- point estimates and reference SEs with pyfixest (the estimator of record)
    fdf = df.rename(columns={unit: "_unit"})[["_unit", "_period", "_y", "_treat", "_rel"]].copy()
    fdf["_unit"] = fdf["_unit"].astype(str)
    notes: list[str] = []
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

    # --- the same estimator as a linear map, for the bootstrap
    u_code = pd.factorize(df[unit])[0]
    p_code = pd.factorize(df["_period"], sort=True)[0]
    rel_arr = df["_rel"].to_numpy()
    treat = df["_treat"].to_numpy().astype(bool)
    yv = df["_y"].to_numpy()

    def second_stage(resid_matrix: np.ndarray) -> np.ndarray:
        rows = [resid_matrix[rel_arr == e].mean(axis=0) for e in years]
        rows.append(resid_matrix[treat].mean(axis=0))
        return np.vstack(rows)

    fs = _FirstStage(u_code, p_code, untreated)
    ytil = yv - fs.predict(yv[:, None])[:, 0]
    theta_hat = second_stage(ytil[:, None])[:, 0]
    # the pooled ATT is the mean over treated school-months = the n-weighted mean of the
    # post-start event-year estimates (exactly pyfixest's did2s with second stage ~ 0 + treat)
    w_att = np.array([(rel_arr == e).sum() if e >= 0 else 0 for e in years], dtype=float)
    w_att /= w_att.sum()
    es_vec = np.array([es_coef[key[e]] for e in years])
    order = [list(es_coef.index).index(key[e]) for e in years]
    es_vcov = np.asarray(fit_es._vcov)[np.ix_(order, order)]
    att_pf = float(w_att @ es_vec)
    att_se_pf = float(math.sqrt(max(w_att @ es_vcov @ w_att, 0.0)))
    check = np.r_[es_vec, att_pf]
    # pyfixest demeans iteratively (tolerance ~1e-8), so allow a tiny difference
    if not np.allclose(theta_hat, check, rtol=1e-4, atol=1e-4 * max(float(np.std(yv)), 1e-12)):
        raise RuntimeError(f"internal check failed: bootstrap map does not reproduce pyfixest did2s ({theta_hat} vs {check}).")
    # --- wild cluster bootstrap with the null imposed (WCR), inverted for intervals
    rng = np.random.default_rng(seed)
    if G <= 14:
        V = np.array(list(itertools.product((-1.0, 1.0), repeat=G)))
        boot_kind = f"all {len(V)} Rademacher sign patterns"
    else:
        V = rng.choice((-1.0, 1.0), size=(n_boot, G))
        boot_kind = f"{n_boot} Rademacher draws"
    n = len(yv)
    F = _fe_design(u_code, p_code)
    Bins = np.column_stack([(rel_arr == e).astype(float) for e in years])
    post_idx = [i for i, e in enumerate(years) if e >= 0]
    targets = [np.eye(len(years))[i] for i in range(len(years))] + [w_att]
    q_lo, q_hi, pvals = [], [], []
    for j, w in enumerate(targets):
        theta_j = float(w @ theta_hat[:-1])
        if j < len(years) and years[j] < 0:
            # pre-trend check: H0 lead = tau0, with all post-start bins free
            Xr = np.column_stack([F, Bins[:, post_idx]])
            z = Bins[:, j]
        else:
            kk = int(np.argmax(np.abs(w)))
            others = [i for i in post_idx if i != kk]
            Xr = np.column_stack([F] + [Bins[:, i] - (w[i] / w[kk]) * Bins[:, kk] for i in others])
            z = Bins[:, kk] / w[kk]
        c, d = _apply_estimator(_residuals(Xr, np.column_stack([yv, z])), w, u_code, fs, G, second_stage)

        def pval(tau0: float, c=c, d=d, theta_j=theta_j) -> float:
            dev = np.abs(V @ (c - tau0 * d))
            return float((1 + np.sum(dev >= abs(theta_j - tau0) - 1e-15)) / (1 + len(V)))

        scale = float(np.abs(V @ c).max()) or 1e-12
        pvals.append(pval(0.0))
        q_lo.append(_invert(pval, theta_j, -scale, alpha))
        q_hi.append(_invert(pval, theta_j, scale, alpha))
    pvals = np.array(pvals)
    ci_lo_all = np.array(q_lo)
    ci_hi_all = np.array(q_hi)

    n_obs = {e: int((rel_arr == e).sum()) for e in years}
    n_un = {e: int(df.loc[rel_arr == e, unit].nunique()) for e in years}
    # a bootstrap over schools says nothing about a year observed in one school only
    one = np.array([n_un[e] < 2 for e in years] + [treated_units < 2])
    ci_lo_all = np.where(one, np.nan, ci_lo_all)
    ci_hi_all = np.where(one, np.nan, ci_hi_all)
    pvals = np.where(one, np.nan, pvals)
    event = pd.DataFrame(
        {
            "estimate": theta_hat[:-1],
            "ci_low": ci_lo_all[:-1],
            "ci_high": ci_hi_all[:-1],
            "p_value": pvals[:-1],
            "se_cluster": [float(es_se[key[e]]) for e in years],
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
            "n_obs": [int(treat.sum())],
            "n_units": [treated_units],
        },
        index=pd.Index(["att"], name="term"),
    )
    if n_permutations > 0:
        att["ri_p_value"] = _ri_pvalue(df, unit, time, st, yv, u_code, p_code, theta_hat[-1], n_permutations, rng)
    thin = [e for e in years if n_un[e] < 3]
    if thin:
        notes.append(
            f"Schooljaar/-jaren {', '.join(map(str, thin))} na de start berusten op minder dan 3 scholen: "
            "lees ze met voorzichtigheid (geen interval waar maar één school is waargenomen)."
        )
    if never < 2:
        notes.append(
            "Minder dan 2 scholen zonder JOS: de later startende scholen dragen de vergelijking; de "
            "laatste jaren hebben geen vergelijking meer zodra alle scholen zijn gestart."
        )
    spec = {
        "estimator": "did2s (Gardner 2021 two-stage imputation; pyfixest)",
        "fixed_effects": "school + calendar month",
        "controls": "never-treated and not-yet-treated school-months",
        "inference": (
            f"wild cluster bootstrap by school with the null imposed (WCR; {boot_kind}); "
            "intervals by test inversion"
        ),
        "alpha": alpha,
        "max_lead": max_lead,
        "max_lag": max_lag,
        "n_permutations": n_permutations,
        "outcome": outcome,
    }
    return EventStudyResult(
        event=event,
        att=att,
        n_units=G,
        n_treated=treated_units,
        n_never=never,
        spec=spec,
        notes=notes,
    )


def _ri_pvalue(
    df: pd.DataFrame,
    unit: str,
    time: str,
    st: pd.Series,
    yv: np.ndarray,
    u_code: np.ndarray,
    p_code: np.ndarray,
    att_hat: float,
    n_permutations: int,
    rng: np.random.Generator,
) -> float:
    """Randomization inference: reassign the start dates among schools, recompute the ATT."""
    units = df[unit].unique()
    starts = st.reindex(units).to_numpy()
    months = pd.Series(df[time].to_numpy())
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
        ytil = yv - _first_stage_predict(yv[:, None], u_code, p_code, untreated)[:, 0]
        stats_.append(ytil[treat].mean())
    stats_ = np.asarray(stats_)
    return float((1 + np.sum(np.abs(stats_) >= abs(att_hat))) / (1 + len(stats_)))
