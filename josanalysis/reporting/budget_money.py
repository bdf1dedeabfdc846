"""The money and weight-of-care parts of the budget report: costs in euros, the shift "van zwaar naar licht".

:func:`cost_part` builds the section *Kosten* (youth-care costs per pupil, the collective budget
per pupil and per JOS trajectory, the budget beside the costs of the basis year, the maatwerk
reserve and co-financing); :func:`care_weight_part` the section *Zorgzwaarte* (shares of light,
middle and heavy indications per school year, before and during JOS, the duration of care, and
the region's verdicts where the series allow them). Both compute with
:mod:`josanalysis.questions` and show only protected tables; both return a :class:`Part` that
:mod:`josanalysis.reporting.budget_report` puts in its document.

Examples
--------
>>> part = cost_part(region, data, section, names, output=True)      # doctest: +SKIP
>>> part.section.key, sorted(part.tables)[:1]                          # doctest: +SKIP
('kosten', ['kosten_budget_basis'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.config import Region
from josanalysis.privacy import drop_protected, format_for_report, select_rows_protected
from josanalysis.questions.budget import BudgetSection
from josanalysis.questions.budget_assumptions import budget_config_from_region
from josanalysis.questions.budget_inputs import BudgetReportData
from josanalysis.questions.carelevel import CareWeightVerdict, care_weight, care_weight_tables, first_jos_years
from josanalysis.questions.costs import (budget_against_basis, cost_tables, funding_split, jos_costs,
                                         youthcare_costs)
from josanalysis.reporting.document import Section, Table, Text

__all__ = ["Part", "cost_part", "care_weight_part"]

_COST_INTRO = (
    "Wat kost de jeugdhulp van de leerlingen van de JOS-scholen, en wat kost JOS zelf? De kosten van jeugdhulp "
    "komen van de gemeente (zonder verblijf, dat is ambulant, en met verblijf), per school en schooljaar. Het "
    "collectieve budget (Zorg in Onderwijstijd) staat ernaast, per leerling en per JOS-traject: een traject telt "
    "alleen mee in de JOS-jaren van een school. Budgetjaar *J* hoort bij schooljaar *J*-*J+1*. Het budget is bij "
    "de start bepaald op de kosten van individuele jeugdhulp in een basisjaar; de vergelijking daarmee staat "
    "hieronder. Vergelijkingsscholen hebben geen JOS-budget en staan niet in deze tabellen.")
_WEIGHT_INTRO = (
    "Met JOS verwacht de monitor een verschuiving **van zwaar naar licht**: meer lichte indicaties, minder "
    "middelzware en zware, en een kortere duur van de jeugdhulp (zonder en met verblijf). Hieronder het aandeel "
    "van elke zwaarte in alle "
    "indicaties van de JOS-scholen, per schooljaar en vóór en tijdens JOS (elke school vanaf haar eigen start). "
    "Vroegsignalering kan in het eerste jaar juist meer indicaties opleveren; de aandelen zijn beschrijvend.")


@dataclass(frozen=True)
class Part:
    """One part of the budget report: its section, its protected tables (by results-file name),
    its line for the Samenvatting and its tables for the Bijlage."""

    section: Section
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    summary: str = ""
    appendix: tuple[Any, ...] = ()


def _table(table: pd.DataFrame, drop: tuple[str, ...] = (), decimals: int = 0, **column_decimals: int) -> Table:
    gone = [c for c in drop if c in table.columns]
    shown = drop_protected(table, gone) if gone else table
    known = {k: v for k, v in column_decimals.items() if k in shown.columns}
    return Table(format_for_report(shown, decimals=decimals, column_decimals=known))


def _section(key: str, title: str, items: list[Any]) -> Section:
    return Section(key, title, tuple(Text(i) if isinstance(i, str) else i for i in items), level=2)


def cost_part(region: Region, data: BudgetReportData, budget: BudgetSection | None,
              names: Mapping[str, str]) -> Part:
    """The section *Kosten* (key ``kosten``); sentences name what is missing."""
    title = "3. Kosten: jeugdhulp, JOS en het collectieve budget"
    starts = {s.school_id: s.jos_start for s in region.jos_schools if s.jos_start}
    if data.youthcare is None and data.budget is None:
        return Part(_section("kosten", title, [_COST_INTRO, data.missing.get("gemeente", ""),
                                               data.missing.get("budget", "")]))
    config = budget.config if budget is not None else budget_config_from_region(region)
    costs = (youthcare_costs(data.youthcare, data.pupils_by_year, schools=list(starts))
             if data.youthcare is not None and {"cost_ambulant", "cost_residential"} & set(data.youthcare.columns)
             else None)
    jos = jos_costs(data.budget, data.pupils_by_year, data.provider, starts) if data.budget is not None else None
    if costs is None or jos is None or budget is None:
        return Part(_section("kosten", title, [_COST_INTRO] + [m for k, m in data.missing.items()
                                                                if k in ("gemeente", "budget", "leerlingen")]))
    basis = budget_against_basis(budget.current, costs, config.basis_year)
    total = float(budget.current["budget_eur"].sum())
    pupils = float(budget.recalibrated["pupils"].sum())
    split = funding_split(total, config, pupils)
    tables = cost_tables(costs, jos, basis, split, region.privacy, basis_year=config.basis_year, names=names)
    counted = jos.dropna(subset=["pupils"])
    latest = str((counted if len(counted) else jos)["school_year"].max())   # the latest year DUO counted
    jos_latest = select_rows_protected(tables["jos_per_school"],
                                       tables["jos_per_school"]["schooljaar"].astype(str) == latest)
    regio = tables["jeugdhulp_regio"]   # shown from the basis year on; the results file holds every year
    items: list[Any] = [
        _COST_INTRO,
        "**JOS-scholen samen per schooljaar** (euro per jaar; jeugdhulp per leerling: de kosten gedeeld door alle "
        "leerlingen van die scholen; budget per leerling en per traject: de scholen in een JOS-jaar)",
        _table(select_rows_protected(regio, regio["schooljaar"].astype(str) >= config.basis_year),
               ("scholen", "leerlingen", "leerlingen met budget", "kosten totaal (× € 1.000)"), 0),
        _basis_sentence(basis, config.basis_year), _funding_sentence(split),
        "Per school staan de kosten en het budget per leerling en per traject in de bijlage.",
    ]
    per_school = tables["jeugdhulp_per_school"]
    last_cost = str(costs["school_year"].max())
    appendix = (
        f"**Kosten van jeugdhulp per JOS-school, schooljaar {last_cost}** (alle schooljaren staan in de "
        "resultaatbestanden)",
        _table(select_rows_protected(per_school, per_school["schooljaar"].astype(str) == last_cost),
               ("vestiging", "schooljaar", "leerlingen jeugdhulp zonder verblijf", "leerlingen jeugdhulp met verblijf",
                "kosten totaal (× € 1.000)"), 0),
        f"**Wat JOS kost per JOS-school, schooljaar {latest}** (collectief budget; trajecten van de aanbieder; "
        f"het budget {budget.year} naast de kosten van {config.basis_year} per school staat in de resultaatbestanden)",
        _table(jos_latest, ("vestiging", "schooljaar"), 0))
    return Part(_section("kosten", title, items), {f"kosten_{k}": v for k, v in tables.items()},
                _cost_summary(latest, tables["jeugdhulp_regio"]), appendix)


def _funding_sentence(split: pd.DataFrame) -> str:
    """The maatwerk reserve and the co-financing in euros (region totals: no pupil count in them)."""
    rows = split.set_index("part")
    collective, reserve = rows.iloc[0], rows.iloc[1]
    payers = "; ".join(f"{str(part)[len('betaald door '):]} {nl.number(r['share'], 0)}% ({nl.euro(r['eur'])})"
                       for part, r in rows.iloc[2:].iterrows())
    return (f"**Maatwerkreserve en cofinanciering** (aannames van de regio): van het totale budget gaat "
            f"{nl.number(reserve['share'], 0)}% ({nl.euro(reserve['eur'])}, {nl.euro(reserve['eur_per_pupil'])} per "
            f"leerling) naar individuele maatwerkhulp naast het collectieve budget; collectief over de scholen blijft "
            f"{nl.euro(collective['eur'])} ({nl.euro(collective['eur_per_pupil'])} per leerling). Wie betaalt: {payers}.")


def _basis_sentence(basis: pd.DataFrame, basis_year: str) -> str:
    known = basis.dropna(subset=["basis_cost_total"])
    if known.empty:
        return f"De gemeente levert geen kosten van jeugdhulp voor schooljaar {basis_year}."
    ratio = known["budget_eur"].sum() / known["basis_cost_total"].sum()
    return (f"Over de JOS-scholen met kosten in {basis_year} samen is het collectieve budget "
            f"{nl.percent(ratio, 0)} van wat de jeugdhulp van hun leerlingen toen kostte.")


def _cost_summary(latest: str, region: pd.DataFrame) -> str:
    """The Samenvatting's cost line, read from the published region table (what it hides stays hidden)."""
    row = region[region["schooljaar"].astype(str) == latest]
    parts = []
    if len(row) and pd.notna(row["budget per leerling (€)"].iloc[0]):
        per_traj = row["budget per traject (€)"].iloc[0]
        parts.append(f"het collectieve budget is in {latest} {nl.euro(row['budget per leerling (€)'].iloc[0])} per "
                     "leerling" + (f" en {nl.euro(per_traj)} per JOS-traject" if pd.notna(per_traj) else ""))
    shown = region.dropna(subset=["totaal per leerling (€)"])
    if len(shown):
        parts.append(f"de jeugdhulp van hun leerlingen kostte in {shown['schooljaar'].iloc[-1]} "
                     f"{nl.euro(shown['totaal per leerling (€)'].iloc[-1])} per leerling")
    return "; ".join(parts) + "." if parts else ""


