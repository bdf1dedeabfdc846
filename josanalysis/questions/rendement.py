"""The return ("rendement") of JOS: a fixed indicator set per school and region, with trends.

The Holland Rijnland factsheet (DSP-groep/Oberon, advice 3 "Breng het rendement beter in
beeld") asks regions to follow, year after year, a fixed set of quantitative and qualitative
indicators: thuiszitters, in-, door- and uitstroom of pupils, fewer procedures and less
administrative burden, staff sick leave, teacher shortage and turnover, job satisfaction, and
the help pupils receive outside school. :data:`RENDEMENT_INDICATORS` fixes that set (keys,
Dutch labels, units, expected direction and the file that supplies each); the care provider's
registration adds trajectories by type per 100 pupils, referrals to the second line, outflow,
satisfaction and relapse (:func:`provider_figures`).

Inputs are canonical frames, never raw files:

* the long indicator frame ``[school_id, school_year, indicator, value]`` (build it with
  :func:`long_from_frame` from the data layer's frames, or read the schools' own
  ``rendement/rendement-indicatoren.csv`` through the data layer);
* the provider summary ``[school_id, school_year, n_<type>..., share_referred_second_line,
  share_stayed, share_dropped_out, mean_satisfaction, n_monitor, n_relapse]``.

A missing source is not an error: :func:`missing_source_message` gives the Dutch sentence that
names the file to supply, and :class:`RendementResult` lists such sentences per indicator.

Trends are descriptive: the change between the first and last school year with data and the
slope per year; no significance and no attribution (the ITS modules and the caveats do that).

Examples
--------
>>> import pandas as pd
>>> long = pd.DataFrame({"school_id": "A", "school_year": ["2021-2022", "2022-2023", "2023-2024"],
...                      "indicator": "thuiszitters", "value": [12.0, 10.0, 8.0]})
>>> res = rendement_table(long)
>>> res.per_school.loc[0, ["direction", "as_expected"]].tolist()
['daalt', 'ja']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.privacy import rename_protected
from josanalysis.core.schoolcalendar import school_year_of

if TYPE_CHECKING:  # pragma: no cover
    from josanalysis.core.config import Region

__all__ = [
    "RendementIndicator",
    "RENDEMENT_INDICATORS",
    "SOURCE_FILES",
    "RendementResult",
    "rendement_table",
    "long_from_frame",
    "provider_figures",
    "PROVIDER_TYPES",
    "missing_source_message",
    "qualitative_notes",
    "report_tables",
    "provider_report_table",
    "DUTCH_HEADERS",
]


@dataclass(frozen=True)
class RendementIndicator:
    """One indicator of the fixed return set.

    Attributes
    ----------
    key
        Identifier used in the long frame and in ``notes.indicators`` of the params.
    label
        Dutch label for reports.
    unit
        Dutch unit (``"aantal"``, ``"%"``, ``"uren"``, ``"score 1-10"``).
    expected
        Expected direction under JOS: ``"down"``, ``"up"`` or ``None`` (descriptive).
    kind
        ``"count"`` (pupil count: summed over schools, suppressed when small), ``"rate"`` or
        ``"score"`` (averaged over schools, unweighted).
    source
        Key of :data:`SOURCE_FILES`: the file that supplies it.
    factsheet
        The factsheet's wording it implements (Dutch).
    """

    key: str
    label: str
    unit: str
    expected: str | None
    kind: str
    source: str
    factsheet: str


#: Files (relative to a region's data folder) and what they hold, for "supply this file" messages.
SOURCE_FILES: dict[str, tuple[str, str]] = {
    "leerplicht": ("leerplicht/leerplicht-registraties.csv", "meldingen van Leerplicht per leerling"),
    "vsv": ("duo/vsv-JJJJ.csv", "DUO-bestand voortijdig schoolverlaters"),
    "swv": ("swv/verwijzingen.csv", "verwijzingen van het samenwerkingsverband"),
    "gemeente": ("gemeente/jeugdhulp-per-school.csv", "jeugdhulp per school van de gemeente"),
    "school": ("rendement/rendement-indicatoren.csv",
               "kolommen vestigingscode;schooljaar;indicator;waarde, door de scholen aangeleverd"),
    "aanbieder": ("aanbieder/trajecten.csv", "registratie van JOS-trajecten door de aanbieder"),
    "capaciteit": ("capaciteit/fte.csv", "fte per functie per school, eerder en tijdens (Bijlage 5)"),
    "budget": ("budget/zio-budget.csv", "ZiO-budget per school per jaar"),
    "herkomst": ("duo/leerlingen-vo-postcode-leerjaar-JJJJ.csv",
                 "DUO-bestand leerlingen per vestiging naar postcode en gemeente van de leerling"),
    "leerlingen": ("duo/leerlingen-vo-per-vestiging-JJJJ.csv", "DUO-bestand leerlingen per vestiging"),
}

RENDEMENT_INDICATORS: tuple[RendementIndicator, ...] = (
    RendementIndicator("thuiszitters", "Thuiszitters (gemiddeld aantal per maand)", "aantal", "down", "count",
                       "leerplicht", "aantal thuiszitters"),
    RendementIndicator("instroom", "Instroom: nieuwe leerlingen", "aantal", None, "count", "school",
                       "instroomgegevens van leerlingen"),
    RendementIndicator("doorstroom_pct", "Doorstroom: leerlingen bevorderd", "%", "up", "rate", "school",
                       "doorstroomgegevens van leerlingen"),
    RendementIndicator("vsv", "Uitstroom: voortijdig schoolverlaters", "aantal", "down", "count", "vsv",
                       "uitstroomgegevens van leerlingen (voorkomen van uitval)"),
    RendementIndicator("tlv_vso", "Uitstroom: toelaatbaarheidsverklaringen vso cluster 4", "aantal", "down",
                       "count", "swv", "uitstroomgegevens van leerlingen"),
    RendementIndicator("procedures", "Procedures: individuele indicaties/beschikkingen ZiO", "aantal", "down",
                       "count", "school", "terugdringen van procedures"),
    RendementIndicator("administratie_uren", "Administratieve lasten (uren per maand)", "uren", "down", "score",
                       "school", "terugdringen van administratieve lasten"),
    RendementIndicator("ziekteverzuim_pct", "Ziekteverzuim personeel", "%", "down", "rate", "school",
                       "ziekteverzuim"),
    RendementIndicator("verloop_leraren_pct", "Verloop leraren", "%", "down", "rate", "school",
                       "lerarentekort en -verloop"),
    RendementIndicator("vacatures_leraren", "Openstaande vacatures leraren (fte)", "fte", "down", "score",
                       "school", "lerarentekort"),
    RendementIndicator("werkplezier", "Werkplezier en tevredenheid personeel", "score 1-10", "up", "score",
                       "school", "bevorderen van werkplezier en satisfactie"),
    RendementIndicator("jeugdhulp_buiten_school", "Leerlingen met jeugdhulp buiten school", "aantal", "down",
                       "count", "gemeente", "welke hulp leerlingen buiten de school krijgen"),
)

_BY_KEY = {i.key: i for i in RENDEMENT_INDICATORS}

_DIRECTION_WORD = {1: "stijgt", -1: "daalt", 0: "gelijk"}

#: Dutch headers for report tables.
DUTCH_HEADERS: dict[str, str] = {
    "school_id": "vestiging",
    "school": "school",
    "indicator": "indicator",
    "label": "indicator",
    "unit": "eenheid",
    "expected": "verwachte richting",
    "n_years": "aantal jaren",
    "first_year": "eerste jaar",
    "last_year": "laatste jaar",
    "change": "verschil",
    "slope_per_year": "trend per jaar",
    "direction": "richting",
    "as_expected": "in verwachte richting",
    "n_schools": "aantal scholen",
    "school_year": "schooljaar",
    "pupils": "leerlingen",
    "n_trajectories": "trajecten totaal",
    "trajectories_per_100": "alle trajecten per 100 lln",
    "share_referred_second_line": "verwezen tweede lijn (%)",
    "share_stayed": "op school gebleven (%)",
    "share_dropped_out": "uitgevallen (%)",
    "mean_satisfaction": "tevredenheid (gem.)",
    "n_monitor": "monitortrajecten",
    "n_closed": "afgesloten trajecten",
    "n_satisfaction": "ingevulde vragenlijsten",
    "n_relapse": "terugval",
    "relapse_pct": "terugval (% van monitortrajecten)",
}

_EXPECTED_WORD = {"down": "omlaag", "up": "omhoog", None: "–"}


@dataclass(frozen=True)
class RendementResult:
    """The return panel.

    Attributes
    ----------
    per_school
        One row per school and indicator: ``school_id, indicator, label, unit, expected``, one
        column per school year, then ``n_years, first_year, last_year, change, slope_per_year,
        direction, as_expected``.
    region
        The same per indicator for the region: counts summed over the schools that report
        (``n_schools`` per year in ``region_coverage``), rates and scores averaged unweighted.
        The region's trend columns use only the school years in which every school that reports
        the indicator at all does so (a sum over fewer schools is no trend).
    region_coverage
        Schools reporting per indicator and school year.
    missing
        Dutch sentence per indicator without any data, naming the file to supply.
    school_years
        The school-year columns, in order.
    """

    per_school: pd.DataFrame
    region: pd.DataFrame
    region_coverage: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)
    school_years: tuple[str, ...] = ()

    def count_columns(self) -> list[str]:
        """School-year columns (they hold pupil counts for ``kind == "count"`` rows)."""
        return list(self.school_years)


def missing_source_message(source: str, data_dir: str | Path | None = None, *, what: str | None = None) -> str:
    """The Dutch sentence for a report section whose data are absent.

    Parameters
    ----------
    source
        Key of :data:`SOURCE_FILES` (for example ``"budget"``).
    data_dir
        The region's data folder (``region.data_dir``), shown in the sentence.
    what
        The report section, in Dutch (default: derived from the file's description).

    Examples
    --------
    >>> missing_source_message("budget", "data/regio-alkmaar")
    'Geen gegevens: lever het bestand data/regio-alkmaar/budget/zio-budget.csv aan (ZiO-budget per school per jaar; formaat in docs/data-formats.md).'
    """
    if source not in SOURCE_FILES:
        raise ConfigError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_FILES)}.")
    file, desc = SOURCE_FILES[source]
    where = f"{Path(data_dir).as_posix().rstrip('/')}/{file}" if data_dir is not None else file
    head = f"Voor {what} ontbreken gegevens" if what else "Geen gegevens"
    doc = "docs/budget.md" if source == "school" else "docs/data-formats.md"
    return f"{head}: lever het bestand {where} aan ({desc}; formaat in {doc})."


def long_from_frame(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    school_column: str = "school_id",
    period_column: str = "school_year",
    agg: str = "sum",
) -> pd.DataFrame:
    """Turn a canonical frame of the data layer into the long indicator frame.

    Parameters
    ----------
    frame
        For example the monthly thuiszitters stock ``[school_id, month, thuiszitters]`` or the
        municipality's youth care per school and school year.
    columns
        ``{indicator key: column in frame}``; several columns summed into one indicator can be
        given as ``"col_a+col_b"``.
    school_column, period_column
        Where the school id and the period are. A period that is a date (a month) is mapped to
        its school year (1 August - 31 July).
    agg
        How values within a school year are combined: ``"sum"``, ``"mean"`` (e.g. the mean
        monthly stock of thuiszitters) or ``"last"``.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, indicator, value``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"school_id": "A", "month": pd.to_datetime(["2022-09-01", "2022-10-01"]),
    ...                   "thuiszitters": [4, 6]})
    >>> long_from_frame(m, {"thuiszitters": "thuiszitters"}, period_column="month", agg="mean")["value"].tolist()
    [5.0]
    """
    if agg not in {"sum", "mean", "last"}:
        raise ConfigError(f"agg is {agg!r}; expected 'sum', 'mean' or 'last'.")
    for col in (school_column, period_column):
        if col not in frame.columns:
            raise DataError(f"the frame has no column '{col}' (columns: {', '.join(map(str, frame.columns))}).")
    unknown = [k for k in columns if k not in _BY_KEY]
    if unknown:
        raise ConfigError(f"unknown return indicator(s) {', '.join(unknown)}; known: {', '.join(_BY_KEY)}.")
    period = frame[period_column]
    if pd.api.types.is_datetime64_any_dtype(period):
        years = period.map(lambda d: school_year_of(d) if pd.notna(d) else None)
    else:
        years = period.astype(str)
    parts = []
    for key, spec_ in columns.items():
        cols = [c.strip() for c in spec_.split("+")]
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise DataError(f"indicator '{key}' needs column(s) {', '.join(absent)}, absent from the frame.")
        vals = sum((pd.to_numeric(frame[c], errors="coerce").astype("float64") for c in cols),
                   start=pd.Series(0.0, index=frame.index))
        # a value is missing when any part is missing (e.g. suppressed)
        anymissing = np.logical_or.reduce([frame[c].isna().to_numpy() for c in cols])
        vals = vals.mask(anymissing)
        d = pd.DataFrame({"school_id": frame[school_column].astype(str), "school_year": years, "value": vals})
        g = d.groupby(["school_id", "school_year"], sort=True)["value"]
        v = {"sum": g.sum(min_count=1), "mean": g.mean(), "last": g.last()}[agg]
        v = v.reset_index()
        v.insert(2, "indicator", key)
        parts.append(v)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["school_id", "school_year", "indicator", "value"])


def _trend(row: pd.Series, years: list[str], expected: str | None) -> dict[str, Any]:
    vals = pd.to_numeric(row[years], errors="coerce").astype("float64")
    have = vals.dropna()
    out: dict[str, Any] = {"n_years": int(have.size), "first_year": None, "last_year": None, "change": np.nan,
                           "slope_per_year": np.nan, "direction": "–", "as_expected": "–"}
    if have.size == 0:
        return out
    out["first_year"], out["last_year"] = have.index[0], have.index[-1]
    if have.size < 2:
        return out
    change = round(float(have.iloc[-1] - have.iloc[0]), 10)
    x = np.array([int(str(y)[:4]) for y in have.index], dtype=float)
    slope = float(np.polyfit(x, have.to_numpy(), 1)[0]) if have.size >= 3 else change / (x[-1] - x[0])
    slope = round(slope, 10)
    sign = int(np.sign(round(change, 10)))
    out.update(change=change, slope_per_year=slope, direction=_DIRECTION_WORD[sign])
    if expected is not None and sign != 0:
        out["as_expected"] = "ja" if (sign < 0) == (expected == "down") else "nee"
    return out


def rendement_table(
    long: pd.DataFrame | None,
    *,
    schools: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    data_dir: str | Path | None = None,
) -> RendementResult:
    """The return panel per school and for the region, with descriptive trends.

    Parameters
    ----------
    long
        ``school_id, school_year, indicator, value`` (indicator keys of
        :data:`RENDEMENT_INDICATORS`); ``None`` or empty when no source is available.
    schools
        Limit to these schools (default: all in ``long``).
    indicators
        Indicator keys to show (default: the whole fixed set).
    data_dir
        The region's data folder, for the "supply this file" sentences.

    Returns
    -------
    RendementResult
        Indicators without data appear in ``missing`` with the file to supply, not as errors.

    Raises
    ------
    DataError
        Missing columns, unknown indicator keys, non-numeric values, duplicated school-year
        rows for an indicator.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"school_id": "A", "school_year": ["2022-2023", "2023-2024"],
    ...                      "indicator": "werkplezier", "value": [6.8, 7.2]})
    >>> rendement_table(long).per_school["as_expected"].tolist()
    ['ja']
    """
    keys = list(indicators) if indicators is not None else list(_BY_KEY)
    unknown = [k for k in keys if k not in _BY_KEY]
    if unknown:
        raise ConfigError(f"unknown return indicator(s) {', '.join(unknown)}; known: {', '.join(_BY_KEY)}.")
    if long is None:
        long = pd.DataFrame(columns=["school_id", "school_year", "indicator", "value"])
    need = ["school_id", "school_year", "indicator", "value"]
    missing_cols = [c for c in need if c not in long.columns]
    if missing_cols:
        raise DataError(f"the return indicator table lacks column(s) {', '.join(missing_cols)} "
                        f"(expected {', '.join(need)}).")
    df = long[need].copy()
    df["school_id"] = df["school_id"].astype(str)
    df["school_year"] = df["school_year"].astype(str)
    df["indicator"] = df["indicator"].astype(str)
    bad_keys = sorted(set(df["indicator"]) - set(_BY_KEY))
    if bad_keys:
        raise DataError(f"unknown indicator(s) {', '.join(bad_keys)}; expected keys of the fixed return set "
                        f"({', '.join(_BY_KEY)}).", column="indicator")
    values = pd.to_numeric(df["value"], errors="coerce")
    text = df["value"].notna() & values.isna()
    if text.any():
        raise DataError("a value is not a number.", rows=(np.flatnonzero(text.to_numpy()) + 2).tolist(), column="value")
    df["value"] = values.astype("float64")
    dup = df.duplicated(["school_id", "school_year", "indicator"])
    if dup.any():
        raise DataError("a school, school year and indicator occur more than once.",
                        rows=(np.flatnonzero(dup.to_numpy()) + 2).tolist())
    if schools is not None:
        df = df[df["school_id"].isin([str(s) for s in schools])]
    df = df[df["indicator"].isin(keys)]
    years = sorted(df["school_year"].unique())

    missing = {}
    for k in keys:
        if not (df["indicator"] == k).any() or df.loc[df["indicator"] == k, "value"].isna().all():
            ind = _BY_KEY[k]
            missing[k] = missing_source_message(ind.source, data_dir, what=f"'{ind.label}'")

    meta_cols = ["indicator", "label", "unit", "expected"]
    trend_cols = ["n_years", "first_year", "last_year", "change", "slope_per_year", "direction", "as_expected"]
    if df.empty:
        empty = pd.DataFrame(columns=["school_id", *meta_cols, *trend_cols])
        return RendementResult(empty, empty.drop(columns="school_id"), pd.DataFrame(), missing, ())

    wide = df.pivot_table(index=["school_id", "indicator"], columns="school_year", values="value",
                          aggfunc="first", dropna=False).reindex(columns=years)
    wide.columns.name = None
    wide = wide.reset_index()
    order = {k: i for i, k in enumerate(keys)}
    wide = wide.sort_values(["school_id", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c)
    per_school = _decorate(wide, years)

    rows, cover, trend_rows = [], [], []
    for k in keys:
        sub = df[(df["indicator"] == k) & df["value"].notna()]
        if sub.empty:
            continue
        g = sub.groupby("school_year")["value"]
        agg = g.sum() if _BY_KEY[k].kind == "count" else g.mean()
        n = g.size()
        rows.append({"indicator": k, **{y: agg.get(y, np.nan) for y in years}})
        cover.append({"indicator": k, **{y: int(n.get(y, 0)) for y in years}})
        # the region's trend uses only the years in which all schools that ever report do so
        full = {y: (agg.get(y, np.nan) if n.get(y, 0) == sub["school_id"].nunique() else np.nan) for y in years}
        trend_rows.append({"indicator": k, **full})
    region = _decorate(pd.DataFrame(rows, columns=["indicator", *years]), years,
                       trend_from=pd.DataFrame(trend_rows, columns=["indicator", *years]))
    coverage = pd.DataFrame(cover, columns=["indicator", *years])
    return RendementResult(per_school.reset_index(drop=True), region.reset_index(drop=True), coverage, missing,
                           tuple(years))


def _decorate(wide: pd.DataFrame, years: list[str], trend_from: pd.DataFrame | None = None) -> pd.DataFrame:
    wide = wide.copy()
    basis = wide if trend_from is None else trend_from.set_index(wide.index)
    wide["label"] = wide["indicator"].map(lambda k: _BY_KEY[k].label)
    wide["unit"] = wide["indicator"].map(lambda k: _BY_KEY[k].unit)
    wide["expected"] = wide["indicator"].map(lambda k: _EXPECTED_WORD[_BY_KEY[k].expected])
    trends = pd.DataFrame([_trend(r, years, _BY_KEY[r["indicator"]].expected) for _, r in basis.iterrows()],
                          index=wide.index, columns=["n_years", "first_year", "last_year", "change",
                                                     "slope_per_year", "direction", "as_expected"])
    lead = [c for c in ("school_id",) if c in wide.columns]
    return pd.concat([wide[lead + ["indicator", "label", "unit", "expected"] + years], trends], axis=1)


#: Trajectory types of the provider registration: summary column -> Dutch label.
PROVIDER_TYPES: dict[str, str] = {
    "n_eenmalig_contact": "eenmalig contact",
    "n_clienttraject": "cliënttraject",
    "n_monitortraject": "monitortraject",
}


def provider_figures(
    summary: pd.DataFrame,
    pupils: pd.DataFrame | pd.Series | Mapping[str, float] | None = None,
    *,
    type_columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Provider-registration figures per school and school year.

    Parameters
    ----------
    summary
        The provider summary ``[school_id, school_year, <type counts>, share_referred_second_line,
        share_stayed, share_dropped_out, mean_satisfaction, n_monitor, n_relapse]`` (from
        ``josanalysis.sources.summarise_trajectories``). Shares are fractions (0..1) of closed
        trajectories.
    pupils
        Pupils per school (Series / mapping by ``school_id``) or per school and school year
        (DataFrame ``school_id, school_year, pupils``); without it the per-100 columns are missing.
    type_columns
        ``{summary column: Dutch label}`` of the trajectory-type counts (default
        :data:`PROVIDER_TYPES`; columns absent from ``summary`` are skipped).

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, pupils``, per type ``n_<type>`` and ``<type>_per_100``, then
        ``n_trajectories, trajectories_per_100, share_referred_second_line, share_stayed,
        share_dropped_out`` (as %), ``mean_satisfaction, n_monitor, n_relapse, relapse_pct``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"school_id": ["A"], "school_year": ["2023-2024"], "n_eenmalig_contact": [30],
    ...                   "n_clienttraject": [12], "n_monitortraject": [8], "share_referred_second_line": [0.25],
    ...                   "share_stayed": [0.7], "share_dropped_out": [0.05], "mean_satisfaction": [7.9],
    ...                   "n_monitor": [8], "n_relapse": [2]})
    >>> f = provider_figures(s, {"A": 500})
    >>> f[["trajectories_per_100", "relapse_pct"]].iloc[0].tolist()
    [10.0, 25.0]
    """
    types = dict(type_columns or PROVIDER_TYPES)
    for col in ("school_id", "school_year"):
        if col not in summary.columns:
            raise DataError(f"the provider summary has no column '{col}'.")
    present = [c for c in types if c in summary.columns]
    if not present:
        raise DataError(f"the provider summary has none of the trajectory-type columns {', '.join(types)}.")
    df = summary.copy()
    df["school_id"] = df["school_id"].astype(str)
    df["school_year"] = df["school_year"].astype(str)
    if pupils is None:
        df["pupils"] = np.nan
    elif isinstance(pupils, pd.DataFrame) and "school_year" in pupils.columns:
        p = pupils[["school_id", "school_year", "pupils"]].copy()
        p["school_id"] = p["school_id"].astype(str)
        p["school_year"] = p["school_year"].astype(str)
        df = df.merge(p, on=["school_id", "school_year"], how="left")
    else:
        from josanalysis.questions.capacity import _pupils_series

        df["pupils"] = df["school_id"].map(_pupils_series(pupils))
    denom = pd.to_numeric(df["pupils"], errors="coerce").astype("float64")
    denom = denom.where(denom > 0)
    out = df[["school_id", "school_year"]].copy()
    out["pupils"] = df["pupils"].astype("float64")
    total = pd.Series(0.0, index=df.index)
    for col in present:
        n = pd.to_numeric(df[col], errors="coerce").astype("float64")
        if (n < 0).any():
            raise DataError(f"'{col}' is negative.", column=col)
        out[col] = n
        out[col.removeprefix("n_") + "_per_100"] = n / denom * 100
        total = total + n.fillna(0.0)
    out["n_trajectories"] = total
    out["trajectories_per_100"] = total / denom * 100
    for col in ("share_referred_second_line", "share_stayed", "share_dropped_out"):
        if col in df.columns:
            v = pd.to_numeric(df[col], errors="coerce").astype("float64")
            if ((v < 0) | (v > 1)).any():
                raise DataError(f"'{col}' should be a fraction between 0 and 1.", column=col)
            out[col] = v * 100
    if "n_closed" in df.columns:
        out["n_closed"] = pd.to_numeric(df["n_closed"], errors="coerce").astype("float64")
    if "mean_satisfaction" in df.columns:
        out["mean_satisfaction"] = pd.to_numeric(df["mean_satisfaction"], errors="coerce").astype("float64")
    if "n_satisfaction" in df.columns:
        out["n_satisfaction"] = pd.to_numeric(df["n_satisfaction"], errors="coerce").astype("float64")
    if "n_monitor" in df.columns and "n_relapse" in df.columns:
        mon = pd.to_numeric(df["n_monitor"], errors="coerce").astype("float64")
        rel = pd.to_numeric(df["n_relapse"], errors="coerce").astype("float64")
        if (rel > mon).any():
            raise DataError("'n_relapse' exceeds 'n_monitor' (relapse is counted among monitor trajectories).",
                            column="n_relapse")
        out["n_monitor"] = mon
        out["n_relapse"] = rel
        out["relapse_pct"] = rel / mon.where(mon > 0) * 100
    return out.sort_values(["school_id", "school_year"]).reset_index(drop=True)


