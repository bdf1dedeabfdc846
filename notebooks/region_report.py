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

# %%
import pandas as pd
from IPython.display import Markdown, display

from josanalysis import assessment

from josanalysis.reporting import figures as plots

from josanalysis.reporting import presentation as report
from josanalysis.reporting import tables

ctx = assessment.load_context(region, prepared)
display(report.banner(ctx.region))
display(Markdown(f"## Regio {ctx.region.name}"))
display(Markdown(ctx.region.notes or "_Geen algemene toelichting van de regio opgenomen._"))

# %% [markdown]
# ## Scholen in de monitor

# %%
display(tables.school_overview(ctx).pipe(report.format_table).style.hide(axis="index"))
display(Markdown(report.privacy_note(ctx.region)))

# %% [markdown]
# ## Het vooraf vastgelegde analyseplan

# %%
plan = report.plan_table(ctx.plan)
display(Markdown(f"_{plan.attrs['caption']}_"))
display(plan.style.hide(axis="index"))

# %% [markdown]
# ## Verzuim in de regio: effect per schooljaar sinds de start (event study)
#
# Omdat scholen in verschillende jaren starten, vergelijkt de event study elke JOS-school met de
# scholen die op dat moment (nog) niet met JOS werkten. De jaren vóór de start (negatieve jaren)
# zijn een controle: daar hoort geen verschil te zijn. Bij een klein aantal scholen is de
# onzekerheid bepaald met een *wild cluster bootstrap*.

# %%
results = []
for key in ["absence_rate", "unauthorised_absence_rate"]:
    label = report.indicator_labels()[key]
    display(Markdown(f"### {label}"))
    es = assessment.region_event_study(ctx, key)
    verdict = assessment.region_assessment(ctx, es, key)
    display(Markdown(es.summary_nl(label.lower(), percent_points=True)))
    fig = plots.plot_event_study(es.event.reset_index().rename(columns={"event_year": "event_time"}),
                                 label=label, percent=True, synthetic=ctx.region.synthetic)
    plots.save_figure(fig, output_dir, f"{key}_event_study")
    display(fig)
    plots.plt.close(fig)
    display(Markdown(f"**Oordeel: {verdict.verdict}.** {verdict.reason_nl}"))
    display(Markdown(report.caveats_markdown(verdict, es.notes)))
    results.append(assessment.region_results(ctx, key, es, verdict))

# %% [markdown]
# ## Verzuim per school
#
# Dezelfde vooraf vastgelegde analyse als in de schoolrapporten, naast elkaar. Vergelijk scholen
# niet op de hoogte van het effect: de formatie verschilt om historische redenen en de reeksen zijn
# kort.

# %%
per_school = assessment.school_estimates(ctx, "absence_rate")
display(tables.school_estimates_nl(per_school).style.hide(axis="index"))
results.append(assessment.results_frame(ctx, per_school))

# %% [markdown]
# ## Indicatoren per schooljaar, alle scholen
#
# Aantallen leerlingen onder de drempel worden niet getoond (•). Na de start van JOS kunnen
# verwijzingen en jeugdhulp eerst stijgen door eerdere signalering.

# %%
yearly = tables.yearly_table(ctx, indicators=["pupils", "youthcare_ambulant", "tlv_vso_cluster4",
                                              "placements_facility", "early_leavers", "jos_trajectories"])
display(report.yearly_nl(yearly.assign(school_year=yearly["school_id"] + " " + yearly["school_year"]))
        .rename(columns={"Schooljaar": "School en schooljaar"}).style.hide(axis="index"))
display(Markdown(report.privacy_note(ctx.region)))

# %% [markdown]
# ## Wat deze cijfers wel en niet zeggen
#
# Een regionaal gemiddeld effect is een vergelijking tussen scholen met en zonder JOS, geen bewijs
# dat JOS de oorzaak is. Scholen verschillen in doelgroep, formatie en geschiedenis; landelijke
# ontwikkelingen (COVID, wachtlijsten, meer thuiszitters) spelen overal mee. Een gezamenlijke
# basisaanpak in de regio is nodig om uitkomsten goed te kunnen vergelijken.

# %%
results_file = report.write_results(pd.concat(results, ignore_index=True), output_dir, ctx.region.privacy)
