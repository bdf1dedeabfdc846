"""Tests for josanalysis.privacy: suppression, rounding, rates, pseudonyms and the output scan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from josanalysis.core.config import PrivacyRules
from josanalysis.core.errors import ConfigError, DataError
from josanalysis.sources import pseudonymise
from josanalysis.privacy.disclosure import determined, equations
from josanalysis.privacy import (
    MARKER,
    PSEUDONYM_PATTERN,
    PrivacyError,
    ProtectedTable,
    apply_privacy,
    assert_outputs_private,
    format_for_report,
    is_count_field,
    is_protected,
    privacy_footnote,
    pupil_identifiers,
    rename_protected,
    require_protected,
    scan_outputs,
    suppress_counts,
    suppress_rates,
)


# ---------------------------------------------------------------------------------------------
# An independent attacker: what can a reader learn about each hidden cell from the totals?
# ---------------------------------------------------------------------------------------------


def feasible_ranges(true: np.ndarray, hidden: np.ndarray, *, row_totals: bool, col_totals: bool,
                    total_row: int | None = None, total_col: int | None = None):
    """Min and max of every hidden cell over all non-negative tables that agree with what a
    reader sees: the shown cells, and the row/column totals (printed or published)."""
    n_r, n_c = true.shape
    idx = list(zip(*np.nonzero(hidden)))
    pos = {cell: k for k, cell in enumerate(idx)}
    a_eq, b_eq = [], []
    int_rows = [r for r in range(n_r) if r != total_row]
    int_cols = [c for c in range(n_c) if c != total_col]

    def add(cells, total_cell, total_value):
        coef = np.zeros(len(idx))
        rhs = 0.0
        for cell in cells:
            if cell in pos:
                coef[pos[cell]] += 1
            else:
                rhs -= true[cell]
        if total_cell is not None:
            if total_cell in pos:
                coef[pos[total_cell]] -= 1
            else:
                rhs += true[total_cell]
        else:
            rhs += total_value
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)

    for r in range(n_r):
        cells = [(r, c) for c in int_cols]
        if total_col is not None:
            add(cells, (r, total_col), None)
        elif row_totals and len(cells) >= 2:
            add(cells, None, sum(true[cell] for cell in cells))
    for c in range(n_c):
        cells = [(r, c) for r in int_rows]
        if total_row is not None:
            add(cells, (total_row, c), None)
        elif col_totals and len(cells) >= 2:
            add(cells, None, sum(true[cell] for cell in cells))
    out = {}
    for cell, k in pos.items():
        obj = np.zeros(len(idx))
        obj[k] = 1
        lo = linprog(obj, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                     bounds=[(0, None)] * len(idx), method="highs")
        hi = linprog(-obj, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                     bounds=[(0, None)] * len(idx), method="highs")
        assert lo.status == 0
        out[cell] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return out


def assert_protected(table: pd.DataFrame, st, **kw):
    true = table[list(st.count_columns)].to_numpy(dtype=float)
    hidden = st.suppressed.to_numpy()
    ranges = feasible_ranges(true, hidden, **kw)
    for (r, c), (lo, hi) in ranges.items():
        assert hi - lo >= 1 - 1e-9, (
            f"hidden cell ({table.index[r]}, {st.count_columns[c]}) = {true[r, c]:g} "
            f"is pinned to [{lo:g}, {hi:g}] by the totals"
        )
        margins = []
        if (kw.get("row_totals") or kw.get("total_col") is not None) and true.shape[1] >= 2:
            margins.append(true[r].sum() if kw.get("total_col") is None else true[r, kw["total_col"]])
        if (kw.get("col_totals") or kw.get("total_row") is not None) and true.shape[0] >= 2:
            margins.append(true[:, c].sum() if kw.get("total_row") is None else true[kw["total_row"], c])
        if st.primary.iloc[r, c] and min(margins, default=np.inf) >= st.min_count:
            # unless a known total is itself small, a reader cannot even tell that the small
            # cell is small
            assert hi >= st.min_count


def test_one_small_cell_cannot_be_recomputed_from_margins():
    t = pd.DataFrame(
        {"leerjaar 1": [3, 25, 31, 40], "leerjaar 2": [18, 22, 27, 35], "leerjaar 3": [15, 19, 24, 30]},
        index=["Duinlicht", "Polderhof", "Kustmeer", "Meerzicht"],
    )
    st = suppress_counts(t, min_count=5)
    assert st.primary.sum().sum() == 1 and st.primary.loc["Duinlicht", "leerjaar 1"]
    # one cell alone in its row and column would follow from the totals: partners are hidden
    assert st.secondary.sum().sum() >= 3
    hidden = st.suppressed.to_numpy()
    assert (hidden.sum(axis=0) != 1).all() and (hidden.sum(axis=1) != 1).all()
    assert_protected(t, st, row_totals=True, col_totals=True)
    # the shown cells are exactly the original ones
    shown = ~st.suppressed
    assert (st.table[shown].stack() == t[shown].stack()).all()
    assert st.table.loc["Duinlicht", "leerjaar 1"] is pd.NA


def test_printed_totals_row_and_column_are_protected_too():
    body = pd.DataFrame({"ambulant": [2, 30, 14], "verblijf": [6, 9, 12]}, index=["A", "B", "C"])
    t = body.copy()
    t["Totaal"] = t.sum(axis=1)
    t.loc["Totaal"] = t.sum(axis=0)
    st = suppress_counts(t, min_count=5, totals="none")
    assert st.total_row == "Totaal" and st.total_column == "Totaal"
    assert st.primary.loc["A", "ambulant"]
    # no total line may be hidden when an interior partner exists
    assert not st.suppressed.loc["Totaal"].any() and not st.suppressed["Totaal"].any()
    assert_protected(t, st, row_totals=False, col_totals=False, total_row=3, total_col=2)


def test_pattern_that_passes_the_line_rule_but_leaks_through_a_bridge_is_fixed():
    # two 2x2 blocks of small cells joined by one small cell (0, 2): every row and column has
    # zero or at least two hidden cells and every hidden sum is >= 5, yet the joining cell
    # follows exactly from the totals (it is a bridge). Only the linear-algebra check sees it.
    rng = np.random.default_rng(3)
    t = pd.DataFrame(rng.integers(20, 60, size=(5, 5)), columns=[f"c{j}" for j in range(5)])
    small = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)]
    for r, c in small:
        t.iloc[r, c] = 4
    with pytest.raises(AssertionError, match="pinned"):   # primaries alone do leak
        only_primary = suppress_counts(t, min_count=5, secondary=False)
        assert_protected(t, only_primary, row_totals=True, col_totals=True)
    st = suppress_counts(t, min_count=5)
    assert st.secondary.to_numpy().any() and not st.unprotected
    assert_protected(t, st, row_totals=True, col_totals=True)


def dense_determined(eqs, hidden):
    """Reference: hidden cells fixed by the equations, from a dense null space."""
    from scipy.linalg import null_space

    idx = list(np.flatnonzero(hidden))
    pos = {c: k for k, c in enumerate(idx)}
    rows = []
    for cells, total in eqs:
        coef = np.zeros(len(idx))
        for c in cells:
            if c in pos:
                coef[pos[c]] += 1
        if total is not None and total in pos:
            coef[pos[total]] -= 1
        if coef.any():
            rows.append(coef)
    if not idx:
        return set()
    if not rows:
        return set()
    ns = null_space(np.vstack(rows))
    free = np.abs(ns).max(axis=1) > 1e-9 if ns.shape[1] else np.zeros(len(idx), bool)
    return {int(c) for c, f in zip(idx, free) if not f}


def test_graph_check_of_recoverable_cells_agrees_with_linear_algebra():
    rng = np.random.default_rng(7)
    n_checked = 0
    for k in range(150):
        n_r, n_c = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        tr = int(rng.integers(0, n_r)) if (k % 3 == 0 and n_r > 1) else None
        tc = int(rng.integers(0, n_c)) if (k % 4 == 0 and n_c > 1) else None
        eqs = equations(n_r, n_c, tr, tc, row_margins_known=bool(k % 2), col_margins_known=k % 5 != 0)
        hidden = rng.random(n_r * n_c) < rng.uniform(0.1, 0.8)
        assert set(determined(eqs, hidden).tolist()) == dense_determined(eqs, hidden), (n_r, n_c, tr, tc, k)
        n_checked += int(hidden.sum())
    assert n_checked > 300


def test_large_long_tables_are_fast_enough_to_use():
    # 1,300 rows x 2 count columns with both margins known: hundreds of hidden cells
    rng = np.random.default_rng(0)
    t = pd.DataFrame(rng.poisson(6, size=(1300, 2)), columns=["n_a", "n_b"])
    st = suppress_counts(t)
    hidden = st.suppressed.to_numpy()
    assert (hidden.sum(axis=1) != 1).all() and (hidden.sum(axis=0) != 1).all()


def test_many_random_tables_are_protected():
    rng = np.random.default_rng(11)
    for k in range(12):
        shape = (int(rng.integers(2, 7)), int(rng.integers(2, 6)))
        values = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30], size=shape, p=[.1, .08, .08, .07, .07, .15, .15, .15, .15])
        t = pd.DataFrame(values, columns=[f"v{j}" for j in range(shape[1])])
        totals = ["both", "columns", "rows"][k % 3]
        st = suppress_counts(t, min_count=5, totals=totals)
        assert_protected(t, st, row_totals=totals in ("both", "rows"), col_totals=totals in ("both", "columns"))
        # every small non-zero count is hidden, zeros are not primary
        small = (values >= 1) & (values < 5)
        assert (st.primary.to_numpy() == small).all()


def test_secondary_off_hides_only_small_cells_and_zero_is_shown():
    t = pd.DataFrame({"n": [0, 3, 12, 4, 5]})
    st = suppress_counts(t, secondary=False)
    assert st.table["n"].isna().tolist() == [False, True, False, True, False]
    assert st.table["n"].iloc[0] == 0


def test_rounding_to_multiples_of_five():
    t = pd.DataFrame({"n": [7, 12, 13, 3, 0, 102], "m": [50, 51, 8, 9, 6, 18]})
    st = suppress_counts(t, min_count=5, rounding=5, secondary=False)
    assert st.table["n"].tolist()[:3] == [5, 10, 15]
    assert st.table["n"].iloc[3] is pd.NA
    assert st.table["n"].iloc[4] == 0 and st.table["n"].iloc[5] == 100
    assert (st.table["m"].dropna() % 5 == 0).all()


def test_rates_with_small_denominators_are_hidden():
    d = pd.DataFrame({"pct": [10.0, 3.0, 0.5, 2.0], "leerlingen": [9, 10, 800, None],
                      "n": [1, 0, 4, 2]})
    out = suppress_rates(d, "pct", "leerlingen", min_denominator=10)
    assert out["pct"].isna().tolist() == [True, False, False, True]
    # a rate over a public denominator reveals its small numerator, so it goes too
    out = suppress_rates(d, "pct", "leerlingen", min_denominator=10, numerator_col="n")
    assert out["pct"].isna().tolist() == [True, False, True, True]
    with pytest.raises(ConfigError, match="noemer"):
        suppress_rates(d, "pct", "noemer")


def test_apply_privacy_uses_region_rules():
    d = pd.DataFrame({
        "school": ["A", "B", "C", "D"],
        "n_thuiszitters": [2, 11, 7, 23],
        "leerlingen": [9, 640, 480, 1200],
        "pct_thuiszitters": [22.2, 1.7, 1.5, 1.9],
    })
    out = apply_privacy(d, PrivacyRules(min_count=5, min_denominator=10, rounding=None),
                        count_columns=["n_thuiszitters"],
                        rate_columns={"pct_thuiszitters": "leerlingen"},
                        numerators={"pct_thuiszitters": "n_thuiszitters"})
    assert out["n_thuiszitters"].isna().tolist() == [True, False, True, False]
    assert out["pct_thuiszitters"].isna().tolist() == [True, False, True, False]
    assert out["school"].tolist() == ["A", "B", "C", "D"]
    text = format_for_report(out)
    assert text.loc[0, "n_thuiszitters"] == MARKER and text.loc[1, "n_thuiszitters"] == "11"
    assert text.loc[1, "pct_thuiszitters"] == "1,7"
    # stricter region rules
    out = apply_privacy(d, PrivacyRules(min_count=10, min_denominator=500, rounding=5),
                        count_columns=["n_thuiszitters"], rate_columns={"pct_thuiszitters": "leerlingen"})
    # 2 and 7 are small; together (9) still below 10, so 11 is hidden too; 23 rounds to 25
    assert out["n_thuiszitters"].isna().tolist() == [True, True, True, False]
    assert out["n_thuiszitters"].iloc[3] == 25
    assert out["pct_thuiszitters"].isna().tolist() == [True, False, True, False]


def test_format_distinguishes_missing_from_suppressed_and_footnote_is_dutch():
    t = pd.DataFrame({"a": [3.0, np.nan, 40.0, 50.0], "b": [30, 20, 60, 70]})
    st = suppress_counts(t, totals="columns")
    text = format_for_report(st)
    assert text.loc[0, "a"] == MARKER
    assert text.loc[1, "a"] == "–"
    assert "privacy" in privacy_footnote(5, rounding=5) and "veelvouden van 5" in privacy_footnote(5, 5)


@pytest.mark.parametrize("bad, err", [
    (pd.DataFrame({"n": [1.5, 6]}), DataError),
    (pd.DataFrame({"n": [-1, 6]}), DataError),
    (pd.DataFrame({"n": ["vijf", "zes"]}), DataError),
])
def test_bad_counts_are_refused(bad, err):
    with pytest.raises(err, match="'n'"):
        suppress_counts(bad, ["n"])


def test_bad_arguments_are_refused():
    t = pd.DataFrame({"n": [1, 6]})
    with pytest.raises(ConfigError, match="min_count"):
        suppress_counts(t, min_count=0)
    with pytest.raises(ConfigError, match="'x'"):
        suppress_counts(t, ["x"])
    with pytest.raises(ConfigError, match="totals"):
        suppress_counts(t, totals="diagonal")
    with pytest.raises(ConfigError, match="no numeric"):
        suppress_counts(pd.DataFrame({"n": ["vijf", "zes"]}))


def test_count_field_convention():
    assert is_count_field("n_thuiszitters") and is_count_field("Aantal leerlingen")
    assert is_count_field("leerlingen_jeugdhulp_ambulant") and is_count_field("tlv_vso_cluster4")
    for name in ("n_pre", "n_post", "n_months_post", "n_caveats", "n_years", "Aantal scholen",
                 "estimate", "p_value", "school_id", "maand"):
        assert not is_count_field(name), name


# ---------------------------------------------------------------------------------------------
# The output scan
# ---------------------------------------------------------------------------------------------

PSEUDO = pseudonymise(pd.Series(["4711"]), key=b"scan-test-key").iloc[0]


def write_clean_outputs(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.csv").write_text(
        "school_id;indicator;estimate;n_pre;n_thuiszitters\nDM0100;thuiszitters;-0.12;3;12\n"
        "DM0200;thuiszitters;0.05;2;\nDM0300;thuiszitters;0.01;4;0\n", encoding="utf-8")
    (folder / "results.json").write_text(json.dumps({
        "school_id": "DM0100", "n_pre": 3, "n_post": 2,
        "effects": {"columns": ["term", "estimate", "n_leerlingen"], "data": [["level", -0.1, 640]]},
        "tabel": [{"schooljaar": "2022-2023", "thuiszitters": 7}, {"schooljaar": "2023-2024", "thuiszitters": None}],
    }), encoding="utf-8")
    html = ("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head>"
            "<body><p>Verzuim daalde 3 procent.</p><table><tr><th>school</th><th>Aantal thuiszitters</th>"
            "<th>n_pre</th></tr><tr><td>A</td><td>•</td><td>2</td></tr><tr><td>B</td><td>14</td><td>3</td></tr>"
            "</table></body></html>")
    (folder / "DM0100.html").write_text(html, encoding="utf-8")
    nb = {"cells": [{"cell_type": "code", "source": ["x = 3"], "outputs": [
        {"output_type": "display_data", "data": {"text/html": [html], "text/plain": ["x"]}}]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "DM0100.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def test_scan_passes_on_clean_outputs(tmp_path):
    write_clean_outputs(tmp_path / "out")
    assert scan_outputs(tmp_path / "out", pseudonyms=[PSEUDO], min_count=5) == []
    assert_outputs_private(tmp_path / "out", pseudonyms=[PSEUDO])


@pytest.mark.parametrize("name, edit", [
    ("results.csv", lambda s: s.replace("DM0100;thuiszitters;-0.12;3;12", "DM0100;thuiszitters;-0.12;3;4")),
    ("results.json", lambda s: s.replace('"thuiszitters": 7', '"thuiszitters": 2')),
    ("results.json", lambda s: s.replace('640]', '3]')),
    ("DM0100.html", lambda s: s.replace("<td>14</td>", "<td>3</td>")),
    ("DM0100.ipynb", lambda s: s.replace("<td>14</td>", "<td>1</td>")),
])
def test_scan_finds_a_planted_small_count(tmp_path, name, edit):
    out = tmp_path / "out"
    write_clean_outputs(out)
    p = out / name
    p.write_text(edit(p.read_text(encoding="utf-8")), encoding="utf-8")
    found = scan_outputs(out, pseudonyms=[PSEUDO], min_count=5)
    assert [v.kind for v in found] == ["small_count"] and found[0].file == p
    with pytest.raises(PrivacyError, match=name):
        assert_outputs_private(out, pseudonyms=[PSEUDO])


@pytest.mark.parametrize("name", ["results.csv", "results.json", "DM0100.html", "DM0100.ipynb"])
def test_scan_finds_a_planted_pseudonym(tmp_path, name):
    out = tmp_path / "out"
    write_clean_outputs(out)
    p = out / name
    text = p.read_text(encoding="utf-8")
    planted = text.replace("DM0200", PSEUDO) if name == "results.csv" else text.replace("DM0100", PSEUDO, 1)
    if planted == text:
        planted = text.replace("Verzuim", f"Leerling {PSEUDO}: verzuim")
    p.write_text(planted, encoding="utf-8")
    found = scan_outputs(out, pseudonyms=[PSEUDO], min_count=5)
    assert [v.kind for v in found] == ["pseudonym"] and found[0].file == p
    assert PSEUDO not in str(found[0])  # the report of a leak does not repeat it in full


def test_scan_finds_listed_raw_ids_and_pseudonym_shapes(tmp_path):
    out = tmp_path / "out"
    write_clean_outputs(out)
    (out / "extra.csv").write_text("leerling,score\nLL-98765X,3\n", encoding="utf-8")
    found = scan_outputs(out, pseudonyms=["LL-98765X"], min_count=5)
    assert len(found) == 1 and found[0].kind == "pseudonym"
    # a pseudonym of a pupil not in the list is caught by its shape, when asked for
    (out / "extra.csv").write_text("leerling,score\nll-00112233aabbccdd,3\n", encoding="utf-8")
    assert scan_outputs(out) == []
    assert [v.kind for v in scan_outputs(out, pseudonym_pattern=PSEUDONYM_PATTERN)] == ["pseudonym"]
    # long numbers and other hex fingerprints are not mistaken for pseudonyms
    (out / "extra.csv").write_text("aandeel,hash\n0.8525149190110828,00112233aabbccdd\n", encoding="utf-8")
    assert scan_outputs(out, pseudonym_pattern=PSEUDONYM_PATTERN) == []


def test_scan_threshold_follows_region_rules(tmp_path):
    out = tmp_path / "out"
    write_clean_outputs(out)
    # with a threshold of 10, the 7 thuiszitters in results.json are too small
    found = scan_outputs(out, min_count=10)
    assert any(v.file.name == "results.json" and "7" in v.detail for v in found)


def test_scan_refuses_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        scan_outputs(tmp_path / "nope")


def test_scan_reads_wide_tables_with_school_year_columns(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # a file named after a count: its school-year columns are pupil counts
    (out / "rendement_thuiszitters.csv").write_text(
        "vestiging;school;2021-2022;2022-2023;verschil\nDM0100;A;12;;-2\nDM0200;B;0;9;3\n", encoding="utf-8")
    # a unit column decides per row: euros and percentages are not pupils
    (out / "rendement_regio.csv").write_text(
        "indicator;eenheid;2021-2022;2022-2023\nkosten;euro;3;4\naandeel;%;2,5;1\nthuiszitters;aantal;41;58\n",
        encoding="utf-8")
    (out / "budget.csv").write_text("school;2025;2026\nA;3;4\n", encoding="utf-8")
    (out / "rendement_vsv.json").write_text(json.dumps([{"school": "A", "2021-2022": 12, "2022-2023": None}]),
                                            encoding="utf-8")
    assert scan_outputs(out) == []
    p = out / "rendement_thuiszitters.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("DM0100;A;12;;-2", "DM0100;A;12;3;-2"), encoding="utf-8")
    p = out / "rendement_regio.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("aantal;41;58", "aantal;41;2"), encoding="utf-8")
    p = out / "rendement_vsv.json"
    p.write_text(p.read_text(encoding="utf-8").replace("null", "1"), encoding="utf-8")
    found = sorted((v.file.name, v.location) for v in scan_outputs(out))
    assert found == [("rendement_regio.csv", "row 4, column '2022-2023'"),
                     ("rendement_thuiszitters.csv", "row 2, column '2022-2023'"),
                     ("rendement_vsv.json", "[0].2022-2023")]


def test_pupil_identifiers_from_inputs_feed_the_scan(tmp_path):
    import gzip

    data = tmp_path / "data"
    (data / "leerplicht").mkdir(parents=True)
    (data / "verzuim").mkdir()
    (data / "leerplicht" / "leerplicht-registraties.csv").write_text(
        "leerling_id;vestigingscode;type\nL1083131;DM0100;relatief verzuim\nL1080079;DM0100;vrijstelling\n",
        encoding="utf-8")
    with gzip.open(data / "verzuim" / "verzuim-2022-2023.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("leerling_id;vestigingscode;datum\n1060001;DM0100;2022-09-01\n")
    (data / "swv.csv").write_text("vestigingscode;schooljaar;tlv\nDM0100;2022-2023;3\n", encoding="utf-8")
    # every header a loader accepts for pupil numbers is read back (here Magister's "llnr")
    (data / "verzuim" / "magister.csv").write_text("llnr;vestigingscode;datum\n\"1060002\";DM0100;2022-09-02\n",
                                                  encoding="utf-8")
    ids = pupil_identifiers(data)
    assert ids == {"L1083131", "L1080079", "1060001", "1060002"}
    with_pseudo = pupil_identifiers(data, key="run-key")
    expected = set(pseudonymise(pd.Series(sorted(ids)), key=b"run-key"))
    assert with_pseudo == ids | expected
    out = tmp_path / "out"
    write_clean_outputs(out)
    assert scan_outputs(out, pseudonyms=with_pseudo) == []
    leaked = sorted(expected)[0]
    (out / "notes.md").write_text(f"Casus {leaked} besproken.", encoding="utf-8")
    (out / "DM0100.html").write_text("<p>Leerling L1080079 is terug op school.</p>", encoding="utf-8")
    found = scan_outputs(out, pseudonyms=with_pseudo)
    assert sorted(v.file.name for v in found) == ["DM0100.html", "notes.md"]


# ---------------------------------------------------------------------------------------------
# The protected table type
# ---------------------------------------------------------------------------------------------


def _protected_example():
    d = pd.DataFrame({"school": ["A", "B", "C"], "n_thuiszitters": [3, 12, 9],
                      "leerlingen": [8, 900, 700], "pct": [37.5, 1.3, 1.3]})
    return apply_privacy(d, PrivacyRules(), count_columns=["n_thuiszitters"], rate_columns={"pct": "leerlingen"})


def test_apply_privacy_returns_a_protected_table():
    out = _protected_example()
    assert isinstance(out, ProtectedTable) and is_protected(out)
    assert require_protected(out, "the table") is out
    st = suppress_counts(pd.DataFrame({"a": [3, 40, 50], "b": [30, 20, 60]}))
    assert is_protected(st.table) and is_protected(st.to_frame())
    assert is_protected(format_for_report(st)) and is_protected(format_for_report(out))
    assert is_protected(suppress_rates(pd.DataFrame({"pct": [2.0], "leerlingen": [8]}), "pct", "leerlingen"))


def test_a_derived_or_changed_frame_is_no_longer_protected():
    out = _protected_example()
    derived = [out.copy(), out.rename(columns={"pct": "%"}), out[["school", "pct"]], out.head(2),
               out.assign(x=1), pd.concat([out, out]), out.fillna(0), out.reset_index()]
    for frame in derived:
        assert type(frame) is pd.DataFrame and not is_protected(frame)
    changed = _protected_example()
    changed["n_thuiszitters"] = [3, 12, 9]          # the raw counts back in place
    assert isinstance(changed, ProtectedTable) and not is_protected(changed)
    with pytest.raises(PrivacyError, match="changed after it passed the privacy layer"):
        require_protected(changed, "the table 'per_school'")
    changed = _protected_example()
    changed.loc[0, "pct"] = 37.5
    assert not is_protected(changed)
    # a hand-built ProtectedTable carries no mark
    assert not is_protected(ProtectedTable(pd.DataFrame({"n": [3]})))


def test_require_protected_refuses_a_raw_frame_with_a_sentence():
    raw = pd.DataFrame({"school": ["A"], "n_thuiszitters": [3]})
    with pytest.raises(PrivacyError, match=r"^the table 'per_school' cannot be shown or written: .*apply_privacy"):
        require_protected(raw, "the table 'per_school'")
    with pytest.raises(PrivacyError, match="full result of suppress_counts"):
        require_protected(suppress_counts(pd.DataFrame({"a": [3, 40]})), "the cross table")
    with pytest.raises(PrivacyError, match="is a dict"):
        require_protected({"n": 3}, "the result")
    assert not is_protected(format_for_report(raw))


def test_renaming_keeps_the_mark_and_the_record_of_hidden_cells():
    out = _protected_example()
    renamed = rename_protected(out, {"n_thuiszitters": "Aantal thuiszitters"})
    assert is_protected(renamed)
    assert format_for_report(renamed)["Aantal thuiszitters"].tolist() == [MARKER, "12", MARKER]
    assert not is_protected(rename_protected(pd.DataFrame({"n": [3]}), {"n": "m"}))


def test_a_protected_table_writes_styles_and_pickles_like_a_frame(tmp_path):
    import pickle

    out = _protected_example()
    out.to_csv(tmp_path / "t.csv", index=False)
    assert (tmp_path / "t.csv").read_text().splitlines()[1] == "A,,8,"
    assert json.loads(out.to_json(orient="records"))[1]["n_thuiszitters"] == 12
    assert "<table" in out.style.to_html()
    back = pickle.loads(pickle.dumps(out))
    assert type(back) is ProtectedTable and is_protected(back)
    assert back.attrs == out.attrs
    pd.testing.assert_frame_equal(pd.DataFrame(back), pd.DataFrame(out))


def test_report_numbers_use_the_one_dutch_formatter():
    shown = format_for_report(pd.DataFrame({"x": [-1234.56, 0.25, 12], "n": pd.array([1234567, 0, None], dtype="Int64")}), decimals=1)
    assert shown["x"].tolist() == ["-1.234,6", "0,2", "12,0"]
    assert shown["n"].tolist() == ["1.234.567", "0", "–"]


# ---------------------------------------------------------------------------------------------
# Active content in shared HTML (issue 17)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("planted", [
    "<script>alert(1)</script>", '<img src="x" onerror="alert(1)">', '<a href="javascript:alert(1)">a</a>',
    '<a href=" JaVaScRiPt:alert(1)">a</a>', '<iframe src="https://evil.example"></iframe>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">a</a>', '<meta http-equiv="refresh" content="0;url=x">',
    '<svg><circle onload="alert(1)"/></svg>', '<form action="https://evil.example"><input></form>',
])
@pytest.mark.parametrize("where", ["DM0100.html", "DM0100.ipynb"])
def test_scan_finds_planted_active_content(tmp_path, planted, where):
    out = tmp_path / "out"
    write_clean_outputs(out)
    assert scan_outputs(out) == []
    path = out / where
    text = path.read_text(encoding="utf-8")
    marker = "<p>Verzuim daalde 3 procent.</p>"
    path.write_text(text.replace(marker, marker + planted.replace('"', '\\"') if where.endswith("ipynb")
                                 else marker + planted), encoding="utf-8")
    found = scan_outputs(out)
    assert [v.kind for v in found] and {v.kind for v in found} == {"active_content"}, found
    assert all(v.file.name == where for v in found)


def test_scan_requires_a_policy_that_runs_no_script_on_every_page(tmp_path):
    out = tmp_path / "out"
    write_clean_outputs(out)
    page = (out / "DM0100.html").read_text(encoding="utf-8")
    (out / "DM0100.html").write_text(page.replace("default-src 'none'", "default-src 'none'; script-src *"))
    found = scan_outputs(out)
    assert [(v.kind, v.location) for v in found] == [("active_content", "<head>")]


def test_scan_finds_a_javascript_output_in_a_notebook(tmp_path):
    out = tmp_path / "out"
    write_clean_outputs(out)
    nb = json.loads((out / "DM0100.ipynb").read_text(encoding="utf-8"))
    nb["cells"][0]["outputs"].append({"output_type": "display_data",
                                      "data": {"application/javascript": ["alert(1)"]}, "metadata": {}})
    (out / "DM0100.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    assert [v.detail for v in scan_outputs(out)] == ["<script> element"]


def test_embedded_figures_and_escaped_markup_are_not_active_content():
    from josanalysis.privacy.active_content import active_content

    assert active_content('<img src="data:image/png;base64,iVBORw0K" alt="&lt;script&gt;">'
                          "<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</p>") == []


def test_a_figure_that_carries_a_script_is_found_in_the_page_and_as_a_file(tmp_path):
    import base64

    from josanalysis.privacy.active_content import active_content

    clean = b'<svg xmlns="http://www.w3.org/2000/svg"><text>Verzuim</text></svg>'
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject>' \
              b'<text onclick="alert(1)">Verzuim</text><script>alert(2)</script></svg>'

    def page(svg: bytes) -> str:
        return f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}" alt="x">'

    assert active_content(page(clean)) == []
    details = [d for _, d in active_content(page(hostile))]
    assert details == ["<foreignobject> element", "event handler attribute onclick", "<script> element"]
    assert [d for _, d in active_content('<img src="data:image/svg+xml;base64,@@@" alt="x">')] == [
        "an SVG image address that is not base64 UTF-8"]
    bomb = b'<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>'
    assert [d for _, d in active_content(page(bomb))] == ["entity declaration a", "entity declaration b"]
    assert [d for _, d in active_content(page(b"<svg><text>x</svg>"))][0].startswith("not well-formed SVG")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "ok.svg").write_bytes(clean)
    (tmp_path / "figures" / "bad.svg").write_bytes(hostile)
    found = scan_outputs(tmp_path)
    assert {(Path(v.file).name, v.detail) for v in found} == {
        ("bad.svg", "<foreignobject> element"), ("bad.svg", "event handler attribute onclick"),
        ("bad.svg", "<script> element")}


# ---------------------------------------------------------------------------------------------
# One suppression pattern for counts that several reports publish (issue 17)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(40))
def test_counts_suppressed_across_the_region_cannot_be_recomputed_from_any_margin(seed):
    """School × year counts, suppressed once: no school's row and no year's column has exactly one
    hidden cell, and the hidden cells of a line never add up to a small count — so neither a
    school's total nor the region's total per year (published in another report) gives one away."""
    from josanalysis.core.config import PrivacyRules
    from josanalysis.privacy import apply_privacy_across
    from josanalysis.privacy.disclosure import determined, equations

    rng = np.random.default_rng(seed)
    schools, years = [f"S{i}" for i in range(rng.integers(3, 9))], [f"{y}-{y + 1}" for y in range(2018, 2024)]
    values = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(len(schools), len(years)))
    long = pd.DataFrame([{"school_id": s, "school_year": y, "n_tlv": values[i, j]}
                         for i, s in enumerate(schools) for j, y in enumerate(years)])
    out = apply_privacy_across(long, PrivacyRules(min_count=5), count_columns=["n_tlv"], rows="school_id",
                               columns="school_year")
    hidden = out.pivot(index="school_id", columns="school_year", values="n_tlv").loc[schools, years].isna()
    small = (values >= 1) & (values < 5)
    assert hidden.to_numpy()[small].all(), "every small count is hidden"
    mask = hidden.to_numpy().ravel()
    eqs = equations(len(schools), len(years), None, None, True, True)
    assert not determined(eqs, mask).any(), "no hidden cell follows from the margins"
    for line in [*hidden.to_numpy(), *hidden.to_numpy().T]:
        assert line.sum() != 1


def test_a_school_report_and_the_region_report_hide_the_same_yearly_counts():
    from josanalysis.assessment import load_context
    from josanalysis.reporting.tables import yearly_table

    ctx = load_context("demoregio")
    region = yearly_table(ctx, label_schools=True)
    for sid in ("DM0200", "DM0400", "DM1100"):
        own = yearly_table(ctx, sid).reset_index(drop=True)
        theirs = region[region["school_id"] == sid].reset_index(drop=True)
        counts = [c for c in own.columns if c not in ("school_id", "school_year", "year_start")]
        assert own[counts].isna().equals(theirs[counts].isna()), sid


def test_a_pseudonym_in_an_embedded_figure_is_found_and_image_data_never_reads_as_one(tmp_path):
    import base64

    from josanalysis.privacy import PSEUDONYM_PATTERN

    figure = b'<svg xmlns="http://www.w3.org/2000/svg"><text>Leerling 4a83854cf6f0112b</text></svg>'
    svg_page = f'<p>x</p>\n<img src="data:image/svg+xml;base64,{base64.b64encode(figure).decode()}" alt="x">'
    (tmp_path / "a.html").write_text(svg_page, encoding="utf-8")
    # raster data whose base64 holds a pseudonym-shaped run: no reader sees it as text
    (tmp_path / "b.html").write_text('<img src="data:image/png;base64,AAAA/4a83854cf6f0112b/AAAA" alt="y">',
                                     encoding="utf-8")
    found = scan_outputs(tmp_path, pseudonyms=["4a83854cf6f0112b"], pseudonym_pattern=PSEUDONYM_PATTERN)
    assert [(Path(v.file).name, v.kind, v.location) for v in found] == [("a.html", "pseudonym", "line 2")]
