"""A tiny run of benchmarks/verdicts.py: the whole verdict rule on simulated school series.

The full benchmark (hundreds of series; figures in docs/verdicts.md) is too heavy for the test
suite; this runs a dozen series so that the benchmark keeps working and its headline holds.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from josanalysis.assessment.verdicts import EFFECT_CLAIMS

pytestmark = pytest.mark.xdist_group("verdict_benchmark")


def _benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "verdicts.py"
    spec = importlib.util.spec_from_file_location("verdict_benchmark", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_an_effect_twice_the_printed_mde_is_claimed_and_none_is_not_claimed_wrongly():
    rows = _benchmark().rate_rows(12, 40, seed=7)
    assert len(rows) >= 10
    twice = [r["mde2"] for r in rows]
    # the printed MDE is what the whole rule detects in about 80% of series: at twice it, nearly all
    assert sum(k == "consistent_effect" for k in twice) >= 0.7 * len(rows)
    # under no effect a claim is rare (5% expected); with a dozen series at most two
    assert sum(r["null"] in EFFECT_CLAIMS for r in rows) <= 2
    # a verdict never contradicts its own interval: under no effect, a covered truth (0) means
    # the interval contains the null, so the verdict claims no change
    for r in rows:
        if r["null_cov"]:
            assert r["null"] not in EFFECT_CLAIMS


def test_the_region_benchmark_runs_and_the_randomization_test_only_downgrades():
    rows = _benchmark().region_rows(3, 8, seed=5, effect_every=2, time_every=2)
    assert len(rows) == 3
    for r in rows:
        # the randomization test can take a claim away, never add one
        for k in ("null", "mde1", "mde2", "mde_rule1"):
            if k in r and r[k] in EFFECT_CLAIMS:
                assert r[f"{k}_interval" if k != "null" else "null_interval"] in EFFECT_CLAIMS
        # the whole rule's MDE is at least the interval's
        assert r["mde_rule"] <= r["mde"] + 1e-12 < 0
        if r["covered"]:
            assert r["null"] not in EFFECT_CLAIMS