def qualitative_notes(region: Region, keys: Iterable[str] | None = None) -> pd.DataFrame:
    """The qualitative notes ("het verhaal bij de cijfers") for the return indicators.

    Parameters
    ----------
    region
        The region; notes come from ``notes.indicators`` in the region and school YAML files.
    keys
        Indicator keys (default: the fixed return set plus ``"capaciteit"``, ``"budget"`` and
        ``"herkomst"``).

    Returns
    -------
    pandas.DataFrame
        ``niveau, school, indicator, toelichting`` (Dutch headers); empty when none are given.

    Examples
    --------
    >>> from josanalysis.core.config import load_region
    >>> qualitative_notes(load_region("regio-alkmaar"))["indicator"].tolist()   # doctest: +SKIP
    ['Capaciteit (fte)']
    """
    keys = list(keys) if keys is not None else [*(_BY_KEY), "capaciteit", "budget", "herkomst", "aanbieder"]
    rows = []
    for k, text in region.indicator_notes.items():
        if k in keys and text:
            rows.append({"niveau": "regio", "school": region.name, "indicator": _label(k), "toelichting": text})
    for s in region.schools:
        for k, text in s.indicator_notes.items():
            if k in keys and text:
                rows.append({"niveau": "school", "school": s.name, "indicator": _label(k), "toelichting": text})
    return pd.DataFrame(rows, columns=["niveau", "school", "indicator", "toelichting"])


