"""Evidence: the plain numbers that the verdict rules and caveats look at, and their builders.

:class:`Evidence` holds one indicator's estimate at one school (or the region) together with
everything that limits what it can say: the length of the series, COVID windows, a comparison
series, residual diagnostics, the sensitivity table, power and placebo estimates. It does not
depend on the model code: :func:`evidence_from_its` fills it from any object shaped like
:class:`josanalysis.methods.its.ItsResult` (``effects``, ``n_pre``, ``n_post``, ``diagnostics``,
``fitted``, ``spec``), and :func:`evidence_from_yearly` from a school-year frame that is shown
descriptively.

Examples
--------
>>> ev = Evidence(indicator="absence_rate", level=Effect(-0.008, -0.013, -0.003, 0.002),
...               n_pre=60, n_post=9)
>>> ev.excludes_null(ev.level), ev.sign(ev.level.estimate)
(True, -1)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.fte import fte_per_100_pupils
from josanalysis.core.errors import ConfigError
from josanalysis.core.indicators import INDICATORS
from josanalysis.core.schoolcalendar import school_year_start
from josanalysis.methods.its.sparse import OBSERVED_EXPECTED

__all__ = ["FREQUENCIES", "SUBJECTS", "Effect", "CoIntervention", "PlaceboRank", "Evidence", "evidence_from_its",
           "evidence_from_yearly", "first_year_change", "capacity_per_100"]

#: Frequencies of a series: lesson months or school years.
FREQUENCIES = ("month", "schoolyear")
#: The primary estimate of a count fit without a finite level change (``interval == "observed_expected"``).
OBSERVED_EXPECTED_NL = "de exact berekende verhouding waargenomen/verwacht na de start"

#: Dutch subjects for sentences ("het verzuim ligt ..."), per indicator key.
SUBJECTS: dict[str, str] = {
    "absence_rate": "het verzuim",
    "unauthorised_absence_rate": "het ongeoorloofd verzuim",
    "thuiszitters": "het aantal thuiszitters",
    "absolute_absence": "het absoluut verzuim",
    "early_leavers": "het aantal voortijdig schoolverlaters",
    "youthcare_ambulant": "het aantal leerlingen met jeugdhulp zonder verblijf",
    "youthcare_residential": "het aantal leerlingen met jeugdhulp met verblijf",
    "indications_light": "het aantal lichte indicaties",
    "indications_medium": "het aantal middelzware indicaties",
    "indications_heavy": "het aantal zware indicaties",
    "tlv_vso_cluster4": "het aantal verwijzingen naar vso cluster 4",
    "placements_facility": "het aantal verwijzingen naar voorzieningen (zoals OPDC)",
    "duration_months": "de gemiddelde duur van de jeugdhulp",
    "cost_ambulant": "de kosten van jeugdhulp zonder verblijf",
    "cost_residential": "de kosten van jeugdhulp met verblijf",
}


# --------------------------------------------------------------------------------------------
# The evidence objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """One estimated effect on the model's scale (difference, or rate ratio when scale='ratio')."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None = None


@dataclass(frozen=True)
class CoIntervention:
    """Another change that moves the same indicators (from the analysis plan or region params)."""

    name: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True)
class PlaceboRank:
    """Where the real estimate stands among the placebo-date estimates.

    Attributes
    ----------
    n_as_large
        Placebo estimates at least as far from 'no effect' as the real one.
    n_placebos
        Usable placebo estimates.
    p_value
        Empirical p-value ``(1 + n_as_large) / (n_placebos + 1)``.
    percentile
        Percentage of placebo estimates below the real one (on the additive scale).
    """

    n_as_large: int
    n_placebos: int
    p_value: float
    percentile: float


