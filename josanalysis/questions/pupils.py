"""Pupils per school, the denominator of the questions' per-pupil and per-100 figures.

Counts come either from the data (DUO, through :mod:`josanalysis.sources` or the panel) or, as a
fallback, from the school YAML files (:func:`pupils_from_region`); :func:`pupils_series` turns any
of the accepted forms into one float Series indexed by ``school_id``.

Examples
--------
>>> pupils_series({"A": 195, "B": None}).tolist()
[195.0, nan]
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from josanalysis.core.config import Region
from josanalysis.core.errors import ConfigError, DataError

__all__ = ["pupils_series", "pupils_from_region"]


def pupils_series(pupils: pd.Series | pd.DataFrame | Mapping[str, float]) -> pd.Series:
    """Pupils per school as a float Series indexed by ``school_id`` (missing counts stay NaN).

    Parameters
    ----------
    pupils
        A Series indexed by ``school_id``, a DataFrame with ``school_id`` and ``pupils`` (one row
        per school), or a mapping of school id to pupils.

    Returns
    -------
    pandas.Series

    Raises
    ------
    ConfigError
        Another kind of input.
    DataError
        A DataFrame without the two columns or with a school twice; a negative count.
    """
    if isinstance(pupils, Mapping):
        s = pd.Series(dict(pupils), dtype="float64")
    elif isinstance(pupils, pd.DataFrame):
        if "school_id" not in pupils.columns or "pupils" not in pupils.columns:
            raise DataError(
                "the pupils table needs the columns 'school_id' and 'pupils' "
                f"(got {', '.join(map(str, pupils.columns))})."
            )
        if pupils["school_id"].duplicated().any():
            dup = sorted(pupils.loc[pupils["school_id"].duplicated(), "school_id"].astype(str))
            raise DataError(f"the pupils table lists school(s) {', '.join(dup)} more than once.", column="school_id")
        s = pd.Series(pupils["pupils"].to_numpy(), index=pupils["school_id"].astype(str))
    elif isinstance(pupils, pd.Series):
        s = pupils.copy()
        s.index = s.index.astype(str)
    else:
        raise ConfigError("pupils should be a Series indexed by school_id, a DataFrame with "
                          "'school_id' and 'pupils', or a mapping of school_id to pupils.")
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    if (s < 0).any():
        bad = sorted(s.index[s < 0])
        raise DataError(f"negative pupil count for school(s) {', '.join(bad)}.", column="pupils")
    return s


def pupils_from_region(region: Region) -> pd.Series:
    """Pupils per school as recorded in the school YAML files (``pupils``), indexed by school_id.

    Schools without a recorded count are left out.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> int(pupils_from_region(load_region("regio-alkmaar"))["08UV00"])   # doctest: +SKIP
    195
    """
    data = {s.school_id: float(s.pupils) for s in region.schools if s.pupils is not None}
    return pd.Series(data, dtype="float64", name="pupils")
