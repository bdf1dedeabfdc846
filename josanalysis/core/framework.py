"""The theoretical framework (Bijlage 1 of the Oberon monitor report) as data.

The monitor is a chain: *inzet* (input) → *proces* → *output* → *outcome*. Every element of the
chain is one :class:`FrameworkElement` with its stage, its Dutch wording from Bijlage 1, how the
monitor measures it (``quantitative``: indicators of :mod:`josanalysis.core.indicators` with an
estimate and a verdict; ``qualitative``: the structured qualitative inputs — team questionnaire,
pupil survey, exit questionnaire, stories; ``none``: nothing yet) and, when nothing measures it
(or to add evidence), which source would.

Bijlage 1 marks output elements with ``*`` (measured qualitatively) or ``**`` (measured
quantitatively); :attr:`FrameworkElement.bijlage_mark` keeps that mark. The element *zachte
landing bij overstap* is not in the figure of Bijlage 1 but is an output goal of its Toelichting
("De overgang naar een andere school wordt gefaciliteerd, waardoor er een veilige en zachte
landing voor leerlingen is"), so it is here too.

This is the one home of the framework; reports read it (the section *Theoretisch kader*), the
qualitative loaders use its element keys (the team questionnaire's items, the stories' element).

Examples
--------
>>> from josanalysis.core.framework import FRAMEWORK, get_element, elements_of_stage
>>> get_element("snelle_inzet_hulp").label
'Snelle inzet hulp'
>>> [e.key for e in elements_of_stage("outcome")]
['veerkracht_welbevinden', 'gehoord_begrepen', 'minder_afhankelijk']
>>> get_element("aanwezigheid_uitval").indicators[0]
'absence_rate'
"""

from __future__ import annotations

from dataclasses import dataclass

from josanalysis.core.errors import ConfigError

__all__ = ["FrameworkElement", "FRAMEWORK", "FRAMEWORK_BY_KEY", "STAGES", "STAGE_NL", "STAGE_TITLE_NL",
           "MEASUREMENTS", "QUALITATIVE_SOURCES", "TEAM_SURVEY_ELEMENTS", "PUPIL_SURVEY_MEASURES",
           "get_element", "elements_of_stage"]

#: The stages of the chain, in order.
STAGES: tuple[str, ...] = ("inzet", "proces", "output", "outcome")
#: Dutch stage names as Bijlage 1 prints them (``[Input]`` is called *inzet* in the reports).
STAGE_NL: dict[str, str] = {"inzet": "Inzet", "proces": "Proces", "output": "Output", "outcome": "Outcome"}
#: The heading of each stage's column in Bijlage 1.
STAGE_TITLE_NL: dict[str, str] = {
    "inzet": "Inzet van (preventieve) jeugdhulp op school",
    "proces": "Doorontwikkeling van ondersteuningsstructuur op school en daarbuiten",
    "output": "Versterkte sociale basis op school",
    "outcome": "Perspectief op ontwikkeling voor iedere jeugdige",
}
#: How the monitor measures an element.
MEASUREMENTS: tuple[str, ...] = ("quantitative", "qualitative", "none")
#: The structured qualitative inputs (keys used by :attr:`FrameworkElement.sources`), Dutch names.
QUALITATIVE_SOURCES: dict[str, str] = {
    "teamvragenlijst": "jaarlijkse vragenlijst jeugd- en schoolteam",
    "leerlingpeiling": "leerlingpeiling van de school (welbevinden, pedagogisch klimaat, gehoord en begrepen)",
    "exitvragenlijst": "exit-vragenlijst bij afronding van een traject (jongere en ouders)",
    "verhalen": "verhalen en praktijkvoorbeelden van de school",
    "trajecten": "registratie van JOS-trajecten door de aanbieder (uitstroom, terugval)",
    "capaciteit": "overzicht formatie per functie (Bijlage 5)",
}


