"""Attribution caveats and verdicts: what an estimate can and cannot support, in Dutch.

The Oberon monitor report (chapters 2.6 and 3) warns that the return of JOS is hard to show in
numbers: JOS never works in isolation, effects such as less absence show only after years,
earlier detection can *raise* referrals at first, capacity differs between schools for
historical reasons, and registration changed with JOS. This module turns those warnings into
rules that fire **only when the data at hand give reason**, with the numbers in the text, and
gives every estimate one verdict from a small fixed set (``docs/verdicts.md``). No text ever
says that JOS caused a change.

The engine does not depend on the model code: :class:`Evidence` holds plain numbers, and
:func:`evidence_from_its` fills it from any object shaped like
:class:`josanalysis.methods.its.ItsResult` (``effects``, ``n_pre``, ``n_post``, ``diagnostics``,
``fitted``, ``spec``).

Examples
--------
>>> ev = Evidence(indicator="absence_rate", label="het verzuim", direction="down",
...               frequency="month", scale="difference",
...               level=Effect(-0.008, -0.013, -0.003, 0.002), n_pre=60, n_post=9,
...               has_comparison=True, percent_points=True)
>>> a = assess(ev)
>>> a.verdict_key
'consistent_effect'
>>> [c.key for c in a.caveats]
['short_post']
>>> a.caveats[0].text_nl[:40]
'Er zijn maar 9 lesmaanden na de start; e'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError

__all__ = [
    "VERDICTS",
    "CAVEATS",
    "SEVERITIES",
    "SEVERITY_NL",
    "Effect",
    "CoIntervention",
    "Evidence",
    "Caveat",
    "Assessment",
    "assess",
    "assess_many",
    "evidence_from_its",
    "evidence_from_yearly",
    "SUBJECTS",
    "first_year_change",
    "capacity_per_100",
    "notes_for",
    "NO_NOTES_TEXT",
]

#: The verdicts, machine key -> Dutch text shown to readers. A fixed set; see docs/verdicts.md.
VERDICTS: dict[str, str] = {
    "consistent_effect": "consistent met een effect; toeschrijving aan JOS niet vastgesteld",
    "underpowered": "geen verandering aantoonbaar (te weinig onderscheidend vermogen)",
    "no_change": "geen verandering aantoonbaar",
    "unexpected_direction": "verandering in de onverwachte richting",
    "change_no_direction": "verandering zichtbaar; voor deze indicator is geen richting verwacht",
    "not_assessable": "niet te beoordelen (te weinig gegevens)",
}

#: Caveat keys and when each fires (the machine-readable twin of docs/verdicts.md).
CAVEATS: dict[str, str] = {
    "short_pre": "fewer points before the start than SHORT_PRE[frequency]",
    "short_post": "fewer points after the start than SHORT_POST[frequency]",
    "covid_overlap": "a COVID window from the plan overlaps the post-period",
    "covid_pre": "a COVID window lies in the 24 months before the start (disturbed pre-trend)",
    "co_intervention": "another co-intervention from the plan overlaps the post-period",
    "no_comparison": "the model has no comparison series",
    "comparison_pretrend": "comparison and JOS series diverge before the start (p < alpha)",
    "autocorrelation": "residual autocorrelation left (Ljung-Box p < 0.05)",
    "overdispersion": "count residuals overdispersed (> 1.5) in a model that does not allow it",
    "sensitivity": "across the sensitivity table the estimate changes sign or significance",
    "underpowered": "the minimum detectable effect is larger than the plausible effect",
    "placebo": "placebo-date estimates as large as the real one are common (empirical p > alpha)",
    "early_rise": "referral/youth-care indicator rose in the first year after the start",
    "registration_break": "registration changed within 12 months of the start",
    "capacity_differences": "FTE per 100 pupils varies across schools (CV > 0.25)",
    "national_context": "the indicator also moved nationally in the same years (thuiszitters)",
}

#: Short Dutch names of the caveats, for overview tables (the full sentence is ``Caveat.text_nl``).
CAVEAT_TITLES_NL: dict[str, str] = {
    "short_pre": "korte reeks vóór de start",
    "short_post": "korte reeks na de start",
    "covid_overlap": "corona na de start",
    "covid_pre": "corona kort vóór de start",
    "co_intervention": "andere verandering tegelijk",
    "no_comparison": "geen vergelijkingsreeks",
    "comparison_pretrend": "vergelijking liep al uiteen",
    "autocorrelation": "resterende autocorrelatie",
    "overdispersion": "overdispersie",
    "sensitivity": "gevoelig voor modelkeuze",
    "underpowered": "te weinig onderscheidend vermogen",
    "placebo": "placebo's even groot",
    "early_rise": "stijging in het eerste jaar verwacht",
    "registration_break": "registratie veranderd bij de start",
    "capacity_differences": "formatie verschilt historisch",
    "national_context": "landelijke ontwikkeling",
}

#: Severity of a caveat: how much it limits what the estimate can say.
SEVERITIES = ("info", "let_op", "ernstig")

#: How severities read in a Dutch report.
SEVERITY_NL = {"info": "ter informatie", "let_op": "let op", "ernstig": "ernstig"}

#: Fewer points than this (per frequency) make an estimate not assessable.
MIN_PRE = {"month": 12, "schoolyear": 4}
MIN_POST = {"month": 6, "schoolyear": 2}
#: Fewer points than this fire the short_pre / short_post caveats.
SHORT_PRE = {"month": 24, "schoolyear": 5}
SHORT_POST = {"month": 22, "schoolyear": 3}
#: Coefficient of variation of FTE per 100 pupils above which capacity_differences fires.
CAPACITY_CV_THRESHOLD = 0.25
#: Pearson chi2/df above which the overdispersion caveat fires.
OVERDISPERSION_THRESHOLD = 1.5
#: Ljung-Box p-value below which the autocorrelation caveat fires.
LJUNG_BOX_ALPHA = 0.05
#: A registration change this close to the start (months) counts as a break at the start.
REGISTRATION_WINDOW_MONTHS = 12

#: Dutch subjects for sentences ("het verzuim ligt ..."), per indicator key.
SUBJECTS: dict[str, str] = {
    "absence_rate": "het verzuim",
    "unauthorised_absence_rate": "het ongeoorloofd verzuim",
    "thuiszitters": "het aantal thuiszitters",
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

NO_NOTES_TEXT = (
    "Voor deze indicator is (nog) geen toelichting van het schoolteam opgenomen. De cijfers "
    "zeggen pas iets met het verhaal erachter: vraag de school wat zij zien."
)

_MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]
_UNIT = {"month": ("lesmaand", "lesmaanden"), "schoolyear": ("schooljaar", "schooljaren")}


# --------------------------------------------------------------------------------------------
# Input and output objects
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
        Alternatively, only the coefficient of variation of that measure (e.g. from
        ``josanalysis.questions.capacity``'s spread table); used when ``capacity_per_100`` is not given.
    national_context
        The indicator moved nationally in the same years (thuiszitters rose nationally).
    national_change
        Optional relative national change over the same years (0.15 = +15%).
    percent_points
        Format differences as percentage points (rates in [0, 1]).
    first_year_basis
        What ``first_year_change`` is measured against, in Dutch (default "de voortgezette
        trend"; :func:`evidence_from_yearly` uses the mean of the school years before the start).
    no_estimate_reason
        Dutch sentence used as the reason when there is no estimate (e.g. yearly figures that
        the monitor shows descriptively).
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
    no_estimate_reason: str | None = None

    def __post_init__(self) -> None:
        if self.direction not in ("down", "up", None):
            raise ConfigError(f"direction is {self.direction!r}; expected 'down', 'up' or None.")
        if self.frequency not in _UNIT:
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


@dataclass(frozen=True)
class Caveat:
    """One data-derived caveat: machine key, severity and the Dutch sentence(s) for readers."""

    key: str
    severity: str
    text_nl: str


@dataclass(frozen=True)
class Assessment:
    """Verdict and caveats for one indicator.

    Attributes
    ----------
    indicator
        Indicator key.
    verdict_key
        One of :data:`VERDICTS`.
    verdict
        The Dutch verdict text.
    reason_nl
        Why this verdict, in Dutch, with the numbers.
    caveats
        The caveats that fired, most severe first.
    evidence
        The input.
    """

    indicator: str
    verdict_key: str
    verdict: str
    reason_nl: str
    caveats: tuple[Caveat, ...]
    evidence: Evidence = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per caveat (or one row without caveat): indicator, verdict, caveat columns."""
        rows = [
            {"indicator": self.indicator, "verdict_key": self.verdict_key, "verdict": self.verdict,
             "reason": self.reason_nl, "caveat_key": c.key, "severity": c.severity, "caveat": c.text_nl}
            for c in self.caveats
        ] or [{"indicator": self.indicator, "verdict_key": self.verdict_key, "verdict": self.verdict,
               "reason": self.reason_nl, "caveat_key": None, "severity": None, "caveat": None}]
        return pd.DataFrame(rows)

    def to_report(self) -> pd.DataFrame:
        """The caveats as a Dutch report table: columns ``Ernst`` and ``Kanttekening``.

        Examples
        --------
        >>> assess(Evidence("absence_rate", n_pre=60, n_post=9, level=Effect(-0.01, -0.02, 0.0))
        ...        ).to_report().columns.tolist()
        ['Ernst', 'Kanttekening']
        """
        return pd.DataFrame({"Ernst": [SEVERITY_NL[c.severity] for c in self.caveats],
                             "Kanttekening": [c.text_nl for c in self.caveats]},
                            columns=["Ernst", "Kanttekening"])

    def summary(self) -> dict[str, Any]:
        """One flat row for a region summary table (verdict column plus caveat keys)."""
        return {
            "indicator": self.indicator,
            "verdict_key": self.verdict_key,
            "oordeel": self.verdict,
            "n_caveats": len(self.caveats),
            "caveats": ", ".join(c.key for c in self.caveats),
        }

    def text_nl(self) -> str:
        """Verdict, reason and caveats as one Dutch block of text (for HTML/markdown)."""
        lines = [f"Oordeel: {self.verdict}.", self.reason_nl]
        lines += [f"- {c.text_nl}" for c in self.caveats]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Formatting helpers (Dutch)
