"""The section *Theoretisch kader* and the section *Kwalitatieve metingen* of the school and region
reports (issue 19).

*Theoretisch kader* shows the chain of Bijlage 1 (inzet → proces → output → outcome) with, per
element, whether it is **gemeten** (the estimate and verdict, linked to the section that shows
them), **kwalitatief** (the structured evidence) or **niet gemeten** (and which source would
measure it), and a figure of the chain coloured by that status. The region report shows the chain
as a matrix of elements × JOS schools.

*Kwalitatieve metingen* shows the team questionnaire, the pupil survey, the exit questionnaire
(young people and parents: response, satisfaction, ervaren opbrengst, why it helped or not), the
trajectories followed to their outcome and the stories — every table through the privacy layer
(:mod:`josanalysis.questions.qualitative`: no mean of fewer than ten respondents).

Examples
--------
>>> from josanalysis.reporting.framework_section import STATUS_COLOURS
>>> sorted(STATUS_COLOURS)
['gemeten', 'kwalitatief', 'niet gemeten']
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyBboxPatch, Patch

from josanalysis.assessment import Assessment, Context, IndicatorAnalysis
from josanalysis.core import formatting as nl
from josanalysis.core.config import School
from josanalysis.core.fte import fte_per_100_pupils
from josanalysis.core.framework import FRAMEWORK, STAGE_NL, STAGE_TITLE_NL, STAGES
from josanalysis.core.indicators import INDICATORS
from josanalysis.core.schoolcalendar import school_year_of
from josanalysis.privacy import certify_without_counts
from josanalysis.questions.framework import ElementStatus, Measured, element_statuses
from josanalysis.questions.qualitative import (
    MIN_RESPONDENTS,
    exit_distribution_nl,
    exit_response_nl,
    pupil_survey_nl,
    stories_of,
    team_survey_nl,
    trajectory_follow_nl,
)
from josanalysis.reporting.document import Item, Section, Text, render_figure
from josanalysis.reporting.figures import SYNTHETIC_MARK, fixed_margins, report_figure
from josanalysis.reporting.report_parts import change_nl, shown

__all__ = ["FRAMEWORK_KEY", "QUALITATIVE_KEY", "STATUS_COLOURS", "STATUS_CODES", "school_measured", "framework_section",
           "region_framework_section", "qualitative_section", "plot_framework", "alt_text_framework"]

FRAMEWORK_KEY, QUALITATIVE_KEY = "theoretisch_kader", "kwalitatief"
#: Fill colour and hatch of a box per status (the hatch keeps the figure readable in grey print).
STATUS_COLOURS: dict[str, tuple[str, str]] = {"gemeten": ("#7fbf7b", ""), "kwalitatief": ("#fdd873", ".."),
                                              "niet gemeten": ("#e5e5e5", "//")}

#: The status as a letter in the region's matrix (a table of words would not fit A4).
STATUS_CODES: dict[str, str] = {"gemeten": "G", "kwalitatief": "K", "niet gemeten": "N"}

_INTRO = (
    "Het monitoronderzoek (Bijlage 1 van het Oberon-rapport) beschrijft JOS als een keten: de *inzet* van "
    "preventieve jeugdhulp op school moet de *processen* in en rond de school veranderen, dat moet een "
    "versterkte sociale basis op school opleveren (*output*) en uiteindelijk perspectief op ontwikkeling "
    "voor iedere jeugdige (*outcome*). Per onderdeel staat hier of het **gemeten** is (met schatting en "
    "oordeel), alleen **kwalitatief** onderbouwd is (vragenlijsten, peilingen, verhalen), of **niet "
    "gemeten** — en welke bron het zou kunnen meten.")
_REGION_INTRO = (
    "Het theoretisch kader (Bijlage 1) per JOS-school: welk onderdeel van de keten is gemeten (er is een "
    "cijferreeks met schatting en oordeel), kwalitatief onderbouwd, of niet gemeten. De schoolrapporten "
    "geven per onderdeel de cijfers en de onderbouwing.")
_QUALITATIVE_INTRO = (
    "De kwalitatieve metingen uit het monitorplan: de jaarlijkse vragenlijst van het jeugd- en schoolteam, "
    "de leerlingpeiling van de school, de exit-vragenlijst bij afronding van een traject (jongere en ouders) "
    "en de verhalen van de school. Gemiddelden en percentages van minder dan "
    f"{MIN_RESPONDENTS} respondenten worden niet getoond (•); kleine aantallen evenmin.")
_ABSENT = "_Niet aangeleverd: {what}. Zie docs/qualitative.md voor het sjabloon._"


def school_measured(school: School, analyses: Sequence[IndicatorAnalysis], yearly: Sequence[Assessment],
                    pupils: float | None = None) -> dict[str, Measured]:
    """What a JOS school report estimated, as :class:`Measured` lines linked to their section
    (``pupils``: the latest pupil count, for the JOS formation per 100 pupils)."""
    out: dict[str, Measured] = {}
    for a in analyses:
        if a.result is not None:
            out[a.indicator.key] = Measured(
                a.indicator.key, f"{_short(a.indicator.label)}: {change_nl(a.assessment.evidence, 'de trend')}, "
                                 f"{a.assessment.verdict}", a.indicator.key)
    for y in yearly:
        label = INDICATORS[y.indicator].label
        out[y.indicator] = Measured(y.indicator, f"{_short(label)}: {y.verdict}", "yearly")
    during = [v for v in school.fte_during.values() if v is not None]
    pupils = pupils or school.pupils
    if during and pupils:
        per_100 = fte_per_100_pupils(sum(during), pupils)
        out["fte_per_100"] = Measured("fte_per_100", f"JOS-formatie tijdens het project: {nl.number(sum(during), 2)} "
                                                     f"fte, {nl.number(per_100, 3)} fte per 100 leerlingen (beschrijvend)",
                                      "profile")
    return out


def _short(label: str) -> str:
    """A label without its explanation in brackets: 'Verzuim (aandeel gemiste lesuren)' -> 'Verzuim'."""
    return label.split(" (")[0].strip() or label


def _element_markdown(s: ElementStatus) -> str:
    """One line per element: status, then the results (one link per section they are in), the
    qualitative evidence, the stories, or the source that would measure it."""
    mark = f" ({s.element.bijlage_mark})" if s.element.bijlage_mark else ""
    by_anchor: dict[str, list[str]] = {}
    for m in s.measured:
        by_anchor.setdefault(m.anchor, []).append(m.line)
    parts = [("Per schooljaar: " if anchor == "yearly" else "") + f"{'; '.join(lines)} ([details](#{anchor}))"
             for anchor, lines in by_anchor.items()]
    parts += list(s.evidence)
    if s.stories:
        titles = ", ".join(f"“{st.title}”" for st in s.stories)
        parts.append(f"Verhaal van de school: {titles} ([lees](#{QUALITATIVE_KEY})).")
    if s.status == "niet gemeten":
        parts.append(f"Te meten met: {s.missing_source}.")
    return f"- **{s.element.label}**{mark} — _{s.status}_: " + " ".join(
        p if p.endswith(".") else p + "." for p in parts)


def plot_framework(statuses: Sequence[ElementStatus], *, title: str, synthetic: bool = False) -> plt.Figure:
    """The chain of Bijlage 1 as four columns of boxes, each coloured by its status."""
    fig, ax = report_figure(figsize=(12, 6.4))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 7.1)
    ax.axis("off")
    for col, stage in enumerate(STAGES):
        ax.text(col + 0.47, 7.05, f"{STAGE_NL[stage]}\n{textwrap.fill(STAGE_TITLE_NL[stage], 30)}", ha="center",
                va="top", fontsize=9, fontweight="bold")
        items = [s for s in statuses if s.element.stage == stage]
        for row, s in enumerate(items):
            colour, hatch = STATUS_COLOURS[s.status]
            y = 6.05 - row * 0.83
            ax.add_patch(FancyBboxPatch((col + 0.04, y - 0.76), 0.86, 0.72, boxstyle="round,pad=0.01",
                                        facecolor=colour, edgecolor="#555555", hatch=hatch, linewidth=0.8))
            ax.text(col + 0.47, y - 0.40, textwrap.fill(s.element.label, 31, max_lines=4, placeholder=" …"),
                    ha="center", va="center", fontsize=7.2,
                    bbox=dict(facecolor="white", alpha=0.75, edgecolor="none", pad=1))
        if col < len(STAGES) - 1:
            ax.annotate("", xy=(col + 1.03, 3.5), xytext=(col + 0.91, 3.5),
                        arrowprops=dict(arrowstyle="-|>", color="#333333", lw=1.5))
    handles = [Patch(facecolor=c, hatch=h, edgecolor="#555555", label=k) for k, (c, h) in STATUS_COLOURS.items()]
    ax.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, -0.04), fontsize=9)
    ax.set_title(title, fontsize=11)
    if synthetic:
        fig.text(0.99, 0.01, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8, color="#b2182b")
    # the boxes are in data coordinates: room for the title above and the legend below
    fixed_margins(fig, left=0.1, right=0.1, top=0.4, bottom=0.6)
    return fig


def alt_text_framework(statuses: Sequence[ElementStatus]) -> str:
    """Dutch alt text of :func:`plot_framework`: which elements have which status, per status."""
    parts = []
    for status in STATUS_COLOURS:
        names = [s.element.label for s in statuses if s.status == status]
        parts.append(f"{status}: {'; '.join(names) if names else 'geen'}")
    return ("Grafiek (schema) van het theoretisch kader van JOS: een keten van inzet via proces en output naar "
            "outcome, elk onderdeel gekleurd naar hoe het gemeten is. " + ". ".join(p[:1].upper() + p[1:] for p in parts) + ".")


def framework_section(ctx: Context, school: School, measured: dict[str, Measured],
                      output_dir: str | Path = "") -> Section:
    """The *Theoretisch kader* of one school."""
    statuses = element_statuses(measured, ctx.panel.tables, school.school_id, ctx.region.privacy.min_count)
    fig = plot_framework(statuses, title=f"{school.name}: theoretisch kader en bewijs", synthetic=ctx.region.synthetic)
    items: list[Item] = [Text(_INTRO), render_figure(fig, "framework", output_dir, alt=alt_text_framework(statuses))]
    counts = {k: sum(s.status == k for s in statuses) for k in STATUS_COLOURS}
    items.append(Text(f"Van de {len(statuses)} onderdelen zijn er {counts['gemeten']} gemeten, "
                      f"{counts['kwalitatief']} kwalitatief onderbouwd en {counts['niet gemeten']} niet gemeten."))
    for stage in STAGES:
        lines = [_element_markdown(s) for s in statuses if s.element.stage == stage]
        items.append(Text(f"**{STAGE_NL[stage]}: {STAGE_TITLE_NL[stage]}**\n\n" + "\n".join(lines)))
    return Section(FRAMEWORK_KEY, "Theoretisch kader", tuple(items))


def _region_measured(ctx: Context, school_id: str) -> dict[str, Measured]:
    """Indicators with data for a school in the panel (the region report does not re-estimate them)."""
    d = ctx.panel.data
    present = set(d.loc[(d["school_id"] == school_id) & d["value"].notna(), "indicator"])
    school = ctx.school(school_id)
    if any(v for v in school.fte_during.values()):
        present.add("fte_per_100")
    return {k: Measured(k, INDICATORS[k].label, "") for k in present if k in INDICATORS}


def region_framework_section(ctx: Context, output_dir: str | Path = "") -> Section:
    """The *Theoretisch kader* of the region: a matrix of elements × JOS schools and the chain of
    the region (an element counts as measured when it is measured at one JOS school or more)."""
    schools = [s for s in ctx.region.schools if s.jos_start is not None]
    matrix = {"Fase": [STAGE_NL[e.stage] for e in FRAMEWORK], "Onderdeel": [e.label for e in FRAMEWORK]}
    per_school = {s.school_id: element_statuses(_region_measured(ctx, s.school_id), ctx.panel.tables, s.school_id,
                                                ctx.region.privacy.min_count) for s in schools}
    for s in schools:
        matrix[s.school_id] = [STATUS_CODES[st.status] for st in per_school[s.school_id]]
    region_status = []
    for i, element in enumerate(FRAMEWORK):
        found = [per_school[s.school_id][i] for s in schools]
        best = min((f.status for f in found), key=list(STATUS_COLOURS).index, default="niet gemeten")
        region_status.append(ElementStatus(element, best, (), (), ()))
    fig = plot_framework(region_status, title=f"{ctx.region.title}: theoretisch kader en bewijs",
                         synthetic=ctx.region.synthetic)
    legend = ", ".join(f"{code} = {status}" for status, code in STATUS_CODES.items()) + ". Scholen: " + \
        "; ".join(f"{s.school_id} = {s.name}" for s in schools)
    table = certify_without_counts(pd.DataFrame(matrix), "the framework matrix")
    return Section(FRAMEWORK_KEY, "Theoretisch kader", (
        Text(_REGION_INTRO), render_figure(fig, "framework", output_dir, alt=alt_text_framework(region_status)),
        shown(table, "the framework matrix", caption="Onderdelen van het theoretisch kader × JOS-scholen"),
        Text(f"_{legend}._")))


def _table_or_absent(table: pd.DataFrame | None, what: str, caption: str) -> Item:
    return Text(_ABSENT.format(what=what)) if table is None else shown(table, what, caption=caption)


def qualitative_section(ctx: Context, school_ids: Sequence[str], *, region: bool = False) -> Section:
    """The *Kwalitatieve metingen* of one school (``[school_id]``) or of the JOS schools pooled.

    The region report shows the exit questionnaire's answers in full; a school report (whose
    numbers are mostly too small to show per answer) shows its response, means and stories."""
    tables, rules = ctx.panel.tables, ctx.region.privacy
    first = {s.school_id: school_year_of(s.jos_start) for s in ctx.region.schools if s.jos_start is not None}
    items: list[Item] = [
        Text(_QUALITATIVE_INTRO),
        Text("**Exit-vragenlijst: respons, tevredenheid en ervaren opbrengst per schooljaar** (jongeren en "
             "ouders; respons als aandeel van de afgeronde cliënt- en monitortrajecten sinds de start van JOS)"),
        _table_or_absent(exit_response_nl(tables, school_ids, rules, first), "the exit questionnaire response",
                         "Exit-vragenlijst per schooljaar"),
    ]
    if region:
        items += [
            Text("**Exit-vragenlijst: de antwoorden** (alle schooljaren samen; waarom het traject wel of niet "
                 "hielp is een gecodeerde reden)"),
            _table_or_absent(exit_distribution_nl(tables, school_ids, rules), "the exit questionnaire answers",
                             "Antwoorden op de exit-vragenlijst")]
    items += [
        Text("**Vragenlijst jeugd- en schoolteam** (procesonderdelen van het theoretisch kader; 1 = helemaal "
             "oneens, 5 = helemaal eens; de laatste twee schooljaren)"),
        _table_or_absent(team_survey_nl(tables, school_ids, rules), "the team questionnaire", "Teamvragenlijst"),
        Text("**Leerlingpeiling** (welbevinden, pedagogisch klimaat, gehoord en begrepen; zoals de school ze uit "
             "haar eigen monitor krijgt; de laatste drie schooljaren"
             + ("; scholen samen, gewogen naar respondenten" if region else "") + ")"),
        _table_or_absent(pupil_survey_nl(tables, school_ids, rules), "the pupil survey", "Leerlingpeiling"),
        Text("**JOS-trajecten gevolgd tot hun uitstroom** (per schooljaar van afronding"
             + ("" if region else " sinds de start van JOS") + ": op school gebleven, "
             "uitgevallen of verwezen naar de tweede lijn; JOS-betrokkenheid bij tweedelijnscasussen; terugval "
             "na de exit-vragenlijst bij monitortrajecten)"),
        _table_or_absent(trajectory_follow_nl(tables, school_ids, rules, None if region else first),
                         "the trajectory follow-up",
                         "Afgeronde trajecten en hun uitstroom"),
    ]
    if not region:
        stories = stories_of(tables, school_ids)
        items.append(Text("**Verhalen en praktijkvoorbeelden van de school**"))
        items += [Text("\n".join(f"- **{st.title}** ({st.author_role}, {nl.numeric_date(pd.Timestamp(st.date))}; bij "
                                  f"_{next(e.label for e in FRAMEWORK if e.key == st.element)}_): {st.text}"
                                  for st in stories) if stories else _ABSENT.format(what="verhalen"))]
    return Section(QUALITATIVE_KEY, "Kwalitatieve metingen", tuple(items))
