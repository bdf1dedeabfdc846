"""The questions regions ask beside the effect estimates (``docs/budget.md``).

* :mod:`~josanalysis.questions.capacity` -- FTE per function per school, per 100 pupils, spread;
* :mod:`~josanalysis.questions.budget` and :mod:`~josanalysis.questions.budget_assumptions` --
  the collective budget recalibrated on pupils and need, with a capped transition path;
* :mod:`~josanalysis.questions.costs` -- youth-care costs per school and pupil, the collective budget
  per pupil and per JOS trajectory, the 2019-2020 basis, maatwerk reserve and co-financing;
* :mod:`~josanalysis.questions.carelevel` -- the weight of care (licht / midden / zwaar), the duration
  of care, and the region's verdicts on them;
* :mod:`~josanalysis.questions.regions` -- regions and subregions measured with one base approach;
* :mod:`~josanalysis.questions.outofregion` -- pupils living outside the region, contributions;
* :mod:`~josanalysis.questions.rendement`, :mod:`~josanalysis.questions.rendement_tables` and
  :mod:`~josanalysis.questions.provider` -- the return indicators and the provider's registration;
* :mod:`~josanalysis.questions.budget_inputs` -- the budget report's inputs, from a prepared panel
  or the region's data; :mod:`~josanalysis.questions.pupils` and
  :mod:`~josanalysis.questions.missing` -- pupil counts and "supply this file" sentences they share.
"""
