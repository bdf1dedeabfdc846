"""The budget report as one object: capacity, ZiO budget, out-of-region pupils and return.

:func:`build_budget_report` does all the work in one call: it gathers the inputs
(:func:`josanalysis.questions.budget_inputs.load_budget_report_data`), computes every table with
:mod:`josanalysis.questions`, passes each table through :mod:`josanalysis.privacy` before anything
shows it, draws the figures, and writes the results files (``<name>.csv`` per table and
``results.json``) and the figures (``figures/<name>.png``) to ``output_dir``. The notebook
``notebooks/budget_report.py`` only displays the :class:`BudgetReport`'s sections, between its
own Dutch prose.

A section is a title, an introduction in Markdown and a tuple of items: Markdown text, a table
(a pandas ``Styler`` of a protected table in Dutch notation), a matplotlib figure, or another
object that displays itself (the synthetic-data banner).

Examples
--------
>>> report = build_budget_report("demoregio", output_dir="outputs/demoregio/budget")   # doctest: +SKIP
>>> [s.key for s in report.sections]                                                   # doctest: +SKIP
['regio', 'capaciteit', 'budget', 'herkomst', 'rendement', 'aanbieder', 'toelichting']
>>> report.display()                                                                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from josanalysis.core import formatting as nl
from josanalysis.core.config import Region, load_region
from josanalysis.core.errors import ConfigError
from josanalysis.privacy import apply_privacy, format_for_report, privacy_footnote, rename_protected, write_tables
from josanalysis.questions.budget import DUTCH_HEADERS as BUDGET_HEADERS
from josanalysis.questions.budget import BudgetSection, budget_section
from josanalysis.questions.budget_inputs import BudgetReportData, load_budget_report_data
from josanalysis.questions.capacity import capacity_assumptions_text, capacity_table, minimum_fte_from_region
from josanalysis.questions.outofregion import contribution_rule_from_region, out_of_region, propose_contributions
from josanalysis.questions.outofregion import report_tables as out_of_region_tables
from josanalysis.questions.provider import provider_figures, provider_report_table
from josanalysis.questions.rendement import qualitative_notes, rendement_table
from josanalysis.questions.rendement_tables import report_tables as rendement_tables
from josanalysis.reporting.budget_figures import plot_budget, plot_capacity
from josanalysis.reporting.presentation import banner

__all__ = ["Section", "BudgetReport", "build_budget_report", "table_item"]

_HOURS = {"uur/week eerder": 1, "uur/week tijdens": 1}


@dataclass(frozen=True)
class Section:
    """One part of a report.

    Attributes
    ----------
    key
        Short name (``"capaciteit"``, ``"budget"``, ...).
    title
        Dutch title (the notebook prints its own heading and prose; the title is for other uses).
    intro_markdown
        Markdown shown before the items (may be empty).
    items
        What the section shows, in order: Markdown text (``str``), a ``Styler``, a matplotlib
        ``Figure``, or an object that displays itself.
    """

    key: str
    title: str
    intro_markdown: str = ""
    items: tuple[Any, ...] = ()

    def display(self) -> None:
        """Show the section in a notebook (Markdown rendered, tables and figures as they are)."""
        if self.intro_markdown:
            display(Markdown(self.intro_markdown))
        for item in self.items:
            display(Markdown(item) if isinstance(item, str) else item)


@dataclass(frozen=True)
class BudgetReport:
    """A region's budget report, computed, protected and written.

    Attributes
    ----------
    region
        The region.
    data
        The inputs (:class:`~josanalysis.questions.budget_inputs.BudgetReportData`).
    sections
        The report's sections in order (see :class:`Section`).
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
    sections: tuple[Section, ...]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)
    written: tuple[Path, ...] = ()
    output_dir: str = ""

    def section(self, key: str) -> Section:
        """The section named ``key``; a :class:`ConfigError` naming the known keys otherwise."""
        for s in self.sections:
            if s.key == key:
                return s
        raise ConfigError(f"the budget report has no section '{key}'; it has "
                          f"{', '.join(s.key for s in self.sections)}.")

    def display(self) -> None:
        """Show every section in a notebook."""
        for s in self.sections:
            s.display()

    def written_text(self) -> str:
        """One Dutch sentence on what was written (empty when nothing was)."""
        if not self.output_dir:
            return ""
        n_figures = sum(1 for p in self.written if p.suffix == ".png")
        return (f"{len(self.written) - n_figures} bestanden en {n_figures} figuren geschreven naar "
                f"{self.output_dir}")


def table_item(table: pd.DataFrame, decimals: int = 1, **column_decimals: int) -> Any:
    """A protected table as a ``Styler`` in Dutch notation, without the row index.

    ``decimals`` applies to all non-integer numbers; ``column_decimals`` overrides it per column.
    """
    shown = format_for_report(table, decimals=decimals)
    for col, d in column_decimals.items():
        shown[col] = format_for_report(table, decimals=d)[col]
    return shown.style.hide(axis="index")