# --------------------------------------------------------------------------------------------


def _num(x: float, digits: int = 1) -> str:
    s = f"{x:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return s.replace("-", "−")


def _date(d: Any) -> str:
    if d is None:
        return "?"
    d = pd.Timestamp(d)
    return f"{_MONTHS_NL[d.month - 1]} {d.year}"


def _null(ev: Evidence) -> float:
    return 1.0 if ev.scale == "ratio" else 0.0


def _dev(ev: Evidence, x: float) -> float:
    """Deviation from 'no effect' on an additive scale (log for ratios)."""
    if ev.scale == "ratio":
        return math.log(x) if x > 0 else -math.inf
    return float(x)


def _fmt_effect(ev: Evidence, x: float, *, signed: bool = True) -> str:
    if ev.scale == "ratio":
        pct = (x - 1) * 100
        return f"{'+' if signed and pct > 0 else ''}{_num(pct, 0 if abs(pct) >= 10 else 1)}%"
    if ev.percent_points:
        v = x * 100
        return f"{'+' if signed and v > 0 else ''}{_num(v, 2 if abs(v) < 0.1 else 1)} procentpunt"
    digits = 3 if abs(x) < 0.1 else (2 if abs(x) < 10 else 1)
    return f"{'+' if signed and x > 0 else ''}{_num(x, digits)}"


