"""The school × period × indicator panel, with denominators.

The panel is the only form in which data reach the models and the notebooks: aggregated per
school and month (absence, thuiszitters) or per school and school year (pupils, youth care,
referrals, early leavers, provider registration). Pupil-level frames stay inside
:mod:`josanalysis.sources`.

A batch run builds the panel once per region (:func:`prepare_region`) and hands every notebook
the prepared file; a notebook run on its own builds it from the raw files (:func:`load_panel`).

Examples
--------
>>> from josanalysis.panel.build import load_panel
>>> panel = load_panel("demoregio")                             # doctest: +SKIP
>>> panel.monthly("DM0100")[["month", "absence_rate"]].head(2)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from josanalysis.core.config import PARAMS_DIR, Region, load_region
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.core.indicators import INDICATORS
from josanalysis.core.schoolcalendar import in_windows, school_year_label_starts, school_year_starts
from josanalysis.sources import (
    follow_trajectories,
    load_region_data,
    summarise_exit_survey,
    summarise_team_survey,
    summarise_trajectories,
)
from josanalysis.sources.folder import RegionData

__all__ = ["Panel", "build_panel", "prepare_region", "load_panel", "vsv_per_school", "pupils_with_special",
           "PANEL_COLUMNS"]

PANEL_COLUMNS = ["school_id", "frequency", "period", "indicator", "value", "denominator", "suppressed"]

#: Denominator columns kept in the wide views next to the indicators.
_MONTHLY_DENOMINATORS = ["scheduled_hours", "n_pupils", "pupils"]


@dataclass
class Panel:
    """A region's panel in long form.

    Attributes
    ----------
    data
        One row per school × period × indicator: ``school_id``, ``frequency`` (``"month"`` or
        ``"schoolyear"``), ``period`` (month start, or 1 August of the school year), ``indicator``,
        ``value``, ``denominator`` (the indicator's denominator where it has one) and
        ``suppressed`` (the source suppressed the value; ``value`` is then missing).
    region_id
        The region the panel belongs to.
    synthetic
        Built from synthetic demo data.
    inputs
        The input files read, by source.
    tables
        Other aggregated tables the reports use, by name: ``capacity`` (FTE per function),
        ``budget`` (ZiO budget), ``pupils_by_home`` (DUO pupils by home municipality),
        ``trajectories`` (provider registration summarised per school and school year),
        ``municipality_youthcare`` (the municipality's figures per school and school year, with the
        duration per kind that the panel's indicators do not carry),
        ``cbs_youthcare`` (CBS, per municipality), ``addresses`` (DUO), ``rendement`` (the
        schools' own return indicators); the qualitative inputs (issue 19): ``team_survey`` (per
        school, year and element), ``pupil_survey``, ``exit_survey`` (distributions per school,
        year and respondent), ``stories``, and ``trajectory_follow`` (completed trajecten and
        their outcome). None of them is pupil-level.
    """

    data: pd.DataFrame
    region_id: str
    synthetic: bool
    inputs: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The wide views already built (:meth:`monthly`, :meth:`yearly`), by frequency and school: a
    #: report asks for its school's months once per indicator. Each call gets its own copy.
    _views: dict[tuple[str, str | None], pd.DataFrame] = field(default_factory=dict, init=False, repr=False,
                                                               compare=False)

    @property
    def present_sources(self) -> frozenset[str]:
        """The sources (``RegionData`` attributes) that had files when the panel was built."""
        return frozenset(k for k, files in (self.inputs or {}).items() if files)

    def has_school(self, school_id: str, frequency: str) -> bool:
        """Whether the panel has rows of this school at this frequency (``"month"``/``"schoolyear"``)."""
        d = self.data
        return bool(((d["school_id"] == school_id) & (d["frequency"] == frequency)).any())

    def _wide(self, frequency: str, school_id: str | None) -> pd.DataFrame:
        keep = (self.data["frequency"] == frequency).to_numpy(dtype=bool, copy=True)
        if school_id is not None:
            of_school = (self.data["school_id"] == school_id).to_numpy(dtype=bool)
            if not of_school.any():
                raise ConfigError(f"School id '{school_id}' has no data in the panel of region "
                                  f"'{self.region_id}'.")
            keep &= of_school
        d = self.data[keep]
        values = d.pivot_table(index=["school_id", "period"], columns="indicator", values="value",
                               aggfunc="first", dropna=False)
        return values.reset_index().rename_axis(columns=None)

    def monthly(self, school_id: str | None = None) -> pd.DataFrame:
        """Monthly indicators wide: ``school_id``, ``month``, one column per indicator and the
        denominators ``scheduled_hours``, ``n_pupils`` (pupils registered that month) and
        ``pupils`` (DUO count of the school year). Only lesson months appear."""
        if ("month", school_id) not in self._views:
            w = self._wide("month", school_id).rename(columns={"period": "month"})
            self._views["month", school_id] = w.sort_values(["school_id", "month"]).reset_index(drop=True)
        return self._views["month", school_id].copy()

    def yearly(self, school_id: str | None = None) -> pd.DataFrame:
        """School-year indicators wide: ``school_id``, ``school_year`` (``"2022-2023"``),
        ``year_start`` and one column per indicator."""
        if ("schoolyear", school_id) not in self._views:
            w = self._wide("schoolyear", school_id).rename(columns={"period": "year_start"})
            w.insert(1, "school_year", [f"{d.year}-{d.year + 1}" for d in w["year_start"]])
            self._views["schoolyear", school_id] = w.sort_values(["school_id", "year_start"]).reset_index(drop=True)
        return self._views["schoolyear", school_id].copy()

    def series(self, school_id: str, indicator: str, *,
               covid_windows: tuple[tuple[dt.date, dt.date], ...] = ()) -> pd.DataFrame:
        """One school's monthly series of one indicator, ready for :func:`josanalysis.methods.its.fit_its`.

        Returns ``month``, the indicator, its denominator columns and ``covid`` (the month
        overlaps a closure window, for exclusion or a co-intervention term).
        """
        if indicator not in INDICATORS or INDICATORS[indicator].frequency != "month":
            raise ConfigError(f"'{indicator}' is not a monthly indicator in the registry.")
        w = self.monthly(school_id)
        if indicator not in w.columns:
            raise DataError(f"The panel of region '{self.region_id}' has no '{indicator}' for "
                            f"school '{school_id}'; check that its source file was supplied.")
        cols = ["month", indicator] + [c for c in _MONTHLY_DENOMINATORS if c in w.columns]
        out = w[cols].dropna(subset=[indicator]).reset_index(drop=True)
        out["covid"] = in_windows(out["month"], covid_windows).to_numpy()
        return out

    def to_parquet(self, path: str | Path) -> Path:
        """Write the panel and its tables (aggregated data only) to the folder ``path``.

        The folder holds ``panel.parquet`` (with the region's metadata) and one Parquet file per
        table. Returns the folder.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"region_id": self.region_id, "synthetic": self.synthetic, "inputs": self.inputs,
                "tables": sorted(self.tables)}
        t = pa.Table.from_pandas(self.data, preserve_index=False)
        t = t.replace_schema_metadata({**(t.schema.metadata or {}),
                                       b"josanalysis": json.dumps(meta).encode()})
        pq.write_table(t, folder / "panel.parquet")
        for name, table in self.tables.items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
        return folder

    @classmethod
    def read_parquet(cls, path: str | Path) -> Panel:
        """Read a panel folder written by :meth:`to_parquet`."""
        import pyarrow.parquet as pq

        folder = Path(path)
        file = folder / "panel.parquet"
        if not file.is_file():
            raise DataError("prepared panel not found (expected a folder with panel.parquet)", file=folder)
        t = pq.read_table(file)
        meta = json.loads((t.schema.metadata or {}).get(b"josanalysis", b"{}"))
        if "region_id" not in meta:
            raise DataError("not a panel written by josanalysis (metadata missing)", file=file)
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta.get("tables", [])}
        return cls(data=t.to_pandas(), region_id=meta["region_id"], synthetic=meta["synthetic"],
                   inputs=meta.get("inputs", {}), tables=tables)


def _long(df: pd.DataFrame, frequency: str, period: str, indicators: dict[str, str | None],
          suppressed: dict[str, str] | None = None) -> pd.DataFrame:
    """Melt a wide source frame into panel rows; ``indicators`` maps value columns to their
    denominator columns (or ``None``)."""
    parts = []
    suppressed = suppressed or {}
    for col, den in indicators.items():
        if col not in df.columns:
            continue
        part = pd.DataFrame({
            "school_id": df["school_id"].astype(str).to_numpy(),
            "frequency": frequency,
            "period": pd.to_datetime(df[period]).to_numpy(),
            "indicator": col,
            "value": pd.to_numeric(df[col], errors="coerce").astype("float64").to_numpy(),
            "denominator": (pd.to_numeric(df[den], errors="coerce").astype("float64").to_numpy()
                            if den is not None and den in df.columns else float("nan")),
            "suppressed": (df[suppressed[col]].fillna(False).astype(bool).to_numpy()
                           if col in suppressed and suppressed[col] in df.columns else False),
        })
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def vsv_per_school(early_leavers: pd.DataFrame, school_ids: list[str]) -> pd.DataFrame:
    """Early school leavers per school from DUO's vsv file, per vestiging where DUO publishes it.

    * Rows with a ``school_id`` (DUO's per-vestiging figures) belong to that school:
      ``level == "vestiging"``.
    * A figure per *instelling* belongs to its one school when the instelling has only that
      vestiging among ``school_ids`` (``level == "vestiging"``, as before); with several, it is
      shown for every one of them and labelled ``level == "instelling"`` -- never silently left out,
      never added up over the vestigingen.

    A school with per-vestiging figures for a school year does not get the instelling's figure too.

    Returns ``school_id, school_year, participants, early_leavers, level``.
    """
    cols = ["school_id", "school_year", "participants", "early_leavers", "level"]
    ids = list(school_ids)
    has_id = early_leavers["school_id"].notna() if "school_id" in early_leavers.columns else \
        pd.Series(False, index=early_leavers.index)
    per_vest = early_leavers[has_id & early_leavers.get("school_id", pd.Series(index=early_leavers.index)).isin(ids)]
    vest = per_vest.groupby(["school_id", "school_year"], as_index=False)[
        ["participants", "early_leavers"]].sum(min_count=1).assign(level="vestiging")
    inst = pd.Series([s[:4] for s in ids], index=ids)
    per_inst = early_leavers[~has_id].groupby(["instelling", "school_year"], as_index=False)[
        ["participants", "early_leavers"]].sum(min_count=1)
    shared = inst.duplicated(keep=False)
    spread = pd.DataFrame({"school_id": inst.index, "instelling": inst.to_numpy(),
                           "level": ["instelling" if x else "vestiging" for x in shared]})
    from_inst = per_inst.merge(spread, on="instelling")
    done = set(zip(vest["school_id"], vest["school_year"]))
    from_inst = from_inst[[k not in done for k in zip(from_inst["school_id"], from_inst["school_year"])]]
    out = pd.concat([vest[cols], from_inst[cols]], ignore_index=True)
    return out.sort_values(["school_id", "school_year"]).reset_index(drop=True)


def pupils_with_special(duo_pupils: pd.DataFrame | None, special: pd.DataFrame | None) -> pd.DataFrame | None:
    """DUO pupils per vestiging of VO and of (v)so/sbo schools in one frame (None without either).

    Special schools are in the pilot but not in DUO's VO files; their counts come from DUO's
    (v)so/sbo file. A vestiging in both files keeps its VO count.
    """
    if special is None or not len(special):
        return duo_pupils
    cols = ["school_id", "instelling", "school_name", "municipality_code", "reference_date", "pupils",
            "pupils_suppressed"]
    extra = special[cols]
    if duo_pupils is None:
        return extra.reset_index(drop=True)
    known = set(zip(duo_pupils["school_id"], duo_pupils["reference_date"]))
    extra = extra[[k not in known for k in zip(extra["school_id"], extra["reference_date"])]]
    return pd.concat([duo_pupils, extra], ignore_index=True)


def _pupils_by_year(region: Region, pupils: pd.DataFrame | None) -> pd.DataFrame:
    """DUO pupils of the region's schools per school year (empty without the DUO file)."""
    if pupils is None:
        return pd.DataFrame(columns=["school_id", "reference_date", "year_start", "pupils", "pupils_suppressed"])
    ids = set(region.school_ids)
    pup = pupils[pupils["school_id"].isin(ids)].copy()
    pup["year_start"] = school_year_starts(pup["reference_date"])
    pup = pup.drop_duplicates(["school_id", "year_start"], keep="last")
    no_pupils = sorted(ids - set(pup["school_id"]))
    if no_pupils:
        raise DataError(f"the DUO pupil files have no count for school(s) {', '.join(no_pupils)}; "
                        "supply 'leerlingen vo per vestiging' for the years analysed.")
    return pup


def _monthly_block(region: Region, attendance: pd.DataFrame, pup: pd.DataFrame,
                   thuiszitters: pd.DataFrame | None) -> pd.DataFrame:
    """Absence and thuiszitters per school and lesson month, with the school year's DUO pupils."""
    ids = set(region.school_ids)
    monthly = attendance[attendance["school_id"].isin(ids)].copy()
    if thuiszitters is not None and len(thuiszitters):
        cols = ["thuiszitters"] + (["absoluut_verzuim"] if "absoluut_verzuim" in thuiszitters else [])
        tz = thuiszitters[thuiszitters["school_id"].isin(ids)][["school_id", "month", *cols]]
        tz = tz.rename(columns={"absoluut_verzuim": "absolute_absence"})
        # Thuiszitters (and absoluut verzuim) are counted in lesson months only, like absence.
        monthly = monthly.merge(tz, on=["school_id", "month"], how="left")
        for c in ("thuiszitters", "absolute_absence"):
            if c in monthly:
                monthly[c] = monthly[c].fillna(0)
    monthly["year_start"] = school_year_starts(monthly["month"])
    monthly = monthly.merge(pup[["school_id", "year_start", "pupils"]], on=["school_id", "year_start"],
                            how="left")
    monthly = monthly.rename(columns={"unauthorised_rate": "unauthorised_absence_rate"})
    return _long(monthly, "month", "month", {
        "absence_rate": "scheduled_hours", "unauthorised_absence_rate": "scheduled_hours",
        "thuiszitters": "pupils", "absolute_absence": "pupils", "scheduled_hours": None, "n_pupils": None,
        "pupils": None,
    })


def build_panel(region: Region, *, attendance: pd.DataFrame | None, pupils: pd.DataFrame | None,
                thuiszitters: pd.DataFrame | None = None, youthcare: pd.DataFrame | None = None,
                referrals: pd.DataFrame | None = None, early_leavers: pd.DataFrame | None = None,
                trajectories: pd.DataFrame | None = None,
                inputs: dict[str, list[str]] | None = None,
                tables: dict[str, pd.DataFrame] | None = None) -> Panel:
    """Build a region's panel from the canonical frames of :mod:`josanalysis.sources`.

    Parameters
    ----------
    region
        The region (its school ids restrict the panel).
    attendance
        :func:`~josanalysis.sources.load_attendance` output (school × month), or None when the
        region has no attendance files (the panel then has no monthly block).
    pupils
        :func:`~josanalysis.sources.load_duo_pupils` output, all years, or None (no DUO file).
    thuiszitters, youthcare, referrals, early_leavers, trajectories
        Optional canonical frames: monthly thuiszitters stock, municipality youth care,
        SWV referrals, DUO vsv (per instelling), provider trajectory summary per school year.
    inputs
        Input files by source, recorded in the panel.
    tables
        Other aggregated tables to carry along (see :class:`Panel`).

    Returns
    -------
    Panel
    """
    ids = set(region.school_ids)
    if attendance is not None:
        missing = sorted(ids - set(attendance["school_id"]))
        if missing:
            raise DataError(f"the attendance files have no rows for school(s) {', '.join(missing)} of "
                            f"region '{region.region_id}'; supply their attendance registration or "
                            "remove them from the region's params.")
    pup = _pupils_by_year(region, pupils)
    parts = [] if attendance is None else [_monthly_block(region, attendance, pup, thuiszitters)]

    # School-year block.
    parts.append(_long(pup, "schoolyear", "year_start", {"pupils": None},
                       {"pupils": "pupils_suppressed"}))
    pupils_by_year = pup[["school_id", "year_start", "pupils"]]
    if youthcare is not None and len(youthcare):
        y = youthcare[youthcare["school_id"].isin(ids)].copy()
        y["year_start"] = school_year_label_starts(y["school_year"])
        y = y.merge(pupils_by_year, on=["school_id", "year_start"], how="left")
        cols = {c: ("pupils" if INDICATORS[c].is_count else None) for c in
                ["youthcare_ambulant", "youthcare_residential", "cost_ambulant", "cost_residential",
                 "indications_light", "indications_medium", "indications_heavy", "duration_months"]}
        parts.append(_long(y, "schoolyear", "year_start", cols,
                           {c: f"{c}_suppressed" for c in cols}))
    if referrals is not None and len(referrals):
        r = referrals[referrals["school_id"].isin(ids)].copy()
        r["year_start"] = school_year_label_starts(r["school_year"])
        r = r.merge(pupils_by_year, on=["school_id", "year_start"], how="left")
        parts.append(_long(r, "schoolyear", "year_start",
                           {"tlv_vso_cluster4": "pupils", "placements_facility": "pupils"},
                           {c: f"{c}_suppressed" for c in ["tlv_vso_cluster4", "placements_facility"]}))
    if early_leavers is not None and len(early_leavers):
        v = vsv_per_school(early_leavers, region.school_ids)
        v["year_start"] = school_year_label_starts(v["school_year"])
        own = v["level"] == "vestiging"
        parts.append(_long(v[own], "schoolyear", "year_start", {"early_leavers": "participants"}))
        shared = v[~own].rename(columns={"early_leavers": "early_leavers_instelling"})
        parts.append(_long(shared, "schoolyear", "year_start", {"early_leavers_instelling": "participants"}))
    if trajectories is not None and len(trajectories):
        t = trajectories[trajectories["school_id"].isin(ids)].copy()
        t["year_start"] = school_year_label_starts(t["school_year"])
        t = t.merge(pupils_by_year, on=["school_id", "year_start"], how="left")
        if "n_trajectories" in t.columns:
            t = t.rename(columns={"n_trajectories": "jos_trajectories"})
            parts.append(_long(t, "schoolyear", "year_start", {"jos_trajectories": "pupils"}))
    kept = [p for p in parts if len(p)]
    data = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=PANEL_COLUMNS)
    data["period"] = pd.to_datetime(data["period"])
    data = data.sort_values(["school_id", "frequency", "indicator", "period"]).reset_index(drop=True)
    return Panel(data=data[PANEL_COLUMNS], region_id=region.region_id, synthetic=region.synthetic,
                 inputs=inputs or {}, tables={k: v for k, v in (tables or {}).items() if v is not None})


