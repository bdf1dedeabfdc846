"""Falsification: the pre-specified model refitted at placebo start dates in the pre-period."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.errors import ConfigError, DataError, JosError
from josanalysis.methods.its import ItsFit, ItsSpec, effects_at_starts, exclusion_mask, fit_its
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED

__all__ = ["PlaceboResult", "placebo_test", "reachable", "unreachable_nl", "allowed_as_large"]

_EFFECT_COLUMNS = ["estimate", "ci_low", "ci_high", "p_value", "scale"]


@dataclass(frozen=True)
class PlaceboResult:
    """Result of :func:`placebo_test`.

    Attributes
    ----------
    placebos
        One row per placebo start date and term: ``placebo_start``, ``term``, ``estimate``,
        ``ci_low``, ``ci_high``, ``p_value``, ``scale``.
    actual
        The effects of the real start (``ItsFit.effects``).
    term
        The term compared (``"level"`` unless the model has no level change).
    rank_p
        ``(1 + #placebos with an effect at least as large as the real one) / (1 + #placebos)``,
        sizes compared on the difference scale or as ``|log ratio|``. Placebo fits overlap in
        data, so this is a descriptive position, not an exact test.
    rejection_rate
        Share of placebo fits whose interval excludes "no change" (p < alpha). With an honest
        method and no pre-period event this is near alpha; much larger means the model
        finds "effects" where there are none.
    alpha
        The significance level used.
    notes
        Placebo dates that could not be fitted, and a warning when there are few.
    """

    placebos: pd.DataFrame
    actual: pd.DataFrame
    term: str
    rank_p: float
    rejection_rate: float
    alpha: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_placebos(self) -> int:
        """The number of placebo fits of :attr:`term`."""
        return int((self.placebos["term"] == self.term).sum())

    @property
    def can_reach(self) -> bool:
        """Whether the rank p can reach ``alpha`` at all: the smallest rank p is ``1 / (n + 1)``."""
        return reachable(self.n_placebos, self.alpha)

    def threshold(self) -> float | None:
        """How large (|difference| or |log ratio|) the real effect must be to pass the placebo rule.

        The rank p is ``(1 + k) / (n + 1)`` with ``k`` placebo effects at least as large as the
        real one; the rule allows ``k <= allowed_as_large(n, alpha)``, so the real effect must
        exceed the ``k + 1``-th largest placebo effect (with fewer than ``1/alpha - 1`` dates:
        every placebo effect). None without placebo estimates.
        """
        sizes = np.sort(effect_size(self.estimates().to_numpy(), self.actual.loc[self.term, "scale"]))[::-1]
        if not len(sizes):
            return None
        return float(sizes[allowed_as_large(len(sizes), self.alpha)])

    def estimates(self) -> pd.Series:
        """The placebo estimates of :attr:`term` that could be fitted (what the placebo figure draws)."""
        est = self.placebos.loc[self.placebos["term"] == self.term, "estimate"].astype(float)
        return est[np.isfinite(est)]

    def summary_nl(self) -> str:
        """Dutch summary for the report, counted from the same estimates as the placebo figure
        (:meth:`estimates`): how many fake starts gave a change at least as large, up or down."""
        est = self.estimates()
        scale = self.actual.loc[self.term, "scale"]
        real = float(effect_size(self.actual.loc[self.term, "estimate"], scale))
        larger = int(np.sum(effect_size(est.to_numpy(), scale) >= real))
        p_values = self.placebos.loc[est.index, "p_value"].astype(float)
        significant = int(np.sum(p_values.to_numpy() < self.alpha))
        what = "trendverandering" if self.term == "slope" else "niveauverandering"
        return (
            f"Bij {len(est)} nepstartdatums in de periode vóór de start was de geschatte {what} "
            f"{larger} keer minstens zo groot (omhoog of omlaag) als bij de echte start. "
            f"{significant} van de {len(est)} nepstarts gaf een 'significant' effect; bij toeval "
            f"verwacht je er ongeveer {nl.number(self.alpha * len(est), 0)}."
        ) + ("" if reachable(len(est), self.alpha) else " " + unreachable_nl(len(est), self.alpha))


def reachable(n_placebos: int, alpha: float) -> bool:
    """Whether ``n_placebos`` placebo dates can give a rank p of at most ``alpha``.

    >>> reachable(19, 0.05), reachable(10, 0.05)
    (True, False)
    """
    return n_placebos > 0 and 1.0 / (n_placebos + 1) <= alpha + 1e-12


def allowed_as_large(n_placebos: int, alpha: float) -> int:
    """How many placebo effects may be at least as large as the real one under the placebo rule.

    ``floor(alpha (n + 1)) - 1`` (rank p <= alpha) when that is reachable; with fewer than
    ``1/alpha - 1`` dates the rank p cannot reach alpha, and the rule that can is: larger than
    every placebo effect (0 allowed, rank p = 1/(n + 1)).

    >>> allowed_as_large(20, 0.05), allowed_as_large(39, 0.05), allowed_as_large(10, 0.05)
    (0, 1, 0)
    """
    return max(0, int(math.floor(alpha * (n_placebos + 1) + 1e-9)) - 1)


def unreachable_nl(n_placebos: int, alpha: float) -> str:
    """The Dutch sentence for a placebo test whose dates cannot reach the rank p of ``alpha``."""
    needed = int(math.ceil(1.0 / alpha - 1e-9)) - 1
    return (f"Met {n_placebos} nepstartdatums is de kleinste haalbare rangwaarde 1/{n_placebos + 1} = "
            f"{nl.number(1.0 / (n_placebos + 1), 2)}, groter dan {nl.number(alpha, 2)} (daarvoor zijn minstens "
            f"{needed} nepstartdatums nodig). Daarom telt een verandering hier als ze groter is dan bij alle "
            f"{n_placebos} nepstartdatums; het minimaal aantoonbare effect houdt daar rekening mee.")


def effect_size(est: np.ndarray | float, scale: str) -> np.ndarray:
    """How large an effect is: ``|estimate|``, or ``|log ratio|`` on the ratio scale."""
    est = np.asarray(est, dtype=float)
    return np.abs(np.log(est)) if scale == "ratio" else np.abs(est)


def placebo_test(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    start: Any,
    spec: ItsSpec | None = None,
    *,
    n_dates: int = 20,
    min_segment: int = 12,
    term: str = "level",
    comparison: pd.DataFrame | None = None,
    fit: ItsFit | None = None,
    **options: Any,
) -> PlaceboResult:
    """Refit the model at placebo start dates in the pre-period.

    Only data before the real start are used for the placebo fits, so a real effect cannot
    leak into them. With AR(1) errors the placebo fits use the AR coefficient of the fit at the
    real start (the same error structure, and no search for it at every date). Placebo dates are spread evenly over the pre-period points that leave at
    least ``min_segment`` used points on each side (before the date and from date + lag on).

    Parameters
    ----------
    data, outcome, time, start, spec, comparison
        As for :func:`~josanalysis.methods.its.fit_its`.
    n_dates
        Number of placebo start dates (fewer if the pre-period is short).
    min_segment
        Used points required on each side of a placebo date.
    term
        ``"level"`` or ``"slope"``: the term whose size is ranked.
    fit
        The fit of exactly this model on ``data`` (with ``comparison`` if given), from
        :func:`~josanalysis.methods.its.fit_its`: reused for the real start instead of refitting.
    **options
        Model options for :func:`~josanalysis.methods.its.fit_its` (family, offset, seasonality, ...).

    Returns
    -------
    PlaceboResult

    Raises
    ------
    DataError
        When the pre-period is too short for even one placebo date.

    Examples
    --------
    >>> res = placebo_test(d, "absence_rate", "month", "2022-08-01",
    ...                    seasonality="month", n_dates=10)      # doctest: +SKIP
    >>> res.placebos.head()                                       # doctest: +SKIP
    """
    if n_dates < 1 or min_segment < 1:
        raise ConfigError("n_dates and min_segment must be at least 1.")
    spec = ItsSpec.from_options(spec, caller="placebo_test", **options)
    actual = fit if fit is not None else fit_its(data, outcome, time, start, spec, comparison=comparison)
    if term not in actual.effects.index:
        raise ConfigError(f"term {term!r} is not in the model (terms: {', '.join(actual.effects.index)}).")
    is_dt = pd.api.types.is_datetime64_any_dtype(data[time])
    excl = exclusion_mask(data, spec.exclude, data[time], is_dt)
    pre_mask = (actual.fitted["segment"] == "pre").to_numpy()
    pre = data.loc[pre_mask].reset_index(drop=True)
    # the placebo fits share the pre-specified fit's error structure: its AR(1) coefficient (no REML search)
    fixed = (float(actual.design.rho[0]) if spec.autocorrelation == "ar1" and comparison is None
             and spec.ar_coefficient is None and len(actual.design.rho) == 1 else spec.ar_coefficient)
    pre_spec = dataclasses.replace(spec, exclude=excl[pre_mask], ar_coefficient=fixed)
    dates = _placebo_dates(actual, pre_mask, ~excl[pre_mask], spec.lag, n_dates, min_segment)
    notes: list[str] = []
    placebos = _placebo_fits(pre, outcome, time, [pre[time].iloc[i] for i in dates], pre_spec, comparison, notes)
    return _rank(placebos, actual, term, spec.alpha, notes)


def _placebo_dates(actual: ItsFit, pre_mask: np.ndarray, used: np.ndarray, lag: int, n_dates: int,
                   min_segment: int) -> list[int]:
    """Positions in the pre-period of the placebo starts, spread evenly over the candidates."""
    t = actual.fitted["time"].to_numpy()[pre_mask]
    cands = []
    for i in range(len(t)):
        before = int((used & (t < t[i])).sum())
        after = int((used & (t >= t[i] + lag)).sum())
        if before >= min_segment and after >= min_segment:
            cands.append(i)
    if not cands:
        raise DataError(
            f"the pre-period is too short for placebo dates: each needs {min_segment} used points "
            f"on both sides, and there are {int(used.sum())} pre-period points."
        )
    pick = np.unique(np.round(np.linspace(0, len(cands) - 1, min(n_dates, len(cands)))).astype(int))
    return [cands[j] for j in pick]


def _placebo_fits(pre: pd.DataFrame, outcome: str, time: str, starts: list[Any], spec: ItsSpec,
                  comparison: pd.DataFrame | None, notes: list[str]) -> pd.DataFrame:
    """The level and slope effects of a fit at each placebo start (a note for each failure)."""
    rows = []
    for pstart, r in zip(starts, effects_at_starts(pre, outcome, time, starts, spec, comparison=comparison)):
        if isinstance(r, JosError):
            notes.append(f"placebo start {pstart}: not estimable ({r}).")
            continue
        if r.interval == OBSERVED_EXPECTED:
            # no finite change at this date (no events after it): skipped as before the
            # observed/expected ratio existed, so that the placebo threshold stays finite
            notes.append(f"placebo start {pstart}: not estimable (no events after it in the pre-period).")
            continue
        for name, row in r.effects.iterrows():
            if name == "end":
                continue
            rows.append({"placebo_start": pstart, "term": name, **row[_EFFECT_COLUMNS].to_dict()})
    return pd.DataFrame(rows)


def _rank(placebos: pd.DataFrame, actual: ItsFit, term: str, alpha: float, notes: list[str]) -> PlaceboResult:
    """Where the real effect ranks among the placebo effects, and how often placebos reject."""
    sel = placebos[placebos["term"] == term]
    scale = actual.effects.loc[term, "scale"]
    real = float(effect_size(actual.effects.loc[term, "estimate"], scale))
    sizes = effect_size(sel["estimate"].to_numpy(), scale)
    rank_p = float((1 + np.sum(sizes >= real)) / (1 + len(sizes)))
    rejection = float(np.mean(sel["p_value"].to_numpy() < alpha)) if len(sel) else float("nan")
    if len(sel) < 10:
        notes.append(f"Only {len(sel)} placebo dates: the rank says little.")
    return PlaceboResult(
        placebos=placebos,
        actual=actual.effects,
        term=term,
        rank_p=rank_p,
        rejection_rate=rejection,
        alpha=alpha,
        notes=tuple(notes),
    )
