"""The pre-specified analysis of one school, as the school report runs it.

* :func:`analyse_indicator` — one school, one monthly indicator: ITS per the plan
  (:func:`josanalysis.methods.fit_its`), controlled ITS against the comparison schools, placebo
  start dates, sensitivity table, minimum detectable effect, verdict and caveats
  (:mod:`josanalysis.assessment.verdicts`) and the team's qualitative note;
* :func:`analyse_school` — every monthly indicator of the plan for one school;
* :func:`school_estimates` — one indicator for every JOS school of the region;
* :func:`yearly_assessments` — verdicts and caveats of the school-year indicators.

Examples
--------
>>> from josanalysis.assessment import load_context, analyse_indicator
>>> ctx = load_context("demoregio")                               # doctest: +SKIP
>>> a = analyse_indicator(ctx, "DM0100", "absence_rate")          # doctest: +SKIP
>>> a.assessment.verdict                                          # doctest: +SKIP
'consistent met een effect; toeschrijving aan JOS niet vastgesteld'
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from josanalysis.assessment.caveats import notes_for
from josanalysis.assessment.context import Context, model_spec
from josanalysis.assessment.region import REGION_POOLED_YEARLY, RegionYearly, region_yearly
from josanalysis.assessment.evidence import Evidence, capacity_per_100, evidence_from_its, evidence_from_yearly
from josanalysis.assessment.verdicts import Assessment, assess
from josanalysis.assessment.wording import interval_text
from josanalysis.core.errors import JosError
from josanalysis.core.indicators import Indicator, get_indicator
from josanalysis.core.schoolcalendar import in_windows, school_years_of
from josanalysis.methods import (
    ItsResult,
    ItsSpec,
    MdeResult,
    PlaceboResult,
    fit_its,
    minimum_detectable_effect,
    placebo_test,
    sensitivity_table,
)

__all__ = ["IndicatorAnalysis", "Robustness", "analyse_indicator", "analyse_school", "comparison_series",
           "pretrend_divergence_p", "pooled_yearly", "school_estimates", "count_evidence", "yearly_assessments", "YEARLY_ASSESSED"]

#: School-year indicators that get a verdict and caveats in the school report (descriptive:
#: about nine points are too few for an interrupted time series).
YEARLY_ASSESSED = ["youthcare_ambulant", "youthcare_residential", "indications_medium", "indications_heavy",
                   "tlv_vso_cluster4", "placements_facility", "early_leavers", "jos_trajectories"]


@dataclass
class IndicatorAnalysis:
    """Everything a report shows for one indicator at one school.

    Attributes
    ----------
    school_id, indicator
        The school and the registry entry of the indicator.
    series
        The monthly series used (aggregated; no pupil-level data).
    spec
        The pre-specified model (:class:`~josanalysis.methods.ItsSpec`) every fit used.
    result
        The pre-specified ITS fit (None when not assessable: see ``problem``).
    controlled
        The same model against the comparison schools' average (controlled ITS), if any.
    placebo, sensitivity, mde
        Falsification, sensitivity table and power (None if not run or not possible).
    assessment
        Verdict and caveats.
    note
        The team's qualitative note for this indicator (or the sentence saying none was given).
    problem
        Why no estimate could be made (a sentence), else None.
    extra_notes
        Dutch remarks on checks that could not be run (shown with the caveats).
    """

    school_id: str
    indicator: Indicator
    series: pd.DataFrame
    spec: ItsSpec
    result: ItsResult | None
    controlled: ItsResult | None
    placebo: PlaceboResult | None
    sensitivity: pd.DataFrame | None
    mde: MdeResult | None
    assessment: Assessment
    note: str
    problem: str | None = None
    extra_notes: list[str] = field(default_factory=list)

    @property
    def percent(self) -> bool:
        """The outcome is a share in [0, 1], shown in percent / percentage points."""
        return self.indicator.unit == "aandeel"


@dataclass(frozen=True)
class Robustness:
    """Falsification, sensitivity and power of one fit (None where not run or not possible)."""

    placebo: PlaceboResult | None = None
    sensitivity: pd.DataFrame | None = None
    mde: MdeResult | None = None


def comparison_series(ctx: Context, indicator: str) -> pd.DataFrame | None:
    """The comparison schools' series for ``indicator``: sum of counts (and offsets) or the
    hours-weighted mean of rates, per month. None when the region has no comparison schools."""
    ids = list(ctx.region.comparison_ids)
    if not ids:
        return None
    ind = get_indicator(indicator)
    w = ctx.panel.monthly()
    w = w[w["school_id"].isin(ids)].dropna(subset=[indicator])
    if not len(w):
        return None
    if ind.is_count:
        agg = w.groupby("month", as_index=False)[[indicator, "pupils"]].sum(min_count=1)
    else:
        w = w.assign(_w=w[indicator] * w["scheduled_hours"])
        g = w.groupby("month", as_index=False)[["_w", "scheduled_hours"]].sum()
        agg = pd.DataFrame({"month": g["month"], indicator: g["_w"] / g["scheduled_hours"],
                            "scheduled_hours": g["scheduled_hours"]})
    agg["covid"] = in_windows(agg["month"], ctx.plan.covid_windows).to_numpy()
    return agg


def pretrend_divergence_p(series: pd.DataFrame, comparison: pd.DataFrame, indicator: str,
                          start: pd.Timestamp) -> float | None:
    """p-value for a diverging trend between a school and its comparison series before the start.

    The pre-period difference (rates: treated - comparison; counts: difference of log rates per
    pupil) is regressed on time with AR(1) errors (statsmodels ``GLSAR``); a small p-value means
    the two series were already drifting apart, so the comparison does not mimic the
    counterfactual. COVID months flagged in ``series["covid"]`` are left out. None when fewer
    than 12 pre-period months are available.
    """
    ind = get_indicator(indicator)
    d = series.merge(comparison, on="month", suffixes=("", "_c"))
    d = d[(d["month"] < start) & ~d["covid"].astype(bool)]
    if len(d) < 12:
        return None
    if ind.is_count:
        diff = (np.log((d[indicator] + 0.5) / d["pupils"]) - np.log((d[f"{indicator}_c"] + 0.5) / d["pupils_c"]))
    else:
        diff = d[indicator] - d[f"{indicator}_c"]
    t = (d["month"].dt.year - d["month"].dt.year.min()) * 12 + d["month"].dt.month
    X = sm.add_constant(t.to_numpy(dtype=float))
    res = sm.GLSAR(diff.to_numpy(dtype=float), X, rho=1).iterative_fit(maxiter=6)
    return float(res.pvalues[1])


def _controlled_fit(ctx: Context, series: pd.DataFrame, indicator: str, start: pd.Timestamp,
                    spec: ItsSpec, extra: list[str]) -> tuple[ItsResult | None, pd.DataFrame | None]:
    """The controlled ITS against the comparison schools and their series (None where not possible)."""
    comp = comparison_series(ctx, indicator)
    if comp is None:
        return None, None
    comp = comp[comp["month"].isin(series["month"])]
    try:
        if len(comp) == len(series):
            return fit_its(series, indicator, "month", start, spec, comparison=comp), comp
        extra.append("De vergelijkingsscholen hebben niet voor elke maand gegevens; geen gecontroleerde ITS.")
    except JosError as exc:
        extra.append(_not_possible("De vergelijking met de vergelijkingsscholen (gecontroleerde ITS) kon niet "
                                   "worden geschat", exc))
    return None, comp


def _not_possible(sentence: str, exc: Exception | None) -> str:
    """A Dutch sentence for the reader; the (English, technical) reason goes out as a warning, which
    a report keeps for the run log instead of printing it."""
    if exc is not None:
        warnings.warn(f"{sentence}: {exc}", RuntimeWarning, stacklevel=2)
    return f"{sentence}."


def _robustness(ctx: Context, series: pd.DataFrame, indicator: str, start: pd.Timestamp,
                spec: ItsSpec, fit: ItsResult, seed: int, extra: list[str]) -> Robustness:
    """Placebo start dates, the sensitivity table and the MDE, as the plan sets them; all on the
    plan's primary estimate, reusing the pre-specified ``fit`` instead of refitting it."""
    placebo = sens = mde = None
    pl = ctx.plan.placebo or {}
    term = ctx.plan.indicators[indicator].primary
    try:
        placebo = placebo_test(series, indicator, "month", start, spec, n_dates=int(pl.get("n_dates", 20)),
                               min_segment=int(pl.get("min_segment", 12)), term=term, fit=fit)
    except JosError as exc:
        extra.append(_not_possible("De placebotoets was niet mogelijk", exc))
    try:
        sens = sensitivity_table(series, indicator, "month", start, spec, fit=fit)
    except JosError as exc:
        extra.append(_not_possible("De gevoeligheidsanalyse was niet mogelijk", exc))
    pw = ctx.plan.power or {}
    try:
        # the MDE of the whole verdict rule: with placebo dates a change must also beat them
        mde = minimum_detectable_effect(series, indicator, "month", start, spec, power=float(pw.get("power", 0.8)),
                                        method=str(pw.get("method", "analytic")),
                                        threshold=placebo.threshold() if placebo is not None else None, fit=fit,
                                        n_simulations=int(pw.get("n_simulations", 200)), seed=seed, term=term)
    except JosError as exc:
        extra.append(_not_possible("Het minimaal aantoonbare effect kon niet worden berekend", exc))
    return Robustness(placebo, sens, mde)


