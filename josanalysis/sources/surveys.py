"""Two structured qualitative inputs: the yearly team questionnaire and the aggregated pupil survey.

* ``kwalitatief/teamvragenlijst*.csv`` — the yearly questionnaire of the jeugd- en schoolteam
  (and the school staff who work with it) on the process elements of the theoretical framework:
  one row per respondent, one column per element with a Likert score 1-5 (1 = helemaal oneens,
  5 = helemaal eens; empty = not answered). A respondent is a sequence number, never a name.
* ``kwalitatief/leerlingpeiling*.csv`` — the results of the school's own pupil survey per school
  year, as the school gets them from its monitor: per measure (welbevinden, pedagogisch klimaat,
  gehoord en begrepen) the number of respondents and the score on the monitor's scale.

Both refuse free text: there is no column for it, and a cell that is not a code or a number is
refused with the file, row and column. Templates and the Dutch explanation for whoever fills them
in: ``docs/qualitative.md`` and ``data/examples/``.

Examples
--------
>>> from josanalysis.sources.surveys import load_team_survey, summarise_team_survey
>>> team = load_team_survey("data/demo/kwalitatief/teamvragenlijst.csv")   # doctest: +SKIP
>>> summarise_team_survey(team).head()                                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.framework import PUPIL_SURVEY_MEASURES, TEAM_SURVEY_ELEMENTS
from josanalysis.sources.reading.codes import map_values
from josanalysis.sources.reading.columns import spec
from josanalysis.sources.reading.numbers import parse_number
from josanalysis.sources.reading.schema import finish, raise_bad_rows, validate
from josanalysis.sources.reading.school_table import read_school_table
from josanalysis.sources.reading.table import normalise_name

__all__ = ["load_team_survey", "summarise_team_survey", "load_pupil_survey", "TEAM_ROLES", "SURVEY_SCALES",
           "TEAM_SURVEY_COLUMNS", "TEAM_SUMMARY_COLUMNS", "PUPIL_SURVEY_COLUMNS"]

#: Roles of a team questionnaire's respondent: accepted spelling -> canonical.
TEAM_ROLES: dict[str, str] = {
    "ondersteuningscoordinator": "ondersteuningscoordinator", "oco": "ondersteuningscoordinator",
    "zorgcoordinator": "ondersteuningscoordinator",
    "gedragswetenschapper": "gedragswetenschapper", "gw": "gedragswetenschapper",
    "jeugd_en_gezinscoach": "jeugd_en_gezinscoach", "jgc": "jeugd_en_gezinscoach",
    "preventief_ambulant_jeugdhulpverlener": "paj", "paj": "paj",
    "mentor": "mentor", "docent": "docent", "leraar": "docent",
    "schoolleiding": "schoolleiding", "schoolleider": "schoolleiding", "teamleider": "schoolleiding",
    "anders": "anders", "overig": "anders",
}
#: The scales a pupil survey reports on: name -> (lowest, highest).
SURVEY_SCALES: dict[str, tuple[float, float]] = {"1-4": (1, 4), "1-5": (1, 5), "1-10": (1, 10),
                                                 "0-100": (0, 100)}

TEAM_SURVEY_COLUMNS = ["school_id", "school_year", "respondent", "role", *TEAM_SURVEY_ELEMENTS]
TEAM_SUMMARY_COLUMNS = ["school_id", "school_year", "element", "n_respondents", "mean_score", "share_agree"]
PUPIL_SURVEY_COLUMNS = ["school_id", "school_year", "measure", "n_respondents", "score", "scale", "source"]


def load_team_survey(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read the yearly team questionnaire (one row per respondent, Likert 1-5 per element).

    Layout (``;`` or ``,``)::

        vestigingscode;schooljaar;respondent;rol;heldere_structuur;vroegtijdige_signalering;...
        DM0100;2023-2024;1;jeugd_en_gezinscoach;4;5;...

    The element columns are :data:`josanalysis.core.framework.TEAM_SURVEY_ELEMENTS`; an element
    column may be absent (not asked) and a cell empty (not answered).

    Parameters
    ----------
    path
        The CSV file.
    school_ids
        When given, codes outside this set are refused.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, respondent, role`` and one float column per element (NaN: not
        answered or not asked).

    Raises
    ------
    DataError
        No element column, a score that is not a whole number from 1 to 5, an unknown role, a
        respondent twice in one school year, unknown schools (file, rows and column named).

    Examples
    --------
    >>> load_team_survey("data/examples/teamvragenlijst.csv").shape[1]   # doctest: +SKIP
    11
    """
    specs = [spec("school_id", "vestigingscode", "vestiging", "school"), spec("school_year", "schooljaar"),
             spec("respondent", "respondent", "respondentnummer", "nummer"),
             spec("role", "rol", "functie", "role")]
    specs += [spec(key, key, required=False) for key in TEAM_SURVEY_ELEMENTS]
    st = read_school_table(path, specs, what="team questionnaire (teamvragenlijst)", school_ids=school_ids,
                           period="school_year")
    table, df, out = st.table, st.cells, st.rows
    asked = [k for k in TEAM_SURVEY_ELEMENTS if k in df.columns]
    if not asked:
        raise_bad_rows(table, pd.Series(True, index=df.index).to_numpy(), df["_row"], "school_id",
                       df["school_id"], "a row with scores (expected at least one element column: "
                       + ", ".join(TEAM_SURVEY_ELEMENTS) + ")")
    rid = df["respondent"].astype(str).str.strip()
    raise_bad_rows(table, ~rid.str.fullmatch(r"\d{1,4}").to_numpy(dtype=bool), df["_row"], "respondent", rid,
                   "a respondent number (expected a sequence number such as 1, 2, 3 — never a name)")
    out["respondent"] = rid.astype(int)
    out["role"] = map_values(table, df, "role", TEAM_ROLES)
    likert = pa.Check.isin([1.0, 2.0, 3.0, 4.0, 5.0], error="a score 1, 2, 3, 4 or 5 (Likert)")
    for key in TEAM_SURVEY_ELEMENTS:
        out[key] = parse_number(table, df, key, allow_suppressed=False)[0] if key in asked else float("nan")
    schema = pa.DataFrameSchema({k: pa.Column(float, likert, nullable=True) for k in asked},
                                unique=["school_id", "school_year", "respondent"])
    validate(out, schema, table)
    return finish(out, TEAM_SURVEY_COLUMNS)


