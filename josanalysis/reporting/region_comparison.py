"""The comparison of regions (or subregions) side by side, with one base approach.

:func:`build_region_comparison` turns the :class:`~josanalysis.questions.regions.RegionProfile`
of each region into a report object like the others: a banner when a region is synthetic, a
**Samenvatting**, then the data coverage per source, capacity and costs, the weight of care, and
the pooled estimate per indicator with its interval, and a note on the base approach. Every
table passes :mod:`josanalysis.privacy` (pupil totals and trajectories are counts: a figure per
pupil or per trajectory is hidden with them). A region that misses a source shows "ontbreekt"
in the coverage table and "–" (missing) in the tables that need it. ``josanalysis compare``
(:mod:`josanalysis.runner.compare`) exports it to HTML with the look of the other reports.

Examples
--------
>>> from josanalysis.questions.regions import region_profiles
>>> report = build_region_comparison(region_profiles(["demoregio", "regio-alkmaar"]))   # doctest: +SKIP
>>> [s.key for s in report.document.sections]                                            # doctest: +SKIP
['titel', 'samenvatting', 'bronnen', 'kosten', 'zorgzwaarte', 'schattingen', 'aanpak']
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.indicators import get_indicator
from josanalysis.privacy import apply_privacy, format_for_report, hide_dependent, privacy_footnote
from josanalysis.questions.regions import RegionProfile
from josanalysis.reporting.document import Document, Notice, ReportObject, Section, Table, Text
from josanalysis.reporting.presentation import banner

__all__ = ["RegionComparison", "build_region_comparison"]

_TITLE = "Regio's naast elkaar: één basisaanpak"
_INTRO = (
    "Dit rapport zet regio's naast elkaar met **één basisaanpak**, zoals het Oberon-rapport aanbeveelt: dezelfde "
    "bronnen, dezelfde definities en dezelfde rekenregels voor elke regio. Zo is te zien wat vergelijkbaar is en "
    "welke gegevens een regio nog mist. Verschillen tussen regio's zijn beschrijvend: regio's verschillen in "
    "scholen, leerlingen, inzet en geschiedenis, en een verschil zegt niet dat JOS in de ene regio beter werkt.")
_APPROACH = (
    "**De basisaanpak.** Capaciteit: fte tijdens JOS van alle JOS-scholen samen per 100 leerlingen (DUO-telling). "
    "Kosten: de kosten van jeugdhulp van de gemeente (zonder en met verblijf) van alle JOS-scholen samen, gedeeld "
    "door hun leerlingen, in het laatste schooljaar met kosten; het collectieve budget per leerling en per "
    "JOS-traject (alleen trajecten in de JOS-jaren van een school). Zorgzwaarte: het aandeel lichte en zware "
    "indicaties in alle indicaties vóór en tijdens JOS, elke school vanaf haar eigen start. Schattingen: het "
    "gepoolde verschil van de regio (gespreide invoering, event study per maand en verschil-in-verschillen per "
    "schooljaar) met het 95%-interval en het oordeel volgens dezelfde beslisregels als het regiorapport. "
    "Vergelijkingsscholen tellen alleen als vergelijking mee, nooit als budgethouder.")


@dataclass(frozen=True)
class RegionComparison(ReportObject):
    """The comparison of regions: its sections and the protected tables it shows.

    Attributes
    ----------
    profiles
        The regions compared, in order.
    tables
        Protected tables by results-file name (``bronnen``, ``kosten``, ``zorgzwaarte``, ``schattingen``).
    """

    profiles: tuple[RegionProfile, ...] = ()
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The Dutch title: 'Regio's naast elkaar: A, B'."""
        return "Regio's naast elkaar: " + ", ".join(p.region.name for p in self.profiles)


def _table(table: pd.DataFrame, decimals: int = 1, **column_decimals: int) -> Table:
    known = {k: v for k, v in column_decimals.items() if k in table.columns}
    return Table(format_for_report(table, decimals=decimals, column_decimals=known))


def _min_rules(profiles: Sequence[RegionProfile]) -> Any:
    """The strictest privacy rules of the regions compared (the largest minimum count)."""
    return max((p.region.privacy for p in profiles), key=lambda r: (r.min_count, r.min_denominator))


