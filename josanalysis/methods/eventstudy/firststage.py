"""The first stage of the two-stage imputation estimator: school + calendar-month fixed effects
fitted on the untreated school-months, as a linear map of the outcome."""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["fe_design", "FirstStage", "residuals"]


def fe_design(u_code: np.ndarray, p_code: np.ndarray) -> np.ndarray:
    """Dummies for every school and every period but the first."""
    n_u = u_code.max() + 1
    n_p = p_code.max() + 1
    Z = np.zeros((len(u_code), n_u + n_p - 1))
    Z[np.arange(len(u_code)), u_code] = 1.0
    has_p = p_code > 0
    Z[np.flatnonzero(has_p), n_u + p_code[has_p] - 1] = 1.0
    return Z


def residuals(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Residuals of the least-squares fits of the columns of ``Y`` on ``X``."""
    try:
        b = np.linalg.solve(X.T @ X, X.T @ Y)
    except np.linalg.LinAlgError:
        b, *_ = np.linalg.lstsq(X, Y, rcond=None)
    return Y - X @ b


class FirstStage:
    """School + month fixed effects fitted on the untreated rows (factorised once)."""

    def __init__(self, u_code: np.ndarray, p_code: np.ndarray, untreated: np.ndarray) -> None:
        self.Z = fe_design(u_code, p_code)
        self.Z0 = self.Z[untreated]
        self.untreated = untreated
        self.cf = scipy.linalg.cho_factor(self.Z0.T @ self.Z0)

    def predict(self, Y: np.ndarray) -> np.ndarray:
        """The predicted untreated outcome of every row, for each column of ``Y``."""
        return self.Z @ scipy.linalg.cho_solve(self.cf, self.Z0.T @ Y[self.untreated])