def _label(key: str) -> str:
    extra = {"capaciteit": "Capaciteit (fte)", "budget": "ZiO-budget", "herkomst": "Leerlingen van buiten de regio",
             "aanbieder": "Registratie aanbieder"}
    return _BY_KEY[key].label if key in _BY_KEY else extra.get(key, key)


def _merge_hidden(*frames: pd.DataFrame) -> dict[str, list[int]]:
    hidden: dict[str, list[int]] = {}
    for f in frames:
        for k, v in f.attrs.get("privacy_suppressed", {}).items():
            hidden[k] = sorted(set(hidden.get(k, [])) | set(v))
    return hidden



def _protect_counts(table: pd.DataFrame, years: list[str], rules: Any, totals: str) -> pd.DataFrame:
    """Round pupil counts to whole numbers, suppress them, and hide trends that would reveal them."""
    from josanalysis.privacy import apply_privacy

    t = table.copy()
    for y in years:
        t[y] = pd.to_numeric(t[y], errors="coerce").round(0)
    out = apply_privacy(t, rules, count_columns=years, totals=totals)
    hidden = out.attrs.get("privacy_suppressed", {})
    for c in ("change", "slope_per_year"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(1)
    rows = sorted({i for y in years for i in hidden.get(y, [])})
    if rows:
        for c in ("change", "slope_per_year"):
            if c in out.columns:
                col = pd.to_numeric(out[c], errors="coerce").astype("Float64")
                mask = np.zeros(len(out), dtype=bool)
                mask[rows] = True
                out[c] = col.mask(mask)
                hidden[c] = rows
        out.attrs["privacy_suppressed"] = hidden
    return out


def report_tables(
    result: RendementResult,
    rules: Any,
    *,
    names: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The return panel as protected Dutch tables: one for the region, one per indicator.

    Pupil counts (``kind == "count"``) are rounded to whole pupils and suppressed by
    :func:`josanalysis.privacy.suppression.apply_privacy`; per indicator the school rows are protected
    against recovery from the region total (column totals known), and the change / trend of a
    row with a hidden year is hidden too.

    Parameters
    ----------
    result
        From :func:`rendement_table`.
    rules
        The region's privacy rules (``region.privacy``).
    names
        School names by ``school_id``.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``"regio"`` and one entry per indicator key that has data.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> sorted(report_tables(rendement_table(long), PrivacyRules()))     # doctest: +SKIP
    ['regio', 'thuiszitters']
    """
    from josanalysis.privacy import apply_privacy

    names = dict(names or {})
    years = list(result.school_years)
    out: dict[str, pd.DataFrame] = {}
    if result.region.empty:
        return out
    drop = ["indicator", "n_years"]
    reg = result.region
    counts = reg[reg["indicator"].map(lambda k: _BY_KEY[k].kind == "count")]
    other = reg[~reg.index.isin(counts.index)]
    parts = []
    if not counts.empty:
        parts.append(_protect_counts(counts.reset_index(drop=True), years, rules, "none"))
    if not other.empty:
        parts.append(apply_privacy(other.reset_index(drop=True), rules))
    merged = pd.concat(parts, ignore_index=True)
    offset, hidden = 0, {}
    for p in parts:
        for k, v in p.attrs.get("privacy_suppressed", {}).items():
            hidden.setdefault(k, []).extend(i + offset for i in v)
        offset += len(p)
    merged.attrs["privacy_suppressed"] = hidden
    out["regio"] = rename_protected(merged.drop(columns=drop), DUTCH_HEADERS)
    for key in reg["indicator"]:
        sub = result.per_school[result.per_school["indicator"] == key].reset_index(drop=True)
        sub.insert(1, "school", sub["school_id"].map(lambda s: names.get(s, s)))
        if _BY_KEY[key].kind == "count":
            t = _protect_counts(sub, years, rules, "columns")
        else:
            t = apply_privacy(sub, rules)
        out[key] = rename_protected(t.drop(columns=["indicator", "label", "unit", "expected", "n_years"]), DUTCH_HEADERS)
    return out


def provider_report_table(
    figures: pd.DataFrame,
    rules: Any,
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Provider figures (from :func:`provider_figures`) protected for a report, Dutch headers.

    Trajectory counts are pupil counts: small ones are hidden, with secondary suppression
    against the total per row (``n_trajectories``); per-100 rates and relapse percentages are
    hidden with their count; shares are hidden when the school-year has fewer closed
    trajectories than the region's ``min_denominator`` or when the number of pupils behind the
    share (share x closed trajectories) is small; mean satisfaction is hidden when fewer
    questionnaires than ``min_denominator`` were filled in.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> provider_report_table(provider_figures(summary, pupils), PrivacyRules())   # doctest: +SKIP
    """
    from josanalysis.privacy import apply_privacy

    f = figures.copy()
    names = dict(names or {})
    f.insert(1, "school", f["school_id"].map(lambda s: names.get(s, s)))
    types = [c for c in PROVIDER_TYPES if c in f.columns]
    for c in [*types, "n_trajectories", "n_monitor", "n_relapse"]:
        if c in f.columns:
            f[c] = pd.to_numeric(f[c], errors="coerce").round(0)
    rates = {c.removeprefix("n_") + "_per_100": "pupils" for c in types}
    nums = {c.removeprefix("n_") + "_per_100": c for c in types}
    rates["trajectories_per_100"] = "pupils"
    nums["trajectories_per_100"] = "n_trajectories"
    # a share times its denominator gives a number of pupils: hide the share when that number is small
    share_den = "n_closed" if "n_closed" in f.columns else "n_trajectories"
    temp = []
    for c in ("share_referred_second_line", "share_stayed", "share_dropped_out"):
        if c in f.columns:
            rates[c] = share_den
            nums[c] = f"_n_{c}"
            f[f"_n_{c}"] = (pd.to_numeric(f[c], errors="coerce") / 100
                            * pd.to_numeric(f[share_den], errors="coerce")).round(0)
            temp.append(f"_n_{c}")
    if "mean_satisfaction" in f.columns:
        rates["mean_satisfaction"] = "n_satisfaction" if "n_satisfaction" in f.columns else "n_trajectories"
    first = apply_privacy(f, rules, count_columns=[*types, "n_trajectories"], rate_columns=rates,
                          numerators=nums, totals="columns", total_column="n_trajectories")
    second_counts = [c for c in ("n_closed", "n_satisfaction", "n_monitor", "n_relapse") if c in f.columns]
    table = first
    if second_counts:
        for c in second_counts:
            first[c] = pd.to_numeric(first[c], errors="coerce").round(0)
        extra = {"relapse_pct": "n_monitor"} if "relapse_pct" in f.columns else {}
        second = apply_privacy(first, rules, count_columns=second_counts, rate_columns=extra,
                               numerators={"relapse_pct": "n_relapse"} if extra else None, totals="none")
        second.attrs["privacy_suppressed"] = _merge_hidden(first, second)
        table = second
    hidden = table.attrs.get("privacy_suppressed", {})
    table = table.drop(columns=temp)
    table.attrs["privacy_suppressed"] = {k: v for k, v in hidden.items() if k not in temp}
    headers = dict(DUTCH_HEADERS)
    for c, label in PROVIDER_TYPES.items():
        headers[c] = label
        headers[c.removeprefix("n_") + "_per_100"] = f"{label} per 100 lln"
    return rename_protected(table, headers)


