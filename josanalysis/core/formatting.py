"""The one Dutch formatting module: numbers, percentages, procentpunten, euros and dates.

Every number a report, a table or a sentence shows goes through these functions, so that all of
them use the same notation: a decimal comma, a point between thousands, the hyphen-minus ``-``
for negative numbers (it survives copying into a spreadsheet), an en dash ``–`` for a missing
value, and Dutch month names. The numbers come from Babel's CLDR data for ``nl_NL`` (chosen
over hand-written ``str.replace`` chains, which had given the project eight formatters with two
different minus signs).

Examples
--------
>>> from josanalysis.core import formatting as nl
>>> nl.number(1234.5678, 2)
'1.234,57'
>>> nl.percent(0.0123)
'1,2%'
>>> nl.percentage_points(-0.0081)
'-0,8 procentpunt'
>>> nl.euro(1234567)
'€ 1.234.567'
>>> nl.month_year("2022-08-01"), nl.numeric_date("2022-08-01"), nl.numeric_month("2022-08-01")
('augustus 2022', '01-08-2022', '08-2022')
>>> nl.effect_interval(-0.0081, -0.0120, -0.0042, scale="difference", percent=True)
'-0,8 procentpunt (95%-BI -1,2 tot -0,4)'
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

__all__ = [
    "LOCALE",
    "MISSING",
    "MONTHS",
    "is_missing",
    "number",
    "integer",
    "signed",
    "percent",
    "percentage_points",
    "euro",
    "month_year",
    "full_date",
    "numeric_date",
    "numeric_month",
    "effect_interval",
]

#: The locale of every report.
LOCALE = "nl_NL"
#: What a missing or undefined number shows as.
MISSING = "–"
#: Dutch month names, January first.
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def is_missing(x: Any) -> bool:
    """Whether ``x`` is None, NaN, NA or not finite (shown as :data:`MISSING`)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def number(x: Any, digits: int = 1, *, grouping: bool = True) -> str:
    """A number with ``digits`` decimals in Dutch notation.

    Parameters
    ----------
    x
        The number; None, NaN and infinities show as ``–``.
    digits
        Decimals shown (rounded half to even on the decimal value).
    grouping
        Whether thousands are separated by a point.

    Examples
    --------
    >>> number(-1234.56, 1)
    '-1.234,6'
    >>> number(0.5, 0), number(None)
    ('0', '–')
    """
    if is_missing(x):
        return MISSING
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(float(x), format=pattern, locale=LOCALE)
    return text.lstrip("-") if not text.strip("-0,.") else text  # no "-0,0"


def integer(x: Any) -> str:
    """A whole number with a thousands point: ``12.345``."""
    return number(x, 0)


def signed(x: Any, digits: int = 1) -> str:
    """A number with an explicit ``+`` when positive: ``+0,8``, ``-0,8``, ``0,0``."""
    text = number(x, digits)
    return "+" + text if text != MISSING and float(x) > 0 and text.strip("0,.") else text


def percent(x: Any, digits: int = 1, *, signed_: bool = False) -> str:
    """A fraction as a percentage: ``0.0123`` becomes ``1,2%``."""
    if is_missing(x):
        return MISSING
    text = (signed if signed_ else number)(100 * float(x), digits)
    return text + "%"


_percent = percent  # for effect_interval, whose keyword ``percent`` hides the function


def percentage_points(x: Any, digits: int = 1, *, signed_: bool = False) -> str:
    """A difference of two fractions in procentpunten: ``-0.0081`` becomes ``-0,8 procentpunt``."""
    if is_missing(x):
        return MISSING
    return (signed if signed_ else number)(100 * float(x), digits) + " procentpunt"


def euro(x: Any, digits: int = 0) -> str:
    """An amount in euros: ``€ 1.234.567`` (``digits`` decimals)."""
    if is_missing(x):
        return MISSING
    text = number(x, digits)
    return f"-€ {text[1:]}" if text.startswith("-") else f"€ {text}"


def month_year(d: Any) -> str:
    """A month as Dutch text: ``augustus 2022`` (None shows as ``?``)."""
    if d is None or d is pd.NaT:
        return "?"
    ts = pd.Timestamp(d)
    return f"{MONTHS[ts.month - 1]} {ts.year}"


def full_date(d: Any) -> str:
    """A date as Dutch text: ``1 augustus 2022``."""
    if d is None or d is pd.NaT:
        return "?"
    value = pd.Timestamp(d).date() if not isinstance(d, dt.date) else d
    return format_date(value, format="d MMMM y", locale=LOCALE)


def numeric_date(d: Any) -> str:
    """A date in digits, as Dutch tables write it: ``01-08-2022`` (None shows as ``?``)."""
    if d is None or d is pd.NaT:
        return "?"
    return pd.Timestamp(d).strftime("%d-%m-%Y")


def numeric_month(d: Any) -> str:
    """A month in digits: ``08-2022`` (None shows as ``?``)."""
    if d is None or d is pd.NaT:
        return "?"
    return pd.Timestamp(d).strftime("%m-%Y")


def effect_interval(estimate: float, ci_low: float, ci_high: float, *, scale: str,
                    percent: bool = False, alpha: float = 0.05, digits: int = 1) -> str:
    """An effect with its confidence interval in Dutch.

    Parameters
    ----------
    estimate, ci_low, ci_high
        The effect and its interval; a difference, or a rate ratio when ``scale="ratio"``.
    scale
        ``"difference"`` or ``"ratio"``; a ratio is shown as a percentage change.
    percent
        Whether a difference of fractions is shown in procentpunten.
    alpha
        Gives the interval's confidence level in the text.
    digits
        Decimals of a procentpunt (one more for plain differences).

    Examples
    --------
    >>> effect_interval(0.88, 0.80, 0.97, scale="ratio")
    '-12% (verhouding 0,880; 95%-BI -20% tot -3%)'
    """
    conf = round(100 * (1 - alpha))
    if scale == "ratio":
        def f(r: float) -> str:
            return _percent(r - 1, 0)
        return f"{f(estimate)} (verhouding {number(estimate, 3)}; {conf}%-BI {f(ci_low)} tot {f(ci_high)})"
    if percent:
        def f(v: float) -> str:
            return number(100 * v, digits)
        return f"{f(estimate)} procentpunt ({conf}%-BI {f(ci_low)} tot {f(ci_high)})"

    def f(v: float) -> str:
        return number(v, digits + 1)
    return f"{f(estimate)} ({conf}%-BI {f(ci_low)} tot {f(ci_high)})"
