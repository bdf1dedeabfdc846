"""``josanalysis compare``: regions side by side as one HTML report with the look of the others.

:func:`compare_regions` measures each region with the common base approach
(:func:`josanalysis.questions.regions.region_profiles`), builds the report object
(:func:`josanalysis.reporting.region_comparison.build_region_comparison`), writes its tables as
results files (:func:`josanalysis.privacy.write_tables`), and exports it with
:func:`josanalysis.runner.export.export_html` (Dutch, A4 print stylesheet, the
Content-Security-Policy of every page): the report's sections become the display outputs of a
notebook that is never executed (``vergelijking.ipynb``, kept beside the HTML like the executed
notebooks of a run). The output scan (:func:`josanalysis.privacy.scan_outputs`) ends it, as it
ends every run.

The region estimates are read from the results file ``run`` wrote under ``results_root`` when it
is there; otherwise the pooled estimates are computed once (see :mod:`josanalysis.questions.regions`).

Examples
--------
>>> result = compare_regions(["demoregio", "regio-alkmaar"], "outputs/vergelijking")   # doctest: +SKIP
>>> result.html.name                                                                    # doctest: +SKIP
'vergelijking.html'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from josanalysis.privacy import Violation, scan_outputs, write_tables
from josanalysis.questions.regions import region_profiles
from josanalysis.reporting.document import Figure, Notice, Table, Text
from josanalysis.reporting.region_comparison import RegionComparison, build_region_comparison
from josanalysis.runner.export import export_html

__all__ = ["CompareResult", "compare_regions", "comparison_notebook"]


@dataclass(frozen=True)
class CompareResult:
    """What ``compare`` wrote: the HTML report, the results files and what the output scan found."""

    report: RegionComparison
    html: Path
    written: tuple[Path, ...]
    privacy_violations: tuple[Violation, ...]


def _item_html(item: Any) -> str:
    if isinstance(item, (Text, Figure)):
        return item.html()
    if isinstance(item, Notice):
        return item.html
    if isinstance(item, Table):
        return item.styler().to_html()
    raise TypeError(f"a report item of type {type(item).__name__} cannot be exported")


def comparison_notebook(report: RegionComparison) -> Any:
    """The report as a notebook whose cells hold only display outputs (one cell per section)."""
    import nbformat  # slow to import; only compare needs it here

    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    for section in report.document.sections:
        parts = ([section.heading_html()] if section.title else []) + [_item_html(i) for i in section.items]
        cell = nbformat.v4.new_code_cell(source="")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "\n".join(parts)})]
        nb.cells.append(cell)
    return nb


def compare_regions(region_ids: Sequence[str], out_dir: str | Path, *, results_root: str | Path = "outputs",
                    params_dir: str | Path = "", compute: bool = True) -> CompareResult:
    """Write the comparison of the regions to ``out_dir``.

    Parameters
    ----------
    region_ids
        Two or more regions (or subregions: any file under ``params/regions/``).
    out_dir
        Folder for ``vergelijking.html``, its notebook and the results files (``<table>.csv``,
        ``results.json``).
    results_root
        Where ``run`` wrote the regions' outputs (their region results are read from there).
    params_dir
        The parameter folder (empty: the project's ``params/``).
    compute
        Compute the pooled estimates of a region that has data but no results file.

    Returns
    -------
    CompareResult
    """
    import nbformat  # slow to import; only compare needs it here

    profiles = region_profiles(list(region_ids), results_root=results_root, params_dir=params_dir, compute=compute)
    report = build_region_comparison(profiles)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = tuple(write_tables(dict(report.tables), out))
    notebook = out / "vergelijking.ipynb"
    nbformat.write(comparison_notebook(report), str(notebook))
    html = export_html(notebook, out / "vergelijking.html", title=report.title)
    min_count = max(p.region.privacy.min_count for p in profiles)
    return CompareResult(report=report, html=html, written=written + (notebook, html),
                         privacy_violations=tuple(scan_outputs(out, min_count=min_count)))
