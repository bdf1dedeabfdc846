"""The demo dataset generator: a fictional region with known true effects.

:func:`write_demo` writes, deterministically from a seed, every input file of a region in the
formats of ``docs/data-formats.md`` (DUO, CBS, Leerplicht, attendance, municipality, SWV,
provider, capacity, budget, the schools' return indicators), so that the demo run reads files exactly as a user's run would, plus
``truth.csv`` with the effects built in (for tests only; no report reads it).

The *Demoregio* (13 fictional schools, ids ``DM0100`` …) mirrors the real pilot of regio Alkmaar:
eight schools start JOS in August 2022 with school types and FTE patterned on Bijlage 5 of the
Oberon report, two start in August 2024 (a short post-period), one early pilot starts in
August 2019 (its post-period overlaps the COVID closures) and two comparison schools never start.
Monthly series run August 2016 – July 2025 on a Dutch school calendar: no lessons in August, a
short July, holidays in the other months, no lessons during the COVID closures of spring 2020 and
winter 2020-21. Absence has seasonality, a slow national rise, AR(1) noise at school level and
pupil-level sampling noise. True effects differ by school (including zero) and the referral and
youth-care indicators *rise* in the first JOS year (earlier detection) before falling. The mean
duration of ambulant and residential care (``duur_maanden_ambulant``, ``duur_maanden_verblijf``)
shortens from the second JOS year (their own random stream, added in issue 20).

``josanalysis synth --schools N`` builds a larger synthetic region (``synth-N``) for scale tests,
writing its params next to the demo's (git-ignored).

All names and codes are fictional (``DM`` and ``S…`` instelling codes and ``GM99xx`` municipalities
cannot clash with real DUO or CBS codes). Nothing generated here may be presented as real.

Examples
--------
>>> from josanalysis.demo.synth import write_demo
>>> write_demo("/tmp/demo")          # doctest: +SKIP
PosixPath('/tmp/demo')
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from josanalysis.core.config import PARAMS_DIR, PROJECT_ROOT, load_region
from josanalysis.core.errors import ConfigError
from josanalysis.core.schoolcalendar import school_year_of, school_year_start
from josanalysis.demo.qualitative import write_qualitative
from josanalysis.demo.exportformat import (
    decimal_comma,
    decimal_comma_trimmed,
    quoted,
    suppressed_count,
    thousands_dot,
)

__all__ = ["DemoSchool", "demo_schools", "scale_schools", "true_effects", "write_demo", "SYNTHETIC_NOTICE",
           "FIRST_YEAR", "LAST_YEAR"]

SYNTHETIC_NOTICE = "SYNTHETISCHE DEMODATA — geen echte cijfers"
FIRST_YEAR = 2016  # school year 2016-2017
LAST_YEAR = 2024   # school year 2024-2025

#: Lesson weeks per calendar month in a typical school year (holidays taken out).
_LESSON_WEEKS = {9: 4.2, 10: 3.4, 11: 4.3, 12: 3.0, 1: 3.6, 2: 3.2, 3: 4.4, 4: 3.4, 5: 2.8,
                 6: 4.2, 7: 2.0}
_HOURS_PER_WEEK = 28
#: Seasonal pattern of the absence rate (difference from the school's base), by month.
_SEASON = {9: -0.012, 10: -0.006, 11: 0.0, 12: 0.009, 1: 0.012, 2: 0.010, 3: 0.004, 4: 0.0,
           5: -0.003, 6: 0.003, 7: 0.007}
_BASE_RATE = {"praktijkonderwijs": 0.105, "vso": 0.125, "vmbo/mavo": 0.085, "vmbo/mavo/havo": 0.08,
              "vmbo/mavo/havo/vwo": 0.075, "mavo/havo/vwo": 0.065, "havo/vwo": 0.055}
_MUNICIPALITIES = {"GM9901": "Duinwijk", "GM9902": "Polderdam", "GM9903": "Kustmeer"}
_OUTSIDE = {"GM9911": "Buitenveen", "GM9912": "Verwegen", "GM9913": "Grensdorp"}


@dataclass(frozen=True)
class DemoSchool:
    """One fictional school and the true effects built into its data."""

    school_id: str
    name: str
    school_type: str
    subregion: str
    municipality: str
    jos_start: dt.date | None
    pupils_2016: int
    pupil_trend: float            # relative change in pupils per year
    fte_before: tuple[float | None, float | None, float | None]   # GW, JGC, PAJ
    fte_during: tuple[float | None, float | None, float | None]
    absence_level: float          # true level change of the absence rate (fraction)
    absence_slope: float          # true slope change per calendar month after the start
    thuiszitter_ratio: float      # true rate ratio on new long-term absence cases
    referral_first_year: float    # rate ratio of referrals / youth care in the first JOS year
    referral_later: float         # rate ratio from the second JOS year on
    rho: float                    # AR(1) coefficient of the school-level absence noise
    sigma: float                  # innovation sd of the school-level absence noise


def demo_schools() -> list[DemoSchool]:
    """The 13 schools of the Demoregio with their true effects."""
    s = DemoSchool
    aug22, aug24, aug19 = dt.date(2022, 8, 1), dt.date(2024, 8, 1), dt.date(2019, 8, 1)
    return [
        s("DM0100", "Duinlicht College", "vmbo/mavo/havo/vwo", "Noord", "GM9901", aug22, 1150, 0.01,
          (0.055, 0.165, 0.0), (0.165, 0.44, 0.76), -0.010, -0.0002, 0.75, 1.30, 0.85, 0.35, 0.0045),
        s("DM0200", "Praktijkschool De Kreek", "praktijkonderwijs", "Noord", "GM9902", aug22, 190, 0.005,
          (0.055, 0.11, 0.0), (0.165, 0.16, 1.0), -0.006, 0.0, 0.80, 1.40, 0.80, 0.30, 0.0070),
        s("DM0300", "Sint-Adelbert Scholengemeenschap", "vmbo/mavo", "Noord", "GM9901", aug22, 780, 0.0,
          (0.055, 0.11, 0.0), (0.165, 0.33, 0.76), -0.008, 0.0, 0.80, 1.25, 0.85, 0.40, 0.0050),
        s("DM0400", "De Vaart (vso cluster 4)", "vso", "Noord", "GM9901", aug22, 240, 0.01,
          (0.055, 0.22, 0.0), (0.165, 0.44, 1.0), -0.015, -0.0003, 0.70, 1.50, 0.80, 0.45, 0.0070),
        s("DM0500", "Groenhorst College", "mavo/havo/vwo", "Noord", "GM9902", aug22, 1500, 0.005,
          (0.055, 0.165, 0.0), (0.165, 0.22, 1.0), 0.0, 0.0, 1.0, 1.20, 1.0, 0.25, 0.0040),
        s("DM0600", "Zeeduin Lyceum", "havo/vwo", "Midden", "GM9903", aug22, 1450, 0.0,
          (0.0, 0.24, None), (0.11, 0.49, None), -0.005, 0.0, 0.90, 1.20, 0.90, 0.30, 0.0040),
        s("DM0700", "Het Polderlyceum", "mavo/havo/vwo", "Midden", "GM9903", aug22, 1380, -0.005,
          (0.0, 0.24, None), (0.11, 0.49, None), 0.0, 0.0, 1.0, 1.15, 1.0, 0.50, 0.0040),
        s("DM0800", "Kustvonk", "vmbo/mavo", "Midden", "GM9903", aug22, 950, 0.01,
          (0.0, 0.24, None), (0.11, 0.49, None), -0.012, 0.0, 0.75, 1.30, 0.85, 0.35, 0.0045),
        s("DM0900", "Wieringerhof College", "vmbo/mavo/havo", "Noord", "GM9902", aug24, 870, 0.0,
          (0.055, 0.165, 0.0), (0.165, 0.33, 0.76), -0.008, 0.0, 0.80, 1.30, 0.85, 0.30, 0.0050),
        s("DM1000", "Meerzicht Scholengemeenschap", "havo/vwo", "Midden", "GM9903", aug24, 1100, 0.0,
          (0.0, 0.24, None), (0.11, 0.49, None), 0.0, 0.0, 1.0, 1.20, 1.0, 0.25, 0.0040),
        s("DM1300", "Oude Rijn College", "vmbo/mavo", "Noord", "GM9901", aug19, 820, 0.0,
          (0.055, 0.11, 0.0), (0.165, 0.33, 0.76), -0.010, 0.0, 0.80, 1.30, 0.85, 0.35, 0.0050),
        s("DM1100", "Het Lindeland College", "vmbo/mavo/havo/vwo", "Noord", "GM9902", None, 1250, 0.0,
          (0.055, 0.165, 0.0), (0.055, 0.165, 0.0), 0.0, 0.0, 1.0, 1.0, 1.0, 0.35, 0.0045),
        s("DM1200", "Strandwal Scholengemeenschap", "mavo/havo/vwo", "Midden", "GM9903", None, 1050, 0.0,
          (0.0, 0.24, None), (0.0, 0.24, None), 0.0, 0.0, 1.0, 1.0, 1.0, 0.35, 0.0045),
    ]


def _base36(i: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(width):
        i, r = divmod(i, 36)
        out = digits[r] + out
    return out


def scale_schools(n: int, seed: int) -> list[DemoSchool]:
    """``n`` fictional schools for scale tests: a third never start, the rest start 2020–2024.

    Every school is the only location (vestiging ``00``) of its own institution (BRIN ``S`` plus
    three base-36 characters), as in the demo: DUO publishes early school leaving per
    institution, so institutions shared by many schools would not load as one row per key.
    """
    if n > 36 ** 3:
        raise ConfigError(f"The synthetic scale region holds at most {36 ** 3} schools (three "
                          f"base-36 characters of the institution code), not {n}.")
    rng = np.random.default_rng(seed)
    types = list(_BASE_RATE)
    out = []
    for i in range(n):
        typ = types[rng.integers(len(types))]
        start = None if i % 3 == 2 else dt.date(int(rng.choice([2020, 2022, 2022, 2023, 2024])), 8, 1)
        effect = float(rng.choice([0.0, -0.005, -0.01])) if start else 0.0
        paj = None if rng.random() < 0.3 else 0.0
        out.append(DemoSchool(
            school_id=f"S{_base36(i, 3)}00", name=f"Synthetische school {i + 1}",
            school_type=typ, subregion="Noord" if i % 2 else "Midden",
            municipality=list(_MUNICIPALITIES)[i % 3], jos_start=start,
            pupils_2016=int(rng.integers(180, 1700)), pupil_trend=float(rng.normal(0, 0.01)),
            fte_before=(0.055, 0.165, paj), fte_during=(0.165, 0.33, None if paj is None else 0.76)
            if start else (0.055, 0.165, paj),
            absence_level=effect, absence_slope=0.0, thuiszitter_ratio=0.85 if effect else 1.0,
            referral_first_year=1.3 if start else 1.0, referral_later=0.85 if start else 1.0,
            rho=float(rng.uniform(0.2, 0.5)), sigma=float(rng.uniform(0.004, 0.006)),
        ))
    return out


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

def _months() -> pd.DatetimeIndex:
    """All calendar months of the demo period, August 2016 – July 2025."""
    return pd.date_range(f"{FIRST_YEAR}-08-01", f"{LAST_YEAR + 1}-07-01", freq="MS")


def _scheduled_hours(month: pd.Timestamp) -> float:
    """Scheduled lesson hours per pupil in a month (0 in August and during COVID closures)."""
    weeks = _LESSON_WEEKS.get(month.month, 0.0)
    if (month.year, month.month) in {(2020, 4), (2020, 5), (2021, 1), (2021, 2)}:
        weeks = 0.0
    elif (month.year, month.month) == (2020, 3):
        weeks = 2.0   # closed from 16 March
    elif (month.year, month.month) == (2020, 12):
        weeks = 2.0   # distance learning from 16 December
    return round(weeks * _HOURS_PER_WEEK)


def _pupils(school: DemoSchool, year: int) -> int:
    return int(round(school.pupils_2016 * (1 + school.pupil_trend) ** (year - FIRST_YEAR)))


def _months_since(month: pd.Timestamp, start: dt.date) -> int:
    return (month.year - start.year) * 12 + (month.month - start.month)


def _absence_rates(school: DemoSchool, months: pd.DatetimeIndex, rng: np.random.Generator) -> pd.Series:
    """True school-level absence rate per lesson month (with AR(1) noise)."""
    base = _BASE_RATE.get(school.school_type, 0.075)
    noise = np.zeros(len(months))
    e = rng.normal(0, school.sigma, len(months))
    for i in range(len(months)):
        noise[i] = (school.rho * noise[i - 1] if i else 0.0) + e[i]
    rates = []
    for i, m in enumerate(months):
        years = (m - pd.Timestamp(f"{FIRST_YEAR}-08-01")).days / 365.25
        r = base + _SEASON[m.month] + 0.0012 * years + noise[i]
        if school.jos_start is not None and m >= pd.Timestamp(school.jos_start):
            r += school.absence_level + school.absence_slope * _months_since(m, school.jos_start)
        rates.append(min(max(r, 0.005), 0.6))
    return pd.Series(rates, index=months)


def _write_attendance(schools: list[DemoSchool], out: Path, rng: np.random.Generator,
                      rates: dict[str, pd.Series]) -> None:
    """Pupil × month attendance summaries, one gzip CSV per school year."""
    folder = out / "verzuim"
    folder.mkdir(parents=True, exist_ok=True)
    lesson = [m for m in _months() if _scheduled_hours(m) > 0]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        frames = []
        year_months = [m for m in lesson if school_year_of(m) == f"{year}-{year + 1}"]
        for k, school in enumerate(schools):
            n = _pupils(school, year)
            ids = _pupil_ids(school, k, year, n)
            frailty = rng.gamma(1.5, 1 / 1.5, n)          # persistent pupil heterogeneity
            unauth_share = rng.beta(2, 8, n)
            for m in year_months:
                h = _scheduled_hours(m)
                mean = h * rates[school.school_id][m] * frailty
                absent = np.minimum(rng.poisson(mean), h)
                unauth = rng.binomial(absent, unauth_share)
                frames.append(pd.DataFrame({
                    "leerling_id": ids, "vestigingscode": school.school_id,
                    "datum": _first_lesson_day(m), "lesuren_gepland": h,
                    "lesuren_afwezig_geoorloofd": absent - unauth,
                    "lesuren_afwezig_ongeoorloofd": unauth,
                }))
        df = pd.concat(frames, ignore_index=True)
        # mtime=0 and no file name in the gzip header: the same seed gives identical bytes
        with open(folder / f"verzuim-{year}-{year + 1}.csv.gz", "wb") as raw, \
                gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(df.to_csv(sep=";", index=False).encode("utf-8"))


def _first_lesson_day(m: pd.Timestamp) -> str:
    d = m
    while d.weekday() >= 5:
        d += pd.Timedelta(days=1)
    return d.strftime("%Y-%m-%d")


def _pupil_ids(school: DemoSchool, k: int, year: int, n: int) -> np.ndarray:
    """Stable fictional pupil numbers: five cohorts, each pupil enrolled five years."""
    cohort = n // 5 + 1
    ids = []
    for entry in range(year - 4, year + 1):
        base = 1_000_000 + (k % 90) * 100_000 + ((entry - 2000) % 20) * 5_000
        ids.extend(base + np.arange(cohort))
    return np.array(ids[:n], dtype=np.int64)


def _write_leerplicht(schools, out: Path, rng: np.random.Generator, truth: list[dict]) -> None:
    rows = []
    case_no = 0
    # Cases start a year before the series so that the stock of open cases in August 2016 is
    # already at its steady state (an export holds the cases still open at its start).
    months = pd.date_range(f"{FIRST_YEAR - 1}-08-01", f"{LAST_YEAR + 1}-06-01", freq="MS")
    for k, school in enumerate(schools):
        seen: set[tuple[str, str, pd.Timestamp]] = set()
        first_pupil = _pupil_ids(school, k, 2020, 1)[0]
        for m in months:
            n = _pupils(school, max(FIRST_YEAR, school_year_start(school_year_of(m)).year))
            national = 1.06 ** ((m - pd.Timestamp("2016-08-01")).days / 365.25)   # national rise
            ratio = 1.0
            if school.jos_start is not None and m >= pd.Timestamp(school.jos_start):
                ratio = school.thuiszitter_ratio
            for typ, base_rate, dur in (("langdurig relatief verzuim", 0.0009, 5.0),
                                        ("absoluut verzuim", 0.00025, 7.0),
                                        ("relatief verzuim", 0.006, 1.0),
                                        ("vrijstelling", 0.0002, 10.0)):
                lam = n * base_rate * (national * ratio if typ in ("langdurig relatief verzuim",
                                                                   "absoluut verzuim") else 1.0)
                for _ in range(rng.poisson(lam)):
                    case_no += 1
                    start = m + pd.Timedelta(days=int(rng.integers(0, 28)))
                    length = int(rng.exponential(dur * 30.4)) + 14
                    end = start + pd.Timedelta(days=length)
                    open_case = end > pd.Timestamp(f"{LAST_YEAR + 1}-07-31")
                    pupil = None
                    while pupil is None or (pupil, typ, start) in seen:   # one per pupil, type, day
                        pupil = f"L{first_pupil + int(rng.integers(0, 4000))}"
                    seen.add((pupil, typ, start))
                    rows.append({
                        "leerling_id": pupil,
                        "vestigingscode": school.school_id, "type": typ,
                        "startdatum": start.strftime("%Y-%m-%d"),
                        "einddatum": "" if open_case else end.strftime("%Y-%m-%d"),
                    })
        if school.jos_start is not None:
            truth.append(_truth(school, "thuiszitters", "level", school.thuiszitter_ratio, "ratio",
                                "rate ratio on new long-term absence cases; the stock follows with delay"))
    folder = out / "leerplicht"
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "leerplicht-registraties.csv", sep=";", index=False)


def _jos_ratio(school: DemoSchool, year: int) -> float:
    """Ratio applied to referral / youth-care counts in school year ``year``."""
    if school.jos_start is None or year < school.jos_start.year:
        return 1.0
    return school.referral_first_year if year == school.jos_start.year else school.referral_later


def _write_yearly(schools, out: Path, rng: np.random.Generator, truth: list[dict]) -> None:
    youth, swv = [], []
    for school in schools:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            n = _pupils(school, year)
            r = _jos_ratio(school, year)
            later = school.referral_later if r == school.referral_first_year else r
            trend = 1.03 ** (year - FIRST_YEAR)
            amb = rng.poisson(n * 0.085 * trend * r)
            res = rng.poisson(n * 0.008 * trend * later)
            light = rng.poisson(n * 0.030 * trend * (1.25 if school.jos_start and year >= school.jos_start.year else 1.0))
            mid = rng.poisson(n * 0.040 * trend * r)
            heavy = rng.poisson(n * 0.012 * trend * later)
            youth.append({
                "vestigingscode": school.school_id, "schooljaar": f"{year}-{year + 1}",
                "leerlingen_jeugdhulp_ambulant": suppressed_count(amb),
                "leerlingen_jeugdhulp_verblijf": suppressed_count(res),
                "kosten_ambulant": decimal_comma(amb * rng.normal(5200, 400)),
                "kosten_verblijf": decimal_comma(res * rng.normal(61000, 5000)),
                "indicaties_licht": suppressed_count(light),
                "indicaties_middel": suppressed_count(mid),
                "indicaties_zwaar": suppressed_count(heavy),
                "duur_maanden_gemiddeld": decimal_comma(max(rng.normal(10.5 - (1.0 if later < 1 else 0), 0.8), 1)),
                **_durations_by_kind(school, year, later < 1),
            })
            swv.append({
                "vestigingscode": school.school_id, "schooljaar": f"{year}-{year + 1}",
                "tlv_vso_cluster4": rng.poisson(n * 0.006 * r),
                "plaatsingen_voorziening": rng.poisson(n * 0.005 * r),
            })
        if school.jos_start is not None:
            for ind, shift in _DURATION_SHIFT.items():
                truth.append(_truth(school, ind, "later_shift_months", shift, "difference",
                                    "shorter care from the second JOS school year"))
            for ind in ("youthcare_ambulant", "tlv_vso_cluster4", "placements_facility"):
                truth.append(_truth(school, ind, "first_year_ratio", school.referral_first_year, "ratio",
                                    "earlier detection: rise in the first JOS school year"))
                truth.append(_truth(school, ind, "later_ratio", school.referral_later, "ratio",
                                    "from the second JOS school year on"))
    (out / "gemeente").mkdir(parents=True, exist_ok=True)
    (out / "swv").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(youth).to_csv(out / "gemeente" / "jeugdhulp-per-school.csv", sep=";", index=False)
    pd.DataFrame(swv).to_csv(out / "swv" / "verwijzingen.csv", sep=";", index=False)


#: The mean duration of care per kind (months) before JOS, and its true shift from the second JOS year.
_DURATION_BASE = {"duration_ambulant_months": 9.0, "duration_residential_months": 15.0}
_DURATION_SHIFT = {"duration_ambulant_months": -0.9, "duration_residential_months": -1.5}


def _durations_by_kind(school: DemoSchool, year: int, later: bool) -> dict[str, str]:
    """Mean duration of ambulant and residential care, drawn from a stream of their own (seeded by
    school and year), so that adding these columns left every other number of the demo as it was."""
    own = np.random.default_rng([zlib.crc32(school.school_id.encode()), year])
    values = {k: max(own.normal(base + (_DURATION_SHIFT[k] if later else 0.0), 0.8), 1.0)
              for k, base in _DURATION_BASE.items()}
    return {"duur_maanden_ambulant": decimal_comma(values["duration_ambulant_months"]),
            "duur_maanden_verblijf": decimal_comma(values["duration_residential_months"])}


def _write_provider(schools, out: Path, rng: np.random.Generator) -> None:
    """JOS trajecten. JGC coaches register since 2018 at every school; PAJ and GW only once JOS
    starts — so the registration has a break at the start that is not an effect."""
    rows = []
    tid = 0
    end_of_data = pd.Timestamp(f"{LAST_YEAR + 1}-07-31")
    for k, school in enumerate(schools):
        for m in pd.date_range("2018-08-01", end_of_data, freq="MS"):
            n = _pupils(school, school_year_start(school_year_of(m)).year)
            jos = school.jos_start is not None and m >= pd.Timestamp(school.jos_start)
            funcs = {"JGC": 0.0015 * n * (1.6 if jos else 1.0)}
            if jos:
                funcs["GW"] = 0.0004 * n
                if school.fte_during[2]:
                    funcs["PAJ"] = 0.0025 * n
            for func, lam in funcs.items():
                for _ in range(rng.poisson(lam if m.month != 8 else lam * 0.2)):
                    tid += 1
                    typ = rng.choice(["eenmalig contact", "cliënttraject", "monitortraject"], p=[0.4, 0.4, 0.2])
                    start = m + pd.Timedelta(days=int(rng.integers(0, 28)))
                    days = 1 if typ == "eenmalig contact" else int(rng.exponential(150)) + 20
                    end = start + pd.Timedelta(days=days)
                    closed = end <= end_of_data
                    outflow = rng.choice(["op school gebleven", "uitgevallen", "verwezen tweede lijn"],
                                         p=[0.74, 0.05, 0.21]) if closed else ""
                    rows.append({
                        "traject_id": f"T{tid:06d}",
                        "leerling_id": f"L{_pupil_ids(school, k, 2021, 1)[0] + int(rng.integers(0, 4000))}",
                        "vestigingscode": school.school_id, "functie": func, "type": typ,
                        "startdatum": start.strftime("%Y-%m-%d"),
                        "einddatum": end.strftime("%Y-%m-%d") if closed else "",
                        "uitstroom": outflow,
                        "tevredenheid": str(int(np.clip(rng.normal(7.8, 1.1), 1, 10)))
                        if closed and rng.random() < 0.55 else "",
                        "terugval": (("ja" if rng.random() < 0.15 else "nee")
                                     if typ == "monitortraject" and closed else ""),
                    })
    (out / "aanbieder").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "aanbieder" / "trajecten.csv", sep=";", index=False)


def _write_duo(schools, out: Path, rng: np.random.Generator, region_munis: dict[str, str]) -> None:
    folder = out / "duo"
    folder.mkdir(parents=True, exist_ok=True)
    header = ['BEVOEGD GEZAG NUMMER', 'INSTELLINGSCODE', 'VESTIGINGSCODE', 'INSTELLINGSNAAM VESTIGING',
              'PLAATSNAAM', 'GEMEENTENUMMER', 'GEMEENTENAAM', 'PROVINCIE', 'AANTAL LEERLINGEN',
              'AANTAL VO LEERLINGEN UITBESTEED AAN VAVO']
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        lines = [";".join(quoted(h) for h in header)]
        for school in schools:
            vavo = int(rng.poisson(4))
            lines.append(";".join([
                quoted("99" + school.school_id[2:4] + "0"), quoted(school.school_id[:4]),
                quoted(school.school_id), quoted(school.name),
                quoted(region_munis[school.municipality].upper()), quoted(school.municipality[2:]),
                quoted(region_munis[school.municipality]), quoted("Noord-Holland"),
                str(_pupils(school, year)), quoted(suppressed_count(vavo) if vavo else "0"),
            ]))
        (folder / f"leerlingen-vo-per-vestiging-{year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Pupils by home postcode / municipality and leerjaar (latest year only).
    year = LAST_YEAR
    header = ["PEILDATUM", "VESTIGINGSCODE", "INSTELLINGSNAAM VESTIGING", "POSTCODE LEERLING",
              "GEMEENTENUMMER LEERLING", "GEMEENTENAAM LEERLING"] + \
             [f"LEER- OF VERBLIJFSJAAR {j}" for j in range(1, 7)]
    lines = [";".join(quoted(h) for h in header)]
    munis = {**region_munis, **_OUTSIDE}
    postcodes = {code: [f"{1900 + 10 * i + j}" for j in range(3)] for i, code in enumerate(munis)}
    for school in schools:
        n = _pupils(school, year)
        share_out = 0.12 if school.subregion == "Noord" else 0.2
        weights = np.array([(1 - share_out) * (0.7 if c == school.municipality else 0.15)
                            if c in region_munis else share_out / len(_OUTSIDE) for c in munis])
        weights = weights / weights.sum()
        counts = rng.multinomial(n, weights)
        years = 6 if school.school_type in ("havo/vwo", "mavo/havo/vwo", "vmbo/mavo/havo/vwo", "vso") else 4
        for code, c in zip(munis, counts):
            for pc in postcodes[code]:
                part = c // 3
                per_year = rng.multinomial(part, np.ones(years) / years)
                cells = [suppressed_count(int(v)) for v in per_year] + ["0"] * (6 - years)
                lines.append(";".join(
                    [quoted(f"{year}-10-01"), quoted(school.school_id), quoted(school.name),
                     quoted(pc), quoted(code[2:]), quoted(munis[code])]
                    + [quoted(c_) for c_ in cells]))
    (folder / f"leerlingen-vo-postcode-leerjaar-{year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Address file: no quoting, single space for an empty field.
    header = ("PROVINCIE;BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;STRAATNAAM;"
              "HUISNUMMER-TOEVOEGING;POSTCODE;PLAATSNAAM;GEMEENTENUMMER;GEMEENTENAAM;DENOMINATIE;"
              "TELEFOONNUMMER;INTERNETADRES;ONDERWIJSSTRUCTUUR;STRAATNAAM CORRESPONDENTIEADRES;"
              "HUISNUMMER-TOEVOEGING CORRESPONDENTIEADRES;POSTCODE CORRESPONDENTIEADRES;"
              "PLAATSNAAM CORRESPONDENTIEADRES;NODAAL GEBIED CODE;NODAAL GEBIED NAAM;RPA-GEBIED CODE;"
              "RPA-GEBIED NAAM;WGR-GEBIED CODE;WGR-GEBIED NAAM;COROPGEBIED CODE;COROPGEBIED NAAM;"
              "ONDERWIJSGEBIED CODE;ONDERWIJSGEBIED NAAM;RMC-REGIO CODE;RMC-REGIO NAAM;VAKANTIEREGIO")
    lines = [header]
    for i, school in enumerate(schools):
        city = region_munis[school.municipality].upper()
        structure = {"praktijkonderwijs": "PRO", "vso": "VSO"}.get(school.school_type,
                                                                  school.school_type.upper().replace("/", "/"))
        lines.append(";".join([
            "Noord-Holland", "99" + school.school_id[2:4] + "0", school.school_id[:4], school.school_id,
            school.name, "Schoolstraat", str(i + 1), f"19{i:02d} AB", city, school.municipality[2:],
            city, "Openbaar", " ", " ", structure, " ", " ", " ", " ", "99", "Demoregio", "99",
            "Demoregio", "99", f"{school.subregion}-Demoregio", "99", "Demoregio", "99", "Demoregio",
            "99", "Demoregio", "Noord",
        ]))
    (folder / "alle-vestigingen-vo.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Early school leavers per instelling (older layout, '.' as thousands separator).
    for year in range(FIRST_YEAR, LAST_YEAR):
        lines = ["BRIN NUMMER;JAAR;ONDERWIJSSTRUCTUUR EN LEERJAAR;AANTAL DEELNEMERS;AANTAL VSV ERS"]
        for school in schools:
            n = _pupils(school, year)
            ratio = _jos_ratio(school, year)
            ratio = 0.85 if ratio != 1.0 else 1.0
            leavers = rng.poisson(n * 0.009 * ratio)
            lines.append(";".join([school.school_id[:4], f"{year}-{year + 1}", "VO totaal",
                                   thousands_dot(n), str(leavers)]))
        (folder / f"vsv-{year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_cbs(schools, out: Path, rng: np.random.Generator, region_munis: dict[str, str]) -> None:
    """A saved OData TypedDataSet of table 85099NED (youth care per municipality)."""
    values = []
    i = 0
    for code in region_munis:
        youth = sum(_pupils(s, 2016) for s in schools if s.municipality == code) * 2.5
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            total = int(youth * 0.11 * 1.03 ** (year - FIRST_YEAR))
            residential = int(total * 0.09)
            values.append({
                "ID": i, "RegioS": code + "  ", "Perioden": f"{year}JJ00",
                "JongerenMetJeugdhulp_1": total,
                "JongerenMetJeugdhulpZonderVerblijf_2": total - residential,
                "JongerenMetJeugdhulpMetVerblijf_3": residential if residential >= 10 else None,
            })
            i += 1
    (out / "cbs").mkdir(parents=True, exist_ok=True)
    doc = {"odata.metadata": "https://opendata.cbs.nl/ODataApi/odata/85099NED/$metadata#Cbs.OData.WebAPI.TypedDataSet",
           "value": values}
    (out / "cbs" / "85099NED.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")


def _write_capacity_budget(schools, out: Path, rng: np.random.Generator) -> None:
    rows = []
    for school in schools:
        for func, before, during in zip(("GW", "JGC", "PAJ"), school.fte_before, school.fte_during):
            nvt = before is None and during is None
            hours = "" if nvt or not during else str(int(round(during * 36)))
            rows.append({"vestigingscode": school.school_id, "school": school.name, "functie": func,
                         "fte_eerder": "n.v.t." if nvt else decimal_comma_trimmed(before),
                         "fte_tijdens": "n.v.t." if nvt else decimal_comma_trimmed(during),
                         "uren_per_week_tijdens": hours})
    (out / "capaciteit").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "capaciteit" / "fte.csv", sep=";", index=False)
    rows = []
    for school in schools:
        historic = _pupils(school, 2019) * rng.uniform(60, 220)   # set by history, not need
        for year in range(2022, LAST_YEAR + 2):
            rows.append({"vestigingscode": school.school_id, "jaar": year,
                         "budget_eur": decimal_comma(round(historic * 1.02 ** (year - 2022), -2))})
    (out / "budget").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "budget" / "zio-budget.csv", sep=";", index=False)


def _write_rendement(schools, out: Path, rng: np.random.Generator) -> None:
    """The schools' own return indicators (staff, procedures, flow), from 2019-2020 on."""
    rows = []
    for school in schools:
        for year in range(2019, LAST_YEAR + 1):
            jos = school.jos_start is not None and year >= school.jos_start.year
            n = _pupils(school, year)
            values = {
                "instroom": int(rng.poisson(n / 5)),
                "doorstroom_pct": float(np.clip(rng.normal(91 + (1.0 if jos else 0.0), 2), 70, 100)),
                "procedures": int(rng.poisson(n * 0.012 * (0.7 if jos else 1.0))),
                "administratie_uren": float(max(rng.normal(30 - (6 if jos else 0), 4), 1)),
                "ziekteverzuim_pct": float(np.clip(rng.normal(6.2, 0.8), 1, 20)),
                "verloop_leraren_pct": float(np.clip(rng.normal(9, 2), 0, 40)),
                "werkplezier": float(np.clip(rng.normal(7.1 + (0.2 if jos else 0.0), 0.3), 1, 10)),
            }
            for key, value in values.items():
                rows.append({"vestigingscode": school.school_id, "schooljaar": f"{year}-{year + 1}",
                             "indicator": key,
                             "waarde": str(value) if isinstance(value, int) else decimal_comma(value)})
    (out / "rendement").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "rendement" / "rendement-indicatoren.csv", sep=";", index=False)


