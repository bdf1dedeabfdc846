"""Collective ZiO budget: current budget per pupil, a recalibrated budget and a transition path.

Holland Rijnland's factsheet (DSP-groep/Oberon) finds that the collective "Zorg in
Onderwijstijd" budget per school follows earlier agreements and pilots rather than need, and
advises a gradual (about two years), budget-neutral recalibration on pupil numbers and
characteristics of the pupil population, in the spirit of the national *doelgroepenmodel*.

The recalibration rule (documented in ``docs/budget.md``; the weights are assumptions that live
in the region YAML under ``budget:``):

.. math::

    \\text{need index}_i = 1 + \\sum_k w_k\\, c_{ik}, \\qquad
    \\text{weighted pupils}_i = \\text{pupils}_i \\times \\text{need index}_i, \\qquad
    \\text{target}_i = T \\cdot \\frac{\\text{weighted pupils}_i}{\\sum_j \\text{weighted pupils}_j}

with :math:`c_{ik}` characteristic *k* of school *i* (for example the share of pupils in
praktijkonderwijs, or 1 for a VSO school), :math:`w_k` its weight (0.5 = such a pupil counts as
1.5 pupils) and *T* the total: by default the sum of the current budgets (budget-neutral).

The transition path moves each school from its current budget towards the target in ``years``
steps; a school's budget changes by at most ``max_change_per_year`` per year (a fraction of the
previous year's budget, or an absolute amount in euros). With ``budget_neutral=True`` the
increases and decreases of each year are balanced (the larger side is scaled down), so the
region's total stays the same every year; a school that cannot reach its target within the cap
is reported with the remaining gap.

Examples
--------
>>> import pandas as pd
>>> current = pd.DataFrame({"school_id": ["A", "B"], "budget_eur": [300_000.0, 100_000.0]})
>>> target = recalibrate_budget(current, pd.Series({"A": 100, "B": 100}), None, {})
>>> target["budget_target"].tolist()
[200000.0, 200000.0]
>>> path = transition_path(current, target, years=2, max_change_per_year=0.5)
>>> path.pivot(index="year", columns="school_id", values="budget_eur").loc[2].tolist()
[200000.0, 200000.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from josanalysis.core.config import Region

__all__ = [
    "BudgetConfig",
    "budget_config_from_region",
    "characteristics_from_region",
    "current_budget",
    "recalibrate_budget",
    "transition_path",
    "plot_budget",
    "BudgetReportData",
    "BudgetSection",
    "budget_section",
    "load_budget_report_data",
    "save_tables",
    "DUTCH_HEADERS",
]

#: Dutch headers for report tables.
DUTCH_HEADERS: dict[str, str] = {
    "school_id": "vestiging",
    "school": "school",
    "pupils": "leerlingen",
    "budget_current": "huidig budget (€)",
    "budget_per_pupil_current": "huidig per leerling (€)",
    "need_index": "zorgindex",
    "weighted_pupils": "gewogen leerlingen",
    "budget_target": "herijkt budget (€)",
    "budget_per_pupil_target": "herijkt per leerling (€)",
    "change_eur": "verschil (€)",
    "change_pct": "verschil (%)",
    "year": "jaar",
    "budget_eur": "budget (€)",
    "budget_per_pupil": "per leerling (€)",
    "target_eur": "doel (€)",
    "gap_eur": "nog te gaan (€)",
    "capped": "begrensd",
}


def _series(obj: Any, candidates: tuple[str, ...], what: str) -> pd.Series:
    """A float Series indexed by school_id from a Series, mapping or DataFrame."""
    if isinstance(obj, Mapping):
        s = pd.Series(dict(obj), dtype="float64")
    elif isinstance(obj, pd.DataFrame):
        if "school_id" not in obj.columns:
            raise DataError(f"the {what} table has no 'school_id' column.")
        col = next((c for c in candidates if c in obj.columns), None)
        if col is None:
            raise DataError(f"the {what} table needs a column {' or '.join(repr(c) for c in candidates)} "
                            f"(got {', '.join(map(str, obj.columns))}).")
        if obj["school_id"].duplicated().any():
            dup = sorted(obj.loc[obj["school_id"].duplicated(), "school_id"].astype(str).unique())
            raise DataError(f"the {what} table lists school(s) {', '.join(dup)} more than once "
                            "(select one year first).", column="school_id")
        s = pd.Series(obj[col].to_numpy(), index=obj["school_id"].astype(str).to_numpy())
    elif isinstance(obj, pd.Series):
        s = obj.copy()
        s.index = s.index.astype(str)
    else:
        raise ConfigError(f"{what} should be a Series indexed by school_id, a mapping, or a DataFrame "
                          f"with 'school_id' and {' or '.join(candidates)}.")
    values = pd.to_numeric(s, errors="coerce").astype("float64")
    if values.isna().any():
        bad = sorted(values.index[values.isna()].astype(str))
        raise DataError(f"the {what} of school(s) {', '.join(bad)} is missing or not a number.")
    if (values < 0).any():
        bad = sorted(values.index[values < 0].astype(str))
        raise DataError(f"the {what} of school(s) {', '.join(bad)} is negative.")
    values.name = what
    return values


def recalibrate_budget(
    current: pd.DataFrame | pd.Series,
    pupils: pd.Series | pd.DataFrame | Mapping[str, float],
    characteristics: pd.DataFrame | None,
    weights: Mapping[str, float],
    *,
    budget_neutral: bool = True,
    total: float | None = None,
) -> pd.DataFrame:
    """A recalibrated budget per school from pupil numbers and weighted population characteristics.

    Parameters
    ----------
    current
        Current budget per school: DataFrame with ``school_id`` and ``budget_eur`` (one year),
        or a Series indexed by ``school_id``.
    pupils
        Pupils per school (Series by ``school_id``, DataFrame with ``school_id, pupils``, or a
        mapping). Every school in ``current`` needs a count.
    characteristics
        One row per school: ``school_id`` plus one numeric column per characteristic named in
        ``weights`` (a share of pupils in 0..1, or a 0/1 indicator). ``None`` when ``weights`` is
        empty (allocation by pupils alone).
    weights
        Weight per characteristic column: a pupil with the characteristic counts as ``1 + w``
        pupils. These are assumptions of the region (``budget.weights`` in its YAML).
    budget_neutral
        Keep the region's total equal to the sum of the current budgets (default).
    total
        Total to distribute when ``budget_neutral`` is False (required then).

    Returns
    -------
    pandas.DataFrame
        ``school_id, pupils, budget_current, budget_per_pupil_current, need_index,
        weighted_pupils, budget_target, budget_per_pupil_target, change_eur, change_pct``, in the
        order of ``current``.

    Raises
    ------
    ConfigError
        Contradicting ``budget_neutral``/``total``, weights without characteristics, weights
        naming columns that are absent, or a need index that is not positive.
    DataError
        Missing or negative budgets or pupil counts, schools without a pupil count, schools
        without characteristics, all-zero pupils.

    Examples
    --------
    >>> import pandas as pd
    >>> cur = pd.Series({"A": 100.0, "B": 100.0})
    >>> ch = pd.DataFrame({"school_id": ["A", "B"], "pro": [1.0, 0.0]})
    >>> recalibrate_budget(cur, {"A": 10, "B": 10}, ch, {"pro": 1.0})["budget_target"].round(2).tolist()
    [133.33, 66.67]
    """
    cur = _series(current, ("budget_eur", "budget_current"), "budget")
    pup = _series(pupils, ("pupils",), "pupils")
    missing = [s for s in cur.index if s not in pup.index]
    if missing:
        raise DataError(f"no pupil count for school(s) {', '.join(missing)}; the recalibration needs one per school.")
    pup = pup.reindex(cur.index)
    if budget_neutral and total is not None and not np.isclose(total, cur.sum()):
        raise ConfigError(
            f"budget_neutral=True keeps the total at the current {cur.sum():,.2f} euro, but total={total:,.2f} "
            "was given; pass budget_neutral=False to distribute another total."
        )
    if not budget_neutral and total is None:
        raise ConfigError("budget_neutral=False needs the total to distribute (total=...).")
    target_total = float(cur.sum()) if total is None else float(total)
    if target_total < 0:
        raise ConfigError(f"total is {target_total}; expected a budget >= 0.")

    weights = {str(k): float(v) for k, v in dict(weights or {}).items()}
    need = pd.Series(1.0, index=cur.index)
    if weights:
        if characteristics is None:
            raise ConfigError(f"weights are given for {', '.join(weights)} but no characteristics table.")
        if "school_id" not in characteristics.columns:
            raise DataError("the characteristics table has no 'school_id' column.")
        absent = [k for k in weights if k not in characteristics.columns]
        if absent:
            raise ConfigError(f"weights name characteristic(s) {', '.join(absent)} that the characteristics table "
                              f"lacks (it has {', '.join(c for c in characteristics.columns if c != 'school_id')}).")
        ch = characteristics.copy()
        ch["school_id"] = ch["school_id"].astype(str)
        if ch["school_id"].duplicated().any():
            raise DataError("the characteristics table lists a school more than once.", column="school_id")
        ch = ch.set_index("school_id")
        lacking = [s for s in cur.index if s not in ch.index]
        if lacking:
            raise DataError(f"no characteristics for school(s) {', '.join(lacking)}.")
        for k, w in weights.items():
            values = pd.to_numeric(ch.loc[cur.index, k], errors="coerce")
            if values.isna().any():
                bad = sorted(values.index[values.isna()])
                raise DataError(f"characteristic '{k}' is missing or not a number for school(s) {', '.join(bad)}.",
                                column=k)
            need = need + w * values.astype("float64")
    if (need <= 0).any():
        bad = sorted(need.index[need <= 0])
        raise ConfigError(f"the weights give a need index <= 0 for school(s) {', '.join(bad)}; "
                          "weights must keep every school's index positive.")
    weighted = pup * need
    if weighted.sum() <= 0:
        raise DataError("all schools have 0 pupils; nothing to recalibrate on.")
    target = target_total * weighted / weighted.sum()
    per_pupil = pup.where(pup > 0)
    out = pd.DataFrame({
        "school_id": cur.index,
        "pupils": pup.to_numpy(),
        "budget_current": cur.to_numpy(),
        "budget_per_pupil_current": (cur / per_pupil).to_numpy(),
        "need_index": need.to_numpy(),
        "weighted_pupils": weighted.to_numpy(),
        "budget_target": target.to_numpy(),
        "budget_per_pupil_target": (target / per_pupil).to_numpy(),
    })
    out["change_eur"] = out["budget_target"] - out["budget_current"]
    out["change_pct"] = out["change_eur"] / out["budget_current"].where(out["budget_current"] > 0) * 100
    return out


def transition_path(
    current: pd.DataFrame | pd.Series,
    target: pd.DataFrame | pd.Series,
    *,
    years: int = 2,
    max_change_per_year: float = 0.1,
    cap_unit: str = "fraction",
    budget_neutral: bool = True,
    start_year: int | None = None,
) -> pd.DataFrame:
    """A year-by-year path from the current to the target budget, with a cap per school per year.

    Each year a school is asked to close ``gap / years_left`` (a straight line to the target);
    the step is cut to the cap. With ``budget_neutral=True`` the year's increases and decreases
    are then balanced by scaling down the larger side, so the total equals the current total
    every year (caps are never exceeded). A school that has not reached its target after
    ``years`` steps keeps a ``gap_eur``; a longer path or a larger cap closes it.

    Parameters
    ----------
    current
        Current budget per school (``school_id, budget_eur`` or a Series).
    target
        Target per school: the output of :func:`recalibrate_budget` (``budget_target``), or a
        ``school_id, budget_eur`` frame / Series. Same schools as ``current``.
    years
        Number of yearly steps (the factsheet advises about 2).
    max_change_per_year
        The cap: a fraction of the previous year's budget (``cap_unit="fraction"``, default 0.1
        = 10 %) or an amount in euros (``cap_unit="eur"``).
    cap_unit
        ``"fraction"`` or ``"eur"``.
    budget_neutral
        Balance each year's increases and decreases (requires equal current and target totals).
    start_year
        Calendar year of step 0 (the current budget); ``year`` is then ``start_year + step``.
        Without it ``year`` is the step number 0..years.

    Returns
    -------
    pandas.DataFrame
        One row per school and year (the current budget is year 0 / ``start_year``):
        ``school_id, year, budget_eur, change_eur, change_pct, target_eur, gap_eur, capped``
        (``capped``: the cap limited this year's step).

    Raises
    ------
    ConfigError
        ``years`` < 1, a non-positive cap, a fraction cap above 1, an unknown ``cap_unit``,
        or ``budget_neutral`` with totals that differ.
    DataError
        Schools missing from one of the two inputs.

    Examples
    --------
    >>> import pandas as pd
    >>> p = transition_path(pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 140.0, "B": 60.0}),
    ...                     years=2, max_change_per_year=0.1)
    >>> p[p.school_id == "A"]["budget_eur"].round(2).tolist()   # B may fall only 9 in year 2
    [100.0, 110.0, 119.0]
    >>> p2 = transition_path(pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 140.0, "B": 60.0}),
    ...                      years=2, max_change_per_year=0.1, budget_neutral=False)
    >>> p2[p2.school_id == "A"]["budget_eur"].round(2).tolist()
    [100.0, 110.0, 121.0]
    """
    if not isinstance(years, (int, np.integer)) or years < 1:
        raise ConfigError(f"years is {years!r}; expected a whole number of years >= 1.")
    if cap_unit not in {"fraction", "eur"}:
        raise ConfigError(f"cap_unit is {cap_unit!r}; expected 'fraction' or 'eur'.")
    if not isinstance(max_change_per_year, (int, float)) or not max_change_per_year > 0:
        raise ConfigError(f"max_change_per_year is {max_change_per_year!r}; expected a positive number.")
    if cap_unit == "fraction" and max_change_per_year > 1:
        raise ConfigError(
            f"max_change_per_year is {max_change_per_year} as a fraction (more than 100 % a year); "
            "use cap_unit='eur' for an amount in euros."
        )
    cur = _series(current, ("budget_eur", "budget_current"), "budget")
    tgt = _series(target, ("budget_target", "budget_eur"), "target budget")
    if set(cur.index) != set(tgt.index):
        only = sorted(set(cur.index) ^ set(tgt.index))
        raise DataError(f"school(s) {', '.join(only)} occur in only one of the current and target budgets.")
    tgt = tgt.reindex(cur.index)
    if budget_neutral and not np.isclose(cur.sum(), tgt.sum(), rtol=1e-9, atol=0.01):
        raise ConfigError(
            f"budget_neutral=True needs equal totals, but the current total is {cur.sum():,.2f} and the "
            f"target total {tgt.sum():,.2f}; pass budget_neutral=False for a path that changes the total."
        )

    budget = cur.to_numpy(dtype="float64").copy()
    goal = tgt.to_numpy(dtype="float64")
    records = [(budget.copy(), np.zeros_like(budget, dtype=bool))]
    for step in range(1, years + 1):
        years_left = years - step + 1
        desired = (goal - budget) / years_left
        cap = budget * max_change_per_year if cap_unit == "fraction" else np.full_like(budget, max_change_per_year)
        step_change = np.clip(desired, -cap, cap)
        capped = np.abs(desired) > cap + 1e-9
        if budget_neutral:
            up = step_change[step_change > 0].sum()
            down = -step_change[step_change < 0].sum()
            if up > 0 and down > 0:
                if up > down:
                    step_change[step_change > 0] *= down / up
                    capped |= (step_change > 0) & ~np.isclose(step_change, desired)
                elif down > up:
                    step_change[step_change < 0] *= up / down
                    capped |= (step_change < 0) & ~np.isclose(step_change, desired)
            else:
                # one side only: nothing to balance against, no school moves
                capped |= np.abs(step_change) > 1e-9
                step_change = np.zeros_like(step_change)
        budget = budget + step_change
        records.append((budget.copy(), capped))

    rows = []
    prev = None
    for step, (values, capped) in enumerate(records):
        change = values - (prev if prev is not None else values)
        base = prev if prev is not None else values
        for i, sid in enumerate(cur.index):
            rows.append({
                "school_id": sid,
                "year": (start_year + step) if start_year is not None else step,
                "budget_eur": values[i],
                "change_eur": change[i],
                "change_pct": change[i] / base[i] * 100 if base[i] > 0 else np.nan,
                "target_eur": goal[i],
                "gap_eur": goal[i] - values[i],
                "capped": bool(capped[i]),
            })
        prev = values
    out = pd.DataFrame(rows)
    out["gap_eur"] = out["gap_eur"].where(out["gap_eur"].abs() > 0.005, 0.0)
    return out


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


def current_budget(budget: pd.DataFrame, *, year: int | None = None) -> pd.DataFrame:
    """One year of the canonical budget frame ``[school_id, year, budget_eur]``.

    Parameters
    ----------
    budget
        The frame from ``josanalysis.sources`` (``load_budget``).
    year
        Which year; ``None`` = the latest year in the frame.

    Returns
    -------
    pandas.DataFrame
        ``school_id, budget_eur`` for that year (summed if a school has several rows).

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"school_id": ["A", "A"], "year": [2023, 2024], "budget_eur": [1.0, 2.0]})
    >>> current_budget(b)["budget_eur"].tolist()
    [2.0]
    """
    need = {"school_id", "year", "budget_eur"}
    if not need <= set(budget.columns):
        raise DataError(f"the budget table needs columns {', '.join(sorted(need))} "
                        f"(got {', '.join(map(str, budget.columns))}).")
    years = pd.to_numeric(budget["year"], errors="coerce")
    chosen = int(years.max()) if year is None else int(year)
    sel = budget[years == chosen]
    if sel.empty:
        raise DataError(f"the budget table has no rows for year {chosen} (years: "
                        f"{', '.join(str(int(y)) for y in sorted(years.dropna().unique()))}).")
    out = sel.groupby(sel["school_id"].astype(str), sort=False)["budget_eur"].sum().reset_index()
    out.attrs["year"] = chosen
    return out


def plot_budget(recalibrated: pd.DataFrame, path: pd.DataFrame, names: Mapping[str, str] | None = None,
                *, per_pupil: bool = False) -> Figure:
    """Figure: current vs recalibrated budget per school, with the transition path in between.

    Parameters
    ----------
    recalibrated
        Output of :func:`recalibrate_budget`.
    path
        Output of :func:`transition_path` for the same schools.
    names
        Optional school names by ``school_id`` for the axis labels.
    per_pupil
        Show euros per pupil instead of euros.

    Returns
    -------
    matplotlib.figure.Figure
        Dutch labels; one row per school, dots for the path years.

    Examples
    --------
    >>> fig = plot_budget(recalibrated, path, names, per_pupil=True)    # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    names = dict(names or {})
    pupils = recalibrated.set_index("school_id")["pupils"]
    schools = list(recalibrated["school_id"])
    years = sorted(path["year"].unique())
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(schools) + 1.5))
    cmap = plt.get_cmap("Blues")
    for i, sid in enumerate(schools):
        p = path[path["school_id"] == sid].sort_values("year")
        vals = p["budget_eur"].to_numpy()
        tgt = float(recalibrated.loc[recalibrated["school_id"] == sid, "budget_target"].iloc[0])
        if per_pupil:
            denom = float(pupils[sid]) if pupils[sid] > 0 else np.nan
            vals = vals / denom
            tgt = tgt / denom
        ax.plot([vals[0], tgt], [i, i], color="0.8", zorder=1)
        for k, (y, v) in enumerate(zip(years, vals)):
            ax.scatter(v, i, color=cmap(0.35 + 0.6 * k / max(len(years) - 1, 1)), zorder=2,
                       label=("huidig" if k == 0 else f"jaar {y}") if i == 0 else None)
        ax.scatter(tgt, i, marker="D", color="tab:orange", zorder=3, label="herijkt" if i == 0 else None)
    ax.set_yticks(range(len(schools)), [names.get(s, s) for s in schools])
    ax.invert_yaxis()
    ax.set_xlabel("budget per leerling (€)" if per_pupil else "budget (€)")
    ax.set_title("Huidig budget, herijkt budget en overgangspad per school")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Inputs of the budget report (capacity, budget, home municipality, return, provider)