def _fmt_ci(ev: Evidence, e: Effect) -> str:
    conf = int(round(100 * (1 - ev.alpha)))
    return f"{_fmt_effect(ev, e.estimate)} ({conf}%-BI {_fmt_effect(ev, e.ci_low)} tot {_fmt_effect(ev, e.ci_high)})"


def _excludes_null(ev: Evidence, e: Effect | None) -> bool:
    if e is None or not all(np.isfinite([e.estimate, e.ci_low, e.ci_high])):
        return False
    n = _null(ev)
    return e.ci_low > n or e.ci_high < n


def _sign(ev: Evidence, x: float) -> int:
    d = _dev(ev, x)
    return 0 if d == 0 else (1 if d > 0 else -1)


def _label(ev: Evidence) -> str:
    """The indicator as the subject of a Dutch sentence."""
    label = ev.label or SUBJECTS.get(ev.indicator) or ev.indicator
    if label.lower().startswith(("het ", "de ")):
        return label
    return f"de indicator '{label}'"


def _units(ev: Evidence, n: int) -> str:
    one, many = _UNIT[ev.frequency]
    return f"{n} {one if n == 1 else many}"


def _overlap(a0: Any, a1: Any, b0: Any, b1: Any) -> bool:
    if a0 is None or a1 is None or b0 is None:
        return False
    b1 = b1 if b1 is not None else pd.Timestamp.max
    return pd.Timestamp(a0) <= pd.Timestamp(b1) and pd.Timestamp(b0) <= pd.Timestamp(a1)


# --------------------------------------------------------------------------------------------
# The caveat rules
# --------------------------------------------------------------------------------------------


def _c_short(ev: Evidence) -> list[Caveat]:
    out = []
    if 0 < ev.n_pre < SHORT_PRE[ev.frequency]:
        span = f" (van {_date(ev.pre_first)} tot {_date(ev.pre_last)})" if ev.pre_first is not None else ""
        out.append(Caveat("short_pre", "let_op" if ev.n_pre >= MIN_PRE[ev.frequency] else "ernstig",
            f"Er zijn maar {_units(ev, ev.n_pre)} vóór de start{span}; de trend zonder JOS is "
            "daarmee onzeker geschat, en dus ook het verschil met die trend."))
    if 0 < ev.n_post < SHORT_POST[ev.frequency]:
        span = f" (van {_date(ev.post_first)} tot {_date(ev.post_last)})" if ev.post_first is not None else ""
        out.append(Caveat("short_post", "let_op" if ev.n_post >= MIN_POST[ev.frequency] else "ernstig",
            f"Er zijn maar {_units(ev, ev.n_post)} na de start{span}; effecten zoals minder verzuim "
            "of minder thuiszitters worden pas na langere tijd zichtbaar, dus deze korte periode "
            "zegt nog weinig."))
    return out


_HANDLING = {
    "exclude": "die maanden zijn buiten de berekening gelaten, maar de nasleep van corona",
    "co-intervention": "de sluiting is als aparte gebeurtenis in het model opgenomen, maar de nasleep",
    "ignore": "die maanden zijn niet apart behandeld, en de sluiting en haar nasleep",
}


def _c_covid(ev: Evidence) -> list[Caveat]:
    out = []
    post_end = ev.post_last
    hits = [w for w in ev.covid_windows if _overlap(ev.post_first, post_end, w[0], w[1])]
    if hits:
        wins = ", ".join(f"{_date(a)} – {_date(b)}" for a, b in hits)
        out.append(Caveat("covid_overlap", "ernstig",
            f"De periode na de start ({_date(ev.post_first)} tot {_date(post_end)}) valt samen met "
            f"de coronasluiting van de scholen ({wins}); {_HANDLING.get(ev.covid_handling, _HANDLING['ignore'])} "
            f"beweegt dezelfde cijfers als JOS. Een verandering na de start kan daardoor komen."))
    elif ev.start is not None:
        s = pd.Timestamp(ev.start)
        near = [w for w in ev.covid_windows
                if pd.Timestamp(w[1]) < s and pd.Timestamp(w[1]) >= s - pd.DateOffset(months=24)]
        if near:
            wins = ", ".join(f"{_date(a)} – {_date(b)}" for a, b in near)
            out.append(Caveat("covid_pre", "info",
                f"In de twee jaar vóór de start sloten de scholen door corona ({wins}). De trend "
                "vlak vóór de start is daardoor verstoord; herstel na corona kan in de jaren na de "
                "start doorlopen en lijkt dan op een verandering."))
    for ci in ev.co_interventions:
        if _overlap(ev.post_first, post_end, ci.start, ci.end):
            until = f" tot {_date(ci.end)}" if ci.end is not None else ""
            out.append(Caveat("co_intervention", "let_op",
                f"In dezelfde periode speelde ook '{ci.name}' (vanaf {_date(ci.start)}{until}). JOS "
                "werkt niet geïsoleerd: zo'n ontwikkeling beweegt dezelfde cijfers, en het model "
                "kan de twee niet uit elkaar halen."))
    return out


