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

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from josanalysis.core.errors import ConfigError

__all__ = [
    "PROJECT_ROOT",
    "PARAMS_DIR",
    "FUNCTIONS",
    "School",
    "Region",
    "PrivacyRules",
    "AnalysisPlan",
    "IndicatorPlan",
    "load_region",
    "load_school",
    "load_analysis_plan",
    "list_regions",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PARAMS_DIR = PROJECT_ROOT / "params"

#: The JOS functions whose FTE is recorded (Bijlage 5 of the Oberon report).
FUNCTIONS: dict[str, str] = {
    "GW": "gedragswetenschapper JGGZ-VO",
    "JGC": "jeugd- en gezinscoach VO",
    "PAJ": "preventief ambulant jeugdhulpverlener VO",
}


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


def _require(d: dict[str, Any], key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    if key not in d:
        raise ConfigError(f"{path.name}: required key '{key}' is missing.")
    value = d[key]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path.name}: key '{key}' should be a {expected}, got {value!r}.")
    return value


def _as_date(value: Any, key: str, path: Path) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{path.name}: key '{key}' is {value!r}, expected a date as YYYY-MM-DD or empty."
        ) from None


def _fte_block(raw: Any, key: str, path: Path) -> dict[str, float | None]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}: key '{key}' should map functions (GW, JGC, PAJ) to FTE.")
    out: dict[str, float | None] = {}
    for func, value in raw.items():
        if func not in FUNCTIONS:
            raise ConfigError(
                f"{path.name}: '{key}' names function {func!r}; expected one of {', '.join(FUNCTIONS)}."
            )
        if value is None:
            out[func] = None  # "n.v.t.": function not deployed at this school
            continue
        if not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{path.name}: '{key}.{func}' is {value!r}, expected FTE >= 0 or null.")
        out[func] = float(value)
    return out


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
class Region:
    """A region as configured in ``params/regions/<region_id>.yaml``."""

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

    @property
    def school_ids(self) -> list[str]:
        return [s.school_id for s in self.schools]

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
        raise ConfigError(
            f"School id '{school_id}' is not in region '{self.region_id}' "
            f"({self.path.name}); known ids: {', '.join(self.school_ids)}."
        )


def load_school(path: str | Path) -> School:
    """Read one school YAML file."""
    path = Path(path)
    d = _read_yaml(path)
    school_id = str(_require(d, "school_id", path, (str, int)))
    if path.stem != school_id:
        raise ConfigError(f"{path.name}: school_id '{school_id}' does not match the file name.")
    fte = d.get("fte") or {}
    if not isinstance(fte, dict):
        raise ConfigError(f"{path.name}: key 'fte' should have 'before' and 'during'.")
    notes = d.get("notes") or {}
    if isinstance(notes, str):
        notes = {"general": notes}
    if not isinstance(notes, dict):
        raise ConfigError(f"{path.name}: key 'notes' should be text or a mapping.")
    ind_notes = notes.get("indicators") or {}
    if not isinstance(ind_notes, dict):
        raise ConfigError(f"{path.name}: 'notes.indicators' should map indicator keys to text.")
    pupils = d.get("pupils")
    if pupils is not None and (not isinstance(pupils, int) or pupils < 0):
        raise ConfigError(f"{path.name}: 'pupils' is {pupils!r}, expected a whole number >= 0.")
    return School(
        school_id=school_id,
        name=str(_require(d, "name", path, str)),
        school_type=str(_require(d, "type", path, str)),
        region=str(_require(d, "region", path, str)),
        subregion=d.get("subregion"),
        jos_start=_as_date(d.get("jos_start"), "jos_start", path),
        fte_before=_fte_block(fte.get("before"), "fte.before", path),
        fte_during=_fte_block(fte.get("during"), "fte.during", path),
        pupils=pupils,
        pupils_source=d.get("pupils_source"),
        notes=str(notes.get("general") or "").strip(),
        indicator_notes={str(k): str(v).strip() for k, v in ind_notes.items()},
        path=path,
    )


def list_regions(params_dir: Path = PARAMS_DIR) -> list[str]:
    """The region ids that have a parameter file."""
    return sorted(p.stem for p in (params_dir / "regions").glob("*.yaml"))


