"""The region report: one call builds the event study, the schools side by side and the
school-year table of a region; ``notebooks/region_report.py`` displays the result.

Examples
--------
>>> from josanalysis.reporting.region_report import build_region_report
>>> report = build_region_report("demoregio")                    # doctest: +SKIP
>>> [s.key for s in report.document.sections]                    # doctest: +SKIP
['title', 'schools', 'plan', 'event_study', 'per_school', 'yearly', 'limits']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from josanalysis.assessment import (
    Context,
    load_context,
    region_assessment,
    region_event_study,
    region_results,
    results_frame,
    school_estimates,
)
from josanalysis.privacy import rename_protected, write_results
from josanalysis.reporting import figures, tables
from josanalysis.reporting.document import Document, Item, ReportObject, Section, Text, render_figure
from josanalysis.reporting.presentation import (
    caveats_markdown,
    format_table,
    indicator_labels,
    privacy_note,
    yearly_nl,
)
from josanalysis.reporting.report_parts import plan_section, shown, title_items

__all__ = ["RegionReport", "build_region_report", "EVENT_STUDY_INDICATORS", "REGION_YEARLY_INDICATORS"]

#: Monthly indicators of the region's event study.
EVENT_STUDY_INDICATORS = ("absence_rate", "unauthorised_absence_rate")
#: School-year indicators of the region's table of all schools.
REGION_YEARLY_INDICATORS = ("pupils", "youthcare_ambulant", "tlv_vso_cluster4", "placements_facility",
                            "early_leavers", "jos_trajectories")

_EVENT_STUDY_INTRO = (
    "Omdat scholen in verschillende jaren starten, vergelijkt de event study elke JOS-school met de scholen die "
    "op dat moment (nog) niet met JOS werkten. De jaren vóór de start (negatieve jaren) zijn een controle: daar "
    "hoort geen verschil te zijn. Bij een klein aantal scholen is de onzekerheid bepaald met een *wild cluster "
    "bootstrap*.")
_PER_SCHOOL_INTRO = (
    "Dezelfde vooraf vastgelegde analyse als in de schoolrapporten, naast elkaar. Vergelijk scholen niet op de "
    "hoogte van het effect: de formatie verschilt om historische redenen en de reeksen zijn kort.")
_YEARLY_INTRO = ("Aantallen leerlingen onder de drempel worden niet getoond (•). Na de start van JOS kunnen "
                 "verwijzingen en jeugdhulp eerst stijgen door eerdere signalering.")
_LIMITS = (
    "Een regionaal gemiddeld effect is een vergelijking tussen scholen met en zonder JOS, geen bewijs dat JOS de "
    "oorzaak is. Scholen verschillen in doelgroep, formatie en geschiedenis; landelijke ontwikkelingen (COVID, "
    "wachtlijsten, meer thuiszitters) spelen overal mee. Een gezamenlijke basisaanpak in de regio is nodig om "
    "uitkomsten goed te kunnen vergelijken.")


@dataclass(frozen=True)
class RegionReport(ReportObject):
    """Everything a region report shows, built by :func:`build_region_report`.

    Attributes
    ----------
    context
        Region, analysis plan and panel.
    results
        The machine-readable results (event-study and per-school rows), as written to ``results.csv``.
    results_file
        Where the results were written (None without an output folder).
    """

    context: Context
    results: pd.DataFrame
    results_file: Path | None


def build_region_report(region_id: str, prepared: str = "", output_dir: str | Path = "") -> RegionReport:
    """Build the report of a region: event study, per-school estimates, school-year table.

    Parameters
    ----------
    region_id
        Region id (``params/regions/<region_id>.yaml``).
    prepared
        A batch run's prepared region data (empty: build the panel from the raw files).
    output_dir
        Folder for the figures and ``results.csv``/``results.json`` (empty: write nothing).

    Returns
    -------
    RegionReport
    """
    ctx = load_context(region_id, prepared)
    region = ctx.region
    event_sections, event_results = zip(*(_event_study_section(ctx, key, output_dir)
                                          for key in EVENT_STUDY_INDICATORS))
    per_school = school_estimates(ctx, "absence_rate")
    results = pd.concat([*event_results, results_frame(ctx, per_school)], ignore_index=True)
    sections = (
        Section("title", None, title_items(region, f"Regio {region.name}")
                + (Text(region.notes or "_Geen algemene toelichting van de regio opgenomen._"),)),
        Section("schools", "Scholen in de monitor", (
            shown(format_table(tables.school_overview(ctx)), "the region's schools"),
            Text(privacy_note(region)))),
        plan_section(ctx.plan, intro=None),
        Section("event_study", "Verzuim in de regio: effect per schooljaar sinds de start (event study)",
                (Text(_EVENT_STUDY_INTRO),) + tuple(event_sections)),
        Section("per_school", "Verzuim per school", (
            Text(_PER_SCHOOL_INTRO),
            shown(tables.school_estimates_nl(per_school), "the per-school estimates"))),
        _yearly_section(ctx),
        Section("limits", "Wat deze cijfers wel en niet zeggen", (Text(_LIMITS),)),
    )
    results_file = write_results(results, output_dir, region.privacy)
    return RegionReport(context=ctx, results=results, document=Document(sections), results_file=results_file)


def _event_study_section(ctx: Context, key: str, output_dir: str | Path) -> tuple[Section, pd.DataFrame]:
    """One indicator's event study: summary, figure, verdict and caveats; and its results rows."""
    label = indicator_labels()[key]
    es = region_event_study(ctx, key)
    verdict = region_assessment(ctx, es, key)
    fig = figures.plot_event_study(es.event.reset_index().rename(columns={"event_year": "event_time"}),
                                   label=label, percent=True, synthetic=ctx.region.synthetic)
    items: tuple[Item, ...] = (
        Text(es.summary_nl(label.lower(), percent_points=True)),
        render_figure(fig, f"{key}_event_study", output_dir),
        Text(f"**Oordeel: {verdict.verdict}.** {verdict.reason_nl}"),
        Text(caveats_markdown(verdict, es.notes)),
    )
    return Section(key, label, items, level=3), region_results(ctx, key, es, verdict)


def _yearly_section(ctx: Context) -> Section:
    yearly = tables.yearly_table(ctx, indicators=list(REGION_YEARLY_INDICATORS), label_schools=True)
    shown_yearly = rename_protected(yearly_nl(yearly), {"Schooljaar": "School en schooljaar"})
    return Section("yearly", "Indicatoren per schooljaar, alle scholen", (
        Text(_YEARLY_INTRO),
        shown(shown_yearly, "the region's school-year table"),
        Text(privacy_note(ctx.region)),
    ))
