"""The researcher-facing API: stable names at the top level, and release-0.1 paths that still work
for one release or fail with a sentence naming the new place (issue 13)."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

import josanalysis
from josanalysis._moved import MOVED


def test_top_level_exports_the_researcher_api():
    for name in ["fit_its", "ItsSpec", "placebo_test", "sensitivity_table", "minimum_detectable_effect",
                 "event_study", "build_panel", "load_panel", "load_duo_pupils", "load_attendance",
                 "load_region_data", "analyse_school", "assess", "build_school_report", "build_region_report",
                 "build_budget_report", "run_region", "load_region", "load_analysis_plan"]:
        assert name in josanalysis.__all__ and callable(getattr(josanalysis, name)), name
    assert all(hasattr(josanalysis, name) for name in josanalysis.__all__)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_every_old_module_path_still_imports_with_a_warning_naming_the_new_place(old):
    new = MOVED[old][0]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importlib.import_module(old)
    assert any(new in str(w.message) and issubclass(w.category, DeprecationWarning) for w in caught)


def test_old_names_resolve_to_the_new_objects():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from josanalysis.analysis import analyse_school, yearly_table
        from josanalysis.its import fit_its
        from josanalysis.plots import plot_its
        from josanalysis.sources.common import read_table
    from josanalysis.assessment import analyse_school as new_analyse
    from josanalysis.methods import fit_its as new_fit
    from josanalysis.reporting.figures import plot_its as new_plot
    from josanalysis.reporting.tables import yearly_table as new_yearly
    from josanalysis.sources.reading.table import read_table as new_read
    assert (fit_its, plot_its, analyse_school, yearly_table, read_table) == \
        (new_fit, new_plot, new_analyse, new_yearly, new_read)


def test_a_name_that_is_gone_fails_with_a_sentence_naming_the_new_place():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ImportError, match=r"josanalysis.report moved to josanalysis.reporting.presentation"):
            from josanalysis.report import fmt_nl  # noqa: F401