# --------------------------------------------------------------------------------------------


@dataclass
class BudgetReportData:
    """Aggregated inputs of the region's budget report; no pupil-level data.

    Every attribute is ``None`` when its source is absent; ``missing`` then holds the Dutch
    sentence naming the file to supply, under the same key.

    Attributes
    ----------
    fte
        ``school_id, function, fte_before, fte_during, deployed`` (from ``capaciteit/*.csv`` when
        present, else from the school YAML files); ``fte_source`` says which.
    pupils
        Pupils per school (Series by ``school_id``): the latest DUO count in the data folder,
        else the counts recorded in the school YAML files; ``pupils_source`` says which.
    pupils_by_year
        ``school_id, school_year, pupils`` from the DUO files (for per-100 figures per year).
    budget
        ``school_id, year, budget_eur`` (``budget/*.csv``).
    home_municipality
        The canonical DUO pupils-by-home-municipality frame (aggregated counts per school,
        postcode and leerjaar, as DUO publishes them).
    rendement
        The long return frame ``school_id, school_year, indicator, value``.
    provider
        The provider summary per school and school year (``summarise_trajectories``).
    missing
        Source key -> Dutch sentence (see :func:`josanalysis.questions.rendement.missing_source_message`).
    files
        Source key -> files read.
    data_dir
        The region's data folder as shown in messages (relative to the project when inside it).
    """

    fte: pd.DataFrame | None = None
    fte_source: str = ""
    pupils: pd.Series | None = None
    pupils_source: str = ""
    pupils_by_year: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    home_municipality: pd.DataFrame | None = None
    rendement: pd.DataFrame | None = None
    provider: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    data_dir: str = ""


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def load_budget_report_data(region: Region, prepared: str | Path = "") -> BudgetReportData:
    """Gather what the budget report needs, tolerating absent sources.

    Without ``prepared`` the sources are read from the region's data folder with the loaders of
    :mod:`josanalysis.sources` (validated: a broken file stops with a
    :class:`~josanalysis.core.errors.DataError`); attendance files are not read (this report does not
    use them). With ``prepared`` (the panel folder a batch run made with
    :func:`josanalysis.panel.build.prepare_region`) everything comes from the panel and its tables
    (``capacity``, ``budget``, ``pupils_by_home``, ``trajectories``, ``rendement``).
    An absent source or data folder is not an error: it becomes a Dutch "supply this file"
    sentence in ``missing``.

    Parameters
    ----------
    region
        The region (its ``data_dir`` is read).
    prepared
        The prepared panel folder, or empty.

    Returns
    -------
    BudgetReportData

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> data = load_budget_report_data(load_region("regio-alkmaar"))     # doctest: +SKIP
    >>> sorted(data.missing)                                               # doctest: +SKIP
    ['aanbieder', 'budget', 'herkomst']
    """
    from josanalysis.questions.capacity import fte_from_region, pupils_from_region
    from josanalysis.core.config import PROJECT_ROOT
    from josanalysis.questions.rendement import long_from_frame, missing_source_message

    data_dir = region.data_dir
    shown_dir = data_dir.relative_to(PROJECT_ROOT) if data_dir.is_relative_to(PROJECT_ROOT) else data_dir
    ids = region.school_ids
    out = BudgetReportData(data_dir=shown_dir.as_posix())

    def miss(key: str, source: str, what: str) -> None:
        out.missing[key] = missing_source_message(source, shown_dir, what=what)

    if prepared:
        got = _from_panel(region, prepared)
    else:
        got = _from_files(region, data_dir)
    out.files = got.pop("files", {})

    cap = got.get("capacity")
    if cap is not None and len(cap):
        out.fte = cap[["school_id", "function", "fte_before", "fte_during", "deployed"]].copy()
        out.fte_source = got.get("capacity_source", "capaciteitsbestand")
    else:
        fte = fte_from_region(region)
        if len(fte):
            out.fte = fte
            out.fte_source = "parameterbestanden van de scholen (params/schools/...)"
        else:
            miss("capaciteit", "capaciteit", "de capaciteit (fte per functie)")

    pby = got.get("pupils_by_year")
    if pby is not None and len(pby):
        pby = pby[pby["school_id"].isin(ids)].dropna(subset=["pupils"])
        out.pupils_by_year = pby[["school_id", "school_year", "pupils"]].astype({"pupils": "float64"})
        latest = pby.sort_values("school_year").groupby("school_id")["pupils"].last()
        out.pupils = latest.astype("float64")
        out.pupils_source = f"DUO-telling schooljaar {pby['school_year'].max()} ({got.get('pupils_where', '')})"
    if out.pupils is None or out.pupils.empty:
        p = pupils_from_region(region)
        if len(p):
            out.pupils = p
            out.pupils_source = "leerlingaantallen in de parameterbestanden (pupils_source per school)"
        else:
            miss("leerlingen", "leerlingen", "leerlingaantallen")

    out.budget = got.get("budget")
    if out.budget is None or not len(out.budget):
        out.budget = None
        miss("budget", "budget", "het ZiO-budget")
    out.home_municipality = got.get("pupils_by_home")
    if out.home_municipality is None or not len(out.home_municipality):
        out.home_municipality = None
        miss("herkomst", "herkomst", "leerlingen naar woongemeente")
    out.provider = got.get("provider")
    if out.provider is None or not len(out.provider):
        out.provider = None
        miss("aanbieder", "aanbieder", "de registratie van de aanbieder")

    parts: list[pd.DataFrame] = []
    tz = got.get("thuiszitters")
    if tz is not None and len(tz):
        parts.append(long_from_frame(tz.dropna(subset=["thuiszitters"]), {"thuiszitters": "thuiszitters"},
                                     period_column="month", agg="mean"))
    yc = got.get("youthcare")
    if yc is not None and {"youthcare_ambulant", "youthcare_residential"} <= set(yc.columns):
        parts.append(long_from_frame(yc, {"jeugdhulp_buiten_school": "youthcare_ambulant+youthcare_residential"}))
    ref = got.get("referrals")
    if ref is not None and "tlv_vso_cluster4" in ref.columns:
        parts.append(long_from_frame(ref, {"tlv_vso": "tlv_vso_cluster4"}))
    vsv = got.get("vsv")
    if vsv is not None and "early_leavers" in vsv.columns and len(vsv):
        parts.append(long_from_frame(vsv, {"vsv": "early_leavers"}))
    own = got.get("rendement")
    if own is not None and len(own):
        parts.append(own)
    long = _concat(parts)
    if long is not None:
        long = long[long["school_id"].isin(ids)].dropna(subset=["value"]).reset_index(drop=True)
    out.rendement = long
    return out


