"""Figures of the budget report: capacity per school and the budget's recalibration path (Dutch labels).

Each function takes a result of :mod:`josanalysis.questions` and returns a matplotlib ``Figure``;
:func:`josanalysis.reporting.budget_report.build_budget_report` saves them next to the report.

Examples
--------
>>> fig = plot_capacity(capacity_table(fte, pupils), names)    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from josanalysis.core import formatting as nl
from josanalysis.core.config import FUNCTIONS
from josanalysis.questions.capacity import CapacityResult
from josanalysis.reporting.figures import report_figure

__all__ = ["plot_capacity", "plot_budget", "alt_text_capacity", "alt_text_budget"]


def plot_capacity(result: CapacityResult, names: Mapping[str, str] | None = None, *, per_100: bool = True) -> Figure:
    """Figure: FTE during JOS per school and function (stacked), per 100 pupils or absolute.

    Parameters
    ----------
    result
        From :func:`josanalysis.questions.capacity.capacity_table`.
    names
        School names by ``school_id`` for the axis labels.
    per_100
        FTE per 100 pupils (default; schools without a pupil count are left out) or FTE.

    Returns
    -------
    matplotlib.figure.Figure
        Dutch labels. Differences between schools reflect history and agreements, not need
        (caption this in the report).

    Examples
    --------
    >>> fig = plot_capacity(capacity_table(fte, pupils), names)    # doctest: +SKIP
    """
    names = dict(names or {})
    col = "fte_per_100_during" if per_100 else "fte_during"
    wide = result.table.pivot_table(index="school_id", columns="function", values=col, aggfunc="first",
                                    sort=False)
    wide = wide.reindex(columns=[f for f in FUNCTIONS if f in wide.columns]).dropna(how="all")
    fig, ax = report_figure(figsize=(8, 0.32 * max(len(wide), 1) + 1.4), layout="tight")
    left = np.zeros(len(wide))
    colors = {"GW": "#4c72b0", "JGC": "#55a868", "PAJ": "#dd8452"}
    for func in wide.columns:
        vals = wide[func].fillna(0.0).to_numpy()
        ax.barh(range(len(wide)), vals, left=left, color=colors.get(func), label=f"{func} ({FUNCTIONS[func]})")
        left = left + vals
    return _finish_school_rows(fig, ax, [names.get(s, s) for s in wide.index],
                               xlabel="Fte per 100 leerlingen (tijdens JOS)" if per_100 else "Fte tijdens JOS",
                               title="Inzet JOS-functies per school", legend_loc="lower right")


def plot_budget(recalibrated: pd.DataFrame, path: pd.DataFrame, names: Mapping[str, str] | None = None,
                *, per_pupil: bool = False) -> Figure:
    """Figure: current vs recalibrated budget per school, with the transition path in between.

    Parameters
    ----------
    recalibrated
        Output of :func:`josanalysis.questions.budget.recalibrate_budget`.
    path
        Output of :func:`josanalysis.questions.budget.transition_path` for the same schools.
    names
        Optional school names by ``school_id`` for the axis labels.
    per_pupil
        Show euros per pupil instead of euros.

    Returns
    -------
    matplotlib.figure.Figure
        Dutch labels; one row per school, dots for the path years.

    Examples
    --------
    >>> fig = plot_budget(recalibrated, path, names, per_pupil=True)    # doctest: +SKIP
    """
    names = dict(names or {})
    pupils = recalibrated.set_index("school_id")["pupils"]
    schools = list(recalibrated["school_id"])
    years = sorted(path["year"].unique())
    fig, ax = report_figure(figsize=(8, 0.32 * len(schools) + 1.4), layout="tight")
    cmap = plt.get_cmap("Blues")
    for i, sid in enumerate(schools):
        p = path[path["school_id"] == sid].sort_values("year")
        vals = p["budget_eur"].to_numpy()
        tgt = float(recalibrated.loc[recalibrated["school_id"] == sid, "budget_target"].iloc[0])
        if per_pupil:
            denom = float(pupils[sid]) if pupils[sid] > 0 else np.nan
            vals = vals / denom
            tgt = tgt / denom
        ax.plot([vals[0], tgt], [i, i], color="0.8", zorder=1)
        for k, (y, v) in enumerate(zip(years, vals)):
            ax.scatter(v, i, color=cmap(0.35 + 0.6 * k / max(len(years) - 1, 1)), zorder=2,
                       label=("huidig" if k == 0 else f"jaar {y}") if i == 0 else None)
        ax.scatter(tgt, i, marker="D", color="tab:orange", zorder=3, label="herijkt" if i == 0 else None)
    return _finish_school_rows(fig, ax, [names.get(s, s) for s in schools],
                               xlabel="Budget per leerling (€)" if per_pupil else "Budget (€)",
                               title="Huidig budget, herijkt budget en overgangspad per school", legend_loc="best")


def _finish_school_rows(fig: Figure, ax: plt.Axes, labels: list[str], *, xlabel: str, title: str,
                        legend_loc: str) -> Figure:
    """One row per school, first school on top; Dutch axis label, title and a small legend."""
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("School")
    ax.set_title(title)
    ax.legend(loc=legend_loc, fontsize="small")
    return fig


def _capacity_wide(result: CapacityResult, per_100: bool) -> pd.DataFrame:
    col = "fte_per_100_during" if per_100 else "fte_during"
    return result.table.pivot_table(index="school_id", columns="function", values=col, aggfunc="first",
                                    sort=False).dropna(how="all")


def alt_text_capacity(result: CapacityResult, names: Mapping[str, str] | None = None, *,
                      per_100: bool = True) -> str:
    """Dutch alt text of :func:`plot_capacity` (same arguments): what the figure shows and its range."""
    names = dict(names or {})
    totals = _capacity_wide(result, per_100).sum(axis=1, min_count=1).dropna()
    unit = "fte per 100 leerlingen" if per_100 else "fte"
    text = (f"Liggende staven met de inzet tijdens JOS in {unit} per school ({nl.integer(len(totals))} scholen), "
            "opgedeeld naar functie (GW, JGC en PAJ).")
    if len(totals):
        lo, hi = totals.idxmin(), totals.idxmax()
        text += (f" De inzet loopt van {nl.number(totals[lo], 3)} ({names.get(lo, lo)}) tot "
                 f"{nl.number(totals[hi], 3)} ({names.get(hi, hi)}).")
    return text


def alt_text_budget(recalibrated: pd.DataFrame, path: pd.DataFrame, names: Mapping[str, str] | None = None,
                    *, per_pupil: bool = False) -> str:
    """Dutch alt text of :func:`plot_budget` (same arguments): what the figure shows and the largest shift."""
    names = dict(names or {})
    years = sorted(path["year"].unique())
    unit = "budget per leerling" if per_pupil else "budget"
    text = (f"Per school ({nl.integer(len(recalibrated))} scholen) het huidige {unit} en de jaren van het "
            f"overgangspad ({nl.integer(len(years))} punten, van licht naar donker blauw) en het herijkte {unit} "
            "(oranje ruit).")
    if len(recalibrated):
        diff = recalibrated["change_eur"]
        i = diff.abs().idxmax()
        sid = recalibrated.loc[i, "school_id"]
        text += f" De grootste verschuiving is {nl.euro(diff[i])} voor {names.get(sid, sid)}."
    return text
