"""Regions side by side: one base approach for capacity, costs, weight of care, estimates and data coverage.

The Oberon report recommends one base approach for the whole region so that outcomes can be
compared. :func:`region_profile` measures one region (any file under ``params/regions/``) or one
subregion (``<region>/<subregion>``: the JOS schools whose school file names that ``subregion:``,
with all the region's comparison schools) the same way every time:

* **coverage** -- per report section which sources are present (``josanalysis.sources.source_coverage``);
* **capacity** -- FTE per 100 pupils during JOS over the JOS schools;
* **costs** -- youth-care costs per pupil (latest school year with costs), the collective
  budget per pupil and per JOS trajectory (:mod:`josanalysis.questions.costs`);
* **weight of care** -- the share of light and heavy indications before and during JOS
  (:mod:`josanalysis.questions.carelevel`);
* **estimates** -- the region's pooled estimate per indicator with its interval and verdict.

**Where the estimates come from.** When ``run`` has written the region report's results file
(``<results_root>/<region>/region/results.csv``), its pooled rows are read: nothing is refitted.
Otherwise, when the region has data, only the pooled estimates are computed (the event study of
every monthly indicator in the plan without randomization inference, and the pooled school-year
DiD); a subregion's estimates are always computed this way, over its own schools (the region's
results file covers all of them). A region without a data folder has no estimates, and its
missing sources are listed.
:attr:`RegionProfile.estimates_from` says which happened.

Examples
--------
>>> p = region_profile("regio-alkmaar")                     # doctest: +SKIP
>>> p.estimates_from                                          # doctest: +SKIP
'geen gegevens'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dataclasses

import numpy as np
import pandas as pd

from josanalysis.assessment import Context, load_context
from josanalysis.assessment.region import (REGION_POOLED_YEARLY, region_assessment, region_event_study,
                                           region_yearly)
from josanalysis.core.config import PARAMS_DIR, Region, load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.fte import fte_per_100_pupils
from josanalysis.questions.budget_inputs import BudgetReportData, load_budget_report_data
from josanalysis.questions.carelevel import care_weight, care_weight_shift, first_jos_years
from josanalysis.questions.costs import jos_costs, youthcare_costs
from josanalysis.sources import source_coverage

__all__ = ["RegionProfile", "region_profile", "region_profiles", "split_region_id", "subregion", "MONTHLY_POOLED", "read_region_estimates", "compute_region_estimates"]

#: Monthly indicators whose region event study gives a pooled estimate (as in the region report).
MONTHLY_POOLED = ("absence_rate", "unauthorised_absence_rate", "thuiszitters", "absolute_absence")

#: Columns of :attr:`RegionProfile.estimates`.
ESTIMATE_COLUMNS = ("indicator", "estimate", "ci_low", "ci_high", "verdict")

#: Pooled terms of the region results file: the monthly pooled effect, the later school years.
_POOLED_TERMS = ("pooled", "later_years")


@dataclass(frozen=True)
class RegionProfile:
    """One region measured with the common base approach (aggregated figures only).

    Attributes
    ----------
    region
        The region.
    coverage
        ``section, present, missing, status`` per report section (``status`` "volledig", "deels"
        or "ontbreekt").
    figures
        Key figure -> value (NaN when the region lacks the source): ``pupils`` (of the JOS
        schools, latest count), ``trajectories`` (JOS trajectories in the budget's school year), ``fte_per_100``,
        ``youthcare_cost_per_pupil``, ``budget_per_pupil``, ``budget_per_trajectory``,
        ``share_light_before``, ``share_light_during``, ``share_heavy_before``,
        ``share_heavy_during``, ``duration_before``, ``duration_during``.
    years
        Key figure -> the school year it describes (empty when not applicable).
    estimates
        ``indicator, estimate, ci_low, ci_high, verdict`` of the pooled estimates (empty frame
        when there are none).
    estimates_from
        Dutch: ``"resultaten van de regio-run"``, ``"berekend"``, ``"niet berekend"`` (asked not to)
        or ``"geen gegevens"``.
    missing
        Source key -> Dutch "supply this file" sentence.
    """

    region: Region
    coverage: pd.DataFrame
    figures: dict[str, float] = field(default_factory=dict)
    years: dict[str, str] = field(default_factory=dict)
    estimates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ESTIMATE_COLUMNS)))
    estimates_from: str = "geen gegevens"
    missing: dict[str, str] = field(default_factory=dict)


def read_region_estimates(path: str | Path) -> pd.DataFrame:
    """The pooled rows of a region results file written by ``run`` (``region/results.csv``).

    Raises
    ------
    DataError
        The file lacks the columns of :data:`josanalysis.assessment.results.RESULT_COLUMNS` it needs.
    """
    frame = pd.read_csv(path)
    need = {"indicator", "term", "estimate", "ci_low", "ci_high", "verdict"}
    if not need <= set(frame.columns):
        raise DataError(f"{path} is not a region results file: it lacks {', '.join(sorted(need - set(frame.columns)))}.")
    rows = frame[frame["term"].isin(_POOLED_TERMS)]
    return rows[list(ESTIMATE_COLUMNS)].reset_index(drop=True)


def split_region_id(name: str) -> tuple[str, str | None]:
    """``"regio-alkmaar/Noord-Kennemerland"`` -> ``("regio-alkmaar", "Noord-Kennemerland")``.

    Examples
    --------
    >>> split_region_id("demoregio"), split_region_id("demoregio/Noord-Demoregio")
    (('demoregio', None), ('demoregio', 'Noord-Demoregio'))
    """
    region_id, _, sub = name.partition("/")
    return region_id, (sub or None)


def subregion(region: Region, name: str) -> Region:
    """The region restricted to the JOS schools of one subregion (``subregion:`` in the school
    files); the comparison schools stay, as the comparison of every subregion.

    Raises
    ------
    ConfigError
        No JOS school of the region is in that subregion (the known subregions are named).
    """
    known = sorted({s.subregion for s in region.jos_schools if s.subregion})
    if name not in known:
        raise ConfigError(f"Region '{region.region_id}' has no JOS school in subregion '{name}'; its subregions are "
                          f"{', '.join(known) or 'none (no school file sets subregion:)'}.")
    schools = tuple(s for s in region.schools if s.subregion == name or s.school_id in region.comparison_ids)
    return dataclasses.replace(region, name=f"{region.name}: {name}", schools=schools)


def compute_region_estimates(region_id: str, params_dir: str | Path = "", *,
                             part: Region | None = None) -> pd.DataFrame:
    """The pooled estimate of every monthly indicator in the plan and every pooled school-year
    indicator, computed from the region's data (no randomization inference, no per-school fits);
    with ``part`` (a :func:`subregion`) over its schools only."""
    ctx = load_context(region_id, "", params_dir)
    if part is not None:
        keep = ctx.panel.data["school_id"].isin(part.school_ids)
        ctx = Context(region=part, plan=ctx.plan, panel=dataclasses.replace(ctx.panel, data=ctx.panel.data[keep]))
    rows = []
    monthly = set(ctx.panel.monthly().columns)
    for key in MONTHLY_POOLED:
        if key in ctx.plan.indicators and key in monthly and ctx.panel.monthly()[key].notna().any():
            es = region_event_study(ctx, key)
            att = es.att.iloc[0]
            rows.append({"indicator": key, "estimate": att["estimate"], "ci_low": att["ci_low"],
                         "ci_high": att["ci_high"], "verdict": region_assessment(ctx, es, key).verdict})
    yearly = ctx.panel.yearly()
    for key in REGION_POOLED_YEARLY:
        if key in yearly.columns and yearly[key].notna().any():
            r = region_yearly(ctx, key)
            if r.later is not None and r.later_years is not None:
                att = r.later.att.iloc[0]
                rows.append({"indicator": key, "estimate": att["estimate"], "ci_low": att["ci_low"],
                             "ci_high": att["ci_high"], "verdict": r.later_years.verdict})
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def _capacity(data: BudgetReportData, jos: list[str]) -> float:
    if data.fte is None or data.pupils is None:
        return np.nan
    fte = data.fte[data.fte["school_id"].isin(jos)].groupby("school_id")["fte_during"].sum(min_count=1)
    pupils = data.pupils.reindex(fte.index)
    known = fte.notna() & pupils.notna()
    return float(fte_per_100_pupils(fte[known].sum(), pupils[known].sum())) if known.any() else np.nan


def _money(data: BudgetReportData, region: Region, figures: dict[str, float], years: dict[str, str]) -> None:
    jos = [s.school_id for s in region.jos_schools]
    if data.youthcare is not None and {"cost_ambulant", "cost_residential"} <= set(data.youthcare.columns):
        costs = youthcare_costs(data.youthcare, data.pupils_by_year, schools=jos).dropna(subset=["cost_total",
                                                                                                 "pupils"])
        if len(costs):
            last = costs["school_year"].max()
            c = costs[costs["school_year"] == last]
            figures["youthcare_cost_per_pupil"] = float(c["cost_total"].sum() / c["pupils"].sum())
            years["youthcare_cost_per_pupil"] = str(last)
    starts = {s.school_id: s.jos_start for s in region.jos_schools if s.jos_start}
    if data.budget is not None and starts:
        j = jos_costs(data.budget, data.pupils_by_year, data.provider, starts).dropna(subset=["pupils"])
        if len(j):
            last = j["school_year"].max()
            j = j[j["school_year"] == last]
            figures["budget_per_pupil"] = float(j["budget_eur"].sum() / j["pupils"].sum())
            t = j.dropna(subset=["trajectories"])
            if t["trajectories"].sum() > 0:
                figures["trajectories"] = float(t["trajectories"].sum())
                figures["budget_per_trajectory"] = float(t["budget_eur"].sum() / t["trajectories"].sum())
            years["budget_per_pupil"] = years["budget_per_trajectory"] = str(last)


def _weight(data: BudgetReportData, region: Region, figures: dict[str, float]) -> None:
    yc = data.youthcare
    cols = {"indications_light", "indications_medium", "indications_heavy"}
    if yc is None or not cols <= set(yc.columns) or yc[list(cols)].isna().all().all():
        return
    shift = care_weight_shift(care_weight(yc, first_jos_years(region))).set_index("weight")
    for name, key in (("licht (%)", "light"), ("zwaar (%)", "heavy")):
        figures[f"share_{key}_before"] = float(shift.loc[name, "before"])
        figures[f"share_{key}_during"] = float(shift.loc[name, "during"])
    figures["duration_before"] = float(shift.loc["duur (maanden)", "before"])
    figures["duration_during"] = float(shift.loc["duur (maanden)", "during"])


def region_profile(region_id: str, *, results_root: str | Path = "outputs", params_dir: str | Path = "",
                   compute: bool = True) -> RegionProfile:
    """Measure one region with the common base approach.

    Parameters
    ----------
    region_id
        The region (file name under ``params/regions/``), or ``<region>/<subregion>`` for the JOS
        schools of one subregion (``subregion:`` in their school files) with all comparison schools.
    results_root
        The folder ``run`` wrote to (``<results_root>/<region>/region/results.csv`` is read when
        present).
    params_dir
        The parameter folder (empty: the project's ``params/``).
    compute
        Compute the pooled estimates when no results file is there (and the region has data). A
        subregion's estimates are always computed (the region's results file covers all schools).

    Returns
    -------
    RegionProfile
    """
    base_id, sub = split_region_id(region_id)
    whole = load_region(base_id, params_dir or PARAMS_DIR, skip_invalid_schools=True)
    region = subregion(whole, sub) if sub else whole
    has_data = region.data_dir.is_dir()
    data = load_budget_report_data(whole)
    jos = [s.school_id for s in region.jos_schools]
    pupils = data.pupils.reindex(jos).sum(min_count=1) if data.pupils is not None else np.nan
    figures: dict[str, float] = {"fte_per_100": _capacity(data, jos), "pupils": float(pupils)}
    years: dict[str, str] = {}
    _money(data, region, figures, years)
    _weight(data, region, figures)
    results = Path(results_root) / region.region_id / "region" / "results.csv"
    if results.is_file() and sub is None:
        estimates, source = read_region_estimates(results), "resultaten van de regio-run"
    elif has_data and compute:
        estimates, source = compute_region_estimates(base_id, params_dir, part=region if sub else None), "berekend"
    else:
        estimates, source = pd.DataFrame(columns=list(ESTIMATE_COLUMNS)), \
            "geen gegevens" if not has_data else "niet berekend"
    return RegionProfile(region=region, coverage=source_coverage(region.data_dir if has_data else None),
                         figures=figures, years=years, estimates=estimates, estimates_from=source,
                         missing=dict(data.missing))


def region_profiles(region_ids: Sequence[str], **kwargs: object) -> list[RegionProfile]:
    """:func:`region_profile` of each region, in the order given (a region named twice is refused)."""
    if len(set(region_ids)) != len(region_ids):
        raise ConfigError("compare needs each region once; "
                          f"{', '.join(sorted({r for r in region_ids if list(region_ids).count(r) > 1}))} "
                          "is named more than once.")
    if len(region_ids) < 2:
        raise ConfigError("compare needs at least two regions (e.g. --regions demoregio regio-alkmaar).")
    return [region_profile(r, **kwargs) for r in region_ids]  # type: ignore[arg-type]
