"""CBS StatLine youth-care tables (85098NED, 85099NED, 83454NED, ...), read from a saved file.

Two forms are accepted, both offline and both as CBS publishes them:

* the OData ``TypedDataSet`` JSON as saved from ``https://opendata.cbs.nl/ODataApi/odata/<table>/TypedDataSet``
  (``{"value": [{"ID": 0, "VormenVanJeugdzorg": "A045561 ", "Perioden": "2022JJ00", "RegioS": "GM0361  ",
  "JongerenMetJeugdzorg_1": 1234}]}``), or as ``josanalysis fetch-cbs TABLE`` writes it (the same
  records plus the table's ``DataProperties``, so that units travel with the data);
* the typed-data CSV (``;`` or ``,``, quoted or not) with the same column keys, where ``.`` or an
  empty cell marks a suppressed value.

Which columns are measures: CBS gives every measure (a *Topic*) a key with a numbered suffix
(``JongerenMetJeugdzorg_1``, ``GerealiseerdeKosten_2``) and no dimension one
(``VormenVanJeugdzorg``, ``Geslacht``). A suffixed column is therefore always a measure, and one
text value in it is refused with file, row and column -- it never silently turns the measure
into a dimension. An unsuffixed column is a measure only when all its values are numbers.

Region keys are stripped of trailing spaces, ``Perioden`` ``2022JJ00`` becomes 2022 (only yearly
periods are kept), measure names lose their table-version suffix (``JongerenMetJeugdhulp_1`` ->
``JongerenMetJeugdhulp``) so that tables of different versions match by prefix, and a null or
``.`` value is missing with ``suppressed`` set.

Units are applied: a measure published in thousands (83454NED ``GerealiseerdeKosten``,
"x 1 000 euro") is returned in euros. The factor comes from the table's ``DataProperties`` when
the file carries them, else from :data:`CBS_UNIT_FACTORS`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import DataError
from josanalysis.sources.reading.codes import check_region_codes
from josanalysis.sources.reading.files import decode_text, read_bytes
from josanalysis.sources.reading.numbers import parse_number
from josanalysis.sources.reading.schema import finish, validate
from josanalysis.sources.reading.table import RawTable, read_table

__all__ = ["load_cbs_youthcare", "CBS_COLUMNS", "CBS_UNIT_FACTORS", "unit_factor"]

CBS_COLUMNS = ["municipality_code", "year", "measure", "value", "suppressed"]

#: Measures CBS publishes in a multiple of their unit, by measure name (suffix removed): the
#: factor that gives the plain unit, and the tables where CBS documents it.
CBS_UNIT_FACTORS: dict[str, tuple[float, tuple[str, ...]]] = {
    "GerealiseerdeKosten": (1000.0, ("83454NED",)),  # "x 1 000 euro"
}
_MEASURE_KEY = re.compile(r"^.+_\d+$")
_TABLE_ID = re.compile(r"(\d{5}(?:NED|ENG))", re.IGNORECASE)
_UNIT_MULTIPLE = re.compile(r"^\s*x\s*([\d .]+)", re.IGNORECASE)

_REGION_KEYS = ("RegioS", "Regio_s", "Regios", "Gemeente", "WijkenEnBuurten", "RegioCode")
_PERIOD_KEYS = ("Perioden", "Periode", "Jaar")
_SKIP = {"ID", "id"}
_PERIOD = re.compile(r"^((?:19|20)\d{2})(JJ00)?$")


def _measure_name(col: str) -> str:
    return re.sub(r"_\d+$", "", col.strip())


@dataclass(frozen=True)
class _StatLine:
    """A saved StatLine table as read: cells, row labels and which columns are the key.

    ``table.data`` holds the cells under the column codes as written, plus ``_row`` (the
    spreadsheet row of a CSV export, or the record number in the JSON list) and ``_year``
    (the year of the period). Refusals name ``table`` for a CSV and the bare path for JSON.
    """

    table: RawTable
    from_json: bool
    region: str
    period: str

    @property
    def cited(self) -> RawTable | Path:
        return self.table.path if self.from_json else self.table


def load_cbs_youthcare(path: str | Path) -> pd.DataFrame:
    """Load a saved CBS StatLine table into a long frame.

    Parameters
    ----------
    path
        ``.json`` (OData TypedDataSet) or ``.csv`` export.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, year, measure, value, suppressed``; other dimension columns of the
        table (for example ``Geslacht``) are kept after these, as text codes.

    Raises
    ------
    DataError
        Not JSON/CSV, no region or period column, non-yearly or malformed periods, text in a
        measure (file, row and column named), duplicated region x period x measure.

    Examples
    --------
    >>> df = load_cbs_youthcare("data/examples/cbs-85099NED.json")   # doctest: +SKIP
    >>> df.pivot_table(index="municipality_code", columns="measure", values="value")  # doctest: +SKIP
    """
    path = Path(path)
    from_json = path.suffix.lower() == ".json"
    table, content = _read_json(path) if from_json else (_read_csv(path), None)
    statline = _with_years(table, from_json)
    measures, extra_dims = _measures_and_dimensions(statline)
    table_id, units = _table_id(path, content), _units(content)
    parts = []
    for c in measures:
        part = _long_measure(statline, c, extra_dims)
        part["value"] = part["value"] * unit_factor(c, table_id, units)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["municipality_code"] = out["municipality_code"].astype("str")
    out["measure"] = out["measure"].astype("str")
    out["year"] = out["year"].astype("Int64")
    schema = pa.DataFrameSchema(
        {"year": pa.Column("Int64", pa.Check.in_range(1990, pd.Timestamp.today().year,
                                                      error="a year not in the future"))},
        unique=["municipality_code", "year", "measure", *extra_dims],
    )
    validate(out, schema, statline.cited)
    return finish(out, [*CBS_COLUMNS, *extra_dims])


def _units(content: dict | None) -> dict[str, str]:
    """Measure key -> ``Unit`` text from the DataProperties a fetched file carries (else empty)."""
    props = content.get("DataProperties") if isinstance(content, dict) else None
    if not isinstance(props, list):
        return {}
    return {str(p["Key"]): str(p.get("Unit") or "") for p in props
            if isinstance(p, dict) and p.get("Type") == "Topic" and "Key" in p}


def _read_json(path: Path) -> tuple[RawTable, dict | None]:
    """An OData TypedDataSet: records as rows, values as JSON typed them, ``_row`` = record number;
    with the parsed content (for its metadata URL and DataProperties)."""
    _, raw = read_bytes(path)
    text, _ = decode_text(raw, path)
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at line {exc.lineno}); expected a saved "
                        "OData TypedDataSet like {\"value\": [...]}.", file=path) from None
    records = content.get("value") if isinstance(content, dict) else content
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataError("expected an OData TypedDataSet: an object with a list 'value' of records.",
                        file=path)
    if not records:
        raise DataError("the 'value' list is empty (expected at least one record).", file=path)
    frame = pd.DataFrame.from_records(records)
    frame.insert(0, "_row", np.arange(1, len(frame) + 1))  # record number in the JSON list
    return (RawTable(path=path, data=frame, original={c: c for c in frame.columns}),
            content if isinstance(content, dict) else None)


def _read_csv(path: Path) -> RawTable:
    """A CSV export, columns under their codes as written (not normalised)."""
    table = read_table(path)
    frame = table.data.rename(columns={k: v for k, v in table.original.items()})
    return RawTable(path=path, data=frame, original={c: c for c in frame.columns},
                    delimiter=table.delimiter)


def _with_years(table: RawTable, from_json: bool) -> _StatLine:
    """Find the region and period columns, strip region keys, and add the yearly period as ``_year``."""
    frame, path = table.data, table.path
    cols = [c for c in frame.columns if c != "_row"]
    region = next((c for c in cols if c.strip() in _REGION_KEYS or c.lower().startswith("regio")), None)
    period = next((c for c in cols if c.strip() in _PERIOD_KEYS), None)
    for what, col in (("region ('RegioS')", region), ("period ('Perioden')", period)):
        if col is None:
            raise DataError(f"no {what} column; the table has {cols[:10]}.", file=path, rows=[1])
    df = frame.copy()
    df[region] = df[region].astype(str).str.strip()
    check_region_codes(table, df, region)
    per = df[period].astype(str).str.strip()
    m = per.str.extract(_PERIOD.pattern)
    bad = m[0].isna().to_numpy(dtype=bool)
    if bad.any():
        vals = list(dict.fromkeys(per[bad]))[:3]
        raise DataError(f"{', '.join(repr(v) for v in vals)} is not a yearly period "
                        "(expected e.g. 2022JJ00; quarters/months are not supported).",
                        file=path, rows=list(df.loc[bad, "_row"]), column=period)
    df["_year"] = m[0].astype("int64")
    return _StatLine(RawTable(path=path, data=df, original=table.original, delimiter=table.delimiter),
                     from_json, region, period)


def _measures_and_dimensions(statline: _StatLine) -> tuple[list[str], list[str]]:
    """Split the other columns into measures and extra dimensions (text codes).

    A column whose key has CBS's numbered measure suffix (``_1``) is a measure whatever its
    values: a text value in it is refused later by the number parser, with row and column.
    """
    df = statline.table.data
    dims = [c for c in df.columns
            if c not in ("_row", "_year", statline.region, statline.period) and c not in _SKIP]
    measures, extra_dims = [], []
    for c in dims:
        values = df[c].dropna()
        if _MEASURE_KEY.match(str(c).strip()):
            is_measure = True
        elif statline.from_json:
            # JSON: measures are numbers (null when suppressed); dimension codes are strings,
            # even numeric-looking ones such as "10000"
            is_measure = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                                    or (isinstance(v, str) and v.strip() == ".")).all()
        else:
            is_measure = values.astype(str).str.strip().str.fullmatch(r"[+-]?[\d.,]+|\.|").all()
        (measures if is_measure else extra_dims).append(c)
    if not measures:
        raise DataError("no measure columns found (expected numeric columns such as "
                        "'JongerenMetJeugdzorg_1').", file=statline.table.path, rows=[1])
    return measures, extra_dims


def unit_factor(measure: str, table_id: str | None, units: dict[str, str] | None = None) -> float:
    """The factor that turns a published measure into its plain unit (1000 for "x 1 000 euro").

    ``units`` maps measure keys to the ``Unit`` text of the table's DataProperties (when the
    file carries them); otherwise :data:`CBS_UNIT_FACTORS` decides, for the tables it names.

    Examples
    --------
    >>> unit_factor("GerealiseerdeKosten", "83454NED")
    1000.0
    >>> unit_factor("GerealiseerdeKosten_2", None, {"GerealiseerdeKosten_2": "x 1 000 euro"})
    1000.0
    >>> unit_factor("JongerenMetJeugdzorg", "85099NED")
    1.0
    """
    if units and measure in units:
        m = _UNIT_MULTIPLE.match(units[measure] or "")
        return float(re.sub(r"[ .]", "", m.group(1))) if m else 1.0
    name = _measure_name(measure)
    if name in CBS_UNIT_FACTORS:
        factor, tables = CBS_UNIT_FACTORS[name]
        if table_id is None or table_id.upper() in tables:
            return factor
    return 1.0


def _table_id(path: Path, content: dict | None = None) -> str | None:
    """The StatLine table id from the file name (``83454NED.csv``) or the OData metadata URL."""
    m = _TABLE_ID.search(path.name)
    if m is None and content is not None:
        m = _TABLE_ID.search(str(content.get("odata.metadata", "")))
    return m.group(1).upper() if m else None


def _long_measure(statline: _StatLine, column: str, extra_dims: list[str]) -> pd.DataFrame:
    """One measure column as long rows: region, year, measure name, value, suppressed flag."""
    df = statline.table.data
    cells = df[column].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    sub = pd.DataFrame({"_row": df["_row"], column: cells})
    # JSON numbers use a dot; CSV exports from StatLine also use a dot (or a comma in NL exports)
    val, supp = parse_number(statline.table, sub, column)
    part = pd.DataFrame({
        "_row": df["_row"].to_numpy(),
        "municipality_code": df[statline.region].to_numpy(),
        "year": df["_year"].to_numpy(),
        "measure": _measure_name(column),
        "value": val.to_numpy(),
        "suppressed": supp.to_numpy(),
    })
    for d in extra_dims:
        part[d] = df[d].astype(str).str.strip().to_numpy()
    return part
