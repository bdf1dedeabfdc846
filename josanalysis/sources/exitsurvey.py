"""The exit questionnaire per completed JOS trajectory: ``kwalitatief/exitvragenlijst*.csv``.

When a trajectory ends, the young person and the parents each fill in a short questionnaire
(Oberon, §2.6: "Wat heeft het voor de jongere en voor ouders opgeleverd? Waarom heeft een traject
wel of niet geholpen? Welke tevredenheidscijfers worden gegeven?"). One row per filled-in
questionnaire, linked to the provider's trajectory number; the *why* is a coded reason
(:data:`REASONS`), never free text, so that nothing identifying can slip in.

:func:`summarise_exit_survey` turns the rows into distributions per school, school year and
respondent (young person, parent); pupil-level rows never leave :mod:`josanalysis.sources`.

Examples
--------
>>> from josanalysis.sources.exitsurvey import load_exit_survey, summarise_exit_survey
>>> exit_ = load_exit_survey("data/demo/kwalitatief/exitvragenlijst.csv")   # doctest: +SKIP
>>> summarise_exit_survey(exit_).head()                                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.schoolcalendar import school_years_of
from josanalysis.sources.reading.codes import map_values
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_number
from josanalysis.sources.reading.schema import finish, raise_bad_rows, validate
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import normalise_name

__all__ = ["load_exit_survey", "summarise_exit_survey", "RESPONDENTS", "HELPED", "REASONS", "GAIN_NL",
           "SATISFACTION_GROUPS", "EXIT_COLUMNS", "EXIT_SUMMARY_COLUMNS"]

#: Who filled in the questionnaire: accepted spelling -> canonical.
RESPONDENTS: dict[str, str] = {"jongere": "jongere", "jeugdige": "jongere", "leerling": "jongere",
                               "ouder": "ouder", "ouders": "ouder", "verzorger": "ouder",
                               "ouder_verzorger": "ouder"}
#: Did the trajectory help: canonical answers.
HELPED: dict[str, str] = {"ja": "ja", "deels": "deels", "een_beetje": "deels", "nee": "nee"}
#: Coded reasons why a trajectory helped or did not (code -> Dutch text for reports).
REASONS: dict[str, str] = {
    "vertrouwen": "vertrouwensband met de hulpverlener",
    "snel_geholpen": "snel geholpen, geen wachttijd",
    "dichtbij_op_school": "hulp dichtbij, op school",
    "praktische_tips": "praktische handvatten",
    "samen_met_ouders": "ouders en school werkten samen",
    "te_kort": "traject te kort",
    "hulp_paste_niet": "hulp paste niet bij de vraag",
    "wachttijd": "te lang wachten",
    "geen_klik": "geen klik met de hulpverlener",
    "probleem_te_groot": "probleem vroeg zwaardere hulp",
    "anders": "andere reden",
}
#: Ervaren opbrengst (what the trajectory brought), 1-5, in Dutch.
GAIN_NL: dict[int, str] = {1: "niets", 2: "weinig", 3: "iets", 4: "veel", 5: "heel veel"}
#: Groups of the satisfaction score (1-10) shown in distributions: label -> (lowest, highest).
SATISFACTION_GROUPS: dict[str, tuple[int, int]] = {"1-5 (onvoldoende)": (1, 5), "6-7": (6, 7), "8-10": (8, 10)}

EXIT_COLUMNS = ["trajectory_id", "school_id", "date", "respondent", "satisfaction", "gain", "helped", "reason"]
EXIT_SUMMARY_COLUMNS = ["school_id", "school_year", "respondent", "question", "answer", "n"]


def load_exit_survey(path: str | Path, *, school_ids: Iterable[str] | None = None,
                     today: dt.date | None = None) -> pd.DataFrame:
    """Read the exit questionnaires (one row per filled-in questionnaire).

    Layout (``;`` or ``,``)::

        traject_id;vestigingscode;datum;respondent;tevredenheid;opbrengst;geholpen;reden
        T000123;DM0100;2024-03-14;jongere;8;4;ja;vertrouwen
        T000123;DM0100;2024-03-15;ouder;7;3;deels;te_kort

    ``respondent`` is ``jongere`` or ``ouder``; ``tevredenheid`` a grade 1-10; ``opbrengst`` the
    ervaren opbrengst 1-5 (1 niets … 5 heel veel); ``geholpen`` ``ja``/``deels``/``nee``;
    ``reden`` a code of :data:`REASONS`. Empty cells are unanswered questions.

    Returns
    -------
    pandas.DataFrame
        ``trajectory_id, school_id, date, respondent, satisfaction, gain, helped, reason``.

    Raises
    ------
    DataError
        A grade outside 1-10, a gain outside 1-5, an unknown respondent/answer/reason code, a
        future date, the same respondent twice for one trajectory (file, rows and column named).

    Examples
    --------
    >>> load_exit_survey("data/examples/exitvragenlijst.csv").columns.tolist()   # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("trajectory_id", "traject_id", "trajectnummer", "traject"),
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("date", "datum", "date"),
        spec("respondent", "respondent", "ingevuld_door"),
        spec("satisfaction", "tevredenheid", "cijfer", required=False),
        spec("gain", "opbrengst", "ervaren_opbrengst", required=False),
        spec("helped", "geholpen", required=False), spec("reason", "reden", "reden_code", required=False),
    ], what="exit questionnaire (exitvragenlijst)", school_ids=school_ids, period="date", today=today)
    table, df, out = st.table, st.cells, st.rows
    tid = df["trajectory_id"].astype(str).str.strip()
    raise_bad_rows(table, (tid == "").to_numpy(dtype=bool), df["_row"], "trajectory_id", tid,
                   "a traject number (expected the aanbieder's traject_id in every row)")
    out["trajectory_id"] = tid
    out["respondent"] = map_values(table, df, "respondent", RESPONDENTS)
    for col in ("satisfaction", "gain"):
        out[col] = parse_number(table, df, col, allow_suppressed=False)[0] if col in df else float("nan")
    out["helped"] = map_values(table, df, "helped", HELPED, required=False) if "helped" in df else pd.NA
    reasons = {normalise_name(k): k for k in REASONS}
    out["reason"] = map_values(table, df, "reason", reasons, required=False) if "reason" in df else pd.NA
    schema = pa.DataFrameSchema({
        "satisfaction": pa.Column(float, pa.Check.isin([float(i) for i in range(1, 11)],
                                                       error="a grade 1-10 (whole number)"), nullable=True),
        "gain": pa.Column(float, pa.Check.isin([1.0, 2.0, 3.0, 4.0, 5.0], error="an ervaren opbrengst 1-5"),
                          nullable=True),
    }, unique=["trajectory_id", "respondent"])
    validate(out, schema, table)
    out["helped"] = out["helped"].astype("string")
    out["reason"] = out["reason"].astype("string")
    return finish(out, EXIT_COLUMNS)


