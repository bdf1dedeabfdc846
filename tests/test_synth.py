"""The demo generator: deterministic, on a Dutch school calendar, with a truth file, fictional names."""

from __future__ import annotations

import gzip
import hashlib

import pandas as pd
import pytest

from josanalysis.core.config import load_region
from josanalysis.demo.synth import SYNTHETIC_NOTICE, demo_schools, write_demo

from tests.conftest import DATA, PROJECT


def _digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo"))


def test_committed_demo_data_is_what_the_generator_writes(generated, demo_dir):
    assert _digest(generated) == _digest(demo_dir), (
        "data/demo differs from josanalysis.demo.synth output: run `josanalysis synth` and commit")


def test_attendance_follows_the_school_calendar(generated):
    with gzip.open(generated / "verzuim" / "verzuim-2019-2020.csv.gz", "rt") as fh:
        d = pd.read_csv(fh, sep=";", dtype={"leerling_id": str})
    months = pd.to_datetime(d["datum"]).dt.month.unique()
    assert 8 not in months, "no lessons in the summer holiday"
    assert 4 not in months and 5 not in months, "no lessons during the spring 2020 closure"
    assert (d["lesuren_afwezig_geoorloofd"] + d["lesuren_afwezig_ongeoorloofd"] <= d["lesuren_gepland"]).all()


def test_truth_file_has_differing_effects_including_zero_and_early_rise(generated):
    t = pd.read_csv(generated / "truth.csv")
    lvl = t[(t.indicator == "absence_rate") & (t.parameter == "level")].set_index("school_id")["value"]
    assert (lvl == 0).any() and (lvl < 0).any() and lvl.nunique() > 3
    rise = t[(t.parameter == "first_year_ratio")]["value"]
    assert (rise > 1).all(), "referrals rise in the first JOS year (earlier detection)"
    region = load_region("demoregio")
    assert set(lvl.index) == {s.school_id for s in region.jos_schools}


def test_demo_schools_match_params():
    region = load_region("demoregio")
    for s in demo_schools():
        p = region.school(s.school_id)
        assert p.jos_start == s.jos_start and p.name == s.name
        assert tuple(p.fte_during.get(f) for f in ("GW", "JGC", "PAJ")) == s.fte_during


def test_names_and_codes_are_fictional(generated):
    real = pd.read_csv(DATA / "duo" / "leerlingen-vo-per-vestiging-2025-subset.csv", sep=";", dtype=str)
    real_names = set(real["INSTELLINGSNAAM VESTIGING"]) | set(real["VESTIGINGSCODE"])
    for s in demo_schools():
        assert s.name not in real_names and s.school_id not in real_names
        assert s.school_id[:2].isalpha(), "fictional codes start with letters; real BRIN codes with digits"
    assert SYNTHETIC_NOTICE in (generated / "README.md").read_text()


def test_scale_region_loads_and_prepares(tmp_path):
    """`synth --schools N` makes a region whose data pass validation and build a panel."""
    from josanalysis.panel.build import load_panel, prepare_region

    params = tmp_path / "params"
    write_demo(tmp_path / "data", n_schools=5, params_dir=params)
    region = load_region("synth-5", params)
    assert len(region.schools) == 5 and region.synthetic
    assert len({s.school_id[:4] for s in region.schools}) == 5, "one institution (BRIN) per school"
    prepared = prepare_region("synth-5", tmp_path / "run" / "synth-5.parquet", params_dir=params)
    panel = load_panel("synth-5", prepared)
    assert set(panel.data["school_id"]) == {s.school_id for s in region.schools}
