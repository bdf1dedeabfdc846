"""josanalysis: the monitor toolkit for Jeugdhulp op School (JOS).

Data flow one way through the layers (``ARCHITECTURE.md``)::

    files -> sources -> panel -> methods -> assessment -> privacy -> reporting -> notebooks
                                                  (questions: capacity, budget, out-of-region, rendement)
    core (config, indicators, calendar, Dutch formatting, errors) under all; runner (batch, CLI) on top

The names below are the researcher-facing API, stable across releases; everything else is
reached through its layer (``josanalysis.methods``, ``josanalysis.privacy``, ...). Import paths of
release 0.1 (``josanalysis.its``, ``josanalysis.plots``, ...) work for one more release with a
``DeprecationWarning`` naming the new place (:mod:`josanalysis._moved`).

Examples
--------
>>> import josanalysis as ja
>>> plan = ja.load_analysis_plan()
>>> plan.indicators["absence_rate"].family
'gaussian'
>>> ctx = ja.load_context("demoregio")                                        # doctest: +SKIP
>>> a = ja.analyse_indicator(ctx, "DM0100", "absence_rate")                   # doctest: +SKIP
>>> report = ja.build_school_report("demoregio", "DM0100")                    # doctest: +SKIP
"""

from josanalysis import _moved
from josanalysis.assessment import (  # noqa: E402
    Assessment,
    Evidence,
    analyse_indicator,
    analyse_school,
    assess,
    evidence_from_its,
    load_context,
    model_spec,
    region_event_study,
)
from josanalysis.core.config import load_analysis_plan, load_region  # noqa: E402
from josanalysis.core.errors import ConfigError, DataError, JosError  # noqa: E402
from josanalysis.core.version import __version__  # noqa: E402
from josanalysis.core.indicators import INDICATORS, get_indicator  # noqa: E402
from josanalysis.methods import (  # noqa: E402
    ItsFit,
    ItsSpec,
    event_study,
    fit_its,
    minimum_detectable_effect,
    placebo_test,
    sensitivity_table,
)
from josanalysis.panel import Panel, build_panel, load_panel, prepare_region  # noqa: E402
from josanalysis.privacy import apply_privacy, scan_outputs  # noqa: E402
from josanalysis.reporting import build_budget_report, build_region_report, build_school_report  # noqa: E402
from josanalysis.runner import run_region  # noqa: E402
from josanalysis.runner.compare import compare_regions  # noqa: E402
from josanalysis.sources import (  # noqa: E402
    check_data_folder,
    load_attendance,
    load_budget,
    load_capacity,
    load_cbs_youthcare,
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
    load_municipality_youthcare,
    load_provider_trajectories,
    load_region_data,
    load_rendement_indicators,
    load_swv_referrals,
    load_thuiszitters,
)

_moved.install()

__all__ = [
    "__version__",
    # errors and configuration
    "ConfigError", "DataError", "JosError", "load_region", "load_analysis_plan", "INDICATORS", "get_indicator",
    # sources
    "load_region_data", "check_data_folder", "load_attendance", "load_budget", "load_capacity",
    "load_cbs_youthcare", "load_duo_addresses", "load_duo_pupils", "load_duo_pupils_by_postcode", "load_duo_vsv",
    "load_municipality_youthcare", "load_provider_trajectories", "load_rendement_indicators",
    "load_swv_referrals", "load_thuiszitters",
    # panel
    "Panel", "build_panel", "load_panel", "prepare_region",
    # methods
    "ItsSpec", "ItsFit", "fit_its", "placebo_test", "sensitivity_table", "minimum_detectable_effect",
    "event_study",
    # assessment
    "load_context", "model_spec", "analyse_indicator", "analyse_school", "region_event_study", "Evidence",
    "evidence_from_its", "assess", "Assessment",
    # privacy
    "apply_privacy", "scan_outputs",
    # reports and runs
    "build_school_report", "build_region_report", "build_budget_report", "run_region", "compare_regions",
]
