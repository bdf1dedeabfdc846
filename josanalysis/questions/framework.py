"""Which elements of the theoretical framework are measured, for one school or the whole region.

Per element of :data:`josanalysis.core.framework.FRAMEWORK` the status is

* ``gemeten`` — an indicator of the element has an estimate and a verdict in this report;
* ``kwalitatief`` — no estimate, but structured qualitative evidence: the team questionnaire,
  the pupil survey, the exit questionnaire, the trajectory follow-up or a story on the element;
* ``niet gemeten`` — neither; the element names the source that would measure it.

What a report shows of the measured indicators (their estimate and verdict) is passed in as
:class:`Measured` lines by the report; this module adds the qualitative evidence from the panel's
tables and decides the status.

Examples
--------
>>> from josanalysis.core.framework import FRAMEWORK
>>> s = element_statuses({}, {}, "DM0100")
>>> {x.status for x in s}
{'niet gemeten'}
>>> len(s) == len(FRAMEWORK)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from josanalysis.core import formatting as nl
from josanalysis.core.framework import FRAMEWORK, PUPIL_SURVEY_MEASURES, QUALITATIVE_SOURCES, FrameworkElement
from josanalysis.questions.qualitative import MIN_RESPONDENTS, Story, rows_of, stories_of

__all__ = ["Measured", "ElementStatus", "STATUSES", "element_statuses", "qualitative_evidence"]

#: The statuses, strongest evidence first.
STATUSES: tuple[str, ...] = ("gemeten", "kwalitatief", "niet gemeten")


@dataclass(frozen=True)
class Measured:
    """An indicator's result as the report shows it: Dutch line (estimate and verdict) and the
    anchor of the report section that shows it in full."""

    indicator: str
    line: str
    anchor: str


@dataclass(frozen=True)
class ElementStatus:
    """The evidence on one element of the framework for one school (or the region).

    Attributes
    ----------
    element
        The framework element.
    status
        One of :data:`STATUSES`.
    measured
        The indicators' results (status ``gemeten``).
    evidence
        Dutch lines of qualitative evidence (without numbers of fewer than ten respondents).
    stories
        The stories on this element.
    """

    element: FrameworkElement
    status: str
    measured: tuple[Measured, ...]
    evidence: tuple[str, ...]
    stories: tuple[Story, ...]

    @property
    def missing_source(self) -> str:
        """Dutch: the source that would measure the element (shown when not measured)."""
        return self.element.would_measure


def _team_line(team: pd.DataFrame, key: str, min_count: int) -> str | None:
    rows = team[team["element"] == key]
    if not len(rows):
        return None
    latest = rows[rows["school_year"] == rows["school_year"].max()]
    n = int(latest["n_respondents"].sum())
    year = str(latest["school_year"].iloc[0])
    if n < max(MIN_RESPONDENTS, min_count):
        return (f"Teamvragenlijst {year}: ingevuld, maar door minder dan {MIN_RESPONDENTS} respondenten "
                "(gemiddelde niet getoond).")
    mean = float((latest["mean_score"] * latest["n_respondents"]).sum() / n)
    return f"Teamvragenlijst {year}: gemiddeld {nl.number(mean, 1)} op een schaal van 1 tot 5 ({n} respondenten)."


def _pupil_lines(survey: pd.DataFrame, key: str, min_count: int) -> list[str]:
    out = []
    for measure, (label, element) in PUPIL_SURVEY_MEASURES.items():
        rows = survey[(survey["measure"] == measure)]
        if element != key or not len(rows):
            continue
        latest = rows[rows["school_year"] == rows["school_year"].max()]
        n = int(latest["n_respondents"].sum())
        year, scale = str(latest["school_year"].iloc[0]), str(latest["scale"].iloc[0])
        if n < max(MIN_RESPONDENTS, min_count) or latest["scale"].nunique() > 1:
            out.append(f"Leerlingpeiling {year} ({label.lower()}): aanwezig, score niet getoond "
                       f"(minder dan {MIN_RESPONDENTS} respondenten of verschillende schalen).")
            continue
        score = float((latest["score"] * latest["n_respondents"]).sum() / n)
        out.append(f"Leerlingpeiling {year} ({label.lower()}): {nl.number(score, 1)} op schaal {scale} "
                   f"({nl.integer(n)} respondenten).")
    return out


def _exit_line(exit_: pd.DataFrame) -> str:
    # no numbers here: a total beside the table's per-year counts could reveal a hidden one
    who = [name for key, name in (("jongere", "jongeren"), ("ouder", "ouders"))
           if exit_.loc[(exit_["question"] == "responses") & (exit_["respondent"] == key), "n"].sum() > 0]
    return (f"Exit-vragenlijst ingevuld door {' en '.join(who)} (respons, tevredenheid en ervaren opbrengst in "
            "het onderdeel Kwalitatieve metingen).")


def _follow_line() -> str:
    return ("Afgeronde trajecten gevolgd tot hun uitstroom (op school gebleven, uitgevallen, verwezen; terugval) in "
            "het onderdeel Kwalitatieve metingen.")


def qualitative_evidence(element: FrameworkElement, tables: Mapping[str, pd.DataFrame],
                         school_ids: Sequence[str], min_count: int = 5) -> tuple[str, ...]:
    """Dutch lines of the structured qualitative evidence on ``element`` for these schools.

    Means appear only with at least :data:`~josanalysis.questions.qualitative.MIN_RESPONDENTS`
    respondents (and ``min_count``, the region's threshold for counts of people, when higher)."""
    return _evidence_lines(element, _EvidenceRows.of(tables, school_ids), min_count)


@dataclass(frozen=True)
class _EvidenceRows:
    """The rows of the qualitative sources for some schools (None: the source has none)."""

    team: pd.DataFrame | None
    survey: pd.DataFrame | None
    exit_: pd.DataFrame | None
    follow: pd.DataFrame | None

    @classmethod
    def of(cls, tables: Mapping[str, pd.DataFrame], school_ids: Sequence[str]) -> _EvidenceRows:
        return cls(*(rows_of(tables, name, school_ids)
                     for name in ("team_survey", "pupil_survey", "exit_survey", "trajectory_follow")))


def _evidence_lines(element: FrameworkElement, rows: _EvidenceRows, min_count: int) -> tuple[str, ...]:
    lines: list[str] = []
    if "teamvragenlijst" in element.sources and rows.team is not None:
        line = _team_line(rows.team, element.key, min_count)
        lines += [line] if line else []
    if "leerlingpeiling" in element.sources and rows.survey is not None:
        lines += _pupil_lines(rows.survey, element.key, min_count)
    if "exitvragenlijst" in element.sources and rows.exit_ is not None:
        lines.append(_exit_line(rows.exit_))
    if "trajecten" in element.sources and rows.follow is not None and element.measurement != "quantitative":
        lines.append(_follow_line())
    return tuple(lines)


def element_statuses(measured: Mapping[str, Measured], tables: Mapping[str, pd.DataFrame],
                     school_ids: str | Sequence[str], min_count: int = 5) -> list[ElementStatus]:
    """The status of every framework element for a school (or several schools pooled).

    Parameters
    ----------
    measured
        Indicator key -> :class:`Measured` for the indicators the report estimated.
    tables
        The panel's aggregated tables (:attr:`josanalysis.panel.Panel.tables`).
    school_ids
        One school id, or the schools to pool.
    min_count
        The region's threshold for counts of people (``region.privacy.min_count``).

    Returns
    -------
    list of ElementStatus
        In the order of Bijlage 1.
    """
    ids = [school_ids] if isinstance(school_ids, str) else list(school_ids)
    # the schools' own rows and stories once, not once per element and table
    rows = _EvidenceRows.of(tables, ids)
    stories = stories_of(tables, ids)
    out = []
    for element in FRAMEWORK:
        results = tuple(measured[k] for k in element.indicators if k in measured)
        evidence = _evidence_lines(element, rows, min_count)
        own_stories = tuple(st for st in stories if st.element == element.key)
        status = "gemeten" if results else ("kwalitatief" if evidence or own_stories else "niet gemeten")
        out.append(ElementStatus(element, status, results, evidence, own_stories))
    return out


def source_names(element: FrameworkElement) -> str:
    """Dutch: the qualitative sources of an element, for a legend or a table."""
    return "; ".join(QUALITATIVE_SOURCES[s] for s in element.sources)
