"""Sensitivity: the model refitted across phase-in lag, family and autocorrelation method."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from josanalysis.core.errors import ConfigError, JosError
from josanalysis.methods.its import COUNT_FAMILIES, ItsFit, ItsSpec, estimate_effects

__all__ = ["SENSITIVITY_COLUMNS", "sensitivity_table"]

#: The columns of :func:`sensitivity_table`, in order.
SENSITIVITY_COLUMNS = ["family", "autocorrelation", "lag", "term", "estimate", "ci_low", "ci_high", "p_value",
                       "scale", "n_pre", "n_post", "prespecified", "varied", "error"]


def sensitivity_table(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    spec: ItsSpec | None = None,
    *,
    lags: Sequence[int] = (0, 3, 6),
    families: Sequence[str] | None = None,
    autocorrelations: Sequence[str] = ("ar1", "ar2", "hac", "none"),
    design: str = "one_at_a_time",
    comparison: pd.DataFrame | None = None,
    fit: ItsFit | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Refit across lag, family and autocorrelation method; mark the pre-specified model.

    Parameters
    ----------
    data, outcome, time, start, spec, comparison
        As for :func:`~josanalysis.methods.its.fit_its`.
    lags, families, autocorrelations
        The alternatives to try. ``families`` defaults to ``("gaussian",)`` for a gaussian
        model and to ``("poisson", "quasipoisson", "negbin")`` for a count model.
    design
        ``"one_at_a_time"`` (default: the pre-specified model plus every single change of one
        factor; a short table for the report) or ``"full"`` (all combinations).
    fit
        The fit of exactly the pre-specified model on ``data`` (from
        :func:`~josanalysis.methods.its.fit_its`): its row is taken from it instead of a refit.
    **options
        The pre-specified model for :func:`~josanalysis.methods.its.fit_its`.

    Returns
    -------
    pandas.DataFrame
        One row per model and term (``level``, ``slope``): ``family``, ``autocorrelation``,
        ``lag``, ``term``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale``,
        ``n_pre``, ``n_post``, ``prespecified`` (bool), ``varied`` (which factor differs from
        the pre-specified model) and ``error`` (why a model could not be fitted, else empty).

    Examples
    --------
    >>> tab = sensitivity_table(d, "absence_rate", "month", "2022-08-01",
    ...                         seasonality="month")                 # doctest: +SKIP
    >>> tab[tab.prespecified]                                         # doctest: +SKIP
    """
    if design not in ("one_at_a_time", "full"):
        raise ConfigError("design must be 'one_at_a_time' or 'full'.")
    spec = ItsSpec.from_options(spec, caller="sensitivity_table", **options)
    base = {"family": spec.family, "autocorrelation": spec.autocorrelation, "lag": int(spec.lag)}
    if families is None:
        families = ("gaussian",) if base["family"] == "gaussian" else COUNT_FAMILIES
    grid = {"family": list(families), "autocorrelation": list(autocorrelations), "lag": [int(x) for x in lags]}
    rows = []
    for variant, varied in _variants(base, grid, design):
        rows += _variant_rows(data, outcome, time, start, spec, variant, varied, comparison,
                              fit if varied == "" else None)
    return pd.DataFrame(rows).reindex(columns=SENSITIVITY_COLUMNS)


def _variants(base: dict[str, Any], grid: dict[str, list[Any]], design: str) -> list[tuple[dict[str, Any], str]]:
    """The pre-specified model first, then each variant with the factors it varies."""
    specs: list[tuple[dict[str, Any], str]] = [(dict(base), "")]
    if design == "full":
        for f in grid["family"]:
            for a in grid["autocorrelation"]:
                for g in grid["lag"]:
                    sp = {"family": f, "autocorrelation": a, "lag": g}
                    if sp != base:
                        varied = ", ".join(k for k in sp if sp[k] != base[k])
                        specs.append((sp, varied))
    else:
        for factor, values in grid.items():
            for v in values:
                if v != base[factor]:
                    specs.append(({**base, factor: v}, factor))
    return specs


def _variant_rows(data: pd.DataFrame, outcome: str, time: str, start: Any, spec: ItsSpec,
                  variant: dict[str, Any], varied: str, comparison: pd.DataFrame | None,
                  fit: ItsFit | None) -> list[dict[str, Any]]:
    """The table rows of one model variant (one row with the error if it cannot be fitted)."""
    common = {**variant, "prespecified": varied == "", "varied": varied}
    try:
        offset = None if variant["family"] == "gaussian" else spec.offset
        r = fit if fit is not None else estimate_effects(
            data, outcome, time, start, dataclasses.replace(spec, offset=offset, **variant), comparison=comparison)
    except JosError as exc:
        return [{**common, "term": None, "error": str(exc)}]
    rows = []
    for term, row in r.effects.iterrows():
        if term == "end":
            continue
        rows.append(
            {
                **common,
                "term": term,
                **row[["estimate", "ci_low", "ci_high", "p_value", "scale"]].to_dict(),
                "n_pre": r.n_pre,
                "n_post": r.n_post,
                "error": "",
            }
        )
    return rows
