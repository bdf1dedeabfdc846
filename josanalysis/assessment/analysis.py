"""The pre-specified analysis of a school and a region, as the reports run it.

This module turns the analysis plan (``params/analysis_plan.yaml``) into model calls, so that
every report — and every researcher who calls these functions in JupyterLab — fits exactly the
pre-specified model, with the same falsification, sensitivity, power and attribution checks:

* :func:`load_context` — region, plan and panel in one object;
* :func:`analyse_indicator` — one school, one monthly indicator: ITS per the plan
  (:func:`josanalysis.methods.its.fit_its`), controlled ITS against the comparison schools, placebo
  start dates, sensitivity table, minimum detectable effect, verdict and caveats
  (:mod:`josanalysis.assessment.caveats`) and the team's qualitative note;
* :func:`analyse_school` — every monthly indicator of the plan for one school;
* :func:`region_event_study` — staggered roll-out across the region
  (:func:`josanalysis.methods.eventstudy.event_study`);
* :func:`yearly_table` — the school-year indicators of a school, privacy-checked, in Dutch.

Examples
--------
>>> from josanalysis.assessment.analysis import load_context, analyse_indicator
>>> ctx = load_context("demoregio")                               # doctest: +SKIP
>>> a = analyse_indicator(ctx, "DM0100", "absence_rate")          # doctest: +SKIP
>>> a.assessment.verdict                                          # doctest: +SKIP
'consistent met een effect; toeschrijving aan JOS niet vastgesteld'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.assessment.caveats import CAVEAT_TITLES_NL, Assessment, Effect, Evidence, assess, capacity_per_100, evidence_from_its, notes_for
from josanalysis.core.config import AnalysisPlan, IndicatorPlan, Region, School, load_analysis_plan, load_region
from josanalysis.core.errors import ConfigError, JosError
from josanalysis.core.indicators import Indicator, get_indicator
from josanalysis.methods.its import ItsResult, fit_its
from josanalysis.panel.build import Panel, load_panel
from josanalysis.privacy import apply_privacy
from josanalysis.reporting.presentation import RESULT_COLUMNS
from josanalysis.methods.robustness import MdeResult, PlaceboResult, minimum_detectable_effect, placebo_test, sensitivity_table

__all__ = ["Context", "IndicatorAnalysis", "load_context", "model_options", "analyse_indicator",
           "analyse_school", "comparison_series", "region_event_study", "region_panel", "yearly_table",
           "results_frame", "pretrend_divergence_p", "region_assessment", "region_results", "school_overview", "school_estimates",
           "school_estimates_nl", "yearly_assessments", "yearly_assessments_nl", "YEARLY_ASSESSED"]


@dataclass
class Context:
    """What every analysis needs: the region, the pre-specified plan and the panel."""

    region: Region
    plan: AnalysisPlan
    panel: Panel

    def school(self, school_id: str) -> School:
        return self.region.school(school_id)


def load_context(region_id: str, prepared: str = "") -> Context:
    """Region params, analysis plan and panel (from a batch's prepared file, or built from raw files)."""
    region = load_region(region_id)
    return Context(region=region, plan=load_analysis_plan(), panel=load_panel(region_id, prepared))


def model_options(plan: AnalysisPlan, indicator: str) -> dict[str, Any]:
    """Keyword arguments for :func:`~josanalysis.methods.its.fit_its` that the plan fixes for ``indicator``.

    The COVID closures become an exclusion (``exclude="covid"``) or a co-intervention term
    (``covariates=["covid"]``) as the plan says; count indicators get the pupil offset.
    """
    if indicator not in plan.indicators:
        raise ConfigError(f"Indicator '{indicator}' is not in the analysis plan "
                          f"({plan.path.name if plan.path else 'analysis_plan.yaml'}); the plan lists "
                          f"{', '.join(plan.indicators)}.")
    ip: IndicatorPlan = plan.indicators[indicator]
    ind = get_indicator(indicator)
    kw: dict[str, Any] = dict(family=ip.family, level_change=ip.level_change, slope_change=ip.slope_change,
                              lag=ip.lag_months, seasonality=ip.seasonality, autocorrelation=plan.autocorrelation,
                              alpha=plan.alpha)
    if ip.seasonality == "harmonic":
        kw.update(harmonics=ip.harmonics or 2, period=12)
    if ip.family != "gaussian" and ind.denominator == "pupils":
        kw["offset"] = "pupils"
    if plan.covid_handling == "exclude":
        kw["exclude"] = "covid"
    elif plan.covid_handling == "co-intervention":
        kw["covariates"] = ["covid"]
    return kw


@dataclass
class IndicatorAnalysis:
    """Everything a report shows for one indicator at one school.

    Attributes
    ----------
    school_id, indicator
        The school and the registry entry of the indicator.
    series
        The monthly series used (aggregated; no pupil-level data).
    options
        The pre-specified model options passed to ``fit_its``.
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
    """

    school_id: str
    indicator: Indicator
    series: pd.DataFrame
    options: dict[str, Any]
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

    def effects_nl(self) -> pd.DataFrame:
        """The level and slope change with CIs as a Dutch table (verdict next to them)."""
        from josanalysis.reporting.presentation import fmt_effect

        if self.result is None:
            return pd.DataFrame({"Effect": ["–"], "Schatting": [self.problem or "geen schatting"],
                                 "Oordeel": [self.assessment.verdict]})
        rows = []
        names = {"level": "Niveauverandering bij de start", "slope": "Trendverandering per maand",
                 "end": "Verschil aan het eind van de reeks"}
        alpha = self.options.get("alpha", 0.05)
        for term, r in self.result.effects.iterrows():
            rows.append({"Effect": names.get(str(term), str(term)),
                         "Schatting": fmt_effect(r["estimate"], r["ci_low"], r["ci_high"], scale=r["scale"],
                                                 percent=self.percent, alpha=alpha,
                                                 digits=2 if term == "slope" else 1),
                         "p-waarde": f"{r['p_value']:.3f}".replace(".", ",")})
        if self.controlled is not None and "level" in self.controlled.effects.index:
            r = self.controlled.effects.loc["level"]
            rows.append({"Effect": "Niveauverandering t.o.v. vergelijkingsscholen (gecontroleerde ITS)",
                         "Schatting": fmt_effect(r["estimate"], r["ci_low"], r["ci_high"], scale=r["scale"],
                                                 percent=self.percent, alpha=alpha),
                         "p-waarde": f"{r['p_value']:.3f}".replace(".", ",")})
        out = pd.DataFrame(rows)
        out["Oordeel"] = self.assessment.verdict
        return out

    def diagnostics_nl(self) -> pd.DataFrame:
        """Residual diagnostics and the number of points before/after, in Dutch."""
        if self.result is None:
            return pd.DataFrame()
        d = self.result.diagnostics
        rows = [("Lesmaanden vóór de start (in model)", str(self.result.n_pre)),
                ("Lesmaanden na de start (in model)", str(self.result.n_post)),
                ("Durbin-Watson", _nl(d.get("durbin_watson"), 2)),
                ("Ljung-Box p-waarde (resterende autocorrelatie)", _nl(d.get("ljung_box_p"), 3)),
                ("Geschatte autocorrelatie (rho)", ", ".join(_nl(r, 2) for r in np.atleast_1d(d.get("rho", np.nan))))]
        if d.get("overdispersion") is not None:
            rows.append(("Overdispersie (Pearson chi² / df)", _nl(d.get("overdispersion"), 2)))
        return pd.DataFrame(rows, columns=["Diagnose", "Waarde"])

    def sensitivity_nl(self) -> pd.DataFrame:
        """The sensitivity table (level term) with the pre-specified model marked, in Dutch."""
        from josanalysis.reporting.presentation import fmt_effect

        if self.sensitivity is None or not len(self.sensitivity):
            return pd.DataFrame()
        s = self.sensitivity[self.sensitivity["term"] == "level"]
        out = pd.DataFrame({
            "Model": s["family"].astype(str),
            "Autocorrelatie": s["autocorrelation"].astype(str),
            "Aanloop (mnd)": s["lag"].astype(int),
            "Niveauverandering": [fmt_effect(r.estimate, r.ci_low, r.ci_high, scale=r.scale, percent=self.percent)
                                  if np.isfinite(r.estimate) else "model niet te schatten"
                                  for r in s.itertuples()],
            "Vooraf vastgelegd": np.where(s["prespecified"], "ja", ""),
        })
        return out.reset_index(drop=True)

    def results_rows(self, region: Region) -> pd.DataFrame:
        """Machine-readable rows for ``results.csv`` (one per effect term)."""
        school = region.school(self.school_id)
        a = self.assessment
        base = {"region_id": region.region_id, "school_id": self.school_id, "school_name": school.name,
                "indicator": self.indicator.key, "verdict_key": a.verdict_key, "verdict": a.verdict,
                "n_caveats": len(a.caveats),
                "method": _method(self.options)}
        mde = self.mde.mde_decrease if self.mde is not None else np.nan
        if self.result is None:
            return pd.DataFrame([{**base, "term": "level", "estimate": np.nan, "ci_low": np.nan,
                                  "ci_high": np.nan, "p_value": np.nan, "scale": "", "n_pre": a.evidence.n_pre,
                                  "n_post": a.evidence.n_post, "mde": np.nan}])[RESULT_COLUMNS]
        rows = []
        for term, r in self.result.effects.iterrows():
            rows.append({**base, "term": str(term), "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p_value": r["p_value"], "scale": r["scale"],
                         "n_pre": self.result.n_pre, "n_post": self.result.n_post,
                         "mde": mde if term == "level" else np.nan})
        return pd.DataFrame(rows)[RESULT_COLUMNS]


def _nl(x: Any, digits: int) -> str:
    from josanalysis.reporting.presentation import fmt_nl

    try:
        return fmt_nl(float(x), digits)
    except (TypeError, ValueError):
        return "–"


def _method(options: dict[str, Any]) -> str:
    parts = [options.get("family", ""), options.get("autocorrelation", ""),
             f"seizoen={options.get('seasonality')}", f"lag={options.get('lag', 0)}"]
    if options.get("exclude"):
        parts.append("covid=uitgesloten")
    if options.get("covariates"):
        parts.append("covid=co-interventie")
    return ", ".join(str(p) for p in parts)


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
    from josanalysis.core.schoolcalendar import in_windows

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
    import statsmodels.api as sm

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


def _pupils_now(ctx: Context) -> dict[str, float]:
    y = ctx.panel.yearly()
    if "pupils" not in y.columns:
        return {}
    last = y.dropna(subset=["pupils"]).sort_values("year_start").groupby("school_id").tail(1)
    return dict(zip(last["school_id"], last["pupils"].astype(float)))


def analyse_indicator(ctx: Context, school_id: str, indicator: str, *, robustness: bool = True,
                      seed: int = 0) -> IndicatorAnalysis:
    """Run the pre-specified analysis of one monthly indicator at one school.

    Parameters
    ----------
    ctx
        From :func:`load_context`.
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
    school = ctx.school(school_id)
    ind = get_indicator(indicator)
    opts = model_options(ctx.plan, indicator)
    series = ctx.panel.series(school_id, indicator, covid_windows=ctx.plan.covid_windows)
    note = notes_for(indicator, school, ctx.region)
    if school.jos_start is None:
        ev = Evidence(indicator, label=ind.label.lower(), direction=ind.direction, n_pre=len(series), n_post=0)
        # A comparison school has no start: its verdict is "not assessable" and no caveat applies.
        verdict = dataclasses.replace(assess(ev), caveats=())
        return IndicatorAnalysis(school_id, ind, series, opts, None, None, None, None, None, verdict, note,
                                 problem="Deze school is een vergelijkingsschool zonder JOS: er is geen "
                                         "start en dus geen effectschatting.")
    start = pd.Timestamp(school.jos_start)
    try:
        result = fit_its(series, indicator, "month", start, **opts)
    except JosError as exc:
        n_pre = int((series["month"] < start).sum())
        ev = Evidence(indicator, label=ind.label.lower(), direction=ind.direction, n_pre=n_pre,
                      n_post=int(len(series) - n_pre), start=school.jos_start)
        return IndicatorAnalysis(school_id, ind, series, opts, None, None, None, None, None, assess(ev), note,
                                 problem=f"Geen schatting mogelijk: {exc}")
    controlled = None
    comp = comparison_series(ctx, indicator)
    extra: list[str] = []
    if comp is not None:
        comp = comp[comp["month"].isin(series["month"])]
        try:
            if len(comp) == len(series):
                controlled = fit_its(series, indicator, "month", start, comparison=comp, **opts)
            else:
                extra.append("De vergelijkingsscholen hebben niet voor elke maand gegevens; geen gecontroleerde ITS.")
        except JosError as exc:
            extra.append(f"Gecontroleerde ITS niet te schatten: {exc}")
    placebo = sens = mde = None
    if robustness:
        pl = ctx.plan.placebo or {}
        try:
            placebo = placebo_test(series, indicator, "month", start, n_dates=int(pl.get("n_dates", 20)),
                                   min_segment=int(pl.get("min_segment", 12)), **opts)
        except JosError as exc:
            extra.append(f"Placebotoets niet mogelijk: {exc}")
        try:
            sens = sensitivity_table(series, indicator, "month", start, **opts)
        except JosError as exc:
            extra.append(f"Gevoeligheidsanalyse niet mogelijk: {exc}")
        pw = ctx.plan.power or {}
        try:
            mde = minimum_detectable_effect(series, indicator, "month", start, power=float(pw.get("power", 0.8)),
                                            n_simulations=int(pw.get("n_simulations", 200)), seed=seed, **opts)
        except JosError as exc:
            extra.append(f"Minimaal aantoonbaar effect niet te berekenen: {exc}")
    overrides: dict[str, Any] = {}
    if sens is not None:
        s = sens[sens["term"] == "level"].copy()
        s["spec"] = s["family"].astype(str) + "/" + s["autocorrelation"].astype(str) + "/lag " + s["lag"].astype(str)
        overrides["sensitivity"] = s[["spec", "estimate", "ci_low", "ci_high", "prespecified"]].reset_index(drop=True)
    if mde is not None:
        overrides["mde"] = float(mde.mde_decrease)
    if placebo is not None:
        p = placebo.placebos
        overrides["placebo_estimates"] = tuple(p.loc[p["term"] == placebo.term, "estimate"].astype(float))
    overrides["has_comparison"] = controlled is not None
    if controlled is not None:
        overrides["comparison_pretrend_p"] = pretrend_divergence_p(series, comp, indicator, start)
    cap = capacity_per_100(ctx.region.jos_schools, _pupils_now(ctx))
    if len(cap) > 1:
        overrides["capacity_per_100"] = cap
    assessment = assess(evidence_from_its(result, indicator, ctx.plan, **overrides))
    return IndicatorAnalysis(school_id, ind, series, opts, result, controlled, placebo, sens, mde, assessment,
                             note, extra_notes=extra)


def analyse_school(ctx: Context, school_id: str, *, robustness: bool = True) -> list[IndicatorAnalysis]:
    """:func:`analyse_indicator` for every monthly indicator of the plan that the panel holds."""
    ctx.school(school_id)
    have = set(ctx.panel.data.loc[ctx.panel.data["frequency"] == "month", "indicator"])
    return [analyse_indicator(ctx, school_id, key, robustness=robustness)
            for key in ctx.plan.indicators if key in have]


def results_frame(ctx: Context, analyses: list[IndicatorAnalysis]) -> pd.DataFrame:
    """All effect rows of a report, ready for :func:`josanalysis.reporting.presentation.write_results`."""
    if not analyses:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat([a.results_rows(ctx.region) for a in analyses], ignore_index=True)


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
                       seed: int = 0):
    """Staggered roll-out across the region: effect by year since start and the pooled effect.

    Uses :func:`josanalysis.methods.eventstudy.event_study` with not-yet-treated and never-treated
    schools as controls and wild-cluster-bootstrap inference (few schools).
    """
    from josanalysis.methods.eventstudy import event_study

    p = region_panel(ctx, indicator)
    exclude = list(ctx.plan.covid_windows) if ctx.plan.covid_handling == "exclude" else None
    return event_study(p, indicator, unit="school_id", time="month", start="jos_start",
                       exclude=exclude, alpha=ctx.plan.alpha, n_permutations=n_permutations, seed=seed)


def yearly_table(ctx: Context, school_id: str | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """School-year indicators (pupils, youth care, referrals, early leavers, JOS trajecten) with
    pupil counts suppressed by the region's privacy rules; columns named by indicator key."""
    y = ctx.panel.yearly(school_id)
    keys = [k for k in (indicators or [c for c in y.columns if c not in ("school_id", "school_year", "year_start")])
            if k in y.columns]
    counts = [k for k in keys if get_indicator(k).is_count]
    table = y[["school_id", "school_year", "year_start"] + keys].reset_index(drop=True)
    return apply_privacy(table, ctx.region.privacy, count_columns=counts, secondary=False)


def region_assessment(ctx: Context, es, indicator: str) -> Assessment:
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
        capacity_per_100=capacity_per_100(ctx.region.jos_schools, _pupils_now(ctx)) or None,
    )
    return assess(ev)