def care_weight_part(region: Region, data: BudgetReportData, names: Mapping[str, str],
                     verdicts: list[CareWeightVerdict]) -> Part:
    """The section *Zorgzwaarte* (key ``zorgzwaarte``)."""
    title = "4. Zorgzwaarte: van zwaar naar licht"
    yc = data.youthcare
    if yc is None or not {"indications_light", "indications_medium", "indications_heavy"} <= set(yc.columns) \
            or yc[["indications_light", "indications_medium", "indications_heavy"]].isna().all().all():
        return Part(_section("zorgzwaarte", title, [_WEIGHT_INTRO, data.missing.get(
            "gemeente", "De gemeente levert geen indicaties naar zwaarte (licht, middel, zwaar) per school.")]))
    weights = care_weight(yc, first_jos_years(region))
    tables = care_weight_tables(weights, region.privacy, names=names)
    shift = care_weight_shift_line(tables["verschuiving"])
    items: list[Any] = [
        _WEIGHT_INTRO,
        "**Vóór en tijdens JOS** (aandeel van alle indicaties van de JOS-scholen samen, elke school vanaf haar eigen "
        "start; duur: gemiddelde van de scholen)",
        _table(tables["verschuiving"], (), 1),
        "**Oordeel van de regio** (gespreide invoering, dezelfde beslisregels als in het regiorapport; per 100 "
        "leerlingen):\n\n" + "\n".join(f"- {v.text_nl()}" for v in verdicts) if verdicts else
        "Zonder maandgegevens van de regio is er geen oordeel over de indicaties per leerling.",
        "De aandelen per schooljaar staan in de bijlage.",
    ]
    appendix = ("**Zorgzwaarte van de JOS-scholen samen per schooljaar** (de aandelen per school staan in de "
                "resultaatbestanden)",
                _table(tables["regio"], ("scholen", "indicaties licht", "indicaties midden", "indicaties zwaar",
                                         "indicaties totaal"), 1, **{"scholen met JOS": 0}))
    return Part(_section("zorgzwaarte", title, items), {f"zorgzwaarte_{k}": v for k, v in tables.items()},
                shift, appendix)


def care_weight_shift_line(shift: pd.DataFrame) -> str:
    """The Samenvatting's line: the shares of heavy and light indications before and during JOS."""
    s = shift.set_index("zwaarte")
    rows = ["licht (%)", "zwaar (%)"]
    if not set(rows) <= set(s.index) or s.loc[rows, ["vóór JOS", "tijdens JOS"]].isna().any().any():
        return "te weinig indicaties vóór of tijdens JOS om de verschuiving te tonen."
    light, heavy = s.loc["licht (%)"], s.loc["zwaar (%)"]
    change = "verschil (procentpunt of maanden)"
    moved = ("in de verwachte richting" if light[change] > 0 > heavy[change]
             else "niet (geheel) in de verwachte richting")
    return (f"aandeel zware indicaties van {nl.number(heavy['vóór JOS'], 1)}% vóór JOS naar "
            f"{nl.number(heavy['tijdens JOS'], 1)}% tijdens JOS, lichte van {nl.number(light['vóór JOS'], 1)}% "
            f"naar {nl.number(light['tijdens JOS'], 1)}%: {moved} (beschrijvend).")
