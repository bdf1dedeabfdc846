"""Which data source each report section needs, and what a missing source would have shown.

Real regions start with some sources, never all of them. Every source is optional; a report
section that lacks what it needs says so in Dutch (which source, and what it would show) instead
of stopping the run. ``josanalysis check-data`` prints the same table per section
(:func:`josanalysis.sources.source_coverage`).

Source keys are the attributes of :class:`josanalysis.sources.RegionData` (``attendance``,
``duo_pupils``, ...). Section keys are ``<report>.<section>`` (``school.monthly``,
``region.event_study``, ``budget.capaciteit``).

Examples
--------
>>> missing_sources("school.monthly", {"duo_pupils"})
('attendance',)
>>> print(missing_sentence_nl("region.event_study", set()))  # doctest: +ELLIPSIS
Bron ontbreekt: Verzuimregistratie scholen. Met deze bron toont dit hoofdstuk ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from josanalysis.core.errors import ConfigError

__all__ = ["SourceInfo", "SectionNeeds", "SOURCE_INFO", "SECTION_NEEDS", "missing_sources",
           "missing_sentence_nl", "section_usable"]


@dataclass(frozen=True)
class SourceInfo:
    """One data source: its Dutch name and, in Dutch, what a report shows with it."""

    key: str
    label: str
    shows: str


@dataclass(frozen=True)
class SectionNeeds:
    """What one report section reads.

    Attributes
    ----------
    title
        The section's Dutch title (for the ``check-data`` table).
    needs
        Sources that must all be present for the section to show figures.
    any_of
        Sources of which at least one must be present (empty: no such condition).
    uses
        Sources the section shows when present but does without (listed as missing, not blocking).
    """

    title: str
    needs: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()


SOURCE_INFO: dict[str, SourceInfo] = {s.key: s for s in (
    SourceInfo("duo_pupils", "DUO leerlingen per vestiging",
               "het aantal leerlingen per school en schooljaar, de noemer van alle cijfers per leerling"),
    SourceInfo("duo_pupils_by_postcode", "DUO leerlingen naar postcode en leerjaar",
               "uit welke gemeenten de leerlingen komen, ook van buiten de regio"),
    SourceInfo("duo_addresses", "DUO adressen vestigingen", "de adressen en gemeenten van de vestigingen"),
    SourceInfo("duo_vsv", "DUO voortijdig schoolverlaters", "het voortijdig schoolverlaten per schooljaar"),
    SourceInfo("duo_special_pupils", "DUO leerlingen (v)so en sbo per vestiging",
               "het aantal leerlingen van scholen voor (voortgezet) speciaal onderwijs en speciaal "
               "basisonderwijs, de noemer van hun cijfers per leerling"),
    SourceInfo("cbs_youthcare", "CBS jeugdhulp", "jeugdhulp per gemeente, de schatting voor de leerlingen van "
               "een school en de vergelijking met het land"),
    SourceInfo("thuiszitters", "Leerplicht (thuiszitters)", "het aantal thuiszitters per maand"),
    SourceInfo("attendance", "Verzuimregistratie scholen",
               "het verzuim per lesmaand vóór en tijdens JOS, met de onderbroken tijdreeks en de vergelijking "
               "met scholen zonder JOS"),
    SourceInfo("municipality_youthcare", "Gemeente jeugdhulp per school",
               "jeugdhulp (ambulant en met verblijf), indicaties en kosten per school en schooljaar"),
    SourceInfo("swv_referrals", "SWV verwijzingen",
               "toelaatbaarheidsverklaringen en plaatsingen in een voorziening per schooljaar"),
    SourceInfo("provider_trajectories", "Aanbieder JOS-trajecten", "het aantal JOS-trajecten en hun duur"),
    SourceInfo("capacity", "Capaciteit (fte, Bijlage 5)", "de fte per functie per school uit een bestand; "
               "zonder dit bestand komen ze uit de schoolparameters"),
    SourceInfo("budget", "ZiO-budget", "het collectieve budget per school, herijkt en met overgangspad"),
    SourceInfo("rendement", "Rendementsindicatoren scholen", "de rendementsindicatoren van de scholen zelf"),
    SourceInfo("team_survey", "Teamvragenlijst (kwalitatief)",
               "hoe het jeugd- en schoolteam de processtappen van JOS beoordeelt, per schooljaar"),
    SourceInfo("pupil_survey", "Leerlingpeiling (kwalitatief)",
               "welbevinden, pedagogisch klimaat en gehoord en begrepen volgens de leerlingen, per schooljaar"),
    SourceInfo("exit_survey", "Exit-vragenlijst (kwalitatief)",
               "wat een afgerond traject jongeren en ouders opleverde, waarom het hielp of niet, en hun tevredenheid"),
    SourceInfo("stories", "Verhalen en praktijkvoorbeelden (kwalitatief)",
               "de verhalen en praktijkvoorbeelden van de school bij de stappen van het theoretisch kader"),
)}

#: Report section -> the sources it reads. Keys are ``<report>.<section key>``.
SECTION_NEEDS: dict[str, SectionNeeds] = {
    "school.monthly": SectionNeeds("Indicatoren per maand (schoolrapport)", needs=("attendance",),
                                   uses=("thuiszitters", "duo_pupils")),
    "school.yearly": SectionNeeds("Indicatoren per schooljaar (schoolrapport)",
                                  any_of=("municipality_youthcare", "swv_referrals", "duo_vsv",
                                          "provider_trajectories", "duo_pupils"),
                                  uses=("municipality_youthcare", "swv_referrals", "duo_vsv",
                                        "provider_trajectories", "duo_pupils", "duo_special_pupils")),
    "region.event_study": SectionNeeds("Verzuim in de regio (regiorapport)", needs=("attendance",)),
    "region.yearly": SectionNeeds("Indicatoren per schooljaar (regiorapport)",
                                  any_of=("municipality_youthcare", "swv_referrals", "duo_vsv",
                                          "provider_trajectories", "duo_pupils"),
                                  uses=("municipality_youthcare", "swv_referrals", "duo_vsv",
                                        "provider_trajectories", "duo_pupils")),
    "budget.capaciteit": SectionNeeds("Capaciteit (budgetrapport)",
                                      uses=("capacity", "duo_pupils", "duo_special_pupils")),
    "budget.budget": SectionNeeds("Collectief budget (budgetrapport)", needs=("budget",), uses=("duo_pupils",)),
    "budget.kosten": SectionNeeds("Kosten van jeugdhulp en van JOS (budgetrapport)",
                                  needs=("municipality_youthcare", "budget"),
                                  uses=("duo_pupils", "provider_trajectories")),
    "budget.zorgzwaarte": SectionNeeds("Zorgzwaarte: van zwaar naar licht (budgetrapport)",
                                       needs=("municipality_youthcare",), uses=("attendance",)),
    "budget.herkomst": SectionNeeds("Leerlingen van buiten de regio (budgetrapport)",
                                    needs=("duo_pupils_by_postcode",), uses=("cbs_youthcare",)),
    "budget.jeugdhulp_schatting": SectionNeeds("Geschatte jeugdhulp onder de leerlingen (budgetrapport)",
                                               needs=("duo_pupils_by_postcode", "cbs_youthcare")),
    "budget.rendement": SectionNeeds("Rendement (budgetrapport)", any_of=("rendement", "thuiszitters",
                                     "municipality_youthcare", "swv_referrals", "duo_vsv")),
    "budget.aanbieder": SectionNeeds("Registratie van de aanbieder (budgetrapport)",
                                     needs=("provider_trajectories",)),
}


def _needs(section: str) -> SectionNeeds:
    if section not in SECTION_NEEDS:
        raise ConfigError(f"unknown report section {section!r}; expected one of {', '.join(SECTION_NEEDS)}.")
    return SECTION_NEEDS[section]


def missing_sources(section: str, present: Iterable[str]) -> tuple[str, ...]:
    """The sources a section needs that are absent (``needs``, and ``any_of`` when none is present).

    Parameters
    ----------
    section
        A key of :data:`SECTION_NEEDS`.
    present
        Source keys that have data.

    Returns
    -------
    tuple of str
        Empty when the section can show figures.
    """
    s, have = _needs(section), set(present)
    out = [k for k in s.needs if k not in have]
    if s.any_of and not have.intersection(s.any_of):
        out += [k for k in s.any_of if k not in out]
    return tuple(out)


def section_usable(section: str, present: Iterable[str]) -> bool:
    """Whether a section has every source it needs."""
    return not missing_sources(section, present)


def missing_sentence_nl(section: str, present: Iterable[str]) -> str | None:
    """The Dutch sentence a section shows when a source it needs is absent (None when complete).

    It names each missing source and what it would show, so a reader knows what to ask for.
    """
    missing = missing_sources(section, present)
    if not missing:
        return None
    s = _needs(section)
    if s.any_of and not s.needs:
        names = " of ".join(SOURCE_INFO[k].label for k in missing)
        shows = "; ".join(SOURCE_INFO[k].shows for k in missing)
        return (f"Bron ontbreekt: geen van deze bronnen is aangeleverd: {names}. Met een ervan toont dit "
                f"hoofdstuk: {shows}.")
    names = ", ".join(SOURCE_INFO[k].label for k in missing)
    shows = "; ".join(SOURCE_INFO[k].shows for k in missing)
    return f"Bron ontbreekt: {names}. Met deze bron toont dit hoofdstuk {shows}."