def _school_year_of_dates(dates: pd.Series) -> list[str]:
    return [f"{t.year}-{t.year + 1}" if t.month >= 8 else f"{t.year - 1}-{t.year}" for t in pd.to_datetime(dates)]


def _from_files(region: Region, data_dir: Path) -> dict[str, Any]:
    """The report's inputs read from the raw files with the data layer's loaders."""
    from josanalysis.sources import (
        load_budget,
        load_capacity,
        load_duo_pupils,
        load_duo_pupils_by_postcode,
        load_duo_vsv,
        load_municipality_youthcare,
        load_provider_trajectories,
        load_rendement_indicators,
        load_swv_referrals,
        load_thuiszitters,
        summarise_trajectories,
    )
    from josanalysis.panel.build import vsv_per_school
    from josanalysis.sources.folder import discover

    files = discover(data_dir) if data_dir.is_dir() else {}
    ids = region.school_ids

    def read(attr: str, loader: Any, school_level: bool = False) -> pd.DataFrame | None:
        paths = files.get(attr)
        if not paths:
            return None
        kw = {"school_ids": ids} if school_level else {}
        return _concat([loader(p, **kw) for p in paths])

    got: dict[str, Any] = {"files": {k: [str(p) for p in v] for k, v in files.items()}}
    got["capacity"] = read("capacity", load_capacity, school_level=True)
    if got["capacity"] is not None:
        got["capacity_source"] = "bestand " + ", ".join(Path(p).name for p in files["capacity"])
    duo = read("duo_pupils", load_duo_pupils)
    if duo is not None:
        d = duo[duo["school_id"].isin(ids)].copy()
        d["school_year"] = _school_year_of_dates(d["reference_date"])
        got["pupils_by_year"] = d[["school_id", "school_year", "pupils"]]
        got["pupils_where"] = "bestanden in duo/"
    got["budget"] = read("budget", load_budget, school_level=True)
    got["pupils_by_home"] = read("duo_pupils_by_postcode", load_duo_pupils_by_postcode)
    trajectories = read("provider_trajectories", load_provider_trajectories, school_level=True)
    if trajectories is not None:
        got["provider"] = summarise_trajectories(trajectories)   # pupil-level rows stop here
        del trajectories
    got["thuiszitters"] = read("thuiszitters", load_thuiszitters, school_level=True)
    got["youthcare"] = read("municipality_youthcare", load_municipality_youthcare, school_level=True)
    got["referrals"] = read("swv_referrals", load_swv_referrals, school_level=True)
    vsv = read("duo_vsv", load_duo_vsv)
    if vsv is not None:
        got["vsv"] = vsv_per_school(vsv, ids)
    got["rendement"] = read("rendement", load_rendement_indicators, school_level=True)
    return got


