"""The region's analysis: staggered roll-out across the schools as an event study, and its verdict.

JOS starts school by school, so the region-level effect is estimated with a staggered-adoption
event study (:func:`josanalysis.methods.event_study`) with not-yet-treated and never-treated
schools as controls, and judged by the same verdict rules and caveats as a school's estimate.

* monthly indicators (absence, thuiszitters, absoluut verzuim): :func:`region_event_study` and
  :func:`region_assessment`;
* school-year indicators (youth care, referrals, early leavers): :func:`region_yearly`, a pooled
  staggered difference-in-differences over the schools' yearly rates per pupil with the first
  JOS year and the later years separated (earlier detection can first raise referrals).

Event years seen in one school only have no bootstrap interval; they are left out (a note says
so), so that no estimate is shown without its interval. A clear pooled change also has to pass a
randomization test (the observed start dates reassigned among the schools,
:data:`REGION_PERMUTATIONS` times): otherwise its verdict is downgraded to
``change_within_permutation``. The printed minimum detectable effect is that of the whole rule
(:func:`pooled_mde`).

Examples
--------
>>> from josanalysis.assessment import load_context, region_event_study, region_assessment
>>> ctx = load_context("demoregio")                               # doctest: +SKIP
>>> es = region_event_study(ctx, "absence_rate")                  # doctest: +SKIP
>>> region_assessment(ctx, es, "absence_rate").verdict_key        # doctest: +SKIP
'consistent_effect'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from josanalysis.assessment.context import Context
from josanalysis.assessment.evidence import Effect, Evidence, capacity_per_100
from josanalysis.assessment.verdicts import Assessment, assess
from josanalysis.core.errors import ConfigError
from josanalysis.core.indicators import get_indicator
from josanalysis.methods import EventStudyResult, event_study

__all__ = ["region_panel", "region_event_study", "region_assessment", "region_yearly_panel", "region_yearly",
           "RegionYearly", "REGION_POOLED_YEARLY", "REGION_PERMUTATIONS", "pooled_mde"]

#: School-year indicators the region pools (an expected direction and pupils as denominator).
REGION_POOLED_YEARLY = ("youthcare_ambulant", "tlv_vso_cluster4", "placements_facility", "early_leavers")


#: Reassignments of the start dates among the schools for the randomization test of a pooled estimate.
REGION_PERMUTATIONS = 199


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


def region_yearly_panel(ctx: Context, indicator: str) -> pd.DataFrame:
    """The region's school-year panel of ``indicator`` as a rate per pupil, with each school's start."""
    y = ctx.panel.yearly()
    if indicator not in y.columns:
        return pd.DataFrame(columns=["school_id", "year_start", indicator, "jos_start"])
    y = y.dropna(subset=[indicator, "pupils"]).copy()
    y = y[y["pupils"] > 0]
    y[indicator] = y[indicator] / y["pupils"]
    starts = {s.school_id: (pd.Timestamp(s.jos_start) if s.jos_start else pd.NaT) for s in ctx.region.schools}
    y["jos_start"] = y["school_id"].map(starts)
    return y[["school_id", "year_start", indicator, "jos_start"]]


def _with_intervals_only(es: EventStudyResult) -> EventStudyResult:
    """The event study without the event years that have no interval (seen in one school)."""
    keep = es.event[["ci_low", "ci_high"]].notna().all(axis=1)
    if keep.all():
        return es
    dropped = ", ".join(str(int(y)) for y in es.event.index[~keep])
    note = (f"Jaar/jaren {dropped} sinds de start zijn niet getoond: ze zijn bij maar één school waargenomen, "
            "zodat er geen betrouwbaarheidsinterval is. Ze tellen wel mee in het gemiddelde effect.")
    return dataclasses.replace(es, event=es.event[keep], notes=(*es.notes, note))


def region_event_study(ctx: Context, indicator: str = "absence_rate", *,
                       n_permutations: int = REGION_PERMUTATIONS, seed: int = 0) -> EventStudyResult:
    """Staggered roll-out across the region: effect by year since start and the pooled effect.

    Uses :func:`josanalysis.methods.eventstudy.event_study` with not-yet-treated and never-treated
    schools as controls, wild-cluster-bootstrap inference (few schools) and the randomization
    test of the verdict rule. Event years without an interval are left out.
    """
    p = region_panel(ctx, indicator)
    exclude = list(ctx.plan.covid_windows) if ctx.plan.covid_handling == "exclude" else None
    return _with_intervals_only(event_study(p, indicator, unit="school_id", time="month", start="jos_start",
                                            exclude=exclude, alpha=ctx.plan.alpha,
                                            n_permutations=n_permutations, seed=seed))


def _lead_p(es: EventStudyResult) -> float | None:
    """The pre-trend (lead) test: Bonferroni over the years before the start."""
    pre = es.event[es.event.index < 0]["p_value"].dropna()
    return float(min(1.0, pre.min() * len(pre))) if len(pre) else None


def _plausible_difference(ind, panel: pd.DataFrame | None, time: str) -> float | None:
    """The registry's plausible effect on the region's difference scale: for counts (a rate
    ratio) times the JOS schools' mean rate per pupil before their start."""
    if not ind.is_count:
        return ind.plausible_effect
    if ind.plausible_effect is None or panel is None:
        return None
    pre = panel.dropna(subset=["jos_start"])
    pre = pre.loc[pre[time] < pre["jos_start"], ind.key]
    return float((ind.plausible_effect - 1.0) * pre.mean()) if len(pre) and pre.mean() > 0 else None


