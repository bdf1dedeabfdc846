"""The region report: one call builds the event study, the schools side by side and the
school-year table of a region; ``notebooks/region_report.py`` displays the result.

Examples
--------
>>> from josanalysis.reporting.region_report import build_region_report
>>> report = build_region_report("demoregio")                    # doctest: +SKIP
>>> [s.key for s in report.document.sections]                    # doctest: +SKIP
['title', 'summary', 'event_study', 'pooled_yearly', 'per_school', 'schools', 'yearly', 'theoretisch_kader', 'kwalitatief', 'limits', 'appendix']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from josanalysis.assessment import (
    REGION_PERMUTATIONS,
    REGION_POOLED_YEARLY,
    VERDICTS,
    Context,
    load_context,
    region_assessment,
    region_event_study,
    region_results,
    pooled_yearly,
    region_yearly_results,
    results_frame,
    school_estimates,
)
from josanalysis.privacy import rename_protected, write_results
from josanalysis.reporting import figures, tables
from josanalysis.reporting.document import Item, ReportObject, Section, Text, render_figure
from josanalysis.reporting.framework_section import qualitative_section, region_framework_section
from josanalysis.reporting.presentation import (
    caveats_markdown,
    format_table,
    indicator_labels,
    privacy_note,
    yearly_nl,
)
from josanalysis.reporting.report_parts import (
    APPENDIX_KEY,
    document_with_contents,
    plan_section,
    quietly,
    shown,
    summary_row,
    summary_section,
    in_sentence,
    source_gap,
    summary_without_indicators,
    title_items,
)

__all__ = ["RegionReport", "build_region_report", "EVENT_STUDY_INDICATORS", "REGION_YEARLY_INDICATORS",
           "POOLED_YEARLY_INDICATORS",
           "INDEX_FROM_REGION", "leads_excluding_zero", "lead_caveat_nl"]

#: Monthly indicators of the region's event study (every monthly indicator of the plan).
EVENT_STUDY_INDICATORS = ("absence_rate", "unauthorised_absence_rate", "thuiszitters", "absolute_absence")
#: School-year indicators pooled over the region (staggered DiD, first JOS year and later years).
POOLED_YEARLY_INDICATORS = REGION_POOLED_YEARLY
#: School-year indicators of the region's table of all schools.
REGION_YEARLY_INDICATORS = ("pupils", "youthcare_ambulant", "tlv_vso_cluster4", "placements_facility",
                            "early_leavers", "early_leavers_instelling", "jos_trajectories")

#: The run's index as seen from the region report (``<run>/region/report.html``).
INDEX_FROM_REGION = "../index.html"
#: What the region's estimates are compared with (region wording, not a school's trend).
_BASIS = "scholen die (nog) niet met JOS werkten"

_SUMMARY_INTRO = (
    "Per indicator in één regel: hoe het verzuim op de JOS-scholen in de regio veranderde ten opzichte van de "
    "scholen die (nog) niet met JOS werkten, hoe zeker dat is, het oordeel en de belangrijkste kanttekening. "
    "Het is een vergelijking tussen scholen, geen bewijs dat JOS de oorzaak is.")
_SUMMARY_OUTRO = ("Daaronder: het effect per schooljaar sinds de start, de scholen naast elkaar, de cijfers per "
                  "schooljaar, en in de technische bijlage het analyseplan en de rekenmethode.")
_EVENT_STUDY_INTRO = (
    "Scholen in de regio begonnen in verschillende jaren met JOS (*gespreide invoering*). Daarom vergelijkt de "
    "analyse elke JOS-school per schooljaar sinds haar start met de scholen die op dat moment (nog) niet met "
    "JOS werkten. De jaren vóór de start zijn een controle: daar hoort geen verschil te zijn. De tabel onder "
    "elke grafiek geeft die jaren vóór de start.")
_METHOD = (
    "**Rekenmethode.** Het effect per jaar sinds de start is geschat in twee stappen: eerst is uit de "
    "schoolmaanden zonder JOS bepaald hoe elke school en elke kalendermaand er zonder JOS voor staan; daarna "
    "is het verschil van de JOS-maanden met die verwachting gemiddeld per jaar sinds de start. Omdat er maar "
    "een klein aantal scholen is, zijn de betrouwbaarheidsintervallen niet met een standaardformule bepaald "
    "maar door herhaald trekken: de analyse is vele keren overgedaan met per school willekeurig "
    "omgedraaide afwijkingen, en het interval volgt uit hoe vaak zulke herhalingen een even groot verschil "
    "geven. Een verschil waarvan het interval 'geen verschil' uitsluit, telt bovendien pas als het zelden zo groot "
    f"is wanneer de werkelijke startdatums willekeurig over de scholen worden verdeeld ({REGION_PERMUTATIONS} keer; "
    "een randomisatietoets). Anders luidt het oordeel "
    f"'{VERDICTS['change_within_permutation']}'.")
_PER_SCHOOL_INTRO = (
    "Dezelfde analyse volgens het analyseplan als in de schoolrapporten, naast elkaar. Vergelijk scholen niet op de "
    "hoogte van het effect: de formatie verschilt om historische redenen en de reeksen zijn kort.")
_POOLED_YEARLY_INTRO = (
    "Jeugdhulp, verwijzingen en voortijdig schoolverlaten worden per schooljaar geteld: per school te weinig "
    "punten voor een eigen schatting. Daarom vergelijkt de analyse, net als hierboven, de JOS-scholen per jaar "
    "sinds hun start met de scholen die (nog) niet met JOS werkten, per leerling. Het eerste JOS-jaar staat "
    "apart: door eerdere signalering kunnen verwijzingen en jeugdhulp dan eerst stijgen. Het oordeel over de "
    "latere jaren is de hoofdschatting; het eerste jaar is secundair.")
_YEARLY_INTRO = ("Aantallen leerlingen onder de drempel worden niet getoond (•). Na de start van JOS kunnen "
                 "verwijzingen en jeugdhulp eerst stijgen door eerdere signalering.")
_LIMITS = (
    "Een regionaal gemiddeld effect is een vergelijking tussen scholen met en zonder JOS, geen bewijs dat JOS de "
    "oorzaak is. Scholen verschillen in doelgroep, formatie en geschiedenis; landelijke ontwikkelingen (COVID, "
    "wachtlijsten, meer thuiszitters) spelen overal mee. Een gezamenlijke basisaanpak in de regio is nodig om "
    "uitkomsten goed te kunnen vergelijken.")
_LEAD_CAVEAT = (
    "Al vóór de start verschilden de JOS-scholen van de scholen zonder JOS ({years}): het interval van "
    "{which} sluit nul uit. Dan is de vergelijking na de start niet zuiver; een deel van het verschil kan al "
    "vóór JOS bestaan hebben.")


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
    warnings
        The Python warnings raised while building (for the run log; never shown to a reader).
    """

    context: Context
    results: pd.DataFrame
    results_file: Path | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _EventStudyPart:
    section: Section
    summary: list[dict[str, str]]
    results: pd.DataFrame


