"""Verdicts: one word on what an estimate can support, from a small fixed set, with its reason.

Every estimate gets one verdict (``docs/verdicts.md``) that agrees with the interval of its
pre-registered primary estimate: a change counts when that interval excludes 'no effect'
(placebo start dates, and in the region the reassignment of the start dates among the
schools, can downgrade it, never make it unreachable); a null result is qualified by the minimum detectable effect of the
whole rule; count series with too few events get no verdict. No verdict says that JOS caused a
change; the strongest is "consistent met een effect; toeschrijving aan JOS niet vastgesteld". :func:`assess` joins the verdict with
the caveats of :mod:`josanalysis.assessment.caveats`.

Examples
--------
>>> from josanalysis.assessment.evidence import Effect, Evidence
>>> ev = Evidence(indicator="absence_rate", label="het verzuim", direction="down",
...               frequency="month", scale="difference",
...               level=Effect(-0.008, -0.013, -0.003, 0.002), n_pre=60, n_post=9,
...               has_comparison=True, percent_points=True)
>>> a = assess(ev)
>>> a.verdict_key
'consistent_effect'
>>> [c.key for c in a.caveats]
['short_post']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.assessment.caveats import MIN_POST, MIN_PRE, SEVERITY_NL, Caveat, caveats_for
from josanalysis.assessment.evidence import Effect, Evidence
from josanalysis.assessment.wording import UNITS_NL, effect_text, interval_text, mde_text
from josanalysis.core import formatting as nl
from josanalysis.core.errors import ConfigError
from josanalysis.methods.robustness import allowed_as_large, reachable, unreachable_nl

__all__ = ["VERDICTS", "EFFECT_CLAIMS", "MIN_EVENTS_PER_POINT", "Assessment", "verdict_for", "is_small_count",
           "assess", "assess_many"]

#: The verdicts, machine key -> Dutch text shown to readers. A fixed set; see docs/verdicts.md.
VERDICTS: dict[str, str] = {
    "consistent_effect": "consistent met een effect; toeschrijving aan JOS niet vastgesteld",
    "underpowered": "geen verandering aantoonbaar (te weinig onderscheidend vermogen)",
    "no_change": "geen verandering aantoonbaar",
    "unexpected_direction": "verandering in de onverwachte richting",
    "change_no_direction": "verandering zichtbaar; voor deze indicator is geen richting verwacht",
    "change_within_placebo": "verandering zichtbaar, maar niet groter dan bij nepstartdatums vóór de start",
    "change_within_permutation": ("verandering zichtbaar, maar niet groter dan bij een andere verdeling "
                                  "van de startdatums over de scholen"),
    "small_counts": "te kleine aantallen om te beoordelen",
    "not_assessable": "niet te beoordelen (te weinig gegevens)",
}

#: The verdicts that claim a change (the benchmark counts these under 'no effect').
EFFECT_CLAIMS = frozenset({"consistent_effect", "unexpected_direction", "change_no_direction"})

#: Count series with fewer expected events than this per point (lesson month or school year)
#: before or after the start get "te kleine aantallen om te beoordelen"; see docs/verdicts.md.
MIN_EVENTS_PER_POINT = 3.0

#: An unexpected change larger than this multiple of the plausible effect gets a size sentence.
SIZE_CHECK = 3.0


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
# The verdict rules
# --------------------------------------------------------------------------------------------

#: Dutch names of the terms, as the subject of a sentence.
TERM_NL = {"level": "niveauverandering", "slope": "trendverandering", "end": "verandering aan het eind"}


def _primary_subject(ev: Evidence) -> str:
    """The primary estimate as the start of a sentence: "De niveauverandering (hoofdschatting)"."""
    name = ev.estimate_name or f"de {TERM_NL[ev.primary]}"
    return f"{name[:1].upper()}{name[1:]} (hoofdschatting)"


def _not_assessable(ev: Evidence, primary: Effect | None) -> str | None:
    """The reason why there is no verdict on the estimate, or None when there is one."""
    if primary is None or not np.isfinite(primary.estimate):
        return ev.no_estimate_reason or "Er is geen schatting: het model kon op deze gegevens niet worden berekend."
    if ev.n_pre < MIN_PRE[ev.frequency] or ev.n_post < MIN_POST[ev.frequency]:
        return (
            f"Er zijn {ev.n_pre} {UNITS_NL[ev.frequency][1]} vóór en {ev.n_post} na de start; voor een "
            f"oordeel zijn minstens {MIN_PRE[ev.frequency]} vóór en {MIN_POST[ev.frequency]} na de start nodig."
        )
    return None


def is_small_count(ev: Evidence) -> bool:
    """Whether a count series expects fewer than :data:`MIN_EVENTS_PER_POINT` events per point.

    The expectation in both segments without a change is the pre-period mean (the post-period's
    counterfactual starts there); a fall after the start does not make a series unassessable.
    """
    return ev.events_per_point is not None and ev.events_per_point[0] < MIN_EVENTS_PER_POINT


def _count_nl(ev: Evidence, x: float) -> str:
    """A count in a text: below the privacy threshold only as 'minder dan <min_count>'."""
    return f"minder dan {ev.min_count}" if x < ev.min_count else nl.number(x, 0)


def _small_counts_reason(ev: Evidence) -> str:
    pre, post = ev.events_per_point or (0.0, 0.0)
    unit = UNITS_NL[ev.frequency][0]
    years = "; ".join(f"{y}: {_count_nl(ev, c)}" for y, c in ev.counts_by_year)
    return (
        f"Per {unit} telt deze reeks gemiddeld {nl.number(pre, 1)} vóór en {nl.number(post, 1)} na de start. "
        f"Bij minder dan {nl.number(MIN_EVENTS_PER_POINT, 0)} per {unit} vóór de start (wat zonder verandering ook "
        "erna te verwachten is) is een geschatte verandering vooral toeval (Hawley e.a. 2019): de monitor geeft "
        "dan geen percentage en geen oordeel."
        + (f" Aantallen per schooljaar (opgeteld over de {UNITS_NL[ev.frequency][1]}): {years}." if years else "")
    )


def _placebo_check(ev: Evidence) -> tuple[bool, str]:
    """Whether the placebo dates downgrade a clear change, and what to say about them."""
    rank = ev.placebo_rank()
    if rank is None:
        return False, ""
    k, n = rank.n_as_large, rank.n_placebos
    p = nl.number(rank.p_value, 2)
    rule = "" if reachable(n, ev.alpha) else " " + unreachable_nl(n, ev.alpha)
    if k > allowed_as_large(n, ev.alpha):
        return True, (f" Bij {k} van de {n} nepstartdatums vóór de start was de geschatte verandering "
                      f"minstens zo groot (rangwaarde p = {p}): zulke veranderingen komen in deze reeks ook "
                      "zonder JOS voor." + rule)
    larger = "geen" if k == 0 else f"{k}"
    return False, (f" Bij {larger} van de {n} nepstartdatums vóór de start was de geschatte verandering "
                   f"minstens zo groot (rangwaarde p = {p}).{rule}")


def _permutation_check(ev: Evidence) -> tuple[bool, str]:
    """Whether the region's randomization test downgrades a clear change, and what to say about it.

    The same principle as the placebo dates: with ``n`` reassignments of the start dates the
    smallest reachable p is ``1/(n + 1)``; when that exceeds alpha (few schools or cohorts), a
    change counts when it is larger than under every reassignment.
    """
    if ev.randomization_p is None or not ev.n_permutations or not np.isfinite(ev.randomization_p):
        return False, ""
    n, p = int(ev.n_permutations), float(ev.randomization_p)
    k = int(round(p * (n + 1))) - 1
    what = f"van de {n} herverdelingen van de werkelijke startdatums over de scholen"
    rule = "" if reachable(n, ev.alpha) else (
        f" Met {n} mogelijke herverdelingen is de kleinste haalbare p 1/{n + 1} = {nl.number(1 / (n + 1), 2)}, "
        f"groter dan {nl.number(ev.alpha, 2)} (te weinig scholen of startjaren). Daarom telt een verschil hier als "
        f"het groter is dan bij alle {n} herverdelingen; het minimaal aantoonbare effect houdt daar rekening mee.")
    if k > allowed_as_large(n, ev.alpha):
        return True, (f" Bij {k} {what} was het geschatte verschil minstens zo groot (randomisatietoets: p = "
                      f"{nl.number(p, 3)}): zo'n verschil tussen de scholen hangt niet aantoonbaar samen met "
                      "wanneer ze met JOS begonnen." + rule)
    return False, (f" Bij {'geen' if k == 0 else k} {what} was het verschil minstens zo groot "
                   f"(randomisatietoets: p = {nl.number(p, 3)}).{rule}")


def _change_verdict(ev: Evidence, primary: Effect) -> tuple[str, str]:
    """The primary estimate's interval excludes 'no change': which way, and does it survive the
    placebo dates (only when they can reach the rank p the rule needs) and, in the region, the
    reassignment of the start dates among the schools."""
    conf = int(round(100 * (1 - ev.alpha)))
    desc = f"{_primary_subject(ev)} is {interval_text(ev, primary)}; het {conf}%-interval sluit 'geen verandering' uit."
    downgrade, placebo_nl = _placebo_check(ev)
    if downgrade:
        return "change_within_placebo", desc + placebo_nl
    downgrade, permutation_nl = _permutation_check(ev)
    if downgrade:
        return "change_within_permutation", desc + permutation_nl
    placebo_nl += permutation_nl
    sign = ev.sign(primary.estimate)
    word = "daling" if sign < 0 else "stijging"
    if ev.direction is None:
        why = (" Voor het eerste JOS-jaar is geen richting verwacht: door eerdere signalering kan dit cijfer eerst "
               "stijgen." if ev.early_rise else " Voor deze indicator is vooraf geen gewenste richting vastgelegd.")
        return "change_no_direction", desc + why + placebo_nl
    expected = -1 if ev.direction == "down" else 1
    if sign == expected:
        return "consistent_effect", (
            f"{desc} Na de start is er een {word} ten opzichte van {ev.basis}, in de verwachte richting. "
            "Dat past bij een effect, maar dit ontwerp kan niet vaststellen dat JOS de oorzaak is." + placebo_nl)
    why = (f"{desc} Na de start is er een {word} ten opzichte van {ev.basis}, tegen de verwachte richting "
           f"({'daling' if expected < 0 else 'stijging'}) in.")
    if ev.plausible_effect is not None and abs(ev.deviation(primary.estimate)) > SIZE_CHECK * abs(
            ev.deviation(_plausible_target(ev))):
        why += (f" De verandering is veel groter dan een realistisch effect van JOS "
                f"({effect_text(ev, _plausible_target(ev))}): zo'n schatting valt bij korte, onrustige reeksen "
                "vaak te groot uit door toeval, of heeft een andere oorzaak.")
    return "unexpected_direction", why + placebo_nl


def _plausible_target(ev: Evidence) -> float:
    """The plausible effect of JOS in the expected direction, on the model scale."""
    pe = ev.plausible_effect
    if ev.scale == "ratio":
        return pe if (pe < 1) == (ev.direction == "down") else 1 / pe
    return -abs(pe) if ev.direction == "down" else abs(pe)


def _no_change_verdict(ev: Evidence, primary: Effect) -> tuple[str, str]:
    """The primary interval contains 'no change': ``underpowered`` when a realistic effect could
    hide (MDE of the whole rule larger than it, or the interval contains it), else ``no_change``."""
    why = (f"{_primary_subject(ev)} is {interval_text(ev, primary)}; het interval sluit "
           "'geen verandering' niet uit.")
    under = False
    if ev.mde is not None and ev.plausible_effect is not None and np.isfinite(ev.mde):
        under = abs(ev.deviation(ev.mde)) > abs(ev.deviation(ev.plausible_effect))
    checked_plausible = ev.plausible_effect is not None and ev.direction is not None and ev.primary == "level"
    if checked_plausible:
        target = _plausible_target(ev)
        if primary.ci_low <= target <= primary.ci_high:
            under = True
            why += (f" Het interval bevat ook een realistisch effect van JOS ({effect_text(ev, target)}): "
                    "deze reeks kan 'geen effect' en 'een realistisch effect' niet onderscheiden.")
    if ev.mde is not None and np.isfinite(ev.mde):
        why += (f" De hele beslisregel merkt een verandering van {mde_text(ev, ev.mde)} "
                "in ongeveer 80% van zulke reeksen op (minimaal aantoonbaar effect).")
    if under:
        return "underpowered", why
    if checked_plausible:
        why += " Een realistisch effect van JOS valt buiten het interval."
    return "no_change", why


def _secondary_nl(ev: Evidence) -> str:
    """The secondary estimates, labelled as such (they never decide the verdict)."""
    sec = ev.secondary_effects
    if not sec:
        return ""
    parts = "; ".join(f"{TERM_NL[n]} {interval_text(ev, e)}" for n, e in sec)
    return (f" Secundair (niet vooraf als hoofdschatting gekozen, telt niet mee in het oordeel): {parts}.")


def verdict_for(ev: Evidence) -> tuple[str, str]:
    """The verdict key and its Dutch reason for one indicator's evidence.

    The verdict rests on the pre-registered primary estimate (``ev.primary``) and its own
    (1 - alpha) interval; the rule table is in ``docs/verdicts.md``.

    Parameters
    ----------
    ev
        The evidence.

    Returns
    -------
    tuple of str
        A key of :data:`VERDICTS` and the reason, with the numbers, in Dutch.

    Examples
    --------
    >>> verdict_for(Evidence("absence_rate", direction="down", n_pre=60, n_post=20,
    ...                      level=Effect(0.01, 0.004, 0.016)))[0]
    'unexpected_direction'
    """
    primary = ev.primary_effect
    reason = _not_assessable(ev, primary)
    if reason is not None:
        return "not_assessable", reason
    if is_small_count(ev):
        return "small_counts", _small_counts_reason(ev)
    if ev.excludes_null(primary):
        key, why = _change_verdict(ev, primary)
    else:
        key, why = _no_change_verdict(ev, primary)
    return key, why + _secondary_nl(ev)


def assess(evidence: Evidence) -> Assessment:
    """Verdict and data-derived caveats for one indicator.

    Parameters
    ----------
    evidence
        The numbers (see :class:`~josanalysis.assessment.evidence.Evidence`), e.g. from
        :func:`~josanalysis.assessment.evidence.evidence_from_its`.

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
    key, reason = verdict_for(evidence)
    return Assessment(evidence.indicator, key, VERDICTS[key], reason, caveats_for(evidence), evidence)


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