def _truth(school: DemoSchool, indicator: str, parameter: str, value: float, scale: str, note: str) -> dict:
    return {"school_id": school.school_id, "indicator": indicator, "parameter": parameter,
            "value": value, "scale": scale,
            "jos_start": school.jos_start.isoformat() if school.jos_start else "", "note": note}


def write_demo(out_dir: str | Path = PROJECT_ROOT / "data" / "demo", *, seed: int = 20220801,
               n_schools: int | None = None, params_dir: str | Path = PARAMS_DIR) -> Path:
    """Write the synthetic demo region's input files (and ``truth.csv``) to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write; created if missing. Existing generated files are overwritten.
    seed
        Seed of the random generator: the same seed gives byte-identical files.
    n_schools
        ``None`` for the 13-school Demoregio; a number builds the scale region ``synth-N`` with
        that many schools and also writes its parameter files to ``params_dir`` (git-ignored).
    params_dir
        Where the scale region's parameter files go (default: the project's ``params/``).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    schools = demo_schools() if n_schools is None else scale_schools(int(n_schools), seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    region_munis = dict(_MUNICIPALITIES)
    truth: list[dict] = []
    months = _months()
    lesson = pd.DatetimeIndex([m for m in months if _scheduled_hours(m) > 0])
    rates = {s.school_id: _absence_rates(s, lesson, np.random.default_rng([seed, i]))
             for i, s in enumerate(schools)}
    for s in schools:
        if s.jos_start is not None:
            truth.append(_truth(s, "absence_rate", "level", s.absence_level, "difference",
                                "true level change of the monthly absence rate (fraction of lesson hours)"))
            truth.append(_truth(s, "absence_rate", "slope", s.absence_slope, "difference",
                                "true slope change per calendar month after the start"))
    _write_attendance(schools, out, rng, rates)
    _write_leerplicht(schools, out, rng, truth)
    _write_yearly(schools, out, rng, truth)
    _write_provider(schools, out, rng)
    _write_duo(schools, out, rng, region_munis)
    _write_cbs(schools, out, rng, region_munis)
    _write_capacity_budget(schools, out, rng)
    _write_rendement(schools, out, rng)
    write_qualitative(schools, out, seed=seed)   # its own child stream: the files above do not change
    pd.DataFrame(truth).to_csv(out / "truth.csv", index=False)
    rates_df = pd.DataFrame(rates).rename_axis("month").reset_index()
    rates_df.to_csv(out / "truth-absence-rates.csv", index=False, float_format="%.6f")
    (out / "README.md").write_text(
        f"# {SYNTHETIC_NOTICE}\n\nEverything in this folder is synthetic, generated by "
        f"`josanalysis.demo.synth.write_demo(seed={seed})`. Schools, pupils, municipalities and numbers are "
        "fictional; the codes (`DM…`, `S…00`, `GM99…`) cannot clash with real DUO or CBS codes.\n"
        "`truth.csv` and `truth-absence-rates.csv` hold the true effects and rates built in, for tests.\n"
        "Regenerate with `josanalysis synth`.\n", encoding="utf-8")
    if n_schools is not None:
        _write_scale_params(schools, out, int(n_schools), Path(params_dir))
    return out


def _write_scale_params(schools: list[DemoSchool], out: Path, n: int,
                        params_dir: Path = PARAMS_DIR) -> None:
    region_id = f"synth-{n}"
    sdir = params_dir / "schools" / region_id
    sdir.mkdir(parents=True, exist_ok=True)
    for s in schools:
        doc = {"school_id": s.school_id, "name": s.name, "type": s.school_type, "region": region_id,
               "subregion": s.subregion, "jos_start": s.jos_start.isoformat() if s.jos_start else None,
               "fte": {"before": dict(zip(("GW", "JGC", "PAJ"), s.fte_before)),
                       "during": dict(zip(("GW", "JGC", "PAJ"), s.fte_during))}}
        (sdir / f"{s.school_id}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    try:
        data_dir = out.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        data_dir = out.resolve()
    region = {"region_id": region_id, "name": f"Synthetische regio ({n} scholen)", "synthetic": True,
              "data_dir": str(data_dir), "language": "nl", "schools": [s.school_id for s in schools],
              "comparison_schools": [s.school_id for s in schools if s.jos_start is None],
              "municipalities": dict(_MUNICIPALITIES)}
    (params_dir / "regions").mkdir(parents=True, exist_ok=True)
    (params_dir / "regions" / f"{region_id}.yaml").write_text(
        "# Generated by `josanalysis synth --schools N` (synthetic, not committed).\n"
        + yaml.safe_dump(region, sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_region(region_id, params_dir)   # fail loudly if the generated params do not load


def true_effects(data_dir: str | Path, school_id: str | None = None,
                 indicator: str | None = None) -> pd.DataFrame:
    """The effects built into a synthetic region (its ``truth.csv``), to check the methods against.

    Parameters
    ----------
    data_dir
        The region's data folder (``Region.data_dir``), e.g. ``data/demo``.
    school_id, indicator
        Keep only these rows (default: all).

    Returns
    -------
    pandas.DataFrame
        Columns ``school_id, indicator, parameter, value, scale, jos_start, note``; empty when
        the folder has no ``truth.csv`` (a real region: its true effects are unknown).

    Examples
    --------
    >>> true_effects("data/demo", "DM0100", "absence_rate")[["parameter", "value"]]  # doctest: +SKIP
      parameter   value
    0     level -0.0100
    1     slope -0.0002
    """
    columns = ["school_id", "indicator", "parameter", "value", "scale", "jos_start", "note"]
    path = Path(data_dir) / "truth.csv"
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    df = pd.read_csv(path, dtype={"school_id": str})
    if school_id is not None:
        df = df[df["school_id"] == school_id]
    if indicator is not None:
        df = df[df["indicator"] == indicator]
    return df.reset_index(drop=True)