def pooled_mde(effect: pd.Series, alpha: float, power: float = 0.8, direction: str | None = "down") -> float | None:
    """The minimum detectable effect of the region's whole rule for one pooled estimate.

    The interval's MDE is ``(z_{1-alpha/2} + z_power) SE`` with ``SE`` = half-width / z_{1-alpha/2};
    the randomization test also requires the estimate to exceed ``ri_threshold`` (the size at which
    its p reaches alpha), so the rule's MDE is ``max(half-width, ri_threshold) + z_power SE``,
    signed in the expected direction (a decrease when none is expected).

    Examples
    --------
    >>> row = pd.Series({"ci_low": -0.02, "ci_high": 0.0, "ri_threshold": 0.015})
    >>> round(pooled_mde(row, 0.05), 4)
    -0.0193
    """
    half = (float(effect["ci_high"]) - float(effect["ci_low"])) / 2
    if not np.isfinite(half):
        return None
    threshold = float(effect.get("ri_threshold", np.nan))
    size = max(half, threshold) if np.isfinite(threshold) else half
    mde = size + stats.norm.ppf(power) * half / stats.norm.ppf(1 - alpha / 2)
    return float(mde if direction == "up" else -mde)


def _randomization_fields(ctx: Context, effect: pd.Series, direction: str | None) -> dict:
    """The randomization p, its number of reassignments and the whole rule's MDE of one estimate."""
    n = effect.get("ri_n_permutations", np.nan)
    return dict(randomization_p=float(effect["ri_p_value"]) if np.isfinite(n) and n > 0 else None,
                n_permutations=int(n) if np.isfinite(n) and n > 0 else None,
                mde=pooled_mde(effect, ctx.plan.alpha, float((ctx.plan.power or {}).get("power", 0.8)), direction))


def _region_evidence(ctx: Context, es: EventStudyResult, indicator: str, effect: pd.Series, *,
                     frequency: str, points: tuple[pd.Series, pd.Series], plausible: float | None,
                     **fields) -> Evidence:
    """Evidence for one pooled region estimate (differences of rates; counts per pupil)."""
    ind = get_indicator(indicator)
    before, after = points
    starts = sorted({s.jos_start for s in ctx.region.jos_schools})
    values = dict(
        label=ind.label[:1].lower() + ind.label[1:], direction=ind.direction, frequency=frequency,
        scale="difference", level=Effect(float(effect["estimate"]), float(effect["ci_low"]),
                                         float(effect["ci_high"]), float(effect["p_value"])),
        n_pre=int(before.median()) if len(before) else 0, n_post=int(after.median()) if len(after) else 0,
        start=starts[0] if starts else None, alpha=ctx.plan.alpha, covid_windows=ctx.plan.covid_windows,
        covid_handling=ctx.plan.covid_handling, has_comparison=es.n_never > 0 or len(starts) > 1,
        comparison_pretrend_p=_lead_p(es),
        plausible_effect=plausible, early_rise=ind.early_rise,
        percent_points=ind.unit == "aandeel" or ind.is_count, national_context=indicator == "thuiszitters",
        capacity_per_100=capacity_per_100(ctx.region.jos_schools, ctx.latest_pupils()) or None,
        basis="de scholen die (nog) niet met JOS werkten", unit="de JOS-scholen",
    )
    values |= fields
    return Evidence(indicator, **(values | _randomization_fields(ctx, effect, values["direction"])))


