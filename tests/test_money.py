"""Money and weight of care (issue 20): costs per pupil and per trajectory, the budget over JOS
schools only, the maatwerk reserve and co-financing, the shift "van zwaar naar licht", the
doelgroepen variant of the recalibration, and what privacy hides of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from josanalysis.core.config import PrivacyRules, load_region
from josanalysis.core.errors import ConfigError
from josanalysis.privacy import scan_outputs, write_tables
from josanalysis.questions.budget import budget_section
from josanalysis.questions.budget_assumptions import BudgetConfig, budget_config_from_region
from josanalysis.questions.carelevel import care_weight, care_weight_shift, care_weight_tables
from josanalysis.questions.costs import (budget_against_basis, cost_tables, funding_split, jos_costs,
                                         youthcare_costs)

from tests.test_budget import _report_text as _text

RULES = PrivacyRules()   # min_count 5


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from josanalysis.reporting.budget_report import build_budget_report

    out = tmp_path_factory.mktemp("budget")
    return build_budget_report("demoregio", output_dir=str(out)), out


# --- the budget belongs to JOS schools -------------------------------------------------------------

def test_comparison_schools_are_never_budget_holders(demo_report):
    report, out = demo_report
    region = report.region
    comparison = set(region.comparison_ids)
    assert comparison, "the demo has comparison schools"
    budget = report.data.budget
    assert comparison <= set(budget["school_id"]), "the demo budget file lists them, so the filter is tested"
    for name, table in report.tables.items():
        if "vestiging" in table.columns and name.startswith(("budget", "kosten")):
            assert not comparison & set(table["vestiging"].astype(str)), name
    names = {region.school(s).name for s in comparison}
    shown = [i.frame for s in report.document.sections for i in s.items if hasattr(i, "frame")]
    assert not any(n in set(t.astype(str).to_numpy().ravel()) for t in shown for n in names)
    sentence = [i.markdown for i in report.section("budget").items if hasattr(i, "markdown")
                and "Vergelijkingsscholen hebben geen JOS-budget" in i.markdown]
    assert sentence and all(n in sentence[0] for n in names)


def test_budget_section_drops_comparison_rows_and_keeps_the_total_of_jos_schools():
    region = load_region("demoregio")
    budget = pd.DataFrame({"school_id": ["DM0100", "DM1100"], "year": [2024, 2024], "budget_eur": [100.0, 900.0]})
    section = budget_section(region, budget, {"DM0100": 1000.0, "DM1100": 1000.0})
    assert section.current["school_id"].tolist() == ["DM0100"] and section.comparison == ("DM1100",)
    assert section.recalibrated["budget_target"].sum() == pytest.approx(100.0)


def test_no_temporary_path_and_no_national_claim_without_data(demo_report):
    report, out = demo_report
    text = _text(report)
    assert str(out) not in text and "/tmp" not in text and "pytest" not in text
    # no national trend is asserted as fixed text: the budget report has no CBS national series
    assert not re.search(r"steeg landelijk|landelijke (stijging|trend|ontwikkeling)", text)


def test_jos_trajectories_only_in_jos_schools_and_jos_years():
    budget = pd.DataFrame({"school_id": ["A", "A", "A", "C"], "year": [2021, 2022, 2023, 2022],
                           "budget_eur": [500.0, 1000.0, 1200.0, 50.0]})
    pupils = pd.DataFrame({"school_id": ["A", "A", "A"], "school_year": ["2021-2022", "2022-2023", "2023-2024"],
                           "pupils": [100, 200, 300]})
    traj = pd.DataFrame({"school_id": ["A", "A", "A", "C"], "school_year": ["2021-2022", "2022-2023", "2023-2024",
                                                                            "2022-2023"],
                         "n_trajectories": [40, 50, 60, 9]})
    out = jos_costs(budget, pupils, traj, {"A": dt.date(2022, 9, 1)})   # C: a comparison school
    assert out["school_id"].tolist() == ["A", "A"] and out["school_year"].tolist() == ["2022-2023", "2023-2024"]
    assert out["budget_per_pupil"].tolist() == pytest.approx([5.0, 4.0])
    assert out["budget_per_trajectory"].tolist() == pytest.approx([20.0, 20.0])


# --- costs in euros ------------------------------------------------------------------------------------

YC = pd.DataFrame({
    "school_id": ["A", "A", "B", "B"], "school_year": ["2019-2020", "2023-2024"] * 2,
    "youthcare_ambulant": [40, 50, 30, 35], "youthcare_residential": [6, 3, np.nan, 8],
    "cost_ambulant": [200_000.0, 260_000.0, 150_000.0, 180_000.0],
    "cost_residential": [360_000.0, 180_000.0, 120_000.0, 480_000.0],
})
PUPILS = pd.DataFrame({"school_id": ["A", "A", "B", "B"], "school_year": ["2019-2020", "2023-2024"] * 2,
                       "pupils": [1000, 1000, 800, 3]})


def test_youthcare_costs_per_pupil_hand_computed():
    c = youthcare_costs(YC, PUPILS)
    a = c[c["school_id"] == "A"].set_index("school_year")
    assert a.loc["2019-2020", "cost_total"] == pytest.approx(560_000)
    assert a.loc["2019-2020", "cost_total_per_pupil"] == pytest.approx(560.0)
    assert a.loc["2023-2024", "cost_residential_per_pupil"] == pytest.approx(180.0)


def test_budget_against_basis_and_funding_split_hand_computed():
    c = youthcare_costs(YC, PUPILS)
    basis = budget_against_basis(pd.DataFrame({"school_id": ["A"], "budget_eur": [56_000.0]}), c, "2019-2020")
    assert basis["budget_pct_of_basis"].tolist() == pytest.approx([10.0])
    cfg = BudgetConfig(maatwerk_reserve=0.1, cofinancing={"gemeenten": 0.6, "schoolbesturen": 0.25,
                                                          "samenwerkingsverband": 0.15})
    split = funding_split(1_000_000.0, cfg, pupils=2000)
    assert split["eur"].tolist() == pytest.approx([900_000, 100_000, 600_000, 250_000, 150_000])
    assert split["eur_per_pupil"].tolist()[:2] == pytest.approx([450.0, 50.0])


def test_cost_tables_hide_what_would_give_a_small_count_back(tmp_path):
    costs = youthcare_costs(YC, PUPILS)
    budget = pd.DataFrame({"school_id": ["A", "B"], "year": [2023, 2023], "budget_eur": [90_000.0, 30_000.0]})
    traj = pd.DataFrame({"school_id": ["A", "B"], "school_year": ["2023-2024"] * 2, "n_trajectories": [45, 3]})
    jos = jos_costs(budget, PUPILS, traj, {"A": dt.date(2022, 8, 1), "B": dt.date(2022, 8, 1)})
    basis = budget_against_basis(pd.DataFrame({"school_id": ["A", "B"], "budget_eur": [90_000.0, 30_000.0]}),
                                 costs, "2019-2020")
    tables = cost_tables(costs, jos, basis, funding_split(120_000.0, BudgetConfig(), 1003), RULES,
                         basis_year="2019-2020", names={"A": "School A", "B": "School B"})
    per_school = tables["jeugdhulp_per_school"].set_index(["vestiging", "schooljaar"])
    # A 2023-2024: 3 pupils in residential care -> that cost, the total and the per-pupil figures are hidden
    assert pd.isna(per_school.loc[("A", "2023-2024"), "kosten met verblijf (× € 1.000)"])
    assert pd.isna(per_school.loc[("A", "2023-2024"), "totaal per leerling (€)"])
    assert per_school.loc[("A", "2023-2024"), "kosten zonder verblijf (× € 1.000)"] == pytest.approx(260.0)
    # B 2019-2020: "<5" at the source (missing count) hides the cost as well
    assert pd.isna(per_school.loc[("B", "2019-2020"), "kosten met verblijf (× € 1.000)"])
    # B 2023-2024: 3 pupils -> cost per pupil would give the count back
    assert pd.isna(per_school.loc[("B", "2023-2024"), "zonder verblijf per leerling (€)"])
    region = tables["jeugdhulp_regio"].set_index("schooljaar")
    # one school's residential cost is hidden in each year: the region total would give it back
    assert region["kosten met verblijf (× € 1.000)"].isna().all()
    # B has 3 trajectories: its cost per trajectory, and the region's trajectories, are hidden
    jos_shown = tables["jos_per_school"].set_index("vestiging")
    assert pd.isna(jos_shown.loc["B", "budget per traject (€)"]) and pd.isna(jos_shown.loc["B", "budget per leerling (€)"])
    assert jos_shown.loc["A", "budget per traject (€)"] == pytest.approx(2000.0)
    assert pd.isna(region.loc["2023-2024", "trajecten"]) and pd.isna(region.loc["2023-2024", "budget per traject (€)"])
    basis_shown = tables["budget_basis"].set_index("vestiging")
    assert pd.isna(basis_shown.loc["B", "kosten basisjaar (× € 1.000)"])                     # "<5" in 2019-2020
    assert basis_shown.loc["A", "budget als % van kosten basisjaar"] == pytest.approx(90_000 / 560_000 * 100)
    write_tables(tables, tmp_path)
    assert scan_outputs(tmp_path, min_count=RULES.min_count) == []


def test_amounts_in_results_files_are_not_read_as_pupil_numbers(tmp_path):
    """A total of 1.280.143,80 euro written whole would be the token 1280143: the output scan takes a
    pupil number of that shape for a leak. Totals are published in thousands of euros (whole euros),
    amounts per pupil in cents, so no such token reaches a results file."""
    yc = YC.assign(cost_ambulant=[1_280_143.8, 260_000.0, 150_000.0, 180_000.0])
    costs = youthcare_costs(yc, PUPILS)
    jos = jos_costs(pd.DataFrame({"school_id": ["A"], "year": [2023], "budget_eur": [1_280_143.0]}), PUPILS,
                    None, {"A": dt.date(2022, 8, 1)})
    basis = budget_against_basis(pd.DataFrame({"school_id": ["A"], "budget_eur": [1_280_143.0]}), costs, "2019-2020")
    tables = cost_tables(costs, jos, basis, funding_split(1_280_143.0, BudgetConfig(), 1000), RULES,
                         basis_year="2019-2020")
    per_school = tables["jeugdhulp_per_school"].set_index(["vestiging", "schooljaar"])
    assert per_school.loc[("A", "2019-2020"), "kosten zonder verblijf (× € 1.000)"] == pytest.approx(1280.144)
    write_tables(tables, tmp_path)
    assert scan_outputs(tmp_path, pseudonyms={"1280143", "1280144"}, min_count=RULES.min_count) == []


# --- weight of care ------------------------------------------------------------------------------------

WEIGHTS = pd.DataFrame({
    "school_id": ["A", "A", "B", "B"], "school_year": ["2021-2022", "2023-2024"] * 2,
    "indications_light": [20, 40, 10, 3], "indications_medium": [40, 40, 20, 20],
    "indications_heavy": [40, 20, 10, 10], "duration_months": [12.0, 10.0, 11.0, 9.0],
})


def test_care_weight_shares_and_shift_hand_computed():
    w = care_weight(WEIGHTS, {"A": "2022-2023", "B": "2023-2024"})
    a = w[w["school_id"] == "A"].set_index("school_year")
    assert a.loc["2021-2022", "share_heavy"] == pytest.approx(40.0) and not a.loc["2021-2022", "jos_year"]
    assert a.loc["2023-2024", "share_light"] == pytest.approx(40.0) and a.loc["2023-2024", "jos_year"]
    shift = care_weight_shift(w).set_index("weight")
    # before JOS: light 30 of 140; during: 43 of 133
    assert shift.loc["licht (%)", "before"] == pytest.approx(30 / 140 * 100)
    assert shift.loc["licht (%)", "during"] == pytest.approx(43 / 133 * 100)
    assert shift.loc["duur (maanden)", "change"] == pytest.approx(9.5 - 11.5)


def test_care_weight_tables_hide_shares_of_small_counts(tmp_path):
    w = care_weight(WEIGHTS, {"A": "2022-2023", "B": "2023-2024"})
    tables = care_weight_tables(w, RULES, names={"A": "A-school", "B": "B-school"})
    per_school = tables["per_school"].set_index(["vestiging", "schooljaar"])
    assert per_school.loc[("B", "2023-2024"), ["licht (%)", "midden (%)", "zwaar (%)"]].isna().all()
    assert per_school.loc[("A", "2023-2024"), "licht (%)"] == pytest.approx(40.0)
    assert not any(c.startswith("indicaties") for c in per_school.columns)      # no counts per school
    region = tables["regio"].set_index("schooljaar")
    assert pd.isna(region.loc["2023-2024", "zwaar (%)"])        # one school hidden: the total gives it back
    assert region.loc["2021-2022", "zwaar (%)"] == pytest.approx(50 / 140 * 100)
    write_tables(tables, tmp_path)
    assert scan_outputs(tmp_path, min_count=RULES.min_count) == []


def test_demo_report_shows_euros_per_pupil_and_trajectory_and_the_licht_zwaar_share(demo_report):
    report, out = demo_report
    kosten = _text(dataclasses.replace(report, document=type(report.document)((report.section("kosten"),))))
    assert "budget per leerling (€)" in kosten and "budget per traject (€)" in kosten
    assert "kosten zonder verblijf (× € 1.000)" in kosten and "kosten met verblijf (× € 1.000)" in kosten
    assert re.search(r"€ \d{1,3}(\.\d{3})+", kosten), "euros in Dutch notation"
    assert "2019-2020" in kosten and "Maatwerkreserve" in kosten and "schoolbesturen 20%" in kosten
    weight = _text(dataclasses.replace(report, document=type(report.document)((report.section("zorgzwaarte"),))))
    assert "licht (%)" in weight and "zwaar (%)" in weight and "duur (maanden)" in weight
    assert "Lichte indicaties per 100 leerlingen" in weight                    # the region's verdict
    summary = _text(dataclasses.replace(report, document=type(report.document)((report.section("samenvatting"),))))
    assert "per JOS-traject" in summary and "aandeel zware indicaties" in summary
    assert scan_outputs(out, min_count=report.region.privacy.min_count) == []


# --- the doelgroepen variant and the money assumptions ------------------------------------------------

def test_doelgroepen_variant_is_budget_neutral_capped_and_weighs_vso():
    region = load_region("demoregio")
    from josanalysis.questions.budget_inputs import load_budget_report_data

    data = load_budget_report_data(region)
    section = budget_section(region, data.budget, data.pupils)
    g = section.groups.set_index("school_id")
    assert g["budget_target"].sum() == pytest.approx(section.current["budget_eur"].sum())
    vso = [s.school_id for s in region.jos_schools if s.school_type == "vso"]
    havo = [s.school_id for s in region.jos_schools if s.school_type in ("havo/vwo", "mavo/havo/vwo")]
    assert vso and havo
    assert g.loc[vso[0], "budget_per_pupil_target"] > g.loc[havo[0], "budget_per_pupil_target"]
    assert section.groups_missing == ("jeugdhulp_woongemeente",)        # no CBS 85098NED in the demo
    path = section.groups_path
    assert (path["change_pct"].abs().fillna(0) <= 10 + 1e-9).all()
    totals = path.groupby("year")["budget_eur"].sum()
    assert np.allclose(totals, totals.iloc[0])


@pytest.mark.parametrize("block, words", [
    ({"maatwerk_reserve": 0.8}, "between 0 and 0.5"),
    ({"cofinancing": {"gemeenten": 0.5, "schoolbesturen": 0.2}}, "add up to 0.7"),
    ({"cofinancing": {"provincie": 1.0}}, "provincie"),
    ({"basis_year": "2019"}, "school year"),
])
def test_money_assumptions_are_checked_with_a_sentence(block, words):
    region = dataclasses.replace(load_region("demoregio"), extra={"budget": block})
    with pytest.raises(ConfigError, match=re.escape(words)):
        budget_config_from_region(region)


def test_written_sentence_names_no_folder(demo_report):
    """In a batch the output folder is a temporary one: the sentence never shows its path."""
    report, out = demo_report
    sentence = report.written_text()
    assert sentence.endswith("geschreven naar de map van dit rapport") and str(out) not in sentence


def test_region_year_amounts_per_pupil_are_in_euros():
    costs = youthcare_costs(YC.assign(youthcare_residential=[6, 7, 8, 9]), PUPILS)   # nothing hidden
    budget = pd.DataFrame({"school_id": ["A", "B"], "year": [2023, 2023], "budget_eur": [90_000.0, 30_000.0]})
    jos = jos_costs(budget, PUPILS, None, {"A": dt.date(2022, 8, 1), "B": dt.date(2022, 8, 1)})
    basis = budget_against_basis(pd.DataFrame({"school_id": ["A"], "budget_eur": [90_000.0]}), costs, "2019-2020")
    region = cost_tables(costs, jos, basis, funding_split(120_000.0, BudgetConfig(), 1003), RULES,
                         basis_year="2019-2020")["jeugdhulp_regio"].set_index("schooljaar")
    assert region.loc["2023-2024", "budget (× € 1.000)"] == pytest.approx(120.0)
    assert region.loc["2023-2024", "budget per leerling (€)"] == pytest.approx(round(120_000 / 1003, 2))
    assert region.loc["2019-2020", "totaal per leerling (€)"] == pytest.approx(round(830_000 / 1800, 2))
