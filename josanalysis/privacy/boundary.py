"""The output boundary: every table, figure label and results file passes :func:`apply_privacy`.

:func:`apply_privacy` suppresses the pupil counts and fragile rates of a frame and returns a
:class:`~josanalysis.privacy.ProtectedTable` that records which cells it hid
(``attrs["privacy_suppressed"]``); :func:`rename_protected` gives it Dutch headers without
losing that record; :func:`format_for_report` renders it as Dutch text with the marker ``•``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError
from josanalysis.privacy.protected import ProtectedTable, is_protected, protect
from josanalysis.privacy.protected import PrivacyError
from josanalysis.privacy.rendering import MARKER, MISSING_MARKER, render_cells
from josanalysis.privacy.scan import is_count_field
from josanalysis.privacy.suppression import SuppressedTable, Totals, suppress_counts, suppress_rates

__all__ = ["apply_privacy", "rename_protected", "drop_protected", "select_rows_protected", "hide_dependent",
           "concat_protected", "certify_without_counts", "format_for_report"]


def _hidden_rates(frame: pd.DataFrame, rate: Hashable, den: Hashable, num: Hashable | None,
                  counts_hidden: pd.DataFrame, *, min_denominator: int, min_count: int) -> np.ndarray:
    """Rows whose rate must be hidden: small denominator, or a hidden / small pupil numerator.
    Rates missing in the input are not counted as hidden."""
    if rate not in frame.columns or den not in frame.columns:
        raise ConfigError(f"rate_columns: {rate!r} or its denominator {den!r} is not in the frame.")
    before = pd.to_numeric(frame[rate], errors="coerce").isna().to_numpy()
    hide = suppress_rates(frame, rate, den, min_denominator=min_denominator)[rate].isna().to_numpy() & ~before
    if num is not None:
        if num in counts_hidden.columns:
            hide |= counts_hidden[num].to_numpy(dtype=bool) & ~before
        else:
            by_num = suppress_rates(frame, rate, den, min_denominator=1, numerator_col=num, min_count=min_count)
            hide |= by_num[rate].isna().to_numpy() & ~before
    return hide


def _complete_share_groups(frame: pd.DataFrame, hide: dict[Hashable, np.ndarray],
                           groups: Sequence[Sequence[Hashable]], numerators: Mapping[Hashable, Hashable],
                           min_count: int) -> None:
    """Secondary suppression of shares that add up to 100%: in a row, one hidden share of a group
    follows from the others, so a second one is hidden (the smallest shown); and when the hidden
    shares together stand for fewer than ``min_count`` pupils (by their ``numerators``), all the
    shares of the group are hidden. ``hide`` is updated in place."""
    for group in groups:
        missing = [c for c in group if c not in hide or c not in numerators]
        if missing:
            raise ConfigError(f"share_groups: {missing} must be rate columns with a numerator (a pupil count).")
        values = frame[list(group)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        implied = frame[[numerators[c] for c in group]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        mask = np.column_stack([hide[c] for c in group])
        for i in np.flatnonzero(mask.any(axis=1)):
            known = ~np.isnan(values[i])
            shown = known & ~mask[i]
            if mask[i].sum() == 1 and shown.any():
                mask[i, np.flatnonzero(shown)[np.argmin(values[i][shown])]] = True
            together = np.nansum(implied[i][mask[i]])
            if 0 < together < min_count:
                mask[i] |= known
        for j, c in enumerate(group):
            hide[c] = mask[:, j]


def apply_privacy(
    df: pd.DataFrame,
    rules: Any = None,
    *,
    count_columns: Sequence[Hashable] = (),
    rate_columns: Mapping[Hashable, Hashable] | None = None,
    numerators: Mapping[Hashable, Hashable] | None = None,
    share_groups: Sequence[Sequence[Hashable]] = (),
    also_hide: pd.DataFrame | None = None,
    secondary: bool = True,
    totals: Totals = "both",
    total_row: Hashable | None | Literal["auto"] = "auto",
    total_column: Hashable | None | Literal["auto"] = "auto",
) -> ProtectedTable:
    """The output boundary: suppress pupil counts and fragile rates before anything is shown.

    Every table, figure label and results file goes through this function.

    Parameters
    ----------
    df
        The frame to publish.
    rules
        A :class:`josanalysis.core.config.PrivacyRules` (``region.privacy``); default rules if None.
    count_columns
        Columns holding numbers of pupils (name them by
        :data:`~josanalysis.privacy.COUNT_FIELD_PATTERNS`).
    rate_columns
        ``{rate column: denominator column}``; rates with a small denominator are hidden.
    numerators
        ``{rate column: pupil count column}``; a rate is hidden when its count is hidden.
    share_groups
        Groups of rate columns that add up to 100% per row (the outflow of trajectories: stayed,
        dropped out, referred); each needs a ``numerators`` entry. One hidden share of a group
        would follow from the others, so at least two are hidden, and all when the hidden ones
        together stand for a small number of pupils.
    also_hide
        Boolean frame of count cells to hide as well (hidden in another published table), before
        secondary suppression chooses partners (:func:`~josanalysis.privacy.suppress_counts`).
    secondary, totals, total_row, total_column
        As in :func:`~josanalysis.privacy.suppress_counts`.

    Returns
    -------
    ProtectedTable
        A copy; hidden cells are ``<NA>``. ``result.attrs["privacy_suppressed"]`` lists the
        hidden cells per column (row positions), used by :func:`format_for_report`. Any frame
        derived from it is a plain ``DataFrame`` again (:mod:`josanalysis.privacy.protected`).

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> d = pd.DataFrame({"school": ["A", "B", "C"], "n_thuiszitters": [3, 12, 9],
    ...                   "leerlingen": [8, 900, 700], "pct": [37.5, 1.3, 1.3]})
    >>> out = apply_privacy(d, PrivacyRules(), count_columns=["n_thuiszitters"],
    ...                     rate_columns={"pct": "leerlingen"})
    >>> out["n_thuiszitters"].isna().tolist(), out["pct"].isna().tolist()
    ([True, False, True], [True, False, False])
    """
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"apply_privacy needs a pandas DataFrame, got {type(df).__name__}.")
    min_count = getattr(rules, "min_count", 5) if rules is not None else 5
    min_den = getattr(rules, "min_denominator", 10) if rules is not None else 10
    rounding = getattr(rules, "rounding", None) if rules is not None else None
    rate_columns = dict(rate_columns or {})
    numerators = dict(numerators or {})
    unknown_num = [r for r in numerators if r not in rate_columns]
    if unknown_num:
        raise ConfigError(f"numerators name rate(s) {unknown_num} that are not in rate_columns.")
    frame = df.reset_index(drop=True) if df.index.has_duplicates else df
    hidden: dict[str, list[int]] = {}
    if count_columns:
        st = suppress_counts(
            frame, list(count_columns), min_count=min_count, secondary=secondary, totals=totals,
            total_row=total_row, total_column=total_column, rounding=rounding,
            also_hide=also_hide if also_hide is None or frame is df else also_hide.reset_index(drop=True),
        )
        out = st.table.copy()
        hidden.update({str(c): sorted(int(i) for i in rows) for c, rows in st.hidden_positions().items()})
        counts_hidden = st.suppressed
    else:
        out = frame.copy()
        counts_hidden = pd.DataFrame(index=frame.index)
    hides = {rate: _hidden_rates(frame, rate, den, numerators.get(rate), counts_hidden,
                                 min_denominator=min_den, min_count=min_count)
             for rate, den in rate_columns.items()}
    _complete_share_groups(frame, hides, share_groups, numerators, min_count)
    for rate, hide in hides.items():
        out[rate] = pd.to_numeric(out[rate], errors="coerce").astype("Float64").mask(hide)
        hidden[str(rate)] = [int(i) for i in np.flatnonzero(hide)]
    if frame is not df:
        out.index = df.index
    out.attrs["privacy_suppressed"] = hidden
    out.attrs["privacy_min_count"] = min_count
    return protect(out)


def apply_privacy_across(df: pd.DataFrame, rules: Any, *, count_columns: Sequence[Hashable], rows: Hashable,
                         columns: Hashable, within: Hashable | None = None) -> ProtectedTable:
    """Suppress a long table of counts as the cross tables they form (school × school year).

    The same counts reach readers through several tables: one school's report shows its rows,
    the region report all schools, the budget report a school × year table with the region
    total. Suppressing each table on its own lets one table reveal what another hid. Here each
    count column is suppressed once as the full cross table ``rows × columns`` with both margins
    known (a school's total over the years and the region's total per year may be published
    anywhere), with secondary suppression; every table cut from the result — one school's rows,
    the latest year — hides at least those cells.

    Parameters
    ----------
    df
        Long table, one row per ``(rows, columns)`` pair (e.g. ``school_id``, ``school_year``).
    rules
        ``region.privacy``.
    count_columns
        Columns holding pupil counts.
    rows, columns
        The columns that span the cross table.
    within
        A column that splits the rows into cross tables of their own, each with its own known
        margins (JOS schools and comparison schools: a report may publish the total of the JOS
        schools alone). Default: one table.

    Returns
    -------
    ProtectedTable
        A copy with the hidden cells ``<NA>`` and ``attrs["privacy_suppressed"]``.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> d = pd.DataFrame({"school": list("AABB"), "jaar": [1, 2, 1, 2], "n_tlv": [3, 20, 12, 15]})
    >>> apply_privacy_across(d, PrivacyRules(), count_columns=["n_tlv"], rows="school",
    ...                      columns="jaar")["n_tlv"].isna().tolist()
    [True, True, True, True]
    """
    if df.duplicated([rows, columns]).any():
        raise ConfigError(f"apply_privacy_across needs one row per {rows!r} and {columns!r}; the table repeats some.")
    frame = df.reset_index(drop=True)
    out = apply_privacy(frame, rules, count_columns=list(count_columns), secondary=False)
    hidden = dict(out.attrs.get("privacy_suppressed", {}))
    min_count = getattr(rules, "min_count", 5) if rules is not None else 5
    blocks = [frame] if within is None else [b for _, b in frame.groupby(within, sort=True, dropna=False)]
    for col in count_columns:
        cells: set[tuple[Any, str]] = set()
        for block in blocks:
            wide = block.pivot(index=rows, columns=columns, values=col)
            wide.columns = [str(c) for c in wide.columns]
            st = suppress_counts(wide.apply(pd.to_numeric, errors="coerce"), list(wide.columns),
                                 min_count=min_count, secondary=True, totals="both", total_row=None, total_column=None)
            positions = st.hidden_positions()
            cells |= {(r, c) for c, hidden_rows in positions.items() for r in wide.index[sorted(hidden_rows)]}
        hide = np.array([(r, str(c)) in cells for r, c in zip(frame[rows], frame[columns])])
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64").mask(hide)
        hidden[str(col)] = sorted(set(hidden.get(str(col), [])) | {int(i) for i in np.flatnonzero(hide)})
    out.attrs["privacy_suppressed"] = hidden
    out.index = df.index
    return protect(out)


def rename_protected(df: pd.DataFrame, mapping: Mapping[Hashable, str]) -> pd.DataFrame:
    """Rename columns of a protected frame, carrying along which cells were hidden.

    :func:`apply_privacy` records the hidden cells per column in ``attrs``; a plain
    ``DataFrame.rename`` would leave that record under the old names, and
    :func:`format_for_report` would then show a hidden cell as missing instead of as the marker.
    Renaming shows nothing new, so a protected frame stays protected; any other frame comes back
    as a plain ``DataFrame``.
    """
    out = df.rename(columns=dict(mapping))
    hidden = df.attrs.get("privacy_suppressed")
    if hidden is not None:
        out.attrs["privacy_suppressed"] = {str(mapping.get(k, k)): v for k, v in hidden.items()}
    return protect(out) if is_protected(df) else out


def drop_protected(df: pd.DataFrame, columns: Sequence[Hashable]) -> pd.DataFrame:
    """Drop columns of a protected frame (helper columns, ids), carrying along the hidden cells.

    Showing less reveals nothing new, so a protected frame stays protected; any other frame comes
    back as a plain ``DataFrame``.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> t = apply_privacy(pd.DataFrame({"school": ["A", "B"], "n_x": [3, 40], "tmp": [1, 2]}),
    ...                   PrivacyRules(), count_columns=["n_x"], secondary=False)
    >>> from josanalysis.privacy import is_protected
    >>> is_protected(drop_protected(t, ["tmp"])), is_protected(t.drop(columns=["tmp"]))
    (True, False)
    """
    out = df.drop(columns=list(columns))
    hidden = df.attrs.get("privacy_suppressed")
    if hidden is not None:
        out.attrs["privacy_suppressed"] = {k: v for k, v in hidden.items() if k in out.columns}
    return protect(out) if is_protected(df) else out


def select_rows_protected(df: pd.DataFrame, keep: Sequence[bool] | pd.Series) -> pd.DataFrame:
    """Keep some rows of a protected frame (the latest year, say), carrying along the hidden cells.

    Like :func:`drop_protected`: showing less of a protected table reveals nothing new (every
    cell it hid stays hidden), so the result stays protected; any other frame comes back plain.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> t = apply_privacy(pd.DataFrame({"jaar": [1, 2, 3], "n_x": [3, 40, 2]}), PrivacyRules(),
    ...                   count_columns=["n_x"], secondary=False)
    >>> s = select_rows_protected(t, t["jaar"] >= 2)
    >>> from josanalysis.privacy import is_protected
    >>> is_protected(s), s.attrs["privacy_suppressed"]["n_x"]
    (True, [1])
    """
    mask = np.asarray(keep, dtype=bool)
    if len(mask) != len(df):
        raise ConfigError(f"select_rows_protected needs one True/False per row ({len(df)}), got {len(mask)}.")
    out = df.iloc[np.flatnonzero(mask)].copy()
    hidden = df.attrs.get("privacy_suppressed")
    if hidden is not None:
        new_position = np.cumsum(mask) - 1
        out.attrs["privacy_suppressed"] = {k: [int(new_position[i]) for i in rows if mask[i]]
                                           for k, rows in hidden.items()}
    for key, value in df.attrs.items():
        out.attrs.setdefault(key, value)
    return protect(out) if is_protected(df) else out


def hide_dependent(df: pd.DataFrame, depends_on: Mapping[Hashable, Sequence[Hashable]]) -> pd.DataFrame:
    """Hide the cells computed from hidden cells of the same row (a trend over hidden years).

    Parameters
    ----------
    df
        A table that passed :func:`apply_privacy`.
    depends_on
        Column -> the columns it was computed from; a cell is hidden when any of those is hidden
        in its row. The column becomes a nullable float (``Float64``) when a cell is hidden.

    Returns
    -------
    pandas.DataFrame
        Protected when ``df`` was: hiding more reveals nothing new.

    Examples
    --------
    >>> from josanalysis.core.config import PrivacyRules
    >>> t = apply_privacy(pd.DataFrame({"2023": [3, 40], "2024": [30, 50], "change": [27.0, 10.0]}),
    ...                   PrivacyRules(), count_columns=["2023", "2024"], secondary=False)
    >>> hide_dependent(t, {"change": ["2023", "2024"]})["change"].tolist()
    [<NA>, 10.0]
    """
    hidden = {k: list(v) for k, v in df.attrs.get("privacy_suppressed", {}).items()}
    out = df.copy()
    out.attrs["privacy_suppressed"] = hidden
    for column, sources in depends_on.items():
        rows = sorted({i for s in sources for i in hidden.get(s, [])})
        if rows and column in out.columns:
            mask = np.zeros(len(out), dtype=bool)
            mask[rows] = True
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64").mask(mask)
            hidden[column] = rows
    return protect(out) if is_protected(df) else out


def concat_protected(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack protected tables (rows), carrying along which cells were hidden.

    Each part was protected against its own totals; stacking shows nothing a part does not show,
    so the result is protected when every part is.
    """
    out = pd.concat(list(parts), ignore_index=True)
    offset, hidden = 0, {}
    for p in parts:
        for k, v in p.attrs.get("privacy_suppressed", {}).items():
            hidden.setdefault(k, []).extend(i + offset for i in v)
        offset += len(p)
    out.attrs["privacy_suppressed"] = hidden
    return protect(out) if parts and all(is_protected(p) for p in parts) else out


