"""Batch runner: fault tolerance, incremental reruns, atomic outputs, dask by address.

The runs use the tiny test notebooks of tests/notebooks/ (not the project's report notebooks)
on a two-school test region written to tmp_path. Their behaviour (raise, sleep, kill the run)
is driven by the test region's data file ``control.json``, which the test ``prepare`` step
copies into the prepared file the notebooks receive.

All runs go to one explicitly started local dask.distributed cluster, passed by address; one
test runs a batch in a subprocess on its own default local cluster and kills it halfway.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.errors import ConfigError, DataError
from josanalysis.runner import batch, execution, kernels, plan

HERE = Path(__file__).resolve().parent
TEST_NOTEBOOKS = HERE / "notebooks"
PROJECT = HERE.parent

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("batch")]


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel_markers(tmp_path_factory):
    """A kernelspec 'josanalysis' on JUPYTER_PATH whose start can be made to fail once."""
    root = tmp_path_factory.mktemp("jupyter")
    markers = root / "markers"
    markers.mkdir()
    spec = root / "kernels" / "josanalysis"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(TEST_NOTEBOOKS / "flaky_kernel.py"), str(markers),
                 "-f", "{connection_file}"],
        "display_name": "josanalysis (test, flaky start)",
        "language": "python",
    }), encoding="utf-8")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root)
    yield markers
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.fixture(scope="module")
def scheduler(kernel_markers):
    """An explicitly started local dask.distributed cluster (2 worker processes)."""
    from dask.distributed import LocalCluster

    import dask

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):  # as docs/batch.md
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0", scheduler_kwargs={"dashboard": False})
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(autouse=True)
def fixed_code_fingerprint(monkeypatch):
    """Other library modules may be edited while tests run; pin the code fingerprint."""
    monkeypatch.setattr(plan, "code_fingerprint", lambda: "test-code")


def make_region(root: Path, ids=("A", "B"), control: dict | None = None) -> Path:
    """A test region with schools ``ids``; returns its params folder."""
    params = root / "params"
    (params / "regions").mkdir(parents=True)
    (params / "schools" / "testregio").mkdir(parents=True)
    (params / "analysis_plan.yaml").write_text(
        (PROJECT / "params" / "analysis_plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "control.json").write_text(json.dumps(control or {}), encoding="utf-8")
    (data / "sub" / "other.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (params / "regions" / "testregio.yaml").write_text(textwrap.dedent(f"""\
        region_id: testregio
        name: Testregio
        synthetic: true
        data_dir: {data}
        schools: [{", ".join(ids)}]
        """), encoding="utf-8")
    for sid in ids:
        (params / "schools" / "testregio" / f"{sid}.yaml").write_text(textwrap.dedent(f"""\
            school_id: {sid}
            name: School {sid}
            type: vo
            region: testregio
            jos_start: '2022-08-01'
            """), encoding="utf-8")
    return params


def prepare_control(region, dest: Path) -> Path:
    """Test preparation step: validate and copy control.json (refuse a bad one)."""
    src = region.data_dir / "control.json"
    try:
        content = json.loads(src.read_text(encoding="utf-8"))
    except ValueError:
        raise DataError("not valid JSON", file=src) from None
    dest.write_text(json.dumps(content), encoding="utf-8")
    return dest


def run(params: Path, out: Path, scheduler: str, **kw) -> batch.BatchResult:
    return batch.run_region(
        "testregio", params_dir=params, notebook_dir=TEST_NOTEBOOKS, prepare=prepare_control,
        output_root=out, scheduler=scheduler, progress=False, **kw,
    )


def status(result: batch.BatchResult) -> dict[str, str]:
    return {o.key: o.status for o in result.outcomes}


def set_control(params: Path, control: dict) -> None:
    (params.parent / "data" / "control.json").write_text(json.dumps(control), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------


def test_failing_school_is_reported_and_others_complete(tmp_path, scheduler, monkeypatch, capsys):
    from josanalysis.runner.cli import main

    params = make_region(tmp_path, control={"B": {"raise": True}, "A": {"value": 3.5}})
    out = tmp_path / "out"
    monkeypatch.setattr(batch, "_default_prepare", prepare_control)
    monkeypatch.setattr(plan, "NOTEBOOKS", {k: str(TEST_NOTEBOOKS / v)
                                            for k, v in plan.NOTEBOOKS.items()})
    code = main(["run", "--region", "testregio", "--params-dir", str(params),
                 "--scheduler", scheduler, "--output-root", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "schools/B" in err and "ValueError" in err

    reg = out / "testregio"
    for key in ("schools/A", "region", "budget"):
        folder = reg / key
        for name in ("report.ipynb", "report.html", "results.csv", "results.json",
                     "manifest.json", "figures/figuur.png"):
            assert (folder / name).is_file(), f"{key}/{name} missing"
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "ok"
        assert manifest["kernel_name"] == "josanalysis"
    # The HTML report has no code cells but keeps outputs, with the figure embedded.
    report_html = (reg / "schools/A/report.html").read_text()
    assert "klaar A" in report_html
    assert "write_bytes" not in report_html
    assert "data:image/png;base64" in report_html
    # Dutch, offline (nothing fetched from a CDN), with the print stylesheet.
    assert '<html lang="nl">' in report_html and "cdnjs" not in report_html
    assert "@page { size: A4" in report_html
    # The failing school keeps its failed executed notebook and no report folder.
    assert not (reg / "schools/B").exists()
    failed_nb = reg / "failed/schools/B/report.failed.ipynb"
    assert failed_nb.is_file()
    assert "test notebook asked to fail for B" in failed_nb.read_text()
    # Index and summary name the failure and where the failed notebook is.
    index = (reg / "index.html").read_text()
    assert "mislukt" in index and "failed/schools/B/report.failed.ipynb" in index
    assert "SYNTHETISCHE DEMODATA" in index
    summary = pd.read_csv(reg / "summary.csv")
    row_a = summary[summary["school_id"] == "A"].iloc[0]
    assert row_a["status"] == "ok" and float(row_a["estimate"]) == 3.5
    row_b = summary[summary["school_id"] == "B"].iloc[0]
    assert row_b["status"] == "mislukt"
    assert "ValueError" in row_b["fout"]
    assert row_b["notebook"] == "failed/schools/B/report.failed.ipynb"
    assert "mislukt" in (reg / "summary.html").read_text()
    assert (reg / "summary.xlsx").is_file()


def test_rerun_skips_unchanged_and_reruns_only_dependants(tmp_path, scheduler):
    params = make_region(tmp_path)
    out = tmp_path / "out"
    first = run(params, out, scheduler)
    assert first.ok and set(status(first).values()) == {"ok"}
    assert len(first.executed) == 4
    mtimes = {k: (out / "testregio" / k / "report.ipynb").stat().st_mtime_ns
              for k in ("schools/A", "schools/B", "region", "budget")}

    # Unchanged inputs: nothing is executed, nothing rewritten.
    second = run(params, out, scheduler)
    assert second.executed == [] and len(second.skipped) == 4
    assert second.prepared is None  # the data are not even re-prepared
    for k, m in mtimes.items():
        assert (out / "testregio" / k / "report.ipynb").stat().st_mtime_ns == m

    # One school's YAML changes: that school and the region-wide reports rerun, not B.
    yaml_a = params / "schools" / "testregio" / "A.yaml"
    yaml_a.write_text(yaml_a.read_text().replace("name: School A", "name: School A (nieuw)"))
    third = run(params, out, scheduler)
    assert status(third) == {"region": "ok", "budget": "ok", "schools/A": "ok",
                             "schools/B": "skipped"}
    assert "A.yaml" in next(o.reason for o in third.outcomes if o.key == "schools/A")
    assert (out / "testregio/schools/B/report.ipynb").stat().st_mtime_ns == mtimes["schools/B"]

    # A shared data file changes: everything reruns; --force redoes up-to-date reports.
    (params.parent / "data" / "sub" / "other.csv").write_text("a;b\n1;3\n")
    forced = run(params, out, scheduler, only=["B"], force=True)
    assert status(forced) == {"region": "ok", "budget": "ok", "schools/B": "ok"}
    assert "other.csv" in next(o.reason for o in run(params, out, scheduler, only=["A"]).outcomes
                               if o.key == "schools/A")


def _index_row(reg: Path, key: str) -> str:
    """The row of the index's report table for one report."""
    index = (reg / "index.html").read_text(encoding="utf-8")
    table = index.split('id="rapporten"', 1)[1]
    return next(row for row in table.split("<tr") if f">{key.split('/')[-1]} —" in row or key in row)