@dataclass(frozen=True)
class FrameworkElement:
    """One element of the chain of Bijlage 1.

    Attributes
    ----------
    key
        Machine name (used in the team questionnaire's items and the stories' element column).
    stage
        ``"inzet"``, ``"proces"``, ``"output"`` or ``"outcome"``.
    label
        The wording of Bijlage 1 (Dutch), as the reports show it.
    measurement
        ``"quantitative"``, ``"qualitative"`` or ``"none"``: how this monitor measures it.
    bijlage_mark
        The mark of Bijlage 1: ``"*"`` (kwalitatieve meting), ``"**"`` (kwantitatieve meting) or ``""``.
    indicators
        Keys of :data:`josanalysis.core.indicators.INDICATORS` that measure it (estimate and verdict).
    sources
        Keys of :data:`QUALITATIVE_SOURCES` that give structured evidence on it.
    would_measure
        Dutch: which source would measure it (or measure it better), shown when it is not measured.
    quote
        The words of Bijlage 1 the element is taken from (default: the label).
    """

    key: str
    stage: str
    label: str
    measurement: str
    bijlage_mark: str = ""
    indicators: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    would_measure: str = ""
    quote: str = ""

    @property
    def bijlage_words(self) -> str:
        """The words of Bijlage 1 this element stands for."""
        return self.quote or self.label


_E = FrameworkElement

#: The chain of Bijlage 1, stage by stage in the order of the figure.
FRAMEWORK: tuple[FrameworkElement, ...] = (
    _E("jeugd_schoolteam", "inzet",
       "Vorming jeugd- en schoolteam (ondersteuningscoördinator, gedragswetenschapper JGGZ-VO, jeugd- en "
       "gezinscoach VO, preventief ambulant jeugdhulpverlener VO)",
       "quantitative", indicators=("fte_per_100", "jos_trajectories"), sources=("capaciteit", "trajecten"),
       would_measure="overzicht formatie per functie (Bijlage 5) en de trajectregistratie van de aanbieder",
       quote="Vorming jeugd- en schoolteam bestaande uit: * ondersteuningscoördinator"),
    _E("procesbegeleider", "inzet", "Procesbegeleider", "none",
       would_measure="registratie van de inzet van de procesbegeleider (uren, bijeenkomsten, ontwikkelvragen)"),
    _E("heldere_structuur", "proces",
       "Inzet van nieuwe functies + uitbreiding van bestaande functies binnen een heldere structuur in de school",
       "qualitative", sources=("teamvragenlijst", "verhalen"),
       would_measure="jaarlijkse vragenlijst jeugd- en schoolteam"),
    _E("vroegtijdige_signalering", "proces",
       "Vroegtijdige signalering van problemen in de ontwikkeling van jeugdigen", "qualitative",
       sources=("teamvragenlijst", "verhalen"), would_measure="jaarlijkse vragenlijst jeugd- en schoolteam"),
    _E("snelle_inzet_hulp", "proces", "Snelle inzet hulp", "qualitative",
       sources=("teamvragenlijst", "verhalen"),
       would_measure="jaarlijkse vragenlijst jeugd- en schoolteam; wachttijd tot de eerste afspraak in de "
                     "trajectregistratie"),
    _E("afstemming_ouders_netwerk", "proces",
       "Afstemming met ouders/verzorgers en het netwerk van jeugdigen", "qualitative",
       sources=("teamvragenlijst", "verhalen"), would_measure="jaarlijkse vragenlijst jeugd- en schoolteam"),
    _E("samenwerking", "proces", "Samenwerking", "qualitative", sources=("teamvragenlijst", "verhalen"),
       would_measure="jaarlijkse vragenlijst jeugd- en schoolteam"),
    _E("leeromgeving", "proces", "Vorming van/deelname aan een leeromgeving van scholen", "qualitative",
       sources=("teamvragenlijst", "verhalen"),
       would_measure="jaarlijkse vragenlijst jeugd- en schoolteam; deelname aan netwerkbijeenkomsten"),
    _E("aansluiting_onderwijs_jeugdhulp", "output",
       "Verbeterde aansluiting/kwaliteit onderwijs- en jeugdhulpaanbod in natuurlijke omgeving jeugdige",
       "qualitative", "*", sources=("exitvragenlijst", "verhalen"),
       would_measure="exit-vragenlijst (jongere en ouders) en verhalen van de school"),
    _E("versterkte_ondersteuningsstructuur", "output", "Versterkte ondersteuningsstructuur", "qualitative", "*",
       sources=("teamvragenlijst", "verhalen"), would_measure="jaarlijkse vragenlijst jeugd- en schoolteam"),
    _E("versterkt_pedagogisch_klimaat", "output", "Versterkt pedagogisch klimaat", "qualitative", "*",
       sources=("leerlingpeiling", "verhalen"),
       would_measure="leerlingpeiling van de school (pedagogisch klimaat)"),
    _E("aanwezigheid_uitval", "output", "Meer schoolaanwezigheid, minder uitval", "quantitative", "**",
       indicators=("absence_rate", "unauthorised_absence_rate", "thuiszitters", "early_leavers"),
       sources=("trajecten",),
       would_measure="verzuimregistratie van de school, Leerplicht (thuiszitters) en DUO (vsv)"),
    _E("minder_specialistische_jeugdhulp", "output", "Minder inzet van specialistische jeugdhulp",
       "quantitative", "**",
       indicators=("youthcare_ambulant", "youthcare_residential", "indications_medium", "indications_heavy"),
       would_measure="jeugdhulpregistratie van de gemeente per school"),
    _E("minder_verwijzingen", "output", "Minder verwijzingen naar gespecialiseerde scholen/voorzieningen",
       "quantitative", "**", indicators=("tlv_vso_cluster4", "placements_facility"),
       would_measure="toelaatbaarheidsverklaringen en plaatsingen van het samenwerkingsverband"),
    _E("zachte_landing", "output",
       "Zachte landing bij overstap naar een andere school (Toelichting bij Bijlage 1)", "none",
       sources=("verhalen",),
       would_measure="registratie van overstappen met warme overdracht (school, samenwerkingsverband)",
       quote="De overgang naar een andere school wordt gefaciliteerd, waardoor er een veilige en zachte landing"),
    _E("veerkracht_welbevinden", "outcome", "Versterkt(e) veerkracht en welbevinden van jeugdigen",
       "qualitative", sources=("leerlingpeiling", "verhalen"),
       would_measure="leerlingpeiling van de school (welbevinden)"),
    _E("gehoord_begrepen", "outcome", "Jeugdigen voelen zich gehoord en begrepen", "qualitative",
       sources=("leerlingpeiling", "exitvragenlijst", "verhalen"),
       would_measure="leerlingpeiling van de school (gehoord en begrepen) en de exit-vragenlijst"),
    _E("minder_afhankelijk", "outcome", "Minder afhankelijkheid van specialistische hulp", "qualitative",
       sources=("trajecten", "exitvragenlijst", "verhalen"),
       would_measure="trajectregistratie van de aanbieder (verwijzing tweede lijn, terugval na monitortraject)"),
)

