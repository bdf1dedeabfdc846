"""Seaborn/matplotlib figures for the reports (Dutch labels).

Every function takes library results or panel frames and returns a matplotlib ``Figure``; the
report objects render them (:func:`josanalysis.reporting.document.render_figure`), which also
saves them next to a report.

Examples
--------
>>> from josanalysis.reporting.figures import plot_its
>>> fig = plot_its(result, label="Verzuim", start=dt.date(2022, 8, 1))   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from josanalysis.core import formatting as nl
from josanalysis.core.indicators import INDICATORS

__all__ = ["plot_series", "plot_its", "plot_yearly", "plot_placebo", "plot_event_study", "axis_label", "alt_text_its",
           "alt_text_yearly", "alt_text_placebo", "alt_text_event_study", "fixed_margins", "report_figure", "SYNTHETIC_MARK",
           "HIDDEN_LABEL"]

SYNTHETIC_MARK = "SYNTHETISCHE DEMODATA"
#: Legend entry of the marker drawn where a period is not shown (a small count of pupils).
HIDDEN_LABEL = "niet getoond (klein aantal of geen)"

_COLORS = {"observed": "#4d4d4d", "fitted": "#1b6ca8", "counterfactual": "#d95f02",
           "covid": "#bbbbbb", "start": "#2c7a2c", "hidden": "#8c8c8c"}

#: Axis text per indicator unit (``{name}`` is the label without its explanation in brackets).
_UNIT_AXIS = {"leerlingen": "Aantal leerlingen", "indicaties": "Aantal indicaties", "trajecten": "Aantal trajecten",
              "euro": "{name} (€)", "maanden": "{name} (maanden)", "fte": "{name} (fte)"}
_BY_LABEL = {i.label: i.key for i in INDICATORS.values()}


def _short(label: str) -> str:
    """A label without its explanation in brackets: 'Verzuim (aandeel gemiste lesuren)' -> 'Verzuim'."""
    return label.split(" (")[0].strip() or label


def axis_label(key_or_label: str, *, percent: bool = False) -> str:
    """The Dutch value-axis text with its unit for an indicator (by key or by Dutch label).

    Examples
    --------
    >>> axis_label("absence_rate"), axis_label("thuiszitters"), axis_label("duration_months")
    ('Verzuim (% van de lesuren)', 'Aantal leerlingen', 'Gemiddelde duur jeugdhulp (maanden)')
    >>> axis_label("Iets anders", percent=True)
    'Iets anders (%)'
    """
    key = key_or_label if key_or_label in INDICATORS else _BY_LABEL.get(key_or_label)
    if key is None:
        return f"{_short(key_or_label)} (%)" if percent else key_or_label
    ind = INDICATORS[key]
    if ind.unit == "aandeel":
        return f"{_short(ind.label)} (% van de lesuren)" if ind.denominator == "scheduled_hours" \
            else f"{_short(ind.label)} (%)"
    return _UNIT_AXIS.get(ind.unit, "{name}").format(name=_short(ind.label))


def _style() -> None:
    sns.set_theme(style="whitegrid", context="notebook")


#: Titles sit at the top of their panel (``axes.titley`` fixed): no report figure has tick labels,
#: an axis label or an offset text above a panel, so matplotlib's search for them, which measures
#: every tick label on every draw, is skipped. Same SVG, a quarter less drawing time for the demo
#: school figures (docs/batch.md).
_FIGURE_RC = {"axes.titley": 1.0}


def report_figure(nrows: int = 1, ncols: int = 1, **subplots: Any) -> tuple[plt.Figure, Any]:
    """A new figure for a report: :func:`matplotlib.pyplot.subplots` with the report's title placement.

    Every figure a report draws is made here, so all share how their titles are placed.

    Examples
    --------
    >>> fig, ax = report_figure(figsize=(4, 3))
    >>> _ = ax.set_title("Verzuim")
    >>> ax.title.get_position()[1]
    1.0
    """
    with plt.rc_context(_FIGURE_RC):
        return plt.subplots(nrows, ncols, **subplots)


def _percent_axis(ax: plt.Axes, percent: bool, axis: str = "y") -> None:
    if not percent:
        return
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    digits = 2 if hi - lo < 0.01 else 1
    fmt = mticker.FuncFormatter(lambda v, _: nl.percent(v, digits))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


class _PointsFormatter(mticker.Formatter):
    """Differences of rates in procentpunten (0.012 shows as 1,2), with as many decimals as the
    ticks need to differ (0,05 steps are not all printed as 0,0)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return nl.number(100 * x, 1)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        for digits in (0, 1, 2, 3):
            labels = [nl.number(100 * v, digits) for v in values]
            if len(set(labels)) == len(labels):
                return labels
        return labels


