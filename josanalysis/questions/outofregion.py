"""Pupils from outside the region: who lives where, and who might contribute.

The Holland Rijnland factsheet advises to count, per school, the pupils who live in
municipalities outside the region that pays for JOS, and to agree a contribution with the
municipalities that send many pupils. The source is DUO's "leerlingen per vestiging naar
postcode leerling en leerjaar"; :mod:`josanalysis.sources` reads it into the canonical frame::

    reference_date, school_id, school_name, postcode, home_municipality_code,
    home_municipality_name, leerjaar, pupils, suppressed

DUO replaces counts below 5 by ``<5`` (``pupils`` missing, ``suppressed`` True). Such a cell
holds 1 to 4 pupils. Every count here therefore comes with a range (``pupils_min`` = 1 per
suppressed cell, ``pupils_max`` = 4 per cell) and a point value (``suppressed_as`` per cell,
default 2: small counts are more often 1 or 2 than 3 or 4, and a whole number keeps the
counts whole for the privacy module). Shares and contributions use the point value; the report
shows the range beside it.

All tables go through :func:`report_tables` (which applies :mod:`josanalysis.privacy.suppression`) before
anyone sees them.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"reference_date": pd.Timestamp("2024-10-01"), "school_id": "S1",
...     "school_name": "School 1", "postcode": ["1811", "1901", "1941"],
...     "home_municipality_code": ["GM0361", "GM0383", "GM0375"],
...     "home_municipality_name": ["Alkmaar", "Castricum", "Beverwijk"], "leerjaar": 1,
...     "pupils": [60.0, 30.0, 10.0], "suppressed": False})
>>> res = out_of_region(f, ["GM0361", "GM0383"])
>>> float(res.by_school.loc[0, "share_outside"])
0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.config import PrivacyRules, Region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.privacy import drop_protected, apply_privacy, rename_protected

__all__ = [
    "OutOfRegionResult",
    "out_of_region",
    "propose_contributions",
    "report_tables",
    "ContributionRule",
    "contribution_rule_from_region",
    "CANONICAL_COLUMNS",
    "DUTCH_HEADERS",
]

CANONICAL_COLUMNS = ("reference_date", "school_id", "school_name", "postcode", "home_municipality_code",
                     "home_municipality_name", "leerjaar", "pupils", "suppressed")

#: Dutch headers for report tables.
DUTCH_HEADERS: dict[str, str] = {
    "school_id": "vestiging",
    "school_name": "school",
    "home_municipality_code": "woongemeente (code)",
    "home_municipality_name": "woongemeente",
    "in_region": "in de regio",
    "leerjaar": "leerjaar",
    "pupils": "leerlingen",
    "pupils_min": "leerlingen (min)",
    "pupils_max": "leerlingen (max)",
    "suppressed_cells": "cellen <5",
    "pupils_total": "leerlingen totaal",
    "pupils_outside": "leerlingen buiten regio",
    "pupils_outside_min": "buiten regio (min)",
    "pupils_outside_max": "buiten regio (max)",
    "share_outside": "aandeel buiten regio (%)",
    "n_schools": "aantal scholen",
    "share_of_outside": "aandeel van alle buitenregioleerlingen (%)",
    "share_of_all": "aandeel van alle leerlingen (%)",
    "contribution_eur": "voorgestelde bijdrage (€)",
    "rule": "verdeelregel",
}

_COUNT_COLUMNS = ("pupils", "pupils_min", "pupils_max", "pupils_total", "pupils_outside",
                  "pupils_outside_min", "pupils_outside_max")


@dataclass(frozen=True)
class OutOfRegionResult:
    """Pupils by home municipality and the share living outside the region.

    Attributes
    ----------
    by_school_municipality
        ``school_id, school_name, home_municipality_code, home_municipality_name, in_region,
        pupils, pupils_min, pupils_max, suppressed_cells`` (plus ``leerjaar`` when asked for).
    by_school
        ``school_id, school_name, pupils_total, pupils_outside, pupils_outside_min,
        pupils_outside_max, share_outside``.
    by_municipality
        Outside municipalities only: ``home_municipality_code, home_municipality_name, pupils,
        pupils_min, pupils_max, n_schools, share_of_outside, share_of_all``, most pupils first.
    reference_date
        The DUO reference date (peildatum) used.
    region_municipalities
        The municipality codes counted as "in the region".
    suppressed_as
        Value used for a suppressed (<5) cell in the point counts.
    """

    by_school_municipality: pd.DataFrame
    by_school: pd.DataFrame
    by_municipality: pd.DataFrame
    reference_date: pd.Timestamp | None
    region_municipalities: tuple[str, ...]
    suppressed_as: int


def _validate(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError("the pupils-by-home-municipality input should be a DataFrame (from josanalysis.sources).")
    need = ("school_id", "home_municipality_code", "pupils")
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise DataError(f"the pupils-by-home-municipality table lacks column(s) {', '.join(missing)} "
                        f"(expected {', '.join(CANONICAL_COLUMNS)}).")
    df = frame.copy()
    for col, default in (("school_name", None), ("home_municipality_name", None), ("suppressed", False),
                         ("reference_date", pd.NaT), ("leerjaar", pd.NA)):
        if col not in df.columns:
            df[col] = default
    df["school_id"] = df["school_id"].astype(str)
    df["school_name"] = df["school_name"].fillna(df["school_id"]).astype(str)
    df["home_municipality_code"] = df["home_municipality_code"].astype("string").str.strip()
    df["home_municipality_name"] = df["home_municipality_name"].fillna(df["home_municipality_code"]).astype(str)
    pupils = pd.to_numeric(df["pupils"], errors="coerce").astype("float64")
    text = df["pupils"].notna() & pupils.isna()
    if text.any():
        raise DataError("'pupils' holds text that is not a number.", rows=(np.flatnonzero(text.to_numpy()) + 2).tolist(),
                        column="pupils")
    if (pupils < 0).any():
        raise DataError("'pupils' is negative.", rows=(np.flatnonzero((pupils < 0).to_numpy()) + 2).tolist(),
                        column="pupils")
    df["pupils"] = pupils
    df["suppressed"] = df["suppressed"].fillna(False).astype(bool) | pupils.isna()
    nocode = df["home_municipality_code"].isna() | (df["home_municipality_code"] == "")
    if nocode.any():
        raise DataError("a row has no home municipality code.", rows=(np.flatnonzero(nocode.to_numpy()) + 2).tolist(),
                        column="home_municipality_code")
    return df


def out_of_region(
    frame: pd.DataFrame,
    region_municipalities: Iterable[str] | Mapping[str, str],
    *,
    reference_date: str | pd.Timestamp | None = None,
    by_leerjaar: bool = False,
    suppressed_as: int = 2,
    schools: Iterable[str] | None = None,
) -> OutOfRegionResult:
    """Pupils per school by home municipality and the share living outside the region.

    Parameters
    ----------
    frame
        The canonical DUO pupils-by-home-municipality frame (see the module docstring).
    region_municipalities
        CBS codes (``GM0361``) of the municipalities that form the region; a mapping such as
        ``Region.municipalities`` works too.
    reference_date
        The DUO reference date to use; default the latest in the frame.
    by_leerjaar
        Keep ``leerjaar`` in ``by_school_municipality``.
    suppressed_as
        Pupils counted for a ``<5`` cell in the point values (a whole number 1..4; default 2).
    schools
        Limit to these school ids (default: all in the frame).

    Returns
    -------
    OutOfRegionResult

    Raises
    ------
    ConfigError
        No region municipalities, codes not in ``GMxxxx`` form, ``suppressed_as`` outside 1..4,
        an unknown reference date.
    DataError
        Missing columns, text or negative counts, rows without a municipality code, or no rows
        left for the schools asked for.
    """
    codes = _region_codes(region_municipalities)
    if isinstance(suppressed_as, bool) or not isinstance(suppressed_as, (int, np.integer)) or not 1 <= suppressed_as <= 4:
        raise ConfigError(f"suppressed_as is {suppressed_as!r}; a '<5' cell holds 1 to 4 pupils (a whole number).")
    df, ref = _at_reference_date(_validate(frame), reference_date)
    if schools is not None:
        wanted = [str(s) for s in schools]
        df = df[df["school_id"].isin(wanted)]
        if df.empty:
            raise DataError(f"no pupils by home municipality for school(s) {', '.join(wanted)}.")
    detail = _school_municipality_counts(df, codes, by_leerjaar, suppressed_as)
    return OutOfRegionResult(
        by_school_municipality=detail,
        by_school=_by_school(detail),
        by_municipality=_by_municipality(detail),
        reference_date=ref,
        region_municipalities=codes,
        suppressed_as=int(suppressed_as),
    )


def _region_codes(region_municipalities: Iterable[str] | Mapping[str, str]) -> tuple[str, ...]:
    """The region's CBS municipality codes, checked (``GM`` and four digits)."""
    codes = tuple(str(c).strip() for c in (region_municipalities.keys() if isinstance(region_municipalities, Mapping)
                                           else region_municipalities))
    if not codes:
        raise ConfigError("no region municipalities given; list the region's CBS codes (GM....).")
    bad = [c for c in codes if not (len(c) == 6 and c.startswith("GM") and c[2:].isdigit())]
    if bad:
        raise ConfigError(f"region municipality code(s) {', '.join(bad)} are not CBS codes like GM0361.")
    return codes


