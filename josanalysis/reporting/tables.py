"""Dutch tables of the assessment: effects, diagnostics, sensitivity, verdicts per school, and
the privacy-checked tables of school-year figures and of the region's schools.

The assessment (:mod:`josanalysis.assessment`) computes; these functions only show its objects
in Dutch, with every number formatted by :mod:`josanalysis.core.formatting`. Tables with pupil
counts pass the privacy boundary (:func:`josanalysis.privacy.apply_privacy`) first.

Examples
--------
>>> from josanalysis.assessment import load_context, analyse_indicator
>>> from josanalysis.reporting.tables import effects_nl
>>> ctx = load_context("demoregio")                                   # doctest: +SKIP
>>> effects_nl(analyse_indicator(ctx, "DM0900", "absence_rate")).columns.tolist()  # doctest: +SKIP
['Effect', 'Schatting', 'p-waarde', 'Oordeel']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from josanalysis.assessment import CAVEAT_TITLES_NL, Assessment, Context, IndicatorAnalysis
from josanalysis.assessment.wording import AUTOCORRELATION_NL, FAMILY_NL
from josanalysis.core import formatting as nl
from josanalysis.core.config import AnalysisPlan, Region
from josanalysis.core.indicators import get_indicator
from josanalysis.panel import Panel
from josanalysis.privacy import (apply_privacy, apply_privacy_across, certify_without_counts, drop_protected,
                                 select_rows_protected)

__all__ = ["effects_nl", "diagnostics_nl", "sensitivity_nl", "plan_model_column", "school_estimates_nl",
           "yearly_assessments_nl", "yearly_table", "protected_yearly", "hidden_cells", "school_overview", "event_leads_nl", "event_years_nl"]

_TERMS_NL = {"level": "Niveauverandering bij de start", "slope": "Trendverandering per maand",
             "end": "Verschil aan het eind van de reeks"}


def _effect_row(name: str, r: pd.Series, *, percent: bool, alpha: float = 0.05, digits: int = 1) -> dict[str, str]:
    return {"Effect": name,
            "Schatting": nl.effect_interval(r["estimate"], r["ci_low"], r["ci_high"], scale=r["scale"],
                                            percent=percent, alpha=alpha, digits=digits),
            "p-waarde": nl.number(r["p_value"], 3)}


def effects_nl(analysis: IndicatorAnalysis) -> pd.DataFrame:
    """The level and slope change with CIs as a Dutch table (the verdict next to the primary estimate).

    Parameters
    ----------
    analysis
        From :func:`josanalysis.assessment.analyse_indicator`.

    Returns
    -------
    pandas.DataFrame
        Columns ``Effect``, ``Schatting``, ``p-waarde``, ``Oordeel``; without an estimate one
        row with the reason.
    """
    a = analysis
    if a.result is None or a.assessment.verdict_key == "small_counts":
        # no estimate, or too few events for one: no percentage from a handful of events
        why = a.problem or ("geen schatting: te kleine aantallen (zie de toelichting)"
                            if a.result is not None else "geen schatting")
        return certify_without_counts(pd.DataFrame({"Effect": [nl.MISSING], "Schatting": [why],
                                                    "Oordeel": [a.assessment.verdict]}), "the effects table")
    alpha = a.spec.alpha
    primary = a.assessment.evidence.primary
    # a named primary estimate (the exact observed/expected ratio of a count series whose events
    # vanished after the start) keeps its name in the table, as in the verdict's reason
    name = a.assessment.evidence.estimate_name
    rows = [_effect_row(name[:1].upper() + name[1:] if name and term == primary else _TERMS_NL.get(str(term), str(term)),
                        r, percent=a.percent, alpha=alpha, digits=2 if term == "slope" else 1)
            | {"Oordeel": a.assessment.verdict if term == primary else "secundair (telt niet mee in het oordeel)"}
            for term, r in a.result.effects.iterrows()]
    if a.controlled is not None and "level" in a.controlled.effects.index:
        rows.append(_effect_row("Niveauverandering t.o.v. vergelijkingsscholen (gecontroleerde ITS)",
                                a.controlled.effects.loc["level"], percent=a.percent, alpha=alpha)
                    | {"Oordeel": "secundair (gevoeligheid voor de vergelijking)"})
    return certify_without_counts(pd.DataFrame(rows), "the effects table")


def diagnostics_nl(analysis: IndicatorAnalysis) -> pd.DataFrame:
    """Residual diagnostics and the number of points before/after, in Dutch (empty without a fit)."""
    if analysis.result is None:
        return certify_without_counts(pd.DataFrame(), "the diagnostics table")
    res = analysis.result
    d = res.diagnostics
    rows = [("Lesmaanden vóór de start (in model)", str(res.n_pre)),
            ("Lesmaanden na de start (in model)", str(res.n_post)),
            ("Durbin-Watson", nl.number(d.get("durbin_watson"), 2)),
            ("Ljung-Box p-waarde (resterende autocorrelatie)", nl.number(d.get("ljung_box_p"), 3)),
            ("Geschatte autocorrelatie (rho)",
             ", ".join(nl.number(r, 2) for r in np.atleast_1d(d.get("rho", np.nan))))]
    if d.get("overdispersion") is not None:
        rows.append(("Overdispersie (Pearson chi² / df)", nl.number(d.get("overdispersion"), 2)))
    return certify_without_counts(pd.DataFrame(rows, columns=["Diagnose", "Waarde"]), "the diagnostics table")


def plan_model_column(plan: AnalysisPlan) -> str:
    """The header of the column that marks the plan's model: "Vooraf vastgelegd" only when the
    region registered the plan in advance (and changed nothing after results were known).

    Examples
    --------
    >>> from josanalysis.core.config import load_region, load_region_plan
    >>> plan_model_column(load_region_plan(load_region("regio-alkmaar")))   # doctest: +SKIP
    'Model van het analyseplan (niet vooraf vastgelegd)'
    """
    if plan.registered_in_advance:
        return "Vooraf vastgelegd"
    if plan.registered:
        return "Model van het analyseplan (gewijzigd nadat resultaten bekend waren)"
    return "Model van het analyseplan (niet vooraf vastgelegd)"


def sensitivity_nl(analysis: IndicatorAnalysis, plan: AnalysisPlan) -> pd.DataFrame:
    """The sensitivity table (level term) with the plan's model marked, in Dutch.

    The marking column says "Vooraf vastgelegd" only for a plan the region registered in
    advance (:func:`plan_model_column`).
    """
    sens = analysis.sensitivity
    if sens is None or not len(sens):
        return certify_without_counts(pd.DataFrame(), "the sensitivity table")
    s = sens[sens["term"] == "level"]
    out = pd.DataFrame({
        "Model": [FAMILY_NL.get(str(f), str(f)) for f in s["family"]],
        "Autocorrelatie": [AUTOCORRELATION_NL.get(str(c), str(c)) for c in s["autocorrelation"]],
        "Aanloop (mnd)": s["lag"].astype(int),
        "Niveauverandering": [nl.effect_interval(r.estimate, r.ci_low, r.ci_high, scale=r.scale,
                                                 percent=analysis.percent)
                              if np.isfinite(r.estimate) else "model niet te schatten"
                              for r in s.itertuples()],
        plan_model_column(plan): np.where(s["prespecified"], "ja", ""),
    })
    return certify_without_counts(out.reset_index(drop=True), "the sensitivity table")


def school_estimates_nl(analyses: list[IndicatorAnalysis]) -> pd.DataFrame:
    """One row per school: level change with CI, verdict and the caveats that fired (Dutch)."""
    rows = []
    for a in analyses:
        r = a.result.effects.loc["level"] if a.result is not None else None
        rows.append({
            "School": a.school_id,
            "Start JOS": nl.numeric_month(a.assessment.evidence.start) if a.assessment.evidence.start else "",
            "Niveauverandering": nl.effect_interval(r["estimate"], r["ci_low"], r["ci_high"], scale=r["scale"],
                                                    percent=a.percent) if r is not None else (a.problem or nl.MISSING),
            "Oordeel": a.assessment.verdict,
            "Kanttekeningen": "; ".join(CAVEAT_TITLES_NL.get(c.key, c.key) for c in a.assessment.caveats)
            or "geen",
        })
    return certify_without_counts(pd.DataFrame(rows), "the per-school estimates")


def yearly_assessments_nl(assessments: list[Assessment]) -> pd.DataFrame:
    """One row per school-year indicator: verdict and the caveats' Dutch text."""
    return certify_without_counts(
        pd.DataFrame([{"Indicator": get_indicator(a.indicator).label, "Oordeel": a.verdict,
                       "Toelichting": a.reason_nl,
                       "Kanttekeningen": " ".join(c.text_nl for c in a.caveats) or "geen"}
                      for a in assessments]), "the school-year verdicts")


