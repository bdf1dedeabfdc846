"""The short report of a comparison school (a school without JOS): its role, its series and what it
contributes to the analysis; no JOS effect sections, since there is no start to measure from.

:func:`comparison_sections` gives the sections :func:`~josanalysis.reporting.school_report.build_school_report`
shows for a school without ``jos_start``.

Examples
--------
>>> from josanalysis.reporting import build_school_report
>>> [s.key for s in build_school_report("demoregio", "DM1100").document.sections]  # doctest: +SKIP
['title', 'summary', 'role', 'series', 'yearly', 'appendix']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from josanalysis.assessment import Context, IndicatorAnalysis
from josanalysis.core import formatting as nl
from josanalysis.core.config import School
from josanalysis.privacy import certify_without_counts
from josanalysis.reporting import figures, tables
from josanalysis.reporting.document import Item, Section, Text, render_figure
from josanalysis.reporting.presentation import privacy_note, yearly_nl
from josanalysis.reporting.report_parts import (
    APPENDIX_KEY,
    SUMMARY_KEY,
    in_sentence,
    plan_section,
    shown,
    source_gap,
)

__all__ = ["comparison_sections"]

_ROLE = (
    "Een vergelijkingsschool werkt niet met JOS. Ze laat zien hoe de indicatoren zich ontwikkelen *zonder* "
    "JOS, in dezelfde regio en dezelfde jaren (met dezelfde landelijke ontwikkelingen, zoals corona en "
    "wachtlijsten in de jeugdhulp). Daarmee draagt ze op twee plaatsen bij aan de analyse:\n\n"
    "- **In elk schoolrapport van een JOS-school** is de reeks van de vergelijkingsscholen het "
    "tegenfeitelijke scenario van de *gecontroleerde onderbroken tijdreeks*: de verandering op de JOS-school "
    "wordt afgezet tegen de verandering op de vergelijkingsscholen in dezelfde maanden.\n"
    "- **In het regiorapport** is ze een van de scholen zonder JOS in de analyse van de *gespreide "
    "invoering*: het effect per jaar sinds de start wordt geschat ten opzichte van scholen die (nog) niet "
    "met JOS werken.\n\n"
    "Dit rapport geeft daarom geen oordeel over een effect van JOS, maar laat de reeksen van de school zien.")
_SERIES_INTRO = ("De gemeten reeks per lesmaand. Grijze vlakken zijn de maanden met schoolsluiting door corona; "
                 "die maanden tellen in de analyse niet mee.")
_YEARLY_INTRO = "De indicatoren per schooljaar. Kleine aantallen leerlingen worden niet getoond (•)."


def comparison_sections(ctx: Context, school: School, analyses: Sequence[IndicatorAnalysis],
                        output_dir: str | Path = "") -> tuple[Section, ...]:
    """The sections of a comparison school's report: Samenvatting, role, series, yearly table, plan."""
    rows = [{"Indicator": a.indicator.label, "Lesmaanden met gegevens": str(int(a.series[a.indicator.key].notna().sum())),
             "Periode": _period(a.series), "Rol in de analyse": "vergelijkingsreeks (geen JOS)"} for a in analyses]
    summary = certify_without_counts(pd.DataFrame(rows), "the comparison summary")
    present = ctx.panel.present_sources
    monthly_gap, yearly_gap = source_gap("school.monthly", present), source_gap("school.yearly", present)
    yearly_items = ((yearly_gap,) if yearly_gap else (
        shown(yearly_nl(tables.yearly_table(ctx, school.school_id)), "the school-year table"),
        Text(privacy_note(ctx.region))))
    return (
        Section(SUMMARY_KEY, "Samenvatting", (
            Text(f"**{school.name}** ({school.school_type}) is een **vergelijkingsschool**: de school werkt niet "
                 "met JOS. Dit rapport meet daarom geen effect van JOS; het laat zien welke gegevens de school "
                 "aan de analyse van de JOS-scholen bijdraagt."),
            monthly_gap or shown(summary, "the comparison summary"))),
        Section("role", "Rol van de school in de monitor", (Text(_ROLE),)),
        Section("series", "Reeksen per lesmaand", (Text(_SERIES_INTRO),) + ((monthly_gap,) if monthly_gap else
                tuple(_series_section(ctx, school, a, output_dir) for a in analyses))),
        Section("yearly", "Indicatoren per schooljaar", (Text(_YEARLY_INTRO),) + yearly_items),
        Section(APPENDIX_KEY, "Technische bijlage", (plan_section(ctx.plan, level=3),)),
    )


def _period(series: pd.DataFrame) -> str:
    months = series["month"] if len(series) else pd.Series(dtype="datetime64[ns]")
    return f"{nl.month_year(months.min())} – {nl.month_year(months.max())}" if len(months) else nl.MISSING


def _series_section(ctx: Context, school: School, a: IndicatorAnalysis, output_dir: str | Path) -> Section:
    key, label = a.indicator.key, a.indicator.label
    suppress = ctx.region.privacy.min_count if a.indicator.is_count else None
    fig = figures.plot_series(a.series, key, label=label, percent=a.percent, covid_windows=ctx.plan.covid_windows,
                      suppress_below=suppress, synthetic=ctx.region.synthetic)
    items: list[Item] = [render_figure(fig, f"{key}_series", output_dir,
                                       alt=f"Grafiek: {in_sentence(label)} per lesmaand op {school.name} "
                                           "(vergelijkingsschool zonder JOS).")]
    if suppress:
        items.append(Text(f"_Maanden met 1 tot {suppress - 1} leerlingen zijn niet getoond (privacy)._"))
    return Section(f"{key}_series", label, tuple(items), level=3)
