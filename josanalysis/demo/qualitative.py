"""Synthetic qualitative inputs of the demo region, with known patterns (issue 19).

:func:`write_qualitative` writes ``kwalitatief/`` (team questionnaire, pupil survey, exit
questionnaire, stories) and ``truth-kwalitatief.csv``. It draws from its own random stream (a child
of the demo's seed), so adding these files changes none of the other demo files or results.

The patterns built in (``truth-kwalitatief.csv``):

* team questionnaire, JOS schools from their start: the mean score (1-5) of every process item
  starts at :data:`TEAM_BASE` and rises :data:`TEAM_RISE` per JOS year (capped after three
  years), except at the schools whose true absence effect is zero (DM0500, DM1000), where it stays
  flat; :data:`NO_TEAM_SURVEY` returns none; large schools (over 1000 pupils) have :data:`TEAM_LARGE` respondents, the others
  :data:`TEAM_SMALL` (fewer than ten, so their means are suppressed);
* pupil survey, every school and year 2018-2019 on: each measure rises by its JOS effect
  (:data:`PUPIL_MEASURES`) from the start (not at the zero-effect schools); DM0400 has
  :data:`FEW_RESPONDENTS` respondents in 2023-2024 (suppressed);
* exit questionnaire, completed cliënt- and monitortrajecten of JOS schools after the start: the
  young person answers with probability :data:`RESPONSE_RATE` ``["jongere"]``, the parents with
  ``["ouder"]``; the satisfaction grade is normal around :data:`SATISFACTION_MEAN`;
* stories: three per JOS school, on fixed elements.

Examples
--------
>>> from josanalysis.demo.qualitative import write_qualitative
>>> write_qualitative(demo_schools(), Path("/tmp/demo"), seed=20220801)   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from josanalysis.core.framework import TEAM_SURVEY_ELEMENTS

__all__ = ["write_qualitative", "NO_TEAM_SURVEY", "TEAM_BASE", "TEAM_RISE", "TEAM_LARGE", "TEAM_SMALL", "PUPIL_MEASURES",
           "FEW_RESPONDENTS", "RESPONSE_RATE", "SATISFACTION_MEAN", "GAIN_PROBABILITIES", "QUALITATIVE_STREAM"]

#: The child stream of the demo seed these files are drawn from.
QUALITATIVE_STREAM = 19
TEAM_BASE, TEAM_RISE, TEAM_LARGE, TEAM_SMALL = 3.2, 0.25, 14, 7
#: measure -> (scale, level before JOS, JOS effect, sd of the yearly noise)
PUPIL_MEASURES: dict[str, tuple[str, float, float, float]] = {
    "welbevinden": ("1-10", 7.0, 0.2, 0.08),
    "pedagogisch_klimaat": ("1-5", 3.6, 0.15, 0.05),
    "gehoord_begrepen": ("0-100", 62.0, 5.0, 1.0),
}
FEW_RESPONDENTS = ("DM0400", "2023-2024", 8)
RESPONSE_RATE = {"jongere": 0.5, "ouder": 0.35}
SATISFACTION_MEAN = {"jongere": 7.8, "ouder": 7.3}
#: Probabilities of ervaren opbrengst 1..5 per respondent.
GAIN_PROBABILITIES = {"jongere": (0.05, 0.10, 0.25, 0.40, 0.20), "ouder": (0.08, 0.15, 0.30, 0.32, 0.15)}
_REASONS_HELPED = ("vertrouwen", "snel_geholpen", "dichtbij_op_school", "praktische_tips", "samen_met_ouders")
_REASONS_NOT = ("te_kort", "hulp_paste_niet", "wachttijd", "geen_klik", "probleem_te_groot")
_ZERO_EFFECT = {"DM0500", "DM1000"}
#: A JOS school that returns no team questionnaire (its process elements have no team evidence).
NO_TEAM_SURVEY = "DM1000"
_FIRST_SURVEY_YEAR, _LAST_YEAR = 2018, 2024
_END_OF_DATA = pd.Timestamp("2025-07-31")
_ROLES = ("ondersteuningscoordinator", "gedragswetenschapper", "jeugd_en_gezinscoach", "mentor", "docent",
          "schoolleiding")
_STORIES = (
    ("snelle_inzet_hulp", "jeugd_en_gezinscoach", "Binnen een week een gesprek",
     "Een leerling uit de onderbouw meldde zich bij de mentor met slaapproblemen. Dezelfde week was er een "
     "gesprek met de jeugd- en gezinscoach op school; vroeger was dat een verwijzing met wachttijd."),
    ("afstemming_ouders_netwerk", "ondersteuningscoordinator", "Ouders aan tafel op school",
     "Bij een leerling met oplopend verzuim kwamen ouders, mentor en coach samen op school. Ouders gaven aan "
     "dat ze zich voor het eerst gehoord voelden; het verzuim nam daarna af."),
    ("minder_verwijzingen", "gedragswetenschapper", "Verwijzing juist sneller",
     "Een leerling met meervoudige problemen is binnen drie weken doorverwezen naar de tweede lijn. Dat telt "
     "als verwijzing, maar was hier de goede uitkomst: zonder JOS was dat maanden later gebeurd."),
)


class _School(Protocol):
    school_id: str
    jos_start: dt.date | None
    pupils_2016: int
    pupil_trend: float


def _pupils(school: _School, year: int) -> int:
    return int(round(school.pupils_2016 * (1 + school.pupil_trend) ** (year - 2016)))


def _year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def _team_mean(school: _School, year: int) -> float:
    """The true mean item score of a school's team in the school year starting in ``year``."""
    assert school.jos_start is not None
    jos_years = min(year - school.jos_start.year, 3)
    return TEAM_BASE + (0.0 if school.school_id in _ZERO_EFFECT else TEAM_RISE * jos_years)


