"""The care provider's registration of JOS trajecten, and its summary per school and school year.

One row per traject: number, pupil (pseudonymised on load), school, function (JGC, PAJ, GW),
type (eenmalig contact, cliënttraject, monitortraject), start/end date, outflow when closed
(op school gebleven, uitgevallen, verwezen tweede lijn), the exit-questionnaire score (1-10),
for monitortrajecten whether the pupil relapsed (ja/nee) and, for trajecten referred to second-line
care, whether JOS stayed involved in that second-line case (ja/nee). The report's own word for a
cliënttraject, *klanttraject*, is accepted.

Canonical values: ``type`` in ``eenmalig_contact``, ``clienttraject``, ``monitortraject``;
``outflow`` in ``stayed``, ``dropped_out``, ``referred_second_line`` (missing while open);
``relapse`` and ``jos_second_line`` nullable booleans.

Examples
--------
>>> from josanalysis.sources import load_provider_trajectories, summarise_trajectories
>>> tr = load_provider_trajectories("data/examples/aanbieder-trajecten.csv")   # doctest: +SKIP
>>> summarise_trajectories(tr).head()                                         # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.config import FUNCTIONS
from josanalysis.core.errors import ConfigError
from josanalysis.core.schoolcalendar import school_years_of
from josanalysis.sources.reading.codes import check_school_ids, map_values, normalise_school_id
from josanalysis.sources.reading.columns import select_columns, spec
from josanalysis.sources.reading.dates import check_date_range, parse_date
from josanalysis.sources.reading.numbers import parse_number
from josanalysis.sources.reading.pseudonyms import pseudonymise
from josanalysis.sources.reading.schema import finish, raise_bad_rows, validate
from josanalysis.sources.reading.table import RawTable, normalise_name, read_table

__all__ = ["load_provider_trajectories", "summarise_trajectories", "PROVIDER_COLUMNS", "SUMMARY_COLUMNS",
           "LOADED_COLUMNS", "follow_trajectories", "FOLLOW_COLUMNS"]

PROVIDER_COLUMNS = ["trajectory_id", "pupil_key", "school_id", "function", "type", "start", "end",
                    "outflow", "satisfaction", "relapse"]
FOLLOW_COLUMNS = ["school_id", "school_year", "type", "n_completed", "n_stayed", "n_dropped_out",
                  "n_referred_second_line", "n_outflow_unknown", "n_jos_second_line_known", "n_jos_second_line",
                  "n_relapse_known", "n_relapse"]
#: What :func:`load_provider_trajectories` returns: the columns above and ``jos_second_line``.
LOADED_COLUMNS = [*PROVIDER_COLUMNS, "jos_second_line"]
SUMMARY_COLUMNS = ["school_id", "school_year", "n_trajectories", "n_eenmalig_contact",
                   "n_clienttraject", "n_monitortraject", "n_closed", "share_referred_second_line",
                   "share_stayed", "share_dropped_out", "mean_satisfaction", "n_satisfaction",
                   "n_monitor", "n_relapse"]

TYPES = {
    "eenmalig_contact": "eenmalig_contact", "eenmalig": "eenmalig_contact", "one_off_contact": "eenmalig_contact",
    "single_contact": "eenmalig_contact", "clienttraject": "clienttraject", "client_traject": "clienttraject",
    "client_trajectory": "clienttraject", "klanttraject": "clienttraject", "klant_traject": "clienttraject",
    "klanttrajecten": "clienttraject", "clienttrajecten": "clienttraject", "monitortraject": "monitortraject", "monitor_traject": "monitortraject",
    "monitoring_trajectory": "monitortraject", "monitor": "monitortraject",
}
OUTFLOWS = {
    "op_school_gebleven": "stayed", "school_gebleven": "stayed", "gebleven": "stayed",
    "stayed": "stayed", "stayed_at_school": "stayed",
    "uitgevallen": "dropped_out", "uitval": "dropped_out", "dropped_out": "dropped_out",
    "verwezen_tweede_lijn": "referred_second_line", "verwezen_naar_tweede_lijn": "referred_second_line",
    "verwezen_2e_lijn": "referred_second_line", "tweede_lijn": "referred_second_line",
    "referred_second_line": "referred_second_line", "referred_to_second_line": "referred_second_line",
}
RELAPSE = {"ja": "true", "j": "true", "yes": "true", "y": "true", "1": "true", "true": "true",
           "nee": "false", "n": "false", "no": "false", "0": "false", "false": "false"}


#: How the columns of a traject registration are found (first name: the documented header).
_COLUMNS = (
    spec("trajectory_id", "traject_id", "trajectnummer", "traject", "trajectory_id", "id"),
    spec("pupil", "leerling_id", "leerlingnummer", "leerling", "client_id", "clientnummer",
         "pupil_id"),
    spec("school_id", "vestigingscode", "vestiging", "school"),
    spec("function", "functie", "discipline", "function"),
    spec("type", "type", "trajecttype", "soort_traject", "type_traject"),
    spec("start", "startdatum", "begindatum", "start_date"),
    spec("end", "einddatum", "end_date", required=False),
    spec("outflow", "uitstroom", "uitstroomrichting", "outflow", required=False),
    spec("satisfaction", "tevredenheid", "cijfer_tevredenheid", "tevredenheidscijfer",
         "satisfaction", "exit_score", required=False),
    spec("relapse", "terugval", "relapse", required=False),
    spec("jos_second_line", "jos_betrokken_tweede_lijn", "jos_betrokken", "jos_second_line", required=False),
)


def load_provider_trajectories(
    path: str | Path,
    *,
    school_ids: Iterable[str] | None = None,
    key: bytes | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Load the provider's JOS traject registration (pupils pseudonymised on load).

    Parameters
    ----------
    path
        CSV ``traject_id;leerling_id;vestigingscode;functie;type;startdatum;einddatum;uitstroom;
        tevredenheid;terugval[;jos_betrokken_tweede_lijn]`` (English names accepted).
    school_ids
        When given, codes outside this set are refused.
    key
        Pseudonymisation key (default: env ``JOSANALYSIS_PSEUDONYM_KEY`` or a per-process key).
    today
        Dates after this are refused (default: today).

    Returns
    -------
    pandas.DataFrame
        ``trajectory_id, pupil_key, school_id, function, type, start, end, outflow,
        satisfaction, relapse, jos_second_line`` (:data:`LOADED_COLUMNS`).

    Raises
    ------
    DataError
        Unknown type/function/outflow, end before start, outflow on an open traject, a score
        outside 1-10, relapse outside a monitortraject, JOS involvement on a traject not referred
        to second-line care, duplicated traject numbers.

    Examples
    --------
    >>> tr = load_provider_trajectories("data/examples/aanbieder-trajecten.csv")  # doctest: +SKIP
    >>> tr["type"].value_counts()                                                # doctest: +SKIP
    """
    table = read_table(path)
    df = select_columns(table, _COLUMNS, what="provider trajectories")
    out = pd.DataFrame({"_row": df["_row"]})
    _add_identity(out, table, df, school_ids=school_ids, key=key)
    _add_dates(out, table, df, today=pd.Timestamp(today or dt.date.today()))
    _add_outcomes(out, table, df)
    schema = pa.DataFrameSchema(
        {"satisfaction": pa.Column(float, pa.Check.in_range(1, 10, error="a score from 1 to 10"), nullable=True)},
        unique=["trajectory_id"],
    )
    validate(out, schema, table)
    return finish(out, LOADED_COLUMNS)


