"""Secondary (complementary) suppression: no hidden cell may be recomputed from the totals.

A reader who knows a row or column total (printed in the table, or published elsewhere, e.g. the
DUO pupil count of a school) can subtract the shown cells. This module writes every known total
as a linear equation (:func:`equations`), finds the hidden cells those equations determine
(:func:`determined`, exact, on a signed graph) and hides partner cells until (a) no line has
exactly one hidden cell, (b) the hidden cells of a line with a known total do not add up to a
small count, and (c) no hidden cell is determined (:func:`complementary_suppression`).

Cells are numbered row-major over the table of counts (totals row / column included).

Examples
--------
>>> import numpy as np
>>> values = np.array([[3.0, 9.0], [12.0, 14.0], [20.0, 25.0]])
>>> hidden, unprotected = complementary_suppression(
...     values, values < 5, total_row=None, total_column=None,
...     row_margins_known=True, col_margins_known=True, min_count=5)
>>> int(hidden.sum()), unprotected
(4, [])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Equation", "equations", "determined", "complementary_suppression"]

#: A known total as (interior cells of the line, cell holding its total or None when the total
#: is known from outside the table).
Equation = tuple[list[int], int | None]


def equations(
    n_rows: int,
    n_cols: int,
    total_row: int | None,
    total_col: int | None,
    row_margins_known: bool,
    col_margins_known: bool,
) -> list[Equation]:
    """Linear equations a reader can use: (interior cell indices, index of total cell or None).

    Cells are numbered row-major. ``None`` as total cell means the total is known from outside
    the table (a published margin).
    """
    eqs: list[Equation] = []
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


# --------------------------------------------------------------------------------------------
# Which hidden cells follow from the totals: a signed graph
# --------------------------------------------------------------------------------------------


@dataclass
class _SignedGraph:
    """Equations as nodes, hidden cells as (half-)edges with the sign of their coefficients."""

    ends: dict[int, list[tuple[int, int]]]
    adj: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, eqs: list[Equation], idx: list[int]) -> _SignedGraph:
        hidden_set = set(idx)
        # endpoints of every hidden cell: list of (equation, coefficient)
        ends: dict[int, list[tuple[int, int]]] = {c: [] for c in idx}
        for e, (cells, total) in enumerate(eqs):
            for c in cells:
                if c in hidden_set:
                    ends[c].append((e, 1))
            if total is not None and total in hidden_set:
                ends[total].append((e, -1))
        graph = cls(ends)
        for c in (c for c in idx if ends[c]):          # cells in no equation are free
            for node, _ in ends[c]:
                graph.adj.setdefault(node, []).append(c)
        return graph

    def sigma(self, c: int) -> int:
        (_, su), (_, sv) = self.ends[c]
        return -su * sv

    def other(self, c: int, node: int) -> int:
        (u, _), (v, _) = self.ends[c]
        return v if u == node else u

    def explore(self, start: int, skip: int | None) -> tuple[set[int], bool]:
        """Nodes reachable from start without edge `skip`, and whether that part is balanced."""
        phi = {start: 1}
        stack = [start]
        balanced = True
        while stack:
            u = stack.pop()
            for c in self.adj.get(u, []):
                if c == skip:
                    continue
                if len(self.ends[c]) == 1 or self.ends[c][0][0] == self.ends[c][1][0]:
                    balanced = False          # half-edge (or a cell twice in one line)
                    continue
                v = self.other(c, u)
                want = phi[u] * self.sigma(c)
                if v not in phi:
                    phi[v] = want
                    stack.append(v)
                elif phi[v] != want:
                    balanced = False
        return set(phi), balanced

    def rank_of(self, nodes: Iterable[int], skip: int | None) -> int:
        seen: set[int] = set()
        r = 0
        for n in nodes:
            if n in seen:
                continue
            comp, bal = self.explore(n, skip)
            seen |= comp
            r += len(comp) - (1 if bal else 0)
        return r


def determined(eqs: list[Equation], hidden: np.ndarray) -> np.ndarray:
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
    graph = _SignedGraph.of(eqs, idx)
    found: list[int] = []
    done: set[int] = set()
    for start in list(graph.adj):
        if start in done:
            continue
        comp, bal = graph.explore(start, None)
        done |= comp
        comp_edges = {c for n in comp for c in graph.adj[n]}
        if bal:
            found.extend(comp_edges & _bridges(comp, graph.adj, graph.ends))
            continue
        # unbalanced component (rank = its number of nodes): deleting c must lower the rank
        full = len(comp)
        found.extend(c for c in comp_edges
                     if graph.rank_of({n for n, _ in graph.ends[c]}, c) < full)
    return np.array(sorted(found), dtype=int)


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


# --------------------------------------------------------------------------------------------
# Choosing partner cells
# --------------------------------------------------------------------------------------------


@dataclass
class _Lines:
    """The known totals of a table and the cells hidden so far; hides partners one at a time."""

    eqs: list[Equation]
    flat: np.ndarray
    hidden: np.ndarray
    total_cells: set[int]
    min_count: int
    members_of: list[list[int]] = field(init=False)
    eqs_of: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.members_of = [cells + ([t] if t is not None else []) for cells, t in self.eqs]
        self.eqs_of = {}
        for e, members in enumerate(self.members_of):
            for i in members:
                self.eqs_of.setdefault(i, []).append(e)

    def side_effect(self, i: int) -> int:
        # hiding i fixes lines that have one hidden cell and breaks lines that have none
        score = 0
        for e in self.eqs_of.get(i, []):
            n = sum(self.hidden[j] for j in self.members_of[e])
            score += 1 if n == 0 else (-1 if n == 1 else 0)
        return score

    def candidates(self, cells: Iterable[int]) -> list[int]:
        c = [i for i in set(cells) if not self.hidden[i]]
        flat = self.flat
        # prefer interior cells, then cells that close a pattern rather than open a new
        # problem, then non-zero cells (a hidden zero protects little), then the smallest
        return sorted(c, key=lambda i: (i in self.total_cells, self.side_effect(i), flat[i] == 0, flat[i], i))

    def needs_partner(self, cells: list[int], total: int | None) -> bool:
        """Rules (a) and (b) for one line."""
        members = cells + ([total] if total is not None else [])
        n_hidden = sum(self.hidden[i] for i in members)
        if n_hidden == 0:
            return False
        if n_hidden == 1:
            return True
        if total is not None and self.hidden[total]:
            return False
        parts = [i for i in cells if self.hidden[i]]
        return np.nansum(self.flat[parts]) < self.min_count and not np.isnan(self.flat[parts]).any()

    def local_pass(self) -> bool:
        """Hide a partner in every line that breaks rule (a) or (b); whether any was hidden."""
        changed = False
        for (cells, total), members in zip(self.eqs, self.members_of, strict=True):
            if self.needs_partner(cells, total):
                cand = self.candidates(members)
                if cand:
                    self.hidden[cand[0]] = True
                    changed = True
        return changed

    def protect(self, cell: int) -> bool:
        """Hide a partner for a determined cell (rule c); False when none is left."""
        lines = [m for m in self.members_of if cell in m]
        cand = self.candidates(i for line in lines for i in line)
        if not cand:
            cand = self.candidates(range(self.flat.size))
        if cand:
            self.hidden[cand[0]] = True
        return bool(cand)


def complementary_suppression(
    values: np.ndarray,
    primary: np.ndarray,
    *,
    total_row: int | None,
    total_column: int | None,
    row_margins_known: bool,
    col_margins_known: bool,
    min_count: int,
) -> tuple[np.ndarray, list[int]]:
    """Hide partner cells until no hidden cell can be recomputed or shown to be small.

    Parameters
    ----------
    values
        The counts (rows × count columns, NaN = missing), totals row / column included.
    primary
        Boolean array of the same shape: cells hidden because they are small or missing.
    total_row, total_column
        Position of a printed totals row / column, or None.
    row_margins_known, col_margins_known
        Whether unprinted row / column sums count as known to a reader.
    min_count
        The threshold; hidden cells of a line with a known total must add up to at least this.

    Returns
    -------
    hidden : numpy.ndarray
        Boolean array of the shape of ``values``: every hidden cell.
    unprotected : list of int
        Row-major numbers of cells that could not be protected (every other cell of their lines
        is already hidden); empty in normal use.
    """
    n_rows, n_cols = values.shape
    eqs = equations(n_rows, n_cols, total_row, total_column,
                    row_margins_known=row_margins_known, col_margins_known=col_margins_known)
    total_cells: set[int] = set()
    if total_row is not None:
        total_cells.update(total_row * n_cols + c for c in range(n_cols))
    if total_column is not None:
        total_cells.update(r * n_cols + total_column for r in range(n_rows))
    lines = _Lines(eqs, values.ravel(), primary.copy().ravel(), total_cells, min_count)
    unprotected: list[int] = []
    for _ in range(values.size + 1):
        if lines.local_pass():
            continue
        det = [i for i in determined(eqs, lines.hidden) if i not in unprotected]
        if not det:
            break
        if not lines.protect(det[0]):
            unprotected.append(det[0])
    return lines.hidden.reshape(values.shape), unprotected
