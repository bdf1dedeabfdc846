"""Parts every report object shares: the title block with the synthetic-data banner, the link back
to the index and the table of contents; the Samenvatting (one line per indicator); the
analysis-plan section; running a build with Python warnings kept off the page (:func:`quietly`);
and the one way a table enters a report (:func:`shown`).

Examples
--------
>>> from josanalysis.core.config import load_analysis_plan
>>> plan_section(load_analysis_plan()).title
'Het vooraf vastgelegde analyseplan'
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from josanalysis.assessment import CAVEAT_TITLES_NL, SEVERITIES, SEVERITY_NL, Assessment, Evidence
from josanalysis.assessment.wording import effect_text
from josanalysis.core.config import AnalysisPlan, Region
from josanalysis.core.datasources import missing_sentence_nl
from josanalysis.privacy import certify_without_counts
from josanalysis.reporting.document import Document, Item, Notice, Section, Table, Text, back_link
from josanalysis.reporting.presentation import banner, plan_status_nl, plan_table

__all__ = ["title_items", "plan_section", "shown", "document_with_contents", "summary_row", "summary_section",
           "change_nl", "certainty_nl", "main_caveat_nl", "quietly", "in_sentence", "SUMMARY_KEY", "APPENDIX_KEY",
           "source_gap", "summary_without_indicators"]

#: Section keys of the Samenvatting and of the technical appendix (the same in every report).
SUMMARY_KEY, APPENDIX_KEY = "summary", "appendix"

_PLAN_INTRO = ("Het model ligt vast vóórdat de resultaten bekend zijn. Zo kan niemand achteraf het model "
               "kiezen dat het mooiste resultaat geeft.")

T = TypeVar("T")


def in_sentence(label: str) -> str:
    """A label inside a sentence: first letter in lower case unless the first word is an
    abbreviation (``JOS-trajecten`` stays, ``Verzuim`` becomes ``verzuim``).

    >>> in_sentence("Verzuim (aandeel gemiste lesuren)"), in_sentence("JOS-trajecten")
    ('verzuim (aandeel gemiste lesuren)', 'JOS-trajecten')
    """
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def title_items(region: Region, title: str, output_dir: str | Path = "", index_href: str = "") -> tuple[Item, ...]:
    """The synthetic-data banner (for a synthetic region), the report's title and, for a report
    written to an output folder, a link back to the run's index (``index_href``, relative)."""
    mark = banner(region)
    items: tuple[Item, ...] = ((Notice(mark._repr_html_()),) if mark is not None else ()) + (Text(f"## {title}"),)
    return items + ((back_link(index_href),) if output_dir and index_href else ())


def document_with_contents(title: tuple[Item, ...], sections: Sequence[Section]) -> Document:
    """A report's document: the title block with a table of contents of ``sections``, then the sections."""
    body = Document(tuple(sections))
    return Document((Section("title", None, title + (body.contents(),)),) + tuple(sections))


def plan_section(plan: AnalysisPlan, intro: str | None = _PLAN_INTRO, *, key: str = "plan",
                 level: int = 2) -> Section:
    """The pre-specified analysis plan as a report section (every report prints it)."""
    table = plan_table(plan)
    status = plan_status_nl(plan)
    title = "Het vooraf vastgelegde analyseplan" if plan.registered else "Het analyseplan"
    return Section(key, title, ((Text(intro),) if intro and plan.registered else ())
                   + ((Text(status),) if status else ())
                   + (shown(table, "the analysis plan", caption=table.attrs["caption"]),), level=level)


def shown(frame: pd.DataFrame, what: str, *, caption: str | None = None) -> Table:
    """A table as a report shows it; ``what`` names it in errors."""
    return Table(frame=frame, caption=caption)


def change_nl(ev: Evidence, basis: str = "de voortgezette trend") -> str:
    """What changed, in words: ``daling van 0,9 procentpunt ten opzichte van de voortgezette trend``."""
    if ev.primary_effect is None:
        return "geen schatting"
    x = ev.primary_effect.estimate
    if ev.sign(x) == 0:
        return f"geen verandering ten opzichte van {basis}"
    word = "daling" if ev.sign(x) < 0 else "stijging"
    return f"{word} van {effect_text(ev, x, signed=False).lstrip('-')} ten opzichte van {basis}"