def _add_identity(
    out: pd.DataFrame,
    table: RawTable,
    df: pd.DataFrame,
    *,
    school_ids: Iterable[str] | None,
    key: bytes | None,
) -> None:
    """Who and what: traject number, pupil pseudonym, school, function and traject type."""
    tid = df["trajectory_id"].astype(str).str.strip()
    raise_bad_rows(table, (tid == "").to_numpy(dtype=bool), df["_row"], "trajectory_id", tid,
                   "a traject number (expected a value in every row)")
    out["trajectory_id"] = tid.astype("str")
    pupil = df["pupil"].astype(str).str.strip()
    raise_bad_rows(table, (pupil == "").to_numpy(dtype=bool), df["_row"], "pupil", pupil,
                   "a pupil number (expected a value in every row)")
    out["pupil_key"] = pseudonymise(pupil, key)
    out["school_id"] = normalise_school_id(table, df, "school_id")
    check_school_ids(table, out, "school_id", school_ids)
    out["function"] = map_values(table, df, "function", {normalise_name(k): k for k in FUNCTIONS})
    out["type"] = map_values(table, df, "type", TYPES)


def _add_dates(out: pd.DataFrame, table: RawTable, df: pd.DataFrame, *, today: pd.Timestamp) -> None:
    """Start and (optional) end date: plausible, not in the future, end not before start."""
    out["start"] = parse_date(table, df, "start")
    out["end"] = (parse_date(table, df, "end", required=False) if "end" in df
                  else pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]"))
    check_date_range(table, df, "start", out["start"], earliest="2010-01-01", today=today)
    if "end" in df:
        check_date_range(table, df, "end", out["end"], earliest="2010-01-01", today=today)
        raise_bad_rows(table, (out["end"] < out["start"]).fillna(False).to_numpy(dtype=bool), df["_row"],
                       "end", df["end"], "on or after the start date (expected einddatum >= startdatum)")


