from __future__ import annotations

import datetime as dt

import pytest

from josanalysis.core.config import load_analysis_plan, load_region
from josanalysis.core.errors import ConfigError


def test_demoregio_loads_with_its_design():
    r = load_region("demoregio")
    assert r.synthetic and len(r.schools) == 13
    starts = sorted({s.jos_start for s in r.jos_schools})
    assert starts == [dt.date(2019, 8, 1), dt.date(2022, 8, 1), dt.date(2024, 8, 1)]
    assert sum(s.jos_start == dt.date(2022, 8, 1) for s in r.schools) == 8
    assert {s.school_id for s in r.comparison_schools} == {"DM1100", "DM1200"}
    assert r.school("DM0200").fte_during == {"GW": 0.165, "JGC": 0.16, "PAJ": 1.0}
    assert r.school("DM0600").fte_during["PAJ"] is None


def test_unknown_school_id_is_one_sentence():
    r = load_region("demoregio")
    with pytest.raises(ConfigError, match="School id 'XX9999' is not in region 'demoregio'"):
        r.school("XX9999")


def test_unknown_region_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="Region 'nowhere' has no parameter file"):
        load_region("nowhere")


def _write_region(tmp_path, school_yaml: str, region_extra: str = ""):
    (tmp_path / "regions").mkdir()
    (tmp_path / "schools" / "r").mkdir(parents=True)
    (tmp_path / "regions" / "r.yaml").write_text(
        f"region_id: r\nname: R\nschools: [AA0100]\n{region_extra}", encoding="utf-8")
    (tmp_path / "schools" / "r" / "AA0100.yaml").write_text(school_yaml, encoding="utf-8")


