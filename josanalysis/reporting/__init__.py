"""Reporting: the report objects the notebooks display, with their Dutch figures, tables and text.

One call builds each report — :func:`build_school_report`, :func:`build_region_report`,
:func:`build_budget_report`, :func:`build_region_comparison` (regions side by side) — and the
notebook only displays the result (``report.show()``). Figures are in
:mod:`~josanalysis.reporting.figures`, Dutch tables of assessment objects in
:mod:`~josanalysis.reporting.tables`, shared presentation (banner, plan table, notes) in
:mod:`~josanalysis.reporting.presentation`, the building blocks in
:mod:`~josanalysis.reporting.document`.
"""

from josanalysis.reporting.budget_report import BudgetReport, build_budget_report
from josanalysis.reporting.region_comparison import RegionComparison, build_region_comparison
from josanalysis.reporting.region_report import RegionReport, build_region_report
from josanalysis.reporting.school_report import SchoolReport, build_school_report

__all__ = ["BudgetReport", "RegionComparison", "RegionReport", "SchoolReport", "build_budget_report",
           "build_region_comparison", "build_region_report", "build_school_report"]
