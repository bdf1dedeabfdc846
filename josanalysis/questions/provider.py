"""The care provider's registration: trajectories by type per 100 pupils, outflow, satisfaction, relapse.

The provider's summary per school and school year (``josanalysis.sources.summarise_trajectories``)
becomes figures per school and school year (:func:`provider_figures`) and a protected Dutch table
(:func:`provider_report_table`). The registration existed before JOS and changed with it: a break
in the series need not be an effect.

Examples
--------
>>> sorted(PROVIDER_TYPES)
['n_clienttraject', 'n_eenmalig_contact', 'n_monitortraject']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError
from josanalysis.privacy import drop_protected, apply_privacy, rename_protected
from josanalysis.questions.pupils import pupils_series
from josanalysis.questions.rendement import DUTCH_HEADERS

__all__ = ["PROVIDER_TYPES", "provider_figures", "provider_report_table"]


#: Trajectory types of the provider registration: summary column -> Dutch label.
PROVIDER_TYPES: dict[str, str] = {
    "n_eenmalig_contact": "eenmalig contact",
    "n_clienttraject": "cliënttraject",
    "n_monitortraject": "monitortraject",
}


def provider_figures(
    summary: pd.DataFrame,
    pupils: pd.DataFrame | pd.Series | Mapping[str, float] | None = None,
    *,
    type_columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Provider-registration figures per school and school year.

    Parameters
    ----------
    summary
        The provider summary ``[school_id, school_year, <type counts>, share_referred_second_line,
        share_stayed, share_dropped_out, mean_satisfaction, n_monitor, n_relapse]`` (from
        ``josanalysis.sources.summarise_trajectories``). Shares are fractions (0..1) of closed
        trajectories.
    pupils
        Pupils per school (Series / mapping by ``school_id``) or per school and school year
        (DataFrame ``school_id, school_year, pupils``); without it the per-100 columns are missing.
    type_columns
        ``{summary column: Dutch label}`` of the trajectory-type counts (default
        :data:`PROVIDER_TYPES`; columns absent from ``summary`` are skipped).

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, pupils``, per type ``n_<type>`` and ``<type>_per_100``, then
        ``n_trajectories, trajectories_per_100, share_referred_second_line, share_stayed,
        share_dropped_out`` (as %), ``mean_satisfaction, n_monitor, n_relapse, relapse_pct``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"school_id": ["A"], "school_year": ["2023-2024"], "n_eenmalig_contact": [30],
    ...                   "n_clienttraject": [12], "n_monitortraject": [8], "share_referred_second_line": [0.25],
    ...                   "share_stayed": [0.7], "share_dropped_out": [0.05], "mean_satisfaction": [7.9],
    ...                   "n_monitor": [8], "n_relapse": [2]})
    >>> f = provider_figures(s, {"A": 500})
    >>> f[["trajectories_per_100", "relapse_pct"]].iloc[0].tolist()
    [10.0, 25.0]
    """
    types = dict(type_columns or PROVIDER_TYPES)
    for col in ("school_id", "school_year"):
        if col not in summary.columns:
            raise DataError(f"the provider summary has no column '{col}'.")
    present = [c for c in types if c in summary.columns]
    if not present:
        raise DataError(f"the provider summary has none of the trajectory-type columns {', '.join(types)}.")
    df = summary.copy()
    df["school_id"] = df["school_id"].astype(str)
    df["school_year"] = df["school_year"].astype(str)
    df = _with_pupils(df, pupils)
    denom = pd.to_numeric(df["pupils"], errors="coerce").astype("float64")
    denom = denom.where(denom > 0)
    out = df[["school_id", "school_year"]].copy()
    out["pupils"] = df["pupils"].astype("float64")
    total = pd.Series(0.0, index=df.index)
    for col in present:
        n = pd.to_numeric(df[col], errors="coerce").astype("float64")
        if (n < 0).any():
            raise DataError(f"'{col}' is negative.", column=col)
        out[col] = n
        out[col.removeprefix("n_") + "_per_100"] = n / denom * 100
        total = total + n.fillna(0.0)
    out["n_trajectories"] = total
    out["trajectories_per_100"] = total / denom * 100
    _add_outcomes(out, df)
    return out.sort_values(["school_id", "school_year"]).reset_index(drop=True)


def _with_pupils(df: pd.DataFrame, pupils: pd.DataFrame | pd.Series | Mapping[str, float] | None) -> pd.DataFrame:
    """The summary with a ``pupils`` column: per school and school year, per school, or missing."""
    if pupils is None:
        df["pupils"] = np.nan
    elif isinstance(pupils, pd.DataFrame) and "school_year" in pupils.columns:
        p = pupils[["school_id", "school_year", "pupils"]].copy()
        p["school_id"] = p["school_id"].astype(str)
        p["school_year"] = p["school_year"].astype(str)
        df = df.merge(p, on=["school_id", "school_year"], how="left")
    else:
        df["pupils"] = df["school_id"].map(pupils_series(pupils))
    return df


