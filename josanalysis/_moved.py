"""Import paths of release 0.1 that moved when the package was split into layers (0.2).

Researchers' notebooks may still say ``from josanalysis.its import fit_its`` or
``from josanalysis import plots``. For one release those paths keep working: a finder on
``sys.meta_path`` answers each old module name with a stand-in module that looks every name up in
the module(s) that now hold it, and warns once (``DeprecationWarning``) with the new place. A name
that no longer exists is an ``ImportError`` sentence naming where to look. Release 0.3 removes
this file.

Examples
--------
>>> import sys, warnings
>>> _ = sys.modules.pop("josanalysis.its", None)
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from josanalysis.its import fit_its
>>> fit_its.__module__.startswith("josanalysis.methods")
True
>>> "josanalysis.methods.its" in str(caught[0].message)
True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = ["MOVED", "install"]

#: Old module (release 0.1) -> the module(s) that hold its public names now, first one named in warnings.
MOVED: dict[str, tuple[str, ...]] = {
    "josanalysis.errors": ("josanalysis.core.errors",),
    "josanalysis.config": ("josanalysis.core.config",),
    "josanalysis.indicators": ("josanalysis.core.indicators",),
    "josanalysis.schoolcalendar": ("josanalysis.core.schoolcalendar",),
    "josanalysis.its": ("josanalysis.methods.its",),
    "josanalysis.robustness": ("josanalysis.methods.robustness",),
    "josanalysis.eventstudy": ("josanalysis.methods.eventstudy",),
    "josanalysis.caveats": ("josanalysis.assessment",),
    "josanalysis.analysis": ("josanalysis.assessment", "josanalysis.reporting.tables"),
    "josanalysis.capacity": ("josanalysis.questions.capacity",),
    "josanalysis.budget": ("josanalysis.questions.budget",),
    "josanalysis.outofregion": ("josanalysis.questions.outofregion",),
    "josanalysis.rendement": ("josanalysis.questions.rendement",),
    "josanalysis.plots": ("josanalysis.reporting.figures",),
    "josanalysis.report": ("josanalysis.reporting.presentation",),
    "josanalysis.batch": ("josanalysis.runner",),
    "josanalysis.manifest": ("josanalysis.runner.manifest",),
    "josanalysis.cli": ("josanalysis.runner.cli",),
    "josanalysis.synth": ("josanalysis.demo.synth",),
    "josanalysis.sources.common": ("josanalysis.sources",) + tuple(
        f"josanalysis.sources.reading.{m}"
        for m in ("files", "table", "columns", "numbers", "dates", "codes", "schema", "pseudonyms")),
}


def _stand_in(old: str, new: tuple[str, ...]) -> types.ModuleType:
    module = types.ModuleType(old, f"Moved: the names of {old} are now in {', '.join(new)}.")

    def lookup(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for target in new:
            holder = importlib.import_module(target)
            if hasattr(holder, name):
                return getattr(holder, name)
        # ImportError, not AttributeError: ``from old import name`` would replace an
        # AttributeError by Python's own "cannot import name" and lose the new place.
        raise ImportError(
            f"{old}.{name} does not exist any more: {old} moved to {' and '.join(new)} in josanalysis 0.2 "
            f"and '{name}' is not among its names; see ARCHITECTURE.md for where each concept lives.")

    module.__getattr__ = lookup  # type: ignore[method-assign]
    module.__all__ = []
    return module


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} moved to {new[0]} in josanalysis 0.2; the old path works until 0.3. "
                      f"Import from {new[0]} (or from josanalysis) instead.", DeprecationWarning, stacklevel=3)
        return _stand_in(spec.name, new)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _Loader())
        return None


def install() -> None:
    """Put the finder for the old paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
