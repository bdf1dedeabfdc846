"""The questions regions ask beside the effect estimates: capacity, budget, out-of-region
pupils and return indicators (``docs/budget.md``)."""
