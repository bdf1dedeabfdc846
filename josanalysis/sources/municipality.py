"""Municipality youth care per school and school year (a layout defined in docs/data-formats.md).

Municipalities know which pupils of a school receive youth care (ambulant or with verblijf),
what it costs, the indications by weight and the mean duration. Small counts may be suppressed
(``<5`` or ``.``): those cells become missing with a ``*_suppressed`` flag, never zero.

Examples
--------
>>> from josanalysis.sources import load_municipality_youthcare
>>> df = load_municipality_youthcare("data/examples/gemeente-jeugdhulp-per-school.csv")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_count, parse_number
from josanalysis.sources.reading.schema import finish, nonneg, validate
from josanalysis.sources.reading.school_table import read_school_table

__all__ = ["load_municipality_youthcare", "MUNICIPALITY_COLUMNS"]

_COUNTS = ["youthcare_ambulant", "youthcare_residential", "indications_light", "indications_medium",
           "indications_heavy"]
_MONEY = ["cost_ambulant", "cost_residential"]
_DURATIONS = ["duration_months", "duration_ambulant_months", "duration_residential_months"]
_VALUES = ["youthcare_ambulant", "youthcare_residential", "cost_ambulant", "cost_residential",
           "indications_light", "indications_medium", "indications_heavy", *_DURATIONS]
MUNICIPALITY_COLUMNS = ["school_id", "school_year", *_VALUES, *[f"{c}_suppressed" for c in _VALUES]]


def load_municipality_youthcare(
    path: str | Path, *, school_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Load municipality youth-care figures per school and school year.

    Parameters
    ----------
    path
        CSV with ``vestigingscode;schooljaar;leerlingen_jeugdhulp_ambulant;
        leerlingen_jeugdhulp_verblijf;kosten_ambulant;kosten_verblijf;indicaties_licht;
        indicaties_middel;indicaties_zwaar;duur_maanden_gemiddeld`` and optionally the mean
        duration per kind ``duur_maanden_ambulant;duur_maanden_verblijf`` (English names accepted;
        only the key and at least one value column are required).
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, youthcare_ambulant, youthcare_residential, cost_ambulant,
        cost_residential, indications_light, indications_medium, indications_heavy,
        duration_months, duration_ambulant_months, duration_residential_months`` and a
        ``<column>_suppressed`` flag per value column. Counts are
        Int64, costs and duration float; columns absent from the file are all missing (and not
        flagged as suppressed).

    Examples
    --------
    >>> df = load_municipality_youthcare("data/examples/gemeente-jeugdhulp-per-school.csv")  # doctest: +SKIP
    >>> df[["school_id", "school_year", "youthcare_ambulant"]].head()                      # doctest: +SKIP
    """
    st = read_school_table(
        path,
        [
            spec("school_id", "vestigingscode", "vestiging", "school"),
            spec("school_year", "schooljaar", "jaar"),
            spec("youthcare_ambulant", "leerlingen_jeugdhulp_ambulant", "jeugdhulp_ambulant",
                 "pupils_youthcare_ambulant", required=False),
            spec("youthcare_residential", "leerlingen_jeugdhulp_verblijf", "jeugdhulp_verblijf",
                 "jeugdhulp_met_verblijf", "pupils_youthcare_residential", required=False),
            spec("cost_ambulant", "kosten_ambulant", "kosten_jeugdhulp_ambulant", required=False),
            spec("cost_residential", "kosten_verblijf", "kosten_jeugdhulp_verblijf", required=False),
            spec("indications_light", "indicaties_licht", "lichte_indicaties", required=False),
            spec("indications_medium", "indicaties_middel", "indicaties_middelzwaar",
                 "middelzware_indicaties", required=False),
            spec("indications_heavy", "indicaties_zwaar", "zware_indicaties", required=False),
            spec("duration_months", "duur_maanden_gemiddeld", "duur_maanden", "gemiddelde_duur_maanden",
                 "duration", required=False),
            spec("duration_ambulant_months", "duur_maanden_ambulant", "duur_ambulant_maanden",
                 "duration_ambulant", required=False),
            spec("duration_residential_months", "duur_maanden_verblijf", "duur_verblijf_maanden",
                 "duration_residential", required=False),
        ],
        what="municipality youth care", school_ids=school_ids, period="school_year",
    )
    table, df, out = st.table, st.cells, st.rows
    present = [c for c in _VALUES if c in df.columns]
    if not present:
        raise DataError("no value columns found (expected e.g. 'leerlingen_jeugdhulp_ambulant', "
                        "'kosten_ambulant', 'indicaties_licht').", file=table.path, rows=[1])
    for c in _VALUES:
        if c not in df.columns:
            out[c] = pd.Series(pd.NA, index=df.index, dtype="Int64") if c in _COUNTS else float("nan")
            out[f"{c}_suppressed"] = False
        elif c in _COUNTS:
            out[c], out[f"{c}_suppressed"] = parse_count(table, df, c)
        else:
            out[c], out[f"{c}_suppressed"] = parse_number(table, df, c, thousands=c in _MONEY)
    schema = pa.DataFrameSchema(
        {
            **{c: pa.Column("Int64", nonneg("a count"), nullable=True) for c in _COUNTS},
            **{c: pa.Column(float, nonneg("an amount"), nullable=True) for c in _MONEY},
            **{c: pa.Column(float, pa.Check.in_range(0, 240, error="a duration of 0-240 months"), nullable=True)
               for c in _DURATIONS},
        },
        unique=["school_id", "school_year"],
    )
    validate(out, schema, table)
    return finish(out, MUNICIPALITY_COLUMNS)