@dataclass(frozen=True, eq=False)
class Evidence:
    """Everything the caveat engine and verdict rules look at for one indicator at one school.

    Attributes
    ----------
    indicator
        Indicator key (``"absence_rate"``, ``"thuiszitters"``, …).
    label
        Dutch name used in sentences (``"het verzuim"``); defaults to the key.
    direction
        Expected direction once JOS works: ``"down"``, ``"up"`` or ``None``.
    frequency
        ``"month"`` (points are lesson months) or ``"schoolyear"``.
    scale
        ``"difference"`` (estimates in the outcome's units) or ``"ratio"`` (rate ratios).
    level, slope, end
        Estimated level change, slope change (per month or year) and the modelled effect at the
        end of the series; ``None`` when not in the model.
    n_pre, n_post
        Points used before the start and from the start (plus lag) on.
    start
        JOS start date.
    pre_first, pre_last, post_first, post_last
        First and last time point of each segment.
    alpha
        Significance level of the plan.
    covid_windows, covid_handling
        COVID school closures and how the plan handles them.
    co_interventions
        Other known changes.
    has_comparison
        Whether a comparison series was used (controlled ITS).
    comparison_pretrend_p
        p-value of a test that comparison and JOS series run parallel before the start.
    family
        Model family (``gaussian``, ``poisson``, ``quasipoisson``, ``negbin``).
    diagnostics
        ``durbin_watson``, ``ljung_box_p``, ``rho``, ``overdispersion``, … as from the model.
    sensitivity
        Optional frame, one row per model variant: ``spec`` (label; or the index), ``estimate``,
        ``ci_low``, ``ci_high``, ``prespecified`` (bool, one row True).
    mde
        Minimum detectable effect (same scale as ``level``) at the plan's power.
    plausible_effect
        A plausible JOS effect on the same scale (the indicator registry's value).
    placebo_estimates
        Estimates of the same term at placebo start dates before the real start.
    randomization_p, n_permutations
        The region's estimates: the randomization p-value of the primary estimate (the observed
        start dates reassigned among the schools) and the number of reassignments it rests on.
    early_rise
        Indicator where a first-year rise is expected from earlier detection.
    first_year_change
        Observed change in the first year after the start relative to the continued trend
        (ratio or difference, per ``scale``).
    registration_break, registration_break_date
        Whether (and when) the registration of the indicator changed.
    capacity_per_100
        FTE per 100 pupils per school (``{school_id: value}``) across the region's JOS schools.
    capacity_cv
        Or only the coefficient of variation of that measure (used without ``capacity_per_100``).
    national_context
        The indicator moved nationally in the same years (thuiszitters rose nationally).
    national_change
        Optional relative national change over the same years (0.15 = +15%).
    percent_points
        Format differences as percentage points (rates in [0, 1]).
    first_year_basis
        What ``first_year_change`` is measured against, in Dutch ("de voortgezette trend").
    basis, unit
        Region wording: what the change is measured against (default "de voortgezette trend")
        and who changed (default "deze school"); the region's evidence compares JOS schools.
    no_estimate_reason
        Dutch sentence used as the reason when there is no estimate (e.g. yearly figures that
        the monitor shows descriptively).
    primary, estimate_name
        The plan's pre-registered primary estimate (``"level"``/``"slope"``; others are
        secondary), and optionally its Dutch name (the region's pooled effects).
    events_per_point, counts_by_year
        Count indicators: mean count per point before and after the start (the small-count
        rule), and ``(school year, total)`` pairs shown with that verdict.
    min_count
        Counts below this are written as "minder dan ..." in texts (the region's privacy rule).
    plan_registered
        ``AnalysisPlan.registered_in_advance`` (None: no plan given); only when True do texts
        call the plan's model "vooraf vastgelegd".
    """

    indicator: str
    label: str | None = None
    direction: str | None = None
    frequency: str = "month"
    scale: str = "difference"
    level: Effect | None = None
    slope: Effect | None = None
    end: Effect | None = None
    n_pre: int = 0
    n_post: int = 0
    start: dt.date | None = None
    pre_first: dt.date | None = None
    pre_last: dt.date | None = None
    post_first: dt.date | None = None
    post_last: dt.date | None = None
    alpha: float = 0.05
    covid_windows: tuple[tuple[dt.date, dt.date], ...] = ()
    covid_handling: str = "exclude"
    co_interventions: tuple[CoIntervention, ...] = ()
    has_comparison: bool = False
    comparison_pretrend_p: float | None = None
    family: str | None = None
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    sensitivity: pd.DataFrame | None = None
    mde: float | None = None
    plausible_effect: float | None = None
    placebo_estimates: Sequence[float] | None = None
    randomization_p: float | None = None
    n_permutations: int | None = None
    early_rise: bool = False
    first_year_change: float | None = None
    registration_break: bool = False
    registration_break_date: dt.date | None = None
    capacity_per_100: Mapping[str, float] | None = None
    capacity_cv: float | None = None
    national_context: bool = False
    national_change: float | None = None
    percent_points: bool = False
    first_year_basis: str = "de voortgezette trend"
    basis: str = "de voortgezette trend"
    unit: str = "deze school"
    no_estimate_reason: str | None = None
    primary: str = "level"
    estimate_name: str | None = None
    events_per_point: tuple[float, float] | None = None
    counts_by_year: tuple[tuple[str, float], ...] = ()
    min_count: int = 10
    plan_registered: bool | None = None

    def __post_init__(self) -> None:
        if self.primary not in ("level", "slope"):
            raise ConfigError(f"primary is {self.primary!r}; expected 'level' or 'slope'.")
        if self.direction not in ("down", "up", None):
            raise ConfigError(f"direction is {self.direction!r}; expected 'down', 'up' or None.")
        if self.frequency not in FREQUENCIES:
            raise ConfigError(f"frequency is {self.frequency!r}; expected 'month' or 'schoolyear'.")
        if self.scale not in ("difference", "ratio"):
            raise ConfigError(f"scale is {self.scale!r}; expected 'difference' or 'ratio'.")
        if not 0 < self.alpha < 0.5:
            raise ConfigError(f"alpha is {self.alpha!r}; expected a number between 0 and 0.5.")
        for name in ("n_pre", "n_post"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 0:
                raise ConfigError(f"{name} is {v!r}; expected a whole number >= 0.")
        if self.sensitivity is not None:
            missing = {"estimate", "ci_low", "ci_high", "prespecified"} - set(self.sensitivity.columns)
            if missing:
                raise ConfigError(
                    f"the sensitivity table lacks column(s) {', '.join(sorted(missing))}; expected "
                    "spec, estimate, ci_low, ci_high, prespecified."
                )

    # -- reading the estimates on the evidence's scale ----------------------------------------

    @property
    def null(self) -> float:
        """The value that means 'no effect': 1 for rate ratios, 0 for differences."""
        return 1.0 if self.scale == "ratio" else 0.0

    def deviation(self, x: float) -> float:
        """Deviation of ``x`` from 'no effect' on an additive scale (log for ratios)."""
        if self.scale == "ratio":
            return math.log(x) if x > 0 else -math.inf
        return float(x)

    def sign(self, x: float) -> int:
        """-1, 0 or 1: whether ``x`` lies below, at or above 'no effect'."""
        d = self.deviation(x)
        return 0 if d == 0 else (1 if d > 0 else -1)

    def excludes_null(self, e: Effect | None) -> bool:
        """Whether the interval of ``e`` is finite and excludes 'no effect'."""
        if e is None or not all(np.isfinite([e.estimate, e.ci_low, e.ci_high])):
            return False
        return e.ci_low > self.null or e.ci_high < self.null

    @property
    def primary_effect(self) -> Effect | None:
        """The pre-registered primary estimate (``level`` or ``slope``)."""
        return self.level if self.primary == "level" else self.slope

    @property
    def secondary_effects(self) -> list[tuple[str, Effect]]:
        """The other estimated terms, as ``(term, effect)``: reported, never deciding the verdict."""
        return [(name, e) for name, e in (("level", self.level), ("slope", self.slope), ("end", self.end))
                if name != self.primary and e is not None and np.isfinite(e.estimate)]

    @property
    def has_estimate(self) -> bool:
        """Whether a level or slope change was estimated (finite)."""
        return any(e is not None and np.isfinite(e.estimate) for e in (self.level, self.slope))

    def placebo_rank(self) -> PlaceboRank | None:
        """The primary estimate among the placebo estimates (of the same term); None without them."""
        est = self.primary_effect
        pl = self.placebo_estimates
        if est is None or pl is None:
            return None
        pl = np.asarray([x for x in pl if x is not None and np.isfinite(x)], dtype=float)
        if pl.size == 0:
            return None
        real = self.deviation(est.estimate)
        devs = np.array([self.deviation(x) for x in pl])
        k = int(np.sum(np.abs(devs) >= abs(real)))
        return PlaceboRank(k, int(pl.size), (1 + k) / (pl.size + 1), 100.0 * float(np.mean(devs < real)))


# --------------------------------------------------------------------------------------------
# Measures that become evidence fields
# --------------------------------------------------------------------------------------------


def capacity_per_100(
    schools: Iterable[Any], pupils: Mapping[str, float] | None = None
) -> dict[str, float]:
    """FTE during JOS per 100 pupils per school, from :class:`josanalysis.core.config.School` objects.

    Parameters
    ----------
    schools
        Schools (``school_id``, ``fte_during``, ``pupils``); schools without JOS are skipped.
    pupils
        Pupil numbers per school id (e.g. from DUO), used instead of ``School.pupils``.

    Returns
    -------
    dict
        ``{school_id: fte per 100 pupils}`` for schools with FTE and pupils known.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> capacity_per_100([S(school_id="A", fte_during={"GW": 0.5, "JGC": 0.5, "PAJ": None},
    ...                     pupils=500, is_jos=True)])
    {'A': 0.2}
    """
    out = {}
    for s in schools:
        if not getattr(s, "is_jos", True):
            continue
        n = (pupils or {}).get(s.school_id, getattr(s, "pupils", None))
        fte = [v for v in (getattr(s, "fte_during", {}) or {}).values() if v is not None]
        if n and n > 0 and fte:
            out[s.school_id] = round(fte_per_100_pupils(sum(fte), n), 6)
    return out


def first_year_change(values: pd.Series, start: Any, *, scale: str = "ratio",
                      denominator: pd.Series | None = None, n_before: int = 3) -> float | None:
    """How far the first period from ``start`` on lies above the periods just before it.

    Used for the ``early_rise`` caveat on school-year indicators (referrals, youth care), whose
    series are too short for an interrupted time series. The basis is the mean of the last
    ``n_before`` periods before the start (a rate per pupil when ``denominator`` is given).

    Parameters
    ----------
    values
        Indicator values indexed by period start (timestamps; school years as 1 August).
    start
        JOS start date.
    scale
        ``"ratio"`` (first year / basis) or ``"difference"`` (first year − basis).
    denominator
        Optional denominator per period (e.g. pupils), same index.
    n_before
        Number of periods before the start that form the basis.

    Returns
    -------
    float or None
        None when there is no period before or from the start, or the basis is zero (ratio).

    Examples
    --------
    >>> v = pd.Series([100.0, 110, 105, 160], index=pd.to_datetime(
    ...     ["2019-08-01", "2020-08-01", "2021-08-01", "2022-08-01"]))
    >>> round(first_year_change(v, "2022-08-01"), 3)
    1.524
    """
    if scale not in ("ratio", "difference"):
        raise ConfigError(f"scale is {scale!r}; expected 'ratio' or 'difference'.")
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    v.index = pd.to_datetime(v.index)
    if denominator is not None:
        d = pd.to_numeric(denominator, errors="coerce").astype("float64")
        d.index = pd.to_datetime(d.index)
        v = v / d.reindex(v.index)
    v = v.dropna().sort_index()
    t0 = pd.Timestamp(start)
    pre = v[v.index < t0].tail(max(1, int(n_before)))
    post = v[v.index >= t0]
    if pre.empty or post.empty:
        return None
    basis, first = float(pre.mean()), float(post.iloc[0])
    if scale == "ratio":
        return first / basis if basis > 0 else None
    return first - basis


# --------------------------------------------------------------------------------------------
# Building evidence from an ITS result
# --------------------------------------------------------------------------------------------


def _check_overrides(overrides: Mapping[str, Any], builder: str) -> None:
    unknown = set(overrides) - set(Evidence.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"{builder} got unknown field(s) {', '.join(sorted(unknown))}.")


def _registry_fields(indicator: str, *, with_frequency: bool) -> dict[str, Any]:
    """Label, direction, plausible effect and early-rise flag from the indicator registry."""
    reg = INDICATORS.get(indicator)
    if reg is None:
        return {}
    info = dict(label=SUBJECTS.get(indicator, reg.label[:1].lower() + reg.label[1:]), direction=reg.direction,
                plausible_effect=reg.plausible_effect, early_rise=reg.early_rise)
    if with_frequency:
        info["frequency"] = reg.frequency
    return info


def _plan_fields(plan: Any) -> dict[str, Any]:
    """COVID windows and their handling, and whether the region registered the plan in advance."""
    return dict(covid_windows=tuple(getattr(plan, "covid_windows", ()) or ()),
                covid_handling=str(getattr(plan, "covid_handling", "exclude")),
                plan_registered=None if plan is None else bool(getattr(plan, "registered_in_advance", False)))


def _co_interventions(plan: Any) -> tuple[CoIntervention, ...]:
    """The plan's ``co_interventions`` (a list of ``{name, start, end}``)."""
    co = []
    for i, c in enumerate((getattr(plan, "raw", {}) or {}).get("co_interventions") or []):
        try:
            co.append(CoIntervention(str(c["name"]), pd.Timestamp(c["start"]).date(),
                                     pd.Timestamp(c["end"]).date() if c.get("end") else None))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"co_interventions[{i}] in the analysis plan needs name, start and optional end.") from None
    return tuple(co)


