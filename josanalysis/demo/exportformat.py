"""How the synthetic data files write their values: the conventions of the Dutch source exports.

This is the FILE FORMAT of the generated CSV files (what the loaders of
:mod:`josanalysis.sources` must read back), not report text: report text is formatted by
:mod:`josanalysis.core.formatting`. The demo data must stay byte-identical, so these functions
reproduce the exports exactly, including their quirks.

Examples
--------
>>> decimal_comma(1234.5), decimal_comma_trimmed(0.165), decimal_comma_trimmed(1.0)
('1234,50', '0,165', '1')
>>> suppressed_count(3), suppressed_count(0), suppressed_count(12), thousands_dot(1150)
('<5', '0', '12', '1.150')
"""

from __future__ import annotations

__all__ = ["decimal_comma", "decimal_comma_trimmed", "quoted", "suppressed_count",
           "thousands_dot"]


def decimal_comma(x: float) -> str:
    """A number with two decimals and a decimal comma, as municipalities and schools export it."""
    return f"{x:.2f}".replace(".", ",")


def decimal_comma_trimmed(x: float | None) -> str:
    """Up to three decimals, trailing zeros dropped, decimal comma (the provider's FTE overview).

    None (no value) is an empty field; zero is ``"0"``.
    """
    return "" if x is None else f"{x:.3f}".rstrip("0").rstrip(",.").replace(".", ",") or "0"


def thousands_dot(n: int) -> str:
    """A whole number with ``.`` as thousands separator (DUO's older vsv layout)."""
    return f"{n:,}".replace(",", ".")


def suppressed_count(value: int) -> str:
    """A count as municipality and SWV exports give it: counts 1-4 suppressed as ``<5``."""
    return "<5" if 0 < value < 5 else str(value)


def quoted(value: object) -> str:
    """A field in double quotes, as DUO quotes every field but the count."""
    return f'"{value}"'
