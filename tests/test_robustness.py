"""Tests for josanalysis.methods.robustness: placebo, sensitivity table, minimum detectable effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.methods.its import ItsSpec, fit_its
from josanalysis.methods.robustness import minimum_detectable_effect, placebo_test, sensitivity_table

from tests.test_its import _count_series, _rate_series


def test_placebo_fits_on_no_effect_series_reject_at_about_alpha():
    """Pooled over 16 no-effect series x 8 placebo dates, about 5% of placebo fits reject."""
    rng = np.random.default_rng(424242)
    rejections = []
    for i in range(16):
        d, start = _rate_series(rng, rho=(0.2, 0.35, 0.5)[i % 3], level=0.0)
        res = placebo_test(d, "absence_rate", "month", start, seasonality="month", n_dates=8)
        lev = res.placebos[res.placebos.term == "level"]
        assert len(lev) == 8
        # placebo dates lie in the pre-period, with enough points on both sides
        assert (lev.placebo_start < start).all()
        rejections.extend((lev.p_value < 0.05).tolist())
    rate = float(np.mean(rejections))
    # placebo fits of one series overlap in data, so allow for clustering: 99% band of
    # a binomial with the number of series (16 x 8 / design effect ~4 = 32 effective trials)
    assert 0.0 <= rate <= stats.binom.ppf(0.99, 32, 0.05) / 32, rate


def test_placebo_ranks_a_real_effect_above_all_placebos():
    rng = np.random.default_rng(7)
    d, start = _rate_series(rng, rho=0.3, level=-0.02, sd=0.003)
    res = placebo_test(d, "absence_rate", "month", start, seasonality="month", n_dates=12)
    assert res.n_placebos == 12
    assert res.rank_p == pytest.approx(1 / 13)
    assert "nepstartdatums" in res.summary_nl()
    # the actual effects are those of the pre-specified fit
    direct = fit_its(d, "absence_rate", "month", start, seasonality="month").effects
    pd.testing.assert_frame_equal(res.actual, direct)


def test_placebo_refuses_short_pre_period():
    rng = np.random.default_rng(1)
    d, _ = _rate_series(rng)
    with pytest.raises(DataError, match="too short for placebo"):
        placebo_test(d, "absence_rate", "month", d.month.iloc[20], min_segment=12)


def test_sensitivity_table_marks_prespecified_model():
    rng = np.random.default_rng(3)
    d, start = _count_series(rng, "quasipoisson")
    tab = sensitivity_table(
        d, "thuiszitters", "month", start, family="quasipoisson", offset="pupils",
        seasonality="harmonic", harmonics=1, lags=(0, 3),
    )
    pre = tab[tab.prespecified]
    assert list(pre.term) == ["level", "slope"]
    assert (pre.family == "quasipoisson").all() and (pre.autocorrelation == "ar1").all() and (pre.lag == 0).all()
    # one factor at a time: 2 other families, 3 other AC methods, 1 other lag -> 6 variants
    assert len(tab) == 2 * (1 + 2 + 3 + 1)
    assert set(tab.family) == {"poisson", "quasipoisson", "negbin"}
    assert (tab.scale == "ratio").all()
    # the pre-specified row equals a direct fit
    direct = fit_its(d, "thuiszitters", "month", start, family="quasipoisson", offset="pupils",
                     seasonality="harmonic", harmonics=1)
    assert pre.set_index("term").loc["level", "estimate"] == pytest.approx(direct.effects.loc["level", "estimate"])
    # poisson and quasipoisson share the estimate but quasi-Poisson intervals are not narrower
    lv = tab[(tab.term == "level") & (tab.autocorrelation == "ar1") & (tab.lag == 0)].set_index("family")
    assert lv.loc["poisson", "estimate"] == pytest.approx(lv.loc["quasipoisson", "estimate"])


def test_sensitivity_table_records_models_that_cannot_be_fitted():
    rng = np.random.default_rng(4)
    d, _ = _rate_series(rng)
    start = d.month.iloc[-8]  # 8 post points: a 6-month lag leaves too few
    tab = sensitivity_table(d, "absence_rate", "month", start, seasonality="month", lags=(0, 6), design="full",
                            autocorrelations=("ar1", "none"))
    failed = tab[tab.error != ""]
    assert len(failed) == 2 and (failed.lag == 6).all()
    assert failed.error.str.contains("too few points after").all()
    with pytest.raises(ConfigError):
        sensitivity_table(d, "absence_rate", "month", start, design="everything")


@pytest.mark.parametrize("method", ["analytic", "simulation"])
def test_mde_gaussian_gives_80_percent_power_when_rebuilt_into_series(method):
    rng = np.random.default_rng(5)
    d, start = _rate_series(rng, rho=0.35, level=0.0)
    mde = minimum_detectable_effect(d, "absence_rate", "month", start, seasonality="month", method=method,
                                    n_simulations=100, seed=1)
    assert mde.method == method
    assert mde.scale == "difference" and mde.mde_decrease < 0 < mde.mde_increase
    # close to the usual (t + z_power) x SE rule
    rule = (stats.t.ppf(0.975, 95) + stats.norm.ppf(0.8)) * mde.median_se
    assert mde.mde_increase == pytest.approx(rule, rel=0.2)
    # series built like this one with the MDE in them are detected about 80% of the time
    fit = fit_its(d, "absence_rate", "month", start, seasonality="month")
    sd = fit.diagnostics["residual_sd"]
    rho = fit.diagnostics["rho"][0]
    base = fit.fitted.counterfactual.to_numpy()
    post = (fit.fitted.segment == "post").to_numpy()
    hits = []
    sim_rng = np.random.default_rng(99)
    for _ in range(60):
        e = np.empty(len(d))
        e[0] = sim_rng.normal(0, sd / np.sqrt(1 - rho**2))
        for i in range(1, len(d)):
            e[i] = rho * e[i - 1] + sim_rng.normal(0, sd)
        y = base + mde.mde_decrease * post + e
        r = fit_its(d.assign(absence_rate=y), "absence_rate", "month", start, seasonality="month")
        hits.append(r.effects.loc["level", "p_value"] < 0.05)
    assert 0.6 <= np.mean(hits) <= 0.95
    assert "procentpunt" in mde.summary_nl(percent_points=True)


def test_analytic_and_simulated_mde_agree_on_a_rate_series():
    """The analytic rule and the simulation from the same fit give nearly the same MDE."""
    d, start = _rate_series(np.random.default_rng(11), rho=0.3, level=0.0)
    fit = fit_its(d, "absence_rate", "month", start, seasonality="month")
    kw = dict(seasonality="month", fit=fit)
    ana = minimum_detectable_effect(d, "absence_rate", "month", start, method="analytic", **kw)
    sim = minimum_detectable_effect(d, "absence_rate", "month", start, method="simulation", n_simulations=200, **kw)
    assert ana.n_simulations == 0 and sim.n_simulations > 150
    assert ana.mde_decrease == pytest.approx(sim.mde_decrease, rel=0.15)


def test_analytic_mde_includes_the_placebo_threshold():
    """With a placebo threshold above the interval's critical size, the MDE is the threshold plus
    z_power standard errors: the effect the whole rule (interval and placebo) detects with power 0.8."""
    d, start = _rate_series(np.random.default_rng(12), rho=0.3, level=0.0)
    fit = fit_its(d, "absence_rate", "month", start, seasonality="month")
    plain = minimum_detectable_effect(d, "absence_rate", "month", start, seasonality="month", fit=fit)
    se = plain.median_se
    thr = 4 * se
    with_thr = minimum_detectable_effect(d, "absence_rate", "month", start, seasonality="month", fit=fit,
                                         threshold=thr)
    assert with_thr.mde_decrease == pytest.approx(-(thr + stats.t.ppf(0.8, fit.design.df) * se))
    assert with_thr.threshold == thr and any("placebo" in n for n in with_thr.notes)
    # a threshold below the critical size changes nothing
    low = minimum_detectable_effect(d, "absence_rate", "month", start, seasonality="month", fit=fit,
                                    threshold=se)
    assert low.mde_decrease == pytest.approx(plain.mde_decrease)


def test_robustness_reuses_a_given_fit_with_the_same_results():
    d, start = _rate_series(np.random.default_rng(13), rho=0.3, level=-0.01)
    fit = fit_its(d, "absence_rate", "month", start, seasonality="month")
    kw = dict(seasonality="month")
    a = placebo_test(d, "absence_rate", "month", start, n_dates=6, **kw)
    b = placebo_test(d, "absence_rate", "month", start, n_dates=6, fit=fit, **kw)
    pd.testing.assert_frame_equal(a.placebos, b.placebos)
    assert a.rank_p == b.rank_p
    ta = sensitivity_table(d, "absence_rate", "month", start, lags=(0, 3), **kw)
    tb = sensitivity_table(d, "absence_rate", "month", start, lags=(0, 3), fit=fit, **kw)
    pd.testing.assert_frame_equal(ta, tb)
    ma = minimum_detectable_effect(d, "absence_rate", "month", start, **kw)
    mb = minimum_detectable_effect(d, "absence_rate", "month", start, fit=fit, **kw)
    assert ma.mde_decrease == mb.mde_decrease


def test_mde_counts_is_a_ratio_with_checked_power():
    rng = np.random.default_rng(6)
    d, start = _count_series(rng, "quasipoisson", rr=1.0)
    kw = dict(family="quasipoisson", offset="pupils", slope_change=False, seasonality="harmonic", harmonics=1)
    mde = minimum_detectable_effect(d, "thuiszitters", "month", start, method="simulation", n_simulations=80,
                                    seed=2, **kw)
    assert mde.scale == "ratio"
    assert 0.5 < mde.mde_decrease < 1 < mde.mde_increase < 2
    assert mde.achieved_power is not None and 0.55 <= mde.achieved_power <= 1.0
    # a school four times as large (more counts, same rate) has a smaller detectable effect
    big, _ = _count_series(np.random.default_rng(6), "quasipoisson", rr=1.0, size=4.0)
    mde_big = minimum_detectable_effect(big, "thuiszitters", "month", start, method="simulation",
                                        n_simulations=80, seed=2, **kw)
    assert mde_big.mde_decrease > mde.mde_decrease


def test_analytic_count_mde_is_detected_about_80_percent_of_the_time():
    """Poisson series built with the analytic MDE's rate ratio are detected in about 80% of cases;
    the decrease is larger than the increase (fewer events after a decrease, a wider interval)."""
    kw = dict(family="quasipoisson", offset="pupils", slope_change=False, seasonality="harmonic", harmonics=1)
    d, start = _count_series(np.random.default_rng(6), "quasipoisson", rr=1.0)
    mde = minimum_detectable_effect(d, "thuiszitters", "month", start, **kw)
    assert mde.method == "analytic" and mde.scale == "ratio"
    assert 0.5 < mde.mde_decrease < 1 < mde.mde_increase < 2
    assert -np.log(mde.mde_decrease) > np.log(mde.mde_increase)
    rng = np.random.default_rng(60)
    hits = [fit_its(*_count_series(rng, "poisson", rr=mde.mde_decrease)[:1], "thuiszitters", "month", start,
                    **kw).effects.loc["level", "ci_high"] < 1 for _ in range(60)]
    assert 0.62 <= np.mean(hits) <= 0.95


def test_mde_refuses_bad_settings():
    rng = np.random.default_rng(1)
    d, start = _rate_series(rng)
    with pytest.raises(ConfigError, match="power"):
        minimum_detectable_effect(d, "absence_rate", "month", start, power=1.5)
    with pytest.raises(ConfigError, match="n_simulations"):
        minimum_detectable_effect(d, "absence_rate", "month", start, method="simulation", n_simulations=5)
    with pytest.raises(ConfigError, match="method must be one of analytic, simulation"):
        minimum_detectable_effect(d, "absence_rate", "month", start, method="bootstrap")


def test_robustness_takes_an_its_spec_like_fit_its():
    from josanalysis.methods.its import ItsSpec

    rng = np.random.default_rng(8)
    d, start = _rate_series(rng)
    by_kw = sensitivity_table(d, "absence_rate", "month", start, seasonality="month", lags=(0,),
                              autocorrelations=("ar1", "none"))
    by_spec = sensitivity_table(d, "absence_rate", "month", start, ItsSpec(seasonality="month"), lags=(0,),
                                autocorrelations=("ar1", "none"))
    pd.testing.assert_frame_equal(by_kw, by_spec)
    with pytest.raises(ConfigError, match="did you mean 'seasonality'"):
        placebo_test(d, "absence_rate", "month", start, seasonalty="month")


def test_placebo_fits_share_the_real_fit_error_structure():
    """With AR(1) errors every placebo fit uses the AR coefficient of the fit at the real start:
    a placebo estimate equals the pre-period fit at that date with ``ar_coefficient`` fixed."""
    d, start = _rate_series(np.random.default_rng(21), rho=0.4, level=0.0)
    res = placebo_test(d, "absence_rate", "month", start, seasonality="month", n_dates=4)
    rho = fit_its(d, "absence_rate", "month", start, seasonality="month").diagnostics["rho"][0]
    first = res.placebos[res.placebos.term == "level"].iloc[0]
    pre = d[d.month < start]
    fixed = fit_its(pre, "absence_rate", "month", first.placebo_start,
                    ItsSpec(seasonality="month", ar_coefficient=rho))
    assert fixed.diagnostics["rho"][0] == pytest.approx(rho)
    assert first.estimate == pytest.approx(fixed.effects.loc["level", "estimate"])
    with pytest.raises(ConfigError, match="ar_coefficient"):
        ItsSpec(autocorrelation="hac", ar_coefficient=0.2)
