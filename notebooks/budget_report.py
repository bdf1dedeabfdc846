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
# # Capaciteit, budget, herkomst en rendement van Jeugdhulp op School
#
# Dit regiorapport beantwoordt de vragen die een regio elk jaar stelt naast de trendanalyses:
# hoeveel inzet (fte) heeft elke school, hoe zou een collectief budget eruitzien als het op
# leerlingaantal en zorgzwaarte wordt herijkt, wat kosten de jeugdhulp en JOS per leerling en per
# traject, verschuift de zorg van zwaar naar licht, hoeveel leerlingen komen van buiten de regio,
# en wat levert JOS op (rendement)? De aanpak volgt het Oberon-monitorrapport voor regio
# Alkmaar (Bijlage 5) en de factsheet Jeugdhulp op School Holland Rijnland (DSP-groep/Oberon).

# %% tags=["parameters"]
region: str = "demoregio"  # region id: file name under params/regions/ (e.g. "regio-alkmaar")
prepared: str = ""  # path of a prepared region-data file made by the batch (empty: load via the library)
output_dir: str = ""  # folder for figures and tables (empty: write nothing)
params_dir: str = ""  # parameter folder holding regions/ and schools/ (empty: the project's params/)

# %%
from josanalysis.reporting import build_budget_report

# %%
report = build_budget_report(region, prepared, output_dir, params_dir)
report.show("regio", "samenvatting")

# %%
report.show("capaciteit")

# %%
report.show("budget")

# %%
report.show("kosten", "zorgzwaarte")

# %%
report.show("herkomst", "jeugdhulp_schatting")

# %%
report.show("rendement", "aanbieder", "toelichting")

# %%
report.show("bijlage")
