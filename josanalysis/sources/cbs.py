"""CBS StatLine youth-care tables (e.g. 85098NED, 85099NED, 83454NED), read from a saved file.

Two forms are accepted, both offline:

* the OData ``TypedDataSet`` JSON as saved from ``https://opendata.cbs.nl/ODataApi/odata/<table>/TypedDataSet``
  (``{"value": [{"ID": 0, "RegioS": "GM0361  ", "Perioden": "2022JJ00", "JongerenMetJeugdhulp_1": 1234, ...}]}``);
* a CSV export with the same column codes (``;`` or ``,``), where ``.`` marks a suppressed cell.

Region keys are stripped of trailing spaces, ``Perioden`` ``2022JJ00`` becomes 2022 (only yearly
periods are kept), measure names lose their table-version suffix (``JongerenMetJeugdhulp_1`` ->
``JongerenMetJeugdhulp``) so that tables of different versions match by prefix, and a null or
``.`` value is missing with ``suppressed`` set. Fetching live with the ``cbsodata`` package is
possible (save its result with ``json.dump({"value": rows})``) but never needed.
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

__all__ = ["load_cbs_youthcare", "CBS_COLUMNS"]

CBS_COLUMNS = ["municipality_code", "year", "measure", "value", "suppressed"]

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
        measure, duplicated region x period x measure.

    Examples
    --------
    >>> df = load_cbs_youthcare("data/examples/cbs-85099NED.json")   # doctest: +SKIP
    >>> df.pivot_table(index="municipality_code", columns="measure", values="value")  # doctest: +SKIP
    """
    path = Path(path)
    from_json = path.suffix.lower() == ".json"
    table = _read_json(path) if from_json else _read_csv(path)
    statline = _with_years(table, from_json)
    measures, extra_dims = _measures_and_dimensions(statline)
    out = pd.concat([_long_measure(statline, c, extra_dims) for c in measures], ignore_index=True)
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


def _read_json(path: Path) -> RawTable:
    """An OData TypedDataSet: records as rows, values as JSON typed them, ``_row`` = record number."""
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
    return RawTable(path=path, data=frame, original={c: c for c in frame.columns})


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
    """Split the other columns into measures (numbers) and extra dimensions (text codes)."""
    df = statline.table.data
    dims = [c for c in df.columns
            if c not in ("_row", "_year", statline.region, statline.period) and c not in _SKIP]
    measures, extra_dims = [], []
    for c in dims:
        values = df[c].dropna()
        if statline.from_json:
            # JSON: measures are numbers (null when suppressed); dimension codes are strings,
            # even numeric-looking ones such as "10000"
            is_measure = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                                    or (isinstance(v, str) and v.strip() == ".")).all()
        else:
            is_measure = values.astype(str).str.strip().str.fullmatch(r"[+-]?[\d.,]+|\.|").all()
        (measures if is_measure else extra_dims).append(c)
    if not measures:
        raise DataError("no measure columns found (expected numeric columns such as "
                        "'JongerenMetJeugdhulp_1').", file=statline.table.path, rows=[1])
    return measures, extra_dims


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
