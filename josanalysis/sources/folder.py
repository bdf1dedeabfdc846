"""Discover, load and check a region's data folder (layout: docs/data-formats.md).

::

    <data_dir>/duo/leerlingen-vo-per-vestiging-YYYY.csv      (required)
    <data_dir>/duo/leerlingen-vo-postcode-leerjaar-YYYY.csv
    <data_dir>/duo/alle-vestigingen-vo*.csv
    <data_dir>/duo/vsv-YYYY.csv
    <data_dir>/duo/leerlingen-so-vso-YYYY.csv | leerlingen-sbo-YYYY.csv
    <data_dir>/cbs/*.json | *.csv
    <data_dir>/leerplicht/*.csv
    <data_dir>/verzuim/*.csv | *.csv.gz | *.xlsx            (required)
    <data_dir>/gemeente/*.csv
    <data_dir>/swv/*.csv
    <data_dir>/aanbieder/*.csv
    <data_dir>/capaciteit/*.csv
    <data_dir>/budget/*.csv
    <data_dir>/rendement/*.csv
    <data_dir>/kwalitatief/teamvragenlijst*.csv | leerlingpeiling*.csv | exitvragenlijst*.csv | verhalen*.csv

Examples
--------
>>> from josanalysis.sources import load_region_data, check_data_folder
>>> data = load_region_data("data/demo")          # doctest: +SKIP
>>> check_data_folder("data/demo")                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from josanalysis.core.absence_reasons import AbsenceReasons
from josanalysis.core.datasources import SECTION_NEEDS, SOURCE_INFO, missing_sources
from josanalysis.core.errors import ConfigError, DataError, JosError
from josanalysis.sources.attendance import load_attendance
from josanalysis.sources.capacity import load_budget, load_capacity
from josanalysis.sources.cbs import CBS_COLUMNS, load_cbs_youthcare
from josanalysis.sources.duo import (
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_special_pupils,
    load_duo_vsv,
)
from josanalysis.sources.harmonise import harmonise_frames
from josanalysis.sources.leerplicht import load_leerplicht_cases, load_thuiszitters, thuiszitters_from_cases
from josanalysis.sources.municipality import load_municipality_youthcare
from josanalysis.sources.provider import load_provider_trajectories
from josanalysis.sources.rendement import load_rendement_indicators
from josanalysis.sources.exitsurvey import load_exit_survey
from josanalysis.sources.stories import load_stories
from josanalysis.sources.surveys import load_pupil_survey, load_team_survey
from josanalysis.sources.swv import load_swv_referrals

__all__ = ["RegionData", "SOURCES", "Source", "load_region_data", "check_data_folder", "discover",
           "source_coverage"]


@dataclass(frozen=True)
class Source:
    """One source of a data folder: where its files are and how they are read."""

    attribute: str
    label: str
    patterns: tuple[str, ...]
    loader: Callable[..., pd.DataFrame]
    required: bool = False
    school_level: bool = False  # refuse unknown school codes when school_ids are given
    key: tuple[str, ...] = ()  # unique key across files (when several files are concatenated)
    #: when set, frame columns beyond these are further dimensions and join ``key`` (CBS tables)
    fixed_columns: tuple[str, ...] = ()
    #: record-level reader and aggregation, when the loader aggregates records (Leerplicht cases
    #: to monthly counts): several files are combined as records, checked on ``key``, then
    #: aggregated once, so the same register in two files is refused and a register split over
    #: files is counted once
    records: Callable[..., pd.DataFrame] | None = None
    from_records: Callable[[pd.DataFrame], pd.DataFrame] | None = None


SOURCES: tuple[Source, ...] = (
    Source("duo_pupils", SOURCE_INFO["duo_pupils"].label, ("duo/leerlingen-vo-per-vestiging-*.csv",),
           load_duo_pupils, required=True, key=("school_id", "reference_date")),
    Source("duo_pupils_by_postcode", SOURCE_INFO["duo_pupils_by_postcode"].label,
           ("duo/leerlingen-vo-postcode-leerjaar-*.csv",), load_duo_pupils_by_postcode,
           key=("reference_date", "school_id", "postcode", "home_municipality_code", "leerjaar")),
    Source("duo_addresses", SOURCE_INFO["duo_addresses"].label, ("duo/alle-vestigingen-vo*.csv",),
           load_duo_addresses, key=("school_id",)),
    Source("duo_vsv", SOURCE_INFO["duo_vsv"].label, ("duo/vsv-*.csv",), load_duo_vsv,
           key=("instelling", "school_id", "school_year", "education_structure")),
    Source("duo_special_pupils", SOURCE_INFO["duo_special_pupils"].label,
           ("duo/leerlingen-so-vso-*.csv", "duo/leerlingen-sbo-*.csv", "duo/leerlingen-speciaal-*.csv"),
           load_duo_special_pupils, key=("school_id", "reference_date")),
    Source("cbs_youthcare", SOURCE_INFO["cbs_youthcare"].label, ("cbs/*.json", "cbs/*.csv"), load_cbs_youthcare,
           key=("municipality_code", "year", "measure"), fixed_columns=tuple(CBS_COLUMNS)),
    Source("thuiszitters", SOURCE_INFO["thuiszitters"].label, ("leerplicht/*.csv", "leerplicht/*.xlsx"),
           load_thuiszitters, school_level=True, key=("pupil_key", "school_id", "type", "start"),
           records=load_leerplicht_cases, from_records=thuiszitters_from_cases),
    Source("attendance", SOURCE_INFO["attendance"].label, ("verzuim/*.csv", "verzuim/*.csv.gz", "verzuim/*.xlsx"),
           load_attendance, required=True, school_level=True, key=("school_id", "month")),
    Source("municipality_youthcare", SOURCE_INFO["municipality_youthcare"].label, ("gemeente/*.csv", "gemeente/*.xlsx"),
           load_municipality_youthcare, school_level=True, key=("school_id", "school_year")),
    Source("swv_referrals", SOURCE_INFO["swv_referrals"].label, ("swv/*.csv", "swv/*.xlsx"), load_swv_referrals,
           school_level=True,
           key=("school_id", "school_year")),
    Source("provider_trajectories", SOURCE_INFO["provider_trajectories"].label, ("aanbieder/*.csv", "aanbieder/*.xlsx"),
           load_provider_trajectories, school_level=True, key=("trajectory_id",)),
    Source("capacity", SOURCE_INFO["capacity"].label, ("capaciteit/*.csv", "capaciteit/*.xlsx"), load_capacity,
           school_level=True, key=("school_id", "function")),
    Source("budget", SOURCE_INFO["budget"].label, ("budget/*.csv", "budget/*.xlsx"), load_budget, school_level=True,
           key=("school_id", "year")),
    Source("rendement", SOURCE_INFO["rendement"].label, ("rendement/*.csv", "rendement/*.xlsx"),
           load_rendement_indicators,
           school_level=True, key=("school_id", "school_year", "indicator")),
    Source("team_survey", SOURCE_INFO["team_survey"].label, ("kwalitatief/teamvragenlijst*.csv",), load_team_survey,
           school_level=True, key=("school_id", "school_year", "respondent")),
    Source("pupil_survey", SOURCE_INFO["pupil_survey"].label, ("kwalitatief/leerlingpeiling*.csv",),
           load_pupil_survey, school_level=True, key=("school_id", "school_year", "measure")),
    Source("exit_survey", SOURCE_INFO["exit_survey"].label, ("kwalitatief/exitvragenlijst*.csv",), load_exit_survey,
           school_level=True, key=("trajectory_id", "respondent")),
    Source("stories", SOURCE_INFO["stories"].label, ("kwalitatief/verhalen*.csv",), load_stories,
           school_level=True),
)

_SUBFOLDERS = {p.split("/")[0] for s in SOURCES for p in s.patterns}
_IGNORED_NAMES = ("readme", ".")


@dataclass
class RegionData:
    """Every canonical frame of a region's data folder (None when the source is absent).

    Attributes
    ----------
    duo_pupils, duo_pupils_by_postcode, duo_addresses, duo_vsv, duo_special_pupils, cbs_youthcare, thuiszitters,
    attendance, municipality_youthcare, swv_referrals, provider_trajectories, capacity, budget,
    rendement, team_survey, pupil_survey, exit_survey, stories
        The frames documented in :mod:`josanalysis.sources` (several files of one source are
        concatenated).
    files
        Source attribute -> files read.
    """

    duo_pupils: pd.DataFrame | None = None
    duo_pupils_by_postcode: pd.DataFrame | None = None
    duo_addresses: pd.DataFrame | None = None
    duo_vsv: pd.DataFrame | None = None
    duo_special_pupils: pd.DataFrame | None = None
    cbs_youthcare: pd.DataFrame | None = None
    thuiszitters: pd.DataFrame | None = None
    attendance: pd.DataFrame | None = None
    municipality_youthcare: pd.DataFrame | None = None
    swv_referrals: pd.DataFrame | None = None
    provider_trajectories: pd.DataFrame | None = None
    capacity: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    rendement: pd.DataFrame | None = None
    team_survey: pd.DataFrame | None = None
    pupil_survey: pd.DataFrame | None = None
    exit_survey: pd.DataFrame | None = None
    stories: pd.DataFrame | None = None
    files: dict[str, list[Path]] = field(default_factory=dict)


def _folder(data_dir: str | Path) -> Path:
    path = Path(data_dir)
    if not path.exists():
        raise ConfigError(f"data folder '{path}' does not exist.")
    if not path.is_dir():
        raise ConfigError(f"'{path}' is not a folder (expected a data folder such as data/demo).")
    return path


def discover(data_dir: str | Path) -> dict[str, list[Path]]:
    """Files per source attribute, by the patterns of the folder layout (sorted, no duplicates)."""
    root = _folder(data_dir)
    found: dict[str, list[Path]] = {}
    for src in SOURCES:
        files: list[Path] = []
        for pat in src.patterns:
            files.extend(p for p in sorted(root.glob(pat)) if p.is_file() and p not in files)
        if files:
            found[src.attribute] = files
    return found


def _kwargs(src: Source, school_ids: Iterable[str] | None) -> dict[str, list[str]]:
    return {"school_ids": list(school_ids)} if (src.school_level and school_ids is not None) else {}


def _load(src: Source, files: list[Path], school_ids: Iterable[str] | None,
          reasons: Mapping[str, AbsenceReasons] | None = None) -> pd.DataFrame:
    kwargs = _kwargs(src, school_ids)
    if src.attribute == "attendance":
        return src.loader(files, **kwargs, reasons=reasons)
    if src.records is not None and src.from_records is not None:
        return src.from_records(_combine(src, files, [src.records(f, **kwargs) for f in files]))
    return _combine(src, files, [src.loader(f, **kwargs) for f in files])


def _check_one(src: Source, file: Path, school_ids: Iterable[str] | None,
               reasons: Mapping[str, AbsenceReasons] | None = None) -> pd.DataFrame:
    """Load one file as :func:`_load` does; the frame that :func:`_combine` checks across files."""
    if src.records is None or src.from_records is None:
        return _load(src, [file], school_ids, reasons)
    records = src.records(file, **_kwargs(src, school_ids))
    src.from_records(records)
    return records


def _combine(src: Source, files: list[Path], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate the frames of several files; refuse a record that is in two files.

    The message names the files, the key columns and the first record found twice.
    """
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    key = list(src.key)
    if key and src.fixed_columns:
        key += [c for c in out.columns if c not in src.fixed_columns and c not in key]
    if key:
        origin = np.repeat(np.arange(len(frames)), [len(fr) for fr in frames])
        keyed = out[key].assign(_file=origin).drop_duplicates()  # a record twice in one file is the loader's
        dup = keyed.duplicated(key, keep=False).to_numpy()
        if dup.any():
            names = [files[i].name for i in sorted(set(keyed["_file"].to_numpy()[dup]))]
            first = keyed.loc[dup, key].iloc[0]
            shown = ", ".join(f"{k}={_shown(v)}" for k, v in first.items() if k != "pupil_key")
            raise DataError(
                f"the same record ({shown}; key {key}) occurs in more than one file "
                f"({', '.join(names)}), {int(dup.sum())} key occurrence(s) in all; expected each record "
                "in one file only, else it is counted twice.",
                file=files[0].parent,
            )
    return out