#: The chain by key.
FRAMEWORK_BY_KEY: dict[str, FrameworkElement] = {e.key: e for e in FRAMEWORK}

#: The elements the yearly team questionnaire asks about (one Likert item each).
TEAM_SURVEY_ELEMENTS: tuple[str, ...] = tuple(e.key for e in FRAMEWORK if "teamvragenlijst" in e.sources)

#: The measures of the aggregated pupil survey: key -> (Dutch label, framework element).
PUPIL_SURVEY_MEASURES: dict[str, tuple[str, str]] = {
    "welbevinden": ("Welbevinden", "veerkracht_welbevinden"),
    "pedagogisch_klimaat": ("Pedagogisch klimaat", "versterkt_pedagogisch_klimaat"),
    "gehoord_begrepen": ("Gehoord en begrepen", "gehoord_begrepen"),
}


def get_element(key: str) -> FrameworkElement:
    """The element with this key; a :class:`ConfigError` naming the known keys otherwise."""
    try:
        return FRAMEWORK_BY_KEY[key]
    except KeyError:
        raise ConfigError(f"'{key}' is not an element of the theoretical framework; known elements: "
                          f"{', '.join(FRAMEWORK_BY_KEY)}.") from None


def elements_of_stage(stage: str) -> list[FrameworkElement]:
    """The elements of one stage, in the order of Bijlage 1."""
    if stage not in STAGES:
        raise ConfigError(f"Stage '{stage}' is not one of {', '.join(STAGES)}.")
    return [e for e in FRAMEWORK if e.stage == stage]