def test_school_with_invalid_params_fails_alone_and_a_fix_restores_it_everywhere(tmp_path, scheduler):
    params = make_region(tmp_path, ids=("A", "B", "C"), control={s: {"value": v} for s, v in
                                                                (("A", 1.5), ("B", 2.5), ("C", 3.5))})
    out = tmp_path / "out"
    reg = out / "testregio"
    yaml_b = params / "schools" / "testregio" / "B.yaml"
    good_b = yaml_b.read_text(encoding="utf-8")
    assert run(params, out, scheduler).ok  # a first good run: B has a report and results

    # B's YAML breaks: only B fails, without executing; the others (and the region) complete.
    yaml_b.write_text("school_id: B\nname: [School B\n", encoding="utf-8")
    broken = run(params, out, scheduler)
    assert status(broken) == {"region": "ok", "budget": "ok", "schools/A": "skipped", "schools/B": "failed",
                              "schools/C": "skipped"}  # B.yaml is an input of the region reports
    failure = next(o for o in broken.outcomes if o.key == "schools/B")
    assert "B.yaml" in failure.error and "not valid YAML" in failure.error
    row_b = _index_row(reg, "schools/B")
    assert "mislukt" in row_b and "B.yaml" in row_b and "parameterbestand ongeldig" in row_b
    summary = pd.read_csv(reg / "summary.csv").set_index("school_id")
    assert summary.loc["B", "status"] == "mislukt" and "B.yaml" in summary.loc["B", "fout"]
    assert summary.loc["A", "status"] == "ok" and float(summary.loc["C", "estimate"]) == 3.5

    # Fixed back to exactly the content of B's last good report: B reruns anyway (it failed
    # since), and index and summary show it ok with its results again.
    yaml_b.write_text(good_b, encoding="utf-8")
    fixed = run(params, out, scheduler)
    assert status(fixed)["schools/B"] == "ok"
    assert "failed in an earlier run" in next(o.reason for o in fixed.outcomes if o.key == "schools/B")
    assert not (reg / "failed" / "schools" / "B").exists()
    assert "mislukt" not in _index_row(reg, "schools/B")
    assert "rapport(en) mislukt" not in (reg / "index.html").read_text(encoding="utf-8")
    summary = pd.read_csv(reg / "summary.csv").set_index("school_id")
    assert summary.loc["B", "status"] == "ok" and float(summary.loc["B", "estimate"]) == 2.5
    assert (summary["status"] == "ok").all()


