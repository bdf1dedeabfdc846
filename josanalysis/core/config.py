"""Region, school and analysis-plan parameters (the YAML files under ``params/``).

Layout::

    params/analysis_plan.yaml              the pre-specified analysis plan
    params/regions/<region_id>.yaml        one file per region
    params/schools/<region_id>/<id>.yaml   one file per school of that region

Every mistake in these files stops with a :class:`~josanalysis.core.errors.ConfigError` that names
the file and the key.

Examples
--------
>>> from josanalysis.core.config import load_region
>>> region = load_region("demoregio")            # doctest: +SKIP
>>> [s.school_id for s in region.jos_schools][:2]  # doctest: +SKIP
['DM0100', 'DM0200']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel

from josanalysis.core.absence_reasons import AbsenceReasons, merge_reasons
from josanalysis.core.config_schema import (
    FUNCTIONS,
    AnalysisPlanFile,
    IndicatorPlanFile,
    RegionFile,
    SchoolFile,
    check_identifier,
    validation_message,
)
from josanalysis.core.errors import ConfigError

__all__ = [
    "PROJECT_ROOT",
    "PARAMS_DIR",
    "FUNCTIONS",
    "School",
    "InvalidSchool",
    "Region",
    "PrivacyRules",
    "AnalysisPlan",
    "IndicatorPlan",
    "load_region",
    "load_school",
    "load_analysis_plan",
    "load_region_plan",
    "PlanChange",
    "PlanRegistration",
    "list_regions",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PARAMS_DIR = PROJECT_ROOT / "params"


class _TextDatesLoader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so a bad date becomes our sentence, not a traceback."""


_TextDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: parameter file not found.")
    try:
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML: {exc}") from None
    if not isinstance(content, dict):
        raise ConfigError(f"{path.name}: expected a mapping of keys to values at the top level.")
    return content


def _validate(model: type[BaseModel], content: dict[str, Any], path: Path, prefix: str = "") -> Any:
    """Validate a parameter file against its schema, or stop with one sentence naming file and key."""
    try:
        return model.model_validate(content)
    except pydantic.ValidationError as exc:
        raise ConfigError(validation_message(exc, path.name, model, prefix)) from None


@dataclass(frozen=True)
class School:
    """One school (DUO vestiging) as configured in ``params/schools/<region>/<id>.yaml``."""

    school_id: str
    name: str
    school_type: str
    region: str
    subregion: str | None
    jos_start: dt.date | None
    fte_before: dict[str, float | None]
    fte_during: dict[str, float | None]
    pupils: int | None
    pupils_source: str | None
    notes: str
    indicator_notes: dict[str, str]
    path: Path
    #: the school's own absence reason codes -> category (``absence_reasons:``; normalised codes)
    absence_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def is_jos(self) -> bool:
        """Whether the school starts (or started) JOS."""
        return self.jos_start is not None


@dataclass(frozen=True)
class PrivacyRules:
    """Output suppression rules of a region (see :mod:`josanalysis.privacy.suppression`)."""

    min_count: int = 5
    min_denominator: int = 10
    rounding: int | None = None


@dataclass(frozen=True)
class InvalidSchool:
    """A school listed by its region whose parameter file cannot be used.

    Only a region loaded with ``skip_invalid_schools=True`` has them: a batch run then lets
    this school's report fail alone, with ``problem`` (the sentence that names the file, the key
    and what was expected) in the index and the summary.
    """

    school_id: str
    path: Path
    problem: str


@dataclass(frozen=True)
class PlanChange:
    """A change of a region's analysis plan after it was registered."""

    date: dt.date
    after_results: bool
    what: str


@dataclass(frozen=True)
class PlanRegistration:
    """Which analysis plan a region uses and when the region registered it.

    ``registered`` is None when the region gave no date: its reports then say "niet vooraf
    vastgelegd" and never print a date the region did not give.
    """

    file: Path
    registered: dt.date | None = None
    where: str = ""
    changes: tuple[PlanChange, ...] = ()


