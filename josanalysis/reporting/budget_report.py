"""The budget report as one object: capacity, ZiO budget, out-of-region pupils and return.

:func:`build_budget_report` does all the work in one call: it gathers the inputs
(:func:`josanalysis.questions.budget_inputs.load_budget_report_data`), computes every table with
:mod:`josanalysis.questions`, passes each table through :mod:`josanalysis.privacy` before anything
shows it, draws the figures, and writes the results files (``<name>.csv`` per table and
``results.json``) and the figures (``figures/<name>.svg``) to ``output_dir``. The notebook
``notebooks/budget_report.py`` only displays the :class:`BudgetReport`'s sections.

The sections are those of every report object (:mod:`josanalysis.reporting.document`): the banner,
a **Samenvatting** with the table of contents and the key number of each part, the parts (text,
narrow protected tables in Dutch notation, figures with Dutch alt text), and a **Bijlage** with the
tables per school (the wide ones), so that the report prints on a few A4 pages. A shown table may
leave out columns (:func:`josanalysis.privacy.drop_protected`); the results files hold every column.

Examples
--------
>>> report = build_budget_report("demoregio", output_dir="outputs/demoregio/budget")   # doctest: +SKIP
>>> [s.key for s in report.document.sections]                                                 # doctest: +SKIP
['regio', 'samenvatting', 'capaciteit', 'budget', 'herkomst', 'rendement', 'aanbieder', 'toelichting', 'bijlage']
>>> report.show()                                                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import matplotlib.figure

from josanalysis.core import formatting as nl
from josanalysis.core.config import PARAMS_DIR, Region, load_region
from josanalysis.core.datasources import missing_sentence_nl
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.indicators import RENDEMENT_INDICATORS
from josanalysis.assessment import load_context
from josanalysis.panel import load_panel
from josanalysis.privacy import (apply_privacy, drop_protected, format_for_report, hide_dependent, privacy_footnote,
                                 rename_protected, select_rows_protected, write_tables)
from josanalysis.questions.budget import DUTCH_HEADERS as BUDGET_HEADERS
from josanalysis.questions.budget import BudgetSection, budget_section, relative_youthcare_share
from josanalysis.questions.budget_assumptions import CHARACTERISTIC_LABELS
from josanalysis.questions.budget_inputs import BudgetReportData, load_budget_report_data
from josanalysis.questions.catchment import CATCHMENT_MEASURE, estimate_youthcare
from josanalysis.questions.carelevel import CareWeightVerdict, care_weight_verdicts
from josanalysis.questions.capacity import capacity_assumptions_text, capacity_table, minimum_fte_from_region
from josanalysis.questions.outofregion import contribution_rule_from_region, out_of_region, propose_contributions
from josanalysis.questions.outofregion import report_tables as out_of_region_tables
from josanalysis.questions.provider import provider_figures, provider_report_table
from josanalysis.questions.rendement import qualitative_notes, rendement_table
from josanalysis.questions.rendement_tables import report_tables as rendement_tables
from josanalysis.reporting.budget_money import Part, care_weight_part, cost_part
from josanalysis.reporting.budget_figures import alt_text_budget, alt_text_capacity, plot_budget, plot_capacity
from josanalysis.reporting.document import (Document, Figure, Notice, ReportObject, Section, Table, Text, back_link,
                                            render_figure)
from josanalysis.reporting.presentation import banner
from josanalysis.reporting.tables import hidden_cells, protected_yearly

__all__ = ["BudgetReport", "build_budget_report", "table_item"]

_HOURS = {"uur/week eerder": 1, "uur/week tijdens": 1}

#: Heading level, title and introduction of each section (written for readers who did not run the report).
_INTROS: dict[str, tuple[int, str, str]] = {
    'jeugdhulp_schatting': (3, 'Geschatte jeugdhulp onder de leerlingen (naar woongemeente)', ''),
    'capaciteit': (2, '1. Capaciteit: fte per functie per school',
        'De drie JOS-functies: gedragswetenschapper JGGZ-VO (GW), jeugd- en gezinscoach VO (JGC) en preventief ambulant jeugdhulpverlener VO (PAJ). "Eerder" is de inzet vóór de start van JOS, "tijdens" de inzet in het project. "n.v.t." betekent dat de functie op die school niet wordt ingezet (geen nul, maar geen onderdeel van de opzet).\n\n**Let op bij het vergelijken:** de verschillen in inzet tussen scholen zijn historisch gegroeid (afspraken, eerdere pilots, de match tussen medewerker en school) en niet op zorgzwaarte gebaseerd. Een school met meer fte per leerling is dus niet "beter bediend" naar behoefte, en verschillen in uitkomsten mogen niet aan de hoeveelheid inzet worden toegeschreven.'),
    'budget': (2, '2. Collectief budget: huidig, herijkt en overgangspad',
        'Het collectieve budget (Zorg in Onderwijstijd) volgt in de praktijk vaak eerdere afspraken en pilots, niet de zorgzwaarte. Hieronder staat wat een herijking op leerlingaantal en kenmerken van de leerlingpopulatie zou opleveren, budgetneutraal (het totaal blijft gelijk), met een geleidelijk overgangspad. De gewichten zijn **aannames** van de regio, geen uitkomst van dit rapport; ze worden hieronder genoemd.'),
    'herkomst': (2, '5. Leerlingen van buiten de regio',
        'Gemeenten buiten de regio betalen niet vanzelf mee aan de collectieve inzet. Daarom tellen we per school hoeveel leerlingen in een gemeente buiten de regio wonen (DUO, leerlingen naar postcode en gemeente), en rekenen een voorstel voor een bijdrage per gemeente uit volgens de verdeelregel van de regio. DUO toont kleine aantallen als "<5": die tellen hier als 2, met het bereik 1 tot 4 ernaast.'),
    'rendement': (2, '6. Rendement: vaste indicatoren per school en regio',
        'De factsheet adviseert het rendement jaarlijks zichtbaar te maken met vaste indicatoren: thuiszitters, in-, door- en uitstroom, procedures en administratieve lasten, ziekteverzuim, lerarentekort en -verloop, werkplezier, en de hulp die leerlingen buiten school krijgen. De trends zijn beschrijvend (verschil tussen eerste en laatste jaar, en de trend per jaar); ze zeggen niet dát JOS het verschil heeft gemaakt. Vroegsignalering kan verwijzingen en jeugdhulp in de eerste jaren juist laten stijgen.'),
    'aanbieder': (3, 'Registratie van de aanbieder',
        'Trajecten per type per 100 leerlingen, het aandeel verwezen naar de tweede lijn, de uitstroom, de tevredenheid bij afsluiting en terugval tijdens een monitortraject (de tabel per school staat in de bijlage). De registratie van de aanbieder bestaat al van vóór JOS en is met JOS veranderd: een breuk in de reeks hoeft geen effect te zijn.'),
    'samenvatting': (2, 'Samenvatting',
        'De belangrijkste uitkomsten van elk deel van dit rapport in een regel. De tabellen per school staan in de bijlage.'),
    'bijlage': (2, 'Bijlage: tabellen per school',
        'De gedetailleerde tabellen per school, waarop de hoofdstukken hierboven zijn gebaseerd. Alle kolommen staan ook in de resultaatbestanden bij dit rapport.'),
    'toelichting': (3, 'Het verhaal bij de cijfers',
        'Cijfers zijn "leeg" zonder de toelichting van scholen en professionals: een snelle verwijzing kan de juiste uitkomst zijn. Hieronder de toelichtingen die de regio en de scholen hebben gegeven.'),
}


@dataclass(frozen=True)
class BudgetReport(ReportObject):
    """A region's budget report, computed, protected and written.

    Attributes
    ----------
    region
        The region.
    data
        The inputs (:class:`~josanalysis.questions.budget_inputs.BudgetReportData`).
    tables
        Every protected table written as a results file, by file name (without ``.csv``).
    figures
        The figures by name (``capaciteit``, ``budget``).
    written
        Files written to ``output_dir`` (tables, ``results.json`` and figures); empty without it.
    output_dir
        Where they were written (empty: nothing written).
    """

    region: Region
    data: BudgetReportData
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)
    written: tuple[Path, ...] = ()
    output_dir: str = ""

    def written_text(self) -> str:
        """One Dutch sentence on what was written (empty when nothing was).

        It names no folder: in a batch ``output_dir`` is a temporary folder that is moved into place
        after the notebook ran, so its path means nothing to a reader (it once reached the report
        through this sentence)."""
        if not self.output_dir:
            return ""
        n_figures = sum(1 for p in self.written if p.suffix == ".svg")
        return (f"{len(self.written) - n_figures} bestanden en {n_figures} figuren geschreven naar de map van dit "
                "rapport")


def table_item(table: pd.DataFrame, decimals: int = 1, **column_decimals: int) -> Table:
    """A protected table as a report table in Dutch notation.

    ``decimals`` applies to all non-integer numbers; ``column_decimals`` overrides it per column
    (columns the table does not have are ignored).
    """
    known = {k: v for k, v in column_decimals.items() if k in table.columns}   # a shown table may omit columns
    return Table(format_for_report(table, decimals=decimals, column_decimals=known))


@dataclass
class _Context:
    """What every section builder reads, and where the tables and figures are collected."""

    region: Region
    data: BudgetReportData
    names: dict[str, str]
    jos_ids: list[str]
    output_dir: str | Path = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    budget: BudgetSection | None = None
    summary: dict[str, str] = field(default_factory=dict)
    appendix: list[Any] = field(default_factory=list)
    hidden_elsewhere: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    verdicts: list[CareWeightVerdict] = field(default_factory=list)


def _hidden_in_school_reports(region: Region, prepared: str, params_dir: str | Path) -> dict[str, set[tuple[str, str]]]:
    """Per return indicator, the school-year cells the school and region reports hide for the same
    counts (:func:`~josanalysis.reporting.tables.protected_yearly`); empty without data."""
    if not prepared and not region.data_dir.is_dir():
        return {}
    yearly = protected_yearly(load_panel(region.region_id, prepared, params_dir or PARAMS_DIR), region)
    return {r.key: hidden_cells(yearly, r.panel_key) for r in RENDEMENT_INDICATORS
            if r.panel_key is not None and r.panel_key in yearly.columns}


def build_budget_report(region_id: str, prepared: str = "", output_dir: str = "",
                        params_dir: str | Path = "") -> BudgetReport:
    """Build the budget report of a region: every table protected, figures drawn, files written.

    Parameters
    ----------
    region_id
        The region (file name under ``params/regions/``).
    prepared
        The prepared panel folder a batch run made (empty: read the region's data folder).
    output_dir
        Folder for the results files (``<name>.csv``, ``results.json``) and ``figures/``; empty
        writes nothing.
    params_dir
        The parameter folder (empty: the project's ``params/``).

    Returns
    -------
    BudgetReport

    Examples
    --------
    >>> report = build_budget_report("regio-alkmaar")          # doctest: +SKIP
    >>> report.section("budget").items[0][:30]                   # doctest: +SKIP
    'Voor het ZiO-budget ontbreken g'
    """
    region = load_region(region_id, params_dir or PARAMS_DIR, skip_invalid_schools=True)  # a bad school fails alone
    ctx = _Context(region=region, data=load_budget_report_data(region, prepared),
                   names={s.school_id: s.name for s in region.schools},
                   jos_ids=[s.school_id for s in region.jos_schools], output_dir=output_dir,
                   hidden_elsewhere=_hidden_in_school_reports(region, prepared, params_dir),
                   verdicts=_care_verdicts(region, prepared, params_dir))
    parts = (_capacity_section(ctx), _budget_section(ctx),
             _part(ctx, "kosten", cost_part(region, ctx.data, ctx.budget, ctx.names)),
             _part(ctx, "zorgzwaarte", care_weight_part(region, ctx.data, ctx.names, ctx.verdicts)),
             _out_of_region_section(ctx), _catchment_section(ctx), _rendement_section(ctx), _provider_section(ctx),
             _notes_section(ctx))
    appendix = _section("bijlage", "Bijlage: tabellen per school", items=tuple(ctx.appendix))
    summary = _section("samenvatting", "Samenvatting")
    sections = (_region_section(ctx), summary) + parts + (appendix,)
    sections = tuple(_summary_section(ctx, Document(sections)) if s.key == "samenvatting" else s for s in sections)
    written = tuple(write_tables(ctx.tables, output_dir))
    if output_dir:
        written += tuple(Path(output_dir) / "figures" / f"{name}.svg" for name in ctx.figures)
    return BudgetReport(region=region, data=ctx.data, document=Document(sections), tables=dict(ctx.tables),
                        figures=dict(ctx.figures), written=written, output_dir=str(output_dir or ""))


def _care_verdicts(region: Region, prepared: str, params_dir: str | Path) -> list[CareWeightVerdict]:
    """The region's verdicts on light and heavy indications per pupil (none without data)."""
    if not prepared and not region.data_dir.is_dir():
        return []
    return care_weight_verdicts(load_context(region.region_id, prepared, params_dir))


def _part(ctx: _Context, key: str, part: Part) -> Section:
    """Collect a part's tables, Samenvatting line and Bijlage tables; return its section."""
    ctx.tables.update(part.tables)
    if part.summary:
        ctx.summary[key] = part.summary
    ctx.appendix += list(part.appendix)
    return part.section


def _figure(ctx: _Context, name: str, fig: matplotlib.figure.Figure, alt: str) -> Figure:
    """Render a figure with its Dutch alt text (saved under ``figures/`` when there is an output folder)."""
    ctx.figures[name] = render_figure(fig, name, ctx.output_dir, alt=alt)
    return ctx.figures[name]


def _shown(table: pd.DataFrame, drop: tuple[str, ...] = (), *, empty_years: bool = False) -> pd.DataFrame:
    """A protected table as shown: without ``drop`` columns (ids, helper columns) and, with
    ``empty_years``, without school-year columns that hold no value and hide none (years before a
    source began). The results files keep every column."""
    hidden = table.attrs.get("privacy_suppressed", {})
    gone = [c for c in drop if c in table.columns]
    if empty_years:
        gone += [c for c in table.columns if str(c)[:4].isdigit() and "-" in str(c)
                 and table[c].isna().all() and not hidden.get(str(c))]
    return drop_protected(table, gone) if gone else table


def _summary_section(ctx: _Context, document: Document) -> Section:
    """The Samenvatting: back link, table of contents and one line per part (key numbers only;
    counts of pupils appear only as shares of totals that passed the privacy threshold)."""
    order = (("capaciteit", "Capaciteit"), ("budget", "Budget"), ("kosten", "Kosten"), ("zorgzwaarte", "Zorgzwaarte"),
             ("herkomst", "Herkomst"), ("rendement", "Rendement"))
    lines = [f"- **{title}:** {ctx.summary.get(key, 'geen gegevens; zie het hoofdstuk hieronder.')}"
             for key, title in order]
    items: list[Any] = [back_link("../index.html")] if ctx.output_dir else []
    items += [document.contents(), "\n".join(lines)]
    return _section("samenvatting", "Samenvatting", items=tuple(items))


def _section(key: str, title: str, intro: str = "", items: tuple[Any, ...] = ()) -> Section:
    """A section with the notebook's former prose (:data:`_INTROS`) first, then ``intro`` and the items
    (text as :class:`Text`)."""
    level, heading, prose = _INTROS.get(key, (2, title, ""))
    texts = tuple(Text(x) for x in (prose, intro) if x)
    return Section(key, heading, texts + tuple(Text(i) if isinstance(i, str) else i for i in items), level=level)


def _region_section(ctx: _Context) -> Section:
    reg = ctx.region
    mark = banner(reg)
    items: list[Any] = [] if mark is None else [Notice(mark._repr_html_())]
    items.append(f"**Regio:** {str(reg.name)} — {nl.integer(len(ctx.jos_ids))} JOS-scholen, "
                 f"{nl.integer(len(reg.comparison_ids))} vergelijkingsscholen. {str(reg.notes or '')}")
    return Section("regio", None, tuple(Text(i) if isinstance(i, str) else i for i in items))


def _capacity_section(ctx: _Context) -> Section:
    data, rules, names = ctx.data, ctx.region.privacy, ctx.names
    title = "Capaciteit: fte per functie per school"
    if data.fte is None:
        return _section("capaciteit", title, items=(data.missing["capaciteit"],))
    minimum, hours = minimum_fte_from_region(ctx.region)
    cap = capacity_table(data.fte[data.fte["school_id"].isin(ctx.jos_ids)],
                         data.pupils if data.pupils is not None else {}, hours_per_fte=hours, minimum_fte=minimum)
    # a school's pupil total is published by DUO: small totals are hidden, no secondary suppression needed
    per_school = apply_privacy(cap.to_report(names, which="per_school"), rules, count_columns=["leerlingen"],
                               secondary=False)
    per_function = apply_privacy(cap.to_report(names, which="table"), rules, count_columns=["leerlingen"],
                                 secondary=False)
    spread = apply_privacy(cap.to_report(which="spread"), rules)
    ctx.tables.update(capaciteit_per_school=per_school, capaciteit_per_functie=per_function,
                      capaciteit_spreiding=spread)
    no_minimum = () if minimum else ("functies onder minimum", "minimum fte", "onder minimum")
    hours = ("uur/week eerder", "uur/week tijdens")
    items: list[Any] = [
        "**Totaal per school (alle JOS-functies samen)**",
        table_item(_shown(per_school, ("vestiging",) + hours + no_minimum), 3),
        "**Spreiding tussen scholen** (variatiecoëfficiënt = standaardafwijking / gemiddelde; "
        "alleen scholen waar de functie wordt ingezet)", table_item(spread, 3),
        "De inzet per school en functie staat in de bijlage.",
    ]
    ctx.appendix += ["**Capaciteit per school en functie**",
                     table_item(_shown(per_function, ("vestiging", "leerlingen") + no_minimum), 3, **_HOURS)]
    _capacity_summary(ctx, cap.per_school)
    below = cap.below_minimum
    if len(below):
        lines = [f"- {str(names.get(r.school_id, r.school_id))}: {r.function} {nl.number(r.fte_during, 3)} fte "
                 f"(minimum {nl.number(r.minimum_fte, 3)})" for r in below.itertuples()]
        items.append("**Onder het ingestelde minimum:**\n\n" + "\n".join(lines))
    elif minimum:
        items.append("Geen school zit onder het ingestelde minimum per functie.")
    no_pupils = cap.per_school.loc[cap.per_school["pupils"].isna(), "school_id"].tolist()
    if no_pupils:
        items.append("Zonder leerlingaantal, dus zonder fte per 100 leerlingen (en niet in de figuur): "
                     + ", ".join(str(names.get(s, s)) for s in no_pupils) + ".")
    per_100 = bool(cap.per_school["fte_per_100_during"].notna().any())
    items.append(_figure(ctx, "capaciteit", plot_capacity(cap, names, per_100=per_100),
                         alt_text_capacity(cap, names, per_100=per_100)))
    intro = (f"Bron fte: {data.fte_source}. Bron leerlingaantallen: {data.pupils_source or 'geen'}. "
             f"{capacity_assumptions_text(ctx.region)}")
    return _section("capaciteit", title, intro, tuple(items))


def _capacity_summary(ctx: _Context, per_school: pd.DataFrame) -> None:
    """The Samenvatting's capacity line: the range of FTE per 100 pupils during JOS (no counts)."""
    fte = per_school.set_index("school_id")["fte_per_100_during"].dropna()
    if fte.empty:
        ctx.summary["capaciteit"] = "zonder leerlingaantallen is de inzet per 100 leerlingen niet te berekenen."
        return
    lo, hi = fte.idxmin(), fte.idxmax()
    ctx.summary["capaciteit"] = (
        f"tijdens JOS van {nl.number(fte[lo], 2)} fte per 100 leerlingen ({str(ctx.names.get(lo, lo))}) tot "
        f"{nl.number(fte[hi], 2)} ({str(ctx.names.get(hi, hi))}); de verschillen zijn historisch gegroeid, "
        "niet naar zorgzwaarte.")


def _budget_section(ctx: _Context) -> Section:
    data, rules, names = ctx.data, ctx.region.privacy, ctx.names
    title = "Collectief budget: huidig, herijkt en overgangspad"
    if data.budget is None:
        return _section("budget", title, items=(data.missing["budget"],))
    if data.pupils is None:
        return _section("budget", title, items=(
            data.missing.get("leerlingen", "Zonder leerlingaantallen is geen herijking mogelijk."),))
    section = ctx.budget = budget_section(ctx.region, data.budget, data.pupils,
                                          group_characteristics=_measured_characteristics(ctx))
    recal_shown, path_shown, small = protected_budget_tables(section, names, rules)
    last = section.path[section.path["year"] == section.path["year"].max()].set_index("school_id")
    ctx.tables.update(budget_herijking=recal_shown, budget_overgangspad=path_shown)
    items: list[Any] = []
    if section.comparison:
        items.append("Vergelijkingsscholen hebben geen JOS-budget en doen niet mee in de herijking; het budgetbestand "
                     "noemt " + ", ".join(str(names.get(s, s)) for s in section.comparison) + ", die hier als "
                     "vergelijkingsschool buiten beschouwing blijven.")
    items.append(_groups_text(section))
    if section.left_out:
        items.append("Zonder leerlingaantal, dus niet herijkt: "
                     + ", ".join(str(names.get(s, s)) for s in section.left_out) + ".")
    unweighted = bool((section.recalibrated["need_index"] == 1).all())
    drop = ("vestiging", "huidig budget (€)", "herijkt budget (€)") + (
        ("zorgindex", "gewogen leerlingen") if unweighted else ())
    items += [
        "**Huidig en herijkt budget per school** (per leerling; het verschil in euro per jaar)",
        table_item(_shown(rename_protected(recal_shown, BUDGET_HEADERS), drop), 0, **{
            "huidig per leerling (€)": 2, "zorgindex": 2, "herijkt per leerling (€)": 2, "verschil (%)": 1,
            "herijkt naar doelgroepen per leerling (€)": 2, "verschil doelgroepen (%)": 1}),
        "**Overgangspad per jaar** (het eerste jaar is het huidige budget)",
        table_item(_shown(path_shown, ("vestiging",)), 0),
    ]
    _budget_summary(ctx, section, last)
    if (last["gap_eur"].abs() > 0.5).any():
        items.append("Binnen het ingestelde maximum per jaar haalt niet elke school het herijkte budget in "
                     f"{section.config.years} jaar; de kolom 'nog te gaan' toont het verschil dat overblijft.")
    drawn = section.recalibrated[~section.recalibrated["school_id"].isin(small)]
    path = section.path[~section.path["school_id"].isin(small)]
    if small:
        items.append("De figuur laat " + ", ".join(str(names.get(s, s)) for s in sorted(small))
                     + " weg: bij zo weinig leerlingen zou het bedrag per leerling het aantal verraden.")
    items.append(_figure(ctx, "budget", plot_budget(drawn, path, names, per_pupil=True),
                         alt_text_budget(drawn, path, names, per_pupil=True)))
    intro = f"Huidig budget: jaar {section.year}. {section.assumptions_text()}"
    return _section("budget", title, intro, tuple(items))


def _measured_characteristics(ctx: _Context) -> pd.DataFrame | None:
    """The estimated youth-care share of each JOS school's pupils from their home municipalities
    (relative to the schools' mean), when DUO pupils by home municipality and CBS 85098NED are there."""
    data = ctx.data
    if data.home_municipality is None or data.cbs is None or CATCHMENT_MEASURE not in set(data.cbs["measure"]):
        return None
    try:
        est = estimate_youthcare(data.home_municipality, data.cbs, schools=ctx.jos_ids)
    except DataError:
        return None          # the catchment section says why
    return relative_youthcare_share(est.per_school)


def _groups_text(section: BudgetSection) -> str:
    """What the pupil-characteristics variant weighed, and what it could not."""
    used = ", ".join(f"{CHARACTERISTIC_LABELS.get(k, k)} {nl.number(v, 2)}"
                     for k, v in section.groups_weights.items()) or "geen"
    lacking = (" Niet meegewogen, want niet voor elke school bekend: "
               + ", ".join(CHARACTERISTIC_LABELS.get(k, k) for k in section.groups_missing) + "."
               if section.groups_missing else "")
    return ("**Variant naar doelgroepen** (in de geest van het landelijke doelgroepenmodel): leerlingen gewogen naar "
            f"kenmerken van de leerlingpopulatie; gewichten (aannames, zie de handleiding): {used}.{lacking} Ook deze "
            "variant is budgetneutraal met hetzelfde begrensde overgangspad; de kolommen 'herijkt naar doelgroepen' "
            "staan in de tabel.")


def _budget_summary(ctx: _Context, section: BudgetSection, last: pd.DataFrame) -> None:
    """The Samenvatting's budget line: the largest shift of the recalibration (euros, no counts)."""
    rec = section.recalibrated
    if rec.empty:
        return
    i = rec["change_eur"].abs().idxmax()
    sid = rec.loc[i, "school_id"]
    n_gap = int((last["gap_eur"].abs() > 0.5).sum())
    gap = (f"; na {nl.integer(section.config.years)} jaar overgangspad is het herijkte budget bij "
           f"{nl.integer(n_gap)} van de {nl.integer(len(rec))} scholen nog niet bereikt" if n_gap else "")
    ctx.summary["budget"] = (
        f"de herijking verschuift het meest bij {str(ctx.names.get(sid, sid))}: "
        f"{nl.euro(rec.loc[i, 'change_eur'])} per jaar ({nl.percent(rec.loc[i, 'change_pct'] / 100, 1, signed_=True)})"
        f"{gap}.")


#: Columns of the recalibration from which a hidden pupil count could be recomputed: budget ÷
#: budget per pupil, weighted pupils ÷ need index, and the target budget (weighted pupils times
#: the total over all weighted pupils, which any shown school gives away) with what follows from it.
PUPIL_DERIVED_BUDGET_COLUMNS = ("budget_per_pupil_current", "need_index", "weighted_pupils", "budget_target",
                                "budget_per_pupil_target", "change_eur", "change_pct", "budget_per_pupil_groups",
                                "change_pct_groups")


def protected_budget_tables(section: BudgetSection, names: Mapping[str, str],
                            rules: Any) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """The recalibration and the transition path as published, and the schools whose pupil count is
    hidden: for those, every figure a count could be recomputed from is hidden as well
    (:data:`PUPIL_DERIVED_BUDGET_COLUMNS`, and the path's years after the current one).

    Examples
    --------
    >>> recal, path, small = protected_budget_tables(section, names, region.privacy)  # doctest: +SKIP
    """
    recal = section.recalibrated.copy()
    recal.insert(1, "school", recal["school_id"].map(names))
    if section.groups is not None:
        groups = section.groups.set_index("school_id")
        recal["budget_per_pupil_groups"] = recal["school_id"].map(groups["budget_per_pupil_target"])
        recal["change_pct_groups"] = recal["school_id"].map(groups["change_pct"])
    recal_shown = hide_dependent(apply_privacy(recal.rename(columns={"pupils": "leerlingen"}), rules,
                                               count_columns=["leerlingen"], secondary=False),
                                 {c: ["leerlingen"] for c in PUPIL_DERIVED_BUDGET_COLUMNS})
    last = section.path[section.path["year"] == section.path["year"].max()].set_index("school_id")
    path_shown = _path_protected(_path_wide(section, names, last), section.recalibrated, rules)
    small = set(recal.loc[recal_shown["leerlingen"].isna().to_numpy() & recal["pupils"].notna().to_numpy(),
                          "school_id"])
    return recal_shown, path_shown, small


def _path_protected(wide: pd.DataFrame, recalibrated: pd.DataFrame, rules: Any) -> pd.DataFrame:
    """The transition path protected: for a school whose pupil count is hidden, the years after
    the current one (they move towards the target budget, which gives the count away) are hidden."""
    pupils = wide["vestiging"].map(recalibrated.set_index("school_id")["pupils"])
    later = [c for c in wide.columns if str(c).startswith("budget ")][1:] + ["nog te gaan"]
    shown = apply_privacy(wide.assign(leerlingen=pupils), rules, count_columns=["leerlingen"], secondary=False)
    return drop_protected(hide_dependent(shown, {c: ["leerlingen"] for c in later}), ["leerlingen"])


def _path_wide(section: BudgetSection, names: Mapping[str, str], last: pd.DataFrame) -> pd.DataFrame:
    """The transition path with one column per year and the gap left after the last year."""
    wide = section.path.pivot(index="school_id", columns="year", values="budget_eur")
    wide.columns = [f"budget {y}" for y in wide.columns]
    wide = wide.reset_index()
    wide.insert(1, "school", wide["school_id"].map(names))
    wide = wide.rename(columns={"school_id": "vestiging"})
    wide["nog te gaan"] = wide["vestiging"].map(last["gap_eur"])
    return wide


def _out_of_region_section(ctx: _Context) -> Section:
    data, reg = ctx.data, ctx.region
    title = "Leerlingen van buiten de regio"
    if data.home_municipality is None:
        return _section("herkomst", title, items=(data.missing["herkomst"],))
    in_data = set(data.home_municipality["school_id"])
    schools = [s for s in ctx.jos_ids if s in in_data]
    if not schools:
        return _section("herkomst", title, items=(
            "Het DUO-bestand naar woongemeente bevat geen van de JOS-scholen van deze regio.",))
    oor = out_of_region(data.home_municipality, reg.municipalities, schools=schools)
    rule = contribution_rule_from_region(reg)
    contrib = None
    if rule.rule == "per_pupil":
        contrib = propose_contributions(oor, rule="per_pupil", per_pupil=rule.per_pupil, min_pupils=rule.min_pupils)
    elif ctx.budget is not None and set(schools) <= set(ctx.budget.current["school_id"]):
        budgets = ctx.budget.current.set_index("school_id")["budget_eur"]
        contrib = propose_contributions(oor, budget=budgets.loc[schools], min_pupils=rule.min_pupils)
    tables = out_of_region_tables(oor, reg.privacy, contrib, names=ctx.names)
    ctx.tables.update({f"herkomst_{k}": v for k, v in tables.items()})
    items: list[Any] = [
        f"Peildatum DUO: {nl.full_date(oor.reference_date)}. Gemeenten van de regio: "
        + ", ".join(str(m) for m in reg.municipalities.values()) + ".",
        "**Per school: aandeel leerlingen van buiten de regio**",
        table_item(_shown(tables["per_school"], ("vestiging",))),
        "**Per gemeente buiten de regio**", table_item(_shown(tables["per_gemeente"], ("woongemeente (code)",))),
        "De leerlingen per woongemeente en school staan in de bijlage.",
    ]
    ctx.appendix += ["**Leerlingen per woongemeente en school**",
                     table_item(_shown(tables["per_school_gemeente"], ("woongemeente (code)",)), 0)]
    _out_of_region_summary(ctx, oor, tables["per_school"])
    if contrib is None:
        items.append("Geen bijdragevoorstel: de verdeelregel 'naar rato' heeft het budget per school nodig. "
                     + data.missing.get("budget", ""))
    else:
        minimum = (f"; gemeenten met minder dan {nl.integer(rule.min_pupils)} leerlingen worden niet gevraagd"
                   if rule.min_pupils and rule.min_pupils > 0 else "")
        items += [f"**Voorstel bijdrage per gemeente** (verdeelregel: {str(contrib['rule'].iloc[0])}{minimum}). "
                  "Dit is een rekenvoorbeeld als start van het gesprek, geen verplichting.",
                  table_item(_shown(tables["bijdragen"], ("woongemeente (code)", "verdeelregel")), 0)]
    return _section("herkomst", title, items=tuple(items))


_CATCHMENT_INTRO = (
    "Hoeveel leerlingen van elke JOS-school jeugdhulp zouden hebben als zij het gemiddelde van hun woongemeente "
    "volgen: de leerlingen per woongemeente (DUO) maal het aandeel jongeren met jeugdhulp in die gemeente (CBS). "
    "Dit is een **schatting**, geen telling: het CBS-aandeel geldt voor alle jongeren tot 18 jaar, niet voor "
    "leerlingen van deze school, en houdt geen rekening met het schooltype (praktijkonderwijs en vso liggen "
    "waarschijnlijk hoger). Gebruik het als achtergrond, niet als uitkomst van JOS. De methode en haar grenzen "
    "staan in de handleiding (methoden).")


def _catchment_section(ctx: _Context) -> Section:
    """Bijlage 2's last row: youth care among the pupils estimated from their home municipalities."""
    data, title = ctx.data, "Geschatte jeugdhulp onder de leerlingen (naar woongemeente)"
    present = {k for k, v in (("duo_pupils_by_postcode", data.home_municipality), ("cbs_youthcare", data.cbs))
               if v is not None}
    gap = missing_sentence_nl("budget.jeugdhulp_schatting", present)
    if gap is not None:
        return _section("jeugdhulp_schatting", title, _CATCHMENT_INTRO, items=(gap,))
    if CATCHMENT_MEASURE not in set(data.cbs["measure"]):
        return _section("jeugdhulp_schatting", title, _CATCHMENT_INTRO, items=(
            "De CBS-bestanden bevatten geen aandeel jongeren met jeugdhulp per gemeente: lever CBS-tabel 85098NED "
            "aan (josanalysis fetch-cbs 85098NED), dan toont dit hoofdstuk de schatting per school.",))
    try:
        est = estimate_youthcare(data.home_municipality, data.cbs, schools=ctx.jos_ids)
    except DataError:
        return _section("jeugdhulp_schatting", title, _CATCHMENT_INTRO, items=(
            "De CBS-tabel met het aandeel jongeren met jeugdhulp heeft meer dan één waarde per gemeente en jaar; "
            "lever tabel 85098NED aan zoals CBS die publiceert.",))
    # an expected number of pupils, shown (and suppressed) as a whole number like any pupil count
    t = est.per_school.assign(school=lambda d: d["school_id"].map(ctx.names),
                              estimated=lambda d: d["estimated"].round())
    shown = t.rename(columns={"school_id": "vestiging", "pupils_with_share": "leerlingen",
                              "pupils_without_share": "leerlingen zonder CBS-cijfer",
                              "cells_suppressed": "DUO-cellen <5 (niet meegeteld)",
                              "estimated": "geschat aantal leerlingen met jeugdhulp",
                              "share_percent": "geschat aandeel (%)"})
    cols = ["vestiging", "school", "leerlingen", "leerlingen zonder CBS-cijfer", "DUO-cellen <5 (niet meegeteld)",
            "geschat aantal leerlingen met jeugdhulp", "geschat aandeel (%)"]
    table = apply_privacy(shown[cols], ctx.region.privacy, secondary=False,
                          count_columns=["leerlingen", "leerlingen zonder CBS-cijfer",
                                         "geschat aantal leerlingen met jeugdhulp"])
    ctx.tables["jeugdhulp_schatting"] = table
    return _section("jeugdhulp_schatting", title, _CATCHMENT_INTRO, items=(
        f"Leerlingen: DUO, teldatum 1 oktober {est.pupils_year}. Aandeel jongeren met jeugdhulp: CBS-tabel 85098NED, "
        f"{est.cbs_year}.", table_item(_shown(table, ("vestiging",)), 1)))


def _out_of_region_summary(ctx: _Context, oor: Any, per_school: pd.DataFrame) -> None:
    """The Samenvatting's line on pupils from outside the region: a share of a total, shown only when
    that total reaches the region's minimum count."""
    by_school = oor.by_school
    total, outside = float(by_school["pupils_total"].sum()), float(by_school["pupils_outside"].sum())
    if total <= 0 or outside < ctx.region.privacy.min_count:
        ctx.summary["herkomst"] = "te weinig leerlingen van buiten de regio om een aandeel te tonen."
        return
    shares = pd.to_numeric(per_school["aandeel buiten regio (%)"], errors="coerce").dropna() / 100  # as shown
    spread = (f" (per school van {nl.percent(shares.min())} tot {nl.percent(shares.max())})"
              if len(shares) > 1 else "")
    ctx.summary["herkomst"] = (f"{nl.percent(outside / total)} van de leerlingen van de JOS-scholen woont buiten "
                               f"de regio{spread}.")


def _rendement_section(ctx: _Context) -> Section:
    rend = rendement_table(ctx.data.rendement, schools=ctx.jos_ids, data_dir=ctx.data.data_dir)
    tables = rendement_tables(rend, ctx.region.privacy, names=ctx.names, hidden_elsewhere=ctx.hidden_elsewhere)
    items: list[Any] = []
    if "regio" in tables:
        region_table = tables["regio"]
        years = tuple(c for c in region_table.columns if str(c)[:4].isdigit() and "-" in str(c))
        items += ["**Regio** (aantallen opgeteld over de scholen die ze aanleveren; percentages en scores "
                  "ongewogen gemiddeld; de trend alleen over jaren waarin alle scholen aanleveren). "
                  "De waarden per schooljaar en de tabellen per school staan in de bijlage.",
                  table_item(_shown(region_table, years))]
        ctx.appendix += ["**Rendement van de regio per schooljaar**",
                         table_item(_shown(region_table, ("eenheid", "verwachte richting", "eerste jaar", "laatste jaar", "richting"),
                                           empty_years=True))]
        for key, table in tables.items():
            if key == "regio":
                continue
            label = rend.per_school.loc[rend.per_school["indicator"] == key, "label"].iloc[0]
            ctx.appendix += [f"**Rendement: {str(label)}, per school**",
                             table_item(_shown(table, ("vestiging", "eerste jaar", "laatste jaar", "richting"),
                                                      empty_years=True))]
        ctx.tables.update({f"rendement_{k}": v for k, v in tables.items()})
        _rendement_summary(ctx, region_table)
    if rend.missing:
        items.append("**Nog niet in beeld** (lever deze gegevens aan om de indicator te vullen):\n\n"
                     + "\n".join(f"- {m}" for m in rend.missing.values()))
    return _section("rendement", "Rendement: vaste indicatoren per school en regio", items=tuple(items))


def _rendement_summary(ctx: _Context, region_table: pd.DataFrame) -> None:
    """The Samenvatting's return line: which indicators moved in the expected direction (no counts)."""
    moved = region_table["in verwachte richting"].astype("string")
    names = region_table["indicator"].astype(str)
    yes, no = list(names[moved == "ja"]), list(names[moved == "nee"])
    parts = [f"in de verwachte richting: {_listing(yes)}" if yes else "geen indicator in de verwachte richting",
             f"niet in de verwachte richting: {_listing(no)}" if no else ""]
    ctx.summary["rendement"] = "; ".join(p for p in parts if p) + (
        " (beschrijvend: het zegt niet dat JOS het verschil heeft gemaakt).")


def _listing(names: list[str]) -> str:
    """'a', 'a en b', 'a, b en c' (names lower-cased at the start)."""
    names = [n[:1].lower() + n[1:] if n[1:2].islower() else n for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _provider_section(ctx: _Context) -> Section:
    data = ctx.data
    title = "Registratie van de aanbieder"
    if data.provider is None:
        return _section("aanbieder", title, items=(data.missing["aanbieder"],))
    prov = data.provider[data.provider["school_id"].isin(ctx.jos_ids)]
    pupils_for_rates = data.pupils_by_year if data.pupils_by_year is not None else data.pupils
    shown = provider_report_table(provider_figures(prov, pupils_for_rates), ctx.region.privacy, names=ctx.names)
    ctx.tables["aanbieder"] = shown
    # the report shows the latest school year of the protected table; the results file holds every year
    year = str(shown["schooljaar"].max())
    latest = select_rows_protected(shown, shown["schooljaar"].astype(str) == year)
    ctx.appendix += [f"**Registratie van de aanbieder per school, schooljaar {str(year)}** (trajecten per 100 "
                     "leerlingen; alle schooljaren en de aantallen staan in de resultaatbestanden bij dit rapport)",
                     table_item(_shown(latest, ("vestiging", "schooljaar", "leerlingen", "eenmalig contact",
                                                "cliënttraject", "monitortraject", "ingevulde vragenlijsten")))]
    return _section("aanbieder", title)


def _notes_section(ctx: _Context) -> Section:
    rules = ctx.region.privacy
    notes = apply_privacy(qualitative_notes(ctx.region), rules)   # text only, but every table passes the boundary
    if notes.empty:
        first: Any = ("Er zijn (nog) geen toelichtingen gegeven. De regio en de scholen kunnen per indicator een "
                      "toelichting toevoegen; die verschijnt dan hier.")
    else:
        first = Table(notes)
    return _section("toelichting", "Het verhaal bij de cijfers",
                   items=(first, privacy_footnote(rules.min_count, rules.rounding)))