def test_index_and_summary_list_a_school_with_invalid_params_beside_the_verdicts(tmp_path):
    from josanalysis.core.config import load_region
    from josanalysis.runner.index import write_index, write_summary

    params = make_region(tmp_path, ids=("A", "B"))
    (params / "schools" / "testregio" / "B.yaml").write_text("school_id: B\nname: [B\n", encoding="utf-8")
    region = load_region("testregio", params, skip_invalid_schools=True)
    reports = plan.plan_reports(region, notebook_dir=TEST_NOTEBOOKS)
    assert [r.label for r in reports][-2:] == ["A — School A", "B — parameterbestand ongeldig"]
    out = tmp_path / "out" / "testregio"
    (out / "schools" / "A").mkdir(parents=True)
    (out / "schools" / "A" / "manifest.json").write_text(json.dumps({"status": "ok"}), encoding="utf-8")
    (out / "schools" / "A" / "results.csv").write_text("indicator,verdict_key\nabsence_rate,no_change\n",
                                                      encoding="utf-8")
    (out / "failed" / "schools" / "B").mkdir(parents=True)
    (out / "failed" / "schools" / "B" / "manifest.json").write_text(
        json.dumps({"status": "failed", "error": "ConfigError: B.yaml (line 3): not valid YAML"}), encoding="utf-8")
    index = write_index(region, out, reports).read_text(encoding="utf-8")
    matrix = index.split('id="rapporten"')[0]
    assert "Scholen met een ongeldig parameterbestand" in matrix and "B — parameterbestand ongeldig" in matrix
    summary = pd.read_csv(write_summary(region, out, reports)).set_index("school_id")
    assert summary.loc["B", "status"] == "mislukt" and "B.yaml" in summary.loc["B", "fout"]


