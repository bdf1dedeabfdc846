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
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from josanalysis.questions.budget import DUTCH_HEADERS as BUDGET_HEADERS
from josanalysis.questions.budget import budget_section, load_budget_report_data, plot_budget, save_tables
from josanalysis.questions.capacity import (
    capacity_assumptions_text,
    capacity_table,
    minimum_fte_from_region,
    plot_capacity,
)
from josanalysis.core.config import load_region
from josanalysis.questions.outofregion import (
    contribution_rule_from_region,
    out_of_region,
    propose_contributions,
    report_tables,
)
from josanalysis.privacy import apply_privacy, format_for_report, privacy_footnote
from josanalysis.questions.rendement import (
    provider_figures,
    provider_report_table,
    qualitative_notes,
    rendement_table,
)
from josanalysis.questions.rendement import report_tables as rendement_report_tables
from josanalysis.reporting.presentation import banner

reg = load_region(region)
data = load_budget_report_data(reg, prepared)
rules = reg.privacy
names = {s.school_id: s.name for s in reg.schools}
jos_ids = [s.school_id for s in reg.jos_schools]
footnote = privacy_footnote(rules.min_count, rules.rounding)
saved_tables = {}
figures = {}


def show(table, decimals=1, **column_decimals):
    """Display a protected table in Dutch number format, without the row index."""
    shown = format_for_report(table, decimals=decimals)
    for col, d in column_decimals.items():
        shown[col] = format_for_report(table, decimals=d)[col]
    display(shown.style.hide(axis="index"))

# %%
if banner(reg) is not None:
    display(banner(reg))
display(Markdown(f"**Regio:** {reg.name} — {len(jos_ids)} JOS-scholen, "
                 f"{len(reg.comparison_ids)} vergelijkingsscholen. {reg.notes}"))

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
if data.fte is None:
    display(Markdown(data.missing["capaciteit"]))
else:
    minimum, hours = minimum_fte_from_region(reg)
    cap = capacity_table(data.fte[data.fte["school_id"].isin(jos_ids)],
                         data.pupils if data.pupils is not None else {}, hours_per_fte=hours, minimum_fte=minimum)
    display(Markdown(f"Bron fte: {data.fte_source}. Bron leerlingaantallen: {data.pupils_source or 'geen'}. "
                     f"{capacity_assumptions_text(reg)}"))
    # a school's pupil total is published by DUO: small totals are hidden, no secondary suppression needed
    per_school = apply_privacy(cap.to_report(names, which="per_school"), rules, count_columns=["leerlingen"],
                               secondary=False)
    per_function = apply_privacy(cap.to_report(names, which="table"), rules, count_columns=["leerlingen"],
                                 secondary=False)
    spread = apply_privacy(cap.to_report(which="spread"), rules)
    saved_tables.update(capaciteit_per_school=per_school, capaciteit_per_functie=per_function,
                        capaciteit_spreiding=spread)
    display(Markdown("**Totaal per school (alle JOS-functies samen)**"))
    show(per_school, 3, **{"uur/week eerder": 1, "uur/week tijdens": 1})
    display(Markdown("**Per functie**"))
    show(per_function, 3, **{"uur/week eerder": 1, "uur/week tijdens": 1})
    display(Markdown("**Spreiding tussen scholen** (variatiecoëfficiënt = standaardafwijking / gemiddelde; "
                     "alleen scholen waar de functie wordt ingezet)"))
    show(spread, 3)
    below = cap.below_minimum
    if len(below):
        lines = [f"- {names.get(r.school_id, r.school_id)}: {r.function} {r.fte_during:.3f} fte "
                 f"(minimum {r.minimum_fte:.3f})".replace(".", ",") for r in below.itertuples()]
        display(Markdown("**Onder het ingestelde minimum:**\n\n" + "\n".join(lines)))
    elif minimum:
        display(Markdown("Geen school zit onder het ingestelde minimum per functie."))
    no_pupils = cap.per_school.loc[cap.per_school["pupils"].isna(), "school_id"].tolist()
    if no_pupils:
        display(Markdown("Zonder leerlingaantal, dus zonder fte per 100 leerlingen (en niet in de figuur): "
                         + ", ".join(names.get(s, s) for s in no_pupils) + "."))
    fig = plot_capacity(cap, names, per_100=bool(cap.per_school["fte_per_100_during"].notna().any()))
    figures["capaciteit"] = fig
    plt.show()