def _has_estimate(ev: Evidence) -> bool:
    return any(e is not None and np.isfinite(e.estimate) for e in (ev.level, ev.slope))


def _c_comparison(ev: Evidence) -> list[Caveat]:
    if not _has_estimate(ev):
        return []  # nothing estimated, nothing to compare
    if not ev.has_comparison:
        return [Caveat("no_comparison", "let_op",
            "Er is geen vergelijkingsreeks (scholen zonder JOS) gebruikt. Ontwikkelingen die alle "
            "scholen raken, zoals wachtlijsten in de jeugdhulp of landelijke trends, zijn dan niet "
            "te scheiden van een verandering op deze school.")]
    p = ev.comparison_pretrend_p
    if p is not None and np.isfinite(p) and p < ev.alpha:
        return [Caveat("comparison_pretrend", "ernstig",
            f"De vergelijkingsscholen liepen vóór de start al anders dan deze school (toets op "
            f"gelijke trend vóór de start: p = {_num(p, 3)}). Dan is de vergelijking na de start "
            "niet zuiver: het verschil kan al bestaan hebben.")]
    return []


def _c_diagnostics(ev: Evidence) -> list[Caveat]:
    out = []
    d = ev.diagnostics or {}
    lb = d.get("ljung_box_p")
    if lb is not None and np.isfinite(lb) and lb < LJUNG_BOX_ALPHA:
        dw = d.get("durbin_watson")
        dw_txt = f", Durbin-Watson {_num(dw, 2)}" if dw is not None and np.isfinite(dw) else ""
        out.append(Caveat("autocorrelation", "let_op",
            f"Na het model hangen opeenvolgende {_UNIT[ev.frequency][1]} nog met elkaar samen "
            f"(Ljung-Box p = {_num(lb, 3)}{dw_txt}). De betrouwbaarheidsintervallen kunnen "
            "daardoor te smal zijn: de onzekerheid is groter dan ze lijkt."))
    od = d.get("overdispersion")
    if (od is not None and np.isfinite(od) and od > OVERDISPERSION_THRESHOLD
            and (ev.family or "poisson") in ("poisson", "negbin")):
        out.append(Caveat("overdispersion", "let_op",
            f"De aantallen spreiden meer dan het telmodel ({ev.family or 'poisson'}) aanneemt "
            f"(spreidingsfactor {_num(od, 2)}, verwacht rond 1). De intervallen zijn daardoor "
            "waarschijnlijk te smal."))
    return out


