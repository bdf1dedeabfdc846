"""The panel built from the demo files through the real loaders."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.panel.build import Panel, build_panel, load_panel, prepare_region


@pytest.fixture(scope="module")
def panel() -> Panel:
    return load_panel("demoregio")


def test_monthly_panel_has_lesson_months_only_and_denominators(panel):
    m = panel.monthly("DM0100")
    assert not (m["month"].dt.month == 8).any(), "no summer-holiday months, never zero-filled"
    assert not m["month"].isin(pd.to_datetime(["2020-04-01", "2020-05-01", "2021-01-01"])).any()
    assert {"absence_rate", "thuiszitters", "scheduled_hours", "pupils"} <= set(m.columns)
    assert m["absence_rate"].between(0, 1).all()
    assert (m["pupils"] > 0).all()


def test_absence_matches_the_generators_truth(panel, demo_dir):
    truth = pd.read_csv(demo_dir / "truth-absence-rates.csv", parse_dates=["month"]).set_index("month")
    m = panel.monthly("DM0300").set_index("month")
    both = m.join(truth["DM0300"], how="inner")
    # the aggregated pupil records follow the true school rate up to pupil sampling noise
    assert (both["absence_rate"] - both["DM0300"]).abs().mean() < 0.004
    assert len(both) == len(m)


def test_series_flags_covid_months(panel):
    from josanalysis.core.config import load_analysis_plan

    s = panel.series("DM0100", "absence_rate", covid_windows=load_analysis_plan().covid_windows)
    flagged = set(s.loc[s["covid"], "month"].dt.strftime("%Y-%m"))
    assert flagged == {"2020-03", "2020-06", "2020-12"}, flagged  # Apr-May 2020, Jan-Feb 2021: no lessons
    assert "2020-09" not in flagged


def test_yearly_panel(panel):
    y = panel.yearly("DM0100")
    assert list(y["school_year"])[:2] == ["2016-2017", "2017-2018"]
    assert {"pupils", "youthcare_ambulant", "tlv_vso_cluster4", "jos_trajectories"} <= set(y.columns)


def test_wide_views_are_built_once_and_each_caller_gets_its_own_copy():
    """A report asks for its school's months once per indicator: the view is built once, and
    changing one caller's frame never reaches the next caller."""
    panel = load_panel("demoregio")
    first = panel.monthly("DM0100")
    first.loc[:, "absence_rate"] = -1.0
    del first["thuiszitters"]
    again = panel.monthly("DM0100")
    assert "thuiszitters" in again.columns and again["absence_rate"].between(0, 1).all()
    fresh = dataclasses.replace(panel)  # a new panel (e.g. a subset of schools) starts without views
    pd.testing.assert_frame_equal(again, fresh.monthly("DM0100"))
    y = panel.yearly()
    y.loc[:, "pupils"] = 0.0
    assert (panel.yearly()["pupils"].dropna() > 0).all()
    assert set(panel._views) == {("month", "DM0100"), ("schoolyear", None)}


def test_prepared_folder_round_trip(tmp_path):
    folder = prepare_region("demoregio", tmp_path / "demoregio.parquet")
    back = Panel.read_parquet(folder)
    direct = load_panel("demoregio")
    pd.testing.assert_frame_equal(back.data.reset_index(drop=True), direct.data.reset_index(drop=True),
                                  check_dtype=False)
    assert back.synthetic and set(back.tables) >= {"capacity", "budget", "pupils_by_home", "trajectories"}
    assert "leerling_id" not in " ".join(c for t in back.tables.values() for c in t.columns)
    with pytest.raises(ConfigError, match="belongs to region 'demoregio', not 'regio-alkmaar'"):
        load_panel("regio-alkmaar", folder)


def test_missing_prepared_file_is_a_sentence(tmp_path):
    with pytest.raises(DataError, match="prepared panel not found"):
        load_panel("demoregio", tmp_path / "nothing.prepared")


def test_school_without_attendance_rows_is_named():
    region = load_region("demoregio")
    att = pd.DataFrame({"school_id": ["DM0100"], "month": [pd.Timestamp("2020-01-01")],
                        "absence_rate": [0.1], "unauthorised_rate": [0.01], "scheduled_hours": [100.0],
                        "n_pupils": [10]})
    with pytest.raises(DataError, match="no rows for school\\(s\\) DM0200"):
        build_panel(region, attendance=att, pupils=pd.DataFrame())