def test_kernel_start_failure_is_retried(tmp_path, scheduler, kernel_markers):
    params = make_region(tmp_path, ids=("A",))
    (kernel_markers / "fail_next").write_text("")
    # kernels started afresh from the (flaky) kernelspec, not forked from a warm template
    result = run(params, tmp_path / "out", scheduler, warm=False)
    assert not (kernel_markers / "fail_next").exists()  # the failure was really injected
    assert result.ok, [o.error for o in result.outcomes]
    retried = [o for o in result.outcomes if o.attempts == 2]
    assert len(retried) == 1
    manifest = json.loads((retried[0].folder / "manifest.json").read_text())
    assert "Kernel died before replying to kernel_info" in manifest["retried_start_failures"][0]
    assert json.loads((retried[0].folder / "results.json").read_text())["transport"] == "ipc"


def test_notebook_errors_are_not_kernel_start_failures(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    nb = tmp_path / "report.ipynb"
    exc = PapermillExecutionError(3, 2, "raise X", "ValueError", "boom", [])
    assert not kernels.is_kernel_start_failure(exc, nb)
    died = RuntimeError("Kernel died before replying to kernel_info")
    assert kernels.is_kernel_start_failure(died, nb)
    # Once a cell has run, a dead kernel is the notebook's failure, not a start failure.
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": None,
                                         "metadata": {"papermill": {
                                             "status": "completed",
                                             "start_time": "2026-01-01T00:00:00"}}}]}))
    assert not kernels.is_kernel_start_failure(died, nb)
    assert "ValueError: boom" in execution.error_text(exc)


