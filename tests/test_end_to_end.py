"""The batch on the real notebooks and demo data: the files a user relies on, in Dutch, private.

Runs `josanalysis run --region demoregio --only DM0200 DM0900` once (two school reports, the
region report and the budget report) into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.runner.batch import run_region
from josanalysis.privacy import PSEUDONYM_PATTERN, scan_outputs
from tests.reference_outputs import PSEUDONYM_KEY, compare_outputs, reference_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("batch")]

KEY = PSEUDONYM_KEY  # the key the demo reference was made with
SCHOOLS = ["DM0200", "DM0900"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    old = os.environ.get("JOSANALYSIS_PSEUDONYM_KEY")
    os.environ["JOSANALYSIS_PSEUDONYM_KEY"] = KEY
    try:
        result = run_region("demoregio", only=SCHOOLS, workers=2, output_root=out, progress=False)
    finally:
        if old is None:
            os.environ.pop("JOSANALYSIS_PSEUDONYM_KEY", None)
        else:
            os.environ["JOSANALYSIS_PSEUDONYM_KEY"] = old
    return result


def _html(run, *parts):
    return (run.output_dir.joinpath(*parts)).read_text(encoding="utf-8")


def test_run_writes_every_report_and_the_index(run):
    assert all(o.status == "ok" for o in run.outcomes), [(o.key, o.error) for o in run.outcomes]
    out = run.output_dir
    assert (out / "index.html").is_file() and (out / "summary.csv").is_file()
    for sid in SCHOOLS:
        d = out / "schools" / sid
        for name in ("report.html", "report.ipynb", "results.csv", "results.json", "manifest.json"):
            assert (d / name).is_file(), f"{sid}/{name}"
        assert (d / "figures" / "absence_rate_its.svg").is_file()
    assert (out / "region" / "report.html").is_file()
    index = _html(run, "index.html")
    assert all(sid in index for sid in SCHOOLS)


def test_school_report_shows_plan_estimates_and_banner_in_dutch(run):
    html = _html(run, "schools", "DM0900", "report.html")
    for text in ["SYNTHETISCHE DEMODATA — geen echte cijfers", "Samenvatting", "Analyseplan versie",
                 "Niveauverandering bij de start", "Trendverandering per maand", "procentpunt",
                 "95%-BI", "voortgezette trend", "Oordeel:", "Placebotoets", "Onderscheidend vermogen",
                 "Gevoeligheid", "Toelichting van het schoolteam"]:
        assert text in html, text
    assert "import josanalysis" not in html and "from josanalysis" not in html, "code cells must be hidden"
    assert not re.search(r"veroorzaakt door JOS|dankzij JOS", html), "never a causal claim"


def test_region_report_shows_event_study_and_verdicts(run):
    html = _html(run, "region", "report.html")
    for text in ["SYNTHETISCHE DEMODATA", "gespreide invoering", "Samenvatting", "Oordeel:", "effect per schooljaar sinds de start", "<img",
                 "Kanttekeningen"]:
        assert text in html, text


def test_summary_has_a_verdict_for_every_estimate(run):
    s = pd.read_csv(run.output_dir / "summary.csv")
    est = s[s["term"] == "level"]
    assert set(SCHOOLS) <= set(est["school_id"].dropna())
    assert est["verdict"].notna().all()
    assert not est["verdict"].str.contains("veroorzaakt").any()


def test_results_equal_the_demo_reference(run):
    """The results files and summary rows reproduce the reference run to 1e-9 (issue 13)."""
    files = reference_files([f"schools/{s}" for s in SCHOOLS] + ["region", "budget"]) + [Path("summary.csv")]
    differences = compare_outputs(run.output_dir, files, summary_schools=SCHOOLS)
    assert not differences, "\n".join(differences[:20])


def _pseudonyms():
    from josanalysis.privacy import pupil_identifiers

    return pupil_identifiers("data/demo", key=KEY)


def test_the_shared_folder_holds_no_intermediate_data(run):
    """The prepared panel (unsuppressed counts) is cached outside the region's folder (issue 17)."""
    assert not list(run.output_dir.rglob("*.parquet")), "intermediate data inside the shared folder"
    assert not (run.output_dir / ".prepared").exists()


def test_outputs_hold_no_pseudonym_and_no_small_count(run):
    violations = scan_outputs(run.output_dir, pseudonyms=_pseudonyms(), min_count=5,
                              pseudonym_pattern=PSEUDONYM_PATTERN)
    assert not violations, "\n".join(map(str, violations[:10]))


def test_privacy_scan_fails_on_a_planted_violation(run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run.output_dir / "schools" / "DM0200", copy)
    pseudonym = next(p for p in _pseudonyms() if len(p) > 12)
    res = pd.read_csv(copy / "results.csv")
    res["n_thuiszitters"] = 3
    res.to_csv(copy / "results.csv", index=False)
    nb = json.loads((copy / "report.ipynb").read_text())
    nb["cells"][0]["source"] = f"leerling {pseudonym}"
    (copy / "report.ipynb").write_text(json.dumps(nb))
    kinds = {v.kind for v in scan_outputs(copy, pseudonyms=_pseudonyms(), min_count=5)}
    assert kinds == {"pseudonym", "small_count"}


def test_the_batch_scans_its_outputs_and_a_planted_violation_fails_the_run(run, tmp_path):
    """The batch runs the output scan after the region (issue 17): clean here, and the same scan
    on a copy with a planted script and a planted small count finds both and fails the run."""
    import dataclasses

    from josanalysis.core.config import load_region
    from josanalysis.runner.batch import scan_region_outputs

    assert run.privacy_violations == () and "scan" in run.phases and run.ok
    copy = tmp_path / "demoregio"
    shutil.copytree(run.output_dir, copy)
    page = copy / "schools" / "DM0200" / "report.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"),
                    encoding="utf-8")
    res = pd.read_csv(copy / "schools" / "DM0900" / "results.csv")
    res["n_thuiszitters"] = 2
    res.to_csv(copy / "schools" / "DM0900" / "results.csv", index=False)
    found = scan_region_outputs(load_region("demoregio"), copy)
    assert {v.kind for v in found} == {"active_content", "small_count"}, found
    assert not dataclasses.replace(run, privacy_violations=tuple(found)).ok
