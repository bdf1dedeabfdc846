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

__all__ = ["BudgetConfig", "budget_config_from_region", "TYPE_CHARACTERISTICS", "characteristics_from_region"]


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
    )


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
