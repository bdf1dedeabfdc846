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
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.config import Region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.questions.budget_assumptions import (
    BudgetConfig,
    budget_config_from_region,
    characteristics_from_region,
)
from josanalysis.questions.pupils import pupils_series

__all__ = [
    "current_budget",
    "recalibrate_budget",
    "transition_path",
    "BudgetSection",
    "budget_section",
    "DUTCH_HEADERS",
    "relative_youthcare_share",
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
    "budget_per_pupil_groups": "herijkt naar doelgroepen per leerling (€)",
    "change_pct_groups": "verschil doelgroepen (%)",
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
    target_total = _target_total(cur, budget_neutral, total)
    need = _need_index(cur.index, characteristics, {str(k): float(v) for k, v in dict(weights or {}).items()})
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


def _target_total(cur: pd.Series, budget_neutral: bool, total: float | None) -> float:
    """The total to distribute: the current total when budget-neutral, else ``total``."""
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
    return target_total


def _need_index(schools: pd.Index, characteristics: pd.DataFrame | None, weights: dict[str, float]) -> pd.Series:
    """``1 + sum_k w_k c_ik`` per school (1 everywhere without weights)."""
    need = pd.Series(1.0, index=schools)
    if weights:
        ch = _characteristics_table(schools, characteristics, weights)
        for k, w in weights.items():
            values = pd.to_numeric(ch.loc[schools, k], errors="coerce")
            if values.isna().any():
                bad = sorted(values.index[values.isna()])
                raise DataError(f"characteristic '{k}' is missing or not a number for school(s) {', '.join(bad)}.",
                                column=k)
            need = need + w * values.astype("float64")
    if (need <= 0).any():
        bad = sorted(need.index[need <= 0])
        raise ConfigError(f"the weights give a need index <= 0 for school(s) {', '.join(bad)}; "
                          "weights must keep every school's index positive.")
    return need


def _characteristics_table(schools: pd.Index, characteristics: pd.DataFrame | None,
                           weights: dict[str, float]) -> pd.DataFrame:
    """The characteristics indexed by school, checked against the weights and the schools."""
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
    lacking = [s for s in schools if s not in ch.index]
    if lacking:
        raise DataError(f"no characteristics for school(s) {', '.join(lacking)}.")
    return ch


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
    _check_path_arguments(years, max_change_per_year, cap_unit)
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
    goal = tgt.to_numpy(dtype="float64")
    steps = _path_steps(cur.to_numpy(dtype="float64").copy(), goal, years, max_change_per_year, cap_unit,
                        budget_neutral)
    return _path_frame(list(cur.index), steps, goal, start_year)


def _check_path_arguments(years: int, max_change_per_year: float, cap_unit: str) -> None:
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


def _path_steps(budget: np.ndarray, goal: np.ndarray, years: int, max_change_per_year: float, cap_unit: str,
                budget_neutral: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Budgets and "capped" flags per step: step 0 is the current budget."""
    records = [(budget.copy(), np.zeros_like(budget, dtype=bool))]
    for step in range(1, years + 1):
        years_left = years - step + 1
        desired = (goal - budget) / years_left
        cap = budget * max_change_per_year if cap_unit == "fraction" else np.full_like(budget, max_change_per_year)
        step_change = np.clip(desired, -cap, cap)
        capped = np.abs(desired) > cap + 1e-9
        if budget_neutral:
            step_change, capped = _balanced(step_change, desired, capped)
        budget = budget + step_change
        records.append((budget.copy(), capped))
    return records


def _balanced(step_change: np.ndarray, desired: np.ndarray, capped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale down the larger of a year's increases and decreases so that they cancel."""
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
    return step_change, capped


def _path_frame(schools: list[str], records: list[tuple[np.ndarray, np.ndarray]], goal: np.ndarray,
                start_year: int | None) -> pd.DataFrame:
    """One row per school and step, with the change against the step before and the gap left."""
    rows = []
    prev = None
    for step, (values, capped) in enumerate(records):
        change = values - (prev if prev is not None else values)
        base = prev if prev is not None else values
        for i, sid in enumerate(schools):
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


def relative_youthcare_share(per_school: pd.DataFrame) -> pd.DataFrame:
    """The characteristic ``jeugdhulp_woongemeente``: a school's estimated share of pupils with youth
    care (from their home municipalities) relative to the mean of the schools, minus 1.

    Parameters
    ----------
    per_school
        ``school_id, share_percent`` (the catchment estimate,
        :func:`josanalysis.questions.catchment.estimate_youthcare`).

    Examples
    --------
    >>> import pandas as pd
    >>> relative_youthcare_share(pd.DataFrame({"school_id": ["A", "B"], "share_percent": [15.0, 5.0]}))[
    ...     "jeugdhulp_woongemeente"].tolist()
    [0.5, -0.5]
    """
    share = pd.to_numeric(per_school["share_percent"], errors="coerce")
    return pd.DataFrame({"school_id": per_school["school_id"].astype(str),
                         "jeugdhulp_woongemeente": share / share.mean() - 1})


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
        JOS schools with a budget but without a pupil count (not recalibrated).
    comparison
        Comparison schools that have a row in the budget file: they never hold a JOS budget, so
        they are left out of every recalibration (and named as comparison schools).
    groups
        The pupil-characteristics variant (:func:`recalibrate_budget` with
        :attr:`BudgetConfig.doelgroepen_weights`), ``None`` when it could not be computed.
    groups_path
        Its budget-neutral, capped transition path.
    groups_weights
        The weights the variant used (characteristics without data per school are left out and
        listed in ``groups_missing``).
    """

    config: BudgetConfig
    year: int
    current: pd.DataFrame
    recalibrated: pd.DataFrame
    path: pd.DataFrame
    left_out: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    groups: pd.DataFrame | None = None
    groups_path: pd.DataFrame | None = None
    groups_weights: Mapping[str, float] = field(default_factory=dict)
    groups_missing: tuple[str, ...] = ()

    def assumptions_text(self) -> str:
        """The assumptions in Dutch, for the report (see :meth:`BudgetConfig.assumptions_text`)."""
        return self.config.assumptions_text()


def budget_section(region: Region, budget: pd.DataFrame, pupils: pd.Series | pd.DataFrame | Mapping[str, float],
                   *, config: BudgetConfig | None = None,
                   group_characteristics: pd.DataFrame | None = None) -> BudgetSection:
    """Current budget, recalibrated budget and transition path of the JOS schools.

    Only JOS schools hold a collective JOS budget: rows of comparison schools (and of schools the
    region does not list) are left out of the recalibration and of the path; comparison schools
    are named in :attr:`BudgetSection.comparison`.

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
    group_characteristics
        Extra measured characteristics per school for the pupil-characteristics variant
        (``school_id`` plus columns such as ``jeugdhulp_woongemeente``).

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
    config = config if config is not None else budget_config_from_region(region)
    cur = current_budget(budget, year=config.budget_year)
    year = int(cur.attrs["year"])
    jos = [s.school_id for s in region.jos_schools]
    unknown = sorted(set(cur["school_id"]) - set(region.school_ids))
    if unknown:
        raise DataError(f"school(s) {', '.join(unknown)} have a budget but are not in the region's params.")
    comparison = tuple(s for s in cur["school_id"] if s in region.comparison_ids)
    cur = cur[cur["school_id"].isin(jos)].reset_index(drop=True)
    if cur.empty:
        raise DataError(f"the budget file has no row for a JOS school of {region.name} in {year}; only JOS "
                        "schools hold a collective budget.")
    pup = pupils_series(pupils).dropna()
    has = cur["school_id"].isin(pup.index[pup > 0])
    left_out = tuple(cur.loc[~has, "school_id"])
    cur = cur[has].reset_index(drop=True)
    if cur.empty:
        raise DataError("no JOS school with a budget also has a pupil count; the recalibration needs both.")
    chars = characteristics_from_region(region, config)
    chars = chars[chars["school_id"].isin(cur["school_id"])]
    recal = recalibrate_budget(cur, pup, chars if config.weights else None, config.weights,
                               budget_neutral=config.budget_neutral)
    path = transition_path(cur, recal, years=config.years, max_change_per_year=config.max_change_per_year,
                           cap_unit=config.cap_unit, budget_neutral=config.budget_neutral, start_year=year)
    groups, groups_path, used, lacking = _groups_variant(cur, pup, chars, group_characteristics, config, year)
    return BudgetSection(config=config, year=year, current=cur, recalibrated=recal, path=path, left_out=left_out,
                         comparison=comparison, groups=groups, groups_path=groups_path, groups_weights=used,
                         groups_missing=lacking)


def _groups_variant(cur: pd.DataFrame, pupils: pd.Series, chars: pd.DataFrame, measured: pd.DataFrame | None,
                    config: BudgetConfig, year: int) -> tuple[Any, Any, dict[str, float], tuple[str, ...]]:
    """The recalibration on pupil characteristics (doelgroepen weights) with its capped path.

    A weighted characteristic that is not known for every school is left out (and named)."""
    table = chars.copy()
    if measured is not None and len(measured):
        extra = measured.drop(columns=[c for c in measured.columns if c in table.columns and c != "school_id"])
        table = table.merge(extra, on="school_id", how="left")
    used = {k: w for k, w in config.doelgroepen_weights.items()
            if k in table.columns and pd.to_numeric(table[k], errors="coerce").notna().all()}
    lacking = tuple(k for k in config.doelgroepen_weights if k not in used)
    groups = recalibrate_budget(cur, pupils, table if used else None, used, budget_neutral=config.budget_neutral)
    groups_path = transition_path(cur, groups, years=config.years, max_change_per_year=config.max_change_per_year,
                                  cap_unit=config.cap_unit, budget_neutral=config.budget_neutral, start_year=year)
    return groups, groups_path, used, lacking
