# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (josanalysis)
#     language: python
#     name: josanalysis
# ---

# %% [markdown]
# # Exploring the JOS monitor with josanalysis
#
# A guided tour for researchers: pick a region, a school and an indicator, see its series, the
# pre-specified fit, the verdict and the caveats (the same library calls as the school report),
# then try alternatives *as sensitivity analyses* (the report always uses the pre-specified
# plan). All logic is in the library; this notebook only calls it. The demo region is synthetic:
# its true effects are known and shown beside the estimate, so you can check the methods.

# %% tags=["parameters"]
region: str = "demoregio"  # region id: params/regions/<region>.yaml
school_id: str = "DM0100"  # a school of that region
indicator: str = "absence_rate"  # a monthly indicator of params/analysis_plan.yaml
prepared: str = ""  # prepared region data from a batch run (empty: build it from the raw files)

# %%
from IPython.display import display

import josanalysis as ja
from josanalysis.reporting import presentation
from josanalysis.reporting.explore import explorer

ctx = ja.load_context(region, prepared)
display(presentation.banner(ctx.region))
ctx.region.school_ids

# %% [markdown]
# ## Pick a region, school and indicator
# Series, fit, verdict and caveats as the school report computes them; for the synthetic demo
# also the true effects built into the data. In JupyterLab the dropdowns change the view (with
# ipywidgets, `make lab` installs it); run headless, the parameters above are shown.

# %%
explorer(ctx, school_id, indicator)

# %% [markdown]
# ## The panel
# `ctx.panel` holds every indicator per school and month (or school year), with denominators.
# Pupil-level records never leave the loaders: what you see here is already aggregated.

# %%
monthly = ctx.panel.monthly(school_id)
monthly.tail()

# %%
ctx.panel.yearly(school_id).tail()

# %% [markdown]
# ## The pre-specified model, step by step
# `ja.model_spec` turns the analysis plan into the `ItsSpec` of `fit_its`; this is exactly what
# the school report fits.

# %%
spec = ja.model_spec(ctx.plan, indicator)
series = ctx.panel.series(school_id, indicator, covid_windows=ctx.plan.covid_windows)
start = ctx.school(school_id).jos_start
result = ja.fit_its(series, indicator, "month", start, spec)
result.effects

# %% [markdown]
# ## Alternatives, as sensitivity analyses
# Other lags, families or autocorrelation methods belong in a sensitivity table, next to the
# pre-specified model, never in its place.

# %%
ja.sensitivity_table(series, indicator, "month", start, spec).query("term == 'level'")

# %% [markdown]
# ## The region: staggered roll-out
# The event study compares JOS schools with not-yet-treated and never-treated schools.

# %%
es = ja.region_event_study(ctx, indicator)
es.event

# %%
es.att