def yearly_table(ctx: Context, school_id: str | None = None, indicators: list[str] | None = None, *,
                 label_schools: bool = False) -> pd.DataFrame:
    """School-year indicators (pupils, youth care, referrals, early leavers, JOS trajecten) with
    pupil counts suppressed by the region's privacy rules; columns named by indicator key.

    The counts are suppressed once for the whole region as school × school year tables with
    secondary suppression (:func:`~josanalysis.privacy.apply_privacy_across`), and one school's
    table is cut from that: a school report, the region report and a region total elsewhere
    never together reveal a hidden count.

    With ``label_schools`` the ``school_year`` column reads ``"DM0100 2022-2023"`` (a table of
    several schools), set before the privacy boundary so that the table stays protected.

    The region-wide table is the same for every report of a run: it is kept in ``ctx.cache``."""
    protected = ctx.cache.get_or_compute(
        "protected_yearly", (tuple(indicators) if indicators is not None else None, label_schools),
        lambda: protected_yearly(ctx.panel, ctx.region, indicators, label_schools=label_schools))
    if school_id is None:
        return protected
    return select_rows_protected(protected, (protected["school_id"] == school_id).to_numpy())


def protected_yearly(panel: Panel, region: Region, indicators: list[str] | None = None, *,
                     label_schools: bool = False) -> pd.DataFrame:
    """The region's school-year indicators, counts suppressed once for the whole region: JOS schools
    and comparison schools each as a school × school year table with known margins (a report may
    publish the JOS schools' total), see :func:`~josanalysis.privacy.apply_privacy_across`."""
    y = panel.yearly().reset_index(drop=True)
    keys = [k for k in (indicators or [c for c in y.columns if c not in ("school_id", "school_year", "year_start")])
            if k in y.columns]
    counts = [k for k in keys if get_indicator(k).is_count]
    table = y[["school_id", "school_year", "year_start"] + keys].assign(
        _year=y["school_year"], _comparison=y["school_id"].isin(region.comparison_ids))
    if label_schools:
        table = table.assign(school_year=table["school_id"] + " " + table["school_year"])
    return drop_protected(apply_privacy_across(table, region.privacy, count_columns=counts, rows="school_id",
                                               columns="_year", within="_comparison"), ["_year", "_comparison"])


