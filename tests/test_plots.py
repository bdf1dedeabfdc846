from __future__ import annotations

import datetime as dt

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")

from josanalysis.methods.its import fit_its  # noqa: E402
from josanalysis.reporting.document import render_figure  # noqa: E402
from josanalysis.reporting.figures import plot_event_study, plot_its, plot_placebo, plot_yearly  # noqa: E402


def _counts():
    months = pd.date_range("2016-09-01", periods=96, freq="MS")
    months = months[months.month != 8]
    rng = np.random.default_rng(3)
    return pd.DataFrame({"month": months, "n": rng.poisson(4, len(months)), "pupils": 800})


def test_its_figure_hides_small_counts_but_draws_the_model(tmp_path):
    d = _counts()
    res = fit_its(d, "n", "month", dt.date(2021, 8, 1), family="poisson", offset="pupils")
    fig = plot_its(res, label="Thuiszitters", start=dt.date(2021, 8, 1), suppress_below=5, synthetic=True)
    ax = fig.axes[0]
    shown = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if hasattr(c, "get_offsets")
                            and len(c.get_offsets())])
    shown = shown[np.isfinite(shown)]
    assert not ((shown >= 1) & (shown < 5)).any(), "counts of 1-4 pupils must not be drawn"
    assert len(ax.lines) >= 2, "model and counterfactual lines"
    texts = " ".join(t.get_text() for t in fig.texts + ax.texts)
    assert "niet getoond" in texts and "SYNTHETISCHE DEMODATA" in texts
    rendered = render_figure(fig, "x", tmp_path)
    assert (tmp_path / "figures" / "x.png").read_bytes() == rendered.png and rendered.png[:4] == b"\x89PNG"


def test_other_figures_render():
    y = pd.DataFrame({"year_start": pd.to_datetime(["2020-08-01", "2021-08-01"]), "a": [1.0, 2.0]})
    assert plot_yearly(y, ["a"], {"a": "A"}, start=dt.date(2021, 8, 1)).axes
    assert plot_placebo([0.1, -0.2, 0.05], 0.3, label="Verzuim", percent=True).axes
    e = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0, -0.01, -0.02], "ci_low": [-0.01, -0.02, -0.03],
                      "ci_high": [0.01, 0.0, -0.01]})
    assert plot_event_study(e, label="Verzuim", percent=True).axes