def load_region(region_id: str, params_dir: str | Path = PARAMS_DIR) -> Region:
    """Read a region and all of its schools.

    Parameters
    ----------
    region_id
        File stem under ``params/regions/`` (for example ``"demoregio"``).
    params_dir
        The ``params`` folder; defaults to the project's.

    Returns
    -------
    Region
        With its schools in the order the region file lists them. ``data_dir`` is resolved
        against the project root when relative.
    """
    params_dir = Path(params_dir)
    path = params_dir / "regions" / f"{region_id}.yaml"
    if not path.is_file():
        known = ", ".join(list_regions(params_dir)) or "none"
        raise ConfigError(
            f"Region '{region_id}' has no parameter file {path} (known regions: {known})."
        )
    d = _read_yaml(path)
    ids = _require(d, "schools", path, list)
    comparison = d.get("comparison_schools") or []
    unknown = [c for c in comparison if c not in ids]
    if unknown:
        raise ConfigError(
            f"{path.name}: comparison school(s) {', '.join(map(str, unknown))} are not listed under 'schools'."
        )
    schools = []
    for sid in ids:
        spath = params_dir / "schools" / region_id / f"{sid}.yaml"
        if not spath.is_file():
            raise ConfigError(f"{path.name}: school '{sid}' has no parameter file {spath}.")
        school = load_school(spath)
        if school.region != region_id:
            raise ConfigError(f"{spath.name}: region is '{school.region}', expected '{region_id}'.")
        schools.append(school)
    dup = {s for s in ids if ids.count(s) > 1}
    if dup:
        raise ConfigError(f"{path.name}: school(s) listed twice: {', '.join(sorted(dup))}.")
    for sid in comparison:
        if next(s for s in schools if s.school_id == sid).is_jos:
            raise ConfigError(f"{path.name}: comparison school '{sid}' has a jos_start; comparison schools never start JOS.")
    data_dir = Path(str(d.get("data_dir", f"data/{region_id}")))
    if not data_dir.is_absolute():
        data_dir = PROJECT_ROOT / data_dir
    priv = d.get("privacy") or {}
    notes = d.get("notes") or {}
    if isinstance(notes, str):
        notes = {"general": notes}
    known_keys = {"region_id", "name", "synthetic", "data_dir", "language", "schools",
                  "comparison_schools", "municipalities", "privacy", "notes"}
    return Region(
        region_id=str(_require(d, "region_id", path, str)),
        name=str(_require(d, "name", path, str)),
        synthetic=bool(d.get("synthetic", False)),
        data_dir=data_dir,
        language=str(d.get("language", "nl")),
        schools=tuple(schools),
        comparison_ids=tuple(str(c) for c in comparison),
        municipalities={str(k): str(v) for k, v in (d.get("municipalities") or {}).items()},
        privacy=PrivacyRules(
            min_count=int(priv.get("min_count", 5)),
            min_denominator=int(priv.get("min_denominator", 10)),
            rounding=priv.get("rounding"),
        ),
        notes=str(notes.get("general") or "").strip(),
        indicator_notes={str(k): str(v).strip() for k, v in (notes.get("indicators") or {}).items()},
        extra={k: v for k, v in d.items() if k not in known_keys},
        path=path,
    )


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


def load_analysis_plan(path: str | Path = PARAMS_DIR / "analysis_plan.yaml") -> AnalysisPlan:
    """Read and check the pre-specified analysis plan."""
    path = Path(path)
    d = _read_yaml(path)
    alpha = float(_require(d, "alpha", path, (int, float)))
    if not 0 < alpha < 0.5:
        raise ConfigError(f"{path.name}: alpha is {alpha}, expected a number between 0 and 0.5.")
    ac = str(d.get("autocorrelation", "ar1"))
    if ac not in {"ar1", "ar2", "hac", "none"}:
        raise ConfigError(f"{path.name}: autocorrelation '{ac}' is not one of ar1, ar2, hac, none.")
    covid = d.get("covid") or {}
    handling = str(covid.get("handling", "exclude"))
    if handling not in {"exclude", "co-intervention", "ignore"}:
        raise ConfigError(
            f"{path.name}: covid.handling '{handling}' is not one of exclude, co-intervention, ignore."
        )
    windows = []
    for i, w in enumerate(covid.get("windows") or []):
        if not isinstance(w, (list, tuple)) or len(w) != 2:
            raise ConfigError(f"{path.name}: covid.windows[{i}] should be [start, end].")
        a = _as_date(w[0], f"covid.windows[{i}]", path)
        b = _as_date(w[1], f"covid.windows[{i}]", path)
        if a is None or b is None or b < a:
            raise ConfigError(f"{path.name}: covid.windows[{i}] should run from an earlier to a later date.")
        windows.append((a, b))
    inds = _require(d, "indicators", path, dict)
    model = d.get("impact_model") or {}
    plans = {}
    for key, spec in inds.items():
        spec = spec or {}
        family = str(spec.get("family", "gaussian"))
        if family not in {"gaussian", "poisson", "quasipoisson", "negbin"}:
            raise ConfigError(f"{path.name}: indicators.{key}.family '{family}' is not one of gaussian, poisson, quasipoisson, negbin.")
        plans[key] = IndicatorPlan(
            key=key,
            family=family,
            level_change=bool(spec.get("level_change", model.get("level_change", True))),
            slope_change=bool(spec.get("slope_change", model.get("slope_change", True))),
            lag_months=int(spec.get("lag_months", model.get("lag_months", 0))),
            seasonality=spec.get("seasonality", model.get("seasonality", "month")),
            harmonics=spec.get("harmonics", model.get("harmonics")),
        )
    return AnalysisPlan(
        version=str(d.get("version", "1")),
        registered=str(d.get("registered", "")),
        alpha=alpha,
        autocorrelation=ac,
        covid_handling=handling,
        covid_windows=tuple(windows),
        indicators=plans,
        placebo=dict(d.get("placebo") or {}),
        power=dict(d.get("power") or {}),
        raw=d,
        path=path,
    )
