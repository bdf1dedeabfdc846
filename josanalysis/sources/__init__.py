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
from josanalysis.sources.common import pseudonymise
from josanalysis.sources.duo import (
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
)

__all__ = [
    "load_attendance",
    "load_attendance_pupil_months",
    "load_duo_addresses",
    "load_duo_pupils",
    "load_duo_pupils_by_postcode",
    "load_duo_vsv",
    "pseudonymise",
]
