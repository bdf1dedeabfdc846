"""Privacy at the output boundary: small-cell suppression, pseudonyms and an output scan.

Every count of pupils that leaves the library — in a table, a figure label or a results file —
passes through :func:`apply_privacy` (or :func:`suppress_counts` for a cross table). The rules
(see ``docs/privacy.md``):

* **Primary suppression.** A pupil count of 1 up to ``min_count - 1`` (default 1–4) is not
  shown. A zero is shown, as CBS and DUO do: "no pupil" identifies nobody.
* **Secondary (complementary) suppression.** A reader who knows a row or column total (printed
  in the table, or published elsewhere, e.g. the DUO pupil count of a school) must not be able to
  recompute a suppressed cell. Extra cells are suppressed until (a) no row or column has exactly
  one hidden cell, (b) the hidden cells of a row or column with a known total do not add up to a
  small count themselves, and (c) no hidden cell is determined by any combination of the known
  totals (checked with linear algebra over all row and column equations).
* **Rounding** (optional, as CBS does): shown counts are rounded to multiples of ``rounding``.
* **Rates** are not shown when their denominator is below ``min_denominator``, nor when the
  pupil count in their numerator is suppressed (rate × a public denominator would reveal it).
* **Pseudonyms.** Pupil identifiers are replaced on load by a keyed hash
  (:func:`josanalysis.sources.pseudonymise`, `ll-` + 16 hex digits of HMAC-SHA256) and must
  never reach an output; :func:`scan_outputs` checks every file a batch writes.

Suppressed cells are missing values (``<NA>``) in frames and results files (an empty CSV cell, a
JSON ``null``); :func:`format_for_report` renders them as :data:`MARKER` for a Dutch report.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"jongens": [3, 12, 20], "meisjes": [9, 14, 25]},
...                  index=["school A", "school B", "school C"])
>>> st = suppress_counts(t, min_count=5)
>>> int(st.suppressed.sum().sum())        # one small cell needs three partners here
4
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from josanalysis.core.errors import ConfigError, DataError, JosError
from josanalysis.sources.reading.files import detect_delimiter
from josanalysis.sources.reading.pseudonyms import pseudonymise

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
    "format_for_report",
    "rename_protected",
    "privacy_footnote",
    "is_count_field",
    "scan_outputs",
    "assert_outputs_private",
    "pupil_identifiers",
    "PUPIL_ID_COLUMNS",
]

#: How a suppressed cell is shown in a Dutch report. One marker for primary and secondary
#: suppression alike, so a reader cannot tell which hidden cell is the small one.
MARKER = "•"
#: How a value that is missing in the data (not suppressed) is shown.
MISSING_MARKER = "–"

#: Column / field names (case-insensitive globs) that hold pupil counts. Results files and
#: report tables name pupil counts by these patterns; :func:`scan_outputs` checks them.
COUNT_FIELD_PATTERNS: tuple[str, ...] = (
    "n",
    "n_*",
    "aantal",
    "aantal*",
    "leerlingen*",
    "pupils*",
    "thuiszitters*",
    "vsv*",
    "voortijdig*",
    "tlv*",
    "plaatsingen*",
    "verwijzingen*",
    "trajecten*",
    "indicaties*",
    "jeugdhulp_leerlingen*",
    "leerlingen_jeugdhulp*",
    "count",
    "*_count",
    "*_n",
    "*_leerlingen",
    "*_thuiszitters",
)

#: Names that match a count pattern but do not count pupils (months, points, schools,
#: simulations). These are never treated as pupil counts.
NON_COUNT_FIELD_PATTERNS: tuple[str, ...] = (
    "n_pre",
    "n_post",
    "n_obs",
    "n_months*",
    "n_maanden*",
    "n_points*",
    "n_punten*",
    "n_schools*",
    "n_scholen*",
    "n_simulations*",
    "n_sim*",
    "n_dates*",
    "n_placebo*",
    "n_params*",
    "n_lags*",
    "n_caveats*",
    "n_kanttekeningen*",
    "n_below_minimum*",
    "n_years*",
    "n_jaren*",
    "n_excluded*",
    "n_permutations*",
    "n_units*",
    "n_terms*",
    "*_months",
    "*_maanden",
    "aantal_maanden*",
    "aantal_lesmaanden*",
    "aantal_scholen*",
    "aantal_punten*",
    "aantal_jaren*",
    "aantal_schooljaren*",
    "aantal_kanttekeningen*",
    "aantal_caveats*",
)

#: The shape of pupil pseudonyms made by :func:`josanalysis.sources.pseudonymise`
#: (``ll-`` + 16 lowercase hex digits). Opt-in for :func:`scan_outputs` (``pseudonym_pattern=``).
PSEUDONYM_PATTERN = re.compile(r"(?<![0-9A-Za-z])ll-[0-9a-f]{16}(?![0-9A-Za-z])")

TOTAL_LABELS = ("totaal", "total", "totalen", "totals", "alle scholen", "regio totaal")


class PrivacyError(JosError, AssertionError):
    """Outputs contain a pupil pseudonym or an unsuppressed small pupil count."""


# --------------------------------------------------------------------------------------------
# Suppression of counts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after suppression.

    Attributes
    ----------
    table
        The table with suppressed cells set to ``<NA>`` (nullable ``Int64`` count columns) and,
        with rounding, shown counts rounded. Columns that are not count columns are untouched.
    primary
        Boolean frame (count columns only): cells hidden because they are small (1 to
        ``min_count - 1``) or were already missing in the input (treated as unknown).
    secondary
        Boolean frame: cells hidden only to protect a primary cell.
    count_columns
        The columns treated as pupil counts.
    min_count, rounding
        The rules applied.
    total_row, total_column
        Labels of a totals row / column found in the table, if any.
    unprotected
        ``(row label, column)`` of cells that could not be protected (only possible when every
        other cell of their lines is already hidden); empty in normal use.
    """

    table: pd.DataFrame
    primary: pd.DataFrame
    secondary: pd.DataFrame
    count_columns: tuple[Hashable, ...]
    min_count: int
    rounding: int | None = None
    total_row: Hashable | None = None
    total_column: Hashable | None = None
    unprotected: tuple[tuple[Hashable, Hashable], ...] = ()
    input_missing: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def suppressed(self) -> pd.DataFrame:
        """Boolean frame: every hidden cell (primary or secondary)."""
        return self.primary | self.secondary

    def to_frame(self) -> pd.DataFrame:
        """The suppressed table (hidden cells ``<NA>``), for results files."""
        return self.table.copy()

    def format(self, **kwargs: Any) -> pd.DataFrame:
        """Shorthand for :func:`format_for_report` on this table."""
        return format_for_report(self, **kwargs)


