"""Core: what every layer shares and nothing else.

Validated configuration (:mod:`~josanalysis.core.config`), the one indicator registry
(:mod:`~josanalysis.core.indicators`), the theoretical framework of Bijlage 1
(:mod:`~josanalysis.core.framework`), the one school calendar
(:mod:`~josanalysis.core.schoolcalendar`), the one Dutch formatting module
(:mod:`~josanalysis.core.formatting`) and the error types (:mod:`~josanalysis.core.errors`).
Core imports no other part of :mod:`josanalysis`.
"""
