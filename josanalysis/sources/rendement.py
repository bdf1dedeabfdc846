"""The schools' own return ("rendement") indicators: ``rendement/*.csv``.

The Holland Rijnland factsheet asks regions to make the return of the collective budget visible
with a fixed set of indicators; the ones no public source holds (staff sick leave, teacher
turnover, job satisfaction, procedures and admin burden, in/door/uitstroom, help received
outside school) come from the schools themselves in this long layout. The indicator set is
:data:`josanalysis.core.indicators.RENDEMENT_INDICATORS` (the one indicator registry).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from josanalysis.core.indicators import RENDEMENT_BY_KEY, RENDEMENT_INDICATORS
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_number
from josanalysis.sources.reading.schema import raise_bad_rows
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import normalise_name

__all__ = ["load_rendement_indicators"]


def load_rendement_indicators(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read the schools' own return indicators (``rendement/rendement-indicatoren.csv``).

    Layout (``;`` or ``,``, decimal comma allowed, read by the data layer's shared reader)::

        vestigingscode;schooljaar;indicator;waarde
        08UV00;2023-2024;ziekteverzuim_pct;6,1
        08UV00;2023-2024;werkplezier;7,4

    ``indicator`` is a key of :data:`josanalysis.core.indicators.RENDEMENT_INDICATORS` (also accepted:
    its Dutch label).

    Parameters
    ----------
    path
        The CSV file.
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, indicator, value``.

    Raises
    ------
    DataError
        Unknown indicators, text where a number belongs, negative values, percentages above
        100, fractional pupil counts, duplicated school-year-indicator rows, unknown schools
        (file, rows and column named).

    Examples
    --------
    >>> load_rendement_indicators("data/regio-alkmaar/rendement/rendement-indicatoren.csv")  # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("school_year", "schooljaar", "jaar"),
        spec("indicator", "indicator", "kenmerk"), spec("value", "waarde", "value", "aantal"),
    ], what="return indicators (rendement)", school_ids=school_ids, period="school_year")
    table, df, out = st.table, st.cells, st.rows
    lookup = {normalise_name(i.key): i.key for i in RENDEMENT_INDICATORS}
    lookup.update({normalise_name(i.label): i.key for i in RENDEMENT_INDICATORS})
    keys = df["indicator"].astype(str).map(lambda v: lookup.get(normalise_name(v)))
    raise_bad_rows(table, keys.isna().to_numpy(dtype=bool), df["_row"], "indicator", df["indicator"],
                   "a return indicator (expected one of " + ", ".join(RENDEMENT_BY_KEY) + ")")
    out["indicator"] = keys.astype(str)
    values, _ = parse_number(table, df, "value", allow_suppressed=False)
    raise_bad_rows(table, values.isna().to_numpy(dtype=bool), df["_row"], "value", df["value"],
                   "a number (a value is required)")
    raise_bad_rows(table, (values < 0).to_numpy(dtype=bool), df["_row"], "value", df["value"], "0 or more")
    kind = out["indicator"].map(lambda k: RENDEMENT_BY_KEY[k].kind)
    unit = out["indicator"].map(lambda k: RENDEMENT_BY_KEY[k].unit)
    raise_bad_rows(table, ((unit == "%") & (values > 100)).to_numpy(dtype=bool), df["_row"], "value",
                   df["value"], "a percentage (expected 0-100)")
    raise_bad_rows(table, ((kind == "count") & (values != values.round())).to_numpy(dtype=bool), df["_row"],
                   "value", df["value"], "a whole number of pupils")
    out["value"] = values.astype("float64")
    dup = out.duplicated(["school_id", "school_year", "indicator"], keep=False)
    raise_bad_rows(table, dup.to_numpy(dtype=bool), df["_row"], "indicator", df["indicator"],
                   "unique (each school, school year and indicator once)")
    return out[["school_id", "school_year", "indicator", "value"]].reset_index(drop=True)