def _robustness_evidence(rob: Robustness) -> dict[str, Any]:
    """Evidence fields from the robustness checks: sensitivity rows, MDE, placebo estimates."""
    overrides: dict[str, Any] = {}
    if rob.sensitivity is not None:
        s = rob.sensitivity[rob.sensitivity["term"] == "level"].copy()
        s["spec"] = s["family"].astype(str) + "/" + s["autocorrelation"].astype(str) + "/lag " + s["lag"].astype(str)
        overrides["sensitivity"] = s[["spec", "estimate", "ci_low", "ci_high", "prespecified"]].reset_index(drop=True)
    if rob.mde is not None:
        overrides["mde"] = float(rob.mde.mde_decrease)
    if rob.placebo is not None:
        p = rob.placebo.placebos
        overrides["placebo_estimates"] = tuple(p.loc[p["term"] == rob.placebo.term, "estimate"].astype(float))
    return overrides


def count_evidence(ctx: Context, series: pd.DataFrame, indicator: str, start: pd.Timestamp) -> dict[str, Any]:
    """Evidence fields of a count series for the small-count rule: mean count per lesson month
    before and after the start (COVID months left out as in the model) and totals per school year."""
    if not get_indicator(indicator).is_count:
        return {}
    used = series[~series["covid"].astype(bool)] if "covid" in series else series
    pre, post = used.loc[used["month"] < start, indicator], used.loc[used["month"] >= start, indicator]
    years = series.groupby(school_years_of(series["month"]))[indicator].sum(min_count=1).dropna()
    return {"events_per_point": (float(pre.mean()) if len(pre) else 0.0, float(post.mean()) if len(post) else 0.0),
            "counts_by_year": tuple((str(y), float(c)) for y, c in years.items()),
            "min_count": int(ctx.region.privacy.min_count)}


