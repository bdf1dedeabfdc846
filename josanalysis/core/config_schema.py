"""The schema of the parameter files under ``params/``, as pydantic models that refuse unknown keys.

:mod:`josanalysis.core.config` reads a YAML file, validates it against one of the models here and
turns the result into the frozen :class:`~josanalysis.core.config.Region`,
:class:`~josanalysis.core.config.School` and :class:`~josanalysis.core.config.AnalysisPlan` the
rest of the package uses. Pydantic is used for what it is made for: nested structure, types, and
``extra="forbid"``, so that a typo such as ``min_cout`` is an error naming the file, the key and
the closest valid key instead of a silent fall-back to the default
(:func:`validation_message`).

Examples
--------
>>> from josanalysis.core.config_schema import PrivacyFile, validation_message
>>> import pydantic
>>> try:
...     PrivacyFile.model_validate({"min_cout": 3})
... except pydantic.ValidationError as exc:
...     print(validation_message(exc, "demoregio.yaml", PrivacyFile, prefix="privacy"))
demoregio.yaml: unknown key 'privacy.min_cout'; did you mean 'min_count'? Valid keys under 'privacy': min_count, min_denominator, rounding.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, field_validator

from josanalysis.core.absence_reasons import check_reason_codes
from josanalysis.core.personal_data import personal_data_in

__all__ = [
    "FUNCTIONS",
    "FteFile",
    "NotesFile",
    "SchoolFile",
    "PrivacyFile",
    "CapacityFile",
    "TransitionFile",
    "BudgetFile",
    "OutOfRegionFile",
    "RegionFile",
    "ImpactModelFile",
    "CovidFile",
    "PlaceboFile",
    "PowerFile",
    "IndicatorPlanFile",
    "AnalysisPlanFile",
    "IDENTIFIER",
    "check_identifier",
    "parse_date",
    "validation_message",
]

#: The JOS functions whose FTE is recorded (Bijlage 5 of the Oberon report).
FUNCTIONS: dict[str, str] = {
    "GW": "gedragswetenschapper JGGZ-VO",
    "JGC": "jeugd- en gezinscoach VO",
    "PAJ": "preventief ambulant jeugdhulpverlener VO",
}


#: Region and school identifiers: they become folder and file names, so no paths, no spaces.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def check_identifier(value: str, what: str) -> str:
    """``value`` if it is a valid identifier, else a ValueError sentence naming ``what``.

    Examples
    --------
    >>> check_identifier("DM0100", "school id")
    'DM0100'
    >>> check_identifier("../x", "region id")
    Traceback (most recent call last):
    ...
    ValueError: region id '../x' is not a valid identifier: use letters, digits, '-' and '_' (at most 64, starting with a letter or digit), never a path
    """
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a valid identifier: use letters, digits, '-' and '_' "
                         "(at most 64, starting with a letter or digit), never a path")
    return value


class _Strict(BaseModel):
    """A block of a parameter file: unknown keys are refused, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def parse_date(value: Any, key: str) -> dt.date | None:
    """A date from a parameter file (kept as text by the YAML reader): ``YYYY-MM-DD`` or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"key '{key}' is {str(value)!r}, expected a date as YYYY-MM-DD or empty") from None


# --------------------------------------------------------------------------------------------
# School files: params/schools/<region>/<school_id>.yaml
# --------------------------------------------------------------------------------------------


def _fte(raw: dict[str, Any] | None, key: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for func, value in (raw or {}).items():
        if func not in FUNCTIONS:
            raise ValueError(f"'{key}' names function {func!r}; expected one of {', '.join(FUNCTIONS)}")
        if value is None:
            out[func] = None  # "n.v.t.": function not deployed at this school
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"'{key}.{func}' is {value!r}, expected FTE >= 0 or null")
        else:
            out[func] = float(value)
    return out


class FteFile(_Strict):
    """``fte:`` of a school: FTE per function before and during JOS (null = not deployed)."""

    before: dict[str, Any] | None = None
    during: dict[str, Any] | None = None

    @field_validator("before", "during", mode="after")
    @classmethod
    def _functions(cls, value: dict[str, Any] | None, info: pydantic.ValidationInfo) -> dict[str, float | None]:
        return _fte(value, f"fte.{info.field_name}")


class NotesFile(_Strict):
    """``notes:``: a general note and notes per indicator key ("het verhaal bij de cijfers")."""

    general: str | None = None
    indicators: dict[str, str] | None = None

    @field_validator("general", mode="after")
    @classmethod
    def _general_without_personal_data(cls, value: str | None) -> str | None:
        return _without_personal_data(value, "notes.general")

    @field_validator("indicators", mode="after")
    @classmethod
    def _indicators_without_personal_data(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key, text in (value or {}).items():
            _without_personal_data(text, f"notes.indicators.{key}")
        return value


def _without_personal_data(text: str | None, key: str) -> str | None:
    """Refuse a note that holds a BSN-shaped number, an e-mail address or a telephone number."""
    found = personal_data_in(text or "")
    if found:
        what = ", ".join(f"a {f.kind} ({f.masked()}) at character {f.start + 1}" for f in found)
        raise ValueError(f"the note '{key}' holds personal data: {what}. Notes are printed in reports that "
                         "are shared with schools and municipalities; remove it and describe the case without it")
    return text


def _notes(value: Any) -> Any:
    return {"general": value} if isinstance(value, str) else value


class SchoolFile(_Strict):
    """One school file."""

    school_id: str
    name: str
    type: str
    region: str
    subregion: str | None = None
    jos_start: dt.date | None = None
    fte: FteFile = FteFile()
    pupils: int | None = None
    pupils_source: str | None = None
    notes: NotesFile = NotesFile()
    absence_reasons: dict[str, str] = {}

    @field_validator("absence_reasons", mode="before")
    @classmethod
    def _reasons(cls, value: Any) -> dict[str, str]:
        return check_reason_codes(value, "absence_reasons")

    @field_validator("school_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        return check_identifier(value, "school_id")

    @field_validator("region")
    @classmethod
    def _region_id(cls, value: str) -> str:
        return check_identifier(value, "region")

    @field_validator("jos_start", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date | None:
        return parse_date(value, "jos_start")

    @field_validator("pupils", mode="before")
    @classmethod
    def _pupils(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"'pupils' is {value!r}, expected a whole number >= 0")
        return value

    @field_validator("fte", "notes", mode="before")
    @classmethod
    def _empty_block(cls, value: Any) -> Any:
        return {} if value is None else _notes(value)


# --------------------------------------------------------------------------------------------
# Region files: params/regions/<region_id>.yaml
# --------------------------------------------------------------------------------------------


class PrivacyFile(_Strict):
    """``privacy:``: output suppression thresholds (``docs/privacy.md``)."""

    min_count: int = 5
    min_denominator: int = 10
    rounding: int | None = None


class CapacityFile(_Strict):
    """``capacity:``: assumptions of the capacity report (``docs/budget.md``)."""

    hours_per_fte: Any = None
    minimum_fte: Any = None
    notes: Any = None

    @field_validator("notes", mode="after")
    @classmethod
    def _notes_without_personal_data(cls, value: Any) -> Any:
        return _without_personal_data(value, "capacity.notes") if isinstance(value, str) else value


class TransitionFile(_Strict):
    """``budget.transition:``: the path from today's budget to the recalibrated one."""

    years: Any = None
    max_change_per_year: Any = None
    cap_unit: Any = None


