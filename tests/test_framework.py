"""The theoretical framework of Bijlage 1 as data (issue 19): every element there, in its stage,
measured by indicators and sources that exist."""

from __future__ import annotations

import re

import pytest

from josanalysis.core.errors import ConfigError
from josanalysis.core.framework import (
    FRAMEWORK,
    MEASUREMENTS,
    PUPIL_SURVEY_MEASURES,
    QUALITATIVE_SOURCES,
    STAGES,
    TEAM_SURVEY_ELEMENTS,
    elements_of_stage,
    get_element,
)
from josanalysis.core.indicators import INDICATORS
from tests.conftest import PROJECT

BIJLAGE1 = PROJECT / "tests" / "data" / "oberon" / "bijlage1-theoretisch-kader.txt"

#: The elements of the figure of Bijlage 1 (plus the Toelichting's soft landing), by stage, with
#: the mark the figure gives them (* qualitative, ** quantitative).
EXPECTED = {
    "inzet": ["Vorming jeugd- en schoolteam", "Procesbegeleider"],
    "proces": ["Inzet van nieuwe functies + uitbreiding van bestaande functies binnen een heldere structuur",
               "Vroegtijdige signalering van problemen", "Snelle inzet hulp",
               "Afstemming met ouders/verzorgers en het netwerk van jeugdigen", "Samenwerking",
               "Vorming van/deelname aan een leeromgeving van scholen"],
    "output": ["Verbeterde aansluiting/kwaliteit onderwijs- en jeugdhulpaanbod", "Versterkte ondersteuningsstructuur",
               "Versterkt pedagogisch klimaat", "Meer schoolaanwezigheid, minder uitval",
               "Minder inzet van specialistische jeugdhulp", "Minder verwijzingen naar gespecialiseerde",
               "zachte landing"],
    "outcome": ["veerkracht en welbevinden", "gehoord en begrepen", "Minder afhankelijkheid van specialistische hulp"],
}
MARKS = {"Verbeterde aansluiting": "*", "Versterkte ondersteuningsstructuur": "*", "Versterkt pedagogisch": "*",
         "Meer schoolaanwezigheid": "**", "Minder inzet van specialistische": "**", "Minder verwijzingen": "**"}


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("- ", "-").strip().lower()


def test_every_element_of_bijlage1_is_in_the_registry_in_its_stage():
    for stage, phrases in EXPECTED.items():
        labels = [e.label for e in elements_of_stage(stage)]
        for phrase in phrases:
            assert any(phrase.lower() in label.lower() for label in labels), (stage, phrase, labels)
        assert len(labels) == len(phrases), (stage, labels)
    assert [e.stage for e in FRAMEWORK] == sorted((e.stage for e in FRAMEWORK), key=STAGES.index)


def test_the_wording_is_taken_from_bijlage1():
    text = _normal(BIJLAGE1.read_text(encoding="utf-8"))
    for e in FRAMEWORK:
        assert _normal(e.bijlage_words) in text, e.key


def test_marks_follow_bijlage1_and_agree_with_how_the_element_is_measured():
    for start, mark in MARKS.items():
        (element,) = [e for e in FRAMEWORK if e.label.startswith(start)]
        assert element.bijlage_mark == mark
        assert element.measurement == ("qualitative" if mark == "*" else "quantitative")
    unmarked = [e for e in FRAMEWORK if not any(e.label.startswith(start) for start in MARKS)]
    assert len(unmarked) == len(FRAMEWORK) - len(MARKS)
    assert {e.bijlage_mark for e in unmarked} == {""}


def test_every_indicator_and_source_referenced_exists():
    for e in FRAMEWORK:
        assert e.measurement in MEASUREMENTS
        assert set(e.indicators) <= set(INDICATORS), e.key
        assert set(e.sources) <= set(QUALITATIVE_SOURCES), e.key
        assert e.would_measure, f"{e.key} says no source that would measure it"
        if e.measurement == "quantitative":
            assert e.indicators, e.key
        if e.measurement == "qualitative":
            assert e.sources, e.key
    assert {element for _, element in PUPIL_SURVEY_MEASURES.values()} <= {e.key for e in FRAMEWORK}
    assert set(TEAM_SURVEY_ELEMENTS) == {e.key for e in FRAMEWORK if "teamvragenlijst" in e.sources}
    assert all(get_element(k).stage in {"proces", "output"} for k in TEAM_SURVEY_ELEMENTS)


def test_unknown_keys_are_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="snelle_inzet_hulp"):
        get_element("snelle_hulp")
    with pytest.raises(ConfigError, match="inzet, proces"):
        elements_of_stage("input")