def _c_sensitivity(ev: Evidence) -> list[Caveat]:
    t = ev.sensitivity
    if t is None or len(t) < 2:
        return []
    t = t.reset_index(drop="spec" in t.columns)
    labels = [str(x) for x in (t["spec"] if "spec" in t.columns else t.iloc[:, 0])]
    pre = t[t["prespecified"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    ref = pre.iloc[0] if len(pre) else t.iloc[0]
    sig = [
        _excludes_null(ev, Effect(r.estimate, r.ci_low, r.ci_high)) for r in t.itertuples()
    ]
    signs = [_sign(ev, r.estimate) for r in t.itertuples()]
    ref_sig = _excludes_null(ev, Effect(ref["estimate"], ref["ci_low"], ref["ci_high"]))
    ref_sign = _sign(ev, ref["estimate"])
    flips = [lab for lab, s in zip(labels, signs) if s != ref_sign and s != 0]
    status = [lab for lab, s in zip(labels, sig) if s != ref_sig]
    if not flips and not status:
        return []
    lo, hi = t["estimate"].min(), t["estimate"].max()
    parts = [
        f"De schatting hangt af van de modelkeuze: over {len(t)} varianten loopt ze van "
        f"{_fmt_effect(ev, lo)} tot {_fmt_effect(ev, hi)} (vooraf vastgelegd model: "
        f"{_fmt_effect(ev, ref['estimate'])})."
    ]
    if flips:
        parts.append(f"Bij {', '.join(flips[:3])} wijst ze zelfs de andere kant op.")
    if status:
        what = "wel" if not ref_sig else "niet"
        parts.append(
            f"Bij {len(status)} van de {len(t)} varianten is de verandering {what} "
            f"aantoonbaar ({', '.join(status[:3])})."
        )
    return [Caveat("sensitivity", "ernstig" if flips else "let_op", " ".join(parts))]


def _c_power(ev: Evidence) -> list[Caveat]:
    if ev.mde is None or ev.plausible_effect is None or not np.isfinite(ev.mde):
        return []
    if abs(_dev(ev, ev.mde)) <= abs(_dev(ev, ev.plausible_effect)):
        return []
    return [Caveat("underpowered", "ernstig",
        f"Het kleinste effect dat deze reeks met redelijke zekerheid kan aantonen is "
        f"{_fmt_effect(ev, ev.mde, signed=False).lstrip('−+')} (minimaal aantoonbaar effect), "
        f"terwijl een realistisch effect van JOS rond {_fmt_effect(ev, ev.plausible_effect, signed=False).lstrip('−+')} "
        "ligt. " + (
            "Dat hier toch een verandering zichtbaar is, betekent dat ze groter is dan een "
            "realistisch effect: zo'n schatting valt bij korte, onrustige reeksen vaak te groot uit "
            "door toeval, of heeft (ook) een andere oorzaak."
            if any(_excludes_null(ev, e) for e in (ev.level, ev.slope)) else
            "Geen aantoonbare verandering betekent hier dus niet dat er geen effect is."))]


def _placebo_stats(ev: Evidence) -> tuple[int, int, float, float] | None:
    est = ev.level if ev.level is not None else ev.slope
    pl = ev.placebo_estimates
    if est is None or pl is None:
        return None
    pl = np.asarray([x for x in pl if x is not None and np.isfinite(x)], dtype=float)
    if pl.size == 0:
        return None
    real = _dev(ev, est.estimate)
    devs = np.array([_dev(ev, x) for x in pl])
    k = int(np.sum(np.abs(devs) >= abs(real)))
    p = (1 + k) / (pl.size + 1)
    pct = 100.0 * float(np.mean(devs < real))
    return k, int(pl.size), p, pct


def _c_placebo(ev: Evidence) -> list[Caveat]:
    s = _placebo_stats(ev)
    est = ev.level if ev.level is not None else ev.slope
    # only worth saying when the estimate would otherwise count as a change
    if s is None or not _excludes_null(ev, est):
        return []
    k, n, p, pct = s
    if p <= ev.alpha:
        return []
    rank = k + 1
    return [Caveat("placebo", "ernstig",
        f"Bij {n} nepstartdatums vóór de echte start (placebo's) was de geschatte verandering "
        f"{k} keer minstens zo groot als bij de echte start (de echte schatting staat op plaats "
        f"{rank} van {n + 1}, op het {int(round(pct))}e percentiel van de placebo's). Zulke "
        "veranderingen komen in deze reeks dus ook zonder JOS voor.")]


def _c_early_rise(ev: Evidence) -> list[Caveat]:
    x = ev.first_year_change
    if not ev.early_rise or x is None or not np.isfinite(x) or _sign(ev, x) <= 0:
        return []
    return [Caveat("early_rise", "info",
        f"In het eerste jaar na de start ligt {_label(ev)} {_fmt_effect(ev, x)} boven "
        f"{ev.first_year_basis}. Dat is te verwachten en geen teken dat JOS niet werkt: JOS "
        "signaleert problemen eerder, waardoor in het begin soms juist meer specialistische hulp "
        "of verwijzing nodig is. Een snelle verwijzing kan de juiste uitkomst zijn.")]


def _c_registration(ev: Evidence) -> list[Caveat]:
    if not ev.registration_break:
        return []
    d = ev.registration_break_date
    if d is not None and ev.start is not None:
        months = abs((pd.Timestamp(d) - pd.Timestamp(ev.start)).days) / 30.44
        if months > REGISTRATION_WINDOW_MONTHS:
            return []
    when = f" ({_date(d)})" if d is not None else ""
    return [Caveat("registration_break", "ernstig",
        f"De registratie van deze cijfers veranderde rond de start van JOS{when}. Een sprong op "
        "dat moment kan uit de andere manier van registreren komen in plaats van uit een echte "
        "verandering.")]


def _c_capacity(ev: Evidence) -> list[Caveat]:
    cap = ev.capacity_per_100
    if not cap:
        cv = ev.capacity_cv
        if cv is None or not np.isfinite(cv) or cv <= CAPACITY_CV_THRESHOLD:
            return []
        return [Caveat("capacity_differences", "info",
            f"De JOS-formatie per 100 leerlingen verschilt sterk tussen de scholen "
            f"(variatiecoëfficiënt {_num(cv, 2)}). Die verschillen komen uit de geschiedenis van de "
            "scholen, niet uit hun behoefte. Meer of minder effect bij meer of minder formatie mag "
            "daarom niet als dosis-effect gelezen worden.")]
    v = np.array([float(x) for x in cap.values() if x is not None and np.isfinite(x)])
    if v.size < 2 or v.mean() <= 0:
        return []
    cv = float(v.std(ddof=0) / v.mean())
    if cv <= CAPACITY_CV_THRESHOLD:
        return []
    return [Caveat("capacity_differences", "info",
        f"De JOS-formatie verschilt sterk tussen de {v.size} scholen: van {_num(v.min(), 2)} tot "
        f"{_num(v.max(), 2)} fte per 100 leerlingen (variatiecoëfficiënt {_num(cv, 2)}). Die "
        "verschillen komen uit de geschiedenis van de scholen, niet uit hun behoefte. Meer of "
        "minder effect bij meer of minder formatie mag daarom niet als dosis-effect gelezen worden.")]


def _c_national(ev: Evidence) -> list[Caveat]:
    if not ev.national_context:
        return []
    if ev.national_change is not None and np.isfinite(ev.national_change):
        move = "steeg" if ev.national_change > 0 else "daalde"
        how = f" {move} landelijk met {_num(abs(ev.national_change) * 100, 0)}%"
    else:
        how = " steeg landelijk"
    return [Caveat("national_context", "let_op",
        f"{_label(ev)[:1].upper()}{_label(ev)[1:]}{how} in dezelfde jaren; ook scholen zonder JOS "
        "kregen daarmee te maken. Een verandering op deze school volgt dus deels "
        "een landelijke ontwikkeling en is niet alleen aan de school of JOS toe te schrijven.")]


_RULES = (_c_short, _c_covid, _c_comparison, _c_diagnostics, _c_sensitivity, _c_power,
          _c_placebo, _c_early_rise, _c_registration, _c_capacity, _c_national)


# --------------------------------------------------------------------------------------------
# Verdict
# --------------------------------------------------------------------------------------------


def _verdict(ev: Evidence) -> tuple[str, str]:
    unit = _UNIT[ev.frequency][1]
    terms = [(n, e) for n, e in (("niveauverandering", ev.level), ("trendverandering", ev.slope)) if e is not None]
    if not terms or not any(np.isfinite(e.estimate) for _, e in terms):
        return "not_assessable", ev.no_estimate_reason or (
            "Er is geen schatting: het model kon op deze gegevens niet worden berekend.")
    if ev.n_pre < MIN_PRE[ev.frequency] or ev.n_post < MIN_POST[ev.frequency]:
        return "not_assessable", (
            f"Er zijn {ev.n_pre} {unit} vóór en {ev.n_post} na de start; voor een oordeel zijn minstens "
            f"{MIN_PRE[ev.frequency]} vóór en {MIN_POST[ev.frequency]} na de start nodig."
        )
    k = sum(1 for _, e in terms if np.isfinite(e.estimate))
    level_alpha = ev.alpha / k

    def significant(e: Effect) -> bool:
        # the interval excludes the null and, with several pre-specified terms, the p-value
        # passes the Bonferroni bound alpha / k (family-wise error kept at alpha)
        return _excludes_null(ev, e) and (e.p_value is None or k == 1 or e.p_value < level_alpha)

    sig = [(n, e) for n, e in terms if significant(e)]
    bonferroni_failed = [(n, e) for n, e in terms if _excludes_null(ev, e) and not significant(e)]
    placebo = _placebo_stats(ev)
    placebo_ok = placebo is None or placebo[2] <= ev.alpha
    main_name, main = terms[0]
    conf = int(round(100 * (1 - ev.alpha)))
    if sig and placebo_ok:
        signs = {_sign(ev, e.estimate) for _, e in sig}
        if len(signs) == 1:
            sign = signs.pop()
        elif ev.end is not None:
            sign = _sign(ev, ev.end.estimate)
        else:
            sign = _sign(ev, sig[0][1].estimate)
        desc = "; ".join(f"{n} {_fmt_ci(ev, e)}" for n, e in sig)
        if ev.direction is None:
            return "change_no_direction", (
                f"Het {conf}%-betrouwbaarheidsinterval sluit 'geen verandering' uit ({desc}); voor "
                "deze indicator is vooraf geen gewenste richting vastgelegd."
            )
        expected = -1 if ev.direction == "down" else 1
        word = "daling" if sign < 0 else "stijging"
        if sign == expected:
            return "consistent_effect", (
                f"Na de start is er een {word} ten opzichte van de voortgezette trend ({desc}), in de "
                "verwachte richting. Dat past bij een effect, maar dit ontwerp kan niet vaststellen "
                "dat JOS de oorzaak is."
            )
        return "unexpected_direction", (
            f"Na de start is er een {word} ten opzichte van de voortgezette trend ({desc}), tegen de "
            f"verwachte richting ({'daling' if expected < 0 else 'stijging'}) in."
        )
    # no change detectable: underpowered or not?
    if sig:
        why = (f"De {sig[0][0]} ({_fmt_ci(ev, sig[0][1])}) is niet groter dan wat nepstartdatums in "
               "dezelfde reeks opleveren (zie placebo).")
    elif bonferroni_failed:
        n, e = bonferroni_failed[0]
        why = (f"De {n} is {_fmt_ci(ev, e)}, met p = {_num(e.p_value, 3)}. Omdat vooraf {k} toetsen "
               f"zijn vastgelegd (niveau en trend), telt een verandering pas bij p < "
               f"{_num(level_alpha, 3)}; dat wordt niet gehaald.")
    else:
        why = f"De {main_name} is {_fmt_ci(ev, main)}; het interval sluit 'geen verandering' niet uit."
    under = False
    checked_plausible = False
    if ev.mde is not None and ev.plausible_effect is not None and np.isfinite(ev.mde):
        under = abs(_dev(ev, ev.mde)) > abs(_dev(ev, ev.plausible_effect))
    if ev.plausible_effect is not None and ev.direction is not None and main is ev.level:
        pe = ev.plausible_effect
        # the plausible effect in the expected direction, on the model scale
        if ev.scale == "ratio":
            target = pe if (pe < 1) == (ev.direction == "down") else 1 / pe
        else:
            target = -abs(pe) if ev.direction == "down" else abs(pe)
        checked_plausible = True
        if main.ci_low <= target <= main.ci_high:
            under = True
            why += (f" Het interval bevat ook een realistisch effect van JOS ({_fmt_effect(ev, target)}): "
                    "deze reeks kan 'geen effect' en 'een realistisch effect' niet onderscheiden.")
    if sig and not placebo_ok:
        under = True
    if under:
        return "underpowered", why
    if checked_plausible:
        why += " Een realistisch effect van JOS valt buiten het interval."
    return "no_change", why


def assess(evidence: Evidence) -> Assessment:
    """Verdict and data-derived caveats for one indicator.

    Parameters
    ----------
    evidence
        The numbers (see :class:`Evidence`), e.g. from :func:`evidence_from_its`.

    Returns
    -------
    Assessment
        ``verdict_key`` in :data:`VERDICTS`, the Dutch ``verdict`` and ``reason_nl``, and the
        caveats that fired (most severe first).

    Examples
    --------
    >>> a = assess(Evidence("absence_rate", n_pre=3, n_post=2, level=Effect(-0.01, -0.02, 0.0)))
    >>> a.verdict
    'niet te beoordelen (te weinig gegevens)'
    """
    if not isinstance(evidence, Evidence):
        raise ConfigError(f"assess needs an Evidence object, got {type(evidence).__name__}.")
    key, reason = _verdict(evidence)
    caveats: list[Caveat] = []
    for rule in _RULES:
        caveats.extend(rule(evidence))
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    caveats.sort(key=lambda c: order[c.severity])
    return Assessment(evidence.indicator, key, VERDICTS[key], reason, tuple(caveats), evidence)


def assess_many(assessments: Iterable[Assessment], keys: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A summary table (one row per assessment) with the Dutch verdict column ``oordeel``.

    Parameters
    ----------
    assessments
        Assessments, e.g. one per school and indicator.
    keys
        Optional extra columns added to every row (e.g. ``{"region": "demoregio"}``).

    Examples
    --------
    >>> a = assess(Evidence("absence_rate", n_pre=3, n_post=2, level=Effect(-0.01, -0.02, 0.0)))
    >>> assess_many([a])["oordeel"].tolist()
    ['niet te beoordelen (te weinig gegevens)']
    """
    rows = [{**(keys or {}), **a.summary()} for a in assessments]
    return pd.DataFrame(rows, columns=[*(keys or {}), "indicator", "verdict_key", "oordeel", "n_caveats", "caveats"])


# --------------------------------------------------------------------------------------------
# Building evidence
# --------------------------------------------------------------------------------------------


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
        return pd.to_datetime(s.str[:4] + "-08-01")
    if pd.api.types.is_integer_dtype(values) and values.between(1900, 2100).all():
        return pd.to_datetime(values.astype(str) + "-08-01")
    try:
        return pd.to_datetime(s)
    except (ValueError, TypeError):
        return pd.Series(pd.NaT, index=values.index)


def _first_year_change(fitted: pd.DataFrame, tcol: pd.Series, scale: str) -> float | None:
    post = fitted["segment"].astype(str).eq("post").to_numpy()
    if not post.any() or "counterfactual" not in fitted or "observed" not in fitted:
        return None
    t = tcol[post]
    first = t.min()
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
            out[s.school_id] = round(100.0 * sum(fte) / float(n), 6)
    return out


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
    unknown = set(overrides) - set(Evidence.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"evidence_from_its got unknown field(s) {', '.join(sorted(unknown))}.")
    for attr in ("effects", "n_pre", "n_post", "diagnostics", "fitted", "spec"):
        if not hasattr(result, attr):
            raise ConfigError(f"evidence_from_its needs an ITS result with '.{attr}'; got {type(result).__name__}.")
    info: dict[str, Any] = {}
    try:
        from josanalysis.core.indicators import INDICATORS

        reg = INDICATORS.get(indicator)
    except ImportError:  # pragma: no cover - registry is part of the package
        reg = None
    if reg is not None:
        info.update(label=SUBJECTS.get(indicator, reg.label[:1].lower() + reg.label[1:]), direction=reg.direction,
                    frequency=reg.frequency, plausible_effect=reg.plausible_effect,
                    early_rise=reg.early_rise)
    spec = dict(result.spec or {})
    effects = result.effects
    scale = "difference"
    if effects is not None and "scale" in effects.columns and len(effects):
        scale = str(effects["scale"].iloc[0])
    fitted = result.fitted
    tname = spec.get("time", "month")
    if tname == "time":
        tname = "time_value"
    tcol = _as_time(fitted[tname]) if fitted is not None and tname in fitted else None
    dates: dict[str, Any] = {}
    if tcol is not None and "segment" in fitted:
        seg = fitted["segment"].astype(str)
        for name, label in (("pre", "pre"), ("post", "post")):
            t = tcol[seg.eq(label).to_numpy()].dropna()
            if len(t):
                dates[f"{name}_first"] = t.min().date()
                dates[f"{name}_last"] = t.max().date()
    start = spec.get("start")
    start_d = pd.Timestamp(start).date() if start not in (None, "") else None
    covid = tuple(getattr(plan, "covid_windows", ()) or ())
    co = []
    for i, c in enumerate((getattr(plan, "raw", {}) or {}).get("co_interventions") or []):
        try:
            co.append(CoIntervention(str(c["name"]), pd.Timestamp(c["start"]).date(),
                                     pd.Timestamp(c["end"]).date() if c.get("end") else None))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"co_interventions[{i}] in the analysis plan needs name, start and optional end.") from None
    obs = fitted["observed"].dropna() if fitted is not None and "observed" in fitted else pd.Series(dtype=float)
    percent_points = spec.get("family") == "gaussian" and len(obs) > 0 and bool(obs.between(-1, 1).all())
    ev = dict(
        indicator=indicator,
        scale=scale,
        level=_effect_row(effects, "level"),
        slope=_effect_row(effects, "slope"),
        end=_effect_row(effects, "end"),
        n_pre=int(result.n_pre),
        n_post=int(result.n_post),
        start=start_d,
        alpha=float(spec.get("alpha", getattr(plan, "alpha", 0.05))),
        covid_windows=covid,
        covid_handling=str(getattr(plan, "covid_handling", "exclude")),
        co_interventions=tuple(co),
        has_comparison=bool(spec.get("comparison")),
        family=spec.get("family"),
        diagnostics=dict(result.diagnostics or {}),
        national_context=indicator == "thuiszitters",
        percent_points=percent_points,
        **dates,
        **info,
    )
    if ev.get("early_rise") and tcol is not None and "first_year_change" not in overrides:
        ev["first_year_change"] = _first_year_change(fitted, tcol, scale)
    ev.update(overrides)
    return Evidence(**ev)


def first_year_change(
    values: pd.Series,
    start: Any,
    *,
    scale: str = "ratio",
    denominator: pd.Series | None = None,
    n_before: int = 3,
) -> float | None:
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
    >>> f = pd.DataFrame({"year_start": pd.to_datetime(["2019-08-01", "2020-08-01", "2021-08-01",
    ...                   "2022-08-01"]), "tlv_vso_cluster4": [5.0, 6, 4, 9]})
    >>> ev = evidence_from_yearly(f, "tlv_vso_cluster4", "2022-08-01")
    >>> [c.key for c in assess(ev).caveats]
    ['short_pre', 'short_post', 'early_rise']
    """
    for col in [period, indicator] + ([denominator] if denominator else []):
        if col not in frame.columns:
            raise ConfigError(f"column '{col}' is not in the yearly frame (columns: {', '.join(map(str, frame.columns))}).")
    unknown = set(overrides) - set(Evidence.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"evidence_from_yearly got unknown field(s) {', '.join(sorted(unknown))}.")
    f = frame.dropna(subset=[indicator]).copy()
    f[period] = pd.to_datetime(f[period])
    t0 = pd.Timestamp(start)
    pre, post = f[f[period] < t0], f[f[period] >= t0]
    info: dict[str, Any] = {}
    try:
        from josanalysis.core.indicators import INDICATORS

        reg = INDICATORS.get(indicator)
    except ImportError:  # pragma: no cover
        reg = None
    if reg is not None:
        info.update(label=SUBJECTS.get(indicator, reg.label[:1].lower() + reg.label[1:]), direction=reg.direction,
                    plausible_effect=reg.plausible_effect, early_rise=reg.early_rise)
    scale = "ratio" if (reg is not None and reg.is_count) else "difference"
    values = f.set_index(period)[indicator]
    den = f.set_index(period)[denominator] if denominator else None
    n_before = min(3, len(pre)) if len(pre) else 3
    basis = ("het gemiddelde van het schooljaar vóór de start" if n_before == 1 else
             f"het gemiddelde van de {n_before} schooljaren vóór de start")
    if den is not None:
        basis += " (per leerling)"
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
        covid_windows=tuple(getattr(plan, "covid_windows", ()) or ()),
        covid_handling=str(getattr(plan, "covid_handling", "exclude")),
        national_context=indicator == "thuiszitters",
        first_year_basis=basis,
        no_estimate_reason=(
            f"Voor jaarcijfers ({len(pre)} schooljaren vóór en {len(post)} vanaf de start) schat de "
            "monitor geen effect: de reeks is te kort. De cijfers staan beschrijvend in de tabel."
        ),
        **info,
    )
    if ev.get("early_rise") and "first_year_change" not in overrides:
        ev["first_year_change"] = first_year_change(values, t0, scale=scale, denominator=den, n_before=n_before)
    ev.update(overrides)
    return Evidence(**ev)


# --------------------------------------------------------------------------------------------
# Qualitative notes
# --------------------------------------------------------------------------------------------


def notes_for(indicator: str, school: Any = None, region: Any = None) -> str:
    """The story next to the numbers: the qualitative note for an indicator, or a Dutch sentence
    saying that none was given.

    Parameters
    ----------
    indicator
        Indicator key.
    school, region
        :class:`josanalysis.core.config.School` / ``Region`` (their ``indicator_notes``).

    Returns
    -------
    str
        The school's note, then the region's (prefixed ``Regio:``), or :data:`NO_NOTES_TEXT`.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> notes_for("thuiszitters", S(indicator_notes={"thuiszitters": "Twee leerlingen terug op school."}))
    'Twee leerlingen terug op school.'
    >>> notes_for("thuiszitters").startswith("Voor deze indicator is (nog) geen toelichting")
    True
    """
    parts = []
    for obj, prefix in ((school, ""), (region, "Regio: ")):
        notes = getattr(obj, "indicator_notes", None) or {}
        text = str(notes.get(indicator, "") or "").strip()
        if text:
            parts.append(prefix + text)
    return " ".join(parts) if parts else NO_NOTES_TEXT
