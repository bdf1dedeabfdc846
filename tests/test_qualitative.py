"""The qualitative inputs of issue 19: templates load, malformed files are refused with file, row
and column, the demo's known patterns are recovered, and what a report shows respects the
privacy rules (no mean of fewer than ten respondents, no small count)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from josanalysis.core.config import PrivacyRules
from josanalysis.core.errors import DataError
from josanalysis.demo.qualitative import (
    FEW_RESPONDENTS,
    NO_TEAM_SURVEY,
    PUPIL_MEASURES,
    RESPONSE_RATE,
    SATISFACTION_MEAN,
    TEAM_RISE,
)
from josanalysis.demo.synth import demo_schools
from josanalysis.privacy import MARKER, is_protected
from josanalysis.questions.qualitative import (
    exit_distribution_nl,
    exit_response_nl,
    pupil_survey_nl,
    team_survey_nl,
    trajectory_follow_nl,
)
from josanalysis.sources import (
    follow_trajectories,
    load_exit_survey,
    load_provider_trajectories,
    load_pupil_survey,
    load_stories,
    load_team_survey,
    summarise_exit_survey,
    summarise_team_survey,
)
from josanalysis.sources.stories import identifiers_in
from tests.conftest import PROJECT

EX = PROJECT / "data" / "examples"
DEMO = PROJECT / "data" / "demo" / "kwalitatief"
RULES = PrivacyRules(min_count=5, min_denominator=10)


@pytest.fixture(scope="module")
def demo():
    return {"team": load_team_survey(DEMO / "teamvragenlijst.csv"),
            "pupil": load_pupil_survey(DEMO / "leerlingpeiling.csv"),
            "exit": load_exit_survey(DEMO / "exitvragenlijst.csv"),
            "stories": load_stories(DEMO / "verhalen.csv"),
            "trajectories": load_provider_trajectories(PROJECT / "data" / "demo" / "aanbieder" / "trajecten.csv")}


@pytest.fixture(scope="module")
def tables(demo):
    return {"team_survey": summarise_team_survey(demo["team"]), "pupil_survey": demo["pupil"],
            "exit_survey": summarise_exit_survey(demo["exit"]), "stories": demo["stories"],
            "trajectory_follow": follow_trajectories(demo["trajectories"])}


# --- templates -------------------------------------------------------------------------------

def test_templates_load_with_their_documented_headers():
    team = load_team_survey(EX / "teamvragenlijst.csv")
    assert team["leeromgeving"].isna().sum() == 2 and team["role"].iloc[0] == "ondersteuningscoordinator"
    pupil = load_pupil_survey(EX / "leerlingpeiling.csv")
    assert set(pupil["measure"]) == {"welbevinden", "pedagogisch_klimaat", "gehoord_begrepen"}
    exit_ = load_exit_survey(EX / "exitvragenlijst.csv")
    assert exit_["respondent"].tolist() == ["jongere", "ouder", "jongere", "ouder"]
    stories = load_stories(EX / "verhalen.csv")
    assert stories["element"].tolist() == ["snelle_inzet_hulp", "afstemming_ouders_netwerk"]


# --- malformed inputs ------------------------------------------------------------------------

TEAM_HEADER = "vestigingscode;schooljaar;respondent;rol;snelle_inzet_hulp;samenwerking\n"
EXIT_HEADER = "traject_id;vestigingscode;datum;respondent;tevredenheid;opbrengst;geholpen;reden\n"
STORY_HEADER = "vestigingscode;datum;rol_auteur;element;titel;verhaal\n"
PUPIL_HEADER = "vestigingscode;schooljaar;maat;aantal_respondenten;score;schaal\n"


@pytest.mark.parametrize("loader,text,column,expected", [
    (load_team_survey, TEAM_HEADER + "DM0100;2023-2024;1;mentor;4;3\nDM0100;2023-2024;2;mentor;6;3\n",
     "snelle_inzet_hulp", "Likert"),
    (load_team_survey, TEAM_HEADER + "DM0100;2023-2024;Jan;mentor;4;3\n", "respondent", "never a name"),
    (load_team_survey, TEAM_HEADER + "DM0100;2023-2024;1;conciërge;4;3\n", "rol", "conci"),
    (load_team_survey, TEAM_HEADER + "DM0100;2023-2024;1;mentor;4;3\nDM0100;2023-2024;1;docent;4;3\n",
     None, "respondent"),
    (load_pupil_survey, PUPIL_HEADER + "DM0100;2023-2024;welbevinden;400;11;1-10\n", "score", "scale"),
    (load_pupil_survey, PUPIL_HEADER + "DM0100;2023-2024;geluk;400;7;1-10\n", "maat", "geluk"),
    (load_pupil_survey, PUPIL_HEADER + "DM0100;2023-2024;welbevinden;40,5;7;1-10\n", "aantal_respondenten",
     "whole number"),
    (load_exit_survey, EXIT_HEADER + "T1;DM0100;2024-03-01;jongere;11;4;ja;vertrouwen\n", "tevredenheid", "1-10"),
    (load_exit_survey, EXIT_HEADER + "T1;DM0100;2024-03-01;jongere;8;4;ja;fijne mensen\n", "reden", "fijne"),
    (load_exit_survey, EXIT_HEADER + "T1;DM0100;2024-03-01;oma;8;4;ja;vertrouwen\n", "respondent", "oma"),
    (load_exit_survey, EXIT_HEADER + "T1;DM0100;2024-03-01;jongere;8;4;ja;\nT1;DM0100;2024-03-02;jongere;7;4;ja;\n",
     None, "respondent"),
    (load_stories, STORY_HEADER + "DM0100;2024-02-01;mentor;snelle_inzet_hulp;Titel;Mail j.jansen@school.nl\n",
     "verhaal", "e-mailadres"),
    (load_stories, STORY_HEADER + "DM0100;2024-02-01;mentor;snelle_inzet_hulp;Titel;Leerling 1234567 kwam\n",
     "verhaal", "zes cijfers"),
    (load_stories, STORY_HEADER + "DM0100;2024-02-01;mentor;geluk;Titel;Een verhaal\n", "element", "geluk"),
])
def test_malformed_qualitative_files_are_refused_with_file_row_and_column(tmp_path, loader, text, column, expected):
    f = tmp_path / "bestand.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=expected) as info:
        loader(f)
    message = str(info.value)
    assert "bestand.csv" in message and "row" in message
    if column:
        assert column in message


def test_identifiers_are_found_and_ordinary_text_passes():
    assert identifiers_in("Bel 06-12345678")[0] == "telefoonnummer" and "telefoonnummer" in identifiers_in("072 1234567")
    assert identifiers_in("Woont op 1811 AB") == ["postcode"]
    assert identifiers_in("BSN bekend bij de school") == ["leerlingnummer"]
    assert identifiers_in("Een leerling uit klas 2 kreeg in 2024 binnen 3 weken hulp.") == []


def test_klanttraject_and_jos_involvement_in_second_line_cases(tmp_path):
    f = tmp_path / "trajecten.csv"
    head = "traject_id;leerling_id;vestigingscode;functie;type;startdatum;einddatum;uitstroom;jos_betrokken_tweede_lijn\n"
    f.write_text(head + "T1;1;DM0100;JGC;klanttraject;2023-09-01;2024-01-10;verwezen tweede lijn;ja\n"
                        "T2;2;DM0100;PAJ;Klanttraject;2023-09-01;2024-02-10;op school gebleven;\n", encoding="utf-8")
    tr = load_provider_trajectories(f)
    assert tr["type"].tolist() == ["clienttraject", "clienttraject"] and tr["jos_second_line"].tolist()[0]
    follow = follow_trajectories(tr).iloc[0]
    assert (follow["n_completed"], follow["n_referred_second_line"], follow["n_jos_second_line"]) == (2, 1, 1)
    f.write_text(head + "T1;1;DM0100;JGC;klanttraject;2023-09-01;2024-01-10;op school gebleven;ja\n", encoding="utf-8")
    with pytest.raises(DataError, match="verwezen tweede lijn"):
        load_provider_trajectories(f)


# --- known patterns of the demo --------------------------------------------------------------

def test_team_scores_rise_by_the_true_amount_at_jos_schools_and_stay_flat_where_jos_had_no_effect(demo):
    team = summarise_team_survey(demo["team"])
    team["year"] = team["school_year"].str[:4].astype(int)
    starts = {s.school_id: s.jos_start.year for s in demo_schools() if s.jos_start}
    team["jos_years"] = np.minimum(team["year"] - team["school_id"].map(starts), 3)
    effect = team[~team["school_id"].isin(["DM0500", "DM1000"])]
    slope = np.polyfit(effect["jos_years"], effect["mean_score"], 1, w=effect["n_respondents"])[0]
    flat = team[team["school_id"] == "DM0500"]
    flat_slope = np.polyfit(flat["jos_years"], flat["mean_score"], 1)[0]
    assert slope == pytest.approx(TEAM_RISE, abs=0.08), slope
    assert abs(flat_slope) < 0.12, flat_slope
    assert NO_TEAM_SURVEY not in set(team["school_id"])


def test_pupil_survey_effects_are_recovered(demo):
    p = demo["pupil"]
    starts = {s.school_id: s.jos_start.year for s in demo_schools() if s.jos_start}
    effect_schools = set(starts) - {"DM0500", "DM1000"}
    for measure, (_, _, effect, sd) in PUPIL_MEASURES.items():
        m = p[p["measure"] == measure].copy()
        m["after"] = m["school_year"].str[:4].astype(int) >= m["school_id"].map(starts).fillna(9999)
        m["treated"] = m["school_id"].isin(effect_schools)
        diff = (m[m.treated & m.after]["score"].mean() - m[m.treated & ~m.after]["score"].mean())
        control = m[~m.treated]
        assert diff == pytest.approx(effect, abs=4 * sd), (measure, diff)
        assert control["score"].std() < 3 * sd + 0.05, measure


def test_exit_response_and_satisfaction_match_the_truth(demo):
    exit_, follow = demo["exit"], follow_trajectories(demo["trajectories"])
    starts = {s.school_id: f"{s.jos_start.year}-{s.jos_start.year + 1}" for s in demo_schools() if s.jos_start}
    follow = follow[follow["school_year"] >= follow["school_id"].map(starts).fillna("9999")]
    completed = follow["n_completed"].sum()
    for who, rate in RESPONSE_RATE.items():
        answered = exit_[exit_["respondent"] == who]
        assert len(answered) / completed == pytest.approx(rate, abs=0.05), who
        assert answered["satisfaction"].mean() == pytest.approx(SATISFACTION_MEAN[who], abs=0.15), who
    assert set(exit_["trajectory_id"]) <= set(demo["trajectories"]["trajectory_id"])


# --- privacy of what is shown ----------------------------------------------------------------

def _shown_counts(table: pd.DataFrame) -> list[int]:
    cells = table[[c for c in table.columns if str(c).startswith("Aantal")]].to_numpy().ravel()
    return [int(str(v).replace(".", "")) for v in cells if str(v).replace(".", "").isdigit()]


def _means(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return table[[c for c in table.columns if c.startswith(prefix)]]


def test_a_small_team_never_shows_a_mean(tables):
    small = team_survey_nl(tables, ["DM0200"], RULES)
    assert is_protected(small) and (_means(small, "Gemiddelde") == MARKER).all().all()
    assert (_means(small, "Aantal respondenten") != MARKER).all().all()
    large = team_survey_nl(tables, ["DM0100"], RULES)
    assert (_means(large, "Gemiddelde") != MARKER).all().all()
    assert list(large.columns) == ["Onderdeel", "Aantal respondenten 2023-2024", "Gemiddelde 2023-2024",
                                   "Aantal respondenten 2024-2025", "Gemiddelde 2024-2025"]


def test_a_survey_score_of_fewer_than_ten_respondents_is_hidden(tables):
    school, year, n = FEW_RESPONDENTS
    t = pupil_survey_nl(tables, [school], RULES)
    assert n < 10 and (t[f"Score {year}"] == MARKER).all() and (t[f"Aantal respondenten {year}"] == str(n)).all()
    others = [c for c in t.columns if c.startswith("Score") and c != f"Score {year}"]
    assert others and (t[others] != MARKER).all().all()


@pytest.mark.parametrize("ids", [["DM0200"], ["DM0100"], ["DM0100", "DM0300", "DM0400"]])
def test_exit_and_follow_up_tables_show_no_small_count_and_no_share_of_few(tables, ids):
    for table in (exit_response_nl(tables, ids, RULES), exit_distribution_nl(tables, ids, RULES),
                  trajectory_follow_nl(tables, ids, RULES)):
        assert is_protected(table)
        assert all(v == 0 or v >= RULES.min_count for v in _shown_counts(table))
    dist = exit_distribution_nl(tables, ids, RULES)
    for who in ("Jongeren", "Ouders"):
        totals = dist[dist["Antwoord"] == "Totaal"][f"Aantal {who.lower()}"]
        small_total = [t == MARKER or int(t.replace(".", "")) < 10 for t in totals]
        shares = dist[dist["Antwoord"] == "Totaal"][f"{who} (%)"]
        assert all(s == MARKER for s, small in zip(shares, small_total) if small)
    response = exit_response_nl(tables, ids, RULES)
    few = response["Aantal vragenlijsten"].map(lambda v: v == MARKER or int(v.replace(".", "")) < 10)
    assert (response.loc[few, "Gemiddelde tevredenheid (1-10)"] == MARKER).all()


def test_region_exit_response_matches_the_true_rates(tables):
    starts = {s.school_id: f"{s.jos_start.year}-{s.jos_start.year + 1}" for s in demo_schools() if s.jos_start}
    t = exit_response_nl(tables, list(starts), RULES, starts)
    recent = t[t["Schooljaar"].isin(["2022-2023", "2023-2024", "2024-2025"])]
    for who, rate in (("Jongeren", RESPONSE_RATE["jongere"]), ("Ouders", RESPONSE_RATE["ouder"])):
        shown = recent[recent["Ingevuld door"] == who]["Respons (%)"].astype(float)
        assert ((shown - 100 * rate).abs() < 8).all(), (who, shown.tolist())
