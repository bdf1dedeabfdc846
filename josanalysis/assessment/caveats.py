"""Attribution caveats: what limits an estimate, derived from the data at hand, in Dutch.

The Oberon monitor report (chapters 2.6 and 3) warns that the return of JOS is hard to show in
numbers: JOS never works in isolation, effects such as less absence show only after years,
earlier detection can *raise* referrals at first, capacity differs between schools for
historical reasons, and registration changed with JOS. This module turns those warnings into
rules that fire **only when the data at hand give reason**, with the numbers in the text
(``docs/verdicts.md``). No text ever says that JOS caused a change.

Examples
--------
>>> from josanalysis.assessment.evidence import Effect, Evidence
>>> ev = Evidence(indicator="absence_rate", label="het verzuim", direction="down",
...               level=Effect(-0.008, -0.013, -0.003, 0.002), n_pre=60, n_post=9,
...               has_comparison=True, percent_points=True)
>>> [c.key for c in caveats_for(ev)]
['short_post']
>>> caveats_for(ev)[0].text_nl[:40]
'Er zijn maar 9 lesmaanden na de start; e'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.assessment.evidence import Effect, Evidence
from josanalysis.assessment.wording import UNITS_NL, count_text, effect_text, mde_text, overlaps, subject, variant_nl
from josanalysis.core import formatting as nl
from josanalysis.methods.robustness import allowed_as_large

__all__ = [
    "CAVEATS",
    "CAVEAT_TITLES_NL",
    "SEVERITIES",
    "SEVERITY_NL",
    "MIN_PRE",
    "MIN_POST",
    "SHORT_PRE",
    "SHORT_POST",
    "Caveat",
    "caveats_for",
    "notes_for",
    "NO_NOTES_TEXT",
]

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

NO_NOTES_TEXT = (
    "Voor deze indicator is (nog) geen toelichting van het schoolteam opgenomen. De cijfers "
    "zeggen pas iets met het verhaal erachter: vraag de school wat zij zien."
)


@dataclass(frozen=True)
class Caveat:
    """One data-derived caveat: machine key, severity and the Dutch sentence(s) for readers."""

    key: str
    severity: str
    text_nl: str


def _span(first: Any, last: Any) -> str:
    """`` (van september 2023 tot juni 2024)``, or nothing without a first date."""
    return f" (van {nl.month_year(first)} tot {nl.month_year(last)})" if first is not None else ""


def _windows(windows: list[tuple[Any, Any]]) -> str:
    return ", ".join(f"{nl.month_year(a)} – {nl.month_year(b)}" for a, b in windows)


# --------------------------------------------------------------------------------------------
# The caveat rules
# --------------------------------------------------------------------------------------------


def _c_short(ev: Evidence) -> list[Caveat]:
    out = []
    if 0 < ev.n_pre < SHORT_PRE[ev.frequency]:
        span = _span(ev.pre_first, ev.pre_last)
        out.append(Caveat("short_pre", "let_op" if ev.n_pre >= MIN_PRE[ev.frequency] else "ernstig",
            f"Er zijn maar {count_text(ev, ev.n_pre)} vóór de start{span}; de trend zonder JOS is "
            "daarmee onzeker geschat, en dus ook het verschil met die trend."))
    if 0 < ev.n_post < SHORT_POST[ev.frequency]:
        span = _span(ev.post_first, ev.post_last)
        out.append(Caveat("short_post", "let_op" if ev.n_post >= MIN_POST[ev.frequency] else "ernstig",
            f"Er zijn maar {count_text(ev, ev.n_post)} na de start{span}; effecten zoals minder verzuim "
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
    hits = [w for w in ev.covid_windows if overlaps(ev.post_first, post_end, w[0], w[1])]
    if hits:
        wins = _windows(hits)
        out.append(Caveat("covid_overlap", "ernstig",
            f"De periode na de start ({nl.month_year(ev.post_first)} tot {nl.month_year(post_end)}) valt samen met "
            f"de coronasluiting van de scholen ({wins}); {_HANDLING.get(ev.covid_handling, _HANDLING['ignore'])} "
            f"beweegt dezelfde cijfers als JOS. Een verandering na de start kan daardoor komen."))
    elif ev.start is not None:
        s = pd.Timestamp(ev.start)
        near = [w for w in ev.covid_windows
                if pd.Timestamp(w[1]) < s and pd.Timestamp(w[1]) >= s - pd.DateOffset(months=24)]
        if near:
            wins = _windows(near)
            out.append(Caveat("covid_pre", "info",
                f"In de twee jaar vóór de start sloten de scholen door corona ({wins}). De trend "
                "vlak vóór de start is daardoor verstoord; herstel na corona kan in de jaren na de "
                "start doorlopen en lijkt dan op een verandering."))
    for ci in ev.co_interventions:
        if overlaps(ev.post_first, post_end, ci.start, ci.end):
            until = f" tot {nl.month_year(ci.end)}" if ci.end is not None else ""
            out.append(Caveat("co_intervention", "let_op",
                f"In dezelfde periode speelde ook '{ci.name}' (vanaf {nl.month_year(ci.start)}{until}). JOS "
                "werkt niet geïsoleerd: zo'n ontwikkeling beweegt dezelfde cijfers, en het model "
                "kan de twee niet uit elkaar halen."))
    return out


def _c_comparison(ev: Evidence) -> list[Caveat]:
    if not ev.has_estimate:
        return []  # nothing estimated, nothing to compare
    if not ev.has_comparison:
        return [Caveat("no_comparison", "let_op",
            "Er is geen vergelijkingsreeks (scholen zonder JOS) gebruikt. Ontwikkelingen die alle "
            "scholen raken, zoals wachtlijsten in de jeugdhulp of landelijke trends, zijn dan niet "
            f"te scheiden van een verandering op {ev.unit}.")]
    p = ev.comparison_pretrend_p
    if p is not None and np.isfinite(p) and p < ev.alpha:
        return [Caveat("comparison_pretrend", "ernstig",
            f"De vergelijkingsscholen liepen vóór de start al anders dan {ev.unit} (toets op "
            f"gelijke trend vóór de start: p = {nl.number(p, 3)}). Dan is de vergelijking na de start "
            "niet zuiver: het verschil kan al bestaan hebben.")]
    return []


def _c_diagnostics(ev: Evidence) -> list[Caveat]:
    out = []
    d = ev.diagnostics or {}
    lb = d.get("ljung_box_p")
    if lb is not None and np.isfinite(lb) and lb < LJUNG_BOX_ALPHA:
        dw = d.get("durbin_watson")
        dw_txt = f", Durbin-Watson {nl.number(dw, 2)}" if dw is not None and np.isfinite(dw) else ""
        out.append(Caveat("autocorrelation", "let_op",
            f"Na het model hangen opeenvolgende {UNITS_NL[ev.frequency][1]} nog met elkaar samen "
            f"(Ljung-Box p = {nl.number(lb, 3)}{dw_txt}). De betrouwbaarheidsintervallen kunnen "
            "daardoor te smal zijn: de onzekerheid is groter dan ze lijkt."))
    od = d.get("overdispersion")
    if (od is not None and np.isfinite(od) and od > OVERDISPERSION_THRESHOLD
            and (ev.family or "poisson") in ("poisson", "negbin")):
        out.append(Caveat("overdispersion", "let_op",
            f"De aantallen spreiden meer dan het telmodel ({ev.family or 'poisson'}) aanneemt "
            f"(spreidingsfactor {nl.number(od, 2)}, verwacht rond 1). De intervallen zijn daardoor "
            "waarschijnlijk te smal."))
    return out


def _c_sensitivity(ev: Evidence) -> list[Caveat]:
    t = ev.sensitivity
    if t is None or len(t) < 2:
        return []
    t = t.reset_index(drop="spec" in t.columns)
    labels = [variant_nl(str(x)) for x in (t["spec"] if "spec" in t.columns else t.iloc[:, 0])]
    pre = t[t["prespecified"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    ref = pre.iloc[0] if len(pre) else t.iloc[0]
    sig = [
        ev.excludes_null(Effect(r.estimate, r.ci_low, r.ci_high)) for r in t.itertuples()
    ]
    signs = [ev.sign(r.estimate) for r in t.itertuples()]
    ref_sig = ev.excludes_null(Effect(ref["estimate"], ref["ci_low"], ref["ci_high"]))
    ref_sign = ev.sign(ref["estimate"])
    flips = [lab for lab, s in zip(labels, signs) if s != ref_sign and s != 0]
    status = [lab for lab, s in zip(labels, sig) if s != ref_sig]
    if not flips and not status:
        return []
    lo, hi = t["estimate"].min(), t["estimate"].max()
    parts = [
        f"De schatting hangt af van de modelkeuze: over {len(t)} varianten loopt ze van "
        f"{effect_text(ev, lo)} tot {effect_text(ev, hi)} "
        f"({'vooraf vastgelegd model' if ev.plan_registered else 'model van het analyseplan'}: "
        f"{effect_text(ev, ref['estimate'])})."
    ]
    if flips:
        parts.append(f"Bij {'; '.join(flips[:3])} wijst ze zelfs de andere kant op.")
    if status:
        what = "wel" if not ref_sig else "niet"
        parts.append(
            f"Bij {len(status)} van de {len(t)} varianten is de verandering {what} "
            f"aantoonbaar ({'; '.join(status[:3])})."
        )
    return [Caveat("sensitivity", "ernstig" if flips else "let_op", " ".join(parts))]


def _c_power(ev: Evidence) -> list[Caveat]:
    if ev.mde is None or ev.plausible_effect is None or not np.isfinite(ev.mde):
        return []
    if abs(ev.deviation(ev.mde)) <= abs(ev.deviation(ev.plausible_effect)):
        return []
    return [Caveat("underpowered", "ernstig",
        f"Het kleinste effect dat deze reeks met redelijke zekerheid kan aantonen is "
        f"{mde_text(ev, ev.mde)} (minimaal aantoonbaar effect), "
        f"terwijl een realistisch effect van JOS rond {effect_text(ev, ev.plausible_effect, signed=False).lstrip('-+')} "
        "ligt. " + (
            "Dat hier toch een verandering zichtbaar is, betekent dat ze groter is dan een "
            "realistisch effect: zo'n schatting valt bij korte, onrustige reeksen vaak te groot uit "
            "door toeval, of heeft (ook) een andere oorzaak."
            if ev.excludes_null(ev.primary_effect) else
            "Geen aantoonbare verandering betekent hier dus niet dat er geen effect is."))]


def _c_placebo(ev: Evidence) -> list[Caveat]:
    rank = ev.placebo_rank()
    # only worth saying when the estimate would otherwise count as a change and the placebo rule
    # (rank p <= alpha, or with too few dates: larger than every placebo) fails
    if (rank is None or not ev.excludes_null(ev.primary_effect)
            or rank.n_as_large <= allowed_as_large(rank.n_placebos, ev.alpha)):
        return []
    k, n = rank.n_as_large, rank.n_placebos
    return [Caveat("placebo", "ernstig",
        f"Bij {n} nepstartdatums vóór de echte start (placebo's) was de geschatte verandering "
        f"{k} keer minstens zo groot als bij de echte start (de echte schatting staat op plaats "
        f"{k + 1} van {n + 1}, op het {int(round(rank.percentile))}e percentiel van de placebo's). Zulke "
        "veranderingen komen in deze reeks dus ook zonder JOS voor.")]


def _c_early_rise(ev: Evidence) -> list[Caveat]:
    x = ev.first_year_change
    if not ev.early_rise or x is None or not np.isfinite(x) or ev.sign(x) <= 0:
        return []
    return [Caveat("early_rise", "info",
        f"In het eerste jaar na de start ligt {subject(ev)} {effect_text(ev, x)} boven "
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
    when = f" ({nl.month_year(d)})" if d is not None else ""
    return [Caveat("registration_break", "ernstig",
        f"De registratie van deze cijfers veranderde rond de start van JOS{when}. Een sprong op "
        "dat moment kan uit de andere manier van registreren komen in plaats van uit een echte "
        "verandering.")]


def _capacity_caveat(spread: str) -> Caveat:
    return Caveat("capacity_differences", "info",
        f"De JOS-formatie {spread}. Die verschillen komen uit de geschiedenis van de scholen, niet "
        "uit hun behoefte. Meer of minder effect bij meer of minder formatie mag daarom niet als "
        "dosis-effect gelezen worden.")


def _c_capacity(ev: Evidence) -> list[Caveat]:
    cap = ev.capacity_per_100
    if not cap:
        cv = ev.capacity_cv
        if cv is None or not np.isfinite(cv) or cv <= CAPACITY_CV_THRESHOLD:
            return []
        return [_capacity_caveat(f"per 100 leerlingen verschilt sterk tussen de scholen "
                                 f"(variatiecoëfficiënt {nl.number(cv, 2)})")]
    v = np.array([float(x) for x in cap.values() if x is not None and np.isfinite(x)])
    if v.size < 2 or v.mean() <= 0:
        return []
    cv = float(v.std(ddof=0) / v.mean())
    if cv <= CAPACITY_CV_THRESHOLD:
        return []
    return [_capacity_caveat(f"verschilt sterk tussen de {v.size} scholen: van {nl.number(v.min(), 2)} tot "
                             f"{nl.number(v.max(), 2)} fte per 100 leerlingen (variatiecoëfficiënt "
                             f"{nl.number(cv, 2)})")]


def _c_national(ev: Evidence) -> list[Caveat]:
    if not ev.national_context:
        return []
    if ev.national_change is not None and np.isfinite(ev.national_change):
        move = "steeg" if ev.national_change > 0 else "daalde"
        how = f" {move} landelijk met {nl.number(abs(ev.national_change) * 100, 0)}%"
    else:
        how = " steeg landelijk"
    return [Caveat("national_context", "let_op",
        f"{subject(ev)[:1].upper()}{subject(ev)[1:]}{how} in dezelfde jaren; ook scholen zonder JOS "
        f"kregen daarmee te maken. Een verandering bij {ev.unit} volgt dus deels "
        "een landelijke ontwikkeling en is niet alleen aan de school of JOS toe te schrijven.")]


RULES = (_c_short, _c_covid, _c_comparison, _c_diagnostics, _c_sensitivity, _c_power,
         _c_placebo, _c_early_rise, _c_registration, _c_capacity, _c_national)


def caveats_for(evidence: Evidence) -> tuple[Caveat, ...]:
    """The caveats that the evidence gives reason for, most severe first.

    Parameters
    ----------
    evidence
        The numbers of one indicator (see :class:`~josanalysis.assessment.evidence.Evidence`).

    Returns
    -------
    tuple of Caveat
        One per rule in :data:`RULES` that fired (a rule may give none or several).
    """
    caveats: list[Caveat] = []
    for rule in RULES:
        caveats.extend(rule(evidence))
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    caveats.sort(key=lambda c: order[c.severity])
    return tuple(caveats)


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
