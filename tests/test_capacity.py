"""Capacity: FTE per function before/during, per 100 pupils, hours, minimum flags, spread."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from josanalysis.questions.capacity import capacity_table, fte_from_region, minimum_fte_from_region
from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, DataError


def _fte() -> pd.DataFrame:
    # two schools: A has all three functions, B has no PAJ ("n.v.t.")
    return pd.DataFrame({
        "school_id": ["A", "A", "A", "B", "B", "B"],
        "function": ["GW", "JGC", "PAJ", "GW", "JGC", "PAJ"],
        "fte_before": [0.055, 0.11, 0.0, 0.0, 0.24, None],
        "fte_during": [0.165, 0.16, 1.0, 0.11, 0.49, None],
        "deployed": [True, True, True, True, True, False],
    })


def test_hand_computed_per_100_hours_and_change():
    res = capacity_table(_fte(), pd.Series({"A": 200, "B": 1000}), hours_per_fte=36.0)
    t = res.table.set_index(["school_id", "function"])
    assert t.loc[("A", "PAJ"), "hours_during"] == pytest.approx(36.0)
    assert t.loc[("A", "GW"), "fte_change"] == pytest.approx(0.11)
    assert t.loc[("A", "JGC"), "fte_per_100_during"] == pytest.approx(0.16 / 200 * 100)
    # not deployed: no FTE, not a zero
    assert not t.loc[("B", "PAJ"), "deployed"]
    assert math.isnan(t.loc[("B", "PAJ"), "fte_during"])
    s = res.per_school.set_index("school_id")
    assert s.loc["A", "fte_during"] == pytest.approx(1.325)
    assert s.loc["A", "fte_before"] == pytest.approx(0.165)
    assert s.loc["B", "fte_during"] == pytest.approx(0.60)
    assert s.loc["B", "fte_per_100_during"] == pytest.approx(0.06)
    assert s.loc["A", "hours_during"] == pytest.approx(1.325 * 36)


def test_minimum_flags_only_deployed_functions():
    res = capacity_table(_fte(), {"A": 200, "B": 1000}, minimum_fte={"GW": 0.12, "PAJ": 0.5})
    flagged = set(map(tuple, res.below_minimum[["school_id", "function"]].to_numpy()))
    assert flagged == {("B", "GW")}
    t = res.table.set_index(["school_id", "function"])
    assert pd.isna(t.loc[("B", "PAJ"), "below_minimum"])      # n.v.t. is never "below minimum"
    assert pd.isna(t.loc[("A", "JGC"), "below_minimum"])      # no minimum configured for JGC
    assert res.per_school.set_index("school_id").loc["B", "n_below_minimum"] == 1


def test_spread_min_max_cv():
    res = capacity_table(_fte(), {"A": 200, "B": 1000})
    sp = res.spread.set_index(["function", "measure"])
    gw = sp.loc[("GW", "fte_during")]
    assert (gw["min"], gw["max"], gw["n_schools"]) == (pytest.approx(0.11), pytest.approx(0.165), 2)
    # population sd of (0.165, 0.11) = 0.0275, mean 0.1375
    assert gw["cv"] == pytest.approx(0.0275 / 0.1375)
    assert sp.loc[("PAJ", "fte_during"), "n_schools"] == 1    # B's n.v.t. is left out
    assert sp.loc[("totaal", "fte_during"), "max"] == pytest.approx(1.325)


def test_missing_pupils_gives_missing_per_100_not_zero():
    res = capacity_table(_fte(), {"A": 200})
    b = res.per_school.set_index("school_id").loc["B"]
    assert math.isnan(b["fte_per_100_during"]) and b["fte_during"] == pytest.approx(0.6)


@pytest.mark.parametrize(
    "mutate, error",
    [
        (lambda d: d.drop(columns="fte_during"), DataError),
        (lambda d: d.assign(function=["GW", "JGC", "XYZ", "GW", "JGC", "PAJ"]), DataError),
        (lambda d: pd.concat([d, d.iloc[[0]]]), DataError),
        (lambda d: d.assign(fte_during=[0.1, -0.2, 1, 0.1, 0.5, None]), DataError),
        (lambda d: d.assign(fte_before=["0,055", 0.1, 0, 0, 0.2, None]), DataError),
    ],
)
def test_bad_fte_tables_are_refused(mutate, error):
    with pytest.raises(error):
        capacity_table(mutate(_fte()), {"A": 200, "B": 1000})


def test_bad_arguments_are_refused():
    with pytest.raises(ConfigError):
        capacity_table(_fte(), {"A": 200}, hours_per_fte=0)
    with pytest.raises(ConfigError):
        capacity_table(_fte(), {"A": 200}, minimum_fte={"XX": 0.1})
    with pytest.raises(DataError):
        capacity_table(_fte(), {"A": -5})


def test_fte_from_region_demo_matches_school_yaml():
    region = load_region("demoregio")
    fte = fte_from_region(region)
    assert set(fte["school_id"]) == {s.school_id for s in region.jos_schools}
    s = region.jos_schools[0]
    row = fte[(fte.school_id == s.school_id) & (fte.function == "JGC")].iloc[0]
    assert row["fte_during"] == pytest.approx(s.fte_during["JGC"])
    assert row["fte_before"] == pytest.approx(s.fte_before["JGC"])
    # no region capacity block -> no minimum, 36 hours
    assert minimum_fte_from_region(region) == ({}, 36.0)


def test_fte_per_100_pupils_scalar_series_and_array():
    import numpy as np

    from josanalysis.core.fte import fte_per_100_pupils

    assert fte_per_100_pupils(0.5, 250) == pytest.approx(0.2)
    assert math.isnan(fte_per_100_pupils(0.5, 0)) and math.isnan(fte_per_100_pupils(0.5, None))
    s = fte_per_100_pupils(pd.Series([0.5, 1.0, 1.0], index=["A", "B", "C"]), pd.Series([250.0, None, 0.0],
                                                                                        index=["A", "B", "C"]))
    assert list(s.index) == ["A", "B", "C"] and s["A"] == pytest.approx(0.2) and s[["B", "C"]].isna().all()
    a = fte_per_100_pupils(np.array([1.0, 1.0]), np.array([200.0, 0.0]))
    assert a[0] == pytest.approx(0.5) and np.isnan(a[1])