def build_region_report(region_id: str, prepared: str = "", output_dir: str | Path = "",
                        params_dir: str | Path = "") -> RegionReport:
    """Build the report of a region: event study, per-school estimates, school-year table.

    Python warnings raised on the way are kept on the report (:attr:`RegionReport.warnings`) and
    never printed.

    Parameters
    ----------
    region_id
        Region id (``params/regions/<region_id>.yaml``).
    prepared
        A batch run's prepared region data (empty: build the panel from the raw files).
    output_dir
        Folder for the figures and ``results.csv``/``results.json`` (empty: write nothing).
    params_dir
        The parameter folder (empty: the project's ``params/``).

    Returns
    -------
    RegionReport
    """
    report, caught = quietly(lambda: _build(region_id, prepared, output_dir, params_dir))
    return RegionReport(context=report.context, results=report.results, results_file=report.results_file,
                        document=report.document, warnings=caught)


def _build(region_id: str, prepared: str, output_dir: str | Path, params_dir: str | Path) -> RegionReport:
    ctx = load_context(region_id, prepared, params_dir)
    region = ctx.region
    gap = source_gap("region.event_study", ctx.panel.present_sources)
    parts = [] if gap else [_event_study_part(ctx, key, output_dir) for key in EVENT_STUDY_INDICATORS
                            if key in ctx.plan.indicators]
    pooled = [_pooled_yearly_part(ctx, key) for key in POOLED_YEARLY_INDICATORS
              if key in ctx.panel.yearly().columns]
    per_school = [] if gap else school_estimates(ctx, "absence_rate")
    results = pd.concat([*(p.results for p in parts + pooled), results_frame(ctx, per_school)], ignore_index=True)
    title = title_items(region, region.title, output_dir, INDEX_FROM_REGION) + (
        Text(region.notes or "_Geen algemene toelichting van de regio opgenomen._"),)
    rows = [row for p in parts + pooled for row in p.summary]
    sections = (
        summary_section(_SUMMARY_INTRO, rows, _SUMMARY_OUTRO) if rows or not gap
        else summary_without_indicators(_SUMMARY_INTRO, gap),
        Section("event_study", "Verzuim en thuiszitters in de regio: effect per schooljaar sinds de start",
                (Text(_EVENT_STUDY_INTRO),) + ((gap,) if gap else tuple(p.section for p in parts))),
        Section("pooled_yearly", "Jeugdhulp en verwijzingen in de regio: eerste JOS-jaar en latere jaren",
                (Text(_POOLED_YEARLY_INTRO),) + tuple(p.section for p in pooled)),
        Section("per_school", "Verzuim per school", (Text(_PER_SCHOOL_INTRO),) + ((gap,) if gap else (
            shown(tables.school_estimates_nl(per_school), "the per-school estimates"),))),
        Section("schools", "Scholen in de monitor", (
            shown(format_table(tables.school_overview(ctx)), "the region's schools"),
            Text(privacy_note(region)))),
        _yearly_section(ctx),
        region_framework_section(ctx, output_dir),
        qualitative_section(ctx, [s.school_id for s in region.schools if s.jos_start is not None], region=True),
        Section("limits", "Wat deze cijfers wel en niet zeggen", (Text(_LIMITS),)),
        Section(APPENDIX_KEY, "Technische bijlage", (plan_section(ctx.plan, intro=None, level=3),
                                                     Text(_METHOD))),
    )
    results_file = write_results(results, output_dir, region.privacy)
    return RegionReport(context=ctx, results=results, document=document_with_contents(title, sections),
                        results_file=results_file)


