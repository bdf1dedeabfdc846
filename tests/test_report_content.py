"""What a reader of the school and region reports relies on (issue 14): the Samenvatting first,
Dutch throughout (no model codes, English, paths, config keys or Python values), Dutch alt text
on every figure, a short report of its own for a comparison school, the event study's years
before the start in the region report, and no Python warning reaching the page."""

from __future__ import annotations

import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from josanalysis.assessment import CAVEAT_TITLES_NL, SEVERITIES, SEVERITY_NL  # noqa: E402
from josanalysis.methods.robustness.placebo import PlaceboResult, effect_size  # noqa: E402
from josanalysis.reporting import build_region_report, build_school_report  # noqa: E402
from josanalysis.reporting.document import Figure, Notice, Section, Table, Text  # noqa: E402
from josanalysis.reporting.region_report import lead_caveat_nl, leads_excluding_zero  # noqa: E402
from josanalysis.reporting.tables import event_leads_nl  # noqa: E402

#: Words that must not appear in any report text: model codes, English, config keys, Python values.
FORBIDDEN = [r"\bgaussian\b", r"\bquasipoisson\b", r"\bar1\b", r"\bar2\b", r"\bhac\b", r"rate ratio",
             r"event study", r"bootstrap", r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"\bTrue\b", r"\bFalse\b",
             r"analysis_plan", r"params/", r"\.yaml", r"\blag \d", r"\bWarning\b"]