def _at_reference_date(df: pd.DataFrame, reference_date: str | pd.Timestamp | None
                       ) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """The rows of one DUO reference date (the latest by default) and that date."""
    if not df["reference_date"].notna().any():
        return df, None
    dates = pd.to_datetime(df["reference_date"])
    if reference_date is None:
        ref = dates.max()
    else:
        ref = pd.Timestamp(reference_date)
        if not (dates == ref).any():
            known = ", ".join(sorted({d.date().isoformat() for d in dates.dropna()}))
            raise ConfigError(f"reference date {ref.date()} is not in the file (dates: {known}).")
    return df[dates == ref], ref


def _school_municipality_counts(df: pd.DataFrame, codes: tuple[str, ...], by_leerjaar: bool,
                                suppressed_as: int) -> pd.DataFrame:
    """Pupils per school and home municipality (and leerjaar), with the range of the ``<5`` cells."""
    df = df.assign(
        in_region=df["home_municipality_code"].isin(codes),
        _known=df["pupils"].fillna(0.0),
        _cells=df["suppressed"].astype("int64"),
    )
    keys = ["school_id", "school_name", "home_municipality_code", "home_municipality_name", "in_region"]
    if by_leerjaar:
        keys.append("leerjaar")
    g = df.groupby(keys, sort=False, dropna=False).agg(_known=("_known", "sum"), suppressed_cells=("_cells", "sum"))
    g = _with_ranges(g.reset_index(), suppressed_as)
    detail = g[keys + ["pupils", "pupils_min", "pupils_max", "suppressed_cells"]]
    return detail.sort_values(["school_id", "in_region", "pupils"], ascending=[True, False, False],
                              kind="stable").reset_index(drop=True)


