"""The josanalysis command line: exit codes and one-sentence errors (no tracebacks).

Batch runs through the CLI are exercised in tests/test_batch.py; these tests need no notebook.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import josanalysis.sources
from josanalysis.core.errors import ConfigError
from josanalysis.runner import cli
from josanalysis.runner.cli import build_parser, main

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


def test_pdf_option_reaches_the_batch_runner(monkeypatch, capsys, tmp_path):
    assert build_parser().parse_args(["run", "--region", "demoregio", "--pdf"]).pdf is True
    assert build_parser().parse_args(["run", "--region", "demoregio"]).pdf is False
    seen = {}

    def fake_run_region(region, **kwargs):
        seen.update(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr(cli, "run_region", fake_run_region)
    assert main(["run", "--region", "demoregio", "--pdf"]) == 2
    assert seen["pdf"] is True


def test_pdf_without_chromium_is_one_sentence(monkeypatch, capsys, tmp_path):
    from josanalysis.runner import pdf

    monkeypatch.setattr(pdf, "chromium_path", lambda: None)
    assert main(["run", "--region", "demoregio", "--pdf", "--output-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Chromium" in err and "apt-get install chromium" in err and "Traceback" not in err


def test_check_data_on_the_demo_folder_is_all_ok(capsys):
    assert main(["check-data", str(PROJECT / "data" / "demo"), "--region", "demoregio"]) == 0
    out = capsys.readouterr().out
    assert "verzuim/verzuim-2024-2025.csv.gz" in out and "FOUT" not in out


def test_check_data_reports_a_bad_file_and_unknown_school(tmp_path, capsys):
    shutil.copytree(PROJECT / "data" / "examples", tmp_path / "src")
    data = tmp_path / "data"
    (data / "swv").mkdir(parents=True)
    (data / "duo").mkdir()
    (data / "verzuim").mkdir()
    shutil.copy(tmp_path / "src" / "duo-leerlingen-vo-per-vestiging-2025.csv",
                data / "duo" / "leerlingen-vo-per-vestiging-2025.csv")
    shutil.copy(tmp_path / "src" / "verzuim-2023-2024.csv", data / "verzuim" / "verzuim-2023-2024.csv")
    (data / "swv" / "verwijzingen.csv").write_text(
        "vestigingscode;schooljaar;tlv_vso_cluster4;plaatsingen_voorziening\nXX0100;2022-2023;-3;1\n",
        encoding="utf-8")
    assert main(["check-data", str(data)]) == 1
    captured = capsys.readouterr()
    assert "swv/verwijzingen.csv" in captured.out and "FOUT" in captured.out
    assert "row 2" in captured.out and "tlv_vso_cluster4" in captured.out
    assert "did not pass the check" in captured.err
    # with --region, codes that are not the region's schools are refused as well
    (data / "swv" / "verwijzingen.csv").write_text(
        "vestigingscode;schooljaar;tlv_vso_cluster4;plaatsingen_voorziening\nXX0100;2022-2023;3;1\n",
        encoding="utf-8")
    assert main(["check-data", str(data), "--region", "demoregio"]) == 1
    assert "XX0100" in capsys.readouterr().out


def test_check_data_with_a_region_reads_reason_codes_by_the_schools_mapping(tmp_path, capsys):
    (tmp_path / "verzuim").mkdir()
    shutil.copy(PROJECT / "data" / "examples" / "verzuim-redenen-2023-2024.csv", tmp_path / "verzuim")
    assert main(["check-data", str(tmp_path), "--region", "demoregio"]) == 0
    assert "verzuim/verzuim-redenen-2023-2024.csv" in capsys.readouterr().out
    # without the region no mapping is known: the codes are refused, not guessed
    assert main(["check-data", str(tmp_path)]) == 1
    assert "uses absence reason code" in capsys.readouterr().out


def test_missing_data_folder_is_one_sentence(tmp_path, capsys):
    assert main(["check-data", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "does not exist" in err and "Traceback" not in err


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
    from josanalysis.core.errors import ConfigError
    from josanalysis.runner import kernels

    with pytest.raises(ConfigError, match="kernel 'no-such-kernel-xyz' is not installed"):
        kernels.check_kernel("no-such-kernel-xyz")
    kernels.check_kernel(kernels.KERNEL_NAME)  # the project kernel is registered


def test_synth_refuses_more_schools_than_codes(tmp_path, capsys):
    out = tmp_path / "big"
    assert main(["synth", "--schools", str(36 ** 3 + 1), "--out", str(out)]) == 2
    assert "at most 46656 schools" in capsys.readouterr().err
    assert not out.exists(), "nothing is written for a refused request"
