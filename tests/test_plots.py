from __future__ import annotations

import datetime as dt
import re

import matplotlib
import matplotlib.text
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

matplotlib.use("Agg")

from josanalysis.core.framework import FRAMEWORK  # noqa: E402
from josanalysis.core.indicators import INDICATORS  # noqa: E402
from josanalysis.questions.framework import ElementStatus  # noqa: E402
from josanalysis.reporting.framework_section import plot_framework  # noqa: E402
from josanalysis.methods.its import fit_its  # noqa: E402
from josanalysis.reporting.document import render_figure  # noqa: E402
from josanalysis.privacy import apply_privacy  # noqa: E402
from josanalysis.privacy.active_content import active_content_in_svg  # noqa: E402
from josanalysis.reporting.figures import (  # noqa: E402
    HIDDEN_LABEL, alt_text_event_study, alt_text_its, alt_text_placebo, alt_text_yearly, axis_label,
    plot_event_study, plot_its, plot_placebo, plot_series, plot_yearly)


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
    assert (tmp_path / "figures" / "x.svg").read_bytes() == rendered.svg and rendered.svg.startswith(b"<?xml")
    assert b"niet getoond" in rendered.svg, "the figure's text stays text (searchable, scanned)"
    assert active_content_in_svg(rendered.svg.decode()) == []


def test_a_figure_renders_to_the_same_bytes_every_time():
    def draw():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([1, 2, 3], [2, 1, 3], marker="o")
        ax.set_title("Verzuim <school> & co")
        return render_figure(fig, "y")
    first, second = draw(), draw()
    assert first.svg == second.svg
    assert b"Verzuim &lt;school&gt; &amp; co" in first.svg, "text from data is escaped in the SVG"


def test_other_figures_render():
    y = pd.DataFrame({"year_start": pd.to_datetime(["2020-08-01", "2021-08-01"]), "a": [1.0, 2.0]})
    assert plot_yearly(y, ["a"], {"a": "A"}, start=dt.date(2021, 8, 1)).axes
    assert plot_placebo([0.1, -0.2, 0.05], 0.3, label="Verzuim", percent=True).axes
    e = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0, -0.01, -0.02], "ci_low": [-0.01, -0.02, -0.03],
                      "ci_high": [0.01, 0.0, -0.01]})
    assert plot_event_study(e, label="Verzuim", percent=True).axes


def _hidden_months_fit():
    d = _counts()
    res = fit_its(d, "n", "month", dt.date(2021, 8, 1), family="poisson", offset="pupils")
    # zero is hidden too: a marker only at the months with one to four pupils would give them away
    hidden = set(pd.to_datetime(res.fitted.loc[res.fitted["observed"] < 5, "month"]))
    assert hidden, "the fixture must have suppressed months"
    assert (res.fitted["observed"] == 0).any() and (res.fitted["observed"].between(1, 4)).any(), \
        "the fixture must have months with none and months with one to four pupils"
    return res, hidden


def test_its_suppressed_months_are_gaps_with_a_marker():
    res, hidden = _hidden_months_fit()
    fig = plot_its(res, label="Thuiszitters (langdurig relatief verzuim)", start=dt.date(2021, 8, 1),
                   suppress_below=5)
    ax = fig.axes[0]
    by_label = {c.get_label(): c for c in ax.collections}
    observed_x = {mdates.num2date(v).replace(tzinfo=None) for v in by_label["Gemeten"].get_offsets()[:, 0]}
    assert not observed_x & {h.to_pydatetime() for h in hidden}, "no observed point at a suppressed month"
    marker = by_label[HIDDEN_LABEL]
    marker_x = {pd.Timestamp(mdates.num2date(v).replace(tzinfo=None)) for v in marker.get_offsets()[:, 0]}
    assert marker_x == hidden
    assert HIDDEN_LABEL in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "Aantal leerlingen" and ax.get_xlabel()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == len(set(ticks)) and all(t.startswith("sep. ") for t in ticks)
    alt = alt_text_its(res, label="Thuiszitters", start=dt.date(2021, 8, 1), suppress_below=5)
    assert f"{len(hidden)} maanden met een klein aantal leerlingen zijn niet getoond" in alt
    assert "augustus 2021" in alt and "Grafiek" in alt


