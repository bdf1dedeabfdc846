"""The qualitative measures as shareable Dutch tables: team questionnaire, pupil survey, exit
questionnaire, and the JOS trajectories followed to their outcome (issue 19).

Every function takes the panel's aggregated tables (:attr:`josanalysis.panel.Panel.tables`),
the schools to show (one school for a school report, the JOS schools pooled for the region) and
the region's privacy rules, and returns a table that passed :func:`josanalysis.privacy.apply_privacy`
and is formatted as Dutch text — or ``None`` when the input was not supplied.

The privacy rules of the qualitative measures: numbers of respondents below the region's
``min_count`` are hidden like any count of pupils, and a **mean, share or response rate of fewer
than** :data:`MIN_RESPONDENTS` **respondents is never shown** (the marker ``•`` instead). There is
no free text beside the stories, which the loader checked for identifiers.

Examples
--------
>>> from josanalysis.panel import load_panel
>>> from josanalysis.core.config import load_region
>>> panel = load_panel("demoregio")                                               # doctest: +SKIP
>>> team_survey_nl(panel.tables, ["DM0100"], load_region("demoregio").privacy)    # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from josanalysis.core.config import PrivacyRules
from josanalysis.core.framework import FRAMEWORK_BY_KEY, PUPIL_SURVEY_MEASURES, TEAM_SURVEY_ELEMENTS
from josanalysis.privacy import apply_privacy, concat_protected, drop_protected, format_for_report
from josanalysis.sources.exitsurvey import REASONS

__all__ = ["MIN_RESPONDENTS", "survey_rules", "team_survey_nl", "pupil_survey_nl", "exit_response_nl",
           "exit_distribution_nl", "trajectory_follow_nl", "stories_of", "rows_of", "Story", "EXIT_QUESTIONS_NL"]

#: Means, shares and response rates of fewer respondents than this are not shown.
MIN_RESPONDENTS = 10
#: Questions of the exit questionnaire shown as distributions (summary key -> Dutch).
EXIT_QUESTIONS_NL: dict[str, str] = {"satisfaction": "Tevredenheid (cijfer)", "gain": "Ervaren opbrengst",
                                     "helped": "Heeft het geholpen?", "reason": "Waarom (wel/niet) geholpen"}
_RESPONDENT_NL = {"jongere": "Jongeren", "ouder": "Ouders"}
_ANSWER_ORDER = {"gain": ["niets", "weinig", "iets", "veel", "heel veel"], "helped": ["ja", "deels", "nee"]}
Tables = Mapping[str, pd.DataFrame]


@dataclasses.dataclass(frozen=True)
class Story:
    """A story or practice example as a report shows it (text checked for identifiers on load)."""

    school_id: str
    date: str
    author_role: str
    element: str
    title: str
    text: str


def survey_rules(rules: PrivacyRules) -> PrivacyRules:
    """The region's rules with the respondent threshold for means: at least :data:`MIN_RESPONDENTS`."""
    return dataclasses.replace(rules, min_denominator=max(MIN_RESPONDENTS, rules.min_denominator))


def rows_of(tables: Tables, name: str, school_ids: Sequence[str]) -> pd.DataFrame | None:
    """The rows of table ``name`` for these schools; None when it has none (or does not exist)."""
    t = tables.get(name)
    if t is None or not len(t):
        return None
    t = t[t["school_id"].isin(list(school_ids))]
    return t if len(t) else None


def _last_years(t: pd.DataFrame, last_years: int | None) -> pd.DataFrame:
    """Only the latest ``last_years`` school years (all when None)."""
    if last_years is None:
        return t
    return t[t["school_year"].isin(sorted(set(t["school_year"]))[-last_years:])]


