"""The protected table: the one type a report may show or write, made only by the privacy layer.

:func:`josanalysis.privacy.apply_privacy`, :func:`josanalysis.privacy.format_for_report`, the
table of :func:`josanalysis.privacy.suppress_counts` and :func:`josanalysis.privacy.suppress_rates`
return a :class:`ProtectedTable`; the reporting layer calls :func:`require_protected` before it
shows or writes a table.

A :class:`ProtectedTable` is a pandas ``DataFrame``, so code that reads it (``to_csv``,
``to_json``, ``.style``, plotting, pickling) works unchanged. The mark is deliberately fragile:

* every pandas operation that makes a new frame (``copy``, ``rename``, ``drop``, selecting rows or
  columns, ``assign``, ``concat``, ``fillna``, arithmetic, ...) returns a plain ``DataFrame``,
  because the result may show something the privacy layer did not check;
* a change in place (``table[col] = ...``, ``table.loc[...] = ...``, writing into ``.values``)
  keeps the class but not the mark: the table remembers a fingerprint of its cells, labels and
  dtypes, and :func:`is_protected` compares it.

So a table is protected exactly when it is, cell for cell, what the privacy layer returned. To
change a protected table, change its input and pass it through the boundary again; to rename
its columns use :func:`josanalysis.privacy.rename_protected`. ``table.attrs`` (the record of which
cells are hidden) is not part of the fingerprint: it changes how hidden cells are rendered, not
what a cell holds.

Examples
--------
>>> import pandas as pd
>>> t = protect(pd.DataFrame({"aantal": [12, None]}))
>>> is_protected(t), is_protected(t.copy()), is_protected(pd.DataFrame({"aantal": [12]}))
(True, False, False)
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np
import pandas as pd

from josanalysis.core.errors import JosError

__all__ = ["PrivacyError", "ProtectedTable", "protect", "is_protected", "require_protected"]


class PrivacyError(JosError, AssertionError):
    """Outputs contain a pupil pseudonym or an unsuppressed small pupil count, or a table that
    did not pass the privacy layer is about to be shown."""


class ProtectedTable(pd.DataFrame):
    """A table that passed the privacy boundary, as returned by the privacy layer.

    Construct it only through the privacy layer (:func:`protect` is for that layer alone); a
    ``ProtectedTable(frame)`` built by hand carries no mark and :func:`is_protected` says False.
    Derived frames are plain ``DataFrame`` objects (see the module docstring).
    """

    _metadata = ["_privacy_fingerprint"]
    _privacy_fingerprint: str | None = None

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame


def _fingerprint(frame: pd.DataFrame) -> str:
    """A hash of the cells, the index, the column labels and the dtypes of a frame.

    Numeric and date columns are hashed as their bytes, other columns as the ``repr`` of their
    values (report tables are small: this is several times faster than
    ``pd.util.hash_pandas_object`` on them, and a report checks hundreds of tables).
    """
    digest = hashlib.sha256()
    digest.update(repr((list(frame.columns), [str(t) for t in frame.dtypes], frame.shape,
                        frame.index.tolist())).encode("utf-8", "surrogatepass"))
    # a view without ``attrs``: pandas deep-copies a frame's attrs into every column it hands out
    plain = pd.DataFrame(frame, copy=False)
    for _, col in plain.items():
        values = col.to_numpy()
        if values.dtype.kind in "biufcmM":
            digest.update(np.ascontiguousarray(values).tobytes())
        else:
            digest.update("\x1f".join(map(repr, values.tolist())).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def protect(frame: pd.DataFrame) -> ProtectedTable:
    """Mark a frame the privacy layer has just made safe to show (privacy layer only).

    Returns a new :class:`ProtectedTable` with the frame's cells and ``attrs``; later changes to
    ``frame`` do not reach it.
    """
    table = ProtectedTable(frame)
    table.attrs = copy.deepcopy(dict(frame.attrs))
    object.__setattr__(table, "_privacy_fingerprint", _fingerprint(table))
    return table


def is_protected(obj: Any) -> bool:
    """Whether ``obj`` is a table exactly as the privacy layer returned it.

    Examples
    --------
    >>> import pandas as pd
    >>> t = protect(pd.DataFrame({"n": [7]}))
    >>> t.loc[0, "n"] = 3
    >>> is_protected(t)
    False
    """
    if not isinstance(obj, ProtectedTable):
        return False
    mark = obj._privacy_fingerprint
    return mark is not None and mark == _fingerprint(obj)


def require_protected(obj: Any, what: str) -> ProtectedTable:
    """Return ``obj`` if it is protected, else raise :class:`PrivacyError` with a sentence.

    The reporting layer calls this before it shows or writes a table.

    Parameters
    ----------
    obj
        The table about to be shown or written.
    what
        What it is, for the message (``"the table 'per_school'"``).

    Returns
    -------
    ProtectedTable
        ``obj`` itself.

    Raises
    ------
    PrivacyError
        If ``obj`` did not come from the privacy layer or was changed afterwards.

    Examples
    --------
    >>> import pandas as pd
    >>> require_protected(pd.DataFrame({"n": [3]}), "the table 'per_school'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    josanalysis.privacy.protected.PrivacyError: the table 'per_school' cannot be shown or written: ...
    """
    if is_protected(obj):
        return obj
    if isinstance(obj, ProtectedTable) and obj._privacy_fingerprint is not None:
        why = ("it was changed after it passed the privacy layer; change the input instead and pass "
               "it through josanalysis.privacy.apply_privacy again")
    elif type(obj).__name__ == "SuppressedTable":
        why = ("it is the full result of suppress_counts, including which cells were small; show "
               "its .table or format_for_report(...) instead")
    elif isinstance(obj, pd.DataFrame):
        why = ("it did not come from the privacy layer (or it is a copy or a derived frame of a "
               "protected table); pass the finished table through josanalysis.privacy.apply_privacy "
               "as the last step, naming its pupil counts with count_columns=")
    else:
        why = f"it is a {type(obj).__name__}, not a table returned by josanalysis.privacy.apply_privacy"
    raise PrivacyError(f"{what} cannot be shown or written: {why}.")
