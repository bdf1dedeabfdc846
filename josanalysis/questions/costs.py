"""Money: youth-care costs per school and per pupil, the cost of JOS per pupil and per trajectory.

Bijlage 2 of the Oberon report asks for the costs of youth care per school (ambulant and with
verblijf); the Holland Rijnland factsheet compares the collective "Zorg in Onderwijstijd" budget
with what individual referrals cost before (the youth-care costs of school year 2019-2020 were
its basis) and asks for room for individual maatwerk and co-financing. This module computes:

* :func:`youthcare_costs` -- the municipality's youth-care costs per JOS school and school year,
  without and with verblijf, in euros and per pupil;
* :func:`jos_costs` -- the collective budget per pupil and per JOS trajectory (trajectories of
  the provider counted only in the school's JOS school years: before its start they are not
  JOS trajectories);
* :func:`budget_against_basis` -- the current collective budget beside the youth-care costs of
  the basis year;
* :func:`funding_split` -- the maatwerk reserve and the co-financing shares applied to the total;
* :func:`cost_tables` -- all of it as protected tables (:func:`josanalysis.privacy.apply_privacy`).

Budget year *Y* (calendar year of ``budget/*.csv``) is matched with school year *Y*-*Y+1*, the
school year that starts in it (``docs/budget.md``).

**Privacy.** A cost is about the pupils who received care: a cost of youth care without (with)
verblijf is hidden when the number of pupils with that care is hidden or was published as
``<5``, and a cost per pupil is hidden when the school's pupil count is hidden (the cost and the
cost per pupil give the count back). The cost per trajectory is hidden when the number of
trajectories is. A region total per school year is hidden when exactly one school's cost of that
kind is hidden in that year (the total minus the shown schools would give it back).

Examples
--------
>>> import pandas as pd
>>> yc = pd.DataFrame({"school_id": ["A"], "school_year": ["2023-2024"], "youthcare_ambulant": [20],
...                    "youthcare_residential": [2], "cost_ambulant": [100_000.0], "cost_residential": [120_000.0]})
>>> c = youthcare_costs(yc, pd.DataFrame({"school_id": ["A"], "school_year": ["2023-2024"], "pupils": [500]}))
>>> c["cost_total_per_pupil"].tolist()
[440.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import DataError
from josanalysis.core.schoolcalendar import school_year_of
from josanalysis.privacy import apply_privacy, drop_protected, hide_dependent
from josanalysis.questions.budget_assumptions import FUNDERS, BudgetConfig

__all__ = ["youthcare_costs", "jos_costs", "budget_against_basis", "funding_split", "cost_tables",
           "region_cost_years", "school_year_of_budget"]

_KINDS = (("ambulant", "youthcare_ambulant", "cost_ambulant"), ("residential", "youthcare_residential",
                                                                 "cost_residential"))


def school_year_of_budget(year: int) -> str:
    """The school year a calendar budget year pays for: the one that starts in it.

    Examples
    --------
    >>> school_year_of_budget(2024)
    '2024-2025'
    """
    return f"{int(year)}-{int(year) + 1}"


def _pupils_by_year(pupils_by_year: pd.DataFrame | None) -> pd.DataFrame:
    if pupils_by_year is None or not len(pupils_by_year):
        return pd.DataFrame(columns=["school_id", "school_year", "pupils"])
    need = {"school_id", "school_year", "pupils"}
    if not need <= set(pupils_by_year.columns):
        raise DataError(f"the pupil table needs columns {', '.join(sorted(need))} "
                        f"(got {', '.join(map(str, pupils_by_year.columns))}).")
    p = pupils_by_year[["school_id", "school_year", "pupils"]].copy()
    p["school_year"] = p["school_year"].astype(str)
    return p.groupby(["school_id", "school_year"], as_index=False)["pupils"].sum()


def youthcare_costs(youthcare: pd.DataFrame, pupils_by_year: pd.DataFrame | None = None, *,
                    schools: Sequence[str] | None = None) -> pd.DataFrame:
    """Youth-care costs per school and school year, in euros and per pupil.

    Parameters
    ----------
    youthcare
        The municipality's school-year frame (``josanalysis.sources.load_municipality_youthcare``
        or the panel's yearly frame): ``school_id, school_year, youthcare_ambulant,
        youthcare_residential, cost_ambulant, cost_residential``.
    pupils_by_year
        ``school_id, school_year, pupils`` (DUO); without it the per-pupil columns are missing.
    schools
        Keep only these schools (the JOS schools).

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, pupils, youthcare_ambulant, youthcare_residential, cost_ambulant,
        cost_residential, cost_total, cost_ambulant_per_pupil, cost_residential_per_pupil,
        cost_total_per_pupil``; rows without any cost are left out. ``cost_total`` is missing when
        one of its parts is.

    Raises
    ------
    DataError
        The frame has no ``school_id``/``school_year`` or no cost column at all, or a negative cost.
    """
    need = {"school_id", "school_year"}
    if not need <= set(youthcare.columns):
        raise DataError("the youth-care table needs the columns school_id and school_year.")
    if not {"cost_ambulant", "cost_residential"} & set(youthcare.columns):
        raise DataError("the youth-care table has no cost column (kosten_ambulant, kosten_verblijf).")
    yc = youthcare.copy()
    for col in ("youthcare_ambulant", "youthcare_residential", "cost_ambulant", "cost_residential"):
        yc[col] = pd.to_numeric(yc[col], errors="coerce").astype("float64") if col in yc.columns else np.nan
    if (yc[["cost_ambulant", "cost_residential"]] < 0).any().any():
        raise DataError("the youth-care table has a negative cost; costs are amounts in euros >= 0.")
    yc["school_year"] = yc["school_year"].astype(str)
    if schools is not None:
        yc = yc[yc["school_id"].isin(list(schools))]
    yc = yc.dropna(subset=["cost_ambulant", "cost_residential"], how="all")
    out = yc[["school_id", "school_year", "youthcare_ambulant", "youthcare_residential", "cost_ambulant",
              "cost_residential"]].merge(_pupils_by_year(pupils_by_year), on=["school_id", "school_year"],
                                         how="left")
    out["pupils"] = pd.to_numeric(out["pupils"], errors="coerce").astype("float64")
    out["cost_total"] = out["cost_ambulant"] + out["cost_residential"]
    per = out["pupils"].where(out["pupils"] > 0)
    for col in ("cost_ambulant", "cost_residential", "cost_total"):
        out[f"{col}_per_pupil"] = out[col] / per
    cols = ["school_id", "school_year", "pupils", "youthcare_ambulant", "youthcare_residential", "cost_ambulant",
            "cost_residential", "cost_total", "cost_ambulant_per_pupil", "cost_residential_per_pupil",
            "cost_total_per_pupil"]
    return out[cols].sort_values(["school_id", "school_year"]).reset_index(drop=True)


def jos_costs(budget: pd.DataFrame, pupils_by_year: pd.DataFrame | None, trajectories: pd.DataFrame | None,
              starts: Mapping[str, Any]) -> pd.DataFrame:
    """The collective budget per pupil and per JOS trajectory, per JOS school and JOS school year.

    Parameters
    ----------
    budget
        ``school_id, year, budget_eur`` (budget year *Y* pays for school year *Y*-*Y+1*).
    pupils_by_year
        ``school_id, school_year, pupils``.
    trajectories
        The provider summary per school and school year with ``n_trajectories``
        (``josanalysis.sources.summarise_trajectories``), or ``None``.
    starts
        JOS start date per JOS school; schools not in it (comparison schools) are left out, and so
        are school years before a school's start.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, budget_eur, pupils, trajectories, budget_per_pupil,
        budget_per_trajectory``.

    Examples
    --------
    >>> import pandas as pd, datetime as dt
    >>> b = pd.DataFrame({"school_id": ["A", "A", "B"], "year": [2021, 2022, 2022], "budget_eur": [1.0, 900.0, 5.0]})
    >>> t = pd.DataFrame({"school_id": ["A"], "school_year": ["2022-2023"], "n_trajectories": [30]})
    >>> jos_costs(b, None, t, {"A": dt.date(2022, 8, 1)})[["school_year", "budget_per_trajectory"]].values.tolist()
    [['2022-2023', 30.0]]
    """
    need = {"school_id", "year", "budget_eur"}
    if not need <= set(budget.columns):
        raise DataError(f"the budget table needs columns {', '.join(sorted(need))}.")
    b = budget[budget["school_id"].isin(list(starts))].copy()
    b["school_year"] = [school_year_of_budget(y) for y in pd.to_numeric(b["year"])]
    first = {s: school_year_of(pd.Timestamp(d)) for s, d in starts.items() if d is not None}
    b = b[[sy >= first.get(s, "9999") for s, sy in zip(b["school_id"], b["school_year"])]]
    b = b.groupby(["school_id", "school_year"], as_index=False)["budget_eur"].sum()
    out = b.merge(_pupils_by_year(pupils_by_year), on=["school_id", "school_year"], how="left")
    if trajectories is not None and len(trajectories) and "n_trajectories" in trajectories.columns:
        t = trajectories[["school_id", "school_year", "n_trajectories"]].copy()
        t["school_year"] = t["school_year"].astype(str)
        out = out.merge(t.rename(columns={"n_trajectories": "trajectories"}), on=["school_id", "school_year"],
                        how="left")
    else:
        out["trajectories"] = np.nan
    out["pupils"] = pd.to_numeric(out["pupils"], errors="coerce").astype("float64")
    out["trajectories"] = pd.to_numeric(out["trajectories"], errors="coerce").astype("float64")
    out["budget_per_pupil"] = out["budget_eur"] / out["pupils"].where(out["pupils"] > 0)
    out["budget_per_trajectory"] = out["budget_eur"] / out["trajectories"].where(out["trajectories"] > 0)
    return out.sort_values(["school_id", "school_year"]).reset_index(drop=True)


def budget_against_basis(current: pd.DataFrame, costs: pd.DataFrame, basis_year: str) -> pd.DataFrame:
    """The collective budget beside what individual youth care cost in the basis year.

    Parameters
    ----------
    current
        ``school_id, budget_eur`` of the current budget year (JOS schools).
    costs
        Output of :func:`youthcare_costs`.
    basis_year
        The school year of the individual referrals (the factsheet: ``"2019-2020"``).

    Returns
    -------
    pandas.DataFrame
        ``school_id, budget_eur, basis_cost_ambulant, basis_cost_residential, basis_cost_total,
        budget_pct_of_basis`` (the budget as a percentage of the basis year's total cost).

    Examples
    --------
    >>> import pandas as pd
    >>> cur = pd.DataFrame({"school_id": ["A"], "budget_eur": [50.0]})
    >>> c = pd.DataFrame({"school_id": ["A"], "school_year": ["2019-2020"], "cost_ambulant": [80.0],
    ...                   "cost_residential": [20.0], "cost_total": [100.0]})
    >>> budget_against_basis(cur, c, "2019-2020")["budget_pct_of_basis"].tolist()
    [50.0]
    """
    basis = costs[costs["school_year"].astype(str) == basis_year].set_index("school_id")
    out = current[["school_id", "budget_eur"]].copy()
    for col in ("cost_ambulant", "cost_residential", "cost_total"):
        out[f"basis_{col}"] = out["school_id"].map(basis[col]) if col in basis.columns else np.nan
    out["budget_pct_of_basis"] = out["budget_eur"] / out["basis_cost_total"].where(out["basis_cost_total"] > 0) * 100
    return out.reset_index(drop=True)


def funding_split(total: float, config: BudgetConfig, pupils: float | None = None) -> pd.DataFrame:
    """The total budget split into the maatwerk reserve and the collective part, and per paying party.

    Parameters
    ----------
    total
        The region's total budget in euros.
    config
        ``maatwerk_reserve`` and ``cofinancing`` (:class:`BudgetConfig`).
    pupils
        Pupils of the JOS schools together (for euros per pupil), or ``None``.

    Returns
    -------
    pandas.DataFrame
        ``part, share, eur, eur_per_pupil``: the collective part, the maatwerk reserve, then one
        row per paying party (its share of the total).

    Examples
    --------
    >>> cfg = BudgetConfig(maatwerk_reserve=0.1, cofinancing={"gemeenten": 0.75, "schoolbesturen": 0.25})
    >>> funding_split(1000.0, cfg)["eur"].tolist()
    [900.0, 100.0, 750.0, 250.0]
    """
    if not np.isfinite(total) or total < 0:
        raise DataError(f"the total budget is {total}; expected an amount in euros >= 0.")
    r = config.maatwerk_reserve
    rows = [("collectief budget over de scholen", 1 - r), ("maatwerkreserve (individuele hulp)", r)]
    rows += [(f"betaald door {FUNDERS[k]}", v) for k, v in config.cofinancing.items()]
    out = pd.DataFrame(rows, columns=["part", "share"])
    out["eur"] = out["share"] * float(total)
    out["eur_per_pupil"] = out["eur"] / pupils if pupils else np.nan
    out["share"] = out["share"] * 100
    return out


def region_cost_years(costs: pd.DataFrame, hidden: pd.DataFrame, jos: pd.DataFrame | None = None) -> pd.DataFrame:
    """The JOS schools' costs added up per school year, with a total hidden where exactly one
    school's cost of that kind is hidden (``hidden``: ``school_year`` plus a boolean per cost), and
    with ``jos`` (:func:`jos_costs`) the collective budget of the schools in a JOS year.

    Returns ``school_year, schools, pupils, cost_ambulant, cost_residential, cost_total,
    cost_total_per_pupil`` (``schools``: schools with costs that year) and, with ``jos``,
    ``budget_eur, budget_pupils, trajectories, budget_per_pupil, budget_per_trajectory`` (per
    pupil over the schools with a budget that year; per trajectory over those with trajectories).
    """
    g = costs.groupby("school_year")
    out = pd.DataFrame({"schools": g["school_id"].nunique(), "pupils": g["pupils"].sum(min_count=1),
                        "cost_ambulant": g["cost_ambulant"].sum(min_count=1),
                        "cost_residential": g["cost_residential"].sum(min_count=1)}).reset_index()
    n_hidden = hidden.groupby("school_year")[["cost_ambulant", "cost_residential"]].sum()
    for col in ("cost_ambulant", "cost_residential"):
        one = out["school_year"].map(n_hidden[col]).fillna(0) == 1
        out.loc[one, col] = np.nan
    out["cost_total"] = out["cost_ambulant"] + out["cost_residential"]
    out["cost_total_per_pupil"] = out["cost_total"] / out["pupils"].where(out["pupils"] > 0)
    if jos is None:
        return out
    counted = jos.dropna(subset=["pupils"])
    with_traj = jos.dropna(subset=["trajectories"])
    b = pd.DataFrame({"budget_eur": jos.groupby("school_year")["budget_eur"].sum(),
                      "budget_counted": counted.groupby("school_year")["budget_eur"].sum(),
                      "budget_pupils": counted.groupby("school_year")["pupils"].sum(),
                      "budget_traj": with_traj.groupby("school_year")["budget_eur"].sum(),
                      "trajectories": with_traj.groupby("school_year")["trajectories"].sum()}).reset_index()
    b["budget_per_pupil"] = b["budget_counted"] / b["budget_pupils"].where(b["budget_pupils"] > 0)
    b["budget_per_trajectory"] = b["budget_traj"] / b["trajectories"].where(b["trajectories"] > 0)
    out = out.merge(b.drop(columns=["budget_counted", "budget_traj"]), on="school_year", how="outer")
    return out.sort_values("school_year").reset_index(drop=True)


def cost_tables(costs: pd.DataFrame, jos: pd.DataFrame, basis: pd.DataFrame, split: pd.DataFrame, rules: Any,
                *, basis_year: str, names: Mapping[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """The cost tables as published: every one through :func:`josanalysis.privacy.apply_privacy`.

    Totals are published in thousands of euros (``× € 1.000``, whole euros), amounts per pupil
    and per trajectory in euros (cents).

    Returns ``{"jeugdhulp_per_school", "jeugdhulp_regio", "jos_per_school", "budget_basis",
    "financiering"}`` with Dutch headers (see the module docstring for what is hidden).
    """
    names = dict(names or {})
    raw_costs, raw_jos = costs, jos                # region sums and ratios from the amounts themselves
    costs, jos, basis, split = (_published(f) for f in (costs, jos, basis, split))
    c = costs.copy()
    # a count published as "<5" is small: it is hidden, and so is the cost of that care
    for _, count, cost in _KINDS:
        c.loc[c[count].isna() & c[cost].notna(), count] = 1.0
    c.insert(1, "school", c["school_id"].map(names))
    per_school = apply_privacy(c.rename(columns=_COST_HEADERS), rules, secondary=False,
                               count_columns=["leerlingen", "leerlingen jeugdhulp zonder verblijf",
                                              "leerlingen jeugdhulp met verblijf"])
    per_school = hide_dependent(per_school, _COST_DEPENDS)
    hidden = pd.DataFrame({"school_year": c["school_year"].to_numpy(),
                           "cost_ambulant": per_school["kosten zonder verblijf (× € 1.000)"].isna().to_numpy()
                           & c["cost_ambulant"].notna().to_numpy(),
                           "cost_residential": per_school["kosten met verblijf (× € 1.000)"].isna().to_numpy()
                           & c["cost_residential"].notna().to_numpy()})
    j = jos.copy()
    j.insert(1, "school", j["school_id"].map(names))
    jos_shown = hide_dependent(apply_privacy(j.rename(columns=_COST_HEADERS), rules, secondary=False,
                                             count_columns=["leerlingen", "trajecten"]),
                               {"budget per leerling (€)": ["leerlingen"], "budget per traject (€)": ["trajecten"]})
    region = _published(region_cost_years(raw_costs, hidden, raw_jos)).rename(columns=_COST_HEADERS)
    region = region.rename(columns={"schools": "scholen", "budget_pupils": "leerlingen met budget"})
    # one school's hidden trajectories would follow from the region total minus the others
    lone = jos.assign(h=jos_shown["trajecten"].isna().to_numpy() & jos["trajectories"].notna().to_numpy())
    lone = region["schooljaar"].map(lone.groupby("school_year")["h"].sum()).fillna(0) == 1
    also = pd.DataFrame(False, index=region.index, columns=region.columns)
    also["trajecten"] = lone.to_numpy()
    region_shown = apply_privacy(region, rules, secondary=False, also_hide=also,
                                 count_columns=["leerlingen", "leerlingen met budget", "trajecten"])
    region_shown = hide_dependent(region_shown, {"totaal per leerling (€)": ["leerlingen"],
                                                 "budget per leerling (€)": ["leerlingen met budget"],
                                                 "budget per traject (€)": ["trajecten"]})
    counts = c.loc[c["school_year"] == basis_year, ["school_id", "youthcare_ambulant", "youthcare_residential"]]
    b = basis.merge(counts, on="school_id", how="left")
    b.insert(1, "school", b["school_id"].map(names))
    basis_shown = apply_privacy(b.rename(columns=_COST_HEADERS), rules, secondary=False,
                                count_columns=["leerlingen jeugdhulp zonder verblijf",
                                               "leerlingen jeugdhulp met verblijf"])
    both = ["leerlingen jeugdhulp zonder verblijf", "leerlingen jeugdhulp met verblijf"]
    basis_shown = drop_protected(hide_dependent(basis_shown, {
        "kosten basisjaar zonder verblijf (× € 1.000)": both[:1], "kosten basisjaar met verblijf (× € 1.000)": both[1:],
        "kosten basisjaar (× € 1.000)": both, "budget als % van kosten basisjaar": both}), both)
    split_shown = apply_privacy(split.rename(columns=_COST_HEADERS), rules, secondary=False)
    return {"jeugdhulp_per_school": per_school, "jeugdhulp_regio": region_shown, "jos_per_school": jos_shown,
            "budget_basis": basis_shown, "financiering": split_shown}


#: Amounts published in thousands of euros (as CBS does), rounded to whole euros; amounts per pupil and
#: per trajectory stay in euros, rounded to cents. A results file then holds no long whole number that
#: the output scan could take for a pupil number (a total of 1.280.143 euro would read as 1280143).
_THOUSANDS = ("cost_ambulant", "cost_residential", "cost_total", "budget_eur", "basis_cost_ambulant",
              "basis_cost_residential", "basis_cost_total", "eur")
_CENTS = ("cost_ambulant_per_pupil", "cost_residential_per_pupil", "cost_total_per_pupil", "budget_per_pupil",
          "budget_per_trajectory", "eur_per_pupil")


def _published(frame: pd.DataFrame) -> pd.DataFrame:
    """Amounts as published: totals in thousands of euros (3 decimals), per pupil in cents."""
    out = frame.copy()
    for col in _THOUSANDS:
        if col in out.columns:
            out[col] = (out[col] / 1000).round(3)
    for col in _CENTS:
        if col in out.columns:
            out[col] = out[col].round(2)
    return out


_COST_HEADERS: dict[str, str] = {
    "school_id": "vestiging", "school_year": "schooljaar", "pupils": "leerlingen",
    "youthcare_ambulant": "leerlingen jeugdhulp zonder verblijf",
    "youthcare_residential": "leerlingen jeugdhulp met verblijf",
    "cost_ambulant": "kosten zonder verblijf (× € 1.000)", "cost_residential": "kosten met verblijf (× € 1.000)",
    "cost_total": "kosten totaal (× € 1.000)", "cost_ambulant_per_pupil": "zonder verblijf per leerling (€)",
    "cost_residential_per_pupil": "met verblijf per leerling (€)", "cost_total_per_pupil": "totaal per leerling (€)",
    "budget_eur": "budget (× € 1.000)", "trajectories": "trajecten", "budget_per_pupil": "budget per leerling (€)",
    "budget_per_trajectory": "budget per traject (€)",
    "basis_cost_ambulant": "kosten basisjaar zonder verblijf (× € 1.000)",
    "basis_cost_residential": "kosten basisjaar met verblijf (× € 1.000)", "basis_cost_total": "kosten basisjaar (× € 1.000)",
    "budget_pct_of_basis": "budget als % van kosten basisjaar",
    "part": "onderdeel", "share": "aandeel (%)", "eur": "bedrag (× € 1.000)", "eur_per_pupil": "per leerling (€)",
}

_COST_DEPENDS: dict[str, list[str]] = {
    "kosten zonder verblijf (× € 1.000)": ["leerlingen jeugdhulp zonder verblijf"],
    "kosten met verblijf (× € 1.000)": ["leerlingen jeugdhulp met verblijf"],
    "kosten totaal (× € 1.000)": ["leerlingen jeugdhulp zonder verblijf", "leerlingen jeugdhulp met verblijf"],
    "zonder verblijf per leerling (€)": ["leerlingen", "leerlingen jeugdhulp zonder verblijf"],
    "met verblijf per leerling (€)": ["leerlingen", "leerlingen jeugdhulp met verblijf"],
    "totaal per leerling (€)": ["leerlingen", "leerlingen jeugdhulp zonder verblijf",
                                "leerlingen jeugdhulp met verblijf"],
}
