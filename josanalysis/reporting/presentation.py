"""Presentation for the Dutch reports: banner, analysis-plan table, formatted numbers, results files.

The notebooks call these functions so that every report shows the same things the same way:
the synthetic-data banner, the pre-specified analysis plan, effects with their confidence
intervals in Dutch number format, and a machine-readable results file written through the
privacy boundary.

Examples
--------
>>> from josanalysis.core.config import load_analysis_plan
>>> plan_table(load_analysis_plan())["Model"].iloc[0]
'lineair model (percentages)'
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.config import FUNCTIONS, AnalysisPlan, Region, School
from josanalysis.core.indicators import INDICATORS, get_indicator
from josanalysis.demo.synth import SYNTHETIC_NOTICE
from josanalysis.privacy import (
    certify_without_counts,
    drop_protected,
    format_for_report,
    privacy_footnote,
    rename_protected,
)

__all__ = ["Banner", "banner", "plan_table", "plan_caption", "plan_status_nl", "school_profile",
           "YEARLY_FIGURE_INDICATORS", "indicator_labels", "yearly_nl",
           "privacy_note", "caveats_markdown", "format_table"]

_FAMILY_NL = {"gaussian": "lineair model (percentages)", "poisson": "Poisson-model (aantallen)",
              "quasipoisson": "quasi-Poisson-model (aantallen, met overdispersie)",
              "negbin": "negatief-binomiaal model (aantallen)"}
_AC_NL = {"ar1": "AR(1)-fouten geschat met GLS", "ar2": "AR(2)-fouten geschat met GLS",
          "hac": "Newey–West-standaardfouten (onderschatten de onzekerheid bij korte reeksen)",
          "none": "geen correctie voor autocorrelatie"}
_COVID_NL = {"exclude": "maanden met schoolsluiting uitgesloten",
             "co-intervention": "schoolsluiting als aparte term in het model",
             "ignore": "geen aparte behandeling"}
_SEASON_NL = {"month": "vaste effecten per maand van het schooljaar", "harmonic": "harmonische termen",
              None: "geen"}


class Banner:
    """An HTML banner that renders in notebooks and in the exported HTML report."""

    def __init__(self, text: str, color: str = "#b30000") -> None:
        self.text = text
        self.color = color

    def _repr_html_(self) -> str:
        return (f'<div style="border:3px solid {self.color};background:#fff0f0;color:{self.color};'
                f'font-weight:bold;font-size:1.3em;padding:0.6em;text-align:center;margin:0.5em 0">'
                f"{self.text}</div>")

    def __str__(self) -> str:
        return self.text


def banner(region: Region) -> Banner | None:
    """The synthetic-data banner for a region built from synthetic data, else ``None``.

    Every report made from synthetic data shows "SYNTHETISCHE DEMODATA — geen echte cijfers".
    """
    return Banner(SYNTHETIC_NOTICE) if region.synthetic else None


def plan_table(plan: AnalysisPlan, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The pre-specified analysis plan as a Dutch table (one row per indicator).

    Every report prints it, so a reader can check that the model was fixed in advance.
    """
    rows = []
    for key, ip in plan.indicators.items():
        if indicators is not None and key not in indicators:
            continue
        effects = [t for t, on in (("niveauverandering", ip.level_change),
                                   ("trendverandering", ip.slope_change)) if on]
        rows.append({
            "Indicator": get_indicator(key).label,
            "Model": _FAMILY_NL.get(ip.family, ip.family),
            "Effecten": " en ".join(effects) or "geen",
            "Hoofdschatting": {"level": "niveauverandering", "slope": "trendverandering"}[ip.primary]
            + " (de andere effecten zijn secundair)",
            "Aanloopperiode (maanden)": ip.lag_months,
            "Seizoen": _SEASON_NL.get(ip.seasonality, str(ip.seasonality)),
            "Autocorrelatie": _AC_NL.get(plan.autocorrelation, plan.autocorrelation),
            "COVID": _COVID_NL.get(plan.covid_handling, plan.covid_handling),
            "Betrouwbaarheid": f"{round(100 * (1 - plan.alpha))}%",
        })
    out = certify_without_counts(pd.DataFrame(rows), "the analysis plan")
    out.attrs["caption"] = plan_caption(plan)
    return out


