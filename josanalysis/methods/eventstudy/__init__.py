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
We use a wild cluster bootstrap-t at school level with the null imposed (WCR; Rademacher
weights, all 2^G sign patterns when G <= 14, else ``n_boot`` random draws): the statistic is
the distance from the null over the cluster-robust standard error, recomputed in every draw,
and intervals come from inverting the test. Because the estimator is linear in the outcome,
every draw is computed exactly from the per-school contributions of the residuals; the point
estimates are cross-checked against pyfixest. Optionally, a randomization inference p-value
for the pooled ATT permutes the start dates among schools.
See ``docs/methods.md`` for the reasons and the simulation check.

Modules: ``data`` (the checked panel and event time), ``firststage`` (the fixed-effects first
stage), ``inference`` (the estimator as a linear map, wild cluster bootstrap, randomization
inference), ``estimate`` (:func:`event_study`) and ``result`` (:class:`EventStudyResult`).

Examples
--------
>>> from josanalysis.methods.eventstudy import event_study
>>> res = event_study(panel, "absence_rate", unit="school_id", time="month",
...                   start="jos_start")                              # doctest: +SKIP
>>> res.event[["estimate", "ci_low", "ci_high"]]                      # doctest: +SKIP
>>> res.att                                                           # doctest: +SKIP
"""

from __future__ import annotations

from josanalysis.methods.eventstudy.data import NEVER, EventPanel, prepare_panel, school_starts
from josanalysis.methods.eventstudy.estimate import event_study
from josanalysis.methods.eventstudy.result import EventStudyResult

__all__ = ["EventStudyResult", "event_study", "EventPanel", "prepare_panel", "school_starts", "NEVER"]