def _by_school(detail: pd.DataFrame) -> pd.DataFrame:
    """Per school: all pupils, those living outside the region (with range) and their share."""
    school_keys = ["school_id", "school_name"]
    tot = detail.groupby(school_keys, sort=False)[["pupils"]].sum().rename(columns={"pupils": "pupils_total"})
    out = detail[~detail["in_region"]].groupby(school_keys, sort=False)[["pupils", "pupils_min", "pupils_max"]].sum()
    out.columns = ["pupils_outside", "pupils_outside_min", "pupils_outside_max"]
    by_school = tot.join(out, how="left").fillna(0.0).reset_index()
    by_school["share_outside"] = by_school["pupils_outside"] / by_school["pupils_total"].where(by_school["pupils_total"] > 0)
    return by_school


def _by_municipality(detail: pd.DataFrame) -> pd.DataFrame:
    """Per outside municipality: pupils (with range), schools, and shares; most pupils first."""
    outside = detail[~detail["in_region"]]
    total_all = float(detail["pupils"].sum())
    by_muni = outside.groupby(["home_municipality_code", "home_municipality_name"], sort=False).agg(
        pupils=("pupils", "sum"), pupils_min=("pupils_min", "sum"), pupils_max=("pupils_max", "sum"),
        n_schools=("school_id", "nunique")).reset_index()
    total_out = float(by_muni["pupils"].sum())
    by_muni["share_of_outside"] = by_muni["pupils"] / total_out if total_out > 0 else np.nan
    by_muni["share_of_all"] = by_muni["pupils"] / total_all if total_all > 0 else np.nan
    return by_muni.sort_values(["pupils", "home_municipality_code"], ascending=[False, True]).reset_index(drop=True)


