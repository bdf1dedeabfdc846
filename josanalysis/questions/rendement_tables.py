"""The return panel as protected Dutch tables: one for the region, one per indicator.

Pupil counts (``kind == "count"`` in :data:`josanalysis.core.indicators.RENDEMENT_INDICATORS`) are
rounded to whole pupils and suppressed by :func:`josanalysis.privacy.apply_privacy`;
a change or trend that would reveal a hidden count is hidden with it.

Examples
--------
>>> from josanalysis.core.config import PrivacyRules
>>> report_tables(rendement_table(None), PrivacyRules())
{}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from josanalysis.core.indicators import RENDEMENT_BY_KEY
from josanalysis.privacy import apply_privacy, concat_protected, drop_protected, hide_dependent, rename_protected
from josanalysis.questions.rendement import DUTCH_HEADERS, RendementResult, rendement_table

__all__ = ["report_tables"]


def _protect_counts(table: pd.DataFrame, years: list[str], rules: Any, totals: str,
                    hidden_elsewhere: set[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """Round pupil counts to whole numbers, suppress them (and the cells another table hides,
    ``(school_id, school_year)``), and hide trends that would reveal them."""
    t = table.copy()
    for y in years:
        t[y] = pd.to_numeric(t[y], errors="coerce").round(0)
    trends = [c for c in ("change", "slope_per_year") if c in t.columns]
    for c in trends:
        t[c] = pd.to_numeric(t[c], errors="coerce").round(1)
    also = None
    if hidden_elsewhere and "school_id" in t.columns:
        also = pd.DataFrame({y: [(str(s), str(y)) in hidden_elsewhere for s in t["school_id"]] for y in years},
                            index=t.index)
    out = apply_privacy(t, rules, count_columns=years, totals=totals, also_hide=also)
    return hide_dependent(out, {c: years for c in trends})


def report_tables(
    result: RendementResult,
    rules: Any,
    *,
    names: Mapping[str, str] | None = None,
    hidden_elsewhere: Mapping[str, set[tuple[str, str]]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The return panel as protected Dutch tables: one for the region, one per indicator.

    Pupil counts (``kind == "count"``) are rounded to whole pupils and suppressed by
    :func:`josanalysis.privacy.apply_privacy`; per indicator the school rows are protected
    against recovery from the region total (column totals known), and the change / trend of a
    row with a hidden year is hidden too.

    Parameters
    ----------
    result
        From :func:`rendement_table`.
    rules
        The region's privacy rules (``region.privacy``).
    names
        School names by ``school_id``.
    hidden_elsewhere
        Per indicator key, the ``(school_id, school_year)`` cells another report hides for the
        same counts (the panel's school-year tables, :attr:`RendementIndicator.panel_key`):
        hidden here too, so that the two tables together reveal nothing either hides.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``"regio"`` and one entry per indicator key that has data.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> sorted(report_tables(rendement_table(long), PrivacyRules()))     # doctest: +SKIP
    ['regio', 'thuiszitters']
    """
    names = dict(names or {})
    years = list(result.school_years)
    out: dict[str, pd.DataFrame] = {}
    if result.region.empty:
        return out
    drop = ["indicator", "n_years"]
    reg = result.region
    counts = reg[reg["indicator"].map(lambda k: RENDEMENT_BY_KEY[k].kind == "count")]
    other = reg[~reg.index.isin(counts.index)]
    parts = []
    if not counts.empty:
        parts.append(_protect_counts(counts.reset_index(drop=True), years, rules, "none"))
    if not other.empty:
        parts.append(apply_privacy(other.reset_index(drop=True), rules))
    out["regio"] = rename_protected(drop_protected(concat_protected(parts), drop), DUTCH_HEADERS)
    for key in reg["indicator"]:
        sub = result.per_school[result.per_school["indicator"] == key].reset_index(drop=True)
        sub.insert(1, "school", sub["school_id"].map(lambda s: names.get(s, s)))
        if RENDEMENT_BY_KEY[key].kind == "count":
            t = _protect_counts(sub, years, rules, "columns", set((hidden_elsewhere or {}).get(key, ())))
        else:
            t = apply_privacy(sub, rules)
        out[key] = rename_protected(drop_protected(t, ["indicator", "label", "unit", "expected", "n_years"]),
                                    DUTCH_HEADERS)
    return out