def plan_caption(plan: AnalysisPlan) -> str:
    """The plan's version and registration in Dutch: the region's own date, or "niet vooraf
    vastgelegd" when it gave none; changes after results were seen are named.

    Examples
    --------
    >>> from josanalysis.core.config import load_analysis_plan
    >>> plan_caption(load_analysis_plan())
    'Analyseplan versie 1.0, niet vooraf vastgelegd'
    """
    reg = plan.registration
    if plan.registered:
        where = f" ({reg.where})" if reg is not None and reg.where else ""
        text = f"Analyseplan versie {plan.version}, vastgelegd op {nl.full_date(plan.registered)}{where}"
    else:
        text = f"Analyseplan versie {plan.version}, niet vooraf vastgelegd"
    late = plan.changed_after_results
    if late:
        text += "; gewijzigd nadat resultaten bekend waren: " + "; ".join(
            f"{nl.full_date(c.date)}: {c.what}" for c in late)
    return text


def plan_status_nl(plan: AnalysisPlan) -> str:
    """One Dutch sentence on how far the plan was fixed in advance (for the plan section)."""
    if not plan.registered:
        return ("**Let op:** de regio heeft dit analyseplan niet vooraf vastgelegd. De modellen zijn dezelfde "
                "als voor elke regio, maar niemand kan controleren dat ze niet na het zien van de resultaten "
                "zijn gekozen.")
    if plan.changed_after_results:
        return ("**Let op:** het analyseplan is gewijzigd nadat resultaten bekend waren. Voor de gewijzigde "
                "onderdelen zijn de betrouwbaarheidsintervallen minder betrouwbaar dan ze lijken.")
    return ""


def school_profile(school: School) -> pd.DataFrame:
    """A Dutch table with the school's type, JOS start and FTE per function before/during."""
    rows = [{"Kenmerk": "Schooltype", "Waarde": school.school_type},
            {"Kenmerk": "Start JOS", "Waarde": nl.numeric_date(school.jos_start)
             if school.jos_start else "geen (vergelijkingsschool)"}]
    for code, name in FUNCTIONS.items():
        b, d = school.fte_before.get(code), school.fte_during.get(code)
        if b is None and d is None:
            val = "n.v.t."
        else:
            val = f"{nl.number(b or 0.0, 3)} fte eerder, {nl.number(d or 0.0, 3)} fte tijdens JOS"
        rows.append({"Kenmerk": name, "Waarde": val})
    return certify_without_counts(pd.DataFrame(rows), "the school profile")


#: School-year indicators drawn in the yearly figure of a school report.
YEARLY_FIGURE_INDICATORS = ["youthcare_ambulant", "tlv_vso_cluster4", "placements_facility",
                            "early_leavers", "jos_trajectories", "duration_months"]


def indicator_labels() -> dict[str, str]:
    """Dutch labels of all registry indicators, by key."""
    return {k: i.label for k, i in INDICATORS.items()}


def yearly_nl(yearly: pd.DataFrame) -> pd.DataFrame:
    """A privacy-checked school-year table (from :func:`josanalysis.reporting.tables.yearly_table`) as
    Dutch text: indicator labels as headers, suppressed cells as the privacy marker."""
    shown = drop_protected(yearly, [c for c in ("school_id", "year_start") if c in yearly.columns])
    return rename_protected(format_for_report(shown, decimals=1), {"school_year": "Schooljaar", **indicator_labels()})


def privacy_note(region: Region) -> str:
    """The Dutch footnote on suppression for a region's tables."""
    return "_" + privacy_footnote(region.privacy.min_count, region.privacy.rounding) + "_"


def caveats_markdown(assessment, extra: Sequence[str] = ()) -> str:
    """The caveats of an assessment (and any extra remarks) as a Dutch Markdown list."""
    items = [c.text_nl for c in assessment.caveats] + list(extra)
    if not items:
        return "**Kanttekeningen.** Geen specifieke kanttekeningen uit de gegevens."
    return "**Kanttekeningen bij dit resultaat:**\n\n" + "\n".join(f"- {t}" for t in items)


def format_table(table: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """A privacy-checked table as Dutch text (suppressed cells as the marker, decimal commas)."""
    return format_for_report(table, decimals=decimals)
