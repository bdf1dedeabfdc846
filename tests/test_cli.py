"""The josanalysis command line: exit codes and one-sentence errors (no tracebacks).

Batch runs through the CLI are exercised in tests/test_batch.py; these tests need no notebook.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import josanalysis.sources
from josanalysis.cli import build_parser, main

PROJECT = Path(__file__).resolve().parents[1]


def test_unknown_region_is_one_sentence_with_exit_code_2(capsys):
    code = main(["run", "--region", "nergensland"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Region 'nergensland'" in err and "demoregio" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_school_id_names_the_id_and_the_known_ids(capsys):
    code = main(["run", "--region", "demoregio", "--only", "DM0100", "XX9999"])
    err = capsys.readouterr().err
    assert code == 2
    assert "XX9999" in err and "DM0100, DM0200" in err
    assert "Traceback" not in err


def test_bad_arguments_are_usage_errors(capsys):
    assert main(["run", "--region", "demoregio", "--workers", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert main(["synth", "--schools", "many"]) == 2
    assert "not a whole number" in capsys.readouterr().err
    assert main([]) == 2


def test_run_arguments_reach_the_batch_runner():
    args = build_parser().parse_args(
        ["run", "--region", "demoregio", "--workers", "3", "--only", "DM0100", "DM0200",
         "--force", "--scheduler", "tcp://10.0.0.5:8786", "--output-root", "/tmp/x"])
    assert (args.region, args.workers, args.only, args.force, args.scheduler, args.output_root) \
        == ("demoregio", 3, ["DM0100", "DM0200"], True, "tcp://10.0.0.5:8786", "/tmp/x")


def _fake_check(rows):
    def check_data_folder(path):
        return pd.DataFrame(rows, columns=["source", "file", "status", "problem"])
    return check_data_folder


def test_check_data_exit_code_follows_the_table(tmp_path, monkeypatch, capsys):
    ok = [("duo", "duo/a.csv", "OK", "")]
    monkeypatch.setattr(josanalysis.sources, "check_data_folder", _fake_check(ok), raising=False)
    assert main(["check-data", str(tmp_path)]) == 0
    assert "duo/a.csv" in capsys.readouterr().out

    bad = ok + [("verzuim", "verzuim/v.csv.gz", "FOUT", "row 3, column 'datum': not a date")]
    monkeypatch.setattr(josanalysis.sources, "check_data_folder", _fake_check(bad), raising=False)
    assert main(["check-data", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "not a date" in captured.out
    assert "1 of 2 file(s)" in captured.err


def test_data_error_from_a_command_is_one_sentence(tmp_path, monkeypatch, capsys):
    from josanalysis.errors import DataError

    def check_data_folder(path):
        raise DataError("folder not found", file=path)

    monkeypatch.setattr(josanalysis.sources, "check_data_folder", check_data_folder,
                        raising=False)
    assert main(["check-data", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "josanalysis: nope: folder not found"


def test_console_script_entry_point():
    """The installed `josanalysis` command is the CLI (pyproject [project.scripts])."""
    exe = Path(sys.executable).with_name("josanalysis")
    if not exe.is_file():
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run([str(exe), "run", "--region", "nergensland"], capture_output=True,
                          text=True, timeout=120, cwd=PROJECT)
    assert proc.returncode == 2
    assert "nergensland" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_kernel_is_one_sentence():
    from josanalysis import batch
    from josanalysis.errors import ConfigError

    with pytest.raises(ConfigError, match="kernel 'no-such-kernel-xyz' is not installed"):
        batch._check_kernel("no-such-kernel-xyz")
    batch._check_kernel(batch.KERNEL_NAME)  # the project kernel is registered
