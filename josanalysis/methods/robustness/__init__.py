"""Falsification, sensitivity and power for one school's interrupted time series.

* :func:`placebo_test` (``placebo``) refits the pre-specified model at placebo start dates
  inside the pre-period (using pre-period data only) and shows where the real estimate falls
  among them.
* :func:`sensitivity_table` (``sensitivity``) refits across phase-in lag, family and
  autocorrelation method and marks the pre-specified model.
* :func:`minimum_detectable_effect` (``power``) gives the smallest level (or slope) change the
  whole verdict rule (interval and placebo threshold) detects with the requested power:
  analytically from the fitted model's standard error (default), or by simulating series like
  the observed one; :func:`simulated_power` checks a printed MDE on series simulated with it.

All three take the same arguments as :func:`josanalysis.methods.its.fit_its` (an
:class:`~josanalysis.methods.its.ItsSpec` and/or model options as keywords), so the model they
check is exactly the one reported.

Examples
--------
>>> from josanalysis.methods.robustness import placebo_test, sensitivity_table, minimum_detectable_effect
>>> kw = dict(seasonality="month")                                      # doctest: +SKIP
>>> placebo_test(d, "absence_rate", "month", "2022-08-01", **kw).rank_p  # doctest: +SKIP
>>> sensitivity_table(d, "absence_rate", "month", "2022-08-01", **kw)    # doctest: +SKIP
>>> minimum_detectable_effect(d, "absence_rate", "month", "2022-08-01", **kw).mde_decrease  # doctest: +SKIP
"""

from __future__ import annotations

from josanalysis.methods.robustness.placebo import (
    PlaceboResult,
    allowed_as_large,
    placebo_test,
    reachable,
    unreachable_nl,
)
from josanalysis.methods.robustness.power import MDE_METHODS, MdeResult, minimum_detectable_effect, simulated_power
from josanalysis.methods.robustness.sensitivity import SENSITIVITY_COLUMNS, sensitivity_table

__all__ = [
    "PlaceboResult",
    "MdeResult",
    "SENSITIVITY_COLUMNS",
    "placebo_test",
    "sensitivity_table",
    "minimum_detectable_effect",
    "simulated_power",
    "MDE_METHODS",
    "reachable",
    "unreachable_nl",
    "allowed_as_large",
]