def _without_estimate(ctx: Context, school_id: str, ind: Indicator, series: pd.DataFrame,
                      spec: ItsSpec, note: str, exc: JosError | None) -> IndicatorAnalysis:
    """The analysis of a comparison school (no start) or of a series the model cannot fit."""
    school = ctx.school(school_id)
    if school.jos_start is None:
        ev = Evidence(ind.key, label=ind.label.lower(), direction=ind.direction, n_pre=len(series), n_post=0)
        # A comparison school has no start: its verdict is "not assessable" and no caveat applies.
        verdict = dataclasses.replace(assess(ev), caveats=())
        return IndicatorAnalysis(school_id, ind, series, spec, None, None, None, None, None, verdict, note,
                                 problem="Deze school is een vergelijkingsschool zonder JOS: er is geen "
                                         "start en dus geen effectschatting.")
    n_pre = int((series["month"] < pd.Timestamp(school.jos_start)).sum())
    ev = Evidence(ind.key, label=ind.label.lower(), direction=ind.direction, n_pre=n_pre,
                  n_post=int(len(series) - n_pre), start=school.jos_start)
    return IndicatorAnalysis(school_id, ind, series, spec, None, None, None, None, None, assess(ev), note,
                             problem=_not_possible("Geen schatting mogelijk: het model kon niet op deze reeks "
                                                   "worden geschat", exc))