def _add_outcomes(out: pd.DataFrame, table: RawTable, df: pd.DataFrame) -> None:
    """Outflow (closed trajecten only), exit-questionnaire score and relapse (monitortrajecten only)."""
    if "outflow" in df:
        out["outflow"] = map_values(table, df, "outflow", OUTFLOWS, required=False)
        raise_bad_rows(table, (out["outflow"].notna() & out["end"].isna()).to_numpy(dtype=bool), df["_row"],
                       "outflow", df["outflow"], "possible while the traject is open (expected an einddatum with an uitstroom)")
    else:
        out["outflow"] = pd.Series(pd.NA, index=df.index, dtype="str")
    if "satisfaction" in df:
        out["satisfaction"], _ = parse_number(table, df, "satisfaction")
    else:
        out["satisfaction"] = float("nan")
    if "relapse" in df:
        rel = map_values(table, df, "relapse", RELAPSE, required=False)
        out["relapse"] = rel.map({"true": True, "false": False}).astype("boolean")
        raise_bad_rows(table, (out["relapse"].notna() & (out["type"] != "monitortraject")).to_numpy(dtype=bool),
                       df["_row"], "relapse", df["relapse"],
                       "recorded for this type (expected terugval only on a monitortraject)")
    else:
        out["relapse"] = pd.array([pd.NA] * len(df), dtype="boolean")
    if "jos_second_line" in df:
        involved = map_values(table, df, "jos_second_line", RELAPSE, required=False)
        out["jos_second_line"] = involved.map({"true": True, "false": False}).astype("boolean")
        raise_bad_rows(table, (out["jos_second_line"].notna() & (out["outflow"] != "referred_second_line"))
                       .fillna(True).to_numpy(dtype=bool), df["_row"], "jos_second_line", df["jos_second_line"],
                       "recorded for this traject (expected JOS-betrokkenheid only when the uitstroom is "
                       "'verwezen tweede lijn')")
    else:
        out["jos_second_line"] = pd.array([pd.NA] * len(df), dtype="boolean")