def _protected_yearly():
    frame = pd.DataFrame({"school_id": "X", "school_year": [f"{y}-{y + 1}" for y in range(2016, 2025)],
                          "year_start": pd.to_datetime([f"{y}-08-01" for y in range(2016, 2025)]),
                          "youthcare_ambulant": [17, 3, 23, 25, 2, 15, 46, 28, 21],
                          "duration_months": [5.0, 6.0, 5.5, np.nan, 6.1, 6.0, 5.8, 5.2, 5.0]})
    return apply_privacy(frame, count_columns=["youthcare_ambulant"], secondary=False)


def test_yearly_figure_gaps_ticks_and_axis_labels():
    y = _protected_yearly()
    assert y.attrs["privacy_suppressed"]["youthcare_ambulant"] == [1, 4]
    labels = {"youthcare_ambulant": "Jeugdhulp zonder verblijf", "duration_months": "Duur"}
    fig = plot_yearly(y, ["youthcare_ambulant", "duration_months"], labels, start=dt.date(2021, 8, 1))
    ax = fig.axes[0]
    line = ax.lines[0]
    yvals = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(yvals[[1, 4]]).all() and not (yvals == 0).any(), "suppressed years are gaps, never zero"
    marker = next(c for c in ax.collections if c.get_label() == HIDDEN_LABEL)
    assert len(marker.get_offsets()) == 2
    for a in fig.axes[:2]:
        ticks = [t.get_text() for t in a.get_xticklabels()]
        assert ticks == [f"{y}-{y + 1}" for y in range(2016, 2025)], "one tick per school year"
        assert a.get_xlabel() == "Schooljaar" and a.get_ylabel()
    assert fig.axes[0].get_ylabel() == "Aantal leerlingen"
    assert fig.axes[1].get_ylabel() == "Gemiddelde duur jeugdhulp (maanden)"
    assert HIDDEN_LABEL in [t.get_text() for t in fig.legends[0].get_texts()]
    alt = alt_text_yearly(y, ["youthcare_ambulant", "duration_months"], labels, start=dt.date(2021, 8, 1))
    assert "2016-2017 tot en met 2024-2025" in alt and "2 waarden" in alt and "niet getoond" in alt


def test_axis_labels_carry_units():
    assert axis_label("absence_rate") == "Verzuim (% van de lesuren)"
    assert axis_label("Verzuim (aandeel gemiste lesuren)") == "Verzuim (% van de lesuren)"
    assert axis_label("thuiszitters") == "Aantal leerlingen"


def test_placebo_and_event_study_axes_and_alt_texts():
    fig = plot_placebo([0.01, -0.02, 0.005, 0.03], 0.02, label="Verzuim (aandeel gemiste lesuren)", percent=True)
    ax = fig.axes[0]
    assert "procentpunt" in ax.get_xlabel() and ax.get_ylabel() == "Aantal nep-startdata"
    alt = alt_text_placebo([0.01, -0.02, 0.005, 0.03], 0.02, label="Verzuim", percent=True)
    assert "4 nep-startdata" in alt and "2 van de 4" in alt and "2,0 procentpunt" in alt
    e = pd.DataFrame({"event_time": [-3, -2, -1, 0, 1], "estimate": [0, 0.001, 0, -0.01, -0.02],
                      "ci_low": [-0.01, -0.01, 0, -0.02, -0.03], "ci_high": [0.01, 0.01, 0, 0.0, -0.01]})
    fig = plot_event_study(e, label="Verzuim", percent=True)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["-3", "-2", "-1", "0", "+1"] and "procentpunt" in fig.axes[0].get_ylabel()
    alt = alt_text_event_study(e, label="Verzuim", percent=True)
    assert "3 jaar vóór tot 1 jaar na" in alt and "-2,0 procentpunt" in alt


def test_alt_texts_are_dutch_sentences():
    res, _ = _hidden_months_fit()
    texts = [alt_text_its(res, label="Thuiszitters", start=dt.date(2021, 8, 1), suppress_below=5),
             alt_text_yearly(_protected_yearly(), ["youthcare_ambulant"], {"youthcare_ambulant": "Jeugdhulp"}),
             alt_text_placebo([0.1, 0.2], 0.3, label="Verzuim"),
             alt_text_event_study(pd.DataFrame({"event_time": [0], "estimate": [0.1], "ci_low": [0.0],
                                                "ci_high": [0.2]}), label="Verzuim")]
    english = re.compile(r"\b(the|with|and|figure|shows|shown|estimate|description|rate|event study)\b", re.I)
    for t in texts:
        assert t.endswith(".") and len(t) > 40 and not english.search(t), t


