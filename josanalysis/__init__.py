"""josanalysis: the monitor toolkit for Jeugdhulp op School (JOS).

Data flows one way: files -> :mod:`josanalysis.sources` (validated) -> :mod:`josanalysis.panel.build`
-> :mod:`josanalysis.core.indicators` -> models (:mod:`josanalysis.methods.its`) -> :mod:`josanalysis.assessment.caveats`
-> :mod:`josanalysis.privacy.suppression` -> :mod:`josanalysis.reporting.figures` / tables -> notebooks -> reports.
"""

from josanalysis.core.errors import ConfigError, DataError, JosError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DataError", "JosError", "__version__"]