@dataclass(frozen=True)
class Region:
    """A region as configured in ``params/regions/<region_id>.yaml``.

    ``schools`` holds the schools whose parameter files are valid; ``invalid_schools`` the
    others (only when loaded with ``skip_invalid_schools=True``).
    """

    region_id: str
    name: str
    synthetic: bool
    data_dir: Path
    language: str
    schools: tuple[School, ...]
    comparison_ids: tuple[str, ...]
    municipalities: dict[str, str]
    privacy: PrivacyRules
    notes: str
    indicator_notes: dict[str, str]
    extra: dict[str, Any]
    path: Path
    invalid_schools: tuple[InvalidSchool, ...] = ()
    plan: PlanRegistration | None = None
    boundaries_year: int | None = None
    #: the region's default absence reason codes -> category, which a school's own codes override
    absence_reasons: dict[str, str] = field(default_factory=dict)

    def absence_reason_maps(self) -> dict[str, AbsenceReasons]:
        """The absence reason mapping of every listed school (region default + the school's own).

        A school whose parameter file is invalid gets the region default (its rows still need a
        mapping to be read).

        Examples
        --------
        >>> load_region("demoregio").absence_reason_maps()["DM0100"].category("ziek")  # doctest: +SKIP
        'geoorloofd'
        """
        maps = {s.school_id: merge_reasons(s.school_id, region=self.absence_reasons, school=s.absence_reasons,
                                           school_file=s.path, region_file=self.path)
                for s in self.schools}
        for bad in self.invalid_schools:
            maps[bad.school_id] = merge_reasons(bad.school_id, region=self.absence_reasons,
                                                school_file=bad.path, region_file=self.path)
        return maps

    @property
    def title(self) -> str:
        """The region as a report names it: ``Regio Demoregio``, but ``Regio Alkmaar`` stays as it is."""
        return self.name if self.name.lower().startswith("regio") else f"Regio {self.name}"

    @property
    def school_ids(self) -> list[str]:
        return [s.school_id for s in self.schools]

    @property
    def listed_school_ids(self) -> list[str]:
        """Every school the region file lists, valid or not (data files may hold them all)."""
        return [*self.school_ids, *(s.school_id for s in self.invalid_schools)]

    def invalid_school(self, school_id: str) -> InvalidSchool | None:
        """The invalid school with this id, or None."""
        return next((s for s in self.invalid_schools if s.school_id == school_id), None)

    @property
    def jos_schools(self) -> list[School]:
        return [s for s in self.schools if s.is_jos]

    @property
    def comparison_schools(self) -> list[School]:
        return [s for s in self.schools if s.school_id in self.comparison_ids]

    def school(self, school_id: str) -> School:
        """Return the school with this id, or stop with a sentence naming the id."""
        for s in self.schools:
            if s.school_id == school_id:
                return s
        bad = self.invalid_school(school_id)
        if bad is not None:
            raise ConfigError(f"School '{school_id}' cannot be used: {bad.problem}")
        raise ConfigError(
            f"School id '{school_id}' is not in region '{self.region_id}' "
            f"({self.path.name}); known ids: {', '.join(self.school_ids)}."
        )


def load_school(path: str | Path) -> School:
    """Read one school YAML file (schema: :class:`~josanalysis.core.config_schema.SchoolFile`)."""
    path = Path(path)
    f: SchoolFile = _validate(SchoolFile, _read_yaml(path), path)
    if path.stem != f.school_id:
        raise ConfigError(f"{path.name}: school_id '{f.school_id}' does not match the file name.")
    return School(
        school_id=f.school_id,
        name=f.name,
        school_type=f.type,
        region=f.region,
        subregion=f.subregion,
        jos_start=f.jos_start,
        fte_before=dict(f.fte.before or {}),
        fte_during=dict(f.fte.during or {}),
        pupils=f.pupils,
        pupils_source=f.pupils_source,
        notes=(f.notes.general or "").strip(),
        indicator_notes={str(k): str(v).strip() for k, v in (f.notes.indicators or {}).items()},
        path=path,
        absence_reasons=dict(f.absence_reasons),
    )


def list_regions(params_dir: Path = PARAMS_DIR) -> list[str]:
    """The region ids that have a parameter file."""
    return sorted(p.stem for p in (params_dir / "regions").glob("*.yaml"))


