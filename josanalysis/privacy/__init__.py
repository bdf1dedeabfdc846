"""Privacy at the output boundary: suppression, disclosure checks and the output scan.

The only layer that makes tables safe to share (``docs/privacy.md``):

* :mod:`~josanalysis.privacy.protected` — :class:`ProtectedTable`, the one table type a report
  may show or write, :func:`is_protected` and :func:`require_protected`;
* :mod:`~josanalysis.privacy.suppression` — primary suppression of pupil counts and rates;
* :mod:`~josanalysis.privacy.disclosure` — secondary suppression: no hidden cell can be
  recomputed from the totals;
* :mod:`~josanalysis.privacy.boundary` — :func:`apply_privacy`, :func:`apply_privacy_across` (one
  suppression pattern for the counts that several reports publish), :func:`rename_protected`,
  :func:`format_for_report`;
* :mod:`~josanalysis.privacy.rendering` — the marker, Dutch cell text, the footnote;
* :mod:`~josanalysis.privacy.scan` — the output scan for pseudonyms, small counts and active
  content (:mod:`~josanalysis.privacy.active_content`);
* :mod:`~josanalysis.privacy.shareable_files` — the one writer of results files.
"""

from josanalysis.privacy.boundary import (
    apply_privacy,
    apply_privacy_across,
    certify_without_counts,
    concat_protected,
    drop_protected,
    select_rows_protected,
    format_for_report,
    hide_dependent,
    rename_protected,
)
from josanalysis.privacy.protected import PrivacyError, ProtectedTable, is_protected, require_protected
from josanalysis.privacy.rendering import MARKER, MISSING_MARKER, privacy_footnote
from josanalysis.privacy.scan import (
    COUNT_FIELD_PATTERNS,
    NON_COUNT_FIELD_PATTERNS,
    PSEUDONYM_PATTERN,
    PUPIL_ID_COLUMNS,
    OutputScanner,
    Violation,
    assert_outputs_private,
    is_count_field,
    pupil_identifiers,
    scan_outputs,
)
from josanalysis.privacy.shareable_files import write_results, write_tables
from josanalysis.privacy.suppression import SuppressedTable, suppress_counts, suppress_rates

__all__ = [
    "MARKER",
    "MISSING_MARKER",
    "COUNT_FIELD_PATTERNS",
    "NON_COUNT_FIELD_PATTERNS",
    "PSEUDONYM_PATTERN",
    "SuppressedTable",
    "Violation",
    "PrivacyError",
    "suppress_counts",
    "suppress_rates",
    "apply_privacy",
    "apply_privacy_across",
    "format_for_report",
    "rename_protected",
    "drop_protected",
    "select_rows_protected",
    "hide_dependent",
    "concat_protected",
    "certify_without_counts",
    "privacy_footnote",
    "is_count_field",
    "scan_outputs",
    "OutputScanner",
    "assert_outputs_private",
    "pupil_identifiers",
    "PUPIL_ID_COLUMNS",
    "ProtectedTable",
    "is_protected",
    "require_protected",
    "write_results",
    "write_tables",
]
