"""Known truths recovered: the demo region's true effects against the pre-specified analysis."""

from __future__ import annotations

import pandas as pd
import pytest

from josanalysis.assessment import analyse_indicator, load_context, region_event_study


@pytest.fixture(scope="module")
def ctx():
    return load_context("demoregio")


@pytest.fixture(scope="module")
def truth(demo_dir):
    t = pd.read_csv(demo_dir / "truth.csv")
    return t[t["indicator"] == "absence_rate"].pivot(index="school_id", columns="parameter", values="value")


def test_school_estimates_cover_the_true_effects(ctx, truth):
    covered = {"level": 0, "slope": 0}
    for school in ctx.region.jos_schools:
        a = analyse_indicator(ctx, school.school_id, "absence_rate", robustness=False)
        e = a.result.effects
        for term in covered:
            t = truth.loc[school.school_id, term]
            covered[term] += bool(e.loc[term, "ci_low"] <= t <= e.loc[term, "ci_high"])
        # the estimate is of the right size: within a few standard errors of the truth
        assert abs(e.loc["level", "estimate"] - truth.loc[school.school_id, "level"]) < 3.5 * e.loc["level", "se"]
    n = len(ctx.region.jos_schools)
    # 95% intervals on 11 schools: at most 2 misses per term (P(>2 misses) < 2% if honest)
    assert covered["level"] >= n - 2 and covered["slope"] >= n - 2, covered


def test_region_event_study_recovers_the_average_effect(ctx, truth):
    es = region_event_study(ctx, "absence_rate")
    att = es.att.iloc[0]
    mean_truth = truth["level"].mean()
    assert att["ci_low"] <= mean_truth <= att["ci_high"]
    pre = es.event[es.event.index.isin([-2, -1])]
    assert (pre["ci_low"] <= 0).all() and (pre["ci_high"] >= 0).all(), "no effect before the start"