def _team_survey(schools: Sequence[_School], rng: np.random.Generator, truth: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for school in schools:
        if school.jos_start is None or school.school_id == NO_TEAM_SURVEY:
            continue
        size = TEAM_LARGE if _pupils(school, 2022) > 1000 else TEAM_SMALL
        for year in range(school.jos_start.year, _LAST_YEAR + 1):
            mu = _team_mean(school, year)
            truth.append({"source": "teamvragenlijst", "school_id": school.school_id, "school_year": _year_label(year),
                          "parameter": "mean_score", "value": mu, "note": f"true mean item score; {size} respondents"})
            for r in range(1, size + 1):
                scores = np.clip(np.rint(rng.normal(mu, 0.8, len(TEAM_SURVEY_ELEMENTS))), 1, 5)
                answered = rng.random(len(scores)) > 0.05
                row = {"vestigingscode": school.school_id, "schooljaar": _year_label(year), "respondent": r,
                       "rol": _ROLES[(r - 1) % len(_ROLES)]}
                row.update({k: (str(int(v)) if a else "") for k, v, a in zip(TEAM_SURVEY_ELEMENTS, scores, answered)})
                rows.append(row)
    return pd.DataFrame(rows)


def _pupil_survey(schools: Sequence[_School], rng: np.random.Generator, truth: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for school in schools:
        effect_on = school.jos_start is not None and school.school_id not in _ZERO_EFFECT
        for year in range(_FIRST_SURVEY_YEAR, _LAST_YEAR + 1):
            after = effect_on and year >= school.jos_start.year  # type: ignore[union-attr]
            n = int(rng.binomial(_pupils(school, year), 0.7))
            if (school.school_id, _year_label(year)) == FEW_RESPONDENTS[:2]:
                n = FEW_RESPONDENTS[2]
            for measure, (scale, level, effect, sd) in PUPIL_MEASURES.items():
                mu = level + (effect if after else 0.0)
                score = mu + rng.normal(0, sd)
                rows.append({"vestigingscode": school.school_id, "schooljaar": _year_label(year), "maat": measure,
                             "aantal_respondenten": n, "score": f"{score:.1f}".replace(".", ","), "schaal": scale,
                             "bron": "Demomonitor"})
            if effect_on:
                for measure, (_, _, effect, _) in PUPIL_MEASURES.items():
                    truth.append({"source": "leerlingpeiling", "school_id": school.school_id,
                                  "school_year": _year_label(year), "parameter": f"effect_{measure}",
                                  "value": effect if after else 0.0, "note": "true JOS effect on the survey score"})
    return pd.DataFrame(rows)


def _exit_survey(schools: Sequence[_School], trajectories: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    starts = {s.school_id: pd.Timestamp(s.jos_start) for s in schools if s.jos_start is not None}
    t = trajectories[trajectories["type"].isin(["cliënttraject", "monitortraject"])
                     & trajectories["einddatum"].notna() & trajectories["vestigingscode"].isin(list(starts))].copy()
    t["einddatum"] = pd.to_datetime(t["einddatum"])
    t = t[t["einddatum"] >= t["vestigingscode"].map(starts)]
    rows = []
    for tr in t.itertuples(index=False):
        for who in ("jongere", "ouder"):
            if rng.random() >= RESPONSE_RATE[who]:
                continue
            gain = int(rng.choice(5, p=GAIN_PROBABILITIES[who])) + 1
            helped = "ja" if gain >= 4 else ("deels" if gain == 3 else "nee")
            pool = _REASONS_HELPED if helped != "nee" else _REASONS_NOT
            rows.append({"traject_id": tr.traject_id, "vestigingscode": tr.vestigingscode,
                         "datum": min(tr.einddatum + pd.Timedelta(days=int(rng.integers(0, 10))),
                                      _END_OF_DATA).strftime("%Y-%m-%d"),
                         "respondent": who,
                         "tevredenheid": int(np.clip(np.rint(rng.normal(SATISFACTION_MEAN[who], 1.0)), 1, 10)),
                         "opbrengst": gain, "geholpen": helped, "reden": pool[int(rng.integers(len(pool)))]})
    return pd.DataFrame(rows)


def _stories(schools: Sequence[_School]) -> pd.DataFrame:
    rows = []
    for school in schools:
        if school.jos_start is None:
            continue
        for i, (element, role, title, text) in enumerate(_STORIES):
            date = dt.date(min(school.jos_start.year + 1 + i // 2, 2025), 2 + 3 * i, 10)
            rows.append({"vestigingscode": school.school_id, "datum": date.isoformat(), "rol_auteur": role,
                         "element": element, "titel": title, "verhaal": text})
    return pd.DataFrame(rows)


def write_qualitative(schools: Sequence[_School], out: Path, *, seed: int) -> Path:
    """Write ``out/kwalitatief/*.csv`` and ``out/truth-kwalitatief.csv`` for ``schools``.

    Reads the provider registration written before (``out/aanbieder/trajecten.csv``) so that every
    exit questionnaire belongs to a completed trajectory. Returns the folder written.
    """
    rng = np.random.default_rng([seed, QUALITATIVE_STREAM])
    folder = out / "kwalitatief"
    folder.mkdir(parents=True, exist_ok=True)
    truth: list[dict[str, Any]] = []
    trajectories = pd.read_csv(out / "aanbieder" / "trajecten.csv", sep=";", dtype=str)
    _team_survey(schools, rng, truth).to_csv(folder / "teamvragenlijst.csv", sep=";", index=False)
    _pupil_survey(schools, rng, truth).to_csv(folder / "leerlingpeiling.csv", sep=";", index=False)
    _exit_survey(schools, trajectories, rng).to_csv(folder / "exitvragenlijst.csv", sep=";", index=False)
    _stories(schools).to_csv(folder / "verhalen.csv", sep=";", index=False)
    for who in ("jongere", "ouder"):
        truth.append({"source": "exitvragenlijst", "school_id": "", "school_year": "", "parameter":
                      f"response_rate_{who}", "value": RESPONSE_RATE[who], "note": "true response probability"})
        truth.append({"source": "exitvragenlijst", "school_id": "", "school_year": "", "parameter":
                      f"satisfaction_mean_{who}", "value": SATISFACTION_MEAN[who],
                      "note": "mean of the latent grade (rounded and clipped to 1-10)"})
    pd.DataFrame(truth).to_csv(out / "truth-kwalitatief.csv", index=False)
    (folder / "README.md").write_text(
        "# SYNTHETISCHE DEMODATA — geen echte cijfers\n\nSynthetic qualitative inputs (issue 19), written by "
        "`josanalysis.demo.qualitative.write_qualitative` from the demo seed's own stream; the patterns built "
        "in are in `../truth-kwalitatief.csv`. Formats: `docs/qualitative.md`.\n", encoding="utf-8")
    return folder