def _with_ranges(g: pd.DataFrame, suppressed_as: float) -> pd.DataFrame:
    g = g.copy()
    g["pupils"] = g["_known"] + suppressed_as * g["suppressed_cells"]
    g["pupils_min"] = g["_known"] + 1.0 * g["suppressed_cells"]
    g["pupils_max"] = g["_known"] + 4.0 * g["suppressed_cells"]
    return g.drop(columns="_known")


def propose_contributions(
    result: OutOfRegionResult,
    *,
    rule: str = "proportional",
    budget: float | pd.Series | Mapping[str, float] | None = None,
    per_pupil: float | None = None,
    min_pupils: float = 0.0,
) -> pd.DataFrame:
    """A proposed contribution per outside municipality.

    Rules
    -----
    ``"proportional"``
        Each school's collective budget is shared over its pupils; a municipality pays the part
        that belongs to its pupils: ``sum_s budget_s * pupils_{s,m} / pupils_s``. With a single
        total instead of per-school budgets: ``total * pupils_m / all pupils``.
    ``"per_pupil"``
        A fixed amount per pupil: ``per_pupil * pupils_m``.

    Parameters
    ----------
    result
        From :func:`out_of_region`.
    rule
        ``"proportional"`` or ``"per_pupil"``.
    budget
        For ``"proportional"``: the region's total JOS budget for these schools (a number) or the
        budget per school (Series / mapping by ``school_id``; every school needs one).
    per_pupil
        For ``"per_pupil"``: euros per pupil per year.
    min_pupils
        Municipalities with fewer (point-value) pupils are listed with contribution 0 (too few
        to negotiate; an assumption of the region).

    Returns
    -------
    pandas.DataFrame
        ``home_municipality_code, home_municipality_name, pupils, pupils_min, pupils_max,
        contribution_eur, rule``; most pupils first.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"school_id": ["S1", "S1"], "home_municipality_code": ["GM0361", "GM0375"],
    ...                   "pupils": [90.0, 10.0]})
    >>> res = out_of_region(f, ["GM0361"])
    >>> propose_contributions(res, budget=200_000)["contribution_eur"].tolist()
    [20000.0]
    """
    if rule not in {"proportional", "per_pupil"}:
        raise ConfigError(f"rule is {rule!r}; expected 'proportional' or 'per_pupil'.")
    if min_pupils < 0:
        raise ConfigError(f"min_pupils is {min_pupils}; expected 0 or more.")
    detail = result.by_school_municipality
    outside = detail[~detail["in_region"]]
    muni = result.by_municipality[["home_municipality_code", "home_municipality_name", "pupils",
                                   "pupils_min", "pupils_max"]].copy()
    if rule == "per_pupil":
        if per_pupil is None or not isinstance(per_pupil, (int, float)) or per_pupil < 0:
            raise ConfigError("rule 'per_pupil' needs per_pupil=<euros per pupil, >= 0>.")
        muni["contribution_eur"] = muni["pupils"] * float(per_pupil)
        label = f"{nl.euro(per_pupil)} per leerling"
    else:
        if budget is None:
            raise ConfigError("rule 'proportional' needs budget=<total or budget per school>.")
        if isinstance(budget, (int, float)):
            if budget < 0:
                raise ConfigError(f"budget is {budget}; expected 0 or more.")
            total_pupils = float(result.by_school["pupils_total"].sum())
            share = muni["pupils"] / total_pupils if total_pupils > 0 else 0.0
            muni["contribution_eur"] = float(budget) * share
            label = "naar rato van leerlingen (totaalbudget)"
        else:
            per_school = pd.Series(dict(budget) if isinstance(budget, Mapping) else budget, dtype="float64")
            per_school.index = per_school.index.astype(str)
            lacking = sorted(set(result.by_school["school_id"]) - set(per_school.index))
            if lacking:
                raise DataError(f"no budget for school(s) {', '.join(lacking)}; the proportional rule needs one per school.")
            if (per_school < 0).any() or per_school.isna().any():
                raise DataError("a school budget is missing or negative.")
            totals = result.by_school.set_index("school_id")["pupils_total"]
            euro_per_pupil = per_school.reindex(totals.index) / totals.where(totals > 0)
            contrib = (outside["pupils"] * outside["school_id"].map(euro_per_pupil)).groupby(
                outside["home_municipality_code"]).sum()
            muni["contribution_eur"] = muni["home_municipality_code"].map(contrib).fillna(0.0).astype("float64")
            label = "naar rato van leerlingen (per school)"
    muni["contribution_eur"] = muni["contribution_eur"].where(muni["pupils"] >= min_pupils, 0.0)
    muni["rule"] = label
    return muni.reset_index(drop=True)


