"""The inputs of the budget report, taken from a prepared panel or from the region's data.

The data flow is explicit and one-way::

    prepared panel folder --Panel.read_parquet--> Panel ----------sources_from_panel--------+
                                                                                            v
    data folder --load_region_data(only=BUDGET_SOURCES)--> RegionData --sources_from_region_data--> BudgetSources
                                                                                            |
                                                          budget_report_data(region, ...) <-+--> BudgetReportData

:class:`BudgetSources` holds the canonical (aggregated) frames the report reads, whichever way
they came; :func:`budget_report_data` turns them into :class:`BudgetReportData`, falling back to
the school YAML files for FTE and pupils and writing a Dutch "supply this file" sentence for every
absent source. :func:`load_budget_report_data` does the three steps in one call. Pupil-level
rows (the provider's trajectories) are summarised in :func:`sources_from_region_data` and go no
further.

Examples
--------
>>> sorted(BUDGET_SOURCES)[:3]
['budget', 'capacity', 'duo_pupils']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from josanalysis.core.config import PROJECT_ROOT, Region
from josanalysis.core.errors import ConfigError
from josanalysis.core.schoolcalendar import school_year_of
from josanalysis.panel.build import Panel, pupils_with_special, vsv_per_school
from josanalysis.questions.capacity import fte_from_region
from josanalysis.questions.missing import missing_source_message
from josanalysis.questions.pupils import pupils_from_region
from josanalysis.questions.rendement import long_from_frame
from josanalysis.sources import summarise_trajectories
from josanalysis.sources.folder import RegionData, load_region_data

__all__ = [
    "BUDGET_SOURCES",
    "BudgetSources",
    "BudgetReportData",
    "sources_from_region_data",
    "sources_from_panel",
    "read_budget_sources",
    "budget_report_data",
    "load_budget_report_data",
]

#: The sources of a data folder that the budget report reads (attendance is not among them).
BUDGET_SOURCES: tuple[str, ...] = (
    "capacity", "duo_pupils", "duo_special_pupils", "budget", "duo_pupils_by_postcode", "provider_trajectories",
    "thuiszitters", "municipality_youthcare", "swv_referrals", "duo_vsv", "rendement", "cbs_youthcare",
)


@dataclass(frozen=True)
class BudgetSources:
    """The canonical, aggregated frames the budget report reads (``None``: source absent).

    Attributes
    ----------
    capacity
        ``school_id, function, fte_before, fte_during, deployed``; ``capacity_source`` says where
        it came from (Dutch).
    pupils_by_year
        ``school_id, school_year, pupils``; ``pupils_where`` says where it came from (Dutch).
    budget, pupils_by_home, provider, rendement
        The budget frame, DUO pupils by home municipality, the provider summary per school and
        school year, and the schools' own return indicators.
    thuiszitters
        Monthly ``school_id, month, thuiszitters``.
    youthcare, referrals, vsv
        School-year frames with the municipality's youth care, the SWV's referrals and early
        school leavers per school.
    files
        Source -> files read.
    """

    capacity: pd.DataFrame | None = None
    capacity_source: str = ""
    pupils_by_year: pd.DataFrame | None = None
    pupils_where: str = ""
    budget: pd.DataFrame | None = None
    pupils_by_home: pd.DataFrame | None = None
    provider: pd.DataFrame | None = None
    rendement: pd.DataFrame | None = None
    cbs_youthcare: pd.DataFrame | None = None
    thuiszitters: pd.DataFrame | None = None
    youthcare: pd.DataFrame | None = None
    referrals: pd.DataFrame | None = None
    vsv: pd.DataFrame | None = None
    files: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetReportData:
    """Aggregated inputs of the region's budget report; no pupil-level data.

    Every attribute is ``None`` when its source is absent; ``missing`` then holds the Dutch
    sentence naming the file to supply, under the same key.

    Attributes
    ----------
    fte
        ``school_id, function, fte_before, fte_during, deployed`` (from ``capaciteit/*.csv`` when
        present, else from the school YAML files); ``fte_source`` says which.
    pupils
        Pupils per school (Series by ``school_id``): the latest DUO count in the data folder,
        else the counts recorded in the school YAML files; ``pupils_source`` says which.
    pupils_by_year
        ``school_id, school_year, pupils`` from the DUO files (for per-100 figures per year).
    budget
        ``school_id, year, budget_eur`` (``budget/*.csv``).
    home_municipality
        The canonical DUO pupils-by-home-municipality frame (aggregated counts per school,
        postcode and leerjaar, as DUO publishes them).
    rendement
        The long return frame ``school_id, school_year, indicator, value``.
    provider
        The provider summary per school and school year (``summarise_trajectories``).
    cbs
        CBS StatLine youth care per municipality (for the catchment estimate).
    youthcare
        The municipality's school-year frame (youth care, its costs, indications by weight,
        duration) of the region's schools.
    missing
        Source key -> Dutch sentence (see :func:`josanalysis.questions.missing.missing_source_message`).
    files
        Source key -> files read.
    data_dir
        The region's data folder as shown in messages (relative to the project when inside it).
    """

    fte: pd.DataFrame | None = None
    fte_source: str = ""
    pupils: pd.Series | None = None
    pupils_source: str = ""
    pupils_by_year: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    home_municipality: pd.DataFrame | None = None
    rendement: pd.DataFrame | None = None
    provider: pd.DataFrame | None = None
    cbs: pd.DataFrame | None = None
    youthcare: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    data_dir: str = ""


def _present(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The frame when it has rows, else None."""
    return frame if frame is not None and len(frame) else None


def read_budget_sources(region: Region) -> RegionData:
    """The sources in :data:`BUDGET_SOURCES` read from the region's data folder (validated).

    An absent data folder or source is not an error here: its frame stays ``None``.
    """
    if not region.data_dir.is_dir():
        return RegionData()
    return load_region_data(region.data_dir, school_ids=region.school_ids, only=BUDGET_SOURCES, required=False,
                            boundaries_year=region.boundaries_year)


def sources_from_region_data(region: Region, data: RegionData) -> BudgetSources:
    """The report's frames from the canonical frames of a data folder.

    DUO pupil counts get their school year from the reference date; the provider's trajectories
    are summarised per school and school year (pupil-level rows stop here); DUO's early school
    leavers per instelling are attributed to schools with :func:`josanalysis.panel.build.vsv_per_school`.
    """
    ids = region.school_ids
    files = {k: [str(p) for p in v] for k, v in (data.files or {}).items()}
    pupils_by_year = None
    duo = pupils_with_special(data.duo_pupils, data.duo_special_pupils)
    if duo is not None:
        d = duo[duo["school_id"].isin(ids)].copy()
        d["school_year"] = [school_year_of(t) for t in pd.to_datetime(d["reference_date"])]
        pupils_by_year = d[["school_id", "school_year", "pupils"]]
    trajectories = _present(data.provider_trajectories)
    return BudgetSources(
        capacity=_present(data.capacity),
        capacity_source="capaciteitsbestand",
        pupils_by_year=pupils_by_year,
        pupils_where="DUO",
        budget=_present(data.budget),
        pupils_by_home=_present(data.duo_pupils_by_postcode),
        provider=summarise_trajectories(trajectories) if trajectories is not None else None,
        rendement=_present(data.rendement),
        cbs_youthcare=_present(data.cbs_youthcare),
        thuiszitters=_present(data.thuiszitters),
        youthcare=_present(data.municipality_youthcare),
        referrals=_present(data.swv_referrals),
        vsv=_own_vsv(data.duo_vsv, ids),
        files=files,
    )


def _own_vsv(vsv: pd.DataFrame | None, ids: list[str]) -> pd.DataFrame | None:
    """Early leavers that belong to one school (per vestiging, or an instelling's only vestiging);
    an instelling's figure shared by several vestigingen is not a school's return figure."""
    if _present(vsv) is None:
        return None
    per_school = vsv_per_school(vsv, ids)
    return per_school[per_school["level"] == "vestiging"].drop(columns="level")


def sources_from_panel(panel: Panel) -> BudgetSources:
    """The report's frames from a prepared panel and its tables (no raw file is read)."""
    tables = getattr(panel, "tables", {}) or {}
    monthly = panel.monthly()
    yearly = panel.yearly()
    return BudgetSources(
        capacity=tables.get("capacity"),
        capacity_source="capaciteitsbestand",
        pupils_by_year=yearly[["school_id", "school_year", "pupils"]] if "pupils" in yearly.columns else None,
        pupils_where="DUO",
        budget=tables.get("budget"),
        pupils_by_home=tables.get("pupils_by_home"),
        provider=tables.get("trajectories"),
        rendement=tables.get("rendement"),
        cbs_youthcare=tables.get("cbs_youthcare"),
        thuiszitters=(monthly[["school_id", "month", "thuiszitters"]] if "thuiszitters" in monthly.columns
                      else None),
        youthcare=_panel_youthcare(yearly, tables.get("municipality_youthcare")),
        referrals=yearly,
        vsv=yearly.dropna(subset=["early_leavers"]) if "early_leavers" in yearly.columns else None,
        files={k: list(v) for k, v in (panel.inputs or {}).items()},
    )


def _panel_youthcare(yearly: pd.DataFrame, municipality: pd.DataFrame | None) -> pd.DataFrame:
    """The panel's school-year frame with the municipality's duration per kind added (when the
    prepared panel kept the municipality's table)."""
    kinds = ["duration_ambulant_months", "duration_residential_months"]
    if municipality is None or not set(kinds) <= set(municipality.columns):
        return yearly
    m = municipality[["school_id", "school_year", *kinds]].astype({"school_year": str})
    return yearly.drop(columns=[c for c in kinds if c in yearly.columns]).merge(m, on=["school_id", "school_year"],
                                                                              how="left")


def load_budget_report_data(region: Region, prepared: str | Path = "") -> BudgetReportData:
    """Gather what the budget report needs, tolerating absent sources.

    Without ``prepared`` the sources in :data:`BUDGET_SOURCES` are read from the region's data
    folder with :func:`josanalysis.sources.load_region_data` (validated: a broken file stops with a
    :class:`~josanalysis.core.errors.DataError`); attendance files are not read (this report does
    not use them). With ``prepared`` (the panel folder a batch run made with
    :func:`josanalysis.panel.build.prepare_region`) everything comes from the panel and its tables
    (``capacity``, ``budget``, ``pupils_by_home``, ``trajectories``, ``rendement``).
    An absent source or data folder is not an error: it becomes a Dutch "supply this file"
    sentence in ``missing``.

    Parameters
    ----------
    region
        The region (its ``data_dir`` is read).
    prepared
        The prepared panel folder, or empty.

    Returns
    -------
    BudgetReportData

    Raises
    ------
    ConfigError
        The prepared panel belongs to another region.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> data = load_budget_report_data(load_region("regio-alkmaar"))     # doctest: +SKIP
    >>> sorted(data.missing)                                               # doctest: +SKIP
    ['aanbieder', 'budget', 'herkomst']
    """
    if prepared:
        panel = Panel.read_parquet(prepared)
        if panel.region_id != region.region_id:
            raise ConfigError(f"The prepared panel {prepared} belongs to region '{panel.region_id}', "
                              f"not '{region.region_id}'.")
        sources = sources_from_panel(panel)
    else:
        sources = sources_from_region_data(region, read_budget_sources(region))
    return budget_report_data(region, sources)


def budget_report_data(region: Region, sources: BudgetSources) -> BudgetReportData:
    """The report's inputs from its sources, with the YAML fallbacks and "supply this file" sentences.

    Parameters
    ----------
    region
        The region (school ids, YAML fallbacks, data folder shown in the sentences).
    sources
        From :func:`sources_from_panel` or :func:`sources_from_region_data`.

    Returns
    -------
    BudgetReportData
    """
    data_dir = region.data_dir
    shown_dir = data_dir.relative_to(PROJECT_ROOT) if data_dir.is_relative_to(PROJECT_ROOT) else data_dir
    missing: dict[str, str] = {}

    def absent(frame: pd.DataFrame | None, key: str, what: str) -> pd.DataFrame | None:
        if frame is None or not len(frame):
            missing[key] = missing_source_message(key, shown_dir, what=what)
            return None
        return frame

    fte, fte_source = _fte(region, sources)
    if fte is None:
        missing["capaciteit"] = missing_source_message("capaciteit", shown_dir, what="de capaciteit (fte per functie)")
    pupils_by_year, pupils, pupils_source = _pupils(region, sources)
    if pupils is None:
        missing["leerlingen"] = missing_source_message("leerlingen", shown_dir, what="leerlingaantallen")
    return BudgetReportData(
        fte=fte, fte_source=fte_source, pupils=pupils, pupils_source=pupils_source, pupils_by_year=pupils_by_year,
        budget=absent(sources.budget, "budget", "het ZiO-budget"),
        home_municipality=absent(sources.pupils_by_home, "herkomst", "leerlingen naar woongemeente"),
        provider=absent(sources.provider, "aanbieder", "de registratie van de aanbieder"),
        rendement=return_frame(region, sources),
        cbs=_present(sources.cbs_youthcare),
        youthcare=absent(_youthcare(region, sources), "gemeente", "de jeugdhulp per school (gemeente)"),
        missing=missing, files=sources.files, data_dir=shown_dir.as_posix(),
    )


def _youthcare(region: Region, sources: BudgetSources) -> pd.DataFrame | None:
    """The municipality's youth care per school and school year (rows with a value only)."""
    yc = sources.youthcare
    values = [c for c in ("youthcare_ambulant", "youthcare_residential", "cost_ambulant", "cost_residential",
                          "indications_light", "indications_medium", "indications_heavy", "duration_months",
                          "duration_ambulant_months", "duration_residential_months")
              if yc is not None and c in yc.columns]
    if yc is None or not values:
        return None
    yc = yc[yc["school_id"].isin(region.school_ids)].dropna(subset=values, how="all")
    return yc[["school_id", "school_year", *values]].reset_index(drop=True)


def _fte(region: Region, sources: BudgetSources) -> tuple[pd.DataFrame | None, str]:
    """FTE per school and function from the capacity file, else from the school YAML files."""
    cap = sources.capacity
    if cap is not None and len(cap):
        return (cap[["school_id", "function", "fte_before", "fte_during", "deployed"]].copy(),
                sources.capacity_source or "capaciteitsbestand")
    fte = fte_from_region(region)
    if len(fte):
        return fte, "gegevens die de scholen hebben opgegeven"
    return None, ""


def _pupils(region: Region, sources: BudgetSources) -> tuple[pd.DataFrame | None, pd.Series | None, str]:
    """Pupils per school and year, the latest count per school, and where they came from."""
    pby = sources.pupils_by_year
    if pby is not None and len(pby):
        pby = pby[pby["school_id"].isin(region.school_ids)].dropna(subset=["pupils"])
        by_year = pby[["school_id", "school_year", "pupils"]].astype({"pupils": "float64"})
        latest = pby.sort_values("school_year").groupby("school_id")["pupils"].last().astype("float64")
        if not latest.empty:
            return (by_year, latest,
                    f"DUO-telling schooljaar {pby['school_year'].max()}")
    else:
        by_year = None
    p = pupils_from_region(region)
    if len(p):
        return by_year, p, "leerlingaantallen die de scholen hebben opgegeven"
    return by_year, None, ""


def return_frame(region: Region, sources: BudgetSources) -> pd.DataFrame | None:
    """The long return frame ``school_id, school_year, indicator, value`` of the region's schools.

    Thuiszitters (mean monthly stock per school year), youth care outside school (ambulant plus
    with verblijf), TLV referrals and early school leavers come from the monitor's sources; the
    schools' own indicators are appended as they are.
    """
    parts: list[pd.DataFrame] = []
    tz = sources.thuiszitters
    if tz is not None and len(tz):
        parts.append(long_from_frame(tz.dropna(subset=["thuiszitters"]), {"thuiszitters": "thuiszitters"},
                                     period_column="month", agg="mean"))
    yc = sources.youthcare
    if yc is not None and {"youthcare_ambulant", "youthcare_residential"} <= set(yc.columns):
        parts.append(long_from_frame(yc, {"jeugdhulp_buiten_school": "youthcare_ambulant+youthcare_residential"}))
    ref = sources.referrals
    if ref is not None and "tlv_vso_cluster4" in ref.columns:
        parts.append(long_from_frame(ref, {"tlv_vso": "tlv_vso_cluster4"}))
    vsv = sources.vsv
    if vsv is not None and "early_leavers" in vsv.columns and len(vsv):
        parts.append(long_from_frame(vsv, {"vsv": "early_leavers"}))
    if sources.rendement is not None and len(sources.rendement):
        parts.append(sources.rendement)
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return None
    long = pd.concat(parts, ignore_index=True)
    return long[long["school_id"].isin(region.school_ids)].dropna(subset=["value"]).reset_index(drop=True)
