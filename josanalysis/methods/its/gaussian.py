"""The gaussian (linear) ITS fit: OLS, AR errors by REML-GLS or GLSAR, or Newey-West."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import minimize_scalar

from josanalysis.methods.its.estimator import RegressionFit, estimable, hac_lags, lag1

__all__ = ["fit_gaussian", "prais_winsten", "reml_ar1_rho"]


def prais_winsten(a: np.ndarray, rho: float) -> np.ndarray:
    """AR(1) whitening that keeps the first observation (Prais-Winsten)."""
    out = np.empty_like(a, dtype=float)
    out[0] = math.sqrt(1.0 - rho * rho) * a[0]
    out[1:] = a[1:] - rho * a[:-1]
    return out


def reml_ar1_rho(y: np.ndarray, X: np.ndarray) -> float:
    """REML estimate of the AR(1) coefficient of the errors of y = X b + e.

    Maximises the restricted likelihood
    ``-1/2 [(n-k) log(RSS*(rho)/(n-k)) - log(1-rho^2) + log det(X*'X*)]`` over rho, where
    ``*`` marks Prais-Winsten-whitened data. Unlike Yule-Walker on OLS residuals (GLSAR), REML
    accounts for the k regression terms, so rho is nearly unbiased on short series.
    """
    n, k = X.shape

    def nll(rho: float) -> float:
        ys = prais_winsten(y, rho)
        Xs = prais_winsten(X, rho)
        b, *_ = np.linalg.lstsq(Xs, ys, rcond=None)
        r = ys - Xs @ b
        rss = float(r @ r)
        _, logdet = np.linalg.slogdet(Xs.T @ Xs)
        return 0.5 * ((n - k) * math.log(max(rss, 1e-300) / (n - k)) - math.log(1 - rho * rho) + logdet)

    opt = minimize_scalar(nll, bounds=(-0.98, 0.98), method="bounded", options={"xatol": 1e-4})
    return float(opt.x)


@estimable
def fit_gaussian(y: np.ndarray, X: pd.DataFrame, autocorrelation: str, rho: float | None = None) -> RegressionFit:
    """Fit the linear model ``y ~ X`` with the given error model.

    Parameters
    ----------
    y, X
        Response and design of the used rows.
    autocorrelation
        ``"ar1"``: feasible GLS with rho by REML (Prais-Winsten); ``"ar2"``/``"ar1_fgls"``:
        statsmodels GLSAR (Yule-Walker, iterated); ``"hac"``: OLS with Newey-West covariance;
        ``"none"``: OLS.
    rho
        ``"ar1"`` only: use this AR(1) coefficient instead of the REML estimate.

    Returns
    -------
    RegressionFit
        With t degrees of freedom (``df``) and the identity link.

    Raises
    ------
    DataError
        When the series is too short or too uniform for the model.
    """
    if autocorrelation == "ar1":
        # feasible GLS with the AR(1) coefficient estimated by REML
        Xa = X.to_numpy(dtype=float)
        rho_hat = float(rho) if rho is not None else reml_ar1_rho(y, Xa)
        res = sm.OLS(prais_winsten(y, rho_hat), prais_winsten(Xa, rho_hat)).fit()
        rho = np.array([rho_hat])
        std_resid = np.asarray(res.resid)
    elif autocorrelation in ("ar2", "ar1_fgls"):
        # feasible GLS, Yule-Walker on the residuals, iterated (statsmodels GLSAR)
        model = sm.GLSAR(y, X, rho=2 if autocorrelation == "ar2" else 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.iterative_fit(maxiter=10)
        rho = np.atleast_1d(np.asarray(model.rho, dtype=float))
        std_resid = np.asarray(res.wresid)
    else:
        res = sm.OLS(y, X).fit()
        if autocorrelation == "hac":
            res = res.get_robustcov_results(cov_type="HAC", maxlags=hac_lags(len(y)), use_correction=True)
        std_resid = np.asarray(res.resid)
        rho = np.array([lag1(std_resid)])
    params = pd.Series(np.asarray(res.params), index=X.columns)
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=X.columns, columns=X.columns)
    return RegressionFit(
        params=params,
        cov=cov,
        df=float(res.df_resid),
        link="identity",
        std_resid=std_resid,
        rho=rho,
        overdispersion=None,
        scale=float(res.scale),
        model=res,
        extra={},
    )
