"""The real regio Alkmaar configuration: Bijlage 5 FTE, DUO 2025 pupils, comparison candidates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.questions.budget_assumptions import budget_config_from_region
from josanalysis.questions.capacity import capacity_table, fte_from_region, minimum_fte_from_region
from josanalysis.questions.pupils import pupils_from_region
from josanalysis.core.config import load_region
from josanalysis.questions.rendement import rendement_table
from josanalysis.sources.duo import load_duo_pupils

DATA = Path(__file__).resolve().parent / "data"
DUO_PUPILS = DATA / "duo" / "leerlingen-vo-per-vestiging-2025-subset.csv"
OBERON = DATA / "oberon" / "bijlage5-inzet-jos-functies.txt"

# school id -> the words that start its row in the Bijlage 5 table
BIJLAGE5_ROWS = {
    "19ZQ00": "Stedelijk", "08UV00": "Focus", "02QX01": "PCC", "VSPK00": "De Spinaker",
    "02TD00": "CSG Jan", "20MH00": "Jac. P.", "00ZD00": "Bonhoeffer", "25EF02": "Vonk",
}


@pytest.fixture(scope="module")
def region():
    return load_region("regio-alkmaar")


def _bijlage5() -> dict[str, list[float | None]]:
    """The FTE cells of Bijlage 5, read from the report text: GW, JGC, PAJ x (eerder, tijdens)."""
    text = OBERON.read_text(encoding="utf-8")
    start = text.index("Bijlage 5  Inzet JOS-functies")
    table = text[text.index("Eerder Tijdens", start):text.index("De tabel laat", start)]
    starts = sorted((table.index(words), sid) for sid, words in BIJLAGE5_ROWS.items())
    out = {}
    for k, (pos, sid) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(table)
        cells = re.findall(r"(\d+(?:,\d+)?)\s*fte|n\.v\.t\.", table[pos:end])
        # 'n.v.t.' gives an empty group; the PAJ 'n.v.t.' appears once per column
        values = [None if c == "" else float(c.replace(",", ".")) for c in cells]
        out[sid] = values
    return out


def test_eight_pilot_schools_with_start_and_subregion(region):
    assert not region.synthetic
    jos = {s.school_id: s for s in region.jos_schools}
    assert set(jos) == set(BIJLAGE5_ROWS)
    assert all(s.jos_start == dt.date(2022, 8, 1) for s in jos.values())
    noord = {sid for sid, s in jos.items() if s.subregion == "Noord-Kennemerland"}
    midden = {sid for sid, s in jos.items() if s.subregion == "Midden-Kennemerland"}
    assert noord == {"19ZQ00", "08UV00", "02QX01", "VSPK00", "02TD00"}
    assert midden == {"20MH00", "00ZD00", "25EF02"}
    assert jos["08UV00"].name == "Focus" and jos["25EF02"].name == "Vonk Castricum"


def test_fte_equals_bijlage5_of_the_report(region):
    published = _bijlage5()
    for s in region.jos_schools:
        cells = published[s.school_id]
        assert len(cells) == 6, s.school_id
        ours = [s.fte_before["GW"], s.fte_during["GW"], s.fte_before["JGC"], s.fte_during["JGC"],
                s.fte_before["PAJ"], s.fte_during["PAJ"]]
        assert [None if v is None else round(v, 3) for v in ours] == cells, s.school_id
    # PAJ is "n.v.t." (null, not 0) exactly in Midden-Kennemerland
    for s in region.jos_schools:
        assert (s.fte_during["PAJ"] is None) == (s.subregion == "Midden-Kennemerland")


def test_pupils_recorded_equal_duo_2025(region):
    duo = load_duo_pupils(DUO_PUPILS).set_index("school_id")["pupils"]
    recorded = {s.school_id: s.pupils for s in region.schools if s.pupils is not None}
    assert recorded["08UV00"] == 195 and recorded["02TD00"] == 1648
    for sid, n in recorded.items():
        assert int(duo[sid]) == n, sid
        assert "DUO" in region.school(sid).pupils_source
    # De Spinaker (VSO) is not in the VO files: no pupils, a local id that cannot clash with DUO
    spinaker = region.school("VSPK00")
    assert spinaker.pupils is None and "VSPK00" not in duo.index
    assert not re.fullmatch(r"\d{2}[A-Z]{2}\d{2}", "VSPK00")


def test_comparison_candidates_are_the_other_vestigingen_of_the_pilot_municipalities(region):
    duo = load_duo_pupils(DUO_PUPILS)
    pilot_munis = {"GM0361", "GM1980", "GM0383"}
    others = set(duo.loc[duo["municipality_code"].isin(pilot_munis), "school_id"]) - set(BIJLAGE5_ROWS)
    # 20MH01 shares address and board with JOS school 20MH00: deliberately not a comparison
    assert set(region.comparison_ids) == others - {"20MH01"}
    assert all(not s.is_jos for s in region.comparison_schools)
    assert set(region.municipalities) == {"GM0361", "GM1980", "GM0373", "GM0383", "GM0399", "GM0450"}


def test_capacity_on_the_real_facts(region):
    minimum, hours = minimum_fte_from_region(region)
    res = capacity_table(fte_from_region(region), pupils_from_region(region), hours_per_fte=hours,
                         minimum_fte=minimum)
    focus = res.per_school.set_index("school_id").loc["08UV00"]
    assert focus["fte_during"] == pytest.approx(0.165 + 0.16 + 1.0)
    assert focus["fte_per_100_during"] == pytest.approx(1.325 / 195 * 100)
    t = res.table.set_index(["school_id", "function"])
    assert t.loc[("08UV00", "PAJ"), "hours_during"] == pytest.approx(36.0)
    assert not t.loc[("20MH00", "PAJ"), "deployed"]
    assert res.spread.set_index(["function", "measure"]).loc[("PAJ", "fte_during"), "n_schools"] == 5
    # De Spinaker has FTE but no pupil count: per 100 pupils stays missing, not zero
    assert pd.isna(res.per_school.set_index("school_id").loc["VSPK00", "fte_per_100_during"])


def test_assumptions_live_in_params_and_missing_data_names_the_file(region):
    cfg = budget_config_from_region(region)
    assert not cfg.is_default and cfg.budget_neutral and cfg.years == 2
    assert set(cfg.weights) <= {"praktijkonderwijs", "vso", "vmbo"}
    assert not region.data_dir.exists()
    res = rendement_table(None, data_dir="data/regio-alkmaar")
    # the report names the file to supply, never a path of the analyst's machine (issue 14)
    assert all(re.search(r"lever het bestand [\w.-]+\.csv aan", m) for m in res.missing.values())
    assert not any("data/regio-alkmaar" in m for m in res.missing.values())


@pytest.mark.slow
def test_budget_report_runs_on_the_real_configuration(tmp_path):
    """The notebook shows the real FTE table and names the files to supply; its outputs pass the scan."""
    import nbformat
    import papermill as pm

    from josanalysis.core.config import PROJECT_ROOT
    from josanalysis.privacy import scan_outputs

    out_nb = tmp_path / "budget_report.ipynb"
    out_dir = tmp_path / "out"
    pm.execute_notebook(str(PROJECT_ROOT / "notebooks" / "budget_report.ipynb"), str(out_nb),
                        parameters={"region": "regio-alkmaar", "output_dir": str(out_dir)},
                        kernel_name="josanalysis", cwd=str(PROJECT_ROOT / "notebooks"), progress_bar=False)
    nb = nbformat.read(str(out_nb), as_version=4)
    text = "\n".join(
        str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Focus" in text and "1,325" in text and "0,679" in text          # 1.325 FTE for 195 pupils
    assert "zio-budget.csv" in text and "data/regio-alkmaar" not in text
    assert "SYNTHETISCHE DEMODATA" not in text
    per_school = pd.read_csv(out_dir / "capaciteit_per_school.csv", sep=";")
    focus = per_school[per_school["vestiging"] == "08UV00"].iloc[0]
    assert focus["fte tijdens"] == pytest.approx(1.325) and focus["leerlingen"] == 195
    assert (out_dir / "results.json").is_file() and (out_dir / "figures" / "capaciteit.svg").is_file()
    assert scan_outputs(out_dir) == []
