"""``josanalysis compare``: regions and subregions side by side with one base approach (issue 20)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from josanalysis.core.errors import ConfigError
from josanalysis.privacy import scan_outputs
from josanalysis.questions.regions import RegionProfile, region_profile, region_profiles
from josanalysis.reporting.region_comparison import build_region_comparison
from josanalysis.runner.cli import main
from josanalysis.privacy.active_content import runs_no_script
from josanalysis.sources import source_coverage

REFERENCE = Path(__file__).parent / "data" / "demo_reference" / "region" / "results.csv"


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    """A run's output root holding the demo region's results file (the reference run's)."""
    root = tmp_path_factory.mktemp("outputs")
    (root / "demoregio" / "region").mkdir(parents=True)
    shutil.copy(REFERENCE, root / "demoregio" / "region" / "results.csv")
    return root


def test_compare_cli_writes_both_regions_with_missing_sources_marked(results_root, tmp_path, capsys):
    out = tmp_path / "vergelijking"
    code = main(["compare", "--regions", "demoregio", "regio-alkmaar", "--out", str(out),
                 "--results-root", str(results_root)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "read from the results of its run" in printed.out and "no data folder" in printed.out
    html = (out / "vergelijking.html").read_text(encoding="utf-8")
    assert '<html lang="nl"' in html and "<script" not in html
    assert runs_no_script(html.split("<body", 1)[0]), "the page runs no script (Content-Security-Policy)"
    assert "Demoregio" in html and "Regio Alkmaar" in html and "ontbreekt" in html
    assert "SYNTHETISCHE DEMODATA" in html
    assert re.search(r"Regio Alkmaar</strong> mist: [^<]*Verzuimregistratie scholen", html)
    coverage = pd.read_csv(out / "bronnen.csv", sep=";")
    assert (coverage["Regio Alkmaar"] == "ontbreekt").sum() >= 8
    assert (coverage["Demoregio"] == "volledig").sum() >= 8
    # the estimates are the run's, not refitted: the reference's pooled absence effect, per 100 (procentpunt)
    ref = pd.read_csv(REFERENCE)
    pooled = ref[(ref["indicator"] == "absence_rate") & (ref["term"] == "pooled")]["estimate"].item()
    est = pd.read_csv(out / "schattingen.csv", sep=";")
    demo = est[(est["regio"] == "Demoregio") & est["indicator"].str.startswith("Verzuim")]["schatting"].item()
    assert demo == pytest.approx(pooled * 100)
    alk = est[est["regio"] == "Regio Alkmaar"]
    assert len(alk) and alk["schatting"].isna().all() and (alk["oordeel"] == "geen schatting: gegevens ontbreken").all()
    assert scan_outputs(out, min_count=5) == []


def test_compare_refuses_one_region_and_unknown_subregions(capsys):
    assert main(["compare", "--regions", "demoregio", "--out", "unused"]) == 2
    assert "at least two regions" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="Noord-Demoregio"):
        region_profile("demoregio/Nergens", compute=False)


def test_subregions_are_measured_on_their_own_jos_schools():
    noord, midden, whole = (region_profile(r, results_root="nowhere", compute=False) for r in
                            ("demoregio/Noord-Demoregio", "demoregio/Midden-Demoregio", "demoregio"))
    assert {s.subregion for s in noord.region.jos_schools} == {"Noord-Demoregio"}
    assert len(noord.region.jos_schools) + len(midden.region.jos_schools) == len(whole.region.jos_schools)
    assert noord.region.comparison_ids == whole.region.comparison_ids
    assert noord.figures["pupils"] + midden.figures["pupils"] == pytest.approx(whole.figures["pupils"])
    assert noord.estimates_from == "niet berekend" and noord.estimates.empty


def test_region_figures_per_pupil_are_hidden_with_a_small_pupil_total():
    """A figure per pupil or per trajectory gives the count back: both are hidden with it."""
    whole = region_profile("demoregio", results_root="nowhere", compute=False)
    tiny = RegionProfile(region=whole.region, coverage=source_coverage(None),
                         figures={"pupils": 3.0, "fte_per_100": 20.0, "youthcare_cost_per_pupil": 900.0,
                                  "budget_per_pupil": 150.0, "trajectories": 2.0, "budget_per_trajectory": 225.0})
    report = build_region_comparison([whole, tiny])
    money = report.tables["kosten"]
    assert money.loc[1, ["leerlingen JOS-scholen", "fte per 100 lln", "jeugdhulp per leerling (€)",
                         "budget per leerling (€)", "trajecten", "budget per traject (€)"]].isna().all()
    assert money.loc[0, "budget per leerling (€)"] == pytest.approx(round(whole.figures["budget_per_pupil"], 2))
    assert money.loc[0, "leerlingen JOS-scholen"] == whole.figures["pupils"]


def test_computed_estimates_when_no_run_wrote_results(tmp_path):
    """Without a results file the pooled estimates are computed once from the data (no per-school fits)."""
    profile = region_profile("demoregio", results_root=tmp_path)
    assert profile.estimates_from == "berekend"
    ref = pd.read_csv(REFERENCE)
    ref = ref[ref["term"].isin(["pooled", "later_years"])].set_index("indicator")
    got = profile.estimates.set_index("indicator")
    assert set(got.index) == set(ref.index)
    assert np.allclose(got.loc[ref.index, "estimate"], ref["estimate"], atol=1e-9)
    assert (got.loc[ref.index, "verdict"] == ref["verdict"]).all()
