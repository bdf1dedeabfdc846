"""What every analysis needs: the region, the pre-specified analysis plan and the panel.

:func:`model_spec` turns the plan (``params/analysis_plan.yaml``) into the model options of
one indicator, so that every report, and every researcher who calls the analysis in
JupyterLab, fits exactly the pre-specified model.

Examples
--------
>>> from josanalysis.assessment.context import load_context, model_spec
>>> ctx = load_context("demoregio")                               # doctest: +SKIP
>>> model_spec(ctx.plan, "absence_rate").family                 # doctest: +SKIP
'gaussian'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from josanalysis.core.cache import AnalysisCache, fingerprint

from josanalysis.core.config import (
    PARAMS_DIR,
    AnalysisPlan,
    IndicatorPlan,
    Region,
    School,
    load_region,
    load_region_plan,
)
from josanalysis.core.errors import ConfigError
from josanalysis.core.indicators import get_indicator
from josanalysis.core.version import __version__
from josanalysis.methods import ItsSpec
from josanalysis.panel import Panel, load_panel

__all__ = ["Context", "load_context", "model_spec", "run_cache"]


@dataclass
class Context:
    """What every analysis needs: the region, the pre-specified plan and the panel.

    ``cache`` keeps analyses computed from them (:class:`~josanalysis.core.cache.AnalysisCache`):
    in a batch on disk beside the prepared data, shared by the reports of one run.
    """

    region: Region
    plan: AnalysisPlan
    panel: Panel
    cache: AnalysisCache = field(default_factory=AnalysisCache)

    def school(self, school_id: str) -> School:
        """The region's school with this id (a ConfigError naming the known ids otherwise)."""
        return self.region.school(school_id)

    def latest_pupils(self) -> dict[str, float]:
        """Each school's pupil number in the latest school year that has one (DUO)."""
        y = self.panel.yearly()
        if "pupils" not in y.columns:
            return {}
        last = y.dropna(subset=["pupils"]).sort_values("year_start").groupby("school_id").tail(1)
        return dict(zip(last["school_id"], last["pupils"].astype(float)))


def load_context(region_id: str, prepared: str = "", params_dir: str | Path = "") -> Context:
    """Region params, the region's analysis plan (with its own registration) and panel (from a
    batch's prepared file, or built from raw files).

    ``params_dir`` is the parameter folder (empty: the project's ``params/``). A school whose
    parameter file is invalid is left out here: it fails alone, in its own report."""
    folder = Path(params_dir) if params_dir else PARAMS_DIR
    region = load_region(region_id, folder, skip_invalid_schools=True)
    plan = load_region_plan(region)
    return Context(region=region, plan=plan, panel=load_panel(region_id, prepared, params_dir=folder),
                   cache=run_cache(region, plan, prepared))


def run_cache(region: Region, plan: AnalysisPlan, prepared: str | Path = "") -> AnalysisCache:
    """The analysis cache of a run: on disk in ``analyses/`` beside a batch's prepared data (so the
    reports of one run share their fits), in memory without prepared data. Keyed by the prepared
    file, the region and plan parameters and the package version."""
    if not prepared:
        return AnalysisCache(run_key=fingerprint(region, plan, __version__))
    p = Path(prepared)
    st = p.stat()
    return AnalysisCache(p.parent / "analyses",
                         run_key=fingerprint(region, plan, str(p.resolve()), st.st_size, st.st_mtime_ns, __version__))


def model_spec(plan: AnalysisPlan, indicator: str) -> ItsSpec:
    """The model the plan fixes for ``indicator``, as the :class:`~josanalysis.methods.ItsSpec` every
    fit of that indicator uses.

    The COVID closures become an exclusion (``exclude="covid"``) or a co-intervention term
    (``covariates=("covid",)``) as the plan says; count indicators get the pupil offset.
    """
    if indicator not in plan.indicators:
        raise ConfigError(f"Indicator '{indicator}' is not in the analysis plan "
                          f"({plan.path.name if plan.path else 'analysis_plan.yaml'}); the plan lists "
                          f"{', '.join(plan.indicators)}.")
    ip: IndicatorPlan = plan.indicators[indicator]
    harmonic = ip.seasonality == "harmonic"
    counts_pupils = ip.family != "gaussian" and get_indicator(indicator).denominator == "pupils"
    return ItsSpec(
        family=ip.family, level_change=ip.level_change, slope_change=ip.slope_change, lag=ip.lag_months,
        seasonality=ip.seasonality, autocorrelation=plan.autocorrelation, alpha=plan.alpha,
        harmonics=(ip.harmonics or 2) if harmonic else None, period=12 if harmonic else None,
        offset="pupils" if counts_pupils else None,
        exclude="covid" if plan.covid_handling == "exclude" else None,
        covariates=("covid",) if plan.covid_handling == "co-intervention" else None,
    )