# %% [markdown]
# ## 2. Collectief budget: huidig, herijkt en overgangspad
#
# Het collectieve budget (Zorg in Onderwijstijd) volgt in de praktijk vaak eerdere afspraken en
# pilots, niet de zorgzwaarte. Hieronder staat wat een herijking op leerlingaantal en kenmerken
# van de leerlingpopulatie zou opleveren, budgetneutraal (het totaal blijft gelijk), met een
# geleidelijk overgangspad. De gewichten zijn **aannames** van de regio, geen uitkomst van dit
# rapport; ze staan in de parameters en worden hieronder genoemd.

# %%
section = None
if data.budget is None:
    display(Markdown(data.missing["budget"]))
elif data.pupils is None:
    display(Markdown(data.missing.get("leerlingen", "Zonder leerlingaantallen is geen herijking mogelijk.")))
else:
    section = budget_section(reg, data.budget, data.pupils)
    display(Markdown(f"Huidig budget: jaar {section.year}. {section.assumptions_text()}"))
    if section.left_out:
        display(Markdown("Zonder leerlingaantal, dus niet herijkt: "
                         + ", ".join(names.get(s, s) for s in section.left_out) + "."))
    recal = section.recalibrated.copy()
    recal.insert(1, "school", recal["school_id"].map(names))
    recal_shown = apply_privacy(recal.rename(columns={"pupils": "leerlingen"}), rules,
                                count_columns=["leerlingen"], secondary=False)
    path_wide = section.path.pivot(index="school_id", columns="year", values="budget_eur")
    path_wide.columns = [f"budget {y}" for y in path_wide.columns]
    path_wide = path_wide.reset_index()
    path_wide.insert(1, "school", path_wide["school_id"].map(names))
    path_wide = path_wide.rename(columns={"school_id": "vestiging"})
    last = section.path[section.path["year"] == section.path["year"].max()].set_index("school_id")
    path_wide["nog te gaan"] = path_wide["vestiging"].map(last["gap_eur"])
    path_shown = apply_privacy(path_wide, rules)
    saved_tables.update(budget_herijking=recal_shown, budget_overgangspad=path_shown)
    display(Markdown("**Huidig en herijkt budget per school**"))
    show(recal_shown.rename(columns=BUDGET_HEADERS), 0, **{"huidig per leerling (€)": 2, "zorgindex": 2,
                                                            "herijkt per leerling (€)": 2, "verschil (%)": 1})
    display(Markdown("**Overgangspad per jaar** (jaar 0 = huidig budget)"))
    show(path_shown, 0)
    if (last["gap_eur"].abs() > 0.5).any():
        display(Markdown("Binnen het ingestelde maximum per jaar haalt niet elke school het herijkte budget in "
                         f"{section.config.years} jaar; de kolom 'nog te gaan' toont het verschil dat overblijft."))
    fig = plot_budget(section.recalibrated, section.path, names, per_pupil=True)
    figures["budget"] = fig
    plt.show()

# %% [markdown]
# ## 3. Leerlingen van buiten de regio
#
# Gemeenten buiten de regio betalen niet vanzelf mee aan de collectieve inzet. Daarom tellen we
# per school hoeveel leerlingen in een gemeente buiten de regio wonen (DUO, leerlingen naar
# postcode en gemeente), en rekenen een voorstel voor een bijdrage per gemeente uit volgens de
# verdeelregel van de regio. DUO toont kleine aantallen als "<5": die tellen hier als 2, met
# het bereik 1 tot 4 ernaast.

# %%
if data.home_municipality is None:
    display(Markdown(data.missing["herkomst"]))
