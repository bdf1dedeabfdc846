"""Municipal codes of every municipality-keyed source mapped to the boundaries of one year.

Applied by :func:`josanalysis.sources.load_region_data` (``boundaries_year``) to each frame that has a municipality
column (mapping table and conventions: :mod:`josanalysis.core.municipalities`):

========================  ==========================================================
source                    column(s)
========================  ==========================================================
duo_pupils                ``municipality_code`` (and ``municipality_name``)
duo_pupils_by_postcode    ``home_municipality_code`` (and ``home_municipality_name``)
duo_addresses             ``municipality_code`` (and ``municipality_name``)
duo_special_pupils        ``municipality_code``
cbs_youthcare             ``municipality_code``; rows of former municipalities are added up
========================  ==========================================================

CBS figures of municipalities that merged are added up only for measures that are counts or
amounts (:data:`ADDITIVE_MEASURES`); a share or rate of two former municipalities cannot be
added, so its merged value is missing (not suppressed: the source did not hide it). A merged
count is missing and suppressed when any part was suppressed.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"municipality_code": ["GM0398", "GM0361"], "municipality_name": ["Heerhugowaard", "Alkmaar"]})
>>> recode(frame, "municipality_code", "municipality_name", 2025)["municipality_code"].tolist()
['GM1980', 'GM0361']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from josanalysis.core.municipalities import code_map, new_names

__all__ = ["ADDITIVE_MEASURES", "recode", "harmonise_cbs", "harmonise_frames"]

#: CBS measures (suffix removed) that are counts or amounts, so merged municipalities add up.
ADDITIVE_MEASURES = frozenset({
    "JongerenMetJeugdzorg", "JongerenMetJeugdhulp", "JongerenMetJeugdhulpMetVerblijf",
    "JongerenMetJeugdhulpZonderVerblijf", "GerealiseerdeKosten", "Jongeren",
})

_COLUMNS = {
    "duo_pupils": ("municipality_code", "municipality_name"),
    "duo_pupils_by_postcode": ("home_municipality_code", "home_municipality_name"),
    "duo_addresses": ("municipality_code", "municipality_name"),
    "duo_special_pupils": ("municipality_code", None),
}


def recode(frame: pd.DataFrame, code: str, name: str | None, year: int | None) -> pd.DataFrame:
    """The frame with old municipality codes (and their names) replaced by those of ``year``."""
    mapping = code_map(year)
    if code not in frame.columns or not frame[code].isin(list(mapping)).any():
        return frame
    out = frame.copy()
    old = out[code].isin(list(mapping))
    out.loc[old, code] = out.loc[old, code].map(mapping)
    if name is not None and name in out.columns:
        names = new_names()
        out.loc[old, name] = out.loc[old, code].map(names).fillna(out.loc[old, name])
    return out


def harmonise_cbs(cbs: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """CBS rows of former municipalities recoded and, where several merge, added up (counts only)."""
    recoded = recode(cbs, "municipality_code", None, year)
    if recoded is cbs:
        return cbs
    keys = [c for c in recoded.columns if c not in ("value", "suppressed")]
    grouped = recoded.groupby(keys, dropna=False, sort=False)
    merged = grouped.agg(value=("value", lambda v: v.sum(min_count=len(v))),
                         suppressed=("suppressed", "any"), parts=("value", "size")).reset_index()
    additive = merged["measure"].isin(ADDITIVE_MEASURES)
    several = merged["parts"] > 1
    merged.loc[several & ~additive, ["value", "suppressed"]] = [np.nan, False]
    merged["value"] = merged["value"].astype("float64")
    return merged[list(cbs.columns)]


def harmonise_frames(frames: Mapping[str, pd.DataFrame | None], year: int | None = None) -> dict[str, pd.DataFrame]:
    """The municipality-keyed frames among ``frames`` (by source attribute) in the boundaries of
    1 January ``year`` (None: the latest); other and absent frames are not returned."""
    out = {attr: recode(frames[attr], code, name, year)
           for attr, (code, name) in _COLUMNS.items() if frames.get(attr) is not None}
    if frames.get("cbs_youthcare") is not None:
        out["cbs_youthcare"] = harmonise_cbs(frames["cbs_youthcare"], year)
    return out
