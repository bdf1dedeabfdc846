"""josanalysis: the monitor toolkit for Jeugdhulp op School (JOS).

Data flows one way: files -> :mod:`josanalysis.sources` (validated) -> :mod:`josanalysis.panel`
-> :mod:`josanalysis.indicators` -> models (:mod:`josanalysis.its`) -> :mod:`josanalysis.caveats`
-> :mod:`josanalysis.privacy` -> :mod:`josanalysis.plots` / tables -> notebooks -> reports.
"""

from josanalysis.errors import ConfigError, DataError, JosError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DataError", "JosError", "__version__"]