def _from_panel(region: Region, prepared: str | Path) -> dict[str, Any]:
    """The report's inputs from a prepared panel folder (no raw file is read)."""
    from josanalysis.panel.build import Panel

    panel = Panel.read_parquet(prepared)
    if panel.region_id != region.region_id:
        raise ConfigError(f"The prepared panel {prepared} belongs to region '{panel.region_id}', "
                          f"not '{region.region_id}'.")
    tables = getattr(panel, "tables", {}) or {}
    got: dict[str, Any] = {"files": {k: list(v) for k, v in (panel.inputs or {}).items()}}
    got["capacity"] = tables.get("capacity")
    got["capacity_source"] = "capaciteitsbestand (voorbereid door de batch)"
    got["budget"] = tables.get("budget")
    got["pupils_by_home"] = tables.get("pupils_by_home")
    got["provider"] = tables.get("trajectories")
    got["rendement"] = tables.get("rendement")
    monthly = panel.monthly()
    if "thuiszitters" in monthly.columns:
        got["thuiszitters"] = monthly[["school_id", "month", "thuiszitters"]]
    yearly = panel.yearly()
    if "pupils" in yearly.columns:
        got["pupils_by_year"] = yearly[["school_id", "school_year", "pupils"]]
        got["pupils_where"] = "voorbereid door de batch"
    got["youthcare"] = yearly
    got["referrals"] = yearly
    if "early_leavers" in yearly.columns:
        got["vsv"] = yearly.dropna(subset=["early_leavers"])
    return got