def hidden_cells(table: pd.DataFrame, column: str) -> set[tuple[str, str]]:
    """``(school_id, school_year)`` of the cells of ``column`` that a protected table hid."""
    rows = table.attrs.get("privacy_suppressed", {}).get(str(column), [])
    return {(str(table["school_id"].iloc[i]), str(table["school_year"].iloc[i])) for i in rows}


def school_overview(ctx: Context) -> pd.DataFrame:
    """The region's schools in Dutch: type, JOS start or comparison role, latest DUO pupils."""
    pupils = ctx.latest_pupils()
    rows = []
    for s in ctx.region.schools:
        role = ("vergelijkingsschool" if s.school_id in ctx.region.comparison_ids
                else f"JOS vanaf {nl.numeric_month(s.jos_start)}" if s.jos_start else "geen JOS")
        rows.append({"School": s.name, "Vestiging": s.school_id, "Schooltype": s.school_type,
                     "JOS": role, "Leerlingen": pupils.get(s.school_id, np.nan)})
    # a region that has not named its schools yet still gets the (empty) table
    table = pd.DataFrame(rows, columns=["School", "Vestiging", "Schooltype", "JOS", "Leerlingen"])
    return apply_privacy(table, ctx.region.privacy, count_columns=["Leerlingen"], secondary=False)


def event_leads_nl(event: pd.DataFrame, *, percent: bool, alpha: float = 0.05) -> pd.DataFrame:
    """The event study's years before the start (leads) as a Dutch table: estimate with interval
    and whether the interval excludes zero (there should be no difference before the start).

    Parameters
    ----------
    event
        ``EventStudyResult.event``: one row per year since the start (index ``event_year``).
    percent
        Whether the outcome is a share (shown in procentpunten).
    alpha
        Gives the interval's confidence level.
    """
    return event_years_nl(event[event.index < 0], percent=percent, alpha=alpha)


def event_years_nl(event: pd.DataFrame, *, percent: bool, alpha: float = 0.05) -> pd.DataFrame:
    """Event-study years (before and since the start) as a Dutch table, each with its interval."""
    rows = []
    for year, r in event.sort_index().iterrows():
        finite = bool(np.isfinite([r["estimate"], r["ci_low"], r["ci_high"]]).all())
        rows.append({
            "Schooljaar": f"{-int(year)} jaar vóór de start" if year < 0 else f"{int(year) + 1}e jaar met JOS",
            "Verschil met scholen zonder JOS": nl.effect_interval(r["estimate"], r["ci_low"], r["ci_high"],
                                                                  scale="difference", percent=percent, alpha=alpha)
            if finite else nl.MISSING,
            "Interval sluit nul uit": (("ja: er was al een verschil vóór de start" if year < 0 else "ja")
                                       if finite and (r["ci_low"] > 0 or r["ci_high"] < 0) else "nee"),
        })
    return certify_without_counts(pd.DataFrame(rows, columns=["Schooljaar", "Verschil met scholen zonder JOS",
                                                              "Interval sluit nul uit"]), "the event-study years")