def _effect_row(effects: pd.DataFrame, term: str) -> Effect | None:
    if effects is None or term not in effects.index:
        return None
    r = effects.loc[term]
    p = r.get("p_value")
    return Effect(float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"]),
                  None if p is None or pd.isna(p) else float(p))


def _as_time(values: pd.Series) -> pd.Series:
    """Time values as timestamps; school years '2022-2023' map to 1 August of the first year."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    s = values.astype(str)
    if s.str.fullmatch(r"\d{4}-\d{4}").all():
        return pd.to_datetime(s.map(school_year_start))
    if pd.api.types.is_integer_dtype(values) and values.between(1900, 2100).all():
        return pd.to_datetime(values.astype(str) + "-08-01")
    try:
        return pd.to_datetime(s)
    except (ValueError, TypeError):
        return pd.Series(pd.NaT, index=values.index)


def _time_column(result: Any, spec: Mapping[str, Any]) -> pd.Series | None:
    """The fitted frame's time column as timestamps (None when it has none)."""
    fitted = result.fitted
    tname = spec.get("time", "month")
    if tname == "time":
        tname = "time_value"
    return _as_time(fitted[tname]) if fitted is not None and tname in fitted else None


def _segment_dates(fitted: pd.DataFrame, tcol: pd.Series | None) -> dict[str, dt.date]:
    """``pre_first``, ``pre_last``, ``post_first``, ``post_last`` from the fitted segments."""
    dates: dict[str, dt.date] = {}
    if tcol is None or "segment" not in fitted:
        return dates
    seg = fitted["segment"].astype(str)
    for name in ("pre", "post"):
        t = tcol[seg.eq(name).to_numpy()].dropna()
        if len(t):
            dates[f"{name}_first"] = t.min().date()
            dates[f"{name}_last"] = t.max().date()
    return dates