def _check_min(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} is {value!r}; expected a whole number of at least {minimum}.")
    return int(value)


def _check_rounding(rounding: Any) -> int | None:
    if rounding is None:
        return None
    return _check_min(rounding, "rounding", 2)


def _find_total_label(labels: Iterable[Hashable]) -> Hashable | None:
    found = [lab for lab in labels if isinstance(lab, str) and lab.strip().lower() in TOTAL_LABELS]
    if len(found) > 1:
        raise ConfigError(
            f"The table has more than one totals line ({', '.join(map(str, found))}); "
            "pass total_row= / total_column= explicitly."
        )
    return found[0] if found else None


def _count_values(table: pd.DataFrame, columns: Sequence[Hashable]) -> np.ndarray:
    """Validated counts as a float array (NaN = missing)."""
    out = np.empty((len(table), len(columns)), dtype=float)
    for j, col in enumerate(columns):
        s = table[col]
        if pd.api.types.is_bool_dtype(s):
            raise DataError(f"count column '{col}' holds True/False; expected numbers of pupils.",
                            column=str(col))
        num = pd.to_numeric(s, errors="coerce")
        text = s.notna().to_numpy(dtype=bool) & num.isna().to_numpy(dtype=bool)
        if text.any():
            raise DataError(
                f"count column '{col}' holds text ({s[text].iloc[0]!r}); expected numbers of pupils.",
                rows=[i + 2 for i in np.flatnonzero(text)],
                column=str(col),
            )
        v = num.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(v) & ((v < 0) | (np.abs(v - np.round(v)) > 1e-9))
        if bad.any():
            rows = [i + 2 for i in np.flatnonzero(bad)]
            raise DataError(
                f"count column '{col}' has {v[bad][0]:g}; pupil counts must be whole numbers >= 0.",
                rows=rows,
                column=str(col),
            )
        out[:, j] = v
    return out


def _equations(
    n_rows: int,
    n_cols: int,
    total_row: int | None,
    total_col: int | None,
    row_margins_known: bool,
    col_margins_known: bool,
) -> list[tuple[list[int], int | None]]:
    """Linear equations a reader can use: (interior cell indices, index of total cell or None).

    Cells are numbered row-major. ``None`` as total cell means the total is known from outside
    the table (a published margin).
    """
    eqs: list[tuple[list[int], int | None]] = []
    interior_cols = [c for c in range(n_cols) if c != total_col]
    interior_rows = [r for r in range(n_rows) if r != total_row]
    for r in range(n_rows):
        cells = [r * n_cols + c for c in interior_cols]
        if total_col is not None:
            eqs.append((cells, r * n_cols + total_col))
        elif row_margins_known and len(cells) >= 2:
            eqs.append((cells, None))
    for c in range(n_cols):
        cells = [r * n_cols + c for r in interior_rows]
        if total_row is not None:
            eqs.append((cells, total_row * n_cols + c))
        elif col_margins_known and len(cells) >= 2:
            eqs.append((cells, None))
    return eqs


