"""Interrupted time series (ITS) for one school's monthly series.

One public entry point, :func:`fit_its`, fits a segmented regression (level change and/or slope
change at a pre-specified start) with seasonality, autocorrelated errors and, for counts, a log
offset for the denominator. The model comes in as an :class:`ItsSpec` (or as keyword options);
out comes an :class:`ItsFit` (alias ``ItsResult``) with the effects and their confidence
intervals, the fitted and counterfactual series with bands, the numbers of points before and
after the start, residual diagnostics and a plain-language Dutch summary.

The steps live in modules named for what they hold: ``spec`` (:class:`ItsSpec`),
``validation`` (the series checks), ``design`` (segments and design matrix), ``gaussian`` and
``counts`` (the regression fits, on ``estimator``'s :class:`RegressionFit`), ``effects``
(effects and fitted/counterfactual series), ``fit`` (:func:`fit_its`) and ``result``
(:class:`ItsFit`).

Model (Lopez Bernal, Cummins & Gasparrini 2017)::

    g(E[y_t]) = b0 + b1*t + b2*level_t + b3*slope_t + season_t + covariates_t (+ log offset_t)

``t`` counts calendar months since the first observation (gaps such as the summer holiday stay
gaps), ``level_t = 1`` from the first month with an effect (start + lag) on, and
``slope_t = t - (start + lag) + 1`` from then on (1 in the first month with an effect, as in the
tutorial's ``time - 36`` coding). So ``b2`` is the step change and ``b3`` the change in the
monthly trend; the modelled effect in the first post month is ``b2 + b3`` (difference scale) or
``exp(b2 + b3)`` (ratio scale), and the effect at the end of the series is reported as the
``"end"`` term. See ``docs/methods.md`` for every choice and the reasons.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from josanalysis.methods.its import fit_its, ItsSpec
>>> rng = np.random.default_rng(1)
>>> months = pd.date_range("2014-09-01", periods=120, freq="MS")
>>> months = months[months.month != 8]                      # no lessons in August
>>> y = 0.06 + 0.01 * (months >= "2022-08-01") + rng.normal(0, 0.004, len(months))
>>> res = fit_its(pd.DataFrame({"month": months, "absence_rate": y}),
...               "absence_rate", "month", "2022-08-01", seasonality="month")
>>> float(round(res.effects.loc["level", "estimate"], 2))
0.01
>>> same = fit_its(pd.DataFrame({"month": months, "absence_rate": y}),
...                "absence_rate", "month", "2022-08-01", ItsSpec(seasonality="month"))
>>> same.effects.equals(res.effects)
True
"""

from __future__ import annotations

from josanalysis.methods.its.counts import fit_count, negbin_alpha
from josanalysis.methods.its.design import ModelData, Segments, design_matrix, model_rows, segments
from josanalysis.methods.its.effects import MAX_LOG_RATIO, critical_value, effects_table, unbounded_log_ratio
from josanalysis.methods.its.estimator import RegressionFit
from josanalysis.methods.its.fit import HAC_NOTE, ItsEffects, effects_at_starts, estimate_effects, fit_its, fit_regression
from josanalysis.methods.its.gaussian import fit_gaussian
from josanalysis.methods.its.result import FitSpec, FittedDesign, ItsDiagnostics, ItsFit, ItsResult
from josanalysis.methods.its.spec import (
    AUTOCORRELATION_METHODS,
    COUNT_FAMILIES,
    FAMILIES,
    MIN_POST,
    MIN_PRE,
    SEASONALITY,
    ItsSpec,
)
from josanalysis.methods.its.validation import (
    ValidatedSeries,
    align_comparison,
    exclusion_mask,
    validate_series,
    window_indicator,
)

__all__ = [
    # the model in, the fit out
    "fit_its",
    "ItsSpec",
    "ItsFit",
    "ItsResult",
    "FitSpec",
    "ItsDiagnostics",
    "FittedDesign",
    "FAMILIES",
    "COUNT_FAMILIES",
    "AUTOCORRELATION_METHODS",
    "SEASONALITY",
    "MIN_PRE",
    "MIN_POST",
    "HAC_NOTE",
    "window_indicator",
    # the steps, for robustness checks and experts
    "effects_at_starts",
    "estimate_effects",
    "ItsEffects",
    "exclusion_mask",
    "ValidatedSeries",
    "validate_series",
    "align_comparison",
    "Segments",
    "segments",
    "design_matrix",
    "ModelData",
    "model_rows",
    "RegressionFit",
    "fit_regression",
    "fit_gaussian",
    "fit_count",
    "negbin_alpha",
    "critical_value",
    "effects_table",
    "MAX_LOG_RATIO",
    "unbounded_log_ratio",
]
