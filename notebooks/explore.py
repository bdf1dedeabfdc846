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
# A guided tour for researchers: load a region, look at its panel, fit the pre-specified
# interrupted time series for one school, then try alternatives *as sensitivity analyses* (the
# report always uses the pre-specified plan). All logic is in the library; this notebook only
# calls it. The demo region is synthetic: its true effects are known, so you can check the
# methods against them.

# %% tags=["parameters"]
region: str = "demoregio"  # region id: params/regions/<region>.yaml
school_id: str = "DM0100"  # a school of that region
prepared: str = ""  # prepared region data from a batch run (empty: build it from the raw files)

# %%
from IPython.display import display

import josanalysis as ja
from josanalysis.reporting import figures, presentation

ctx = ja.load_context(region, prepared)
display(presentation.banner(ctx.region))
ctx.region.school_ids

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
# ## The pre-specified model for one indicator
# `ja.model_spec` turns the analysis plan into the `ItsSpec` of `fit_its`; this is exactly what
# the school report fits.

# %%
spec = ja.model_spec(ctx.plan, "absence_rate")
series = ctx.panel.series(school_id, "absence_rate", covid_windows=ctx.plan.covid_windows)
start = ctx.school(school_id).jos_start
result = ja.fit_its(series, "absence_rate", "month", start, spec)
result.effects

# %%
fig = figures.plot_its(result, label="Verzuim", start=start, percent=True, covid_windows=ctx.plan.covid_windows,
                     synthetic=ctx.region.synthetic)

# %% [markdown]
# ## Alternatives, as sensitivity analyses
# Other lags, families or autocorrelation methods belong in a sensitivity table, next to the
# pre-specified model, never in its place.

# %%
ja.sensitivity_table(series, "absence_rate", "month", start, spec).query("term == 'level'")

# %% [markdown]
# ## The region: staggered roll-out
# The event study compares JOS schools with not-yet-treated and never-treated schools.

# %%
es = ja.region_event_study(ctx, "absence_rate")
es.event

# %%
es.att
