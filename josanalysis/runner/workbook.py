"""The summary for readers: Dutch columns (``summary.html``) and a workbook (``summary.xlsx``).

``summary.csv`` is the machine-readable table (English column names, full precision; pinned by
the reference test). This module turns the same rows into what a municipality reads:
:func:`dutch_summary` (Dutch headers, Dutch indicator and term names, no model codes),
:func:`summary_html` (numbers formatted by :mod:`josanalysis.core.formatting`) and
:func:`write_workbook` (``summary.xlsx``: one formatted sheet per table: the estimates and the
budget report's shareable tables).

openpyxl is imported where it is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.indicators import INDICATORS

__all__ = ["TERMS_NL", "dutch_summary", "indicator_label", "summary_html", "write_workbook"]

#: Dutch names of the effect terms of ``results.csv``.
TERMS_NL = {"level": "niveauverandering bij de start", "slope": "trendverandering per maand",
            "end": "verschil aan het eind van de reeks"}
_SCALES_NL = {"difference": "verschil", "ratio": "verhouding"}

# summary.csv column -> (Dutch header, how the HTML shows it)
_COLUMNS: dict[str, tuple[str, Callable[[Any], str] | None]] = {
    "school_id": ("Vestiging", None),
    "school_name": ("School", None),
    "indicator": ("Indicator", None),
    "term": ("Effect", None),
    "estimate": ("Schatting", lambda v: nl.number(v, 4)),
    "ci_low": ("95%-BI van", lambda v: nl.number(v, 4)),
    "ci_high": ("95%-BI tot", lambda v: nl.number(v, 4)),
    "p_value": ("p-waarde", lambda v: nl.number(v, 3)),
    "scale": ("Schaal", None),
    "n_pre": ("Perioden vóór de start", nl.integer),
    "n_post": ("Perioden na de start", nl.integer),
    "mde": ("Kleinste aantoonbare effect", lambda v: nl.number(v, 4)),
    "verdict": ("Oordeel", None),
    "n_caveats": ("Kanttekeningen", nl.integer),
    "status": ("Status", None),
    "fout": ("Fout", None),
}


def indicator_label(key: Any) -> str:
    """The Dutch label of an indicator key (the key itself when it is not registered)."""
    if not isinstance(key, str):
        return ""
    return INDICATORS[key].label if key in INDICATORS else key


def dutch_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The summary rows with Dutch headers and names; numbers stay numbers.

    Model codes (the ``method`` column) and internal keys (``verdict_key``, ``region_id``,
    ``rapport``, ``notebook``) are left out.
    """
    df = table.copy()
    if "indicator" in df:
        df["indicator"] = df["indicator"].map(indicator_label)
    if "term" in df:
        df["term"] = df["term"].map(lambda t: TERMS_NL.get(t, "") if isinstance(t, str) else "")
    if "scale" in df:
        df["scale"] = df["scale"].map(lambda s: _SCALES_NL.get(s, "") if isinstance(s, str) else "")
    keep = [c for c in _COLUMNS if c in df.columns]
    return df[keep].rename(columns={c: _COLUMNS[c][0] for c in keep})


def summary_html(table: pd.DataFrame) -> str:
    """The summary as an HTML table: Dutch headers, numbers in Dutch notation, escaped."""
    df = dutch_summary(table)
    shown = df.astype(object).copy()
    for col, (header, fmt) in _COLUMNS.items():
        if header in shown.columns and fmt is not None:
            shown[header] = df[header].map(lambda v, f=fmt: "" if nl.is_missing(v) else f(v))
    shown = shown.where(pd.notna(shown), "")
    return shown.to_html(index=False, na_rep="", escape=True, border=0, classes="samenvatting")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "tabel"
    out, i = base, 2
    while out.lower() in taken:
        out = f"{base[:28]}_{i}"
        i += 1
    taken.add(out.lower())
    return out


def _write_sheet(wb: Any, title: str, df: pd.DataFrame, caption: str) -> None:
    """One sheet: a caption, bold frozen headers, Dutch-readable number formats, column widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append([caption])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([str(c) for c in df.columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in df.itertuples(index=False):
        ws.append([None if nl.is_missing(v) else (v.item() if hasattr(v, "item") else v)
                   for v in row])
    _never_formulas(ws)
    ws.freeze_panes = "A3"
    for j, col in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        numeric = pd.api.types.is_numeric_dtype(df[col])
        integral = numeric and bool((df[col].dropna() % 1 == 0).all())
        for cell in ws[letter][2:]:
            if numeric:
                cell.number_format = "#,##0" if integral else "#,##0.0000"
        width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 45)


def _never_formulas(ws: Any) -> None:
    """Keep text that starts with ``=`` (a name or note typed as ``=HYPERLINK(...)``) as text:
    openpyxl would store it as a formula that Excel runs when the workbook is opened."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_workbook(path: Path, summary: pd.DataFrame, region_name: str,
                   budget_dir: Path | None = None) -> Path:
    """Write ``summary.xlsx``: the estimates, and the budget report's shareable tables.

    Parameters
    ----------
    path
        The workbook written (atomically).
    summary
        The rows of ``summary.csv``.
    region_name
        Shown in each sheet's caption.
    budget_dir
        The budget report's folder; each of its ``*.csv`` tables (already protected by
        :mod:`josanalysis.privacy`, ``;``-separated) becomes a sheet.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    _write_sheet(wb, _sheet_name("Schattingen", taken), dutch_summary(summary),
                 f"JOS-monitor {region_name}: schattingen per school en indicator")
    for csv in sorted(budget_dir.glob("*.csv")) if budget_dir and budget_dir.is_dir() else []:
        try:
            df = pd.read_csv(csv, sep=";")
        except (OSError, ValueError):
            continue
        label = csv.stem.replace("_", " ")
        _write_sheet(wb, _sheet_name(label, taken), df,
                     f"JOS-monitor {region_name}: {label} (budgetrapport)")
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return path
