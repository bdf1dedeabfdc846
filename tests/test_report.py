from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from josanalysis.core.config import PrivacyRules, load_analysis_plan, load_region  # noqa: E402
from josanalysis.core import formatting as nl  # noqa: E402
from josanalysis.privacy import write_results  # noqa: E402
from josanalysis.reporting.presentation import banner, plan_table, school_profile  # noqa: E402


def test_dutch_number_formats():
    assert nl.number(1234.5, 1) == "1.234,5"
    assert nl.percent(0.0123, 1) == "1,2%"
    assert nl.number(float("nan")) == "–"
    assert nl.number(-0.04, 1) == "0,0", "no negative zero"
    assert nl.euro(-1234.5, 2) == "-€ 1.234,50"
    assert nl.full_date("2022-08-01") == "1 augustus 2022"
    assert nl.effect_interval(-0.0081, -0.012, -0.0042, scale="difference", percent=True) == \
        "-0,8 procentpunt (95%-BI -1,2 tot -0,4)"
    assert nl.effect_interval(0.885, 0.839, 0.933, scale="ratio").startswith("-12% (verhouding 0,885; 95%-BI -16% tot -7%)")


def test_banner_only_for_synthetic_regions():
    demo = load_region("demoregio")
    assert "SYNTHETISCHE DEMODATA — geen echte cijfers" in banner(demo)._repr_html_()
    real = load_region("regio-alkmaar")
    assert banner(real) is None


def test_plan_table_prints_the_prespecified_model():
    t = plan_table(load_analysis_plan())
    plan = load_analysis_plan()
    assert len(t) == len(plan.indicators) and "AR(1)-fouten geschat met GLS" in set(t["Autocorrelatie"])
    # multiplicity: the plan names the primary estimate of every indicator
    assert set(t["Hoofdschatting"]) == {"niveauverandering (de andere effecten zijn secundair)"}
    assert "Analyseplan versie" in t.attrs["caption"]


def test_school_profile_shows_nvt_for_undeployed_functions():
    s = load_region("demoregio").school("DM0600")
    prof = school_profile(s).set_index("Kenmerk")["Waarde"]
    assert prof["preventief ambulant jeugdhulpverlener VO"] == "n.v.t."


def test_write_results_suppresses_counts_and_writes_csv_and_json(tmp_path):
    df = pd.DataFrame({"school_id": ["A", "B"], "n_thuiszitters": [3, 12], "estimate": [0.5, np.nan]})
    write_results(df, tmp_path, PrivacyRules(), count_columns=["n_thuiszitters"])
    back = pd.read_csv(tmp_path / "results.csv")
    assert back["n_thuiszitters"].isna().iloc[0] and back["n_thuiszitters"].iloc[1] == 12
    js = json.loads((tmp_path / "results.json").read_text())
    assert js[0]["n_thuiszitters"] is None and js[1]["estimate"] is None
    assert write_results(df, "", PrivacyRules()) is None


def test_a_report_table_must_come_from_the_privacy_layer():
    """Reporting accepts only tables the privacy layer returned (issue 13: privacy is the only
    producer of the protected table type)."""
    import pytest

    from josanalysis.privacy import (PrivacyError, apply_privacy, certify_without_counts, concat_protected,
                                     drop_protected, hide_dependent, is_protected)
    from josanalysis.reporting.document import Table

    raw = pd.DataFrame({"school": ["A", "B", "C"], "n_thuiszitters": [3, 40, 50], "trend": [1.0, 2.0, 3.0]})
    with pytest.raises(PrivacyError, match="did not come from the privacy layer"):
        Table(raw)
    safe = apply_privacy(raw, PrivacyRules(), count_columns=["n_thuiszitters"], secondary=False)
    Table(safe)
    with pytest.raises(PrivacyError):
        Table(safe.drop(columns=["trend"]))
    assert is_protected(drop_protected(safe, ["trend"]))
    hidden = hide_dependent(safe, {"trend": ["n_thuiszitters"]})
    assert is_protected(hidden) and hidden["trend"].isna().tolist() == [True, False, False]
    assert is_protected(concat_protected([safe, safe])) and not is_protected(concat_protected([safe, raw]))
    with pytest.raises(PrivacyError, match="named like a pupil count"):
        certify_without_counts(raw, "the test table")
    Table(certify_without_counts(raw[["school", "trend"]], "the test table"))


HOSTILE = [
    '<img src=x onerror=alert(1)>', "<script>alert(2)</script>", "[klik](javascript:alert(3))",
    "[ook](JaVaScRiPt:alert(4))", "[x](java&#x09;script:alert(5))", "<svg onload=alert(6)>",
    '"><iframe src="https://evil.example">', "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href='javascript:alert(7)'>a</a>", "![img](javascript:alert(8))", "<javascript:alert(9)>",
    "[vb](vbscript:msgbox(1))", "[f](file:///etc/passwd)", "<style>body{display:none}</style>",
    "<!--<script>alert(10)//-->", "[e](&#106;avascript:alert(11))",
]


@pytest.mark.parametrize("evil", HOSTILE)
def test_hostile_names_and_notes_cannot_run_in_a_report(evil):
    """Text from params (names, notes) reaches a report only as text: no element, handler or
    address a browser would run, whatever the Markdown or HTML trick (issue 17)."""
    from josanalysis.privacy import certify_without_counts
    from josanalysis.privacy.active_content import active_content
    from josanalysis.reporting.document import Figure, Section, Table, Text

    html = Text(f"**Toelichting.** {evil} einde").html()
    assert active_content(html) == [], html
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html and "<style" not in html
    assert "<strong>Toelichting.</strong>" in html, "markdown of our own still works"
    assert active_content(Section("x", evil, ()).heading_html()) == []
    table = Table(certify_without_counts(pd.DataFrame({"School": [evil], evil: ["x"]}), "the test table")
                  ).styler().to_html()
    assert active_content(table) == [] and "<script>" not in table
    assert active_content(Figure("x", b"<svg><text>x</text></svg>", alt=evil).html()) == []


def test_report_text_keeps_safe_links_and_drops_the_rest():
    from josanalysis.reporting.document import Text

    html = Text("[site](https://www.jos.nl) [mail](mailto:info@jos.nl) [rapport](schools/DM0100/report.html) "
                "[anker](#samenvatting) [ftp](ftp://x.nl)").html()
    for href in ("https://www.jos.nl", "mailto:info@jos.nl", "schools/DM0100/report.html", "#samenvatting"):
        assert f'href="{href}"' in html
    assert "ftp:" not in html and html.count('rel="noopener noreferrer"') == 5
