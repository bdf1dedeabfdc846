"""Samenwerkingsverband (SWV) referrals per school and school year.

``vestigingscode;schooljaar;tlv_vso_cluster4;plaatsingen_voorziening``: the number of
toelaatbaarheidsverklaringen (TLV) to VSO cluster 4 and of placements in a voorziening (OPDC or
similar). ``<5``/``.`` cells are missing with a ``*_suppressed`` flag, never zero.

Examples
--------
>>> from josanalysis.sources import load_swv_referrals
>>> df = load_swv_referrals("data/examples/swv-verwijzingen.csv")   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_count
from josanalysis.sources.reading.schema import finish, nonneg, validate
from josanalysis.sources.reading.school_table import read_school_table

__all__ = ["load_swv_referrals", "SWV_COLUMNS"]

SWV_COLUMNS = ["school_id", "school_year", "tlv_vso_cluster4", "placements_facility",
               "tlv_vso_cluster4_suppressed", "placements_facility_suppressed"]


def load_swv_referrals(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load SWV referrals (TLV VSO cluster 4, placements in a voorziening) per school year.

    Parameters
    ----------
    path
        CSV ``vestigingscode;schooljaar;tlv_vso_cluster4;plaatsingen_voorziening`` (English
        ``school_id, school_year, tlv_vso_cluster4, placements_facility`` accepted).
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, tlv_vso_cluster4, placements_facility`` (Int64) and their
        ``*_suppressed`` flags.

    Examples
    --------
    >>> df = load_swv_referrals("data/examples/swv-verwijzingen.csv")   # doctest: +SKIP
    >>> df.groupby("school_year")["tlv_vso_cluster4"].sum()             # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("school_year", "schooljaar", "jaar"),
        spec("tlv_vso_cluster4", "tlv_vso_cluster_4", "tlv_cluster4", "tlv_cluster_4",
             "tlvs_vso_cluster4", "verwijzingen_vso_cluster4", "tlv_vso"),
        spec("placements_facility", "plaatsingen_voorziening", "plaatsingen_voorzieningen",
             "plaatsingen_opdc", "verwijzingen_voorziening", "placements_opdc"),
    ], what="SWV referrals", school_ids=school_ids, period="school_year")
    table, df, out = st.table, st.cells, st.rows
    for c in ("tlv_vso_cluster4", "placements_facility"):
        out[c], out[f"{c}_suppressed"] = parse_count(table, df, c)
    schema = pa.DataFrameSchema(
        {c: pa.Column("Int64", nonneg("a count"), nullable=True)
         for c in ("tlv_vso_cluster4", "placements_facility")},
        unique=["school_id", "school_year"],
    )
    validate(out, schema, table)
    return finish(out, SWV_COLUMNS)