def test_bad_date_in_school_file_is_refused(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\njos_start: 2022-13-01\n")
    with pytest.raises(ConfigError, match=r"AA0100.yaml: key 'jos_start' is '2022-13-01', expected a date"):
        load_region("r", tmp_path)


def test_missing_school_file_is_named(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n",
                  "comparison_schools: []\n")
    (tmp_path / "regions" / "r.yaml").write_text("region_id: r\nname: R\nschools: [AA0100, BB0100]\n")
    with pytest.raises(ConfigError, match="school 'BB0100' has no parameter file"):
        load_region("r", tmp_path)


def test_unknown_function_and_negative_fte(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\nfte:\n  during: {XYZ: 1}\n")
    with pytest.raises(ConfigError, match="function 'XYZ'"):
        load_region("r", tmp_path)


def test_comparison_school_with_start_is_refused(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\njos_start: 2022-08-01\n",
                  "comparison_schools: [AA0100]\n")
    with pytest.raises(ConfigError, match="comparison school 'AA0100' has a jos_start"):
        load_region("r", tmp_path)


def test_analysis_plan_is_prespecified_and_checked(tmp_path):
    plan = load_analysis_plan()
    assert plan.autocorrelation == "ar1" and plan.alpha == 0.05
    assert plan.indicators["absence_rate"].family == "gaussian"
    assert plan.indicators["thuiszitters"].family == "quasipoisson"
    assert len(plan.covid_windows) == 2
    bad = tmp_path / "plan.yaml"
    bad.write_text("alpha: 0.05\nautocorrelation: ar7\nindicators: {absence_rate: {}}\n")
    with pytest.raises(ConfigError, match="autocorrelation 'ar7'"):
        load_analysis_plan(bad)
    bad.write_text("alpha: 0.05\nindicators: {absence_rate: {family: lognormal}}\n")
    with pytest.raises(ConfigError, match="family 'lognormal'"):
        load_analysis_plan(bad)


def test_a_typo_in_the_privacy_block_is_refused_with_the_closest_key(tmp_path):
    """`min_cout` once fell back to the default 5 without a word (issue 13)."""
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n",
                  "privacy:\n  min_cout: 3\n")
    with pytest.raises(ConfigError) as err:
        load_region("r", tmp_path)
    msg = str(err.value)
    assert msg.startswith("r.yaml: unknown key 'privacy.min_cout'; did you mean 'min_count'?"), msg
    assert "min_denominator" in msg


@pytest.mark.parametrize("region_extra, key, closest", [
    ("comparision_schools: []\n", "comparision_schools", "comparison_schools"),
    ("budget:\n  transition:\n    yaers: 2\n", "budget.transition.yaers", "years"),
    ("outofregion:\n  min_pupil: 5\n", "outofregion.min_pupil", "min_pupils"),
])
def test_unknown_region_keys_name_file_key_and_closest_valid_key(tmp_path, region_extra, key, closest):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n", region_extra)
    with pytest.raises(ConfigError, match=rf"r.yaml: unknown key '{key}'; did you mean '{closest}'\?"):
        load_region("r", tmp_path)


def test_unknown_school_key_is_refused(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\njos_strat: 2022-08-01\n")
    with pytest.raises(ConfigError, match=r"AA0100.yaml: unknown key 'jos_strat'; did you mean 'jos_start'\?"):
        load_region("r", tmp_path)


def test_unknown_plan_key_is_refused(tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text("alpha: 0.05\nplacebo: {n_date: 5}\nindicators: {absence_rate: {famly: gaussian}}\n")
    with pytest.raises(ConfigError, match=r"plan.yaml: unknown key 'placebo.n_date'; did you mean 'n_dates'\?"):
        load_analysis_plan(bad)
    bad.write_text("alpha: 0.05\nindicators: {absence_rate: {famly: gaussian}}\n")
    with pytest.raises(ConfigError, match=r"unknown key 'indicators.absence_rate.famly'; did you mean 'family'\?"):
        load_analysis_plan(bad)


def test_indicator_plan_inherits_the_impact_model_unless_it_says_otherwise(tmp_path):
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text("alpha: 0.05\nimpact_model: {lag_months: 2, seasonality: harmonic}\n"
                         "indicators: {a: {}, b: {seasonality: null, lag_months: 0}}\n")
    plan = load_analysis_plan(plan_file)
    assert (plan.indicators["a"].lag_months, plan.indicators["a"].seasonality) == (2, "harmonic")
    assert (plan.indicators["b"].lag_months, plan.indicators["b"].seasonality) == (0, None)


@pytest.mark.parametrize("region_id", ["../escaped", "a/b", "", ".hidden", "x" * 65, "regio alkmaar"])
def test_path_like_region_ids_are_refused_before_any_path_is_built(tmp_path, region_id):
    """`--region ../escaped` once wrote outside outputs/ (issue 17)."""
    with pytest.raises(ConfigError, match="is not a valid identifier"):
        load_region(region_id, tmp_path)


def test_path_like_school_ids_in_a_region_file_are_refused(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n")
    (tmp_path / "regions" / "r.yaml").write_text("region_id: r\nname: R\nschools: [AA0100, ../../etc]\n")
    with pytest.raises(ConfigError, match=r"r.yaml: schools entry '../../etc' is not a valid identifier"):
        load_region("r", tmp_path)


def test_region_id_must_match_its_file_name(tmp_path):
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n")
    (tmp_path / "regions" / "r.yaml").write_text("region_id: other\nname: R\nschools: [AA0100]\n")
    with pytest.raises(ConfigError, match="region_id is 'other', expected 'r'"):
        load_region("r", tmp_path)


_SCHOOL = "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n"


@pytest.mark.parametrize("note, kind", [
    ("Leerling met BSN 111222333 zit thuis.", "BSN"),
    ("Casus 1112.22.333 besproken.", "BSN"),
    ("Bel de ouders op 06-12345678.", "telefoonnummer"),
    ("Contact via +31 72 512 3456.", "telefoonnummer"),
    ("Mail naar j.jansen@school.nl voor details.", "e-mailadres"),
])
@pytest.mark.parametrize("where", ["school", "school_indicator", "region"])
def test_notes_with_personal_data_are_refused_with_a_sentence(tmp_path, note, kind, where):
    """A note is printed in shared reports: a BSN (elfproef), phone number or e-mail is refused (issue 17)."""
    quoted = note.replace('"', '\\"')
    if where == "school":
        _write_region(tmp_path, _SCHOOL + f'notes: "{quoted}"\n')
        key, file = "notes.general", "AA0100.yaml"
    elif where == "school_indicator":
        _write_region(tmp_path, _SCHOOL + f'notes:\n  indicators:\n    absence_rate: "{quoted}"\n')
        key, file = "notes.indicators.absence_rate", "AA0100.yaml"
    else:
        _write_region(tmp_path, _SCHOOL, f'notes:\n  general: "{quoted}"\n')
        key, file = "notes.general", "r.yaml"
    with pytest.raises(ConfigError) as err:
        load_region("r", tmp_path)
    message = str(err.value)
    assert file in message and f"'{key}'" in message and kind in message, message
    assert "111222333" not in message and "12345678" not in message and "j.jansen" not in message, \
        "the error itself does not repeat the personal data"


@pytest.mark.parametrize("note", [
    "Het verzuim daalde in 2022-2023 met 1,2 procentpunt; 0,68 fte per 100 leerlingen.",
    "Budget € 1.250.000 per jaar vanaf 01-08-2022; BRIN 08UV00.",
    "Nummer 123456789 is geen BSN (elfproef faalt).",
])
def test_notes_with_ordinary_numbers_still_load(tmp_path, note):
    _write_region(tmp_path, _SCHOOL + f'notes: "{note}"\n')
    assert load_region("r", tmp_path).schools[0].notes


def test_invalid_school_params_stop_a_strict_load_and_are_recorded_when_skipped(tmp_path):
    """A batch loads with skip_invalid_schools=True so that one bad school fails alone."""
    _write_region(tmp_path, "school_id: AA0100\nname: A\ntype: vmbo\nregion: r\n")
    (tmp_path / "regions" / "r.yaml").write_text(
        "region_id: r\nname: R\nschools: [AA0100, BB0100, CC0100]\ncomparison_schools: [BB0100]\n")
    (tmp_path / "schools" / "r" / "BB0100.yaml").write_text("school_id: BB0100\nname: [B\n")
    with pytest.raises(ConfigError, match="BB0100.yaml.*not valid YAML"):
        load_region("r", tmp_path)
    region = load_region("r", tmp_path, skip_invalid_schools=True)
    assert region.school_ids == ["AA0100"]
    assert region.listed_school_ids == ["AA0100", "BB0100", "CC0100"]
    assert [s.school_id for s in region.invalid_schools] == ["BB0100", "CC0100"]
    assert "not valid YAML" in region.invalid_school("BB0100").problem
    assert "has no parameter file" in region.invalid_school("CC0100").problem
    assert region.comparison_schools == []
    with pytest.raises(ConfigError, match="School 'BB0100' cannot be used: BB0100.yaml"):
        region.school("BB0100")


def test_a_region_is_titled_once_as_regio():
    assert load_region("demoregio").title == "Regio Demoregio"
    assert load_region("regio-alkmaar").title == "Regio Alkmaar", "not 'Regio Regio Alkmaar'"
