"""Compare a run's results files with the committed demo reference (numbers to 1e-9).

The reference (``tests/data/demo_reference/``) was written by the demo region run before the
package was reorganised; a refactor must reproduce it. The end-to-end test compares the
reports it runs; run this module to compare a whole demo region::

    .venv/bin/python -m tests.reference_outputs            # runs the region, then compares
    .venv/bin/python -m tests.reference_outputs OUTPUT_DIR # compares an existing run
    .venv/bin/python -m tests.reference_outputs --update   # runs the region, rewrites the reference

``--update`` is for an intended change of results only: say in the commit why the numbers moved.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.runner.batch import run_region

REFERENCE = Path(__file__).resolve().parent / "data" / "demo_reference"
PSEUDONYM_KEY = "ref-key"
TOLERANCE = 1e-9


def reference_files(reports: list[str] | None = None) -> list[Path]:
    """Reference files (relative paths), optionally only those of some reports.

    ``reports`` holds report folders such as ``"schools/DM0200"``, ``"region"`` or ``"budget"``.
    """
    files = sorted(p.relative_to(REFERENCE) for p in REFERENCE.rglob("*")
                   if p.is_file() and p.suffix in {".csv", ".json"})
    if reports is None:
        return files
    return [f for f in files if any(f.as_posix().startswith(r.rstrip("/") + "/") for r in reports)]


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) and math.isnan(b):
            return True
        return abs(a - b) <= TOLERANCE
    return a == b


def _json_differences(a: Any, b: Any, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out.append(f"{where}: keys {sorted(set(a) ^ set(b))} differ")
        for k in set(a) & set(b):
            _json_differences(a[k], b[k], f"{where}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items, reference has {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _json_differences(x, y, f"{where}[{i}]", out)
    elif not _same_value(a, b):
        out.append(f"{where}: {a!r}, reference {b!r}")


def _csv_differences(new: pd.DataFrame, ref: pd.DataFrame, where: str) -> list[str]:
    if list(new.columns) != list(ref.columns):
        return [f"{where}: columns {list(new.columns)}, reference {list(ref.columns)}"]
    if len(new) != len(ref):
        return [f"{where}: {len(new)} rows, reference {len(ref)}"]
    out = []
    for col in ref.columns:
        a, b = new[col], ref[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(float), b.to_numpy(float)
            bad = ~((np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= TOLERANCE))
        else:
            bad = ~((a.isna() & b.isna()) | (a.astype(str) == b.astype(str))).to_numpy()
        for i in np.flatnonzero(bad)[:3]:
            out.append(f"{where} row {i + 2}, column {col}: {a.iloc[i]!r}, reference {b.iloc[i]!r}")
    return out


def compare_outputs(output_dir: str | Path, files: list[Path] | None = None,
                    summary_schools: list[str] | None = None) -> list[str]:
    """Differences between a run's files and the reference, as sentences (empty: equal).

    Parameters
    ----------
    output_dir
        The region's output folder (``outputs/demoregio``).
    files
        Reference files to compare (default: all of them, ``summary.csv`` included).
    summary_schools
        When given, ``summary.csv`` is compared on the rows of these schools and of the region
        only (for a run of some schools).
    """
    output_dir = Path(output_dir)
    out: list[str] = []
    for rel in reference_files() if files is None else files:
        new_path = output_dir / rel
        if not new_path.is_file():
            out.append(f"{rel}: missing in {output_dir}")
            continue
        if rel.suffix == ".json":
            _json_differences(json.loads(new_path.read_text(encoding="utf-8")),
                              json.loads((REFERENCE / rel).read_text(encoding="utf-8")), str(rel), out)
            continue
        new, ref = pd.read_csv(new_path), pd.read_csv(REFERENCE / rel)
        if rel.as_posix() == "summary.csv" and summary_schools is not None:
            # A run of some schools lists the others without estimates: compare the estimates
            # of the schools that ran and of the region, on the reference's columns.
            def keep(s: pd.DataFrame) -> pd.DataFrame:
                rows = s[(s["school_id"].isin(summary_schools) | s["school_id"].isna()) & s["term"].notna()]
                return rows.reindex(columns=ref.columns).reset_index(drop=True)
            new, ref = keep(new), keep(ref)
        out.extend(_csv_differences(new, ref, str(rel)))
    return out


def _run_demo() -> Path:
    os.environ["JOSANALYSIS_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    root = Path(tempfile.mkdtemp(prefix="josanalysis-reference-"))
    result = run_region("demoregio", workers=2, output_root=root, progress=False)
    if not result.ok:
        raise SystemExit(f"The demo run failed: {[(o.key, o.error) for o in result.failed]} "
                         f"{[str(v) for v in result.privacy_violations[:5]]}")
    return result.output_dir


def update_reference(folder: Path) -> list[Path]:
    """Replace the reference by the results files of the demo run in ``folder``: ``summary.csv``
    and every report's ``results.csv``/``results.json`` and the budget report's CSV tables."""
    files = [Path("summary.csv")] + sorted(
        p.relative_to(folder) for p in folder.glob("*/**/*")
        if p.is_file() and p.suffix in {".csv", ".json"} and p.name != "manifest.json"
        and not p.relative_to(folder).parts[0].startswith((".", "failed")))
    for old in reference_files():
        (REFERENCE / old).unlink()
    for rel in files:
        (REFERENCE / rel).parent.mkdir(parents=True, exist_ok=True)
        (REFERENCE / rel).write_bytes((folder / rel).read_bytes())
    return files


def _main(argv: list[str]) -> int:
    if argv == ["--update"]:
        files = update_reference(_run_demo())
        print(f"{len(files)} reference files rewritten in {REFERENCE}.")
        return 0
    folder = Path(argv[0]) if argv else _run_demo()
    differences = compare_outputs(folder)
    for line in differences:
        print(line)
    n = len(reference_files())
    print(f"{n} reference files compared with {folder}: "
          + ("equal to 1e-9." if not differences else f"{len(differences)} differences."))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
