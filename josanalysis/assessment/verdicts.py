"""Verdicts: one word on what an estimate can support, from a small fixed set, with its reason.

Every estimate gets one verdict (``docs/verdicts.md``) that agrees with its own interval: a
change counts only when the interval excludes 'no effect', with several pre-specified terms
only when the p-value passes the Bonferroni bound, and only when placebo start dates do not
give changes as large. No verdict says that JOS caused a change; the strongest is "consistent
met een effect; toeschrijving aan JOS niet vastgesteld". :func:`assess` joins the verdict with
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
from josanalysis.assessment.wording import UNITS_NL, effect_text, interval_text
from josanalysis.core import formatting as nl
from josanalysis.core.errors import ConfigError

__all__ = ["VERDICTS", "Assessment", "verdict_for", "assess", "assess_many"]

#: The verdicts, machine key -> Dutch text shown to readers. A fixed set; see docs/verdicts.md.
VERDICTS: dict[str, str] = {
    "consistent_effect": "consistent met een effect; toeschrijving aan JOS niet vastgesteld",
    "underpowered": "geen verandering aantoonbaar (te weinig onderscheidend vermogen)",
    "no_change": "geen verandering aantoonbaar",
    "unexpected_direction": "verandering in de onverwachte richting",
    "change_no_direction": "verandering zichtbaar; voor deze indicator is geen richting verwacht",
    "not_assessable": "niet te beoordelen (te weinig gegevens)",
}


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

def _not_assessable(ev: Evidence, terms: list[tuple[str, Effect]]) -> str | None:
    """The reason why there is no verdict on the estimate, or None when there is one."""
    if not terms or not any(np.isfinite(e.estimate) for _, e in terms):
        return ev.no_estimate_reason or "Er is geen schatting: het model kon op deze gegevens niet worden berekend."
    if ev.n_pre < MIN_PRE[ev.frequency] or ev.n_post < MIN_POST[ev.frequency]:
        return (
            f"Er zijn {ev.n_pre} {UNITS_NL[ev.frequency][1]} vóór en {ev.n_post} na de start; voor een "
            f"oordeel zijn minstens {MIN_PRE[ev.frequency]} vóór en {MIN_POST[ev.frequency]} na de start nodig."
        )
    return None


def _change_verdict(ev: Evidence, sig: list[tuple[str, Effect]]) -> tuple[str, str]:
    """The verdict on a change that counts: in the expected direction, against it, or undirected."""
    signs = {ev.sign(e.estimate) for _, e in sig}
    if len(signs) == 1:
        sign = signs.pop()
    elif ev.end is not None:
        sign = ev.sign(ev.end.estimate)
    else:
        sign = ev.sign(sig[0][1].estimate)
    desc = "; ".join(f"{n} {interval_text(ev, e)}" for n, e in sig)
    if ev.direction is None:
        conf = int(round(100 * (1 - ev.alpha)))
        return "change_no_direction", (
            f"Het {conf}%-betrouwbaarheidsinterval sluit 'geen verandering' uit ({desc}); voor "
            "deze indicator is vooraf geen gewenste richting vastgelegd."
        )
    expected = -1 if ev.direction == "down" else 1
    word = "daling" if sign < 0 else "stijging"
    if sign == expected:
        return "consistent_effect", (
            f"Na de start is er een {word} ten opzichte van {ev.basis} ({desc}), in de "
            "verwachte richting. Dat past bij een effect, maar dit ontwerp kan niet vaststellen "
            "dat JOS de oorzaak is."
        )
    return "unexpected_direction", (
        f"Na de start is er een {word} ten opzichte van {ev.basis} ({desc}), tegen de "
        f"verwachte richting ({'daling' if expected < 0 else 'stijging'}) in."
    )


def _plausible_target(ev: Evidence) -> float:
    """The plausible effect of JOS in the expected direction, on the model scale."""
    pe = ev.plausible_effect
    if ev.scale == "ratio":
        return pe if (pe < 1) == (ev.direction == "down") else 1 / pe
    return -abs(pe) if ev.direction == "down" else abs(pe)


def _no_change_verdict(ev: Evidence, terms: list[tuple[str, Effect]], sig: list[tuple[str, Effect]],
                       bonferroni_failed: list[tuple[str, Effect]], k: int) -> tuple[str, str]:
    """No change detectable: ``underpowered`` when a realistic effect could hide, else ``no_change``.

    ``k`` is the number of estimated terms (the Bonferroni divisor).
    """
    main_name, main = terms[0]
    if sig:
        why = (f"De {sig[0][0]} ({interval_text(ev, sig[0][1])}) is niet groter dan wat nepstartdatums in "
               "dezelfde reeks opleveren (zie placebo).")
    elif bonferroni_failed:
        n, e = bonferroni_failed[0]
        why = (f"De {n} is {interval_text(ev, e)}, met p = {nl.number(e.p_value, 3)}. Omdat vooraf {k} "
               f"toetsen zijn vastgelegd (niveau en trend), telt een verandering pas bij p < "
               f"{nl.number(ev.alpha / k, 3)}; dat wordt niet gehaald.")
    else:
        why = f"De {main_name} is {interval_text(ev, main)}; het interval sluit 'geen verandering' niet uit."
    under = bool(sig)  # a significant term that the placebo dates match
    if ev.mde is not None and ev.plausible_effect is not None and np.isfinite(ev.mde):
        under = under or abs(ev.deviation(ev.mde)) > abs(ev.deviation(ev.plausible_effect))
    checked_plausible = ev.plausible_effect is not None and ev.direction is not None and main is ev.level
    if checked_plausible:
        target = _plausible_target(ev)
        if main.ci_low <= target <= main.ci_high:
            under = True
            why += (f" Het interval bevat ook een realistisch effect van JOS ({effect_text(ev, target)}): "
                    "deze reeks kan 'geen effect' en 'een realistisch effect' niet onderscheiden.")
    if under:
        return "underpowered", why
    if checked_plausible:
        why += " Een realistisch effect van JOS valt buiten het interval."
    return "no_change", why


def verdict_for(ev: Evidence) -> tuple[str, str]:
    """The verdict key and its Dutch reason for one indicator's evidence.

    Parameters
    ----------
    ev
        The evidence.

    Returns
    -------
    tuple of str
        A key of :data:`VERDICTS` and the reason, with the numbers, in Dutch.
    """
    terms = [(n, e) for n, e in (("niveauverandering", ev.level), ("trendverandering", ev.slope)) if e is not None]
    reason = _not_assessable(ev, terms)
    if reason is not None:
        return "not_assessable", reason
    k = sum(1 for _, e in terms if np.isfinite(e.estimate))
    level_alpha = ev.alpha / k

    def significant(e: Effect) -> bool:
        # the interval excludes the null and, with several pre-specified terms, the p-value
        # passes the Bonferroni bound alpha / k (family-wise error kept at alpha)
        return ev.excludes_null(e) and (e.p_value is None or k == 1 or e.p_value < level_alpha)

    sig = [(n, e) for n, e in terms if significant(e)]
    bonferroni_failed = [(n, e) for n, e in terms if ev.excludes_null(e) and not significant(e)]
    placebo = ev.placebo_rank()
    if sig and (placebo is None or placebo.p_value <= ev.alpha):
        return _change_verdict(ev, sig)
    return _no_change_verdict(ev, terms, sig, bonferroni_failed, k)


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