else:
    in_data = set(data.home_municipality["school_id"])
    schools = [s for s in jos_ids if s in in_data]
    if not schools:
        display(Markdown("Het DUO-bestand naar woongemeente bevat geen van de JOS-scholen van deze regio."))
    else:
        oor = out_of_region(data.home_municipality, reg.municipalities, schools=schools)
        rule = contribution_rule_from_region(reg)
        contrib = None
        if rule.rule == "per_pupil":
            contrib = propose_contributions(oor, rule="per_pupil", per_pupil=rule.per_pupil,
                                            min_pupils=rule.min_pupils)
        elif section is not None and set(schools) <= set(section.current["school_id"]):
            budgets = section.current.set_index("school_id")["budget_eur"]
            contrib = propose_contributions(oor, budget=budgets.loc[schools], min_pupils=rule.min_pupils)
        tables = report_tables(oor, rules, contrib, names=names)
        saved_tables.update({f"herkomst_{k}": v for k, v in tables.items()})
        display(Markdown(f"Peildatum DUO: {oor.reference_date:%d-%m-%Y}. Gemeenten van de regio: "
                         + ", ".join(reg.municipalities.values()) + "."))
        display(Markdown("**Per school: aandeel leerlingen van buiten de regio**"))
        show(tables["per_school"])
        display(Markdown("**Per gemeente buiten de regio**"))
        show(tables["per_gemeente"])
        display(Markdown("**Leerlingen per woongemeente en school**"))
        show(tables["per_school_gemeente"], 0)
        if contrib is None:
            display(Markdown("Geen bijdragevoorstel: de verdeelregel 'naar rato' heeft het budget per school "
                             "nodig. " + data.missing.get("budget", "")))
        else:
            display(Markdown(f"**Voorstel bijdrage per gemeente** (verdeelregel: {contrib['rule'].iloc[0]}; "
                             f"gemeenten met minder dan {rule.min_pupils:g} leerlingen worden niet gevraagd). "
                             "Dit is een rekenvoorbeeld als start van het gesprek, geen verplichting."))
            show(tables["bijdragen"], 0)

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
rend = rendement_table(data.rendement, schools=jos_ids, data_dir=data.data_dir)
rtables = rendement_report_tables(rend, rules, names=names)
if "regio" in rtables:
    display(Markdown("**Regio** (aantallen opgeteld over de scholen die ze aanleveren; percentages en scores "
                     "ongewogen gemiddeld; de trend alleen over jaren waarin alle scholen aanleveren)"))
    show(rtables["regio"])
    for key, table in rtables.items():
        if key == "regio":
            continue
        label = rend.per_school.loc[rend.per_school["indicator"] == key, "label"].iloc[0]
        display(Markdown(f"**{label}, per school**"))
        show(table)
    saved_tables.update({f"rendement_{k}": v for k, v in rtables.items()})
if rend.missing:
    display(Markdown("**Nog niet in beeld** (lever deze bestanden aan om de indicator te vullen):\n\n"
                     + "\n".join(f"- {m}" for m in rend.missing.values())))

# %% [markdown]
# ### Registratie van de aanbieder
#
# Trajecten per type per 100 leerlingen, het aandeel verwezen naar de tweede lijn, de uitstroom,
# de tevredenheid bij afsluiting en terugval tijdens een monitortraject. De registratie van de
# aanbieder bestaat al van vóór JOS en is met JOS veranderd: een breuk in de reeks hoeft geen
# effect te zijn.

# %%
if data.provider is None:
    display(Markdown(data.missing["aanbieder"]))
else:
    prov = data.provider[data.provider["school_id"].isin(jos_ids)]
    pupils_for_rates = data.pupils_by_year if data.pupils_by_year is not None else data.pupils
    figs = provider_figures(prov, pupils_for_rates)
    prov_shown = provider_report_table(figs, rules, names=names)
    saved_tables["aanbieder"] = prov_shown
    show(prov_shown)

# %% [markdown]
# ### Het verhaal bij de cijfers
#
# Cijfers zijn "leeg" zonder de toelichting van scholen en professionals: een snelle verwijzing
# kan de juiste uitkomst zijn. Hieronder de kwalitatieve toelichtingen uit de parameters van de
# regio en de scholen.

# %%
notes = apply_privacy(qualitative_notes(reg), rules)   # text only, but every table passes the boundary
if notes.empty:
    display(Markdown("Er zijn (nog) geen kwalitatieve toelichtingen gegeven. Vul ze aan onder "
                     "`notes: indicators:` in de parameterbestanden van de regio of de scholen."))
else:
    display(notes.style.hide(axis="index"))
display(Markdown(footnote))

# %%
written = save_tables(saved_tables, output_dir)
if output_dir:
    (Path(output_dir) / "figures").mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        fig.savefig(Path(output_dir) / "figures" / f"{name}.png", dpi=120, bbox_inches="tight")
    print(f"{len(written)} bestanden en {len(figures)} figuren geschreven naar {output_dir}")
