"""Tests for josanalysis.assessment (evidence, caveats, verdicts): every caveat fires on a constructed case and not on a clean one,
the verdict rules, evidence from an ITS-shaped result, notes, and no claim of causation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from josanalysis.assessment import (
    CAVEATS,
    NO_NOTES_TEXT,
    VERDICTS,
    CoIntervention,
    Effect,
    Evidence,
    assess,
    assess_many,
    capacity_per_100,
    evidence_from_its,
    evidence_from_yearly,
    first_year_change,
    notes_for,
)
from josanalysis.core.config import load_analysis_plan
from josanalysis.core.errors import ConfigError
from josanalysis.runner.index import VERDICT_STYLE

D = dt.date
COVID = ((D(2020, 3, 16), D(2020, 6, 1)), (D(2020, 12, 16), D(2021, 2, 28)))


def clean(**changes) -> Evidence:
    """A case where nothing should fire: long series, comparison, good diagnostics, power."""
    base = Evidence(
        indicator="absence_rate", label="het verzuim", direction="down", frequency="month",
        scale="difference", percent_points=True,
        level=Effect(-0.012, -0.018, -0.006, 0.0004), slope=Effect(0.0, -0.0003, 0.0003, 0.9),
        n_pre=70, n_post=33, start=D(2023, 8, 1),
        pre_first=D(2016, 9, 1), pre_last=D(2023, 7, 1), post_first=D(2023, 9, 1), post_last=D(2026, 7, 1),
        alpha=0.05, covid_windows=COVID, covid_handling="exclude",
        has_comparison=True, comparison_pretrend_p=0.62, family="gaussian",
        diagnostics={"durbin_watson": 1.96, "ljung_box_p": 0.41, "rho": [0.3], "overdispersion": None},
        sensitivity=pd.DataFrame({
            "spec": ["vooraf (AR1)", "lag 3", "harmonisch"],
            "estimate": [-0.012, -0.010, -0.013], "ci_low": [-0.018, -0.017, -0.02],
            "ci_high": [-0.006, -0.003, -0.006], "prespecified": [True, False, False]}),
        mde=0.006, plausible_effect=0.01,
        placebo_estimates=[0.002, -0.001, 0.0035, -0.004, 0.001, 0.0, -0.002, 0.003, -0.003, 0.0015,
                           -0.0005, 0.0025, -0.0025, 0.0045, -0.0015, 0.0005, -0.0035, 0.004, 0.001, -0.001],
        capacity_per_100={"A": 0.20, "B": 0.22, "C": 0.18, "D": 0.21},
    )
    return dataclasses.replace(base, **changes)


def keys(ev: Evidence) -> list[str]:
    return [c.key for c in assess(ev).caveats]


def test_clean_case_has_no_caveats_and_a_cautious_positive_verdict():
    a = assess(clean())
    assert a.caveats == ()
    assert a.verdict_key == "consistent_effect"
    assert a.verdict == "consistent met een effect; toeschrijving aan JOS niet vastgesteld"
    assert "-1,2 procentpunt" in a.reason_nl and "niet vaststellen" in a.reason_nl


# Each case: the change that should trigger the caveat, its key, and a number/phrase that the
# text must carry (the caveat is derived from the data, not boilerplate).
CASES = {
    "short_pre": (dict(n_pre=15, pre_first=D(2022, 3, 1)), "15 lesmaanden vóór de start"),
    "short_post": (dict(n_post=9, post_first=D(2023, 9, 1), post_last=D(2024, 6, 1)),
                   "9 lesmaanden na de start (van september 2023 tot juni 2024)"),
    "covid_overlap": (dict(start=D(2019, 8, 1), pre_last=D(2019, 7, 1), post_first=D(2019, 9, 1),
                           post_last=D(2022, 7, 1)), "maart 2020 – juni 2020"),
    "covid_pre": (dict(start=D(2022, 8, 1), pre_last=D(2022, 7, 1), post_first=D(2022, 9, 1)),
                  "december 2020 – februari 2021"),
    "co_intervention": (dict(co_interventions=(CoIntervention("nieuwe verzuimaanpak leerplicht", D(2024, 1, 1)),)),
                        "'nieuwe verzuimaanpak leerplicht' (vanaf januari 2024"),
    "no_comparison": (dict(has_comparison=False, comparison_pretrend_p=None), "geen vergelijkingsreeks"),
    "comparison_pretrend": (dict(comparison_pretrend_p=0.012), "p = 0,012"),
    "autocorrelation": (dict(diagnostics={"durbin_watson": 1.31, "ljung_box_p": 0.003}),
                        "Ljung-Box p = 0,003, Durbin-Watson 1,31"),
    "overdispersion": (dict(family="poisson", scale="ratio", level=Effect(0.8, 0.7, 0.9, 0.001),
                            slope=None, mde=None, placebo_estimates=None, sensitivity=None,
                            diagnostics={"ljung_box_p": 0.5, "overdispersion": 2.4}), "spreidingsfactor 2,40"),
    "sensitivity": (dict(sensitivity=pd.DataFrame({
        "spec": ["vooraf (AR1)", "lag 6", "zonder seizoen"], "estimate": [-0.012, 0.002, -0.004],
        "ci_low": [-0.018, -0.004, -0.011], "ci_high": [-0.006, 0.008, 0.003],
        "prespecified": [True, False, False]})), "Bij lag 6 wijst ze zelfs de andere kant op"),
    "underpowered": (dict(mde=0.021), "2,1 procentpunt"),
    "placebo": (dict(placebo_estimates=[0.02, -0.015, 0.013, -0.004, 0.001, 0.0, -0.002, 0.003, -0.003,
                                        0.0015, -0.0005, 0.0025, -0.0025, 0.0045, -0.0015, 0.0005,
                                        -0.0035, 0.004, 0.001, -0.001]),
                "3 keer minstens zo groot"),
    "early_rise": (dict(indicator="tlv_vso_cluster4", label="het aantal verwijzingen vso cluster 4",
                        scale="ratio", level=Effect(0.85, 0.7, 1.02, 0.09), slope=None, mde=None,
                        plausible_effect=0.8, placebo_estimates=None, sensitivity=None,
                        early_rise=True, first_year_change=1.3, frequency="schoolyear", n_pre=6,
                        n_post=3), "+30% boven de voortgezette trend"),
    "registration_break": (dict(registration_break=True, registration_break_date=D(2023, 9, 1)),
                           "september 2023"),
    "capacity_differences": (dict(capacity_per_100={"A": 0.1, "B": 0.35, "C": 0.2}),
                             "van 0,10 tot 0,35 fte per 100 leerlingen"),
    "national_context": (dict(indicator="thuiszitters", label="het aantal thuiszitters",
                              national_context=True, national_change=0.18), "steeg landelijk met 18%"),
}


def test_every_caveat_has_a_case():
    assert set(CASES) == set(CAVEATS)


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_caveat_fires_on_its_case_with_the_numbers(key):
    change, phrase = CASES[key]
    a = assess(clean(**change))
    fired = {c.key: c for c in a.caveats}
    assert key in fired, f"{key} did not fire; fired: {list(fired)}"
    assert phrase in fired[key].text_nl
    assert fired[key].severity in ("info", "let_op", "ernstig")
    # the change triggers only its own caveat (except the deliberate overlaps noted here)
    allowed = {key, "no_comparison"} | ({"covid_pre"} if key == "covid_overlap" else set())
    allowed |= {"short_post"} if key == "early_rise" else set()
    assert set(fired) <= allowed, set(fired) - allowed


def test_underpowered_text_fits_the_estimate():
    sig = next(c for c in assess(clean(mde=0.021)).caveats if c.key == "underpowered")
    assert "groter is dan een realistisch effect" in sig.text_nl and "Geen aantoonbare" not in sig.text_nl
    null = next(c for c in assess(clean(mde=0.021, level=Effect(-0.002, -0.009, 0.005, 0.6))).caveats
                if c.key == "underpowered")
    assert "Geen aantoonbare verandering betekent hier dus niet" in null.text_nl


def test_caveats_respect_their_thresholds():
    # long enough, far enough from COVID, small overdispersion in quasi-Poisson (modelled)
    assert keys(clean(n_pre=24, n_post=22)) == []
    assert "overdispersion" not in keys(clean(family="quasipoisson", diagnostics={"overdispersion": 3.0}))
    assert "overdispersion" not in keys(clean(family="poisson", diagnostics={"overdispersion": 1.2}))
    # a registration change years away from the start is not a break at the start
    assert "registration_break" not in keys(clean(registration_break=True, registration_break_date=D(2018, 1, 1)))
    # a first-year fall in referrals is no early-rise story; nor a rise in a non-referral indicator
    assert "early_rise" not in keys(clean(early_rise=True, scale="ratio", first_year_change=0.9,
                                          level=Effect(0.9, 0.8, 1.0), slope=None, mde=None,
                                          plausible_effect=0.8, placebo_estimates=None, sensitivity=None))
    assert "early_rise" not in keys(clean(early_rise=False, first_year_change=0.01))
    # the comparison's pre-trend test passing at p just above alpha
    assert "comparison_pretrend" not in keys(clean(comparison_pretrend_p=0.051))
    # a real estimate beyond every placebo estimate: rank 1 of 21, p = 1/21 < 0.05
    assert "placebo" not in keys(clean())


def test_placebo_text_gives_rank_and_percentile():
    pl = list(np.linspace(-0.02, 0.02, 19))  # real -0.012 lies inside
    c = next(c for c in assess(clean(placebo_estimates=pl)).caveats if c.key == "placebo")
    k = sum(abs(x) >= 0.012 for x in pl)
    below = sum(x < -0.012 for x in pl)
    assert f"{k} keer" in c.text_nl and f"plaats {k + 1} van 20" in c.text_nl
    assert f"{round(100 * below / 19)}e percentiel" in c.text_nl


def test_capacity_cv_in_text_matches_the_numbers():
    cap = {"A": 0.1, "B": 0.35, "C": 0.2}
    v = np.array(list(cap.values()))
    cv = v.std() / v.mean()
    c = next(c for c in assess(clean(capacity_per_100=cap)).caveats if c.key == "capacity_differences")
    assert f"variatiecoëfficiënt {cv:.2f}".replace(".", ",") in c.text_nl


def test_capacity_caveat_from_a_cv_alone():
    c = [c for c in assess(clean(capacity_per_100=None, capacity_cv=0.98)).caveats if c.key == "capacity_differences"]
    assert c and "variatiecoëfficiënt 0,98" in c[0].text_nl
    assert assess(clean(capacity_per_100=None, capacity_cv=0.2)).caveats == ()


def test_caveats_are_ordered_most_severe_first():
    a = assess(clean(has_comparison=False, n_post=9, registration_break=True,
                     capacity_per_100={"A": 0.1, "B": 0.4}))
    sev = [c.severity for c in a.caveats]
    rank = {"ernstig": 0, "let_op": 1, "info": 2}
    assert sev == sorted(sev, key=rank.get)


# --------------------------------------------------------------------------------------------
# Verdict rules
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, expected", [
    ({}, "consistent_effect"),
    (dict(level=Effect(0.012, 0.006, 0.018, 0.001)), "unexpected_direction"),
    (dict(direction=None), "change_no_direction"),
    (dict(direction="up"), "unexpected_direction"),
    # narrow interval around zero that excludes a realistic effect (-1 pp)
    (dict(level=Effect(0.001, -0.004, 0.006, 0.7), mde=0.006), "no_change"),
    # wide interval that contains the realistic effect
    (dict(level=Effect(-0.004, -0.015, 0.007, 0.4), mde=None), "underpowered"),
    # interval excludes the realistic effect, but the MDE is beyond it
    (dict(level=Effect(0.001, -0.004, 0.006, 0.7), mde=0.02), "underpowered"),
    (dict(n_post=5), "not_assessable"),
    (dict(n_pre=11), "not_assessable"),
    (dict(level=Effect(float("nan"), float("nan"), float("nan")), slope=None), "not_assessable"),
    (dict(level=None, slope=None), "not_assessable"),
    # significant, but 3 of 20 placebo dates give changes as large (rank p 4/21 > 0.05): downgraded,
    # never "geen verandering"
    (dict(placebo_estimates=[0.02, -0.015, 0.013] + [0.001] * 17), "change_within_placebo"),
    # with only 6 placebo dates the rank p cannot go below 1/7: the rule that can is "larger than
    # every placebo date" -- reachable, so a clear change still gets its verdict
    (dict(placebo_estimates=[-0.004, 0.001, 0.0, 0.003, -0.002, 0.005]), "consistent_effect"),
    (dict(placebo_estimates=[0.02, -0.015, 0.013, -0.004, 0.001, 0.0]), "change_within_placebo"),
    # a clear rise against the expected direction survives the placebo dates too
    (dict(level=Effect(0.012, 0.006, 0.018, 0.001), placebo_estimates=[0.02] + [0.001] * 19),
     "change_within_placebo"),
    # the region: the start dates reassigned among the schools; a clear pooled change whose
    # randomization p exceeds alpha is downgraded, in either direction, never to "geen verandering"
    (dict(placebo_estimates=None, randomization_p=0.2, n_permutations=199), "change_within_permutation"),
    (dict(placebo_estimates=None, randomization_p=0.04, n_permutations=199), "consistent_effect"),
    (dict(level=Effect(0.012, 0.006, 0.018, 0.001), placebo_estimates=None, randomization_p=0.3,
          n_permutations=199), "change_within_permutation"),
    # few schools or cohorts: 11 other reassignments cannot reach p = 0.05; the rule that can is
    # "larger than under every reassignment" (p = 1/12)
    (dict(placebo_estimates=None, randomization_p=1 / 12, n_permutations=11), "consistent_effect"),
    (dict(placebo_estimates=None, randomization_p=2 / 12, n_permutations=11), "change_within_permutation"),
    # a null result is never downgraded or upgraded by the randomization test
    (dict(level=Effect(0.001, -0.004, 0.006, 0.7), mde=0.006, placebo_estimates=None, randomization_p=0.01,
          n_permutations=199), "no_change"),
    # ratio scale (counts): RR 0.8 is a fall
    (dict(scale="ratio", level=Effect(0.8, 0.7, 0.9, 0.001), slope=None, mde=None,
          plausible_effect=0.8, placebo_estimates=None, sensitivity=None), "consistent_effect"),
    (dict(scale="ratio", level=Effect(1.3, 1.1, 1.5, 0.002), slope=None, mde=None,
          plausible_effect=0.8, placebo_estimates=None, sensitivity=None), "unexpected_direction"),
    (dict(scale="ratio", level=Effect(0.97, 0.74, 1.27, 0.8), slope=None, mde=None,
          plausible_effect=0.8, placebo_estimates=None, sensitivity=None), "underpowered"),
    (dict(scale="ratio", level=Effect(1.01, 0.95, 1.07, 0.8), slope=None, mde=None,
          plausible_effect=0.8, placebo_estimates=None, sensitivity=None), "no_change"),
    # level up, slope down, both significant: the pre-registered primary estimate decides
    (dict(level=Effect(0.01, 0.004, 0.016), slope=Effect(-0.002, -0.003, -0.001),
          end=Effect(-0.05, -0.08, -0.02)), "unexpected_direction"),
    (dict(level=Effect(0.01, 0.004, 0.016), slope=Effect(-0.002, -0.003, -0.001),
          end=Effect(-0.05, -0.08, -0.02), primary="slope", placebo_estimates=None), "consistent_effect"),
    # counts below MIN_EVENTS_PER_POINT per lesson month before or after the start: no verdict
    (dict(scale="ratio", level=Effect(6.4, 1.4, 29.6, 0.02), slope=None, mde=None, plausible_effect=0.8,
          placebo_estimates=None, sensitivity=None, events_per_point=(1.2, 1.3)), "small_counts"),
    (dict(scale="ratio", level=Effect(1.3, 1.1, 1.5, 0.002), slope=None, mde=None, plausible_effect=0.8,
          placebo_estimates=None, sensitivity=None, events_per_point=(9.0, 10.0)), "unexpected_direction"),
    # schoolyear thresholds: 3 years before is too few, 4 is enough
    (dict(frequency="schoolyear", n_pre=3, n_post=3), "not_assessable"),
    (dict(frequency="schoolyear", n_pre=6, n_post=2), "consistent_effect"),
])
def test_verdict_rules(change, expected):
    a = assess(clean(**change))
    assert a.verdict_key == expected, a.reason_nl
    assert a.verdict == VERDICTS[expected]
    assert a.reason_nl


def test_not_assessable_reason_names_the_counts():
    a = assess(clean(n_post=4))
    assert "70 lesmaanden vóór en 4 na de start" in a.reason_nl


CAUSAL = re.compile(
    r"veroorzaakt|dankzij|door JOS|komt door JOS|gevolg van JOS|JOS (heeft|zorgt|leidde|leidt)\b|JOS werkt(?! niet)"
    r"|effect van JOS (is|was) (aangetoond|bewezen)|bewijst",
    re.IGNORECASE,
)


def test_no_output_text_claims_causation():
    texts = list(VERDICTS.values())
    evs = [clean()] + [clean(**change) for change, _ in CASES.values()]
    evs += [clean(level=Effect(0.012, 0.006, 0.018)), clean(direction=None), clean(n_post=3),
            clean(level=Effect(-0.004, -0.015, 0.007))]
    for ev in evs:
        a = assess(ev)
        texts += [a.verdict, a.reason_nl, a.text_nl()] + [c.text_nl for c in a.caveats]
        texts += [str(x) for x in a.to_frame().to_numpy().ravel()]
    offending = [t for t in texts if CAUSAL.search(t)]
    assert not offending, offending[:3]
    # and the guard itself works
    assert CAUSAL.search("De daling is veroorzaakt door JOS.") and CAUSAL.search("JOS werkt: minder verzuim")
    assert not CAUSAL.search("JOS werkt niet geïsoleerd")


def test_to_frame_and_region_summary():
    a = assess(clean(has_comparison=False, n_post=9))
    f = a.to_frame()
    assert list(f.columns) == ["indicator", "verdict_key", "verdict", "reason", "caveat_key", "severity", "caveat"]
    assert f["caveat_key"].tolist() == [c.key for c in a.caveats] and len(f) == 2
    assert len(assess(clean()).to_frame()) == 1
    s = assess_many([a, assess(clean(n_post=2))], keys={"school_id": "DM0900"})
    assert s["oordeel"].tolist() == [VERDICTS["consistent_effect"], VERDICTS["not_assessable"]]
    assert s["school_id"].tolist() == ["DM0900", "DM0900"]
    assert "short_post" in s.loc[0, "caveats"]
    r = a.to_report()
    assert r.columns.tolist() == ["Ernst", "Kanttekening"] and len(r) == 2
    assert set(r["Ernst"]) <= {"ter informatie", "let op", "ernstig"}
    # a sensitivity table whose 'prespecified' column is nullable boolean with gaps
    sens = clean().sensitivity.assign(prespecified=pd.array([True, None, False], dtype="boolean"))
    assert assess(clean(sensitivity=sens)).caveats == ()


def test_bad_evidence_is_refused():
    with pytest.raises(ConfigError, match="direction"):
        clean(direction="omlaag")
    with pytest.raises(ConfigError, match="frequency"):
        clean(frequency="week")
    with pytest.raises(ConfigError, match="prespecified"):
        clean(sensitivity=pd.DataFrame({"estimate": [1.0], "ci_low": [0.0], "ci_high": [2.0]}))
    with pytest.raises(ConfigError, match="n_post"):
        clean(n_post=-1)
    with pytest.raises(ConfigError, match="Evidence"):
        assess({"indicator": "x"})


# --------------------------------------------------------------------------------------------
# Evidence from an ITS-shaped result (duck typing), capacity and notes
# --------------------------------------------------------------------------------------------


def fake_its(start="2022-08-01", rr_first=1.3, comparison=False, family="quasipoisson"):
    months = pd.date_range("2016-09-01", "2025-07-01", freq="MS")
    months = months[months.month != 8]
    t0 = pd.Timestamp(start)
    seg = np.where(months < t0, "pre", "post")
    cf = np.full(len(months), 10.0)
    first_year = (months >= t0) & (months < t0 + pd.DateOffset(months=12))
    obs = np.where(first_year, 10.0 * rr_first, 10.0)
    excluded = ((months >= "2020-03-01") & (months <= "2020-06-01"))
    fitted = pd.DataFrame({"time": np.arange(len(months)), "month": months, "observed": obs,
                           "fitted": obs, "counterfactual": cf, "segment": seg, "excluded": excluded})
    effects = pd.DataFrame({
        "estimate": [1.12, 0.995, 1.0], "ci_low": [0.95, 0.98, 0.8], "ci_high": [1.32, 1.01, 1.25],
        "p_value": [0.17, 0.5, 0.9], "scale": ["ratio"] * 3}, index=pd.Index(["level", "slope", "end"], name="term"))
    n_pre = int(((seg == "pre") & ~excluded).sum())
    n_post = int(((seg == "post") & ~excluded).sum())
    return SimpleNamespace(
        effects=effects, n_pre=n_pre, n_post=n_post,
        diagnostics={"durbin_watson": 2.0, "ljung_box_p": 0.3, "rho": [0.2], "overdispersion": 1.1},
        fitted=fitted,
        spec={"family": family, "alpha": 0.05, "start": start, "comparison": comparison, "time": "month"},
    )


def test_evidence_from_an_its_shaped_result():
    plan = load_analysis_plan()
    res = fake_its()
    ev = evidence_from_its(res, "tlv_vso_cluster4", plan)
    assert ev.direction == "down" and ev.early_rise and ev.scale == "ratio"
    assert ev.level == Effect(1.12, 0.95, 1.32, 0.17)
    assert ev.n_pre == res.n_pre and ev.n_post == res.n_post
    assert ev.start == D(2022, 8, 1) and ev.post_first == D(2022, 9, 1) and ev.post_last == D(2025, 7, 1)
    assert ev.pre_first == D(2016, 9, 1) and ev.pre_last == D(2022, 7, 1)
    assert ev.first_year_change == pytest.approx(1.3)
    assert ev.covid_windows == plan.covid_windows and not ev.has_comparison
    a = assess(ev)
    got = {c.key for c in a.caveats}
    assert {"early_rise", "no_comparison", "covid_pre"} <= got
    assert "national_context" not in got
    # overrides are Evidence fields; anything else is refused
    ev2 = evidence_from_its(fake_its(comparison=True), "thuiszitters", plan, comparison_pretrend_p=0.01)
    assert ev2.has_comparison and ev2.national_context
    assert {"comparison_pretrend", "national_context"} <= set(keys(ev2))
    with pytest.raises(ConfigError, match="unknown field"):
        evidence_from_its(res, "thuiszitters", plan, mystery=1)
    with pytest.raises(ConfigError, match="effects"):
        evidence_from_its(SimpleNamespace(n_pre=1), "thuiszitters", plan)


def test_evidence_from_its_for_a_school_that_started_before_covid():
    plan = load_analysis_plan()
    ev = evidence_from_its(fake_its(start="2019-08-01", rr_first=1.0), "thuiszitters", plan)
    got = set(keys(ev))
    assert "covid_overlap" in got and "early_rise" not in got


def test_capacity_per_100_from_schools():
    schools = [
        SimpleNamespace(school_id="A", fte_during={"GW": 0.2, "JGC": 0.4, "PAJ": None}, pupils=600, is_jos=True),
        SimpleNamespace(school_id="B", fte_during={"GW": 0.1, "JGC": 0.1, "PAJ": 0.8}, pupils=None, is_jos=True),
        SimpleNamespace(school_id="C", fte_during={}, pupils=300, is_jos=False),
    ]
    assert capacity_per_100(schools) == {"A": 0.1}
    assert capacity_per_100(schools, pupils={"B": 400}) == {"A": 0.1, "B": 0.25}


def test_notes_for_school_region_and_none():
    school = SimpleNamespace(indicator_notes={"thuiszitters": "Drie leerlingen zijn weer naar school."})
    region = SimpleNamespace(indicator_notes={"thuiszitters": "Wachtlijst jeugd-GGZ liep op in 2023."})
    assert notes_for("thuiszitters", school) == "Drie leerlingen zijn weer naar school."
    both = notes_for("thuiszitters", school, region)
    assert both.startswith("Drie leerlingen") and "Regio: Wachtlijst" in both
    assert notes_for("absence_rate", school, region) == NO_NOTES_TEXT
    assert notes_for("thuiszitters", SimpleNamespace(indicator_notes={"thuiszitters": "  "})) == NO_NOTES_TEXT


def test_the_primary_estimate_decides_and_the_others_are_labelled_secondary():
    # level interval excludes 0 (p = 0.03): a change, whatever the slope does; no Bonferroni
    # bound that would make a verdict disagree with the interval the reader sees
    ev = clean(level=Effect(-0.006, -0.011, -0.001, 0.03), slope=Effect(0.0, -0.0003, 0.0003, 0.9),
               mde=0.02)
    a = assess(ev)
    assert a.verdict_key == "consistent_effect"
    assert "(hoofdschatting)" in a.reason_nl and "Secundair" in a.reason_nl
    assert a.reason_nl.index("niveauverandering (hoofdschatting)") < a.reason_nl.index("Secundair")
    assert "trendverandering" in a.reason_nl.split("Secundair")[1]
    # with the slope as primary the same evidence has no change
    b = assess(dataclasses.replace(ev, primary="slope", placebo_estimates=None))
    assert b.verdict_key in ("no_change", "underpowered")
    assert "trendverandering (hoofdschatting)" in b.reason_nl
    with pytest.raises(ConfigError, match="primary"):
        clean(primary="end")


def test_no_verdict_contradicts_its_own_interval():
    # every branch: a primary interval that excludes the null never reads "geen verandering", one
    # that contains it never claims a change
    rng = np.random.default_rng(3)
    for _ in range(300):
        est = rng.normal(0, 0.01)
        half = abs(rng.normal(0.008, 0.004))
        n_pl = int(rng.integers(0, 30))
        n_perm = int(rng.choice([0, 5, 11, 199]))
        ev = clean(level=Effect(est, est - half, est + half, None), mde=float(abs(rng.normal(0.01, 0.005))),
                   placebo_estimates=list(rng.normal(0, 0.01, n_pl)) if n_pl else None,
                   randomization_p=int(rng.integers(1, n_perm + 2)) / (n_perm + 1) if n_perm else None,
                   n_permutations=n_perm or None, direction=[None, "down", "up"][int(rng.integers(3))])
        a = assess(ev)
        if ev.excludes_null(ev.level):
            assert "geen verandering" not in a.verdict, a.reason_nl
        else:
            assert a.verdict_key in ("no_change", "underpowered"), a.reason_nl


def test_placebo_dates_that_cannot_reach_the_rank_p_say_so():
    a = assess(clean(placebo_estimates=[0.001] * 10))
    assert a.verdict_key == "consistent_effect"
    assert "Met 10 nepstartdatums is de kleinste haalbare rangwaarde 1/11" in a.reason_nl
    assert "groter is dan bij alle 10 nepstartdatums" in a.reason_nl
    # and a downgrade names how many placebo dates gave a change as large: a true sentence
    b = assess(clean(placebo_estimates=[0.02, -0.015, 0.013] + [0.001] * 17))
    assert "Bij 3 van de 20 nepstartdatums" in b.reason_nl
    assert "niet groter dan wat nepstartdatums opleveren" not in b.reason_nl


def test_region_randomization_test_says_what_was_permuted():
    a = assess(clean(placebo_estimates=None, randomization_p=0.2, n_permutations=199))
    assert a.verdict == VERDICTS["change_within_permutation"]
    assert "Bij 39 van de 199 herverdelingen van de werkelijke startdatums over de scholen" in a.reason_nl
    assert "p = 0,200" in a.reason_nl and "nepstartdatums" not in a.reason_nl + a.verdict
    # few distinct reassignments: the smallest reachable p is named, and the rule that can be met
    b = assess(clean(placebo_estimates=None, randomization_p=1 / 6, n_permutations=5))
    assert b.verdict_key == "consistent_effect"
    assert "Met 5 mogelijke herverdelingen is de kleinste haalbare p 1/6 = 0,17" in b.reason_nl
    assert "groter is dan bij alle 5 herverdelingen" in b.reason_nl
    assert assess(clean(placebo_estimates=None, randomization_p=2 / 6, n_permutations=5)).verdict_key == \
        "change_within_permutation"


def test_small_counts_show_counts_per_year_and_no_percentage():
    ev = clean(indicator="thuiszitters", scale="ratio", level=Effect(6.4, 1.4, 29.6, 0.02), slope=None,
               mde=None, plausible_effect=0.8, placebo_estimates=None, sensitivity=None,
               events_per_point=(1.2, 1.3), min_count=5,
               counts_by_year=(("2021-2022", 3.0), ("2022-2023", 14.0)))
    a = assess(ev)
    assert a.verdict == "te kleine aantallen om te beoordelen"
    assert "2021-2022: minder dan 5" in a.reason_nl and "2022-2023: 14" in a.reason_nl
    assert "%" not in a.reason_nl and "Hawley" in a.reason_nl
    # at the threshold the rule no longer applies
    assert assess(dataclasses.replace(ev, events_per_point=(3.0, 3.5))).verdict_key != "small_counts"
    # the expectation is the pre-period level: a fall after the start keeps the series assessable
    assert assess(dataclasses.replace(ev, events_per_point=(10.0, 2.0))).verdict_key != "small_counts"
    assert assess(dataclasses.replace(ev, events_per_point=(2.0, 10.0))).verdict_key == "small_counts"


def test_an_unexpected_change_far_beyond_a_realistic_effect_gets_the_size_sentence():
    ev = clean(scale="ratio", level=Effect(3.0, 1.5, 6.0, 0.001), slope=None, mde=None, plausible_effect=0.8,
               placebo_estimates=None, sensitivity=None)
    a = assess(ev)
    assert a.verdict_key == "unexpected_direction" and "veel groter dan een realistisch effect" in a.reason_nl
    small = assess(dataclasses.replace(ev, level=Effect(1.2, 1.05, 1.4, 0.01)))
    assert small.verdict_key == "unexpected_direction" and "veel groter" not in small.reason_nl


def test_no_comparison_caveat_needs_an_estimate():
    ev = clean(has_comparison=False, level=None, slope=None, n_post=0)
    a = assess(ev)
    assert a.verdict_key == "not_assessable" and "no_comparison" not in [c.key for c in a.caveats]


# --------------------------------------------------------------------------------------------
# School-year indicators: descriptive, but the first-year rise is explained
# --------------------------------------------------------------------------------------------


def test_first_year_change_against_the_years_before():
    idx = pd.to_datetime([f"{y}-08-01" for y in range(2017, 2024)])
    v = pd.Series([50.0, 52, 48, 60, 40, 80, 55], index=idx)
    # basis = mean of 2019, 2020, 2021 = 49.33; first JOS year (2022) = 80
    assert first_year_change(v, "2022-08-01") == pytest.approx(80 / np.mean([48, 60, 40]))
    assert first_year_change(v, "2022-08-01", scale="difference") == pytest.approx(80 - np.mean([48, 60, 40]))
    pupils = pd.Series([1000.0] * 5 + [2000.0, 2000.0], index=idx)
    assert first_year_change(v, "2022-08-01", denominator=pupils) == pytest.approx(
        (80 / 2000) / np.mean([48 / 1000, 60 / 1000, 40 / 1000]))
    assert first_year_change(v, "2030-08-01") is None and first_year_change(v, "2010-08-01") is None
    with pytest.raises(ConfigError, match="scale"):
        first_year_change(v, "2022-08-01", scale="log")


def test_evidence_from_yearly_for_referrals():
    f = pd.DataFrame({"year_start": pd.to_datetime([f"{y}-08-01" for y in range(2016, 2025)]),
                      "youthcare_ambulant": [99.0, 79, 110, 105, 105, 127, 202, 117, 109],
                      "pupils": [1150.0, 1162, 1173, 1185, 1197, 1209, 1221, 1233, 1245]})
    plan = load_analysis_plan()
    ev = evidence_from_yearly(f, "youthcare_ambulant", D(2022, 8, 1), plan, denominator="pupils")
    assert (ev.n_pre, ev.n_post, ev.frequency, ev.scale) == (6, 3, "schoolyear", "ratio")
    expected = (202 / 1221) / np.mean([105 / 1185, 105 / 1197, 127 / 1209])
    assert ev.first_year_change == pytest.approx(expected)
    a = assess(ev)
    assert a.verdict_key == "not_assessable" and "jaarcijfers" in a.reason_nl
    rise = next(c for c in a.caveats if c.key == "early_rise")
    assert "het aantal leerlingen met jeugdhulp zonder verblijf" in rise.text_nl
    assert f"+{round((expected - 1) * 100)}%" in rise.text_nl and "3 schooljaren vóór de start" in rise.text_nl
    # a fall in the first year: no early-rise story
    g = f.assign(youthcare_ambulant=[99.0, 79, 110, 105, 105, 127, 90, 117, 109])
    assert "early_rise" not in keys(evidence_from_yearly(g, "youthcare_ambulant", D(2022, 8, 1), plan))
    with pytest.raises(ConfigError, match="'pupils_x'"):
        evidence_from_yearly(f, "youthcare_ambulant", D(2022, 8, 1), plan, denominator="pupils_x")


# --------------------------------------------------------------------------------------------
# The demo region: the caveats the issue names fire for a real reason in the data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    panel_mod = pytest.importorskip("josanalysis.panel.build")
    its = pytest.importorskip("josanalysis.methods.its")
    from josanalysis.core.config import load_region

    region = load_region("demoregio")
    plan = load_analysis_plan()
    panel = panel_mod.load_panel("demoregio")
    monthly, yearly = {}, {}
    for n, school in enumerate(region.jos_schools):
        for ind in ("absence_rate", "thuiszitters") if n < 2 else ("absence_rate",):
            ip = plan.indicators[ind]
            kw = dict(family=ip.family, level_change=ip.level_change, slope_change=ip.slope_change,
                      lag=ip.lag_months, seasonality=ip.seasonality, autocorrelation=plan.autocorrelation,
                      alpha=plan.alpha, exclude=list(plan.covid_windows))
            if ip.family != "gaussian":
                kw["offset"] = "pupils"
            s = panel.series(school.school_id, ind, covid_windows=plan.covid_windows)
            res = its.fit_its(s, ind, "month", school.jos_start, **kw)
            monthly[school.school_id, ind] = assess(evidence_from_its(res, ind, plan))
        y = panel.yearly(school.school_id)
        for ind in ("youthcare_ambulant", "tlv_vso_cluster4", "placements_facility"):
            yearly[school.school_id, ind] = assess(
                evidence_from_yearly(y, ind, school.jos_start, plan, denominator="pupils"))
    return region, monthly, yearly


def test_demo_short_post_period_fires_exactly_for_late_starters(demo):
    region, monthly, _ = demo
    late = {s.school_id for s in region.jos_schools if s.jos_start >= D(2024, 8, 1)}
    assert late
    for (sid, ind), a in monthly.items():
        fired = "short_post" in [c.key for c in a.caveats]
        assert fired == (sid in late), (sid, ind, a.evidence.n_post)


def test_demo_covid_overlap_fires_exactly_for_the_pre_covid_pilot(demo):
    region, monthly, _ = demo
    early = {s.school_id for s in region.jos_schools if s.jos_start < D(2020, 3, 16)}
    assert early
    for (sid, ind), a in monthly.items():
        assert ("covid_overlap" in [c.key for c in a.caveats]) == (sid in early), (sid, ind)


def test_demo_has_underpowered_verdicts_and_no_causal_claims(demo):
    _, monthly, yearly = demo
    verdicts = {a.verdict_key for a in monthly.values()}
    assert "underpowered" in verdicts
    assert "national_context" in [c.key for c in monthly[next(k for k in monthly if k[1] == "thuiszitters")].caveats]
    texts = [a.text_nl() for a in [*monthly.values(), *yearly.values()]]
    assert not [t for t in texts if CAUSAL.search(t)]


def test_demo_first_year_referral_rise_is_explained(demo, project_root):
    _, _, yearly = demo
    truth = pd.read_csv(project_root / "data" / "demo" / "truth.csv")
    rises = truth[(truth["parameter"] == "first_year_ratio") & (truth["value"] > 1)]
    fired = [k for k, a in yearly.items() if "early_rise" in [c.key for c in a.caveats]]
    assert fired
    # most school/indicator pairs with a built-in first-year rise show it
    built_in = {(r.school_id, r.indicator) for r in rises.itertuples() if (r.school_id, r.indicator) in yearly}
    assert built_in and len(built_in & set(fired)) >= 0.6 * len(built_in)


# --------------------------------------------------------------------------------------------
# The pieces: wording on the evidence's scale, placebo rank, verdict and caveats apart
# --------------------------------------------------------------------------------------------


def test_effects_are_worded_on_their_scale_with_a_hyphen_minus():
    from josanalysis.assessment.wording import count_text, effect_text, interval_text, subject

    pp = clean()
    assert effect_text(pp, -0.012) == "-1,2 procentpunt" and effect_text(pp, 0.0005) == "+0,05 procentpunt"
    assert effect_text(pp, -0.012, signed=False) == "-1,2 procentpunt"
    rr = clean(scale="ratio")
    assert effect_text(rr, 1.3) == "+30%" and effect_text(rr, 0.97) == "-3,0%"
    plain = clean(percent_points=False)
    assert effect_text(plain, -0.0123) == "-0,012" and effect_text(plain, 2.5) == "+2,50"
    assert effect_text(plain, 1234.5) == "+1.234,5"
    assert interval_text(pp, Effect(-0.012, -0.018, -0.006)) == \
        "-1,2 procentpunt (95%-BI -1,8 procentpunt tot -0,6 procentpunt)"
    assert "−" not in assess(clean(level=Effect(-0.004, -0.015, 0.007, 0.4), mde=None)).reason_nl
    assert count_text(pp, 1) == "1 lesmaand" and count_text(clean(frequency="schoolyear"), 3) == "3 schooljaren"
    assert subject(clean(label="verzuim")) == "de indicator 'verzuim'" and subject(pp) == "het verzuim"


def test_placebo_rank_and_the_evidence_scale():
    from josanalysis.assessment.evidence import PlaceboRank

    ev = clean(placebo_estimates=[0.02, -0.015, 0.001, None, float("nan")])
    assert ev.placebo_rank() == PlaceboRank(n_as_large=2, n_placebos=3, p_value=0.75,
                                            percentile=pytest.approx(100 / 3))
    assert clean(placebo_estimates=None).placebo_rank() is None
    rr = clean(scale="ratio")
    assert rr.null == 1.0 and rr.sign(0.8) == -1 and rr.sign(1.0) == 0 and rr.deviation(0.0) == -np.inf
    assert rr.excludes_null(Effect(0.8, 0.7, 0.9)) and not rr.excludes_null(Effect(0.9, 0.8, 1.01))
    assert not clean(level=None, slope=None).has_estimate


def test_verdict_and_caveats_apart_make_the_assessment():
    from josanalysis.assessment import caveats_for, verdict_for

    ev = clean(n_post=9)
    key, reason = verdict_for(ev)
    a = assess(ev)
    assert (a.verdict_key, a.reason_nl) == (key, reason) and a.caveats == caveats_for(ev)


@pytest.mark.parametrize("registered, words", [
    (True, "(vooraf vastgelegd model: "), (False, "(model van het analyseplan: "), (None, "(model van het analyseplan: ")])
def test_the_sensitivity_caveat_calls_the_model_pre_registered_only_when_the_plan_was(registered, words):
    change, _ = CASES["sensitivity"]
    text = " ".join(c.text_nl for c in assess(clean(**change, plan_registered=registered)).caveats)
    assert words in text and ("vooraf vastgelegd" in text) == bool(registered)


def test_every_verdict_has_a_colour_and_a_word_in_the_run_index():
    assert set(VERDICT_STYLE) == set(VERDICTS)
