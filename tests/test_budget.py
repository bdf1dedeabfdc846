"""Budget recalibration (budget-neutral by default) and the capped transition path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from josanalysis.questions.budget import current_budget, recalibrate_budget, transition_path
from josanalysis.questions.budget_assumptions import budget_config_from_region, characteristics_from_region
from josanalysis.core.config import load_region
from josanalysis.core.errors import ConfigError, DataError

CURRENT = pd.DataFrame({"school_id": ["A", "B", "C"], "budget_eur": [300_000.0, 100_000.0, 200_000.0]})
PUPILS = pd.Series({"A": 100, "B": 300, "C": 200})


def test_pupils_only_is_budget_neutral_and_per_pupil_equal():
    r = recalibrate_budget(CURRENT, PUPILS, None, {})
    assert r["budget_target"].sum() == pytest.approx(600_000)
    # 600k over 600 pupils = 1000 per pupil everywhere
    assert r["budget_per_pupil_target"].tolist() == pytest.approx([1000, 1000, 1000])
    assert r["budget_target"].tolist() == pytest.approx([100_000, 300_000, 200_000])
    assert r["budget_per_pupil_current"].tolist() == pytest.approx([3000, 333.3333, 1000])
    assert r["change_pct"].tolist() == pytest.approx([-66.6667, 200.0, 0.0])


def test_weighted_characteristics_hand_computed():
    ch = pd.DataFrame({"school_id": ["A", "B", "C"], "pro": [1.0, 0.0, 0.0], "share_low_income": [0.5, 0.1, 0.0]})
    r = recalibrate_budget(CURRENT, PUPILS, ch, {"pro": 0.5, "share_low_income": 1.0})
    # need index: A = 1 + 0.5 + 0.5 = 2.0; B = 1.1; C = 1.0
    assert r["need_index"].tolist() == pytest.approx([2.0, 1.1, 1.0])
    # weighted pupils: 200, 330, 200 -> total 730
    assert r["weighted_pupils"].tolist() == pytest.approx([200, 330, 200])
    assert r["budget_target"].tolist() == pytest.approx([600_000 * 200 / 730, 600_000 * 330 / 730, 600_000 * 200 / 730])
    assert r["budget_target"].sum() == pytest.approx(CURRENT["budget_eur"].sum())


def test_other_total_only_when_not_budget_neutral():
    r = recalibrate_budget(CURRENT, PUPILS, None, {}, budget_neutral=False, total=1_200_000)
    assert r["budget_target"].sum() == pytest.approx(1_200_000)
    with pytest.raises(ConfigError):
        recalibrate_budget(CURRENT, PUPILS, None, {}, total=1_200_000)
    with pytest.raises(ConfigError):
        recalibrate_budget(CURRENT, PUPILS, None, {}, budget_neutral=False)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"pupils": pd.Series({"A": 100, "B": 300})}, DataError),                       # C has no pupils
        ({"characteristics": None, "weights": {"pro": 0.5}}, ConfigError),              # weights w/o table
        ({"characteristics": pd.DataFrame({"school_id": ["A", "B", "C"], "x": [0, 0, 0]}),
          "weights": {"pro": 0.5}}, ConfigError),                                       # unknown characteristic
        ({"characteristics": pd.DataFrame({"school_id": ["A", "B", "C"], "pro": [1, 0, 0]}),
          "weights": {"pro": -2.0}}, ConfigError),                                      # need index <= 0
        ({"current": CURRENT.assign(budget_eur=[1.0, -5.0, 3.0])}, DataError),          # negative budget
        ({"current": pd.concat([CURRENT, CURRENT.iloc[[0]]])}, DataError),              # duplicated school
    ],
)
def test_bad_recalibration_inputs_are_refused(kwargs, error):
    args = {"current": CURRENT, "pupils": PUPILS, "characteristics": None, "weights": {}}
    args.update(kwargs)
    with pytest.raises(error):
        recalibrate_budget(args["current"], args["pupils"], args["characteristics"], args["weights"])


def test_path_hand_computed_and_reaches_target_without_binding_cap():
    cur = pd.Series({"A": 100.0, "B": 100.0})
    tgt = pd.Series({"A": 110.0, "B": 90.0})
    p = transition_path(cur, tgt, years=2, max_change_per_year=0.1)
    wide = p.pivot(index="year", columns="school_id", values="budget_eur")
    assert wide["A"].tolist() == pytest.approx([100, 105, 110])
    assert wide["B"].tolist() == pytest.approx([100, 95, 90])
    assert not p["capped"].any()
    assert p[p.year == 2]["gap_eur"].abs().max() == 0


def test_path_respects_cap_every_year_and_stays_budget_neutral():
    r = recalibrate_budget(CURRENT, PUPILS, None, {})
    p = transition_path(CURRENT, r, years=2, max_change_per_year=0.1)
    for _, g in p.groupby("school_id"):
        g = g.sort_values("year")
        prev = g["budget_eur"].to_numpy()[:-1]
        step = np.abs(np.diff(g["budget_eur"].to_numpy()))
        assert (step <= 0.1 * prev + 1e-6).all()
    totals = p.groupby("year")["budget_eur"].sum()
    assert np.allclose(totals, 600_000)
    # A must fall 200k and B rise 200k: not possible in 2 years at 10 %, so gaps remain and are reported
    last = p[p.year == 2].set_index("school_id")
    assert last.loc["A", "gap_eur"] < 0 and last.loc["B", "gap_eur"] > 0
    assert p[p.year > 0]["capped"].any()


def test_path_hand_computed_balanced_when_caps_differ():
    # year 1: A +10, B -10 (both capped at 10 %); year 2: A may +11, B may -9 -> A scaled to +9
    p = transition_path(pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 140.0, "B": 60.0}),
                        years=2, max_change_per_year=0.1)
    wide = p.pivot(index="year", columns="school_id", values="budget_eur")
    assert wide["A"].tolist() == pytest.approx([100, 110, 119])
    assert wide["B"].tolist() == pytest.approx([100, 90, 81])
    free = transition_path(pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 140.0, "B": 60.0}),
                           years=2, max_change_per_year=0.1, budget_neutral=False)
    assert free.pivot(index="year", columns="school_id", values="budget_eur")["A"].tolist() == pytest.approx([100, 110, 121])


def test_path_absolute_cap_in_euros():
    p = transition_path(pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 130.0, "B": 70.0}),
                        years=3, max_change_per_year=8.0, cap_unit="eur", start_year=2026)
    assert sorted(p["year"].unique()) == [2026, 2027, 2028, 2029]
    assert p["change_eur"].abs().max() <= 8.0 + 1e-9
    assert p[p.year == 2029].set_index("school_id").loc["A", "budget_eur"] == pytest.approx(124)


@pytest.mark.parametrize(
    "kwargs",
    [{"years": 0}, {"max_change_per_year": 0}, {"max_change_per_year": 1.5},
     {"cap_unit": "percent"}],
)
def test_bad_path_arguments_are_refused(kwargs):
    with pytest.raises(ConfigError):
        transition_path(pd.Series({"A": 1.0}), pd.Series({"A": 1.0}), **kwargs)


def test_path_refuses_unequal_totals_when_budget_neutral_and_mismatched_schools():
    with pytest.raises(ConfigError):
        transition_path(pd.Series({"A": 100.0}), pd.Series({"A": 120.0}))
    with pytest.raises(DataError):
        transition_path(pd.Series({"A": 100.0, "B": 1.0}), pd.Series({"A": 101.0}), budget_neutral=False)


def test_current_budget_picks_latest_year_and_refuses_unknown_year():
    b = pd.DataFrame({"school_id": ["A", "A", "B", "B"], "year": [2023, 2024, 2023, 2024],
                      "budget_eur": [1.0, 2.0, 3.0, 4.0]})
    cur = current_budget(b)
    assert cur.attrs["year"] == 2024 and cur["budget_eur"].tolist() == [2.0, 4.0]
    with pytest.raises(DataError):
        current_budget(b, year=2019)


def test_demo_region_defaults_and_type_characteristics():
    region = load_region("demoregio")
    cfg = budget_config_from_region(region)
    # the demo sets only the money assumptions; the recalibration keeps the package defaults
    assert not cfg.is_default and cfg.weights == {} and cfg.years == 2 and cfg.budget_neutral
    assert cfg.maatwerk_reserve == 0.1 and cfg.cofinancing == {"gemeenten": 0.7, "schoolbesturen": 0.2,
                                                                "samenwerkingsverband": 0.1}
    ch = characteristics_from_region(region, cfg).set_index("school_id")
    pro = [s.school_id for s in region.schools if s.school_type == "praktijkonderwijs"]
    assert ch.loc[pro, "praktijkonderwijs"].eq(1).all()
    assert ch["praktijkonderwijs"].sum() == len(pro)


@pytest.fixture(scope="module")
def demo_data():
    from josanalysis.questions.budget_inputs import load_budget_report_data

    return load_budget_report_data(load_region("demoregio"))


def test_report_data_demo_has_every_source_and_alkmaar_says_what_to_supply(demo_data):
    from josanalysis.questions.budget import budget_section
    from josanalysis.questions.budget_inputs import load_budget_report_data

    demo = load_region("demoregio")
    data = demo_data
    assert data.missing == {}
    assert data.fte is not None and data.budget is not None and data.home_municipality is not None
    assert set(data.rendement["indicator"]) >= {"thuiszitters", "jeugdhulp_buiten_school"}
    assert "pupil_key" not in data.provider.columns                 # only the summary leaves the loader
    section = budget_section(demo, data.budget, data.pupils)
    assert section.recalibrated["budget_target"].sum() == pytest.approx(section.current["budget_eur"].sum())
    alk = load_budget_report_data(load_region("regio-alkmaar"))
    assert set(alk.missing) == {"budget", "herkomst", "aanbieder", "gemeente"}
    assert "zio-budget.csv" in alk.missing["budget"] and "data/" not in alk.missing["budget"]  # no paths in a report
    assert alk.pupils["08UV00"] == 195 and alk.fte_source.startswith("gegevens die de scholen")


def test_report_data_from_a_prepared_panel_folder(demo_data, tmp_path):
    from josanalysis.questions.budget_inputs import load_budget_report_data
    from josanalysis.panel.build import PANEL_COLUMNS, Panel

    months = pd.to_datetime(["2023-09-01", "2023-10-01"])
    rows = [("DM0100", "month", m, "thuiszitters", v, 1245.0, False) for m, v in zip(months, [4.0, 8.0])]
    rows.append(("DM0100", "schoolyear", pd.Timestamp("2023-08-01"), "pupils", 1200.0, np.nan, False))
    data = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    tables = {"capacity": demo_data.fte, "budget": demo_data.budget,
              "pupils_by_home": demo_data.home_municipality, "trajectories": demo_data.provider}
    folder = Panel(data=data, region_id="demoregio", synthetic=True, tables=tables).to_parquet(tmp_path / "p")
    got = load_budget_report_data(load_region("demoregio"), folder)
    assert set(got.missing) == {"gemeente"} and got.youthcare is None    # this panel has no municipality rows
    th = got.rendement.query("indicator == 'thuiszitters'")
    assert th["value"].tolist() == [6.0] and th["school_year"].tolist() == ["2023-2024"]
    assert got.pupils.to_dict() == {"DM0100": 1200.0}
    pd.testing.assert_frame_equal(got.budget.reset_index(drop=True), demo_data.budget.reset_index(drop=True))
    with pytest.raises(ConfigError):
        load_budget_report_data(load_region("regio-alkmaar"), folder)     # panel of another region


def test_save_tables_writes_only_protected_tables(tmp_path):
    import json

    from josanalysis.privacy import write_tables as save_tables
    from josanalysis.core.config import PrivacyRules
    from josanalysis.privacy import apply_privacy

    raw = pd.DataFrame({"school": ["A", "B", "C"], "leerlingen": [3, 40, 50]})
    with pytest.raises(ConfigError):
        save_tables({"t": raw}, tmp_path)
    protected = apply_privacy(raw, PrivacyRules(), count_columns=["leerlingen"], secondary=False)
    files = save_tables({"t": protected}, tmp_path)
    assert {f.name for f in files} == {"t.csv", "results.json"}
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["t"]
    assert data["columns"] == ["school", "leerlingen"] and data["data"][0] == ["A", None]
    assert save_tables({"t": protected}, "") == []


def test_budget_report_object_has_its_sections_and_writes_protected_tables(tmp_path):
    from josanalysis.reporting.budget_report import build_budget_report
    from josanalysis.reporting.document import Section

    report = build_budget_report("demoregio", output_dir=str(tmp_path))
    assert [s.key for s in report.document.sections] == ["regio", "samenvatting", "capaciteit", "budget", "kosten",
                                                         "zorgzwaarte", "herkomst", "jeugdhulp_schatting", "rendement",
                                                         "aanbieder", "toelichting", "bijlage"]
    assert all(isinstance(s, Section) for s in report.document.sections)
    assert (tmp_path / "figures" / "budget.svg").is_file()
    assert "privacy_suppressed" in report.tables["budget_herijking"].attrs
    assert set(report.figures) == {"capaciteit", "budget"}
    names = {p.name for p in report.written}
    assert {"results.json", "budget_herijking.csv", "capaciteit.svg", "budget.svg"} <= names
    assert report.written_text().startswith(f"{len(report.tables) + 1} bestanden en 2 figuren")
    with pytest.raises(ConfigError, match="capaciteit"):
        report.section("capacity")


def test_budget_report_without_data_says_what_to_supply():
    from josanalysis.reporting.budget_report import build_budget_report

    report = build_budget_report("regio-alkmaar")
    assert report.written == () and report.written_text() == ""
    texts = lambda key: [i.markdown for i in report.section(key).items if hasattr(i, "markdown")]  # noqa: E731
    assert report.data.missing["budget"] in texts("budget")
    assert any(t.startswith("Voor de registratie van de aanbieder ontbreken") for t in texts("aanbieder"))


def _report_text(report) -> str:
    """Everything a reader sees: headings, text, notices, table headers and cells, alt texts."""
    parts = []
    for s in report.document.sections:
        parts.append(s.title or "")
        for i in s.items:
            if hasattr(i, "markdown"):
                parts.append(i.markdown)
            elif hasattr(i, "frame"):
                parts += [str(c) for c in i.frame.columns] + i.frame.astype(str).to_numpy().ravel().tolist()
            elif hasattr(i, "svg"):
                parts.append(i.alt)
            else:
                parts.append(i.html)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo_budget_report(tmp_path_factory):
    from josanalysis.reporting.budget_report import build_budget_report

    return build_budget_report("demoregio", output_dir=str(tmp_path_factory.mktemp("budget")))


def test_budget_report_opens_with_a_samenvatting_and_ends_with_a_bijlage(demo_budget_report):
    from josanalysis.reporting.document import Notice

    keys = [s.key for s in demo_budget_report.document.sections]
    assert keys[1] == "samenvatting" and keys[-1] == "bijlage"
    summary = demo_budget_report.section("samenvatting")
    assert summary.title == "Samenvatting"
    notices = [i.html for i in summary.items if isinstance(i, Notice)]
    assert any('href="../index.html"' in h for h in notices), "back link to the index"
    assert any('href="#capaciteit"' in h and 'href="#bijlage"' in h for h in notices), "table of contents"
    lines = "\n".join(i.markdown for i in summary.items if hasattr(i, "markdown"))
    for part in ("**Capaciteit:**", "**Budget:**", "**Kosten:**", "**Zorgzwaarte:**", "**Herkomst:**", "**Rendement:**"):
        assert part in lines
    assert "fte per 100 leerlingen" in lines and "€" in lines and "buiten de regio" in lines
    assert "in de verwachte richting" in lines


def test_budget_report_keeps_wide_tables_in_the_bijlage(demo_budget_report):
    tables_in = lambda key: [i.frame for i in demo_budget_report.section(key).items  # noqa: E731
                             if hasattr(i, "frame")]
    main = [t for s in demo_budget_report.document.sections if s.key != "bijlage" for t in tables_in(s.key)]
    assert all(t.shape[1] <= 9 for t in main), [t.shape for t in main]
    appendix = tables_in("bijlage")
    assert len(appendix) >= 10 and all(t.shape[1] <= 15 for t in appendix), [t.shape for t in appendix]
    assert all("vestiging" not in t.columns for t in main + appendix)
    # the money and weight-of-care parts add one narrow table each to the main text (the rest is in the bijlage)
    assert len(main) <= 11
    # the results files keep every column
    assert "vestiging" in demo_budget_report.tables["capaciteit_per_school"].columns
    assert "uur/week tijdens" in demo_budget_report.tables["capaciteit_per_school"].columns


def test_budget_report_reads_as_dutch_without_internals(demo_budget_report):
    import re

    text = _report_text(demo_budget_report)
    assert "minder dan 0 leerlingen" not in text
    for leak in ("params/", "data/", "docs/", ".yaml", "/tmp", "capacity.", "'budget:'", "notes: ", "minimum_fte",
                 "pupils_source", "school_id", "batch"):
        assert leak not in text, leak
    for word in ("None", "nan", "NaN", "True", "False"):          # as words: "financiering" holds "nan"
        assert not re.search(rf"\b{word}\b", text), word
    assert not re.search(r"\b(the|and|with|rate ratio|event study|bootstrap|No description)\b", text)
    figures = demo_budget_report.figures
    assert all(f.alt and f.alt.endswith(".") and "per school" in f.alt.lower() for f in figures.values())


def test_missing_source_sentence_names_the_file_not_a_path():
    from josanalysis.questions.missing import missing_source_message

    sentence = missing_source_message("budget", "data/regio-alkmaar", what="het budget")
    assert "zio-budget.csv" in sentence and "data/" not in sentence and "docs/" not in sentence


def test_budget_figures_have_alt_texts():
    from josanalysis.reporting.budget_figures import alt_text_budget

    rec = pd.DataFrame({"school_id": ["A", "B"], "pupils": [100.0, 300.0], "budget_eur": [200.0, 200.0],
                        "budget_target": [100.0, 300.0], "change_eur": [-100.0, 100.0]})
    path = pd.DataFrame({"school_id": ["A", "A", "B", "B"], "year": [0, 1, 0, 1],
                         "budget_eur": [200.0, 150.0, 200.0, 250.0]})
    alt = alt_text_budget(rec, path, {"A": "School A"})
    assert alt.startswith("Per school (2 scholen)") and "€ -100" not in alt and "School A" in alt


def test_shown_provider_table_is_the_latest_year_of_the_protected_table(demo_budget_report):
    from josanalysis.privacy import MARKER, select_rows_protected

    full = demo_budget_report.tables["aanbieder"]
    latest = select_rows_protected(full, full["schooljaar"] == full["schooljaar"].max())
    assert len(latest) == (full["schooljaar"] == full["schooljaar"].max()).sum()
    for column, rows in latest.attrs["privacy_suppressed"].items():
        assert latest[column].iloc[rows].isna().all(), column
    shown = demo_budget_report.section("bijlage").items[-1].frame
    assert len(shown) == len(latest) and MARKER in shown.to_numpy()


def test_a_small_school_s_pupil_count_cannot_be_recomputed_from_its_budget(demo_data):
    """Budget ÷ budget per pupil, weighted pupils ÷ need index, the target budget (its share of the
    total weighted pupils) and the path towards it all give a hidden pupil count away (issue 17)."""
    from josanalysis.core.config import PrivacyRules
    from josanalysis.privacy import is_protected
    from josanalysis.questions.budget import budget_section
    from josanalysis.reporting.budget_report import PUPIL_DERIVED_BUDGET_COLUMNS, protected_budget_tables

    region = load_region("demoregio")
    pupils = demo_data.pupils.copy()
    pupils = pupils.assign(pupils=pupils["pupils"].where(pupils["school_id"] != "DM0200", 3)) \
        if isinstance(pupils, pd.DataFrame) else pupils.where(pupils.index != "DM0200", 3)
    section = budget_section(region, demo_data.budget, pupils)
    recal, path, small = protected_budget_tables(section, {}, PrivacyRules(min_count=5))
    assert small == {"DM0200"} and is_protected(recal) and is_protected(path)
    row = recal[recal["school_id"] == "DM0200"].iloc[0]
    assert pd.isna(row["leerlingen"]) and all(pd.isna(row[c]) for c in PUPIL_DERIVED_BUDGET_COLUMNS)
    assert row["budget_current"] == pytest.approx(float(
        section.recalibrated.set_index("school_id").loc["DM0200", "budget_current"])), "the input budget stays"
    later = [c for c in path.columns if str(c).startswith("budget ")][1:] + ["nog te gaan"]
    assert path[path["vestiging"] == "DM0200"][later].isna().all(axis=None)
    others = recal[recal["school_id"] != "DM0200"]
    assert others[list(PUPIL_DERIVED_BUDGET_COLUMNS)].notna().all(axis=None), "other schools keep their figures"


def test_return_tables_hide_every_count_the_school_and_region_reports_hide(demo_budget_report):
    """The budget report's TLV and vsv tables (JOS schools, with the region total per year) and the
    school-year tables of the school and region reports publish the same counts: the budget tables
    hide at least what those hide, so together they reveal nothing either hides — no hidden cell
    follows from the shown cells and the JOS schools' total per year (issue 17)."""
    from josanalysis.assessment import load_context
    from josanalysis.privacy.disclosure import determined, equations
    from josanalysis.reporting.tables import hidden_cells, protected_yearly

    ctx = load_context("demoregio")
    yearly = protected_yearly(ctx.panel, ctx.region)
    jos = [s.school_id for s in ctx.region.jos_schools]
    for key, panel_key in (("tlv_vso", "tlv_vso_cluster4"), ("vsv", "early_leavers")):
        table = demo_budget_report.tables[f"rendement_{key}"]
        years = [c for c in table.columns if str(c)[:4].isdigit() and "-" in str(c)]
        shown_budget = {(str(s), str(y)) for s, row in zip(table.iloc[:, 0], table[years].itertuples(index=False))
                        for y, v in zip(years, row) if pd.notna(v)}
        hidden_panel = {c for c in hidden_cells(yearly, panel_key) if c[0] in jos}
        assert not shown_budget & hidden_panel, f"{key}: the budget shows what a school report hides"
        # the union of what both publish, with the JOS total per year known: nothing determined
        wide = yearly[yearly["school_id"].isin(jos)].pivot(index="school_id", columns="school_year", values=panel_key)
        shown = wide.notna().to_numpy() | np.array([[(s, y) in shown_budget for y in wide.columns]
                                                     for s in wide.index])
        hidden = ~shown
        eqs = equations(*wide.shape, None, None, False, True)
        assert not determined(eqs, hidden.ravel()).any(), key