def report_tables(
    result: OutOfRegionResult,
    rules: PrivacyRules | None,
    contributions: pd.DataFrame | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """All out-of-region tables, protected by :func:`josanalysis.privacy.apply_privacy`, Dutch headers.

    Parameters
    ----------
    result
        From :func:`out_of_region`.
    rules
        The region's :class:`~josanalysis.core.config.PrivacyRules` (``region.privacy``).
    contributions
        Optional output of :func:`propose_contributions`.
    names
        Optional school names by ``school_id`` for the cross table's columns.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``"per_school_gemeente"``: cross table home municipality x school (point values), with
        row and column totals treated as known (secondary suppression on both);
        ``"per_school"``, ``"per_gemeente"`` and (if given) ``"bijdragen"``. Pupil counts below
        the region's threshold are hidden (``<NA>``; :func:`josanalysis.privacy.format_for_report`
        shows them as the marker), as are shares and contributions whose pupil count is hidden.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> tables = report_tables(out_of_region(frame, ["GM0361"]), PrivacyRules())   # doctest: +SKIP
    >>> sorted(tables)                                                             # doctest: +SKIP
    ['per_gemeente', 'per_school', 'per_school_gemeente']
    """
    names = dict(names or {})
    detail = result.by_school_municipality
    cross = detail.pivot_table(index=["home_municipality_code", "home_municipality_name", "in_region"],
                               columns="school_id", values="pupils", aggfunc="sum", fill_value=0.0, sort=False)
    school_cols = list(cross.columns)
    cross = cross.reset_index()
    cross.columns.name = None
    cross = cross.sort_values(["in_region", "home_municipality_code"], ascending=[False, True], kind="stable")
    cross = cross.reset_index(drop=True)
    cross["in_region"] = cross["in_region"].map({True: "ja", False: "nee"})
    cross_out = apply_privacy(cross, rules, count_columns=school_cols, totals="both")
    school_names = dict(zip(detail["school_id"], detail["school_name"]))
    cross_out = rename_protected(cross_out, {c: names.get(c, school_names.get(c, c)) for c in school_cols})
    out = {"per_school_gemeente": rename_protected(cross_out, DUTCH_HEADERS)}

    by_school = apply_privacy(
        _percent(result.by_school, ["share_outside"]), rules,
        count_columns=["pupils_total", "pupils_outside", "pupils_outside_min", "pupils_outside_max"],
        rate_columns={"share_outside": "pupils_total"}, numerators={"share_outside": "pupils_outside"},
        totals="columns",
    )
    out["per_school"] = rename_protected(by_school, DUTCH_HEADERS)

    muni = _percent(result.by_municipality, ["share_of_outside", "share_of_all"])
    muni["_all"] = float(result.by_school["pupils_total"].sum())
    muni = apply_privacy(
        muni, rules, count_columns=["pupils", "pupils_min", "pupils_max"],
        rate_columns={"share_of_outside": "_all", "share_of_all": "_all"},
        numerators={"share_of_outside": "pupils", "share_of_all": "pupils"}, totals="columns",
    )
    out["per_gemeente"] = rename_protected(drop_protected(muni, ["_all"]), DUTCH_HEADERS)

    if contributions is not None:
        c = contributions.copy()
        c["_all"] = float(result.by_school["pupils_total"].sum())
        c = apply_privacy(
            c, rules, count_columns=["pupils", "pupils_min", "pupils_max"],
            rate_columns={"contribution_eur": "_all"}, numerators={"contribution_eur": "pupils"},
            totals="columns",
        )
        out["bijdragen"] = rename_protected(drop_protected(c, ["_all"]), DUTCH_HEADERS)
    return out


def _percent(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in columns:
        out[c] = out[c] * 100
    return out



@dataclass(frozen=True)
class ContributionRule:
    """The region's contribution rule (``outofregion:`` in the region YAML; an assumption).

    Attributes
    ----------
    rule
        ``"proportional"`` (default) or ``"per_pupil"``.
    per_pupil
        Euros per pupil for ``"per_pupil"``.
    min_pupils
        Municipalities with fewer pupils are not asked to contribute.
    is_default
        True when the region YAML has no ``outofregion:`` block.
    """

    rule: str = "proportional"
    per_pupil: float | None = None
    min_pupils: float = 0.0
    is_default: bool = False


def contribution_rule_from_region(region: Region) -> ContributionRule:
    """Read the ``outofregion:`` block of a region YAML (defaults: proportional, no minimum).

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> contribution_rule_from_region(load_region("regio-alkmaar")).min_pupils   # doctest: +SKIP
    5.0
    """
    block = region.extra.get("outofregion")
    if block is None:
        return ContributionRule(is_default=True)
    name = region.path.name
    if not isinstance(block, dict):
        raise ConfigError(f"{name}: key 'outofregion' should be a mapping.")
    rule = str(block.get("rule", "proportional"))
    if rule not in {"proportional", "per_pupil"}:
        raise ConfigError(f"{name}: 'outofregion.rule' is {rule!r}; expected 'proportional' or 'per_pupil'.")
    per_pupil = block.get("per_pupil")
    if rule == "per_pupil" and not isinstance(per_pupil, (int, float)):
        raise ConfigError(f"{name}: 'outofregion.rule' per_pupil needs 'outofregion.per_pupil' in euros.")
    min_pupils = block.get("min_pupils", 0) or 0
    if not isinstance(min_pupils, (int, float)) or min_pupils < 0:
        raise ConfigError(f"{name}: 'outofregion.min_pupils' is {min_pupils!r}; expected a number >= 0.")
    return ContributionRule(rule=rule, per_pupil=float(per_pupil) if per_pupil is not None else None,
                            min_pupils=float(min_pupils))
