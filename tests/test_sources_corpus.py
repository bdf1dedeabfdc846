"""The malformed-input corpus of tests/data/malformed/: every file refused with a sentence naming
file, row and column; every awkward but valid file loads with the value it holds.

The files are made by ``tests/malformed_corpus.py`` (its docstring says how to regenerate them).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from josanalysis.core.errors import DataError
from josanalysis.sources import (
    load_attendance,
    load_budget,
    load_capacity,
    load_cbs_youthcare,
    load_duo_addresses,
    load_duo_pupils,
    load_duo_pupils_by_postcode,
    load_duo_vsv,
    load_municipality_youthcare,
    load_provider_trajectories,
    load_rendement_indicators,
    load_swv_referrals,
    load_thuiszitters,
)
from tests import malformed_corpus

FOLDER = malformed_corpus.FOLDER
LOADERS = {
    "swv": load_swv_referrals, "gemeente": load_municipality_youthcare, "leerplicht": load_thuiszitters,
    "aanbieder": load_provider_trajectories, "capaciteit": load_capacity, "budget": load_budget,
    "rendement": load_rendement_indicators, "duo_pupils": load_duo_pupils,
    "duo_postcode": load_duo_pupils_by_postcode, "duo_addresses": load_duo_addresses, "duo_vsv": load_duo_vsv,
    "cbs": load_cbs_youthcare, "attendance": load_attendance,
}


def _manifest(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


BAD = _manifest("manifest.csv")
GOOD = _manifest("valid.csv")


def test_committed_corpus_is_what_the_generator_makes(tmp_path: Path) -> None:
    malformed_corpus.generate(tmp_path / "corpus")
    made = sorted(p.relative_to(tmp_path / "corpus") for p in (tmp_path / "corpus").rglob("*") if p.is_file())
    kept = sorted(p.relative_to(FOLDER) for p in FOLDER.rglob("*") if p.is_file())
    assert made == kept
    for rel in made:
        assert (tmp_path / "corpus" / rel).read_bytes() == (FOLDER / rel).read_bytes(), rel


def test_corpus_is_large_and_covers_every_loader() -> None:
    assert len(BAD) >= 60 and len({r["file"] for r in BAD}) == len(BAD)
    assert {r["loader"] for r in BAD} == set(LOADERS) == {r["loader"] for r in GOOD}
    kinds = {Path(r["file"]).stem.split("--")[1].split("-")[0] for r in BAD}
    for kind in ("truncated", "duplicated", "negative", "marker", "code", "date", "unknown"):
        assert kind in kinds


@pytest.mark.parametrize("case", BAD, ids=[r["file"] for r in BAD])
def test_malformed_file_is_refused_with_a_sentence(case: dict[str, str]) -> None:
    path = FOLDER / "bad" / case["file"]
    kwargs = json.loads(case["kwargs"]) if case["kwargs"] else {}
    with pytest.raises(DataError) as info:
        LOADERS[case["loader"]](path, **kwargs)
    err, text = info.value, str(info.value)
    assert err.file == path.name and text.startswith(path.name + ", " if case["rows"] else path.name), text
    if case["rows"]:
        rows = [int(r) for r in case["rows"].split()]
        assert err.rows[: len(rows)] == rows, text
    if case["column"]:
        assert err.column == case["column"] and f"column '{case['column']}'" in text, text
    assert case["words"] in text, text
    assert text.rstrip().endswith((".", ")")), text


@pytest.mark.parametrize("case", GOOD, ids=[r["file"] for r in GOOD])
def test_awkward_valid_file_loads_with_its_values(case: dict[str, str]) -> None:
    frame = LOADERS[case["loader"]](FOLDER / "good" / case["file"])
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    assert str(frame[case["column"]].iloc[int(case["row"])]) == case["value"]