class BudgetFile(_Strict):
    """``budget:``: weights and transition of the ZiO budget recalibration (``docs/budget.md``)."""

    budget_year: Any = None
    weights: Any = None
    characteristics: Any = None
    budget_neutral: Any = None
    transition: TransitionFile | None = None
    notes: Any = None
    maatwerk_reserve: Any = None
    cofinancing: Any = None
    basis_year: Any = None
    doelgroepen_weights: Any = None

    @field_validator("notes", mode="after")
    @classmethod
    def _notes_without_personal_data(cls, value: Any) -> Any:
        return _without_personal_data(value, "budget.notes") if isinstance(value, str) else value


class OutOfRegionFile(_Strict):
    """``outofregion:``: the contribution rule for pupils from outside the region."""

    rule: Any = None
    per_pupil: Any = None
    min_pupils: Any = None
    notes: Any = None

    @field_validator("notes", mode="after")
    @classmethod
    def _notes_without_personal_data(cls, value: Any) -> Any:
        return _without_personal_data(value, "outofregion.notes") if isinstance(value, str) else value


class PlanChangeFile(_Strict):
    """One change of a region's analysis plan after its registration."""

    date: Any
    after_results: bool
    what: str

    @field_validator("date", mode="after")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        parsed = parse_date(value, "analysis_plan.changes[].date")
        if parsed is None:
            raise ValueError("analysis_plan.changes[].date is empty; give the date of the change")
        return parsed


