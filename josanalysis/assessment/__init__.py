"""Assessment: the pre-specified analysis per school and region, verdicts and caveats.

Turns method results into evidence, a verdict that agrees with its own interval, and the
attribution caveats derived from the data (``docs/verdicts.md``).
"""