def _segment_sizes(p: pd.DataFrame, time: str) -> tuple[pd.Series, pd.Series]:
    treated = p.dropna(subset=["jos_start"])
    before = treated[treated[time] < treated["jos_start"]].groupby("school_id").size()
    after = treated[treated[time] >= treated["jos_start"]].groupby("school_id").size()
    return before, after


def region_assessment(ctx: Context, es: EventStudyResult, indicator: str) -> Assessment:
    """Verdict and caveats for the region's pooled effect from :func:`region_event_study`.

    The pre-trend check uses the event-study years before the start (Bonferroni over those
    years); the numbers of points are the median lesson months before and after the start over
    the JOS schools.
    """
    p = region_panel(ctx, indicator)
    return assess(_region_evidence(ctx, es, indicator, es.att.iloc[0], frequency="month",
                                   points=_segment_sizes(p, "month"),
                                   plausible=_plausible_difference(get_indicator(indicator), p, "month"),
                                   estimate_name="het gemiddelde verschil over alle JOS-maanden"))


@dataclass(frozen=True)
class RegionYearly:
    """The pooled staggered difference-in-differences of one school-year indicator.

    Attributes
    ----------
    indicator
        Indicator key.
    study
        Event years (first JOS year = 0) with intervals. Its pooled effect is that of ``later``
        when some school is observed after its first JOS year (one fit gives both: the event
        years do not depend on which years are pooled), else over all JOS years.
    later
        The event study with the pooled effect over the later years (event year 1 on), or None.
    first_year, later_years
        Verdicts on the first JOS year (event year 0; for indicators where earlier detection
        can first raise the numbers no direction is expected) and on the later years.
    """

    indicator: str
    study: EventStudyResult
    later: EventStudyResult | None
    first_year: Assessment
    later_years: Assessment | None


def region_yearly(ctx: Context, indicator: str, *, seed: int = 0) -> RegionYearly:
    """Pooled staggered DiD of a school-year indicator (rate per pupil) over the region's schools.

    The same did2s + wild-cluster-bootstrap machinery as the monthly event study
    (:func:`josanalysis.methods.event_study` on school years), with the first JOS year and the
    later years as separate estimates.

    Examples
    --------
    >>> r = region_yearly(load_context("demoregio"), "tlv_vso_cluster4")   # doctest: +SKIP
    >>> r.first_year.verdict_key, r.later_years.verdict_key                # doctest: +SKIP
    """
    ind = get_indicator(indicator)
    p = region_yearly_panel(ctx, indicator)
    kw = dict(unit="school_id", time="year_start", start="jos_start", alpha=ctx.plan.alpha, seed=seed,
              n_permutations=REGION_PERMUTATIONS)
    # one fit serves both estimates: its event table gives the first year, its pooled effect the
    # later years (event year 1 on); only without any later year is the pooled effect over all years
    try:
        full = event_study(p, indicator, pooled_from=1, **kw)
    except ConfigError:
        full = event_study(p, indicator, **kw)
    study = _with_intervals_only(full)
    points = _segment_sizes(p, "year_start")
    plausible = _plausible_difference(ind, p, "year_start")
    first = study.event.loc[0] if 0 in study.event.index else None
    # earlier detection can first raise referrals and youth care: no direction expected in year one,
    # and the early-rise caveat explains a rise
    early = dict(direction=None, first_year_change=float(first["estimate"]),
                 first_year_basis="de scholen die (nog) niet met JOS werkten") if ind.early_rise and first is not None else {}
    if first is None:
        first_ev = Evidence(indicator, frequency="schoolyear", no_estimate_reason="Het eerste JOS-jaar is bij "
                            "minder dan twee scholen waargenomen.")
    else:
        first_ev = _region_evidence(ctx, study, indicator, first, frequency="schoolyear", points=points,
                                    plausible=plausible, estimate_name="het verschil in het eerste JOS-jaar",
                                    **early)
    later = later_a = None
    if (study.event.index >= 1).any():
        later = full
        later_a = assess(_region_evidence(ctx, study, indicator, later.att.iloc[0], frequency="schoolyear",
                                          points=(points[0], points[1] - 1), plausible=plausible,
                                          estimate_name="het gemiddelde verschil in de latere JOS-jaren"))
    return RegionYearly(indicator, study, later, assess(first_ev), later_a)