def test_invalid_data_stop_the_run_before_any_notebook(tmp_path, capsys, monkeypatch):
    from josanalysis.runner.cli import main

    params = make_region(tmp_path)
    (params.parent / "data" / "control.json").write_text("{not json")
    out = tmp_path / "out"
    with pytest.raises(DataError, match="control.json"):
        run(params, out, scheduler="tcp://127.0.0.1:9")  # never contacted
    assert not (out / "testregio" / "schools").exists()
    assert not (out / "testregio" / "index.html").exists()

    monkeypatch.setattr(batch, "_default_prepare", prepare_control)
    monkeypatch.setattr(plan, "NOTEBOOKS", {k: str(TEST_NOTEBOOKS / v)
                                            for k, v in plan.NOTEBOOKS.items()})
    code = main(["run", "--region", "testregio", "--params-dir", str(params),
                 "--output-root", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "control.json: not valid JSON" in err and "Traceback" not in err
    assert not (out / "testregio" / "schools").exists()


def test_unknown_school_id_names_known_ids(tmp_path):
    params = make_region(tmp_path)
    with pytest.raises(ConfigError, match=r"ZZ99.*known ids: A, B"):
        run(params, tmp_path / "out", scheduler="tcp://127.0.0.1:9", only=["A", "ZZ99"])


def test_inputs_for_school_and_region_reports(tmp_path):
    from josanalysis.core.config import load_region

    params = make_region(tmp_path)
    region = load_region("testregio", params)
    reports = {r.key: r for r in plan.plan_reports(region, notebook_dir=TEST_NOTEBOOKS)}
    school_a = {p.name for p in plan.inputs_for(reports["schools/A"])}
    assert {"control.json", "other.csv", "testregio.yaml", "analysis_plan.yaml", "A.yaml",
            "school_report.ipynb"} == school_a
    region_inputs = {p.name for p in plan.inputs_for(reports["region"])}
    assert {"A.yaml", "B.yaml", "region_report.ipynb"} <= region_inputs
    # hidden files and office lock files are not inputs
    (region.data_dir / ".DS_Store").write_text("x")
    (region.data_dir / "~$control.xlsx").write_text("x")
    assert {p.name for p in plan.inputs_for(reports["schools/A"])} == school_a


def test_plan_run_names_the_reports_to_run_and_why(tmp_path):
    from josanalysis.core.config import load_region
    from josanalysis.runner.manifest import relative_name

    params = make_region(tmp_path)
    region = load_region("testregio", params)
    reports = plan.plan_reports(region, only=["B"], notebook_dir=TEST_NOTEBOOKS)
    out = tmp_path / "out" / "testregio"
    fresh = plan.plan_run(region, reports, out)
    assert [r.key for r in fresh.to_run] == ["region", "budget", "schools/B"]
    assert set(fresh.reasons.values()) == {"no previous report"}
    assert fresh.up_to_date == []
    assert fresh.provenance["code_sha256"] == "test-code"
    assert fresh.expected["schools/B"]["inputs"].keys() == {
        relative_name(p) for p in plan.inputs_for(reports[-1])}
    school_b = reports[-1]
    assert fresh.final_dir(school_b) == out / "schools" / "B"
    assert fresh.failed_dir(school_b) == out / "failed" / "schools" / "B"
    assert plan.report_folders(out, reports)[-1] == out / "failed" / "schools" / "B"
    forced = plan.plan_run(region, reports, out, force=True)
    assert set(forced.reasons.values()) == {"forced (--force)"}


def test_recover_puts_back_an_interrupted_swap_and_drops_temp_folders(tmp_path):
    from josanalysis.runner.folders import recover, swap_into_place

    final = tmp_path / "schools" / "A"
    (tmp_path / "schools" / ".A.old-1234abcd").mkdir(parents=True)
    (tmp_path / "schools" / ".A.old-1234abcd" / "report.html").write_text("old")
    (tmp_path / "schools" / ".A.tmp-5678abcd").mkdir()
    recover([final, tmp_path / "failed" / "schools" / "A"])
    assert (final / "report.html").read_text() == "old"
    assert sorted(p.name for p in (tmp_path / "schools").iterdir()) == ["A"]

    new = tmp_path / "schools" / ".A.tmp-new"
    new.mkdir()
    (new / "report.html").write_text("new")
    swap_into_place(new, final)
    assert (final / "report.html").read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "schools").iterdir()) == ["A"]


def test_run_lock_refuses_a_live_run_and_takes_over_a_stale_one(tmp_path):
    import socket

    from josanalysis.runner.folders import RunLock

    lock = tmp_path / "out" / ".run.lock"
    with RunLock(lock):
        assert lock.is_file()
        with pytest.raises(ConfigError, match="Another josanalysis run"):
            with RunLock(lock):
                pass
    assert not lock.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    with RunLock(lock):  # the process that held it is gone: the lock is taken over
        assert json.loads(lock.read_text())["pid"] == os.getpid()


KILL_SCRIPT = """
import json, os, sys
from pathlib import Path
from josanalysis.runner import batch, plan

def prepare(region, dest):
    control = json.loads((region.data_dir / "control.json").read_text())
    control["run_pgid"] = os.getpgid(0)
    dest.write_text(json.dumps(control))
    return dest

if __name__ == "__main__":
    plan.code_fingerprint = lambda: "test-code"
    batch.run_region("testregio", workers=2, params_dir=sys.argv[1], notebook_dir=sys.argv[2],
                     output_root=sys.argv[3], prepare=prepare, progress=False)
"""


