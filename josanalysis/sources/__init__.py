"""Loaders for every monitor data source, each returning a documented canonical frame.

One shared reading layer (:mod:`josanalysis.sources.reading`) handles delimiters, encodings,
decimal commas, suppressed small counts (``<5``, ``.``) and header drift; every loader validates
its result (pandera) and refuses bad input with a :class:`~josanalysis.core.errors.DataError` naming
file, row and column. File formats: ``docs/data-formats.md``; example files: ``data/examples/``.

=====================================  =============================================================
loader                                 canonical frame (columns)
=====================================  =============================================================
``load_duo_pupils``                    school_id, instelling, school_name, city, municipality_code,
                                       municipality_name, province, reference_date, pupils,
                                       pupils_suppressed, vavo_pupils, vavo_suppressed
``load_duo_pupils_by_postcode``        reference_date, school_id, school_name, postcode,
                                       home_municipality_code, home_municipality_name, leerjaar,
                                       pupils, suppressed
``load_duo_addresses``                 school_id, instelling, school_name, street, house_number,
                                       postcode, city, municipality_code, municipality_name,
                                       education_structure, rmc_code, rmc_name, ...
``load_duo_vsv``                       instelling, school_year, education_structure, participants,
                                       early_leavers, suppressed
``load_cbs_youthcare``                 municipality_code, year, measure, value, suppressed
``load_thuiszitters``                  school_id, month, thuiszitters, absoluut_verzuim,
                                       langdurig_relatief_verzuim
``load_attendance``                    school_id, month, n_pupils, scheduled_hours,
                                       absent_authorised_hours, absent_unauthorised_hours,
                                       absent_hours, absence_rate, unauthorised_rate
``load_municipality_youthcare``        school_id, school_year, youthcare_ambulant,
                                       youthcare_residential, cost_ambulant, cost_residential,
                                       indications_light/medium/heavy, duration_months (and per kind:
                                       duration_ambulant_months, duration_residential_months), *_suppressed
``load_swv_referrals``                 school_id, school_year, tlv_vso_cluster4,
                                       placements_facility, *_suppressed
``load_provider_trajectories``         trajectory_id, pupil_key, school_id, function, type, start,
                                       end, outflow, satisfaction, relapse
``load_capacity``                      school_id, school_name, function, fte_before, fte_during,
                                       hours_per_week_during, deployed
``load_rendement_indicators``          school_id, school_year, indicator, value (the schools' own
                                       return indicators, ``rendement/*.csv``)
``load_budget``                        school_id, year, budget_eur
=====================================  =============================================================

``load_region_data(data_dir, school_ids=...)`` loads a whole data folder into a
:class:`RegionData`; ``check_data_folder(path)`` reports every file as OK / FOUT;
``source_coverage(path)`` lists per report section the sources present and missing.

Examples
--------
>>> from josanalysis.sources import load_duo_pupils
>>> df = load_duo_pupils("tests/data/duo/leerlingen-vo-per-vestiging-2025-subset.csv")  # doctest: +SKIP
"""

from josanalysis.sources.attendance import load_attendance, load_attendance_pupil_months
from josanalysis.sources.capacity import load_budget, load_capacity
from josanalysis.sources.cbs import load_cbs_youthcare
from josanalysis.sources.duo import (
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
)
from josanalysis.sources.folder import RegionData, check_data_folder, load_region_data, source_coverage
from josanalysis.sources.leerplicht import load_leerplicht_cases, load_thuiszitters
from josanalysis.sources.municipality import load_municipality_youthcare
from josanalysis.sources.exitsurvey import load_exit_survey, summarise_exit_survey
from josanalysis.sources.provider import follow_trajectories, load_provider_trajectories, summarise_trajectories
from josanalysis.sources.reading.pseudonyms import PSEUDONYM_KEY_ENV, pseudonymise
from josanalysis.sources.rendement import load_rendement_indicators
from josanalysis.sources.stories import load_stories
from josanalysis.sources.surveys import load_pupil_survey, load_team_survey, summarise_team_survey
from josanalysis.sources.swv import load_swv_referrals

__all__ = [
    "RegionData",
    "check_data_folder",
    "load_region_data",
    "source_coverage",
    "load_budget",
    "load_capacity",
    "load_cbs_youthcare",
    "load_leerplicht_cases",
    "load_thuiszitters",
    "load_municipality_youthcare",
    "load_provider_trajectories",
    "summarise_trajectories",
    "follow_trajectories",
    "load_team_survey",
    "summarise_team_survey",
    "load_pupil_survey",
    "load_exit_survey",
    "summarise_exit_survey",
    "load_stories",
    "load_swv_referrals",
    "load_rendement_indicators",
    "load_attendance",
    "load_attendance_pupil_months",
    "load_duo_addresses",
    "load_duo_pupils",
    "load_duo_pupils_by_postcode",
    "load_duo_vsv",
    "pseudonymise",
    "PSEUDONYM_KEY_ENV",
]