def _satisfaction_group(grade: float) -> str | None:
    for label, (low, high) in SATISFACTION_GROUPS.items():
        if low <= grade <= high:
            return label
    return None


def summarise_exit_survey(df: pd.DataFrame) -> pd.DataFrame:
    """Distributions of the exit questionnaire per school, school year (of the date) and respondent.

    Returns one row per ``school_id, school_year, respondent, question, answer`` with ``n``
    questionnaires. ``question`` is ``responses`` (answer ``totaal``: all questionnaires),
    ``satisfaction`` (answer: a group of :data:`SATISFACTION_GROUPS`), ``gain`` (answer: the
    Dutch word of :data:`GAIN_NL`), ``helped`` (``ja``/``deels``/``nee``) or ``reason`` (a code
    of :data:`REASONS`). The sums of the grades and gains are rows ``satisfaction_sum`` and
    ``gain_sum`` (answer ``som``), so that a mean over several years or schools is exact.

    Examples
    --------
    >>> d = pd.DataFrame({"trajectory_id": ["T1", "T1"], "school_id": ["A", "A"],
    ...                   "date": pd.to_datetime(["2024-03-01"] * 2), "respondent": ["jongere", "ouder"],
    ...                   "satisfaction": [8.0, 6.0], "gain": [4.0, 3.0], "helped": ["ja", "deels"],
    ...                   "reason": ["vertrouwen", "te_kort"]})
    >>> s = summarise_exit_survey(d)
    >>> s[(s.respondent == "jongere") & (s.question == "satisfaction")][["answer", "n"]].values.tolist()
    [['8-10', 1]]
    """
    d = df.copy()
    d["school_year"] = school_years_of(d["date"])
    d["satisfaction_group"] = d["satisfaction"].map(lambda v: _satisfaction_group(v) if pd.notna(v) else None)
    d["gain_word"] = d["gain"].map(lambda v: GAIN_NL.get(int(v)) if pd.notna(v) else None)
    keys = ["school_id", "school_year", "respondent"]
    parts = [d.groupby(keys).size().rename("n").reset_index().assign(question="responses", answer="totaal")]
    for question, column in (("satisfaction", "satisfaction_group"), ("gain", "gain_word"),
                             ("helped", "helped"), ("reason", "reason")):
        sub = d.dropna(subset=[column])
        if len(sub):
            parts.append(sub.groupby(keys + [column]).size().rename("n").reset_index()
                         .rename(columns={column: "answer"}).assign(question=question))
    for question, column in (("satisfaction_sum", "satisfaction"), ("gain_sum", "gain")):
        sub = d.dropna(subset=[column])
        if len(sub):
            parts.append(sub.groupby(keys)[column].sum().rename("n").reset_index()
                         .assign(question=question, answer="som"))
    out = pd.concat(parts, ignore_index=True)
    out["answer"] = out["answer"].astype(str)
    out["n"] = out["n"].astype("float64")
    return out[EXIT_SUMMARY_COLUMNS].sort_values(EXIT_SUMMARY_COLUMNS[:5]).reset_index(drop=True)