def summarise_trajectories(df: pd.DataFrame) -> pd.DataFrame:
    """Summarise trajecten per school and school year of their start.

    Parameters
    ----------
    df
        Output of :func:`load_provider_trajectories`.

    Returns
    -------
    pandas.DataFrame
        One row per school x school year: ``n_trajectories``, ``n_eenmalig_contact``,
        ``n_clienttraject``, ``n_monitortraject``, ``n_closed`` (with an end date), the shares of
        closed trajecten with a known outflow that were ``referred_second_line`` / ``stayed`` /
        ``dropped_out`` (NaN when none), ``mean_satisfaction`` over filled-in scores and their
        number ``n_satisfaction``, ``n_monitor`` (monitortrajecten with a known relapse answer)
        and ``n_relapse`` (of those, relapsed). Counts are pupil-level numbers: suppress small
        cells before publishing (:mod:`josanalysis.privacy.suppression`).

    Examples
    --------
    >>> summarise_trajectories(load_provider_trajectories("data/examples/aanbieder-trajecten.csv"))  # doctest: +SKIP
    """
    missing = [c for c in PROVIDER_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError(f"summarise_trajectories needs the output of load_provider_trajectories; "
                          f"missing columns {missing}.")
    d = df.copy()
    d["school_year"] = school_years_of(d["start"])
    g = d.groupby(["school_id", "school_year"], sort=True)
    out = g.size().rename("n_trajectories").to_frame()
    for t in ("eenmalig_contact", "clienttraject", "monitortraject"):
        out[f"n_{t}"] = g["type"].apply(lambda s, t=t: int((s == t).sum()))
    out["n_closed"] = g["end"].apply(lambda s: int(s.notna().sum()))
    known = d[d["outflow"].notna()]
    kg = known.groupby(["school_id", "school_year"])
    n_known = kg.size()
    for label, value in (("share_referred_second_line", "referred_second_line"), ("share_stayed", "stayed"),
                         ("share_dropped_out", "dropped_out")):
        out[label] = (kg["outflow"].apply(lambda s, v=value: (s == v).sum()) / n_known).reindex(out.index)
    out["mean_satisfaction"] = g["satisfaction"].mean()
    out["n_satisfaction"] = g["satisfaction"].count()
    mon = d[(d["type"] == "monitortraject") & d["relapse"].notna()]
    mg = mon.groupby(["school_id", "school_year"])
    out["n_monitor"] = mg.size().reindex(out.index).fillna(0)
    out["n_relapse"] = mg["relapse"].apply(lambda s: int(s.astype(bool).sum())).reindex(out.index).fillna(0)
    out = out.reset_index()
    for c in SUMMARY_COLUMNS:
        if c.startswith("n_"):
            out[c] = out[c].astype("Int64")
    for c in ("share_referred_second_line", "share_stayed", "share_dropped_out", "mean_satisfaction"):
        out[c] = out[c].astype("float64")
    out["school_id"] = out["school_id"].astype("str")
    out["school_year"] = out["school_year"].astype("str")
    return out[SUMMARY_COLUMNS]




def follow_trajectories(df: pd.DataFrame) -> pd.DataFrame:
    """Completed trajecten followed to their outcome, per school, school year of the end and type.

    Parameters
    ----------
    df
        Output of :func:`load_provider_trajectories` (``jos_second_line`` may be absent).

    Returns
    -------
    pandas.DataFrame
        One row per school x school year (of the einddatum) x type (``clienttraject``,
        ``monitortraject``; an eenmalig contact is no trajectory to follow): ``n_completed``,
        the outcome counts ``n_stayed``, ``n_dropped_out``, ``n_referred_second_line`` and
        ``n_outflow_unknown``; of the referrals, ``n_jos_second_line_known`` (JOS involvement
        registered) and ``n_jos_second_line`` (JOS stayed involved); ``n_relapse_known`` and
        ``n_relapse`` (terugval after the exit questionnaire, monitortrajecten). Pupil counts:
        suppress small cells before publishing.

    Examples
    --------
    >>> follow_trajectories(load_provider_trajectories("data/examples/aanbieder-trajecten.csv"))  # doctest: +SKIP
    """
    missing = [c for c in PROVIDER_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError(f"follow_trajectories needs the output of load_provider_trajectories; "
                          f"missing columns {missing}.")
    d = df[df["end"].notna() & df["type"].isin(["clienttraject", "monitortraject"])].copy()
    d["school_year"] = school_years_of(d["end"])
    involved = d["jos_second_line"] if "jos_second_line" in d else pd.Series(pd.NA, index=d.index, dtype="boolean")
    referred = (d["outflow"] == "referred_second_line").fillna(False).astype(bool)
    d = d.assign(
        n_completed=1, n_stayed=(d["outflow"] == "stayed").fillna(False).astype(int),
        n_dropped_out=(d["outflow"] == "dropped_out").fillna(False).astype(int),
        n_referred_second_line=referred.astype(int), n_outflow_unknown=d["outflow"].isna().astype(int),
        n_jos_second_line_known=(referred & involved.notna()).astype(int),
        n_jos_second_line=(referred & involved.fillna(False).astype(bool)).astype(int),
        n_relapse_known=d["relapse"].notna().astype(int),
        n_relapse=d["relapse"].fillna(False).astype(bool).astype(int))
    counts = [c for c in FOLLOW_COLUMNS if c.startswith("n_")]
    out = d.groupby(["school_id", "school_year", "type"], sort=True)[counts].sum().reset_index()
    out[counts] = out[counts].astype("int64")
    return out[FOLLOW_COLUMNS]
