"""Tests for the analytic MDE of count series: the rule's power summed over the post-period count
(josanalysis.methods.robustness.count_power, issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from josanalysis.methods.its import fit_its
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED
from josanalysis.methods.robustness import minimum_detectable_effect
from josanalysis.methods.robustness.count_power import count_rule_power, nb2_alpha

from tests.test_its import _count_series

#: Poisson counts, level and slope change, no seasonality: the model the truths below are about.
POISSON = dict(family="poisson", offset="pupils", seasonality=None, autocorrelation="none")
Z80 = stats.norm.ppf(0.8)


def _rule(size: float, rr: float = 1.0, seed: int = 6, n: int = 110):
    d, start = _count_series(np.random.default_rng(seed), "poisson", rr=rr, size=size, n=n)
    fit = fit_its(d, "thuiszitters", "month", start, **POISSON)
    return d, start, fit, count_rule_power(fit, fit.design.effect_names["level"], 1.96, None, 0.0)


def _normal_mde(rule) -> float:
    """The normal rule with the SE at the alternative: delta = -(1.96 + z_0.8) SE(delta)."""
    delta = 0.0
    for _ in range(200):
        delta = -(1.96 + Z80) * rule.se(delta)
    return delta


def test_many_events_give_the_normal_rule():
    """About 3,600 events a month: the post-period count is nearly fixed, and the summed power
    gives the MDE of the normal rule (within 1%)."""
    _, _, _, rule = _rule(size=200.0)
    assert rule.mde(-1.0, 0.8) == pytest.approx(_normal_mde(rule), rel=0.01)
    assert rule.mde(1.0, 0.8) == pytest.approx((1.96 + Z80) * rule.se(0.0), rel=0.02)


def test_power_at_the_printed_mde_is_the_requested_power():
    """By construction: the summed power of the rule, placebo threshold included, at the MDE that
    minimum_detectable_effect prints."""
    d, start = _count_series(np.random.default_rng(11), "quasipoisson", rr=1.0, size=0.3)
    kw = dict(family="quasipoisson", offset="pupils", seasonality=None, autocorrelation="ar1")
    fit = fit_its(d, "thuiszitters", "month", start, **kw)
    for power, thr in ((0.8, None), (0.9, 0.5)):
        mde = minimum_detectable_effect(d, "thuiszitters", "month", start, fit=fit, power=power, threshold=thr, **kw)
        rule = count_rule_power(fit, fit.design.effect_names["level"], stats.t.ppf(0.975, fit.design.df),
                                fit.design.df, thr or 0.0)
        assert rule.power(math.log(mde.mde_decrease)) == pytest.approx(power, abs=1e-6)
        assert rule.power(math.log(mde.mde_increase)) == pytest.approx(power, abs=1e-6)


def test_mde_is_larger_for_fewer_events():
    """The same series shape at a fifth, one and five times the size: fewer events, a larger MDE."""
    sizes = (0.2, 1.0, 5.0)
    dec = [-_rule(size)[3].mde(-1.0, 0.8) for size in sizes]
    inc = [_rule(size)[3].mde(1.0, 0.8) for size in sizes]
    assert dec[0] > dec[1] > dec[2] > 0
    assert inc[0] > inc[1] > inc[2] > 0


def test_a_post_period_without_events_is_a_detected_decrease():
    """18 events a month: no event after the start is a clear decrease (the exact observed/expected
    interval), so nearly every series whose decrease leaves 0.01 expected events is claimed; no
    event where 2 were expected is no clear decrease."""
    _, _, _, rule = _rule(size=1.0)
    assert rule.zero_claims and rule.min_events == 2
    assert rule.power(math.log(0.01 / rule.expected_count(0.0))) > 0.99
    assert not _rule(size=1.0 / 350)[3].zero_claims


@pytest.mark.parametrize("n", [92, 110])
def test_the_printed_mde_is_detected_in_about_80_percent_of_small_count_series(n):
    """The known truth the MDE promises: Poisson series of about 3 events a month drawn from the
    fitted model (its counterfactual means, 22 or 40 months after the start) with the analytic
    MDE's decrease built in are detected (interval below 1, or the exact observed/expected
    interval when no event remains) in about 80% of 250 series."""
    d, start, fit, _ = _rule(size=1 / 6, seed=8, n=n)
    mde = minimum_detectable_effect(d, "thuiszitters", "month", start, fit=fit, **POISSON)
    des = fit.design
    b0 = des.params.copy()
    b0[list(des.effect_names.values())] = 0.0
    mu = np.exp(des.X.to_numpy() @ b0.to_numpy() + des.offset) * mde.mde_decrease ** des.X[des.effect_names["level"]]
    rng = np.random.default_rng(80)
    hits, exact = [], 0
    for _ in range(250):
        f = fit_its(d.assign(thuiszitters=rng.poisson(mu).astype(float)), "thuiszitters", "month", start, **POISSON)
        hits.append(f.effects.loc["level", "ci_high"] < 1)            # either interval: below 1
        exact += f.spec["interval"] == OBSERVED_EXPECTED
    share = float(np.mean(hits))
    assert abs(share - 0.8) <= 3 * math.sqrt(0.8 * 0.2 / 250), (share, mde.mde_decrease, exact)


def test_nb2_alpha_reads_the_quasi_poisson_dispersion_at_the_mean_count():
    d, start = _count_series(np.random.default_rng(5), "negbin", rr=1.0)
    fit = fit_its(d, "thuiszitters", "month", start, family="quasipoisson", offset="pupils", seasonality=None,
                  autocorrelation="none")
    assert nb2_alpha(fit) > 0
    assert nb2_alpha(fit_its(d, "thuiszitters", "month", start, **POISSON)) == 0.0


def test_the_simulated_mde_judges_an_emptied_post_period_as_the_report_does():
    """A simulated series whose events all vanish after the start has no finite model interval;
    the report then compares the post-period count with the expected one (exact interval), so the
    simulated MDE counts such a series as detected instead of leaving it out (issue 18: the
    simulation read large decreases on sparse series as undetectable)."""
    from josanalysis.methods.robustness.count_power import ObservedExpectedRule, observed_expected_rule
    from josanalysis.methods.robustness.power import _achieved_power, _simulator

    _, _, fit, _ = _rule(size=4.0)
    col = fit.design.effect_names["level"]
    rule = observed_expected_rule(fit, col)
    assert isinstance(rule, ObservedExpectedRule) and rule.expected > 20
    assert rule.claims(0.0) and not rule.claims(rule.expected)
    sim = _simulator(fit, "level", np.random.default_rng(0))
    # every event gone after the start: the model has no finite estimate, the rule claims all
    assert _achieved_power(sim, -40.0, 40, 0.0, seed=1) == 1.0
    assert _achieved_power(sim, 0.0, 40, 0.0, seed=1) <= 0.2