def _add_outcomes(out: pd.DataFrame, df: pd.DataFrame) -> None:
    """Add outflow shares (as %), satisfaction and relapse of the summary ``df`` to ``out``."""
    for col in ("share_referred_second_line", "share_stayed", "share_dropped_out"):
        if col in df.columns:
            v = pd.to_numeric(df[col], errors="coerce").astype("float64")
            if ((v < 0) | (v > 1)).any():
                raise DataError(f"'{col}' should be a fraction between 0 and 1.", column=col)
            out[col] = v * 100
    if "n_closed" in df.columns:
        out["n_closed"] = pd.to_numeric(df["n_closed"], errors="coerce").astype("float64")
    if "mean_satisfaction" in df.columns:
        out["mean_satisfaction"] = pd.to_numeric(df["mean_satisfaction"], errors="coerce").astype("float64")
    if "n_satisfaction" in df.columns:
        out["n_satisfaction"] = pd.to_numeric(df["n_satisfaction"], errors="coerce").astype("float64")
    if "n_monitor" in df.columns and "n_relapse" in df.columns:
        mon = pd.to_numeric(df["n_monitor"], errors="coerce").astype("float64")
        rel = pd.to_numeric(df["n_relapse"], errors="coerce").astype("float64")
        if (rel > mon).any():
            raise DataError("'n_relapse' exceeds 'n_monitor' (relapse is counted among monitor trajectories).",
                            column="n_relapse")
        out["n_monitor"] = mon
        out["n_relapse"] = rel
        out["relapse_pct"] = rel / mon.where(mon > 0) * 100


def _merge_hidden(*frames: pd.DataFrame) -> dict[str, list[int]]:
    hidden: dict[str, list[int]] = {}
    for f in frames:
        for k, v in f.attrs.get("privacy_suppressed", {}).items():
            hidden[k] = sorted(set(hidden.get(k, [])) | set(v))
    return hidden


def provider_report_table(
    figures: pd.DataFrame,
    rules: Any,
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Provider figures (from :func:`provider_figures`) protected for a report, Dutch headers.

    Trajectory counts are pupil counts: small ones are hidden, with secondary suppression
    against the total per row (``n_trajectories``); per-100 rates and relapse percentages are
    hidden with their count; shares are hidden when the school-year has fewer closed
    trajectories than the region's ``min_denominator`` or when the number of pupils behind the
    share (share x closed trajectories) is small, and, because the outflow shares add up to
    100%, a second share with it (all of them when the hidden ones stand for a small number of
    pupils together); mean satisfaction is hidden when fewer
    questionnaires than ``min_denominator`` were filled in.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> provider_report_table(provider_figures(summary, pupils), PrivacyRules())   # doctest: +SKIP
    """
    f = figures.copy()
    names = dict(names or {})
    f.insert(1, "school", f["school_id"].map(lambda s: names.get(s, s)))
    types = [c for c in PROVIDER_TYPES if c in f.columns]
    for c in [*types, "n_trajectories", "n_monitor", "n_relapse"]:
        if c in f.columns:
            f[c] = pd.to_numeric(f[c], errors="coerce").round(0)
    rates = {c.removeprefix("n_") + "_per_100": "pupils" for c in types}
    nums = {c.removeprefix("n_") + "_per_100": c for c in types}
    rates["trajectories_per_100"] = "pupils"
    nums["trajectories_per_100"] = "n_trajectories"
    # a share times its denominator gives a number of pupils: hide the share when that number is small
    share_den = "n_closed" if "n_closed" in f.columns else "n_trajectories"
    temp = []
    for c in ("share_referred_second_line", "share_stayed", "share_dropped_out"):
        if c in f.columns:
            rates[c] = share_den
            nums[c] = f"_n_{c}"
            f[f"_n_{c}"] = (pd.to_numeric(f[c], errors="coerce") / 100
                            * pd.to_numeric(f[share_den], errors="coerce")).round(0)
            temp.append(f"_n_{c}")
    if "mean_satisfaction" in f.columns:
        rates["mean_satisfaction"] = "n_satisfaction" if "n_satisfaction" in f.columns else "n_trajectories"
    shares = [c for c in ("share_referred_second_line", "share_stayed", "share_dropped_out") if c in f.columns]
    first = apply_privacy(f, rules, count_columns=[*types, "n_trajectories"], rate_columns=rates,
                          numerators=nums, totals="columns", total_column="n_trajectories",
                          share_groups=[shares] if len(shares) > 1 else ())
    second_counts = [c for c in ("n_closed", "n_satisfaction", "n_monitor", "n_relapse") if c in f.columns]
    table = first
    if second_counts:
        for c in second_counts:
            first[c] = pd.to_numeric(first[c], errors="coerce").round(0)
        extra = {"relapse_pct": "n_monitor"} if "relapse_pct" in f.columns else {}
        second = apply_privacy(first, rules, count_columns=second_counts, rate_columns=extra,
                               numerators={"relapse_pct": "n_relapse"} if extra else None, totals="none")
        second.attrs["privacy_suppressed"] = _merge_hidden(first, second)
        table = second
    table = drop_protected(table, temp)
    headers = dict(DUTCH_HEADERS)
    for c, label in PROVIDER_TYPES.items():
        headers[c] = label
        headers[c.removeprefix("n_") + "_per_100"] = f"{label} per 100 lln"
    return rename_protected(table, headers)
