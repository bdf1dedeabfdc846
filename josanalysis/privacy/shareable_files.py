"""The one place that writes a report's machine-readable files (results, tables) to disk.

Two layouts exist, both read by municipalities and researchers:

* :func:`write_results` — a report's estimates (one row per estimate, ``results.csv`` with ``,``
  and ``results.json`` as a list of records), the format of the school and region reports and of
  the run's ``summary.csv``;
* :func:`write_tables` — a set of named tables (one ``<name>.csv`` with ``;`` each, as Dutch
  spreadsheet programs open it, and ``results.json`` holding all of them), the format of the
  budget report.

Both write only what passed the privacy layer: pupil counts are suppressed by
:func:`~josanalysis.privacy.apply_privacy` before anything reaches a file, and nothing is written
when no output folder is given (a notebook explored by hand).

Examples
--------
>>> import pandas as pd
>>> from josanalysis.core.config import PrivacyRules
>>> write_results(pd.DataFrame({"estimate": [0.1]}), "", PrivacyRules()) is None
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from josanalysis.core.config import PrivacyRules
from josanalysis.core.errors import ConfigError
from josanalysis.privacy.boundary import apply_privacy

__all__ = ["write_results", "write_tables"]


def _folder(output_dir: str | Path | None) -> Path | None:
    if not output_dir:
        return None
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _jsonable(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def write_results(results: pd.DataFrame, output_dir: str | Path | None, rules: PrivacyRules, *,
                  count_columns: Sequence[str] = (), name: str = "results") -> Path | None:
    """Write a report's estimates as ``<output_dir>/<name>.csv`` and ``.json``.

    Parameters
    ----------
    results
        One row per estimate (:data:`josanalysis.assessment.RESULT_COLUMNS`).
    output_dir
        Folder to write to; empty writes nothing and returns None.
    rules
        The region's suppression rules.
    count_columns
        Columns holding pupil counts (named by the convention of :func:`~josanalysis.privacy.is_count_field`):
        suppressed below the region's threshold before anything is written.
    name
        File stem.

    Returns
    -------
    pathlib.Path or None
        The CSV file written.
    """
    folder = _folder(output_dir)
    if folder is None:
        return None
    safe = apply_privacy(results.reset_index(drop=True), rules, count_columns=list(count_columns),
                         secondary=False) if count_columns else results.reset_index(drop=True)
    safe.to_csv(folder / f"{name}.csv", index=False)
    records = [{k: _jsonable(v) for k, v in row.items()} for row in safe.to_dict(orient="records")]
    (folder / f"{name}.json").write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder / f"{name}.csv"


def write_tables(tables: Mapping[str, pd.DataFrame], output_dir: str | Path | None) -> list[Path]:
    """Write protected tables as CSV files (``;``, UTF-8) and one ``results.json`` holding them all.

    Parameters
    ----------
    tables
        Name -> a table that passed :func:`~josanalysis.privacy.apply_privacy` (hidden cells are
        missing and are written as empty cells, ``null`` in JSON).
    output_dir
        Folder to write to; empty or None writes nothing.

    Returns
    -------
    list[pathlib.Path]
        The files written: one ``<name>.csv`` per table and ``results.json``
        (``{name: {"columns": [...], "data": [[...], ...]}}``).
    """
    folder = _folder(output_dir)
    if folder is None:
        return []
    written, bundle = [], {}
    for name, table in tables.items():
        if "privacy_suppressed" not in table.attrs:
            raise ConfigError(f"table '{name}' did not pass josanalysis.privacy.apply_privacy; "
                              "refusing to write it.")
        path = folder / f"{name}.csv"
        table.to_csv(path, sep=";", index=False, encoding="utf-8")
        written.append(path)
        bundle[name] = json.loads(table.to_json(orient="split", index=False, force_ascii=False))
    path = folder / "results.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(path)
    return written
