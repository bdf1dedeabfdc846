"""The model specification of an interrupted time series: :class:`ItsSpec`.

An ``ItsSpec`` holds every model option of :func:`~josanalysis.methods.its.fit_its` (what
the analysis plan pre-specifies), checked when it is made. The data roles (outcome column,
time column, start) and a comparison series are not part of it: they are data, not model.

Examples
--------
>>> spec = ItsSpec(family="quasipoisson", offset="pupils", seasonality="harmonic")
>>> spec.harmonics_used, spec.period_used
(2, 12)
>>> ItsSpec.from_options(spec, lag=3).lag
3
>>> ItsSpec.from_options(famly="poisson")
Traceback (most recent call last):
...
josanalysis.core.errors.ConfigError: fit_its got an unknown model option 'famly'; did you mean 'family'? ...
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from josanalysis.core.errors import ConfigError

__all__ = [
    "FAMILIES",
    "COUNT_FAMILIES",
    "AUTOCORRELATION_METHODS",
    "SEASONALITY",
    "MIN_PRE",
    "MIN_POST",
    "ItsSpec",
]

FAMILIES = ("gaussian", "poisson", "quasipoisson", "negbin")
COUNT_FAMILIES = ("poisson", "quasipoisson", "negbin")
AUTOCORRELATION_METHODS = ("ar1", "ar2", "ar1_fgls", "hac", "none")
SEASONALITY = (None, "month", "harmonic")
#: Minimum number of used (not excluded) points before the start and from start + lag on.
MIN_PRE = 8
MIN_POST = 4


@dataclass(frozen=True)
class ItsSpec:
    """The pre-specified model of :func:`~josanalysis.methods.its.fit_its`.

    Attributes
    ----------
    family
        ``"gaussian"`` (linear model), ``"poisson"``, ``"quasipoisson"`` (Poisson with
        dispersion = Pearson chi2 / df_resid, as R) or ``"negbin"`` (NB2, alpha by maximum
        likelihood). Count families use a log link; effects are then rate ratios.
    offset
        Count families only: column with the denominator (e.g. ``"pupils"``), or its values;
        its log is the offset, so the model is for the rate per pupil. Must be > 0.
    level_change, slope_change
        Which impact terms to include (pre-specify them in the analysis plan; at least one).
    lag
        Phase-in months: the months ``start .. start + lag - 1`` are left out of the fit
        (flagged ``segment == "phase_in"``) and effects are modelled from ``start + lag``.
    seasonality
        ``None``, ``"month"`` (month-of-year fixed effects for the months present; with numeric
        time, ``period`` defines the month) or ``"harmonic"`` (``harmonics`` sine/cosine pairs
        of period ``period``, default 2 pairs of 12).
    harmonics, period
        See ``seasonality``.
    exclude
        Rows to leave out of the fit but keep in the output (e.g. COVID closures): a boolean
        column name, a boolean Series/array, or a list of ``(start, end)`` windows.
    covariates
        Extra columns for the model (e.g. a COVID co-intervention indicator), kept as a tuple.
    autocorrelation
        ``"ar1"`` (default): AR(1) errors, rho by REML, then GLS (Prais-Winsten);
        ``"ar2"``: AR(2) errors by feasible GLS (statsmodels ``GLSAR``, Yule-Walker, iterated);
        ``"ar1_fgls"``: the same GLSAR with AR(1) (for comparison). For count families
        ``"ar1"`` fits AR(1) errors on the IRLS working scale (REML rho, GLS, iterated);
        ``"ar2"`` gives an AR(2)-corrected sandwich variance around the GLM estimate (also used
        for ``"ar1"`` with a stacked comparison series). ``"hac"``: Newey-West (flagged in
        ``notes``: under-covers on short series). ``"none"``: independent errors. AR models
        treat the observed points as consecutive (a summer gap counts as one step).
    alpha
        1 - confidence level of the intervals.
    ar_coefficient
        With ``autocorrelation="ar1"``: the AR(1) coefficient to use instead of estimating it
        (GLS with this rho). The placebo fits use the coefficient of the pre-specified fit, so
        they share its error structure (and skip the REML search). None (default): estimated.

    Raises
    ------
    ConfigError
        An unknown family, autocorrelation or seasonality, a bad lag, alpha, harmonics or
        period, no impact term, or an offset for the gaussian family.
    """

    family: str = "gaussian"
    offset: Any = None
    level_change: bool = True
    slope_change: bool = True
    lag: int = 0
    seasonality: str | None = None
    harmonics: int | None = None
    period: int | None = None
    exclude: Any = None
    covariates: tuple[str, ...] | None = None
    autocorrelation: str = "ar1"
    alpha: float = 0.05
    ar_coefficient: float | None = None

    def __post_init__(self) -> None:
        if self.covariates is not None:
            object.__setattr__(self, "covariates", tuple(self.covariates) or None)
        self._check_choices()
        self._check_seasonality()
        if not isinstance(self.lag, (int, np.integer)) or self.lag < 0:
            raise ConfigError(f"lag must be a whole number of months >= 0; got {self.lag!r}.")
        if not (0 < self.alpha < 1):
            raise ConfigError(f"alpha must lie between 0 and 1; got {self.alpha!r}.")
        if self.ar_coefficient is not None and (
                self.autocorrelation != "ar1" or not -1 < float(self.ar_coefficient) < 1):
            raise ConfigError("ar_coefficient fixes the AR(1) coefficient: it needs autocorrelation='ar1' and a "
                              f"value between -1 and 1; got {self.ar_coefficient!r} with "
                              f"autocorrelation={self.autocorrelation!r}.")
        if not (self.level_change or self.slope_change):
            raise ConfigError("at least one of level_change and slope_change must be True.")
        if self.offset is not None and not self.is_count:
            raise ConfigError(
                "offset (a denominator) only applies to count families (poisson, quasipoisson, "
                "negbin); for a rate with family='gaussian' pass the rate itself as the outcome."
            )

    def _check_choices(self) -> None:
        if self.family not in FAMILIES:
            raise ConfigError(f"family must be one of {', '.join(FAMILIES)}; got {self.family!r}.")
        if self.autocorrelation not in AUTOCORRELATION_METHODS:
            raise ConfigError(
                f"autocorrelation must be one of {', '.join(AUTOCORRELATION_METHODS)}; "
                f"got {self.autocorrelation!r}."
            )
        if self.seasonality not in SEASONALITY:
            raise ConfigError(f"seasonality must be None, 'month' or 'harmonic'; got {self.seasonality!r}.")

    def _check_seasonality(self) -> None:
        if self.seasonality == "harmonic":
            harmonics, period = self.harmonics_used, self.period_used
            if not isinstance(harmonics, (int, np.integer)) or harmonics < 1:
                raise ConfigError(f"harmonics must be a whole number >= 1; got {harmonics!r}.")
            if not isinstance(period, (int, float, np.integer)) or period <= 0 or 2 * harmonics > period:
                raise ConfigError(f"period must be a positive number >= 2 x harmonics; got {period!r}.")
        elif self.harmonics is not None:
            raise ConfigError("harmonics is only used with seasonality='harmonic'.")

    @property
    def is_count(self) -> bool:
        """Whether the family is a count family (log link, rate ratios)."""
        return self.family in COUNT_FAMILIES

    @property
    def harmonics_used(self) -> int | None:
        """Sine/cosine pairs fitted: ``harmonics``, 2 by default for ``"harmonic"`` seasonality."""
        if self.seasonality == "harmonic" and self.harmonics is None:
            return 2
        return self.harmonics

    @property
    def period_used(self) -> int | None:
        """``period``, 12 by default for ``"harmonic"`` seasonality."""
        if self.seasonality == "harmonic" and self.period is None:
            return 12
        return self.period

    @property
    def season_period(self) -> int | None:
        """The period that gives each numeric time point its season (None without seasonality)."""
        return (self.period or 12) if self.seasonality else None

    @property
    def offset_label(self) -> str | None:
        """The offset as recorded in a result: its column name, ``"given"`` for values, or None."""
        if isinstance(self.offset, str) or self.offset is None:
            return self.offset
        return "given"

    @classmethod
    def from_options(cls, spec: ItsSpec | None = None, *, caller: str = "fit_its",
                     also_valid: Sequence[str] = (), **options: Any) -> ItsSpec:
        """An ``ItsSpec`` from ``spec`` (default: all defaults) with ``options`` replacing fields.

        Parameters
        ----------
        spec
            The specification to start from.
        caller
            The function named in the sentence about an unknown option.
        also_valid
            Other keywords the caller accepts, offered as suggestions for a misspelt option.
        **options
            Model options by name (``family=``, ``lag=``, ...).

        Raises
        ------
        ConfigError
            ``spec`` is not an ``ItsSpec``, an option is unknown (the sentence names the
            closest valid option), or the result is not a valid specification.
        """
        if spec is None:
            spec = cls()
        elif not isinstance(spec, ItsSpec):
            raise ConfigError(f"{caller} needs spec to be an ItsSpec (or None); got {type(spec).__name__}. "
                              "Pass model options as keywords or build ItsSpec(...).")
        unknown = [k for k in options if k not in OPTIONS]
        if unknown:
            raise ConfigError(_unknown_option_sentence(caller, unknown[0], (*OPTIONS, *also_valid)))
        return dataclasses.replace(spec, **options) if options else spec


#: The names of the model options (the fields of :class:`ItsSpec`).
OPTIONS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ItsSpec))


def _unknown_option_sentence(caller: str, name: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{caller} got an unknown model option '{name}'; {hint}Valid options: {', '.join(valid)}."