def summarise_team_survey(df: pd.DataFrame) -> pd.DataFrame:
    """The team questionnaire per school, school year and element.

    Returns ``school_id, school_year, element, n_respondents`` (who answered the item),
    ``mean_score`` (1-5) and ``share_agree`` (share answering 4 or 5). Means of fewer than ten
    respondents must not be shown: :mod:`josanalysis.questions.qualitative` hides them.

    Examples
    --------
    >>> t = pd.DataFrame({"school_id": ["A", "A"], "school_year": ["2023-2024"] * 2, "respondent": [1, 2],
    ...                   "role": ["docent"] * 2, **{k: [4.0, 2.0] for k in TEAM_SURVEY_ELEMENTS}})
    >>> summarise_team_survey(t).iloc[0][["n_respondents", "mean_score", "share_agree"]].tolist()
    [2, 3.0, 0.5]
    """
    long = df.melt(id_vars=["school_id", "school_year"], value_vars=list(TEAM_SURVEY_ELEMENTS),
                   var_name="element", value_name="score").dropna(subset=["score"])
    g = long.groupby(["school_id", "school_year", "element"], sort=True)["score"]
    out = pd.DataFrame({"n_respondents": g.size(), "mean_score": g.mean(),
                        "share_agree": g.apply(lambda s: float((s >= 4).mean()))}).reset_index()
    out["n_respondents"] = out["n_respondents"].astype("int64")
    return out[TEAM_SUMMARY_COLUMNS]


def load_pupil_survey(path: str | Path, *, school_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read the aggregated results of the schools' pupil surveys (one row per school, year, measure).

    Layout::

        vestigingscode;schooljaar;maat;aantal_respondenten;score;schaal;bron
        DM0100;2023-2024;welbevinden;412;7,4;1-10;Vensters

    ``maat`` is one of :data:`josanalysis.core.framework.PUPIL_SURVEY_MEASURES` (key or Dutch
    label); ``schaal`` one of :data:`SURVEY_SCALES`; ``bron`` (optional) names the monitor.

    Returns
    -------
    pandas.DataFrame
        ``school_id, school_year, measure, n_respondents, score, scale, source``.

    Raises
    ------
    DataError
        Unknown measure or scale, a score outside its scale, a respondent count that is not a
        whole number of 0 or more, a measure twice for one school year (file, rows, column named).

    Examples
    --------
    >>> load_pupil_survey("data/examples/leerlingpeiling.csv")["measure"].unique()  # doctest: +SKIP
    """
    st = read_school_table(path, [
        spec("school_id", "vestigingscode", "vestiging", "school"), spec("school_year", "schooljaar"),
        spec("measure", "maat", "thema", "measure"),
        spec("n_respondents", "aantal_respondenten", "respondenten", "n"),
        spec("score", "score", "gemiddelde", "waarde"), spec("scale", "schaal", "scale"),
        spec("source", "bron", "monitor", required=False)],
        what="pupil survey (leerlingpeiling)", school_ids=school_ids, period="school_year")
    table, df, out = st.table, st.cells, st.rows
    lookup = {normalise_name(k): k for k in PUPIL_SURVEY_MEASURES}
    lookup.update({normalise_name(label): k for k, (label, _) in PUPIL_SURVEY_MEASURES.items()})
    out["measure"] = map_values(table, df, "measure", lookup)
    out["scale"] = map_values(table, df, "scale", {normalise_name(s): s for s in SURVEY_SCALES})
    n, _ = parse_number(table, df, "n_respondents", allow_suppressed=False)
    raise_bad_rows(table, (n.isna() | (n < 0) | (n != n.round())).to_numpy(dtype=bool), df["_row"],
                   "n_respondents", df["n_respondents"], "a whole number of respondents (0 or more)")
    out["n_respondents"] = n.astype("int64")
    out["score"], _ = parse_number(table, df, "score", allow_suppressed=False)
    low = out["scale"].map(lambda s: SURVEY_SCALES[s][0])
    high = out["scale"].map(lambda s: SURVEY_SCALES[s][1])
    outside = (out["score"].notna() & ((out["score"] < low) | (out["score"] > high))).to_numpy(dtype=bool)
    raise_bad_rows(table, outside, df["_row"], "score", df["score"], "on its scale (expected a score within "
                   "the range named in 'schaal', e.g. 1-10)")
    out["source"] = df["source"].astype(str).str.strip() if "source" in df else ""
    raise_bad_rows(table, (out["source"].str.len() > 60).to_numpy(dtype=bool), df["_row"], "source",
                   df.get("source", out["source"]), "a short name of the monitor (expected at most 60 characters)")
    schema = pa.DataFrameSchema(unique=["school_id", "school_year", "measure"])
    validate(out, schema, table)
    return finish(out, PUPIL_SURVEY_COLUMNS)