def save_tables(tables: Mapping[str, pd.DataFrame], output_dir: str | Path | None) -> list[Path]:
    """Write protected report tables as CSV files (``;``, UTF-8) into ``output_dir``.

    Parameters
    ----------
    tables
        Name -> a table that already passed :func:`josanalysis.privacy.suppression.apply_privacy` (hidden
        cells are missing and are written as empty cells).
    output_dir
        Folder to write to; empty or ``None`` writes nothing.

    Returns
    -------
    list[pathlib.Path]
        The files written: one ``<name>.csv`` per table and ``results.json`` holding all of them
        (``{name: {"columns": [...], "data": [[...], ...]}}``; hidden cells are ``null``).

    Examples
    --------
    >>> save_tables({"capaciteit": protected_table}, "outputs/demoregio/budget")   # doctest: +SKIP
    """
    import json

    if not output_dir:
        return []
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    bundle = {}
    for name, table in tables.items():
        if "privacy_suppressed" not in table.attrs:
            raise ConfigError(f"table '{name}' did not pass josanalysis.privacy.suppression.apply_privacy; "
                              "refusing to write it.")
        path = folder / f"{name}.csv"
        table.to_csv(path, sep=";", index=False, encoding="utf-8")
        written.append(path)
        bundle[name] = json.loads(table.to_json(orient="split", index=False, force_ascii=False))
    path = folder / "results.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(path)
    return written