def _wide_by_year(long: pd.DataFrame, rows: list[str], value: str, value_nl: str,
                  rules: PrivacyRules) -> pd.DataFrame:
    """One row per ``rows`` key, per school year the respondents and the value (``value_nl`` and
    the year as header); a value of fewer than :data:`MIN_RESPONDENTS` respondents is hidden."""
    years = sorted(set(long["school_year"]))
    frame = long[rows].drop_duplicates().reset_index(drop=True)
    rates = {}
    for year in years:
        part = long[long["school_year"] == year].set_index(rows)
        keys = pd.MultiIndex.from_frame(frame[rows]) if len(rows) > 1 else frame[rows[0]]
        n = part["n_respondents"].reindex(keys).fillna(0).astype("int64").to_numpy()
        frame[f"Aantal respondenten {year}"] = n
        frame[f"{value_nl} {year}"] = part[value].reindex(keys).to_numpy(dtype="float64")
        rates[f"{value_nl} {year}"] = f"Aantal respondenten {year}"
    protected = apply_privacy(frame, survey_rules(rules), count_columns=list(rates.values()), secondary=False,
                              rate_columns=rates, total_row=None, total_column=None)
    return format_for_report(protected, decimals=1)


def team_survey_nl(tables: Tables, school_ids: Sequence[str], rules: PrivacyRules,
                   last_years: int | None = 2) -> pd.DataFrame | None:
    """The team questionnaire per process element (schools pooled), the latest ``last_years``
    school years side by side.

    Columns: ``Onderdeel``, then per school year ``Aantal respondenten <jaar>`` and ``Gemiddelde
    <jaar>`` (1-5); a mean of fewer than :data:`MIN_RESPONDENTS` respondents is hidden.
    """
    t = rows_of(tables, "team_survey", school_ids)
    if t is None:
        return None
    t = _last_years(t, last_years)
    t = t.assign(sum_score=t["mean_score"] * t["n_respondents"])
    g = t.groupby(["element", "school_year"], sort=False)[["n_respondents", "sum_score"]].sum().reset_index()
    g["mean"] = g["sum_score"] / g["n_respondents"]
    g["order"] = g["element"].map({k: i for i, k in enumerate(TEAM_SURVEY_ELEMENTS)})
    g = g.sort_values(["order", "school_year"]).reset_index(drop=True)
    g["Onderdeel"] = g["element"].map(lambda k: FRAMEWORK_BY_KEY[k].label)
    return _wide_by_year(g, ["Onderdeel"], "mean", "Gemiddelde", rules)


def pupil_survey_nl(tables: Tables, school_ids: Sequence[str], rules: PrivacyRules,
                    last_years: int | None = 3) -> pd.DataFrame | None:
    """The pupil survey per measure, the latest ``last_years`` school years side by side; several
    schools are pooled per scale, weighted by their respondents.

    Columns: ``Maat``, ``Schaal``, then per school year ``Aantal respondenten <jaar>`` and
    ``Score <jaar>``; a score of fewer than :data:`MIN_RESPONDENTS` respondents is hidden."""
    t = rows_of(tables, "pupil_survey", school_ids)
    if t is None:
        return None
    t = _last_years(t, last_years)
    t = t.assign(weighted=t["score"] * t["n_respondents"])
    g = t.groupby(["measure", "scale", "school_year"], sort=False)[["n_respondents", "weighted"]].sum().reset_index()
    g["score"] = (g["weighted"] / g["n_respondents"].where(g["n_respondents"] > 0)).astype("float64")
    g["order"] = g["measure"].map({k: i for i, k in enumerate(PUPIL_SURVEY_MEASURES)})
    g = g.sort_values(["order", "scale", "school_year"]).reset_index(drop=True)
    g["Maat"] = g["measure"].map(lambda k: PUPIL_SURVEY_MEASURES[k][0])
    g["Schaal"] = g["scale"]
    return _wide_by_year(g, ["Maat", "Schaal"], "score", "Score", rules)


def _completed(tables: Tables, school_ids: Sequence[str], first_years: Mapping[str, str] | None) -> pd.Series:
    """Completed trajecten (cliënt- and monitortrajecten) per school year, from each school's first
    JOS school year on when ``first_years`` is given (the exit questionnaire belongs to JOS)."""
    f = rows_of(tables, "trajectory_follow", school_ids)
    if f is None:
        return pd.Series(dtype="int64")
    if first_years is not None:
        f = f[f["school_year"] >= f["school_id"].map(dict(first_years)).fillna("9999")]
    return f.groupby("school_year")["n_completed"].sum()


