"""DUO open data: pupils per vestiging, pupils by home postcode and leerjaar, addresses, vsv.

DUO publishes these as semicolon CSV files (CC0). The loaders accept the current and the older
headers (``BRIN NUMMER`` + ``VESTIGINGSNUMMER``), 2-character vestigingsnummers (prefixed with
the instellingscode), ``<5`` for small counts (missing + suppressed, never zero), and turn
``GEMEENTENUMMER`` into CBS codes (``0361`` -> ``GM0361``). DUO counts pupils on 1 October
(teldatum), so ``reference_date`` is 1 October of the data year.

Examples
--------
>>> from josanalysis.sources import load_duo_pupils
>>> df = load_duo_pupils("tests/data/duo/leerlingen-vo-per-vestiging-2025-subset.csv")  # doctest: +SKIP
>>> int(df.set_index("school_id").loc["08UV00", "pupils"])                                 # doctest: +SKIP
195
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources.reading.codes import municipality_code, normalise_school_id, parse_code
from josanalysis.sources.reading.columns import select_columns, spec
from josanalysis.sources.reading.dates import parse_data_year, parse_school_year
from josanalysis.sources.reading.files import year_from_name
from josanalysis.sources.reading.numbers import parse_count
from josanalysis.sources.reading.schema import finish, nonneg, raise_bad_rows, validate
from josanalysis.sources.reading.table import RawTable, read_table

__all__ = [
    "load_duo_pupils",
    "load_duo_pupils_by_postcode",
    "load_duo_addresses",
    "load_duo_vsv",
    "DUO_PUPILS_COLUMNS",
    "DUO_POSTCODE_COLUMNS",
    "DUO_ADDRESS_COLUMNS",
    "DUO_VSV_COLUMNS",
    "load_duo_special_pupils",
    "DUO_SPECIAL_COLUMNS",
]

DUO_PUPILS_COLUMNS = [
    "school_id", "instelling", "school_name", "city", "municipality_code", "municipality_name",
    "province", "reference_date", "pupils", "pupils_suppressed", "vavo_pupils", "vavo_suppressed",
]
DUO_POSTCODE_COLUMNS = [
    "reference_date", "school_id", "school_name", "postcode", "home_municipality_code",
    "home_municipality_name", "leerjaar", "pupils", "suppressed",
]
DUO_ADDRESS_COLUMNS = [
    "school_id", "instelling", "school_name", "street", "house_number", "postcode", "city",
    "municipality_code", "municipality_name", "education_structure", "rmc_code", "rmc_name",
    "province", "board_id", "denomination", "website",
]
DUO_VSV_COLUMNS = [
    "instelling", "school_year", "education_structure", "participants", "early_leavers",
    "suppressed", "school_id",
]
DUO_SPECIAL_COLUMNS = [
    "school_id", "instelling", "school_name", "municipality_code", "reference_date",
    "sbo_pupils", "so_pupils", "vso_pupils", "pupils", "pupils_suppressed",
]

_SCHOOL = spec("school_id", "vestigingscode", "vestigingsnummer", "vestiging", "vestigings_code")
_INSTELLING = spec("instelling", "instellingscode", "brin_nummer", "brin", "brinnummer", "instellingsnummer",
                   required=False)
_YEAR = spec("year", "peildatum", "teldatum", "jaar", "teljaar", "peiljaar", required=False)


def _school_ids(table: RawTable, df: pd.DataFrame) -> pd.Series:
    inst = parse_code(df, "instelling") if "instelling" in df else None
    if inst is None:
        short = parse_code(df, "school_id").str.len() <= 2
        if short.any():
            raise DataError(
                "the vestigingscode has only 2 characters and there is no INSTELLINGSCODE / "
                "BRIN NUMMER column to prefix it with (expected e.g. 08UV00).",
                file=table.path, rows=list(df.loc[short.to_numpy(), "_row"]), column=table.col("school_id"),
            )
    return normalise_school_id(table, df, "school_id", instelling=inst)


def _reference_dates(table: RawTable, df: pd.DataFrame, year: int | None) -> pd.Series:
    """1 October of the data year, from a year/peildatum column, the file name or ``year``."""
    if "year" in df.columns:
        years = parse_data_year(table, df, "year")
    else:
        y = year_from_name(table.path)
        if y is None:
            y = year
        if y is None:
            raise DataError(
                "cannot tell the data year: there is no PEILDATUM/JAAR column, no year in the "
                "file name (e.g. leerlingen-vo-per-vestiging-2025.csv) and no year= argument.",
                file=table.path,
            )
        if year is not None and y != year:
            raise ConfigError(
                f"{table.name}: the file name says {y} but year={year} was given."
            )
        years = pd.Series(y, index=df.index)
    this_year = pd.Timestamp.today().year
    raise_bad_rows(table, ((years < 1990) | (years > this_year)).to_numpy(dtype=bool), df["_row"],
                   "year" if "year" in df.columns else "_row", years,
                   f"a plausible data year (expected 1990-{this_year})")
    return pd.to_datetime(years.astype(str) + "-10-01").astype("datetime64[ns]")


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="str")
    s = df[column].astype(str).str.strip()
    return s.where(s != "", None).astype("str")


def load_duo_pupils(path: str | Path, *, year: int | None = None) -> pd.DataFrame:
    """Load DUO "leerlingen vo per vestiging" (pupils per vestiging on 1 October).

    Parameters
    ----------
    path
        The DUO CSV file (current layout with ``VESTIGINGSCODE`` or older layout with
        ``BRIN NUMMER`` + ``VESTIGINGSNUMMER``).
    year
        Data year, used only when the file has no PEILDATUM/JAAR column and no year in its name.

    Returns
    -------
    pandas.DataFrame
        One row per vestiging and reference date, columns ``school_id, instelling, school_name,
        city, municipality_code, municipality_name, province, reference_date, pupils,
        pupils_suppressed, vavo_pupils, vavo_suppressed``. Counts are nullable Int64; a ``<5``
        cell is missing with its ``*_suppressed`` flag set.

    Raises
    ------
    DataError
        Missing columns, text in a count, negative counts, duplicated vestigingen, no data year.

    Examples
    --------
    >>> df = load_duo_pupils("data/examples/duo-leerlingen-vo-per-vestiging-2025.csv")  # doctest: +SKIP
    """
    table = read_table(path)
    df = select_columns(
        table,
        [
            _SCHOOL, _INSTELLING, _YEAR,
            spec("school_name", "instellingsnaam_vestiging", "vestigingsnaam", "naam_vestiging",
                 "instellingsnaam", "naam", required=False),
            spec("city", "plaatsnaam", "plaatsnaam_vestiging", "plaats", required=False),
            spec("municipality_code", "gemeentenummer", "gemeentecode", "gemeente_nummer"),
            spec("municipality_name", "gemeentenaam", "gemeente", required=False),
            spec("province", "provincie", required=False),
            spec("pupils", "aantal_leerlingen", "totaal_aantal_leerlingen", "leerlingen", "totaal",
                 "aantal", "number_of_pupils"),
            spec("vavo_pupils", "aantal_vo_leerlingen_uitbesteed_aan_vavo", "vavo_leerlingen", "vavo",
                 "uitbesteed_aan_vavo", required=False),
        ],
        what="DUO pupils per vestiging",
    )
    out = pd.DataFrame({"_row": df["_row"]})
    out["school_id"] = _school_ids(table, df)
    out["instelling"] = (parse_code(df, "instelling") if "instelling" in df else out["school_id"].str[:4]).astype("str")
    out["school_name"] = _text(df, "school_name")
    out["city"] = _text(df, "city")
    out["municipality_code"] = municipality_code(table, df, "municipality_code")
    out["municipality_name"] = _text(df, "municipality_name")
    out["province"] = _text(df, "province")
    out["reference_date"] = _reference_dates(table, df, year)
    out["pupils"], out["pupils_suppressed"] = parse_count(table, df, "pupils")
    if "vavo_pupils" in df:
        out["vavo_pupils"], out["vavo_suppressed"] = parse_count(table, df, "vavo_pupils")
    else:
        out["vavo_pupils"] = pd.array([pd.NA] * len(df), dtype="Int64")
        out["vavo_suppressed"] = False
    schema = pa.DataFrameSchema(
        {
            "school_id": pa.Column("str"),
            "pupils": pa.Column("Int64", nonneg("a pupil count"), nullable=True),
            "vavo_pupils": pa.Column("Int64", nonneg("a pupil count"), nullable=True),
        },
        unique=["school_id", "reference_date"],
    )
    validate(out, schema, table)
    return finish(out, DUO_PUPILS_COLUMNS)


def load_duo_pupils_by_postcode(path: str | Path, *, year: int | None = None) -> pd.DataFrame:
    """Load DUO pupils per vestiging by pupil postcode / home municipality and leerjaar.

    Parameters
    ----------
    path
        DUO CSV with ``POSTCODE LEERLING``, ``GEMEENTENUMMER LEERLING`` and the columns
        ``LEER- OF VERBLIJFSJAAR 1`` .. ``6`` (``LEERJAAR 1`` .. also accepted).
    year
        Data year when the file has no PEILDATUM column and no year in its name.

    Returns
    -------
    pandas.DataFrame
        Long frame ``reference_date, school_id, school_name, postcode, home_municipality_code,
        home_municipality_name, leerjaar (1..6), pupils, suppressed``; leerjaar columns absent
        from the file give no rows.

    Examples
    --------
    >>> df = load_duo_pupils_by_postcode("data/examples/duo-leerlingen-vo-postcode-leerjaar-2025.csv")  # doctest: +SKIP
    >>> df.groupby("home_municipality_code")["pupils"].sum()                                            # doctest: +SKIP
    """
    table = read_table(path)
    specs = [
        _SCHOOL, _INSTELLING, _YEAR,
        spec("school_name", "instellingsnaam_vestiging", "vestigingsnaam", "naam_vestiging",
             "instellingsnaam", required=False),
        spec("postcode", "postcode_leerling", "postcodecijfers_leerling", "postcode_cijfers_leerling"),
        spec("home_municipality_code", "gemeentenummer_leerling", "gemeentecode_leerling",
             "woongemeente_code"),
        spec("home_municipality_name", "gemeentenaam_leerling", "woongemeente", required=False),
    ]
    for j in range(1, 7):
        specs.append(spec(f"lj{j}", f"leer_of_verblijfsjaar_{j}", f"leerjaar_{j}",
                          f"verblijfsjaar_{j}", f"leerjaar{j}", required=False))
    df = select_columns(table, specs, what="DUO pupils by postcode and leerjaar")
    years = [j for j in range(1, 7) if f"lj{j}" in df.columns]
    if not years:
        raise DataError(
            "no leerjaar columns found (expected 'LEER- OF VERBLIJFSJAAR 1' .. '6').",
            file=table.path, rows=[1],
        )
    base = pd.DataFrame({"_row": df["_row"]})
    base["reference_date"] = _reference_dates(table, df, year)
    base["school_id"] = _school_ids(table, df)
    base["school_name"] = _text(df, "school_name")
    pc = parse_code(df, "postcode").str.replace(" ", "", regex=False).str[:4]
    raise_bad_rows(table, ~pc.str.fullmatch(r"\d{4}").to_numpy(dtype=bool), df["_row"], "postcode",
                   df["postcode"], "a postcode (expected 4 digits, e.g. 1823)")
    base["postcode"] = pc
    base["home_municipality_code"] = municipality_code(table, df, "home_municipality_code")
    base["home_municipality_name"] = _text(df, "home_municipality_name")
    parts = []
    for j in years:
        part = base.copy()
        part["leerjaar"] = j
        part["pupils"], part["suppressed"] = parse_count(table, df, f"lj{j}")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["leerjaar"] = out["leerjaar"].astype("int64")
    schema = pa.DataFrameSchema(
        {"pupils": pa.Column("Int64", nonneg("a pupil count"), nullable=True)},
        unique=["reference_date", "school_id", "postcode", "home_municipality_code", "leerjaar"],
    )
    validate(out, schema, table)
    return finish(out.sort_values(["school_id", "postcode", "leerjaar"], kind="stable"), DUO_POSTCODE_COLUMNS)


def load_duo_addresses(path: str | Path) -> pd.DataFrame:
    """Load DUO "adressen alle vestigingen vo" (no quoting, single-space empty fields).

    Returns
    -------
    pandas.DataFrame
        ``school_id, instelling, school_name, street, house_number, postcode, city,
        municipality_code, municipality_name, education_structure, rmc_code, rmc_name,
        province, board_id, denomination, website`` (all text; missing as NA).

    Examples
    --------
    >>> df = load_duo_addresses("tests/data/duo/alle-vestigingen-vo-subset-regio-alkmaar.csv")  # doctest: +SKIP
    >>> df.set_index("school_id").loc["08UV00", "municipality_code"]                                 # doctest: +SKIP
    'GM1980'
    """
    table = read_table(path)
    df = select_columns(
        table,
        [
            _SCHOOL, _INSTELLING,
            spec("school_name", "vestigingsnaam", "instellingsnaam_vestiging", "naam_vestiging",
                 "instellingsnaam", required=False),
            spec("street", "straatnaam", "straat", required=False),
            spec("house_number", "huisnummer_toevoeging", "huisnummer", required=False),
            spec("postcode", required=False),
            spec("city", "plaatsnaam", "plaats", required=False),
            spec("municipality_code", "gemeentenummer", "gemeentecode"),
            spec("municipality_name", "gemeentenaam", required=False),
            spec("education_structure", "onderwijsstructuur", required=False),
            spec("rmc_code", "rmc_regio_code", "rmc_code", required=False),
            spec("rmc_name", "rmc_regio_naam", "rmc_naam", required=False),
            spec("province", "provincie", required=False),
            spec("board_id", "bevoegd_gezag_nummer", "bevoegd_gezag", required=False),
            spec("denomination", "denominatie", required=False),
            spec("website", "internetadres", required=False),
        ],
        what="DUO addresses",
    )
    out = pd.DataFrame({"_row": df["_row"]})
    out["school_id"] = _school_ids(table, df)
    out["instelling"] = (parse_code(df, "instelling") if "instelling" in df else out["school_id"].str[:4]).astype("str")
    out["municipality_code"] = municipality_code(table, df, "municipality_code")
    for c in DUO_ADDRESS_COLUMNS:
        if c not in out.columns:
            out[c] = _text(df, c)
    validate(out, pa.DataFrameSchema({"school_id": pa.Column("str")}, unique=["school_id"]), table)
    return finish(out, DUO_ADDRESS_COLUMNS)


def load_duo_vsv(path: str | Path) -> pd.DataFrame:
    """Load DUO early school leavers (vsv) per instelling, or per vestiging where DUO has it.

    Both published layouts are read unchanged:

    * the public file "Vsv in het voortgezet onderwijs per vo instelling": ``BRIN NUMMER;JAAR;
      ONDERWIJSSTRUCTUUR EN LEERJAAR;PROFIEL;AANTAL DEELNEMERS;AANTAL VSV ERS;...`` with ``JAAR``
      a plain year (``2011``): the vsv year that starts on 1 October of that year, school year
      ``2011-2012``;
    * the older export with ``JAAR`` like ``2019-2020``.

    A ``VESTIGINGSNUMMER`` / ``VESTIGINGSCODE`` column makes the counts per vestiging
    (``school_id``); without one ``school_id`` is empty and the counts are per instelling.
    ``PROFIEL`` (other than ``NVT``) is kept in ``education_structure``.

    Returns
    -------
    pandas.DataFrame
        ``instelling, school_year, education_structure, participants, early_leavers,
        suppressed, school_id`` (``suppressed``: a count was ``<5``/``.``/empty).

    Examples
    --------
    >>> df = load_duo_vsv("data/examples/duo-vsv-2022.csv")          # doctest: +SKIP
    >>> df.groupby("school_year")["early_leavers"].sum()              # doctest: +SKIP
    """
    table = read_table(path)
    df = select_columns(
        table,
        [
            spec("instelling", "brin_nummer", "instellingscode", "brin", "brinnummer"),
            spec("school_id", "vestigingsnummer", "vestigingscode", required=False),
            spec("school_year", "jaar", "schooljaar", "school_year"),
            spec("education_structure", "onderwijsstructuur_en_leerjaar", "onderwijsstructuur",
                 required=False),
            spec("profile", "profiel", required=False),
            spec("participants", "aantal_deelnemers", "deelnemers"),
            spec("early_leavers", "aantal_vsv_ers", "aantal_vsvers", "vsv_ers", "vsv", "aantal_vsv"),
        ],
        what="DUO vsv",
    )
    out = pd.DataFrame({"_row": df["_row"]})
    inst = parse_code(df, "instelling")
    raise_bad_rows(table, ~inst.str.fullmatch(r"[0-9A-Z]{4}").to_numpy(dtype=bool), df["_row"],
                   "instelling", df["instelling"], "a BRIN number (expected 4 characters, e.g. 08UV)")
    out["instelling"] = inst
    out["school_id"] = (_school_ids(table, df) if "school_id" in df else
                        pd.Series(pd.NA, index=df.index, dtype="str")).astype("str")
    out["school_year"] = parse_school_year(table, _plain_vsv_years(df), "school_year")
    structure = _text(df, "education_structure")
    if "profile" in df:
        prof = _text(df, "profile")
        keep = prof.notna() & (prof.str.upper() != "NVT")
        structure = structure.where(~keep, structure.fillna("") + " / " + prof.fillna(""))
    out["education_structure"] = structure
    out["participants"], s1 = parse_count(table, df, "participants")
    out["early_leavers"], s2 = parse_count(table, df, "early_leavers")
    out["suppressed"] = s1 | s2
    schema = pa.DataFrameSchema(
        {
            "participants": pa.Column("Int64", nonneg("a count"), nullable=True),
            "early_leavers": pa.Column("Int64", nonneg("a count"), nullable=True),
        },
        checks=[pa.Check(lambda d: ~(d["early_leavers"] > d["participants"]).fillna(False),
                         error="early leavers not more than participants", element_wise=False)],
        unique=["instelling", "school_id", "school_year", "education_structure"],
    )
    validate(out, schema, table)
    return finish(out, DUO_VSV_COLUMNS)


def _plain_vsv_years(df: pd.DataFrame) -> pd.DataFrame:
    """DUO's public vsv file gives ``JAAR`` as a plain year (2011): the vsv year from 1 October
    2011, school year 2011-2012. Other cells are left for :func:`parse_school_year` to check."""
    text = df["school_year"].astype(str).str.strip()
    plain = text.str.fullmatch(r"(?:19|20)\d{2}")
    out = df.copy()
    out.loc[plain, "school_year"] = [f"{y}-{int(y) + 1}" for y in text[plain]]
    return out


def load_duo_special_pupils(path: str | Path, *, year: int | None = None) -> pd.DataFrame:
    """Load DUO pupils of speciaal basisonderwijs, so and vso per vestiging.

    The published layout "Leerlingen speciaal (basis)onderwijs naar onderwijssoort", read
    unchanged: ``BRIN NUMMER`` (or ``INSTELLINGSCODE``), ``VESTIGINGSNUMMER`` (or
    ``VESTIGINGSCODE``), optional name and ``GEMEENTENUMMER``, and one count column per kind of
    school: ``SBAO`` (speciaal basisonderwijs), ``SO``, ``VSO``. Several rows of one vestiging
    (one per ``INDICATIE SPECIAAL (BASIS)ONDERWIJS``) are added up; a ``<5`` cell counts as
    missing and marks the total suppressed.

    Parameters
    ----------
    path
        The DUO CSV file.
    year
        Data year when the file has no PEILDATUM/JAAR column and no year in its name.

    Returns
    -------
    pandas.DataFrame
        One row per vestiging and reference date: ``school_id, instelling, school_name,
        municipality_code, reference_date, sbo_pupils, so_pupils, vso_pupils, pupils``
        (their sum, the vestiging's pupils for per-pupil figures) and ``pupils_suppressed``.

    Raises
    ------
    DataError
        No SBAO/SO/VSO column, text in a count, a vestigingsnummer without instelling.

    Examples
    --------
    >>> df = load_duo_special_pupils("tests/data/duo/leerlingen-so-vso-per-vestiging-2023.csv")  # doctest: +SKIP
    """
    table = read_table(path)
    kinds = {"sbo_pupils": "sbao", "so_pupils": "so", "vso_pupils": "vso"}
    df = select_columns(table, [
        _SCHOOL, _INSTELLING, _YEAR,
        spec("school_name", "instellingsnaam_vestiging", "vestigingsnaam", "naam_vestiging",
             "instellingsnaam", required=False),
        spec("municipality_code", "gemeentenummer", "gemeentecode", required=False),
        *(spec(k, v, required=False) for k, v in kinds.items()),
    ], what="DUO (v)so/sbo pupils")
    present = [k for k in kinds if k in df]
    if not present:
        raise DataError("no pupil count column: expected one or more of SBAO, SO and VSO.",
                        file=table.path, rows=[1])
    out = pd.DataFrame({"_row": df["_row"]})
    out["school_id"] = _school_ids(table, df)
    out["instelling"] = (parse_code(df, "instelling") if "instelling" in df else out["school_id"].str[:4]).astype("str")
    out["school_name"] = _text(df, "school_name")
    out["municipality_code"] = (municipality_code(table, df, "municipality_code") if "municipality_code" in df
                                else pd.Series(pd.NA, index=df.index, dtype="str"))
    out["reference_date"] = _reference_dates(table, df, year)
    supp = pd.Series(False, index=df.index)
    for k in kinds:
        if k in present:
            out[k], s_k = parse_count(table, df, k)
            supp |= s_k & df[k].astype(str).str.strip().ne("").to_numpy()
        else:
            out[k] = pd.array([pd.NA] * len(df), dtype="Int64")
    out["pupils_suppressed"] = supp.to_numpy()
    keys = ["school_id", "instelling", "reference_date"]
    agg = out.groupby(keys, as_index=False, sort=False).agg(
        school_name=("school_name", "first"), municipality_code=("municipality_code", "first"),
        sbo_pupils=("sbo_pupils", lambda v: v.sum(min_count=1)),
        so_pupils=("so_pupils", lambda v: v.sum(min_count=1)),
        vso_pupils=("vso_pupils", lambda v: v.sum(min_count=1)),
        pupils_suppressed=("pupils_suppressed", "any"), _row=("_row", "first"))
    for k in kinds:
        agg[k] = agg[k].astype("Int64")
    agg["pupils"] = agg[list(kinds)].sum(axis=1, min_count=1).astype("Int64")
    schema = pa.DataFrameSchema({k: pa.Column("Int64", nonneg("a pupil count"), nullable=True)
                                 for k in [*kinds, "pupils"]}, unique=["school_id", "reference_date"])
    validate(agg, schema, table)
    return finish(agg, DUO_SPECIAL_COLUMNS)