def _points_axis(ax: plt.Axes, axis: str = "y") -> None:
    """Differences of rates in procentpunten (0.012 shows as 1,2)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_PointsFormatter())


def _mark_synthetic(fig: plt.Figure, synthetic: bool) -> None:
    if synthetic:
        fig.text(0.99, 0.01, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b30000", alpha=0.8)


def _shade_windows(ax: plt.Axes, windows: Iterable[tuple[dt.date, dt.date]], label: str) -> None:
    first = True
    for a, b in windows:
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color=_COLORS["covid"], alpha=0.35, lw=0,
                   label=label if first else None)
        first = False


def _mark_hidden(ax: plt.Axes, x: Sequence, size: float = 28) -> None:
    """A grey marker at the foot of the axis for every period not shown (never drawn as a value)."""
    if len(x) == 0:
        return
    ax.scatter(list(x), [0.03] * len(x), transform=ax.get_xaxis_transform(), marker="v", s=size,
               color=_COLORS["hidden"], zorder=4, clip_on=False, label=HIDDEN_LABEL)


def _school_year_ticks(ax: plt.Axes, starts: Sequence[pd.Timestamp], labels: Sequence[str]) -> None:
    """One tick per school year, labelled with the school year (no duplicates, no other ticks)."""
    ax.xaxis.set_major_locator(mticker.FixedLocator(mdates.date2num(list(starts))))
    ax.xaxis.set_major_formatter(mticker.FixedFormatter(list(labels)))
    ax.xaxis.set_minor_locator(mticker.NullLocator())


def _month_ticks(ax: plt.Axes, months: pd.Series) -> None:
    """One tick per school year on a month axis (1 September), with the Dutch month name."""
    lo, hi = months.min(), months.max()
    ticks = [pd.Timestamp(y, 9, 1) for y in range(lo.year - (lo.month < 9), hi.year + 1)]
    ticks = [t for t in ticks if lo - pd.Timedelta(days=45) <= t <= hi + pd.Timedelta(days=45)]
    ax.xaxis.set_major_locator(mticker.FixedLocator(mdates.date2num(ticks)))
    ax.xaxis.set_major_formatter(mticker.FixedFormatter([f"{nl.MONTHS[t.month - 1][:3]}. {t.year}" for t in ticks]))
    ax.xaxis.set_minor_locator(mticker.NullLocator())


def plot_its(result, *, label: str, start: dt.date, percent: bool = False,
             covid_windows: Sequence[tuple[dt.date, dt.date]] = (), synthetic: bool = False,
             title: str | None = None, suppress_below: int | None = None) -> plt.Figure:
    """Observed series, fitted model and counterfactual with its band; JOS start and COVID marked.

    Parameters
    ----------
    result
        An :class:`josanalysis.methods.its.ItsResult` fitted on a monthly series (``fitted`` has a
        ``month`` column).
    label
        Dutch name of the outcome (an indicator's label gives the y axis its unit, :func:`axis_label`).
    start
        JOS start date (vertical line).
    percent
        Show the y axis as percentages (for rates in [0, 1]).
    covid_windows
        Closure windows to shade.
    synthetic
        Print the synthetic-data mark on the figure.
    title
        Title (default: ``label``).
    suppress_below
        For pupil counts: observed values below ``suppress_below`` — zero included, so that a
        marker never tells "one to four" apart from "none" — are not drawn (privacy); those
        months are a gap with a grey marker at the foot of the axis (legend :data:`HIDDEN_LABEL`).
        The model lines, which are not counts of pupils, are drawn.

    Returns
    -------
    matplotlib.figure.Figure
        Describe it with :func:`alt_text_its` (same arguments).
    """
    _style()
    f = result.fitted.copy()
    hidden = _hidden_months(f, suppress_below)
    f.loc[hidden, "observed"] = np.nan
    x = pd.to_datetime(f["month"]) if "month" in f.columns else f["time"]
    fig, ax = report_figure(figsize=(10, 4.8))
    _shade_windows(ax, covid_windows, "COVID-schoolsluiting")
    used = ~f["excluded"].astype(bool) & ~hidden
    ax.scatter(x[used], f["observed"][used], s=14, color=_COLORS["observed"], label="Gemeten", zorder=3)
    if (~used & ~hidden).any():
        ax.scatter(x[~used & ~hidden], f["observed"][~used & ~hidden], s=14, facecolors="none",
                   edgecolors=_COLORS["observed"], label="Gemeten (niet in model)", zorder=3)
    post = pd.to_datetime(x) >= pd.Timestamp(start) if "month" in f.columns else f["segment"] != "pre"
    ax.plot(x, f["fitted"], color=_COLORS["fitted"], lw=1.6, label="Model")
    ax.plot(x[post], f["counterfactual"][post], color=_COLORS["counterfactual"], lw=1.6, ls="--",
            label="Voortgezette trend zonder JOS (contrafeitelijk)")
    ax.fill_between(x[post], f["cf_low"][post], f["cf_high"][post], color=_COLORS["counterfactual"],
                    alpha=0.18, lw=0, label="Onzekerheid contrafeitelijk")
    ax.axvline(pd.Timestamp(start), color=_COLORS["start"], lw=1.5, label="Start JOS")
    _mark_hidden(ax, x[hidden])
    if hidden.any():
        ax.text(0.99, 0.98, f"Maanden met minder dan {suppress_below} leerlingen (ook 0) niet getoond (privacy)",
                transform=ax.transAxes, ha="right", va="top", fontsize=8, color="#555555")
    _percent_axis(ax, percent)
    ax.set_ylabel(axis_label(label, percent=percent))
    if "month" in f.columns:
        _month_ticks(ax, x)
        ax.set_xlabel("Maand (een markering per schooljaar)")
    else:
        ax.set_xlabel("Tijd")
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title or label)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncol=3, frameon=False)
    _mark_synthetic(fig, synthetic)
    # room for the value axis, the title, and below the axis the months, the axis label and a
    # legend of up to three rows
    fixed_margins(fig, left=0.85, right=0.2, top=0.45, bottom=1.3)
    return fig


def _hidden_months(fitted: pd.DataFrame, suppress_below: int | None) -> pd.Series:
    """Months whose observed count is below ``suppress_below`` (not shown). Zero is hidden too:
    if only the months with one to four pupils were marked, the marker would give them away."""
    if not suppress_below:
        return pd.Series(False, index=fitted.index)
    return _small_counts(pd.to_numeric(fitted["observed"], errors="coerce"), suppress_below)


def _small_counts(values: pd.Series, suppress_below: int | None) -> pd.Series:
    """Counts below ``suppress_below`` (zero included); missing values are not small."""
    if not suppress_below:
        return pd.Series(False, index=values.index)
    return values.notna() & (values < suppress_below)


def _year_labels(yearly: pd.DataFrame) -> list[str]:
    if "school_year" in yearly.columns:
        return [str(s) for s in yearly["school_year"]]
    return [f"{d.year}-{d.year + 1}" for d in pd.to_datetime(yearly["year_start"])]


def _suppressed_rows(yearly: pd.DataFrame, column: str) -> list[int]:
    """Row positions the privacy boundary hid in ``column`` (``attrs["privacy_suppressed"]``)."""
    return [int(i) for i in yearly.attrs.get("privacy_suppressed", {}).get(str(column), [])]


def plot_yearly(yearly: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str], *,
                start: dt.date | None = None, synthetic: bool = False,
                title: str | None = None) -> plt.Figure:
    """School-year indicators as lines (one panel per indicator), JOS start marked.

    ``yearly`` is a privacy-protected frame (:func:`josanalysis.privacy.apply_privacy`) with
    ``year_start`` (and ``school_year``) and the indicator columns. Suppressed values
    (``attrs["privacy_suppressed"]``) are gaps with a grey marker (legend :data:`HIDDEN_LABEL`),
    never zero; every panel has one tick per school year and a value axis with its unit.
    Describe it with :func:`alt_text_yearly` (same arguments).
    """
    _style()
    n = len(indicators)
    cols = min(n, 3) or 1
    rows = int(np.ceil(n / cols)) if n else 1
    # one school-year axis for all panels, labelled under the bottom row only (half the text to lay out)
    fig, axes = report_figure(rows, cols, figsize=(4.4 * cols, 3.4 * rows), squeeze=False, sharex=True)
    frame = yearly.sort_values("year_start") if "year_start" in yearly.columns else yearly
    order = list(frame.index)
    x = pd.to_datetime(frame["year_start"]).reset_index(drop=True)
    ticks = _year_labels(frame)
    any_hidden = False
    for ax, ind in zip(axes.flat, indicators):
        values = pd.to_numeric(frame[ind], errors="coerce").astype(float).reset_index(drop=True)
        hidden_pos = {order.index(yearly.index[i]) for i in _suppressed_rows(yearly, ind) if i < len(yearly)}
        ax.plot(x, values, marker="o", color=_COLORS["fitted"], label="Waarde per schooljaar")
        _mark_hidden(ax, [x[i] for i in sorted(hidden_pos)], size=22)
        any_hidden = any_hidden or bool(hidden_pos)
        if start is not None:
            ax.axvline(pd.Timestamp(start), color=_COLORS["start"], lw=1.2, label="Start JOS")
        _value_limits(ax, values, is_count=ind in INDICATORS and INDICATORS[ind].is_count)
        _school_year_ticks(ax, list(x), ticks)
        if len(x):
            ax.set_xlim(x.min() - pd.Timedelta(days=182), x.max() + pd.Timedelta(days=182))
        ax.set_title(labels.get(ind, ind), fontsize=9)
        ax.set_ylabel(axis_label(ind), fontsize=8)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.tick_params(axis="y", labelsize=8)
    for i, ax in enumerate(axes.flat):
        # the school years under every panel that has no panel below it
        below = i + cols < n
        ax.tick_params(axis="x", labelbottom=not below)
        if i < n and not below:
            ax.set_xlabel("Schooljaar", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, names = _legend_entries(axes.flat)
    if handles:
        fig.legend(handles, names, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    _mark_synthetic(fig, synthetic)
    # room for the value axis left of every panel, a title above it, and below the bottom row
    # the rotated school years, the axis label and the legend
    fixed_margins(fig, left=0.8, right=0.15, top=0.65 if title else 0.3, bottom=1.1,
                  rows=rows, cols=cols, wgap=0.85, hgap=0.45)
    return fig


def fixed_margins(fig: plt.Figure, *, left: float, right: float, top: float, bottom: float,
                  rows: int = 1, cols: int = 1, wgap: float = 0.0, hgap: float = 0.0) -> None:
    """Place a figure's panels with margins and gaps given in inches, without a layout pass.

    For figures whose texts have known sizes (labels of a fixed font size, short tick numbers): matplotlib's
    layout engines measure every text in an extra draw before the real one, about a third of a
    figure's drawing time. The figure is left without a layout engine, so
    :func:`~josanalysis.reporting.document.render_figure` draws it once.
    ``tests/test_plots.py`` checks that no text leaves such a figure.

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> fixed_margins(fig, left=0.6, right=0.1, top=0.3, bottom=0.5)
    >>> round(fig.subplotpars.left * 4, 2), fig.get_layout_engine() is None
    (0.6, True)
    """
    width, height = fig.get_size_inches()
    panel_w = (width - left - right - (cols - 1) * wgap) / cols
    panel_h = (height - top - bottom - (rows - 1) * hgap) / rows
    fig.set_layout_engine(None)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wgap / panel_w, hspace=hgap / panel_h)


def _value_limits(ax: plt.Axes, values: pd.Series, *, is_count: bool) -> None:
    """Non-negative series start at zero; a count axis has whole ticks and reaches at least 1."""
    if not values.notna().any() or values.min() < 0:
        return
    top = ax.get_ylim()[1]
    ax.set_ylim(0, max(top, 1.0) if is_count else top)
    if is_count:
        ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))


def _lower_first(label: str) -> str:
    """'Leerlingen met jeugdhulp' -> 'leerlingen met jeugdhulp'; 'JOS-trajecten' stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _legend_entries(axes: Iterable[plt.Axes]) -> tuple[list, list[str]]:
    """One legend entry per label over all panels."""
    seen: dict[str, object] = {}
    for ax in axes:
        for h, name in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(name, h)
    return list(seen.values()), list(seen)


def plot_placebo(placebo_estimates: Sequence[float], actual: float, *, label: str,
                 percent: bool = False, synthetic: bool = False) -> plt.Figure:
    """Distribution of placebo estimates (fake start dates before JOS) with the real estimate.

    Describe it with :func:`alt_text_placebo` (same arguments), which counts from the same numbers.
    """
    _style()
    fig, ax = report_figure(figsize=(7, 3.2))
    vals = _finite(placebo_estimates)
    if len(vals):
        # matplotlib's own histogram: seaborn's histplot draws the same bars five times slower
        ax.hist(vals, bins=min(15, max(5, len(vals) // 2)), color="#999999", edgecolor="white",
                label="Nep-startdata (placebo)")
    ax.axvline(actual, color=_COLORS["counterfactual"], lw=2, label="Werkelijke start")
    if percent:
        _points_axis(ax, "x")
        ax.set_xlabel(f"{_short(label)}: geschatte niveauverandering (procentpunt)")
    else:
        ax.set_xlabel(f"{_short(label)}: geschatte niveauverandering (modelschaal)")
    ax.set_ylabel("Aantal nep-startdata")
    ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.legend(fontsize=8)
    _mark_synthetic(fig, synthetic)
    # room for the counts' axis and, below the estimates' axis, its label above the synthetic mark
    fixed_margins(fig, left=0.8, right=0.2, top=0.15, bottom=0.8)
    return fig


def plot_event_study(effects: pd.DataFrame, *, label: str, percent: bool = False,
                     synthetic: bool = False) -> plt.Figure:
    """Effect by school year relative to the start (event study), with confidence intervals.

    ``effects`` has columns ``event_time`` (years since start; -1 is the reference),
    ``estimate``, ``ci_low`` and ``ci_high``. One tick per school year. Describe it with
    :func:`alt_text_event_study` (same arguments).
    """
    _style()
    e = effects.sort_values("event_time")
    fig, ax = report_figure(figsize=(8, 3.8))
    ax.axhline(0, color="#666666", lw=1)
    ax.axvline(-0.5, color=_COLORS["start"], lw=1.2, ls=":", label="Start JOS")
    ax.errorbar(e["event_time"], e["estimate"],
                yerr=[e["estimate"] - e["ci_low"], e["ci_high"] - e["estimate"]],
                fmt="o", color=_COLORS["fitted"], capsize=3, label="Effect (met 95%-betrouwbaarheidsinterval)")
    times = sorted({int(t) for t in e["event_time"]})
    ax.xaxis.set_major_locator(mticker.FixedLocator(times))
    ax.xaxis.set_major_formatter(mticker.FixedFormatter([nl.signed(t, 0) for t in times]))
    unit = " (procentpunt)" if percent else ""
    if percent:
        _points_axis(ax)
    # on two lines when long: one line ran off the figure for the longer indicator names
    ax.set_ylabel(textwrap.fill(f"Verschil {_lower_first(_short(label))}{unit}", 30))
    ax.set_xlabel("Schooljaren sinds de start van JOS (-1 = referentiejaar)")
    ax.legend(fontsize=8)
    _mark_synthetic(fig, synthetic)
    fixed_margins(fig, left=1.05, right=0.2, top=0.15, bottom=0.8)
    return fig


def _finite(values: Iterable[float]) -> np.ndarray:
    vals = np.asarray(list(values), dtype=float)
    return vals[np.isfinite(vals)]


def _value(x: float, percent: bool, points: bool = False) -> str:
    if percent:
        return nl.percentage_points(x) if points else nl.percent(x)
    return nl.number(x, 2)


def alt_text_its(result, *, label: str, start: dt.date, percent: bool = False,
                 covid_windows: Sequence[tuple[dt.date, dt.date]] = (), synthetic: bool = False,
                 title: str | None = None, suppress_below: int | None = None) -> str:
    """Dutch alt text of :func:`plot_its` (same arguments): what the figure shows, in two sentences."""
    f = result.fitted
    months = pd.to_datetime(f["month"]) if "month" in f.columns else None
    span = (f" per maand, van {nl.month_year(months.min())} tot en met {nl.month_year(months.max())}"
            if months is not None and len(months) else "")
    text = (f"Grafiek van {_lower_first(_short(label))}{span}: de gemeten waarden als punten, het model als lijn en, "
            f"vanaf de start van JOS in {nl.month_year(start)}, de voortgezette trend zonder JOS als "
            "stippellijn met een band voor de onzekerheid.")
    n_hidden = int(_hidden_months(f, suppress_below).sum())
    if n_hidden:
        text += (f" {nl.integer(n_hidden)} maanden met een klein aantal leerlingen zijn niet getoond "
                 "(grijze markering onderaan).")
    if covid_windows:
        text += " De COVID-schoolsluitingen zijn grijs gearceerd."
    return text


def alt_text_yearly(yearly: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str], *,
                    start: dt.date | None = None, synthetic: bool = False, title: str | None = None) -> str:
    """Dutch alt text of :func:`plot_yearly` (same arguments)."""
    names = [_lower_first(labels.get(i, i)) for i in indicators]
    years = _year_labels(yearly)
    listed = ", ".join(names[:-1]) + (" en " if len(names) > 1 else "") + (names[-1] if names else "")
    text = f"Grafieken per schooljaar ({years[0]} tot en met {years[-1]}) van {listed}" if years else \
        f"Grafieken per schooljaar van {listed}"
    text += f", met de start van JOS in {nl.month_year(start)} als verticale lijn." if start else "."
    n_hidden = sum(len(_suppressed_rows(yearly, i)) for i in indicators)
    if n_hidden:
        text += (f" {nl.integer(n_hidden)} waarden met een klein aantal leerlingen zijn niet getoond "
                 "(onderbreking in de lijn met een grijze markering).")
    return text


def alt_text_placebo(placebo_estimates: Sequence[float], actual: float, *, label: str,
                     percent: bool = False, synthetic: bool = False) -> str:
    """Dutch alt text of :func:`plot_placebo` (same arguments), counted from the same numbers."""
    vals = _finite(placebo_estimates)
    text = (f"Histogram van de geschatte niveauverandering van {_lower_first(_short(label))} bij "
            f"{nl.integer(len(vals))} nep-startdata vóór JOS, met de schatting bij de werkelijke start "
            f"({_value(actual, percent, points=True)}) als verticale lijn.")
    if len(vals):
        beyond = int((np.abs(vals) >= abs(actual)).sum())
        text += (f" {nl.integer(beyond)} van de {nl.integer(len(vals))} nep-startdata geven een even grote of "
                 "grotere verandering.")
    return text


def alt_text_event_study(effects: pd.DataFrame, *, label: str, percent: bool = False,
                         synthetic: bool = False) -> str:
    """Dutch alt text of :func:`plot_event_study` (same arguments)."""
    e = effects.sort_values("event_time")
    text = (f"Grafiek: het effect op {_lower_first(_short(label))} per schooljaar ten opzichte van het jaar vóór "
            "de start van JOS, met 95%-betrouwbaarheidsintervallen")
    if len(e):
        lo, hi = int(e["event_time"].min()), int(e["event_time"].max())
        text += f", van {nl.integer(abs(lo))} jaar vóór tot {nl.integer(hi)} jaar na de start"
        post = e[e["event_time"] >= 0]
        if len(post):
            last = post.iloc[-1]
            text += f". In het laatste jaar is het geschatte verschil {_value(last['estimate'], percent, True)}"
            if not (nl.is_missing(last["ci_low"]) or nl.is_missing(last["ci_high"])):
                text += (f" (interval {_value(last['ci_low'], percent, True)} tot "
                         f"{_value(last['ci_high'], percent, True)})")
            else:
                text += " (zonder interval: te weinig scholen in dat jaar)"
    return text + "."


def plot_series(series: pd.DataFrame, column: str, *, label: str, percent: bool = False,
                covid_windows: Sequence[tuple] = (), suppress_below: int | None = None,
                synthetic: bool = False) -> plt.Figure:
    """One school's monthly series as a line with points; COVID closures shaded; pupil counts below
    ``suppress_below`` (zero included) left out (privacy)."""
    x = pd.to_datetime(series["month"])
    y = series[column].astype(float).copy()
    hidden = _small_counts(y, suppress_below)
    y[hidden] = np.nan
    fig, ax = report_figure(figsize=(10, 3.6))
    for a, b in covid_windows:
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color="#cccccc", alpha=0.5, lw=0)
    ax.plot(x, y, color="#4d4d4d", lw=1, marker="o", ms=3)
    if percent:
        _percent_axis(ax, percent)
        ax.set_ylabel("percentage van de lesuren")
    else:
        ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: nl.number(v, 0)))
        ax.set_ylabel("aantal leerlingen")
    ax.set_title(label)
    ax.set_xlabel("Lesmaand")
    _mark_hidden(ax, x[hidden.to_numpy()])
    if hidden.any():
        ax.legend(fontsize=8, loc="upper left")
    _mark_synthetic(fig, synthetic)
    fixed_margins(fig, left=0.85, right=0.2, top=0.45, bottom=0.8)
    return fig