def load_region(
    region_id: str, params_dir: str | Path = PARAMS_DIR, *, skip_invalid_schools: bool = False,
) -> Region:
    """Read a region and all of its schools.

    Parameters
    ----------
    region_id
        File stem under ``params/regions/`` (for example ``"demoregio"``).
    params_dir
        The ``params`` folder; defaults to the project's.
    skip_invalid_schools
        Keep a school whose parameter file is missing or invalid out of ``schools`` and record
        it, with its error sentence, in ``invalid_schools`` instead of stopping (a batch run and
        the reports it runs: one bad school never stops the others). Errors in the region file
        itself always stop.

    Returns
    -------
    Region
        With its schools in the order the region file lists them. ``data_dir`` is resolved
        against the project root when relative.
    """
    params_dir = Path(params_dir)
    try:
        check_identifier(region_id, "Region id")
    except ValueError as exc:
        raise ConfigError(f"{exc}.") from None
    path = params_dir / "regions" / f"{region_id}.yaml"
    if not path.is_file():
        known = ", ".join(list_regions(params_dir)) or "none"
        raise ConfigError(
            f"Region '{region_id}' has no parameter file {path} (known regions: {known})."
        )
    f: RegionFile = _validate(RegionFile, _read_yaml(path), path)
    if f.region_id != region_id:
        raise ConfigError(f"{path.name}: region_id is '{f.region_id}', expected '{region_id}' (the file name).")
    ids, comparison = f.schools, f.comparison_schools or []
    unknown = [c for c in comparison if c not in ids]
    if unknown:
        raise ConfigError(
            f"{path.name}: comparison school(s) {', '.join(map(str, unknown))} are not listed under 'schools'."
        )
    dup = {s for s in ids if ids.count(s) > 1}
    if dup:
        raise ConfigError(f"{path.name}: school(s) listed twice: {', '.join(sorted(dup))}.")
    valid: list[School] = []
    invalid: list[InvalidSchool] = []
    for sid in ids:
        try:
            valid.append(_region_school(params_dir, region_id, sid, path))
        except ConfigError as exc:
            if not skip_invalid_schools:
                raise
            invalid.append(InvalidSchool(sid, params_dir / "schools" / region_id / f"{sid}.yaml", str(exc)))
    schools = tuple(valid)
    for sid in comparison:
        school = next((s for s in schools if s.school_id == sid), None)
        if school is not None and school.is_jos:
            raise ConfigError(f"{path.name}: comparison school '{sid}' has a jos_start; comparison schools never start JOS.")
    data_dir = Path(f.data_dir or f"data/{region_id}")
    if not data_dir.is_absolute():
        data_dir = PROJECT_ROOT / data_dir
    return Region(
        region_id=f.region_id,
        name=f.name,
        synthetic=f.synthetic,
        data_dir=data_dir,
        language=f.language,
        schools=schools,
        comparison_ids=tuple(comparison),
        municipalities=dict(f.municipalities or {}),
        privacy=PrivacyRules(min_count=f.privacy.min_count, min_denominator=f.privacy.min_denominator,
                             rounding=f.privacy.rounding),
        notes=(f.notes.general or "").strip(),
        indicator_notes={str(k): str(v).strip() for k, v in (f.notes.indicators or {}).items()},
        extra={name: block.model_dump(exclude_unset=True)
               for name in ("capacity", "budget", "outofregion")
               if (block := getattr(f, name)) is not None},
        path=path,
        invalid_schools=tuple(invalid),
        plan=PlanRegistration(
            file=params_dir / f.analysis_plan.file, registered=f.analysis_plan.registered,
            where=(f.analysis_plan.where or "").strip(),
            changes=tuple(PlanChange(c.date, c.after_results, c.what.strip()) for c in f.analysis_plan.changes)),
        boundaries_year=f.municipal_boundaries,
        absence_reasons=dict(f.absence_reasons),
    )


def _region_school(params_dir: Path, region_id: str, school_id: str, region_path: Path) -> School:
    spath = params_dir / "schools" / region_id / f"{school_id}.yaml"
    if not spath.is_file():
        raise ConfigError(f"{region_path.name}: school '{school_id}' has no parameter file {spath}.")
    school = load_school(spath)
    if school.region != region_id:
        raise ConfigError(f"{spath.name}: region is '{school.region}', expected '{region_id}'.")
    return school


@dataclass(frozen=True)
class IndicatorPlan:
    """The pre-specified model for one indicator."""

    key: str
    family: str
    level_change: bool
    slope_change: bool
    lag_months: int
    seasonality: str | None
    harmonics: int | None
    primary: str = "level"