def _from_region(region: Region) -> Panel:
    # every source is optional: a section without its sources says so in the report; the data may
    # hold rows of a school whose params are invalid (it fails alone in a batch)
    rd = load_region_data(region.data_dir, school_ids=region.listed_school_ids, required=False,
                          boundaries_year=region.boundaries_year, absence_reasons=region.absence_reason_maps())
    files = {k: [str(p) for p in v] for k, v in (rd.files or {}).items()}
    summary = (summarise_trajectories(rd.provider_trajectories)
               if rd.provider_trajectories is not None else None)
    return build_panel(
        region,
        attendance=rd.attendance,
        pupils=pupils_with_special(rd.duo_pupils, rd.duo_special_pupils),
        thuiszitters=rd.thuiszitters,
        youthcare=rd.municipality_youthcare,
        referrals=rd.swv_referrals,
        early_leavers=rd.duo_vsv,
        trajectories=summary,
        inputs=files,
        tables={"capacity": rd.capacity, "budget": rd.budget, "pupils_by_home": rd.duo_pupils_by_postcode,
                "trajectories": summary, "cbs_youthcare": rd.cbs_youthcare, "addresses": rd.duo_addresses,
                "rendement": rd.rendement, "municipality_youthcare": rd.municipality_youthcare,
                **_qualitative_tables(rd)},
    )