def analyse_indicator(ctx: Context, school_id: str, indicator: str, *, robustness: bool = True,
                      seed: int = 0) -> IndicatorAnalysis:
    """Run the pre-specified analysis of one monthly indicator at one school.

    The result is kept in ``ctx.cache``: a second call with the same arguments (the region
    report's per-school table after the school's own report, in one batch run) reuses it.

    Parameters
    ----------
    ctx
        From :func:`~josanalysis.assessment.context.load_context`.
    school_id
        A school of the region.
    indicator
        A monthly indicator of the analysis plan (``"absence_rate"``, ``"thuiszitters"``, ...).
    robustness
        Also run the placebo start dates, the sensitivity table and the minimum detectable
        effect (as the reports do). Off for a quick look.
    seed
        Seed of the power simulation (fixed so reruns give the same numbers).

    Returns
    -------
    IndicatorAnalysis
        Never raises for too little data: the verdict is then "niet te beoordelen" with the reason.
    """
    ctx.school(school_id)
    return ctx.cache.get_or_compute("analyse_indicator", (school_id, indicator, robustness, seed),
                                    lambda: _analyse_indicator(ctx, school_id, indicator, robustness, seed))


def _analyse_indicator(ctx: Context, school_id: str, indicator: str, robustness: bool,
                       seed: int) -> IndicatorAnalysis:
    """:func:`analyse_indicator` without the cache."""
    school = ctx.school(school_id)
    ind = get_indicator(indicator)
    spec = model_spec(ctx.plan, indicator)
    series = ctx.panel.series(school_id, indicator, covid_windows=ctx.plan.covid_windows)
    note = notes_for(indicator, school, ctx.region)
    if school.jos_start is None:
        return _without_estimate(ctx, school_id, ind, series, spec, note, None)
    start = pd.Timestamp(school.jos_start)
    try:
        result = fit_its(series, indicator, "month", start, spec)
    except JosError as exc:
        return _without_estimate(ctx, school_id, ind, series, spec, note, exc)
    extra: list[str] = []
    controlled, comp = _controlled_fit(ctx, series, indicator, start, spec, extra)
    rob = _robustness(ctx, series, indicator, start, spec, result, seed, extra) if robustness else Robustness()
    overrides = _robustness_evidence(rob) | count_evidence(ctx, series, indicator, start)
    overrides["primary"] = ctx.plan.indicators[indicator].primary
    overrides["has_comparison"] = controlled is not None
    if controlled is not None:
        overrides["comparison_pretrend_p"] = pretrend_divergence_p(series, comp, indicator, start)
    cap = capacity_per_100(ctx.region.jos_schools, ctx.latest_pupils())
    if len(cap) > 1:
        overrides["capacity_per_100"] = cap
    assessment = assess(evidence_from_its(result, indicator, ctx.plan, **overrides))
    return IndicatorAnalysis(school_id, ind, series, spec, result, controlled, rob.placebo, rob.sensitivity,
                             rob.mde, assessment, note, extra_notes=extra)