def _build(build, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build(*args)
    return report, list(caught)


@pytest.fixture(scope="module")
def reports():
    return {"DM0100": _build(build_school_report, "demoregio", "DM0100"),
            "DM1100": _build(build_school_report, "demoregio", "DM1100"),
            "region": _build(build_region_report, "demoregio")}


def _walk(sections):
    """Every (section, item) of a document, nested sections included, in reading order."""
    for s in sections:
        yield s, None
        for item in s.items:
            if isinstance(item, Section):
                yield from _walk([item])
            else:
                yield s, item


def _texts(report):
    """Every text a reader sees: headings, Markdown, table headers/cells/captions, alt texts, notices."""
    for section, item in _walk(report.document.sections):
        if item is None:
            yield section.title or ""
        elif isinstance(item, Text):
            yield item.markdown
        elif isinstance(item, Table):
            yield " | ".join(map(str, item.frame.columns))
            yield from (str(v) for v in item.frame.astype(str).to_numpy().ravel())
            yield item.caption or ""
        elif isinstance(item, Figure):
            yield item.alt
        elif isinstance(item, Notice):
            yield re.sub(r"<[^>]+>", " ", item.html)


@pytest.mark.parametrize("name", ["DM0100", "DM1100", "region"])
def test_samenvatting_comes_first_after_title_and_contents(reports, name):
    report, _ = reports[name]
    keys = [s.key for s in report.document.sections]
    assert keys[:2] == ["title", "summary"] and keys[-1] == "appendix"
    assert report.section("summary").title == "Samenvatting"
    title = report.section("title").items
    assert any(isinstance(i, Notice) and "jos-contents" in i.html for i in title), "a table of contents"
    order = [(s.key, type(i).__name__) for s, i in _walk(report.document.sections) if i is not None]
    first_figure = next(n for n, (_, kind) in enumerate(order) if kind == "Figure")
    first_summary = next(n for n, (key, _) in enumerate(order) if key == "summary")
    assert first_summary < first_figure
    assert any(isinstance(i, Table) for i in report.section("summary").items)


@pytest.mark.parametrize("name", ["DM0100", "DM1100", "region"])
def test_no_model_codes_english_paths_or_python_values(reports, name):
    report, _ = reports[name]
    text = "\n".join(_texts(report))
    found = {p for p in FORBIDDEN if re.search(p, text, flags=0 if p[2:3].isupper() else re.IGNORECASE)}
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", ["DM0100", "DM1100", "region"])
def test_every_figure_has_a_dutch_alt_text(reports, name):
    report, _ = reports[name]
    figures = [i for _, i in _walk(report.document.sections) if isinstance(i, Figure)]
    assert figures
    for f in figures:
        assert f.alt.startswith(("Grafiek", "Histogram")) and len(f.alt) > 40, f.name
        assert "No description" not in f.alt and f'alt="{f.alt[:20]}' in f.html()


def test_samenvatting_has_one_line_per_indicator_with_verdict_and_main_caveat(reports):
    report, _ = reports["DM0100"]
    table = next(i for i in report.section("summary").items if isinstance(i, Table)).frame
    assert list(table.columns) == ["Indicator", "Wat veranderde", "Hoe zeker", "Oordeel",
                                   "Belangrijkste kanttekening"]
    assert len(table) == len(report.analyses)
    for row, a in zip(table.itertuples(), report.analyses):
        assert row.Oordeel == a.assessment.verdict
        if a.assessment.verdict_key == "small_counts":
            # too few events: no interval and no percentage (issue 15)
            assert row._3 == "niet te zeggen" and "%" not in row._2
        else:
            assert "betrouwbaarheidsinterval" in row._3
    # the most severe caveat is the one shown (the first of that severity)
    for row, a in zip(table.itertuples(), report.analyses):
        worst = max(a.assessment.caveats, key=lambda c: SEVERITIES.index(c.severity))
        assert row._5 == f"{CAVEAT_TITLES_NL[worst.key]} ({SEVERITY_NL[worst.severity]})"


def test_comparison_school_has_a_short_report_of_its_own(reports):
    report, _ = reports["DM1100"]
    keys = [s.key for s in report.document.sections]
    assert "monthly" not in keys and "limits" not in keys
    text = "\n".join(_texts(report))
    assert "vergelijkingsschool" in text and "gecontroleerde onderbroken tijdreeks" in text
    assert "gespreide invoering" in text
    assert "Oordeel:" not in text and "effectschatting" not in text
    names = [i.name for _, i in _walk(report.document.sections) if isinstance(i, Figure)]
    assert names == [f"{a.indicator.key}_series" for a in report.analyses]


def test_region_report_in_region_wording_with_leads(reports):
    report, _ = reports["region"]
    text = "\n".join(_texts(report))
    assert "deze school" not in text and "de voortgezette trend" not in text
    for key in ("absence_rate", "unauthorised_absence_rate"):
        tables = [i for _, i in _walk([report.section("event_study")]) if isinstance(i, Table)]
        assert any("Verschil met scholen zonder JOS" in t.frame.columns for t in tables), key
    # a lead interval that excludes zero gets a caveat (the leads of the demo region do)
    assert "Al vóór de start verschilden" in text or "liepen vóór de start al anders" in text


def test_leads_table_and_caveat_from_the_same_numbers():
    event = pd.DataFrame({"estimate": [0.002, -0.001, 0.0, -0.01], "ci_low": [0.001, -0.003, np.nan, -0.02],
                          "ci_high": [0.003, 0.001, np.nan, -0.001]},
                         index=pd.Index([-3, -2, -1, 0], name="event_year"))
    assert leads_excluding_zero(event) == [-3]
    table = event_leads_nl(event, percent=True)
    assert table["Interval sluit nul uit"].tolist()[0].startswith("ja") and len(table) == 3
    assert "3 jaar vóór de start" in lead_caveat_nl([-3]) and lead_caveat_nl([]) == ""


def test_no_warning_escapes_a_build(reports):
    for name, (report, caught) in reports.items():
        assert caught == [], (name, [str(w.message) for w in caught])
        assert isinstance(report.warnings, tuple)


def test_dm0400_fits_no_rank_deficient_design(capfd):
    # its thuiszitters (about one a month) used to fit 35 singular designs in the power
    # simulation; such designs are now refused before fitting (issue 15)
    report, caught = _build(build_school_report, "demoregio", "DM0400")
    assert caught == []
    assert not any("SingularMatrixWarning" in w or "rank-deficient" in w for w in report.warnings)
    out, err = capfd.readouterr()
    assert err == "" and "Warning" not in out


def test_placebo_sentence_counts_what_the_figure_draws():
    placebos = pd.DataFrame({"term": ["level"] * 5 + ["slope"],
                             "estimate": [0.5, -2.0, np.nan, 1.5, -0.2, 9.0],
                             "p_value": [0.5, 0.01, np.nan, 0.03, 0.8, 0.0]})
    actual = pd.DataFrame({"estimate": [-1.0], "scale": ["difference"]}, index=["level"])
    res = PlaceboResult(placebos=placebos, actual=actual, term="level", rank_p=0.5, rejection_rate=0.4,
                        alpha=0.05)
    drawn = res.estimates()
    assert drawn.tolist() == [0.5, -2.0, 1.5, -0.2]
    larger = int((effect_size(drawn.to_numpy(), "difference") >= 1.0).sum())
    text = res.summary_nl()
    assert f"Bij {len(drawn)} nepstartdatums" in text and f"{larger} keer minstens zo groot" in text
    assert "2 van de 4 nepstarts" in text


def test_back_link_to_the_index_when_written(tmp_path):
    report = build_school_report("demoregio", "DM1100", output_dir=tmp_path / "schools" / "DM1100")
    title = report.section("title").items
    assert any(isinstance(i, Notice) and 'href="../../index.html"' in i.html for i in title)
    assert (tmp_path / "schools" / "DM1100" / "results.csv").is_file()


def test_summary_words_for_change_and_certainty():
    from josanalysis.assessment import Effect, Evidence
    from josanalysis.reporting.report_parts import certainty_nl, change_nl

    sure = Evidence("absence_rate", percent_points=True, level=Effect(-0.015, -0.027, -0.004))
    assert change_nl(sure) == "daling van 1,5 procentpunt ten opzichte van de voortgezette trend"
    assert certainty_nl(sure) == "vrij zeker lager: tussen 0,4 en 2,7 procentpunt lager (95%-betrouwbaarheidsinterval)"
    unsure = Evidence("thuiszitters", scale="ratio", level=Effect(0.9, 0.6, 1.56))
    assert certainty_nl(unsure).startswith("onzeker: tussen 40% lager en 56% hoger")
    assert change_nl(Evidence("absence_rate")) == "geen schatting"
    assert certainty_nl(Evidence("absence_rate")) == "niet te zeggen"


def test_a_technical_reason_goes_to_the_warnings_not_the_text():
    from josanalysis.assessment.school import _not_possible
    from josanalysis.core.errors import JosError

    with pytest.warns(RuntimeWarning, match="the pre-period is too short"):
        text = _not_possible("De placebotoets was niet mogelijk", JosError("the pre-period is too short"))
    assert text == "De placebotoets was niet mogelijk."