@dataclass(frozen=True)
class BudgetSection:
    """The budget part of the report, computed from the region's files and assumptions.

    Attributes
    ----------
    config
        The assumptions used (:class:`BudgetConfig`).
    year
        The budget year taken as current.
    current
        ``school_id, budget_eur`` of that year (schools with a pupil count).
    recalibrated
        Output of :func:`recalibrate_budget`.
    path
        Output of :func:`transition_path` (``year`` = calendar years from ``year``).
    left_out
        Schools with a budget but without a pupil count (not recalibrated).
    """

    config: BudgetConfig
    year: int
    current: pd.DataFrame
    recalibrated: pd.DataFrame
    path: pd.DataFrame
    left_out: tuple[str, ...] = ()

    def assumptions_text(self) -> str:
        """The assumptions in Dutch, for the report."""
        c = self.config
        weights = ", ".join(f"{k} {v:g}".replace(".", ",") for k, v in c.weights.items()) or "geen (alleen leerlingen)"
        cap = (f"{c.max_change_per_year * 100:g}% van het budget van het jaar ervoor" if c.cap_unit == "fraction"
               else f"€ {c.max_change_per_year:,.0f}".replace(",", "."))
        src = ("standaardwaarden van josanalysis (de regio heeft geen 'budget:'-blok)" if c.is_default
               else "aannames in de parameters van de regio ('budget:')")
        text = (f"Herijking op leerlingaantal × zorgindex (1 + som van gewicht × kenmerk); gewichten: {weights}. "
                f"{'Budgetneutraal: het totaal blijft gelijk.' if c.budget_neutral else 'Niet budgetneutraal.'} "
                f"Overgangspad in {c.years} jaar, per school per jaar hoogstens {cap} erbij of eraf. Bron: {src}.")
        if c.notes:
            text += " " + c.notes
        return text


