"""Youth care among a school's pupils, estimated from where they live (Bijlage 2, last row).

No source counts youth care per school directly for every school. Bijlage 2 of the Oberon
report estimates it from the catchment: the school's DUO pupils per home municipality times the
share of young people with youth care in that municipality (CBS StatLine 85098NED,
``JongerenMetJeugdhulpInNatura``: percentage of young people with youth care in natura)::

    estimate(school) = sum over home municipalities m of  pupils(school, m) x share(m) / 100

Method and limits: ``docs/methods.md`` ("Catchment estimate of youth care"). In short: the
estimate assumes a school's pupils have the average of their municipality (the CBS share covers
all young people up to 18, not secondary-school pupils, and says nothing of school type: a
praktijkonderwijs or vso school is likely above it); DUO's ``<5`` cells are left out (their
pupils are counted separately as without known municipality); municipalities without a CBS
value are left out and counted; the CBS year is the latest up to the DUO year. Municipal codes
are harmonised before (:mod:`josanalysis.sources.harmonise`), so a merged municipality matches.

Examples
--------
>>> import pandas as pd
>>> pupils = pd.DataFrame({"reference_date": pd.Timestamp("2022-10-01"), "school_id": "S1",
...     "home_municipality_code": ["GM0361", "GM1980"], "pupils": [600.0, 400.0], "suppressed": False})
>>> cbs = pd.DataFrame({"municipality_code": ["GM0361", "GM1980"], "year": 2022,
...     "measure": "JongerenMetJeugdhulpInNatura", "value": [12.0, 10.0], "suppressed": False})
>>> est = estimate_youthcare(pupils, cbs)
>>> float(est.per_school.loc[0, "estimated"])
112.0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError

__all__ = ["CatchmentEstimate", "estimate_youthcare", "CATCHMENT_MEASURE"]

#: The CBS measure (85098NED, suffix removed) whose percentage is applied to the pupils.
CATCHMENT_MEASURE = "JongerenMetJeugdhulpInNatura"


@dataclass(frozen=True)
class CatchmentEstimate:
    """The estimate per school.

    Attributes
    ----------
    per_school
        ``school_id, pupils_with_share`` (pupils whose home municipality has a CBS share),
        ``pupils_without_share`` (known municipality, no CBS value), ``cells_suppressed`` (DUO
        ``<5`` cells left out), ``estimated`` (pupils with youth care, expected) and
        ``share_percent`` (estimated / pupils_with_share x 100).
    pupils_year, cbs_year
        The DUO data year (teldatum 1 October) and the CBS year used.
    measure
        The CBS measure applied.
    """

    per_school: pd.DataFrame
    pupils_year: int
    cbs_year: int
    measure: str


def _shares(cbs: pd.DataFrame, measure: str, year: int) -> tuple[pd.Series, int]:
    rows = cbs[(cbs["measure"] == measure) & cbs["value"].notna()]
    if rows.empty:
        raise DataError(f"the CBS files have no values of '{measure}' (table 85098NED); supply it to estimate "
                        "youth care from the pupils' home municipalities.")
    extra = [c for c in rows.columns if c not in ("municipality_code", "year", "measure", "value", "suppressed")]
    if extra and rows.duplicated(["municipality_code", "year"]).any():
        raise DataError(f"'{measure}' has more than one value per municipality and year (dimension(s) "
                        f"{', '.join(extra)}); expected one share per municipality as in 85098NED.")
    years = sorted(int(y) for y in rows["year"].unique())
    usable = [y for y in years if y <= year]
    chosen = usable[-1] if usable else years[0]
    pick = rows[rows["year"] == chosen]
    return pd.Series(pick["value"].to_numpy(dtype=float), index=pick["municipality_code"].astype(str)), chosen


def estimate_youthcare(pupils_by_home: pd.DataFrame, cbs: pd.DataFrame, *, schools: Iterable[str] | None = None,
                       measure: str = CATCHMENT_MEASURE) -> CatchmentEstimate:
    """Estimate youth care among each school's pupils from their home municipalities.

    Parameters
    ----------
    pupils_by_home
        DUO pupils per school, postcode and home municipality (canonical frame of
        :func:`josanalysis.sources.load_duo_pupils_by_postcode`); the latest reference date is used.
    cbs
        CBS StatLine frame (:func:`josanalysis.sources.load_cbs_youthcare`) holding ``measure``.
    schools
        Restrict to these school ids (default: all in ``pupils_by_home``).
    measure
        The CBS percentage to apply (default 85098NED's share with youth care in natura).

    Returns
    -------
    CatchmentEstimate

    Raises
    ------
    DataError
        No value of ``measure``, or several per municipality and year.
    """
    dates = pd.to_datetime(pupils_by_home["reference_date"])
    latest = dates.max()
    p = pupils_by_home[dates == latest]
    if schools is not None:
        p = p[p["school_id"].isin(list(schools))]
    shares, cbs_year = _shares(cbs, measure, int(latest.year))
    known = p[~p["suppressed"].astype(bool) & p["pupils"].notna()]
    per_m = known.groupby(["school_id", "home_municipality_code"], as_index=False)["pupils"].sum()
    per_m["share"] = per_m["home_municipality_code"].astype(str).map(shares)
    has = per_m["share"].notna()
    per_m["expected"] = np.where(has, per_m["pupils"] * per_m["share"] / 100.0, np.nan)
    out = pd.DataFrame({"school_id": sorted(p["school_id"].unique())})
    grouped = per_m.groupby("school_id")
    out["pupils_with_share"] = out["school_id"].map(per_m[has].groupby("school_id")["pupils"].sum()).fillna(0.0)
    out["pupils_without_share"] = out["school_id"].map(per_m[~has].groupby("school_id")["pupils"].sum()).fillna(0.0)
    out["cells_suppressed"] = out["school_id"].map(
        p[p["suppressed"].astype(bool)].groupby("school_id").size()).fillna(0).astype(int)
    out["estimated"] = out["school_id"].map(grouped["expected"].sum(min_count=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_percent"] = np.where(out["pupils_with_share"] > 0,
                                        100.0 * out["estimated"] / out["pupils_with_share"], np.nan)
    return CatchmentEstimate(per_school=out, pupils_year=int(latest.year), cbs_year=cbs_year, measure=measure)