@dataclass
class _Context:
    """What every section builder reads, and where the tables and figures are collected."""

    region: Region
    data: BudgetReportData
    names: dict[str, str]
    jos_ids: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    budget: BudgetSection | None = None


def build_budget_report(region_id: str, prepared: str = "", output_dir: str = "") -> BudgetReport:
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

    Returns
    -------
    BudgetReport

    Examples
    --------
    >>> report = build_budget_report("regio-alkmaar")          # doctest: +SKIP
    >>> report.section("budget").items[0][:30]                   # doctest: +SKIP
    'Voor het ZiO-budget ontbreken g'
    """
    region = load_region(region_id)
    ctx = _Context(region=region, data=load_budget_report_data(region, prepared),
                   names={s.school_id: s.name for s in region.schools},
                   jos_ids=[s.school_id for s in region.jos_schools])
    sections = (_region_section(ctx), _capacity_section(ctx), _budget_section(ctx), _out_of_region_section(ctx),
                _rendement_section(ctx), _provider_section(ctx), _notes_section(ctx))
    written = tuple(write_tables(ctx.tables, output_dir))
    if output_dir:
        folder = Path(output_dir) / "figures"
        folder.mkdir(parents=True, exist_ok=True)
        for name, fig in ctx.figures.items():
            fig.savefig(folder / f"{name}.png", dpi=120, bbox_inches="tight")
            written += (folder / f"{name}.png",)
    return BudgetReport(region=region, data=ctx.data, sections=sections, tables=dict(ctx.tables),
                        figures=dict(ctx.figures), written=written, output_dir=str(output_dir or ""))


def _figure(ctx: _Context, name: str, fig: Figure) -> Figure:
    """Keep a figure for saving; close it so that it shows where the section is displayed."""
    ctx.figures[name] = fig
    plt.close(fig)
    return fig


def _region_section(ctx: _Context) -> Section:
    reg = ctx.region
    items: list[Any] = [] if banner(reg) is None else [banner(reg)]
    items.append(f"**Regio:** {reg.name} — {len(ctx.jos_ids)} JOS-scholen, "
                 f"{len(reg.comparison_ids)} vergelijkingsscholen. {reg.notes}")
    return Section("regio", reg.name, items=tuple(items))


def _capacity_section(ctx: _Context) -> Section:
    data, rules, names = ctx.data, ctx.region.privacy, ctx.names
    title = "Capaciteit: fte per functie per school"
    if data.fte is None:
        return Section("capaciteit", title, items=(data.missing["capaciteit"],))
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
    items: list[Any] = [
        "**Totaal per school (alle JOS-functies samen)**", table_item(per_school, 3, **_HOURS),
        "**Per functie**", table_item(per_function, 3, **_HOURS),
        "**Spreiding tussen scholen** (variatiecoëfficiënt = standaardafwijking / gemiddelde; "
        "alleen scholen waar de functie wordt ingezet)", table_item(spread, 3),
    ]
    below = cap.below_minimum
    if len(below):
        lines = [f"- {names.get(r.school_id, r.school_id)}: {r.function} {nl.number(r.fte_during, 3)} fte "
                 f"(minimum {nl.number(r.minimum_fte, 3)})" for r in below.itertuples()]
        items.append("**Onder het ingestelde minimum:**\n\n" + "\n".join(lines))
    elif minimum:
        items.append("Geen school zit onder het ingestelde minimum per functie.")
    no_pupils = cap.per_school.loc[cap.per_school["pupils"].isna(), "school_id"].tolist()
    if no_pupils:
        items.append("Zonder leerlingaantal, dus zonder fte per 100 leerlingen (en niet in de figuur): "
                     + ", ".join(names.get(s, s) for s in no_pupils) + ".")
    per_100 = bool(cap.per_school["fte_per_100_during"].notna().any())
    items.append(_figure(ctx, "capaciteit", plot_capacity(cap, names, per_100=per_100)))
    intro = (f"Bron fte: {data.fte_source}. Bron leerlingaantallen: {data.pupils_source or 'geen'}. "
             f"{capacity_assumptions_text(ctx.region)}")
    return Section("capaciteit", title, intro, tuple(items))


def _budget_section(ctx: _Context) -> Section:
    data, rules, names = ctx.data, ctx.region.privacy, ctx.names
    title = "Collectief budget: huidig, herijkt en overgangspad"
    if data.budget is None:
        return Section("budget", title, items=(data.missing["budget"],))
    if data.pupils is None:
        return Section("budget", title, items=(
            data.missing.get("leerlingen", "Zonder leerlingaantallen is geen herijking mogelijk."),))
    section = ctx.budget = budget_section(ctx.region, data.budget, data.pupils)
    recal = section.recalibrated.copy()
    recal.insert(1, "school", recal["school_id"].map(names))
    recal_shown = apply_privacy(recal.rename(columns={"pupils": "leerlingen"}), rules,
                                count_columns=["leerlingen"], secondary=False)
    last = section.path[section.path["year"] == section.path["year"].max()].set_index("school_id")
    path_shown = apply_privacy(_path_wide(section, names, last), rules)
    ctx.tables.update(budget_herijking=recal_shown, budget_overgangspad=path_shown)
    items: list[Any] = []
    if section.left_out:
        items.append("Zonder leerlingaantal, dus niet herijkt: "
                     + ", ".join(names.get(s, s) for s in section.left_out) + ".")
    items += [
        "**Huidig en herijkt budget per school**",
        table_item(rename_protected(recal_shown, BUDGET_HEADERS), 0, **{
            "huidig per leerling (€)": 2, "zorgindex": 2, "herijkt per leerling (€)": 2, "verschil (%)": 1}),
        "**Overgangspad per jaar** (jaar 0 = huidig budget)",
        table_item(path_shown, 0),
    ]
    if (last["gap_eur"].abs() > 0.5).any():
        items.append("Binnen het ingestelde maximum per jaar haalt niet elke school het herijkte budget in "
                     f"{section.config.years} jaar; de kolom 'nog te gaan' toont het verschil dat overblijft.")
    items.append(_figure(ctx, "budget", plot_budget(section.recalibrated, section.path, names, per_pupil=True)))
    intro = f"Huidig budget: jaar {section.year}. {section.assumptions_text()}"
    return Section("budget", title, intro, tuple(items))


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
        return Section("herkomst", title, items=(data.missing["herkomst"],))
    in_data = set(data.home_municipality["school_id"])
    schools = [s for s in ctx.jos_ids if s in in_data]
    if not schools:
        return Section("herkomst", title, items=(
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
        + ", ".join(reg.municipalities.values()) + ".",
        "**Per school: aandeel leerlingen van buiten de regio**", table_item(tables["per_school"]),
        "**Per gemeente buiten de regio**", table_item(tables["per_gemeente"]),
        "**Leerlingen per woongemeente en school**", table_item(tables["per_school_gemeente"], 0),
    ]
    if contrib is None:
        items.append("Geen bijdragevoorstel: de verdeelregel 'naar rato' heeft het budget per school nodig. "
                     + data.missing.get("budget", ""))
    else:
        items += [f"**Voorstel bijdrage per gemeente** (verdeelregel: {contrib['rule'].iloc[0]}; gemeenten met "
                  f"minder dan {nl.number(rule.min_pupils, 0)} leerlingen worden niet gevraagd). "
                  "Dit is een rekenvoorbeeld als start van het gesprek, geen verplichting.",
                  table_item(tables["bijdragen"], 0)]
    return Section("herkomst", title, items=tuple(items))


def _rendement_section(ctx: _Context) -> Section:
    rend = rendement_table(ctx.data.rendement, schools=ctx.jos_ids, data_dir=ctx.data.data_dir)
    tables = rendement_tables(rend, ctx.region.privacy, names=ctx.names)
    items: list[Any] = []
    if "regio" in tables:
        items += ["**Regio** (aantallen opgeteld over de scholen die ze aanleveren; percentages en scores "
                  "ongewogen gemiddeld; de trend alleen over jaren waarin alle scholen aanleveren)",
                  table_item(tables["regio"])]
        for key, table in tables.items():
            if key == "regio":
                continue
            label = rend.per_school.loc[rend.per_school["indicator"] == key, "label"].iloc[0]
            items += [f"**{label}, per school**", table_item(table)]
        ctx.tables.update({f"rendement_{k}": v for k, v in tables.items()})
    if rend.missing:
        items.append("**Nog niet in beeld** (lever deze bestanden aan om de indicator te vullen):\n\n"
                     + "\n".join(f"- {m}" for m in rend.missing.values()))
    return Section("rendement", "Rendement: vaste indicatoren per school en regio", items=tuple(items))


def _provider_section(ctx: _Context) -> Section:
    data = ctx.data
    title = "Registratie van de aanbieder"
    if data.provider is None:
        return Section("aanbieder", title, items=(data.missing["aanbieder"],))
    prov = data.provider[data.provider["school_id"].isin(ctx.jos_ids)]
    pupils_for_rates = data.pupils_by_year if data.pupils_by_year is not None else data.pupils
    shown = provider_report_table(provider_figures(prov, pupils_for_rates), ctx.region.privacy, names=ctx.names)
    ctx.tables["aanbieder"] = shown
    return Section("aanbieder", title, items=(table_item(shown),))


def _notes_section(ctx: _Context) -> Section:
    rules = ctx.region.privacy
    notes = apply_privacy(qualitative_notes(ctx.region), rules)   # text only, but every table passes the boundary
    if notes.empty:
        first: Any = ("Er zijn (nog) geen kwalitatieve toelichtingen gegeven. Vul ze aan onder "
                      "`notes: indicators:` in de parameterbestanden van de regio of de scholen.")
    else:
        first = notes.style.hide(axis="index")
    return Section("toelichting", "Het verhaal bij de cijfers",
                   items=(first, privacy_footnote(rules.min_count, rules.rounding)))