def _qualitative_tables(rd: RegionData) -> dict[str, pd.DataFrame | None]:
    """The aggregated qualitative inputs and the trajectory follow-up (None when absent)."""
    def summary(frame: pd.DataFrame | None, summarise: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame | None:
        return summarise(frame) if frame is not None and len(frame) else None

    stories = None if rd.stories is None else rd.stories.assign(date=rd.stories["date"].dt.strftime("%Y-%m-%d"))
    return {"team_survey": summary(rd.team_survey, summarise_team_survey), "pupil_survey": rd.pupil_survey,
            "exit_survey": summary(rd.exit_survey, summarise_exit_survey), "stories": stories,
            "trajectory_follow": summary(rd.provider_trajectories, follow_trajectories)}


def prepare_region(region_id: str, path: str | Path, params_dir: str | Path | None = None) -> Path:
    """Load and validate a region's data once and write its panel to a folder next to ``path``.

    The folder is ``path`` without its suffix plus ``.prepared`` (a batch passes
    ``<run>/<region>.parquet``); it is returned, and notebooks receive it as ``prepared``.
    ``params_dir`` selects another ``params`` folder (default: the project's).

    This is what a batch run does before it starts any notebook: invalid data stop the run here
    with a :class:`~josanalysis.core.errors.DataError`, so no report is written from them.
    """
    region = load_region(region_id, PARAMS_DIR if params_dir is None else params_dir, skip_invalid_schools=True)
    return _from_region(region).to_parquet(Path(path).with_suffix(".prepared"))


def load_panel(region_id: str, prepared: str | Path | None = "", params_dir: str | Path | None = None) -> Panel:
    """The panel of a region: from a prepared file when given, else built from the raw files.

    Parameters
    ----------
    region_id
        Region whose params name the data folder.
    prepared
        Path of a file written by :func:`prepare_region` (as a batch run passes it), or empty.
    params_dir
        The parameter folder (default: the project's ``params/``).
    """
    if prepared:
        panel = Panel.read_parquet(prepared)
        if panel.region_id != region_id:
            raise ConfigError(f"The prepared file {prepared} belongs to region '{panel.region_id}', "
                              f"not '{region_id}'.")
        return panel
    return _from_region(load_region(region_id, params_dir if params_dir is not None else PARAMS_DIR,
                                    skip_invalid_schools=True))
