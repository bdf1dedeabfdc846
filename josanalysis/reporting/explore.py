"""The researcher's view of one indicator at one school, for ``notebooks/explore.ipynb``.

:func:`indicator_view` runs the same library calls as the school report
(:func:`~josanalysis.assessment.analyse_indicator`, :func:`~josanalysis.reporting.figures.plot_its`)
and returns a :class:`~josanalysis.reporting.document.Section`: the series' last months, the fit
with its figure, the verdict with its reason, the caveats and, for a synthetic region, the true
effects built into the data (:func:`josanalysis.demo.synth.true_effects`). :func:`explorer` puts
it behind ipywidgets dropdowns (school and indicator) when ipywidgets is installed, and shows the
default choice without widgets otherwise (a headless run, nbval).

ipywidgets is imported where it is used: it is optional (the ``lab`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from IPython.display import display

from josanalysis.assessment.context import Context, load_context
from josanalysis.assessment.school import analyse_indicator
from josanalysis.core import formatting as nl
from josanalysis.core.config import list_regions
from josanalysis.core.indicators import get_indicator, indicators_for
from josanalysis.demo.synth import true_effects
from josanalysis.reporting import figures
from josanalysis.reporting.document import Item, Section, Text, render_figure
from josanalysis.reporting.presentation import caveats_markdown

__all__ = ["explorer", "indicator_view", "monthly_indicators"]


def monthly_indicators(ctx: Context) -> list[str]:
    """The monthly indicators of the analysis plan (the ones with a pre-specified model)."""
    return [i.key for i in indicators_for("month") if i.key in ctx.plan.indicators]


def _truth_text(ctx: Context, school_id: str, indicator: str) -> Text | None:
    if not ctx.region.synthetic:
        return None
    truth = true_effects(ctx.region.data_dir, school_id, indicator)
    if truth.empty:
        return Text("**Ware effecten (synthetische data):** voor deze school en indicator is geen "
                    "effect ingebouwd.")
    lines = [f"- {r.parameter}: {nl.number(r.value, 4)} ({r.scale})" for r in truth.itertuples()]
    return Text("**Ware effecten (ingebouwd in de synthetische data)**, om de methode aan te "
                "toetsen:\n\n" + "\n".join(lines))


def indicator_view(ctx: Context, school_id: str, indicator: str, *,
                   robustness: bool = False) -> Section:
    """Series, fit, verdict, caveats (and the demo's true effects) of one indicator at one school.

    Parameters
    ----------
    ctx
        From :func:`~josanalysis.assessment.load_context`.
    school_id, indicator
        The school and a monthly indicator of the analysis plan.
    robustness
        Also run placebo dates, sensitivity and power (slower; the reports do).

    Returns
    -------
    Section
        Displays itself in a notebook.
    """
    a = analyse_indicator(ctx, school_id, indicator, robustness=robustness)
    school = ctx.school(school_id)
    label = a.indicator.label
    items: list[Item] = []
    if a.result is not None:
        fig = figures.plot_its(
            a.result, label=label, start=school.jos_start, percent=a.percent,
            covid_windows=ctx.plan.covid_windows, synthetic=ctx.region.synthetic,
            suppress_below=ctx.region.privacy.min_count if a.indicator.is_count else None)
        items.append(Text(a.result.summary_nl(label=label.lower(), percent_points=a.percent)))
        items.append(render_figure(fig, f"{indicator}_explore",
                                   alt=f"{label} per maand bij {school.name}: waargenomen, "
                                       "model en voortgezette trend"))
    elif a.problem:
        items.append(Text(a.problem))
    items.append(Text(f"**Oordeel: {a.assessment.verdict}.** {a.assessment.reason_nl}"))
    items.append(Text(caveats_markdown(a.assessment, a.extra_notes)))
    truth = _truth_text(ctx, school_id, indicator)
    if truth is not None:
        items.append(truth)
    return Section(f"{school_id}-{indicator}", f"{label} — {school.name} ({school_id})",
                   tuple(items), level=3)


def explorer(ctx: Context, school_id: str, indicator: str) -> Any:
    """Dropdowns for region, school and indicator over :func:`indicator_view` (ipywidgets).

    Choosing another region loads its context (:func:`~josanalysis.assessment.load_context`,
    from the raw files) and offers its schools. Without ipywidgets the view of ``school_id`` and
    ``indicator`` is displayed instead (as in a headless run). Returns the widget box (or None).
    """
    try:
        import ipywidgets as w
    except ImportError:
        display(indicator_view(ctx, school_id, indicator))
        return None
    contexts = {ctx.region.region_id: ctx}

    def school_options(c: Context) -> list[tuple[str, str]]:
        return [(f"{s} — {c.school(s).name}", s) for s in c.region.school_ids]

    region_box = w.Dropdown(options=list_regions(), value=ctx.region.region_id,
                            description="Regio")
    school_box = w.Dropdown(options=school_options(ctx), value=school_id, description="School")
    indicator_box = w.Dropdown(options=[(get_indicator(k).label, k) for k in monthly_indicators(ctx)],
                               value=indicator, description="Indicator")
    out = w.Output()

    def refresh(_: Any = None) -> None:
        c = contexts[region_box.value]
        out.clear_output(wait=True)
        with out:
            if school_box.value in c.region.school_ids:
                display(indicator_view(c, school_box.value, indicator_box.value))

    def change_region(_: Any) -> None:
        if region_box.value not in contexts:
            contexts[region_box.value] = load_context(region_box.value)
        school_box.options = school_options(contexts[region_box.value])

    region_box.observe(change_region, names="value")
    school_box.observe(refresh, names="value")
    indicator_box.observe(refresh, names="value")
    box = w.VBox([w.HBox([region_box, school_box, indicator_box]), out])
    display(box)
    refresh()
    return box