def test_killed_run_leaves_previous_outputs_whole(tmp_path, scheduler):
    params = make_region(tmp_path)
    out = tmp_path / "out"
    reg = out / "testregio"
    assert run(params, out, scheduler).ok
    before = {k: json.loads((reg / k / "manifest.json").read_text())
              for k in ("schools/A", "schools/B", "region", "budget")}

    # New data (every report is out of date); school B's notebook kills the whole run.
    set_control(params, {"A": {"value": 2.0}, "B": {
        "kill_run": True, "wait_for": [str(reg / "schools/A/results.json"), '"value": 2.0']}})
    script = tmp_path / "kill_run.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), str(params), str(TEST_NOTEBOOKS), str(out)],
        start_new_session=True, capture_output=True, text=True, timeout=420,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]

    # The run was killed halfway: A was replaced by its new version, B was not...
    manifests = {k: json.loads((reg / k / "manifest.json").read_text()) for k in before}
    assert manifests["schools/A"]["inputs"] != before["schools/A"]["inputs"]
    assert pd.read_csv(reg / "schools/A/results.csv")["estimate"].iloc[0] == 2.0
    assert manifests["schools/B"] == before["schools/B"]
    # ... and every report folder is whole (its files agree with its manifest).
    for key, m in manifests.items():
        assert m["status"] == "ok"
        for name in ("report.ipynb", "report.html", "results.csv", "results.json"):
            assert (reg / key / name).is_file()
    assert list(reg.glob("schools/.B.tmp-*")), "the interrupted report left its temp folder"

    # The next run takes over the stale lock, cleans up and redoes only what is out of date.
    time.sleep(0.1)
    again = run(params, out, scheduler)
    assert again.ok
    executed = {o.key for o in again.executed}
    assert "schools/B" in executed and "schools/A" not in executed
    assert not list(reg.glob("schools/.B.tmp-*"))
    assert not (reg / ".run.lock").exists()