def budget_section(region: Region, budget: pd.DataFrame, pupils: pd.Series | pd.DataFrame | Mapping[str, float],
                   *, config: BudgetConfig | None = None) -> BudgetSection:
    """Current budget, recalibrated budget and transition path with the region's assumptions.

    Parameters
    ----------
    region
        The region (for its ``budget:`` assumptions and school types).
    budget
        The canonical budget frame ``school_id, year, budget_eur``.
    pupils
        Pupils per school.
    config
        Assumptions to use instead of the region's.

    Returns
    -------
    BudgetSection

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> region = load_region("demoregio")                                     # doctest: +SKIP
    >>> data = load_budget_report_data(region)                                 # doctest: +SKIP
    >>> budget_section(region, data.budget, data.pupils).path.head()           # doctest: +SKIP
    """
    from josanalysis.questions.capacity import _pupils_series

    config = config if config is not None else budget_config_from_region(region)
    cur = current_budget(budget, year=config.budget_year)
    year = int(cur.attrs["year"])
    pup = _pupils_series(pupils).dropna()
    has = cur["school_id"].isin(pup.index[pup > 0])
    left_out = tuple(cur.loc[~has, "school_id"])
    cur = cur[has].reset_index(drop=True)
    if cur.empty:
        raise DataError("no school with a budget also has a pupil count; the recalibration needs both.")
    chars = characteristics_from_region(region, config)
    chars = chars[chars["school_id"].isin(cur["school_id"])]
    missing_chars = sorted(set(cur["school_id"]) - set(chars["school_id"]))
    if missing_chars:
        raise DataError(f"school(s) {', '.join(missing_chars)} have a budget but are not in the region's params.")
    recal = recalibrate_budget(cur, pup, chars if config.weights else None, config.weights,
                               budget_neutral=config.budget_neutral)
    path = transition_path(cur, recal, years=config.years, max_change_per_year=config.max_change_per_year,
                           cap_unit=config.cap_unit, budget_neutral=config.budget_neutral, start_year=year)
    return BudgetSection(config=config, year=year, current=cur, recalibrated=recal, path=path, left_out=left_out)
