"""Fetch a CBS StatLine table once, when online, into a region's data folder (``josanalysis fetch-cbs``).

Reports never fetch: they read the saved file (:func:`josanalysis.sources.cbs.load_cbs_youthcare`).
This module uses the optional ``cbsodata`` package (``pip install "josanalysis[cbs]"``), imported
only when a fetch is asked for, so that nothing else needs it. The file written keeps the
table's codes (``RegioS`` ``GM0361``, ``Perioden`` ``2022JJ00``) and its ``DataProperties``, whose
``Unit`` (``x 1 000 euro``) the loader applies.

Examples
--------
>>> fetch_cbs_table("85099NED", "data/regio-alkmaar/cbs",
...                 filters="substringof('GM', RegioS)")               # doctest: +SKIP
PosixPath('data/regio-alkmaar/cbs/85099NED.json')
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources.cbs import load_cbs_youthcare

__all__ = ["fetch_cbs_table"]

_TABLE = re.compile(r"^\d{5}(NED|ENG)$")


def _client() -> Any:
    try:
        import cbsodata  # optional dependency: only this online command needs it
    except ImportError:
        raise ConfigError("fetch-cbs needs the optional package cbsodata: install it with "
                          "pip install \"josanalysis[cbs]\" (reports never need it).") from None
    return cbsodata


def fetch_cbs_table(table: str, out_dir: str | Path, *, filters: str | None = None,
                    client: Any = None) -> Path:
    """Download one StatLine table and save it as ``<out_dir>/<table>.json``; check it loads.

    Parameters
    ----------
    table
        The StatLine table id, e.g. ``"85099NED"``.
    out_dir
        The folder to write into (a region's ``<data_dir>/cbs``); created when absent.
    filters
        An OData filter passed to CBS, e.g. ``"substringof('GM', RegioS)"`` (only municipalities).
    client
        The ``cbsodata`` module or a stand-in with its ``download_data`` (default: the package).

    Returns
    -------
    Path
        The file written. It is read back with :func:`load_cbs_youthcare` before it replaces an
        earlier file, so a download that cannot be used is refused and the old file kept.

    Raises
    ------
    ConfigError
        Not a StatLine table id, or cbsodata not installed.
    DataError
        CBS could not be reached or returned no records, or the records are not a youth-care
        table the loader can read (the loader's sentence).
    """
    table = table.strip().upper()
    if not _TABLE.match(table):
        raise ConfigError(f"'{table}' is not a StatLine table id (expected e.g. 85099NED).")
    client = client or _client()
    try:
        data = client.download_data(table, typed=True, filters=filters)
    except Exception as exc:  # noqa: BLE001 - network and HTTP errors become one sentence
        raise DataError(f"could not fetch CBS table {table} ({type(exc).__name__}: {exc}); are you online? "
                        "Reports do not need this: they read the saved file.") from None
    # cbsodata 1.3 returns the untyped set when typed=True is asked for; both keep the codes
    rows = data.get("TypedDataSet") or data.get("UntypedDataSet")
    if not rows:
        raise DataError(f"CBS returned no records for table {table}"
                        + (f" with filter {filters!r}." if filters else "."))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target, partial = out / f"{table}.json", out / f".{table}.partial.json"
    content = {"odata.metadata": f"https://opendata.cbs.nl/ODataApi/OData/{table}/$metadata"
                                 "#Cbs.OData.WebAPI.TypedDataSet",
               "value": rows, "DataProperties": data.get("DataProperties", [])}
    partial.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    try:
        load_cbs_youthcare(partial)
    except DataError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target