def _side(ev: Evidence, x: float) -> str:
    """A bound of an interval in words: ``0,4 procentpunt lager``, ``56% hoger``, ``gelijk``."""
    sign = ev.sign(x)
    if sign == 0:
        return "gelijk"
    return f"{effect_text(ev, x, signed=False).lstrip('-')} {'lager' if sign < 0 else 'hoger'}"


def certainty_nl(ev: Evidence) -> str:
    """How sure, in words: the confidence interval as a range, and whether it leaves room for no change.

    ``vrij zeker lager: tussen 0,4 en 2,7 procentpunt lager (95%-betrouwbaarheidsinterval)``."""
    e = ev.primary_effect
    if e is None or not all(map(np.isfinite, (e.ci_low, e.ci_high))):
        return "niet te zeggen"
    conf = int(round(100 * (1 - ev.alpha)))
    low, high = sorted((e.ci_low, e.ci_high), key=lambda x: abs(ev.deviation(x)))
    if ev.excludes_null(e):
        word = "lager" if ev.sign(e.ci_high) < 0 else "hoger"
        near = effect_text(ev, low, signed=False).lstrip("-").removesuffix(" procentpunt")
        return f"vrij zeker {word}: tussen {near} en {_side(ev, high)} ({conf}%-betrouwbaarheidsinterval)"
    return (f"onzeker: tussen {_side(ev, e.ci_low)} en {_side(ev, e.ci_high)} ({conf}%-betrouwbaarheidsinterval); "
            "ook geen verandering past bij de gegevens")


def main_caveat_nl(assessment: Assessment, extra: Sequence[tuple[str, str]] = ()) -> str:
    """The one caveat that matters most: the most severe (first one on a tie), with its severity.

    ``extra`` adds ``(severity, title)`` pairs that are not caveats of the assessment (a remark
    of the report itself)."""
    candidates = [(c.severity, CAVEAT_TITLES_NL.get(c.key, c.key)) for c in assessment.caveats] + list(extra)
    if not candidates:
        return "geen"
    severity, title = max(candidates, key=lambda c: SEVERITIES.index(c[0]))
    return f"{title} ({SEVERITY_NL[severity]})"


def summary_row(label: str, assessment: Assessment, *, basis: str = "de voortgezette trend",
                extra: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """One line of the Samenvatting: indicator, what changed, how sure, verdict, main caveat."""
    ev = assessment.evidence
    if assessment.verdict_key == "small_counts":  # never a percentage from a handful of events
        return {"Indicator": label, "Wat veranderde": "geen schatting: te kleine aantallen",
                "Hoe zeker": "niet te zeggen", "Oordeel": assessment.verdict,
                "Belangrijkste kanttekening": main_caveat_nl(assessment, extra)}
    return {"Indicator": label, "Wat veranderde": change_nl(ev, basis), "Hoe zeker": certainty_nl(ev),
            "Oordeel": assessment.verdict, "Belangrijkste kanttekening": main_caveat_nl(assessment, extra)}


def summary_section(intro: str, rows: Sequence[dict[str, str]], outro: str = "") -> Section:
    """The Samenvatting: a short introduction and one table with a line per indicator."""
    table = certify_without_counts(pd.DataFrame(list(rows)), "the summary table")
    return Section(SUMMARY_KEY, "Samenvatting", (Text(intro), shown(table, "the summary table"))
                   + ((Text(outro),) if outro else ()))


def source_gap(section: str, present: Iterable[str]) -> Text | None:
    """The Dutch text a section shows when a source it needs is absent (None when complete).

    ``section`` is a key of :data:`josanalysis.core.datasources.SECTION_NEEDS`; the text names
    the missing source and what the section would show with it.
    """
    sentence = missing_sentence_nl(section, present)
    return None if sentence is None else Text(f"**{sentence}**")


def summary_without_indicators(intro: str, gap: Text) -> Section:
    """The Samenvatting of a report whose monthly indicators lack their source: the intro and the gap."""
    return Section(SUMMARY_KEY, "Samenvatting", (Text(intro), gap))


def quietly(build: Callable[[], T]) -> tuple[T, tuple[str, ...]]:
    """Run ``build`` with Python warnings recorded instead of printed (a reader never sees them).

    Returns the result and the distinct warning texts, in order, for the run log."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build()
    texts = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return result, texts
