"""The Theoretisch kader and Kwalitatieve metingen sections of the demo's reports (issue 19):
every element of Bijlage 1 with its status, linked to the section with its numbers, a figure with
Dutch alt text, the region's matrix of elements x schools, and the exit questionnaire and surveys
in the region report with response counts and suppression."""

from __future__ import annotations

import re

import matplotlib
import pytest

matplotlib.use("Agg")

from josanalysis.core.framework import FRAMEWORK  # noqa: E402
from josanalysis.demo.qualitative import NO_TEAM_SURVEY  # noqa: E402
from josanalysis.panel import prepare_region  # noqa: E402
from josanalysis.privacy import MARKER  # noqa: E402
from josanalysis.reporting import build_region_report, build_school_report  # noqa: E402
from josanalysis.reporting.document import Figure, Table, Text  # noqa: E402


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    prepared = str(prepare_region("demoregio", tmp_path_factory.mktemp("prep") / "demoregio.parquet"))
    return {"DM0100": build_school_report("demoregio", "DM0100", prepared),
            "DM0200": build_school_report("demoregio", "DM0200", prepared),
            "DM1100": build_school_report("demoregio", "DM1100", prepared),
            "region": build_region_report("demoregio", prepared)}


def _markdown(section) -> str:
    return "\n".join(i.markdown for i in section.items if isinstance(i, Text))


@pytest.mark.parametrize("school", ["DM0100", "DM0200"])
def test_school_framework_lists_every_element_with_its_status_and_links(reports, school):
    report = reports[school]
    text = _markdown(report.section("theoretisch_kader"))
    for element in FRAMEWORK:
        assert re.search(re.escape(f"**{element.label}**") + r".*— _(gemeten|kwalitatief|niet gemeten)_:", text), \
            element.key
    keys = {s.key for s in report.document.sections} | {s.key for sec in report.document.sections
                                                         for s in sec.items if hasattr(s, "key")}
    for anchor in re.findall(r"\]\(#([a-z_]+)\)", text):
        assert anchor in keys, anchor
    assert re.search(r"Verzuim: (daling|stijging) van [0-9,]+ procentpunt ten opzichte van de trend, ", text)
    assert "(#absence_rate)" in text
    assert "_niet gemeten_: Te meten met: registratie van de inzet van de procesbegeleider" in text


def test_school_framework_figure_has_dutch_alt_text_naming_every_element(reports):
    (fig,) = [i for i in reports["DM0100"].section("theoretisch_kader").items if isinstance(i, Figure)]
    assert fig.alt.startswith("Grafiek (schema) van het theoretisch kader") and fig.svg.startswith(b"<?xml")
    assert all(e.label in fig.alt for e in FRAMEWORK)


def test_a_comparison_school_has_no_framework_section(reports):
    keys = [s.key for s in reports["DM1100"].document.sections]
    assert "theoretisch_kader" not in keys and "kwalitatief" not in keys


def test_small_team_means_are_hidden_and_stories_are_shown(reports):
    items = reports["DM0200"].section("kwalitatief").items
    team = [i for i in items if isinstance(i, Table) and i.caption == "Teamvragenlijst"][0].frame
    means = team[[c for c in team.columns if c.startswith("Gemiddelde")]]
    assert len(means.columns) == 2 and (means == MARKER).all().all()
    assert "Binnen een week een gesprek" in _markdown(reports["DM0200"].section("kwalitatief"))


def test_region_matrix_has_every_element_and_jos_school_and_tells_schools_apart(reports):
    section = reports["region"].section("theoretisch_kader")
    (matrix,) = [i.frame for i in section.items if isinstance(i, Table)]
    assert matrix["Onderdeel"].tolist() == [e.label for e in FRAMEWORK]
    jos = [s.school_id for s in reports["region"].context.region.schools if s.jos_start]
    assert [c for c in matrix.columns if c not in ("Fase", "Onderdeel")] == jos
    samenwerking = matrix.set_index("Onderdeel").loc["Samenwerking"]
    assert samenwerking[NO_TEAM_SURVEY] == "N" and samenwerking["DM0100"] == "K"
    assert set(matrix.set_index("Onderdeel").loc["Meer schoolaanwezigheid, minder uitval", jos]) == {"G"}
    assert "G = gemeten, K = kwalitatief, N = niet gemeten" in "".join(
        i.markdown for i in section.items if isinstance(i, Text))
    assert any(isinstance(i, Figure) and i.alt for i in section.items)


def test_region_report_shows_exit_questionnaire_and_surveys_with_response_counts(reports):
    tables = {i.caption: i.frame for i in reports["region"].section("kwalitatief").items if isinstance(i, Table)}
    response = tables["Exit-vragenlijst per schooljaar"]
    assert set(response["Ingevuld door"]) == {"Jongeren", "Ouders"}
    assert {"Aantal vragenlijsten", "Respons (%)", "Gemiddelde ervaren opbrengst (1-5)"} <= set(response.columns)
    answers = tables["Antwoorden op de exit-vragenlijst"]
    assert "Ervaren opbrengst" in set(answers["Vraag"]) and "vertrouwensband met de hulpverlener" in set(answers["Antwoord"])
    survey = tables["Leerlingpeiling"]
    assert set(survey["Maat"]) == {"Welbevinden", "Pedagogisch klimaat", "Gehoord en begrepen"}
    assert any(c.startswith("Aantal respondenten") for c in survey.columns) and "Teamvragenlijst" in tables
    team = tables["Teamvragenlijst"]
    assert (team[[c for c in team.columns if c.startswith("Gemiddelde")]] != MARKER).all().all()