def exit_response_nl(tables: Tables, school_ids: Sequence[str], rules: PrivacyRules,
                     first_years: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    """The exit questionnaire per school year and respondent: response, mean grade and gain.

    Columns: ``Schooljaar``, ``Ingevuld door``, ``Aantal afgeronde trajecten``, ``Aantal
    vragenlijsten``, ``Respons (%)``, ``Gemiddelde tevredenheid (1-10)``, ``Gemiddelde ervaren
    opbrengst (1-5)``. A response rate of fewer than :data:`MIN_RESPONDENTS` completed trajecten
    and means of fewer than :data:`MIN_RESPONDENTS` answers are hidden. ``first_years`` (school ->
    first JOS school year, ``"2022-2023"``) limits the completed trajecten to JOS years.
    """
    e = rows_of(tables, "exit_survey", school_ids)
    if e is None:
        return None
    p = e.groupby(["school_year", "respondent", "question"])["n"].sum().unstack("question").fillna(0)
    answered = e[e["question"].isin(["satisfaction", "gain"])].groupby(
        ["school_year", "respondent", "question"])["n"].sum().unstack("question").reindex(p.index).fillna(0)
    p = p.reset_index()
    completed = _completed(tables, school_ids, first_years)
    frame = pd.DataFrame({
        "Schooljaar": p["school_year"], "Ingevuld door": p["respondent"].map(_RESPONDENT_NL),
        "Aantal afgeronde trajecten": p["school_year"].map(completed).fillna(0).astype("int64"),
        "Aantal vragenlijsten": p["responses"].astype("int64"),
        "Aantal antwoorden tevredenheid": answered.get("satisfaction", 0).to_numpy().astype("int64"),
        "Aantal antwoorden opbrengst": answered.get("gain", 0).to_numpy().astype("int64"),
    })
    frame["Respons (%)"] = 100 * frame["Aantal vragenlijsten"] / frame["Aantal afgeronde trajecten"].where(
        frame["Aantal afgeronde trajecten"] > 0)
    frame["Gemiddelde tevredenheid (1-10)"] = (p.get("satisfaction_sum", 0) / frame["Aantal antwoorden tevredenheid"]
                                               .where(frame["Aantal antwoorden tevredenheid"] > 0)).astype("float64")
    frame["Gemiddelde ervaren opbrengst (1-5)"] = (p.get("gain_sum", 0) / frame["Aantal antwoorden opbrengst"]
                                                   .where(frame["Aantal antwoorden opbrengst"] > 0)).astype("float64")
    counts = ["Aantal afgeronde trajecten", "Aantal vragenlijsten", "Aantal antwoorden tevredenheid",
              "Aantal antwoorden opbrengst"]
    protected = apply_privacy(
        frame, survey_rules(rules), count_columns=counts, secondary=False, total_row=None, total_column=None,
        rate_columns={"Respons (%)": "Aantal afgeronde trajecten",
                      "Gemiddelde tevredenheid (1-10)": "Aantal antwoorden tevredenheid",
                      "Gemiddelde ervaren opbrengst (1-5)": "Aantal antwoorden opbrengst"},
        numerators={"Respons (%)": "Aantal vragenlijsten"})
    protected = drop_protected(protected, ["Aantal antwoorden tevredenheid", "Aantal antwoorden opbrengst"])
    return format_for_report(protected, decimals=1, column_decimals={"Respons (%)": 0})


def _answers(e: pd.DataFrame, question: str) -> list[str]:
    present = sorted(set(e.loc[e["question"] == question, "answer"]))
    order = _ANSWER_ORDER.get(question, present)
    return [a for a in order if a in present] + [a for a in present if a not in order]


def exit_distribution_nl(tables: Tables, school_ids: Sequence[str], rules: PrivacyRules,
                         reason_labels: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    """The answers of the exit questionnaire over all school years, young people beside parents.

    One block per question (tevredenheid, ervaren opbrengst, geholpen, reden) with a ``Totaal``
    row; counts below the region's ``min_count`` are hidden with secondary suppression inside the
    block, and shares of fewer than :data:`MIN_RESPONDENTS` answers are hidden. Reasons are shown
    in Dutch words (``reason_labels``, default :data:`josanalysis.sources.exitsurvey.REASONS`).
    """
    e = rows_of(tables, "exit_survey", school_ids)
    if e is None:
        return None
    labels = dict(REASONS if reason_labels is None else reason_labels)
    blocks = []
    for question, title in EXIT_QUESTIONS_NL.items():
        answers = _answers(e, question)
        if not answers:
            continue
        sub = e[e["question"] == question].groupby(["answer", "respondent"])["n"].sum().unstack("respondent")
        sub = sub.reindex(index=answers, columns=list(_RESPONDENT_NL)).fillna(0).astype("int64")
        sub.loc["Totaal"] = sub.sum()
        frame = pd.DataFrame({"Vraag": title, "Antwoord": [labels.get(a, a) for a in sub.index]})
        for who, name in _RESPONDENT_NL.items():
            frame[f"Aantal {name.lower()}"] = sub[who].to_numpy()
            frame[f"{name} (%)"] = 100 * sub[who].to_numpy() / max(int(sub.loc["Totaal", who]), 1)
            frame[f"totaal {name}"] = int(sub.loc["Totaal", who])
        counts = [f"Aantal {n.lower()}" for n in _RESPONDENT_NL.values()]
        block = apply_privacy(
            frame, survey_rules(rules), count_columns=counts, totals="columns", total_row=len(frame) - 1,
            total_column=None, rate_columns={f"{n} (%)": f"totaal {n}" for n in _RESPONDENT_NL.values()},
            numerators={f"{n} (%)": f"Aantal {n.lower()}" for n in _RESPONDENT_NL.values()})
        blocks.append(drop_protected(block, [f"totaal {n}" for n in _RESPONDENT_NL.values()]))
    if not blocks:
        return None
    return format_for_report(concat_protected(blocks), decimals=0)


def trajectory_follow_nl(tables: Tables, school_ids: Sequence[str], rules: PrivacyRules,
                         first_years: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    """Completed JOS trajecten per school year (of their end) followed to their outcome.

    Columns: afgeronde trajecten, op school gebleven, uitgevallen, verwezen naar de tweede lijn,
    uitstroom onbekend, of the referrals those with JOS involvement registered and with JOS
    involved, monitortrajecten with a known terugval answer and those that relapsed. Counts pass
    :func:`~josanalysis.privacy.apply_privacy` with secondary suppression. ``first_years`` (school
    -> first JOS school year) keeps only the school years with JOS.
    """
    f = rows_of(tables, "trajectory_follow", school_ids)
    if f is not None and first_years is not None:
        f = f[f["school_year"] >= f["school_id"].map(dict(first_years)).fillna("9999")]
    if f is None or not len(f):
        return None
    g = f.groupby("school_year", sort=True)[[c for c in f.columns if c.startswith("n_")]].sum().reset_index()
    frame = pd.DataFrame({
        "Schooljaar": g["school_year"], "Aantal afgeronde trajecten": g["n_completed"],
        "Aantal op school gebleven": g["n_stayed"], "Aantal uitgevallen": g["n_dropped_out"],
        "Aantal verwezen tweede lijn": g["n_referred_second_line"], "Aantal uitstroom onbekend": g["n_outflow_unknown"],
        "Aantal met JOS-betrokkenheid geregistreerd": g["n_jos_second_line_known"],
        "Aantal waarvan JOS betrokken": g["n_jos_second_line"],
        "Aantal monitortrajecten met terugvalmeting": g["n_relapse_known"], "Aantal met terugval": g["n_relapse"],
    })
    counts = [c for c in frame.columns if c != "Schooljaar"]
    # conservative: every row and column sum counts as known, so no hidden cell can be recomputed
    return format_for_report(apply_privacy(frame, rules, count_columns=counts, total_row=None, total_column=None),
                             decimals=0)


def stories_of(tables: Tables, school_ids: Sequence[str], element: str | None = None) -> list[Story]:
    """The stories of these schools (of one element when given), newest first."""
    s = rows_of(tables, "stories", school_ids)
    if s is None:
        return []
    if element is not None:
        s = s[s["element"] == element]
    s = s.sort_values("date", ascending=False)
    return [Story(str(r.school_id), str(r.date), str(r.author_role), str(r.element), str(r.title), str(r.text))
            for r in s.itertuples(index=False)]