def _coverage(profiles: Sequence[RegionProfile], rules: Any) -> pd.DataFrame:
    """Per report section the status in each region (volledig / deels / ontbreekt)."""
    first = profiles[0].coverage[["section"]].rename(columns={"section": "onderdeel"})
    for p in profiles:
        first[p.region.name] = p.coverage["status"].to_numpy()
    return apply_privacy(first, rules, secondary=False)             # no counts: text only


def _money(profiles: Sequence[RegionProfile], rules: Any) -> pd.DataFrame:
    rows = [{"regio": p.region.name, "JOS-scholen": len(p.region.jos_schools),
             "leerlingen JOS-scholen": p.figures.get("pupils", np.nan),
             "fte per 100 lln": p.figures.get("fte_per_100", np.nan),
             "jeugdhulp per leerling (€)": p.figures.get("youthcare_cost_per_pupil", np.nan),
             "schooljaar kosten": p.years.get("youthcare_cost_per_pupil", "–"),
             "budget per leerling (€)": p.figures.get("budget_per_pupil", np.nan),
             "trajecten": p.figures.get("trajectories", np.nan),
             "budget per traject (€)": p.figures.get("budget_per_trajectory", np.nan),
             "schooljaar budget": p.years.get("budget_per_pupil", "–")} for p in profiles]
    frame = pd.DataFrame(rows)
    money = ["fte per 100 lln", "jeugdhulp per leerling (€)", "budget per leerling (€)", "budget per traject (€)"]
    frame[money] = frame[money].astype("float64").round(2)          # cents: no long tokens in the results file
    shown = apply_privacy(frame, rules, secondary=False,
                          count_columns=["leerlingen JOS-scholen", "trajecten"])
    per_pupil = ["leerlingen JOS-scholen"]
    return hide_dependent(shown, {"fte per 100 lln": per_pupil, "jeugdhulp per leerling (€)": per_pupil,
                                  "budget per leerling (€)": per_pupil, "budget per traject (€)": ["trajecten"]})


def _weight(profiles: Sequence[RegionProfile], rules: Any) -> pd.DataFrame:
    f = [p.figures for p in profiles]
    frame = pd.DataFrame({
        "regio": [p.region.name for p in profiles],
        "licht vóór JOS (%)": [x.get("share_light_before", np.nan) for x in f],
        "licht tijdens JOS (%)": [x.get("share_light_during", np.nan) for x in f],
        "zwaar vóór JOS (%)": [x.get("share_heavy_before", np.nan) for x in f],
        "zwaar tijdens JOS (%)": [x.get("share_heavy_during", np.nan) for x in f],
        "duur vóór JOS (maanden)": [x.get("duration_before", np.nan) for x in f],
        "duur tijdens JOS (maanden)": [x.get("duration_during", np.nan) for x in f]})
    return apply_privacy(frame, rules, secondary=False)             # shares of pooled totals, no counts


def _estimates(profiles: Sequence[RegionProfile], rules: Any) -> pd.DataFrame:
    """One row per indicator and region: the pooled estimate ×100 with its interval and verdict;
    a region without an estimate for an indicator another region has shows why."""
    keys = list(dict.fromkeys(k for p in profiles for k in p.estimates["indicator"]))
    rows = []
    for key in keys:
        ind = get_indicator(key)
        unit = "per 100 leerlingen" if ind.is_count else "procentpunt"
        for p in profiles:
            e = p.estimates[p.estimates["indicator"] == key]
            if e.empty:
                rows.append({"indicator": ind.label, "regio": p.region.name, "eenheid": unit, "schatting": np.nan,
                             "95%-interval": "–", "oordeel": "geen schatting: " + (
                                 "gegevens ontbreken" if p.estimates_from == "geen gegevens" else "niet berekend")})
                continue
            r = e.iloc[0]
            rows.append({"indicator": ind.label, "regio": p.region.name, "eenheid": unit,
                         "schatting": float(r["estimate"]) * 100,
                         "95%-interval": f"{nl.number(r['ci_low'] * 100, 2)} tot {nl.number(r['ci_high'] * 100, 2)}",
                         "oordeel": str(r["verdict"])})
    frame = pd.DataFrame(rows, columns=["indicator", "regio", "eenheid", "schatting", "95%-interval", "oordeel"])
    return apply_privacy(frame, rules, secondary=False)             # estimates: no counts