def certify_without_counts(frame: pd.DataFrame, what: str) -> ProtectedTable:
    """Let a table that holds no pupil counts through the boundary as it is.

    Estimates, verdicts, model settings and the analysis plan count no pupils; the column names
    say so by the project's naming convention (:func:`~josanalysis.privacy.is_count_field`). A
    column named like a count (``aantal …``, ``n_…``, ``leerlingen``) is refused: pass such a
    table through :func:`apply_privacy` instead.

    Raises
    ------
    PrivacyError
        A column is named like a pupil count.

    Examples
    --------
    >>> from josanalysis.privacy import is_protected
    >>> is_protected(certify_without_counts(pd.DataFrame({"Schatting": ["-0,8"]}), "the effects"))
    True
    >>> certify_without_counts(pd.DataFrame({"Aantal leerlingen": [3]}), "the profile")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    josanalysis.privacy.protected.PrivacyError: the profile has column(s) named like a pupil count ...
    """
    counts = [str(c) for c in frame.columns if is_count_field(str(c))]
    if counts:
        raise PrivacyError(f"{what} has column(s) named like a pupil count ({', '.join(counts)}); pass it "
                           "through josanalysis.privacy.apply_privacy with count_columns= instead.")
    return protect(frame)


def format_for_report(
    table: SuppressedTable | pd.DataFrame,
    *,
    marker: str = MARKER,
    missing: str = MISSING_MARKER,
    decimals: int = 1,
    column_decimals: Mapping[Hashable, int] | None = None,
) -> pd.DataFrame:
    """Render a protected table as Dutch text: hidden cells as the marker, decimal commas.

    Parameters
    ----------
    table
        A :class:`~josanalysis.privacy.SuppressedTable` or a frame returned by :func:`apply_privacy`.
    marker
        Text for hidden cells (default :data:`~josanalysis.privacy.MARKER`).
    missing
        Text for values missing in the data (not hidden for privacy).
    decimals
        Decimals for non-integer numbers (:func:`josanalysis.core.formatting.number`).
    column_decimals
        Decimals for some columns, overriding ``decimals``.

    Returns
    -------
    pandas.DataFrame
        All cells as strings; a :class:`~josanalysis.privacy.ProtectedTable` when ``table`` is
        a :class:`~josanalysis.privacy.SuppressedTable` or protected, else a plain frame.

    Examples
    --------
    >>> st = suppress_counts(pd.DataFrame({"a": [3, 40, 50], "b": [30, 20, 60]}))
    >>> format_for_report(st)["a"].tolist()
    ['•', '•', '50']
    """
    if isinstance(table, SuppressedTable):
        return table.format(marker=marker, missing=missing, decimals=decimals)
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"format_for_report needs a SuppressedTable or DataFrame, got {type(table).__name__}.")
    positions = {c: set(v) for c, v in table.attrs.get("privacy_suppressed", {}).items()}
    text = render_cells(table, positions, marker=marker, missing=missing, decimals=decimals)
    for column, digits in (column_decimals or {}).items():
        text[column] = render_cells(table, positions, marker=marker, missing=missing, decimals=digits)[column]
    return protect(text) if is_protected(table) else text