class PlanRegistrationFile(_Strict):
    """``analysis_plan:``: which plan the region uses and when the region registered it."""

    file: str = "analysis_plan.yaml"
    registered: Any = None
    where: str | None = None
    changes: list[PlanChangeFile] = []

    @field_validator("registered", mode="after")
    @classmethod
    def _registered(cls, value: Any) -> dt.date | None:
        return parse_date(value, "analysis_plan.registered")

    @field_validator("file")
    @classmethod
    def _file(cls, value: str) -> str:
        if "/" in value or "\\" in value or not value.endswith(".yaml"):
            raise ValueError(f"analysis_plan.file '{value}' should be a .yaml file name in params/ (no folders)")
        return value


class RegionFile(_Strict):
    """One region file."""

    region_id: str
    name: str
    synthetic: bool = False
    data_dir: str | None = None
    language: str = "nl"
    schools: list[str]
    comparison_schools: list[str] | None = None
    municipalities: dict[str, str] | None = None
    privacy: PrivacyFile = PrivacyFile()
    notes: NotesFile = NotesFile()
    capacity: CapacityFile | None = None
    budget: BudgetFile | None = None
    outofregion: OutOfRegionFile | None = None
    analysis_plan: PlanRegistrationFile = PlanRegistrationFile()
    municipal_boundaries: int | None = None
    absence_reasons: dict[str, str] = {}

    @field_validator("absence_reasons", mode="before")
    @classmethod
    def _reasons(cls, value: Any) -> dict[str, str]:
        return check_reason_codes(value, "absence_reasons")

    @field_validator("municipal_boundaries")
    @classmethod
    def _boundaries(cls, value: int | None) -> int | None:
        if value is not None and not 1990 <= value <= dt.date.today().year + 1:
            raise ValueError(f"municipal_boundaries is {value}, expected a year such as 2025 (or null: the latest)")
        return value

    @field_validator("schools", "comparison_schools", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        if isinstance(value, list):
            ids = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
            return [check_identifier(v, f"{info.field_name} entry") for v in ids]
        return value

    @field_validator("region_id")
    @classmethod
    def _region_id(cls, value: str) -> str:
        return check_identifier(value, "region_id")

    @field_validator("privacy", "notes", mode="before")
    @classmethod
    def _empty_block(cls, value: Any) -> Any:
        return {} if value is None else _notes(value)

    @field_validator("analysis_plan", mode="before")
    @classmethod
    def _empty_plan(cls, value: Any) -> Any:
        return {} if value is None else value


# --------------------------------------------------------------------------------------------
# The analysis plan: params/analysis_plan.yaml
# --------------------------------------------------------------------------------------------

Family = Literal["gaussian", "poisson", "quasipoisson", "negbin"]


class ImpactModelFile(_Strict):
    """``impact_model:``: the default model of every indicator."""

    level_change: bool = True
    slope_change: bool = True
    lag_months: int = 0
    seasonality: Literal["month", "harmonic"] | None = "month"
    harmonics: int | None = None
    primary: Literal["level", "slope"] = "level"


class CovidFile(_Strict):
    """``covid:``: how the school closures enter the models."""

    handling: str = "exclude"
    windows: list[Any] = []

    @field_validator("handling")
    @classmethod
    def _handling(cls, value: str) -> str:
        if value not in {"exclude", "co-intervention", "ignore"}:
            raise ValueError(f"covid.handling '{value}' is not one of exclude, co-intervention, ignore")
        return value

    @field_validator("windows", mode="after")
    @classmethod
    def _windows(cls, value: list[Any]) -> list[tuple[dt.date, dt.date]]:
        windows = []
        for i, w in enumerate(value):
            if not isinstance(w, (list, tuple)) or len(w) != 2:
                raise ValueError(f"covid.windows[{i}] should be [start, end]")
            a, b = parse_date(w[0], f"covid.windows[{i}]"), parse_date(w[1], f"covid.windows[{i}]")
            if a is None or b is None or b < a:
                raise ValueError(f"covid.windows[{i}] should run from an earlier to a later date")
            windows.append((a, b))
        return windows


class PlaceboFile(_Strict):
    """``placebo:``: placebo start dates over the pre-period."""

    n_dates: int = 20
    min_segment: int = 12


class PowerFile(_Strict):
    """``power:``: the minimum detectable effect (analytic from the fitted model, or by simulation)."""

    method: Literal["analytic", "simulation"] = "analytic"
    n_simulations: int = 200
    power: float = 0.8


class IndicatorPlanFile(_Strict):
    """One indicator of the plan; unset keys take the ``impact_model`` default."""

    family: str = "gaussian"
    level_change: bool | None = None
    slope_change: bool | None = None
    lag_months: int | None = None
    seasonality: Literal["month", "harmonic"] | None = None
    harmonics: int | None = None
    primary: Literal["level", "slope"] | None = None

    @field_validator("family")
    @classmethod
    def _family(cls, value: str) -> str:
        if value not in {"gaussian", "poisson", "quasipoisson", "negbin"}:
            raise ValueError(f"family '{value}' is not one of gaussian, poisson, quasipoisson, negbin")
        return value


class AnalysisPlanFile(_Strict):
    """The analysis plan file."""

    version: str = "1"
    registered: str = ""
    alpha: float
    autocorrelation: str = "ar1"
    impact_model: ImpactModelFile = ImpactModelFile()
    covid: CovidFile = CovidFile()
    placebo: PlaceboFile = PlaceboFile()
    power: PowerFile = PowerFile()
    indicators: dict[str, IndicatorPlanFile | None]

    @field_validator("version", "registered", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else str(value)

    @field_validator("alpha")
    @classmethod
    def _alpha(cls, value: float) -> float:
        if not 0 < value < 0.5:
            raise ValueError(f"alpha is {value}, expected a number between 0 and 0.5")
        return value

    @field_validator("autocorrelation")
    @classmethod
    def _autocorrelation(cls, value: str) -> str:
        if value not in {"ar1", "ar2", "hac", "none"}:
            raise ValueError(f"autocorrelation '{value}' is not one of ar1, ar2, hac, none")
        return value

    @field_validator("impact_model", "covid", "placebo", "power", mode="before")
    @classmethod
    def _empty_block(cls, value: Any) -> Any:
        return {} if value is None else value


# --------------------------------------------------------------------------------------------
# Errors as sentences
# --------------------------------------------------------------------------------------------


def _models_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The pydantic model an annotation holds (through unions, lists and dict values), and
    whether it is a mapping (whose keys are the next part of an error location)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    is_mapping = getattr(annotation, "__origin__", None) is dict
    for arg in getattr(annotation, "__args__", ()):
        model, inner_mapping = _models_in(arg)
        if model is not None:
            return model, is_mapping or inner_mapping
    return None, False


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that holds the last key of ``loc`` (None when the path leaves the models)."""
    current: type[BaseModel] | None = model
    skip_key = False
    for part in loc[:-1]:
        if skip_key:
            skip_key = False
            continue
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return None
        current, skip_key = _models_in(current.model_fields[part].annotation)
    return current


def validation_message(exc: pydantic.ValidationError, file: str, model: type[BaseModel],
                       prefix: str = "") -> str:
    """The first error of a validation as one sentence naming the file, the key and what was expected.

    An unknown key names the closest valid key (``difflib``) and the valid keys at that place.
    """
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    path = ".".join([prefix] * bool(prefix) + [str(p) if not isinstance(p, int) else f"[{p}]" for p in loc])
    path = path.replace(".[", "[")
    if err["type"] == "extra_forbidden":
        holder = _model_at(model, loc)
        valid = list(holder.model_fields) if holder is not None else []
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        where = ".".join([prefix] * bool(prefix) + [str(p) for p in loc[:-1]])
        hint = f"; did you mean '{close[0]}'?" if close else "."
        listing = f" Valid keys{f' under {where!r}' if where else ''}: {', '.join(valid)}." if valid else ""
        return f"{file}: unknown key '{path}'{hint}{listing}"
    if err["type"] == "missing":
        return f"{file}: required key '{path}' is missing."
    if err["type"] in {"model_type", "dict_type"}:
        return f"{file}: key '{path}' should be a mapping of keys to values, got {err.get('input')!r}."
    if err["type"] == "value_error":
        return f"{file}: {str(err['msg']).removeprefix('Value error, ')}."
    return f"{file}: key '{path}' is {err.get('input')!r}: {err['msg'].lower()}."
