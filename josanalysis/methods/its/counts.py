"""The count ITS fit: Poisson, quasi-Poisson or negative binomial GLM with a log link.

Error models: AR(1) errors on the IRLS working scale (REML rho, GLS, iterated), an AR(p)
corrected sandwich variance around the GLM estimate, Newey-West, or independent errors.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.regression.linear_model import yule_walker
from statsmodels.tsa.arima_process import arma_acf

from josanalysis.core.errors import DataError
from josanalysis.methods.its.estimator import RegressionFit, ar_order, estimable, hac_lags, lag1
from josanalysis.methods.its.gaussian import prais_winsten, reml_ar1_rho

__all__ = ["fit_count", "negbin_alpha", "check_identified"]


@estimable
def fit_count(
    y: np.ndarray,
    X: pd.DataFrame,
    family: str,
    offset: np.ndarray | None,
    autocorrelation: str,
    groups: np.ndarray | None = None,
    rho: float | None = None,
) -> RegressionFit:
    """Fit a count GLM (log link) with the given error model.

    Parameters
    ----------
    y, X
        Counts and design of the used rows.
    family
        ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    offset
        Log denominator of the used rows, or None.
    autocorrelation
        ``"ar1"`` (AR(1) errors on the IRLS working scale; with ``groups``, the sandwich of
        ``"ar2"``), ``"ar2"`` (AR-corrected sandwich variance), ``"hac"`` or ``"none"``.
    groups
        Group of each row of a stacked treated/comparison design (AR structure within group).
    rho
        ``"ar1"`` without groups only: use this AR(1) coefficient instead of the REML estimate.

    Returns
    -------
    RegressionFit
        With the log link; ``df`` is None (normal intervals) except for quasi-Poisson AR(1).

    Raises
    ------
    DataError
        When the series is too short, too uniform or too sparse for the model.
    """
    check_identified(y, X)
    fam, model, res, extra = _glm(y, X, family, offset)
    mu = np.asarray(res.mu)
    pearson = (y - mu) / np.sqrt(fam.variance(mu))
    dispersion = float(np.sum(pearson**2) / res.df_resid)
    params = pd.Series(np.asarray(res.params), index=X.columns)
    scale = float(res.scale)
    if autocorrelation == "ar1" and groups is None:
        return _fit_count_ar1(y, X, fam, offset, family, params, res, extra, rho)
    if autocorrelation == "hac":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res_h = model.fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags(len(y))})
        cov = np.asarray(res_h.cov_params())
        rho = np.array([lag1(pearson)])
    elif ar_order(autocorrelation):
        rho = _yule_walker_rho(pearson, ar_order(autocorrelation))
        phi = scale if family == "quasipoisson" else 1.0
        cov = _ar_sandwich(X.to_numpy(), mu**2 / fam.variance(mu), rho, groups, phi)
    else:
        cov = np.asarray(res.cov_params())
        rho = np.array([lag1(pearson)])
    return RegressionFit(
        params=params,
        cov=pd.DataFrame(cov, index=X.columns, columns=X.columns),
        df=None,
        link="log",
        std_resid=pearson,
        rho=np.asarray(rho, dtype=float),
        overdispersion=dispersion,
        scale=scale,
        model=res,
        extra=extra,
    )


def check_identified(y: np.ndarray, X: pd.DataFrame) -> None:
    """Refuse, before fitting, a count design that cannot identify every parameter.

    A term that is zero or positive everywhere (a post-period step or ramp, a month dummy) and
    whose points all have a count of 0 has no finite estimate on the log scale: the fit would
    drive it to minus infinity and the design would turn rank-deficient. A design whose columns
    are linearly dependent cannot identify its parameters either.

    Raises
    ------
    DataError
        Naming the term and the number of points, e.g. "all 33 counts where term 'level'
        applies are 0".
    """
    A = X.to_numpy(dtype=float)
    if np.linalg.matrix_rank(A) < A.shape[1]:
        raise DataError(f"the design matrix ({', '.join(map(str, X.columns))}) has linearly dependent "
                        "columns: the parameters cannot be identified from these points.")
    for j, name in enumerate(X.columns):
        col = A[:, j]
        if np.all(col >= 0) and np.any(col > 0) and not np.all(col == col[0]):
            on = col > 0
            if float(np.sum(y[on])) == 0.0:
                raise DataError(f"all {int(on.sum())} counts where term '{name}' applies are 0: a count "
                                "model cannot estimate that term (its estimate would be minus infinity).")


def _glm(y: np.ndarray, X: pd.DataFrame, family: str, offset: np.ndarray | None):
    """The working-independence GLM: family object, model, results and family facts."""
    extra: dict[str, Any] = {}
    if family == "negbin":
        alpha = negbin_alpha(y, X, offset)
        fam = sm.families.NegativeBinomial(alpha=alpha)
        extra["negbin_alpha"] = alpha
    else:
        fam = sm.families.Poisson()
    model = sm.GLM(y, X, family=fam, offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(scale="X2" if family == "quasipoisson" else None)
    return fam, model, res, extra


def _fit_count_ar1(y, X, fam, offset, family, start, glm_res, extra, fixed_rho=None) -> RegressionFit:
    """AR(1) errors on the linearised (IRLS working) scale: REML for rho (or ``fixed_rho``),
    then GLS, iterated."""
    params, cov, rho, std_resid, scale, df = _count_ar1_reml(y, X, fam, offset, family, start,
                                                             fixed_rho=fixed_rho)
    mu = np.exp(X.to_numpy() @ params.to_numpy() + (offset if offset is not None else 0.0))
    pearson = (y - mu) / np.sqrt(fam.variance(mu))
    dispersion = float(np.sum(pearson**2) / (len(y) - X.shape[1]))
    return RegressionFit(
        params=params,
        cov=pd.DataFrame(cov, index=X.columns, columns=X.columns),
        df=df,
        link="log",
        std_resid=std_resid,
        rho=np.array([rho]),
        overdispersion=dispersion,
        scale=scale,
        model=glm_res,
        extra={**extra, "count_ar_method": "REML-GLS on the IRLS working model"},
    )


def _yule_walker_rho(pearson: np.ndarray, order: int) -> np.ndarray:
    """AR(p) coefficients of the Pearson residuals (Yule-Walker), kept stationary."""
    rho, _ = yule_walker(pearson, order=order, result_object=False)
    return np.atleast_1d(np.clip(rho, -0.95, 0.95))


def _ar_sandwich(Xa: np.ndarray, w: np.ndarray, rho: np.ndarray, groups: np.ndarray | None,
                 phi: float) -> np.ndarray:
    """``phi B^-1 (X' W^1/2 R W^1/2 X) B^-1`` with ``B = X' W X`` and R the AR(p) correlation:
    the variance of the working-independence GLM estimate under AR(p) errors.

    ``w`` are the IRLS weights (``mu^2 / V(mu)`` for a log link), ``phi`` the dispersion; R is
    taken within each group of a stacked design.
    """
    B = Xa.T @ (w[:, None] * Xa)
    Binv = np.linalg.inv(B)
    sw = np.sqrt(w)
    Z = sw[:, None] * Xa
    if groups is None:
        R = _ar_corr(rho, len(w))
        meat = Z.T @ R @ Z
    else:
        meat = np.zeros_like(B)
        for g in np.unique(groups):
            m = groups == g
            meat += Z[m].T @ _ar_corr(rho, int(m.sum())) @ Z[m]
    return phi * Binv @ meat @ Binv


def _ar_corr(rho: np.ndarray, n: int) -> np.ndarray:
    """Correlation matrix of a stationary AR(p) process observed at n consecutive points."""
    ar = np.r_[1.0, -np.asarray(rho, dtype=float)]
    acf = arma_acf(ar, [1.0], lags=n)
    return scipy.linalg.toeplitz(acf)


def _count_ar1_reml(
    y: np.ndarray,
    X: pd.DataFrame,
    fam: Any,
    offset: np.ndarray | None,
    family: str,
    start: pd.Series,
    iterations: int = 4,
    fixed_rho: float | None = None,
) -> tuple[pd.Series, np.ndarray, float, np.ndarray, float, float | None]:
    """Count model with AR(1) errors on the IRLS working scale.

    Each iteration forms the working response ``z = eta + (y - mu)/mu`` (log link, offset
    removed) and weights ``w = mu^2 / V(mu)``, estimates rho by REML on ``sqrt(w) z`` against
    ``sqrt(w) X`` and refits by GLS (Prais-Winsten). The marginal variance of the weighted
    working errors is the dispersion: estimated for quasi-Poisson (t intervals), fixed at 1 for
    Poisson and negative binomial (normal intervals).
    """
    Xa = X.to_numpy(dtype=float)
    off = offset if offset is not None else 0.0
    b = start.to_numpy(dtype=float)
    rho = 0.0
    for _ in range(iterations):
        eta = Xa @ b + off
        mu = np.exp(np.clip(eta, -700, 700))
        mu = np.maximum(mu, 1e-10)
        z = eta - off + (y - mu) / mu
        w = mu**2 / fam.variance(mu)
        sw = np.sqrt(w)
        yt, Xt = sw * z, sw[:, None] * Xa
        if not (np.all(np.isfinite(yt)) and np.all(np.isfinite(Xt))):
            # a term separated by all-zero counts drove the GLM start to +-inf; LAPACK would
            # only print a warning and return NaN, so stop here (estimable turns it into a
            # "not estimable" sentence)
            raise FloatingPointError("the working response of the count model is not finite")
        rho = float(fixed_rho) if fixed_rho is not None else reml_ar1_rho(yt, Xt)
        ols = sm.OLS(prais_winsten(yt, rho), prais_winsten(Xt, rho)).fit()
        b_new = np.asarray(ols.params)
        done = np.max(np.abs(b_new - b)) < 1e-8
        b = b_new
        if done:
            break
    XtX_inv = np.asarray(ols.normalized_cov_params)
    if family == "quasipoisson":
        scale = float(ols.scale)
        df: float | None = float(ols.df_resid)
    else:
        scale = 1.0 - rho * rho  # innovation variance when the marginal dispersion is 1
        df = None
    cov = scale * XtX_inv
    std_resid = np.asarray(ols.resid) / math.sqrt(max(scale, 1e-12))
    return pd.Series(b, index=X.columns), cov, float(rho), std_resid, scale, df


def negbin_alpha(y: np.ndarray, X: pd.DataFrame, offset: np.ndarray | None) -> float:
    """Maximum-likelihood NB2 dispersion alpha (statsmodels NegativeBinomial).

    Returns 1e-8 (Poisson) when no overdispersion is detectable or the fit fails.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = None
        try:
            pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
            start = np.r_[np.asarray(pois.params), 0.1]
        except Exception:  # pragma: no cover - fall back to default start values
            pass
        try:
            nb = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                start_params=start, disp=0, maxiter=200, method="bfgs"
            )
            alpha = float(np.asarray(nb.params)[-1])
        except Exception:
            alpha = float("nan")
    if not np.isfinite(alpha) or alpha <= 0:
        alpha = 1e-8  # no overdispersion detectable: NB reduces to Poisson
    return alpha
