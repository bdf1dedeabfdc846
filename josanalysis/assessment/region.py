"""The region's analysis: staggered roll-out across the schools as an event study, and its verdict.

JOS starts school by school, so the region-level effect is estimated with a staggered-adoption
event study (:func:`josanalysis.methods.event_study`) with not-yet-treated and never-treated
schools as controls, and judged by the same verdict rules and caveats as a school's estimate.

Examples
--------
>>> from josanalysis.assessment import load_context, region_event_study, region_assessment
>>> ctx = load_context("demoregio")                               # doctest: +SKIP
>>> es = region_event_study(ctx, "absence_rate")                  # doctest: +SKIP
>>> region_assessment(ctx, es, "absence_rate").verdict_key        # doctest: +SKIP
'consistent_effect'
"""

from __future__ import annotations

import pandas as pd

from josanalysis.assessment.context import Context
from josanalysis.assessment.evidence import Effect, Evidence, capacity_per_100
from josanalysis.assessment.verdicts import Assessment, assess
from josanalysis.core.indicators import get_indicator
from josanalysis.methods import EventStudyResult, event_study

__all__ = ["region_panel", "region_event_study", "region_assessment"]


def region_panel(ctx: Context, indicator: str) -> pd.DataFrame:
    """The region's monthly panel of ``indicator`` (one row per school and month) with each
    school's start, for the event study. Count indicators are turned into rates per pupil."""
    ind = get_indicator(indicator)
    w = ctx.panel.monthly()
    w = w.dropna(subset=[indicator]).copy()
    if ind.is_count:
        w[indicator] = w[indicator] / w["pupils"]
    starts = {s.school_id: (pd.Timestamp(s.jos_start) if s.jos_start else pd.NaT) for s in ctx.region.schools}
    w["jos_start"] = w["school_id"].map(starts)
    return w[["school_id", "month", indicator, "jos_start"]]


def region_event_study(ctx: Context, indicator: str = "absence_rate", *, n_permutations: int = 0,
                       seed: int = 0) -> EventStudyResult:
    """Staggered roll-out across the region: effect by year since start and the pooled effect.

    Uses :func:`josanalysis.methods.eventstudy.event_study` with not-yet-treated and never-treated
    schools as controls and wild-cluster-bootstrap inference (few schools).
    """
    p = region_panel(ctx, indicator)
    exclude = list(ctx.plan.covid_windows) if ctx.plan.covid_handling == "exclude" else None
    return event_study(p, indicator, unit="school_id", time="month", start="jos_start",
                       exclude=exclude, alpha=ctx.plan.alpha, n_permutations=n_permutations, seed=seed)


def region_assessment(ctx: Context, es: EventStudyResult, indicator: str) -> Assessment:
    """Verdict and caveats for the region's pooled effect from :func:`region_event_study`.

    The pre-trend check uses the event-study years before the start (Bonferroni over those
    years); the numbers of points are the median lesson months before and after the start over
    the JOS schools.
    """
    ind = get_indicator(indicator)
    att = es.att.iloc[0]
    p = region_panel(ctx, indicator)
    treated = p.dropna(subset=["jos_start"])
    before = treated[treated["month"] < treated["jos_start"]].groupby("school_id").size()
    after = treated[treated["month"] >= treated["jos_start"]].groupby("school_id").size()
    pre = es.event[es.event.index < 0]["p_value"].dropna()
    pretrend_p = float(min(1.0, pre.min() * len(pre))) if len(pre) else None
    starts = sorted({s.jos_start for s in ctx.region.jos_schools})
    ev = Evidence(
        indicator, label=ind.label[:1].lower() + ind.label[1:], direction=ind.direction, frequency="month",
        scale="difference", level=Effect(float(att["estimate"]), float(att["ci_low"]), float(att["ci_high"]),
                                         float(att["p_value"])),
        n_pre=int(before.median()) if len(before) else 0, n_post=int(after.median()) if len(after) else 0,
        start=starts[0] if starts else None, alpha=ctx.plan.alpha, covid_windows=ctx.plan.covid_windows,
        covid_handling=ctx.plan.covid_handling, has_comparison=es.n_never > 0 or len(starts) > 1,
        comparison_pretrend_p=pretrend_p, plausible_effect=ind.plausible_effect,
        percent_points=ind.unit == "aandeel", national_context=indicator == "thuiszitters",
        capacity_per_100=capacity_per_100(ctx.region.jos_schools, ctx.latest_pupils()) or None,
        basis="de scholen die (nog) niet met JOS werkten", unit="de JOS-scholen",
    )
    return assess(ev)
