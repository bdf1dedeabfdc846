"""Loaders for every monitor data source, each returning a documented canonical frame.

One shared robust reader (:mod:`josanalysis.sources.common`) handles delimiters, encodings,
decimal commas, suppressed small counts (``<5``, ``.``) and header drift; every loader validates
its result (pandera) and refuses bad input with a :class:`~josanalysis.errors.DataError` naming
file, row and column. File formats: ``docs/data-formats.md``.

Examples
--------
>>> from josanalysis.sources import load_duo_pupils
>>> df = load_duo_pupils("../shared/data/duo/leerlingen-vo-per-vestiging-2025-subset.csv")  # doctest: +SKIP
"""

from josanalysis.sources.attendance import load_attendance, load_attendance_pupil_months
from josanalysis.sources.capacity import load_budget, load_capacity
from josanalysis.sources.cbs import load_cbs_youthcare
from josanalysis.sources.common import pseudonymise
from josanalysis.sources.duo import (
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
)
from josanalysis.sources.folder import RegionData, check_data_folder, load_region_data
from josanalysis.sources.leerplicht import load_leerplicht_cases, load_thuiszitters
from josanalysis.sources.municipality import load_municipality_youthcare
from josanalysis.sources.provider import load_provider_trajectories, summarise_trajectories
from josanalysis.sources.swv import load_swv_referrals

__all__ = [
    "RegionData",
    "check_data_folder",
    "load_region_data",
    "load_budget",
    "load_capacity",
    "load_cbs_youthcare",
    "load_leerplicht_cases",
    "load_thuiszitters",
    "load_municipality_youthcare",
    "load_provider_trajectories",
    "summarise_trajectories",
    "load_swv_referrals",
    "load_attendance",
    "load_attendance_pupil_months",
    "load_duo_addresses",
    "load_duo_pupils",
    "load_duo_pupils_by_postcode",
    "load_duo_vsv",
    "pseudonymise",
]