def test_warm_kernels_give_every_report_a_fresh_process(tmp_path, scheduler):
    """--warm-kernels forks each kernel from a pre-imported template: same outputs, no state
    shared between reports (the test notebooks fail when an earlier report's state leaked)."""
    params = make_region(tmp_path, control={"A": {"value": 4.0}})
    out = tmp_path / "out"
    result = run(params, out, scheduler, warm=True)
    assert result.ok, [o.error for o in result.outcomes]
    reg = out / "testregio"
    for key in ("schools/A", "schools/B", "region", "budget"):
        m = json.loads((reg / key / "manifest.json").read_text())
        assert m["kernel_mode"].startswith("forked")
        assert "klaar" in (reg / key / "report.html").read_text()
        nb = json.loads((reg / key / "report.ipynb").read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "josanalysis"
    assert pd.read_csv(reg / "schools/A/results.csv")["estimate"].iloc[0] == 4.0
    # the kernels talk over Unix sockets: no TCP port is chosen, so no port race is possible
    assert json.loads((reg / "schools/A/results.json").read_text())["transport"] == "ipc"


def test_manifest_mismatch_reasons_and_code_fingerprint(tmp_path):
    from josanalysis.runner.manifest import code_fingerprint, manifest_matches, mismatch_reason

    expected = {"kind": "school", "region": "r", "school_id": "A", "kernel_name": "josanalysis",
                "package_version": "0.1.0", "code_sha256": "c",
                "inputs": {"data/a.csv": "1", "params/A.yaml": "2"}}
    stored = {**expected, "status": "ok"}
    assert manifest_matches(stored, expected)
    assert mismatch_reason(None, expected) == "no previous report"
    assert mismatch_reason({**stored, "status": "failed"}, expected) == "previous run failed"
    assert mismatch_reason({**stored, "code_sha256": "old"}, expected) == "code sha256 changed"
    changed = {**stored, "inputs": {"data/a.csv": "0", "params/B.yaml": "2"}}
    assert mismatch_reason(changed, expected) == (
        "input changed: data/a.csv; new input: params/A.yaml; input removed: params/B.yaml")

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    first = code_fingerprint(pkg)
    assert code_fingerprint(pkg) == first
    (pkg / "sub" / "b.py").write_text("y = 3\n")
    assert code_fingerprint(pkg) != first


def test_dying_worker_loses_only_its_task_which_is_retried(tmp_path, scheduler):
    marker = tmp_path / "worker-killed"
    params = make_region(tmp_path, ids=("A",), control={"A": {"kill_worker_once": str(marker)}})
    result = run(params, tmp_path / "out", scheduler)
    assert marker.is_file()  # a worker really was killed while running A
    assert result.ok, [o.error for o in result.outcomes]
    manifest = json.loads((tmp_path / "out/testregio/schools/A/manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert manifest["worker_pid"] != int(marker.read_text())


# --------------------------------------------------------------------------------------------
# the HTML export (no kernel needed)
# --------------------------------------------------------------------------------------------


def _executed_notebook(path: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_code_cell("x = 1", outputs=[
            new_output("stream", name="stderr", text="/tmp/x.py:3: SingularMatrixWarning: oops\n"),
            new_output("display_data", data={"text/html": '<h2 id="samenvatting">Samenvatting</h2>'
                                                          "<p>Uitkomst</p>"}),
        ]),
        new_code_cell("y = 2", outputs=[
            new_output("display_data", data={"text/html": '<h2 id="detail">Detail</h2>'}),
            new_output("stream", name="stdout", text="gewone uitvoer\n"),
        ]),
    ])
    nbformat.write(nb, str(path))
    return path


def test_export_is_dutch_offline_printable_and_without_stderr(tmp_path):
    from josanalysis.privacy.active_content import runs_no_script
    from josanalysis.runner.export import export_html

    nb = _executed_notebook(tmp_path / "report.ipynb")
    html = export_html(nb, tmp_path / "report.html", title="Schoolrapport X (Regio)").read_text()
    assert '<html lang="nl">' in html
    assert "<title>Schoolrapport X (Regio)</title>" in html
    assert "SingularMatrixWarning" not in html and "/tmp/x.py" not in html
    assert "gewone uitvoer" in html and "Uitkomst" in html
    assert "<script src=" not in html, "a report loads nothing from the internet"
    assert "@page { size: A4; margin: 12mm; }" in html and "break-before: page" in html
    assert '<h2 id="detail">' in html
    assert runs_no_script(html.split("<body", 1)[0]), "the page runs no script (Content-Security-Policy)"


def test_stderr_goes_to_the_manifest_not_the_report(tmp_path):
    nb = _executed_notebook(tmp_path / "report.ipynb")
    found = execution._notebook_stderr(nb)
    assert found == [{"cell": 0, "text": "/tmp/x.py:3: SingularMatrixWarning: oops\n"}]


def test_reports_start_longest_first_and_the_region_report_after_every_jos_school(tmp_path):
    from josanalysis.core.config import load_region

    region = load_region("demoregio")
    run_plan = plan.plan_run(region, plan.plan_reports(region), tmp_path / "demoregio", force=True)
    tasks = batch._tasks(run_plan, None, batch._kernel_options(run_plan, False, 1))
    kinds = [t.kind if t.kind != "school" else ("comparison" if region.school(t.school_id).jos_start is None
                                                else "jos") for t in tasks]
    assert kinds[0] == "budget" and kinds.count("region") == 1
    at = kinds.index("region")
    # every JOS school before the region report (it reads their fits from the run's cache), the
    # comparison schools (no analysis of their own, the shortest) after it
    assert set(kinds[1:at]) == {"jos"} and set(kinds[at + 1:]) == {"comparison"}


def test_the_run_scans_each_report_when_it_is_in_place_and_the_rest_at_the_end(tmp_path):
    """Issue 18: a report's folder is scanned as soon as the report is in place (while the other
    reports run); the end of the run scans the pages and the reports not executed now, and
    nothing is scanned, or reported, twice."""
    from josanalysis.core.config import load_region
    from josanalysis.runner.batch import RegionOutputScan, scan_region_outputs
    from josanalysis.runner.execution import ReportOutcome

    region = load_region("demoregio")
    out = tmp_path / "demoregio"
    planted = "leerling ll-0123456789abcdef"
    for folder in ("schools/DM0100", "schools/DM0200", "budget"):
        (out / folder).mkdir(parents=True)
        (out / folder / "report.html").write_text(f"<p>{planted}</p>", encoding="utf-8")
    (out / "index.html").write_text(f"<p>{planted}</p>", encoding="utf-8")
    scan = RegionOutputScan(region, out)
    scan.report_in_place(ReportOutcome("schools/DM0100", "school", "DM0100", "ok", out / "schools" / "DM0100"))
    scan.report_in_place(ReportOutcome("budget", "budget", None, "failed", out / "failed" / "budget"))
    # a folder changed after its scan is not scanned again: it was scanned when it was in place
    (out / "schools" / "DM0100" / "report.html").write_text("<p>schoon</p>", encoding="utf-8")
    found = scan.finish()
    where = sorted(str(v.file.relative_to(out)) for v in found)
    assert where == ["budget/report.html", "index.html", "schools/DM0100/report.html",
                     "schools/DM0200/report.html"], where
    assert {v.kind for v in found} == {"pseudonym"}
    (out / "schools" / "DM0100" / "report.html").write_text(f"<p>{planted}</p>", encoding="utf-8")
    assert [str(v) for v in scan_region_outputs(region, out)] == [str(v) for v in found]


def test_a_local_run_after_papermill_in_the_calling_thread(tmp_path):
    """The local cluster's workers are threads of the run's process (issue 18). A process that
    ran a notebook itself before (a script, a benchmark, a kernel) leaves jupyter_core's event
    loop in its context; each report still gets a loop of its own ("This event loop is already
    running" failed every report before)."""
    import asyncio

    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["kernelspec"] = {"name": kernels.KERNEL_NAME, "display_name": "x", "language": "python"}
    nbformat.write(nb, tmp_path / "first.ipynb")
    pm.execute_notebook(str(tmp_path / "first.ipynb"), str(tmp_path / "first.out.ipynb"),
                        kernel_name=kernels.KERNEL_NAME, progress_bar=False)
    params = make_region(tmp_path, ids=("A", "B"))
    result = run(params, tmp_path / "out", None, workers=2, warm=False)
    assert result.ok, [o.error for o in result.failed]
    assert status(result) == {"region": "ok", "budget": "ok", "schools/A": "ok", "schools/B": "ok"}
    # the caller's own loop is left as it was
    assert not asyncio.get_event_loop_policy().get_event_loop().is_closed()


def _kernel_processes() -> list[str]:
    """Report kernels still alive below this process: the stand-ins jupyter_client launched and
    the kernels forked from a warm template (the templates themselves stay for the next run)."""
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
            parent = p.parent()
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
            if "-f" in p.cmdline():  # a kernel or its stand-in: -f <connection file>
                out.append(f"{p.pid} {cmd[:80]}")
            elif parent is not None and "template.sock" in " ".join(parent.cmdline()):
                out.append(f"{p.pid} forked from template {parent.pid}")
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.mark.parametrize("warm", [True, False])
def test_kernels_shut_down_in_the_background_are_gone_once_waited_for(tmp_path, warm):
    """A worker hands its finished kernel to a background shutdown and goes on with its next
    report; wait_for_shutdowns (which a run calls before it returns) waits until it has exited,
    and a whole run leaves no kernel behind."""
    import asyncio

    from jupyter_core.utils import run_sync

    ksm = (kernels.forked_kernel_specs(kernels.KERNEL_NAME, ["json"], "test-code", str(tmp_path))
           if warm else None)
    km = kernels.kernel_manager(kernels.KERNEL_NAME, ksm)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(km.start_kernel())
        assert _kernel_processes(), "the test does not see the kernel it started"
        kernels.shutdown_in_background(km)
        kernels.wait_for_shutdowns()
        assert _kernel_processes() == []
        assert not run_sync(km.is_alive)()
    finally:
        loop.close()
    params = make_region(tmp_path, ids=("A", "B"))
    result = run(params, tmp_path / "out", None, workers=2, warm=warm)
    assert result.ok, [o.error for o in result.failed]
    assert _kernel_processes() == []