def leads_excluding_zero(event: pd.DataFrame) -> list[int]:
    """The years before the start (negative event years) whose finite interval excludes zero."""
    leads = event[event.index < 0].dropna(subset=["ci_low", "ci_high"])
    return sorted(int(y) for y, r in leads.iterrows() if r["ci_low"] > 0 or r["ci_high"] < 0)


def lead_caveat_nl(years: list[int]) -> str:
    """The caveat sentence for leads whose interval excludes zero (empty without such leads)."""
    if not years:
        return ""
    names = [f"{-y} jaar vóór de start" for y in sorted(years, reverse=True)]
    which = "dat jaar" if len(names) == 1 else "die jaren"
    return _LEAD_CAVEAT.format(years=", ".join(names), which=which)


def _event_study_part(ctx: Context, key: str, output_dir: str | Path) -> _EventStudyPart:
    """One indicator's event study: summary, figure, leads, verdict and caveats; its summary line
    and its results rows."""
    label = indicator_labels()[key]
    es = region_event_study(ctx, key)
    verdict = region_assessment(ctx, es, key)
    effects = es.event.reset_index().rename(columns={"event_year": "event_time"})
    fig = figures.plot_event_study(effects, label=label, percent=True, synthetic=ctx.region.synthetic)
    # a lead whose interval excludes zero gets its own sentence, unless the pre-trend caveat says it already
    pretrend = any(c.key == "comparison_pretrend" for c in verdict.caveats)
    lead_caveat = "" if pretrend else lead_caveat_nl(leads_excluding_zero(es.event))
    alt = figures.alt_text_event_study(effects, label=label, percent=True)
    items: tuple[Item, ...] = (
        Text(es.summary_nl(in_sentence(label), percent_points=True)),
        render_figure(fig, f"{key}_event_study", output_dir, alt=alt),
        Text("**De jaren vóór de start** (hier hoort geen verschil te zijn):"),
        shown(tables.event_leads_nl(es.event, percent=True, alpha=ctx.plan.alpha), f"the leads of {key}"),
        Text(f"**Oordeel: {verdict.verdict}.** {verdict.reason_nl}"),
        Text(caveats_markdown(verdict, ([lead_caveat] if lead_caveat else []) + list(es.notes))),
    )
    extra = [("ernstig", "al een verschil vóór de start")] if lead_caveat else []
    return _EventStudyPart(Section(key, label, items, level=3),
                           [summary_row(label, verdict, basis=_BASIS, extra=extra)],
                           region_results(ctx, key, es, verdict))


def _pooled_yearly_part(ctx: Context, key: str) -> _EventStudyPart:
    """One school-year indicator pooled over the region: every year with its interval, the
    verdicts on the first JOS year and on the later years."""
    label = indicator_labels()[key]
    r = pooled_yearly(ctx, key)
    lead_caveat = lead_caveat_nl(leads_excluding_zero(r.study.event))
    items: list[Item] = [
        Text("Verschil per leerling met de scholen zonder JOS, per schooljaar:"),
        shown(tables.event_years_nl(r.study.event, percent=True, alpha=ctx.plan.alpha), f"the years of {key}"),
        Text(f"**Eerste JOS-jaar (secundair): {r.first_year.verdict}.** {r.first_year.reason_nl}")]
    rows = [summary_row(f"{label} (eerste JOS-jaar)", r.first_year, basis=_BASIS)]
    if r.later_years is not None:
        items.append(Text(f"**Latere jaren (hoofdschatting): {r.later_years.verdict}.** {r.later_years.reason_nl}"))
        rows.insert(0, summary_row(f"{label} (latere jaren)", r.later_years, basis=_BASIS))
    main = r.later_years or r.first_year
    items.append(Text(caveats_markdown(main, ([lead_caveat] if lead_caveat else []) + list(r.study.notes))))
    return _EventStudyPart(Section(f"{key}_pooled", label, tuple(items), level=3), rows,
                           region_yearly_results(ctx, r))


def _yearly_section(ctx: Context) -> Section:
    gap = source_gap("region.yearly", ctx.panel.present_sources)
    if gap is not None:
        return Section("yearly", "Indicatoren per schooljaar, alle scholen", (Text(_YEARLY_INTRO), gap))
    yearly = tables.yearly_table(ctx, indicators=list(REGION_YEARLY_INDICATORS), label_schools=True)
    shown_yearly = rename_protected(yearly_nl(yearly), {"Schooljaar": "School en schooljaar"})
    return Section("yearly", "Indicatoren per schooljaar, alle scholen", (
        Text(_YEARLY_INTRO),
        shown(shown_yearly, "the region's school-year table"),
        Text(privacy_note(ctx.region)),
    ))
