"""The result of an ITS fit: :class:`ItsFit` and the typed records it holds.

The records (:class:`FitSpec`, :class:`ItsDiagnostics`, :class:`FittedDesign`) are frozen
dataclasses that can also be read as read-only mappings (``res.spec["family"]``,
``dict(res.diagnostics)``), the way the dicts they replace were read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.methods.its.spec import ItsSpec

__all__ = ["ItsFit", "ItsResult", "FitSpec", "ItsDiagnostics", "FittedDesign"]


class _Record(Mapping):
    """A frozen dataclass readable as a mapping of its fields (optional ones only when set)."""

    _optional: ClassVar[tuple[str, ...]] = ()

    def _keys(self) -> list[str]:
        return [f.name for f in fields(self)
                if not (f.name in self._optional and getattr(self, f.name) is None)]

    def __getitem__(self, key: str) -> Any:
        if key in self._keys():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


@dataclass(frozen=True)
class ItsDiagnostics(_Record):
    """Residual diagnostics of an ITS fit.

    Attributes
    ----------
    durbin_watson, ljung_box_p, ljung_box_lags
        On the standardised residuals (whitened for AR models, Pearson for counts).
    rho
        AR coefficients estimated; for other methods the lag-1 residual autocorrelation.
    overdispersion
        Pearson chi2 / df (counts only, else None).
    residual_autocorrelation
        True when Ljung-Box p < 0.05.
    residual_sd
        Residual standard deviation (gaussian only, else None).
    negbin_alpha, count_ar_method
        The negative binomial's alpha and the count AR(1) method, when they apply (only
        then keys of the mapping view).
    """

    _optional: ClassVar[tuple[str, ...]] = ("negbin_alpha", "count_ar_method")

    durbin_watson: float
    ljung_box_p: float
    ljung_box_lags: int
    rho: tuple[float, ...]
    overdispersion: float | None
    residual_autocorrelation: bool
    residual_sd: float | None
    negbin_alpha: float | None = None
    count_ar_method: str | None = None


@dataclass(frozen=True)
class FittedDesign(_Record):
    """What was fitted, for experts and the simulations of :mod:`josanalysis.methods.robustness`.

    Attributes
    ----------
    X, y, offset, groups
        Design, response, log offset and group (stacked comparison) of the fitted rows.
    effect_names
        Impact term -> design column.
    params, cov, rho, scale, df, overdispersion, negbin_alpha
        As in :class:`~josanalysis.methods.its.estimator.RegressionFit`.
    """

    X: pd.DataFrame
    y: np.ndarray
    offset: np.ndarray | None
    groups: np.ndarray | None
    effect_names: dict[str, str]
    params: pd.Series
    cov: pd.DataFrame
    rho: np.ndarray
    scale: float
    df: float | None
    overdispersion: float | None
    negbin_alpha: float | None

    def counterfactual_eta(self) -> np.ndarray:
        """The linear predictor of the fitted rows without the change terms, offset included:
        what the model expects had JOS not started (link scale)."""
        b0 = self.params.copy()
        b0[list(self.effect_names.values())] = 0.0
        eta = self.X.to_numpy(dtype=float) @ b0.to_numpy()
        return eta + self.offset if self.offset is not None else eta


@dataclass(frozen=True)
class FitSpec(Mapping):
    """The specification of a fit as it was run: data roles, the :class:`ItsSpec` and facts.

    Read as a mapping it gives the flat record reports and assessment use: ``outcome``,
    ``time``, ``start``, the model options (``offset`` as its column name or ``"given"``,
    ``harmonics``/``period`` with their defaults filled in, ``covariates`` as a list),
    ``comparison``, ``comparison_model``, ``n_excluded`` and ``interval`` (``"t"``, ``"normal"``, or
    ``"observed_expected"`` when a count model had no finite level change and the ``level`` row is
    the exact observed/expected ratio of :mod:`josanalysis.methods.its.sparse`).
    """

    outcome: str
    time: str
    start: str
    model: ItsSpec
    comparison: bool = False
    comparison_model: str | None = None
    n_excluded: int = 0
    interval: str = "normal"

    KEYS: ClassVar[tuple[str, ...]] = (
        "outcome", "time", "start", "family", "offset", "level_change", "slope_change", "lag",
        "seasonality", "harmonics", "period", "covariates", "autocorrelation", "alpha", "comparison",
        "comparison_model", "n_excluded", "interval",
    )

    def __getitem__(self, key: str) -> Any:
        m = self.model
        model_view = {
            "family": lambda: m.family, "offset": lambda: m.offset_label,
            "level_change": lambda: m.level_change, "slope_change": lambda: m.slope_change,
            "lag": lambda: int(m.lag), "seasonality": lambda: m.seasonality,
            "harmonics": lambda: m.harmonics_used, "period": lambda: m.period_used,
            "covariates": lambda: list(m.covariates) if m.covariates else [],
            "autocorrelation": lambda: m.autocorrelation, "alpha": lambda: m.alpha,
        }
        if key in model_view:
            return model_view[key]()
        if key in self.KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)


@dataclass(frozen=True)
class ItsFit:
    """The result of :func:`~josanalysis.methods.its.fit_its`.

    Attributes
    ----------
    effects
        DataFrame indexed by term: ``"level"`` (step change in the first month with an
        effect, tutorial coding: see the package docstring), ``"slope"`` (change in the monthly
        trend) and ``"end"`` (modelled effect in the last post month, level + slope x months).
        Columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale`` and ``se`` (the
        standard error on the link scale: outcome units, or log rate ratio). With
        ``scale == "ratio"`` (count families) the three numbers are rate ratios; with
        ``"difference"`` they are in the outcome's own units (a rate in [0, 1] stays a
        proportion; the report formats percentage points).
    fitted
        One row per input row: ``time`` (the model's time index), the original time value
        (``month`` for dates), ``observed``, ``fitted``, ``fit_low``, ``fit_high``,
        ``counterfactual``, ``cf_low``, ``cf_high`` (bands for the modelled mean, not
        prediction intervals), ``segment`` (``"pre"``, ``"phase_in"``, ``"post"``) and
        ``excluded`` (True for rows left out of the fit: excluded windows and phase-in months).
        For count families the fitted values are expected counts (offset included).
    n_pre, n_post
        Points used in the fit before the start and from start + lag on.
    diagnostics
        :class:`ItsDiagnostics` (also readable as a dict).
    spec
        :class:`FitSpec`: the data roles, the :class:`ItsSpec` (``spec.model``) and facts of
        the fit (readable as the flat dict ``family``, ``alpha``, ``lag``, ``start``, ...).
    notes
        Warnings a reader should see (e.g. HAC under-coverage).
    model
        The underlying statsmodels results object (for experts).
    design
        :class:`FittedDesign`: what was fitted (for experts and the simulations in
        :mod:`josanalysis.methods.robustness`).
    """

    effects: pd.DataFrame
    fitted: pd.DataFrame
    n_pre: int
    n_post: int
    diagnostics: ItsDiagnostics
    spec: FitSpec
    notes: tuple[str, ...] = ()
    model: Any = field(default=None, repr=False)
    design: FittedDesign | None = field(default=None, repr=False)

    def summary_nl(self, label: str | None = None, percent_points: bool | None = None) -> str:
        """Plain-language Dutch summary of the level (and slope) change.

        Never states causation: it says how the series relates to the continued trend.

        Parameters
        ----------
        label
            Dutch name of the indicator (default: the outcome column name).
        percent_points
            Show differences in percentage points (x100). Default: True when the family is
            gaussian and every observed value lies in [0, 1] (a rate).

        Examples
        --------
        >>> res.summary_nl("het verzuim")          # doctest: +SKIP
        'Na de start ligt het verzuim 0,8 procentpunt lager dan de voortgezette trend (95%-BI ...'
        """
        spec = self.spec
        label = label or str(spec.get("outcome", "de uitkomst"))
        conf = int(round(100 * (1 - spec["alpha"])))
        if percent_points is None:
            obs = self.fitted["observed"].dropna()
            percent_points = spec["family"] == "gaussian" and bool(len(obs) and obs.between(0, 1).all())
        sentences: list[str] = []
        eff = self.effects
        if "level" in eff.index:
            sentences.append(_sentence_level(eff.loc["level"], label, conf, percent_points))
        if "slope" in eff.index:
            sentences.append(_sentence_slope(eff.loc["slope"], conf, percent_points))
        sentences.append(
            f"Gebruikt: {self.n_pre} maanden voor en {self.n_post} maanden na de start"
            + (f" (met {spec['lag']} maanden aanlooptijd)" if spec.get("lag") else "")
            + "."
        )
        sentences += _reading_notes(spec, self.diagnostics)
        return " ".join(sentences)


#: The name the package used before the result was typed; kept for existing callers.
ItsResult = ItsFit


def _reading_notes(spec: Mapping[str, Any], diagnostics: Mapping[str, Any]) -> list[str]:
    """The sentences on what the design can say and on the interval's reliability."""
    out = []
    if spec.get("comparison"):
        out.append("Het verschil is gemeten ten opzichte van de vergelijkingsreeks.")
    out.append(
        "Dit laat zien hoe de reeks afwijkt van de voortgezette trend; of JOS de oorzaak is, "
        "kan dit ontwerp niet vaststellen."
    )
    if diagnostics.get("residual_autocorrelation"):
        out.append("Let op: de residuen vertonen nog samenhang in de tijd, de onzekerheid kan groter zijn.")
    if spec.get("autocorrelation") == "hac":
        out.append(
            "Let op: de intervallen zijn berekend met Newey-West; bij korte reeksen zijn die "
            "vaak te smal."
        )
    return out


def _sentence_level(row: pd.Series, label: str, conf: int, pp: bool) -> str:
    est, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
    if row["scale"] == "ratio":
        pct = (est - 1) * 100
        direction = "lager" if pct < 0 else "hoger"
        text = (
            f"Na de start ligt {label} {nl.number(abs(pct))}% {direction} dan de voortgezette trend "
            f"(verhouding {nl.number(est, 3)}; {conf}%-BI {nl.number(lo, 3)} tot {nl.number(hi, 3)})."
        )
        no_change = lo <= 1 <= hi
    else:
        f, unit = (100.0, " procentpunt") if pp else (1.0, "")
        direction = "lager" if est < 0 else "hoger"
        digits = 1 if pp else 2
        text = (
            f"Na de start ligt {label} {nl.number(abs(est) * f, digits)}{unit} {direction} dan de "
            f"voortgezette trend ({conf}%-BI {nl.number(lo * f, digits)} tot "
            f"{nl.number(hi * f, digits)}{unit})."
        )
        no_change = lo <= 0 <= hi
    if no_change:
        text += " Het interval omvat geen verandering: de gegevens zijn ook verenigbaar met geen verschil."
    return text


def _sentence_slope(row: pd.Series, conf: int, pp: bool) -> str:
    # per school year (12 months) reads better than per month
    est, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
    if row["scale"] == "ratio":
        e, l, h = ((v**12 - 1) * 100 for v in (est, lo, hi))
        return (
            f"Daarna verandert de trend met {nl.number(e)}% per jaar ten opzichte van de "
            f"voortgezette trend ({conf}%-BI {nl.number(l)} tot {nl.number(h)}%)."
        )
    f, unit = (100.0, " procentpunt") if pp else (1.0, "")
    digits = 2 if pp else 3
    e, l, h = (12 * v * f for v in (est, lo, hi))
    return (
        f"Daarna verandert de trend met {nl.number(e, digits)}{unit} per jaar ten opzichte van de "
        f"voortgezette trend ({conf}%-BI {nl.number(l, digits)} tot {nl.number(h, digits)}{unit})."
    )
