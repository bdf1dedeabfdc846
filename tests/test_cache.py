"""The run's analysis cache: no model fitted twice for one batch (issue 18)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from josanalysis.assessment import analyse_indicator, load_context, pooled_yearly
from josanalysis.core.cache import AnalysisCache
from josanalysis.panel import prepare_region
from josanalysis.runner.export import drop_repeated_styles


def test_cache_keeps_results_in_memory_and_on_disk(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    a = AnalysisCache(tmp_path, run_key="run-1")
    assert a.get_or_compute("f", ("x", 1), compute) == {"value": 1}
    assert a.get_or_compute("f", ("x", 1), compute) == {"value": 1}
    # another process of the same run reads the file instead of computing
    b = AnalysisCache(tmp_path, run_key="run-1")
    assert b.get_or_compute("f", ("x", 1), compute) == {"value": 1} and b.hits == 1
    assert len(calls) == 1
    # other arguments, or another run's data, are computed afresh
    assert b.get_or_compute("f", ("x", 2), compute) == {"value": 2}
    assert AnalysisCache(tmp_path, run_key="run-2").get_or_compute("f", ("x", 1), compute) == {"value": 3}


def _slow_entry(folder: str, log: str) -> int:
    """Compute one entry slowly in a separate process, logging every real computation."""
    import time

    def compute():
        with open(log, "a") as fh:
            fh.write("computed\n")
        time.sleep(3.0)
        return 42

    return AnalysisCache(folder, run_key="r").get_or_compute("pooled", ("tlv",), compute)


def test_two_processes_that_need_one_entry_compute_it_once(tmp_path):
    import multiprocessing

    log = tmp_path / "log.txt"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        values = pool.starmap(_slow_entry, [(str(tmp_path / "cache"), str(log))] * 2)
    assert values == [42, 42]
    assert log.read_text().splitlines() == ["computed"], "the second process waited for the first"


def test_a_damaged_cache_file_is_computed_again(tmp_path):
    a = AnalysisCache(tmp_path, run_key="r")
    a.get_or_compute("f", (), lambda: 1)
    (entry,) = tmp_path.glob("f-*.pkl")
    entry.write_bytes(b"not a pickle")
    assert AnalysisCache(tmp_path, run_key="r").get_or_compute("f", (), lambda: 2) == 2
    with entry.open("rb") as fh:
        assert pickle.load(fh) == 2


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return str(prepare_region("demoregio", tmp_path_factory.mktemp("prep") / "demoregio.parquet"))


def test_reports_of_one_run_share_their_fits(prepared):
    """The region report's per-school fit and every school report's pooled region estimates
    are read from the run's cache, equal to what the first report computed."""
    first = load_context("demoregio", prepared)
    a = analyse_indicator(first, "DM0100", "absence_rate")
    r = pooled_yearly(first, "tlv_vso_cluster4")
    assert first.cache.misses == 2
    second = load_context("demoregio", prepared)          # another report of the same run
    b = analyse_indicator(second, "DM0100", "absence_rate")
    assert second.cache.hits == 1 and second.cache.misses == 0
    assert b.assessment.verdict == a.assessment.verdict
    assert b.result.effects.equals(a.result.effects) and b.mde.mde_decrease == a.mde.mde_decrease
    assert pooled_yearly(second, "tlv_vso_cluster4").later_years.verdict == r.later_years.verdict
    assert second.cache.misses == 0
    # the cache lives beside the prepared data, never in an output folder
    assert first.cache.folder.parent == Path(prepared).parent


def test_repeated_stylesheets_are_kept_once():
    page = ("<html><head><style>a{}</style></head><body><style>b{}</style><p>x</p>"
            "<style>b{}</style><style>a{}</style><style>c{}</style></body></html>")
    assert drop_repeated_styles(page) == ("<html><head><style>a{}</style></head><body><style>b{}</style><p>x</p>"
                                          "<style>c{}</style></body></html>")