def _shown(value: object) -> str:
    """A key value for a message (dates without a time)."""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)


def load_region_data(
    data_dir: str | Path, *, school_ids: Iterable[str] | None = None,
    only: Iterable[str] | None = None, required: bool = True, boundaries_year: int | None = None,
    absence_reasons: Mapping[str, AbsenceReasons] | None = None,
) -> RegionData:
    """Load every source found in a data folder.

    Parameters
    ----------
    data_dir
        The region's data folder (``Region.data_dir``).
    school_ids
        When given, school-level files (Leerplicht, attendance, municipality, SWV, provider,
        capacity, budget) with other school codes are refused. DUO and CBS files cover more
        schools/municipalities and are not filtered.
    only
        Source attributes to read (default: all); the others stay None (``files`` still lists
        every file found).
    required
        Whether a missing required source is an error (default). A report that tolerates absent
        sources passes False; then an absent data folder is not an error either (every source is
        missing, see :func:`source_coverage`).

    Returns
    -------
    RegionData

    Raises
    ------
    ConfigError
        The folder does not exist.
    DataError
        A required source (DUO pupils per vestiging, attendance) has no file, or any file is
        invalid (file, rows and column named).

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> region = load_region("demoregio")                                          # doctest: +SKIP
    >>> data = load_region_data(region.data_dir, school_ids=region.school_ids)      # doctest: +SKIP
    >>> data.attendance.head()                                                     # doctest: +SKIP
    """
    if not required and not Path(data_dir).exists():
        return RegionData(files={})
    root = _folder(data_dir)
    found = discover(root)
    data = RegionData(files=found)
    wanted = None if only is None else set(only)
    for src in SOURCES:
        if wanted is not None and src.attribute not in wanted:
            continue
        files = found.get(src.attribute)
        if not files:
            if src.required and required:
                raise DataError(
                    f"required {src.label} file missing: expected "
                    f"{' or '.join(src.patterns)} in {root}.",
                    file=root / src.patterns[0],
                )
            continue
        setattr(data, src.attribute, _load(src, files, school_ids, absence_reasons))
    return replace(data, **harmonise_frames(vars(data), boundaries_year))


