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
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from josanalysis.core import formatting as nl

__all__ = ["plot_its", "plot_yearly", "plot_placebo", "plot_event_study", "SYNTHETIC_MARK"]

SYNTHETIC_MARK = "SYNTHETISCHE DEMODATA"

_COLORS = {"observed": "#4d4d4d", "fitted": "#1b6ca8", "counterfactual": "#d95f02",
           "covid": "#bbbbbb", "start": "#2c7a2c"}


def _style() -> None:
    sns.set_theme(style="whitegrid", context="notebook")


def _percent_axis(ax: plt.Axes, percent: bool, axis: str = "y") -> None:
    if not percent:
        return
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    digits = 2 if hi - lo < 0.01 else 1
    fmt = mticker.FuncFormatter(lambda v, _: nl.percent(v, digits))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


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
        Dutch name of the outcome, for the y axis.
    start
        JOS start date (vertical line).
    percent
        Show the y axis as percentages (for rates in [0, 1]).
    covid_windows
        Closure windows to shade.
    synthetic
        Print the synthetic-data mark on the figure.
    suppress_below
        For pupil counts: observed values from 1 to ``suppress_below - 1`` are not drawn (privacy);
        the model lines, which are not counts of pupils, are.
    """
    _style()
    f = result.fitted.copy()
    hidden = pd.Series(False, index=f.index)
    if suppress_below:
        hidden = (f["observed"] > 0) & (f["observed"] < suppress_below)
        f.loc[hidden, "observed"] = np.nan
    x = pd.to_datetime(f["month"]) if "month" in f.columns else f["time"]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    _shade_windows(ax, covid_windows, "COVID-schoolsluiting")
    used = ~f["excluded"].astype(bool)
    ax.scatter(x[used], f["observed"][used], s=14, color=_COLORS["observed"], label="Gemeten", zorder=3)
    if (~used).any():
        ax.scatter(x[~used], f["observed"][~used], s=14, facecolors="none",
                   edgecolors=_COLORS["observed"], label="Gemeten (niet in model)", zorder=3)
    post = pd.to_datetime(x) >= pd.Timestamp(start) if "month" in f.columns else f["segment"] != "pre"
    ax.plot(x, f["fitted"], color=_COLORS["fitted"], lw=1.6, label="Model")
    ax.plot(x[post], f["counterfactual"][post], color=_COLORS["counterfactual"], lw=1.6, ls="--",
            label="Voortgezette trend zonder JOS (contrafeitelijk)")
    ax.fill_between(x[post], f["cf_low"][post], f["cf_high"][post], color=_COLORS["counterfactual"],
                    alpha=0.18, lw=0, label="Onzekerheid contrafeitelijk")
    ax.axvline(pd.Timestamp(start), color=_COLORS["start"], lw=1.5, label="Start JOS")
    if hidden.any():
        ax.text(0.99, 0.98, f"Maanden met 1 tot {suppress_below - 1} leerlingen niet getoond (privacy)",
                transform=ax.transAxes, ha="right", va="top", fontsize=8, color="#555555")
    _percent_axis(ax, percent)
    ax.set_ylabel(label)
    ax.set_xlabel("")
    ax.set_title(title or label)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=8, ncol=3, frameon=False)
    _mark_synthetic(fig, synthetic)
    fig.tight_layout()
    return fig


def plot_yearly(yearly: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str], *,
                start: dt.date | None = None, synthetic: bool = False,
                title: str | None = None) -> plt.Figure:
    """School-year indicators as lines (one panel per indicator), JOS start marked.

    ``yearly`` is a (privacy-checked) frame with ``year_start`` and the indicator columns;
    suppressed values are missing and show as gaps.
    """
    _style()
    n = len(indicators)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols)) if n else 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, ind in zip(axes.flat, indicators):
        d = yearly[["year_start", ind]].dropna()
        ax.plot(pd.to_datetime(d["year_start"]), d[ind], marker="o", color=_COLORS["fitted"])
        if start is not None:
            ax.axvline(pd.Timestamp(start), color=_COLORS["start"], lw=1.2)
        ax.set_title(labels.get(ind, ind), fontsize=9)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    _mark_synthetic(fig, synthetic)
    fig.tight_layout()
    return fig


def plot_placebo(placebo_estimates: Sequence[float], actual: float, *, label: str,
                 percent: bool = False, synthetic: bool = False) -> plt.Figure:
    """Distribution of placebo estimates (fake start dates before JOS) with the real estimate."""
    _style()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    vals = np.asarray(list(placebo_estimates), dtype=float)
    vals = vals[np.isfinite(vals)]
    if len(vals):
        sns.histplot(vals, ax=ax, color="#999999", bins=min(15, max(5, len(vals) // 2)),
                     label="Nep-startdata (placebo)")
    ax.axvline(actual, color=_COLORS["counterfactual"], lw=2, label="Werkelijke start")
    if percent:
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: nl.number(100 * v, 1)))
        ax.set_xlabel(f"{label}: niveauverandering (procentpunt)")
    else:
        ax.set_xlabel(f"{label}: niveauverandering")
    ax.set_ylabel("Aantal")
    ax.legend(fontsize=8)
    _mark_synthetic(fig, synthetic)
    fig.tight_layout()
    return fig


def plot_event_study(effects: pd.DataFrame, *, label: str, percent: bool = False,
                     synthetic: bool = False) -> plt.Figure:
    """Effect by school year relative to the start (event study), with confidence intervals.

    ``effects`` has columns ``event_time`` (years since start; -1 is the reference),
    ``estimate``, ``ci_low`` and ``ci_high``.
    """
    _style()
    e = effects.sort_values("event_time")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.axhline(0, color="#666666", lw=1)
    ax.axvline(-0.5, color=_COLORS["start"], lw=1.2, ls=":", label="Start JOS")
    ax.errorbar(e["event_time"], e["estimate"],
                yerr=[e["estimate"] - e["ci_low"], e["ci_high"] - e["estimate"]],
                fmt="o", color=_COLORS["fitted"], capsize=3, label="Effect (met betrouwbaarheidsinterval)")
    _percent_axis(ax, percent)
    ax.set_xlabel("Schooljaren sinds de start van JOS")
    ax.set_ylabel(label)
    ax.legend(fontsize=8)
    _mark_synthetic(fig, synthetic)
    fig.tight_layout()
    return fig


