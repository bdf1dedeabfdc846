"""Parts every report object shares: the title block with the synthetic-data banner, the
analysis-plan section, and the one way a table enters a report (:func:`shown`).

Examples
--------
>>> from josanalysis.core.config import load_analysis_plan
>>> plan_section(load_analysis_plan()).title
'Het vooraf vastgelegde analyseplan'
"""

from __future__ import annotations

import pandas as pd

from josanalysis.core.config import AnalysisPlan, Region
from josanalysis.reporting.document import Item, Notice, Section, Table, Text
from josanalysis.reporting.presentation import banner, plan_table

__all__ = ["title_items", "plan_section", "shown"]

_PLAN_INTRO = ("Het model ligt vast vóórdat de resultaten bekend zijn. Zo kan niemand achteraf het model "
               "kiezen dat het mooiste resultaat geeft.")


def title_items(region: Region, title: str) -> tuple[Item, ...]:
    """The synthetic-data banner (for a synthetic region) and the report's title."""
    mark = banner(region)
    return ((Notice(mark._repr_html_()),) if mark is not None else ()) + (Text(f"## {title}"),)


def plan_section(plan: AnalysisPlan, intro: str | None = _PLAN_INTRO) -> Section:
    """The pre-specified analysis plan as a report section (every report prints it)."""
    table = plan_table(plan)
    return Section("plan", "Het vooraf vastgelegde analyseplan",
                   ((Text(intro),) if intro else ()) + (shown(table, "the analysis plan",
                                                              caption=table.attrs["caption"]),))


def shown(frame: pd.DataFrame, what: str, *, caption: str | None = None) -> Table:
    """A table as a report shows it; ``what`` names it in errors."""
    return Table(frame=frame, caption=caption)
