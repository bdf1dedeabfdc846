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
# # Monitor Jeugdhulp op School — schoolrapport
#
# Dit rapport volgt één school in de monitor van *Jeugdhulp op School* (JOS): jeugdhulpverleners
# die ín de school werken en collectief worden bekostigd. Het laat zien wat er veranderde sinds
# de start van JOS, hoe zeker dat is, en wat de cijfers wel en niet kunnen zeggen.

# %% tags=["parameters"]
region: str = "demoregio"  # region id: params/regions/<region>.yaml
school_id: str = "DM0100"  # DUO vestigingscode of the school: params/schools/<region>/<school_id>.yaml
prepared: str = ""  # prepared region data from a batch run (empty: build it from the raw files)
output_dir: str = ""  # folder for figures and results files (empty: write nothing)
params_dir: str = ""  # parameter folder holding regions/ and schools/ (empty: the project's params/)

# %%
from josanalysis.reporting import build_school_report

# %%
report = build_school_report(region, school_id, prepared, output_dir, params_dir)
report.show("title", "summary")

# %%
report.show("monthly", "role", "series")  # a JOS school has "monthly", a comparison school "role" and "series"

# %%
report.show("yearly", "profile", "theoretisch_kader", "kwalitatief", "limits")

# %%
report.show("appendix")
