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
# # Monitor Jeugdhulp op School — regiorapport
#
# Dit rapport vat de monitor van *Jeugdhulp op School* (JOS) samen voor alle scholen van een
# regio. Scholen starten op verschillende momenten met JOS; de regio-analyse vergelijkt daarom
# steeds scholen die al met JOS werken met scholen die (nog) niet begonnen zijn.

# %% tags=["parameters"]
region: str = "demoregio"  # region id: params/regions/<region>.yaml
prepared: str = ""  # prepared region data from a batch run (empty: build it from the raw files)
output_dir: str = ""  # folder for figures and results files (empty: write nothing)
params_dir: str = ""  # parameter folder holding regions/ and schools/ (empty: the project's params/)

# %%
from josanalysis.reporting import build_region_report

# %%
report = build_region_report(region, prepared, output_dir, params_dir)
report.show("title", "summary")

# %%
report.show("event_study", "pooled_yearly", "per_school", "schools")

# %%
report.show("yearly", "theoretisch_kader", "kwalitatief", "limits")

# %%
report.show("appendix")
