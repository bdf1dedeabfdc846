"""Assessment: the pre-specified analysis per school and region, verdicts and caveats.

Turns method results into evidence, a verdict that agrees with its own interval, and the
attribution caveats derived from the data (``docs/verdicts.md``). The modules, in the order
they build on each other:

* :mod:`~josanalysis.assessment.evidence` — :class:`Evidence` and its builders from an ITS
  result or school-year figures;
* :mod:`~josanalysis.assessment.wording` — the Dutch wording of effects shared by the rules;
* :mod:`~josanalysis.assessment.caveats` — the caveat rules and the qualitative notes;
* :mod:`~josanalysis.assessment.verdicts` — the verdict rules, :func:`assess`;
* :mod:`~josanalysis.assessment.context` — region, plan and panel; the plan's model options;
* :mod:`~josanalysis.assessment.school` — the analysis of one school's indicators;
* :mod:`~josanalysis.assessment.region` — the region's event study and its verdict;
* :mod:`~josanalysis.assessment.results` — the machine-readable results rows.

Dutch tables of these objects are made in :mod:`josanalysis.reporting.tables`.
"""

from josanalysis.assessment.caveats import (
    CAVEAT_TITLES_NL,
    CAVEATS,
    NO_NOTES_TEXT,
    SEVERITIES,
    SEVERITY_NL,
    Caveat,
    caveats_for,
    notes_for,
)
from josanalysis.assessment.context import Context, load_context, model_spec
from josanalysis.assessment.evidence import (
    SUBJECTS,
    CoIntervention,
    Effect,
    Evidence,
    capacity_per_100,
    evidence_from_its,
    evidence_from_yearly,
    first_year_change,
)
from josanalysis.assessment.region import (
    REGION_PERMUTATIONS,
    REGION_POOLED_YEARLY,
    RegionYearly,
    pooled_mde,
    region_assessment,
    region_event_study,
    region_panel,
    region_yearly,
    region_yearly_panel,
)
from josanalysis.assessment.results import (
    RESULT_COLUMNS,
    region_results,
    region_yearly_results,
    results_frame,
    results_rows,
)
from josanalysis.assessment.school import (
    YEARLY_ASSESSED,
    IndicatorAnalysis,
    analyse_indicator,
    analyse_school,
    comparison_series,
    pooled_yearly,
    pretrend_divergence_p,
    school_estimates,
    yearly_assessments,
)
from josanalysis.assessment.verdicts import VERDICTS, Assessment, assess, assess_many, verdict_for

__all__ = [
    "CAVEATS", "CAVEAT_TITLES_NL", "NO_NOTES_TEXT", "SEVERITIES", "SEVERITY_NL", "Caveat", "caveats_for",
    "notes_for", "Context", "load_context", "model_spec", "SUBJECTS", "CoIntervention", "Effect",
    "Evidence", "capacity_per_100", "evidence_from_its", "evidence_from_yearly", "first_year_change",
    "region_assessment", "region_event_study", "region_panel", "region_yearly", "region_yearly_panel",
    "RegionYearly", "REGION_POOLED_YEARLY", "REGION_PERMUTATIONS", "pooled_mde", "RESULT_COLUMNS", "region_results", "region_yearly_results",
    "results_frame", "results_rows", "YEARLY_ASSESSED", "IndicatorAnalysis", "analyse_indicator",
    "analyse_school", "comparison_series", "pooled_yearly", "pretrend_divergence_p", "school_estimates",
    "yearly_assessments", "VERDICTS", "Assessment", "assess", "assess_many", "verdict_for",
]
