"""The school report: one call builds everything a school's report shows, the notebook displays it.

:func:`build_school_report` runs the pre-specified analysis of one school
(:func:`josanalysis.assessment.analyse_school`), draws and saves its figures, formats its tables
through the privacy layer, writes its results files, and returns a :class:`SchoolReport` whose
sections ``notebooks/school_report.py`` displays in order: title with table of contents, the
Samenvatting (one line per indicator), the detail per indicator, the school-year figures, the
school's profile, the *Theoretisch kader* and the *Kwalitatieve metingen*
(:mod:`josanalysis.reporting.framework_section`), the limits, and the technical appendix last. A comparison school (no JOS start) gets a short report
of its own (:mod:`josanalysis.reporting.comparison_report`).

Examples
--------
>>> from josanalysis.reporting.school_report import build_school_report
>>> report = build_school_report("demoregio", "DM0100")          # doctest: +SKIP
>>> [s.key for s in report.document.sections]                    # doctest: +SKIP
['title', 'summary', 'monthly', 'yearly', 'profile', 'theoretisch_kader', 'kwalitatief', 'limits', 'appendix']
>>> report.show()                                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from josanalysis.assessment import (
    Context,
    IndicatorAnalysis,
    analyse_school,
    load_context,
    notes_for,
    results_frame,
    yearly_assessments,
)
from josanalysis.assessment.wording import AUTOCORRELATION_NL, FAMILY_NL
from josanalysis.core import formatting as nl
from josanalysis.core.config import School
from josanalysis.privacy import write_results
from josanalysis.reporting import figures, tables
from josanalysis.reporting.comparison_report import comparison_sections
from josanalysis.reporting.document import Item, ReportObject, Section, Text, render_figure
from josanalysis.reporting.framework_section import framework_section, qualitative_section, school_measured
from josanalysis.reporting.presentation import (
    YEARLY_FIGURE_INDICATORS,
    caveats_markdown,
    indicator_labels,
    privacy_note,
    school_profile,
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

__all__ = ["SchoolReport", "build_school_report", "INDEX_FROM_SCHOOL"]

#: The run's index as seen from a school report (``<run>/schools/<id>/report.html``).
INDEX_FROM_SCHOOL = "../../index.html"

_SUMMARY_INTRO = (
    "Per indicator in één regel: wat er veranderde sinds de start van JOS, hoe zeker dat is, het oordeel en "
    "de belangrijkste kanttekening. Een verandering is hooguit *consistent met* een effect van JOS; dat JOS "
    "de oorzaak is, kunnen deze gegevens niet vaststellen.")
_SUMMARY_OUTRO = ("De details per indicator staan hieronder; de technische bijlage aan het eind geeft het "
                  "analyseplan, de modelcontroles, de placebotoets en de gevoeligheid voor de modelkeuze.")
_PROFILE_INTRO = ("Formatie per functie vóór en tijdens het project. De uren verschillen tussen scholen om "
                  "historische redenen, niet naar behoefte; vergelijk scholen daarom niet op formatie.")
_MONTHLY_INTRO = (
    "Per indicator: de gemeten reeks, het model, en de *voortgezette trend* — wat verwacht werd als de "
    "ontwikkeling van vóór JOS was doorgegaan. Het verschil tussen model en voortgezette trend is de "
    "geschatte verandering. Daarbij staan het oordeel, de kanttekeningen die uit de gegevens volgen, en de "
    "toelichting van het schoolteam (\"het verhaal én de cijfers\").")
_YEARLY_INTRO = (
    "Jeugdhulp, verwijzingen, voortijdig schoolverlaten en JOS-trajecten per schooljaar. Kleine aantallen "
    "leerlingen worden niet getoond (•) om de privacy te beschermen. Direct na de start kan het aantal "
    "verwijzingen en jeugdhulptrajecten *stijgen*: JOS signaleert problemen eerder. Dat is verwacht en geen "
    "teken van falen.")
_LIMITS = (
    "JOS werkt nooit geïsoleerd: ontwikkelingen in onderwijs en samenleving (COVID, wachtlijsten in de "
    "jeugdhulp, de landelijke stijging van het aantal thuiszitters) bewegen dezelfde indicatoren. Een "
    "verandering na de start is daarom hooguit *consistent met* een effect van JOS; dat JOS de oorzaak is, "
    "kunnen deze gegevens niet vaststellen. Lees de cijfers samen met het verhaal van de school.")
_APPENDIX_INTRO = (
    "Voor wie de analyse wil controleren: het analyseplan (en of het vooraf is vastgelegd) en per indicator het "
    "onderscheidend vermogen, de modeldiagnostiek, de placebotoets (nepstartdatums vóór de echte start) en "
    "de gevoeligheid voor de modelkeuze.")


@dataclass(frozen=True)
class SchoolReport(ReportObject):
    """Everything a school report shows, built by :func:`build_school_report`.

    Attributes
    ----------
    context
        Region, analysis plan and panel the report was built from.
    school
        The school.
    analyses
        The pre-specified analysis of every monthly indicator (fits, checks, verdicts).
    results
        The machine-readable results (one row per estimate), as written to ``results.csv``.
    results_file
        Where the results were written (None without an output folder).
    warnings
        The Python warnings raised while building (for the run log; never shown to a reader).
    """

    context: Context
    school: School
    analyses: tuple[IndicatorAnalysis, ...]
    results: pd.DataFrame
    results_file: Path | None
    warnings: tuple[str, ...] = ()


def build_school_report(region_id: str, school_id: str, prepared: str = "",
                        output_dir: str | Path = "", params_dir: str | Path = "") -> SchoolReport:
    """Build the report of one school: analysis, figures, tables and results files.

    Python warnings raised on the way (a singular matrix in a sensitivity variant, say) are kept
    on the report (:attr:`SchoolReport.warnings`) and never printed.

    Parameters
    ----------
    region_id
        Region whose parameters (``params/regions/<region_id>.yaml``) name the school.
    school_id
        DUO vestigingscode of the school.
    prepared
        A batch run's prepared region data (empty: build the panel from the raw files).
    output_dir
        Folder for the figures and ``results.csv``/``results.json`` (empty: write nothing).
    params_dir
        The parameter folder (empty: the project's ``params/``).

    Returns
    -------
    SchoolReport
    """
    report, caught = quietly(lambda: _build(region_id, school_id, prepared, output_dir, params_dir))
    return SchoolReport(context=report.context, school=report.school, analyses=report.analyses,
                        results=report.results, results_file=report.results_file, document=report.document,
                        warnings=caught)


def _build(region_id: str, school_id: str, prepared: str, output_dir: str | Path,
           params_dir: str | Path) -> SchoolReport:
    ctx = load_context(region_id, prepared, params_dir)
    school = ctx.school(school_id)
    monthly_gap = source_gap("school.monthly", ctx.panel.present_sources)
    analyses = () if monthly_gap else tuple(analyse_school(ctx, school_id))
    results = results_frame(ctx, list(analyses))
    title = title_items(ctx.region, f"{school.name} ({school.school_id}) — {ctx.region.name}", output_dir,
                        INDEX_FROM_SCHOOL)
    if school.jos_start is None:
        sections = comparison_sections(ctx, school, analyses, output_dir)
    else:
        sections = (
            summary_without_indicators(_SUMMARY_INTRO, monthly_gap) if monthly_gap else
            summary_section(_SUMMARY_INTRO, [summary_row(a.indicator.label, a.assessment) for a in analyses],
                            _SUMMARY_OUTRO),
            Section("monthly", "Indicatoren per maand: onderbroken tijdreeks",
                    (Text(_MONTHLY_INTRO),) + ((monthly_gap,) if monthly_gap else tuple(
                        _indicator_section(ctx, school, a, output_dir) for a in analyses))),
            _yearly_section(ctx, school, output_dir),
            _profile_section(school),
            framework_section(ctx, school, school_measured(school, analyses, yearly_assessments(ctx, school_id),
                                                           ctx.latest_pupils().get(school_id)), output_dir),
            qualitative_section(ctx, [school_id]),
            Section("limits", "Wat deze cijfers wel en niet zeggen", (Text(_LIMITS),)),
            Section(APPENDIX_KEY, "Technische bijlage",
                    (Text(_APPENDIX_INTRO), plan_section(ctx.plan, level=3))
                    + tuple(_technical_section(ctx, school, a, output_dir) for a in analyses)),
        )
    results_file = write_results(results, output_dir, ctx.region.privacy)
    return SchoolReport(context=ctx, school=school, analyses=analyses, results=results,
                        document=document_with_contents(title, sections), results_file=results_file)


def _profile_section(school: School) -> Section:
    return Section("profile", "De school en de inzet van JOS", (
        Text(_PROFILE_INTRO),
        shown(school_profile(school), "the school profile"),
        Text(school.notes or "_Geen algemene toelichting opgenomen._"),
    ))


def _indicator_section(ctx: Context, school: School, a: IndicatorAnalysis, output_dir: str | Path) -> Section:
    """One monthly indicator: what changed (text, figure, effects), verdict, caveats and the team's note."""
    items: list[Item] = []
    if a.result is None:
        items.append(Text(f"**Oordeel: {a.assessment.verdict}.** {a.problem}"))
    else:
        label, region = a.indicator.label, ctx.region
        drawing = dict(label=label, start=school.jos_start, percent=a.percent, covid_windows=ctx.plan.covid_windows,
                       suppress_below=region.privacy.min_count if a.indicator.is_count else None)
        fig = figures.plot_its(a.result, synthetic=region.synthetic, **drawing)
        alt = figures.alt_text_its(a.result, **drawing)
        items += [
            Text(a.result.summary_nl(label=in_sentence(label), percent_points=a.percent)),
            render_figure(fig, f"{a.indicator.key}_its", output_dir, alt=alt),
            shown(tables.effects_nl(a), f"the effects of {a.indicator.key}"),
            Text(f"**Oordeel: {a.assessment.verdict}.** {a.assessment.reason_nl}"),
        ]
    items.append(Text(caveats_markdown(a.assessment, a.extra_notes)))
    items.append(Text("**Toelichting van het schoolteam.** " + a.note))
    return Section(a.indicator.key, a.indicator.label, tuple(items), level=3)


def _technical_section(ctx: Context, school: School, a: IndicatorAnalysis, output_dir: str | Path) -> Section:
    """The appendix of one monthly indicator: model, power, diagnostics, placebo and sensitivity."""
    label, spec = a.indicator.label, a.spec
    items: list[Item] = [Text(
        f"**Model.** {FAMILY_NL.get(spec.family, spec.family)}; correctie voor autocorrelatie: "
        f"{AUTOCORRELATION_NL.get(spec.autocorrelation, spec.autocorrelation)}; aanloopperiode "
        f"{spec.lag} maanden.")]
    if a.result is None:
        return Section(f"{a.indicator.key}_technisch", label, tuple(items) + (Text(a.problem or ""),), level=3)
    if a.mde is not None:
        items.append(Text("**Onderscheidend vermogen.** " + a.mde.summary_nl(percent_points=a.percent)))
    items.append(Text("**Modeldiagnostiek** (resterende autocorrelatie en overdispersie):"))
    items.append(shown(tables.diagnostics_nl(a), f"the diagnostics of {a.indicator.key}"))
    if a.placebo is not None:
        estimates = a.placebo.estimates()
        actual = a.placebo.actual.loc[a.placebo.term, "estimate"]
        fig = figures.plot_placebo(estimates, actual, label=label, percent=a.percent, synthetic=ctx.region.synthetic)
        alt = figures.alt_text_placebo(estimates, actual, label=label, percent=a.percent)
        items += [Text("**Placebotoets.** " + a.placebo.summary_nl()),
                  render_figure(fig, f"{a.indicator.key}_placebo", output_dir, alt=alt)]
    if a.sensitivity is not None:
        items += [Text("**Gevoeligheid** voor aanloopperiode, model en autocorrelatiemethode:"),
                  shown(tables.sensitivity_nl(a, ctx.plan), f"the sensitivity table of {a.indicator.key}")]
    return Section(f"{a.indicator.key}_technisch", label, tuple(items), level=3)


def _yearly_section(ctx: Context, school: School, output_dir: str | Path) -> Section:
    title = "Indicatoren per schooljaar"
    gap = source_gap("school.yearly", ctx.panel.present_sources)
    if gap is not None:
        return Section("yearly", title, (Text(_YEARLY_INTRO), gap))
    yearly = tables.yearly_table(ctx, school.school_id)
    labels = indicator_labels()
    fig = figures.plot_yearly(yearly, YEARLY_FIGURE_INDICATORS, labels, start=school.jos_start,
                              synthetic=ctx.region.synthetic, title=f"{school.name}: indicatoren per schooljaar")
    alt = figures.alt_text_yearly(yearly, YEARLY_FIGURE_INDICATORS, labels, start=school.jos_start)
    notes = tuple(Text(f"**{labels[key]}** — toelichting: {notes_for(key, school, ctx.region)}")
                  for key in YEARLY_FIGURE_INDICATORS)
    return Section("yearly", title, (
        Text(_YEARLY_INTRO),
        shown(yearly_nl(yearly), "the school-year table"),
        Text(privacy_note(ctx.region)),
        render_figure(fig, "yearly", output_dir, alt=alt),
        Text("**Oordeel en kanttekeningen per indicator** (reeksen van een paar schooljaren zijn te kort voor "
             "een effectschatting; de kanttekeningen gelden wel):"),
        shown(tables.yearly_assessments_nl(yearly_assessments(ctx, school.school_id)),
              "the school-year verdicts"),
    ) + notes)
