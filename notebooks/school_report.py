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

# %%
from IPython.display import Markdown, display

from josanalysis import assessment

from josanalysis.reporting import figures as plots

from josanalysis.reporting import presentation as report
from josanalysis.reporting import tables

ctx = assessment.load_context(region, prepared)
school = ctx.school(school_id)
display(report.banner(ctx.region))
display(Markdown(f"## {school.name} ({school.school_id}) — {ctx.region.name}"))

# %% [markdown]
# ## De school en de inzet van JOS
#
# Formatie per functie vóór en tijdens het project. De uren verschillen tussen scholen om
# historische redenen, niet naar behoefte; vergelijk scholen daarom niet op formatie.

# %%
display(report.school_profile(school).style.hide(axis="index"))
display(Markdown(school.notes or "_Geen algemene toelichting opgenomen._"))

# %% [markdown]
# ## Het vooraf vastgelegde analyseplan
#
# Het model ligt vast vóórdat de resultaten bekend zijn. Zo kan niemand achteraf het model
# kiezen dat het mooiste resultaat geeft.

# %%
plan = report.plan_table(ctx.plan)
display(Markdown(f"_{plan.attrs['caption']}_"))
display(plan.style.hide(axis="index"))

# %% [markdown]
# ## Indicatoren per maand: onderbroken tijdreeks
#
# Per indicator: de gemeten reeks, het model, en de *voortgezette trend* — wat verwacht werd als
# de ontwikkeling van vóór JOS was doorgegaan. Het verschil tussen model en voortgezette trend is
# de geschatte verandering. Daarbij staan het oordeel, de kanttekeningen die uit de gegevens
# volgen, en de toelichting van het schoolteam ("het verhaal én de cijfers").

# %%
analyses = assessment.analyse_school(ctx, school_id)
for a in analyses:
    display(Markdown(f"### {a.indicator.label}"))
    if a.result is None:
        display(Markdown(f"**Oordeel: {a.assessment.verdict}.** {a.problem}"))
    else:
        display(Markdown(a.result.summary_nl(label=a.indicator.label.lower(), percent_points=a.percent)))
        fig = plots.plot_its(a.result, label=a.indicator.label, start=school.jos_start, percent=a.percent,
                             covid_windows=ctx.plan.covid_windows, synthetic=ctx.region.synthetic,
                             suppress_below=ctx.region.privacy.min_count if a.indicator.is_count else None)
        plots.save_figure(fig, output_dir, f"{a.indicator.key}_its")
        display(fig)
        plots.plt.close(fig)
        display(tables.effects_nl(a).style.hide(axis="index"))
        display(Markdown(f"**Oordeel: {a.assessment.verdict}.** {a.assessment.reason_nl}"))
        if a.mde is not None:
            display(Markdown("**Onderscheidend vermogen.** " + a.mde.summary_nl(percent_points=a.percent)))
        display(Markdown("**Modeldiagnostiek** (resterende autocorrelatie en overdispersie):"))
        display(tables.diagnostics_nl(a).style.hide(axis="index"))
        if a.placebo is not None:
            display(Markdown("**Placebotoets.** " + a.placebo.summary_nl()))
            fig = plots.plot_placebo(a.placebo.placebos.query("term == @a.placebo.term")["estimate"],
                                     a.placebo.actual.loc[a.placebo.term, "estimate"], label=a.indicator.label,
                                     percent=a.percent, synthetic=ctx.region.synthetic)
            plots.save_figure(fig, output_dir, f"{a.indicator.key}_placebo")
            display(fig)
            plots.plt.close(fig)
        if a.sensitivity is not None:
            display(Markdown("**Gevoeligheid** voor aanloopperiode, model en autocorrelatiemethode:"))
            display(tables.sensitivity_nl(a).style.hide(axis="index"))
    display(Markdown(report.caveats_markdown(a.assessment, a.extra_notes)))
    display(Markdown("**Toelichting van het schoolteam.** " + a.note))

# %% [markdown]
# ## Indicatoren per schooljaar
#
# Jeugdhulp, verwijzingen, voortijdig schoolverlaten en JOS-trajecten per schooljaar. Kleine
# aantallen leerlingen worden niet getoond (•) om de privacy te beschermen. Direct na de start
# kan het aantal verwijzingen en jeugdhulptrajecten *stijgen*: JOS signaleert problemen eerder.
# Dat is verwacht en geen teken van falen.

# %%
yearly = tables.yearly_table(ctx, school_id)
display(report.yearly_nl(yearly).style.hide(axis="index"))
display(Markdown(report.privacy_note(ctx.region)))
fig = plots.plot_yearly(yearly, report.YEARLY_FIGURE_INDICATORS, report.indicator_labels(),
                        start=school.jos_start, synthetic=ctx.region.synthetic,
                        title=f"{school.name}: indicatoren per schooljaar")
plots.save_figure(fig, output_dir, "yearly")
display(fig)
plots.plt.close(fig)
display(Markdown("**Oordeel en kanttekeningen per indicator** (reeksen van een paar schooljaren zijn te kort "
                 "voor een effectschatting; de kanttekeningen gelden wel):"))
display(tables.yearly_assessments_nl(assessment.yearly_assessments(ctx, school_id)).style.hide(axis="index"))
for key in report.YEARLY_FIGURE_INDICATORS:
    display(Markdown(f"**{report.indicator_labels()[key]}** — toelichting: {assessment.notes_for(key, school, ctx.region)}"))

# %% [markdown]
# ## Wat deze cijfers wel en niet zeggen
#
# JOS werkt nooit geïsoleerd: ontwikkelingen in onderwijs en samenleving (COVID, wachtlijsten in
# de jeugdhulp, de landelijke stijging van het aantal thuiszitters) bewegen dezelfde indicatoren.
# Een verandering na de start is daarom hooguit *consistent met* een effect van JOS; dat JOS de
# oorzaak is, kunnen deze gegevens niet vaststellen. Lees de cijfers samen met het verhaal van de
# school.

# %%
results_file = report.write_results(assessment.results_frame(ctx, analyses), output_dir, ctx.region.privacy)