def analyse_school(ctx: Context, school_id: str, *, robustness: bool = True) -> list[IndicatorAnalysis]:
    """:func:`analyse_indicator` for every monthly indicator of the plan that the panel holds."""
    ctx.school(school_id)
    have = set(ctx.panel.data.loc[ctx.panel.data["frequency"] == "month", "indicator"])
    return [analyse_indicator(ctx, school_id, key, robustness=robustness)
            for key in ctx.plan.indicators if key in have]


def school_estimates(ctx: Context, indicator: str = "absence_rate", *,
                     robustness: bool = True) -> list[IndicatorAnalysis]:
    """:func:`analyse_indicator` for every JOS school of the region (same seeds as the school
    reports, so verdicts agree)."""
    return [analyse_indicator(ctx, s.school_id, indicator, robustness=robustness)
            for s in ctx.region.jos_schools]


def _region_beside(ctx: Context, key: str, y: pd.DataFrame, start: Any) -> str:
    """The school's descriptive yearly reason with the region's pooled estimate beside it."""
    n_pre = int((pd.to_datetime(y.dropna(subset=[key])["year_start"]) < pd.Timestamp(start)).sum())
    n_post = int(y[key].notna().sum()) - n_pre
    own = (f"Per school schat de monitor geen effect uit jaarcijfers ({n_pre} schooljaren vóór en {n_post} vanaf "
           "de start): de cijfers staan beschrijvend in de tabel.")
    try:
        r = pooled_yearly(ctx, key)
    except JosError as exc:
        return own + " " + _not_possible("Een regionale schatting was niet mogelijk", exc)
    parts = [f"{name} {interval_text(a.evidence, a.evidence.level)}: {a.verdict}"
             for name, a in (("eerste JOS-jaar", r.first_year), ("latere jaren", r.later_years))
             if a is not None and a.evidence.level is not None]
    return own + " Alle JOS-scholen van de regio samen, per leerling vergeleken met scholen zonder JOS — " + \
        "; ".join(parts) + "."


def pooled_yearly(ctx: Context, key: str) -> RegionYearly:
    """:func:`~josanalysis.assessment.region.region_yearly` through ``ctx.cache``: every school
    report of a run puts the same pooled estimates beside its figures, computed once."""
    return ctx.cache.get_or_compute("region_yearly", (key,), lambda: region_yearly(ctx, key))


def yearly_assessments(ctx: Context, school_id: str) -> list[Assessment]:
    """Verdicts and caveats of the school-year indicators of one school.

    These series are shown descriptively; the caveats still apply — in particular the expected
    first-year rise of referral and youth-care indicators (earlier detection) and the break in
    the provider's registration when JOS started (coaches registered since 2018, the JOS
    functions only from the start). Kept in ``ctx.cache`` (a report shows them twice).
    """
    ctx.school(school_id)
    return ctx.cache.get_or_compute("yearly_assessments", (school_id,), lambda: _yearly_assessments(ctx, school_id))


def _yearly_assessments(ctx: Context, school_id: str) -> list[Assessment]:
    """:func:`yearly_assessments` without the cache."""
    school = ctx.school(school_id)
    if school.jos_start is None or school_id not in set(ctx.panel.yearly()["school_id"]):
        return []  # a comparison school, or no school-year source for this school yet (partial data)
    y = ctx.panel.yearly(school_id)
    out = []
    for key in YEARLY_ASSESSED:
        if key not in y.columns or y[key].notna().sum() == 0:
            continue
        extra: dict[str, Any] = {}
        if key == "jos_trajectories":
            extra = {"registration_break": True, "registration_break_date": school.jos_start}
        if key in REGION_POOLED_YEARLY:
            extra["no_estimate_reason"] = _region_beside(ctx, key, y, school.jos_start)
        den = "pupils" if get_indicator(key).denominator == "pupils" and "pupils" in y.columns else None
        out.append(assess(evidence_from_yearly(y, key, school.jos_start, ctx.plan, denominator=den, **extra)))
    return out
