"""Estimation methods: interrupted time series, its robustness checks, and the event study.

Methods take series and panels and return typed results; they never decide verdicts
(:mod:`josanalysis.assessment`) or format reports (:mod:`josanalysis.reporting`).
"""

from josanalysis.methods.eventstudy import EventStudyResult, event_study
from josanalysis.methods.its import ItsResult, fit_its
from josanalysis.methods.robustness import (
    MdeResult,
    PlaceboResult,
    minimum_detectable_effect,
    placebo_test,
    sensitivity_table,
)

__all__ = ["EventStudyResult", "event_study", "ItsResult", "fit_its", "MdeResult", "PlaceboResult",
           "minimum_detectable_effect", "placebo_test", "sensitivity_table"]