def _first_year_from_fit(fitted: pd.DataFrame, tcol: pd.Series, scale: str) -> float | None:
    """Observed against counterfactual over the first 12 months of the post-period."""
    post = fitted["segment"].astype(str).eq("post").to_numpy()
    if not post.any() or "counterfactual" not in fitted or "observed" not in fitted:
        return None
    first = tcol[post].min()
    if pd.isna(first):
        return None
    window = (tcol >= first) & (tcol < first + pd.DateOffset(months=12)) & pd.Series(post, index=tcol.index)
    if "excluded" in fitted:
        window &= ~fitted["excluded"].astype(bool)
    obs = pd.to_numeric(fitted.loc[window, "observed"], errors="coerce")
    cf = pd.to_numeric(fitted.loc[window, "counterfactual"], errors="coerce")
    ok = obs.notna() & cf.notna()
    if not ok.any():
        return None
    if scale == "ratio":
        denom = float(cf[ok].sum())
        return float(obs[ok].sum()) / denom if denom > 0 else None
    return float((obs[ok] - cf[ok]).mean())


def evidence_from_its(
    result: Any,
    indicator: str,
    plan: Any = None,
    **overrides: Any,
) -> Evidence:
    """Build :class:`Evidence` from an ITS result (anything shaped like ``ItsResult``).

    Uses only ``result.effects`` (index ``level``/``slope``/``end``; columns ``estimate``,
    ``ci_low``, ``ci_high``, ``p_value``, ``scale``), ``result.n_pre``, ``result.n_post``,
    ``result.diagnostics``, ``result.fitted`` (time column, ``segment``, ``observed``,
    ``counterfactual``, ``excluded``) and ``result.spec`` (``family``, ``alpha``, ``start``,
    ``comparison``, ``time``).

    Parameters
    ----------
    result
        The fitted model.
    indicator
        Indicator key; label, direction, frequency, plausible effect and early-rise flag come
        from :mod:`josanalysis.core.indicators` when the key is registered.
    plan
        The :class:`josanalysis.core.config.AnalysisPlan` (COVID windows and handling, alpha, and
        ``raw["co_interventions"]``: a list of ``{name, start, end}``).
    **overrides
        Any :class:`Evidence` field, e.g. ``sensitivity=``, ``mde=``, ``placebo_estimates=``,
        ``comparison_pretrend_p=``, ``registration_break=``, ``capacity_per_100=``.

    Returns
    -------
    Evidence

    Examples
    --------
    >>> ev = evidence_from_its(res, "absence_rate", load_analysis_plan())   # doctest: +SKIP
    >>> assess(ev).verdict                                                # doctest: +SKIP
    """
    _check_overrides(overrides, "evidence_from_its")
    for attr in ("effects", "n_pre", "n_post", "diagnostics", "fitted", "spec"):
        if not hasattr(result, attr):
            raise ConfigError(f"evidence_from_its needs an ITS result with '.{attr}'; got {type(result).__name__}.")
    spec = dict(result.spec or {})
    effects, fitted = result.effects, result.fitted
    scale = "difference"
    if effects is not None and "scale" in effects.columns and len(effects):
        scale = str(effects["scale"].iloc[0])
    tcol = _time_column(result, spec)
    start = spec.get("start")
    obs = fitted["observed"].dropna() if fitted is not None and "observed" in fitted else pd.Series(dtype=float)
    ev = dict(
        indicator=indicator,
        scale=scale,
        level=_effect_row(effects, "level"),
        slope=_effect_row(effects, "slope"),
        end=_effect_row(effects, "end"),
        n_pre=int(result.n_pre),
        n_post=int(result.n_post),
        start=pd.Timestamp(start).date() if start not in (None, "") else None,
        alpha=float(spec.get("alpha", getattr(plan, "alpha", 0.05))),
        co_interventions=_co_interventions(plan),
        has_comparison=bool(spec.get("comparison")),
        family=spec.get("family"),
        diagnostics=dict(result.diagnostics or {}),
        national_context=indicator == "thuiszitters",
        estimate_name=OBSERVED_EXPECTED_NL if spec.get("interval") == OBSERVED_EXPECTED else None,
        percent_points=spec.get("family") == "gaussian" and len(obs) > 0 and bool(obs.between(-1, 1).all()),
        **_plan_fields(plan),
        **_segment_dates(fitted, tcol),
        **_registry_fields(indicator, with_frequency=True),
    )
    if ev.get("early_rise") and tcol is not None and "first_year_change" not in overrides:
        ev["first_year_change"] = _first_year_from_fit(fitted, tcol, scale)
    ev.update(overrides)
    return Evidence(**ev)


