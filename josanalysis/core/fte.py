"""Staff capacity relative to school size: FTE per 100 pupils.

One home for the measure that the capacity tables (:mod:`josanalysis.questions.capacity`) and
the capacity caveat (:mod:`josanalysis.assessment`) both use. A missing or zero pupil count
gives a missing value, never zero or infinity: a school without a count has no rate.

Examples
--------
>>> round(fte_per_100_pupils(1.325, 195), 3)
0.679
>>> fte_per_100_pupils(0.5, 0)
nan
>>> import pandas as pd
>>> fte_per_100_pupils(pd.Series([0.5, 1.0]), pd.Series([250.0, None])).tolist()
[0.2, nan]
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import pandas as pd

__all__ = ["fte_per_100_pupils"]

T = TypeVar("T", float, pd.Series, np.ndarray)


def fte_per_100_pupils(fte: T, pupils: T | float) -> T:
    """FTE per 100 pupils: ``fte / pupils * 100``; NaN where pupils is missing or 0.

    Parameters
    ----------
    fte
        FTE: a number, a pandas Series or a numpy array.
    pupils
        Pupils, of the same shape (or a number). Missing, zero or negative counts give NaN.

    Returns
    -------
    float, pandas.Series or numpy.ndarray
        Same kind as ``fte`` (a Series keeps its index; elementwise for Series and arrays).
    """
    if isinstance(pupils, pd.Series):
        denominator = pd.to_numeric(pupils, errors="coerce").astype("float64")
        return fte / denominator.where(denominator > 0) * 100
    if isinstance(fte, pd.Series):
        return fte / _scalar_denominator(pupils) * 100
    if isinstance(fte, np.ndarray) or isinstance(pupils, np.ndarray):
        denominator = np.asarray(pupils, dtype="float64")
        denominator = np.where(denominator > 0, denominator, np.nan)
        return np.asarray(fte, dtype="float64") / denominator * 100
    if fte is None:
        return math.nan
    return float(fte) / _scalar_denominator(pupils) * 100


def _scalar_denominator(pupils: float | None) -> float:
    """A pupil count as a denominator: NaN when missing or not positive."""
    if pupils is None or pupils is pd.NA:
        return math.nan
    p = float(pupils)
    return p if p > 0 else math.nan