def _texts_outside_or_overlapping(fig) -> list[str]:
    """What a drawn figure shows outside itself (a panel with its tick labels, axis labels and
    title; a legend; a figure text), and panels whose texts run into another panel's plot area."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox

    def outside(box) -> bool:
        return box.x0 < page.x0 - 1 or box.y0 < page.y0 - 1 or box.x1 > page.x1 + 1 or box.y1 > page.y1 + 1

    found = []
    panels = [ax for ax in fig.axes if ax.get_visible()]
    for i, ax in enumerate(panels):
        box = ax.get_tightbbox(renderer)
        if outside(box):
            found.append(f"panel {i} ({ax.get_title()!r}) leaves the figure: {box} (figure {page})")
        found += [f"panel {i} runs into panel {j}" for j, other in enumerate(panels)
                  if j != i and box.overlaps(other.bbox)]
    for artist in [*fig.legends, *fig.texts, *(leg for ax in panels for leg in [ax.get_legend()] if leg)]:
        if outside(artist.get_window_extent(renderer)):
            found.append(f"{artist!r} leaves the figure")
    return found


def test_figures_placed_without_a_layout_pass_keep_every_text_on_the_figure():
    """Issue 18: the school-year, ITS, placebo, event-study, series and framework figures are placed with fixed margins (one draw instead
    of a layout pass); with six panels, a title, long labels and large numbers no text leaves the
    figure or runs into a neighbouring panel."""
    years = range(2016, 2025)
    big = pd.DataFrame({"school_year": [f"{y}-{y + 1}" for y in years],
                        "year_start": pd.to_datetime([f"{y}-08-01" for y in years])})
    keys = ["youthcare_ambulant", "tlv_vso_cluster4", "opdc_referrals", "early_leavers",
            "jos_trajectories", "duration_months"]
    rng = np.random.default_rng(1)
    for k in keys:
        big[k] = rng.integers(9000, 99999, len(big)).astype(float)
    labels = {k: "Verwijzingen naar voorzieningen (zoals OPDC) en meer" for k in keys}
    fig = plot_yearly(big, keys, labels, start=dt.date(2021, 8, 1), synthetic=True,
                      title="Een heel lange schoolnaam met een toevoeging: indicatoren per schooljaar")
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
    fig = plot_placebo(rng.normal(0, 0.0004, 30), 0.0012, label=INDICATORS["unauthorised_absence_rate"].label,
                       percent=True, synthetic=True)
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    shown = [t.get_text() for t, v in zip(ax.get_xticklabels(), ax.get_xticks()) if lo <= v <= hi]
    assert len(shown) >= 3 and len(set(shown)) == len(shown), f"every tick of procentpunten differs: {shown}"
    d = _counts()
    d["n"] = d["n"] * 2500
    res = fit_its(d, "n", "month", dt.date(2021, 8, 1), family="poisson", offset="pupils")
    fig = plot_its(res, label=INDICATORS["thuiszitters"].label, start=dt.date(2021, 8, 1),
                   covid_windows=[(dt.date(2020, 3, 16), dt.date(2020, 6, 1))], suppress_below=5, synthetic=True)
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
    study = pd.DataFrame({"event_time": [-3, -2, -1, 0, 1, 2], "estimate": [0.0011, -0.0001, 0.0, -0.001, -0.0013, -0.0017],
                          "ci_low": [0.0001, -0.0003, 0.0, -0.0021, -0.0036, -0.0038],
                          "ci_high": [0.0021, 0.0002, 0.0, 0.0001, 0.0003, -0.0001]})
    fig = plot_event_study(study, label=INDICATORS["unauthorised_absence_rate"].label, percent=True, synthetic=True)
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
    series = _counts()
    fig = plot_series(series.assign(n=series["n"] * 100), "n", label=INDICATORS["thuiszitters"].label,
                      covid_windows=[(dt.date(2020, 3, 16), dt.date(2020, 6, 1))], suppress_below=5, synthetic=True)
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
    statuses = [ElementStatus(e, "niet gemeten", (), (), ()) for e in FRAMEWORK]
    fig = plot_framework(statuses, title="Een heel lange schoolnaam: theoretisch kader en bewijs", synthetic=True)
    assert fig.get_layout_engine() is None
    assert _texts_outside_or_overlapping(fig) == []
