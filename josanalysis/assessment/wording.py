"""Dutch wording of evidence, shared by the verdict rules and the caveats.

An effect is written on the evidence's own scale: a rate ratio as a percentage change, a
difference of shares in procentpunten, other differences as plain numbers; the number of
decimals grows as the value gets small, so that small effects do not print as zero. All
numbers go through :mod:`josanalysis.core.formatting` (decimal comma, hyphen-minus).

Examples
--------
>>> from josanalysis.assessment.evidence import Effect, Evidence
>>> ev = Evidence("absence_rate", percent_points=True)
>>> interval_text(ev, Effect(-0.012, -0.018, -0.006))
'-1,2 procentpunt (95%-BI -1,8 procentpunt tot -0,6 procentpunt)'
>>> effect_text(Evidence("thuiszitters", scale="ratio"), 1.3)
'+30%'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from josanalysis.assessment.evidence import SUBJECTS, Effect, Evidence
from josanalysis.core import formatting as nl
from josanalysis.methods.robustness.power import UNDETECTABLE_RATIO

__all__ = ["UNITS_NL", "FAMILY_NL", "AUTOCORRELATION_NL", "effect_text", "interval_text", "subject", "count_text",
           "overlaps", "variant_nl"]

#: Dutch names of one and of several points, per frequency.
UNITS_NL = {"month": ("lesmaand", "lesmaanden"), "schoolyear": ("schooljaar", "schooljaren")}

#: Dutch names of the model families (never the code names in a report).
FAMILY_NL = {"gaussian": "lineair model", "poisson": "Poisson-model", "quasipoisson": "quasi-Poisson-model",
             "negbin": "negatief-binomiaal model"}
#: Dutch names of the autocorrelation corrections.
AUTOCORRELATION_NL = {"ar1": "AR(1)-fouten", "ar2": "AR(2)-fouten", "hac": "Newey–West", "none": "geen correctie"}


def variant_nl(label: str) -> str:
    """A model variant label ``family/autocorrelation/lag n`` in Dutch.

    >>> variant_nl("quasipoisson/ar1/lag 6")
    'quasi-Poisson-model, AR(1)-fouten, aanloop 6 maanden'
    """
    parts = str(label).split("/")
    if len(parts) != 3:
        return str(label)
    family, ac, lag = parts
    lag = lag.replace("lag", "").strip()
    return (f"{FAMILY_NL.get(family, family)}, {AUTOCORRELATION_NL.get(ac, ac)}, "
            f"aanloop {lag} {'maand' if lag == '1' else 'maanden'}")


def effect_text(ev: Evidence, x: float, *, signed: bool = True) -> str:
    """An effect (or an effect size such as the MDE) in Dutch on the evidence's scale.

    Rate ratios read as a percentage change (``+30%``), shares as procentpunten, other
    differences as numbers with 1 to 3 decimals; ``signed`` adds ``+`` before a rise.
    """
    if ev.scale == "ratio":
        return nl.percent(x - 1, 0 if abs((x - 1) * 100) >= 10 else 1, signed_=signed)
    if ev.percent_points:
        return nl.percentage_points(x, 2 if abs(x * 100) < 0.1 else 1, signed_=signed)
    digits = 3 if abs(x) < 0.1 else (2 if abs(x) < 10 else 1)
    return nl.signed(x, digits) if signed else nl.number(x, digits)


def mde_text(ev: Evidence, mde: float) -> str:
    """The minimum detectable effect in Dutch, unsigned; a rate ratio below
    :data:`~josanalysis.methods.robustness.power.UNDETECTABLE_RATIO` reads as "meer dan 90%"
    (with few events left after such a decrease the interval widens faster than the effect grows;
    only events that vanish after the start show a decrease, by the exact observed/expected interval)."""
    if ev.scale == "ratio" and mde < UNDETECTABLE_RATIO:
        return (f"meer dan {nl.number(100 * (1 - UNDETECTABLE_RATIO), 0)}% (een daling is hier alleen aantoonbaar "
                "als de aantallen na de start tot (bijna) nul dalen)")
    return effect_text(ev, mde, signed=False).lstrip("-+")


def interval_text(ev: Evidence, e: Effect) -> str:
    """An effect with its confidence interval: ``-1,2 procentpunt (95%-BI … tot …)``."""
    conf = int(round(100 * (1 - ev.alpha)))
    return (f"{effect_text(ev, e.estimate)} ({conf}%-BI {effect_text(ev, e.ci_low)} tot "
            f"{effect_text(ev, e.ci_high)})")


def subject(ev: Evidence) -> str:
    """The indicator as the subject of a Dutch sentence (``het verzuim``)."""
    label = ev.label or SUBJECTS.get(ev.indicator) or ev.indicator
    if label.lower().startswith(("het ", "de ")):
        return label
    return f"de indicator '{label}'"


def count_text(ev: Evidence, n: int) -> str:
    """A number of points in the evidence's unit: ``9 lesmaanden``, ``1 schooljaar``."""
    one, many = UNITS_NL[ev.frequency]
    return f"{n} {one if n == 1 else many}"


def overlaps(a0: Any, a1: Any, b0: Any, b1: Any) -> bool:
    """Whether period ``a0``–``a1`` overlaps ``b0``–``b1`` (an open end ``b1=None`` runs on)."""
    if a0 is None or a1 is None or b0 is None:
        return False
    b1 = b1 if b1 is not None else pd.Timestamp.max
    return pd.Timestamp(a0) <= pd.Timestamp(b1) and pd.Timestamp(b0) <= pd.Timestamp(a1)