def _determined(eqs: list[tuple[list[int], int | None]], hidden: np.ndarray) -> np.ndarray:
    """Hidden cells whose value follows exactly from the known totals and shown cells.

    The known totals are linear equations in which every cell appears at most twice (its row
    and its column), with coefficient +1 as a part and -1 as a total. Substituting the shown
    cells leaves a system over the hidden cells whose matrix is the incidence matrix of a
    *signed graph*: equations are nodes, a hidden cell is an edge between its two equations (a
    half-edge when only one of its lines has an equation). A hidden cell is determined exactly
    when it lies in no circuit of that matrix's column matroid (the frame matroid of the signed
    graph), i.e. when deleting it lowers the rank, where the rank of a connected component is
    its number of nodes, minus one if it is *balanced* (every cycle has an even number of
    ``-`` edges, no half-edge). This is exact and linear-time for the common cases; the tests
    check it against a dense null-space computation.
    """
    idx = [int(i) for i in np.flatnonzero(hidden)]
    if not idx:
        return np.array([], dtype=int)
    hidden_set = set(idx)
    # endpoints of every hidden cell: list of (equation, coefficient)
    ends: dict[int, list[tuple[int, int]]] = {c: [] for c in idx}
    for e, (cells, total) in enumerate(eqs):
        for c in cells:
            if c in hidden_set:
                ends[c].append((e, 1))
        if total is not None and total in hidden_set:
            ends[total].append((e, -1))
    edges = [c for c in idx if ends[c]]          # cells in no equation are free
    adj: dict[int, list[int]] = {}
    for c in edges:
        for node, _ in ends[c]:
            adj.setdefault(node, []).append(c)

    def sigma(c: int) -> int:
        (u, su), (v, sv) = ends[c]
        return -su * sv

    def other(c: int, node: int) -> int:
        (u, _), (v, _) = ends[c]
        return v if u == node else u

    def explore(start: int, skip: int | None) -> tuple[set[int], bool]:
        """Nodes reachable from start without edge `skip`, and whether that part is balanced."""
        phi = {start: 1}
        stack = [start]
        balanced = True
        while stack:
            u = stack.pop()
            for c in adj.get(u, []):
                if c == skip:
                    continue
                if len(ends[c]) == 1 or ends[c][0][0] == ends[c][1][0]:
                    balanced = False          # half-edge (or a cell twice in one line)
                    continue
                v = other(c, u)
                want = phi[u] * sigma(c)
                if v not in phi:
                    phi[v] = want
                    stack.append(v)
                elif phi[v] != want:
                    balanced = False
        return set(phi), balanced

    def rank_of(nodes: Iterable[int], skip: int | None) -> int:
        seen: set[int] = set()
        r = 0
        for n in nodes:
            if n in seen:
                continue
            comp, bal = explore(n, skip)
            seen |= comp
            r += len(comp) - (1 if bal else 0)
        return r

    determined: list[int] = []
    done: set[int] = set()
    for start in list(adj):
        if start in done:
            continue
        comp, bal = explore(start, None)
        done |= comp
        comp_edges = {c for n in comp for c in adj[n]}
        full = len(comp) - (1 if bal else 0)
        bridges = _bridges(comp, adj, ends) if bal else None
        for c in comp_edges:
            if bal:
                if c in bridges:
                    determined.append(c)
                continue
            # unbalanced component: deleting c must lower the rank
            if rank_of({n for n, _ in ends[c]}, c) < full:
                determined.append(c)
    return np.array(sorted(determined), dtype=int)


def _bridges(comp: set[int], adj: dict[int, list[int]], ends: dict[int, list[tuple[int, int]]]) -> set[int]:
    """Bridges (by cell id) of a connected multigraph component (iterative Tarjan)."""
    disc: dict[int, int] = {}
    low: dict[int, int] = {}
    out: set[int] = set()
    timer = 0
    root = next(iter(comp))
    disc[root] = low[root] = 0
    stack = [(root, None, iter(adj[root]))]
    while stack:
        u, via, it = stack[-1]
        advanced = False
        for c in it:
            if c == via or len(ends[c]) < 2:
                continue
            (a, _), (b, _) = ends[c]
            v = b if a == u else a
            if v not in disc:
                timer += 1
                disc[v] = low[v] = timer
                stack.append((v, c, iter(adj[v])))
                advanced = True
                break
            low[u] = min(low[u], disc[v])
        if not advanced:
            stack.pop()
            if stack:
                p = stack[-1][0]
                low[p] = min(low[p], low[u])
                if low[u] > disc[p]:
                    out.add(via)
    return out