def check_data_folder(
    path: str | Path, *, school_ids: Iterable[str] | None = None, complete: bool = False,
    absence_reasons: Mapping[str, AbsenceReasons] | None = None,
) -> pd.DataFrame:
    """Validate every file of a data folder; never raises for bad files, reports them.

    Parameters
    ----------
    path
        The data folder.
    school_ids
        When given, school-level files with other school codes are reported.
    complete
        Also report a missing required source (DUO pupils, attendance) as FOUT. By default a
        missing source is not an error: every source is optional and :func:`source_coverage`
        lists what each report section misses.
    absence_reasons
        School id -> the school's mapping of absence reason codes, for attendance files with a
        reason-code column (without it every code in such a file is reported as unmapped).

    Returns
    -------
    pandas.DataFrame
        One row per file: ``source`` (Dutch label), ``file`` (path relative to the folder),
        ``status`` (``"OK"`` or ``"FOUT"``) and ``problem`` (the error sentence, empty when OK).
        Unrecognised files in the source subfolders (and, with ``complete``, a missing required
        source) are FOUT rows.

    Raises
    ------
    ConfigError
        The folder does not exist.

    Examples
    --------
    >>> table = check_data_folder("data/demo")       # doctest: +SKIP
    >>> bool((table["status"] == "OK").all())        # doctest: +SKIP
    True
    """
    root = _folder(path)
    found = discover(root)
    rows: list[dict[str, str]] = []
    used: set[Path] = set()
    for src in SOURCES:
        files = found.get(src.attribute, [])
        if not files and src.required and complete:
            rows.append({"source": src.label, "file": " of ".join(src.patterns), "status": "FOUT",
                         "problem": f"required file missing (expected {' or '.join(src.patterns)})."})
        frames: list[pd.DataFrame] = []
        for f in files:
            used.add(f)
            try:
                frames.append(_check_one(src, f, school_ids, absence_reasons))
            except JosError as exc:
                rows.append({"source": src.label, "file": str(f.relative_to(root)), "status": "FOUT",
                             "problem": str(exc)})
            except Exception as exc:  # noqa: BLE001 - a checker must report, not crash
                rows.append({"source": src.label, "file": str(f.relative_to(root)), "status": "FOUT",
                             "problem": f"unexpected error while reading: {type(exc).__name__}: {exc}"})
            else:
                rows.append({"source": src.label, "file": str(f.relative_to(root)), "status": "OK",
                             "problem": ""})
        if len(files) > 1 and src.key and len(frames) == len(files):
            try:
                _combine(src, files, frames)
            except JosError as exc:
                rows.append({"source": src.label, "file": f"{files[0].parent.relative_to(root)}/",
                             "status": "FOUT", "problem": str(exc)})
    for sub in sorted(_SUBFOLDERS):
        folder = root / sub
        if not folder.is_dir():
            continue
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f not in used and not f.name.lower().startswith(_IGNORED_NAMES):
                rows.append({"source": "onbekend", "file": str(f.relative_to(root)), "status": "FOUT",
                             "problem": "file not recognised: its name or extension does not match the "
                                        "folder layout in docs/data-formats.md."})
    return pd.DataFrame(rows, columns=["source", "file", "status", "problem"]).astype("str")


