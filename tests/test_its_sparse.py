"""The exact observed/expected interval of a count series whose events (nearly) vanish after the
start (josanalysis/methods/its/sparse.py), and the verdict it leads to."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from josanalysis.assessment import IndicatorAnalysis, results_rows
from josanalysis.assessment.evidence import evidence_from_its
from josanalysis.assessment.verdicts import assess
from josanalysis.core.config import load_region
from josanalysis.core.errors import DataError
from josanalysis.core.indicators import get_indicator
from josanalysis.methods import ItsSpec, fit_its
from josanalysis.methods.its.sparse import observed_expected_interval
from josanalysis.reporting.tables import effects_nl

SPEC = ItsSpec(family="quasipoisson", offset="pupils", seasonality=None, autocorrelation="ar1")


def test_no_event_where_twenty_were_expected_gives_the_exact_poisson_interval():
    # P(Poisson(R * 20) = 0) = exp(-20 R) = 0.025  =>  R = -log(0.025) / 20
    r = observed_expected_interval(0, 20.0)
    assert r.estimate == 0.0 and r.ci_low == 0.0
    assert r.ci_high == pytest.approx(-math.log(0.025) / 20, rel=1e-8)
    assert r.p_value == pytest.approx(2 * math.exp(-20), rel=1e-6)


def test_a_few_events_give_the_garwood_interval_and_dispersion_divides_the_counts():
    r = observed_expected_interval(3, 20.0)
    assert r.estimate == pytest.approx(0.15)
    assert r.ci_low == pytest.approx(stats.chi2.ppf(0.025, 6) / 2 / 20, rel=1e-7)
    assert r.ci_high == pytest.approx(stats.chi2.ppf(0.975, 8) / 2 / 20, rel=1e-7)
    # a dispersion of 2 halves the information: 0 of 20 expected reads as 0 of 10
    assert observed_expected_interval(0, 20.0, dispersion=2.0).ci_high == pytest.approx(-math.log(0.025) / 10)


def test_the_uncertainty_of_the_expected_count_widens_the_interval_as_derived():
    # upper end R solves  E_Z[exp(-R E exp(s Z))] = 0.025,  Z ~ N(0, 1)  (by quadrature here)
    e, s = 20.0, 0.4

    def tail(ratio: float) -> float:
        return integrate.quad(lambda z: math.exp(-ratio * e * math.exp(s * z)) * stats.norm.pdf(z), -12, 12)[0]

    from scipy.optimize import brentq
    by_hand = brentq(lambda x: tail(x) - 0.025, 1e-6, 50)
    r = observed_expected_interval(0, e, log_se=s)
    assert r.ci_high == pytest.approx(by_hand, rel=1e-4)
    assert r.ci_high > -math.log(0.025) / e


def test_refuses_what_cannot_be_compared():
    with pytest.raises(DataError, match="positive expected count"):
        observed_expected_interval(0, 0.0)
    with pytest.raises(DataError, match="count of 0 or more"):
        observed_expected_interval(-1, 5.0)
    # an expected count known only to within a factor of e^30 gives no finite interval
    with pytest.raises(DataError, match="no finite interval"):
        observed_expected_interval(1, 1.0, log_se=30.0)


def test_covers_at_least_the_nominal_share_when_the_expected_count_is_known():
    rng = np.random.default_rng(15)
    for ratio, e in ((0.1, 30.0), (0.5, 12.0)):
        obs = rng.poisson(ratio * e, 300)
        covered = [(r := observed_expected_interval(o, e)).ci_low <= ratio <= r.ci_high for o in obs]
        assert np.mean(covered) >= 0.95       # exact intervals are conservative


def _school(after: float, seed: int = 3) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Five school years of about four thuiszitters a month, then three with mean ``after``."""
    rng = np.random.default_rng(seed)
    m = pd.date_range("2017-09-01", periods=100, freq="MS")
    m = m[m.month != 8][:88]
    y = rng.poisson(4.0, 88).astype(float)
    y[55:] = rng.poisson(after, 33)
    return pd.DataFrame({"month": m, "thuiszitters": y, "pupils": 800.0}), m[55]


def test_events_that_disappear_after_the_start_read_as_a_clear_decrease():
    d, start = _school(after=0.0)
    res = fit_its(d, "thuiszitters", "month", start, SPEC)
    level = res.effects.loc["level"]
    assert res.spec["interval"] == "observed_expected" and list(res.effects.index) == ["level"]
    assert level.estimate == 0.0 and level.ci_low == 0.0 and level.ci_high < 0.1
    # the fitted series after the start is the counterfactual times the ratio: 0
    post = res.fitted[res.fitted.segment == "post"]
    assert (post.fitted == 0).all() and (post.counterfactual > 2).all()
    ev = evidence_from_its(res, "thuiszitters", None, events_per_point=(float(d.thuiszitters[:55].mean()), 0.0))
    a = assess(ev)
    assert a.verdict_key == "consistent_effect"
    assert "waargenomen/verwacht" in a.reason_nl and "-100% (95%-BI -100% tot -9" in a.reason_nl


def test_series_with_events_after_the_start_keep_the_wald_interval_of_the_model():
    for after in (4.0, 1.0):
        d, start = _school(after=after)
        res = fit_its(d, "thuiszitters", "month", start, SPEC)
        assert res.spec["interval"] == "t" and {"level", "slope", "end"} <= set(res.effects.index)
        assert res.effects.loc["level", "estimate"] > 0


def test_zero_events_everywhere_is_still_not_estimable():
    d, start = _school(after=0.0)
    with pytest.raises(DataError, match="no events before the start"):
        fit_its(d.assign(thuiszitters=0.0), "thuiszitters", "month", start, SPEC)
    # a controlled (stacked) count fit has no observed/expected fallback: still refused
    with pytest.raises(DataError):
        fit_its(d, "thuiszitters", "month", start, SPEC, comparison=d.assign(thuiszitters=3.0))


def test_report_table_and_results_file_show_the_same_exact_ratio():
    d, start = _school(after=0.0)
    res = fit_its(d, "thuiszitters", "month", start, SPEC)
    ev = evidence_from_its(res, "thuiszitters", None, events_per_point=(float(d.thuiszitters[:55].mean()), 0.0))
    region = load_region("demoregio")
    school = region.jos_schools[0].school_id
    analysis = IndicatorAnalysis(school, get_indicator("thuiszitters"), d, SPEC, res, None, None, None, None,
                                 assess(ev), "")
    rows = results_rows(analysis, region)
    assert rows["term"].tolist() == ["level"] and rows["verdict_key"].tolist() == ["consistent_effect"]
    level = res.effects.loc["level"]
    assert rows.loc[0, "estimate"] == 0.0 and rows.loc[0, "ci_high"] == level.ci_high
    assert rows.loc[0, "method"].endswith("niveau=waargenomen/verwacht (exact)")
    table = effects_nl(analysis)
    assert table.loc[0, "Effect"].startswith("De exact berekende verhouding waargenomen/verwacht")
    assert table.loc[0, "Schatting"].startswith("-100% (verhouding 0,000; 95%-BI -100% tot -9")
