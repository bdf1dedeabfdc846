"""Estimation methods: interrupted time series, its robustness checks, and the event study.

Methods take series and panels and return typed results; they never decide verdicts
(:mod:`josanalysis.assessment`) or format reports (:mod:`josanalysis.reporting`).

* :mod:`~josanalysis.methods.its` -- one school's series: :class:`ItsSpec` in, :func:`fit_its`,
  :class:`ItsFit` out (``ItsResult`` is the same class).
* :mod:`~josanalysis.methods.robustness` -- placebo dates, sensitivity table, minimum
  detectable effect of the same model.
* :mod:`~josanalysis.methods.eventstudy` -- the region's staggered roll-out.
"""

from josanalysis.methods.eventstudy import EventStudyResult, event_study
from josanalysis.methods.its import ItsFit, ItsResult, ItsSpec, fit_its
from josanalysis.methods.robustness import (
    MdeResult,
    PlaceboResult,
    minimum_detectable_effect,
    placebo_test,
    sensitivity_table,
)

__all__ = ["EventStudyResult", "event_study", "ItsSpec", "ItsFit", "ItsResult", "fit_its", "MdeResult",
           "PlaceboResult", "minimum_detectable_effect", "placebo_test", "sensitivity_table"]
