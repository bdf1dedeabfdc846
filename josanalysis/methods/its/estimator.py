"""What one regression fit returns (:class:`RegressionFit`), and helpers the fits share."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError

__all__ = ["RegressionFit", "estimable", "lag1", "hac_lags", "ar_order", "marginal_dispersion"]


@dataclass(frozen=True)
class RegressionFit:
    """Coefficients and residual facts of one fitted regression (gaussian or count).

    Attributes
    ----------
    params, cov
        Coefficients and their covariance, labelled by design column.
    df
        Degrees of freedom of t intervals; None means normal quantiles.
    link
        ``"identity"`` or ``"log"``.
    std_resid
        Standardised residuals for the diagnostics (whitened for AR models, Pearson for counts).
    rho
        AR coefficients estimated (or the lag-1 residual autocorrelation).
    overdispersion
        Pearson chi2 / df (counts), else None.
    scale
        Residual variance (gaussian) or dispersion (counts).
    model
        The statsmodels results object.
    extra
        Family-specific facts reported with the diagnostics (``negbin_alpha``,
        ``count_ar_method``).
    """

    params: pd.Series
    cov: pd.DataFrame
    df: float | None
    link: str
    std_resid: np.ndarray
    rho: np.ndarray
    overdispersion: float | None
    scale: float
    model: Any = field(repr=False)
    extra: dict[str, Any] = field(default_factory=dict)


def estimable(fit):
    """Turn a numerical breakdown of a fit into a :class:`DataError` sentence.

    On very short or nearly constant series (a small school's counts of mostly zero) the
    linear algebra can fail; that is "not estimable on these data", not a crash.
    """

    @functools.wraps(fit)
    def wrapper(*args, **kwargs):
        try:
            with np.errstate(all="ignore"):
                core = fit(*args, **kwargs)
        except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError) as exc:
            raise DataError(f"the model cannot be estimated on this series ({exc}); the series is "
                            "too short or too uniform for it.") from None
        if not np.all(np.isfinite(np.asarray(core.params, dtype=float))):
            raise DataError("the model cannot be estimated on this series (non-finite coefficients); "
                            "the series is too short or too uniform for it.")
        return core

    return wrapper


def hac_lags(n: int) -> int:
    """Newey-West lags for ``n`` points: ``floor(4 (n/100)^(2/9))``, at least 1."""
    return max(1, int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0))))


def ar_order(autocorrelation: str) -> int:
    """The AR order of an autocorrelation method (0 for ``hac`` and ``none``)."""
    return {"ar1": 1, "ar1_fgls": 1, "ar2": 2}.get(autocorrelation, 0)


def lag1(r: np.ndarray) -> float:
    """Lag-1 autocorrelation of a residual series (0 for a constant one)."""
    r = np.asarray(r, dtype=float) - np.mean(r)
    den = float(np.sum(r * r))
    return float(np.sum(r[1:] * r[:-1]) / den) if den > 0 else 0.0


def marginal_dispersion(family: str, fit: Any) -> float:
    """The fitted variance of a count relative to the family's variance function ``V(mu)``.

    Quasi-Poisson with AR(1) errors: the innovation variance of the whitened working errors over
    ``1 - rho^2``; quasi-Poisson otherwise: the fitted scale; Poisson and negative binomial: 1.
    ``fit`` is anything with ``rho``, ``df`` and ``scale`` (a :class:`RegressionFit` or a
    fitted design).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> marginal_dispersion("quasipoisson", SimpleNamespace(rho=[0.6], df=40.0, scale=1.28))
    2.0
    """
    if family != "quasipoisson":
        return 1.0
    rho = np.asarray(fit.rho, dtype=float)
    if fit.df is not None and len(rho) == 1:       # REML-GLS AR(1) fit: scale is the innovation variance
        return max(float(fit.scale) / max(1.0 - float(rho[0]) ** 2, 1e-6), 1e-6)
    return max(float(fit.scale), 1e-6)
