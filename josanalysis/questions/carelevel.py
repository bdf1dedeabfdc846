"""Weight of care: the shift "van zwaar naar licht" and the duration of youth care.

Bijlage 2 of the Oberon report expects, with JOS, more light indications and fewer middle and
heavy ones (lichte / middelzware / zware indicaties) and a shorter duration of youth care. This
module computes, from the municipality's school-year file:

* :func:`care_weight` -- per JOS school and school year the indications by weight, the share of
  each weight in all indications, the mean duration in months, and whether the year is a JOS year;
* :func:`care_weight_region` -- the same added up over the JOS schools per school year;
* :func:`care_weight_shift` -- the shares of light and heavy indications before and during JOS
  (pooled over the JOS schools, each school's own start) and the change in percentage points;
* :func:`care_weight_verdicts` -- the region's pooled staggered difference-in-differences of the
  light and heavy indications per pupil (:func:`josanalysis.assessment.region.region_yearly`), the
  same verdict machinery as the region report, where the series allow it;
* :func:`care_weight_tables` -- the tables as published.

**Privacy.** A share reveals its count when the total is known, so a school-year's shares are
hidden when any of its three counts is hidden (below the region's minimum or ``<5`` at the
source); the counts themselves are not shown per school. Region totals are hidden where exactly
one school's counts are (the total minus the shown schools would give them back).

Examples
--------
>>> import pandas as pd
>>> yc = pd.DataFrame({"school_id": ["A", "A"], "school_year": ["2021-2022", "2022-2023"],
...                    "indications_light": [10, 30], "indications_medium": [20, 20],
...                    "indications_heavy": [20, 10], "duration_months": [11.0, 10.0]})
>>> w = care_weight(yc, {"A": "2022-2023"})
>>> w["share_heavy"].round(1).tolist(), w["jos_year"].tolist()
([40.0, 16.7], [False, True])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.assessment.context import Context
from josanalysis.assessment.region import region_yearly
from josanalysis.core import formatting as nl
from josanalysis.core.config import Region
from josanalysis.core.errors import DataError
from josanalysis.core.schoolcalendar import school_year_of
from josanalysis.core.indicators import get_indicator
from josanalysis.privacy import apply_privacy, drop_protected, hide_dependent

__all__ = ["first_jos_years", "care_weight", "care_weight_region", "care_weight_shift", "CareWeightVerdict", "care_weight_verdicts",
           "care_weight_tables", "CARE_WEIGHTS"]

#: Indication columns and their Dutch weight names.
CARE_WEIGHTS: dict[str, str] = {"indications_light": "licht", "indications_medium": "midden",
                                "indications_heavy": "zwaar"}
_SHARE = {"indications_light": "share_light", "indications_medium": "share_medium",
          "indications_heavy": "share_heavy"}
#: Mean duration of care (months): over all care, without verblijf (ambulant), with verblijf.
_DURATIONS = {"duration_months": "duur (maanden)", "duration_ambulant_months": "duur zonder verblijf (maanden)",
              "duration_residential_months": "duur met verblijf (maanden)"}


def first_jos_years(region: Region) -> dict[str, str]:
    """The first JOS school year of every JOS school with a start date.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> first_jos_years(load_region("demoregio"))["DM0100"]      # doctest: +SKIP
    '2022-2023'
    """
    return {s.school_id: school_year_of(pd.Timestamp(s.jos_start)) for s in region.jos_schools if s.jos_start}


def care_weight(youthcare: pd.DataFrame, first_jos_year: Mapping[str, str]) -> pd.DataFrame:
    """Indications by weight, their shares and the mean duration per JOS school and school year.

    Parameters
    ----------
    youthcare
        ``school_id, school_year, indications_light, indications_medium, indications_heavy`` and
        optionally ``duration_months``, ``duration_ambulant_months``, ``duration_residential_months``
        (the municipality's file or the panel's yearly frame).
    first_jos_year
        The first JOS school year per JOS school (``"2022-2023"``); other schools are left out.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, jos_year, indications_light, indications_medium,
        indications_heavy, indications_total, share_light, share_medium, share_heavy,
        duration_months, duration_ambulant_months, duration_residential_months``; shares in %,
        missing when a count is missing (``<5`` at the source); durations missing when absent.

    Raises
    ------
    DataError
        A column is missing or a count is negative.
    """
    need = {"school_id", "school_year", *CARE_WEIGHTS}
    if not need <= set(youthcare.columns):
        absent = sorted(need - set(youthcare.columns))
        raise DataError(f"the youth-care table has no column(s) {', '.join(absent)} (indicaties licht, middel, "
                        "zwaar per school and school year).")
    w = youthcare[youthcare["school_id"].isin(list(first_jos_year))].copy()
    w["school_year"] = w["school_year"].astype(str)
    for col in CARE_WEIGHTS:
        w[col] = pd.to_numeric(w[col], errors="coerce").astype("float64")
        if (w[col] < 0).any():
            raise DataError(f"the youth-care table has a negative number in {col}.", column=col)
    w = w.dropna(subset=list(CARE_WEIGHTS), how="all")
    for col in _DURATIONS:
        w[col] = pd.to_numeric(w[col], errors="coerce").astype("float64") if col in w.columns else np.nan
    w["jos_year"] = [sy >= first_jos_year[s] for s, sy in zip(w["school_id"], w["school_year"])]
    w["indications_total"] = w[list(CARE_WEIGHTS)].sum(axis=1, min_count=3)
    for col, share in _SHARE.items():
        w[share] = w[col] / w["indications_total"].where(w["indications_total"] > 0) * 100
    cols = ["school_id", "school_year", "jos_year", *CARE_WEIGHTS, "indications_total", *_SHARE.values(),
            *_DURATIONS]
    return w[cols].sort_values(["school_id", "school_year"]).reset_index(drop=True)


def care_weight_region(weights: pd.DataFrame) -> pd.DataFrame:
    """The JOS schools together per school year: counts added up over the schools whose three counts
    are known that year, the shares of those sums, the schools' mean duration (unweighted).

    Returns ``school_year, schools, jos_schools, indications_*, indications_total, share_*,
    duration_months, duration_ambulant_months, duration_residential_months`` (``jos_schools``:
    schools in a JOS year).
    """
    known = weights.dropna(subset=["indications_total"])
    g = known.groupby("school_year")
    out = pd.DataFrame({"schools": g["school_id"].nunique(), "jos_schools": g["jos_year"].sum(),
                        **{c: g[c].sum() for c in CARE_WEIGHTS}}).reset_index()
    out["indications_total"] = out[list(CARE_WEIGHTS)].sum(axis=1)
    for col, share in _SHARE.items():
        out[share] = out[col] / out["indications_total"].where(out["indications_total"] > 0) * 100
    for col in _DURATIONS:
        out[col] = out["school_year"].map(weights.groupby("school_year")[col].mean())
    return out


def care_weight_shift(weights: pd.DataFrame) -> pd.DataFrame:
    """Shares of light, middle and heavy indications before and during JOS, pooled over the JOS
    schools (each school's own start), and the change in percentage points.

    Returns one row per weight: ``weight`` (``"licht (%)"``, ...), ``before, during, change`` (shares
    in %, the change in percentage points), then the mean duration of all care, of care without
    and with verblijf, where the frame has them (``duur (maanden)``, ``duur zonder verblijf
    (maanden)``, ``duur met verblijf (maanden)``: schools' mean, the change in months).

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.DataFrame({"jos_year": [False, True], "indications_light": [10.0, 30.0],
    ...                   "indications_medium": [20.0, 20.0], "indications_heavy": [20.0, 10.0],
    ...                   "indications_total": [50.0, 60.0], "duration_months": [11.0, 10.0]})
    >>> care_weight_shift(w)["change"].round(1).tolist()
    [30.0, -6.7, -23.3, -1.0]
    >>> care_weight_shift(w)["weight"].tolist()
    ['licht (%)', 'midden (%)', 'zwaar (%)', 'duur (maanden)']
    """
    known = weights.dropna(subset=["indications_total"])
    rows = []
    sums = {period: known[known["jos_year"] == flag][list(CARE_WEIGHTS)].sum() for period, flag in
            (("before", False), ("during", True))}
    for col, name in CARE_WEIGHTS.items():
        row = {"weight": f"{name} (%)"}
        for period, total in sums.items():
            row[period] = total[col] / total.sum() * 100 if total.sum() > 0 else np.nan
        rows.append(row)
    for col, name in _DURATIONS.items():
        if col in weights.columns and weights[col].notna().any():
            rows.append({"weight": name, **{p: weights.loc[weights["jos_year"] == f, col].mean()
                                             for p, f in (("before", False), ("during", True))}})
    out = pd.DataFrame(rows)
    out["change"] = out["during"] - out["before"]
    return out


@dataclass(frozen=True)
class CareWeightVerdict:
    """The region's verdict on one indication weight (per pupil), or why there is none.

    Attributes
    ----------
    indicator
        ``indications_light`` or ``indications_heavy``.
    label
        Dutch label.
    verdict
        The Dutch verdict on the later JOS years (empty when there is no estimate).
    estimate, ci_low, ci_high
        The pooled difference per 100 pupils in the later JOS years with its interval.
    reason
        Why there is no verdict (Dutch), empty otherwise.
    """

    indicator: str
    label: str
    verdict: str = ""
    estimate: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    reason: str = ""

    def text_nl(self) -> str:
        """One Dutch sentence for the report."""
        if not self.verdict:
            return f"{self.label}: geen oordeel; {self.reason}"
        return (f"{self.label} per 100 leerlingen, latere JOS-jaren: {nl.signed(self.estimate, 2)} "
                f"(95%-interval {nl.number(self.ci_low, 2)} tot {nl.number(self.ci_high, 2)}); {self.verdict}.")


def care_weight_verdicts(ctx: Context, indicators: tuple[str, ...] = ("indications_light", "indications_heavy"),
                         ) -> list[CareWeightVerdict]:
    """The pooled staggered DiD of light and heavy indications per pupil over the region's schools.

    A series the estimator cannot use (too few schools or years with a known count: counts
    published as ``<5`` are missing) gets a Dutch reason instead of a verdict.
    """
    out = []
    yearly = ctx.panel.yearly()
    for key in indicators:
        label = get_indicator(key).label
        if key not in yearly.columns or yearly[key].notna().sum() == 0:
            out.append(CareWeightVerdict(key, label, reason="de gemeente levert deze indicaties niet."))
            continue
        known = yearly.dropna(subset=[key]).groupby("school_id").size()
        if (known < 2).any():
            out.append(CareWeightVerdict(key, label, reason=(
                "bij een of meer scholen is het aantal in bijna elk jaar kleiner dan 5 (zo gepubliceerd), "
                "te weinig jaren voor een schatting.")))
            continue
        r = region_yearly(ctx, key)
        if r.later is None or r.later_years is None:
            out.append(CareWeightVerdict(key, label, reason="er zijn nog geen latere JOS-jaren."))
            continue
        att = r.later.att.iloc[0]
        out.append(CareWeightVerdict(key, label, verdict=r.later_years.verdict, estimate=float(att["estimate"]) * 100,
                                     ci_low=float(att["ci_low"]) * 100, ci_high=float(att["ci_high"]) * 100))
    return out


def care_weight_tables(weights: pd.DataFrame, rules: Any, *, names: Mapping[str, str] | None = None
                       ) -> dict[str, pd.DataFrame]:
    """The weight-of-care tables as published: ``per_school`` (shares and duration per school and
    school year), ``regio`` (the JOS schools together per school year) and ``verschuiving`` (before
    and during JOS)."""
    names = dict(names or {})
    w = weights.copy()
    for col in CARE_WEIGHTS:            # "<5" at the source is a small count: hidden, with its shares
        w.loc[w[col].isna(), col] = 1.0
    w.insert(1, "school", w["school_id"].map(names))
    counts = [_HEADERS[c] for c in CARE_WEIGHTS]
    shown = apply_privacy(w.rename(columns=_HEADERS).drop(columns=[_HEADERS["indications_total"]]), rules,
                          secondary=False, count_columns=counts)
    shown = hide_dependent(shown, {_HEADERS[s]: counts for s in _SHARE.values()})
    per_school = drop_protected(shown, counts + ["JOS-jaar"])
    hidden_rows = shown[counts].isna().any(axis=1).to_numpy() & weights[list(CARE_WEIGHTS)].notna().all(axis=1).to_numpy()
    region = care_weight_region(weights)
    one_hidden = weights.assign(h=hidden_rows).groupby("school_year")["h"].sum()
    lone = region["school_year"].map(one_hidden).fillna(0) == 1
    region.loc[lone, [*CARE_WEIGHTS, "indications_total", *_SHARE.values()]] = np.nan
    region_shown = apply_privacy(region.rename(columns=_HEADERS).rename(columns={"schools": "scholen",
                                                                                 "jos_schools": "scholen met JOS"}),
                                 rules, secondary=False, count_columns=counts + [_HEADERS["indications_total"]])
    shift = care_weight_shift(weights).rename(columns={"weight": "zwaarte", "before": "vóór JOS",
                                                       "during": "tijdens JOS",
                                                       "change": "verschil (procentpunt of maanden)"})
    return {"per_school": per_school, "regio": region_shown,
            "verschuiving": apply_privacy(shift, rules, secondary=False)}


_HEADERS: dict[str, str] = {
    "school_id": "vestiging", "school_year": "schooljaar", "jos_year": "JOS-jaar",
    "indications_light": "indicaties licht", "indications_medium": "indicaties midden",
    "indications_heavy": "indicaties zwaar", "indications_total": "indicaties totaal",
    "share_light": "licht (%)", "share_medium": "midden (%)", "share_heavy": "zwaar (%)",
    **_DURATIONS,
}
