"""The explore notebook's library side: one indicator's view and the demo's true effects."""

from __future__ import annotations

import pytest

from josanalysis.assessment import load_context
from josanalysis.core.config import load_region
from josanalysis.demo.synth import true_effects
from josanalysis.reporting.document import Figure, Text
from josanalysis.reporting.explore import explorer, indicator_view, monthly_indicators


@pytest.fixture(scope="module")
def ctx():
    return load_context("demoregio")


def test_true_effects_reads_the_demo_truth():
    region = load_region("demoregio")
    t = true_effects(region.data_dir, "DM0100", "absence_rate")
    assert set(t["parameter"]) == {"level", "slope"}
    assert t.loc[t["parameter"] == "level", "value"].item() == pytest.approx(-0.01)


def test_true_effects_of_a_real_region_is_empty(tmp_path):
    assert true_effects(tmp_path).empty


def test_indicator_view_shows_fit_verdict_caveats_and_truth(ctx):
    view = indicator_view(ctx, "DM0200", "absence_rate")
    texts = " ".join(i.markdown for i in view.items if isinstance(i, Text))
    assert any(isinstance(i, Figure) and i.alt for i in view.items)
    assert "Oordeel:" in texts and "Ware effecten" in texts
    assert set(monthly_indicators(ctx)) >= {"absence_rate", "thuiszitters"}


def test_explorer_builds_its_widgets(ctx):
    pytest.importorskip("ipywidgets")
    box = explorer(ctx, "DM0200", "thuiszitters")
    region, school, indicator = box.children[0].children
    assert (region.value, school.value, indicator.value) == ("demoregio", "DM0200", "thuiszitters")
    out = box.children[1]
    assert not any("Traceback" in str(o) or o.get("output_type") == "error" for o in out.outputs)