def region_results(ctx: Context, indicator: str, es, assessment: Assessment) -> pd.DataFrame:
    """Machine-readable rows of the region's pooled effect and event-study years."""
    rows = []
    base = {"region_id": ctx.region.region_id, "school_id": "", "school_name": f"regio {ctx.region.name}",
            "indicator": indicator, "scale": "difference", "n_pre": assessment.evidence.n_pre,
            "n_post": assessment.evidence.n_post, "mde": np.nan, "verdict_key": assessment.verdict_key,
            "verdict": assessment.verdict, "n_caveats": len(assessment.caveats),
            "method": "event study (pyfixest did2s), wild cluster bootstrap"}
    att = es.att.iloc[0]
    rows.append({**base, "term": "pooled", "estimate": att["estimate"], "ci_low": att["ci_low"],
                 "ci_high": att["ci_high"], "p_value": att["p_value"]})
    for year, r in es.event.iterrows():
        rows.append({**base, "term": f"event_year_{year}", "estimate": r["estimate"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"], "p_value": r["p_value"], "verdict_key": "", "verdict": "",
                     "n_caveats": 0})
    return pd.DataFrame(rows)[RESULT_COLUMNS]


def school_overview(ctx: Context) -> pd.DataFrame:
    """The region's schools in Dutch: type, JOS start or comparison role, latest DUO pupils."""
    pupils = _pupils_now(ctx)
    rows = []
    for s in ctx.region.schools:
        role = ("vergelijkingsschool" if s.school_id in ctx.region.comparison_ids
                else f"JOS vanaf {s.jos_start:%m-%Y}" if s.jos_start else "geen JOS")
        rows.append({"School": s.name, "Vestiging": s.school_id, "Schooltype": s.school_type,
                     "JOS": role, "Leerlingen": pupils.get(s.school_id, np.nan)})
    table = pd.DataFrame(rows)
    return apply_privacy(table, ctx.region.privacy, count_columns=["Leerlingen"], secondary=False)


def school_estimates(ctx: Context, indicator: str = "absence_rate", *,
                     robustness: bool = True) -> list[IndicatorAnalysis]:
    """:func:`analyse_indicator` for every JOS school of the region (same seeds as the school
    reports, so verdicts agree)."""
    return [analyse_indicator(ctx, s.school_id, indicator, robustness=robustness)
            for s in ctx.region.jos_schools]


def school_estimates_nl(analyses: list[IndicatorAnalysis]) -> pd.DataFrame:
    """One row per school: level change with CI, verdict and the caveats that fired (Dutch)."""
    from josanalysis.reporting.presentation import fmt_effect

    rows = []
    for a in analyses:
        r = a.result.effects.loc["level"] if a.result is not None else None
        rows.append({
            "School": a.school_id,
            "Start JOS": f"{a.assessment.evidence.start:%m-%Y}" if a.assessment.evidence.start else "",
            "Niveauverandering": fmt_effect(r["estimate"], r["ci_low"], r["ci_high"], scale=r["scale"],
                                            percent=a.percent) if r is not None else (a.problem or "–"),
            "Oordeel": a.assessment.verdict,
            "Kanttekeningen": "; ".join(CAVEAT_TITLES_NL.get(c.key, c.key) for c in a.assessment.caveats)
            or "geen",
        })
    return pd.DataFrame(rows)


#: School-year indicators that get a verdict and caveats in the school report (descriptive:
#: about nine points are too few for an interrupted time series).
YEARLY_ASSESSED = ["youthcare_ambulant", "youthcare_residential", "indications_medium", "indications_heavy",
                   "tlv_vso_cluster4", "placements_facility", "early_leavers", "jos_trajectories"]


def yearly_assessments(ctx: Context, school_id: str) -> list[Assessment]:
    """Verdicts and caveats of the school-year indicators of one school.

    These series are shown descriptively; the caveats still apply — in particular the expected
    first-year rise of referral and youth-care indicators (earlier detection) and the break in
    the provider's registration when JOS started (coaches registered since 2018, the JOS
    functions only from the start).
    """
    from josanalysis.assessment.caveats import evidence_from_yearly

    school = ctx.school(school_id)
    if school.jos_start is None:
        return []
    y = ctx.panel.yearly(school_id)
    out = []
    for key in YEARLY_ASSESSED:
        if key not in y.columns or y[key].notna().sum() == 0:
            continue
        extra: dict[str, Any] = {}
        if key == "jos_trajectories":
            extra = {"registration_break": True, "registration_break_date": school.jos_start}
        den = "pupils" if get_indicator(key).denominator == "pupils" and "pupils" in y.columns else None
        out.append(assess(evidence_from_yearly(y, key, school.jos_start, ctx.plan, denominator=den, **extra)))
    return out


def yearly_assessments_nl(assessments: list[Assessment]) -> pd.DataFrame:
    """One row per school-year indicator: verdict and the caveats' Dutch text."""
    return pd.DataFrame([{"Indicator": get_indicator(a.indicator).label, "Oordeel": a.verdict,
                          "Kanttekeningen": " ".join(c.text_nl for c in a.caveats) or "geen"}
                         for a in assessments])