@dataclass(frozen=True)
class AnalysisPlan:
    """The pre-specified analysis plan (``params/analysis_plan.yaml``)."""

    version: str
    registered: str
    alpha: float
    autocorrelation: str
    covid_handling: str
    covid_windows: tuple[tuple[dt.date, dt.date], ...]
    indicators: dict[str, IndicatorPlan]
    placebo: dict[str, Any] = field(default_factory=dict)
    power: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    registration: PlanRegistration | None = None

    @property
    def changed_after_results(self) -> tuple[PlanChange, ...]:
        """The region's changes of this plan made after results were seen."""
        return tuple(c for c in (self.registration.changes if self.registration else ()) if c.after_results)

    @property
    def registered_in_advance(self) -> bool:
        """Whether the region registered this plan before results were seen: it gave a
        registration date and changed nothing after results were known. Only then may a report
        call the plan's model "vooraf vastgelegd"."""
        return bool(self.registered) and not self.changed_after_results


def load_analysis_plan(path: str | Path = PARAMS_DIR / "analysis_plan.yaml") -> AnalysisPlan:
    """Read and check the pre-specified analysis plan (schema:
    :class:`~josanalysis.core.config_schema.AnalysisPlanFile`)."""
    path = Path(path)
    raw = _read_yaml(path)
    f: AnalysisPlanFile = _validate(AnalysisPlanFile, raw, path)
    plans = {key: _indicator_plan(key, spec or IndicatorPlanFile(), f) for key, spec in f.indicators.items()}
    return AnalysisPlan(
        version=f.version,
        registered=f.registered,
        alpha=f.alpha,
        autocorrelation=f.autocorrelation,
        covid_handling=f.covid.handling,
        covid_windows=tuple(f.covid.windows),
        indicators=plans,
        placebo=f.placebo.model_dump(exclude_unset=True),
        power=f.power.model_dump(exclude_unset=True),
        raw=raw,
        path=path,
    )


def load_region_plan(region: Region) -> AnalysisPlan:
    """The analysis plan a region uses, with the region's own registration date and changes.

    The plan file (``analysis_plan.file`` in the region file, default ``analysis_plan.yaml``) fixes
    the models; the date it was registered belongs to the region (``analysis_plan.registered``).
    A region that gave no date gets ``registered == ""``: its reports say the plan was not
    registered in advance.

    Examples
    --------
    >>> plan = load_region_plan(load_region("regio-alkmaar"))   # doctest: +SKIP
    >>> plan.registered                                          # doctest: +SKIP
    ''
    """
    reg = region.plan or PlanRegistration(file=PARAMS_DIR / "analysis_plan.yaml")
    if not reg.file.is_file():
        raise ConfigError(f"{region.path.name}: analysis_plan.file '{reg.file.name}' does not exist in "
                          f"{reg.file.parent}.")
    plan = load_analysis_plan(reg.file)
    return dataclasses.replace(plan, registered=reg.registered.isoformat() if reg.registered else "",
                               registration=reg)


def _indicator_plan(key: str, spec: IndicatorPlanFile, plan: AnalysisPlanFile) -> IndicatorPlan:
    """One indicator's model: its own keys, else the plan's ``impact_model`` default."""
    default = plan.impact_model

    def pick(name: str) -> Any:
        return getattr(spec if name in spec.model_fields_set else default, name)

    return IndicatorPlan(
        key=key,
        family=spec.family,
        level_change=bool(pick("level_change")),
        slope_change=bool(pick("slope_change")),
        lag_months=int(pick("lag_months")),
        seasonality=pick("seasonality"),
        harmonics=pick("harmonics"),
        primary=_primary(key, str(pick("primary")), bool(pick("level_change")), bool(pick("slope_change"))),
    )


def _primary(key: str, primary: str, level_change: bool, slope_change: bool) -> str:
    """The pre-registered primary estimate of an indicator; it must be a term of its model."""
    if (primary == "level" and not level_change) or (primary == "slope" and not slope_change):
        raise ConfigError(f"indicators.{key}.primary is '{primary}', but the model of '{key}' has no "
                          f"{primary} change ({primary}_change: false); choose a term the model estimates.")
    return primary
