"""Dutch text of a protected table: the marker for hidden cells, numbers, the footnote.

Numbers are written by :mod:`josanalysis.core.formatting` (decimal comma, thousands point,
hyphen-minus); this module adds only what is particular to privacy: one marker for every hidden
cell, so that a reader cannot tell which hidden cell is the small one.

Examples
--------
>>> privacy_footnote(5)[:2]
'• '
>>> cell_text(1234.25, 1), cell_text(12, 1)
('1.234,2', '12')
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Set
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl

__all__ = ["MARKER", "MISSING_MARKER", "privacy_footnote", "cell_text", "render_cells"]

#: How a suppressed cell is shown in a Dutch report. One marker for primary and secondary
#: suppression alike, so a reader cannot tell which hidden cell is the small one.
MARKER = "•"
#: How a value that is missing in the data (not suppressed) is shown.
MISSING_MARKER = "–"


def privacy_footnote(min_count: int = 5, rounding: int | None = None) -> str:
    """The Dutch footnote printed under every table with suppressed cells.

    Examples
    --------
    >>> privacy_footnote(5)[:2]
    '• '
    """
    text = (
        f"{MARKER} = niet getoond om de privacy van leerlingen te beschermen (minder dan "
        f"{min_count} leerlingen, of terug te rekenen uit de totalen)."
    )
    if rounding:
        text += f" Aantallen zijn afgerond op veelvouden van {rounding}."
    return text


def cell_text(value: Any, decimals: int) -> str:
    """One shown cell as Dutch text: whole numbers without decimals, other numbers with
    ``decimals``; text and True/False as they are."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return nl.integer(value)
    if isinstance(value, (float, np.floating)):
        return nl.number(value, decimals)
    return str(value)


def _is_empty(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def render_cells(
    frame: pd.DataFrame,
    hidden: Mapping[Hashable, Set[int]],
    *,
    marker: str,
    missing: str,
    decimals: int,
) -> pd.DataFrame:
    """Every cell of ``frame`` as text: ``marker`` at the hidden row positions of a column,
    ``missing`` where the data have no value, else :func:`cell_text`.

    ``hidden`` maps a column (or its name as text) to the row positions hidden for privacy.
    """
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        rows = hidden.get(col, hidden.get(str(col), set()))
        texts = [
            marker if i in rows else missing if _is_empty(v) else cell_text(v, decimals)
            for i, v in enumerate(frame[col].tolist())
        ]
        out[col] = pd.Series(texts, index=frame.index, dtype=object)
    return out