def _summary_lines(profiles: Sequence[RegionProfile]) -> str:
    lines = []
    for p in profiles:
        status = p.coverage["status"].astype(str)
        full, none = int((status == "volledig").sum()), int((status == "ontbreekt").sum())
        data = ("geen gegevensmap: elke bron ontbreekt" if not p.region.data_dir.is_dir() else
                f"{nl.integer(full)} van de {nl.integer(len(status))} onderdelen met alle bronnen, "
                f"{nl.integer(none)} zonder de bronnen die ze nodig hebben")
        lines.append(f"- **{p.region.name}:** {nl.integer(len(p.region.jos_schools))} JOS-scholen, "
                     f"{nl.integer(len(p.region.comparison_ids))} vergelijkingsscholen; {data}; schattingen: "
                     f"{p.estimates_from}.")
    return "\n".join(lines)


def _missing_lines(profiles: Sequence[RegionProfile]) -> str:
    """Per region the sources it lacks (from the coverage table), or that it has them all."""
    lines = []
    for p in profiles:
        missing = sorted({m.strip() for cell in p.coverage["missing"].astype(str) for m in cell.split(";")
                          if m.strip()})
        lines.append(f"- **{p.region.name}** mist: {', '.join(missing)}." if missing else
                     f"- **{p.region.name}** heeft alle bronnen.")
    return "**Ontbrekende bronnen per regio**\n\n" + "\n".join(lines)


def build_region_comparison(profiles: Sequence[RegionProfile]) -> RegionComparison:
    """The comparison report of the given region profiles (at least two).

    Parameters
    ----------
    profiles
        From :func:`josanalysis.questions.regions.region_profiles`.

    Returns
    -------
    RegionComparison
    """
    profiles = tuple(profiles)
    rules = _min_rules(profiles)
    tables = {"bronnen": _coverage(profiles, rules), "kosten": _money(profiles, rules),
              "zorgzwaarte": _weight(profiles, rules), "schattingen": _estimates(profiles, rules)}
    marks = [b for b in (banner(p.region) for p in profiles) if b is not None][:1]   # one banner is enough
    synthetic = [p.region.name for p in profiles if p.region.synthetic]
    title: list[Any] = [Notice(f"<h1>{html.escape(_TITLE)}</h1>"), *(Notice(b._repr_html_()) for b in marks)]
    if synthetic:
        title.append(Text("De cijfers van " + ", ".join(synthetic) + " zijn synthetisch (demodata)."))
    sections = [
        Section("titel", None, tuple(title)),
        Section("samenvatting", "Samenvatting", (Text(_INTRO), Text(_summary_lines(profiles)))),
        Section("bronnen", "1. Gegevens per bron", (
            Text("Per onderdeel van de rapportage: **volledig** (alle bronnen aanwezig), **deels** (het onderdeel "
                 "kan zonder de ontbrekende bronnen) of **ontbreekt** (het onderdeel heeft een bron nodig die er "
                 "niet is)."), Table(tables["bronnen"]), Text(_missing_lines(profiles)))),
        Section("kosten", "2. Capaciteit en kosten", (
            Text("Alle JOS-scholen van de regio samen. Bedragen in euro per jaar; '–' betekent dat de regio de "
                 "bron niet heeft."), _table(tables["kosten"], 0, **{"fte per 100 lln": 2}))),
        Section("zorgzwaarte", "3. Zorgzwaarte: van zwaar naar licht", (
            Text("Aandeel lichte en zware indicaties in alle indicaties van de JOS-scholen, vóór en tijdens JOS, en "
                 "de gemiddelde duur van de jeugdhulp."), _table(tables["zorgzwaarte"], 1))),
        Section("schattingen", "4. Geschatte verschillen per indicator", (
            Text("Het gepoolde verschil van elke regio met de scholen zonder (of nog zonder) JOS, met het "
                 "95%-interval; maandindicatoren in procentpunt, aantallen per 100 leerlingen. Een oordeel zegt wat "
                 "de opzet kan dragen, niet dat JOS het verschil veroorzaakte."),
            _table(tables["schattingen"], 2))),
        Section("aanpak", "Toelichting: de basisaanpak", (
            Text(_APPROACH), Text(privacy_footnote(rules.min_count, rules.rounding)))),
    ]
    return RegionComparison(document=Document(tuple(sections)), profiles=profiles, tables=tables)