def source_coverage(path: str | Path | None) -> pd.DataFrame:
    """Per report section: which sources it reads are present and which are missing.

    Parameters
    ----------
    path
        The data folder; an absent folder (or None) means every source is missing.

    Returns
    -------
    pandas.DataFrame
        One row per section of :data:`josanalysis.core.datasources.SECTION_NEEDS`: ``section``
        (Dutch title), ``present`` and ``missing`` (Dutch source names, ``;``-separated) and
        ``status`` (``"volledig"``, ``"deels"`` when only sources it can do without are missing,
        or ``"ontbreekt"`` when the section cannot show figures).

    Examples
    --------
    >>> table = source_coverage(None)
    >>> table.loc[table["section"].str.startswith("Capaciteit"), "status"].item()
    'deels'
    """
    found = discover(path) if path is not None and Path(path).is_dir() else {}
    rows = []
    for key, needs in SECTION_NEEDS.items():
        read = list(dict.fromkeys(needs.needs + needs.any_of + needs.uses))
        blocking = missing_sources(key, found)
        status = "ontbreekt" if blocking else ("volledig" if all(k in found for k in read) else "deels")
        rows.append({"section": needs.title,
                     "present": "; ".join(SOURCE_INFO[k].label for k in read if k in found),
                     "missing": "; ".join(SOURCE_INFO[k].label for k in read if k not in found),
                     "status": status})
    return pd.DataFrame(rows, columns=["section", "present", "missing", "status"])
