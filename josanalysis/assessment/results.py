"""Machine-readable results: the rows of a report's ``results.csv`` and the region summary.

One row per effect term (level, slope, end; the region's pooled effect and event-study years)
with its estimate, interval, p-value, the numbers of points, the MDE and the verdict. The
columns are :data:`RESULT_COLUMNS`; reporting writes the rows through the privacy boundary.

Examples
--------
>>> RESULT_COLUMNS[:4]
['region_id', 'school_id', 'school_name', 'indicator']
>>> from josanalysis.methods import ItsSpec
>>> method_label(ItsSpec(seasonality="month", exclude="covid"))
'gaussian, ar1, seizoen=month, lag=0, covid=uitgesloten'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from josanalysis.assessment.context import Context
from josanalysis.assessment.region import RegionYearly
from josanalysis.assessment.school import IndicatorAnalysis
from josanalysis.assessment.verdicts import Assessment
from josanalysis.core.config import Region
from josanalysis.methods import EventStudyResult, ItsSpec
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED

__all__ = ["RESULT_COLUMNS", "method_label", "withholds_estimate", "results_rows", "results_frame", "region_results", "region_yearly_results"]

#: Columns of a report's ``results.csv`` (and the region summary table).
RESULT_COLUMNS = ["region_id", "school_id", "school_name", "indicator", "term", "estimate", "ci_low",
                  "ci_high", "p_value", "scale", "n_pre", "n_post", "mde", "verdict_key", "verdict",
                  "n_caveats", "method"]


#: The numbers of an effect row that has no estimate to show.
_NO_ESTIMATE = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "scale": "", "mde": np.nan}


def withholds_estimate(assessment: Assessment) -> bool:
    """Whether the verdict withholds the estimate (small counts: no percentage from a handful of
    events), so that the results files carry no estimate, interval, p-value or MDE either.

    Examples
    --------
    >>> from josanalysis.assessment.evidence import Effect, Evidence
    >>> from josanalysis.assessment.verdicts import assess
    >>> ev = Evidence("thuiszitters", scale="ratio", n_pre=40, n_post=20, level=Effect(5.4, 1.2, 24.0),
    ...               events_per_point=(0.8, 0.6))
    >>> withholds_estimate(assess(ev))
    True
    """
    return assessment.verdict_key == "small_counts"


def method_label(spec: ItsSpec) -> str:
    """The model as one short label for the ``method`` column."""
    parts = [spec.family, spec.autocorrelation, f"seizoen={spec.seasonality}", f"lag={spec.lag}"]
    if spec.exclude is not None:
        parts.append("covid=uitgesloten")
    if spec.covariates:
        parts.append("covid=co-interventie")
    return ", ".join(str(p) for p in parts)


def results_rows(analysis: IndicatorAnalysis, region: Region) -> pd.DataFrame:
    """Machine-readable rows of one indicator analysis (one per effect term)."""
    school = region.school(analysis.school_id)
    a = analysis.assessment
    base = {"region_id": region.region_id, "school_id": analysis.school_id, "school_name": school.name,
            "indicator": analysis.indicator.key, "verdict_key": a.verdict_key, "verdict": a.verdict,
            "n_caveats": len(a.caveats), "method": method_label(analysis.spec)}
    if analysis.result is not None and analysis.result.spec["interval"] == OBSERVED_EXPECTED:
        base["method"] += ", niveau=waargenomen/verwacht (exact)"
    mde = analysis.mde.mde_decrease if analysis.mde is not None else np.nan
    result = analysis.result
    if result is not None and withholds_estimate(a):
        # too few events: the report prints no estimate, so neither do the results files
        return pd.DataFrame([{**base, "term": str(term), **_NO_ESTIMATE, "n_pre": result.n_pre,
                              "n_post": result.n_post} for term in result.effects.index])[RESULT_COLUMNS]
    if result is None:
        return pd.DataFrame([{**base, "term": "level", "estimate": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "p_value": np.nan, "scale": "", "n_pre": a.evidence.n_pre,
                              "n_post": a.evidence.n_post, "mde": np.nan}])[RESULT_COLUMNS]
    rows = []
    for term, r in result.effects.iterrows():
        rows.append({**base, "term": str(term), "estimate": r["estimate"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"], "p_value": r["p_value"], "scale": r["scale"],
                     "n_pre": result.n_pre, "n_post": result.n_post,
                     "mde": mde if term == "level" else np.nan})
    return pd.DataFrame(rows)[RESULT_COLUMNS]


def results_frame(ctx: Context, analyses: list[IndicatorAnalysis]) -> pd.DataFrame:
    """All effect rows of a report, ready for :func:`josanalysis.privacy.write_results`."""
    if not analyses:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat([results_rows(a, ctx.region) for a in analyses], ignore_index=True)


def region_yearly_results(ctx: Context, r: RegionYearly) -> pd.DataFrame:
    """Machine-readable rows of a pooled school-year indicator: first JOS year, later years and
    the event years (differences of the rate per pupil)."""
    method = "staggered DiD on school years per pupil (pyfixest did2s), wild cluster bootstrap"
    parts = [region_results(ctx, r.indicator, r.study, r.first_year, method=method, pooled_term="first_year",
                            pooled=r.study.event.loc[0] if 0 in r.study.event.index else None)]
    if r.later is not None and r.later_years is not None:
        parts.append(region_results(ctx, r.indicator, r.later, r.later_years, method=method,
                                    pooled_term="later_years", event_rows=False))
    return pd.concat(parts, ignore_index=True)


def region_results(ctx: Context, indicator: str, es: EventStudyResult, assessment: Assessment, *,
                   method: str = "event study (pyfixest did2s), wild cluster bootstrap", pooled_term: str = "pooled",
                   pooled: pd.Series | None = None, event_rows: bool = True) -> pd.DataFrame:
    """Machine-readable rows of the region's pooled effect and event-study years."""
    rows = []
    base = {"region_id": ctx.region.region_id, "school_id": "", "school_name": f"regio {ctx.region.name}",
            "indicator": indicator, "scale": "difference", "n_pre": assessment.evidence.n_pre,
            "n_post": assessment.evidence.n_post, "verdict_key": assessment.verdict_key,
            "verdict": assessment.verdict, "n_caveats": len(assessment.caveats),
            "method": method}
    att = es.att.iloc[0] if pooled is None else pooled
    mde = assessment.evidence.mde
    rows.append({**base, "term": pooled_term, "estimate": att["estimate"], "ci_low": att["ci_low"],
                 "ci_high": att["ci_high"], "p_value": att["p_value"], "mde": np.nan if mde is None else mde})
    for year, r in (es.event.iterrows() if event_rows else ()):
        rows.append({**base, "term": f"event_year_{year}", "estimate": r["estimate"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"], "p_value": r["p_value"], "mde": np.nan, "verdict_key": "", "verdict": "",
                     "n_caveats": 0})
    return pd.DataFrame(rows)[RESULT_COLUMNS]
