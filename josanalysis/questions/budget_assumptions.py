"""The region's budget assumptions: the ``budget:`` block of its YAML and the school characteristics.

The recalibration (:mod:`josanalysis.questions.budget`) weighs pupils by characteristics of the
school population; which characteristics, their weights and the transition path's pace are
assumptions of the region, read here. Without a ``budget:`` block the package defaults apply
(allocation by pupils alone, 2 years, at most 10 % change a year, budget-neutral).

Examples
--------
>>> BudgetConfig().years, BudgetConfig().budget_neutral
(2, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.config import Region
from josanalysis.core.errors import ConfigError

__all__ = ["BudgetConfig", "budget_config_from_region", "TYPE_CHARACTERISTICS", "characteristics_from_region",
           "DOELGROEPEN_WEIGHTS", "FUNDERS", "CHARACTERISTIC_LABELS"]

#: Weights of the pupil-characteristics variant of the recalibration ("in the spirit of the
#: doelgroepenmodel"): a pupil of praktijkonderwijs counts as 1.5 pupils, of vso as 2, of vmbo as
#: 1.2; ``jeugdhulp_woongemeente`` is the estimated youth-care share of the school's pupils from
#: their home municipalities relative to the region's mean, minus 1 (0 = the region's mean).
#: These are ASSUMPTIONS (``docs/budget.md``); a region sets its own as ``budget.doelgroepen_weights``.
DOELGROEPEN_WEIGHTS: dict[str, float] = {"praktijkonderwijs": 0.5, "vso": 1.0, "vmbo": 0.2,
                                         "jeugdhulp_woongemeente": 1.0}

#: Dutch descriptions of the characteristics the doelgroepen variant can weigh (for the report).
CHARACTERISTIC_LABELS: dict[str, str] = {
    "praktijkonderwijs": "praktijkonderwijs", "vso": "voortgezet speciaal onderwijs", "vmbo": "vmbo",
    "jeugdhulp_woongemeente": "het geschatte aandeel jongeren met jeugdhulp in de woongemeenten van de leerlingen "
                              "(DUO naar postcode en CBS-tabel 85098NED)",
}

#: The co-financing parties the factsheet names, with their Dutch names.
FUNDERS: dict[str, str] = {"gemeenten": "gemeenten", "schoolbesturen": "schoolbesturen",
                           "samenwerkingsverband": "samenwerkingsverband"}


@dataclass(frozen=True)
class BudgetConfig:
    """The region's budget assumptions (``budget:`` in the region YAML).

    Attributes
    ----------
    weights
        Weight per characteristic (see :func:`recalibrate_budget`).
    characteristics
        Per-school characteristic values given in the YAML, ``{school_id: {name: value}}``;
        characteristics derived from the school type (:func:`characteristics_from_region`) are
        used for names not given here.
    years, max_change_per_year, cap_unit, budget_neutral
        The transition path (see :func:`transition_path`).
    budget_year
        Which year of the budget file is "current" (``None``: the latest).
    maatwerk_reserve
        Share of the total kept aside for individual maatwerk beside the collective budget (0..0.5).
    cofinancing
        Share of the total per paying party (``gemeenten``, ``schoolbesturen``,
        ``samenwerkingsverband``); the shares add up to 1. Default: the municipalities pay all.
    basis_year
        The school year whose youth-care costs (individual referrals) were the basis of the
        collective budget (the factsheet: 2019-2020).
    doelgroepen_weights
        Weights of the pupil-characteristics variant (:data:`DOELGROEPEN_WEIGHTS`).
    notes
        The region's explanation of the assumptions (Dutch, printed in the report).
    is_default
        True when the region YAML has no ``budget:`` block and these are the package defaults.
    """

    weights: dict[str, float] = field(default_factory=dict)
    characteristics: dict[str, dict[str, float]] = field(default_factory=dict)
    years: int = 2
    max_change_per_year: float = 0.1
    cap_unit: str = "fraction"
    budget_neutral: bool = True
    budget_year: int | None = None
    notes: str = ""
    is_default: bool = False
    maatwerk_reserve: float = 0.0
    cofinancing: dict[str, float] = field(default_factory=lambda: {"gemeenten": 1.0})
    basis_year: str = "2019-2020"
    doelgroepen_weights: dict[str, float] = field(default_factory=lambda: dict(DOELGROEPEN_WEIGHTS))

    def assumptions_text(self) -> str:
        """The assumptions in Dutch, for the report."""
        weights = ", ".join(f"{k} {nl.number(v, 2)}" for k, v in self.weights.items()) or "geen (alleen leerlingen)"
        cap = (f"{nl.percent(self.max_change_per_year, 1)} van het budget van het jaar ervoor"
               if self.cap_unit == "fraction" else nl.euro(self.max_change_per_year))
        src = ("standaardwaarden (de regio heeft geen eigen aannames voor het budget opgegeven)" if self.is_default
               else "de aannames die de regio voor het budget heeft opgegeven")
        text = (f"Herijking op leerlingaantal × zorgindex (1 + som van gewicht × kenmerk); gewichten: {weights}. "
                f"{'Budgetneutraal: het totaal blijft gelijk.' if self.budget_neutral else 'Niet budgetneutraal.'} "
                f"Overgangspad in {self.years} jaar, per school per jaar hoogstens {cap} erbij of eraf. Bron: {src}.")
        if self.maatwerk_reserve or set(self.cofinancing) != {"gemeenten"}:
            payers = ", ".join(f"{FUNDERS[k]} {nl.percent(v, 0)}" for k, v in self.cofinancing.items())
            text += (f" Maatwerkreserve: {nl.percent(self.maatwerk_reserve, 0)} van het totaal; "
                     f"financiering: {payers}.")
        if self.notes:
            text += " " + self.notes
        return text


def budget_config_from_region(region: Region) -> BudgetConfig:
    """Read the ``budget:`` block of a region YAML (defaults when there is none).

    Defaults: no weights (allocation by pupils alone), 2 years, at most 10 % change per year,
    budget-neutral.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> budget_config_from_region(load_region("demoregio")).is_default    # doctest: +SKIP
    True
    """
    block = region.extra.get("budget")
    if block is None:
        return BudgetConfig(is_default=True)
    name = region.path.name
    if not isinstance(block, dict):
        raise ConfigError(f"{name}: key 'budget' should be a mapping.")
    weights = block.get("weights") or {}
    if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
        raise ConfigError(f"{name}: 'budget.weights' should map characteristic names to numbers.")
    chars = block.get("characteristics") or {}
    if not isinstance(chars, dict) or not all(isinstance(v, dict) for v in chars.values()):
        raise ConfigError(f"{name}: 'budget.characteristics' should map school ids to {{name: value}}.")
    unknown = [s for s in chars if str(s) not in region.school_ids]
    if unknown:
        raise ConfigError(f"{name}: 'budget.characteristics' names school(s) {', '.join(map(str, unknown))} "
                          "that the region does not list.")
    transition = block.get("transition") or {}
    if not isinstance(transition, dict):
        raise ConfigError(f"{name}: 'budget.transition' should be a mapping.")
    years = transition.get("years", 2)
    cap = transition.get("max_change_per_year", 0.1)
    unit = transition.get("cap_unit", "fraction")
    if not isinstance(years, int) or years < 1:
        raise ConfigError(f"{name}: 'budget.transition.years' is {years!r}; expected a whole number >= 1.")
    if not isinstance(cap, (int, float)) or cap <= 0 or unit not in {"fraction", "eur"}:
        raise ConfigError(f"{name}: 'budget.transition' needs max_change_per_year > 0 and cap_unit "
                          "'fraction' or 'eur'.")
    year = block.get("budget_year")
    reserve, cofinancing, basis, groups = _money_assumptions(block, name)
    return BudgetConfig(
        weights={str(k): float(v) for k, v in weights.items()},
        characteristics={str(s): {str(k): float(v) for k, v in d.items()} for s, d in chars.items()},
        years=years,
        max_change_per_year=float(cap),
        cap_unit=unit,
        budget_neutral=bool(block.get("budget_neutral", True)),
        budget_year=int(year) if year is not None else None,
        notes=str(block.get("notes") or "").strip(),
        is_default=False,
        maatwerk_reserve=reserve, cofinancing=cofinancing, basis_year=basis, doelgroepen_weights=groups,
    )


def _money_assumptions(block: dict[str, Any], name: str) -> tuple[float, dict[str, float], str, dict[str, float]]:
    """The maatwerk reserve, the co-financing shares, the basis year and the doelgroepen weights,
    checked (defaults where the block is silent)."""
    reserve = block.get("maatwerk_reserve")
    reserve = 0.0 if reserve is None else reserve
    if isinstance(reserve, bool) or not isinstance(reserve, (int, float)) or not 0 <= reserve <= 0.5:
        raise ConfigError(f"{name}: 'budget.maatwerk_reserve' is {reserve!r}; expected a share of the total "
                          "between 0 and 0.5 (0.1 = 10 % kept aside for individual maatwerk).")
    shares = block.get("cofinancing") or {"gemeenten": 1.0}
    if not isinstance(shares, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
                                               for v in shares.values()):
        raise ConfigError(f"{name}: 'budget.cofinancing' should map paying parties to shares >= 0 "
                          "(e.g. {gemeenten: 0.7, schoolbesturen: 0.2, samenwerkingsverband: 0.1}).")
    unknown = [str(k) for k in shares if str(k) not in FUNDERS]
    if unknown:
        raise ConfigError(f"{name}: 'budget.cofinancing' names {', '.join(unknown)}; expected "
                          f"{', '.join(FUNDERS)}.")
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise ConfigError(f"{name}: the shares in 'budget.cofinancing' add up to {sum(shares.values()):g}; "
                          "they should add up to 1.")
    basis = str(block.get("basis_year") or "2019-2020")
    if len(basis) != 9 or not (basis[:4].isdigit() and basis[5:].isdigit() and basis[4] == "-"
                               and int(basis[5:]) == int(basis[:4]) + 1):
        raise ConfigError(f"{name}: 'budget.basis_year' is {basis!r}; expected a school year such as '2019-2020'.")
    groups = block.get("doelgroepen_weights")
    groups = dict(DOELGROEPEN_WEIGHTS) if groups is None else groups
    if not isinstance(groups, dict) or not all(isinstance(v, (int, float)) for v in groups.values()):
        raise ConfigError(f"{name}: 'budget.doelgroepen_weights' should map characteristic names to numbers.")
    return (float(reserve), {str(k): float(v) for k, v in shares.items()}, basis,
            {str(k): float(v) for k, v in groups.items()})


#: Characteristics derived from the school type in params (0/1 indicators).
TYPE_CHARACTERISTICS: dict[str, str] = {
    "praktijkonderwijs": "school for praktijkonderwijs (type contains 'praktijk' or 'pro')",
    "vso": "school for voortgezet speciaal onderwijs (type contains 'vso')",
    "vmbo": "school with vmbo (type contains 'vmbo')",
}


def characteristics_from_region(region: Region, config: BudgetConfig | None = None) -> pd.DataFrame:
    """Characteristics per school: 0/1 indicators from the school type, overridden by the YAML.

    Columns ``school_id, praktijkonderwijs, vso, vmbo`` plus any characteristic named in
    ``budget.characteristics``. Derived indicators are crude stand-ins for the population
    characteristics of the doelgroepenmodel; a region that has shares per school (for example
    from DUO or CBS) should give them under ``budget.characteristics``.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> ch = characteristics_from_region(load_region("regio-alkmaar"))     # doctest: +SKIP
    >>> ch.set_index("school_id").loc["08UV00", "praktijkonderwijs"]       # doctest: +SKIP
    1.0
    """
    config = config if config is not None else budget_config_from_region(region)
    rows = []
    for s in region.schools:
        t = s.school_type.lower()
        parts = {p.strip() for p in t.replace(",", "/").split("/")}
        row: dict[str, Any] = {
            "school_id": s.school_id,
            "praktijkonderwijs": float("praktijk" in t or "pro" in parts),
            "vso": float("vso" in parts or "speciaal" in t),
            "vmbo": float(any(p.startswith("vmbo") for p in parts)),
        }
        row.update(config.characteristics.get(s.school_id, {}))
        rows.append(row)
    return pd.DataFrame(rows)