def suppress_counts(
    table: pd.DataFrame,
    count_columns: Sequence[Hashable] | None = None,
    *,
    min_count: int = 5,
    secondary: bool = True,
    totals: Literal["both", "rows", "columns", "none"] = "both",
    total_row: Hashable | None | Literal["auto"] = "auto",
    total_column: Hashable | None | Literal["auto"] = "auto",
    rounding: int | None = None,
) -> SuppressedTable:
    """Suppress small pupil counts, with secondary suppression against recovery from totals.

    Parameters
    ----------
    table
        A cross table: one row per category (school, school year, …), the count columns hold
        numbers of pupils. A row or column labelled ``Totaal``/``Total`` is recognised as the
        totals line (or name it with ``total_row`` / ``total_column``).
    count_columns
        Columns that hold pupil counts; default: every numeric column.
    min_count
        Counts from 1 to ``min_count - 1`` are hidden. Zero is shown.
    secondary
        Also hide complementary cells so that no hidden cell can be recomputed.
    totals
        Which margins a reader may know even if the table does not print them: ``"both"``
        (default, conservative: row sums over the count columns and column sums over the rows),
        ``"rows"``, ``"columns"`` or ``"none"``. Use ``"columns"`` when the count columns are
        different measures whose row sum means nothing. Totals printed in the table always count.
    total_row, total_column
        Label of the totals row / column, ``"auto"`` to look for ``Totaal``/``Total``, or
        ``None`` for none.
    rounding
        Round shown counts to multiples of this number (CBS: 5). Hidden cells stay hidden.

    Returns
    -------
    SuppressedTable
        The table with hidden cells ``<NA>`` plus the masks of what was hidden and why.

    Raises
    ------
    DataError
        If a count column holds text, negative or fractional numbers.
    ConfigError
        If arguments are invalid (unknown column, ``min_count`` < 1, …).

    Examples
    --------
    >>> t = pd.DataFrame({"licht": [2, 10, 8], "zwaar": [7, 6, 11]}, index=["A", "B", "C"])
    >>> st = suppress_counts(t)
    >>> bool(st.primary.loc["A", "licht"]), int(st.suppressed.sum().sum())
    (True, 4)
    """
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"suppress_counts needs a pandas DataFrame, got {type(table).__name__}.")
    min_count = _check_min(min_count, "min_count", 1)
    rounding = _check_rounding(rounding)
    if totals not in ("both", "rows", "columns", "none"):
        raise ConfigError(f"totals is {totals!r}; expected 'both', 'rows', 'columns' or 'none'.")
    if table.index.has_duplicates or table.columns.has_duplicates:
        raise ConfigError("The table has duplicate row or column labels; make them unique first.")
    if count_columns is None:
        count_columns = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])
                         and not pd.api.types.is_bool_dtype(table[c])]
        if not count_columns:
            raise ConfigError(
                "The table has no numeric columns to treat as pupil counts; name them with "
                "count_columns=[...]."
            )
    else:
        count_columns = list(count_columns)
        missing = [c for c in count_columns if c not in table.columns]
        if missing:
            raise ConfigError(
                f"count column(s) {', '.join(map(repr, missing))} not in the table "
                f"(columns: {', '.join(map(str, table.columns))})."
            )
    cols = list(count_columns)

    if total_row == "auto":
        total_row = _find_total_label(table.index)
    elif total_row is not None and total_row not in table.index:
        raise ConfigError(f"total_row {total_row!r} is not a row label of the table.")
    if total_column == "auto":
        total_column = _find_total_label(cols)
    elif total_column is not None and total_column not in cols:
        raise ConfigError(f"total_column {total_column!r} is not one of the count columns.")

    values = _count_values(table, cols)
    n_rows, n_cols = values.shape
    missing_in = np.isnan(values)
    small = (values >= 1) & (values < min_count)
    primary = small | missing_in
    hidden = primary.copy().ravel()
    unprotected: list[int] = []

    if secondary and values.size:
        tr = table.index.get_loc(total_row) if total_row is not None else None
        tc = cols.index(total_column) if total_column is not None else None
        eqs = _equations(
            n_rows, n_cols, tr, tc,
            row_margins_known=totals in ("both", "rows"),
            col_margins_known=totals in ("both", "columns"),
        )
        flat = values.ravel()
        total_cells = set()
        if tr is not None:
            total_cells.update(tr * n_cols + c for c in range(n_cols))
        if tc is not None:
            total_cells.update(r * n_cols + tc for r in range(n_rows))

        members_of = [cells + ([t] if t is not None else []) for cells, t in eqs]
        eqs_of: dict[int, list[int]] = {}
        for e, members in enumerate(members_of):
            for i in members:
                eqs_of.setdefault(i, []).append(e)

        def side_effect(i: int) -> int:
            # hiding i fixes lines that have one hidden cell and breaks lines that have none
            score = 0
            for e in eqs_of.get(i, []):
                n = sum(hidden[j] for j in members_of[e])
                score += 1 if n == 0 else (-1 if n == 1 else 0)
            return score

        def candidates(cells: Iterable[int]) -> list[int]:
            c = [i for i in set(cells) if not hidden[i]]
            # prefer interior cells, then cells that close a pattern rather than open a new
            # problem, then non-zero cells (a hidden zero protects little), then the smallest
            return sorted(c, key=lambda i: (i in total_cells, side_effect(i), flat[i] == 0, flat[i], i))

        for _ in range(values.size + 1):
            changed = False
            for cells, total in eqs:
                members = cells + ([total] if total is not None else [])
                n_hidden = sum(hidden[i] for i in members)
                if n_hidden == 0:
                    continue
                need = n_hidden == 1
                total_known = total is None or not hidden[total]
                if not need and total_known:
                    hidden_sum = np.nansum([flat[i] for i in cells if hidden[i]])
                    need = hidden_sum < min_count and not np.isnan(flat[[i for i in cells if hidden[i]]]).any()
                if need:
                    cand = candidates(members)
                    if cand:
                        hidden[cand[0]] = True
                        changed = True
            if changed:
                continue
            det = [i for i in _determined(eqs, hidden) if i not in unprotected]
            if not det:
                break
            cell = det[0]
            lines = [cells + ([t] if t is not None else []) for cells, t in eqs
                     if cell in cells or cell == t]
            cand = candidates(i for line in lines for i in line)
            if not cand:
                cand = candidates(range(values.size))
            if cand:
                hidden[cand[0]] = True
            else:
                unprotected.append(cell)

    hidden = hidden.reshape(values.shape)
    sec = hidden & ~primary
    out = table.copy()
    for j, col in enumerate(cols):
        v = values[:, j].copy()
        if rounding:
            v = rounding * np.floor(v / rounding + 0.5)
        v[hidden[:, j]] = np.nan
        out[col] = pd.array(np.where(np.isnan(v), None, v), dtype="Float64").astype("Int64")
    mask = lambda a: pd.DataFrame(a, index=table.index, columns=cols)  # noqa: E731
    return SuppressedTable(
        table=out,
        primary=mask(primary),
        secondary=mask(sec),
        count_columns=tuple(cols),
        min_count=min_count,
        rounding=rounding,
        total_row=total_row,
        total_column=total_column,
        unprotected=tuple((table.index[i // n_cols], cols[i % n_cols]) for i in unprotected),
        input_missing=mask(missing_in),
    )


def suppress_rates(
    df: pd.DataFrame,
    rate_col: Hashable,
    denominator_col: Hashable,
    *,
    min_denominator: int = 10,
    numerator_col: Hashable | None = None,
    min_count: int = 5,
) -> pd.DataFrame:
    """Hide rates whose denominator is small (or whose pupil numerator is small).

    Parameters
    ----------
    df
        Frame with the rate and its denominator (for example pupils on 1 October).
    rate_col, denominator_col
        Column names.
    min_denominator
        Rates with a denominator below this (or missing) become ``<NA>``.
    numerator_col
        Optional pupil count behind the rate: when it is 1 to ``min_count - 1`` the rate is
        hidden too, because rate × a public denominator would reveal it.
    min_count
        Threshold for ``numerator_col``.

    Returns
    -------
    pandas.DataFrame
        A copy with the rate column as nullable ``Float64``.

    Examples
    --------
    >>> d = pd.DataFrame({"pct": [2.0, 5.5], "leerlingen": [8, 400]})
    >>> suppress_rates(d, "pct", "leerlingen")["pct"].isna().tolist()
    [True, False]
    """
    min_denominator = _check_min(min_denominator, "min_denominator", 1)
    for c in (rate_col, denominator_col) + ((numerator_col,) if numerator_col is not None else ()):
        if c not in df.columns:
            raise ConfigError(f"column {c!r} is not in the frame (columns: {', '.join(map(str, df.columns))}).")
    den = pd.to_numeric(df[denominator_col], errors="coerce").astype("Float64")
    hide = (den.isna() | (den < min_denominator)).fillna(True).to_numpy(dtype=bool)
    if numerator_col is not None:
        num = pd.to_numeric(df[numerator_col], errors="coerce").astype("Float64")
        hide |= ((num >= 1) & (num < min_count)).fillna(False).to_numpy(dtype=bool)
    out = df.copy()
    rate = pd.to_numeric(df[rate_col], errors="coerce").astype("Float64")
    out[rate_col] = rate.mask(hide)
    return out


def apply_privacy(
    df: pd.DataFrame,
    rules: Any = None,
    *,
    count_columns: Sequence[Hashable] = (),
    rate_columns: Mapping[Hashable, Hashable] | None = None,
    numerators: Mapping[Hashable, Hashable] | None = None,
    secondary: bool = True,
    totals: Literal["both", "rows", "columns", "none"] = "both",
    total_row: Hashable | None | Literal["auto"] = "auto",
    total_column: Hashable | None | Literal["auto"] = "auto",
) -> pd.DataFrame:
    """The output boundary: suppress pupil counts and fragile rates before anything is shown.

    Every table, figure label and results file goes through this function.

    Parameters
    ----------
    df
        The frame to publish.
    rules
        A :class:`josanalysis.core.config.PrivacyRules` (``region.privacy``); default rules if None.
    count_columns
        Columns holding numbers of pupils (name them by :data:`COUNT_FIELD_PATTERNS`).
    rate_columns
        ``{rate column: denominator column}``; rates with a small denominator are hidden.
    numerators
        ``{rate column: pupil count column}``; a rate is hidden when its count is hidden.
    secondary, totals, total_row, total_column
        As in :func:`suppress_counts`.

    Returns
    -------
    pandas.DataFrame
        A copy; hidden cells are ``<NA>``. ``result.attrs["privacy_suppressed"]`` lists the
        hidden cells per column (row positions), used by :func:`format_for_report`.

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
        )
        out = st.table
        for col in st.count_columns:
            hidden[str(col)] = [int(i) for i in np.flatnonzero(
                st.suppressed[col].to_numpy() & ~st.input_missing[col].to_numpy())]
        sup = st.suppressed
    else:
        out = frame.copy()
        sup = pd.DataFrame(index=frame.index)
    for rate, den in rate_columns.items():
        if rate not in frame.columns or den not in frame.columns:
            raise ConfigError(f"rate_columns: {rate!r} or its denominator {den!r} is not in the frame.")
        before = pd.to_numeric(frame[rate], errors="coerce").isna().to_numpy()
        tmp = suppress_rates(frame, rate, den, min_denominator=min_den)
        hide = tmp[rate].isna().to_numpy() & ~before
        num = numerators.get(rate)
        if num is not None:
            if num in sup.columns:
                hide |= sup[num].to_numpy(dtype=bool) & ~before
            else:
                tmp2 = suppress_rates(frame, rate, den, min_denominator=1, numerator_col=num, min_count=min_count)
                hide |= tmp2[rate].isna().to_numpy() & ~before
        r = pd.to_numeric(out[rate], errors="coerce").astype("Float64")
        out[rate] = r.mask(hide)
        hidden[str(rate)] = [int(i) for i in np.flatnonzero(hide)]
    if frame is not df:
        out.index = df.index
    out.attrs["privacy_suppressed"] = hidden
    out.attrs["privacy_min_count"] = min_count
    return out


def rename_protected(df: pd.DataFrame, mapping: Mapping[Hashable, str]) -> pd.DataFrame:
    """Rename columns of a protected frame, carrying along which cells were hidden.

    :func:`apply_privacy` records the hidden cells per column in ``attrs``; a plain
    ``DataFrame.rename`` would leave that record under the old names, and
    :func:`format_for_report` would then show a hidden cell as missing instead of as the marker.
    """
    out = df.rename(columns=dict(mapping))
    hidden = df.attrs.get("privacy_suppressed")
    if hidden is not None:
        out.attrs["privacy_suppressed"] = {str(mapping.get(k, k)): v for k, v in hidden.items()}
    return out


def privacy_footnote(min_count: int = 5, rounding: int | None = None) -> str:
    """The Dutch footnote printed under every table with suppressed cells.

    Examples
    --------
    >>> privacy_footnote(5)[:2]
    '• '
    """
    text = (
        f"{MARKER} = niet getoond om de privacy van leerlingen te beschermen (minder dan "
        f"{min_count} leerlingen, of terug te rekenen uit de totalen)."
    )
    if rounding:
        text += f" Aantallen zijn afgerond op veelvouden van {rounding}."
    return text


def _fmt_number(v: Any, decimals: int) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}".replace(",", ".")
    if isinstance(v, (float, np.floating)):
        if float(v).is_integer() and decimals == 0:
            return f"{int(v):,}".replace(",", ".")
        s = f"{float(v):,.{decimals}f}"
        return s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return str(v)


def format_for_report(
    table: SuppressedTable | pd.DataFrame,
    *,
    marker: str = MARKER,
    missing: str = MISSING_MARKER,
    decimals: int = 1,
) -> pd.DataFrame:
    """Render a protected table as Dutch text: hidden cells as the marker, decimal commas.

    Parameters
    ----------
    table
        A :class:`SuppressedTable` or a frame returned by :func:`apply_privacy`.
    marker
        Text for hidden cells (default :data:`MARKER`).
    missing
        Text for values missing in the data (not hidden for privacy).
    decimals
        Decimals for non-integer numbers.

    Returns
    -------
    pandas.DataFrame
        All cells as strings.

    Examples
    --------
    >>> st = suppress_counts(pd.DataFrame({"a": [3, 40, 50], "b": [30, 20, 60]}))
    >>> format_for_report(st)["a"].tolist()
    ['•', '•', '50']
    """
    if isinstance(table, SuppressedTable):
        frame = table.table
        positions = {
            c: set(np.flatnonzero(table.suppressed[c].to_numpy() & ~table.input_missing[c].to_numpy()))
            for c in table.count_columns
        } if table.input_missing is not None else {
            c: set(np.flatnonzero(table.suppressed[c].to_numpy())) for c in table.count_columns
        }
    elif isinstance(table, pd.DataFrame):
        frame = table
        raw = table.attrs.get("privacy_suppressed", {})
        positions = {c: set(v) for c, v in raw.items()}
    else:
        raise ConfigError(f"format_for_report needs a SuppressedTable or DataFrame, got {type(table).__name__}.")
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        hidden = positions.get(col, positions.get(str(col), set()))
        vals = []
        for i, v in enumerate(frame[col].tolist()):
            if i in hidden:
                vals.append(marker)
            elif v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                vals.append(missing)
            else:
                vals.append(_fmt_number(v, decimals))
        out[col] = pd.Series(vals, index=frame.index, dtype=object)
    return out


# --------------------------------------------------------------------------------------------
# Scanning outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One privacy problem found in an output file.

    Attributes
    ----------
    file
        The file.
    kind
        ``"pseudonym"`` or ``"small_count"``.
    location
        Where in the file (line, row/column, JSON path, table/row/column).
    detail
        What was found (a pseudonym is shown shortened).
    """

    file: Path
    kind: Literal["pseudonym", "small_count"]
    location: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.detail}"


def is_count_field(
    name: Any,
    count_fields: Sequence[str] = COUNT_FIELD_PATTERNS,
    ignore_fields: Sequence[str] = NON_COUNT_FIELD_PATTERNS,
) -> bool:
    """Whether a column/field name denotes a pupil count under the naming convention.

    Examples
    --------
    >>> is_count_field("n_thuiszitters"), is_count_field("n_pre"), is_count_field("Aantal leerlingen")
    (True, False, True)
    """
    if not isinstance(name, str):
        return False
    n = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if any(fnmatch.fnmatchcase(n, p.lower()) for p in ignore_fields):
        return False
    return any(fnmatch.fnmatchcase(n, p.lower()) for p in count_fields)


def _small(value: Any, min_count: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 1 <= value < min_count and float(value).is_integer()
    if isinstance(value, str):
        t = value.strip().replace(".", "").replace(",", ".") if re.fullmatch(r"\d+(,0+)?", value.strip()) else value.strip()
        try:
            f = float(t)
        except ValueError:
            return False
        return 1 <= f < min_count and f.is_integer()
    return False


def _short(p: str) -> str:
    return p[:6] + "…" if len(p) > 6 else "…"


class _Pseudonyms:
    def __init__(self, pseudonyms: Iterable[str], pattern: re.Pattern[str] | None) -> None:
        self.exact = {str(p) for p in pseudonyms if p is not None and str(p).strip()}
        self.pattern = pattern
        self._token = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]*")
        self._odd = [p for p in self.exact if not self._token.fullmatch(p)]

    def find(self, text: str) -> list[tuple[int, str]]:
        hits: list[tuple[int, str]] = []
        if self.exact:
            for m in self._token.finditer(text):
                tok = m.group(0)
                if tok in self.exact:
                    hits.append((m.start(), tok))
                else:  # tokens may carry a prefix/suffix joined by - or _
                    for part in re.split(r"[_]", tok):
                        if part != tok and part in self.exact:
                            hits.append((m.start(), part))
            for p in self._odd:
                start = text.find(p)
                while start >= 0:
                    hits.append((start, p))
                    start = text.find(p, start + 1)
        if self.pattern is not None:
            seen = {pos for pos, _ in hits}
            for m in self.pattern.finditer(text):
                if not any(abs(m.start() - s) < 3 for s in seen):
                    hits.append((m.start(), m.group(0)))
        return hits


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


class _TableParser(HTMLParser):
    """Collect the cells of every <table> in an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _scan_html_tables(html: str, min_count: int, is_count: Any) -> list[tuple[str, str]]:
    parser = _TableParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML: pseudonym scan still covers the text
        return []
    found = []
    for t_no, rows in enumerate(parser.tables, start=1):
        if not rows:
            continue
        header = rows[0]
        count_cols = [j for j, h in enumerate(header) if is_count(h)]
        for r_no, row in enumerate(rows[1:], start=2):
            for j in count_cols:
                if j < len(row) and _small(row[j], min_count):
                    found.append((f"table {t_no}, row {r_no}, column '{header[j]}'", row[j]))
    return found


def _walk_json(obj: Any, path: str, min_count: int, is_count: Any, out: list[tuple[str, Any]],
               file_counts: bool | None = None) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{path}.{k}" if path else str(k)
            if is_count(k):
                if isinstance(v, list):
                    for i, x in enumerate(v):
                        if _small(x, min_count):
                            out.append((f"{p}[{i}]", x))
                elif _small(v, min_count):
                    out.append((p, v))
            if isinstance(v, (dict, list)):
                _walk_json(v, p, min_count, is_count, out, file_counts)
        # pandas orient="split"/"table" style: {"columns": [...], "data": [[...], ...]}
        cols = obj.get("columns")
        data = obj.get("data")
        if isinstance(cols, list) and isinstance(data, list):
            names = [c.get("name") if isinstance(c, dict) else c for c in cols]
            for r, row in enumerate(data):
                if isinstance(row, list):
                    for j, name in enumerate(names):
                        if j < len(row) and is_count(name) and _small(row[j], min_count):
                            out.append((f"{path}.data[{r}][{j}] ('{name}')", row[j]))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, dict) and file_counts is not None:
                keys = list(v)
                for j in _period_counts(keys, [v[k] for k in keys], file_counts):
                    if _small(v[keys[j]], min_count):
                        out.append((f"{path}[{i}].{keys[j]}", v[keys[j]]))
            if isinstance(v, (dict, list)):
                _walk_json(v, f"{path}[{i}]", min_count, is_count, out, file_counts)


#: Column names that are periods (school years ``2022-2023`` or years): in a wide table their
#: values are counts when the row's unit column says so, or the file is named after a count.
PERIOD_COLUMN = re.compile(r"^\s*(19|20)\d{2}([-/](19|20)\d{2})?\s*$")
UNIT_COLUMNS = ("eenheid", "unit")
COUNT_UNITS = ("aantal", "leerlingen", "pupils", "count", "aantal leerlingen")
#: Words in a results file name that make its period columns pupil counts (when it has no unit
#: column), e.g. ``rendement_thuiszitters.csv``.
COUNT_FILE_WORDS = ("thuiszitters", "vsv", "tlv", "verwijzingen", "plaatsingen", "jeugdhulp",
                    "leerlingen", "trajecten", "indicaties", "pupils")


def _file_counts(path: Path) -> bool:
    stem = path.stem.lower()
    return any(w in stem for w in COUNT_FILE_WORDS)


def _period_counts(header: Sequence[Any], row: Sequence[Any], file_counts: bool) -> list[int]:
    """Indices of period columns whose values are pupil counts in this row."""
    periods = [j for j, h in enumerate(header) if isinstance(h, str) and PERIOD_COLUMN.match(h)]
    if not periods:
        return []
    units = [j for j, h in enumerate(header) if isinstance(h, str) and h.strip().lower() in UNIT_COLUMNS]
    if units:
        unit = str(row[units[0]]).strip().lower() if units[0] < len(row) else ""
        return periods if unit in COUNT_UNITS else []
    return periods if file_counts else []


def _scan_csv(path: Path, text: str, min_count: int, is_count: Any) -> list[tuple[str, Any]]:
    import csv
    import io

    first = text.splitlines()[0] if text else ""
    delim = detect_delimiter(first, (";", ",", "\t")) or ","
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows = list(reader)
    if not rows:
        return []
    header = rows[0]
    count_cols = [j for j, h in enumerate(header) if is_count(h)]
    found = []
    file_counts = _file_counts(path)
    for r_no, row in enumerate(rows[1:], start=2):
        for j in sorted(set(count_cols) | set(_period_counts(header, row, file_counts))):
            if j < len(row) and _small(row[j], min_count):
                found.append((f"row {r_no}, column '{header[j]}'", row[j]))
    return found


SCANNED_SUFFIXES = (".ipynb", ".html", ".htm", ".csv", ".json", ".txt", ".md", ".tsv")


def scan_outputs(
    folder: str | Path,
    *,
    pseudonyms: Iterable[str] = (),
    min_count: int = 5,
    count_fields: Sequence[str] = COUNT_FIELD_PATTERNS,
    ignore_fields: Sequence[str] = NON_COUNT_FIELD_PATTERNS,
    pseudonym_pattern: re.Pattern[str] | None = None,
) -> list[Violation]:
    """Scan every file a batch wrote for pupil pseudonyms and unsuppressed small pupil counts.

    What is checked:

    * every ``.ipynb``, ``.html``, ``.csv``, ``.tsv``, ``.json``, ``.txt`` and ``.md`` file under
      ``folder`` (recursively) for any of ``pseudonyms`` (and, with
      ``pseudonym_pattern=PSEUDONYM_PATTERN``, anything shaped like one);
    * results files (CSV/TSV: columns; JSON: keys, also ``{"columns", "data"}`` tables) whose
      column/field name is a pupil count by the naming convention (:func:`is_count_field`) for
      values 1 to ``min_count - 1``; in wide tables also the period columns (``2022-2023``)
      of rows whose ``eenheid``/``unit`` is ``aantal``/``leerlingen``, or of every row when the
      file has no unit column and its name contains a count word (:data:`COUNT_FILE_WORDS`,
      e.g. ``rendement_thuiszitters.csv``);
    * HTML tables (also inside notebooks' HTML outputs) whose header is a pupil count name
      (e.g. ``aantal thuiszitters``, ``leerlingen``) for such values.

    Parameters
    ----------
    folder
        The output folder (e.g. ``outputs/demoregio``).
    pseudonyms
        All pupil pseudonyms of the run's inputs (and raw ids, if at hand).
    min_count
        The region's threshold (``region.privacy.min_count``).
    count_fields, ignore_fields
        Name patterns (case-insensitive globs) that hold / do not hold pupil counts.
    pseudonym_pattern
        Optional regex for pseudonym-shaped text (e.g. :data:`PSEUDONYM_PATTERN`); default None
        checks the given pseudonyms only.

    Returns
    -------
    list[Violation]
        Empty when the outputs are clean.

    Examples
    --------
    >>> scan_outputs("outputs/demoregio", pseudonyms=["4a83854cf6f0112b"])  # doctest: +SKIP
    []
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"Output folder {folder} does not exist; run the batch first.")
    min_count = _check_min(min_count, "min_count", 1)
    finder = _Pseudonyms(pseudonyms, pseudonym_pattern)

    def is_count(name: Any) -> bool:
        return is_count_field(name, count_fields, ignore_fields)

    violations: list[Violation] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SCANNED_SUFFIXES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252", errors="replace")
        for pos, p in finder.find(text):
            violations.append(Violation(path, "pseudonym", f"line {_line_of(text, pos)}",
                                        f"pupil pseudonym {_short(p)} found"))
        suffix = path.suffix.lower()
        small: list[tuple[str, Any]] = []
        if suffix in (".csv", ".tsv"):
            small = _scan_csv(path, text, min_count, is_count)
        elif suffix == ".json":
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                violations.append(Violation(path, "small_count", f"line {exc.lineno}",
                                            "not valid JSON, so its counts cannot be checked"))
                continue
            _walk_json(obj, "", min_count, is_count, small, _file_counts(path))
        elif suffix in (".html", ".htm"):
            small = _scan_html_tables(text, min_count, is_count)
        elif suffix == ".ipynb":
            try:
                nb = json.loads(text)
            except json.JSONDecodeError:
                nb = {}
            for c_no, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else []):
                for output in cell.get("outputs", []) or []:
                    data = output.get("data", {}) if isinstance(output, dict) else {}
                    html = data.get("text/html")
                    if html:
                        html = "".join(html) if isinstance(html, list) else str(html)
                        for loc, v in _scan_html_tables(html, min_count, is_count):
                            small.append((f"cell {c_no + 1}, {loc}", v))
        for loc, v in small:
            violations.append(Violation(path, "small_count", loc,
                                        f"pupil count {v} is below {min_count} and not suppressed"))
    return violations


#: Column names that hold pupil identifiers in input files (docs/data-formats.md).
PUPIL_ID_COLUMNS = ("leerling_id", "leerlingnummer", "pupil_id", "student_id", "bsn", "onderwijsnummer")


def pupil_identifiers(data_dir: str | Path, *, key: bytes | str | None = None) -> set[str]:
    """Every pupil identifier in a region's input files, to pass to :func:`scan_outputs`.

    Reads the identifier column (:data:`PUPIL_ID_COLUMNS`) of every CSV (also ``.csv.gz``)
    under ``data_dir`` that has one. With ``key``, the pseudonyms those ids get on load
    (:func:`josanalysis.sources.pseudonymise`) are added, so a scan finds raw ids and
    pseudonyms alike; run the batch with the same key (``JOSANALYSIS_PSEUDONYM_KEY``).

    Parameters
    ----------
    data_dir
        The region's data folder (``region.data_dir``).
    key
        The pseudonymisation key of the run, or None for raw ids only.

    Returns
    -------
    set of str

    Examples
    --------
    >>> ids = pupil_identifiers("data/demo", key="sleutel-van-de-run")   # doctest: +SKIP
    >>> assert_outputs_private("outputs/demoregio", pseudonyms=ids)      # doctest: +SKIP
    """
    import csv
    import gzip
    import io

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"Data folder {data_dir} does not exist.")
    ids: set[str] = set()
    files = sorted(p for p in data_dir.rglob("*") if p.is_file()
                   and (p.name.lower().endswith(".csv") or p.name.lower().endswith(".csv.gz")))
    for path in files:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        try:
            with opener(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise DataError(f"cannot be read ({exc})", file=path) from None
        for enc in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        first = text.split("\n", 1)[0]
        delim = detect_delimiter(first) or ";"
        header = [h.strip().strip('"').lower() for h in first.strip().split(delim)]
        cols = [j for j, h in enumerate(header) if h in PUPIL_ID_COLUMNS]
        if not cols:
            continue
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        next(reader, None)
        for row in reader:
            for j in cols:
                if j < len(row) and row[j].strip():
                    ids.add(row[j].strip())
    if key is not None and ids:
        k = key.encode("utf-8") if isinstance(key, str) else key
        ids |= set(pseudonymise(pd.Series(sorted(ids)), key=k).dropna())
    return ids


def assert_outputs_private(folder: str | Path, **kwargs: Any) -> None:
    """Raise :class:`PrivacyError` if :func:`scan_outputs` finds anything.

    Parameters
    ----------
    folder
        The output folder.
    **kwargs
        Passed to :func:`scan_outputs` (``pseudonyms``, ``min_count``, …).

    Examples
    --------
    >>> assert_outputs_private("outputs/demoregio", min_count=5)  # doctest: +SKIP
    """
    found = scan_outputs(folder, **kwargs)
    if found:
        shown = "; ".join(str(v) for v in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise PrivacyError(
            f"The outputs in {folder} are not safe to share: {len(found)} privacy problem(s) "
            f"found — {shown}{more}. Pass counts through josanalysis.privacy.suppression.apply_privacy and "
            "keep pupil identifiers out of reports."
        )