# --------------------------------------------------------------------------------------------
# Building evidence from school-year figures
# --------------------------------------------------------------------------------------------


def _yearly_basis(n_before: int, per_pupil: bool) -> str:
    """What the first school year is compared with, in Dutch."""
    basis = ("het gemiddelde van het schooljaar vóór de start" if n_before == 1 else
             f"het gemiddelde van de {n_before} schooljaren vóór de start")
    return basis + (" (per leerling)" if per_pupil else "")


def evidence_from_yearly(
    frame: pd.DataFrame,
    indicator: str,
    start: Any,
    plan: Any = None,
    *,
    period: str = "year_start",
    denominator: str | None = None,
    **overrides: Any,
) -> Evidence:
    """Build :class:`Evidence` for a school-year indicator shown descriptively (no ITS fit).

    School-year series (about nine points) are too short for the interrupted time series, so
    there is no effect estimate and the verdict is "niet te beoordelen"; the caveats still
    apply, in particular the first-year rise of referral and youth-care indicators.

    Parameters
    ----------
    frame
        One school's yearly frame (e.g. ``Panel.yearly(school_id)``) with ``period`` and the
        indicator column.
    indicator
        Indicator key (registry gives label, direction and the early-rise flag).
    start
        JOS start date.
    plan
        Analysis plan (COVID windows, alpha, co-interventions).
    period
        Column with the period start (1 August of the school year).
    denominator
        Optional denominator column (e.g. ``"pupils"``) for the first-year comparison.
    **overrides
        Any :class:`Evidence` field.

    Examples
    --------
    >>> from josanalysis.assessment.verdicts import assess
    >>> f = pd.DataFrame({"year_start": pd.to_datetime(["2019-08-01", "2020-08-01", "2021-08-01",
    ...                   "2022-08-01"]), "tlv_vso_cluster4": [5.0, 6, 4, 9]})
    >>> ev = evidence_from_yearly(f, "tlv_vso_cluster4", "2022-08-01")
    >>> [c.key for c in assess(ev).caveats]
    ['short_pre', 'short_post', 'early_rise']
    """
    for col in [period, indicator] + ([denominator] if denominator else []):
        if col not in frame.columns:
            raise ConfigError(f"column '{col}' is not in the yearly frame (columns: {', '.join(map(str, frame.columns))}).")
    _check_overrides(overrides, "evidence_from_yearly")
    f = frame.dropna(subset=[indicator]).copy()
    f[period] = pd.to_datetime(f[period])
    t0 = pd.Timestamp(start)
    pre, post = f[f[period] < t0], f[f[period] >= t0]
    reg = INDICATORS.get(indicator)
    scale = "ratio" if (reg is not None and reg.is_count) else "difference"
    n_before = min(3, len(pre)) if len(pre) else 3
    ev = dict(
        indicator=indicator,
        frequency="schoolyear",
        scale=scale,
        n_pre=int(len(pre)),
        n_post=int(len(post)),
        start=t0.date(),
        pre_first=pre[period].min().date() if len(pre) else None,
        pre_last=pre[period].max().date() if len(pre) else None,
        post_first=post[period].min().date() if len(post) else None,
        post_last=(post[period].max() + pd.DateOffset(months=11)).date() if len(post) else None,
        alpha=float(getattr(plan, "alpha", 0.05)),
        national_context=indicator == "thuiszitters",
        first_year_basis=_yearly_basis(n_before, bool(denominator)),
        no_estimate_reason=(
            f"Voor jaarcijfers ({len(pre)} schooljaren vóór en {len(post)} vanaf de start) schat de "
            "monitor geen effect: de reeks is te kort. De cijfers staan beschrijvend in de tabel."
        ),
        **_plan_fields(plan),
        **_registry_fields(indicator, with_frequency=False),
    )
    if ev.get("early_rise") and "first_year_change" not in overrides:
        values = f.set_index(period)[indicator]
        den = f.set_index(period)[denominator] if denominator else None
        ev["first_year_change"] = first_year_change(values, t0, scale=scale, denominator=den, n_before=n_before)
    ev.update(overrides)
    return Evidence(**ev)
