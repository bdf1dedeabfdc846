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
# leerlingaantal en zorgzwaarte wordt herijkt, hoeveel leerlingen komen van buiten de regio,
# en wat levert JOS op (rendement)? De aanpak volgt het Oberon-monitorrapport voor regio
# Alkmaar (Bijlage 5) en de factsheet Jeugdhulp op School Holland Rijnland (DSP-groep/Oberon).

# %% tags=["parameters"]
region: str = "demoregio"  # region id: file name under params/regions/ (e.g. "regio-alkmaar")
prepared: str = ""  # path of a prepared region-data file made by the batch (empty: load via the library)
output_dir: str = ""  # folder for figures and tables (empty: write nothing)

# %%
from josanalysis.reporting.budget_report import build_budget_report

report = build_budget_report(region, prepared, output_dir)

# %%
report.section("regio").display()

# %% [markdown]
# ## 1. Capaciteit: fte per functie per school
#
# De drie JOS-functies: gedragswetenschapper JGGZ-VO (GW), jeugd- en gezinscoach VO (JGC) en
# preventief ambulant jeugdhulpverlener VO (PAJ). "Eerder" is de inzet vóór de start van JOS,
# "tijdens" de inzet in het project. "n.v.t." betekent dat de functie op die school niet wordt
# ingezet (geen nul, maar geen onderdeel van de opzet).
#
# **Let op bij het vergelijken:** de verschillen in inzet tussen scholen zijn historisch gegroeid
# (afspraken, eerdere pilots, de match tussen medewerker en school) en niet op zorgzwaarte
# gebaseerd. Een school met meer fte per leerling is dus niet "beter bediend" naar behoefte, en
# verschillen in uitkomsten mogen niet aan de hoeveelheid inzet worden toegeschreven.

# %%
report.section("capaciteit").display()

# %% [markdown]
# ## 2. Collectief budget: huidig, herijkt en overgangspad
#
# Het collectieve budget (Zorg in Onderwijstijd) volgt in de praktijk vaak eerdere afspraken en
# pilots, niet de zorgzwaarte. Hieronder staat wat een herijking op leerlingaantal en kenmerken
# van de leerlingpopulatie zou opleveren, budgetneutraal (het totaal blijft gelijk), met een
# geleidelijk overgangspad. De gewichten zijn **aannames** van de regio, geen uitkomst van dit
# rapport; ze staan in de parameters en worden hieronder genoemd.

# %%
report.section("budget").display()

# %% [markdown]
# ## 3. Leerlingen van buiten de regio
#
# Gemeenten buiten de regio betalen niet vanzelf mee aan de collectieve inzet. Daarom tellen we
# per school hoeveel leerlingen in een gemeente buiten de regio wonen (DUO, leerlingen naar
# postcode en gemeente), en rekenen een voorstel voor een bijdrage per gemeente uit volgens de
# verdeelregel van de regio. DUO toont kleine aantallen als "<5": die tellen hier als 2, met
# het bereik 1 tot 4 ernaast.

# %%
report.section("herkomst").display()

# %% [markdown]
# ## 4. Rendement: vaste indicatoren per school en regio
#
# De factsheet adviseert het rendement jaarlijks zichtbaar te maken met vaste indicatoren:
# thuiszitters, in-, door- en uitstroom, procedures en administratieve lasten, ziekteverzuim,
# lerarentekort en -verloop, werkplezier, en de hulp die leerlingen buiten school krijgen. De
# trends zijn beschrijvend (verschil tussen eerste en laatste jaar, en de trend per jaar); ze
# zeggen niet dát JOS het verschil heeft gemaakt. Vroegsignalering kan verwijzingen en jeugdhulp
# in de eerste jaren juist laten stijgen.

# %%
report.section("rendement").display()

# %% [markdown]
# ### Registratie van de aanbieder
#
# Trajecten per type per 100 leerlingen, het aandeel verwezen naar de tweede lijn, de uitstroom,
# de tevredenheid bij afsluiting en terugval tijdens een monitortraject. De registratie van de
# aanbieder bestaat al van vóór JOS en is met JOS veranderd: een breuk in de reeks hoeft geen
# effect te zijn.

# %%
report.section("aanbieder").display()

# %% [markdown]
# ### Het verhaal bij de cijfers
#
# Cijfers zijn "leeg" zonder de toelichting van scholen en professionals: een snelle verwijzing
# kan de juiste uitkomst zijn. Hieronder de kwalitatieve toelichtingen uit de parameters van de
# regio en de scholen.

# %%
report.section("toelichting").display()

# %%
if report.output_dir:
    print(report.written_text())
