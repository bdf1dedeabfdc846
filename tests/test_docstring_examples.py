"""The examples in the docstrings of the small, fast modules run and give what they show.

Every public entry point carries an example (numpydoc); these modules' examples are cheap and are
checked here on every `make test`. (The whole package's examples also pass with
`pytest --doctest-modules josanalysis`, about four minutes: model fits, a demo region.)
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "josanalysis.core.formatting", "josanalysis.core.personal_data", "josanalysis.core.schoolcalendar",
    "josanalysis.core.fte", "josanalysis.core.absence_reasons", "josanalysis.sources.attendance_layout",
    "josanalysis.privacy.active_content", "josanalysis.privacy.boundary",
    "josanalysis.privacy.disclosure", "josanalysis.privacy.suppression", "josanalysis.privacy.scan",
    "josanalysis.reporting.markup", "josanalysis.reporting.document", "josanalysis.runner.plan",
    "josanalysis.questions.costs", "josanalysis.questions.carelevel",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"
